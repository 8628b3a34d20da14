//! Whose, not only which family (issue 31): the holes an attacker found
//! with a paired family computer and a plain staff log-in, each as a test
//! that failed before — on SQLite, and on PostgreSQL when
//! `QINQING_TEST_POSTGRES` names a server.
//!
//! The world: 张伟 (#1, employee) holds 王芳 (#2, his wife, employee) and
//! 张子涵 (#3, their son); 李四 (#4) is another family's holder; 张建国
//! (#5, 76) is bound by nobody; 赵六 (#6) is registered but suspended.

mod common;
use common::{person, PAY};
use qinqing_core::premium::PremiumRequest;
use qinqing_core::settle::{aid_letter, AidRequest};
use qinqing_core::time::Clock;
use qinqing_core::{Actor, Code, MemberEntry, PersonInput, Qinqing};
use std::sync::{Arc, Mutex};

/// A clock the test moves.
struct Tick(Mutex<chrono::DateTime<chrono::Utc>>);

impl Clock for Tick {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
}

impl Tick {
    fn advance(&self, minutes: i64) {
        *self.0.lock().unwrap() += chrono::Duration::minutes(minutes);
    }
}

struct W {
    q: Qinqing,
    clock: Arc<Tick>,
    admin: i64,
    staff: i64,
    wei: i64,
    fang: i64,
    kid: i64,
    li: i64,
    elder: i64,
}

const WEI_ID: &str = "34010419821108017";
const ELDER_ID: &str = "31011519500310015";

fn world() -> W {
    let clock = Arc::new(Tick(Mutex::new("2026-03-10T02:00:00Z".parse().unwrap())));
    let mut q = Qinqing::in_memory(clock.clone()).unwrap();
    let admin = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
    let staff = q.add_staff("刘干事", "staff", "counter-pass", "counter-pass").unwrap().id;
    let wei = person(&mut q, "张伟", WEI_ID, "employee", "310115", 500_000);
    let fang = person(&mut q, "王芳", "31011519850421026", "employee", "310115", 272_770);
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 10_000);
    let li = person(&mut q, "李四", "31011519800101011", "employee", "310115", 200_000);
    let elder = person(&mut q, "张建国", ELDER_ID, "resident", "310115", 0);
    let suspended = person(&mut q, "赵六", "31011519520101016", "resident", "310115", 0);
    q.set_status(suspended, "suspended").unwrap();
    q.verify_face_in_person(wei, admin).unwrap();
    q.verify_face_in_person(fang, admin).unwrap();
    // 张伟 holds his son and his wife.
    let b = q.apply_binding(wei, kid, "child").unwrap().id;
    let d = q.add_sample_document(kid, "birth_certificate", "").unwrap().id;
    q.attach_document(b, d).unwrap();
    q.sign_letter(b).unwrap();
    q.submit_binding(b).unwrap();
    q.approve_binding(b, admin).unwrap();
    let s = q.apply_binding(wei, fang, "spouse").unwrap().id;
    let d = q.add_sample_document(fang, "household_register", "").unwrap().id;
    q.attach_document(s, d).unwrap();
    q.verify_face_by_staff(s, admin).unwrap();
    q.sign_letter(s).unwrap();
    q.submit_binding(s).unwrap();
    q.approve_binding(s, admin).unwrap();
    W { q, clock, admin, staff, wei, fang, kid, li, elder }
}

fn balance(w: &mut W, p: i64) -> i64 {
    let a = w.q.actor_ref().clone();
    w.q.set_actor(Actor::Operator);
    let b = w.q.get_person(p).unwrap().balance_fen;
    w.q.set_actor(a);
    b
}

