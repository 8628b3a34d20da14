//! Issue 13's wrong answers, each in the exact scenario it was found in,
//! through `qinqing-cli` on scratch databases.

mod common;
use qinqing_core::id::with_check_char;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_qinqing-cli");

/// Every test person's payment password; stdin always carries it (twice, for
/// `set-pay-password`; `--pay-password-stdin` reads the first line).
const PAY: &str = "135790";

fn cli(db: &Path, args: &[&str]) -> (i32, Value, String, String) {
    cli_in(db, args, &format!("{PAY}\n{PAY}\n"))
}

/// [`cli`] with this on standard input.
fn cli_in(db: &Path, args: &[&str], stdin: &str) -> (i32, Value, String, String) {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("QINQING_DB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn ok(db: &Path, args: &[&str]) -> Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let (code, v, _, err) = cli(db, &a);
    assert_eq!(code, 0, "{args:?}: {err}");
    v
}

/// Refused with exit 3 and this error code (JSON on stderr).
fn refused(db: &Path, args: &[&str], want: &str) -> String {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let (code, _, out, err) = cli(db, &a);
    assert_eq!(code, 3, "{args:?}: {out} {err}");
    let e: Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(e["error"]["code"], want, "{args:?}: {err}");
    assert!(out.trim().is_empty(), "nothing on stdout for a refusal: {out}");
    err
}

fn person(db: &Path, name: &str, id17: &str, ins: &str, region: &str, balance: i64) -> String {
    let id = with_check_char(id17);
    let b = balance.to_string();
    let pid = ok(db, &["person", "add", "--name", name, "--id", &id, "--insurance", ins, "--region", region, "--balance", &b, "--voucher-activated"])["id"]
        .as_i64()
        .unwrap()
        .to_string();
    ok(db, &["person", "set-pay-password", &pid]);
    pid
}

fn token(db: &Path, member: &str, now: &str) -> String {
    ok(db, &["--now", now, "qr", "issue", "--member", member])["token"].as_str().unwrap().to_string()
}

const T0: &str = "2026-03-10T02:00:00Z";

#[test]
fn a_bill_number_reused_for_another_patient_is_refused_not_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let a = person(&db, "张子涵", "31011520140910013", "resident", "310115", 100_000);
    let b = person(&db, "李小雨", "31011520160101022", "resident", "310115", 100_000);
    ok(&db, &["institution", "add", "--name", "药房", "--region", "310115", "--designated"]);
    let ta = token(&db, &a, T0);
    let first = ok(
        &db,
        &["--now", T0, "settle", "--pay-password-stdin", "--code", &ta, "--institution", "1", "--scenario", "pharmacy", "--total", "5000", "--bill", "B-1"],
    );
    assert_eq!(first["replayed"], false);
    let tb = token(&db, &b, T0);
    let err = refused(
        &db,
        &["--now", T0, "settle", "--pay-password-stdin", "--code", &tb, "--institution", "1", "--scenario", "pharmacy", "--total", "5000", "--bill", "B-1"],
        "BILL_CONFLICT",
    );
    assert!(!err.contains("张子涵"), "no other patient's data: {err}");
    assert_eq!(ok(&db, &["person", "show", &b])["balance_fen"], 100_000, "the second patient was not charged");
    assert_eq!(ok(&db, &["settlements"]).as_array().unwrap().len(), 1);
}

#[test]
fn a_code_does_not_pay_89_seconds_after_issue() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let a = person(&db, "张子涵", "31011520140910013", "resident", "310115", 100_000);
    ok(&db, &["institution", "add", "--name", "药房", "--region", "310115", "--designated"]);
    let t = token(&db, &a, T0);
    refused(
        &db,
        &[
            "--now",
            "2026-03-10T02:01:29Z",
            "settle",
            "--pay-password-stdin",
            "--code",
            &t,
            "--institution",
            "1",
            "--scenario",
            "pharmacy",
            "--total",
            "100",
            "--bill",
            "L-1",
        ],
        "QR_EXPIRED",
    );
    ok(
        &db,
        &[
            "--now",
            "2026-03-10T02:01:00Z",
            "settle",
            "--pay-password-stdin",
            "--code",
            &t,
            "--institution",
            "1",
            "--scenario",
            "pharmacy",
            "--total",
            "100",
            "--bill",
            "L-1",
        ],
    );
}

