//! 亲情账户 rules (DOMAIN §2), each edge tested through the public API.

use qinqing_core::binding::{requirements, Facts, HOLDER_CAP};
use qinqing_core::id::with_check_char;
use qinqing_core::time::FixedClock;
use qinqing_core::{BindingQuery, BindingStatus, Code, DocKind, MemberEntry, PersonInput, Qinqing};
use std::sync::Arc;

/// 2026-03-10 10:00 China time.
const NOW: &str = "2026-03-10T02:00:00Z";

fn ledger(at: &str) -> Qinqing {
    Qinqing::in_memory(Arc::new(FixedClock::at(at))).unwrap()
}

fn at(q: &mut Qinqing, instant: &str) {
    q.set_clock(Arc::new(FixedClock::at(instant)));
}

fn person(q: &mut Qinqing, name: &str, id17: &str, region: &str, voucher: bool) -> i64 {
    q.add_person(&PersonInput {
        name: name.into(),
        resident_id: with_check_char(id17),
        insurance: "resident".into(),
        region: region.into(),
        voucher_activated: voucher,
        ..Default::default()
    })
    .unwrap()
    .id
}

/// The holder: born 1982-11-08, insured in Shanghai (policy '31').
fn holder(q: &mut Qinqing) -> i64 {
    person(q, "张伟", "34010419821108017", "310115", true)
}

fn staff(q: &mut Qinqing) -> i64 {
    q.add_staff("陈主任", "staff", "counter-pass", "counter-pass").unwrap().id
}

fn doc(q: &mut Qinqing, person: i64, kind: &str) -> i64 {
    q.add_sample_document(person, kind, "").unwrap().id
}

/// Take a complete adult application (household register + staff face check
/// + letter) from draft to active.
fn bind_adult(q: &mut Qinqing, h: i64, m: i64, relation: &str, sid: i64) -> Result<i64, Code> {
    let b = q.apply_binding(h, m, relation).map_err(|e| e.code)?;
    let d = doc(q, m, "household_register");
    q.attach_document(b.id, d).unwrap();
    q.verify_face_by_staff(b.id, sid).unwrap();
    q.sign_letter(b.id).unwrap();
    q.submit_binding(b.id).map_err(|e| e.code)?;
    q.approve_binding(b.id, sid).map_err(|e| e.code)?;
    Ok(b.id)
}

fn missing(q: &Qinqing, id: i64) -> Vec<&'static str> {
    q.get_binding(id).unwrap().missing
}

#[test]
fn child_with_birth_certificate_from_draft_to_active() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let child = person(&mut q, "张子涵", "31011520140910013", "310115", false);
    let sid = staff(&mut q);

    let b = q.apply_binding(h, child, "child").unwrap();
    assert_eq!(b.status, BindingStatus::Draft);
    assert_eq!(b.member_age, 11);
    // The voucher is no draft's to have: the parent activates it once approved (issue 32).
    assert_eq!(b.missing, vec!["doc_child_identity", "letter"]);
    let e = q.submit_binding(b.id).unwrap_err();
    assert_eq!(e.code, Code::BindingIncomplete);
    assert!(e.message_zh.contains("出生医学证明"), "{}", e.message_zh);
    assert_eq!(q.get_binding(b.id).unwrap().status, BindingStatus::Draft, "a refused submit changes nothing");

    // Under 16: no face verification, the guardian activates the voucher.
    let face = doc(&mut q, child, "face_capture");
    assert_eq!(q.verify_face_by_evidence(b.id, face).unwrap_err().code, Code::FaceNotRequired);
    q.guardian_activate_voucher(b.id).unwrap();
    assert!(q.get_person(child).unwrap().voucher_activated);
    let cert = doc(&mut q, child, "birth_certificate");
    q.attach_document(b.id, cert).unwrap();
    let signed = q.sign_letter(b.id).unwrap();
    assert_eq!(signed.letter_version.as_deref(), Some(qinqing_core::binding::LETTER_VERSION));
    assert!(signed.complete);

    let sub = q.submit_binding(b.id).unwrap();
    assert_eq!(sub.status, BindingStatus::Submitted);
    assert_eq!(q.attach_document(b.id, cert).unwrap_err().code, Code::BindingWrongState, "a submitted application is frozen");
    let ok = q.approve_binding(b.id, sid).unwrap();
    assert_eq!(ok.status, BindingStatus::Active);
    assert_eq!(ok.decided_by, Some(sid));
    assert_eq!(q.approve_binding(b.id, sid).unwrap_err().code, Code::BindingWrongState);

    // Every transition is in the audit trail with before and after.
    let trail = q.audit_list(&Default::default()).unwrap();
    let actions: Vec<&str> = trail.iter().filter(|e| e.entity == "binding").map(|e| e.action.as_str()).collect();
    for a in ["binding.apply", "binding.guardian_activate_voucher", "binding.attach_document", "binding.sign_letter", "binding.submit", "binding.approve"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let approve = trail.iter().find(|e| e.action == "binding.approve").unwrap();
    assert_eq!(approve.before.as_ref().unwrap()["status"], "submitted");
    assert_eq!(approve.after.as_ref().unwrap()["status"], "active");
}