fn count(w: &W, sql: &str) -> i64 {
    w.q.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn aid_request(authorizer: i64, beneficiary: i64, relation: &str, cap: Option<i64>, pw: Option<&str>) -> AidRequest {
    AidRequest {
        authorizer,
        beneficiary,
        relation: relation.into(),
        monthly_cap_fen: cap,
        letter_sha256: aid_letter().sha256,
        pay_password: pw.map(str::to_string),
        ..Default::default()
    }
}

#[test]
fn a_holders_computer_cannot_spend_a_bound_relatives_money() {
    let mut w = world();
    let (wei, fang, kid) = (w.wei, w.fang, w.kid);
    w.q.set_actor(Actor::Household { holder: wei });
    // Hole 1 as found: his computer opens a flow from her account to him,
    // then pays a "premium" from it. Even typing her password (he may know
    // it) does not make his session hers.
    for pw in [None, Some(PAY)] {
        let e = w.q.authorize_aid_request(&aid_request(fang, wei, "spouse", Some(99_999_999), pw)).unwrap_err();
        assert_eq!(e.code, Code::ConsentOwnerOnly, "{e}");
        assert!(e.message_zh.contains("本人") && e.message_en.contains("owner"), "says whose act it is: {e}");
        let e = w.q.pay_premium(fang, kid, 250_000, 2026, pw).unwrap_err();
        assert_eq!(e.code, Code::ConsentOwnerOnly);
        let req = PremiumRequest {
            payer: fang,
            beneficiary: kid,
            region: "310115".into(),
            year: 2026,
            tier: "standard".into(),
            pay_password: pw.map(str::to_string),
        };
        assert_eq!(w.q.pay_premium_tier(&req).unwrap_err().code, Code::ConsentOwnerOnly);
    }
    assert_eq!(balance(&mut w, fang), 272_770, "her balance is untouched");
    assert_eq!(count(&w, "SELECT count(*) FROM aid"), 0, "no relation was opened");
    assert_eq!(count(&w, "SELECT count(*) FROM premium"), 0, "nothing was paid");
    assert_eq!(count(&w, "SELECT count(*) FROM person WHERE pay_failed > 0"), 0, "her password was not even tried");

    // His own money: confirmed with his own payment password; a wrong one is counted.
    let own = aid_request(wei, kid, "child", Some(100_000), None);
    assert_eq!(w.q.authorize_aid_request(&own).unwrap_err().code, Code::PayConfirmationRequired);
    let e = w.q.authorize_aid_request(&aid_request(wei, kid, "child", Some(100_000), Some("975310"))).unwrap_err();
    assert_eq!((e.code, e.message_en.contains("4 tries left")), (Code::PayPasswordWrong, true), "{e}");
    assert_eq!(count(&w, "SELECT count(*) FROM aid"), 0);
    let a = w.q.authorize_aid_request(&aid_request(wei, kid, "child", Some(100_000), Some(PAY))).unwrap();
    assert_eq!(count(&w, &format!("SELECT pay_failed FROM person WHERE id = {wei}")), 0, "a right password starts the count again");
    // Lowering a cap narrows the flow: no password. Raising or clearing it widens it: his password.
    assert_eq!(w.q.set_aid_cap(a.id, Some(50_000), None).unwrap().monthly_cap_fen, Some(50_000));
    assert_eq!(w.q.set_aid_cap(a.id, Some(80_000), None).unwrap_err().code, Code::PayConfirmationRequired);
    assert_eq!(w.q.set_aid_cap(a.id, None, None).unwrap_err().code, Code::PayConfirmationRequired);
    assert_eq!(w.q.set_aid_cap(a.id, Some(80_000), Some(PAY)).unwrap().monthly_cap_fen, Some(80_000));
    assert_eq!(w.q.set_aid_online_cap(a.id, Some(100_000), None).unwrap_err().code, Code::PayConfirmationRequired);
    w.q.freeze_aid(a.id).unwrap();
    assert_eq!(w.q.unfreeze_aid(a.id, None).unwrap_err().code, Code::PayConfirmationRequired);
    w.q.unfreeze_aid(a.id, Some(PAY)).unwrap();

    // At the kiosk, served in person (staff checked his ID card and face), he opens one to his wife without a password.
    w.q.set_actor(Actor::Serving { staff: w.staff, admin: false, resident: wei });
    assert_eq!(w.q.authorize_aid_request(&aid_request(wei, fang, "spouse", None, None)).unwrap().authorizer_id, wei);
    // Her relation to their son, recorded for her (the operator's tools stand for her own act here).
    w.q.set_actor(Actor::Operator);
    let hers = w.q.authorize_aid_request(&aid_request(fang, kid, "child", Some(30_000), None)).unwrap();
    // Back on his computer: he may look, freeze and end it (safety first) but never widen it.
    w.q.set_actor(Actor::Household { holder: wei });
    assert_eq!(w.q.get_aid(hers.id).unwrap().monthly_cap_fen, Some(30_000));
    assert_eq!(w.q.set_aid_cap(hers.id, Some(99_999_999), Some(PAY)).unwrap_err().code, Code::ConsentOwnerOnly);
    assert_eq!(w.q.set_aid_cap(hers.id, Some(1), None).unwrap_err().code, Code::ConsentOwnerOnly, "not even lower: the caps are hers to set");
    w.q.freeze_aid(hers.id).unwrap();
    assert_eq!(w.q.unfreeze_aid(hers.id, Some(PAY)).unwrap_err().code, Code::ConsentOwnerOnly);
    assert_eq!(w.q.revoke_aid(hers.id).unwrap().status, "revoked");
    assert_eq!(balance(&mut w, fang), 272_770);
}

#[test]
fn a_draft_reads_no_stranger_and_refusals_tell_nothing() {
    let mut w = world();
    let (wei, li, elder) = (w.wei, w.li, w.elder);
    let entry = |name: &str, id17: &str, relation: &str| MemberEntry {
        name: name.into(),
        resident_id: qinqing_core::id::with_check_char(id17),
        relation: relation.into(),
    };
    w.q.set_actor(Actor::Household { holder: wei });
    // By number alone: not for a family computer.
    assert_eq!(w.q.apply_binding(wei, elder, "parent").unwrap_err().code, Code::Forbidden);
    // Not registered, another name, not active, already bound twice …: one answer.
    let not_registered = entry("张建国", "31011519500310999", "parent");
    let wrong_name = entry("张建军", ELDER_ID, "parent");
    let suspended = entry("赵六", "31011519520101016", "parent");
    for (what, e) in [("unknown ID", &not_registered), ("another name", &wrong_name), ("suspended", &suspended)] {
        let err = w.q.apply_binding_entry(wei, e).unwrap_err();
        assert_eq!(err.code, Code::MemberUnmatched, "{what}: {err}");
        assert!(!err.message_zh.contains("暂停") && !err.message_en.contains("suspended"), "{what}: the state is not told");
    }
    assert_eq!(count(&w, "SELECT count(*) FROM binding WHERE status = 'draft'"), 0, "no draft was made");
    // Staff at the kiosk, with the resident in front of them, are told which.
    w.q.set_actor(Actor::Serving { staff: w.staff, admin: false, resident: wei });
    assert_eq!(w.q.apply_binding_entry(wei, &wrong_name).unwrap_err().code, Code::MemberIdMismatch);
    assert_eq!(w.q.apply_binding_entry(wei, &suspended).unwrap_err().code, Code::MemberNotInsured);

    // With the right name and ID number a draft starts — and still reads nothing of him.
    w.q.set_actor(Actor::Household { holder: wei });
    let draft = w.q.apply_binding_entry(wei, &entry("张建国", ELDER_ID, "parent")).unwrap();
    assert_eq!(w.q.get_person(elder).unwrap_err().code, Code::Forbidden, "a draft grants no read of the member's record");
    assert_eq!(w.q.get_binding(draft.id).unwrap().member.birth_date, "", "no birth date beside the masked ID");
    assert!(w.q.list_persons(&Default::default()).unwrap().iter().all(|p| p.id != elder));
    w.q.set_actor(Actor::Staff { id: w.staff, admin: false });
    assert_eq!(w.q.get_binding(draft.id).unwrap().member.birth_date, "1950-03-10", "staff reviewing see it");

    // Remote confirmations: at most 3 a day per application, 5 a day to one member from everyone.
    w.q.set_actor(Actor::Operator);
    let other = w.q.apply_binding(li, elder, "parent").unwrap().id;
    w.q.set_actor(Actor::Household { holder: wei });
    for _ in 0..3 {
        w.q.send_remote_code(draft.id).unwrap();
    }
    w.q.set_actor(Actor::Household { holder: li });
    w.q.send_remote_code(other).unwrap();
    w.q.send_remote_code(other).unwrap();
    let e = w.q.send_remote_code(other).unwrap_err();
    assert_eq!(e.code, Code::RemoteCodeTooMany, "the sixth message to him in a day: {e}");
    assert!(e.message_en.contains('5'), "{e}");
    assert_eq!(count(&w, &format!("SELECT count(*) FROM outbox WHERE person_id = {elder} AND body_en LIKE '%asks to bind you%'")), 5);
}

/// Review of issue 31: the other ways a household's refusals could tell a
/// stranger's state — 代缴 checks by number, a relation that only fits the
/// real person — answer the same whether the person exists or not.
#[test]
fn no_oracle_through_premiums_or_relations() {
    let mut w = world();
    let (wei, elder, li) = (w.wei, w.elder, w.li);
    w.q.set_actor(Actor::Household { holder: wei });
    let req = |b: i64| PremiumRequest { payer: wei, beneficiary: b, region: "310115".into(), year: 2026, tier: "child".into(), pay_password: None };
    for stranger in [elder, li, 9_999] {
        assert_eq!(w.q.premium_check(&req(stranger)).unwrap_err().code, Code::Forbidden, "#{stranger}");
        assert_eq!(w.q.pay_premium(wei, stranger, 26_000, 2026, Some(PAY)).unwrap_err().code, Code::Forbidden, "#{stranger}");
    }
    // 张建国 (1950) as a "child" of 张伟 (1982): the typed numbers alone say no,
    // the same for the real person and for a made-up number of the same birth date.
    let typed = |id17: &str| MemberEntry { name: "张建国".into(), resident_id: qinqing_core::id::with_check_char(id17), relation: "child".into() };
    let real = w.q.apply_binding_entry(wei, &typed(ELDER_ID)).unwrap_err();
    let made_up = w.q.apply_binding_entry(wei, &typed("31011519500310991")).unwrap_err();
    assert_eq!((real.code, made_up.code), (Code::RelationInconsistent, Code::RelationInconsistent));
    assert_eq!(real.message_en, made_up.message_en);
}

/// Review of issue 31: staff see the documents of applications in progress
/// (each view audited), not every resident's photo; a family deletes no
/// document another holder's application uses.
#[test]
fn staff_see_what_they_review_and_families_delete_only_their_own() {
    let mut w = world();
    let (wei, li, elder, staff, admin) = (w.wei, w.li, w.elder, w.staff, w.admin);
    // An approved binding's household register (张伟's wife's): no longer under review.
    let done: i64 =
        w.q.conn()
            .query_row(
                &format!("SELECT document_id FROM binding_document bd JOIN binding b ON b.id = bd.binding_id WHERE b.member_id = {} LIMIT 1", w.fang),
                [],
                |r| r.get(0),
            )
            .unwrap();
    let theirs = w.q.apply_binding(li, elder, "parent").unwrap().id;
    let open =
        w.q.ingest_document(elder, "household_register", &qinqing_core::docstore::sample_png(41, 64, 48).unwrap(), "", Some(theirs)).unwrap().document.id;
    w.q.set_actor(Actor::Staff { id: staff, admin: false });
    assert_eq!(w.q.document_bytes(done).unwrap_err().code, Code::Forbidden, "a decided application's photo");
    assert!(w.q.document_bytes(open).is_ok(), "one in progress, to review");
    w.q.set_actor(Actor::Staff { id: admin, admin: true });
    assert!(w.q.document_bytes(done).is_ok());
    let views = count(&w, "SELECT count(*) FROM audit WHERE action = 'document.view'");
    assert_eq!(views, 2, "each view by staff is in the audit trail");
    // 张建国 becomes 张伟's relative too (an application of his own, approved) …
    w.q.set_actor(Actor::Operator);
    let b = w.q.apply_binding(wei, elder, "parent").unwrap().id;
    let d = w.q.add_sample_document(elder, "household_register", "").unwrap().id;
    w.q.attach_document(b, d).unwrap();
    w.q.verify_face_by_staff(b, admin).unwrap();
    w.q.sign_letter(b).unwrap();
    w.q.submit_binding(b).unwrap();
    w.q.approve_binding(b, admin).unwrap();
    // … yet family B's evidence in family B's application is not his to delete.
    w.q.set_actor(Actor::Household { holder: wei });
    assert!(w.q.get_document(open).is_ok(), "a document of his relative: he may see it");
    assert_eq!(w.q.delete_document(open).unwrap_err().code, Code::Forbidden);
    assert_eq!(count(&w, &format!("SELECT count(*) FROM document WHERE id = {open}")), 1);
}

#[test]
fn open_applications_are_limited_per_holder() {
    let mut w = world();
    let wei = w.wei;
    // Eleven children registered (born 2015–2020, so 张伟 may be their parent).
    let mut entries = Vec::new();
    for i in 0..11 {
        let id17 = format!("3101152015{:02}10{:03}", i + 1, 100 + i * 2 + 1);
        let name = format!("张小{}", ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "丁"][i]);
        person(&mut w.q, &name, &id17, "resident", "310115", 0);
        entries.push(MemberEntry { name, resident_id: qinqing_core::id::with_check_char(&id17), relation: "child".into() });
    }
    w.q.set_actor(Actor::Household { holder: wei });
    for e in &entries[..10] {
        w.q.apply_binding_entry(wei, e).unwrap();
    }
    let e = w.q.apply_binding_entry(wei, &entries[10]).unwrap_err();
    assert_eq!(e.code, Code::DraftsTooMany, "{e}");
    assert_eq!(count(&w, &format!("SELECT count(*) FROM binding WHERE holder_id = {wei} AND status = 'draft'")), 10);
}

