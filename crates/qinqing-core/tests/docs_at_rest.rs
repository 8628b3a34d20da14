//! Documents at rest (issue 35): what the document store holds — the files
//! beside a SQLite ledger, the `blob` rows of a PostgreSQL one — is sealed
//! under the ledger's key (XChaCha20-Poly1305, `store::sealed`): no file
//! starts with an image's or a PDF's magic bytes, thumbnails included; what
//! is read back is the processed plain bytes; a changed byte, a file put
//! under another name, or another ledger's key is refused (`DOC_UNREADABLE`);
//! documents an earlier version stored plain are sealed once, on opening.
//! Runs on SQLite, and on PostgreSQL when `QINQING_TEST_POSTGRES` is set.

use image::{Rgb, RgbImage};
use qinqing_core::docstore::{self, IngestLimits, SEALED_MARKER};
use qinqing_core::id::with_check_char;
use qinqing_core::store::Backend;
use qinqing_core::time::FixedClock;
use qinqing_core::{Code, PersonInput, Qinqing};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn pg_base() -> Option<String> {
    std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty())
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at("2026-03-10T02:00:00Z"))
}

fn ledger() -> Qinqing {
    Qinqing::in_memory(clock()).unwrap()
}

/// A ledger stored where it can be opened again: a SQLite file in `dir`, or
/// a fresh PostgreSQL database. Returns what to open it with.
fn stored_ledger(dir: &Path) -> PathBuf {
    match pg_base() {
        Some(base) => PathBuf::from(qinqing_core::pg::fresh_test_database(&base).unwrap()),
        None => dir.join("ledger.db"),
    }
}

fn person(q: &mut Qinqing, id17: &str) -> i64 {
    q.add_person(&PersonInput {
        name: "张伟".into(),
        resident_id: with_check_char(id17),
        insurance: "employee".into(),
        region: "310115".into(),
        voucher_activated: true,
        ..Default::default()
    })
    .unwrap()
    .id
}

fn page(seed: u8) -> RgbImage {
    RgbImage::from_fn(120, 90, |x, y| if (x / 10 + y / 10) % 2 == 0 { Rgb([240, 238, 230]) } else { Rgb([seed, 40, 200 - seed / 2]) })
}

fn jpeg(seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&page(seed)).unwrap();
    out
}

fn png(seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    page(seed).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn pdf(seed: u8) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n% page {seed}\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
}

/// The magic bytes of every kind of file the app takes in or stores.
const MAGICS: [&[u8]; 4] = [&[0xFF, 0xD8, 0xFF], &[0x89, 0x50, 0x4E, 0x47], b"RIFF", b"%PDF"];