#[test]
fn adult_needs_household_register_and_a_real_face_verification() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let mother = person(&mut q, "李秀英", "34010419530802042", "310115", true);
    let other = person(&mut q, "王芳", "33010619850421026", "310115", true);
    let sid = staff(&mut q);
    let b = q.apply_binding(h, mother, "parent").unwrap();
    assert_eq!(b.missing, vec!["doc_household_register", "face", "letter"]);
    // Evidence must be a face capture of the member herself.
    let wrong_kind = doc(&mut q, mother, "household_register");
    assert_eq!(q.verify_face_by_evidence(b.id, wrong_kind).unwrap_err().code, Code::FaceEvidenceKind);
    let someone_else = doc(&mut q, other, "face_capture");
    assert_eq!(q.verify_face_by_evidence(b.id, someone_else).unwrap_err().code, Code::FaceEvidenceKind);
    let photo = doc(&mut q, mother, "face_capture");
    let v = q.verify_face_by_evidence(b.id, photo).unwrap();
    assert_eq!(v.face_method.as_deref(), Some("evidence"));
    assert!(v.documents.iter().any(|d| d.id == photo), "evidence is attached for review");
    // A staff attestation records the staff id; a wrong password changes nothing.
    assert_eq!(q.verify_face_by_staff_password(b.id, sid, "nope-nope").unwrap_err().code, Code::StaffPasswordWrong);
    assert_eq!(q.get_binding(b.id).unwrap().face_method.as_deref(), Some("evidence"));
    let v = q.verify_face_by_staff_password(b.id, sid, "counter-pass").unwrap();
    assert_eq!((v.face_method.as_deref(), v.face_staff_id), (Some("staff"), Some(sid)));
    assert_eq!(q.verify_face_by_staff(b.id, 999).unwrap_err().code, Code::StaffNotFound);
    // A document of someone unrelated cannot be attached.
    assert_eq!(q.attach_document(b.id, someone_else).unwrap_err().code, Code::DocWrongPerson);
    assert_eq!(missing(&q, b.id), vec!["doc_household_register", "letter"]);
    assert!(q.get_person(mother).unwrap().face_verified_at_local.is_none());
    let hr = doc(&mut q, mother, "household_register");
    q.attach_document(b.id, hr).unwrap();
    q.sign_letter(b.id).unwrap();
    q.submit_binding(b.id).unwrap();
    q.approve_binding(b.id, sid).unwrap();
    assert!(q.get_person(mother).unwrap().face_verified_at_local.is_some(), "face state stored for the QR issue");
}

