//! The confirmation per scenario (issue 32 item 6, DOMAIN §4, seed 004):
//! outpatient by a one-time code sent to the payer's record or the payment
//! password, online pharmacy by the password or face, inpatient by ID + face
//! at admission — decided from policy data an administrator can change. On
//! SQLite, and on PostgreSQL when `QINQING_TEST_POSTGRES` names a server.

mod common;
use common::{person, PAY};
use qinqing_core::settle::{AdmitRequest, SettleRequest};
use qinqing_core::time::FixedClock;
use qinqing_core::{Actor, Code, Qinqing};
use std::sync::Arc;

const NOW: &str = "2026-03-10T02:00:00Z";

struct World {
    q: Qinqing,
    dad: i64,
    kid: i64,
    hospital: i64,
    clinic: i64,
    pharmacy: i64,
}

/// 张伟 (employee, ¥1,000) holds his son 张子涵 (11) in an approved 子女 binding.
fn world() -> World {
    let mut q = Qinqing::in_memory(Arc::new(FixedClock::at(NOW))).unwrap();
    let dad = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 100_000);
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 20_000);
    let staff = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
    q.verify_face_in_person(dad, staff).unwrap();
    let b = q.apply_binding(dad, kid, "child").unwrap();
    let d = q.add_sample_document(kid, "birth_certificate", "").unwrap();
    q.attach_document(b.id, d.id).unwrap();
    q.sign_letter(b.id).unwrap();
    q.submit_binding(b.id).unwrap();
    q.approve_binding(b.id, staff).unwrap();
    let hospital = q.add_institution("浦东新区人民医院", "310115", true, true).unwrap().id;
    let clinic = q.add_institution("浦东新区社区卫生服务中心", "310115", true, true).unwrap().id;
    let pharmacy = q.add_institution("老百姓大药房浦东店", "310115", true, false).unwrap().id;
    World { q, dad, kid, hospital, clinic, pharmacy }
}

fn bill(token: &str, institution: i64, scenario: &str, total: i64, no: &str) -> SettleRequest {
    SettleRequest { token: token.into(), institution, scenario: scenario.into(), total_fen: total, bill_id: no.into(), ..Default::default() }
}

fn with_code(mut r: SettleRequest, code: &str) -> SettleRequest {
    r.sms_code = Some(code.into());
    r
}

/// The 6 digits of the newest message to `person` (read as the operator).
fn last_code(q: &Qinqing, person: i64) -> String {
    let m = q.outbox(person).unwrap();
    let body = &m.first().expect("a message").body_zh;
    let digits: Vec<String> = body.split(|c: char| !c.is_ascii_digit()).filter(|s| s.len() == 6).map(str::to_string).collect();
    assert_eq!(digits.len(), 1, "one 6-digit code in {body}");
    digits[0].clone()
}

