//! The service over real HTTP on loopback: a `qinqing-server` process on a
//! fresh ledger — SQLite, and PostgreSQL too when `QINQING_TEST_POSTGRES`
//! names a server (scripts/test.sh starts one).

mod common;

use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const ADMIN_PW: &str = "centre-admin-pass";
const CLERK_PW: &str = "centre-clerk-pass";
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

fn start(db: &str) -> Server {
    let (child, addr) = common::spawn_server(&["--db", db, "--listen", "127.0.0.1:0", "--workers", "3", "--log-format", "json"]);
    Server { child, base: format!("http://{addr}") }
}

/// (status, body, x-request-id) of one request.
fn call(s: &Server, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> (u16, Value, String) {
    let mut req = ureq::request(method, &format!("{}{path}", s.base)).set("content-type", "application/json");
    if let Some(t) = token {
        req = req.set("authorization", &format!("Bearer {t}"));
    }
    let r = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {path}: {e}"),
    };
    let status = resp.status();
    let id = resp.header("x-request-id").unwrap_or_default().to_string();
    let text = resp.into_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)), id)
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

struct Ledger {
    db: String,
    admin: i64,
    clerk: i64,
    inst_a: i64,
    inst_b: i64,
    member: i64,
    tokens: Vec<String>,
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
    let inst_a = q.add_institution("社区药房", "310115", true, false).unwrap().id;
    let inst_b = q.add_institution("别家医院", "310115", true, false).unwrap().id;
    let member = q
        .add_person(&PersonInput {
            name: "王小明".into(),
            resident_id: with_check_char("31011520120101100"),
            insurance: "resident".into(),
            region: "310115".into(),
            balance_fen: Some(50_000),
            voucher_activated: true,
            ..Default::default()
        })
        .unwrap()
        .id;
    q.set_pay_password(member, PAY, PAY).unwrap();
    let tokens = (0..4).map(|_| q.issue_qr(member, None).unwrap().token).collect();
    Ledger { db, admin, clerk, inst_a, inst_b, member, tokens, _dir: dir }
}

fn balance(l: &Ledger) -> i64 {
    let q = Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap();
    q.conn().query_row("SELECT balance_fen FROM person WHERE id = ?1", [l.member], |r| r.get(0)).unwrap()
}

fn settle_body(token: &str, inst: i64, bill: &str) -> String {
    json!({ "token": token, "institution": inst, "scenario": "pharmacy", "total_fen": 3_000, "bill_id": bill, "pay_password": PAY }).to_string()
}