#[test]
fn sixteenth_birthday_on_the_application_date() {
    // Born 2010-03-10: 16 on 2026-03-10 (China time), 15 the day before.
    let mut q = ledger("2026-03-09T15:59:59Z"); // 2026-03-09 23:59:59 China
    let h = holder(&mut q);
    let teen = person(&mut q, "张小宇", "31011520100310019", "310115", true);
    let b = q.apply_binding(h, teen, "child").unwrap();
    assert_eq!(b.member_age, 15);
    assert!(b.missing.contains(&"doc_child_identity"));
    assert!(!b.missing.contains(&"face"));

    // One second later it is the 16th birthday in China (still the 9th in UTC).
    at(&mut q, "2026-03-09T16:00:00Z");
    let b = q.get_binding(b.id).unwrap();
    assert_eq!(b.application_date, "2026-03-10");
    assert_eq!(b.member_age, 16);
    assert_eq!(b.missing, vec!["doc_household_register", "face", "letter"]);

    // The requirements are those of the submission date.
    let cert = doc(&mut q, teen, "birth_certificate");
    q.attach_document(b.id, cert).unwrap();
    q.sign_letter(b.id).unwrap();
    assert_eq!(q.submit_binding(b.id).unwrap_err().code, Code::BindingIncomplete);
    assert_eq!(q.guardian_activate_voucher(b.id).unwrap_err().code, Code::GuardianActivationNotAllowed);
}

#[test]
fn sixteen_and_over_must_have_activated_their_own_voucher() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let wife = person(&mut q, "王芳", "33010619850421026", "310115", false);
    assert_eq!(q.apply_binding(h, wife, "spouse").unwrap_err().code, Code::MemberVoucherNotActivated);
    assert!(q.list_bindings(&BindingQuery::default()).unwrap().is_empty());
}

#[test]
fn cross_province_needs_proof_of_insurance_and_disabled_a_medical_certificate() {
    let mut q = ledger(NOW);
    let h = holder(&mut q); // Shanghai
    let father = person(&mut q, "张建国", "34010419510315031", "340104", true); // Anhui
    let b = q.apply_binding(h, father, "parent").unwrap();
    assert!(b.cross_province);
    assert!(b.missing.contains(&"doc_proof_of_insurance"));
    assert!(!b.missing.contains(&"doc_medical_certificate"));

    let grandma = person(&mut q, "赵桂兰", "31011519400105024", "310115", true);
    q.edit_person(grandma, &qinqing_core::PersonEdit { disabled: Some(true), ..Default::default() }).unwrap();
    let b2 = q.apply_binding(h, grandma, "grandparent").unwrap();
    assert!(!b2.cross_province);
    assert!(b2.missing.contains(&"doc_medical_certificate"));
    let r = requirements(&Facts { member_age: 70, disabled: true, cross_province: true, ..Default::default() });
    let keys: Vec<&str> = r.iter().map(|r| r.key).collect();
    assert_eq!(keys, vec!["voucher", "doc_household_register", "face", "doc_proof_of_insurance", "doc_medical_certificate", "letter"]);
}

/// The code the member received, read from their outbox (the SMS stand-in).
fn code_sent_to(q: &Qinqing, member: i64) -> String {
    let m = &q.outbox(member).unwrap()[0];
    let digits: String = m.body_en.split("code ").nth(1).unwrap().chars().take(6).collect();
    assert!(m.body_zh.contains(&digits));
    digits
}

#[test]
fn sixty_and_over_may_confirm_remotely_instead_of_a_visit() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let father = person(&mut q, "张建国", "31011519660310015", "310115", true); // 60 today
    let wife = person(&mut q, "王芳", "33010619850421026", "310115", true);
    let b = q.apply_binding(h, father, "parent").unwrap();
    assert!(b.remote_allowed);
    // The holder cannot confirm for the member: a code goes to the member.
    assert_eq!(q.confirm_remote(b.id, "000000").unwrap_err().code, Code::RemoteCodeNone);
    q.send_remote_code(b.id).unwrap();
    assert!(q.outbox(h).unwrap().is_empty(), "nothing goes to the holder");
    let code = code_sent_to(&q, father);
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert_eq!(q.confirm_remote(b.id, wrong).unwrap_err().code, Code::RemoteCodeWrong);
    assert!(q.get_binding(b.id).unwrap().missing.contains(&"face"));
    let b = q.confirm_remote(b.id, &code).unwrap();
    assert!(!b.missing.contains(&"face"), "remote confirmation replaces the visit");
    assert_eq!(q.confirm_remote(b.id, &code).unwrap_err().code, Code::RemoteCodeNone, "a code is used once");
    let w = q.apply_binding(h, wife, "spouse").unwrap();
    assert_eq!(q.send_remote_code(w.id).unwrap_err().code, Code::RemoteNotAllowed);
}