/// Every stored document and thumbnail, `(name, bytes)` as they lie in the
/// store (not the signing key's or the marker's names, `installation.*`).
fn raw_all(q: &Qinqing) -> Vec<(String, Vec<u8>)> {
    match q.backend() {
        Backend::Sqlite => {
            let mut out = Vec::new();
            walk(&q.files().dir, &mut out);
            let mut out: Vec<(String, Vec<u8>)> = out
                .into_iter()
                .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
                .filter(|(n, _)| !n.starts_with("installation"))
                .collect();
            out.sort();
            out
        }
        Backend::Postgresql => q
            .conn()
            .query_map("SELECT name, bytes FROM blob WHERE name NOT LIKE 'installation.%' ORDER BY name", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap(),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

fn file_path(q: &Qinqing, name: &str) -> PathBuf {
    let (sha, ext) = name.split_once('.').unwrap();
    q.files().path(sha, ext)
}

fn raw_get(q: &Qinqing, name: &str) -> Vec<u8> {
    match q.backend() {
        Backend::Sqlite => std::fs::read(file_path(q, name)).unwrap(),
        Backend::Postgresql => q.conn().query_row("SELECT bytes FROM blob WHERE name = ?1", [name], |r| r.get(0)).unwrap(),
    }
}

/// Put `bytes` in the store as `name`, behind the app's back (an attacker, a
/// damaged disk, an earlier version).
fn raw_set(q: &Qinqing, name: &str, bytes: &[u8]) {
    match q.backend() {
        Backend::Sqlite => {
            let p = file_path(q, name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        Backend::Postgresql => {
            q.conn()
                .execute(
                    "INSERT INTO blob (name, bytes) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes",
                    qinqing_core::params![name, bytes.to_vec()],
                )
                .unwrap();
        }
    }
}

fn marked(q: &Qinqing) -> bool {
    match q.backend() {
        Backend::Sqlite => q.files().dir.join(SEALED_MARKER).exists(),
        Backend::Postgresql => q.conn().query_row("SELECT count(*) FROM blob WHERE name = ?1", [SEALED_MARKER], |r| r.get::<_, i64>(0)).unwrap() > 0,
    }
}

fn unmark(q: &Qinqing) {
    match q.backend() {
        Backend::Sqlite => {
            let _ = std::fs::remove_file(q.files().dir.join(SEALED_MARKER));
        }
        Backend::Postgresql => {
            q.conn().execute("DELETE FROM blob WHERE name = ?1", [SEALED_MARKER]).unwrap();
        }
    }
}

/// Nothing in the store starts with a known magic number, everything is in
/// the sealed format, and no stored file contains a run of its plain bytes.
fn assert_all_sealed(q: &Qinqing, plains: &[Vec<u8>]) {
    let all = raw_all(q);
    assert!(!all.is_empty());
    for (name, bytes) in &all {
        for m in MAGICS {
            assert!(!bytes.starts_with(m), "{name} starts with {m:02x?}");
        }
        assert!(bytes.starts_with(b"QQE1"), "{name} is not in the sealed format");
        for p in plains {
            let probe = &p[p.len() / 2..p.len() / 2 + 32];
            assert!(!bytes.windows(probe.len()).any(|w| w == probe), "{name} holds plain bytes");
        }
    }
}

/// What the pipeline makes of `upload` (the plain bytes the app reads back):
/// the stored file and the thumbnail.
fn processed(upload: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    let p = docstore::process(upload, &IngestLimits::default()).unwrap();
    (p.stored, p.thumb)
}

struct Stored {
    id: i64,
    main: String,
    thumb: Option<String>,
    plain: Vec<u8>,
    thumb_plain: Option<Vec<u8>>,
}

fn upload(q: &mut Qinqing, person: i64, bytes: &[u8]) -> Stored {
    let d = q.ingest_document(person, "hukou", bytes, "", None).unwrap().document;
    let (plain, thumb_plain) = processed(bytes);
    assert_eq!(d.sha256, docstore::sha256_hex(&plain));
    let ext = if d.media == "pdf" { "pdf" } else { "jpg" };
    Stored {
        id: d.id,
        main: format!("{}.{ext}", d.sha256),
        thumb: thumb_plain.as_ref().map(|t| format!("{}.thumb.jpg", docstore::sha256_hex(t))),
        plain,
        thumb_plain,
    }
}

/// Everything reads back as the processed plain bytes, through the app.
fn assert_reads(q: &Qinqing, docs: &[Stored]) {
    for d in docs {
        assert_eq!(q.document_bytes(d.id).unwrap().1, d.plain, "document {}", d.id);
        match (&d.thumb, &d.thumb_plain) {
            (Some(name), Some(t)) => {
                let sha = name.split_once('.').unwrap().0;
                assert_eq!(&q.doc_files().unwrap().read(sha, "thumb.jpg").unwrap(), t, "thumbnail of {}", d.id);
                assert!(q.document_thumb(d.id).unwrap().is_some());
            }
            _ => assert!(q.document_thumb(d.id).unwrap().is_none()),
        }
    }
}

fn three_kinds(q: &mut Qinqing, p: i64, seed: u8) -> Vec<Stored> {
    vec![upload(q, p, &jpeg(seed)), upload(q, p, &png(seed.wrapping_add(50))), upload(q, p, &pdf(seed))]
}

fn plains(docs: &[Stored]) -> Vec<Vec<u8>> {
    docs.iter().flat_map(|d| std::iter::once(d.plain.clone()).chain(d.thumb_plain.clone())).collect()
}

#[test]
fn documents_and_thumbnails_are_sealed_and_read_back_plain() {
    let mut q = ledger();
    let p = person(&mut q, "34010419821108017");
    let docs = three_kinds(&mut q, p, 10);
    // JPEG and PNG: the image and its thumbnail; PDF: the file alone.
    assert_eq!(raw_all(&q).len(), 5, "{:?}", raw_all(&q).iter().map(|(n, _)| n).collect::<Vec<_>>());
    for d in &docs {
        for name in std::iter::once(&d.main).chain(&d.thumb) {
            assert!(raw_all(&q).iter().any(|(n, _)| n == name), "{name} is stored under its plain bytes' hash");
        }
    }
    assert_all_sealed(&q, &plains(&docs));
    assert_reads(&q, &docs);
    // The same upload again is a duplicate: nothing new is written.
    let before = raw_all(&q);
    assert!(q.ingest_document(p, "hukou", &jpeg(10), "", None).unwrap().duplicate);
    assert_eq!(raw_all(&q), before);
}

#[test]
fn a_changed_byte_anywhere_is_refused_clearly() {
    let mut q = ledger();
    let p = person(&mut q, "34010419821108017");
    let d = upload(&mut q, p, &jpeg(20));
    let good = raw_get(&q, &d.main);
    // Magic, nonce, ciphertext, tag.
    for at in [0, 7, 40, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        raw_set(&q, &d.main, &bad);
        let e = q.document_bytes(d.id).unwrap_err();
        assert_eq!(e.code, Code::DocUnreadable, "byte {at}: {e}");
        assert!(e.message_en.contains("cannot be read") && !e.message_zh.is_empty(), "{}", e.message_en);
    }
    // Cut short.
    raw_set(&q, &d.main, &good[..good.len() - 10]);
    assert_eq!(q.document_bytes(d.id).unwrap_err().code, Code::DocUnreadable);
    // The thumbnail too.
    let thumb = d.thumb.clone().unwrap();
    let mut bad = raw_get(&q, &thumb);
    let n = bad.len();
    bad[n - 20] ^= 0x80;
    raw_set(&q, &thumb, &bad);
    assert_eq!(q.document_thumb(d.id).unwrap_err().code, Code::DocUnreadable);
    // Put back, it reads again.
    raw_set(&q, &d.main, &good);
    assert_eq!(q.document_bytes(d.id).unwrap().1, d.plain);
}

#[test]
fn a_file_under_another_name_is_refused() {
    let mut q = ledger();
    let p = person(&mut q, "34010419821108017");
    let a = upload(&mut q, p, &jpeg(30));
    let b = upload(&mut q, p, &jpeg(31));
    // B's sealed file copied over A's name: both are whole, sealed under this
    // ledger's key — but not for that name.
    raw_set(&q, &a.main, &raw_get(&q, &b.main));
    assert_eq!(q.document_bytes(a.id).unwrap_err().code, Code::DocUnreadable);
    // An image's own thumbnail in its place.
    raw_set(&q, &b.main, &raw_get(&q, b.thumb.as_ref().unwrap()));
    assert_eq!(q.document_bytes(b.id).unwrap_err().code, Code::DocUnreadable);
    // A plain file (the old way) under a name that is not its hash.
    raw_set(&q, &a.main, &b.plain);
    assert_eq!(q.document_bytes(a.id).unwrap_err().code, Code::DocUnreadable);
}

#[test]
fn another_ledgers_key_cannot_read() {
    let mut q1 = ledger();
    let mut q2 = ledger();
    let p1 = person(&mut q1, "34010419821108017");
    let p2 = person(&mut q2, "34010419821108017");
    let d1 = upload(&mut q1, p1, &pdf(40));
    let d2 = upload(&mut q2, p2, &pdf(40));
    assert_eq!(d1.main, d2.main, "the same plain bytes, the same name");
    let s1 = raw_get(&q1, &d1.main);
    assert_ne!(s1, raw_get(&q2, &d2.main), "each ledger seals under its own key");
    raw_set(&q2, &d2.main, &s1);
    assert_eq!(q2.document_bytes(d2.id).unwrap_err().code, Code::DocUnreadable);
    assert_eq!(q1.document_bytes(d1.id).unwrap().1, d1.plain);
}

#[test]
fn a_sqlite_file_ledger_seals_its_files_and_reads_them_after_reopening() {
    if pg_base().is_some() {
        return; // the SQLite side of the file store; PostgreSQL's is every other test
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("centre.db");
    let docs = {
        let mut q = Qinqing::open_with_clock(&db, clock()).unwrap();
        let p = person(&mut q, "34010419821108017");
        let docs = three_kinds(&mut q, p, 50);
        assert_eq!(q.files().dir, qinqing_core::service::files_dir_for(&db));
        assert_all_sealed(&q, &plains(&docs));
        docs
    };
    let mut files = Vec::new();
    walk(&qinqing_core::service::files_dir_for(&db), &mut files);
    let stored: Vec<_> = files.iter().filter(|f| !f.file_name().unwrap().to_string_lossy().starts_with("installation")).collect();
    assert_eq!(stored.len(), 5, "{files:?}");
    for f in stored {
        let b = std::fs::read(f).unwrap();
        assert!(MAGICS.iter().all(|m| !b.starts_with(m)), "{f:?}");
    }
    let q = Qinqing::open_with_clock(&db, clock()).unwrap();
    assert_reads(&q, &docs);
    assert_all_sealed(&q, &plains(&docs));
}

#[test]
fn plain_documents_of_an_earlier_version_are_sealed_once_on_opening() {
    let dir = tempfile::tempdir().unwrap();
    let db = stored_ledger(dir.path());
    // A ledger as an earlier version left it: the same names, the plain bytes.
    let (docs, damaged) = {
        let mut q = Qinqing::open_with_clock(&db, clock()).unwrap();
        let p = person(&mut q, "34010419821108017");
        let docs = three_kinds(&mut q, p, 60);
        for d in &docs {
            raw_set(&q, &d.main, &d.plain);
            if let (Some(n), Some(t)) = (&d.thumb, &d.thumb_plain) {
                raw_set(&q, n, t);
            }
        }
        // And a damaged plain file: never shown, and sealed all the same.
        let damaged = upload(&mut q, p, &jpeg(61));
        let mut bad = damaged.plain.clone();
        bad[damaged.plain.len() / 2] ^= 0x55;
        raw_set(&q, &damaged.main, &bad);
        unmark(&q);
        assert!(raw_all(&q).iter().any(|(_, b)| b.starts_with(&[0xFF, 0xD8, 0xFF])));
        // Still read as they are, being intact; the damaged one is refused.
        assert_reads(&q, &docs);
        assert_eq!(q.document_bytes(damaged.id).unwrap_err().code, Code::DocUnreadable);
        (docs, damaged)
    };

    let q = Qinqing::open_with_clock(&db, clock()).unwrap();
    assert!(marked(&q), "the conversion is recorded");
    assert_all_sealed(&q, &plains(&docs));
    assert_reads(&q, &docs);
    assert_eq!(q.document_bytes(damaged.id).unwrap_err().code, Code::DocUnreadable);
    let sealed_now = raw_all(&q);
    drop(q);

    // Opening again changes nothing (idempotent), and does not look at the files
    // once marked: a plain file put there now stays as it is.
    let q = Qinqing::open_with_clock(&db, clock()).unwrap();
    assert_eq!(raw_all(&q), sealed_now);
    raw_set(&q, &docs[0].main, &docs[0].plain);
    drop(q);
    let q = Qinqing::open_with_clock(&db, clock()).unwrap();
    assert_eq!(raw_get(&q, &docs[0].main), docs[0].plain, "a marked store is not scanned");
    // Without the marker it is looked at, and sealed, again.
    unmark(&q);
    drop(q);
    let q = Qinqing::open_with_clock(&db, clock()).unwrap();
    assert_all_sealed(&q, &plains(&docs));
    assert_reads(&q, &docs);
    drop(q);
    if let Some(base) = pg_base() {
        let _ = qinqing_core::pg::drop_test_database(&base, &db.to_string_lossy());
    }
}

#[test]
fn two_processes_opening_a_plain_store_at_once_both_open_and_seal_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = stored_ledger(dir.path());
    let docs = {
        let mut q = Qinqing::open_with_clock(&db, clock()).unwrap();
        let p = person(&mut q, "34010419821108017");
        let mut docs = three_kinds(&mut q, p, 70);
        docs.extend(three_kinds(&mut q, p, 80));
        for d in &docs {
            raw_set(&q, &d.main, &d.plain);
            if let (Some(n), Some(t)) = (&d.thumb, &d.thumb_plain) {
                raw_set(&q, n, t);
            }
        }
        unmark(&q);
        docs
    };
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let opened: Vec<_> = (0..2)
        .map(|_| {
            let (db, barrier) = (db.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                Qinqing::open_with_clock(&db, clock()).map(drop)
            })
        })
        .collect();
    for t in opened {
        t.join().unwrap().unwrap();
    }
    let q = Qinqing::open_with_clock(&db, clock()).unwrap();
    assert!(marked(&q));
    assert_all_sealed(&q, &plains(&docs));
    assert_reads(&q, &docs);
    let mut temp = Vec::new();
    if q.backend() == Backend::Sqlite {
        walk(&q.files().dir, &mut temp);
        temp.retain(|p| p.file_name().unwrap().to_string_lossy().starts_with(".tmp"));
    }
    assert!(temp.is_empty(), "no temporary file is left: {temp:?}");
    drop(q);
    if let Some(base) = pg_base() {
        let _ = qinqing_core::pg::drop_test_database(&base, &db.to_string_lossy());
    }
}

#[test]
fn the_benchmarks_unencrypted_side_stores_plain() {
    if pg_base().is_some() {
        return; // a SQLite ledger only
    }
    let dir = tempfile::tempdir().unwrap();
    let mut q = Qinqing::open_unencrypted_for_benchmark(&dir.path().join("plain.db")).unwrap();
    let p = person(&mut q, "34010419821108017");
    let d = upload(&mut q, p, &jpeg(90));
    assert_eq!(raw_get(&q, &d.main), d.plain, "the reference the cost of sealing is measured against");
    assert_eq!(q.document_bytes(d.id).unwrap().1, d.plain);
}