#[test]
fn documents_are_reached_by_whose_they_are_not_by_an_attachment() {
    let mut w = world();
    let (wei, li, elder) = (w.wei, w.li, w.elder);
    // Family B applies for 张建国 and uploads his face photo with ID card into its application.
    let theirs = w.q.apply_binding(li, elder, "parent").unwrap().id;
    let face = w.q.ingest_document(elder, "face_capture", &qinqing_core::docstore::sample_png(11, 64, 48).unwrap(), "", Some(theirs)).unwrap().document.id;
    let register =
        w.q.ingest_document(elder, "household_register", &qinqing_core::docstore::sample_png(12, 64, 48).unwrap(), "", Some(theirs)).unwrap().document.id;
    // Family A applies for him too (knowing his name and ID number) …
    w.q.set_actor(Actor::Household { holder: wei });
    let entry = MemberEntry { name: "张建国".into(), resident_id: qinqing_core::id::with_check_char(ELDER_ID), relation: "parent".into() };
    let mine = w.q.apply_binding_entry(wei, &entry).unwrap().id;
    // … and tries to launder family B's photos through its own draft.
    assert_eq!(w.q.verify_face_by_evidence(mine, face).unwrap_err().code, Code::Forbidden);
    assert_eq!(w.q.attach_document(mine, register).unwrap_err().code, Code::Forbidden);
    for d in [face, register] {
        assert_eq!(w.q.document_bytes(d).unwrap_err().code, Code::Forbidden);
        assert_eq!(w.q.get_document(d).unwrap_err().code, Code::Forbidden);
        assert_eq!(w.q.delete_document(d).unwrap_err().code, Code::Forbidden);
    }
    assert_eq!(count(&w, &format!("SELECT count(*) FROM document WHERE id IN ({face}, {register})")), 2, "nothing deleted");
    assert_eq!(count(&w, &format!("SELECT count(*) FROM binding_document WHERE binding_id = {mine}")), 0, "nothing attached");
    // Its own upload into its own application works, and is its own to read and delete.
    let own = w.q.ingest_document(elder, "face_capture", &qinqing_core::docstore::sample_png(13, 64, 48).unwrap(), "", Some(mine)).unwrap().document.id;
    assert!(w.q.verify_face_by_evidence(mine, own).unwrap().face_doc_id == Some(own));
    assert!(w.q.document_bytes(own).is_ok());
    // Family B still reads its own, and not family A's.
    w.q.set_actor(Actor::Household { holder: li });
    assert!(w.q.document_bytes(face).is_ok());
    assert_eq!(w.q.document_bytes(own).unwrap_err().code, Code::Forbidden);
}

