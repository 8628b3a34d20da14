//! `qinqing-bench settle|qr`: throughput and latency figures, each beside a
//! reference measured in the same run on the same machine and database.
//! Run through `bench/settle.sh` (release build).

use qinqing_core::id::with_check_char;
use qinqing_core::settle::SettleRequest;
use qinqing_core::{PersonInput, Qinqing};
use std::time::{Duration, Instant};

mod docs;
mod failover;
mod idle;
mod race;

/// A benchmark that cannot set up says why and exits 1 (no panic).
type R<T> = Result<T, Box<dyn std::error::Error>>;

fn ledger(dir: &std::path::Path) -> R<(Qinqing, i64, i64)> {
    ledger_at(&dir.join("bench.db"), true)
}

/// The benchmark's ledger at `path`: encrypted as every ledger is, or
/// (`encrypted` false) the benchmark-only plain side (issue 35).
fn ledger_at(path: &std::path::Path, encrypted: bool) -> R<(Qinqing, i64, i64)> {
    let mut q = if encrypted { Qinqing::open(path)? } else { Qinqing::open_unencrypted_for_benchmark(path)? };
    let member = q
        .add_person(&PersonInput {
            name: "张子涵".into(),
            resident_id: with_check_char("31011520140910013"),
            insurance: "resident".into(),
            region: "310115".into(),
            balance_fen: Some(1_000_000_000),
            voucher_activated: true,
            ..Default::default()
        })?
        .id;
    // Every settlement is confirmed with the payer's payment password (an Argon2id check).
    q.set_pay_password(member, "135790", "135790")?;
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
            })?
            .id;
        q.authorize_aid(a, member, "child", Some(500_000_000))?;
    }
    let inst = q.add_institution("浦东新区人民医院", "310115", true, true)?.id;
    Ok((q, member, inst))
}

/// Settle `n` bills on `q` from `start` (member, institution): the time taken.
fn settle_run(q: &mut Qinqing, member: i64, inst: i64, start: usize, n: usize) -> R<Duration> {
    let tokens: Vec<String> = (0..n).map(|_| q.issue_qr(member, None).map(|i| i.token)).collect::<Result<_, _>>()?;
    let t = Instant::now();
    for (i, tok) in tokens.into_iter().enumerate() {
        let s = q.settle(&SettleRequest {
            token: tok,
            institution: inst,
            scenario: "outpatient".into(),
            total_fen: 12_345 + (start + i) as i64,
            bill_id: format!("B-{}", start + i),
            pay_password: Some("135790".into()),
            ..Default::default()
        })?;
        assert!(!s.legs.is_empty());
    }
    Ok(t.elapsed())
}

