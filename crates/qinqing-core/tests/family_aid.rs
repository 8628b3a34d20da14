//! 家庭共济, 代缴 and 异地备案 as the window uses them (issue 14): the letter
//! signed by its text, per-relation online caps, payers in paying order,
//! premium tiers checked before paying with a receipt, filings with reasons.

mod common;
use common::{person, PAY};
use qinqing_core::fund::FundPolicy;
use qinqing_core::premium::PremiumRequest;
use qinqing_core::settle::{aid_letter, AidRequest, FilingRequest, SettleRequest};
use qinqing_core::time::FixedClock;
use qinqing_core::{Code, Qinqing};
use std::sync::Arc;

const NOW: &str = "2026-03-10T02:00:00Z";

struct W {
    q: Qinqing,
    dad: i64,
    mum: i64,
    kid: i64,
    pharmacy: i64,
}

fn world() -> W {
    let mut q = Qinqing::in_memory(Arc::new(FixedClock::at(NOW))).unwrap();
    let dad = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 100_000);
    let mum = person(&mut q, "王芳", "31011519850421026", "employee", "310115", 300_000);
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 0);
    let pharmacy = q.add_institution("药房", "310115", true, false).unwrap().id;
    W { q, dad, mum, kid, pharmacy }
}

fn request(w: &W, authorizer: i64, cap: Option<i64>, online: Option<i64>, sha: &str) -> AidRequest {
    AidRequest {
        authorizer,
        beneficiary: w.kid,
        relation: "child".into(),
        monthly_cap_fen: cap,
        online_daily_cap_fen: online,
        letter_sha256: sha.into(),
        pay_password: None,
    }
}

fn pay(w: &mut W, scenario: &str, total: i64, bill: &str) -> Vec<(String, Option<i64>, i64)> {
    let token = w.q.issue_qr(w.kid, None).unwrap().token;
    let s =
        w.q.settle(&SettleRequest {
            token,
            institution: w.pharmacy,
            scenario: scenario.into(),
            total_fen: total,
            bill_id: bill.into(),
            pay_password: Some(PAY.into()),
            ..Default::default()
        })
        .unwrap();
    s.legs.iter().map(|l| (l.source.clone(), l.person_id, l.amount)).collect()
}

#[test]
fn the_letter_is_signed_by_its_text() {
    let mut w = world();
    let letter = aid_letter();
    assert!(letter.text_zh.contains("家庭共济") && letter.text_en.contains("family mutual aid"));
    for bad in ["", "deadbeef", letter.version] {
        let e = w.q.authorize_aid_request(&request(&w, w.dad, None, None, bad)).unwrap_err();
        assert_eq!(e.code, Code::AidLetterUnsigned, "{bad:?}");
    }
    assert!(w.q.list_aid(&Default::default()).unwrap().is_empty(), "refusals stored nothing");
    let a = w.q.authorize_aid_request(&request(&w, w.dad, Some(50_000), Some(30_000), &letter.sha256)).unwrap();
    assert_eq!(a.letter_sha256.as_deref(), Some(letter.sha256.as_str()));
    assert_eq!((a.monthly_cap_fen, a.online_daily_cap_fen), (Some(50_000), Some(30_000)));
    let trail = w.q.audit_list(&Default::default()).unwrap();
    let e = trail.iter().find(|e| e.action == "aid.authorize").unwrap();
    assert_eq!(e.after.as_ref().unwrap()["letter_sha256"], letter.sha256.as_str());
}

