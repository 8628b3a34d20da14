//! QR codes, settlement and 家庭共济 (DOMAIN §§2–5).

use proptest::prelude::*;
mod common;
use common::{person, PAY};
use qinqing_core::fund::FundPolicy;
use qinqing_core::id::with_check_char;
use qinqing_core::qr;
use qinqing_core::settle::{AdmitRequest, SettleRequest};
use qinqing_core::time::FixedClock;
use qinqing_core::{Code, PersonInput, Qinqing};
use std::sync::Arc;

const NOW: &str = "2026-03-10T02:00:00Z"; // 10:00 China time

fn at(q: &mut Qinqing, instant: &str) {
    q.set_clock(Arc::new(FixedClock::at(instant)));
}

struct World {
    q: Qinqing,
    holder: i64,
    wife: i64,
    child: i64,
    grandpa: i64,
    binding: i64,
    hospital: i64,
    pharmacy: i64,
    clinic: i64,
    hefei: i64,
    beijing: i64,
}

/// 张伟 (employee, ¥1,000) holds his son 张子涵 (11, resident, ¥0); 王芳
/// (employee, ¥500) and 张伟 both share their accounts with the son.
fn world() -> World {
    let mut q = Qinqing::in_memory(Arc::new(FixedClock::at(NOW))).unwrap();
    let holder = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 100_000);
    let wife = person(&mut q, "王芳", "31011519850421026", "employee", "310115", 50_000);
    let child = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 0);
    let grandpa = person(&mut q, "张建国", "34010419510315031", "resident", "340104", 20_000);
    let staff = q.add_staff("陈主任", "staff", "counter-pass", "counter-pass").unwrap().id;
    let b = q.apply_binding(holder, child, "child").unwrap();
    let d = q.add_sample_document(child, "birth_certificate", "").unwrap();
    q.attach_document(b.id, d.id).unwrap();
    q.sign_letter(b.id).unwrap();
    q.submit_binding(b.id).unwrap();
    q.approve_binding(b.id, staff).unwrap();
    let hospital = q.add_institution("浦东新区人民医院", "310115", true, true).unwrap().id;
    let pharmacy = q.add_institution("老百姓大药房浦东店", "310115", true, false).unwrap().id;
    let clinic = q.add_institution("某私人诊所", "310115", false, false).unwrap().id;
    let hefei = q.add_institution("合肥市第一人民医院", "340104", true, true).unwrap().id;
    let beijing = q.add_institution("北京某医院", "110105", true, false).unwrap().id;
    flat_fund_policy(&mut q);
    World { q, holder, wife, child, grandpa, binding: b.id, hospital, pharmacy, clinic, hefei, beijing }
}

/// The settlement tests below check the deduction order, not the policy:
/// no deductible and no ceiling, the default ratios.
fn flat_fund_policy(q: &mut Qinqing) {
    for r in q.fund_policies().unwrap() {
        let p = FundPolicy { deductible_fen: 0, ratio_pct: r.policy.ratio_pct, ceiling_fen: None };
        q.set_fund_policy(&r.region_prefix, &r.scenario, &r.insurance, p).unwrap();
    }
}

fn req(token: &str, institution: i64, scenario: &str, total: i64, bill: &str) -> SettleRequest {
    SettleRequest {
        token: token.into(),
        institution,
        scenario: scenario.into(),
        total_fen: total,
        bill_id: bill.into(),
        pay_password: Some(PAY.into()),
        ..Default::default()
    }
}

fn balance(q: &Qinqing, p: i64) -> i64 {
    q.get_person(p).unwrap().balance_fen
}

fn legs(s: &qinqing_core::settle::Settlement) -> Vec<(String, Option<i64>, i64)> {
    s.legs.iter().map(|l| (l.source.clone(), l.person_id, l.amount)).collect()
}

