//! Document retention (issue 35): documents of a rejected application, an
//! ended binding or an unused upload are purged `doc_retention_days` after
//! the rejection, the end or the upload — never before, never those of an
//! application under review or a binding in effect, never an identity
//! document of someone still in a binding or a 家庭共济 relation; a dry run
//! changes nothing; each purge is audited; only administrators (and the
//! local operator, the app's own schedule) may run it. The clock is moved
//! with `set_clock` (a `FixedClock`).

use chrono::{DateTime, Duration, Utc};
use qinqing_core::app::retention::{Purged, RETENTION_SETTING};
use qinqing_core::id::with_check_char;
use qinqing_core::time::FixedClock;
use qinqing_core::{Actor, Code, PersonInput, Qinqing};
use std::collections::BTreeSet;
use std::sync::Arc;

const T0: &str = "2026-03-10T02:00:00Z";

fn t0() -> DateTime<Utc> {
    FixedClock::at(T0).0
}

fn at(q: &mut Qinqing, t: DateTime<Utc>) {
    q.set_clock(Arc::new(FixedClock(t)));
}

fn add(q: &mut Qinqing, name: &str, id17: &str, ins: &str) -> i64 {
    q.add_person(&PersonInput {
        name: name.into(),
        resident_id: with_check_char(id17),
        insurance: ins.into(),
        region: "310115".into(),
        balance_fen: Some(100_000),
        voucher_activated: true,
        ..Default::default()
    })
    .unwrap()
    .id
}

/// The documents of the world, by what they are for.
struct World {
    q: Qinqing,
    admin: i64,
    /// Birth certificate of an active binding (张伟 → 张子涵).
    active: i64,
    /// 张伟's ID card (front): he holds an active binding and a pending application.
    holder_card: i64,
    /// Birth certificate of 李四's application for 李小雨, rejected at T0.
    rejected: i64,
    /// Household register of 张伟 → 王芳, unbound at T0 + 10 days.
    ended: i64,
    ended_binding: i64,
    /// Uploaded into 张伟's application for 张小虎, submitted (awaiting review).
    pending: i64,
    /// 赵六's household register, attached to nothing.
    unused: i64,
    /// 赵六's ID card: he is a party to nothing.
    unused_card: i64,
    /// 王芳's face photo: she authorizes 家庭共济 for her son.
    aid_face: i64,
}

