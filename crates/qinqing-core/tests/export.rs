//! Moving a SQLite ledger into PostgreSQL (issue 16): a seeded ledger (demo +
//! 10,000 settlements + documents) gives the same dashboards, transaction
//! lists and document bytes on the other side, keeps its signing key, and
//! goes on working; a target that is not empty, or a copy that fails half-way,
//! changes nothing. Runs when `QINQING_TEST_POSTGRES` names a server
//! (`scripts/test.sh` does); without one there is nothing to move into.

use qinqing_core::report::TxQuery;
use qinqing_core::time::FixedClock;
use qinqing_core::{Code, PersonInput, Qinqing};
use std::path::Path;
use std::sync::Arc;

fn pg() -> Option<String> {
    std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty())
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at("2026-11-20T02:00:00Z"))
}

fn count(q: &Qinqing, table: &str) -> i64 {
    q.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn a_seeded_ledger_moves_whole_into_postgresql() {
    let Some(base) = pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut src = Qinqing::open_with_clock(&dir.path().join("centre.db"), clock()).unwrap();
    src.demo_seed().unwrap();
    let seeded = src.seed_ledger(40, 10_000, 11).unwrap();
    let png = qinqing_core::docstore::sample_png(3, 320, 240).unwrap();
    let d1 = src.ingest_document(1, "hukou", &png, "户口本首页", None).unwrap().document.id;
    let d2 = src.ingest_document(2, "hukou", &qinqing_core::docstore::sample_png(4, 200, 300).unwrap(), "", None).unwrap().document.id;
    let url = qinqing_core::pg::fresh_test_database(&base).unwrap();

    // A copy that fails half-way (the target refuses rollup rows) leaves the target as it was.
    {
        let t = Qinqing::open_with_clock(Path::new(&url), clock()).unwrap();
        t.conn()
            .execute_batch(
                "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END; $$;
                 CREATE TRIGGER boom BEFORE INSERT ON spend_month FOR EACH ROW EXECUTE FUNCTION boom();",
            )
            .unwrap();
    }
    let e = src.export_to(Path::new(&url)).unwrap_err();
    assert_eq!(e.code, Code::Internal, "{e}");
    {
        let t = Qinqing::open_with_clock(Path::new(&url), clock()).unwrap();
        for table in ["person", "settlement", "settlement_leg", "audit", "blob", "document"] {
            assert_eq!(count(&t, table), 0, "{table}: nothing half-written");
        }
        assert!(count(&t, "setting") > 0, "the target's default rows are back too");
        t.conn().execute_batch("DROP TRIGGER boom ON spend_month; DROP FUNCTION boom();").unwrap();
    }

    let r = src.export_to(Path::new(&url)).unwrap();
    assert!(r.verified);
    assert!(r.rows > 30_000, "{}", r.rows);
    assert_eq!(r.documents, count(&src, "document"), "the demo's documents and the two added");
    assert!(r.files >= 4 && r.file_bytes > 0, "images and their thumbnails: {} files", r.files);
    assert!(!r.target.is_empty());

    let dst = Qinqing::open_with_clock(Path::new(&url), clock()).unwrap();
    for table in ["person", "settlement", "settlement_leg", "spend_month", "fund_year", "aid", "binding", "document", "staff"] {
        assert_eq!(count(&src, table), count(&dst, table), "{table}");
    }
    // The same dashboards and transaction lists, family by family.
    let holders: Vec<i64> = std::iter::once(3).chain((0..5).map(|i| seeded.first_holder + 5 * i)).collect();
    for h in holders {
        for year in [2024, 2025, 2026] {
            let a = serde_json::to_value(src.dashboard(h, year).unwrap()).unwrap();
            let b = serde_json::to_value(dst.dashboard(h, year).unwrap()).unwrap();
            assert_eq!(a, b, "dashboard of family {h} in {year}");
        }
        let q = TxQuery { family: Some(h), ..Default::default() };
        assert_eq!(serde_json::to_value(src.tx_list(&q).unwrap()).unwrap(), serde_json::to_value(dst.tx_list(&q).unwrap()).unwrap());
    }
    // The same document bytes, and the same signing key.
    let all: Vec<i64> = src.conn().query_map("SELECT id FROM document", [], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    assert!(all.contains(&d1) && all.contains(&d2));
    for d in all {
        assert_eq!(src.document_bytes(d).unwrap(), dst.document_bytes(d).unwrap(), "document {d}");
        assert_eq!(src.document_image(d).unwrap().data_url, dst.document_image(d).unwrap().data_url, "thumbnail of {d}");
    }
    assert_eq!(src.public_key_hex().unwrap(), dst.public_key_hex().unwrap(), "codes already shown still verify");
    // Sealed on both sides (issue 35), and sealed again for the target rather
    // than copied as they lay in the source's folder.
    let rows: Vec<(String, Vec<u8>)> = dst
        .conn()
        .query_map("SELECT name, bytes FROM blob WHERE name NOT LIKE 'installation.%'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len() as i64, r.files);
    for (name, bytes) in &rows {
        assert!(bytes.starts_with(b"QQE1"), "{name} in the target");
        let (sha, ext) = name.split_once('.').unwrap();
        let there = std::fs::read(src.files().path(sha, ext)).unwrap();
        assert!(there.starts_with(b"QQE1"), "{name} in the source");
        assert_ne!(&there, bytes, "{name} is sealed again for the target");
    }

    // The moved ledger goes on: new rows take new ids.
    let mut dst = dst;
    let before = count(&dst, "person");
    let p = dst
        .add_person(&PersonInput {
            name: "迁入后".into(),
            resident_id: qinqing_core::id::with_check_char("31011519900101123"),
            insurance: "employee".into(),
            region: "310115".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(p.id, before + 1);

    // Moving again into a ledger is refused, and nothing changes.
    let e = src.export_to(Path::new(&url)).unwrap_err();
    assert_eq!(e.code, Code::ExportTargetNotEmpty);
    assert_eq!(count(&dst, "person"), before + 1);
    // A file path is not a target.
    assert_eq!(src.export_to(&dir.path().join("x.db")).unwrap_err().code, Code::ExportTargetInvalid);
    assert!(!dir.path().join("x.db").exists());
}