#[test]
fn plain_staff_create_no_money_and_become_no_household() {
    let mut w = world();
    let (wei, staff, admin) = (w.wei, w.staff, w.admin);
    w.q.set_actor(Actor::Staff { id: staff, admin: false });
    let before = count(&w, "SELECT count(*) FROM person");
    let input = |balance: Option<i64>, status: Option<&str>, voucher: bool| PersonInput {
        name: "钱多多".into(),
        resident_id: qinqing_core::id::with_check_char("31011519900101012"),
        insurance: "employee".into(),
        region: "310115".into(),
        balance_fen: balance,
        status: status.map(str::to_string),
        voucher_activated: voucher,
        ..Default::default()
    };
    for (what, i) in
        [("a balance", input(Some(10_000_000_000), None, false)), ("a status", input(None, Some("lapsed"), false)), ("a voucher", input(None, None, true))]
    {
        assert_eq!(w.q.add_person(&i).unwrap_err().code, Code::Forbidden, "{what}");
    }
    assert_eq!(count(&w, "SELECT count(*) FROM person"), before, "nobody was registered");
    w.q.add_person(&input(None, None, false)).unwrap();
    w.q.set_actor(Actor::Staff { id: admin, admin: true });
    w.q.add_person(&PersonInput { resident_id: qinqing_core::id::with_check_char("31011519900101039"), ..input(Some(1_000), None, true) }).unwrap();

    // Pairing: only while serving the holder in person, or an administrator.
    w.q.set_actor(Actor::Staff { id: staff, admin: false });
    let e = w.q.pairing_start(wei).unwrap_err();
    assert_eq!(e.code, Code::PairingInPerson, "{e}");
    assert_eq!(count(&w, "SELECT count(*) FROM pairing"), 0);
    w.q.set_actor(Actor::Serving { staff, admin: false, resident: w.li });
    assert_eq!(w.q.pairing_start(wei).unwrap_err().code, Code::PairingInPerson, "serving someone else");
    w.q.set_actor(Actor::Serving { staff, admin: false, resident: wei });
    let code = w.q.pairing_start(wei).unwrap().code;
    w.q.set_actor(Actor::Nobody);
    w.q.pair(&code, Some("书房电脑"), None).unwrap();
    // He is told, in his own record.
    w.q.set_actor(Actor::Household { holder: wei });
    let inbox = w.q.outbox(wei).unwrap();
    assert!(inbox.iter().any(|m| m.body_zh.contains("书房电脑") && m.body_zh.contains("配对")), "{inbox:?}");
    assert_eq!(w.q.outbox(w.fang).unwrap_err().code, Code::Forbidden, "not a relative's messages");

    // A payment password changes only with the current one …
    assert_eq!(w.q.set_pay_password(wei, "246813", "246813").unwrap_err().code, Code::PayPasswordCurrentRequired);
    assert_eq!(w.q.change_pay_password(wei, Some("975310"), "246813", "246813").unwrap_err().code, Code::PayPasswordWrong);
    w.q.change_pay_password(wei, Some(PAY), "246813", "246813").unwrap();
    assert!(w.q.outbox(wei).unwrap().iter().any(|m| m.body_zh.contains("支付密码")), "told of the change");
    // … or is reset in person at the kiosk, which also lifts a lock-out.
    for _ in 0..5 {
        let _ = w.q.change_pay_password(wei, Some("975310"), "135791", "135791");
    }
    assert_eq!(w.q.change_pay_password(wei, Some("246813"), "135791", "135791").unwrap_err().code, Code::PayPasswordLocked);
    w.q.set_actor(Actor::Staff { id: staff, admin: false });
    assert_eq!(w.q.set_pay_password(wei, "135791", "135791").unwrap_err().code, Code::Forbidden, "plain staff never set a resident's password");
    w.q.set_actor(Actor::Serving { staff, admin: false, resident: wei });
    w.q.set_pay_password(wei, "135791", "135791").unwrap();
    assert_eq!(count(&w, &format!("SELECT pay_failed FROM person WHERE id = {wei}")), 0);
}

