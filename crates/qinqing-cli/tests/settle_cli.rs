//! Settlement through `qinqing-cli` by several OS processes at once, and a
//! kill -9 in the middle of a stream of settlements.

mod common;
use qinqing_core::id::with_check_char;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_qinqing-cli");

/// The member's payment password; stdin always carries it (twice, for
/// `set-pay-password`; `--pay-password-stdin` reads the first line).
const PAY: &str = "135790";

fn cli(db: &Path, args: &[&str]) -> (i32, Value, String) {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .arg("--json")
        .args(args)
        .env_remove("QINQING_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(format!("{PAY}\n{PAY}\n").as_bytes());
    let out = child.wait_with_output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn ok(db: &Path, args: &[&str]) -> Value {
    let (code, v, err) = cli(db, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    v
}

/// A child (no face check needed) with ¥1,000 of his own, and a pharmacy.
fn setup(db: &Path) -> i64 {
    ok(db, &["init"]);
    let id = with_check_char("31011520140910013");
    let p = ok(
        db,
        &["person", "add", "--name", "张子涵", "--id", &id, "--insurance", "resident", "--region", "310115", "--balance", "100000", "--voucher-activated"],
    );
    ok(db, &["person", "set-pay-password", &p["id"].as_i64().unwrap().to_string()]);
    ok(db, &["institution", "add", "--name", "药房", "--region", "310115", "--designated"]);
    p["id"].as_i64().unwrap()
}

fn balance(db: &Path, p: i64) -> i64 {
    ok(db, &["person", "show", &p.to_string()])["balance_fen"].as_i64().unwrap()
}

/// Every settlement's legs sum to its total, and the member's money that
/// left equals the own-account legs.
fn assert_consistent(db: &Path, member: i64, start: i64) -> usize {
    let list = ok(db, &["settlements", "--limit", "10000"]);
    let list = list.as_array().unwrap();
    let mut own = 0;
    for s in list {
        let legs = s["legs"].as_array().unwrap();
        assert!(!legs.is_empty(), "a settlement without legs: {s}");
        let sum: i64 = legs.iter().map(|l| l["amount"].as_i64().unwrap()).sum();
        assert_eq!(sum, s["total_fen"].as_i64().unwrap(), "legs sum to the total");
        own += legs.iter().filter(|l| l["source"] == "own_account").map(|l| l["amount"].as_i64().unwrap()).sum::<i64>();
    }
    assert_eq!(start - balance(db, member), own, "money neither created nor lost");
    list.len()
}

#[test]
fn two_processes_settling_the_same_bills_charge_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "s.db");
    let member = setup(&db);
    let m = member.to_string();
    let bills: Vec<(String, String)> =
        (0..12).map(|i| (ok(&db, &["qr", "issue", "--member", &m])["token"].as_str().unwrap().to_string(), format!("BILL-{i}"))).collect();
    let run = |order: Vec<(String, String)>, db: std::path::PathBuf| {
        std::thread::spawn(move || {
            order
                .iter()
                .map(|(t, b)| {
                    let (code, v, err) = cli(
                        &db,
                        &["settle", "--pay-password-stdin", "--code", t, "--institution", "1", "--scenario", "pharmacy", "--total", "1234", "--bill", b],
                    );
                    assert_eq!(code, 0, "{b}: {err}");
                    assert!(!err.contains("locked"), "raw SQLite error reached the user: {err}");
                    (b.clone(), v["id"].as_i64().unwrap())
                })
                .collect::<std::collections::HashMap<_, _>>()
        })
    };
    let mut reversed = bills.clone();
    reversed.reverse();
    let a = run(bills.clone(), db.clone());
    let b = run(reversed, db.clone());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!(a, b, "both processes got the same settlement for every bill");
    assert_eq!(assert_consistent(&db, member, 100_000), 12);
    assert_eq!(balance(&db, member), 100_000 - 12 * 1234);
}

// A shell, process groups and kill(1): Unix only.
#[cfg(unix)]
#[test]
fn kill_9_in_a_stream_of_settlements_leaves_a_consistent_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "k.db");
    let member = setup(&db);
    let m = member.to_string();
    let tokens: Vec<String> = (0..200).map(|_| ok(&db, &["qr", "issue", "--member", &m])["token"].as_str().unwrap().to_string()).collect();
    // A shell settles them one after another; it is killed -9 (with the
    // settlement in flight) part-way through.
    let mut script = String::new();
    for (i, t) in tokens.iter().enumerate() {
        script.push_str(&format!(
            "echo {PAY} | '{BIN}' --db '{}' settle --pay-password-stdin --code {t} --institution 1 --scenario pharmacy --total 999 --bill K-{i} >/dev/null 2>&1\n",
            db.display()
        ));
    }
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("sh").arg("-c").arg(&script).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0).spawn().unwrap();
    // Wait until some have gone through, then kill in the middle of the stream.
    let q = qinqing_core::Qinqing::open(&db).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while q.list_settlements(None, 100).unwrap().len() < 10 {
        assert!(std::time::Instant::now() < deadline, "the stream did not start");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // Kill the shell and the qinqing-cli it is running right now, at once
    // (its own process group).
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
    let _ = child.wait();
    let done = assert_consistent(&db, member, 100_000);
    assert!(done < 200, "the stream was interrupted ({done} settled)");
    // The ledger still works: the rest settle normally, each once.
    for (i, t) in tokens.iter().enumerate() {
        let (code, v, err) = cli(
            &db,
            &["settle", "--pay-password-stdin", "--code", t, "--institution", "1", "--scenario", "pharmacy", "--total", "999", "--bill", &format!("K-{i}")],
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(v["replayed"].as_bool(), Some(i < done), "K-{i}");
    }
    assert_eq!(assert_consistent(&db, member, 100_000), 200);
}
