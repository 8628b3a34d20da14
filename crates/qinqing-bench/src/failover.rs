//! `qinqing-bench failover-load URLS KEY FILE CLIENTS OUT [SECS]`: counter
//! terminals that keep settling while the ledger fails over or a server
//! replica dies (issue 34, `scripts/failover-test.sh`).
//!
//! URLS is a comma-separated list of `qinqing-server` base URLs. CLIENTS
//! terminals (threads) split FILE's bills (race-setup's lines) round-robin;
//! each sends its bills to `POST {url}/api/v1/settle` with the terminal key
//! KEY, taking the URLS in turn request by request. On a connection error, a
//! 503 or a 429 it waits (`Retry-After` if given, else 200 ms; at most 2 s),
//! moves to the next URL and sends THE SAME BILL again — as a counter does:
//! a bill retried is never charged twice — until it is answered 200, refused
//! (any other 4xx or 5xx: counted as refused with its code), or SECS
//! (default 120) have passed since the start (the bill and the terminal's
//! later ones are then unfinished).
//!
//! Every 200 is appended at once to OUT:
//! `bill<TAB>settlement id<TAB>replayed 0/1<TAB>unix ms answered<TAB>total_fen`.
//! At the end one JSON line: acknowledged, refused, retries, unfinished, the
//! longest gap between consecutive acknowledgements (all terminals together)
//! and when it began (unix ms), and what the retries and refusals were.
//! Exits 1 when a bill is unfinished.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

type R<T> = Result<T, Box<dyn std::error::Error>>;

/// The wait before a retry when the answer names none.
const DEFAULT_WAIT: Duration = Duration::from_millis(200);
/// The longest wait before a retry, whatever `Retry-After` says.
const MAX_WAIT: Duration = Duration::from_secs(2);

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// What one terminal did.
#[derive(Default)]
struct Tally {
    /// Unix ms of each acknowledgement.
    acks: Vec<u64>,
    replayed: usize,
    refused: usize,
    retries: usize,
    unfinished: usize,
    /// Why a request was retried: `connect`, `503 DB_LOST`, `429 RATE_LIMITED` …
    retry_reasons: BTreeMap<String, usize>,
    /// Why a bill was refused: `422 CODE` …
    refusals: BTreeMap<String, usize>,
}

/// The answer to one attempt at a bill.
enum Attempt {
    /// Settled: id, replayed, total_fen.
    Done(i64, bool, i64),
    /// Try again (after the wait) at the next URL; why.
    Retry(Option<Duration>, String),
    /// Refused for good; why.
    Refused(String),
}

/// The error code of a refusal's JSON body (`{"error": {"code": …}}`), if any.
fn error_code(resp: ureq::Response) -> String {
    resp.into_json::<serde_json::Value>().ok().and_then(|v| v.pointer("/error/code").and_then(|c| c.as_str()).map(str::to_string)).unwrap_or_else(|| "-".into())
}

fn attempt(agent: &ureq::Agent, url: &str, key: &str, body: &serde_json::Value) -> Attempt {
    let sent = agent.post(&format!("{url}/api/v1/settle")).set("authorization", &format!("Bearer {key}")).send_json(body.clone());
    match sent {
        Ok(resp) => match resp.into_json::<serde_json::Value>() {
            Ok(v) => match (v["id"].as_i64(), v["replayed"].as_bool(), v["total_fen"].as_i64()) {
                (Some(id), Some(replayed), Some(total)) => Attempt::Done(id, replayed, total),
                _ => Attempt::Refused(format!("200 unexpected answer: {v}")),
            },
            // The answer was cut off: whether it settled is unknown, so ask again.
            Err(_) => Attempt::Retry(None, "200 unreadable".into()),
        },
        Err(ureq::Error::Status(status @ (429 | 503), resp)) => {
            let wait = resp.header("retry-after").and_then(|s| s.trim().parse::<u64>().ok()).map(Duration::from_secs);
            Attempt::Retry(wait, format!("{status} {}", error_code(resp)))
        }
        Err(ureq::Error::Status(status, resp)) => Attempt::Refused(format!("{status} {}", error_code(resp))),
        Err(ureq::Error::Transport(t)) => Attempt::Retry(None, format!("transport {}", t.kind())),
    }
}