#[test]
fn shenzhen_insured_at_a_guangzhou_hospital_is_cross_region() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let kid = person(&db, "深圳孩子", "44030520150101012", "resident", "440305", 0);
    ok(&db, &["institution", "add", "--name", "广州某医院", "--region", "440106", "--designated"]);
    let t = token(&db, &kid, T0);
    refused(
        &db,
        &["--now", T0, "settle", "--pay-password-stdin", "--code", &t, "--institution", "1", "--scenario", "outpatient", "--total", "10000", "--bill", "G-1"],
        "INSTITUTION_NOT_NETWORKED",
    );
    // The national division list: a made-up six-digit code is refused.
    refused(
        &db,
        &["person", "add", "--name", "某人", "--id", &with_check_char("44030520150101039"), "--insurance", "resident", "--region", "449999"],
        "REGION_INVALID",
    );
}

#[test]
fn lapse_reasons_read_in_the_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let dad = person(&db, "张伟", "34010419821108017", "employee", "310115", 100);
    let kid = person(&db, "张子涵", "31011520140910013", "resident", "310115", 0);
    ok(&db, &["aid", "authorize", "--authorizer", &dad, "--beneficiary", &kid, "--relation", "child"]);
    ok(&db, &["person", "set-balance", &dad, "0"]);
    let (code, _, zh, _) = cli(&db, &["aid", "list"]);
    assert_eq!(code, 0);
    assert!(zh.contains("余额为0") && !zh.contains("authorizer_balance_zero"), "{zh}");
    let (_, _, en, _) = cli(&db, &["--lang", "en", "aid", "list"]);
    assert!(en.contains("account is empty"), "{en}");
    // Issue 19 §6: every human-readable line follows --lang (the report's fund sources too).
    let (code, _, zh, err) = cli(&db, &["--now", T0, "report", "year", "--family", &dad]);
    assert_eq!(code, 0, "{err}");
    assert!(zh.contains("统筹基金") && zh.contains("本人个人账户") && !zh.contains("own_account") && !zh.contains("family_aid"), "{zh}");
    let (_, _, en, _) = cli(&db, &["--lang", "en", "--now", T0, "report", "year", "--family", &dad]);
    assert!(en.contains("pooled fund") && en.contains("0 bills"), "{en}");
}

/// Issue 19 §6: the lines people read follow `--lang` — the settlement's
/// scenario and fund sources, `info`, institutions, terminals and
/// family aid print no English key words in Chinese (the default).
#[test]
fn human_readable_lines_follow_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let dad = person(&db, "张伟", "34010419821108017", "employee", "310115", 100_000);
    let kid = person(&db, "张子涵", "31011520140910013", "resident", "310115", 0);
    ok(&db, &["aid", "authorize", "--authorizer", &dad, "--beneficiary", &kid, "--relation", "child"]);
    ok(&db, &["institution", "add", "--name", "药房", "--region", "310115", "--designated"]);
    ok(&db, &["terminal", "add", "--institution", "1"]);
    let t = token(&db, &kid, T0);
    let settle =
        ["--now", T0, "settle", "--pay-password-stdin", "--code", &t, "--institution", "1", "--scenario", "pharmacy", "--total", "5000", "--bill", "L-1"];
    let (code, _, zh, err) = cli(&db, &settle);
    assert_eq!(code, 0, "{err}");
    let (_, _, again, _) = cli(&db, &settle);
    let mut zh = format!("{zh}{again}");
    let (_, _, en_again, _) = cli(&db, &[&["--lang", "en"][..], &settle[..]].concat());
    for args in [&["info"][..], &["institution", "list"], &["terminal", "list"], &["aid", "list"]] {
        let (code, _, out, err) = cli(&db, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        zh.push_str(&out);
    }
    assert!(zh.contains("药店购药") && zh.contains("家庭共济") && zh.contains("已结算") && zh.contains("数据库版本"), "{zh}");
    assert!(zh.contains("定点") && zh.contains("机构") && zh.contains("每月上限") && zh.contains("有效"), "{zh}");
    for word in [
        "settlement",
        "bill",
        "pharmacy",
        "total",
        "family_aid",
        "own_account",
        "cash",
        "fund",
        "database",
        "schema",
        "persons",
        "today",
        "designated",
        "active",
        "institution",
        "cap",
        "spent",
        "left",
        "already",
    ] {
        assert!(!zh.contains(word), "\"{word}\" in the Chinese output:\n{zh}");
    }
    assert!(en_again.contains("pharmacy") && en_again.contains("family aid") && en_again.contains("already settled"), "{en_again}");
    let (_, _, en, _) = cli(&db, &["--lang", "en", "info"]);
    assert!(en.contains("schema version") && en.contains("persons"), "{en}");
}

