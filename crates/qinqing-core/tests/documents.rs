//! The document pipeline on images these tests generate: orientation,
//! metadata, bombs, broken files, dedup, atomicity, deletion.

use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView, Rgb, RgbImage};
use qinqing_core::docstore::{self, IngestLimits};
use qinqing_core::id::with_check_char;
use qinqing_core::time::FixedClock;
use qinqing_core::{Code, PersonInput, Qinqing};
use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

fn ledger() -> Qinqing {
    Qinqing::in_memory(Arc::new(FixedClock::at("2026-03-10T02:00:00Z"))).unwrap()
}

fn person(q: &mut Qinqing) -> i64 {
    q.add_person(&PersonInput {
        name: "张伟".into(),
        resident_id: with_check_char("34010419821108017"),
        insurance: "employee".into(),
        region: "310115".into(),
        voucher_activated: true,
        ..Default::default()
    })
    .unwrap()
    .id
}

/// 80×40, four solid quadrants: red, green / blue, white.
fn upright() -> RgbImage {
    RgbImage::from_fn(80, 40, |x, y| match (x < 40, y < 20) {
        (true, true) => Rgb([220, 20, 20]),
        (false, true) => Rgb([20, 200, 20]),
        (true, false) => Rgb([20, 20, 220]),
        (false, false) => Rgb([250, 250, 250]),
    })
}

fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(img).unwrap();
    out
}

/// An EXIF APP1 segment with an orientation and a GPS IFD (latitude ref "N").
fn exif_app1(orientation: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend(b"II*\0");
    t.extend(8u32.to_le_bytes());
    t.extend(2u16.to_le_bytes());
    t.extend(0x0112u16.to_le_bytes());
    t.extend(3u16.to_le_bytes());
    t.extend(1u32.to_le_bytes());
    t.extend(orientation.to_le_bytes());
    t.extend([0, 0]);
    let gps_offset: u32 = 8 + 2 + 2 * 12 + 4;
    t.extend(0x8825u16.to_le_bytes());
    t.extend(4u16.to_le_bytes());
    t.extend(1u32.to_le_bytes());
    t.extend(gps_offset.to_le_bytes());
    t.extend(0u32.to_le_bytes());
    t.extend(1u16.to_le_bytes());
    t.extend(0x0001u16.to_le_bytes());
    t.extend(2u16.to_le_bytes());
    t.extend(2u32.to_le_bytes());
    t.extend([b'N', 0, 0, 0]);
    t.extend(0u32.to_le_bytes());
    t.extend(b"GPS-31.2304N-121.4737E");
    let mut seg = b"Exif\0\0".to_vec();
    seg.extend(t);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((seg.len() + 2) as u16).to_be_bytes());
    app1.extend(seg);
    app1
}

fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend(exif_app1(orientation));
    out.extend(&jpeg[2..]);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn near(p: Rgb<u8>, want: [u8; 3]) -> bool {
    p.0.iter().zip(want).all(|(a, b)| (i16::from(*a) - i16::from(b)).abs() < 40)
}