#[test]
fn a_relations_online_cap_limits_what_it_pays_per_day() {
    let mut w = world();
    let sha = aid_letter().sha256;
    let a = w.q.authorize_aid_request(&request(&w, w.dad, None, Some(30_000), &sha)).unwrap();
    assert_eq!(pay(&mut w, "online_pharmacy", 50_000, "O-1"), vec![("family_aid".into(), Some(w.dad), 30_000), ("cash".into(), None, 20_000)]);
    assert_eq!(w.q.get_aid(a.id).unwrap().online_spent_today_fen, 30_000);
    // Other channels are not limited by it.
    assert_eq!(pay(&mut w, "pharmacy", 40_000, "P-1"), vec![("family_aid".into(), Some(w.dad), 40_000)]);
    assert_eq!(w.q.set_aid_online_cap(a.id, Some(200_001), None).unwrap_err().code, Code::AidOnlineCapTooHigh);
    assert_eq!(w.q.set_aid_cap(a.id, Some(1_000_000_001), None).unwrap_err().code, Code::AmountTooLarge);
    assert_eq!(w.q.set_aid_online_cap(a.id, Some(-1), None).unwrap_err().code, Code::AmountNegative);
    w.q.set_aid_online_cap(a.id, None, None).unwrap();
    assert_eq!(pay(&mut w, "online_pharmacy", 10_000, "O-2"), vec![("family_aid".into(), Some(w.dad), 10_000)]);
}

#[test]
fn the_beneficiary_sees_who_pays_in_order_and_what_is_left() {
    let mut w = world();
    let sha = aid_letter().sha256;
    let dad = w.q.authorize_aid_request(&request(&w, w.dad, Some(20_000), None, &sha)).unwrap().id;
    let mum = w.q.authorize_aid_request(&request(&w, w.mum, None, None, &sha)).unwrap().id;
    let payers = w.q.aid_payers(w.kid).unwrap();
    let order: Vec<(usize, i64)> = payers.iter().map(|p| (p.order, p.aid.id)).collect();
    assert_eq!(order, vec![(1, mum), (2, dad)], "highest balance first");
    assert_eq!(payers[1].aid.left_this_month_fen, 20_000, "the cap, not the ¥1,000 balance");
    assert_eq!(payers[0].aid.left_this_month_fen, 300_000);
    // The order the screen shows is the order a settlement pays in.
    w.q.set_balance(w.mum, 1_000).unwrap();
    let legs = pay(&mut w, "pharmacy", 5_000, "P-1");
    assert_eq!(legs[0], ("family_aid".into(), Some(w.dad), 5_000));
    let payers = w.q.aid_payers(w.kid).unwrap();
    assert_eq!((payers[0].order, payers[0].aid.id, payers[0].aid.left_this_month_fen), (1, dad, 15_000));
    // Frozen: not paying, listed last with order 0.
    w.q.freeze_aid(dad).unwrap();
    let payers = w.q.aid_payers(w.kid).unwrap();
    assert_eq!((payers[0].order, payers[0].aid.id), (1, mum));
    assert_eq!((payers[1].order, payers[1].aid.status.as_str(), payers[1].aid.left_this_month_fen), (0, "frozen", 0));
    w.q.revoke_aid(dad).unwrap();
    assert_eq!(w.q.aid_payers(w.kid).unwrap().len(), 1, "revoked relations are gone from the list");
}

