//! The SQLite ledger encrypted at rest (issue 35): SQLCipher, through
//! rusqlite's own `bundled-sqlcipher` build, under a random 256-bit key made
//! when the ledger is created.
//!
//! **Where the key lives — never beside the database file**, so a copy of
//! the file (a backup folder, a sync folder, a disk taken out of a kiosk
//! without the user's login) is unreadable:
//!
//! 1. `QINQING_LEDGER_KEY_FILE`, when set: that file (a secrets manager or a
//!    systemd credential mounts it);
//! 2. else, when `QINQING_KEY_DIR` is set (servers, tests): the file
//!    `ledger-<id>.key` there;
//! 3. else the OS secret store (Keychain, Credential Manager, Secret Service,
//!    through the `keyring` crate the app already uses for its pairing
//!    token), entry `qinqing-ledger` / `<id>` — where there is one;
//! 4. else (no secret store answers) the owner-only file `ledger-<id>.key`
//!    in the app's *configuration* directory (`~/.config/cn.qinqing.desktop/
//!    ledger-keys/` on Linux), not the data directory that holds the ledger.
//!
//! `<id>` names the ledger by its absolute path (a hash of it): a ledger is
//! moved to another place or computer with `backup` / `restore`, whose
//! passphrase-encrypted file needs no key store (`crate::app::backup`).
//!
//! The key is given to SQLCipher raw (`x'…'`), so no password-stretching
//! runs at each opening; SQLCipher's defaults otherwise (AES-256, an HMAC
//! over every page, its WAL encrypted too).
//!
//! **A plain ledger of an earlier version is converted on first open**
//! ([`convert_plain`]): under an exclusive lock, exported into a new
//! encrypted file beside it, checked (integrity and every table's row count),
//! a hard link to the plain file kept as the backup, then the encrypted file
//! renamed over the ledger in one step. Killed at any moment, the ledger is
//! whole: either still the plain file or already the checked encrypted one;
//! the next opening finishes or cleans up ([`recover`]).

use crate::error::{Error, Result};
use crate::store::SqliteResult;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A ledger's 256-bit key.
#[derive(Clone)]
pub struct LedgerKey(Zeroizing<[u8; 32]>);

impl LedgerKey {
    pub(crate) fn random() -> LedgerKey {
        use chacha20poly1305::aead::rand_core::RngCore;
        let mut k = Zeroizing::new([0u8; 32]);
        chacha20poly1305::aead::OsRng.fill_bytes(&mut k[..]);
        LedgerKey(k)
    }
    pub fn bytes(&self) -> Zeroizing<[u8; 32]> {
        self.0.clone()
    }
    /// SQLCipher's raw-key literal: `x'<64 hex>'`.
    pub(crate) fn literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", data_encoding::HEXLOWER.encode(&self.0[..])))
    }
    fn from_hex(text: &str, from: &str) -> Result<LedgerKey> {
        let b = data_encoding::HEXLOWER_PERMISSIVE.decode(text.trim().as_bytes()).ok().filter(|b| b.len() == 32);
        match b {
            Some(b) => {
                let mut k = Zeroizing::new([0u8; 32]);
                k.copy_from_slice(&b);
                Ok(LedgerKey(k))
            }
            None => Err(Error::internal(format!("{from} does not hold a 256-bit ledger key"))),
        }
    }
}

/// What a path holds, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Header {
    Missing,
    Empty,
    /// An unencrypted SQLite database ("SQLite format 3\0").
    Plain,
    /// Whole pages of what looks like noise: an encrypted ledger.
    Encrypted,
    /// Neither (a text file, a truncated file).
    Other,
}

pub(crate) fn header(path: &Path) -> Result<Header> {
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Header::Missing),
        Err(e) => return Err(Error::db_open(format!("{}: {e}", path.display()))),
    };
    if len == 0 {
        return Ok(Header::Empty);
    }
    // Asked through SQLite, never by opening the file ourselves: on Unix,
    // closing any descriptor of a file drops every POSIX lock this process
    // holds on it — the locks of this process's open connections to the
    // ledger (a server's workers) — and another process could then take the
    // WAL away from under them. SQLite's own connections share one
    // descriptor per file and close it only when no lock needs it.
    let probe = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| Error::db_open(format!("{}: {e}", path.display())))?;
    probe.busy_timeout(std::time::Duration::from_secs(5)).db()?;
    match probe.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(Header::Plain),
        Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::NotADatabase => {
            // SQLCipher writes whole pages (4096 bytes; at least 512 for any page size).
            Ok(if len >= 512 && len % 512 == 0 { Header::Encrypted } else { Header::Other })
        }
        Err(e) => Err(crate::store::sqlite_error(e)),
    }
}

