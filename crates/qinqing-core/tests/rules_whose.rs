//! Rules that answered wrongly (issue 32, items 1–5), each as a refusal
//! that now happens — on SQLite, and on PostgreSQL when
//! `QINQING_TEST_POSTGRES` names a server.

mod common;
use common::{person, PAY};
use qinqing_core::fund::FundPolicy;
use qinqing_core::premium::PremiumRequest;
use qinqing_core::settle::SettleRequest;
use qinqing_core::time::FixedClock;
use qinqing_core::{Actor, Code, PersonEdit, Qinqing};
use std::sync::Arc;

const NOW: &str = "2026-03-10T02:00:00Z";

fn ledger() -> Qinqing {
    Qinqing::in_memory(Arc::new(FixedClock::at(NOW))).unwrap()
}

fn premium(payer: i64, beneficiary: i64, year: i64, tier: &str) -> PremiumRequest {
    PremiumRequest { payer, beneficiary, region: "310115".into(), year, tier: tier.into(), pay_password: None }
}

/// Item 1: 代缴 is the current year (or next, in the collection period), the
/// tier of the relative's region and age band, never a free amount.
#[test]
fn a_premium_is_a_tier_that_fits_in_a_year_that_is_open() {
    let mut q = ledger();
    let dad = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 1_000_000);
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 0); // 11 on 1 January 2026
    q.authorize_aid(dad, kid, "child", None).unwrap();
    // As found: ¥5,000 for 2090.
    assert_eq!(q.pay_premium(dad, kid, 500_000, 2090, None).unwrap_err().code, Code::PremiumYearNotOpen);
    assert_eq!(q.pay_premium(dad, kid, 500_000, 2026, None).unwrap_err().code, Code::PremiumAmountNotTier, "no free amount");
    // The adult tier (¥780) and the 60+ tier for an 11-year-old: refused, in the check too.
    for tier in ["adult", "senior"] {
        let e = q.premium_check(&premium(dad, kid, 2026, tier)).unwrap_err();
        assert_eq!(e.code, Code::PremiumTierAge, "{tier}: {e}");
        assert!(e.message_en.contains("aged 11"), "{e}");
        assert_eq!(q.pay_premium_tier(&premium(dad, kid, 2026, tier)).unwrap_err().code, Code::PremiumTierAge);
        assert_eq!(q.pay_premium(dad, kid, if tier == "adult" { 78_000 } else { 52_000 }, 2026, None).unwrap_err().code, Code::PremiumAmountNotTier);
    }
    let e = q.pay_premium_tier(&premium(dad, kid, 2025, "child")).unwrap_err();
    assert_eq!(e.code, Code::PremiumYearNotOpen, "a year past: {e}");
    assert_eq!(q.pay_premium_tier(&premium(dad, kid, 2027, "child")).unwrap_err().code, Code::PremiumYearNotOpen, "next year, outside the period");
    let n: i64 = q.conn().query_row("SELECT count(*) FROM premium", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "nothing paid");
    assert_eq!(q.get_person(dad).unwrap().balance_fen, 1_000_000);
    // The pupils' tier: paid once; by amount it is recorded as that tier.
    let r = q.pay_premium(dad, kid, 26_000, 2026, None).unwrap();
    assert_eq!(q.premium_receipt(r["id"].as_i64().unwrap()).unwrap().tier.as_deref(), Some("child"));
    assert_eq!(q.pay_premium_tier(&premium(dad, kid, 2026, "child")).unwrap_err().code, Code::PremiumDuplicate);
}