#[test]
fn settings_list_get_set_with_ranges_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let all = ok(&db, &["setting", "list"]);
    assert!(all.as_array().unwrap().iter().any(|s| s["key"] == "online_pharmacy_daily_cap_fen" && s["min"] == 50_000 && s["max"] == 200_000));
    refused(&db, &["setting", "set", "online_pharmacy_daily_cap_fen", "300000"], "SETTING_OUT_OF_RANGE");
    refused(&db, &["setting", "set", "nonsense", "1"], "SETTING_UNKNOWN");
    assert_eq!(ok(&db, &["setting", "get", "online_pharmacy_daily_cap_fen"])["value"], 100_000);
    assert_eq!(ok(&db, &["setting", "set", "online_pharmacy_daily_cap_fen", "150000"])["value"], 150_000);
    let trail = ok(&db, &["audit", "list"]);
    assert!(trail.as_array().unwrap().iter().any(|e| e["action"] == "setting.set"));
    ok(&db, &["fund", "set", "31", "--scenario", "outpatient", "--insurance", "resident", "--deductible", "30000", "--ratio", "60", "--ceiling", "400000"]);
    refused(&db, &["fund", "set", "31", "--scenario", "outpatient", "--insurance", "resident", "--deductible", "0", "--ratio", "120"], "SETTING_OUT_OF_RANGE");
}

#[test]
fn inpatient_admit_then_discharge_and_remote_confirmation_by_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let kid = person(&db, "张子涵", "31011520140910013", "resident", "310115", 0);
    ok(&db, &["institution", "add", "--name", "医院", "--region", "310115", "--designated"]);
    let t = token(&db, &kid, T0);
    refused(
        &db,
        &["--now", T0, "settle", "--pay-password-stdin", "--code", &t, "--institution", "1", "--scenario", "inpatient", "--total", "100000", "--bill", "Z"],
        "STAY_REQUIRED",
    );
    // Without the payer's confirmation nothing is paid.
    refused(
        &db,
        &["--now", T0, "settle", "--code", &t, "--institution", "1", "--scenario", "outpatient", "--total", "100", "--bill", "NP"],
        "PAY_CONFIRMATION_REQUIRED",
    );
    let stay = ok(&db, &["--now", T0, "stay", "admit", "--pay-password-stdin", "--id-face-checked", "--code", &t, "--institution", "1", "--admission", "ZY-1"]);
    let id = stay["id"].as_i64().unwrap().to_string();
    let s = ok(&db, &["--now", "2026-03-18T02:00:00Z", "stay", "discharge", &id, "--institution", "1", "--total", "100000", "--bill", "ZY-B1"]);
    assert_eq!(s["stay_id"].as_i64().unwrap().to_string(), id);
    assert!(s["deductible_fen"].as_i64().unwrap() > 0, "the default resident inpatient deductible applies: {s}");

    // Remote confirmation: the code goes to the member's outbox, the holder types it.
    let holder = person(&db, "张伟", "34010419821108017", "resident", "310115", 0);
    let father = person(&db, "张建国", "31011519560310015", "resident", "310115", 0);
    let b = ok(&db, &["--now", T0, "bind", "apply", "--holder", &holder, "--member", &father, "--relation", "parent"]);
    let app = b["id"].as_i64().unwrap().to_string();
    refused(&db, &["--now", T0, "bind", "confirm-remote", &app, "--code", "123456"], "REMOTE_CODE_NONE");
    ok(&db, &["--now", T0, "bind", "send-remote-code", &app]);
    let msgs = ok(&db, &["outbox", "list", "--person", &father]);
    let body = msgs[0]["body_en"].as_str().unwrap();
    let code: String = body.split("code ").nth(1).unwrap().chars().take(6).collect();
    // The holder's own messages (his payment password was set) never carry the member's code.
    assert!(!ok(&db, &["outbox", "list", "--person", &holder]).as_array().unwrap().iter().any(|m| m["body_en"].as_str().unwrap_or("").contains(&code)));
    let done = ok(&db, &["--now", T0, "bind", "confirm-remote", &app, "--code", &code]);
    assert!(!done["missing"].as_array().unwrap().iter().any(|m| m == "face"));
}