#[test]
fn a_code_is_signed_compact_and_verifiable_offline() {
    let w = world();
    let issued = w.q.issue_qr(w.child, Some(w.holder)).unwrap();
    assert!(issued.token.starts_with("QQ1"));
    assert!(issued.token.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "QR alphanumeric mode");
    assert!(issued.token.len() < 160, "{}", issued.token.len());
    assert!(issued.svg.starts_with("<?xml") || issued.svg.contains("<svg"));
    let pk = qr::verifying_key_from_hex(&w.q.public_key_hex().unwrap()).unwrap();
    let c = qr::decode(&pk, &issued.token).unwrap();
    assert_eq!((c.member, c.shown_by, c.payer), (w.child, w.holder, w.child));
    assert_eq!(c.expires_at - c.issued_at, 60);
    // One changed character: the signature fails (or the encoding does).
    let mut bytes = issued.token.clone().into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let e = qr::decode(&pk, &tampered).unwrap_err();
    assert!(matches!(e.code, Code::QrBadSignature | Code::QrMalformed), "{e}");
    // Another installation's key does not verify it.
    let other = Qinqing::in_memory(Arc::new(FixedClock::at(NOW))).unwrap();
    let other_pk = qr::verifying_key_from_hex(&other.public_key_hex().unwrap()).unwrap();
    assert_eq!(qr::decode(&other_pk, &issued.token).unwrap_err().code, Code::QrBadSignature);
    assert_eq!(qr::decode(&pk, "hello").unwrap_err().code, Code::QrMalformed);
    assert!(qr::png(&issued.token, 4).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn a_code_is_issued_only_when_the_rules_allow() {
    let mut w = world();
    // The wife has no binding with the child's holder relation: she cannot show his code.
    assert_eq!(w.q.issue_qr(w.child, Some(w.wife)).unwrap_err().code, Code::QrNotBound);
    // A 16+ member needs their own face verification first.
    assert_eq!(w.q.issue_qr(w.wife, None).unwrap_err().code, Code::QrFaceRequired);
    let kid = w.q.add_person(&PersonInput {
        name: "张雨桐".into(),
        resident_id: with_check_char("31011520200229028"),
        insurance: "resident".into(),
        region: "310115".into(),
        ..Default::default()
    });
    assert_eq!(w.q.issue_qr(kid.unwrap().id, None).unwrap_err().code, Code::QrVoucherNotActivated);
    assert!(w.q.issue_qr(w.child, None).is_ok(), "an 11-year-old shows their own code without face check");
}

#[test]
fn self_pay_order_own_account_then_authorizers_highest_balance_first_then_cash() {
    let mut w = world();
    w.q.authorize_aid(w.wife, w.child, "child", None).unwrap();
    w.q.authorize_aid(w.holder, w.child, "child", Some(30_000)).unwrap();
    let t = w.q.issue_qr(w.child, Some(w.holder)).unwrap().token;
    // Outpatient, resident insurance: the fund pays 50%; the son has nothing of his own.
    let s = w.q.settle(&req(&t, w.hospital, "outpatient", 100_000, "B-001")).unwrap();
    assert_eq!(
        legs(&s),
        vec![
            ("fund".into(), None, 50_000),
            ("family_aid".into(), Some(w.holder), 30_000), // highest balance, up to his cap
            ("family_aid".into(), Some(w.wife), 20_000),
        ]
    );
    assert_eq!((balance(&w.q, w.holder), balance(&w.q, w.wife)), (70_000, 30_000));
    assert!(!s.replayed);
    // The next bill in the same month: the father's cap is used up, the mother pays, then cash.
    let t2 = w.q.issue_qr(w.child, None).unwrap().token;
    let s2 = w.q.settle(&req(&t2, w.pharmacy, "pharmacy", 40_000, "P-77")).unwrap();
    assert_eq!(legs(&s2), vec![("family_aid".into(), Some(w.wife), 30_000), ("cash".into(), None, 10_000)]);
    assert_eq!(balance(&w.q, w.wife), 0);
    let aid = w.q.list_aid(&Default::default()).unwrap();
    let wife_aid = aid.iter().find(|a| a.authorizer_id == w.wife).unwrap();
    assert_eq!(wife_aid.lapsed.as_deref(), Some("authorizer_balance_zero"), "a state with its reason");
    // Issue 13 §10: the reason in words (zh/en), not a key.
    assert!(wife_aid.lapsed_zh.as_deref().unwrap().contains("余额为0"), "{:?}", wife_aid.lapsed_zh);
    assert!(wife_aid.lapsed_en.as_deref().unwrap().contains("empty"));
    let his = aid.iter().find(|a| a.authorizer_id == w.holder).unwrap();
    assert_eq!(his.spent_this_month_fen, 30_000);
    // A new month: the cap is available again.
    at(&mut w.q, "2026-03-31T16:00:00Z"); // 1 April, China time
    let t3 = w.q.issue_qr(w.child, None).unwrap().token;
    let s3 = w.q.settle(&req(&t3, w.pharmacy, "pharmacy", 10_000, "P-78")).unwrap();
    assert_eq!(legs(&s3), vec![("family_aid".into(), Some(w.holder), 10_000)]);
}

#[test]
fn a_code_pays_once_and_a_bill_is_charged_once() {
    let mut w = world();
    w.q.authorize_aid(w.holder, w.child, "child", None).unwrap();
    let t = w.q.issue_qr(w.child, Some(w.holder)).unwrap().token;
    let first = w.q.settle(&req(&t, w.hospital, "outpatient", 10_000, "B-1")).unwrap();
    let after = balance(&w.q, w.holder);
    // The counter retries (network hiccup): the first result, nothing charged.
    let again = w.q.settle(&req(&t, w.hospital, "outpatient", 10_000, "B-1")).unwrap();
    assert!(again.replayed);
    assert_eq!((again.id, legs(&again)), (first.id, legs(&first)));
    assert_eq!(balance(&w.q, w.holder), after);
    // The same code for another bill is refused.
    assert_eq!(w.q.settle(&req(&t, w.hospital, "outpatient", 5_000, "B-2")).unwrap_err().code, Code::QrAlreadyUsed);
    // A new code for the same bill: still the first result.
    let t2 = w.q.issue_qr(w.child, Some(w.holder)).unwrap().token;
    assert!(w.q.settle(&req(&t2, w.hospital, "outpatient", 10_000, "B-1")).unwrap().replayed);
    assert_eq!(balance(&w.q, w.holder), after);
    assert_eq!(w.q.list_settlements(None, 100).unwrap().len(), 1);
    // Even after the code expired, a retry answers with the first result.
    at(&mut w.q, "2026-03-10T02:10:00Z");
    assert!(w.q.settle(&req(&t, w.hospital, "outpatient", 10_000, "B-1")).unwrap().replayed);
}

/// DOMAIN §5 / issue 13 §4: a code pays at most 60 s after its issue time by
/// the verifier's clock; the skew allowance only accepts an issue time
/// slightly ahead of the verifier, it never stretches the 60 s.
#[test]
fn expired_screenshots_and_clock_skew() {
    let mut w = world();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    at(&mut w.q, "2026-03-10T02:01:00Z"); // 60 s: still valid
    assert!(w.q.verify_qr(&t).is_ok());
    at(&mut w.q, "2026-03-10T02:01:01Z"); // 61 s
    assert_eq!(w.q.verify_qr(&t).unwrap_err().code, Code::QrExpired);
    at(&mut w.q, "2026-03-10T02:01:29Z"); // 89 s: paid before the fix
    assert_eq!(w.q.settle(&req(&t, w.hospital, "outpatient", 1_000, "X")).unwrap_err().code, Code::QrExpired);
    assert!(w.q.list_settlements(None, 10).unwrap().is_empty());
    // The terminal's clock is 20 s behind the issuer's: accepted (skew 30 s) …
    at(&mut w.q, "2026-03-10T01:59:40Z");
    assert!(w.q.verify_qr(&t).is_ok());
    // … 60 s behind: not yet valid.
    at(&mut w.q, "2026-03-10T01:59:00Z");
    assert_eq!(w.q.verify_qr(&t).unwrap_err().code, Code::QrNotYetValid);
    // The check itself, on claims: never beyond issue + 60 s whatever the skew.
    let c = qr::Claims { payer: 1, member: 1, shown_by: 1, issued_at: 1_000, expires_at: 1_090, nonce: "00".repeat(8) };
    let at_s = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap();
    assert!(qr::check_time(&c, at_s(1_060), 30).is_ok());
    assert_eq!(qr::check_time(&c, at_s(1_061), 30).unwrap_err().code, Code::QrExpired, "a longer expiry in the code does not stretch 60 s");
    assert!(qr::check_time(&c, at_s(975), 30).is_ok());
    assert_eq!(qr::check_time(&c, at_s(969), 30).unwrap_err().code, Code::QrNotYetValid);
}

/// Issue 13 §1: the same bill number for another patient, amount or
/// scenario is a conflict, never another patient's settlement as "paid".
#[test]
fn a_reused_bill_number_is_a_conflict_not_a_replay() {
    let mut w = world();
    w.q.authorize_aid(w.holder, w.child, "child", None).unwrap();
    let t = w.q.issue_qr(w.child, Some(w.holder)).unwrap().token;
    let first = w.q.settle(&req(&t, w.hospital, "outpatient", 10_000, "B-1")).unwrap();
    let before: Vec<i64> = [w.holder, w.wife, w.child].iter().map(|&p| balance(&w.q, p)).collect();
    // A different member's fresh code, same institution and bill number.
    w.q.set_balance(w.wife, 50_000).unwrap();
    w.q.conn().execute("UPDATE person SET face_verified_at = '2026-03-01T00:00:00Z' WHERE id = ?1", [w.wife]).unwrap();
    let other = w.q.issue_qr(w.wife, None).unwrap().token;
    let e = w.q.settle(&req(&other, w.hospital, "outpatient", 10_000, "B-1")).unwrap_err();
    assert_eq!(e.code, Code::BillConflict);
    assert!(!e.message_zh.contains("张子涵"), "no other patient's data in the refusal");
    // The same member, another amount or scenario: a conflict too.
    let t2 = w.q.issue_qr(w.child, Some(w.holder)).unwrap().token;
    assert_eq!(w.q.settle(&req(&t2, w.hospital, "outpatient", 10_001, "B-1")).unwrap_err().code, Code::BillConflict);
    assert_eq!(w.q.settle(&req(&t2, w.hospital, "pharmacy", 10_000, "B-1")).unwrap_err().code, Code::BillConflict);
    let after: Vec<i64> = [w.holder, w.wife, w.child].iter().map(|&p| balance(&w.q, p)).collect();
    assert_eq!(after[0], before[0]);
    assert_eq!(after[2], before[2]);
    assert_eq!(w.q.list_settlements(None, 10).unwrap().len(), 1);
    // The refused codes were not consumed: the other member pays her own new bill.
    assert!(w.q.settle(&req(&other, w.hospital, "outpatient", 10_000, "B-2")).is_ok());
    // A true retry still gets the first answer.
    let again = w.q.settle(&req(&t2, w.hospital, "outpatient", 10_000, "B-1")).unwrap();
    assert!(again.replayed);
    assert_eq!(again.id, first.id);
}

/// Issue 13 §5: the boundary is the pooling region (the prefecture-level
/// city; municipalities as one), not the province.
#[test]
fn cross_region_is_judged_by_pooling_region() {
    let mut w = world();
    let sz = person(&mut w.q, "深圳孩子", "44030520150101012", "resident", "440305", 0);
    let gz_plain = w.q.add_institution("广州某医院", "440106", true, false).unwrap().id;
    let gz_net = w.q.add_institution("广州市第一人民医院", "440104", true, true).unwrap().id;
    let sz_home = w.q.add_institution("深圳市儿童医院", "440304", true, false).unwrap().id;
    let code = |w: &World| w.q.issue_qr(sz, None).unwrap().token;
    // Shenzhen-insured child at a Guangzhou hospital: cross-region (was: "local", same province).
    assert_eq!(w.q.settle(&req(&code(&w), gz_plain, "outpatient", 10_000, "G-1")).unwrap_err().code, Code::InstitutionNotNetworked);
    assert_eq!(w.q.settle(&req(&code(&w), gz_net, "outpatient", 10_000, "G-2")).unwrap_err().code, Code::FilingRequired);
    // Another district of Shenzhen is home.
    assert!(!w.q.settle(&req(&code(&w), sz_home, "outpatient", 10_000, "S-1")).unwrap().cross_region);
    // A filing names a city, not a province.
    assert_eq!(w.q.add_filing(sz, "440000", "2026-03-01", "2026-12-31").unwrap_err().code, Code::FilingRegionTooBroad);
    w.q.add_filing(sz, "440100", "2026-03-01", "2026-12-31").unwrap();
    let s = w.q.settle(&req(&code(&w), gz_net, "outpatient", 10_000, "G-3")).unwrap();
    assert!(s.cross_region && !s.emergency);
    assert_eq!(s.ratio_pct, 50, "the member's own (Shenzhen resident) ratio");
    // A Guangzhou filing does not cover Foshan.
    let fs = w.q.add_institution("佛山市第一人民医院", "440604", true, true).unwrap().id;
    assert_eq!(w.q.settle(&req(&code(&w), fs, "outpatient", 10_000, "F-1")).unwrap_err().code, Code::FilingRequired);
    // Municipalities are one pooling region: Pudong-insured at a Xuhui hospital is local.
    let xh = w.q.add_institution("徐汇区中心医院", "310104", true, false).unwrap().id;
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    assert!(!w.q.settle(&req(&t, xh, "outpatient", 1_000, "X-1")).unwrap().cross_region);
}

/// Issue 13 §6: the fund follows policy data — a yearly deductible, the
/// ratio above it, a yearly ceiling on what the fund pays.
#[test]
fn the_fund_pays_above_the_deductible_up_to_the_ceiling() {
    let mut w = world();
    let p = FundPolicy { deductible_fen: 50_000, ratio_pct: 60, ceiling_fen: Some(100_000) };
    w.q.set_fund_policy("31", "outpatient", "resident", p).unwrap();
    let bill = |w: &mut World, total: i64, no: &str| {
        let t = w.q.issue_qr(w.child, None).unwrap().token;
        w.q.settle(&req(&t, w.hospital, "outpatient", total, no)).unwrap()
    };
    let s = bill(&mut w, 30_000, "D-1");
    assert_eq!((s.deductible_fen, s.fund_fen), (30_000, 0), "below the deductible the member pays");
    let s = bill(&mut w, 40_000, "D-2");
    assert_eq!((s.deductible_fen, s.fund_fen), (20_000, 12_000), "60% of the 20,000 above the deductible");
    let s = bill(&mut w, 200_000, "D-3");
    assert_eq!((s.deductible_fen, s.fund_fen), (0, 88_000), "the ceiling leaves 88,000 of 120,000");
    let s = bill(&mut w, 10_000, "D-4");
    assert_eq!(s.fund_fen, 0, "the ceiling is reached for the year");
    assert_eq!(
        s.legs,
        vec![qinqing_core::settle::Leg {
            source: "cash".into(),
            person_id: None,
            person_name: None,
            aid_id: None,
            amount: 10_000,
            amount_display: "¥100.00".into()
        }]
    );
    // A new China year starts over.
    at(&mut w.q, "2026-12-31T16:00:00Z");
    let s = bill(&mut w, 60_000, "D-5");
    assert_eq!((s.deductible_fen, s.fund_fen), (50_000, 6_000));
    // Out-of-range policy is refused and changes nothing.
    let bad = FundPolicy { deductible_fen: 0, ratio_pct: 101, ceiling_fen: None };
    assert_eq!(w.q.set_fund_policy("31", "outpatient", "resident", bad).unwrap_err().code, Code::SettingOutOfRange);
    assert!(w.q.fund_policies().unwrap().iter().any(|r| r.region_prefix == "31" && r.scenario == "outpatient" && r.insurance == "resident" && r.policy == p));
}

/// The defaults (migration 0006) carry a deductible: a small resident
/// outpatient bill is paid by the member, the record says how much counted.
#[test]
fn default_policy_has_a_deductible() {
    let mut q = Qinqing::in_memory(Arc::new(FixedClock::at(NOW))).unwrap();
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 100_000);
    let inst = q.add_institution("医院", "310115", true, true).unwrap().id;
    let t = q.issue_qr(kid, None).unwrap().token;
    let s = q.settle(&req(&t, inst, "outpatient", 30_000, "A")).unwrap();
    assert_eq!((s.deductible_fen, s.fund_fen), (20_000, 5_000), "¥200 deductible, then 50% of ¥100");
}

/// Issue 13 §8 / DOMAIN §4: the code is shown at admission, which opens a
/// stay; discharge settles against the stay without a fresh code.
#[test]
fn inpatient_admission_opens_a_stay_and_discharge_settles_it() {
    let mut w = world();
    let t = w.q.issue_qr(w.child, Some(w.holder)).unwrap().token;
    // A 60-second code at discharge is not how inpatient settles.
    assert_eq!(w.q.settle(&req(&t, w.hospital, "inpatient", 500_000, "Z-1")).unwrap_err().code, Code::StayRequired);
    let stay =
        w.q.admit(&AdmitRequest {
            token: t.clone(),
            institution: w.hospital,
            admission_no: "ZY-0001".into(),
            emergency: false,
            pay_password: Some(PAY.into()),
            id_face_checked: true,
        })
        .unwrap();
    assert_eq!((stay.status.as_str(), stay.member_id), ("open", w.child));
    // A retry of the admission returns the same stay; the code opens nothing else and pays nothing.
    assert!(
        w.q.admit(&AdmitRequest {
            token: t.clone(),
            institution: w.hospital,
            admission_no: "ZY-0001".into(),
            emergency: false,
            pay_password: Some(PAY.into()),
            id_face_checked: true
        })
        .unwrap()
        .replayed
    );
    assert_eq!(
        w.q.admit(&AdmitRequest {
            token: t.clone(),
            institution: w.hospital,
            admission_no: "ZY-0002".into(),
            emergency: false,
            pay_password: Some(PAY.into()),
            id_face_checked: true
        })
        .unwrap_err()
        .code,
        Code::QrAlreadyUsed
    );
    assert_eq!(w.q.settle(&req(&t, w.hospital, "outpatient", 1_000, "Z-2")).unwrap_err().code, Code::QrAlreadyUsed);
    // Ten days later, discharge: no code, settled against the stay.
    at(&mut w.q, "2026-03-20T02:00:00Z");
    let discharge = |id: i64, inst: i64, total: i64, bill: &str| SettleRequest {
        institution: inst,
        scenario: "inpatient".into(),
        total_fen: total,
        bill_id: bill.into(),
        stay: Some(id),
        ..Default::default()
    };
    assert_eq!(w.q.settle(&discharge(stay.id, w.pharmacy, 500_000, "ZY-B1")).unwrap_err().code, Code::StayNotFound, "only the admitting institution");
    let s = w.q.settle(&discharge(stay.id, w.hospital, 500_000, "ZY-B1")).unwrap();
    assert_eq!(s.stay_id, Some(stay.id));
    assert_eq!(s.fund_fen, 350_000, "resident inpatient 70%");
    assert_eq!(w.q.get_stay(stay.id).unwrap().status, "settled");
    // The counter retries: the first answer; another bill for the same stay is refused.
    assert!(w.q.settle(&discharge(stay.id, w.hospital, 500_000, "ZY-B1")).unwrap().replayed);
    assert_eq!(w.q.settle(&discharge(stay.id, w.hospital, 100, "ZY-B2")).unwrap_err().code, Code::StayWrongState);
    assert_eq!(w.q.list_settlements(None, 10).unwrap().len(), 1);
    // Admission needs a live code like any other use.
    let old = w.q.issue_qr(w.child, None).unwrap().token;
    at(&mut w.q, "2026-03-20T02:05:00Z");
    assert_eq!(
        w.q.admit(&AdmitRequest {
            token: old,
            institution: w.hospital,
            admission_no: "ZY-0003".into(),
            emergency: false,
            pay_password: Some(PAY.into()),
            id_face_checked: true
        })
        .unwrap_err()
        .code,
        Code::QrExpired
    );
    assert_eq!(w.q.settle(&discharge(999, w.hospital, 100, "ZY-B3")).unwrap_err().code, Code::StayNotFound);
}

/// Issue 13 §9: settings with ranges, every change audited; the rules use them.
#[test]
fn settings_are_checked_audited_and_used() {
    let mut w = world();
    assert_eq!(w.q.setting("online_pharmacy_daily_cap_fen").unwrap(), 100_000);
    for (k, v) in [
        ("online_pharmacy_daily_cap_fen", "49999"),
        ("online_pharmacy_daily_cap_fen", "200001"),
        ("qr_validity_secs", "61"),
        ("qr_clock_skew_secs", "31"),
        ("emergency_ratio_cut_pct", "-1"),
        ("qr_validity_secs", "abc"),
    ] {
        assert_eq!(w.q.set_setting(k, v).unwrap_err().code, Code::SettingOutOfRange, "{k}={v}");
    }
    assert_eq!(w.q.set_setting("no_such", "1").unwrap_err().code, Code::SettingUnknown);
    assert_eq!(w.q.setting("online_pharmacy_daily_cap_fen").unwrap(), 100_000, "refusals changed nothing");
    w.q.set_setting("online_pharmacy_daily_cap_fen", "50000").unwrap();
    let trail = w.q.audit_list(&Default::default()).unwrap();
    let e = trail.iter().find(|e| e.action == "setting.set").unwrap();
    assert_eq!(e.before.as_ref().unwrap()["value"], 100_000);
    assert_eq!(e.after.as_ref().unwrap()["value"], 50_000);
    w.q.set_balance(w.holder, 500_000).unwrap();
    w.q.authorize_aid(w.holder, w.child, "child", None).unwrap();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let s = w.q.settle(&req(&t, w.pharmacy, "online_pharmacy", 80_000, "O-1")).unwrap();
    assert_eq!(legs(&s), vec![("family_aid".into(), Some(w.holder), 50_000), ("cash".into(), None, 30_000)]);
    // A hand-edited value outside the range cannot stretch a rule.
    w.q.conn().execute("UPDATE setting SET value = '600' WHERE key = 'qr_validity_secs'", []).unwrap();
    assert_eq!(w.q.setting("qr_validity_secs").unwrap(), 60);
    assert_eq!(w.q.settings().unwrap().len(), qinqing_core::settings::DEFS.len());
}

/// Issue 13 §9: the premium limit is regional policy data.
#[test]
fn the_premium_limit_is_regional_policy() {
    let mut w = world();
    w.q.set_balance(w.holder, 1_000_000).unwrap();
    let rel: Vec<i64> = (0..2).map(|i| person(&mut w.q, &format!("子女{i}"), &format!("3101152015010{}011", i + 1), "resident", "310115", 0)).collect();
    for &r in &rel {
        w.q.authorize_aid(w.holder, r, "child", None).unwrap();
    }
    w.q.authorize_aid(w.holder, w.child, "child", None).unwrap();
    let pol = w.q.region_policies().unwrap().into_iter().find(|p| p.region_prefix == "31").unwrap();
    w.q.set_region_policy_full("31", &pol.relations, &pol.note, Some(2)).unwrap();
    // Shanghai's 2026 tier for pupils and infants (issue 32: no free amount).
    w.q.pay_premium(w.holder, rel[0], 26_000, 2026, None).unwrap();
    w.q.pay_premium(w.holder, rel[1], 26_000, 2026, None).unwrap();
    assert_eq!(w.q.pay_premium(w.holder, w.child, 26_000, 2026, None).unwrap_err().code, Code::PremiumCapReached);
    assert_eq!(w.q.set_region_policy_full("31", &pol.relations, &pol.note, Some(11)).unwrap_err().code, Code::SettingOutOfRange);
    assert_eq!(w.q.pay_premium(w.holder, w.child, 0, 2026, None).unwrap_err().code, Code::AmountZero);
}

#[test]
fn unbinding_kills_a_code_already_on_screen() {
    let mut w = world();
    let t = w.q.issue_qr(w.child, Some(w.holder)).unwrap().token;
    w.q.unbind(w.binding, w.holder).unwrap();
    assert_eq!(w.q.settle(&req(&t, w.hospital, "outpatient", 1_000, "U-1")).unwrap_err().code, Code::QrNotBound);
    assert!(w.q.list_settlements(None, 10).unwrap().is_empty());
}

#[test]
fn frozen_revoked_and_lapsed_relations_do_not_pay() {
    let mut w = world();
    let his = w.q.authorize_aid(w.holder, w.child, "child", None).unwrap().id;
    let hers = w.q.authorize_aid(w.wife, w.child, "child", None).unwrap().id;
    w.q.freeze_aid(his).unwrap();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let s = w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "F-1")).unwrap();
    assert_eq!(legs(&s), vec![("family_aid".into(), Some(w.wife), 1_000)], "frozen: skipped");
    w.q.unfreeze_aid(his, None).unwrap();
    w.q.revoke_aid(hers).unwrap();
    assert_eq!(w.q.unfreeze_aid(hers, None).unwrap_err().code, Code::AidWrongState);
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let s = w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "F-2")).unwrap();
    assert_eq!(legs(&s), vec![("family_aid".into(), Some(w.holder), 1_000)]);
    // The beneficiary's insurance is interrupted: no settlement at all, and the relation says why.
    w.q.set_status(w.child, "lapsed").unwrap();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    assert_eq!(w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "F-3")).unwrap_err().code, Code::MemberNotInsured);
    assert_eq!(w.q.get_aid(his).unwrap().lapsed.as_deref(), Some("beneficiary_insurance_interrupted"));
    w.q.set_status(w.child, "active").unwrap();
    assert_eq!(w.q.get_aid(his).unwrap().lapsed, None, "works again when the cause is gone");
}

