//! `qinqing-cli` as a user runs it: exit codes, JSON on stdout, JSON errors
//! on stderr, nothing stored on refusal, two processes writing at once.

mod common;
use qinqing_core::id::with_check_char;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_qinqing-cli");

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// A new database, made as a user makes one: `qinqing-cli init`.
fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = common::ledger(dir.path(), "t.db");
    let out = run(&path, &["init"]);
    assert!(out.status.success(), "init: {}", String::from_utf8_lossy(&out.stderr));
    Db { _dir: dir, path }
}

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("--db").arg(db).args(args).env_remove("QINQING_DB").output().unwrap()
}

fn ok_json(db: &Path, args: &[&str]) -> Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let out = run(db, &a);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON document ({e})"))
}

/// Runs a command expected to fail; returns (exit code, error object).
fn err_json(db: &Path, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let out = run(db, &a);
    assert!(out.stdout.is_empty(), "nothing on stdout on error: {}", String::from_utf8_lossy(&out.stdout));
    let v: Value =
        serde_json::from_slice(&out.stderr).unwrap_or_else(|e| panic!("{args:?}: stderr is not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v["error"].clone())
}

fn count(db: &Path) -> usize {
    ok_json(db, &["person", "list"]).as_array().unwrap().len()
}

#[test]
fn info_reports_schema_version_and_wal() {
    let d = db();
    let v = ok_json(&d.path, &["info"]);
    assert!(v["schema_version"].as_i64().unwrap() >= 1);
    assert_eq!(v["schema_version"], v["latest_schema_version"]);
    assert_eq!(v["persons"], 0);
    assert!(!v["server_version"].as_str().unwrap().is_empty());
    if common::on_postgres() {
        assert_eq!(v["backend"], "postgresql");
        assert!(v["db_path"].as_str().unwrap().starts_with("postgres://"), "{v}");
    } else {
        assert_eq!(v["backend"], "sqlite");
        assert_eq!(v["journal_mode"], "wal");
    }
}

#[test]
fn add_show_list_and_change_a_person() {
    let d = db();
    let id = with_check_char("11010519491231002");
    let added = ok_json(&d.path, &["person", "add", "--name", "李秀英", "--id", &id, "--insurance", "resident", "--region", "110105", "--balance", "150000"]);
    let pid = added["id"].as_i64().expect("JSON of add has an id");
    let pid_s = pid.to_string();

    let shown = ok_json(&d.path, &["person", "show", &pid_s]);
    assert_eq!(shown["name"], "李秀英");
    assert_eq!(shown["birth_date"], "1949-12-31");
    assert_eq!(shown["gender"], "female");
    let balance_key = shown.as_object().unwrap().keys().find(|k| k.contains("balance") && shown[k.as_str()].is_i64()).cloned();
    assert_eq!(shown[balance_key.expect("a balance key in fen").as_str()], 150_000);

    let list = ok_json(&d.path, &["person", "list"]);
    let row = &list[0];
    assert_eq!(row["resident_id_masked"], format!("1101**********{}", &id[14..]));
    assert!(!list.to_string().contains(&id), "full ID must not appear in the list");

    ok_json(&d.path, &["person", "activate", &pid_s]);
    ok_json(&d.path, &["person", "set-status", &pid_s, "suspended"]);
    ok_json(&d.path, &["person", "set-balance", &pid_s, "99"]);
    let shown = ok_json(&d.path, &["person", "show", &pid_s]);
    assert_eq!(shown["voucher_activated"], true);
    assert_eq!(shown["status"], "suspended");
    assert_eq!(shown["balance_fen"], 99);

    // Plain output prints the id alone for scripts.
    let id2 = with_check_char("31011520150601004");
    let out = run(&d.path, &["person", "add", "--name", "张子涵", "--id", &id2, "--insurance", "resident", "--region", "310115"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().trim().parse::<i64>().is_ok());

    // Every change is in the audit trail.
    let audit = ok_json(&d.path, &["audit", "list", "--person", &pid_s]);
    assert!(audit.as_array().unwrap().len() >= 4, "{audit}");
}

#[test]
fn refusals_exit_3_with_a_code_and_store_nothing() {
    let d = db();
    let good = with_check_char("11010519491231002");
    let mut bad = good.clone();
    bad.pop();
    bad.push('1');
    let (code, e) = err_json(&d.path, &["person", "add", "--name", "李四", "--id", &bad, "--insurance", "resident", "--region", "11"]);
    assert_eq!(code, 3);
    assert_eq!(e["code"], "ID_CHECKSUM");
    assert!(e["message"].as_str().unwrap().contains("校验位"), "Chinese by default: {e}");
    let (_, e_en) = err_json(&d.path, &["--lang", "en", "person", "add", "--name", "李四", "--id", &bad, "--insurance", "resident", "--region", "11"]);
    assert!(e_en["message"].as_str().unwrap().contains("check character"), "{e_en}");

    for (id, want) in [
        ("1101051949123100", "ID_LENGTH"),
        ("11010519491231002a", "ID_CHARSET"),
        (&with_check_char("11010519490231002")[..], "ID_BIRTH_DATE_INVALID"),
        (&with_check_char("11010520991231002")[..], "ID_BIRTH_DATE_FUTURE"),
    ] {
        let (code, e) = err_json(&d.path, &["person", "add", "--name", "王五", "--id", id, "--insurance", "resident", "--region", "11"]);
        assert_eq!((code, e["code"].as_str().unwrap()), (3, want), "{id}");
    }
    let (_, e) = err_json(&d.path, &["person", "add", "--name", "王五", "--id", &good, "--insurance", "nope", "--region", "11"]);
    assert_eq!(e["code"], "INSURANCE_INVALID");
    let (_, e) = err_json(&d.path, &["person", "add", "--name", "王五", "--id", &good, "--insurance", "resident", "--region", "11", "--balance", "-5"]);
    assert_eq!(e["code"], "AMOUNT_NEGATIVE");
    assert_eq!(count(&d.path), 0, "a refused add stores nothing");

    ok_json(&d.path, &["person", "add", "--name", "王五", "--id", &good, "--insurance", "resident", "--region", "11"]);
    let (code, e) = err_json(&d.path, &["person", "add", "--name", "另一个", "--id", &good, "--insurance", "employee", "--region", "31"]);
    assert_eq!((code, e["code"].as_str().unwrap()), (3, "PERSON_DUPLICATE_ID"));
    let (code, e) = err_json(&d.path, &["person", "show", "999"]);
    assert_eq!((code, e["code"].as_str().unwrap()), (3, "PERSON_NOT_FOUND"));
    let (_, e) = err_json(&d.path, &["person", "set-status", "1", "dead"]);
    assert_eq!(e["code"], "STATUS_INVALID");
    assert_eq!(count(&d.path), 1);
    assert_eq!(ok_json(&d.path, &["person", "show", "1"])["status"], "active", "refused change left the row as it was");
}

#[test]
fn usage_errors_exit_2() {
    let d = db();
    let (code, e) = err_json(&d.path, &["person", "add", "--name", "x"]);
    assert_eq!(code, 2);
    assert_eq!(e["code"], "USAGE");
    let out = run(&d.path, &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hostile_names_are_stored_literally_and_control_chars_refused() {
    let d = db();
    let script = "<script>alert('x')</script>";
    let v =
        ok_json(&d.path, &["person", "add", "--name", script, "--id", &with_check_char("44030519991231052"), "--insurance", "resident", "--region", "440305"]);
    assert_eq!(v["name"], script);
    let (code, e) = err_json(
        &d.path,
        &["person", "add", "--name", "a\u{7}b", "--id", &with_check_char("44030519991231060"), "--insurance", "resident", "--region", "440305"],
    );
    assert_eq!((code, e["code"].as_str().unwrap()), (3, "NAME_INVALID_CHAR"));
    let (_, e) = err_json(
        &d.path,
        &["person", "add", "--name", &"长".repeat(200), "--id", &with_check_char("44030519991231060"), "--insurance", "resident", "--region", "440305"],
    );
    assert_eq!(e["code"], "NAME_TOO_LONG");
    assert_eq!(count(&d.path), 1);
}

/// `demo seed` as a test means it: on PostgreSQL (a centre's shared
/// ledger) only with `--force-demo`.
fn demo_seed() -> &'static [&'static str] {
    if common::on_postgres() {
        &["demo", "seed", "--force-demo"]
    } else {
        &["demo", "seed"]
    }
}

#[test]
fn demo_seed_gives_a_family_and_is_idempotent() {
    let d = db();
    ok_json(&d.path, demo_seed());
    ok_json(&d.path, demo_seed());
    let list = ok_json(&d.path, &["person", "list"]);
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for n in ["张建国", "李秀英", "张伟", "王芳", "张子涵", "张雨桐"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let kinds: std::collections::HashSet<&str> = list.as_array().unwrap().iter().map(|p| p["insurance"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 2, "both insurance types");
    let regions: std::collections::HashSet<&str> = list.as_array().unwrap().iter().map(|p| p["region"]["code"].as_str().unwrap()).collect();
    assert!(regions.len() >= 2, "different regions: {regions:?}");
    assert_eq!(names.len(), ok_json(&d.path, &["info"])["persons"].as_u64().unwrap() as usize);
}

/// Issue 31: the demo's staff password is published, so its people go only
/// into a demo ledger — never one on PostgreSQL or with staff of its own,
/// unless `--force-demo` says so.
#[test]
fn demo_seed_refuses_a_centre_ledger_unless_forced() {
    let d = db();
    if common::on_postgres() {
        let (code, e) = err_json(&d.path, &["demo", "seed"]);
        assert_eq!((code, e["code"].as_str()), (3, Some("DEMO_REFUSED")), "{e}");
        assert!(e["message_en"].as_str().unwrap().contains("PostgreSQL") && e["message_en"].as_str().unwrap().contains("--force-demo"), "{e}");
        assert_eq!(count(&d.path), 0, "nothing added");
    } else {
        assert!(run(&d.path, &["init"]).status.success());
        let out = run_stdin(&d.path, &["--json", "staff", "add", "--name", "小李", "--role", "admin"], "centre-pass-1\ncentre-pass-1\n");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let (code, e) = err_json(&d.path, &["demo", "seed"]);
        assert_eq!((code, e["code"].as_str()), (3, Some("DEMO_REFUSED")), "{e}");
        assert!(e["message_en"].as_str().unwrap().contains("staff accounts"), "{e}");
        assert_eq!(count(&d.path), 0, "nothing added");
    }
    ok_json(&d.path, &["demo", "seed", "--force-demo"]);
    assert!(count(&d.path) >= 6, "forced, it seeds");
}

#[test]
fn qinqing_db_env_selects_the_database() {
    let d = db();
    let out = Command::new(BIN).arg("--json").args(demo_seed()).env("QINQING_DB", &d.path).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(count(&d.path) >= 6);
}

#[test]
fn id_check_reads_stdin_and_reports_each_line() {
    let d = db();
    let good = with_check_char("34010419821108017");
    let mut input = String::new();
    for i in 0..100_000 {
        if i % 10 == 0 {
            input.push_str("34010419821108017Z\n");
        } else {
            input.push_str(&good);
            input.push('\n');
        }
    }
    let mut child =
        Command::new(BIN).args(["--db", d.path.to_str().unwrap(), "id", "check", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(3), "some were invalid");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 100_000);
    assert_eq!(lines.iter().filter(|l| l.contains("\tvalid\t1982-11-08\tmale")).count(), 90_000);
    assert_eq!(lines.iter().filter(|l| l.contains("\tinvalid\tID_CHARSET")).count(), 10_000);

    let v = ok_json(&d.path, &["id", "check", &good]);
    assert_eq!(v[0]["result"], "valid");
    assert_eq!(v[0]["birth_date"], "1982-11-08");
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let d = db();
    ok_json(&d.path, &["info"]); // create and migrate first
    let spawn = |prefix: &'static str| {
        let path = d.path.clone();
        std::thread::spawn(move || {
            for i in 0..15 {
                let id = with_check_char(&format!("{prefix}{:03}", i * 2 + 1));
                let out = run(&path, &["--json", "person", "add", "--name", "并发", "--id", &id, "--insurance", "resident", "--region", "310115"]);
                assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            }
        })
    };
    let a = spawn("31011519800101");
    let b = spawn("31011519900101");
    a.join().unwrap();
    b.join().unwrap();
    assert_eq!(count(&d.path), 30);
    let audit = ok_json(&d.path, &["audit", "list", "--limit", "1000"]);
    assert_eq!(audit.as_array().unwrap().len(), 30, "one audit entry per add");
}

fn run_stdin(db: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN).arg("--db").arg(db).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn bind_a_child_through_the_cli_and_refuse_a_sixth_member() {
    let d = db();
    for (name, id17, region) in [("张伟", "34010419821108017", "310115"), ("张子涵", "31011520140910013", "310115")] {
        let id = with_check_char(id17);
        ok_json(&d.path, &["person", "add", "--name", name, "--id", &id, "--insurance", "resident", "--region", region, "--voucher-activated"]);
    }
    // Staff: the password is read twice from stdin and stored only as a hash.
    let out = run_stdin(&d.path, &["--json", "staff", "add", "--name", "陈主任", "--role", "staff"], "counter-pass\ncounter-pass\n");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sid = serde_json::from_slice::<Value>(&out.stdout).unwrap()["id"].as_i64().unwrap().to_string();
    let out = run_stdin(&d.path, &["--json", "staff", "add", "--name", "x", "--role", "staff"], "counter-pass\ndifferent\n");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(ok_json(&d.path, &["staff", "list"]).as_array().unwrap().len(), 1);

    let people = ok_json(&d.path, &["person", "list"]);
    let pid = |name: &str| people.as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["id"].as_i64().unwrap().to_string();
    let (holder, child) = (pid("张伟"), pid("张子涵"));
    let app = ok_json(&d.path, &["bind", "apply", "--holder", &holder, "--member", &child, "--relation", "child"]);
    let app_id = app["id"].as_i64().unwrap().to_string();
    assert_eq!(app["status"], "draft");
    let (code, e) = err_json(&d.path, &["bind", "submit", &app_id]);
    assert_eq!((code, e["code"].as_str().unwrap()), (3, "BINDING_INCOMPLETE"));
    let png = d._dir.path().join("birth.png");
    std::fs::write(&png, qinqing_core::docstore::sample_png(1, 64, 48).unwrap()).unwrap();
    let docu = ok_json(&d.path, &["doc", "add", "--person", &child, "--kind", "birth_certificate", png.to_str().unwrap()]);
    ok_json(&d.path, &["bind", "attach", &app_id, "--doc", &docu["id"].as_i64().unwrap().to_string()]);
    ok_json(&d.path, &["bind", "sign", &app_id]);
    assert_eq!(ok_json(&d.path, &["bind", "submit", &app_id])["status"], "submitted");
    let (code, e) = err_json(&d.path, &["bind", "approve", &app_id, "--staff", "99"]);
    assert_eq!((code, e["code"].as_str().unwrap()), (3, "STAFF_NOT_FOUND"));
    assert_eq!(ok_json(&d.path, &["bind", "approve", &app_id, "--staff", &sid])["status"], "active");
    let (code, _) = err_json(&d.path, &["bind", "verify-face", &app_id]);
    assert_eq!(code, 2, "--staff or --evidence is required");
    let active = ok_json(&d.path, &["bind", "list", "--holder", &holder, "--status", "active"]);
    assert_eq!(active.as_array().unwrap().len(), 1);

    // Four more adults, then a sixth member is refused.
    for i in 0..5 {
        let id = with_check_char(&format!("3101152000010{}011", i + 1));
        let m = ok_json(
            &d.path,
            &["person", "add", "--name", &format!("成员{i}"), "--id", &id, "--insurance", "resident", "--region", "310115", "--voucher-activated"],
        );
        let m = m["id"].as_i64().unwrap().to_string();
        if i == 4 {
            let (code, e) = err_json(&d.path, &["bind", "apply", "--holder", &holder, "--member", &m, "--relation", "child"]);
            assert_eq!((code, e["code"].as_str().unwrap()), (3, "HOLDER_CAP_REACHED"));
            break;
        }
        let a = ok_json(&d.path, &["bind", "apply", "--holder", &holder, "--member", &m, "--relation", "child"])["id"].as_i64().unwrap().to_string();
        let img = d._dir.path().join(format!("hukou{i}.png"));
        std::fs::write(&img, qinqing_core::docstore::sample_png(10 + i, 64, 48).unwrap()).unwrap();
        let hr = ok_json(&d.path, &["doc", "add", "--person", &m, "--kind", "hukou", img.to_str().unwrap()])["id"].as_i64().unwrap().to_string();
        ok_json(&d.path, &["bind", "attach", &a, "--doc", &hr]);
        ok_json(&d.path, &["bind", "verify-face", &a, "--staff", &sid]);
        ok_json(&d.path, &["bind", "sign", &a]);
        ok_json(&d.path, &["bind", "submit", &a]);
        ok_json(&d.path, &["bind", "approve", &a, "--staff", &sid]);
    }
    // Only the holder unbinds.
    let (code, e) = err_json(&d.path, &["bind", "unbind", &app_id, "--by", &child]);
    assert_eq!((code, e["code"].as_str().unwrap()), (3, "BINDING_NOT_HOLDER"));
    assert_eq!(ok_json(&d.path, &["bind", "unbind", &app_id, "--by", &holder])["status"], "unbound");
}

/// Issue 19 §4b: a mistyped database path is refused with its own code and
/// creates nothing; a file that is not a database has its own code too.
#[test]
fn a_mistyped_database_path_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("no/such/dir/qinqing.db");
    for args in [&["person", "list"][..], &["info"], &["settlements"], &["bind", "list"]] {
        let (code, err) = err_json(&typo, args);
        assert_eq!(code, 3, "{args:?}");
        assert_eq!(err["code"], "DB_MISSING", "{args:?}: {err}");
    }
    assert!(!dir.path().join("no").exists(), "no directory was created");
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "shopping list: rice, tea").unwrap();
    let (code, err) = err_json(&text, &["person", "list"]);
    assert_eq!((code, err["code"].as_str()), (3, Some("DB_NOT_DATABASE")), "{err}");
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "shopping list: rice, tea", "the file is untouched");
    // An empty file is not a ledger either (SQLite alone would make one of it).
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let (code, err) = err_json(&empty, &["person", "list"]);
    assert_eq!((code, err["code"].as_str()), (3, Some("DB_NOT_DATABASE")), "{err}");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "the empty file is untouched");
    // restore from a mistyped backup path makes no database.
    let target = dir.path().join("restored/qinqing.db");
    let (code, err) = err_json(&target, &["restore", dir.path().join("no-such-backup.db").to_str().unwrap()]);
    assert_eq!((code, err["code"].as_str()), (3, Some("BACKUP_FAILED")), "{err}");
    assert!(err["message"].as_str().unwrap_or_default().contains("请检查路径"), "tells what to do: {err}");
    assert!(!dir.path().join("restored").exists(), "nothing was created for a backup that is not there");
    // init (and demo seed, restore) create one.
    let fresh = dir.path().join("new/qinqing.db");
    assert!(run(&fresh, &["init"]).status.success());
    assert!(run(&fresh, &["person", "list"]).status.success());
}

/// A `postgres://` URL is never a file name: a server that is not there, a
/// malformed URL, a database without Qinqing's tables — each its own clear
/// refusal, the password never echoed, no file or directory created.
#[test]
fn a_postgres_url_is_never_a_file_and_its_password_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let cases =
        ["postgres://qq:s3cret-pw@127.0.0.1:1/ledger", "postgresql://qq:s3cret-pw@127.0.0.1:1/ledger", "postgres://qq:s3cret-pw@127.0.0.1:notaport/ledger"];
    for url in cases {
        for args in [&["info"][..], &["person", "list"][..], &["init"][..], &["demo", "seed"][..]] {
            let mut a = vec!["--json", "--db", url];
            a.extend_from_slice(args);
            let out = Command::new(BIN).args(&a).current_dir(cwd).env_remove("QINQING_DB").output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{url} {args:?}: {err}");
            let v: Value = serde_json::from_str(&err).unwrap();
            assert_eq!(v["error"]["code"], "DB_OPEN", "{url} {args:?}");
            assert!(!err.contains("s3cret-pw"), "the password is never shown: {err}");
            assert!(v["error"]["message_en"].as_str().unwrap().contains("Check the address"), "{err}");
            assert!(out.stdout.is_empty());
        }
        assert_eq!(std::fs::read_dir(cwd).unwrap().count(), 0, "{url}: nothing created in the working directory");
    }
}