#[test]
fn remote_codes_expire_and_five_wrong_tries_void_them() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let father = person(&mut q, "张建国", "31011519560310015", "310115", true);
    let b = q.apply_binding(h, father, "parent").unwrap();
    q.send_remote_code(b.id).unwrap();
    let code = code_sent_to(&q, father);
    at(&mut q, "2026-03-10T02:10:01Z"); // 10 min 1 s later
    assert_eq!(q.confirm_remote(b.id, &code).unwrap_err().code, Code::RemoteCodeExpired);
    at(&mut q, NOW);
    q.send_remote_code(b.id).unwrap();
    let code = code_sent_to(&q, father);
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for _ in 0..4 {
        assert_eq!(q.confirm_remote(b.id, wrong).unwrap_err().code, Code::RemoteCodeWrong);
    }
    assert_eq!(q.confirm_remote(b.id, wrong).unwrap_err().code, Code::RemoteCodeExpired);
    assert_eq!(q.confirm_remote(b.id, &code).unwrap_err().code, Code::RemoteCodeExpired, "void after five wrong tries");
    // A new code resets the tries, so only three codes a day: guessing is stopped, not slowed.
    q.send_remote_code(b.id).unwrap();
    assert_eq!(q.send_remote_code(b.id).unwrap_err().code, Code::RemoteCodeTooMany);
    at(&mut q, "2026-03-11T02:00:01Z");
    q.send_remote_code(b.id).unwrap();
}

/// Issue 13 §7: after the member confirms remotely and the binding is
/// approved, the holder shows the member's code — no visit needed.
#[test]
fn remote_path_is_whole_the_code_works_after_approval() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let father = person(&mut q, "张建国", "31011519560310015", "310115", true);
    let sid = staff(&mut q);
    let b = q.apply_binding(h, father, "parent").unwrap();
    let d = doc(&mut q, father, "household_register");
    q.attach_document(b.id, d).unwrap();
    q.sign_letter(b.id).unwrap();
    q.send_remote_code(b.id).unwrap();
    let code = code_sent_to(&q, father);
    q.confirm_remote(b.id, &code).unwrap();
    q.submit_binding(b.id).unwrap();
    q.approve_binding(b.id, sid).unwrap();
    let issued = q.issue_qr(father, Some(h)).unwrap();
    assert_eq!(issued.member, father);
    // Without the remote confirmation (and no face check) the member's own code is still refused.
    assert_eq!(q.issue_qr(father, None).unwrap_err().code, Code::QrFaceRequired);
}

#[test]
fn holder_cap_of_five_active_bindings() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let sid = staff(&mut q);
    let mut bound = Vec::new();
    for i in 0..HOLDER_CAP {
        let m = person(&mut q, &format!("孩子{i}"), &format!("3101152000010{}011", i + 1), "310115", true);
        bound.push(bind_adult(&mut q, h, m, "child", sid).unwrap());
    }
    let sixth = person(&mut q, "第六人", "31011520000201011", "310115", true);
    let e = q.apply_binding(h, sixth, "child").unwrap_err();
    assert_eq!(e.code, Code::HolderCapReached);
    assert!(e.message_zh.contains('5'), "{}", e.message_zh);
    // Unbinding frees a place at once.
    q.unbind(bound[0], h).unwrap();
    bind_adult(&mut q, h, sixth, "child", sid).unwrap();
}