#[test]
fn online_pharmacy_daily_cap_on_personal_accounts() {
    let mut w = world();
    w.q.set_balance(w.holder, 500_000).unwrap();
    w.q.authorize_aid(w.holder, w.child, "child", None).unwrap();
    // Cap 1000 yuan a day (the default setting) across own account and aid.
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let s = w.q.settle(&req(&t, w.pharmacy, "online_pharmacy", 80_000, "O-1")).unwrap();
    assert_eq!(legs(&s), vec![("family_aid".into(), Some(w.holder), 80_000)]);
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let s = w.q.settle(&req(&t, w.pharmacy, "online_pharmacy", 50_000, "O-2")).unwrap();
    assert_eq!(legs(&s), vec![("family_aid".into(), Some(w.holder), 20_000), ("cash".into(), None, 30_000)]);
    at(&mut w.q, "2026-03-10T16:00:00Z"); // the next day in China
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let s = w.q.settle(&req(&t, w.pharmacy, "online_pharmacy", 5_000, "O-3")).unwrap();
    assert_eq!(legs(&s), vec![("family_aid".into(), Some(w.holder), 5_000)]);
}

#[test]
fn cross_region_needs_a_networked_institution_and_a_filing() {
    let mut w = world();
    // 张建国 is insured in Hefei (Anhui) and treated in Shanghai.
    let code = |w: &World| w.q.issue_qr(w.grandpa, None);
    assert_eq!(code(&w).unwrap_err().code, Code::QrFaceRequired);
    w.q.conn().execute("UPDATE person SET face_verified_at = '2026-03-01T00:00:00Z' WHERE id = ?1", [w.grandpa]).unwrap();
    let tok = code(&w).unwrap().token;
    assert_eq!(w.q.settle(&req(&tok, w.pharmacy, "pharmacy", 1_000, "C-0")).unwrap_err().code, Code::InstitutionNotNetworked);
    assert_eq!(w.q.settle(&req(&tok, w.hospital, "outpatient", 10_000, "C-1")).unwrap_err().code, Code::FilingRequired);
    let mut emergency = req(&tok, w.hospital, "outpatient", 10_000, "C-1");
    emergency.emergency = true;
    let s = w.q.settle(&emergency).unwrap();
    assert!(s.cross_region && s.emergency);
    assert_eq!(s.ratio_pct, 30, "resident outpatient 50% less the emergency cut of 20 points");
    w.q.add_filing(w.grandpa, "310000", "2026-03-01", "2026-06-30").unwrap();
    let tok = code(&w).unwrap().token;
    let s = w.q.settle(&req(&tok, w.hospital, "outpatient", 10_000, "C-2")).unwrap();
    assert!(s.cross_region && !s.emergency);
    assert_eq!(s.ratio_pct, 50);
    // At home no filing is needed; a non-designated clinic never settles.
    let tok = code(&w).unwrap().token;
    assert!(!w.q.settle(&req(&tok, w.hefei, "outpatient", 1_000, "H-1")).unwrap().cross_region);
    let tok = code(&w).unwrap().token;
    assert_eq!(w.q.settle(&req(&tok, w.clinic, "outpatient", 1_000, "K-1")).unwrap_err().code, Code::InstitutionNotDesignated);
    assert_eq!(w.q.settle(&req(&tok, w.beijing, "outpatient", 1_000, "K-2")).unwrap_err().code, Code::InstitutionNotNetworked);
    let f = w.q.list_filings(Some(w.grandpa)).unwrap();
    assert!(f[0].valid_today);
    let expired = w.q.expire_filing(f[0].id).unwrap();
    assert!(!expired.valid_today);
    assert_eq!(w.q.add_filing(w.grandpa, "310000", "2026-06-30", "2026-03-01").unwrap_err().code, Code::DateInvalid);
}