/// Item 2: an authorizer no longer in 职工医保 lapses every relation — it
/// says why, pays nothing at the counter or for 代缴, and works again when
/// the cause goes.
#[test]
fn an_authorizer_out_of_employee_insurance_pays_nothing_until_back() {
    let mut q = ledger();
    let mum = person(&mut q, "王芳", "31011519850421026", "employee", "310115", 300_000);
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 0);
    let aid = q.authorize_aid(mum, kid, "child", None).unwrap().id;
    let pharmacy = q.add_institution("药房", "310115", true, false).unwrap().id;
    q.set_fund_policy("", "pharmacy", "resident", FundPolicy { deductible_fen: 0, ratio_pct: 0, ceiling_fen: None }).unwrap();
    q.edit_person(mum, &PersonEdit { insurance: Some("resident".into()), ..Default::default() }).unwrap();
    let a = q.get_aid(aid).unwrap();
    assert_eq!((a.status.as_str(), a.lapsed.as_deref()), ("active", Some("authorizer_not_employee")), "a state with its reason");
    assert!(a.lapsed_zh.as_deref().unwrap_or("").contains("职工医保"));
    let t = q.issue_qr(kid, None).unwrap().token;
    let s = q
        .settle(&SettleRequest {
            token: t,
            institution: pharmacy,
            scenario: "pharmacy".into(),
            total_fen: 56_200,
            bill_id: "P-1".into(),
            pay_password: Some(PAY.into()),
            ..Default::default()
        })
        .unwrap();
    assert!(s.legs.iter().all(|l| l.source != "family_aid"), "her account pays nothing: {:?}", s.legs);
    assert_eq!(q.get_person(mum).unwrap().balance_fen, 300_000);
    // Back in employee insurance: it pays again, no new authorization needed.
    q.edit_person(mum, &PersonEdit { insurance: Some("employee".into()), ..Default::default() }).unwrap();
    assert_eq!(q.get_aid(aid).unwrap().lapsed, None);
    // A payer whose relation lapsed on her side (insurance suspended) pays no premium either.
    q.set_status(mum, "suspended").unwrap();
    let e = q.pay_premium(mum, kid, 26_000, 2026, None).unwrap_err();
    assert_eq!(e.code, Code::PremiumPayerLapsed, "{e}");
    q.set_status(mum, "active").unwrap();
    q.pay_premium(mum, kid, 26_000, 2026, None).unwrap();
}

/// Item 3: plausible relations — an adult holder, spouses of marriage age, a
/// parent at least 15 years older; refused at application, saying which.
#[test]
fn implausible_relations_are_refused_at_application() {
    let mut q = ledger();
    let man56 = person(&mut q, "赵大", "31011519700101015", "employee", "310115", 0);
    let girl7 = person(&mut q, "赵小妹", "31011520180601024", "resident", "310115", 0);
    let boy8 = person(&mut q, "钱小弟", "31011520170601017", "resident", "310115", 0);
    let woman30 = person(&mut q, "钱大姐", "31011519960101028", "employee", "310115", 0);
    let boy12 = person(&mut q, "孙小哥", "31011520130601013", "resident", "310115", 0);
    let kid6 = person(&mut q, "孙小小", "31011520190601011", "resident", "310115", 0);
    let holder = person(&mut q, "李四", "31011519800601011", "employee", "310115", 0);
    let near = person(&mut q, "李老", "31011519800301017", "resident", "310115", 0);
    let man21 = person(&mut q, "周年轻", "31011520041001015", "employee", "310115", 0);
    let e = q.apply_binding(man56, girl7, "spouse").unwrap_err();
    assert_eq!(e.code, Code::SpouseUnderAge, "{e}");
    assert!(e.message_zh.contains("20") && e.message_en.contains("marriage age"), "{e}");
    assert_eq!(q.apply_binding(woman30, boy8, "spouse").unwrap_err().code, Code::SpouseUnderAge);
    assert_eq!(q.apply_binding(woman30, man21, "spouse").unwrap_err().code, Code::SpouseUnderAge, "a man of 21: 22 for men");
    let e = q.apply_binding(boy12, kid6, "child").unwrap_err();
    assert_eq!(e.code, Code::HolderUnderAge, "{e}");
    let e = q.apply_binding(holder, near, "parent").unwrap_err();
    assert_eq!(e.code, Code::ParentAgeGap, "three months older is no parent: {e}");
    assert!(e.message_en.contains("15 years"), "{e}");
    // A plausible one still goes through: a mother 22 years older.
    assert!(q.apply_binding(woman30, girl7, "child").is_ok());
}