#[test]
fn a_cap_filled_meanwhile_is_caught_at_submit_and_at_approval() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let sid = staff(&mut q);
    for i in 0..4 {
        let m = person(&mut q, &format!("孩子{i}"), &format!("3101152000010{}011", i + 1), "310115", true);
        bind_adult(&mut q, h, m, "child", sid).unwrap();
    }
    let mut drafts = Vec::new();
    for i in 0..2 {
        let m = person(&mut q, &format!("草稿{i}"), &format!("3101152001020{}011", i + 1), "310115", true);
        let b = q.apply_binding(h, m, "child").unwrap();
        let d = doc(&mut q, m, "household_register");
        q.attach_document(b.id, d).unwrap();
        q.verify_face_by_staff(b.id, sid).unwrap();
        q.sign_letter(b.id).unwrap();
        drafts.push(b.id);
    }
    q.submit_binding(drafts[0]).unwrap();
    assert_eq!(q.submit_binding(drafts[1]).unwrap_err().code, Code::HolderCapReached, "4 active + 1 pending = 5");
    assert_eq!(q.get_binding(drafts[1]).unwrap().status, BindingStatus::Draft);
}

#[test]
fn member_bound_by_at_most_two_holders_per_china_month() {
    // 2026-01-31 23:00 China time.
    let mut q = ledger("2026-01-31T15:00:00Z");
    let grandma = person(&mut q, "李秀英", "34010419530802042", "310115", true);
    let sid = staff(&mut q);
    let holders: Vec<i64> = (0..4).map(|i| person(&mut q, &format!("子女{i}"), &format!("3101151980010{}011", i + 1), "310115", true)).collect();
    let first = bind_adult(&mut q, holders[0], grandma, "parent", sid).unwrap();
    bind_adult(&mut q, holders[1], grandma, "parent", sid).unwrap();
    // A third holder on the same day (last second of January, China time) is refused.
    at(&mut q, "2026-01-31T15:59:59Z");
    let e = q.apply_binding(holders[2], grandma, "parent").unwrap_err();
    assert_eq!(e.code, Code::MemberMonthlyCapReached);
    assert!(e.message_zh.contains("2026-01"), "{}", e.message_zh);
    // 1 February in China (still 31 January in UTC): the two January bindings
    // are still in effect, so they count in February too (seed 003: 在自然月内
    // 仅可被2个绑定人有效绑定) — the old rule let a third in here.
    at(&mut q, "2026-01-31T16:00:00Z");
    let e = q.apply_binding(holders[2], grandma, "parent").unwrap_err();
    assert_eq!(e.code, Code::MemberMonthlyCapReached);
    assert!(e.message_zh.contains("2026-02"), "{}", e.message_zh);
    // Unbinding in February does not give February's place back: it was in effect this month.
    at(&mut q, "2026-02-10T02:00:00Z");
    q.unbind(first, holders[0]).unwrap();
    assert_eq!(q.apply_binding(holders[2], grandma, "parent").unwrap_err().code, Code::MemberMonthlyCapReached);
    // In March only the one remaining binding is in effect: a second holder may bind.
    at(&mut q, "2026-03-01T02:00:00Z");
    let third = bind_adult(&mut q, holders[2], grandma, "parent", sid).unwrap();
    assert_eq!(q.get_binding(third).unwrap().status, BindingStatus::Active);
    assert_eq!(q.apply_binding(holders[3], grandma, "parent").unwrap_err().code, Code::MemberMonthlyCapReached);
}

