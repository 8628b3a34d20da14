//! Where a shared (PostgreSQL) ledger's secret lives: outside the database
//! (issue 31, THREATS.md "someone with a copy of the data").
//!
//! The installation's Ed25519 signing key certifies family devices and signs
//! codes, and the payment-password pepper is derived from it
//! ([`crate::payment`]). A SQLite ledger keeps it in an owner-only file in
//! its document store, beside the database file. A PostgreSQL ledger used to
//! keep it in its `blob` table — so one `pg_dump`, one backup or one replica
//! held the key that forges codes and the pepper that, with the stolen
//! hashes, recovers every 6-digit payment password. Now it lives in an
//! owner-only **key file on each server's own disk**, deployed like a TLS
//! private key:
//!
//! 1. `QINQING_KEY_FILE` — a path, when set (a secrets manager mounts it);
//! 2. else `$CREDENTIALS_DIRECTORY/qinqing-installation-key` when that file
//!    exists (systemd's `LoadCredential=`: the key is readable by the service
//!    only, for its lifetime);
//! 3. else `keys/<database name>.ed25519` in `QINQING_KEY_DIR`, or in the OS
//!    app-data directory (`~/.local/share/cn.qinqing.desktop/keys/` on Linux;
//!    an earlier version's `cn.qinqing.app/` moves there, [`crate::paths`]).
//!
//! Why a file and not the environment: an environment variable is inherited
//! by every child process and shows in `/proc/PID/environ` to the same user
//! and in crash reports; a file can be owner-only and is what systemd
//! credentials and secret managers hand over anyway.
//!
//! The database keeps only the **public** key (`installation.ed25519.pub` in
//! `blob`): every replica checks that its key file is the ledger's, and a
//! second server started with a key of its own is refused (`KEY_MISMATCH`)
//! instead of signing codes no one else can check. A ledger that still has
//! the secret in its table (schema ≤ 9) moves it out on first open: the key
//! file is written, then the row is deleted.

use crate::error::{Error, Result};
use crate::store::{Conn, OptionalExtension};
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};

/// The `blob` row that held the secret key before (erased once moved out).
pub const LEGACY_SECRET: &str = "installation.ed25519";
/// The `blob` row that holds the public key: which key file belongs to this ledger.
pub const PUBLIC: &str = "installation.ed25519.pub";

/// The key file of the PostgreSQL database `dbname` (see the module's order).
pub fn path_for(dbname: &str) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("QINQING_KEY_FILE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY").filter(|p| !p.is_empty()) {
        let p = Path::new(&dir).join("qinqing-installation-key");
        if p.is_file() {
            return Ok(p);
        }
    }
    let dir = match std::env::var_os("QINQING_KEY_DIR").filter(|p| !p.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => crate::paths::default_data_dir()?.join("keys"),
    };
    let safe: String = dbname.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    Ok(dir.join(format!("{safe}.ed25519")))
}

fn read_key(path: &Path) -> Result<Option<SigningKey>> {
    match std::fs::read(path) {
        Ok(b) => {
            let k: [u8; 32] = b.as_slice().try_into().map_err(|_| Error::internal(format!("{} is not a 32-byte key", path.display())))?;
            Ok(Some(SigningKey::from_bytes(&k)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::internal(format!("{}: {e}", path.display()))),
    }
}

fn blob(conn: &Conn, name: &str) -> Result<Option<Vec<u8>>> {
    conn.query_row("SELECT bytes FROM blob WHERE name = ?1", [name], |r| r.get(0)).optional()
}

/// The shared ledger's signing key, from its key file; made (or moved out of
/// the database) on first use. `fresh` makes a new key when there is none.
pub fn load_or_make(conn: &Conn, fresh: impl FnOnce() -> SigningKey) -> Result<SigningKey> {
    let dbname: String = conn.query_row("SELECT current_database()", [], |r| r.get(0))?;
    let path = path_for(&dbname)?;
    let stored_pub = blob(conn, PUBLIC)?;
    let legacy = blob(conn, LEGACY_SECRET)?
        .map(|b| -> Result<SigningKey> {
            let k: [u8; 32] = b.as_slice().try_into().map_err(|_| Error::internal("the stored installation key is not 32 bytes"))?;
            Ok(SigningKey::from_bytes(&k))
        })
        .transpose()?;
    let expected: Option<Vec<u8>> = stored_pub.clone().or_else(|| legacy.as_ref().map(|k| k.verifying_key().to_bytes().to_vec()));
    let (key, made) = match read_key(&path)? {
        Some(k) => (k, false),
        None => {
            let k = legacy.clone().unwrap_or_else(fresh);
            match crate::docstore::write_private_new(&path, &k.to_bytes()) {
                Ok(()) => (k, true),
                // Another process on this machine wrote it first: use theirs.
                Err(_) if path.exists() => (read_key(&path)?.ok_or_else(|| Error::internal("key file vanished"))?, false),
                Err(e) => return Err(e),
            }
        }
    };
    let public = key.verifying_key().to_bytes().to_vec();
    if expected.as_ref().is_some_and(|e| *e != public) {
        if made {
            let _ = std::fs::remove_file(&path);
        }
        return Err(Error::key_mismatch(&path.display().to_string()));
    }
    if stored_pub.is_none() {
        conn.execute("INSERT INTO blob (name, bytes) VALUES (?1, ?2) ON CONFLICT DO NOTHING", crate::params![PUBLIC, public.clone()])?;
        // Two servers making a key at once: the first public key stored wins.
        if blob(conn, PUBLIC)?.is_some_and(|p| p != public) {
            if made {
                let _ = std::fs::remove_file(&path);
            }
            return Err(Error::key_mismatch(&path.display().to_string()));
        }
    }
    if legacy.is_some() {
        conn.execute("DELETE FROM blob WHERE name = ?1", [LEGACY_SECRET])?;
    }
    Ok(key)
}

/// Give the PostgreSQL ledger behind `conn` the key `key` (an export from
/// SQLite keeps its installation's key): its key file on this machine and its
/// public key in the database.
pub fn install(conn: &Conn, key: &SigningKey) -> Result<()> {
    let dbname: String = conn.query_row("SELECT current_database()", [], |r| r.get(0))?;
    let path = path_for(&dbname)?;
    match read_key(&path)? {
        Some(k) if k.to_bytes() == key.to_bytes() => {}
        Some(_) => return Err(Error::key_mismatch(&path.display().to_string())),
        None => crate::docstore::write_private_new(&path, &key.to_bytes())?,
    }
    conn.execute("INSERT INTO blob (name, bytes) VALUES (?1, ?2) ON CONFLICT DO NOTHING", crate::params![PUBLIC, key.verifying_key().to_bytes().to_vec()])?;
    Ok(())
}