/// One terminal: its share of `lines`, written to `out` as they are acknowledged.
fn terminal(c: usize, clients: usize, lines: &[Vec<String>], urls: &[String], key: &str, out: &Mutex<std::fs::File>, until: Instant) -> Tally {
    let agent = ureq::AgentBuilder::new().timeout_connect(Duration::from_secs(2)).timeout(Duration::from_secs(20)).build();
    let mut t = Tally::default();
    // Terminals start on different servers, then take them in turn.
    let mut turn = c;
    let mine: Vec<&Vec<String>> = lines.iter().skip(c).step_by(clients).collect();
    for (done, l) in mine.iter().enumerate() {
        let body = serde_json::json!({ "token": l[0], "bill_id": l[1], "total_fen": l[2].parse::<i64>().unwrap_or(100),
            "institution": l[3].parse::<i64>().unwrap_or(0), "scenario": "pharmacy", "pay_password": crate::race::PAY });
        loop {
            if Instant::now() >= until {
                t.unfinished = mine.len() - done;
                return t;
            }
            let url = &urls[turn % urls.len()];
            turn += 1;
            match attempt(&agent, url, key, &body) {
                Attempt::Done(id, replayed, total) => {
                    let at = unix_ms();
                    let line = format!("{}\t{id}\t{}\t{at}\t{total}\n", l[1], replayed as u8);
                    if let Ok(mut f) = out.lock() {
                        if let Err(e) = f.write_all(line.as_bytes()) {
                            eprintln!("failover-load: cannot write OUT: {e}");
                        }
                    }
                    t.acks.push(at);
                    t.replayed += replayed as usize;
                    break;
                }
                Attempt::Refused(why) => {
                    eprintln!("failover-load: bill {} refused at {url}: {why}", l[1]);
                    t.refused += 1;
                    *t.refusals.entry(why).or_default() += 1;
                    break;
                }
                Attempt::Retry(wait, why) => {
                    t.retries += 1;
                    *t.retry_reasons.entry(why).or_default() += 1;
                    let wait = wait.unwrap_or(DEFAULT_WAIT).min(MAX_WAIT);
                    std::thread::sleep(wait.min(until.saturating_duration_since(Instant::now())));
                }
            }
        }
    }
    t
}

pub fn load(urls: &str, key: &str, file: &Path, clients: usize, out: &Path, secs: u64) -> R<()> {
    let urls: Vec<String> = urls.split(',').map(|u| u.trim().trim_end_matches('/').to_string()).filter(|u| !u.is_empty()).collect();
    if urls.is_empty() {
        return Err("failover-load: no server URL given".into());
    }
    let text = std::fs::read_to_string(file)?;
    let lines: Vec<Vec<String>> = text.lines().filter(|l| !l.is_empty()).map(|l| l.split('\t').map(str::to_string).collect()).collect();
    if let Some(bad) = lines.iter().find(|l| l.len() < 4) {
        return Err(format!("failover-load: bad line in {}: {}", file.display(), bad.join("\t")).into());
    }
    let out_file = std::fs::OpenOptions::new().create(true).append(true).open(out)?;
    let clients = clients.max(1);
    let (lines, urls, out_file) = (Arc::new(lines), Arc::new(urls), Arc::new(Mutex::new(out_file)));
    let start = Instant::now();
    let until = start + Duration::from_secs(secs);
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (lines, urls, out_file, key) = (lines.clone(), urls.clone(), out_file.clone(), key.to_string());
            std::thread::spawn(move || terminal(c, clients, &lines, &urls, &key, &out_file, until))
        })
        .collect();
    let mut all = Tally::default();
    for w in workers {
        let t = w.join().map_err(|_| "a terminal thread panicked")?;
        all.acks.extend(t.acks);
        all.replayed += t.replayed;
        all.refused += t.refused;
        all.retries += t.retries;
        all.unfinished += t.unfinished;
        for (k, n) in t.retry_reasons {
            *all.retry_reasons.entry(k).or_default() += n;
        }
        for (k, n) in t.refusals {
            *all.refusals.entry(k).or_default() += n;
        }
    }
    all.acks.sort_unstable();
    let (gap, gap_from) = all.acks.windows(2).map(|w| (w[1] - w[0], w[0])).max_by_key(|&(g, _)| g).unwrap_or((0, 0));
    println!(
        "{}",
        serde_json::json!({
            "acknowledged": all.acks.len(), "refused": all.refused, "retries": all.retries, "unfinished": all.unfinished,
            "longest_gap_ms": gap, "longest_gap_from_ms": gap_from, "replayed": all.replayed,
            "retry_reasons": all.retry_reasons, "refusals": all.refusals,
            "bills": lines.len(), "clients": clients, "servers": urls.len(), "seconds": start.elapsed().as_secs_f64(),
        })
    );
    if all.unfinished > 0 {
        eprintln!("failover-load: {} bills unfinished after {secs} s", all.unfinished);
        std::process::exit(1);
    }
    Ok(())
}