fn journey(on_postgres: bool) {
    let l = ledger(on_postgres);
    let s = start(&l.db);
    // Health and readiness; every answer has a request id.
    let (st, v, id) = call(&s, "GET", "/healthz", None, None);
    assert_eq!((st, v["status"].as_str()), (200, Some("ok")));
    assert!(!id.is_empty());
    assert_eq!(call(&s, "GET", "/readyz", None, None).0, 200);
    // No token, a made-up token: refused with their own code, status 401.
    let (st, v, _) = call(&s, "POST", "/api/v1/info", None, None);
    assert_eq!((st, code(&v)), (401, "TOKEN_UNKNOWN"));
    let (st, v, _) = call(&s, "POST", "/api/v1/info", Some("qqs_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), None);
    assert_eq!((st, code(&v)), (401, "TOKEN_UNKNOWN"));
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("登录"));
    // Log-in: a wrong password is the domain's refusal; the right one a session.
    let login = |who: i64, pw: &str| call(&s, "POST", "/api/v1/login", None, Some(&json!({ "staff": who, "password": pw }).to_string()));
    let (st, v, _) = login(l.clerk, "not-the-password");
    assert_eq!((st, code(&v)), (422, "STAFF_PASSWORD_WRONG"));
    let (st, v, _) = login(l.admin, ADMIN_PW);
    assert_eq!(st, 200, "{v}");
    let admin = v["token"].as_str().unwrap().to_string();
    let (st, v, _) = call(&s, "POST", "/api/v1/info", Some(&admin), None);
    assert_eq!(st, 200);
    assert_eq!(v["backend"], if on_postgres { "postgresql" } else { "sqlite" });
    let clerk = login(l.clerk, CLERK_PW).1["token"].as_str().unwrap().to_string();
    // Bad bodies: malformed, a misspelt field, too large — each its own code, nothing changed.
    let (st, v, _) = call(&s, "POST", "/api/v1/terminal_add", Some(&admin), Some("{\"institution\": "));
    assert_eq!((st, code(&v)), (400, "REQUEST_MALFORMED"));
    let (st, v, _) = call(&s, "POST", "/api/v1/terminal_add", Some(&admin), Some(&json!({ "institution": l.inst_a, "lable": "x" }).to_string()));
    assert_eq!((st, code(&v)), (400, "REQUEST_MALFORMED"));
    assert!(v["error"]["message_en"].as_str().unwrap().contains("lable"));
    let huge = json!({ "institution": l.inst_a, "label": "x".repeat(100_000) }).to_string();
    let (st, v, _) = call(&s, "POST", "/api/v1/terminal_add", Some(&admin), Some(&huge));
    assert_eq!((st, code(&v)), (413, "REQUEST_TOO_LARGE"));
    let (st, v, _) = call(&s, "POST", "/api/v1/settle", Some(&admin), Some(&"x".repeat(300 << 10)));
    assert_eq!((st, code(&v)), (413, "REQUEST_TOO_LARGE"));
    assert_eq!(call(&s, "POST", "/api/v1/terminal_list", Some(&admin), None).1, json!([]));
    // Only an administrator issues terminal keys; the key is in the answer once.
    let (st, v, _) = call(&s, "POST", "/api/v1/terminal_add", Some(&clerk), Some(&json!({ "institution": l.inst_a }).to_string()));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"));
    let (st, v, _) = call(&s, "POST", "/api/v1/terminal_add", Some(&admin), Some(&json!({ "institution": l.inst_a, "label": "收费处 <1>" }).to_string()));
    assert_eq!(st, 200, "{v}");
    let key = v["key"].as_str().unwrap().to_string();
    let tid = v["id"].as_i64().unwrap();
    let (_, list, _) = call(&s, "POST", "/api/v1/terminal_list", Some(&admin), None);
    assert_eq!(list[0]["label"], "收费处 <1>");
    assert!(list[0].get("key").is_none());
    // The staff register is an administrator's, over HTTP as anywhere.
    let one_staff = json!({ "id": l.clerk }).to_string();
    let (st, v, _) = call(&s, "POST", "/api/v1/staff_get", Some(&key), Some(&one_staff));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"));
    let (st, v, _) = call(&s, "POST", "/api/v1/staff_get", Some(&clerk), Some(&one_staff));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"));
    let (st, v, _) = call(&s, "POST", "/api/v1/staff_get", Some(&admin), Some(&one_staff));
    assert_eq!((st, v["name"].as_str()), (200, Some("小李")));
    // The terminal settles for its own institution; a retry is a replay.
    let before = balance(&l);
    let (st, v, _) = call(&s, "POST", "/api/v1/settle", Some(&key), Some(&settle_body(&l.tokens[0], l.inst_a, "B-1")));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["total_fen"], 3_000);
    let own: i64 = v["legs"].as_array().unwrap().iter().filter(|g| g["source"] == "own_account").map(|g| g["amount"].as_i64().unwrap()).sum();
    assert!(own > 0);
    assert_eq!(balance(&l), before - own);
    let (st, again, _) = call(&s, "POST", "/api/v1/settle", Some(&key), Some(&settle_body(&l.tokens[0], l.inst_a, "B-1")));
    assert_eq!((st, again["replayed"].as_bool(), again["id"].clone()), (200, Some(true), v["id"].clone()));
    assert_eq!(balance(&l), before - own, "charged once");
    // Not for another institution, and staff are not a counter: nothing charged.
    let (st, v, _) = call(&s, "POST", "/api/v1/settle", Some(&key), Some(&settle_body(&l.tokens[1], l.inst_b, "B-2")));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"));
    let (st, v, _) = call(&s, "POST", "/api/v1/settle", Some(&admin), Some(&settle_body(&l.tokens[1], l.inst_a, "B-3")));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"));
    assert_eq!(balance(&l), before - own);
    // A revoked key is refused with its own code.
    assert_eq!(call(&s, "POST", "/api/v1/terminal_revoke", Some(&admin), Some(&json!({ "id": tid }).to_string())).0, 200);
    let (st, v, _) = call(&s, "POST", "/api/v1/settle", Some(&key), Some(&settle_body(&l.tokens[2], l.inst_a, "B-4")));
    assert_eq!((st, code(&v)), (401, "TOKEN_REVOKED"));
    // Log-out ends the session at once.
    assert_eq!(call(&s, "POST", "/api/v1/logout", Some(&clerk), None).0, 200);
    let (st, v, _) = call(&s, "POST", "/api/v1/info", Some(&clerk), None);
    assert_eq!((st, code(&v)), (401, "TOKEN_REVOKED"));
    // An unknown path is a clear error, not an empty page.
    let (st, v, _) = call(&s, "POST", "/api/v1/no_such_thing", Some(&admin), Some("{}"));
    assert_eq!((st, code(&v)), (400, "REQUEST_MALFORMED"));
    let (st, v, _) = call(&s, "GET", "/api/v1/settle", Some(&admin), None);
    assert_eq!((st, code(&v)), (400, "REQUEST_MALFORMED"));
    let (st, v, _) = call(&s, "GET", "/nowhere", None, None);
    assert_eq!((st, code(&v)), (400, "REQUEST_MALFORMED"));
    // Prometheus metrics (an administrator's session): requests by route and
    // status, refusals by code, settlements.
    let m = ureq::get(&format!("{}/metrics", s.base)).set("authorization", &format!("Bearer {admin}")).call().unwrap().into_string().unwrap();
    assert!(m.contains("qinqing_requests_total{route=\"/api/v1/settle\",status=\"200\"} 2"), "{m}");
    assert!(m.contains("qinqing_refusals_total{code=\"FORBIDDEN\"} 5"), "{m}");
    assert!(m.contains("qinqing_settlements_total 1"), "{m}");
    assert!(m.contains("qinqing_request_seconds_bucket{route=\"/api/v1/settle\",le=\"0.1\"}"), "{m}");
    // Guessing an account's password is slowed down: after 5 wrong ones the
    // next attempt waits (growing delays, counted in the ledger).
    let mut limited = false;
    for _ in 0..12 {
        let (st, v, _) = login(l.clerk, "guess-guess-guess");
        if st == 429 {
            assert_eq!(code(&v), "RATE_LIMITED");
            limited = true;
            break;
        }
    }
    assert!(limited, "the 6th wrong attempt in a row is made to wait");
}

