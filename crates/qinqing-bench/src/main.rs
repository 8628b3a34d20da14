//! `qinqing-bench settle|qr`: throughput and latency figures, each beside a
//! reference measured in the same run on the same machine and database.
//! Run through `bench/settle.sh` (release build).

use qinqing_core::id::with_check_char;
use qinqing_core::settle::SettleRequest;
use qinqing_core::{PersonInput, Qinqing};
use std::time::{Duration, Instant};

fn ledger(dir: &std::path::Path) -> (Qinqing, i64, i64) {
    let mut q = Qinqing::open(&dir.join("bench.db")).expect("open");
    let member = q
        .add_person(&PersonInput {
            name: "张子涵".into(),
            resident_id: with_check_char("31011520140910013"),
            insurance: "resident".into(),
            region: "310115".into(),
            balance_fen: Some(1_000_000_000),
            voucher_activated: true,
            ..Default::default()
        })
        .expect("member")
        .id;
    for i in 0..3 {
        let a = q
            .add_person(&PersonInput {
                name: format!("授权人{i}"),
                resident_id: with_check_char(&format!("3101151980010{}011", i + 1)),
                insurance: "employee".into(),
                region: "310115".into(),
                balance_fen: Some(1_000_000_000),
                voucher_activated: true,
                ..Default::default()
            })
            .expect("authorizer")
            .id;
        q.authorize_aid(a, member, "child", Some(500_000_000)).expect("aid");
    }
    let inst = q.add_institution("浦东新区人民医院", "310115", true, true).expect("institution").id;
    (q, member, inst)
}

fn settle(n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut q, member, inst) = ledger(dir.path());
    // Reference: one-row INSERT transactions (BEGIN IMMEDIATE … COMMIT) on the same file.
    let reference = rusqlite::Connection::open(dir.path().join("bench.db")).expect("open");
    reference.busy_timeout(Duration::from_secs(5)).expect("timeout");
    reference.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE bench_ref (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)").expect("ref table");
    let tokens: Vec<String> = (0..n).map(|_| q.issue_qr(member, None).expect("issue").token).collect();

    let t = Instant::now();
    for i in 0..n {
        reference.execute_batch("BEGIN IMMEDIATE").expect("begin");
        reference.execute("INSERT INTO bench_ref (v) VALUES (?1)", [i as i64]).expect("insert");
        reference.execute_batch("COMMIT").expect("commit");
    }
    let ref_rate = n as f64 / t.elapsed().as_secs_f64();

    // Own account empty: every bill splits into fund + three aid legs + cash checks.
    q.set_balance(member, 0).expect("balance");
    let t = Instant::now();
    for (i, tok) in tokens.iter().enumerate() {
        let s = q
            .settle(&SettleRequest {
                token: tok.clone(),
                institution: inst,
                scenario: "outpatient".into(),
                total_fen: 12_345 + i as i64,
                bill_id: format!("B-{i}"),
                ..Default::default()
            })
            .expect("settle");
        assert!(!s.legs.is_empty());
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    println!("settlements:            {n}");
    println!("settlements per second: {rate:.0}");
    println!("one-row insert tx/s:    {ref_rate:.0}  (same database, same run)");
    println!("ratio:                  {:.2}  (target >= 0.30)", rate / ref_rate);
    if rate / ref_rate < 0.30 {
        std::process::exit(1);
    }
}

fn qr(n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (q, member, _) = ledger(dir.path());
    let sample = q.issue_qr(member, None).expect("issue").token;
    // Warm up both paths.
    for _ in 0..50 {
        let _ = q.issue_qr(member, None).expect("issue");
        let _ = qrcode::QrCode::with_error_correction_level(sample.as_bytes(), qrcode::EcLevel::M).expect("qr");
    }
    let t = Instant::now();
    for _ in 0..n {
        let code = qrcode::QrCode::with_error_correction_level(sample.as_bytes(), qrcode::EcLevel::M).expect("qr");
        std::hint::black_box(code);
    }
    let reference = t.elapsed() / n as u32;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(q.issue_qr(member, None).expect("issue"));
    }
    let ours = t.elapsed() / n as u32;
    let ratio = ours.as_secs_f64() / reference.as_secs_f64();
    println!("codes:                        {n}");
    println!("issue_qr (checks, sign, SVG): {:.1} µs", ours.as_secs_f64() * 1e6);
    println!("qrcode encoding alone:        {:.1} µs  (same token, same run)", reference.as_secs_f64() * 1e6);
    println!("ratio:                        {ratio:.2}  (target <= 1.50, and under 1 ms)");
    if ratio > 1.5 || ours > Duration::from_millis(1) {
        std::process::exit(1);
    }
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
    match arg.as_str() {
        "settle" => settle(n),
        "qr" => qr(n),
        _ => {
            eprintln!("usage: qinqing-bench settle|qr [N]");
            std::process::exit(2);
        }
    }
}
