//! Several OS processes settling at once against one ledger: the worker that
//! `tests/race.rs` (exactly-once, money conserved, kill -9) and
//! `bench/pg-settle.sh` (settlements/s and p99 with 8 clients) start.
//!
//! `qinqing-bench race-setup DB MEMBERS BILLS OUT` makes members, an
//! institution and one code per bill, writes `token<TAB>bill<TAB>total` lines;
//! `qinqing-bench race-worker DB FILE [TIMES]` settles each line of FILE in
//! order (a fifth field, if any, is the payment password to give), each
//! with its own transaction, and prints one JSON line per bill:
//! `{"bill":…,"id":…,"replayed":…,"us":…}` or `{"bill":…,"error":"CODE"}`
//! (buffered: a killed worker's lines may be lost, never its settlements).
//! TIMES, when given, gets `START END` (Unix seconds): when the first bill
//! began and the last answer was written — the worker's settling time
//! without its start and connection (as pgbench's "without initial
//! connection time").
//!
//! `race-worker DB FILE TIMES START_AT SECS` (the benchmark with several
//! clients, as pgbench's `-T`): after opening the ledger the worker waits
//! until START_AT (Unix seconds), so every client begins at the same moment,
//! and takes no new bill once SECS have passed since then — the figure is
//! then the settlements of a window in which every client was running,
//! without the start-up skew of OS processes or the tail of the last ones
//! to finish. Running out of bills before SECS is an error (the window
//! would not be full).

use qinqing_core::id::with_check_char;
use qinqing_core::settle::SettleRequest;
use qinqing_core::{PersonInput, Qinqing};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

type R<T> = Result<T, Box<dyn std::error::Error>>;

pub const PAY: &str = "135790";

pub fn setup(db: &Path, members: usize, bills: usize, out: &Path) -> R<()> {
    let mut q = Qinqing::open(db)?;
    let inst = q.add_institution("竞速药房", "310115", true, false)?.id;
    let mut ids = Vec::new();
    for i in 0..members {
        let id = q
            .add_person(&PersonInput {
                name: format!("竞速{i}"),
                resident_id: with_check_char(&format!("310115{:04}{:02}{:02}{:03}", 2012 + i % 8, 1 + i % 12, 1 + i % 28, 100 + i)),
                insurance: "resident".into(),
                region: "310115".into(),
                balance_fen: Some(200_000),
                voucher_activated: true,
                ..Default::default()
            })?
            .id;
        q.set_pay_password(id, PAY, PAY)?;
        ids.push(id);
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    for b in 0..bills {
        let member = ids[b % ids.len()];
        let token = q.issue_qr(member, None)?.token;
        let total = 100 + (b as i64 * 7919) % 4900;
        writeln!(f, "{token}\tR-{b}\t{total}\t{inst}")?;
    }
    f.flush()?;
    Ok(())
}

pub fn worker(db: &Path, file: &Path, times: Option<&Path>, window: Option<(f64, f64)>) -> R<()> {
    let mut q = Qinqing::open_existing(db)?;
    let text = std::fs::read_to_string(file)?;
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    if let Some((at, _)) = window {
        let wait = at - now();
        if wait < 0.0 {
            return Err(format!("the common start was {:.3} s ago: give the clients more time to open the ledger", -wait).into());
        }
        std::thread::sleep(std::time::Duration::from_secs_f64(wait));
    }
    let start = now();
    let mut lines = text.lines().filter(|l| !l.is_empty());
    loop {
        if let Some((at, secs)) = window {
            if now() >= at + secs {
                break;
            }
        }
        let Some(line) = lines.next() else {
            if window.is_some() {
                return Err("the bills ran out before the window ended: make more".into());
            }
            break;
        };
        let f: Vec<&str> = line.split('\t').collect();
        // An optional fifth field: the payment password to give (the right one by default).
        let (token, bill, total, inst, pay) = match f[..] {
            [token, bill, total, inst] => (token, bill, total, inst, PAY),
            [token, bill, total, inst, pay] => (token, bill, total, inst, pay),
            _ => return Err(format!("bad line: {line}").into()),
        };
        let req = SettleRequest {
            token: token.into(),
            institution: inst.parse()?,
            scenario: "pharmacy".into(),
            total_fen: total.parse()?,
            total_yuan: None,
            bill_id: bill.into(),
            emergency: false,
            stay: None,
            pay_password: Some(pay.into()),
            ..Default::default()
        };
        let t = Instant::now();
        let r = q.settle(&req);
        let us = t.elapsed().as_micros();
        let v = match r {
            Ok(s) => {
                serde_json::json!({ "bill": bill, "id": s.id, "replayed": s.replayed, "us": us })
            }
            Err(e) => {
                serde_json::json!({ "bill": bill, "error": e.code, "message": e.message_en, "us": us })
            }
        };
        writeln!(out, "{v}")?;
    }
    out.flush()?;
    if let Some(t) = times {
        std::fs::write(t, format!("{start:.6} {:.6}\n", now()))?;
    }
    Ok(())
}
