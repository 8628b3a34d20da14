//! Issue 32 item 8, the small items — on SQLite, and on PostgreSQL when
//! `QINQING_TEST_POSTGRES` names a server:
//! - `aid_face_required_prefixes` is a setting like the others (listed,
//!   described, checked, set by an administrator, audited, and used);
//! - a 15-digit first-generation ID is refused as such (`ID_LEGACY_15`);
//! - a pairing code's expiry is also given in China time;
//! - a region names its city and district (340104 → 安徽省 合肥市 蜀山区).

mod common;
use common::person;
use qinqing_core::id::{with_check_char, ResidentId};
use qinqing_core::region::Region;
use qinqing_core::settings::{parse_region_prefixes, Kind, AID_FACE_REQUIRED_PREFIXES};
use qinqing_core::time::FixedClock;
use qinqing_core::{Actor, Code, PersonInput, Qinqing};
use std::sync::Arc;

fn ledger(at: &str) -> Qinqing {
    Qinqing::in_memory(Arc::new(FixedClock::at(at))).unwrap()
}

// ---- 1. aid_face_required_prefixes --------------------------------------

#[test]
fn face_prefixes_are_listed_described_and_hold_the_shipped_list() {
    let q = ledger("2026-03-10T02:00:00Z");
    let all = q.settings().unwrap();
    let s = all.iter().find(|s| s.def.key == AID_FACE_REQUIRED_PREFIXES).expect("listed by setting list");
    assert_eq!(s.def.kind, Kind::RegionPrefixes);
    assert!(s.def.about_zh.contains("人脸") && s.def.about_en.contains("face"), "{} / {}", s.def.about_zh, s.def.about_en);
    // The migration ships Zhejiang (33).
    assert_eq!(s.text.as_deref(), Some("33"));
    assert_eq!(s.value, 1);
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["key"], AID_FACE_REQUIRED_PREFIXES);
    assert_eq!(json["kind"], "region_prefixes");
    assert_eq!(json["text"], "33");
    // Number settings carry no text and say they are numbers.
    let n = serde_json::to_value(q.get_setting("qr_validity_secs").unwrap()).unwrap();
    assert_eq!(n["kind"], "number");
    assert!(n.get("text").is_none());
    assert_eq!(q.get_setting(AID_FACE_REQUIRED_PREFIXES).unwrap().text.as_deref(), Some("33"));
    assert_eq!(q.setting_text(AID_FACE_REQUIRED_PREFIXES).unwrap(), "33");
    assert_eq!(q.setting_text("qr_validity_secs").unwrap_err().code, Code::SettingUnknown, "not a list");
}

#[test]
fn face_prefixes_are_checked_and_normalized() {
    let k = AID_FACE_REQUIRED_PREFIXES;
    assert_eq!(parse_region_prefixes(k, "").unwrap(), "");
    assert_eq!(parse_region_prefixes(k, " , ").unwrap(), "");
    assert_eq!(parse_region_prefixes(k, "33").unwrap(), "33");
    assert_eq!(parse_region_prefixes(k, " 33, 4403 ,110105，33").unwrap(), "33,4403,110105", "trimmed, full-width comma, no duplicates");
    assert_eq!(parse_region_prefixes(k, "1101").unwrap(), "1101", "a municipality's districts");
    for bad in ["3", "331", "33011", "3301061", "99", "00", "4499", "440399", "3a", "３３", "33;44", "33,,x"] {
        let e = parse_region_prefixes(k, bad).unwrap_err();
        assert_eq!(e.code, Code::SettingOutOfRange, "{bad}");
        assert_eq!(e.field.as_deref(), Some("value"), "{bad}");
        assert!(e.message_zh.contains("前缀") && e.message_en.contains("prefix"), "{bad}: {}", e.message_en);
    }
    let many: Vec<String> = qinqing_core::region::PROVINCES.iter().map(|p| p.0.to_string()).collect();
    assert!(parse_region_prefixes(k, &many.join(",")).is_ok(), "every province");
}

