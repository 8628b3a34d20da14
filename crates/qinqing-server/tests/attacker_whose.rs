//! Issue 31, holes 1–5, tried as the attacker did: over real HTTP on
//! loopback, with a paired family computer's token and a plain staff
//! log-in, against `qinqing-server` on SQLite — and on PostgreSQL when
//! `QINQING_TEST_POSTGRES` names a server. Each request was accepted by the
//! code before the change; the ledger is read afterwards to see that
//! nothing moved.
//!
//! The ledger: 张伟 holds his wife 王芳 (亲情账户, approved); 李四 is
//! another family's holder, applying for 张建国 (76), a stranger to 张伟,
//! with a face photo of him uploaded into that application.

#[macro_use]
mod common;

use qinqing_core::id::with_check_char;
use qinqing_core::{Actor, PersonInput, Qinqing};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Child;

const ADMIN_PW: &str = "centre-admin-pass";
const CLERK_PW: &str = "centre-clerk-pass";
const ELDER_ID17: &str = "31011519500310015";
/// Every test person's payment password.
const PAY: &str = "135790";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct World {
    db: String,
    server: Server,
    admin: i64,
    clerk: i64,
    wei: i64,
    fang: i64,
    elder: i64,
    face: i64,
    _dir: tempfile::TempDir,
}

fn person(q: &mut Qinqing, name: &str, id17: &str, ins: &str, balance: i64) -> i64 {
    let id = q
        .add_person(&PersonInput {
            name: name.into(),
            resident_id: with_check_char(id17),
            insurance: ins.into(),
            region: "310115".into(),
            balance_fen: Some(balance),
            voucher_activated: true,
            ..Default::default()
        })
        .unwrap()
        .id;
    q.set_pay_password(id, PAY, PAY).unwrap();
    id
}

fn world(on_postgres: bool) -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = match (on_postgres, std::env::var("QINQING_TEST_POSTGRES")) {
        (true, Ok(base)) => qinqing_core::pg::fresh_test_database(&base).unwrap(),
        _ => dir.path().join("centre.db").to_string_lossy().into_owned(),
    };
    let mut q = Qinqing::open(&PathBuf::from(&db)).unwrap();
    let admin = q.add_staff("陈主任", "admin", ADMIN_PW, ADMIN_PW).unwrap().id;
    let clerk = q.add_staff("小李", "staff", CLERK_PW, CLERK_PW).unwrap().id;
    let wei = person(&mut q, "张伟", "34010419821108017", "employee", 500_000);
    let fang = person(&mut q, "王芳", "31011519850421026", "employee", 272_770);
    let li = person(&mut q, "李四", "31011519800101011", "employee", 200_000);
    let elder = person(&mut q, "张建国", ELDER_ID17, "resident", 0);
    q.verify_face_in_person(fang, admin).unwrap();
    let b = q.apply_binding(wei, fang, "spouse").unwrap().id;
    let d = q.add_sample_document(fang, "household_register", "").unwrap().id;
    q.attach_document(b, d).unwrap();
    q.verify_face_by_staff(b, admin).unwrap();
    q.sign_letter(b).unwrap();
    q.submit_binding(b).unwrap();
    q.approve_binding(b, admin).unwrap();
    let theirs = q.apply_binding(li, elder, "parent").unwrap().id;
    let face = q.ingest_document(elder, "face_capture", &qinqing_core::docstore::sample_png(31, 64, 48).unwrap(), "", Some(theirs)).unwrap().document.id;
    drop(q);
    let (child, addr) = common::spawn_server(&["--db", &db, "--listen", "127.0.0.1:0", "--workers", "2", "--log-level", "warn"]);
    World { db, server: Server { child, base: format!("http://{addr}") }, admin, clerk, wei, fang, elder, face, _dir: dir }
}