/// The ledger's id in the key stores: a hash of its absolute path.
fn ledger_id(db: &Path) -> Result<String> {
    let abs = absolute(db)?;
    let h = crate::store::docstore::sha256_hex(abs.to_string_lossy().as_bytes());
    Ok(h[..32].to_string())
}

/// `db` as an absolute path with its directory's links resolved (the file
/// itself may not exist yet).
fn absolute(db: &Path) -> Result<PathBuf> {
    let name = db.file_name().ok_or_else(|| Error::db_open(format!("{}: not a file name", db.display())))?;
    let dir = match db.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().map_err(Error::db_open)?,
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    Ok(dir.join(name))
}

/// Where the key is kept.
enum Place {
    File(PathBuf),
    /// The OS secret store, with the file to fall back on when it does not answer.
    Keyring(String, PathBuf),
}

const KEYRING_SERVICE: &str = "qinqing-ledger";

fn place(db: &Path) -> Result<Place> {
    if let Some(p) = std::env::var_os("QINQING_LEDGER_KEY_FILE").filter(|p| !p.is_empty()) {
        return Ok(Place::File(PathBuf::from(p)));
    }
    let id = ledger_id(db)?;
    let file_name = format!("ledger-{id}.key");
    if let Some(dir) = std::env::var_os("QINQING_KEY_DIR").filter(|p| !p.is_empty()) {
        return Ok(Place::File(PathBuf::from(dir).join(file_name)));
    }
    let config = directories::BaseDirs::new()
        .map(|b| b.config_dir().join(crate::paths::IDENTIFIER).join("ledger-keys"))
        .ok_or_else(|| Error::db_open("no home directory to keep the ledger's key in"))?;
    Ok(Place::Keyring(id, config.join(file_name)))
}