/// Issue 32 item 6: an outpatient bill confirmed with the one-time code the
/// counter sends to the payer's record (`settle --send-code`, then
/// `--sms-code-stdin`); a pharmacy takes no code by default.
#[test]
fn outpatient_by_the_code_sent_to_the_payer() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let kid = person(&db, "张子涵", "31011520140910013", "resident", "310115", 50_000);
    ok(&db, &["institution", "add", "--name", "社区医院", "--region", "310115", "--designated"]);
    let t = token(&db, &kid, T0);
    let bill = ["--code", t.as_str(), "--institution", "1", "--scenario", "outpatient", "--total", "2345", "--bill", "MZ-C"];
    let sent = ok(&db, &[&["--now", T0, "settle", "--send-code"][..], &bill[..]].concat());
    assert_eq!(sent["sends_left"], 2, "{sent}");
    let msgs = ok(&db, &["outbox", "list", "--person", &kid]);
    let body = msgs[0]["body_zh"].as_str().unwrap();
    let code: String = body.split(|c: char| !c.is_ascii_digit()).find(|d| d.len() == 6).unwrap().to_string();
    let settle = [&["--json", "--now", T0, "settle", "--sms-code-stdin"][..], &bill[..]].concat();
    let wrong = format!("{:06}\n", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (status, _, _, err) = cli_in(&db, &settle, &wrong);
    assert_eq!(status, 3, "{err}");
    assert!(err.contains("PAY_CODE_WRONG"), "{err}");
    let (status, s, _, err) = cli_in(&db, &settle, &format!("{code}\n"));
    assert_eq!(status, 0, "{err}");
    assert_eq!(s["total_fen"], 2345, "{s}");
    let t = token(&db, &kid, T0);
    refused(
        &db,
        &["--now", T0, "settle", "--send-code", "--code", &t, "--institution", "1", "--scenario", "pharmacy", "--total", "100", "--bill", "YF-1"],
        "PAY_CODE_NOT_USED",
    );
    ok(&db, &["--now", T0, "settle", "--face-checked", "--code", &t, "--institution", "1", "--scenario", "pharmacy", "--total", "100", "--bill", "YF-1"]);
}

/// Issue 33: any declared operation by name (`op NAME --args JSON`), checked
/// as the server checks a request: the same answer as the CLI's own words,
/// unknown fields and unknown operations refused.
#[test]
fn any_declared_operation_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "q.db");
    ok(&db, &["init"]);
    let kid = person(&db, "张子涵", "31011520140910013", "resident", "310115", 12_300);
    let by_word = ok(&db, &["person", "show", &kid]);
    let by_op = ok(&db, &["op", "person_get", "--args", &format!("{{\"id\": {kid}}}")]);
    assert_eq!(by_op["balance_fen"], 12_300);
    assert_eq!(by_op["resident_id_masked"], by_word["resident_id_masked"], "{by_op} {by_word}");
    refused(&db, &["op", "person_get", "--args", &format!("{{\"id\": {kid}, \"balance_fen\": 1}}")], "REQUEST_MALFORMED");
    refused(&db, &["op", "no_such_operation"], "REQUEST_MALFORMED");
    let (status, _, _, _) = cli_in(&db, &["--json", "op", "person_get", "--args", "-"], &format!("{{\"id\": {kid}}}"));
    assert_eq!(status, 0, "arguments from stdin");
}