fn world() -> World {
    let mut q = Qinqing::in_memory(Arc::new(FixedClock::at(T0))).unwrap();
    let admin = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
    let wei = add(&mut q, "张伟", "34010419821108017", "employee");
    let fang = add(&mut q, "王芳", "31011519850421026", "employee");
    let kid = add(&mut q, "张子涵", "31011520140910013", "resident");
    let li = add(&mut q, "李四", "31011519800101011", "employee");
    let girl = add(&mut q, "李小雨", "31011520160101022", "resident");
    let young = add(&mut q, "张小虎", "31011520200707019", "resident");
    let zhao = add(&mut q, "赵六", "31011519700101015", "resident");
    q.verify_face_in_person(wei, admin).unwrap();
    q.verify_face_in_person(fang, admin).unwrap();

    // Active: 张伟 → his son.
    let b = q.apply_binding(wei, kid, "child").unwrap().id;
    let active = q.add_sample_document(kid, "birth_certificate", "").unwrap().id;
    q.attach_document(b, active).unwrap();
    q.sign_letter(b).unwrap();
    q.submit_binding(b).unwrap();
    q.approve_binding(b, admin).unwrap();
    let holder_card = q.add_sample_document(wei, "id_card_front", "").unwrap().id;

    // Rejected at T0: 李四 → 李小雨.
    let r = q.apply_binding(li, girl, "child").unwrap().id;
    let rejected = q.add_sample_document(girl, "birth_certificate", "").unwrap().id;
    q.attach_document(r, rejected).unwrap();
    q.sign_letter(r).unwrap();
    q.submit_binding(r).unwrap();
    q.reject_binding(r, admin, "照片模糊").unwrap();

    // Ended at T0 + 10 days: 张伟 → 王芳.
    let s = q.apply_binding(wei, fang, "spouse").unwrap().id;
    let ended = q.add_sample_document(fang, "household_register", "").unwrap().id;
    q.attach_document(s, ended).unwrap();
    q.verify_face_by_staff(s, admin).unwrap();
    q.sign_letter(s).unwrap();
    q.submit_binding(s).unwrap();
    q.approve_binding(s, admin).unwrap();

    // Pending: uploaded into an application, submitted.
    let p = q.apply_binding(wei, young, "child").unwrap().id;
    let pending = q.ingest_document(young, "birth_certificate", &qinqing_core::docstore::sample_png(42, 64, 48).unwrap(), "", Some(p)).unwrap().document.id;
    q.sign_letter(p).unwrap();
    q.submit_binding(p).unwrap();

    // Attached to nothing.
    let unused = q.add_sample_document(zhao, "household_register", "").unwrap().id;
    let unused_card = q.add_sample_document(zhao, "id_card_front", "").unwrap().id;

    // 王芳's own 家庭共济 for her son, and her face photo.
    q.authorize_aid(fang, kid, "child", Some(50_000)).unwrap();
    let aid_face = q.add_sample_document(fang, "face_capture", "").unwrap().id;

    at(&mut q, t0() + Duration::days(10));
    q.unbind(s, wei).unwrap();
    at(&mut q, t0());
    World { q, admin, active, holder_card, rejected, ended, ended_binding: s, pending, unused, unused_card, aid_face }
}

/// Every stored file's (or blob's) name.
fn stored(q: &Qinqing) -> Vec<String> {
    match q.backend() {
        qinqing_core::store::Backend::Postgresql => {
            q.conn().prepare("SELECT name FROM blob").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
        }
        qinqing_core::store::Backend::Sqlite => {
            fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
                for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    if e.path().is_dir() {
                        walk(&e.path(), out);
                    } else {
                        out.push(e.file_name().to_string_lossy().into_owned());
                    }
                }
            }
            let mut out = Vec::new();
            walk(&q.files().dir, &mut out);
            out
        }
    }
}