fn count(q: &Qinqing, sql: &str) -> i64 {
    q.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn other(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[test]
fn outpatient_is_confirmed_by_a_code_sent_to_the_payer_or_the_password() {
    let mut w = world();
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let r = bill(&t, w.hospital, "outpatient", 12_345, "MZ-1");
    // Nothing brought: the refusal names both ways, the code first.
    let e = w.q.settle(&r).unwrap_err();
    assert_eq!(e.code, Code::PayConfirmationRequired);
    assert_eq!(e.field.as_deref(), Some("sms_code"));
    assert!(e.message_zh.contains("短信验证码") && e.message_zh.contains("支付密码"), "{}", e.message_zh);
    // The counter sends the code: it goes to the payer's record, naming the
    // place and the amount, never to the counter's answer.
    let sent = w.q.send_pay_code(&r).unwrap();
    assert_eq!(sent.sends_left, 2);
    let text = serde_json::to_string(&sent).unwrap();
    let code = last_code(&w.q, w.dad);
    assert!(!text.contains(&code), "the counter is not told the code: {text}");
    let msg = &w.q.outbox(w.dad).unwrap()[0];
    assert!(msg.body_zh.contains("浦东新区人民医院") && msg.body_zh.contains("¥123.45"), "{}", msg.body_zh);
    let stored: String = w.q.conn().query_row("SELECT code_hash FROM pay_code", [], |r| r.get(0)).unwrap();
    assert!(!stored.contains(&code) && stored.len() == 64, "kept as a hash only");
    // A wrong code is counted and charges nothing; so is the right code for
    // another amount, another bill or another counter.
    let e = w.q.settle(&with_code(r.clone(), &other(&code))).unwrap_err();
    assert_eq!(e.code, Code::PayCodeWrong);
    assert!(e.message_zh.contains("4次"), "{}", e.message_zh);
    let mut more = with_code(r.clone(), &code);
    more.total_fen = 99_999;
    assert_eq!(w.q.settle(&more).unwrap_err().code, Code::PayCodeWrong);
    let mut elsewhere = with_code(r.clone(), &code);
    elsewhere.institution = w.clinic;
    assert_eq!(w.q.settle(&elsewhere).unwrap_err().code, Code::PayCodeWrong);
    assert_eq!(count(&w.q, "SELECT count(*) FROM settlement"), 0, "nothing charged");
    assert_eq!(w.q.get_person(w.dad).unwrap().balance_fen, 100_000);
    assert_eq!(count(&w.q, "SELECT attempts FROM pay_code"), 3);
    // The right code for this bill pays, once, and is used up.
    let s = w.q.settle(&with_code(r.clone(), &code)).unwrap();
    assert!(!s.replayed);
    assert_eq!(count(&w.q, "SELECT count(*) FROM pay_code"), 0, "used up");
    let confirmed: String = w.q.conn().query_row("SELECT after FROM audit WHERE action = 'settlement' ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert!(confirmed.contains("\"confirmed_by\":\"sms_code\""), "{confirmed}");
    // Its retry is the first answer; the shown code cannot get another code.
    assert!(w.q.settle(&with_code(r.clone(), &code)).unwrap().replayed);
    assert_eq!(w.q.send_pay_code(&bill(&t, w.hospital, "outpatient", 500, "MZ-2")).unwrap_err().code, Code::QrAlreadyUsed);
    // The payment password still confirms an outpatient bill.
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let mut r = bill(&t, w.hospital, "outpatient", 1_000, "MZ-3");
    r.pay_password = Some(PAY.into());
    assert!(w.q.settle(&r).is_ok());
}

#[test]
fn a_code_allows_five_tries_and_three_sends_per_shown_code() {
    let mut w = world();
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let r = bill(&t, w.hospital, "outpatient", 5_000, "MZ-T");
    w.q.send_pay_code(&r).unwrap();
    let code = last_code(&w.q, w.dad);
    for left in (0..5).rev() {
        let e = w.q.settle(&with_code(r.clone(), &other(&code))).unwrap_err();
        assert_eq!(e.code, if left > 0 { Code::PayCodeWrong } else { Code::PayCodeGone }, "{e}");
    }
    // Used up: the right one no longer pays, and no new code resets the count.
    assert_eq!(w.q.settle(&with_code(r.clone(), &code)).unwrap_err().code, Code::PayCodeGone);
    assert_eq!(w.q.send_pay_code(&r).unwrap_err().code, Code::PayCodeTooMany);
    assert_eq!(count(&w.q, "SELECT count(*) FROM settlement"), 0);
    // Three sends per shown code; each replaces the code before it.
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let r = bill(&t, w.hospital, "outpatient", 5_000, "MZ-S");
    w.q.send_pay_code(&r).unwrap();
    let first = last_code(&w.q, w.dad);
    w.q.send_pay_code(&r).unwrap();
    assert_eq!(w.q.send_pay_code(&r).unwrap().sends_left, 0);
    assert_eq!(w.q.send_pay_code(&r).unwrap_err().code, Code::PayCodeTooMany);
    let last = last_code(&w.q, w.dad);
    if first != last {
        assert_eq!(w.q.settle(&with_code(r.clone(), &first)).unwrap_err().code, Code::PayCodeWrong, "an earlier code is void");
    }
    assert!(w.q.settle(&with_code(r, &last)).is_ok());
}

#[test]
fn a_childs_code_goes_to_the_child_and_is_read_by_the_parent() {
    let mut w = world();
    let t = w.q.issue_qr(w.kid, Some(w.dad)).unwrap().token;
    let r = bill(&t, w.hospital, "outpatient", 3_000, "MZ-K");
    let sent = w.q.send_pay_code(&r).unwrap();
    assert_eq!(sent.sent_to, qinqing_core::id::mask_name("张子涵"));
    // The father's computer reads his son's messages (he keeps the boy's
    // payment password too); a stranger's computer does not.
    w.q.set_actor(Actor::Household { holder: w.dad });
    let code = last_code(&w.q, w.kid);
    let li = {
        w.q.set_actor(Actor::Operator);
        person(&mut w.q, "李四", "31011519800101011", "employee", "310115", 0)
    };
    w.q.set_actor(Actor::Household { holder: li });
    assert_eq!(w.q.outbox(w.kid).unwrap_err().code, Code::Forbidden);
    // Nor does a family computer send codes: that is a counter's act.
    assert_eq!(w.q.send_pay_code(&r).unwrap_err().code, Code::Forbidden);
    w.q.set_actor(Actor::Operator);
    let s = w.q.settle(&with_code(r, &code)).unwrap();
    assert_eq!(s.member_id, w.kid);
}

#[test]
fn pharmacy_online_and_inpatient_take_their_own_checks() {
    let mut w = world();
    // Online pharmacy: the password or a face check — not a code by default.
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let r = bill(&t, w.pharmacy, "online_pharmacy", 2_000, "WY-1");
    assert_eq!(w.q.send_pay_code(&r).unwrap_err().code, Code::PayCodeNotUsed);
    let e = w.q.settle(&r).unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (Code::PayConfirmationRequired, Some("pay_password")));
    assert!(e.message_zh.contains("人脸"), "{}", e.message_zh);
    let mut by_face = r.clone();
    by_face.face_checked = true;
    assert!(w.q.settle(&by_face).is_ok());
    // An ID check is no answer online.
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let mut r = bill(&t, w.pharmacy, "online_pharmacy", 2_000, "WY-2");
    r.id_face_checked = true;
    assert_eq!(w.q.settle(&r).unwrap_err().code, Code::PayConfirmationRequired);
    // Inpatient: ID card and face at admission, no password needed …
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let admit = AdmitRequest { token: t.clone(), institution: w.hospital, admission_no: "ZY-1".into(), ..Default::default() };
    assert_eq!(w.q.admit(&admit).unwrap_err().code, Code::IdFaceCheckRequired);
    let mut by_id = admit.clone();
    by_id.id_face_checked = true;
    let stay = w.q.admit(&by_id).unwrap();
    let snap: String = w.q.conn().query_row("SELECT after FROM audit WHERE action = 'stay.admit'", [], |r| r.get(0)).unwrap();
    assert!(snap.contains("\"confirmed_by\":\"id_face\""), "{snap}");
    // … and the discharge settles the stay without any.
    let mut out = bill("", w.hospital, "inpatient", 50_000, "ZY-1-OUT");
    out.stay = Some(stay.id);
    assert!(w.q.settle(&out).is_ok());
}