/// A key file must not sit in the ledger's own directory: a copy of that
/// folder would carry the key with the data.
fn check_not_beside(db: &Path, key: &Path) -> Result<()> {
    let (Ok(db), Ok(key)) = (absolute(db), absolute(key)) else { return Ok(()) };
    if db.parent() == key.parent() {
        return Err(Error::db_open(format!(
            "the ledger's key file {} is in the ledger's own folder; keep it elsewhere (QINQING_KEY_DIR / QINQING_LEDGER_KEY_FILE)",
            key.display()
        )));
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<Option<LedgerKey>> {
    match std::fs::read_to_string(path) {
        Ok(t) => LedgerKey::from_hex(&t, &path.display().to_string()).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::db_open(format!("{}: {e}", path.display()))),
    }
}

fn write_file(path: &Path, key: &LedgerKey) -> Result<()> {
    let hex = Zeroizing::new(data_encoding::HEXLOWER.encode(&key.0[..]));
    match crate::store::docstore::write_private_new(path, hex.as_bytes()) {
        Ok(()) => Ok(()),
        // Another process made it first: theirs is the key.
        Err(_) if path.exists() => Ok(()),
        Err(e) => Err(e),
    }
}

fn keyring_entry(id: &str) -> Option<keyring::Entry> {
    keyring::Entry::new(KEYRING_SERVICE, id).ok()
}

/// The ledger's key, if one is kept for it.
pub fn find(db: &Path) -> Result<Option<LedgerKey>> {
    match place(db)? {
        Place::File(p) => {
            check_not_beside(db, &p)?;
            read_file(&p)
        }
        Place::Keyring(id, file) => {
            if let Some(e) = keyring_entry(&id) {
                if let Ok(t) = e.get_password() {
                    return LedgerKey::from_hex(&t, "the OS secret store").map(Some);
                }
            }
            read_file(&file)
        }
    }
}

/// The ledger's key; a new one is made and kept (before any file is
/// encrypted under it) when there is none.
pub fn find_or_make(db: &Path) -> Result<LedgerKey> {
    if let Some(k) = find(db)? {
        return Ok(k);
    }
    let key = LedgerKey::random();
    match place(db)? {
        Place::File(p) => {
            check_not_beside(db, &p)?;
            write_file(&p, &key)?;
        }
        Place::Keyring(id, file) => {
            let hex = Zeroizing::new(data_encoding::HEXLOWER.encode(&key.0[..]));
            // Kept in the secret store only if it reads back the same there.
            let kept = keyring_entry(&id).is_some_and(|e| e.set_password(&hex).is_ok() && e.get_password().ok().as_deref() == Some(hex.as_str()));
            if !kept {
                write_file(&file, &key)?;
            }
        }
    }
    // Whoever won a race to make it, this is the key now kept.
    find(db)?.ok_or_else(|| Error::internal("the ledger's key was not kept"))
}

/// The ledger at `copy` is a byte-for-byte copy of the one at `original`,
/// made on this computer (a test's template, an operator's tool): keep the
/// original's key for it too. Refused when `copy` already has another key.
pub fn share_key(original: &Path, copy: &Path) -> Result<()> {
    let key = find(original)?.ok_or_else(|| Error::ledger_key_missing(&original.display().to_string()))?;
    match find(copy)? {
        Some(k) if k.0 == key.0 => Ok(()),
        Some(_) => Err(Error::db_open(format!("{} already has a key of its own", copy.display()))),
        None => match place(copy)? {
            Place::File(p) => {
                check_not_beside(copy, &p)?;
                write_file(&p, &key)
            }
            Place::Keyring(id, file) => {
                let hex = Zeroizing::new(data_encoding::HEXLOWER.encode(&key.0[..]));
                if keyring_entry(&id).is_some_and(|e| e.set_password(&hex).is_ok()) {
                    Ok(())
                } else {
                    write_file(&file, &key)
                }
            }
        },
    }
}

/// Give a fresh connection its key (the first statement on it).
pub(crate) fn apply(conn: &Connection, key: &LedgerKey) -> Result<()> {
    // SQLCipher would log a wrong key's failed page checks to stderr: the
    // caller reports the failure itself (LEDGER_KEY_MISSING), stderr stays
    // the CLI's own.
    let pragma = Zeroizing::new(format!("PRAGMA cipher_log_level = NONE; PRAGMA key = \"{}\";", key.literal().as_str()));
    conn.execute_batch(&pragma).db()
}

/// The SQLCipher library's version ("" if SQLite is not SQLCipher).
pub fn cipher_version(conn: &Connection) -> String {
    conn.query_row("PRAGMA cipher_version", [], |r| r.get::<_, String>(0)).unwrap_or_default()
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// The plain file kept while a conversion is checked.
pub(crate) fn plain_backup_path(db: &Path) -> PathBuf {
    sibling(db, ".plain-backup")
}

/// Where a conversion writes its encrypted copy (one per process).
fn encrypting_path(db: &Path) -> PathBuf {
    sibling(db, &format!(".encrypting-{}", std::process::id()))
}

/// For the kill -9 test: a debug build stops dead at the named step of a
/// conversion (`QINQING_TEST_CRASH_AT=convert:<step>`), as a kill would.
fn crash_point(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("QINQING_TEST_CRASH_AT").ok().as_deref() == Some(&format!("convert:{step}")) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

/// Every table's name and row count (the check that a copy is whole).
fn counts(conn: &Connection, schema: &str) -> Result<Vec<(String, i64)>> {
    let names: Vec<String> = conn
        .prepare(&format!("SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))
        .db()?
        .query_map([], |r| r.get(0))
        .db()?
        .collect::<std::result::Result<_, _>>()
        .db()?;
    names.into_iter().map(|n| Ok((n.clone(), conn.query_row(&format!("SELECT count(*) FROM {schema}.\"{n}\""), [], |r| r.get(0)).db()?))).collect()
}

/// Finish or undo what a conversion killed part-way left (see the module):
/// its leftover encrypted copies are removed, and the plain backup is
/// removed once the ledger is the encrypted one and opens with its key.
pub(crate) fn recover(db: &Path) -> Result<()> {
    // Leftover copies of killed conversions.
    if let (Some(dir), Some(name)) = (db.parent(), db.file_name()) {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let prefix = format!("{}.encrypting-", name.to_string_lossy());
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                // The copy and its journal (`…encrypting-PID`, `…encrypting-PID-journal`).
                let pid = n.strip_prefix(&prefix).and_then(|p| p.split('-').next()).and_then(|p| p.parse::<u32>().ok());
                // A running conversion's own copy (this process's) is not a leftover.
                if pid.is_some_and(|p| p != std::process::id() && !process_alive(p)) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
    let backup = plain_backup_path(db);
    if !backup.exists() {
        return Ok(());
    }
    match header(db)? {
        // Killed between the link and the rename: the ledger is still the
        // plain file and the backup another name for it.
        Header::Plain => {
            let _ = std::fs::remove_file(&backup);
            Ok(())
        }
        // The ledger went missing (not by us: we never remove it): the
        // backup is put back.
        Header::Missing => std::fs::rename(&backup, db).map_err(|e| Error::db_open(format!("{}: {e}", backup.display()))),
        _ => {
            let key = find(db)?.ok_or_else(|| Error::ledger_key_missing(&db.display().to_string()))?;
            let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| Error::db_open(format!("{}: {e}", db.display())))?;
            apply(&c, &key)?;
            let ok: String = c.query_row("PRAGMA quick_check", [], |r| r.get(0)).db()?;
            if ok != "ok" {
                return Err(Error::db_open(format!(
                    "{} failed its check after encryption ({ok}); the plain ledger is kept at {}",
                    db.display(),
                    backup.display()
                )));
            }
            drop(c);
            std::fs::remove_file(&backup).map_err(|e| Error::db_open(format!("{}: {e}", backup.display())))
        }
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists() || !Path::new("/proc/self").exists()
}
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    false
}

/// Encrypt the plain ledger at `db` in place (see the module), waiting up
/// to `busy_timeout` for other writers. Returns whether it converted
/// (false: someone else had, meanwhile).
pub(crate) fn convert_plain(db: &Path, busy_timeout: std::time::Duration) -> Result<bool> {
    let open_err = |e: rusqlite::Error| Error::db_open(format!("{}: {e}", db.display()));
    // CREATE: the attached encrypted copy is a new file (the ledger exists: its header was read).
    let plain = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(open_err)?;
    plain.busy_timeout(busy_timeout).db()?;
    // Leaving WAL mode needs every other connection closed: a program
    // still writing to this file would otherwise lose what it writes into
    // the plain copy. Then the file is locked against everyone.
    let mode: String = plain.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).db()?;
    if mode != "delete" {
        return Err(Error::db_busy());
    }
    // A second connection holds the write lock throughout (the export reads
    // beside it): no one writes to the plain file until it is replaced, and a
    // program that then writes through an old handle gets SQLite's "database
    // moved" error, never a write into the plain copy.
    let guard = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(open_err)?;
    guard.busy_timeout(busy_timeout).db()?;
    guard.execute_batch("BEGIN IMMEDIATE").db()?;
    // Another process may have converted it while this one waited.
    if header(db)? != Header::Plain {
        let _ = guard.execute_batch("ROLLBACK");
        return Ok(false);
    }
    let key = find_or_make(db)?;
    let tmp = encrypting_path(db);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> Result<()> {
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0)).db()?;
        plain.execute("ATTACH DATABASE ?1 AS enc KEY ?2", rusqlite::params![tmp.to_string_lossy(), key.literal().as_str()]).db()?;
        plain.query_row("SELECT sqlcipher_export('enc')", [], |_| Ok(())).db()?;
        plain.execute_batch(&format!("PRAGMA enc.user_version = {version}")).db()?;
        let before = counts(&plain, "main")?;
        let after = counts(&plain, "enc")?;
        plain.execute_batch("DETACH DATABASE enc").db()?;
        if before != after {
            return Err(Error::db_open(format!("{}: the encrypted copy differs from the ledger; nothing was changed", db.display())));
        }
        crash_point("exported");
        // The copy, checked on its own connection and flushed to disk.
        let c = Connection::open(&tmp).map_err(open_err)?;
        apply(&c, &key)?;
        let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).db()?;
        if ok != "ok" || counts(&c, "main")? != before {
            return Err(Error::db_open(format!("{}: the encrypted copy failed its check ({ok}); nothing was changed", db.display())));
        }
        let _: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).db()?;
        drop(c);
        restrict(&tmp);
        sync(&tmp)?;
        // The backup first: another name for the plain file.
        let backup = plain_backup_path(db);
        let _ = std::fs::remove_file(&backup);
        std::fs::hard_link(db, &backup)
            .or_else(|_| std::fs::copy(db, &backup).map(|_| ()))
            .map_err(|e| Error::db_open(format!("{}: {e}", backup.display())))?;
        crash_point("backed-up");
        std::fs::rename(&tmp, db).map_err(|e| Error::db_open(format!("{}: {e}", db.display())))?;
        if let Some(dir) = db.parent() {
            sync_dir(dir);
        }
        crash_point("renamed");
        Ok(())
    })();
    let _ = guard.execute_batch("ROLLBACK");
    drop(guard);
    drop(plain);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // A plain WAL's index left by the earlier mode would not match the new file.
    for ext in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(sibling(db, ext));
    }
    recover(db)?;
    eprintln!("qinqing: the ledger {} is now encrypted at rest (its key is kept outside its folder)", db.display());
    Ok(true)
}

fn sync(path: &Path) -> Result<()> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| Error::db_open(format!("{}: {e}", path.display())))
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(unix)]
fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}
#[cfg(not(unix))]
fn restrict(_path: &Path) {}