#[test]
fn the_service_answers_over_http_on_sqlite() {
    journey(false);
}

#[test]
fn the_service_answers_over_http_on_postgresql() {
    if std::env::var("QINQING_TEST_POSTGRES").is_err() {
        eprintln!("QINQING_TEST_POSTGRES not set: the PostgreSQL half runs in scripts/test.sh");
        return;
    }
    journey(true);
}

#[test]
fn off_loopback_it_serves_only_https_and_https_works() {
    let l = ledger(false);
    // Plain HTTP on a network address is refused at start, with what to do.
    let out = Command::new(env!("CARGO_BIN_EXE_qinqing-server")).args(["--db", &l.db, "--listen", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--tls-cert") && err.contains("TLS"), "{err}");
    // A certificate (self-signed for the test) → HTTPS; a client trusting it gets answers.
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (scripts/deps.sh installs it)");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let (mut child, addr) =
        common::spawn_server(&["--db", &l.db, "--listen", "127.0.0.1:0", "--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    let port = addr.rsplit(':').next().unwrap().to_string();
    let curl = |extra: &[&str]| Command::new("curl").args(["-sS", "--max-time", "10"]).args(extra).output().expect("curl (scripts/deps.sh installs it)");
    let ok = curl(&["--cacert", cert.to_str().unwrap(), &format!("https://localhost:{port}/healthz")]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("\"ok\""));
    let login = curl(&[
        "--cacert",
        cert.to_str().unwrap(),
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "-d",
        &json!({ "staff": l.admin, "password": ADMIN_PW }).to_string(),
        &format!("https://localhost:{port}/api/v1/login"),
    ]);
    assert!(String::from_utf8_lossy(&login.stdout).contains("qqs_"), "{}", String::from_utf8_lossy(&login.stdout));
    // Plain HTTP to the HTTPS port gets no answer from the API.
    let plain = curl(&[&format!("http://127.0.0.1:{port}/healthz")]);
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("\"ok\""));
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_openapi_document_is_valid_and_every_path_in_it_answers_bad_input_without_a_500() {
    let l = ledger(false);
    let s = start(&l.db);
    let (st, doc, _) = call(&s, "GET", "/api/openapi.json", None, None);
    assert_eq!(st, 200);
    // It is a well-formed OpenAPI 3 document (the openapiv3 crate's types).
    let parsed: openapiv3::OpenAPI = serde_json::from_value(doc.clone()).expect("a valid OpenAPI 3.0 document");
    assert!(parsed.openapi.starts_with("3.0"));
    // Every reference resolves.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"").skip(1) {
        let target = r.split('"').next().unwrap();
        let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{target}"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "{target} resolves");
    }
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 20, "{} paths", paths.len());
    for op in ["settle", "terminal_add", "person_list", "info", "dashboard"] {
        assert!(paths.contains_key(&format!("/api/v1/{op}")), "{op} is documented");
    }
    let admin =
        call(&s, "POST", "/api/v1/login", None, Some(&json!({ "staff": l.admin, "password": ADMIN_PW }).to_string())).1["token"].as_str().unwrap().to_string();
    // Every documented path, with bad input of every kind, as nobody and as an
    // administrator: an answer, never a 500.
    let bad: [&str; 7] = ["", "{", "[]", "null", "{\"id\": \"x\"}", "{\"nonsense\": 1}", "{\"id\": 99999999, \"member\": -1, \"holder\": 0, \"year\": 99999}"];
    let mut answered = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            for token in [None, Some(admin.as_str())] {
                for body in bad {
                    let (st, v, _) = call(&s, &method.to_uppercase(), path, token, if method == "get" { None } else { Some(body) });
                    assert!(st < 500, "{method} {path} with {body:?} as {token:?}: {st} {v}");
                    if st >= 400 {
                        assert!(v["error"]["code"].is_string(), "{method} {path}: a refusal has a code: {v}");
                    }
                    answered += 1;
                }
            }
        }
    }
    assert!(answered > 250, "{answered} requests");
}