#[test]
fn the_policy_is_data_an_administrator_changes() {
    let mut w = world();
    // Listed with the other settings, with the methods as text.
    let all = w.q.settings().unwrap();
    let get = |k: &str| all.iter().find(|s| s.def.key == k).unwrap().text.clone().unwrap();
    assert_eq!(get("confirm_outpatient"), "sms_code,pay_password");
    assert_eq!(get("confirm_online_pharmacy"), "pay_password,face");
    assert_eq!(get("confirm_inpatient"), "id_face");
    // Checked per scenario: refused changes change nothing.
    for (k, v) in [("confirm_inpatient", "sms_code"), ("confirm_online_pharmacy", "id_face"), ("confirm_outpatient", ""), ("confirm_outpatient", "<script>")] {
        assert_eq!(w.q.set_setting(k, v).unwrap_err().code, Code::SettingOutOfRange, "{k}={v}");
    }
    assert_eq!(w.q.get_setting("confirm_outpatient").unwrap().text.as_deref(), Some("sms_code,pay_password"));
    // Plain staff do not change it.
    let clerk = w.q.add_staff("刘干事", "staff", "counter-pass", "counter-pass").unwrap().id;
    w.q.set_actor(Actor::Staff { id: clerk, admin: false });
    assert_eq!(w.q.set_setting("confirm_outpatient", "face").unwrap_err().code, Code::Forbidden);
    w.q.set_actor(Actor::Operator);
    // Outpatient by password only: no code is sent, a code confirms nothing.
    assert_eq!(w.q.set_setting("confirm_outpatient", "pay_password").unwrap().text.as_deref(), Some("pay_password"));
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let r = bill(&t, w.hospital, "outpatient", 1_000, "MZ-P");
    assert_eq!(w.q.send_pay_code(&r).unwrap_err().code, Code::PayCodeNotUsed);
    assert_eq!(w.q.settle(&with_code(r.clone(), "123456")).unwrap_err().code, Code::PayConfirmationRequired);
    let mut pw = r;
    pw.pay_password = Some(PAY.into());
    assert!(w.q.settle(&pw).is_ok());
    // Admission by the payment password: the ID check alone no longer does.
    w.q.set_setting("confirm_inpatient", "pay_password").unwrap();
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let mut admit = AdmitRequest { token: t, institution: w.hospital, admission_no: "ZY-P".into(), id_face_checked: true, ..Default::default() };
    assert_eq!(w.q.admit(&admit).unwrap_err().code, Code::PayConfirmationRequired);
    admit.pay_password = Some("000000".into());
    assert_eq!(w.q.admit(&admit).unwrap_err().code, Code::PayPasswordWrong);
    admit.pay_password = Some(PAY.into());
    assert!(w.q.admit(&admit).is_ok());
    // A hand-edited value cannot leave a scenario unchecked: the default holds.
    w.q.conn().execute("UPDATE setting SET value = 'nothing' WHERE key = 'confirm_outpatient'", []).unwrap();
    assert_eq!(w.q.get_setting("confirm_outpatient").unwrap().text.as_deref(), Some("sms_code,pay_password"));
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    assert_eq!(w.q.settle(&bill(&t, w.hospital, "outpatient", 1_000, "MZ-H")).unwrap_err().code, Code::PayConfirmationRequired);
}

