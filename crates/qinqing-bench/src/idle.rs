//! `qinqing-bench idle-memory [ROUNDS]`: what encryption at rest adds to an
//! idle app's memory (issue 35: "idle memory unchanged within noise").
//!
//! The webview's processes do not change with the ledger's encryption: the
//! app's own process does, by SQLCipher's contexts and page buffers. So each
//! side runs in a child process of its own (`idle-child sealed|plain DB`) that
//! opens the same seeded ledger the way the app does (`Qinqing::open`, or
//! the benchmark-only `open_unencrypted_for_benchmark`), reads what the first
//! screens read (the register, the holder's dashboard, the documents, the
//! settlements), and then waits; the parent reads the child's PSS
//! (`/proc/PID/smaps_rollup`) after a settling pause. Rounds alternate sides.

use qinqing_core::{PersonQuery, Qinqing};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

type R<T> = Result<T, Box<dyn std::error::Error>>;

/// The child: open, read the first screens, say "ready", wait to be killed.
pub fn child(side: &str, db: &Path) -> R<()> {
    let q = if side == "sealed" { Qinqing::open(db)? } else { Qinqing::open_unencrypted_for_benchmark(db)? };
    let persons = q.list_persons(&PersonQuery::default())?;
    let holder = persons.first().map(|p| p.id).unwrap_or(1);
    let year: i32 = q.today().format("%Y").to_string().parse()?;
    let _ = q.dashboard(holder, year)?;
    let _ = q.list_documents(None)?;
    let _ = q.list_settlements(None, 50)?;
    println!("ready {}", persons.len());
    std::thread::sleep(Duration::from_secs(600));
    Ok(())
}

fn pss_kib(pid: u32) -> R<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    let line = text.lines().find(|l| l.starts_with("Pss:")).ok_or("no Pss line")?;
    Ok(line.split_whitespace().nth(1).ok_or("no Pss value")?.parse()?)
}

fn measure(side: &str, db: &Path) -> R<u64> {
    use std::io::BufRead;
    let mut c = Command::new(std::env::current_exe()?).args(["idle-child", side]).arg(db).stdout(Stdio::piped()).spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(c.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    if !line.starts_with("ready") {
        let _ = c.kill();
        return Err(format!("{side}: the child did not start").into());
    }
    std::thread::sleep(Duration::from_secs(2));
    let kib = pss_kib(c.id());
    let _ = c.kill();
    let _ = c.wait();
    kib
}

pub fn run(rounds: usize) -> R<()> {
    let dir = tempfile::tempdir()?;
    let (sealed, plain) = (dir.path().join("sealed.db"), dir.path().join("plain.db"));
    for (path, encrypted) in [(&sealed, true), (&plain, false)] {
        let mut q = if encrypted { Qinqing::open(path)? } else { Qinqing::open_unencrypted_for_benchmark(path)? };
        q.demo_seed()?;
        q.seed_ledger(200, 20_000, 7)?;
    }
    let (mut s, mut p) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        if r % 2 == 0 {
            s.push(measure("sealed", &sealed)?);
            p.push(measure("plain", &plain)?);
        } else {
            p.push(measure("plain", &plain)?);
            s.push(measure("sealed", &sealed)?);
        }
    }
    s.sort_unstable();
    p.sort_unstable();
    let (ms, mp) = (s[s.len() / 2], p[p.len() / 2]);
    println!("idle app process, PSS median of {rounds} (KiB): encrypted {ms}, plain {mp}  (all: {s:?} / {p:?})");
    println!("difference: {:+} KiB = {:.3}x", ms as i64 - mp as i64, ms as f64 / mp as f64);
    Ok(())
}