/// (status, body) of `POST /api/v1/{path}` with a bearer token.
fn post(w: &World, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = ureq::post(&format!("{}/api/v1/{path}", w.server.base)).set("content-type", "application/json");
    if let Some(t) = token {
        req = req.set("authorization", &format!("Bearer {t}"));
    }
    let resp = match req.send_string(&body.to_string()) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{path}: {e}"),
    };
    let status = resp.status();
    (status, serde_json::from_str(&resp.into_string().unwrap()).unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

fn staff_token(w: &World, staff: i64, pw: &str) -> String {
    let (st, v) = post(w, "login", None, &json!({ "staff": staff, "password": pw }));
    assert_eq!(st, 200, "{v}");
    v["token"].as_str().unwrap().to_string()
}

/// 张伟's family computer, paired the way the issue allows: by an administrator.
fn household_token(w: &World) -> String {
    let admin = staff_token(w, w.admin, ADMIN_PW);
    let (st, p) = post(w, "pairing_start", Some(&admin), &json!({ "holder": w.wei }));
    assert_eq!(st, 200, "{p}");
    let (st, d) = post(w, "pair", None, &json!({ "code": p["code"], "label": "客厅电脑" }));
    assert_eq!(st, 200, "{d}");
    d["token"].as_str().unwrap().to_string()
}

fn ledger(w: &World) -> Qinqing {
    let mut q = Qinqing::open_existing(&PathBuf::from(&w.db)).unwrap();
    q.set_actor(Actor::Operator);
    q
}

fn count(w: &World, sql: &str) -> i64 {
    ledger(w).conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Hole 1: 张伟's computer opened a flow from 王芳's account and spent it.
fn a_holders_computer_spends_no_relatives_money(pg: bool) {
    let w = world(pg);
    let home = household_token(&w);
    let sha = qinqing_core::settle::aid_letter().sha256;
    let (st, v) = post(
        &w,
        "aid_authorize",
        Some(&home),
        &json!({ "authorizer": w.fang, "beneficiary": w.wei, "relation": "spouse", "monthly_cap_fen": 99_999_999, "letter_sha256": sha, "pay_password": PAY }),
    );
    assert_eq!((st, code(&v)), (403, "CONSENT_OWNER_ONLY"), "{v}");
    let (st, v) = post(&w, "premium_pay_amount", Some(&home), &json!({ "payer": w.fang, "beneficiary": w.wei, "amount_fen": 250_000, "year": 2026 }));
    assert_eq!((st, code(&v)), (403, "CONSENT_OWNER_ONLY"), "{v}");
    assert_eq!(ledger(&w).get_person(w.fang).unwrap().balance_fen, 272_770, "her money did not move");
    assert_eq!(count(&w, "SELECT count(*) FROM aid"), 0);
    // His own money, with his own password: allowed.
    let (st, v) = post(
        &w,
        "aid_authorize",
        Some(&home),
        &json!({ "authorizer": w.wei, "beneficiary": w.fang, "relation": "spouse", "letter_sha256": sha, "pay_password": PAY }),
    );
    assert_eq!(st, 200, "{v}");
}
both_stores!(hole1_relatives_money_on_sqlite, hole1_relatives_money_on_postgresql, a_holders_computer_spends_no_relatives_money);

/// Hole 2: a draft by number read a stranger; refusal codes told the state of the rest.
fn a_draft_reads_no_stranger(pg: bool) {
    let w = world(pg);
    let home = household_token(&w);
    let (st, v) = post(&w, "binding_apply_member", Some(&home), &json!({ "holder": w.wei, "member": w.elder, "relation": "parent" }));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"), "by number: {v}");
    for (name, id17, relation) in [("张建军", ELDER_ID17, "parent"), ("张建国", "31011519500310999", "parent"), ("王芳", "31011519850421026", "spouse")]
    {
        let entry = json!({ "name": name, "resident_id": with_check_char(id17), "relation": relation });
        let (st, v) = post(&w, "binding_apply", Some(&home), &json!({ "holder": w.wei, "entry": entry }));
        // 王芳 is already bound to him: a binding of his own, so he may be told.
        let want = if name == "王芳" { "BINDING_DUPLICATE" } else { "MEMBER_UNMATCHED" };
        assert_eq!((st, code(&v)), (422, want), "{name}: {v}");
    }
    let entry = json!({ "name": "张建国", "resident_id": with_check_char(ELDER_ID17), "relation": "parent" });
    let (st, draft) = post(&w, "binding_apply", Some(&home), &json!({ "holder": w.wei, "entry": entry }));
    assert_eq!(st, 200, "{draft}");
    assert_eq!(draft["member"]["birth_date"], "", "no birth date beside the masked ID");
    let (st, v) = post(&w, "person_get", Some(&home), &json!({ "id": w.elder }));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"), "a draft grants no read: {v}");
}
both_stores!(hole2_drafts_on_sqlite, hole2_drafts_on_postgresql, a_draft_reads_no_stranger);

/// Hole 3: another family's face photo through one's own draft.
fn another_familys_photo_stays_theirs(pg: bool) {
    let w = world(pg);
    let home = household_token(&w);
    let entry = json!({ "name": "张建国", "resident_id": with_check_char(ELDER_ID17), "relation": "parent" });
    let (_, draft) = post(&w, "binding_apply", Some(&home), &json!({ "holder": w.wei, "entry": entry }));
    let id = draft["id"].as_i64().unwrap();
    for (op, args) in [
        ("binding_face_evidence", json!({ "id": id, "doc": w.face })),
        ("binding_attach", json!({ "id": id, "doc": w.face })),
        ("document_bytes", json!({ "id": w.face })),
        ("document_delete", json!({ "id": w.face })),
    ] {
        let (st, v) = post(&w, op, Some(&home), &args);
        assert_eq!((st, code(&v)), (403, "FORBIDDEN"), "{op}: {v}");
    }
    assert_eq!(count(&w, &format!("SELECT count(*) FROM document WHERE id = {}", w.face)), 1, "not deleted");
    assert_eq!(count(&w, &format!("SELECT count(*) FROM binding_document WHERE binding_id = {id}")), 0, "not attached");
}
both_stores!(hole3_photos_on_sqlite, hole3_photos_on_postgresql, another_familys_photo_stays_theirs);

/// Holes 4 and 5: plain staff made money, and became a household.
fn plain_staff_make_no_money_and_no_household(pg: bool) {
    let w = world(pg);
    let clerk = staff_token(&w, w.clerk, CLERK_PW);
    let before = count(&w, "SELECT count(*) FROM person");
    let input = json!({ "name": "钱多多", "resident_id": with_check_char("31011519900101012"), "insurance": "employee",
        "region": "310115", "balance_fen": 10_000_000_000_i64, "voucher_activated": true });
    let (st, v) = post(&w, "person_add", Some(&clerk), &input);
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"), "{v}");
    assert_eq!(count(&w, "SELECT count(*) FROM person"), before);
    let (st, v) = post(&w, "pairing_start", Some(&clerk), &json!({ "holder": w.wei }));
    assert_eq!((st, code(&v)), (403, "PAIRING_IN_PERSON"), "{v}");
    assert_eq!(count(&w, "SELECT count(*) FROM pairing"), 0);
    let (st, v) = post(&w, "pay_password_set", Some(&clerk), &json!({ "id": w.wei, "password": "246813", "again": "246813" }));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"), "{v}");
    // The family computer changes its holder's password only with the current one; he is told.
    let home = household_token(&w);
    let (st, v) = post(&w, "pay_password_set", Some(&home), &json!({ "id": w.wei, "password": "246813", "again": "246813" }));
    assert_eq!((st, code(&v)), (422, "PAY_PASSWORD_CURRENT_REQUIRED"), "{v}");
    let (st, v) = post(&w, "pay_password_set", Some(&home), &json!({ "id": w.wei, "password": "246813", "again": "246813", "current": PAY }));
    assert_eq!(st, 200, "{v}");
    let (st, inbox) = post(&w, "outbox", Some(&home), &json!({ "person": w.wei }));
    assert_eq!(st, 200, "{inbox}");
    let texts: Vec<&str> = inbox.as_array().unwrap().iter().filter_map(|m| m["body_zh"].as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("配对")) && texts.iter().any(|t| t.contains("支付密码")), "{texts:?}");
}
both_stores!(holes4_5_staff_on_sqlite, holes4_5_staff_on_postgresql, plain_staff_make_no_money_and_no_household);