#[test]
fn bad_requests_change_nothing() {
    let mut w = world();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    assert_eq!(w.q.settle(&req(&t, w.hospital, "spa", 1_000, "Z")).unwrap_err().code, Code::ScenarioInvalid);
    // Issue 13 §10: a zero total says so (it said "cannot be negative").
    let zero = w.q.settle(&req(&t, w.hospital, "outpatient", 0, "Z")).unwrap_err();
    assert_eq!(zero.code, Code::AmountZero);
    assert!(zero.message_zh.contains("大于0"), "{}", zero.message_zh);
    let mut by_yuan = req(&t, w.hospital, "outpatient", 0, "Z");
    by_yuan.total_yuan = Some("0.00".into());
    assert_eq!(w.q.settle(&by_yuan).unwrap_err().code, Code::AmountZero);
    assert_eq!(w.q.settle(&req(&t, w.hospital, "outpatient", -5, "Z")).unwrap_err().code, Code::AmountNegative);
    assert_eq!(w.q.settle(&req(&t, w.hospital, "outpatient", 1_000, "<script>")).unwrap_err().code, Code::BillIdInvalid);
    assert_eq!(w.q.settle(&req(&t, 999, "outpatient", 1_000, "Z")).unwrap_err().code, Code::InstitutionNotFound);
    assert!(w.q.list_settlements(None, 10).unwrap().is_empty());
    // The code was not consumed by the refusals.
    assert!(w.q.settle(&req(&t, w.hospital, "outpatient", 1_000, "Z")).is_ok());
}