#[test]
fn payment_password_lockouts_lengthen() {
    let mut w = world();
    let (wei, kid) = (w.wei, w.kid);
    w.q.set_actor(Actor::Household { holder: wei });
    let guess = |w: &mut W| w.q.change_pay_password(kid, Some("975310"), "246813", "246813").unwrap_err();
    for left in [4, 3, 2, 1] {
        assert!(guess(&mut w).message_en.contains(&format!("{left} tries left")));
    }
    let e = guess(&mut w);
    assert_eq!(e.code, Code::PayPasswordLocked);
    assert!(e.message_en.contains("15 min"), "{e}");
    w.clock.advance(16);
    for _ in 0..4 {
        assert_eq!(guess(&mut w).code, Code::PayPasswordWrong);
    }
    let e = guess(&mut w);
    assert!(e.message_en.contains("30 min"), "the second lock-out is longer: {e}");
    w.clock.advance(29);
    assert_eq!(guess(&mut w).code, Code::PayPasswordLocked, "still locked");
    w.clock.advance(2);
    // The right one (the owner's) resets the count.
    w.q.change_pay_password(kid, Some(PAY), "246813", "246813").unwrap();
    assert_eq!(count(&w, &format!("SELECT pay_failed FROM person WHERE id = {kid}")), 0);
}

