//! Uploading documents in the real window: a phone photo lying on its side
//! with GPS in it comes out upright and clean; a text file named .jpg is
//! refused; the large view zooms; a document can be deleted.
//! Screenshots: target/e2e/documents-*.png.

use image::{Rgb, RgbImage};
use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};
use qinqing_e2e::App;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

/// A 1600×1200 "page" stored sideways (rotated 90° counter-clockwise), with
/// EXIF orientation 6 (turn 90° clockwise to view) and a GPS position.
fn sideways_photo_with_gps() -> Vec<u8> {
    // Upright: red header band at the top of a white landscape page.
    let upright = RgbImage::from_fn(1600, 1200, |_, y| if y < 200 { Rgb([200, 30, 30]) } else { Rgb([248, 248, 248]) });
    let raw = image::imageops::rotate270(&upright); // 1200×1600, band on the left
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&raw).unwrap();
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend(2u16.to_le_bytes());
    tiff.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]); // Orientation = 6
    tiff.extend([0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]); // GPS IFD at 38
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend([0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(b"GPS-31.2304N-121.4737E");
    let mut seg = b"Exif\0\0".to_vec();
    seg.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((seg.len() + 2) as u16).to_be_bytes());
    out.extend(seg);
    out.extend(&jpeg[2..]);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_view_and_delete_documents() {
    let Some(app) = App::launch(APP, "documents", |db| {
        let mut q = Qinqing::open(db).unwrap();
        for (name, id17, ins) in [("张伟", "34010419821108017", "employee"), ("王芳", "31011519850421026", "resident")] {
            q.add_person(&PersonInput {
                name: name.into(),
                resident_id: with_check_char(id17),
                insurance: ins.into(),
                region: "310115".into(),
                voucher_activated: true,
                ..Default::default()
            })
            .unwrap();
        }
    })
    .await
    else {
        return;
    };
    let photo = app.dir.path().join("IMG_20261122_0931.jpg");
    std::fs::write(&photo, sideways_photo_with_gps()).unwrap();
    let fake = app.dir.path().join("hukou.jpg");
    std::fs::write(&fake, "这不是照片 / not a photo").unwrap();

    app.click("[data-screen=family]").await;
    app.click("#family-add").await;
    app.fill("#b-name", "王芳").await;
    app.fill("#b-resident_id", &with_check_char("31011519850421026")).await;
    app.choose("#b-relation", "spouse").await;
    app.click("#bind-next").await;
    app.wait("#bind-reqs li[data-req=doc_household_register][data-ok='0']").await;

    // A text file with a photo's name is refused by content, next to the uploader.
    app.choose("#doc-kind", "household_register").await;
    app.upload("#doc-file", &fake).await;
    app.wait("[data-error-for=file][data-code=DOC_UNSUPPORTED]").await;
    app.screenshot("documents-refused").await;

    // The sideways phone photo: stored upright, downscaled, without GPS.
    app.upload("#doc-file", &photo).await;
    app.wait("#bind-reqs li[data-req=doc_household_register][data-ok='1']").await;
    app.wait("#bind-docs img.thumb").await;
    assert_eq!(app.count("[data-error-for=file]").await, 0, "the error is gone after a good upload");
    let size = app.text("#bind-docs .doc-size").await;
    assert_eq!(size, "1600×1200", "upright: landscape again");
    app.screenshot("documents-uploaded").await;

    // Open it large and zoom.
    app.click("#bind-docs .thumb-button").await;
    app.wait("#doc-viewer-img.zoom-1").await;
    app.screenshot("documents-viewer").await;
    app.click("#doc-zoom-in").await;
    app.wait("#doc-viewer-img.zoom-2").await;
    app.click("#doc-viewer-close").await;

    // The same photo again is stored once.
    app.upload("#doc-file", &photo).await;
    app.wait_js("!document.querySelector('#doc-progress')").await;
    assert_eq!(app.count("#bind-docs .gallery-item").await, 1);

    // Delete it: the requirement is open again.
    app.click("#bind-docs .doc-delete").await;
    app.wait("#bind-reqs li[data-req=doc_household_register][data-ok='0']").await;
    app.wait("#bind-docs-empty").await;

    // Upload once more for the database checks below.
    app.upload("#doc-file", &photo).await;
    app.wait("#bind-docs img.thumb").await;

    // Staff reject it (blurred): reopened, the application marks it, with the
    // reason, and the requirement is open again — a rejected document counts for nothing.
    {
        let mut q = Qinqing::open(&app.db).unwrap();
        let staff = q.add_staff("陈主任", "staff", "counter-pass", "counter-pass").unwrap().id;
        let doc = q.list_documents(None).unwrap()[0].id;
        q.review_document(doc, staff, false, "照片模糊").unwrap();
    }
    app.click("[data-screen=qr]").await;
    app.click("[data-screen=family]").await;
    app.click("#member-cards .continue").await;
    let marked = app.wait_text("#bind-docs [data-status=rejected] .doc-rejected", "照片模糊").await;
    assert!(marked.contains("驳回"), "{marked}");
    app.wait("#bind-reqs li[data-req=doc_household_register][data-ok='0']").await;
    app.screenshot("documents-rejected").await;

    let closed = app.close().await;
    let q = Qinqing::open(&closed.db).unwrap();
    let docs = q.list_documents(None).unwrap();
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert_eq!((d.width, d.height, d.source_media.as_str()), (Some(1600), Some(1200), "jpeg"));
    let (_, stored) = q.document_bytes(d.id).unwrap();
    assert!(!stored.windows(12).any(|w| w == b"GPS-31.2304N"), "no GPS in what is stored");
    let img = image::load_from_memory(&stored).unwrap().to_rgb8();
    let top = img.get_pixel(800, 50);
    assert!(top[0] > 150 && top[1] < 90, "the red band is at the top: {top:?}");
    let audit = q.audit_list(&Default::default()).unwrap();
    assert!(audit.iter().any(|a| a.action == "document.delete"));
}