/// Issue 13 §3, the exact scenario: two holders bound in October and still
/// active, a third activated in November — refused.
#[test]
fn two_october_bindings_still_active_block_a_third_in_november() {
    let mut q = ledger("2026-10-12T02:00:00Z");
    let grandpa = person(&mut q, "张建国", "31011519500310015", "310115", true);
    let sid = staff(&mut q);
    let hs: Vec<i64> = (0..3).map(|i| person(&mut q, &format!("子女{i}"), &format!("3101151980010{}011", i + 1), "310115", true)).collect();
    bind_adult(&mut q, hs[0], grandpa, "parent", sid).unwrap();
    bind_adult(&mut q, hs[1], grandpa, "parent", sid).unwrap();
    at(&mut q, "2026-11-05T02:00:00Z");
    assert_eq!(bind_adult(&mut q, hs[2], grandpa, "parent", sid).unwrap_err(), Code::MemberMonthlyCapReached);
    let active = q.list_bindings(&BindingQuery { member: Some(grandpa), status: Some("active".into()), ..Default::default() }).unwrap();
    assert_eq!(active.len(), 2);
}

/// Issue 13 §2: a rejected document satisfies no requirement (at submission
/// and at approval); a rejected face photo verifies no one; the reviewer sees
/// which documents were rejected.
#[test]
fn rejected_documents_satisfy_nothing() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let child = person(&mut q, "张子涵", "31011520140910013", "310115", false);
    let sid = staff(&mut q);
    let b = q.apply_binding(h, child, "child").unwrap();
    q.guardian_activate_voucher(b.id).unwrap();
    let cert = doc(&mut q, child, "birth_certificate");
    q.attach_document(b.id, cert).unwrap();
    q.sign_letter(b.id).unwrap();
    q.review_document(cert, sid, false, "照片模糊").unwrap();
    let seen = q.get_binding(b.id).unwrap();
    assert!(seen.missing.contains(&"doc_child_identity"), "{:?}", seen.missing);
    assert_eq!(seen.rejected_documents, vec![cert]);
    let e = q.submit_binding(b.id).unwrap_err();
    assert_eq!(e.code, Code::DocRejected);
    assert!(e.message_zh.contains("出生医学证明"), "{}", e.message_zh);
    assert_eq!(q.get_binding(b.id).unwrap().status, BindingStatus::Draft);

    // Rejected after submission: approval is refused too.
    let b2 = {
        let cert2 = doc(&mut q, child, "household_register");
        q.attach_document(b.id, cert2).unwrap();
        q.submit_binding(b.id).unwrap();
        q.review_document(cert2, sid, false, "不是本户").unwrap();
        b.id
    };
    assert_eq!(q.approve_binding(b2, sid).unwrap_err().code, Code::DocRejected);
    assert_eq!(q.get_binding(b2).unwrap().status, BindingStatus::Submitted);

    // A rejected face photo verifies no one.
    let adult = person(&mut q, "王芳", "33010619850421026", "310115", true);
    let a = q.apply_binding(h, adult, "spouse").unwrap();
    let hk = doc(&mut q, adult, "household_register");
    q.attach_document(a.id, hk).unwrap();
    let face = doc(&mut q, adult, "face_capture");
    q.verify_face_by_evidence(a.id, face).unwrap();
    q.sign_letter(a.id).unwrap();
    assert!(q.get_binding(a.id).unwrap().complete);
    q.review_document(face, sid, false, "不是本人").unwrap();
    assert!(q.get_binding(a.id).unwrap().missing.contains(&"face"));
    assert_eq!(q.submit_binding(a.id).unwrap_err().code, Code::DocRejected);
}

#[test]
fn the_month_cap_is_checked_again_at_approval() {
    let mut q = ledger("2026-05-20T02:00:00Z");
    let m = person(&mut q, "李秀英", "34010419530802042", "310115", true);
    let sid = staff(&mut q);
    let hs: Vec<i64> = (0..3).map(|i| person(&mut q, &format!("子女{i}"), &format!("3101151980010{}011", i + 1), "310115", true)).collect();
    // Three applications submitted before any was approved.
    let mut apps = Vec::new();
    for &h in &hs {
        let b = q.apply_binding(h, m, "parent").unwrap();
        let d = doc(&mut q, m, "household_register");
        q.attach_document(b.id, d).unwrap();
        q.verify_face_by_staff(b.id, sid).unwrap();
        q.sign_letter(b.id).unwrap();
        q.submit_binding(b.id).unwrap();
        apps.push(b.id);
    }
    q.approve_binding(apps[0], sid).unwrap();
    q.approve_binding(apps[1], sid).unwrap();
    assert_eq!(q.approve_binding(apps[2], sid).unwrap_err().code, Code::MemberMonthlyCapReached);
    assert_eq!(q.get_binding(apps[2]).unwrap().status, BindingStatus::Submitted);
}