#[test]
fn premium_tiers_check_then_pay_with_a_receipt() {
    let mut w = world();
    w.q.authorize_aid(w.dad, w.kid, "child", None).unwrap();
    let tiers = w.q.premium_tiers("310115", 2026).unwrap();
    let keys: Vec<&str> = tiers.iter().map(|t| t.tier.as_str()).collect();
    assert_eq!(keys, vec!["child", "senior", "adult"], "Shanghai's tiers, cheapest first");
    assert_eq!(w.q.premium_tiers("440305", 2026).unwrap()[0].tier, "standard", "the national default elsewhere");
    assert!(w.q.premium_tiers("310115", 1999).unwrap().is_empty());
    let req = |region: &str, tier: &str| PremiumRequest {
        payer: w.dad,
        beneficiary: w.kid,
        region: region.into(),
        year: 2026,
        tier: tier.into(),
        pay_password: None,
    };
    // 代缴信息校验: the relative's region must match the record; the tier must exist.
    assert_eq!(w.q.premium_check(&req("440305", "standard")).unwrap_err().code, Code::PremiumRegionMismatch);
    assert_eq!(w.q.premium_check(&req("310115", "gold")).unwrap_err().code, Code::PremiumTierUnknown);
    let c = w.q.premium_check(&req("310115", "child")).unwrap();
    assert_eq!((c.tier.amount_fen, c.payer_balance_after_fen, c.max_relatives), (26_000, 74_000, 3));
    assert_eq!(w.q.get_person(w.dad).unwrap().balance_fen, 100_000, "a check pays nothing");
    let r = w.q.pay_premium_tier(&req("310115", "child")).unwrap();
    assert!(r.receipt_no.starts_with("DJ20260310"), "{}", r.receipt_no);
    assert_eq!((r.amount_fen, r.tier.as_deref(), r.region.as_deref()), (26_000, Some("child"), Some("310115")));
    assert_eq!(w.q.get_person(w.dad).unwrap().balance_fen, 74_000);
    // Once per relative and year, whoever pays.
    w.q.authorize_aid(w.mum, w.kid, "child", None).unwrap();
    let again = PremiumRequest { payer: w.mum, ..req("310115", "child") };
    assert_eq!(w.q.pay_premium_tier(&again).unwrap_err().code, Code::PremiumDuplicate);
    assert_eq!(w.q.list_premiums(w.kid).unwrap()[0].receipt_no, r.receipt_no);
    assert_eq!(w.q.premium_receipt(r.id).unwrap().beneficiary_id_masked, w.q.get_person(w.kid).unwrap().resident_id_masked);
}

#[test]
fn filings_have_a_reason_and_can_be_cancelled() {
    let mut w = world();
    let req = |region: &str, reason: &str, from: &str, to: &str| FilingRequest {
        person: w.kid,
        region: region.into(),
        reason: reason.into(),
        from: from.into(),
        to: to.into(),
    };
    let e = w.q.add_filing_request(&req("449999", "holiday", "2026-13-01", "x")).unwrap_err();
    let mut codes = vec![e.code];
    codes.extend(e.also.iter().map(|a| a.code));
    assert_eq!(codes, vec![Code::RegionInvalid, Code::FilingReasonInvalid, Code::DateInvalid, Code::DateInvalid], "every field at once");
    assert_eq!(w.q.add_filing_request(&req("440000", "work", "2026-03-01", "2026-12-31")).unwrap_err().code, Code::FilingRegionTooBroad);
    let f = w.q.add_filing_request(&req("440100", "work", "2026-03-01", "2026-12-31")).unwrap();
    assert_eq!((f.reason.as_str(), f.state.as_str(), f.region.pooling_name_zh.as_str()), ("work", "active", "广州市"));
    let later = w.q.add_filing_request(&req("110000", "long_term_residence", "2026-06-01", "2027-05-31")).unwrap();
    assert_eq!(later.state, "upcoming");
    // A Guangzhou hospital settles cross-region at the member's own ratio while filed …
    w.q.set_fund_policy("", "outpatient", "resident", FundPolicy { deductible_fen: 0, ratio_pct: 50, ceiling_fen: None }).unwrap();
    let gz = w.q.add_institution("广州市第一人民医院", "440104", true, true).unwrap().id;
    let settle = |q: &mut Qinqing, kid: i64, bill: &str| {
        let token = q.issue_qr(kid, None).unwrap().token;
        q.settle(&SettleRequest {
            token,
            institution: gz,
            scenario: "outpatient".into(),
            total_fen: 10_000,
            bill_id: bill.into(),
            pay_password: Some(PAY.into()),
            ..Default::default()
        })
    };
    let s = settle(&mut w.q, w.kid, "G-1").unwrap();
    assert!(s.cross_region && !s.emergency && s.fund_fen == 5_000);
    // … and not after the filing is cancelled.
    let c = w.q.cancel_filing(f.id).unwrap();
    assert_eq!(c.state, "cancelled");
    assert!(c.cancelled_at_local.is_some());
    assert_eq!(settle(&mut w.q, w.kid, "G-2").unwrap_err().code, Code::FilingRequired);
    assert_eq!(w.q.cancel_filing(999).unwrap_err().code, Code::FilingNotFound);
    assert_eq!(w.q.list_filings(Some(w.kid)).unwrap().len(), 2);
}