/// Item 4: a child's e-voucher is activated by the parent in an approved
/// binding (or at the kiosk with the guardian present) — never from a draft.
#[test]
fn only_the_parent_of_an_approved_binding_activates_a_childs_voucher() {
    let mut q = ledger();
    let admin = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
    let dad = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 0);
    let stranger = person(&mut q, "李四", "31011519800601011", "employee", "310115", 0);
    let child = qinqing_core::id::with_check_char("31011520180601024");
    let kid = q
        .add_person(&qinqing_core::PersonInput {
            name: "张小妹".into(),
            resident_id: child.clone(),
            insurance: "resident".into(),
            region: "310115".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    q.verify_face_in_person(stranger, admin).unwrap(); // his real-name check, in person
                                                       // A stranger's draft (he typed her name and number): no activation.
    q.set_actor(Actor::Household { holder: stranger });
    let entry = qinqing_core::MemberEntry { name: "张小妹".into(), resident_id: child.clone(), relation: "child".into() };
    let theirs = q.apply_binding_entry(stranger, &entry).unwrap();
    assert!(!theirs.guardian_activation_allowed);
    assert!(!theirs.requirements.iter().any(|r| r.key == "voucher"), "a child's voucher is not a draft's to have");
    let e = q.guardian_activate_voucher(theirs.id).unwrap_err();
    assert_eq!(e.code, Code::GuardianNotParent, "{e}");
    q.set_actor(Actor::Operator);
    assert!(!q.get_person(kid).unwrap().voucher_activated);
    // Her father's application, approved: now he may, as her parent.
    let b = q.apply_binding(dad, kid, "child").unwrap().id;
    let d = q.add_sample_document(kid, "birth_certificate", "").unwrap().id;
    q.attach_document(b, d).unwrap();
    q.sign_letter(b).unwrap();
    q.submit_binding(b).unwrap();
    q.set_actor(Actor::Household { holder: dad });
    assert_eq!(q.guardian_activate_voucher(b).unwrap_err().code, Code::GuardianNotParent, "not while submitted");
    q.set_actor(Actor::Operator);
    q.approve_binding(b, admin).unwrap();
    q.set_actor(Actor::Household { holder: dad });
    assert!(q.get_binding(b).unwrap().guardian_activation_allowed);
    q.guardian_activate_voucher(b).unwrap();
    assert!(q.get_person(kid).unwrap().voucher_activated);
    // At the kiosk, staff with the guardian present may do it on a draft.
    q.set_actor(Actor::Operator);
    let baby = person(&mut q, "张宝宝", "31011520240101012", "resident", "310115", 0);
    q.conn().execute("UPDATE person SET voucher_activated = 0 WHERE id = ?1", [baby]).unwrap();
    let draft = q.apply_binding(dad, baby, "child").unwrap().id;
    q.set_actor(Actor::Serving { staff: admin, admin: true, resident: dad });
    q.guardian_activate_voucher(draft).unwrap();
}

/// Item 5: the member's requirement is met by the member's own document;
/// the holder's household register counts once staff mark that it shows
/// the member; the holder's birth certificate never.
#[test]
fn the_holders_documents_do_not_stand_for_the_members() {
    let mut q = ledger();
    let admin = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
    let dad = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 0);
    let kid = person(&mut q, "张子涵", "31011520160910013", "resident", "310115", 0);
    let b = q.apply_binding(dad, kid, "child").unwrap().id;
    q.sign_letter(b).unwrap();
    // As found: his own birth certificate made his 10-year-old's application complete.
    let his_cert = q.add_sample_document(dad, "birth_certificate", "").unwrap().id;
    assert_eq!(q.attach_document(b, his_cert).unwrap_err().code, Code::DocNotMembers);
    let png = qinqing_core::docstore::sample_png(21, 64, 48).unwrap();
    assert_eq!(q.ingest_document(dad, "birth_certificate", &png, "", Some(b)).unwrap_err().code, Code::DocNotMembers, "nor uploaded into it");
    // His household register: attached, but it counts only once staff mark it shows the child.
    let register = q.add_sample_document(dad, "household_register", "").unwrap().id;
    let v = q.attach_document(b, register).unwrap();
    assert!(!v.complete && v.missing.contains(&"doc_child_identity"), "{:?}", v.missing);
    assert_eq!(v.awaiting_staff_mark, vec![register]);
    assert_eq!(q.submit_binding(b).unwrap_err().code, Code::BindingIncomplete);
    q.set_actor(Actor::Household { holder: dad });
    assert_eq!(q.mark_shows_member(b, register, admin).unwrap_err().code, Code::Forbidden, "staff's to mark");
    q.set_actor(Actor::Staff { id: admin, admin: true });
    let v = q.mark_shows_member(b, register, admin).unwrap();
    assert!(v.complete && v.awaiting_staff_mark.is_empty(), "{:?}", v.missing);
    // The child's own certificate meets it without any mark.
    q.set_actor(Actor::Operator);
    let kid2 = person(&mut q, "张子墨", "31011520180910011", "resident", "310115", 0);
    let b2 = q.apply_binding(dad, kid2, "child").unwrap().id;
    let cert = q.add_sample_document(kid2, "birth_certificate", "").unwrap().id;
    assert!(!q.attach_document(b2, cert).unwrap().missing.contains(&"doc_child_identity"));
    assert_eq!(q.mark_shows_member(b2, cert, admin).unwrap_err().code, Code::DocNotMembers, "only a holder's register is marked");
}