#[test]
fn duplicate_pair_self_and_relations() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let wife = person(&mut q, "王芳", "33010619850421026", "310115", true);
    q.apply_binding(h, wife, "spouse").unwrap();
    assert_eq!(q.apply_binding(h, wife, "spouse").unwrap_err().code, Code::BindingDuplicate);
    assert_eq!(q.apply_binding(h, h, "spouse").unwrap_err().code, Code::BindSelf);
    // A "parent" born after the holder, a "child" born before.
    let young = person(&mut q, "年轻人", "31011519900101011", "310115", true);
    assert_eq!(q.apply_binding(h, young, "parent").unwrap_err().code, Code::RelationInconsistent);
    let old = person(&mut q, "长辈", "31011519500101011", "310115", true);
    assert_eq!(q.apply_binding(h, old, "child").unwrap_err().code, Code::RelationInconsistent);
    assert_eq!(q.apply_binding(h, old, "cousin").unwrap_err().code, Code::RelationInvalid);
    // Shanghai's policy allows grandparents; the national default does not.
    let beijing = person(&mut q, "北京人", "11010519850101011", "110105", true);
    let e = q.apply_binding(beijing, old, "grandparent").unwrap_err();
    assert_eq!(e.code, Code::RelationNotAllowed);
    assert!(e.message_zh.contains("配偶、父母、子女"), "{}", e.message_zh);
    assert!(q.apply_binding(h, old, "grandparent").is_ok());
}

#[test]
fn both_must_be_insured() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let wife = person(&mut q, "王芳", "33010619850421026", "310115", true);
    q.set_status(wife, "lapsed").unwrap();
    assert_eq!(q.apply_binding(h, wife, "spouse").unwrap_err().code, Code::MemberNotInsured);
    q.set_status(wife, "active").unwrap();
    q.set_status(h, "suspended").unwrap();
    assert_eq!(q.apply_binding(h, wife, "spouse").unwrap_err().code, Code::HolderNotInsured);
}

#[test]
fn entry_by_name_and_id_must_match_the_register() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    person(&mut q, "王芳", "33010619850421026", "310115", true);
    let wife_id = with_check_char("33010619850421026");
    let entry = |name: &str, id: &str| MemberEntry { name: name.into(), resident_id: id.into(), relation: "spouse".into() };
    let e = q.apply_binding_entry(h, &entry("王芳", &with_check_char("33010619850421034"))).unwrap_err();
    assert_eq!(e.code, Code::MemberNotRegistered);
    assert!(e.message_zh.contains("3301**********"), "masked in the message: {}", e.message_zh);
    assert_eq!(q.apply_binding_entry(h, &entry("王芬", &wife_id)).unwrap_err().code, Code::MemberIdMismatch);
    let bad = q.apply_binding_entry(h, &MemberEntry { name: "".into(), resident_id: "123".into(), relation: "x".into() }).unwrap_err();
    assert_eq!(bad.code, Code::NameEmpty);
    assert_eq!(bad.also.len(), 2, "every field's problem at once");
    assert_eq!(q.apply_binding_entry(h, &entry(" 王芳 ", &wife_id.to_lowercase())).unwrap().relation_zh, "配偶");
}

