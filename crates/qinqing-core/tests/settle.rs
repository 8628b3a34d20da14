//! QR codes, settlement and 家庭共济 (DOMAIN §§2–5).

use proptest::prelude::*;
mod common;
use common::person;
use qinqing_core::id::with_check_char;
use qinqing_core::qr;
use qinqing_core::settle::SettleRequest;
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
    World { q, holder, wife, child, grandpa, binding: b.id, hospital, pharmacy, clinic, hefei, beijing }
}

fn req(token: &str, institution: i64, scenario: &str, total: i64, bill: &str) -> SettleRequest {
    SettleRequest { token: token.into(), institution, scenario: scenario.into(), total_fen: total, bill_id: bill.into(), ..Default::default() }
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
    assert_eq!(wife_aid.lapsed, Some("authorizer_balance_zero"), "a state with its reason");
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

#[test]
fn expired_screenshots_and_clock_skew() {
    let mut w = world();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    at(&mut w.q, "2026-03-10T02:01:30Z"); // 90 s: 60 valid + 30 skew allowance
    assert!(w.q.verify_qr(&t).is_ok());
    at(&mut w.q, "2026-03-10T02:01:31Z");
    assert_eq!(w.q.settle(&req(&t, w.hospital, "outpatient", 1_000, "X")).unwrap_err().code, Code::QrExpired);
    at(&mut w.q, "2026-03-10T01:59:00Z"); // the terminal's clock is 60 s behind
    assert_eq!(w.q.verify_qr(&t).unwrap_err().code, Code::QrNotYetValid);
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
    w.q.unfreeze_aid(his).unwrap();
    w.q.revoke_aid(hers).unwrap();
    assert_eq!(w.q.unfreeze_aid(hers).unwrap_err().code, Code::AidWrongState);
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    let s = w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "F-2")).unwrap();
    assert_eq!(legs(&s), vec![("family_aid".into(), Some(w.holder), 1_000)]);
    // The beneficiary's insurance is interrupted: no settlement at all, and the relation says why.
    w.q.set_status(w.child, "lapsed").unwrap();
    let t = w.q.issue_qr(w.child, None).unwrap().token;
    assert_eq!(w.q.settle(&req(&t, w.pharmacy, "pharmacy", 1_000, "F-3")).unwrap_err().code, Code::MemberNotInsured);
    assert_eq!(w.q.get_aid(his).unwrap().lapsed, Some("beneficiary_insurance_interrupted"));
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
    assert_eq!(w.q.settle(&req(&t, w.hospital, "outpatient", 0, "Z")).unwrap_err().code, Code::AmountNegative);
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
    assert_eq!(w.q.set_aid_cap(a.id, None).unwrap().monthly_cap_fen, None);
    assert_eq!(w.q.set_aid_cap(a.id, Some(-1)).unwrap_err().code, Code::AmountNegative);
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
    assert_eq!(w.q.pay_premium(w.holder, w.child, 38_000, 2026).unwrap_err().code, Code::PremiumNoAid);
    for &k in &kids {
        w.q.authorize_aid(w.holder, k, "child", None).unwrap();
    }
    assert_eq!(w.q.pay_premium(w.holder, w.wife, 38_000, 2026).unwrap_err().code, Code::PremiumNotResident);
    for &k in &kids[..3] {
        w.q.pay_premium(w.holder, k, 20_000, 2026).unwrap();
    }
    assert_eq!(w.q.pay_premium(w.holder, kids[0], 20_000, 2026).unwrap_err().code, Code::PremiumDuplicate);
    assert_eq!(w.q.pay_premium(w.holder, kids[3], 20_000, 2026).unwrap_err().code, Code::PremiumCapReached);
    assert_eq!(balance(&w.q, w.holder), 40_000);
    assert_eq!(w.q.pay_premium(w.holder, kids[3], 50_000, 2027).unwrap_err().code, Code::PremiumInsufficient);
    assert!(w.q.pay_premium(w.holder, kids[3], 20_000, 2027).is_ok(), "a new year");
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
        own in 0i64..50_000,
        auths in proptest::collection::vec((0i64..80_000, proptest::option::of(0i64..40_000), any::<bool>()), 0..4),
        bills in proptest::collection::vec((1i64..120_000, 0usize..4), 1..6),
    ) {
        let mut q = Qinqing::in_memory(Arc::new(FixedClock::at(NOW))).unwrap();
        let member = person(&mut q, "成员", "31011520140910013", "resident", "310115", own);
        let inst = q.add_institution("医院", "310115", true, true).unwrap().id;
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
            let s = q.settle(&req(&t, inst, scenarios[*sc], *total, &format!("B{n}"))).unwrap();
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
    }
}