/// Item 7: before a holder's first application from a family computer, the
/// holder's own identity is checked once — ID card front and back and the
/// face — by staff, in person or on uploaded photos; recorded and shown.
#[test]
fn a_holders_first_application_needs_the_real_name_check() {
    let mut q = ledger();
    let admin = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
    let dad = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 0);
    let kid = person(&mut q, "张子涵", "31011520160910013", "resident", "310115", 0);
    let entry =
        qinqing_core::MemberEntry { name: "张子涵".into(), resident_id: qinqing_core::id::with_check_char("31011520160910013"), relation: "child".into() };
    q.set_actor(Actor::Household { holder: dad });
    let e = q.apply_binding_entry(dad, &entry).unwrap_err();
    assert_eq!(e.code, Code::HolderRealNameRequired, "{e}");
    assert!(e.message_zh.contains("身份证") && e.message_en.contains("ID card"), "says what to bring: {e}");
    // From home: photos of the card's front, back and his face, checked by staff.
    let png = |seed| qinqing_core::docstore::sample_png(seed, 64, 48).unwrap();
    q.ingest_document(dad, "id_card_front", &png(51), "", None).unwrap();
    q.set_actor(Actor::Staff { id: admin, admin: true });
    let e = q.check_real_name(dad, admin).unwrap_err();
    assert_eq!(e.code, Code::RealNameIncomplete);
    assert!(e.message_en.contains("back") && e.message_en.contains("face"), "says what is missing: {e}");
    q.set_actor(Actor::Household { holder: dad });
    q.ingest_document(dad, "id_card_back", &png(52), "", None).unwrap();
    q.ingest_document(dad, "face_capture", &png(53), "", None).unwrap();
    assert_eq!(q.check_real_name(dad, admin).unwrap_err().code, Code::Forbidden, "staff's to check, as themselves");
    q.set_actor(Actor::Staff { id: admin, admin: true });
    let p = q.check_real_name(dad, admin).unwrap();
    assert!(p.real_name_checked_at_local.is_some(), "recorded and shown");
    q.set_actor(Actor::Household { holder: dad });
    let b = q.apply_binding_entry(dad, &entry).unwrap();
    assert_eq!(b.member.id, kid);
    // At the kiosk, served in person, nothing more is asked.
    q.set_actor(Actor::Operator);
    let mum = person(&mut q, "王芳", "31011519850421026", "employee", "310115", 0);
    let kid2 = person(&mut q, "张子墨", "31011520180910011", "resident", "310115", 0);
    q.set_actor(Actor::Serving { staff: admin, admin: true, resident: mum });
    let e2 =
        qinqing_core::MemberEntry { name: "张子墨".into(), resident_id: qinqing_core::id::with_check_char("31011520180910011"), relation: "child".into() };
    assert_eq!(q.apply_binding_entry(mum, &e2).unwrap().member.id, kid2);
}
