//! Issue 35 from the command line: `person export ID --out DIR`,
//! `person erase ID --reason …` and `doc purge --dry-run|--apply`, with
//! their exit codes and JSON, on both backends.

mod common;
use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_qinqing-cli");
/// Far enough ahead that every document attached to nothing is past its period.
const LATER: &str = "2099-01-01T00:00:00Z";

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("--db").arg(db).args(args).env_remove("QINQING_DB").env_remove("QINQING_SERVER").output().unwrap()
}

fn ok(db: &Path, args: &[&str]) -> Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let out = run(db, &a);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e})"))
}

fn refused(db: &Path, args: &[&str], code: &str) {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let out = run(db, &a);
    assert_eq!(out.status.code(), Some(3), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["code"], code, "{args:?}: {v}");
    assert!(!v["error"]["message_zh"].as_str().unwrap_or_default().is_empty() && !v["error"]["message_en"].as_str().unwrap_or_default().is_empty());
}

fn add(q: &mut Qinqing, name: &str, id17: &str) -> i64 {
    q.add_person(&PersonInput {
        name: name.into(),
        resident_id: with_check_char(id17),
        insurance: "employee".into(),
        region: "310115".into(),
        voucher_activated: true,
        ..Default::default()
    })
    .unwrap()
    .id
}

#[test]
fn export_erase_and_purge_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::ledger(dir.path(), "t.db");
    assert!(run(&db, &["init"]).status.success());
    // 张伟 holds a binding with his son (a birth certificate); 赵六 and 钱七
    // each uploaded a household register that nothing uses.
    let (wei, kid, zhao, qian) = {
        let mut q = Qinqing::open(&db).unwrap();
        let admin = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
        let wei = add(&mut q, "张伟", "34010419821108017");
        let kid = add(&mut q, "张子涵", "31011520140910013");
        let zhao = add(&mut q, "赵六", "31011519700101015");
        let qian = add(&mut q, "钱七", "31011519720202012");
        let b = q.apply_binding(wei, kid, "child").unwrap().id;
        let d = q.add_sample_document(kid, "birth_certificate", "").unwrap().id;
        q.attach_document(b, d).unwrap();
        q.sign_letter(b).unwrap();
        q.submit_binding(b).unwrap();
        q.approve_binding(b, admin).unwrap();
        q.add_sample_document(zhao, "household_register", "").unwrap();
        q.add_sample_document(qian, "household_register", "").unwrap();
        (wei, kid, zhao, qian)
    };
    let (kid_s, zhao_s, qian_s) = (kid.to_string(), zhao.to_string(), qian.to_string());

    // Export: a new folder, owner-only; an occupied one is refused.
    let out = dir.path().join("export");
    let w = ok(&db, &["person", "export", &kid_s, "--out", out.to_str().unwrap()]);
    assert_eq!(w["documents"], 1);
    let person: Value = serde_json::from_slice(&std::fs::read(out.join("person.json")).unwrap()).unwrap();
    assert_eq!(person["person"]["name"], "张子涵");
    assert_eq!(person["bindings"][0]["other"]["id"], wei);
    let file = person["documents"][0]["file"].as_str().unwrap();
    assert!(std::fs::metadata(out.join(file)).unwrap().len() > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(out.join("person.json")).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o700);
    }
    refused(&db, &["person", "export", &kid_s, "--out", out.to_str().unwrap()], "PERSON_EXPORT_DIR_NOT_EMPTY");

    // Erase: refused while the binding needs the son, or without a reason; done for 赵六.
    refused(&db, &["person", "erase", &kid_s, "--reason", "监护人申请"], "ERASE_NEEDED_BY_BINDING");
    refused(&db, &["person", "erase", &zhao_s, "--reason", " "], "ERASE_REASON_EMPTY");
    refused(&db, &["person", "erase", &zhao_s, "--reason", "赵六本人申请"], "ERASE_REASON_IDENTIFIES");
    let e = ok(&db, &["person", "erase", &zhao_s, "--reason", "本人申请删除"]);
    assert_eq!((e["already"].as_bool(), e["documents_removed"].as_i64()), (Some(false), Some(1)));
    assert_eq!(ok(&db, &["person", "show", &zhao_s])["name"], format!("已删除#{zhao}"));
    assert_eq!(ok(&db, &["person", "erase", &zhao_s, "--reason", "本人申请删除"])["already"], true);

    // Purge: one of --dry-run / --apply; nothing is due today; years later 钱七's upload is.
    assert_eq!(run(&db, &["doc", "purge"]).status.code(), Some(2));
    assert_eq!(run(&db, &["doc", "purge", "--dry-run", "--apply"]).status.code(), Some(2));
    assert_eq!(ok(&db, &["doc", "purge", "--dry-run"])["due_total"], 0);
    let plan = ok(&db, &["--now", LATER, "doc", "purge", "--dry-run"]);
    assert_eq!(plan["due_total"], 1, "{plan}");
    assert_eq!(plan["due"][0]["person"], qian);
    assert_eq!(plan["kept"]["active_binding"], 1);
    assert_eq!(ok(&db, &["--now", LATER, "doc", "purge", "--dry-run"])["due_total"], 1, "a dry run changes nothing");
    let done = ok(&db, &["--now", LATER, "doc", "purge", "--apply"]);
    assert_eq!(done["purged"].as_array().unwrap().len(), 1, "{done}");
    assert_eq!(ok(&db, &["doc", "list", "--person", &qian_s]).as_array().unwrap().len(), 0);
    assert_eq!(ok(&db, &["doc", "list", "--person", &kid_s]).as_array().unwrap().len(), 1, "the binding's certificate stays");
    let audit = ok(&db, &["audit", "list", "--person", &qian_s]);
    assert!(audit.as_array().unwrap().iter().any(|a| a["action"] == "document.purge"), "{audit}");
    assert_eq!(ok(&db, &["--now", LATER, "doc", "purge", "--apply"])["purged"].as_array().unwrap().len(), 0);
}
