//! Issue 34: two `qinqing-server` processes on one ledger behind one
//! address, and a kiosk whose requests land on either. Its sessions (the
//! staff member logged in at it, the resident served) live in the ledger:
//! what one replica started the other serves, what one ended is ended on the
//! other, a killed replica loses nothing, and two kiosks still do not share
//! sessions. SQLite, and PostgreSQL when `QINQING_TEST_POSTGRES` names a
//! server.

#[macro_use]
mod common;

use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Child;

const ADMIN_PW: &str = "centre-admin-pass";
const CLERK_PW: &str = "centre-clerk-pass";

/// One replica.
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

fn start(db: &str) -> Server {
    let (child, addr) = common::spawn_server(&["--db", db, "--listen", "127.0.0.1:0", "--workers", "2"]);
    Server { child, base: format!("http://{addr}") }
}

/// (status, body) of `POST /api/v1/{op}` with `token`.
fn post(s: &Server, op: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = ureq::post(&format!("{}/api/v1/{op}", s.base)).set("content-type", "application/json");
    if let Some(t) = token {
        req = req.set("authorization", &format!("Bearer {t}"));
    }
    let resp = match req.send_string(&body.to_string()) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{op}: {e}"),
    };
    let status = resp.status();
    let text = resp.into_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

struct Ledger {
    db: String,
    admin: i64,
    clerk: i64,
    member: i64,
    _dir: tempfile::TempDir,
}