/// The names of the stored files (documents and thumbnails), on either
/// backend: the file store beside a SQLite ledger, the blob table of a
/// PostgreSQL one.
fn stored(q: &Qinqing) -> Vec<String> {
    match q.backend() {
        qinqing_core::store::Backend::Sqlite => files_in(&q.files().dir)
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| !n.starts_with("installation"))
            .collect(),
        qinqing_core::store::Backend::Postgresql => q
            .conn()
            .query_map("SELECT name FROM blob WHERE name NOT LIKE 'installation.%' ORDER BY name", [], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap(),
    }
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_in(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn all_eight_exif_orientations_come_out_upright_without_metadata() {
    let mut q = ledger();
    let p = person(&mut q);
    let inverse = |o: Orientation| match o {
        Orientation::Rotate90 => Orientation::Rotate270,
        Orientation::Rotate270 => Orientation::Rotate90,
        other => other,
    };
    for exif in 1u8..=8 {
        let o = Orientation::from_exif(exif).unwrap();
        // The camera's raw pixels: what, turned by `o`, shows upright.
        let mut raw = DynamicImage::ImageRgb8(upright());
        raw.apply_orientation(inverse(o));
        let upload = with_exif(&jpeg(&raw.to_rgb8(), 95), u16::from(exif));
        assert!(contains(&upload, b"GPS-31.2304N"), "the upload carries GPS");
        let doc = q.ingest_document(p, "household_register", &upload, "", None).unwrap().document;
        assert_eq!((doc.width, doc.height), (Some(80), Some(40)), "orientation {exif}: upright size");
        let (_, stored) = q.document_bytes(doc.id).unwrap();
        assert!(!contains(&stored, b"GPS-31.2304N"), "orientation {exif}: GPS gone");
        assert!(!contains(&stored, b"Exif\0\0"), "orientation {exif}: no EXIF at all");
        let img = image::load_from_memory(&stored).unwrap().to_rgb8();
        for ((x, y), want) in [((10, 5), [220, 20, 20]), ((70, 5), [20, 200, 20]), ((10, 35), [20, 20, 220]), ((70, 35), [250, 250, 250])] {
            assert!(near(*img.get_pixel(x, y), want), "orientation {exif}: pixel ({x},{y}) is {:?}, want {want:?}", img.get_pixel(x, y));
        }
    }
}

#[test]
fn large_photos_are_downscaled_small_ones_never_upscaled() {
    let mut q = ledger();
    let p = person(&mut q);
    let big = RgbImage::from_fn(4000, 3000, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let doc = q.ingest_document(p, "hukou", &jpeg(&big, 90), "", None).unwrap().document;
    assert_eq!((doc.width, doc.height), (Some(2400), Some(1800)));
    let thumb = q.document_thumb(doc.id).unwrap().unwrap();
    assert!(thumb.data_url.starts_with("data:image/jpeg;base64,"));
    let tall = RgbImage::from_fn(1000, 3000, |_, _| Rgb([200, 200, 200]));
    let doc = q.ingest_document(p, "hukou", &jpeg(&tall, 90), "", None).unwrap().document;
    assert_eq!((doc.width, doc.height), (Some(800), Some(2400)));
    let small = docstore::sample_png(3, 100, 50).unwrap();
    let doc = q.ingest_document(p, "hukou", &small, "", None).unwrap().document;
    assert_eq!((doc.width, doc.height), (Some(100), Some(50)));
    assert_eq!(doc.source_media, "png");
    assert_eq!(doc.media, "jpeg");
    let processed = docstore::process(&small, &IngestLimits::default()).unwrap();
    let t = image::load_from_memory(processed.thumb.as_ref().unwrap()).unwrap();
    assert_eq!(t.dimensions(), (100, 50), "thumbnail not upscaled either");
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// A valid PNG whose header declares `w`×`h` pixels but holds almost no data.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut png = docstore::sample_png(1, 8, 8).unwrap();
    // IHDR data starts at byte 16 (8 signature + 4 length + 4 type).
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[test]
fn a_decompression_bomb_is_refused_before_it_is_decoded() {
    let mut q = ledger();
    let p = person(&mut q);
    let bomb = png_bomb(50_000, 50_000);
    assert!(bomb.len() < 2000, "a tiny file declaring 2.5 gigapixels");
    let e = q.ingest_document(p, "hukou", &bomb, "", None).unwrap_err();
    assert_eq!(e.code, Code::DocTooManyPixels, "{e}");
    // Within the side limit but over the memory budget: refused too.
    let mut q2 = ledger();
    let p2 = person(&mut q2);
    q2.set_ingest_limits(IngestLimits { max_side: 50_000, max_alloc: 64 * 1024 * 1024, ..Default::default() });
    let e = q2.ingest_document(p2, "hukou", &png_bomb(20_000, 20_000), "", None).unwrap_err();
    assert!(matches!(e.code, Code::DocTooManyPixels | Code::DocCorrupt), "{e}");
    assert!(q.list_documents(None).unwrap().is_empty());
    assert!(stored(&q).is_empty());
}

#[test]
fn broken_empty_and_foreign_files_are_refused_by_content() {
    let mut q = ledger();
    let p = person(&mut q);
    let good = jpeg(&upright(), 90);
    let e = q.ingest_document(p, "hukou", &good[..good.len() / 2], "", None).unwrap_err();
    assert_eq!(e.code, Code::DocIncomplete, "truncated JPEG: {e}");
    assert_eq!(q.ingest_document(p, "hukou", &[], "", None).unwrap_err().code, Code::DocEmpty);
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("photo.jpg");
    std::fs::write(&txt, "this is not a photo").unwrap();
    assert_eq!(q.ingest_document_path(p, "hukou", &txt, "", None).unwrap_err().code, Code::DocUnsupported);
    let disguised = dir.path().join("scan.png");
    std::fs::write(&disguised, &good).unwrap();
    let d = q.ingest_document_path(p, "hukou", &disguised, "", None).unwrap().document;
    assert_eq!(d.source_media, "jpeg", "recognised by content, not by name");
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let d = q.ingest_document(p, "medical_certificate", &pdf, "", None).unwrap().document;
    assert_eq!((d.media.as_str(), d.width), ("pdf", None));
    assert_eq!(q.document_bytes(d.id).unwrap().1, pdf, "a PDF is kept as it is");
    assert_eq!(q.ingest_document(p, "hukou", &pdf[..20], "", None).unwrap_err().code, Code::DocIncomplete);
    let mut webp = Vec::new();
    DynamicImage::ImageRgb8(upright()).write_to(&mut Cursor::new(&mut webp), image::ImageFormat::WebP).unwrap();
    assert_eq!(q.ingest_document(p, "hukou", &webp, "", None).unwrap().document.source_media, "webp");
    assert_eq!(q.ingest_document(p, "passport", &good, "", None).unwrap_err().code, Code::DocKindInvalid);
    assert_eq!(q.ingest_document(99, "hukou", &good, "", None).unwrap_err().code, Code::PersonNotFound);
}

#[test]
fn the_size_cap_is_checked_before_reading() {
    let mut q = ledger();
    let p = person(&mut q);
    q.set_ingest_limits(IngestLimits { max_bytes: 1000, ..Default::default() });
    let big = jpeg(&RgbImage::from_fn(300, 300, |x, y| Rgb([(x * y % 256) as u8, 0, 0])), 95);
    assert!(big.len() > 1000);
    let e = q.ingest_document(p, "hukou", &big, "", None).unwrap_err();
    assert_eq!(e.code, Code::DocTooLarge);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.jpg");
    std::fs::write(&f, &big).unwrap();
    assert_eq!(q.ingest_document_path(p, "hukou", &f, "", None).unwrap_err().code, Code::DocTooLarge);
}

#[test]
fn the_same_upload_is_stored_once_in_private_files() {
    let mut q = ledger();
    let p = person(&mut q);
    let bytes = jpeg(&upright(), 90);
    let a = q.ingest_document(p, "hukou", &bytes, "第一次", None).unwrap();
    let b = q.ingest_document(p, "hukou", &bytes, "第二次", None).unwrap();
    assert!(!a.duplicate);
    assert!(b.duplicate);
    assert_eq!(a.document.id, b.document.id);
    assert_eq!(a.hash, a.document.sha256);
    assert_eq!(q.list_documents(Some(p)).unwrap().len(), 1);
    let names = stored(&q);
    assert_eq!(names.len(), 2, "the image and its thumbnail: {names:?}");
    let bytes = q.doc_files().unwrap().read(&a.document.sha256, "jpg").unwrap();
    assert_eq!(docstore::sha256_hex(&bytes), a.document.sha256, "named by the hash of what is stored");
    #[cfg(unix)]
    if q.backend() == qinqing_core::store::Backend::Sqlite {
        let files = files_in(&q.files().dir);
        use std::os::unix::fs::PermissionsExt;
        for f in &files {
            assert_eq!(std::fs::metadata(f).unwrap().permissions().mode() & 0o777, 0o600, "{f:?}");
            assert_eq!(std::fs::metadata(f.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        }
    }
}

#[test]
fn a_failure_after_processing_leaves_no_file_and_no_row() {
    let mut q = ledger();
    let p = person(&mut q);
    let sqlite = q.backend() == qinqing_core::store::Backend::Sqlite;
    q.conn()
        .execute_batch(if sqlite {
            "CREATE TEMP TRIGGER boom BEFORE INSERT ON document BEGIN SELECT RAISE(ABORT, 'disk full'); END;"
        } else {
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END; $$;
             CREATE TRIGGER boom BEFORE INSERT ON document FOR EACH ROW EXECUTE FUNCTION boom();"
        })
        .unwrap();
    let e = q.ingest_document(p, "hukou", &jpeg(&upright(), 90), "", None).unwrap_err();
    assert_eq!(e.code, Code::Internal);
    assert!(stored(&q).is_empty(), "the files written before the row were removed");
    q.conn().execute_batch(if sqlite { "DROP TRIGGER boom;" } else { "DROP TRIGGER boom ON document;" }).unwrap();
    assert!(q.list_documents(None).unwrap().is_empty());
    let audit = q.audit_list(&Default::default()).unwrap();
    assert!(!audit.iter().any(|a| a.action == "document.add"));
}

#[test]
fn delete_removes_file_and_row_but_not_from_a_decided_application() {
    let mut q = ledger();
    let h = person(&mut q);
    let wife = q
        .add_person(&PersonInput {
            name: "王芳".into(),
            resident_id: with_check_char("31011519850421026"),
            insurance: "resident".into(),
            region: "310115".into(),
            voucher_activated: true,
            ..Default::default()
        })
        .unwrap()
        .id;
    let b = q.apply_binding(h, wife, "spouse").unwrap();
    let d = q.ingest_document(wife, "hukou", &jpeg(&upright(), 90), "", Some(b.id)).unwrap().document;
    assert_eq!(d.binding_id, Some(b.id));
    assert!(q.get_binding(b.id).unwrap().documents.iter().any(|x| x.id == d.id), "attached in the same step");
    // A draft's document can be deleted; it disappears from the application.
    q.delete_document(d.id).unwrap();
    assert!(stored(&q).is_empty());
    assert!(q.get_binding(b.id).unwrap().documents.is_empty());
    assert_eq!(q.get_document(d.id).unwrap_err().code, Code::DocNotFound);
    assert!(q.audit_list(&Default::default()).unwrap().iter().any(|a| a.action == "document.delete"), "the audit entry remains");
    // Once submitted, the application's documents stay.
    let sid = q.add_staff("陈主任", "staff", "counter-pass", "counter-pass").unwrap().id;
    let d = q.ingest_document(wife, "hukou", &jpeg(&upright(), 80), "", Some(b.id)).unwrap().document;
    q.verify_face_by_staff(b.id, sid).unwrap();
    q.sign_letter(b.id).unwrap();
    q.submit_binding(b.id).unwrap();
    assert_eq!(q.delete_document(d.id).unwrap_err().code, Code::DocInUse);
    assert_eq!(q.ingest_document(wife, "hukou", &jpeg(&upright(), 70), "", Some(b.id)).unwrap_err().code, Code::BindingWrongState);
    q.approve_binding(b.id, sid).unwrap();
    assert_eq!(format!("{:?}", q.get_document(d.id).unwrap().status), "Accepted", "approval accepts the documents");
}

#[test]
fn export_writes_the_stored_bytes_and_never_overwrites() {
    let mut q = ledger();
    let p = person(&mut q);
    let d = q.ingest_document(p, "hukou", &jpeg(&upright(), 90), "", None).unwrap().document;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jpg");
    q.export_document(d.id, &out).unwrap();
    assert_eq!(docstore::sha256_hex(&std::fs::read(&out).unwrap()), d.sha256);
    assert!(q.export_document(d.id, &out).is_err(), "an existing file is not overwritten");
}

#[test]
fn staff_accept_or_reject_a_document_with_a_reason() {
    let mut q = ledger();
    let p = person(&mut q);
    let sid = q.add_staff("陈主任", "staff", "counter-pass", "counter-pass").unwrap().id;
    let d = q.ingest_document(p, "hukou", &jpeg(&upright(), 90), "", None).unwrap().document;
    assert_eq!(q.review_document(d.id, sid, false, " ").unwrap_err().code, Code::RejectReasonEmpty);
    let r = q.review_document(d.id, sid, false, "照片模糊，请重拍").unwrap();
    assert_eq!(format!("{:?}", r.status), "Rejected");
    assert_eq!(r.reject_reason.as_deref(), Some("照片模糊，请重拍"));
    let a = q.review_document(d.id, sid, true, "").unwrap();
    assert_eq!((format!("{:?}", a.status), a.reject_reason), ("Accepted".to_string(), None));
    assert_eq!(q.review_document(d.id, 42, true, "").unwrap_err().code, Code::StaffNotFound);
}

/// A picture with detail everywhere (so every part of the file carries
/// image data), deterministic.
fn busy(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let v = x.wrapping_mul(2_654_435_761).wrapping_add(y.wrapping_mul(40_503)) ^ (x * y);
        Rgb([(v & 0xFF) as u8, ((v >> 8) & 0xFF) as u8, ((x + y) & 0xFF) as u8])
    })
}

/// Issue 19 §1: a file whose data stops before the picture is complete is
/// refused, for every format we accept, cut at many points; nothing is
/// stored. Whole files (and a JPEG with bytes after its end) are accepted.
#[test]
fn incomplete_files_cut_anywhere_are_refused_and_nothing_is_stored() {
    let mut q = ledger();
    let p = person(&mut q);
    let img = DynamicImage::ImageRgb8(busy(320, 240));
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    for (name, fmt) in [("jpeg", image::ImageFormat::Jpeg), ("png", image::ImageFormat::Png), ("webp", image::ImageFormat::WebP)] {
        let mut b = Vec::new();
        img.write_to(&mut Cursor::new(&mut b), fmt).unwrap();
        files.push((name, b));
    }
    // A progressive-looking camera JPEG: an EXIF block with an embedded thumbnail (its own SOI…EOI) before the main image.
    let main = files[0].1.clone();
    let thumb = jpeg(&upright(), 80);
    let mut exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
    let body: Vec<u8> = [b"Exif\0\0".as_slice(), &thumb].concat();
    exif.extend(((body.len() + 2) as u16).to_be_bytes());
    exif.extend(&body);
    exif.extend(&main[2..]);
    // Cut just after the thumbnail's end, and inside the main picture's
    // headers before its scan: the thumbnail's own end marker does not make
    // the file look whole.
    let thumb_end = 4 + 2 + 6 + thumb.len();
    let main_sos = thumb_end + exif[thumb_end..].windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    for cut in [thumb_end, thumb_end + 1, thumb_end + 20, main_sos, main_sos + 4] {
        let e = q.ingest_document(p, "hukou", &exif[..cut], "", None).unwrap_err();
        assert_eq!(e.code, Code::DocIncomplete, "jpeg+thumbnail cut at {cut} (thumbnail ends at {thumb_end}, main scan at {main_sos}): {e}");
    }
    files.push(("jpeg+thumbnail", exif));
    let mut pdf = b"%PDF-1.4\n".to_vec();
    for i in 0..200 {
        pdf.extend(format!("{i} 0 obj<</Length 20>>stream\nBT /F1 12 Tf (page) Tj ET\nendstream endobj\n").as_bytes());
    }
    pdf.extend(b"trailer<<>>\n%%EOF\n");
    files.push(("pdf", pdf));
    for (name, whole) in &files {
        let n = whole.len();
        let mut cuts: Vec<usize> = (1..40).map(|k| n * k / 40).collect();
        cuts.extend([n - 1, n - 2, n - 3, n - 12, 30, 100]);
        // (A PDF without its very last newline still ends in %%EOF: complete.)
        let last = if *name == "pdf" { n - 1 } else { n };
        for cut in cuts.into_iter().filter(|c| *c > 0 && *c < last) {
            let e = q.ingest_document(p, "hukou", &whole[..cut], "", None).unwrap_err();
            assert!(matches!(e.code, Code::DocIncomplete | Code::DocUnsupported), "{name} cut at {cut} of {n}: {e}");
            if cut > n / 10 {
                assert_eq!(e.code, Code::DocIncomplete, "{name} cut at {cut} of {n}: {e}");
                assert!(e.message_en.contains("incomplete") && e.message_zh.contains("不完整"));
            }
        }
        assert!(q.list_documents(None).unwrap().is_empty(), "{name}: nothing stored by a refusal");
        assert!(stored(&q).is_empty(), "{name}: no file left behind");
    }
    // Whole files are accepted; so is a JPEG with bytes after its end (some cameras append data).
    for (name, whole) in &files {
        q.ingest_document(p, "hukou", whole, name, None).unwrap_or_else(|e| panic!("{name} whole: {e}"));
    }
    let mut trailing = files[0].1.clone();
    trailing.extend(b"camera trailer data");
    q.ingest_document(p, "household_register", &trailing, "", None).unwrap();
}

/// Code shape (issue 19 §7): the document store ingests, stores, reads and
/// deletes documents and knows nothing of binding applications; binding.rs
/// attaches documents to applications and releases them on deletion, calling
/// into the store (one direction only). Not just the `use` lines: neither
/// file of the store may name the binding module in any form, touch the
/// binding tables, speak of application states, or call a function that
/// binding.rs defines (a call needs no `use` when it is a method of
/// `Qinqing`).
#[test]
fn the_document_store_does_not_depend_on_the_binding_module() {
    /// Identifiers of `src` (letters, digits, `_`), in order; comments included.
    fn words(src: &str) -> Vec<&str> {
        src.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect()
    }
    /// Names of the functions `src` defines.
    fn fns_defined(src: &str) -> std::collections::BTreeSet<&str> {
        words(src).windows(2).filter(|w| w[0] == "fn").map(|w| w[1]).collect()
    }
    /// What in `src` ties it to the binding module; `binding_fns` are the
    /// functions binding.rs defines and `src` does not define itself.
    fn dependencies(src: &str, binding_fns: &std::collections::BTreeSet<&str>) -> Vec<String> {
        let mut found = Vec::new();
        // A path into the module: `crate::binding::X`, `super::binding`, `binding::{…}`, `use crate::{…, binding, …}`.
        for needle in ["binding::", "crate::binding", "super::binding"] {
            if src.contains(needle) {
                found.push(format!("path `{needle}`"));
            }
        }
        let compact: String = src.chars().filter(|c| !c.is_whitespace()).collect();
        let mut rest = compact.as_str();
        while let Some(i) = rest.find("crate::{") {
            rest = &rest[i + "crate::{".len()..];
            let group = &rest[..rest.find(';').unwrap_or(rest.len())];
            if group.split([',', '{', '}']).any(|n| n == "binding" || n.starts_with("binding::")) {
                found.push(format!("use group `crate::{{{group}`"));
            }
        }
        // The module's types and errors.
        for needle in ["BindingStatus", "BindingState", "Error::binding_"] {
            if src.contains(needle) {
                found.push(format!("`{needle}`"));
            }
        }
        let w = words(src);
        for (i, word) in w.iter().enumerate() {
            let lower = word.to_ascii_lowercase();
            // The binding tables, by name or in SQL.
            if lower == "binding_document" {
                found.push("table `binding_document`".into());
            }
            if ["from", "join", "into", "update", "table"].contains(&lower.as_str()) && w.get(i + 1) == Some(&"binding") {
                found.push(format!("SQL `{word} binding`"));
            }
            // Application states (a document is pending, accepted or rejected).
            if ["draft", "drafts", "submitted", "unbound"].contains(&lower.as_str()) {
                found.push(format!("application state `{word}`"));
            }
        }
        // Calls into binding.rs: `self.check_attachable(…)`, `Qinqing::release_document(…)`, `letter()`.
        for name in binding_fns {
            let mut rest = src;
            while let Some(i) = rest.find(name) {
                let before = rest[..i].chars().next_back();
                let after = &rest[i + name.len()..];
                rest = after;
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') || !after.trim_start().starts_with('(') {
                    continue;
                }
                if before.is_some_and(|c| c == '.' || c == ':') || !src[..src.len() - after.len() - name.len()].trim_end().ends_with("fn") {
                    found.push(format!("call `{name}(…)` (defined in binding.rs)"));
                    break;
                }
            }
        }
        found
    }
    let binding_src = concat!(
        include_str!("../src/app/binding.rs"),
        include_str!("../src/app/binding/model.rs"),
        include_str!("../src/app/binding/apply.rs"),
        include_str!("../src/app/binding/documents.rs"),
        include_str!("../src/app/binding/verify.rs"),
        include_str!("../src/app/binding/review.rs"),
    );
    let files = [("document.rs", include_str!("../src/app/document.rs")), ("docstore.rs", include_str!("../src/store/docstore.rs"))];
    let own: std::collections::BTreeSet<&str> = files.iter().flat_map(|(_, src)| fns_defined(src)).collect();
    let binding_fns: std::collections::BTreeSet<&str> = fns_defined(binding_src).difference(&own).copied().collect();
    assert!(binding_fns.contains("check_attachable") && binding_fns.contains("attach_document"), "{binding_fns:?}");
    // The check itself: it finds each form of the dependency, and nothing in clean code.
    for (src, dependent) in [
        ("use crate::binding::X;", true),
        ("use crate::{audit, binding};", true),
        ("use crate::{\n    audit,\n    binding::{A, B},\n    time,\n};", true),
        ("let s = super::binding::state();", true),
        ("self.check_attachable(b, person_id)?;", true),
        ("crate::service::Qinqing::release_document(&tx, id)?;", true),
        ("Self::attach_document (id, doc)", true),
        ("tx.execute(\"INSERT INTO binding_document (binding_id, document_id) VALUES (?1, ?2)\", p)", true),
        ("\"SELECT status FROM binding WHERE id = ?1\"", true),
        ("\"UPDATE\n binding SET face_doc_id = NULL\"", true),
        ("if status == \"draft\" {", true),
        ("Err(Error::binding_wrong_state(a, b, c, d))", true),
        ("use crate::{audit, docstore::{Media}};", false),
        ("\"SELECT person_id, binding_id FROM document WHERE id = ?1\"", false),
        ("fn check_attachable(&self) {}", false),
        ("let attach_document_count = 1;", false),
    ] {
        let got = dependencies(src, &binding_fns);
        assert_eq!(!got.is_empty(), dependent, "{src}: {got:?}");
    }
    for (file, src) in files {
        let found = dependencies(src, &binding_fns);
        assert!(found.is_empty(), "{file} depends on the binding module: {found:?}");
    }
}