#[test]
fn face_prefixes_are_set_by_an_administrator_audited_and_used_when_opening_aid() {
    let mut q = ledger("2026-03-10T02:00:00Z");
    let admin = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
    let clerk = q.add_staff("刘干事", "staff", "counter-pass", "counter-pass").unwrap().id;
    // A Shenzhen employee without face verification, and his son.
    let father = person(&mut q, "李强", "44030519800101011", "employee", "440305", 300_000);
    let son = person(&mut q, "李小明", "44030520150101013", "resident", "440305", 0);

    // Staff and households cannot change it; a refusal changes nothing.
    for who in [Actor::Staff { id: clerk, admin: false }, Actor::Household { holder: father }, Actor::Nobody] {
        q.set_actor(who.clone());
        let e = q.set_setting(AID_FACE_REQUIRED_PREFIXES, "4403").unwrap_err();
        assert!(matches!(e.code, Code::Forbidden | Code::NotLoggedIn | Code::StaffNotAdmin), "{who:?}: {:?}", e.code);
    }
    q.set_actor(Actor::Staff { id: admin, admin: true });
    assert_eq!(q.set_setting(AID_FACE_REQUIRED_PREFIXES, "44,xx").unwrap_err().code, Code::SettingOutOfRange);
    assert_eq!(q.setting_text(AID_FACE_REQUIRED_PREFIXES).unwrap(), "33", "refusals changed nothing");

    // The administrator requires face verification in Shenzhen.
    let v = q.set_setting(AID_FACE_REQUIRED_PREFIXES, "33, 4403").unwrap();
    assert_eq!((v.value, v.text.as_deref()), (2, Some("33,4403")));
    assert_eq!(q.setting(AID_FACE_REQUIRED_PREFIXES).unwrap(), 2);
    let stored: String = q.conn().query_row("SELECT value FROM setting WHERE key = 'aid_face_required_prefixes'", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, "33,4403", "stored normalized, as the settlement rules read it");
    let trail = q.audit_list(&Default::default()).unwrap();
    let e = trail.iter().find(|e| e.action == "setting.set").expect("audited");
    assert_eq!(e.before.as_ref().unwrap()["key"], AID_FACE_REQUIRED_PREFIXES);
    assert_eq!(e.before.as_ref().unwrap()["value"], "33");
    assert_eq!(e.after.as_ref().unwrap()["value"], "33,4403");

    // Used: the Shenzhen authorizer now needs his face verified first.
    q.set_actor(Actor::Operator);
    assert_eq!(q.authorize_aid(father, son, "child", None).unwrap_err().code, Code::AidFaceRequired);
    // Emptied (allowed): no region requires it, and the relation opens.
    q.set_actor(Actor::Staff { id: admin, admin: true });
    let v = q.set_setting(AID_FACE_REQUIRED_PREFIXES, "").unwrap();
    assert_eq!((v.value, v.text.as_deref()), (0, Some("")));
    q.set_actor(Actor::Operator);
    q.authorize_aid(father, son, "child", None).unwrap();

    // A hand-edited database cannot slip a malformed entry into the list it reports.
    q.conn().execute("UPDATE setting SET value = '4403,zz,4403,99' WHERE key = 'aid_face_required_prefixes'", []).unwrap();
    assert_eq!(q.setting_text(AID_FACE_REQUIRED_PREFIXES).unwrap(), "4403");
}

// ---- 2. 15-digit legacy IDs ---------------------------------------------

#[test]
fn a_fifteen_digit_id_is_refused_as_the_old_format() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    for old in ["340104530802042", " 110105491231002 "] {
        let e = ResidentId::parse(old, today).unwrap_err();
        assert_eq!(e.code, Code::IdLegacy15, "{old}");
        assert_eq!(e.code.as_str(), "ID_LEGACY_15");
        assert!(e.message_zh.contains("18位") && e.message_en.contains("18-digit"), "says where to find the new one: {}", e.message_en);
    }
    // Other lengths, and 15 characters that are not all digits, keep their own codes.
    assert_eq!(ResidentId::parse("3401045308020", today).unwrap_err().code, Code::IdLength);
    assert_eq!(ResidentId::parse("1101051949123100", today).unwrap_err().code, Code::IdLength);
    assert_eq!(ResidentId::parse("34010453080204X", today).unwrap_err().code, Code::IdLength);
    assert!(ResidentId::parse(&with_check_char("34010419530802042"), today).is_ok());
    // Registering someone with the old number says so too.
    let mut q = ledger("2026-03-10T02:00:00Z");
    let e = q
        .add_person(&PersonInput {
            name: "李秀英".into(),
            resident_id: "340104530802042".into(),
            insurance: "resident".into(),
            region: "340104".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code, Code::IdLegacy15);
}

// ---- 3. the pairing code's expiry in China time -------------------------

