//! Secrets outside the ledger (issue 31 §8): a copy of the database — a
//! dump, a replica, a backup — holds neither the installation's signing key
//! nor the payment-password pepper derived from it. On PostgreSQL the key
//! lives in a key file ([`qinqing_core::keyfile`]); a ledger that still held
//! it in its `blob` table moves it out on first open and erases the row.

use qinqing_core::keyfile;
use qinqing_core::{Actor, Code, Qinqing};
use std::path::Path;

fn pg_base() -> Option<String> {
    std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty())
}

/// Every byte string stored anywhere in the database, as hex (a dump).
fn dump_hex(q: &Qinqing) -> String {
    let tables_sql = match q.backend() {
        qinqing_core::store::Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        qinqing_core::store::Backend::Postgresql => "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    };
    let tables: Vec<String> = q.conn().prepare(tables_sql).unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    let mut out = String::new();
    for t in tables {
        let mut stmt = q.conn().prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let rows = stmt
            .query_map([], |r| {
                let mut s = String::new();
                for i in 0..r.column_count() {
                    match r.get::<_, qinqing_core::store::Value>(i)? {
                        qinqing_core::store::Value::Blob(b) => s.push_str(&data_encoding::HEXLOWER.encode(&b)),
                        v => s.push_str(&format!("{v:?}")),
                    }
                    s.push('|');
                }
                Ok(s)
            })
            .unwrap();
        for r in rows {
            out.push_str(&r.unwrap());
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_signing_key_is_not_in_the_database_on_either_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = match pg_base() {
        Some(base) => qinqing_core::pg::fresh_test_database(&base).unwrap(),
        None => dir.path().join("ledger.db").to_string_lossy().into_owned(),
    };
    let mut q = Qinqing::open(Path::new(&db)).unwrap();
    let key = q.signing_key().unwrap();
    q.set_actor(Actor::Operator);
    let kid = q
        .add_person(&qinqing_core::PersonInput {
            name: "张子涵".into(),
            resident_id: qinqing_core::id::with_check_char("31011520140910013"),
            insurance: "resident".into(),
            region: "310115".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    q.set_pay_password(kid, "135790", "135790").unwrap();
    let dump = dump_hex(&q);
    let secret = data_encoding::HEXLOWER.encode(&key.to_bytes());
    assert!(!dump.contains(&secret), "the secret key is nowhere in the database");
    // The key is an owner-only file outside the database.
    let file = match pg_base() {
        Some(_) => {
            let name: String = q.conn().query_row("SELECT current_database()", [], |r| r.get(0)).unwrap();
            keyfile::path_for(&name).unwrap()
        }
        None => qinqing_core::service::files_dir_for(Path::new(&db)).join("keys").join("installation.ed25519"),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o077, 0, "owner-only");
    }
    let held = std::fs::read(&file).unwrap();
    match pg_base() {
        Some(_) => assert_eq!(held, key.to_bytes().to_vec(), "{}", file.display()),
        // A SQLite ledger's key file is sealed under the ledger's key (issue
        // 35): a copy of the document folder does not carry the signing key.
        None => {
            assert!(qinqing_core::store::sealed::is_sealed(&held), "{}", file.display());
            assert!(!held.windows(32).any(|w| w == key.to_bytes()), "the key's bytes are not in its file");
            drop(q);
            let q2 = Qinqing::open(Path::new(&db)).unwrap();
            assert_eq!(q2.signing_key().unwrap().to_bytes(), key.to_bytes(), "and it opens again");
            return;
        }
    }
    if let Some(base) = pg_base() {
        drop(q);
        qinqing_core::pg::drop_test_database(&base, &db).unwrap();
    }
}

/// A PostgreSQL ledger of schema ≤ 9 kept the secret in its `blob` table:
/// the first open moves it to the key file and erases the row; a server
/// with a key file of its own is refused rather than signing with it.
#[test]
fn a_ledger_that_held_its_key_in_the_table_moves_it_out_and_erases_it() {
    let Some(base) = pg_base() else { return };
    let url = qinqing_core::pg::fresh_test_database(&base).unwrap();
    let q = Qinqing::open(Path::new(&url)).unwrap();
    let name: String = q.conn().query_row("SELECT current_database()", [], |r| r.get(0)).unwrap();
    let file = keyfile::path_for(&name).unwrap();
    let _ = std::fs::remove_file(&file);
    // As the old code left it: the secret in the table, nothing on disk.
    let old = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    q.conn().execute("INSERT INTO blob (name, bytes) VALUES (?1, ?2)", qinqing_core::params![keyfile::LEGACY_SECRET, old.to_bytes().to_vec()]).unwrap();
    drop(q);

    let q = Qinqing::open_existing(Path::new(&url)).unwrap();
    assert_eq!(q.signing_key().unwrap().to_bytes(), old.to_bytes(), "the same key: codes and device certificates stay valid");
    assert_eq!(std::fs::read(&file).unwrap(), old.to_bytes().to_vec(), "moved to the key file");
    let n: i64 = q.conn().query_row("SELECT count(*) FROM blob WHERE name = ?1", [keyfile::LEGACY_SECRET], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "erased from the table");
    assert!(!dump_hex(&q).contains(&data_encoding::HEXLOWER.encode(&old.to_bytes())));
    let public: Vec<u8> = q.conn().query_row("SELECT bytes FROM blob WHERE name = ?1", [keyfile::PUBLIC], |r| r.get(0)).unwrap();
    assert_eq!(public, old.verifying_key().to_bytes().to_vec(), "only the public key stays");
    drop(q);

    // A second server that made a key of its own is refused, and changes nothing.
    std::fs::remove_file(&file).unwrap();
    qinqing_core::docstore::write_private_new(&file, &[7u8; 32]).unwrap();
    let q = Qinqing::open_existing(Path::new(&url)).unwrap();
    let e = q.signing_key().unwrap_err();
    assert_eq!(e.code, Code::KeyMismatch, "{e}");
    assert!(e.message_en.contains(&file.display().to_string()), "says which file: {e}");
    assert_eq!(q.public_key_hex().unwrap_err().code, Code::KeyMismatch);
    drop(q);
    qinqing_core::pg::drop_test_database(&base, &url).unwrap();
}

/// An earlier version kept a SQLite ledger's signing key as 32 plain bytes
/// in its document folder: the first use seals it in place, same key.
#[test]
fn an_earlier_versions_plain_signing_key_file_is_sealed_in_place() {
    if pg_base().is_some() {
        return; // a PostgreSQL ledger's key file is the server's (above)
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let q = Qinqing::open(&db).unwrap();
    let key = q.signing_key().unwrap();
    drop(q);
    let file = qinqing_core::service::files_dir_for(&db).join("keys").join("installation.ed25519");
    std::fs::write(&file, key.to_bytes()).unwrap();
    let q = Qinqing::open(&db).unwrap();
    assert_eq!(q.signing_key().unwrap().to_bytes(), key.to_bytes());
    let held = std::fs::read(&file).unwrap();
    assert!(qinqing_core::store::sealed::is_sealed(&held));
    assert!(!held.windows(32).any(|w| w == key.to_bytes()));
    // A key file that does not open under this ledger's key is refused, not replaced.
    let mut bad = held.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(&file, &bad).unwrap();
    drop(q);
    let q = Qinqing::open(&db).unwrap();
    assert!(q.signing_key().is_err());
    assert_eq!(std::fs::read(&file).unwrap(), bad, "left as it was");
}