#[test]
fn only_the_holder_unbinds_and_rejection_keeps_its_reason() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let sid = staff(&mut q);
    let wife = person(&mut q, "王芳", "33010619850421026", "310115", true);
    let b = bind_adult(&mut q, h, wife, "spouse", sid).unwrap();
    assert_eq!(q.unbind(b, wife).unwrap_err().code, Code::BindingNotHolder);
    let u = q.unbind(b, h).unwrap();
    assert_eq!(u.status, BindingStatus::Unbound);
    assert!(u.unbound_at_local.is_some());
    assert_eq!(q.unbind(b, h).unwrap_err().code, Code::BindingWrongState);

    let r = q.apply_binding(h, wife, "spouse").unwrap();
    let d = doc(&mut q, wife, "household_register");
    q.attach_document(r.id, d).unwrap();
    q.verify_face_by_staff(r.id, sid).unwrap();
    q.sign_letter(r.id).unwrap();
    q.submit_binding(r.id).unwrap();
    assert_eq!(q.reject_binding(r.id, sid, "   ").unwrap_err().code, Code::RejectReasonEmpty);
    assert_eq!(q.get_binding(r.id).unwrap().status, BindingStatus::Submitted);
}

#[test]
fn rejection_with_reason_then_a_new_application() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let sid = staff(&mut q);
    let wife = person(&mut q, "王芳", "33010619850421026", "310115", true);
    let r = q.apply_binding(h, wife, "spouse").unwrap();
    assert_eq!(q.reject_binding(r.id, sid, "照片不清").unwrap_err().code, Code::BindingWrongState, "a draft is not under review");
    let d = doc(&mut q, wife, "household_register");
    q.attach_document(r.id, d).unwrap();
    q.verify_face_by_staff(r.id, sid).unwrap();
    q.sign_letter(r.id).unwrap();
    q.submit_binding(r.id).unwrap();
    assert_eq!(q.reject_binding_password(r.id, sid, "bad-password", "照片不清").unwrap_err().code, Code::StaffPasswordWrong);
    let rej = q.reject_binding_password(r.id, sid, "counter-pass", "户口簿照片不清晰，请重新拍摄").unwrap();
    assert_eq!(rej.status, BindingStatus::Rejected);
    assert_eq!(rej.reject_reason.as_deref(), Some("户口簿照片不清晰，请重新拍摄"));
    // A rejected application does not block a new one.
    assert_eq!(q.apply_binding(h, wife, "spouse").unwrap().status, BindingStatus::Draft);
    let listed = q.list_bindings(&BindingQuery { holder: Some(h), status: Some("rejected".into()), ..Default::default() }).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(q.list_bindings(&BindingQuery { status: Some("nope".into()), ..Default::default() }).unwrap_err().code, Code::StatusInvalid);
}

#[test]
fn the_letter_signed_is_recorded_by_version_and_hash() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    let wife = person(&mut q, "王芳", "33010619850421026", "310115", true);
    let b = q.apply_binding(h, wife, "spouse").unwrap();
    q.sign_letter(b.id).unwrap();
    let (v, sha): (String, String) =
        q.conn().query_row("SELECT letter_version, letter_sha256 FROM binding WHERE id = ?1", [b.id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    let l = q.binding_letter();
    assert_eq!(v, l.version);
    assert_eq!(sha, l.sha256);
    assert_eq!(sha.len(), 64);
    assert!(l.text_zh.contains("承诺"));
}

#[test]
fn document_kinds_and_owners() {
    let mut q = ledger(NOW);
    let h = holder(&mut q);
    assert_eq!(q.add_sample_document(h, "passport", "").unwrap_err().code, Code::DocKindInvalid);
    assert_eq!(q.add_sample_document(999, "household_register", "").unwrap_err().code, Code::PersonNotFound);
    assert_eq!(q.add_sample_document(h, "household_register", &"长".repeat(201)).unwrap_err().code, Code::NoteTooLong);
    let d = q.add_sample_document(h, "户口簿", "<b>首页</b>").unwrap();
    assert_eq!(d.kind, DocKind::HouseholdRegister);
    assert_eq!(d.note, "<b>首页</b>");
    assert_eq!(q.list_documents(Some(h)).unwrap().len(), 1);
}