#[test]
fn aid_authorization_rules() {
    let mut w = world();
    assert_eq!(w.q.authorize_aid(w.child, w.holder, "parent", None).unwrap_err().code, Code::AidAuthorizerNotEmployee);
    w.q.set_balance(w.wife, 0).unwrap();
    assert_eq!(w.q.authorize_aid(w.wife, w.child, "child", None).unwrap_err().code, Code::AidAuthorizerNoBalance);
    assert_eq!(w.q.authorize_aid(w.holder, w.child, "parent", None).unwrap_err().code, Code::RelationInconsistent);
    let a = w.q.authorize_aid(w.holder, w.child, "child", Some(100_000)).unwrap();
    assert_eq!(w.q.authorize_aid(w.holder, w.child, "child", None).unwrap_err().code, Code::AidDuplicate);
    assert_eq!(w.q.set_aid_cap(a.id, None, None).unwrap().monthly_cap_fen, None);
    assert_eq!(w.q.set_aid_cap(a.id, Some(-1), None).unwrap_err().code, Code::AmountNegative);
    let trail = w.q.audit_list(&Default::default()).unwrap();
    assert!(trail.iter().any(|e| e.action == "aid.authorize") && trail.iter().any(|e| e.action == "aid.cap"));
}

#[test]
fn regions_that_require_it_need_the_authorizers_face_verification() {
    let mut w = world();
    // Zhejiang (33) requires it in the policy data; 王芳's region is Shanghai here, so move her.
    w.q.edit_person(w.wife, &qinqing_core::PersonEdit { region: Some("330106".into()), ..Default::default() }).unwrap();
    assert_eq!(w.q.authorize_aid(w.wife, w.child, "child", None).unwrap_err().code, Code::AidFaceRequired);
    w.q.conn().execute("UPDATE person SET face_verified_at = '2026-03-01T00:00:00Z' WHERE id = ?1", [w.wife]).unwrap();
    assert!(w.q.authorize_aid(w.wife, w.child, "child", None).is_ok());
    assert!(w.q.authorize_aid(w.holder, w.child, "child", None).is_ok(), "Shanghai does not require it");
}