fn ledger(on_postgres: bool) -> Ledger {
    let dir = tempfile::tempdir().unwrap();
    let db = match (on_postgres, std::env::var("QINQING_TEST_POSTGRES")) {
        (true, Ok(base)) => qinqing_core::pg::fresh_test_database(&base).unwrap(),
        _ => dir.path().join("centre.db").to_string_lossy().into_owned(),
    };
    let mut q = Qinqing::open(&PathBuf::from(&db)).unwrap();
    let admin = q.add_staff("陈主任", "admin", ADMIN_PW, ADMIN_PW).unwrap().id;
    let clerk = q.add_staff("小李", "staff", CLERK_PW, CLERK_PW).unwrap().id;
    let member = q
        .add_person(&PersonInput {
            name: "王小明".into(),
            resident_id: with_check_char("31011520120101100"),
            insurance: "resident".into(),
            region: "310115".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    Ledger { db, admin, clerk, member, _dir: dir }
}

fn replicas(on_postgres: bool) {
    let l = ledger(on_postgres);
    let mut a = start(&l.db);
    let b = start(&l.db);
    // An administrator registers two kiosks (through A).
    let (st, v) = post(&a, "login", None, json!({ "staff": l.admin, "password": ADMIN_PW }));
    assert_eq!(st, 200, "{v}");
    let admin = v["token"].as_str().unwrap().to_string();
    let register = |label: &str| {
        let (st, k) = post(&a, "kiosk_register", Some(&admin), json!({ "label": label }));
        assert_eq!((st, k["kind"].as_str()), (200, Some("kiosk")), "{k}");
        k["token"].as_str().unwrap().to_string()
    };
    let (hall, window) = (register("大厅"), register("窗口"));
    let at = |s: &Server, kiosk: &str, op: &str, body: Value| post(s, op, Some(kiosk), body);
    let staff_at = |s: &Server, kiosk: &str| at(s, kiosk, "kiosk_state", json!({})).1["staff"]["id"].as_i64();

    // Nobody is logged in at the hall kiosk, on either replica.
    for s in [&a, &b] {
        let (st, v) = at(s, &hall, "person_list", json!({}));
        assert_eq!((st, code(&v)), (401, "NOT_LOGGED_IN"));
    }
    // Staff log in at the hall kiosk through A; A is killed at once.
    let (st, v) = at(&a, &hall, "kiosk_login", json!({ "staff": l.clerk, "password": CLERK_PW }));
    assert_eq!((st, v["staff"]["id"].as_i64()), (200, Some(l.clerk)), "{v}");
    drop(a);
    // The kiosk's next requests land on B: it acts as that staff member.
    assert_eq!(staff_at(&b, &hall), Some(l.clerk), "B knows who logged in through A");
    let (st, v) = at(&b, &hall, "person_list", json!({}));
    assert_eq!(st, 200, "staff at the kiosk see the register through B: {v}");
    // The other kiosk shares nothing of it.
    let (st, v) = at(&b, &window, "person_list", json!({}));
    assert_eq!((st, code(&v)), (401, "NOT_LOGGED_IN"));
    assert_eq!(staff_at(&b, &window), None);

    // A comes back. A resident is served from B; A acts for them, and for them only.
    a = start(&l.db);
    let rid = with_check_char("31011520120101100");
    let (st, v) = at(&b, &hall, "kiosk_start_resident", json!({ "resident_id": rid, "attested": true }));
    assert_eq!((st, v["resident"]["person_id"].as_i64()), (200, Some(l.member)), "{v}");
    let (st, v) = at(&a, &hall, "kiosk_state", json!({}));
    assert_eq!((st, v["resident"]["person_id"].as_i64(), v["staff"]["id"].as_i64()), (200, Some(l.member), Some(l.clerk)), "{v}");
    let (st, v) = at(&a, &hall, "pairing_start", json!({ "holder": l.member }));
    assert_eq!(st, 200, "served through A: {v}");
    let (st, v) = at(&a, &hall, "pairing_start", json!({ "holder": l.member + 1000 }));
    assert_eq!((st, code(&v)), (403, "PAIRING_IN_PERSON"), "only the served resident's household");

    // The administrator logs in at the window kiosk through B: the hall's log-in is untouched.
    let (st, v) = at(&b, &window, "kiosk_login", json!({ "staff": l.admin, "password": ADMIN_PW }));
    assert_eq!((st, v["staff"]["id"].as_i64()), (200, Some(l.admin)), "{v}");
    assert_eq!((staff_at(&a, &window), staff_at(&a, &hall)), (Some(l.admin), Some(l.clerk)));
    assert_eq!(at(&a, &window, "kiosk_state", json!({})).1["resident"], Value::Null, "the hall's resident is not the window's");

    // Leaving kiosk mode through A (an administrator's password) ends the resident on B too.
    let (st, v) = at(&a, &hall, "kiosk_exit", json!({ "admin": l.admin, "password": ADMIN_PW }));
    assert_eq!((st, &v), (200, &json!(true)));
    let (st, v) = at(&b, &hall, "kiosk_state", json!({}));
    assert_eq!((st, &v["resident"]), (200, &Value::Null), "{v}");
    let (st, v) = at(&b, &hall, "pairing_start", json!({ "holder": l.member }));
    assert_eq!((st, code(&v)), (403, "PAIRING_IN_PERSON"), "B serves them no more: staff alone cannot pair them");
    assert_eq!(staff_at(&b, &hall), Some(l.clerk), "the staff log-in stays (leaving kiosk mode ends the resident only)");

    // The log-out through A ends the log-in on B; the window's stays.
    let (st, v) = at(&a, &hall, "kiosk_logout", json!({}));
    assert_eq!((st, &v["staff"]), (200, &Value::Null), "{v}");
    let (st, v) = at(&b, &hall, "person_list", json!({}));
    assert_eq!((st, code(&v)), (401, "NOT_LOGGED_IN"), "logged out through A, so on B");
    assert_eq!(staff_at(&b, &hall), None);
    assert_eq!(at(&b, &window, "person_list", json!({})).0, 200, "the window kiosk is still the administrator's");

    // In the ledger: one row per kiosk, and no secret in them.
    drop((a, b));
    let q = Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap();
    let states: Vec<String> =
        q.conn().query_map("SELECT state FROM kiosk_session ORDER BY device_id", [], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(states.len(), 2, "{states:?}");
    for s in &states {
        assert!(!s.contains(ADMIN_PW) && !s.contains(CLERK_PW) && !s.contains("argon") && !s.contains(rid.as_str()), "{s}");
    }
}

both_stores!(kiosk_sessions_are_shared_by_replicas_on_sqlite, kiosk_sessions_are_shared_by_replicas_on_postgresql, replicas);
