//! Issue 35: backups are encrypted to a passphrase the operator types; a
//! backup restores on another computer without the first one's key store; a
//! wrong passphrase or a damaged file is a clear error that changes nothing.

use qinqing_core::{Code, Qinqing};
use std::path::Path;

const PASS: &str = "家里的备份口令 2026";

fn count(q: &Qinqing, table: &str) -> i64 {
    q.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

fn sums(q: &Qinqing) -> (i64, i64, i64, i64) {
    (
        count(q, "person"),
        count(q, "settlement"),
        q.conn().query_row("SELECT coalesce(sum(balance_fen), 0) FROM person", [], |r| r.get(0)).unwrap(),
        q.conn().query_row("SELECT coalesce(sum(total_fen), 0) FROM settlement", [], |r| r.get(0)).unwrap(),
    )
}

/// A ledger with people, settlements and documents (with thumbnails).
fn ledger(path: &Path) -> Qinqing {
    let mut q = Qinqing::open(path).unwrap();
    q.demo_seed().unwrap();
    let first: i64 = q.conn().query_row("SELECT min(id) FROM person", [], |r| r.get(0)).unwrap();
    for (i, kind) in ["household_register", "birth_certificate"].iter().enumerate() {
        q.add_sample_document(first + i as i64, kind, "备份测试").unwrap();
    }
    q
}

fn doc_images(q: &Qinqing) -> Vec<Vec<u8>> {
    q.list_documents(None).unwrap().iter().map(|d| q.document_bytes(d.id).unwrap().1).collect()
}

#[test]
fn a_backup_is_unreadable_without_its_passphrase_and_restores_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let q = ledger(&dir.path().join("home/qinqing.db"));
    let before = sums(&q);
    let docs = doc_images(&q);
    assert!(docs.len() >= 2);
    let out = dir.path().join("usb/qinqing.backup");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let m = q.backup_to(&out, Some(PASS)).unwrap();
    assert_eq!((m.persons, m.documents), (before.0, docs.len() as i64));

    // The file is age's format: nothing of the ledger or the images shows.
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    let name: String = q.conn().query_row("SELECT name FROM person ORDER BY id LIMIT 1", [], |r| r.get(0)).unwrap();
    for needle in [&b"SQLite format 3"[..], name.as_bytes(), &[0x89, b'P', b'N', b'G'], &[0xFF, 0xD8, 0xFF]] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "the backup shows {needle:?}");
    }

    // "Another computer": a new ledger at another place, with its own key.
    let mut other = Qinqing::open(&dir.path().join("other/qinqing.db")).unwrap();
    let m2 = other.restore_from(&out, Some(PASS)).unwrap().expect("a manifest");
    assert_eq!(m2.persons, before.0);
    assert_eq!(sums(&other), before);
    assert_eq!(doc_images(&other), docs, "every document restored, readable under the new key");
    // Codes signed before the backup still verify: the signing key came along.
    assert_eq!(other.public_key_hex().unwrap(), q.public_key_hex().unwrap());
    drop(other);
    let again = Qinqing::open_existing(&dir.path().join("other/qinqing.db")).unwrap();
    assert_eq!(sums(&again), before);
}

#[test]
fn a_wrong_passphrase_or_a_damaged_backup_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let q = ledger(&dir.path().join("a/qinqing.db"));
    let out = dir.path().join("b.backup");
    q.backup_to(&out, Some(PASS)).unwrap();

    let mut target = Qinqing::open(&dir.path().join("t/qinqing.db")).unwrap();
    let before = sums(&target);
    let err = target.restore_from(&out, Some("not the passphrase")).unwrap_err();
    assert_eq!(err.code, Code::BackupPassphraseWrong, "{err:?}");
    assert!(err.message_en.contains("Type the passphrase"), "{}", err.message_en);
    for missing in [None, Some(""), Some("short")] {
        assert_eq!(target.restore_from(&out, missing).unwrap_err().code, Code::BackupPassphraseMissing);
    }
    assert_eq!(qinqing_core::backup::check_backup(&out, Some("wrong passphrase!")).unwrap_err().code, Code::BackupPassphraseWrong);

    // One byte changed anywhere past the header, or the file cut short.
    let bytes = std::fs::read(&out).unwrap();
    for (i, damaged) in [
        {
            let mut b = bytes.clone();
            let k = b.len() - 100;
            b[k] ^= 1;
            b
        },
        {
            let mut b = bytes.clone();
            let k = b.len() / 2;
            b[k] ^= 0x80;
            b
        },
        bytes[..bytes.len() - 1000].to_vec(),
    ]
    .into_iter()
    .enumerate()
    {
        let p = dir.path().join(format!("damaged-{i}.backup"));
        std::fs::write(&p, damaged).unwrap();
        let err = target.restore_from(&p, Some(PASS)).unwrap_err();
        assert_eq!(err.code, Code::BackupFailed, "damage {i}: {err:?}");
    }
    assert_eq!(sums(&target), before, "the target is untouched");
    assert!(target.list_documents(None).unwrap().is_empty(), "no document came in");

    // Making a backup needs a passphrase, and leaves no file without one.
    let none = dir.path().join("none.backup");
    assert_eq!(q.backup_to(&none, Some("short")).unwrap_err().code, Code::BackupPassphraseMissing);
    assert!(!none.exists());
}

#[test]
fn an_earlier_versions_plain_backup_still_restores() {
    let dir = tempfile::tempdir().unwrap();
    // An earlier version's backup was a plain SQLite copy of its ledger.
    let old = dir.path().join("old-backup.db");
    let mut src = Qinqing::open_unencrypted_for_benchmark(&old).unwrap();
    src.demo_seed().unwrap();
    let before = sums(&src);
    drop(src);
    let mut target = Qinqing::open(&dir.path().join("new/qinqing.db")).unwrap();
    assert!(target.restore_from(&old, None).unwrap().is_none());
    assert_eq!(sums(&target), before);
}