#[test]
fn premium_for_at_most_three_relatives_a_year() {
    let mut w = world();
    let mut kids = vec![w.child];
    for (i, id17) in ["31011520100101011", "31011520110101011", "31011520120101011"].iter().enumerate() {
        kids.push(person(&mut w.q, &format!("孩子{i}"), id17, "resident", "310115", 0));
    }
    assert_eq!(w.q.pay_premium(w.holder, w.child, 26_000, 2026, None).unwrap_err().code, Code::PremiumNoAid);
    for &k in &kids {
        w.q.authorize_aid(w.holder, k, "child", None).unwrap();
    }
    assert_eq!(w.q.pay_premium(w.holder, w.wife, 78_000, 2026, None).unwrap_err().code, Code::PremiumNotResident);
    for &k in &kids[..3] {
        w.q.pay_premium(w.holder, k, 26_000, 2026, None).unwrap();
    }
    assert_eq!(w.q.pay_premium(w.holder, kids[0], 26_000, 2026, None).unwrap_err().code, Code::PremiumDuplicate);
    assert_eq!(w.q.pay_premium(w.holder, kids[3], 26_000, 2026, None).unwrap_err().code, Code::PremiumCapReached);
    assert_eq!(balance(&w.q, w.holder), 22_000);
    // Next year opens in the region's collection period (1 Sept – 31 Dec by default).
    assert_eq!(w.q.pay_premium(w.holder, kids[3], 26_000, 2027, None).unwrap_err().code, Code::PremiumYearNotOpen, "not in March");
    w.q.conn()
        .execute(
            "INSERT INTO premium_tier (region_prefix, year, tier, label_zh, label_en, amount_fen, min_age, max_age)
             VALUES ('31', 2027, 'child', '中小学生和婴幼儿', 'Pupils and infants', 27000, 0, 17)",
            [],
        )
        .unwrap();
    w.q.set_clock(std::sync::Arc::new(qinqing_core::time::FixedClock::at("2026-10-08T02:00:00Z")));
    assert_eq!(w.q.pay_premium(w.holder, kids[3], 27_000, 2027, None).unwrap_err().code, Code::PremiumInsufficient);
    w.q.set_balance(w.holder, 100_000).unwrap();
    assert!(w.q.pay_premium(w.holder, kids[3], 27_000, 2027, None).is_ok(), "a new year");
    assert_eq!(w.q.pay_premium(w.holder, kids[3], 27_000, 2028, None).unwrap_err().code, Code::PremiumYearNotOpen, "never two ahead");
}