/// Hostile codes: markup, full-width digits, a huge string and replays are
/// wrong (counted, nothing charged); a blank one is no code at all.
#[test]
fn hostile_codes_are_wrong_and_a_blank_one_is_none() {
    let mut w = world();
    let t = w.q.issue_qr(w.dad, None).unwrap().token;
    let r = bill(&t, w.hospital, "outpatient", 4_200, "MZ-X");
    w.q.send_pay_code(&r).unwrap();
    let code = last_code(&w.q, w.dad);
    let huge = "9".repeat(100_000);
    for (bad, left) in [("<script>alert(1)</script>", 4), ("１２３４５６", 3), (huge.as_str(), 2)] {
        let e = w.q.settle(&with_code(r.clone(), bad)).unwrap_err();
        assert_eq!(e.code, Code::PayCodeWrong, "{:.20}", bad);
        assert!(e.message_en.contains(&format!("{left} tries left")), "{}", e.message_en);
    }
    let e = w.q.settle(&with_code(r.clone(), "   ")).unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (Code::PayConfirmationRequired, Some("sms_code")));
    assert_eq!(count(&w.q, "SELECT attempts FROM pay_code"), 3, "a blank code is not a try");
    assert_eq!(count(&w.q, "SELECT count(*) FROM settlement"), 0);
    assert!(w.q.settle(&with_code(r.clone(), &code)).is_ok());
    // Replayed: the same bill answers the first settlement, another bill with the used code is refused.
    assert!(w.q.settle(&with_code(r.clone(), &code)).unwrap().replayed);
    let e = w.q.settle(&with_code(bill(&t, w.hospital, "outpatient", 4_200, "MZ-Y"), &code)).unwrap_err();
    assert!(matches!(e.code, Code::QrAlreadyUsed | Code::PayCodeGone), "{e}");
}