#[test]
fn the_cli_works_through_the_server_with_the_same_answers_and_codes() {
    let l = ledger(false);
    let s = start(&l.db);
    let cli = env!("CARGO_BIN_EXE_qinqing-server").replace("qinqing-server", "qinqing-cli");
    let base = s.base.clone();
    let run = |args: &[&str], stdin: &str| -> (i32, Value, Value) {
        use std::io::Write;
        let mut c = Command::new(&cli)
            .args(["--server", &base, "--json"])
            .args(args)
            .env_remove("QINQING_DB")
            .env_remove("QINQING_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("qinqing-cli (built with the workspace)");
        c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = c.wait_with_output().unwrap();
        let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap_or(Value::Null);
        (out.status.code().unwrap_or(-1), parse(&out.stdout), parse(&out.stderr))
    };
    // Log in from the CLI (password on stdin): a token.
    let (code, session, _) = run(&["login", "--staff", &l.admin.to_string()], &format!("{ADMIN_PW}\n"));
    assert_eq!(code, 0);
    let admin = session["token"].as_str().unwrap().to_string();
    let (code, _, err) = run(&["login", "--staff", &l.clerk.to_string()], "wrong-password\n");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("STAFF_PASSWORD_WRONG")));
    // The same answer as on the ledger itself.
    let (code, remote, _) = run(&["--token", &admin, "institution", "list"], "");
    assert_eq!(code, 0);
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().list_institutions().unwrap();
    assert_eq!(remote, serde_json::to_value(&local).unwrap());
    // An administrator issues a terminal key; the counter settles with it.
    let (code, key, _) = run(&["--token", &admin, "terminal", "add", "--institution", &l.inst_a.to_string()], "");
    assert_eq!(code, 0);
    let key = key["key"].as_str().unwrap().to_string();
    let (code, v, err) = run(
        &[
            "--token",
            &key,
            "settle",
            "--code",
            &l.tokens[0],
            "--institution",
            &l.inst_a.to_string(),
            "--scenario",
            "pharmacy",
            "--total",
            "2500",
            "--bill",
            "C-1",
            "--pay-password-stdin",
        ],
        &format!("{PAY}\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!((v["total_fen"].as_i64(), v["replayed"].as_bool()), (Some(2500), Some(false)));
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().get_settlement(v["id"].as_i64().unwrap()).unwrap();
    assert_eq!(v, serde_json::to_value(&local).unwrap(), "the same JSON as the ledger's own");
    // Refusals keep their codes and exit codes.
    let (code, _, err) = run(
        &[
            "--token",
            &key,
            "settle",
            "--code",
            &l.tokens[1],
            "--institution",
            &l.inst_b.to_string(),
            "--scenario",
            "pharmacy",
            "--total",
            "2500",
            "--bill",
            "C-2",
            "--pay-password-stdin",
        ],
        &format!("{PAY}\n"),
    );
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("FORBIDDEN")));
    let (code, _, err) = run(&["--token", "qqs_nope", "info"], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("TOKEN_UNKNOWN")));
    // The register through the server: the same list as the ledger's own; a
    // person registered from the CLI is on it.
    let (code, remote, _) = run(&["--token", &admin, "person", "list"], "");
    assert_eq!(code, 0);
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().list_persons(&Default::default()).unwrap();
    assert_eq!(remote, serde_json::to_value(&local).unwrap());
    let (code, added, err) = run(
        &[
            "--token",
            &admin,
            "person",
            "add",
            "--name",
            "李秀英",
            "--id",
            &with_check_char("34010419530802042"),
            "--insurance",
            "resident",
            "--region",
            "340104",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let (code, shown, _) = run(&["--token", &admin, "person", "show", &added["id"].to_string()], "");
    assert_eq!((code, shown["name"].as_str()), (0, Some("李秀英")));
    // The audit trail and the stays, through the server, as the ledger has them.
    let (code, audit, _) = run(&["--token", &admin, "audit", "list", "--limit", "500"], "");
    assert_eq!(code, 0);
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "terminal.add"), "{audit}");
    let (code, stays, _) = run(&["--token", &key, "stay", "list", "--institution", &l.inst_a.to_string()], "");
    assert_eq!((code, stays), (0, json!([])));
    // 家庭共济 relations are the family's own: staff are refused them over HTTP
    // exactly as the permission table refuses them anywhere.
    let (code, _, err) = run(&["--token", &admin, "aid", "list", "--beneficiary", &l.member.to_string()], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("FORBIDDEN")));
    let (code, letter, _) = run(&["--token", &admin, "aid", "letter"], "");
    assert_eq!((code, letter["sha256"].as_str().map(str::len)), (0, Some(64)));
    // A terminal key is not staff: the register is refused to it.
    let (code, _, err) = run(&["--token", &key, "person", "list"], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("FORBIDDEN")));
    // Codes are the family's to issue (staff are refused over HTTP as anywhere);
    // a counter checks a code it was shown.
    let (code, _, err) = run(&["--token", &admin, "qr", "issue", "--member", &l.member.to_string()], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("FORBIDDEN")));
    let (code, claims, err) = run(&["--token", &key, "qr", "verify", &l.tokens[3]], "");
    assert_eq!((code, claims["member"].as_i64()), (0, Some(l.member)), "{err}");
    // The transaction record (every bill, for an administrator) as the ledger has it.
    let (code, page, err) = run(&["--token", &admin, "tx", "list"], "");
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().tx_list(&qinqing_core::report::TxQuery {
        page: Some(1),
        page_size: Some(50),
        ..Default::default()
    });
    assert_eq!(code, 0, "{err}");
    assert!(page["rows"].as_array().unwrap().iter().any(|r| r["bill_id"] == "C-1"), "{page}");
    assert_eq!(page["total_rows"], serde_json::to_value(local.unwrap()).unwrap()["total_rows"]);
    // 代缴 tiers of a region through the server, as the ledger has them.
    let (code, tiers, err) = run(&["--token", &admin, "premium", "tiers", "--region", "310115", "--year", "2026"], "");
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().premium_tiers("310115", 2026).unwrap();
    assert_eq!((code, tiers), (0, serde_json::to_value(&local).unwrap()), "{err}");
    // The staff register through the server: the ledger's own list.
    let (code, staff, _) = run(&["--token", &admin, "staff", "list"], "");
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().list_staff().unwrap();
    assert_eq!((code, staff), (0, serde_json::to_value(&local).unwrap()));
    // Bindings, settings, documents, staff and pairing through the server, as the ledger has them.
    let (code, remote, err) = run(&["--token", &admin, "bind", "list"], "");
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().list_bindings(&Default::default()).unwrap();
    assert_eq!((code, remote), (0, serde_json::to_value(&local).unwrap()), "{err}");
    let (code, setting, err) = run(&["--token", &admin, "setting", "get", "staff_session_secs"], "");
    assert_eq!((code, setting["value"].as_i64()), (0, Some(900)), "{err}");
    let (code, _, err) = run(&["--token", &admin, "setting", "set", "staff_session_secs", "1"], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("SETTING_OUT_OF_RANGE")));
    let pdf = l._dir.path().join("证明.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").unwrap();
    let (code, _, err) = run(&["--token", &admin, "doc", "add", "--person", &l.member.to_string(), "--kind", "hukou", &pdf.to_string_lossy()], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("FORBIDDEN")), "staff do not upload a family's documents");
    let (code, added, err) = run(&["--token", &admin, "staff", "add", "--name", "小王", "--role", "staff"], "clerk-two-pass\nclerk-two-pass\n");
    assert_eq!(code, 0, "{err}");
    let (code, pcode, err) = run(&["--token", &admin, "pairing", "start", "--holder", &l.member.to_string()], "");
    assert_eq!(code, 0, "{err}");
    let (code, device, err) = run(&["pair", "--code", pcode["code"].as_str().unwrap(), "--label", "家里"], "");
    assert_eq!(code, 0, "{err}");
    let device = device["token"].as_str().unwrap().to_string();
    let (code, doc, err) = run(&["--token", &device, "doc", "add", "--person", &l.member.to_string(), "--kind", "hukou", &pdf.to_string_lossy()], "");
    assert_eq!(code, 0, "{err}");
    let stored = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().get_document(doc["id"].as_i64().unwrap()).unwrap();
    assert_eq!((stored.person_id, stored.media.as_str()), (l.member, "pdf"));
    let (code, docs, _) = run(&["--token", &device, "doc", "list", "--person", &l.member.to_string()], "");
    assert_eq!((code, docs.as_array().map(Vec::len)), (0, Some(1)));
    let (code, _, err) = run(&["--token", &device, "staff", "list"], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("FORBIDDEN")), "a family device is not staff");
    assert!(added["id"].as_i64().is_some());
    // The year's report, the document's bytes, policies and the public key, as the ledger has them.
    let (code, year, err) = run(&["--token", &device, "report", "year", "--person", &l.member.to_string(), "--year", "2026"], "");
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().person_dashboard(l.member, 2026).unwrap();
    assert_eq!((code, year), (0, serde_json::to_value(&local).unwrap()), "{err}");
    let out = l._dir.path().join("exported.pdf");
    let (code, _, err) = run(&["--token", &device, "doc", "export", &doc["id"].to_string(), &out.to_string_lossy()], "");
    assert_eq!(code, 0, "{err}");
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().document_bytes(doc["id"].as_i64().unwrap()).unwrap().1;
    assert_eq!(std::fs::read(&out).unwrap(), local, "the stored bytes, exactly");
    let (code, _, _) = run(&["--token", &device, "doc", "export", &doc["id"].to_string(), &out.to_string_lossy()], "");
    assert_ne!(code, 0, "never over an existing file");
    let (code, public, _) = run(&["--token", &key, "key", "export"], "");
    let local = qinqing_core::Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap().public_key_hex().unwrap();
    assert_eq!((code, public["public_key"].as_str()), (0, Some(local.as_str())));
    let (code, _, err) =
        run(&["--token", &admin, "fund", "set", "31", "--scenario", "pharmacy", "--insurance", "resident", "--deductible", "0", "--ratio", "101"], "");
    assert_eq!(code, 3, "a ratio over 100 is refused: {err}");
    let (code, policies, _) = run(&["--token", &device, "policy", "list"], "");
    assert!(code == 0 && policies.as_array().is_some_and(|a| !a.is_empty()));
    // A command on the database itself does not go through the server: it says so, and runs nowhere.
    let (code, _, err) = run(&["--token", &admin, "backup", &l._dir.path().join("b.db").to_string_lossy()], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("REMOTE_UNSUPPORTED")));
    // Log out: the token stops working.
    assert_eq!(run(&["--token", &admin, "logout"], "").0, 0);
    let (code, _, err) = run(&["--token", &admin, "info"], "");
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("TOKEN_REVOKED")));
    // An unreachable server is its own error (exit 1: try again later).
    drop(s);
    let (code, _, err) = run(&["--token", &key, "info"], "");
    assert_eq!((code, err["error"]["code"].as_str()), (1, Some("SERVER_UNREACHABLE")));
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_the_server_exits() {
    use std::io::{Read, Write};
    let l = ledger(false);
    let mut s = start(&l.db);
    let admin =
        call(&s, "POST", "/api/v1/login", None, Some(&json!({ "staff": l.admin, "password": ADMIN_PW }).to_string())).1["token"].as_str().unwrap().to_string();
    // A request whose body is still arriving when SIGTERM comes.
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    let body = "{}";
    write!(conn, "POST /api/v1/terminal_list HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}", body.len(), &body[..1]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let term = Command::new("kill").args(["-TERM", &s.child.id().to_string()]).status().unwrap();
    assert!(term.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(s.child.try_wait().unwrap().is_none(), "still running while a request is in flight");
    conn.write_all(&body.as_bytes()[1..]).unwrap();
    let mut answer = String::new();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let _ = conn.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "the request in flight was answered: {answer}");
    assert!(answer.contains("[]"), "{answer}");
    drop(conn);
    // Then it exits by itself, cleanly.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(std::time::Instant::now() < deadline, "the server did not exit after SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    // A new connection now finds nobody.
    assert!(std::net::TcpStream::connect(&addr).is_err());
}

fn pairing(on_postgres: bool) {
    let l = ledger(on_postgres);
    let other = {
        let mut q = Qinqing::open_existing(&PathBuf::from(&l.db)).unwrap();
        q.add_person(&PersonInput {
            name: "李别家".into(),
            resident_id: with_check_char("31011519800101200"),
            insurance: "resident".into(),
            region: "310115".into(),
            ..Default::default()
        })
        .unwrap()
        .id
    };
    let s = start(&l.db);
    let login = |who: i64, pw: &str| {
        call(&s, "POST", "/api/v1/login", None, Some(&json!({ "staff": who, "password": pw }).to_string())).1["token"].as_str().unwrap().to_string()
    };
    let clerk = login(l.clerk, CLERK_PW);
    let admin = login(l.admin, ADMIN_PW);
    let key =
        call(&s, "POST", "/api/v1/terminal_add", Some(&admin), Some(&json!({ "institution": l.inst_a }).to_string())).1["key"].as_str().unwrap().to_string();
    let holder = json!({ "holder": l.member }).to_string();
    // An administrator (or staff serving the holder in person at a kiosk)
    // starts a pairing; plain staff, a counter or nobody cannot.
    let (st, v, _) = call(&s, "POST", "/api/v1/pairing_start", Some(&clerk), Some(&holder));
    assert_eq!((st, code(&v)), (403, "PAIRING_IN_PERSON"));
    let (st, v, _) = call(&s, "POST", "/api/v1/pairing_start", Some(&key), Some(&holder));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"));
    let (st, v, _) = call(&s, "POST", "/api/v1/pairing_start", None, Some(&holder));
    assert_eq!((st, code(&v)), (401, "TOKEN_UNKNOWN"));
    let (st, p, _) = call(&s, "POST", "/api/v1/pairing_start", Some(&admin), Some(&holder));
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["holder_name_masked"], "王**");
    let pcode = p["code"].as_str().unwrap().to_string();
    // The family computer pairs with it, without a token; a misspelt field, a wrong code: nothing.
    let pair = |body: Value| call(&s, "POST", "/api/v1/pair", None, Some(&body.to_string()));
    let (st, v, _) = pair(json!({ "code": pcode, "lable": "x" }));
    assert_eq!((st, code(&v)), (400, "REQUEST_MALFORMED"));
    let (st, v, _) = pair(json!({ "code": "2345-6789" }));
    assert_eq!((st, code(&v)), (422, "PAIRING_CODE_INVALID"), "{v}");
    let (st, d, _) = pair(json!({ "code": pcode.to_lowercase(), "label": "家里的电脑" }));
    assert_eq!(st, 200, "{d}");
    let device = d["token"].as_str().unwrap().to_string();
    assert!(device.starts_with("qqd_"));
    // Replayed: refused, whoever sends it.
    let (st, v, _) = pair(json!({ "code": pcode }));
    assert_eq!((st, code(&v)), (422, "PAIRING_CODE_INVALID"));
    // Two computers typing the same code at once: one is paired, the other refused.
    let (_, p2, _) = call(&s, "POST", "/api/v1/pairing_start", Some(&admin), Some(&holder));
    let c2 = p2["code"].as_str().unwrap().to_string();
    let base = s.base.clone();
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let (base, c2) = (base.clone(), c2.clone());
            std::thread::spawn(move || match ureq::post(&format!("{base}/api/v1/pair")).send_json(json!({ "code": c2 })) {
                Ok(r) => r.status(),
                Err(ureq::Error::Status(st, _)) => st,
                Err(e) => panic!("{e}"),
            })
        })
        .collect();
    let statuses: Vec<u16> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|&&st| st == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|&st| st == 200 || st == 422), "{statuses:?}");
    // The device sees its household and nothing else, by any operation.
    let ask = |op: &str, body: Value| call(&s, "POST", &format!("/api/v1/{op}"), Some(&device), Some(&body.to_string()));
    assert_eq!(ask("person_get", json!({ "id": l.member })).0, 200);
    let list = ask("person_list", json!({})).1;
    assert_eq!(list.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![l.member]);
    assert_eq!(ask("qr_issue", json!({ "member": l.member })).0, 200);
    for (op, body) in [
        ("person_get", json!({ "id": other })),
        ("dashboard", json!({ "holder": other, "year": 2026 })),
        ("binding_list", json!({ "holder": other })),
        ("qr_issue", json!({ "member": other })),
        ("premium_list", json!({ "person": other })),
        ("filing_list", json!({ "person": other })),
        ("aid_payers", json!({ "beneficiary": other })),
        ("settlement_list", json!({ "member": other })),
        ("document_list", json!({ "person": other })),
        ("device_list", json!({ "holder": other })),
        ("pairing_start", json!({ "holder": l.member })),
        ("terminal_list", json!({})),
        ("settle", serde_json::from_str(&settle_body(&l.tokens[0], l.inst_a, "P-1")).unwrap()),
    ] {
        let (st, v, _) = ask(op, body);
        assert_eq!((st, code(&v)), (403, "FORBIDDEN"), "{op}");
    }
    // The operations this change added, asked by the wrong actor: refused by
    // the permission table (a family device is neither staff, nor an
    // administrator, nor a kiosk, nor another household).
    for (op, body) in [
        ("staff_add", json!({ "name": "x", "role": "staff", "password": "abcdefgh1", "again": "abcdefgh1" })),
        ("setting_set", json!({ "key": "staff_session_secs", "value": "1200" })),
        ("fund_policy_set", json!({ "prefix": "31", "scenario": "pharmacy", "insurance": "resident", "deductible_fen": 0, "ratio_pct": 90 })),
        ("region_policy_set", json!({ "prefix": "31", "relations": ["child"] })),
        ("kiosk_register", json!({})),
        ("kiosk_list", json!({})),
        ("kiosk_login", json!({ "staff": l.clerk, "password": CLERK_PW })),
        ("kiosk_state", json!({})),
        ("document_review", json!({ "id": 1, "staff": l.clerk, "accept": true })),
        ("pay_password_set", json!({ "id": other, "password": "135790", "again": "135790" })),
        ("pay_password_is", json!({ "id": other })),
        ("person_reveal_id", json!({ "id": other })),
        ("binding_apply_member", json!({ "holder": other, "member": l.member, "relation": "child" })),
        ("premium_pay_amount", json!({ "payer": other, "beneficiary": l.member, "amount_fen": 100, "year": 2026 })),
        ("tx_csv", json!({ "family": other })),
        ("person_verify_face", json!({ "id": l.member, "staff": l.clerk })),
        ("binding_face_staff", json!({ "id": 1, "staff": l.clerk })),
    ] {
        let (st, v, _) = ask(op, body);
        assert!(st == 403 || st == 401 || st == 404, "{op}: {st} {v}");
        assert!(matches!(code(&v), "FORBIDDEN" | "NOT_LOGGED_IN" | "BINDING_NOT_FOUND" | "DOC_NOT_FOUND"), "{op}: {v}");
        if !matches!(op, "document_review" | "binding_face_staff") {
            assert!(matches!(code(&v), "FORBIDDEN" | "NOT_LOGGED_IN"), "{op}: {v}");
        }
    }
    assert_eq!(ask("who_am_i", json!({})).1, json!({ "kind": "household", "holder": l.member }));
    // A document's bytes travel as base64 on document_upload only, up to 20 MB.
    let pdf = |pad: usize| {
        let mut b = b"%PDF-1.4\n%".to_vec();
        b.extend(std::iter::repeat_n(b'x', pad));
        b.extend(b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
        qinqing_core::document::upload_bytes(&b).unwrap_or_else(|_| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(&b)
        })
    };
    let upload = |data: String| ask("document_upload", json!({ "person": l.member, "kind": "hukou", "data_base64": data }));
    let (st, v, _) = upload(pdf(1_500_000));
    assert_eq!((st, v["person_id"].as_i64()), (200, Some(l.member)), "{v}");
    let (st, v, _) = upload(pdf(21 << 20));
    assert_eq!((st, code(&v)), (422, "DOC_TOO_LARGE"));
    let (st, v, _) = upload("not base64 at all!".into());
    assert_eq!((st, code(&v)), (422, "DOC_CORRUPT"), "{v}");
    // Any other operation keeps the small limit.
    let (st, v, _) = ask("person_get", json!({ "id": l.member, "pad": "x".repeat(100_000) }));
    assert_eq!((st, code(&v)), (413, "REQUEST_TOO_LARGE"));
    // "Unpair this computer": its own device; after that it is refused.
    let (st, v, _) = ask("device_revoke", json!({ "id": d["id"] }));
    assert_eq!(st, 200, "{v}");
    let (st, v, _) = ask("person_get", json!({ "id": l.member }));
    assert_eq!((st, code(&v)), (401, "TOKEN_REVOKED"));
    // Guessing codes from one address is slowed down like passwords (10 free
    // failures, then growing waits).
    let mut limited = false;
    for _ in 0..12 {
        let (st, v, _) = pair(json!({ "code": "2345-6789" }));
        if st == 429 {
            assert_eq!(code(&v), "RATE_LIMITED");
            limited = true;
            break;
        }
        assert_eq!(code(&v), "PAIRING_CODE_INVALID");
    }
    assert!(limited, "after 10 wrong codes from one address the next one waits");
}