#[test]
fn institutions_import_all_or_nothing() {
    let mut w = world();
    let before = w.q.list_institutions().unwrap().len();
    let bad = "name,region,designated,networked\n仁济医院,310101,1,1\n坏行,99,1,0\n";
    let e = w.q.import_institutions(bad).unwrap_err();
    assert_eq!(e.code, Code::CsvInvalid);
    assert!(e.message_zh.contains("第3行"), "{}", e.message_zh);
    assert_eq!(w.q.list_institutions().unwrap().len(), before);
    let good = "name,region,designated,networked\n仁济医院,310101,是,是\n\"社区卫生服务中心, 花木\",310115,1,0\n";
    let rows = w.q.import_institutions(good).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0].networked && !rows[1].networked);
    assert_eq!(rows[1].name, "社区卫生服务中心, 花木");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Random balances, caps and bills: legs sum to the bill, the order of
    /// payment is respected, no balance goes negative, caps are never exceeded.
    #[test]
    fn money_is_conserved_and_rules_hold(
        deductible in 0i64..60_000, ratio in 0i64..=100, ceiling in proptest::option::of(0i64..100_000),
        own in 0i64..50_000,
        auths in proptest::collection::vec((0i64..80_000, proptest::option::of(0i64..40_000), any::<bool>()), 0..4),
        bills in proptest::collection::vec((1i64..120_000, 0usize..4), 1..6),
    ) {
        let mut q = Qinqing::in_memory(Arc::new(FixedClock::at(NOW))).unwrap();
        let member = person(&mut q, "成员", "31011520140910013", "resident", "310115", own);
        let inst = q.add_institution("医院", "310115", true, true).unwrap().id;
        let policy = FundPolicy { deductible_fen: deductible, ratio_pct: ratio, ceiling_fen: ceiling };
        for sc in ["outpatient", "inpatient"] {
            q.set_fund_policy("", sc, "resident", policy).unwrap();
        }
        let mut aid_caps = std::collections::HashMap::new();
        let mut authorizers = Vec::new();
        for (i, (bal, cap, frozen)) in auths.iter().enumerate() {
            let a = person(&mut q, &format!("授权人{i}"), &format!("3101151980010{}011", i + 1), "employee", "310115", bal + 1);
            let aid = q.authorize_aid(a, member, "child", *cap).unwrap().id;
            if *frozen { q.freeze_aid(aid).unwrap(); }
            aid_caps.insert(aid, (*cap, *frozen));
            authorizers.push(a);
        }
        let scenarios = ["outpatient", "pharmacy", "online_pharmacy", "inpatient"];
        for (n, (total, sc)) in bills.iter().enumerate() {
            let before: Vec<i64> = authorizers.iter().map(|&a| balance(&q, a)).collect();
            let own_before = balance(&q, member);
            let t = q.issue_qr(member, None).unwrap().token;
            let s = if scenarios[*sc] == "inpatient" {
                let stay = q.admit(&AdmitRequest { token: t, institution: inst, admission_no: format!("Z{n}"), emergency: false, pay_password: Some(PAY.into()), id_face_checked: true }).unwrap().id;
                q.settle(&SettleRequest { institution: inst, scenario: "inpatient".into(), total_fen: *total, bill_id: format!("B{n}"), stay: Some(stay), ..Default::default() }).unwrap()
            } else {
                q.settle(&req(&t, inst, scenarios[*sc], *total, &format!("B{n}"))).unwrap()
            };
            prop_assert!(s.fund_fen + s.deductible_fen <= *total);
            prop_assert_eq!(s.legs.iter().map(|l| l.amount).sum::<i64>(), *total);
            prop_assert!(s.legs.iter().all(|l| l.amount > 0));
            // Order: fund, own account, aid (by balance, highest first), cash.
            let rank = |src: &str| match src { "fund" => 0, "own_account" => 1, "family_aid" => 2, _ => 3 };
            prop_assert!(s.legs.windows(2).all(|w| rank(&w[0].source) <= rank(&w[1].source)));
            let aid_balances: Vec<i64> = s.legs.iter().filter(|l| l.source == "family_aid")
                .map(|l| before[authorizers.iter().position(|&a| Some(a) == l.person_id).unwrap()]).collect();
            prop_assert!(aid_balances.windows(2).all(|w| w[0] >= w[1]), "highest balance first: {:?}", aid_balances);
            // Aid pays only after the own account is exhausted (or the channel cap hit).
            if s.legs.iter().any(|l| l.source == "family_aid") && scenarios[*sc] != "online_pharmacy" {
                prop_assert_eq!(balance(&q, member), 0, "own account first (had {})", own_before);
            }
            for l in s.legs.iter().filter(|l| l.source == "family_aid") {
                let (_, frozen) = aid_caps[&l.aid_id.unwrap()];
                prop_assert!(!frozen, "a frozen relation paid");
            }
            for &a in &authorizers { prop_assert!(balance(&q, a) >= 0); }
            prop_assert!(balance(&q, member) >= 0);
        }
        for a in q.list_aid(&Default::default()).unwrap() {
            if let Some(cap) = a.monthly_cap_fen {
                prop_assert!(a.spent_this_month_fen <= cap, "cap {} exceeded: {}", cap, a.spent_this_month_fen);
            }
        }
        // Conservation over the whole ledger: personal money that left equals aid + own legs.
        let paid: i64 = q.list_settlements(None, 1000).unwrap().iter()
            .flat_map(|s| s.legs.clone()).filter(|l| l.source == "own_account" || l.source == "family_aid").map(|l| l.amount).sum();
        let start: i64 = own + auths.iter().map(|(b, _, _)| b + 1).sum::<i64>();
        let now: i64 = balance(&q, member) + authorizers.iter().map(|&a| balance(&q, a)).sum::<i64>();
        prop_assert_eq!(start - now, paid);
        // Deductible and ceiling over the year, per scenario with a fund share.
        for sc in ["outpatient", "inpatient"] {
            let ss: Vec<_> = q.list_settlements(None, 1000).unwrap().into_iter().filter(|s| s.scenario == sc).collect();
            let fund: i64 = ss.iter().map(|s| s.fund_fen).sum();
            let counted: i64 = ss.iter().map(|s| s.deductible_fen).sum();
            let total: i64 = ss.iter().map(|s| s.total_fen).sum();
            prop_assert_eq!(counted, total.min(deductible), "the deductible is met exactly once");
            if let Some(c) = ceiling { prop_assert!(fund <= c, "ceiling {} exceeded: {}", c, fund); }
            prop_assert!(fund <= (total - counted) * ratio / 100);
        }
    }
}

/// The counter looks the bill up by what a code says while its signature is
/// checked: a code whose text was changed is still refused by its signature
/// and leaves no trace, and the genuine code still pays, once.
#[test]
fn a_changed_code_is_refused_at_settlement_and_writes_nothing() {
    let mut w = world();
    w.q.set_balance(w.child, 50_000).unwrap();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    for i in [4, 10, 20, 30, 45, 60, 100, 140, t.len() - 1] {
        let mut b = t.clone().into_bytes();
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(b).unwrap();
        let e = w.q.settle(&req(&changed, w.pharmacy, "pharmacy", 1_000, "CHANGED-1")).unwrap_err();
        // Inside the signed part (the member, the nonce …): the signature fails.
        let expect: &[Code] = if (10..=45).contains(&i) { &[Code::QrBadSignature] } else { &[Code::QrBadSignature, Code::QrMalformed] };
        assert!(expect.contains(&e.code), "character {i}: {e}");
    }
    // Not a code at all — empty, huge, cut short, other scripts, a device
    // code's prefix on a ledger code's body: refused by its form, before the
    // ledger is asked.
    let huge = format!("QQ1{}", "A".repeat(1 << 20));
    let cut = &t[..t.len() / 2];
    let device_prefix = format!("QQ2{}", &t[3..]);
    for bad in ["", "   ", "QQ1", huge.as_str(), cut, "QQ1医保码<script>", device_prefix.as_str()] {
        let e = w.q.settle(&req(bad, w.pharmacy, "pharmacy", 1_000, "CHANGED-1")).unwrap_err();
        assert_eq!(e.code, Code::QrMalformed, "{:.40}: {e}", bad);
    }
    assert!(w.q.list_settlements(None, 10).unwrap().is_empty(), "nothing settled");
    assert_eq!(balance(&w.q, w.child), 50_000, "nothing charged");
    let s = w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "CHANGED-1")).unwrap();
    assert!(!s.replayed);
    assert!(w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "CHANGED-1")).unwrap().replayed);
}