/// The hashes a document's files are named by (the document and its thumbnail).
fn hashes(q: &Qinqing, doc: i64) -> Vec<String> {
    let (main, thumb): (String, Option<String>) =
        q.conn().query_row("SELECT sha256, thumb_sha256 FROM document WHERE id = ?1", [doc], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    std::iter::once(main).chain(thumb).collect()
}

fn doc_ids(q: &Qinqing) -> BTreeSet<i64> {
    q.conn().prepare("SELECT id FROM document").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
}

fn count(q: &Qinqing, sql: &str) -> i64 {
    q.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn purged_ids(p: &Purged) -> BTreeSet<i64> {
    p.purged.iter().map(|d| d.document).collect()
}

#[test]
fn nothing_is_purged_before_its_time() {
    let mut w = world();
    let all = doc_ids(&w.q);
    at(&mut w.q, t0() + Duration::days(180) - Duration::seconds(1));
    let plan = w.q.document_purge_plan(100).unwrap();
    assert_eq!(plan.retention_days, 180, "the default");
    assert_eq!(plan.due_total, 0, "{plan:?}");
    let done = w.q.purge_documents(100, None).unwrap();
    assert!(done.purged.is_empty() && done.next.is_none());
    assert_eq!(doc_ids(&w.q), all);
}

#[test]
fn due_documents_go_after_the_period_and_the_rest_stay() {
    let mut w = world();
    let files_before = stored(&w.q);
    let gone_hashes: Vec<String> = [w.rejected, w.unused, w.unused_card].iter().flat_map(|d| hashes(&w.q, *d)).collect();
    at(&mut w.q, t0() + Duration::days(180));
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });

    // A dry run says what would go, and why the rest stays — and changes nothing.
    let audit_before = count(&w.q, "SELECT count(*) FROM audit");
    let plan = w.q.document_purge_plan(100).unwrap();
    let due: BTreeSet<i64> = plan.due.iter().map(|d| d.document).collect();
    assert_eq!(due, BTreeSet::from([w.rejected, w.unused, w.unused_card]), "{plan:?}");
    assert_eq!(plan.due_total, 3);
    let why = |id: i64| plan.due.iter().find(|d| d.document == id).unwrap().since.clone();
    assert_eq!((why(w.rejected).as_str(), why(w.unused).as_str()), ("rejected", "uploaded"));
    assert_eq!(plan.kept.get("active_binding"), Some(&1), "the son's certificate: {plan:?}");
    assert_eq!(plan.kept.get("pending_application"), Some(&2), "the application's upload and its holder's ID card");
    assert_eq!(plan.kept.get("aid_relation"), Some(&1));
    assert_eq!(plan.kept.get("not_yet"), Some(&1), "the ended binding's register: 10 days later");
    assert_eq!(count(&w.q, "SELECT count(*) FROM audit"), audit_before, "a dry run writes nothing");
    assert_eq!(stored(&w.q), files_before);

    // Applied: exactly those, their files, audited under the administrator.
    let done = w.q.purge_documents(100, None).unwrap();
    assert_eq!(purged_ids(&done), due);
    assert_eq!(done.next, None);
    let left = doc_ids(&w.q);
    for d in [w.active, w.holder_card, w.ended, w.pending, w.aid_face] {
        assert!(left.contains(&d), "document {d} was kept");
    }
    for d in [w.rejected, w.unused, w.unused_card] {
        assert!(!left.contains(&d));
        assert_eq!(w.q.get_document(d).unwrap_err().code, Code::DocNotFound);
    }
    let files = stored(&w.q);
    for h in &gone_hashes {
        assert!(!files.iter().any(|f| f.starts_with(h.as_str())), "the file {h} is gone");
    }
    assert!(files.len() < files_before.len());
    let purges: Vec<(String, i64, String)> =
        w.q.conn()
            .prepare("SELECT actor, entity_id, before FROM audit WHERE action = 'document.purge' ORDER BY entity_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
    assert_eq!(purges.iter().map(|p| p.1).collect::<BTreeSet<_>>(), due);
    assert!(purges.iter().all(|p| p.0 == format!("staff:{}", w.admin)), "{purges:?}");
    assert!(purges.iter().all(|p| p.2.contains("\"retention_days\":180") && !p.2.contains("李小雨") && !p.2.contains("赵六")), "{purges:?}");
    // The rejected application itself stays, without the link to what was purged.
    assert_eq!(count(&w.q, "SELECT count(*) FROM binding WHERE status = 'rejected'"), 1);
    assert_eq!(count(&w.q, &format!("SELECT count(*) FROM binding_document WHERE document_id = {}", w.rejected)), 0);

    // Ten days later the ended binding's register is due too; the binding stays.
    at(&mut w.q, t0() + Duration::days(190));
    let done = w.q.purge_documents(100, None).unwrap();
    assert_eq!(purged_ids(&done), BTreeSet::from([w.ended]));
    assert_eq!(w.q.get_binding(w.ended_binding).unwrap().status.as_str(), "unbound");
    assert_eq!(done.purged[0].since, "ended");

    // Years later, what an application under review, a binding in effect or a
    // 家庭共济 relation needs is still there.
    at(&mut w.q, t0() + Duration::days(3650));
    assert!(w.q.purge_documents(100, None).unwrap().purged.is_empty());
    assert_eq!(doc_ids(&w.q), BTreeSet::from([w.active, w.holder_card, w.pending, w.aid_face]));
    for d in [w.active, w.pending, w.aid_face] {
        assert!(!w.q.document_bytes(d).unwrap().1.is_empty());
    }
}

#[test]
fn a_purge_goes_in_short_calls_and_the_apps_run_finishes_it() {
    let mut w = world();
    at(&mut w.q, t0() + Duration::days(400));
    let mut seen = BTreeSet::new();
    let mut after = None;
    let mut calls = 0;
    loop {
        let done = w.q.purge_documents(1, after).unwrap();
        calls += 1;
        assert!(done.purged.len() <= 1);
        seen.extend(purged_ids(&done));
        match done.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, BTreeSet::from([w.rejected, w.ended, w.unused, w.unused_card]));
    assert!(calls >= 4, "one document a call: {calls}");
    // What the app does at start: everything due, nothing left to do.
    let mut w = world();
    at(&mut w.q, t0() + Duration::days(400));
    assert_eq!(w.q.purge_all_due_documents().unwrap(), 4);
    assert_eq!(w.q.purge_all_due_documents().unwrap(), 0, "a second run finds nothing");
}

#[test]
fn a_document_taken_up_again_is_not_due() {
    let mut w = world();
    at(&mut w.q, t0() + Duration::days(200));
    // 赵六's household register goes with a new application for him: kept while it is decided.
    let holder = add(&mut w.q, "赵大", "31011519450101013", "employee");
    let zhao: i64 = w.q.conn().query_row("SELECT person_id FROM document WHERE id = ?1", [w.unused], |r| r.get(0)).unwrap();
    let b = w.q.apply_binding(zhao, holder, "parent").unwrap().id;
    w.q.attach_document(b, w.unused).unwrap();
    let done = w.q.purge_documents(100, None).unwrap();
    // … and so is his ID card, while he is a party to an application.
    assert_eq!(purged_ids(&done), BTreeSet::from([w.rejected, w.ended]), "{done:?}");
    assert!(doc_ids(&w.q).is_superset(&BTreeSet::from([w.unused, w.unused_card])));
}

#[test]
fn the_period_is_a_setting_within_its_range() {
    let mut w = world();
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });
    assert_eq!(w.q.set_setting(RETENTION_SETTING, "10").unwrap_err().code, Code::SettingOutOfRange);
    assert_eq!(w.q.set_setting(RETENTION_SETTING, "36500").unwrap_err().code, Code::SettingOutOfRange);
    w.q.set_setting(RETENTION_SETTING, "30").unwrap();
    at(&mut w.q, t0() + Duration::days(30));
    let done = w.q.purge_documents(100, None).unwrap();
    assert_eq!(done.retention_days, 30);
    assert_eq!(purged_ids(&done), BTreeSet::from([w.rejected, w.unused, w.unused_card]));
}