#[test]
fn a_family_computer_pairs_once_and_sees_only_its_household_on_sqlite() {
    pairing(false);
}

#[test]
fn a_family_computer_pairs_once_and_sees_only_its_household_on_postgresql() {
    if std::env::var("QINQING_TEST_POSTGRES").is_err() {
        eprintln!("QINQING_TEST_POSTGRES not set: PostgreSQL part skipped (scripts/test.sh sets it)");
        return;
    }
    pairing(true);
}

#[test]
fn a_slow_or_stalled_client_cannot_hold_the_server() {
    use std::io::{Read, Write};
    let l = ledger(false);
    let (child, addr) = common::spawn_server(&["--db", &l.db, "--listen", "127.0.0.1:0", "--request-timeout", "2"]);
    let s = Server { child, base: format!("http://{addr}") };
    let started = std::time::Instant::now();
    // Headers that never end: the connection is closed.
    let mut stalled = std::net::TcpStream::connect(&addr).unwrap();
    stalled.write_all(b"POST /api/v1/info HTTP/1.1\r\nHost: x\r\n").unwrap();
    // A body that never arrives in full: answered REQUEST_TIMEOUT.
    let mut trickle = std::net::TcpStream::connect(&addr).unwrap();
    trickle.write_all(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"staff\":").unwrap();
    // Meanwhile others are served.
    assert_eq!(call(&s, "GET", "/healthz", None, None).0, 200);
    for c in [&stalled, &trickle] {
        c.set_read_timeout(Some(std::time::Duration::from_secs(15))).unwrap();
    }
    let mut answer = String::new();
    trickle.read_to_string(&mut answer).ok();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    let mut rest = Vec::new();
    let n = stalled.read_to_end(&mut rest);
    assert!(n.is_ok(), "the stalled connection is closed, not left hanging: {n:?}");
    let took = started.elapsed().as_secs_f64();
    assert!(took < 10.0, "both ended after about 2 s, not {took:.1} s");
    assert_eq!(call(&s, "GET", "/healthz", None, None).0, 200);
}

