//! Many OS processes settling at once (issue 16): 8 processes settle 2,000
//! bills, each bill sent by two of them — every bill is charged once, both
//! senders get the same answer, money is conserved to the fen; and `kill -9`
//! of settling processes mid-stream leaves a consistent ledger that settles
//! the rest, each once. On PostgreSQL when `QINQING_TEST_POSTGRES` names a
//! server (as `scripts/test.sh` does), else on a SQLite file.

use qinqing_core::Qinqing;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_qinqing-bench");
const MEMBERS: i64 = 40;
const START_BALANCE: i64 = 200_000;

/// The two tests take turns: each is about eight processes at once.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn ledger(dir: &Path) -> PathBuf {
    match std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) {
        Some(base) => PathBuf::from(qinqing_core::pg::fresh_test_database(&base).unwrap()),
        None => dir.join("race.db"),
    }
}

/// Members, an institution and one code per bill; the bill lines.
fn setup(dir: &Path, db: &Path, bills: usize) -> Vec<String> {
    let file = dir.join("bills.tsv");
    let st = Command::new(BIN).args(["race-setup", db.to_str().unwrap(), &MEMBERS.to_string(), &bills.to_string(), file.to_str().unwrap()]).status().unwrap();
    assert!(st.success(), "race-setup");
    std::fs::read_to_string(file).unwrap().lines().map(str::to_string).collect()
}

/// Each bill goes to two different workers of eight, in different orders.
fn spawn_workers(dir: &Path, db: &Path, lines: &[String], tag: &str) -> Vec<Child> {
    let mut per: Vec<Vec<&String>> = vec![Vec::new(); 8];
    for (i, l) in lines.iter().enumerate() {
        let w1 = i % 8;
        let w2 = (w1 + 1 + (i / 8) % 7) % 8;
        assert_ne!(w1, w2);
        per[w1].push(l);
        per[w2].push(l);
    }
    per.iter_mut()
        .enumerate()
        .map(|(w, ls)| {
            if w % 2 == 1 {
                ls.reverse();
            }
            let f = dir.join(format!("{tag}-{w}.tsv"));
            std::fs::write(&f, ls.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
            Command::new(BIN).args(["race-worker", db.to_str().unwrap(), f.to_str().unwrap()]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect()
}

/// Every settlement's legs sum to its total.
fn assert_legs_sum_to_totals(c: &qinqing_core::store::Conn) {
    let bad: i64 = c
        .query_row(
            "SELECT count(*) FROM (SELECT s.id FROM settlement s LEFT JOIN settlement_leg l ON l.settlement_id = s.id
               GROUP BY s.id, s.total_fen HAVING coalesce(sum(l.amount_fen), 0) <> s.total_fen) x",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bad, 0, "settlements whose legs do not sum to the total");
}

fn answers(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The ledger adds up: every settlement's legs sum to its total, members'
/// money that left equals the own-account legs, no balance below zero, each
/// (institution, bill) once. Returns the number of settlements.
fn assert_consistent(db: &Path, lines: &[String]) -> i64 {
    let q = Qinqing::open(db).unwrap();
    let c = q.conn();
    let (n, distinct): (i64, i64) =
        c.query_row("SELECT count(*), count(DISTINCT bill_id) FROM settlement WHERE bill_id LIKE 'R-%'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(n, distinct, "a bill charged twice");
    assert_legs_sum_to_totals(c);
    let own: i64 = c.query_row("SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE source = 'own_account'", [], |r| r.get(0)).unwrap();
    let (left, negative): (i64, i64) = c
        .query_row("SELECT coalesce(sum(balance_fen), 0), sum(CASE WHEN balance_fen < 0 THEN 1 ELSE 0 END) FROM person WHERE name LIKE '竞速%'", [], |r| {
            Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0)))
        })
        .unwrap();
    assert_eq!(negative, 0);
    assert_eq!(MEMBERS * START_BALANCE - left, own, "money neither created nor lost, to the fen");
    // Every settled bill's total is the total that was sent for it.
    let totals: HashMap<String, i64> = lines
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[1].to_string(), f[2].parse().unwrap())
        })
        .collect();
    let rows: Vec<(String, i64)> = c
        .query_map("SELECT bill_id, total_fen FROM settlement WHERE bill_id LIKE 'R-%'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (b, t) in rows {
        assert_eq!(totals.get(&b), Some(&t), "{b}");
    }
    n
}

