//! Issue 35: the server purges documents past their retention period by
//! itself (`purge_schedule`, once at start and every hour), through the same
//! core function as `qinqing-cli doc purge --apply`, on a worker of its pool.

use qinqing_core::id::with_check_char;
use qinqing_core::time::FixedClock;
use qinqing_core::{PersonInput, Qinqing};
use std::sync::Arc;

#[test]
fn the_servers_pass_purges_what_is_due_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let db = match std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) {
        Some(base) => std::path::PathBuf::from(qinqing_core::pg::fresh_test_database(&base).unwrap()),
        None => dir.path().join("t.db"),
    };
    // Uploaded years ago: one attached to nothing (due), one of an application still a draft (kept).
    let (unused, pending) = {
        let mut q = Qinqing::open_with_clock(&db, Arc::new(FixedClock::at("2020-01-10T02:00:00Z"))).unwrap();
        let add = |q: &mut Qinqing, name: &str, id17: &str| {
            q.add_person(&PersonInput {
                name: name.into(),
                resident_id: with_check_char(id17),
                insurance: "employee".into(),
                region: "310115".into(),
                ..Default::default()
            })
            .unwrap()
            .id
        };
        let zhao = add(&mut q, "赵六", "31011519700101015");
        let kid = add(&mut q, "赵小", "31011520140910013");
        let unused = q.add_sample_document(zhao, "household_register", "").unwrap().id;
        let b = q.apply_binding(zhao, kid, "child").unwrap().id;
        let pending = q.add_sample_document(kid, "birth_certificate", "").unwrap().id;
        q.attach_document(b, pending).unwrap();
        (unused, pending)
    };
    let pool = qinqing_server::Pool::open(&db, 1).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    assert_eq!(rt.block_on(qinqing_server::purge_due(&pool)), 1);
    assert_eq!(rt.block_on(qinqing_server::purge_due(&pool)), 0, "nothing more is due");
    let q = Qinqing::open(&db).unwrap();
    assert_eq!(q.get_document(unused).unwrap_err().code, qinqing_core::Code::DocNotFound);
    assert!(q.get_document(pending).is_ok(), "an application's document stays");
    let actor: String = q.conn().query_row("SELECT actor FROM audit WHERE action = 'document.purge'", [], |r| r.get(0)).unwrap();
    assert_eq!(actor, "operator", "the ledger's own schedule");
}