#[test]
fn only_administrators_and_the_operator_run_it() {
    let mut w = world();
    at(&mut w.q, t0() + Duration::days(400));
    let all = doc_ids(&w.q);
    for (actor, code) in [
        (Actor::Staff { id: w.admin + 100, admin: false }, Code::Forbidden),
        (Actor::Serving { staff: w.admin, admin: false, resident: 1 }, Code::Forbidden),
        (Actor::Household { holder: 1 }, Code::Forbidden),
        (Actor::Terminal { institution: 1 }, Code::Forbidden),
        (Actor::Nobody, Code::NotLoggedIn),
    ] {
        w.q.set_actor(actor.clone());
        assert_eq!(w.q.document_purge_plan(10).unwrap_err().code, code, "{actor:?}");
        assert_eq!(w.q.purge_documents(10, None).unwrap_err().code, code, "{actor:?}");
        assert_eq!(doc_ids(&w.q), all, "{actor:?}: nothing purged");
    }
    w.q.set_actor(Actor::Operator);
    assert_eq!(w.q.document_purge_plan(10).unwrap().due_total, 4);
    // Through the service interface, as the CLI and the server call it.
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });
    let v = w.q.call(qinqing_core::api::Call::DocumentPurge { limit: 2, after: None }).unwrap();
    assert_eq!(v["purged"].as_array().unwrap().len(), 2);
    assert!(v["next"].is_i64());
}