/// Issue 15 / DOMAIN §4: a settlement carries the payer's confirmation — the
/// member's 6-digit payment password — and is refused without it; wrong ones
/// are counted and lock; an admission also needs the ID + face check.
#[test]
fn a_settlement_needs_the_payers_confirmation() {
    let mut w = world();
    let before = balance(&w.q, w.child);
    w.q.set_balance(w.child, 50_000).unwrap();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let mut r = req(&t, w.pharmacy, "pharmacy", 1_000, "PW-1");
    r.pay_password = None;
    assert_eq!(w.q.settle(&r).unwrap_err().code, Code::PayConfirmationRequired);
    r.pay_password = Some("000000".into());
    let e = w.q.settle(&r).unwrap_err();
    assert_eq!(e.code, Code::PayPasswordWrong);
    assert!(e.message_zh.contains("4次"), "{}", e.message_zh);
    assert!(w.q.list_settlements(None, 10).unwrap().is_empty(), "nothing charged");
    // The password is checked while the writes run: a wrong one leaves no
    // money moved and is counted once (above: 4 tries left, not 3).
    assert_eq!(balance(&w.q, w.child), 50_000);
    // The code was not used up by the refusals.
    r.pay_password = Some(PAY.into());
    assert!(w.q.settle(&r).is_ok());
    // A retry of the paid bill needs no password: it charges nothing.
    let mut again = req(&t, w.pharmacy, "pharmacy", 1_000, "PW-1");
    again.pay_password = None;
    assert!(w.q.settle(&again).unwrap().replayed);
    // Five wrong in a row lock it, the right one too, for 15 minutes.
    for i in 0..5 {
        let t = w.q.issue_qr(w.child, None).unwrap().token;
        let mut r = req(&t, w.pharmacy, "pharmacy", 1_000, &format!("PW-X{i}"));
        r.pay_password = Some("999999".into());
        let code = w.q.settle(&r).unwrap_err().code;
        assert_eq!(code, if i < 4 { Code::PayPasswordWrong } else { Code::PayPasswordLocked });
    }
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    assert_eq!(w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "PW-2")).unwrap_err().code, Code::PayPasswordLocked);
    at(&mut w.q, "2026-03-10T02:16:00Z");
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    assert!(w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "PW-2")).is_ok(), "after the lock-out");
    let _ = before;
    // Nobody can pay by code without a payment password.
    let no_pw =
        w.q.add_person(&PersonInput {
            name: "张雨桐".into(),
            resident_id: with_check_char("31011520200229028"),
            insurance: "resident".into(),
            region: "310115".into(),
            voucher_activated: true,
            ..Default::default()
        })
        .unwrap()
        .id;
    let t = w.q.issue_qr(no_pw, None).unwrap().token;
    assert_eq!(w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "PW-3")).unwrap_err().code, Code::PayPasswordNotSet);
    // Weak passwords are refused when set.
    for weak in ["123456", "111111", "12345", "abcdef"] {
        assert_eq!(w.q.set_pay_password(no_pw, weak, weak).unwrap_err().code, Code::PayPasswordWeak, "{weak}");
    }
    // Inpatient admission: the cashier's ID + face check as well.
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let e = w.q.admit(&AdmitRequest { token: t, institution: w.hospital, admission_no: "ZY-PW".into(), pay_password: Some(PAY.into()), ..Default::default() });
    assert_eq!(e.unwrap_err().code, Code::IdFaceCheckRequired);
}

/// Below the rules, the ledger itself refuses a value that breaks a
/// column's rule (on PostgreSQL these are domains since schema 9, on SQLite
/// table CHECKs): a negative balance, an unknown status or leg source, a
/// zero amount, a flag that is neither 0 nor 1, an empty bill number or a
/// name too long — and a refused statement changes nothing, on either store.
#[test]
fn the_ledger_refuses_values_that_break_a_columns_rule() {
    let mut w = world();
    w.q.authorize_aid(w.holder, w.child, "child", None).unwrap();
    let t = w.q.issue_qr(w.child, Some(w.holder)).unwrap().token;
    let s = w.q.settle(&req(&t, w.hospital, "outpatient", 10_000, "B-1")).unwrap();
    let before = (balance(&w.q, w.holder), w.q.get_person(w.holder).unwrap().name, legs(&s));
    let c = w.q.conn();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    let legs_before = count("SELECT count(*) FROM settlement_leg");
    let long = "张".repeat(31);
    let person_updates: [(&str, qinqing_core::store::Value); 8] = [
        ("UPDATE person SET balance_fen = ?2 WHERE id = ?1", (-1i64).into()),
        ("UPDATE person SET balance_fen = balance_fen - ?2 WHERE id = ?1", (before.0 + 1).into()),
        ("UPDATE person SET status = ?2 WHERE id = ?1", "gone".into()),
        ("UPDATE person SET insurance = ?2 WHERE id = ?1", "<script>".into()),
        ("UPDATE person SET name = ?2 WHERE id = ?1", "".into()),
        ("UPDATE person SET name = ?2 WHERE id = ?1", long.as_str().into()),
        ("UPDATE person SET region = ?2 WHERE id = ?1", "3101".into()),
        ("UPDATE person SET disabled = ?2 WHERE id = ?1", 2i64.into()),
    ];
    for (sql, v) in person_updates {
        assert!(c.execute(sql, qinqing_core::params![w.holder, v.clone()]).is_err(), "{sql} with {v:?} was accepted");
    }
    let settlement_updates: [(&str, qinqing_core::store::Value); 5] = [
        ("UPDATE settlement SET total_fen = ?2 WHERE id = ?1", 0i64.into()),
        ("UPDATE settlement SET fund_fen = ?2 WHERE id = ?1", (-5i64).into()),
        ("UPDATE settlement SET cross_region = ?2 WHERE id = ?1", 7i64.into()),
        ("UPDATE settlement SET bill_id = ?2 WHERE id = ?1", "".into()),
        ("UPDATE settlement SET bill_id = ?2 WHERE id = ?1", "B".repeat(65).into()),
    ];
    for (sql, v) in settlement_updates {
        assert!(c.execute(sql, qinqing_core::params![s.id, v.clone()]).is_err(), "{sql} with {v:?} was accepted");
    }
    for (source, amount) in [("bogus", 100i64), ("cash", 0), ("fund", -100)] {
        let r = c.execute(
            "INSERT INTO settlement_leg (settlement_id, source, person_id, aid_id, amount_fen) VALUES (?1, ?2, NULL, NULL, ?3)",
            qinqing_core::params![s.id, source, amount],
        );
        assert!(r.is_err(), "a leg ({source}, {amount}) was accepted");
    }
    // Nothing changed; the settlement still reads as written.
    assert_eq!(count("SELECT count(*) FROM settlement_leg"), legs_before);
    let after = w.q.list_settlements(None, 10).unwrap();
    assert_eq!((after.len(), after[0].total_fen, legs(&after[0])), (1, 10_000, before.2.clone()));
    assert_eq!((balance(&w.q, w.holder), w.q.get_person(w.holder).unwrap().name), (before.0, before.1));
    // A value within the rules is still written (the domains take plain values).
    w.q.conn().execute("UPDATE person SET balance_fen = ?2 WHERE id = ?1", qinqing_core::params![w.holder, 0i64]).unwrap();
    assert_eq!(balance(&w.q, w.holder), 0);
}