fn settle(n: usize) -> R<()> {
    let dir = tempfile::tempdir()?;
    // The ledger as shipped (SQLCipher) and the benchmark-only plain one,
    // in the same run, in alternating rounds (issue 35: the cost of encryption).
    let (mut q, member, inst) = ledger_at(&dir.path().join("bench.db"), true)?;
    let (mut p, p_member, p_inst) = ledger_at(&dir.path().join("plain.db"), false)?;
    // Reference: one-row INSERT transactions (BEGIN IMMEDIATE … COMMIT) on a
    // plain file beside them, with the ledger's durability.
    let reference = rusqlite::Connection::open(dir.path().join("reference.db"))?;
    reference.busy_timeout(Duration::from_secs(5))?;
    reference.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE bench_ref (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")?;
    let t = Instant::now();
    for i in 0..n {
        reference.execute_batch("BEGIN IMMEDIATE")?;
        reference.execute("INSERT INTO bench_ref (v) VALUES (?1)", [i as i64])?;
        reference.execute_batch("COMMIT")?;
    }
    let ref_rate = n as f64 / t.elapsed().as_secs_f64();

    // Own account empty: every bill splits into fund + three aid legs + cash checks.
    q.set_balance(member, 0)?;
    p.set_balance(p_member, 0)?;
    // Ten alternating rounds: one round's fsync stalls or WAL checkpoint
    // moves its own ratio by ±10% on this kind of disk; the totals over ten
    // rounds hold to a few percent.
    let rounds = 10;
    let mut per_round = Vec::with_capacity(rounds);
    let per = n.div_ceil(rounds);
    let (mut enc, mut plain) = (Duration::ZERO, Duration::ZERO);
    for r in 0..rounds {
        let a = settle_run(&mut q, member, inst, r * per, per)?;
        let b = settle_run(&mut p, p_member, p_inst, r * per, per)?;
        per_round.push(a.as_secs_f64() / b.as_secs_f64());
        enc += a;
        plain += b;
    }
    let done = per * rounds;
    let rate = done as f64 / enc.as_secs_f64();
    let plain_rate = done as f64 / plain.as_secs_f64();
    let cost = enc.as_secs_f64() / plain.as_secs_f64();
    println!("settlements:            {done} encrypted, {done} plain ({rounds} alternating rounds)");
    println!("settlements per second: {rate:.0}  (encrypted ledger, SQLCipher)");
    println!("  plain ledger:         {plain_rate:.0}  (benchmark-only, same run)");
    println!("encryption cost:        {cost:.3}x the plain time  (target <= 1.15)");
    per_round.sort_by(f64::total_cmp);
    println!(
        "  per round:            median {:.3}x, {:.3}x to {:.3}x",
        (per_round[rounds / 2 - 1] + per_round[rounds / 2]) / 2.0,
        per_round[0],
        per_round[rounds - 1]
    );
    println!("one-row insert tx/s:    {ref_rate:.0}  (plain file, same run)");
    println!("ratio:                  {:.2}  (target >= 0.30)", rate / ref_rate);
    if rate / ref_rate < 0.30 || cost > 1.15 {
        std::process::exit(1);
    }
    Ok(())
}

fn qr(n: usize) -> R<()> {
    let dir = tempfile::tempdir()?;
    let (q, member, _) = ledger(dir.path())?;
    let sample = q.issue_qr(member, None)?.token;
    // Warm up both paths.
    for _ in 0..50 {
        let _ = q.issue_qr(member, None)?;
        let _ = qrcode::QrCode::with_error_correction_level(sample.as_bytes(), qrcode::EcLevel::M)?;
    }
    let t = Instant::now();
    for _ in 0..n {
        let code = qrcode::QrCode::with_error_correction_level(sample.as_bytes(), qrcode::EcLevel::M)?;
        std::hint::black_box(code);
    }
    let reference = t.elapsed() / n as u32;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(q.issue_qr(member, None)?);
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
    Ok(())
}

/// p50 and p95 of `f`, in milliseconds, over `n` runs after a warm-up.
fn percentiles(n: usize, mut f: impl FnMut() -> R<()>) -> R<(f64, f64)> {
    for _ in 0..10 {
        f()?;
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        f()?;
        v.push(t.elapsed().as_secs_f64() * 1e3);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Ok((v[n / 2], v[(n * 95 / 100).min(n - 1)]))
}

/// One family's dashboard (and the first page of its transaction record) on
/// a ledger of `tx` settlements; the number of families grows with the
/// ledger (250 settlements per family), as a service centre's does.
fn dashboard_at(tx: usize) -> R<(f64, f64, f64, f64)> {
    let dir = tempfile::tempdir()?;
    let mut q = Qinqing::open(&dir.path().join("dash.db"))?;
    let t = Instant::now();
    let r = q.seed_ledger((tx / 250).max(1), tx, 7)?;
    eprintln!("  seeded {tx} settlements ({} families) in {:.1} s", r.families, t.elapsed().as_secs_f64());
    // On PostgreSQL (bench/pg-dashboard.sh): the seeded ledger is moved there
    // with `export --to`, and the dashboard is read from it.
    if let Some(base) = std::env::var("QINQING_BENCH_POSTGRES").ok().filter(|v| !v.is_empty()) {
        let url = qinqing_core::pg::fresh_test_database(&base)?;
        let t = Instant::now();
        let rep = q.export_to(std::path::Path::new(&url))?;
        eprintln!("  moved {} rows to PostgreSQL in {:.1} s (checked: {})", rep.rows, t.elapsed().as_secs_f64(), rep.verified);
        q = Qinqing::open(std::path::Path::new(&url))?;
        q.conn().execute_batch("ANALYZE")?;
    }
    let holder = r.first_holder + 5 * (r.families as i64 / 2); // a family in the middle
    let year = chrono_year(&q);
    let (p50, p95) = percentiles(200, || {
        std::hint::black_box(q.dashboard(holder, year)?);
        Ok(())
    })?;
    let (t50, t95) = percentiles(200, || {
        std::hint::black_box(q.tx_list(&qinqing_core::report::TxQuery { family: Some(holder), page: Some(1), page_size: Some(10), ..Default::default() })?);
        Ok(())
    })?;
    Ok((p50, p95, t50, t95))
}

/// `http-load URL KEY FILE CLIENTS SECONDS`: CLIENTS counter terminals (threads,
/// one keep-alive connection each) settle the bills of FILE (race-setup's
/// lines, split round-robin) through `qinqing-server` at URL with the terminal
/// key KEY, each as fast as it is answered, for SECONDS. Prints one JSON line:
/// settlements, seconds, per-second rate, p50/p99 latency, refusals.
fn http_load(url: &str, key: &str, file: &std::path::Path, clients: usize, secs: u64) -> R<()> {
    let text = std::fs::read_to_string(file)?;
    let lines: Vec<Vec<String>> = text.lines().filter(|l| !l.is_empty()).map(|l| l.split('\t').map(str::to_string).collect()).collect();
    let lines = std::sync::Arc::new(lines);
    let start = Instant::now();
    let until = start + Duration::from_secs(secs);
    let workers: Vec<_> = (0..clients.max(1))
        .map(|c| {
            let (lines, url, key) = (lines.clone(), url.to_string(), key.to_string());
            std::thread::spawn(move || -> (Vec<u64>, usize) {
                let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
                let (mut us, mut refused) = (Vec::new(), 0);
                for l in lines.iter().skip(c).step_by(clients.max(1)) {
                    if Instant::now() >= until {
                        break;
                    }
                    let body = serde_json::json!({ "token": l[0], "bill_id": l[1], "total_fen": l[2].parse::<i64>().unwrap_or(100),
                        "institution": l[3].parse::<i64>().unwrap_or(0), "scenario": "pharmacy", "pay_password": race::PAY });
                    let t = Instant::now();
                    match agent.post(&format!("{url}/api/v1/settle")).set("authorization", &format!("Bearer {key}")).send_json(body) {
                        Ok(_) => us.push(t.elapsed().as_micros() as u64),
                        Err(_) => refused += 1,
                    }
                }
                (us, refused)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut refused = 0;
    for w in workers {
        let (us, r) = w.join().map_err(|_| "a load thread panicked")?;
        all.extend(us);
        refused += r;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    if all.is_empty() {
        return Err("no settlement succeeded".into());
    }
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)] as f64 / 1000.0;
    println!(
        "{}",
        serde_json::json!({ "settlements": all.len(), "seconds": elapsed, "per_second": all.len() as f64 / elapsed,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "refused": refused, "clients": clients })
    );
    Ok(())
}

/// The cost of one statement on a ledger: `SELECT 1` through the store, 2,000 times.
fn round_trip(db: &std::path::Path) -> R<()> {
    let q = Qinqing::open(db)?;
    let mut xs = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let t = Instant::now();
        let _: i64 = q.conn().query_row("SELECT 1", [], |r| r.get(0))?;
        xs.push(t.elapsed().as_secs_f64() * 1e6);
    }
    xs.sort_by(f64::total_cmp);
    println!("one statement: p50 {:.0} us, p95 {:.0} us", xs[1000], xs[1900]);
    Ok(())
}

fn chrono_year(q: &Qinqing) -> i32 {
    q.today().format("%Y").to_string().parse().unwrap_or(2026)
}

fn dashboard(big: usize) -> R<()> {
    let small = 10_000;
    let (a50, a95, at50, at95) = dashboard_at(small)?;
    let (b50, b95, bt50, bt95) = dashboard_at(big)?;
    println!("dashboard load, one family      p50        p95");
    println!("  {small:>9} settlements     {a50:6.2} ms  {a95:6.2} ms");
    println!("  {big:>9} settlements     {b50:6.2} ms  {b95:6.2} ms");
    println!("transaction record, first page");
    println!("  {small:>9} settlements     {at50:6.2} ms  {at95:6.2} ms");
    println!("  {big:>9} settlements     {bt50:6.2} ms  {bt95:6.2} ms");
    println!("p95 ratio big/small: {:.2}  (target <= 2.00; p95 at big <= 10 ms)", b95 / a95);
    if b95 > 10.0 || b95 / a95 > 2.0 {
        std::process::exit(1);
    }
    Ok(())
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let a = |i: usize| std::env::args().nth(i).unwrap_or_default();
    let r = match arg.as_str() {
        "race-setup" => race::setup(std::path::Path::new(&a(2)), a(3).parse().unwrap_or(20), a(4).parse().unwrap_or(2000), std::path::Path::new(&a(5))),
        "race-worker" => (|| {
            let window = match (std::env::args().nth(5), std::env::args().nth(6)) {
                (Some(at), Some(secs)) => Some((at.parse::<f64>()?, secs.parse::<f64>()?)),
                _ => None,
            };
            race::worker(std::path::Path::new(&a(2)), std::path::Path::new(&a(3)), std::env::args().nth(4).as_deref().map(std::path::Path::new), window)
        })(),
        "round-trip" => round_trip(std::path::Path::new(&a(2))),
        "http-load" => http_load(&a(2), &a(3), std::path::Path::new(&a(4)), a(5).parse().unwrap_or(8), a(6).parse().unwrap_or(30)),
        "failover-load" => {
            failover::load(&a(2), &a(3), std::path::Path::new(&a(4)), a(5).parse().unwrap_or(4), std::path::Path::new(&a(6)), a(7).parse().unwrap_or(120))
        }
        "doc-ingest" => docs::ingest(std::path::Path::new(&a(2)), a(3).parse().unwrap_or(7)),
        "idle-memory" => idle::run(a(2).parse().unwrap_or(5)),
        "idle-child" => idle::child(&a(2), std::path::Path::new(&a(3))),
        "settle" => settle(n),
        "qr" => qr(n),
        "dashboard" => dashboard(std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(1_000_000)),
        _ => {
            eprintln!("usage: qinqing-bench settle|qr [N] | dashboard [BIG] | doc-ingest PHOTO [ROUNDS] | idle-memory [ROUNDS] | race-setup DB MEMBERS BILLS OUT | race-worker DB FILE [TIMES [START_AT SECS]] | http-load URL KEY FILE CLIENTS SECS | failover-load URLS KEY FILE CLIENTS OUT [SECS]");
            std::process::exit(2);
        }
    };
    if let Err(e) = r {
        eprintln!("qinqing-bench: {e}");
        std::process::exit(1);
    }
}