#[test]
fn a_pairing_code_gives_its_expiry_in_china_time() {
    // 17:55 UTC is 01:55 the next day in China; the code lasts 10 minutes.
    let mut q = ledger("2026-03-10T17:55:00Z");
    let clerk = q.add_staff("小李", "staff", "clerk-password", "clerk-password").unwrap().id;
    let holder = person(&mut q, "张伟", "34010419821108017", "employee", "340104", 0);
    q.set_actor(Actor::Serving { staff: clerk, admin: false, resident: holder });
    let p = q.pairing_start(holder).unwrap();
    assert_eq!(p.expires_at, "2026-03-10T18:05:00Z");
    assert_eq!(p.expires_at_local, "2026-03-11 02:05");
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["expires_at_local"], "2026-03-11 02:05");
}

// ---- 4. region names: city and district ---------------------------------

#[test]
fn a_region_names_its_city_and_district() {
    let r = Region::parse("340104").unwrap();
    assert_eq!((r.province_zh.as_str(), r.city_zh.as_deref(), r.district_zh.as_deref()), ("安徽省", Some("合肥市"), Some("蜀山区")));
    assert_eq!(r.label_zh, "合肥市蜀山区");
    assert_eq!(r.full_zh, "安徽省合肥市蜀山区");
    assert_eq!(r.province_en, "Anhui");

    // A prefecture-level code: the city alone.
    for code in ["440300", "4403"] {
        let sz = Region::parse(code).unwrap();
        assert_eq!((sz.city_zh.as_deref(), sz.district_zh.as_deref()), (Some("深圳市"), None), "{code}");
        assert_eq!(sz.label_zh, "深圳市");
        assert_eq!(sz.full_zh, "广东省深圳市");
    }
    let ns = Region::parse("440305").unwrap();
    assert_eq!((ns.label_zh.as_str(), ns.full_zh.as_str()), ("深圳市南山区", "广东省深圳市南山区"));

    // A municipality: the municipality is the city, named once.
    let cy = Region::parse("110105").unwrap();
    assert_eq!((cy.province_zh.as_str(), cy.city_zh.as_deref(), cy.district_zh.as_deref()), ("北京市", Some("北京市"), Some("朝阳区")));
    assert_eq!((cy.label_zh.as_str(), cy.full_zh.as_str()), ("北京市朝阳区", "北京市朝阳区"));
    assert_eq!(Region::parse("500230").unwrap().label_zh, "重庆市丰都县");
    for code in ["11", "1101"] {
        let bj = Region::parse(code).unwrap();
        assert_eq!(bj.label_zh, "北京市", "{code}");
        assert_eq!(bj.district_zh, None, "{code}");
    }

    // A province-level code: the province alone.
    let ah = Region::parse("34").unwrap();
    assert_eq!((ah.city_zh.as_deref(), ah.district_zh.as_deref(), ah.label_zh.as_str(), ah.full_zh.as_str()), (None, None, "安徽省", "安徽省"));

    // A county-level city run by its province: no prefecture.
    let xt = Region::parse("429004").unwrap();
    assert_eq!((xt.city_zh.as_deref(), xt.district_zh.as_deref()), (None, Some("仙桃市")));
    assert_eq!((xt.label_zh.as_str(), xt.full_zh.as_str()), ("仙桃市", "湖北省仙桃市"));

    // A stored district abolished since (下城区, 2021) still names its city.
    let old = Region::stored("330103").unwrap();
    assert_eq!((old.city_zh.as_deref(), old.district_zh.as_deref(), old.label_zh.as_str()), (Some("杭州市"), None, "杭州市"));

    // Validation is as before: made-up codes are still refused.
    for bad in ["340199", "4499", "99", "330103"] {
        assert_eq!(Region::parse(bad).unwrap_err().code, Code::RegionInvalid, "{bad}");
    }
}

#[test]
fn a_person_shows_the_city_and_district() {
    let mut q = ledger("2026-03-10T02:00:00Z");
    let id = person(&mut q, "李秀英", "34010419530802042", "resident", "340104", 0);
    let p = q.get_person(id).unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["region"]["code"], "340104");
    assert_eq!(json["region"]["label_zh"], "合肥市蜀山区");
    assert_eq!(json["region"]["city_zh"], "合肥市");
    assert_eq!(json["region"]["district_zh"], "蜀山区");
    assert_eq!(json["region"]["full_zh"], "安徽省合肥市蜀山区");
}