#[test]
fn eight_processes_settle_2000_bills_each_sent_twice_and_each_is_charged_once() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let lines = setup(dir.path(), &db, 2000);
    let children = spawn_workers(dir.path(), &db, &lines, "w");
    let mut by_bill: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "worker: {}", String::from_utf8_lossy(&out.stderr));
        for a in answers(&out.stdout) {
            assert!(a.get("error").is_none(), "every send succeeds (a retry is a replay): {a}");
            by_bill.entry(a["bill"].as_str().unwrap().to_string()).or_default().push(a);
        }
    }
    assert_eq!(by_bill.len(), 2000);
    for (bill, a) in &by_bill {
        assert_eq!(a.len(), 2, "{bill} was sent twice");
        assert_eq!(a[0]["id"], a[1]["id"], "{bill}: both senders got the same settlement");
        let fresh = a.iter().filter(|x| x["replayed"] == false).count();
        assert_eq!(fresh, 1, "{bill}: charged by exactly one of the two sends");
    }
    assert_eq!(assert_consistent(&db, &lines), 2000);
}

#[test]
fn kill_9_of_settling_processes_leaves_a_consistent_ledger() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let lines = setup(dir.path(), &db, 600);
    let mut children = spawn_workers(dir.path(), &db, &lines, "k");
    // Kill all eight at once, mid-stream, once some bills have gone through.
    let q = Qinqing::open(&db).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    loop {
        let n: i64 = q.conn().query_row("SELECT count(*) FROM settlement", [], |r| r.get(0)).unwrap();
        if n >= 60 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the workers did not start");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for c in &mut children {
        let _ = c.kill(); // SIGKILL
    }
    for c in &mut children {
        let _ = c.wait();
    }
    let done = assert_consistent(&db, &lines);
    assert!(done < 600, "the stream was interrupted ({done} settled)");
    // The rest settle normally, each once; the settled ones are replays.
    let rest = dir.path().join("rest.tsv");
    std::fs::write(&rest, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let out = Command::new(BIN).args(["race-worker", db.to_str().unwrap(), rest.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
    let a = answers(&out.stdout);
    assert_eq!(a.len(), 600);
    assert!(a.iter().all(|x| x.get("error").is_none()), "{:?}", a.iter().find(|x| x.get("error").is_some()));
    let replays = a.iter().filter(|x| x["replayed"] == true).count() as i64;
    assert_eq!(replays, done, "what was settled before the kill is a replay now, nothing else");
    assert_eq!(assert_consistent(&db, &lines), 600);
}

/// The payment password is checked while a settlement's writes run (issue
/// 16), and a wrong one is counted under the same writer lock. 8 processes
/// send 3 wrong passwords each for one payer, at once: every guess is
/// counted once — exactly 4 are answered "wrong" and the other 20 "locked"
/// — nothing is charged, and the right password is locked out too. (That a
/// guess is counted before the lock is let go is what keeps concurrent
/// guesses to 5 in all; the answers alone would not show a later count, so
/// the store's test of `commit_if` checks the undo-and-count itself.)
#[test]
fn guesses_sent_at_once_share_the_five_tries() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let file = dir.path().join("one.tsv");
    let st = Command::new(BIN).args(["race-setup", db.to_str().unwrap(), "1", "25", file.to_str().unwrap()]).status().unwrap();
    assert!(st.success(), "race-setup");
    let lines: Vec<String> = std::fs::read_to_string(&file).unwrap().lines().map(str::to_string).collect();
    let children: Vec<Child> = (0..8)
        .map(|w| {
            let f = dir.path().join(format!("guess-{w}.tsv"));
            let mine: String = lines[w * 3..w * 3 + 3].iter().map(|l| format!("{l}\t246810\n")).collect();
            std::fs::write(&f, mine).unwrap();
            Command::new(BIN).args(["race-worker", db.to_str().unwrap(), f.to_str().unwrap()]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    let mut codes: HashMap<String, usize> = HashMap::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for a in answers(&out.stdout) {
            *codes.entry(a["error"].as_str().unwrap_or("charged").to_string()).or_default() += 1;
        }
    }
    let got = |k: &str| codes.get(k).copied().unwrap_or(0);
    assert_eq!((got("PAY_PASSWORD_WRONG"), got("PAY_PASSWORD_LOCKED"), codes.values().sum::<usize>()), (4, 20, 24), "{codes:?}");
    // The right password is locked out as well, and nothing was charged.
    let last = dir.path().join("right.tsv");
    std::fs::write(&last, format!("{}\n", lines[24])).unwrap();
    let out = Command::new(BIN).args(["race-worker", db.to_str().unwrap(), last.to_str().unwrap()]).output().unwrap();
    assert_eq!(answers(&out.stdout)[0]["error"], "PAY_PASSWORD_LOCKED");
    let q = Qinqing::open_existing(&db).unwrap();
    let n: i64 = q.conn().query_row("SELECT count(*) FROM settlement", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "nothing charged");
}

/// Households (issue 34): writers lock what they touch, so this is the
/// suite that would catch a lock too narrow. 16 processes settle 1,600
/// bills, each sent by two of them: half over 150 households, half on 3
/// households everyone hits; and six employees' personal accounts pay, by
/// 家庭共济, for members of many households at once (each employee for a
/// share of the spread members and two of the hot ones), so settlements of
/// different households meet on the same account. Every bill is charged
/// once and both senders get the same answer; every account moved by
/// exactly its legs and none went below zero; each relation's month
/// equals its legs.
#[test]
fn sixteen_processes_on_many_households_and_a_few_hot_ones_lose_nothing() {
    use qinqing_core::id::with_check_char;
    use qinqing_core::PersonInput;
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    const SPREAD: usize = 150;
    const HOT: usize = 3;
    const BILLS: usize = 1_600;
    const OWN: i64 = 3_000;
    const EMPLOYEE: i64 = 150_000;
    let mut q = Qinqing::open(&db).unwrap();
    let inst = q.add_institution("竞速药房", "310115", true, false).unwrap().id;
    let member = |q: &mut Qinqing, i: usize| {
        let rid = with_check_char(&format!("310115{:04}{:02}{:02}{:03}", 2012 + i % 8, 1 + i % 12, 1 + i % 28, 100 + i));
        let id = q
            .add_person(&PersonInput {
                name: format!("竞速户{i}"),
                resident_id: rid,
                insurance: "resident".into(),
                region: "310115".into(),
                balance_fen: Some(OWN),
                voucher_activated: true,
                ..Default::default()
            })
            .unwrap()
            .id;
        q.set_pay_password(id, "135790", "135790").unwrap();
        id
    };
    let spread: Vec<i64> = (0..SPREAD).map(|i| member(&mut q, i)).collect();
    let hot: Vec<i64> = (SPREAD..SPREAD + HOT).map(|i| member(&mut q, i)).collect();
    let employees: Vec<i64> = (0..6)
        .map(|e| {
            q.add_person(&PersonInput {
                name: format!("竞速雇员{e}"),
                resident_id: with_check_char(&format!("3101151978030{}011", e + 1)),
                insurance: "employee".into(),
                region: "310115".into(),
                balance_fen: Some(EMPLOYEE),
                voucher_activated: true,
                ..Default::default()
            })
            .unwrap()
            .id
        })
        .collect();
    for (e, a) in employees.iter().enumerate() {
        for m in spread.iter().skip(e).step_by(6) {
            q.authorize_aid(*a, *m, "child", None).unwrap();
        }
        for m in [hot[e % HOT], hot[(e + 1) % HOT]] {
            q.authorize_aid(*a, m, "child", None).unwrap();
        }
    }
    let mut lines = Vec::with_capacity(BILLS);
    for b in 0..BILLS {
        let m = if b % 2 == 0 { hot[(b / 2) % HOT] } else { spread[(b / 2) % SPREAD] };
        let token = q.issue_qr(m, None).unwrap().token;
        lines.push(format!("{token}\tH-{b}\t{}\t{inst}", 200 + (b as i64 * 7919) % 4_800));
    }
    drop(q);
    let mut per: Vec<Vec<&String>> = vec![Vec::new(); 16];
    for (i, l) in lines.iter().enumerate() {
        let w1 = i % 16;
        let w2 = (w1 + 1 + (i / 16) % 15) % 16;
        per[w1].push(l);
        per[w2].push(l);
    }
    let children: Vec<Child> = per
        .iter_mut()
        .enumerate()
        .map(|(w, ls)| {
            if w % 2 == 1 {
                ls.reverse();
            }
            let f = dir.path().join(format!("h-{w}.tsv"));
            std::fs::write(&f, ls.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
            Command::new(BIN).args(["race-worker", db.to_str().unwrap(), f.to_str().unwrap()]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    let mut by_bill: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "worker: {}", String::from_utf8_lossy(&out.stderr));
        for a in answers(&out.stdout) {
            assert!(a.get("error").is_none(), "every send succeeds (a retry is a replay): {a}");
            by_bill.entry(a["bill"].as_str().unwrap().to_string()).or_default().push(a);
        }
    }
    assert_eq!(by_bill.len(), BILLS);
    for (bill, a) in &by_bill {
        assert_eq!(a.len(), 2, "{bill} was sent twice");
        assert_eq!(a[0]["id"], a[1]["id"], "{bill}: both senders got the same settlement");
        assert_eq!(a.iter().filter(|x| x["replayed"] == false).count(), 1, "{bill}: charged by exactly one of the two sends");
    }
    let q = Qinqing::open(&db).unwrap();
    let c = q.conn();
    let (n, distinct): (i64, i64) =
        c.query_row("SELECT count(*), count(DISTINCT bill_id) FROM settlement WHERE bill_id LIKE 'H-%'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((n, distinct), (BILLS as i64, BILLS as i64), "each bill charged once");
    // Every account moved by exactly the legs it paid, and none below zero.
    let accounts: Vec<(i64, i64, i64)> = c
        .query_map(
            "SELECT p.id, p.balance_fen, coalesce((SELECT sum(l.amount_fen) FROM settlement_leg l WHERE l.person_id = p.id), 0)
             FROM person p WHERE p.name LIKE '竞速%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(accounts.len(), SPREAD + HOT + 6);
    let mut aid_paid = 0;
    for (id, balance, paid) in &accounts {
        assert!(*balance >= 0, "person {id}: balance {balance}");
        let start = if employees.contains(id) { EMPLOYEE } else { OWN };
        assert_eq!(start - balance, *paid, "person {id}: the account moved by exactly its legs");
        if employees.contains(id) {
            aid_paid += paid;
        }
    }
    assert!(aid_paid > 0, "家庭共济 paid across households");
    assert_legs_sum_to_totals(c);
    let months: i64 = c
        .query_row(
            "SELECT count(*) FROM aid a WHERE coalesce((SELECT sum(m.amount_fen) FROM aid_month m WHERE m.aid_id = a.id), 0)
               <> coalesce((SELECT sum(l.amount_fen) FROM settlement_leg l WHERE l.aid_id = a.id), 0)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(months, 0, "each relation's months add up to its legs");
}