/// `export --to URL` moves the ledger into an empty PostgreSQL database and
/// says what it checked; a file path or a database that holds a ledger is
/// refused with its own code.
#[test]
fn export_moves_the_ledger_into_an_empty_postgresql_database() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::ledger(dir.path(), "centre.db");
    assert!(run(&src, demo_seed()).status.success());
    let (code, e) = err_json(&src, &["export", "--to", dir.path().join("copy.db").to_str().unwrap()]);
    assert_eq!((code, e["code"].as_str().unwrap()), (3, "EXPORT_TARGET_INVALID"));
    assert!(!dir.path().join("copy.db").exists());
    let Ok(base) = std::env::var("QINQING_TEST_POSTGRES") else { return };
    let target = qinqing_core::pg::fresh_test_database(&base).unwrap();
    let r = ok_json(&src, &["export", "--to", &target]);
    assert_eq!(r["verified"], true);
    assert_eq!(r["documents"].as_i64(), Some(4));
    let people = ok_json(Path::new(&target), &["person", "list"]);
    assert_eq!(people.as_array().unwrap().len(), 7, "the demo family, on the other side");
    let (code, e) = err_json(&src, &["export", "--to", &target]);
    assert_eq!((code, e["code"].as_str().unwrap()), (3, "EXPORT_TARGET_NOT_EMPTY"));
}