fn kiosk_over_http(on_postgres: bool) {
    let l = ledger(on_postgres);
    let s = start(&l.db);
    let login = |who: i64, pw: &str| {
        call(&s, "POST", "/api/v1/login", None, Some(&json!({ "staff": who, "password": pw }).to_string())).1["token"].as_str().unwrap().to_string()
    };
    let admin = login(l.admin, ADMIN_PW);
    let clerk = login(l.clerk, CLERK_PW);
    // Only an administrator registers a kiosk; its key is shown once.
    let (st, v, _) = call(&s, "POST", "/api/v1/kiosk_register", Some(&clerk), Some(&json!({ "label": "大厅" }).to_string()));
    assert_eq!((st, code(&v)), (403, "FORBIDDEN"));
    let (st, k, _) = call(&s, "POST", "/api/v1/kiosk_register", Some(&admin), Some(&json!({ "label": "大厅" }).to_string()));
    assert_eq!((st, k["kind"].as_str()), (200, Some("kiosk")), "{k}");
    let kiosk = k["token"].as_str().unwrap().to_string();
    let ask = |op: &str, body: Value| call(&s, "POST", &format!("/api/v1/{op}"), Some(&kiosk), Some(&body.to_string()));
    // Nobody is logged in at it: reference data only.
    assert_eq!(ask("info", json!({})).0, 200);
    let (st, v, _) = ask("person_list", json!({}));
    assert_eq!((st, code(&v)), (401, "NOT_LOGGED_IN"));
    let (st, v, _) = ask("kiosk_state", json!({}));
    assert_eq!((st, v["staff"].clone()), (200, Value::Null));
    // Staff log in at the kiosk (the password checked, wrong ones counted toward the waits, by the same rules).
    let (st, v, _) = ask("kiosk_login", json!({ "staff": l.clerk, "password": "nope" }));
    assert_eq!((st, code(&v)), (422, "STAFF_PASSWORD_WRONG"));
    let (st, v, _) = ask("kiosk_login", json!({ "staff": l.clerk, "password": CLERK_PW }));
    assert_eq!((st, v["staff"]["id"].as_i64()), (200, Some(l.clerk)), "{v}");
    assert_eq!(ask("person_list", json!({})).0, 200, "staff at the kiosk see the register");
    // Serving a resident after the in-person check: that household only.
    let rid = with_check_char("31011520120101100");
    let (st, v, _) = ask("kiosk_start_resident", json!({ "resident_id": rid, "attested": false }));
    assert_eq!((st, code(&v)), (422, "RESIDENT_NOT_ATTESTED"));
    let (st, v, _) = ask("kiosk_start_resident", json!({ "resident_id": rid, "attested": true }));
    assert_eq!((st, v["resident"]["person_id"].as_i64()), (200, Some(l.member)), "{v}");
    let (st, p, _) = ask("pairing_start", json!({ "holder": l.member }));
    assert_eq!(st, 200, "{p}");
    let (st, v, _) = ask("pairing_start", json!({ "holder": l.member + 1000 }));
    assert_eq!((st, code(&v)), (403, "PAIRING_IN_PERSON"), "only the served resident's household");
    // Two kiosks do not share sessions.
    let other = call(&s, "POST", "/api/v1/kiosk_register", Some(&admin), Some("{}")).1["token"].as_str().unwrap().to_string();
    let (st, v, _) = call(&s, "POST", "/api/v1/person_list", Some(&other), Some("{}"));
    assert_eq!((st, code(&v)), (401, "NOT_LOGGED_IN"));
    // Ending the resident locks the staff log-in too: nobody again.
    let (st, v, _) = ask("kiosk_end_resident", json!({}));
    assert_eq!((st, v["staff"].clone()), (200, Value::Null));
    let (st, v, _) = ask("person_list", json!({}));
    assert_eq!((st, code(&v)), (401, "NOT_LOGGED_IN"));
    // A revoked kiosk key is refused with its own code.
    assert_eq!(call(&s, "POST", "/api/v1/device_revoke", Some(&admin), Some(&json!({ "id": k["id"] }).to_string())).0, 200);
    let (st, v, _) = ask("kiosk_state", json!({}));
    assert_eq!((st, code(&v)), (401, "TOKEN_REVOKED"));
}

#[test]
fn a_kiosk_works_through_the_server_with_its_own_sessions_on_sqlite() {
    kiosk_over_http(false);
}

#[test]
fn a_kiosk_works_through_the_server_with_its_own_sessions_on_postgresql() {
    if std::env::var("QINQING_TEST_POSTGRES").is_err() {
        eprintln!("QINQING_TEST_POSTGRES not set: PostgreSQL part skipped (scripts/test.sh sets it)");
        return;
    }
    kiosk_over_http(true);
}