/// Issue 33: the caller is passed in with each request and never stays on
/// the handle — after an answer, a refusal or a panic the handle is nobody,
/// so a next request cannot inherit the last one's rights.
#[test]
fn a_caller_is_for_one_request_only() {
    use qinqing_core::Caller;
    let mut q = Qinqing::in_memory(Arc::new(qinqing_core::time::FixedClock::at("2026-03-10T02:00:00Z"))).unwrap();
    let wei = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 500_000);
    q.set_actor(Actor::Nobody);
    let household = Caller::actor(Actor::Household { holder: wei });
    assert_eq!(q.as_caller(&household, |q| q.get_person(wei)).unwrap().id, wei);
    assert!(matches!(q.actor_ref(), Actor::Nobody), "{:?}", q.actor_ref());
    let refused = q.as_caller(&Caller::actor(Actor::Terminal { institution: 1 }), |q| q.get_person(wei));
    assert_eq!(refused.unwrap_err().code, Code::Forbidden);
    assert!(matches!(q.actor_ref(), Actor::Nobody));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        q.as_caller(&Caller::actor(Actor::Operator).from(Some("10.0.0.9".into())), |_| -> qinqing_core::Result<()> { panic!("inside a request") })
    }));
    assert!(panicked.is_err());
    assert!(matches!(q.actor_ref(), Actor::Nobody));
    assert_eq!(q.client(), None, "nor its address");
    // Nobody reads nothing.
    assert!(q.get_person(wei).is_err());
}