#[test]
fn terminal_keys_are_issued_once_listed_without_the_key_and_revoked_and_staff_log_in() {
    let d = db();
    let inst = ok_json(&d.path, &["institution", "add", "--name", "社区药房", "--region", "310115", "--designated"])[0]["id"].as_i64().unwrap();
    let t = ok_json(&d.path, &["terminal", "add", "--institution", &inst.to_string(), "--label", "收费处 1"]);
    let key = t["key"].as_str().unwrap();
    assert!(key.starts_with("qqt_") && key.len() == 56, "{key}");
    assert_eq!(t["institution_id"].as_i64(), Some(inst));
    let list = ok_json(&d.path, &["terminal", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("key").is_none(), "the key is shown once");
    let (code, e) = err_json(&d.path, &["terminal", "add", "--institution", "9999"]);
    assert_eq!((code, e["code"].as_str()), (3, Some("INSTITUTION_NOT_FOUND")));
    let id = t["id"].as_i64().unwrap().to_string();
    assert!(ok_json(&d.path, &["terminal", "revoke", &id])[0]["revoked_at"].is_string());
    let (code, e) = err_json(&d.path, &["terminal", "revoke", "9999"]);
    assert_eq!((code, e["code"].as_str()), (3, Some("TERMINAL_NOT_FOUND")));
    // Staff log in with the password on stdin: a session token.
    let out = run_stdin(&d.path, &["staff", "add", "--name", "陈主任", "--role", "admin"], "centre-pass-1\ncentre-pass-1\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run_stdin(&d.path, &["--json", "login", "--staff", "1"], "centre-pass-1\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(s["token"].as_str().unwrap().starts_with("qqs_"));
    let out = run_stdin(&d.path, &["--json", "login", "--staff", "1"], "wrong-pass\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("STAFF_PASSWORD_WRONG"));
}

#[test]
fn an_explicit_db_is_local_even_with_a_server_in_the_environment_and_both_flags_are_a_usage_error() {
    let d = db();
    let out = Command::new(BIN).arg("--db").arg(&d.path).args(["--json", "info"]).env("QINQING_SERVER", "http://127.0.0.1:9").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(BIN).arg("--db").arg(&d.path).args(["--server", "http://127.0.0.1:9", "--json", "info"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not both"));
    // A server that is not there: its own code, exit 1, nothing run locally.
    let out = Command::new(BIN).args(["--server", "http://127.0.0.1:9", "--json", "info"]).env_remove("QINQING_DB").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SERVER_UNREACHABLE"));
}

#[test]
fn verbose_logs_each_operation_to_stderr_without_personal_data() {
    let d = db();
    ok_json(&d.path, &["person", "add", "--name", "赵六", "--id", &with_check_char("11010519491231002"), "--insurance", "resident", "--region", "110105"]);
    let out = run(&d.path, &["-v", "person", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("op=\"person_list\"") && err.contains("ms="), "{err}");
    assert!(!err.contains("赵六") && !err.contains("11010519491231"), "no name or ID in the log: {err}");
    assert!(!err.contains('\u{1b}'), "no colour codes when stderr is not a terminal");
    let out = run(&d.path, &["-v", "person", "show", "999"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("code=\"PERSON_NOT_FOUND\""), "{err}");
    // Every command is one line too, also those that call no operation
    // (init) and those refused before one (a mistyped path).
    let out = run(&d.path, &["-v", "init"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.contains("command=\"init\"") && err.contains("command done"), "{err}");
    let elsewhere = tempfile::tempdir().unwrap();
    let typo = elsewhere.path().join("typo/q.db");
    let out = run(&typo, &["-v", "person", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("command=\"person list\"") && err.contains("code=\"DB_MISSING\""), "{err}");
    let line = err.lines().find(|l| l.contains("command=")).unwrap_or_default();
    assert!(!line.contains("typo"), "no argument in the log line: {line}");
    // Without -v, nothing but the error itself.
    let out = run(&d.path, &["person", "list"]);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Long work shows its progress (a rate and an estimate) on a terminal only:
/// not in a pipe, not with --json. The terminal is `script`'s (util-linux).
#[cfg(target_os = "linux")]
#[test]
fn long_work_shows_progress_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let on_terminal = |args: &str| -> String {
        let cmd = format!("{BIN} --db {} {args}", dir.path().join(format!("{}.db", args.len())).display());
        let out = Command::new("script").args(["-qfec", &cmd, "/dev/null"]).env_remove("QINQING_DB").output().expect("script (util-linux)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).replace('\r', "\n")
    };
    let shown = on_terminal("demo seed --families 50 --transactions 30000");
    assert!(shown.contains("settlements") && shown.contains("/s") && shown.contains("eta"), "{shown}");
    let json = on_terminal("--json demo seed --families 50 --transactions 30001");
    assert!(!json.contains("eta"), "nothing but JSON with --json: {json}");
    let path = dir.path().join("piped.db");
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&path)
        .args(["demo", "seed", "--families", "50", "--transactions", "30000"])
        .env_remove("QINQING_DB")
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "nothing on a pipe: {}", String::from_utf8_lossy(&out.stderr));
    // --transactions alone would do nothing: it needs --families.
    let out = Command::new(BIN)
        .arg("--db")
        .arg(dir.path().join("alone.db"))
        .args(["demo", "seed", "--transactions", "10"])
        .env_remove("QINQING_DB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--families"), "{}", String::from_utf8_lossy(&out.stderr));
    // Backup and restore of that ledger show how many pages are copied.
    let backup = dir.path().join("piped-backup.db");
    for args in [
        format!("--db {} backup {} --passphrase-stdin", path.display(), backup.display()),
        format!("--db {} restore {} --passphrase-stdin", dir.path().join("back.db").display(), backup.display()),
    ] {
        let mut child = Command::new("script")
            .args(["-qfec", &format!("{BIN} {args}"), "/dev/null"])
            .env_remove("QINQING_DB")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("script (util-linux)");
        child.stdin.take().unwrap().write_all("the backup passphrase\n".as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let shown = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
        assert!(out.status.success(), "{args}: {shown}");
        assert!(shown.contains("pages") && shown.contains("eta"), "{args}: {shown}");
    }
}

/// Issue 35: `backup --passphrase-stdin` writes an encrypted file that
/// `restore --passphrase-stdin` takes on "another computer" (another place,
/// another key); a wrong passphrase creates nothing; no passphrase, no backup.
#[test]
fn an_encrypted_backup_restores_elsewhere_with_its_passphrase_only() {
    if common::on_postgres() {
        return; // a shared ledger's backups are PostgreSQL's own
    }
    let d = db();
    ok_json(&d.path, &["demo", "seed"]);
    let people = count(&d.path);
    let out = d._dir.path().join("family.backup");
    let made = run_stdin(&d.path, &["--json", "backup", out.to_str().unwrap(), "--passphrase-stdin"], "一家人的口令-2026\n");
    assert_eq!(made.status.code(), Some(0), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(std::fs::read(&out).unwrap().starts_with(b"age-encryption.org/v1\n"));
    // Without a passphrase there is no backup.
    let bare = d._dir.path().join("bare.backup");
    let (code, err) = err_json(&d.path, &["backup", bare.to_str().unwrap()]);
    assert_eq!((code, err["code"].as_str()), (3, Some("BACKUP_PASSPHRASE_MISSING")), "{err}");
    assert!(!bare.exists());

    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("restored/qinqing.db");
    let wrong = run_stdin(&target, &["--json", "restore", out.to_str().unwrap(), "--passphrase-stdin"], "not the passphrase\n");
    assert_eq!(wrong.status.code(), Some(3));
    let err: Value = serde_json::from_slice(&wrong.stderr).unwrap();
    assert_eq!(err["error"]["code"], "BACKUP_PASSPHRASE_WRONG", "{err}");
    assert!(!elsewhere.path().join("restored").exists(), "a wrong passphrase creates nothing");
    let right = run_stdin(&target, &["--json", "restore", out.to_str().unwrap(), "--passphrase-stdin"], "一家人的口令-2026\n");
    assert_eq!(right.status.code(), Some(0), "{}", String::from_utf8_lossy(&right.stderr));
    assert_eq!(count(&target), people);
}
