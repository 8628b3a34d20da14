//! `qinqing-bench doc-ingest PHOTO [ROUNDS]`: the cost of sealing documents
//! at rest (issue 35). The same upload is ingested — read, sniffed, decoded,
//! turned upright, downscaled, re-encoded, thumbnailed, hashed, stored with
//! its row — into a ledger opened as the app opens it (`Qinqing::open`:
//! documents sealed under the ledger's key) and into one opened without
//! encryption (`Qinqing::open_unencrypted_for_benchmark`, the benchmarks'
//! reference only), in the same run, interleaved round by round and the
//! order swapped every round, so both sides see the same machine load.
//! Each round uses two fresh ledgers; a small sample document is ingested
//! first on each (so a key read or made on first use, the store's folders and
//! the first statements are not timed). Target: ratio ≤ 1.20.

use crate::R;
use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};
use std::path::Path;
use std::time::{Duration, Instant};

/// The target: ingest with encryption at most this many times the time without.
const TARGET: f64 = 1.20;

fn one(dir: &Path, photo: &Path, sealed: bool) -> R<Duration> {
    let db = dir.join(if sealed { "sealed.db" } else { "plain.db" });
    let mut q = if sealed { Qinqing::open(&db)? } else { Qinqing::open_unencrypted_for_benchmark(&db)? };
    let person = q
        .add_person(&PersonInput {
            name: "张伟".into(),
            resident_id: with_check_char("34010419821108017"),
            insurance: "employee".into(),
            region: "310115".into(),
            voucher_activated: true,
            ..Default::default()
        })?
        .id;
    q.add_sample_document(person, "id_card_front", "warm-up")?;
    let t = Instant::now();
    let d = q.ingest_document_path(person, "hukou", photo, "", None)?;
    let took = t.elapsed();
    if d.duplicate {
        return Err("the timed upload was a duplicate".into());
    }
    // The work was really done, and reads back (outside the timing).
    let (_, bytes) = q.document_bytes(d.document.id)?;
    if bytes.len() as i64 != d.document.bytes {
        return Err("the stored document does not read back".into());
    }
    Ok(took)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn ingest(photo: &Path, rounds: usize) -> R<()> {
    if !photo.is_file() {
        return Err(format!("{}: no such photo (bench/doc-ingest.sh makes one)", photo.display()).into());
    }
    let rounds = rounds.max(1);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let dir = tempfile::tempdir()?;
        for sealed in if round % 2 == 0 { [true, false] } else { [false, true] } {
            let took = one(dir.path(), photo, sealed)?;
            if sealed { &mut with } else { &mut without }.push(took);
        }
    }
    with.sort();
    without.sort();
    let (best_w, best_o) = (ms(with[0]), ms(without[0]));
    let (med_w, med_o) = (ms(with[with.len() / 2]), ms(without[without.len() / 2]));
    let ratio = best_w / best_o;
    println!("rounds:                          {rounds} (interleaved, fresh ledgers each)");
    println!("with encryption (Qinqing::open): best {best_w:.1} ms, median {med_w:.1} ms");
    println!("without (benchmark-only plain):  best {best_o:.1} ms, median {med_o:.1} ms");
    println!("ratio with/without, best:        {ratio:.3}  (median {:.3}; target <= {TARGET:.2})", med_w / med_o);
    if ratio > TARGET {
        eprintln!("SLOWER than {TARGET:.2}x the same ingest without encryption");
        std::process::exit(1);
    }
    println!("OK: encryption at rest costs at most {TARGET:.2}x");
    Ok(())
}
