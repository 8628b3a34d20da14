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
//! runs at each opening. Every page is AES-256-CBC under its own random IV
//! with an HMAC-SHA256 over it (its WAL too), in 1 KiB pages
//! ([`Format::Current`]): a settlement rewrites about fifteen pages of
//! fifteen tables and indexes per commit, and at SQLCipher's default 4 KiB
//! pages with HMAC-SHA512 encrypting them cost 45% of the settlement's time
//! (`bench/settle.sh`); the crypto itself runs on RustCrypto
//! ([`crate::store::cipher_provider`]). Ledgers written by the first
//! encrypting version in SQLCipher 4's default format are converted on
//! first open ([`convert_v4`]), the same way as a plain one.
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

/// The page size of the ledgers this version writes (see the module).
pub const PAGE_SIZE: u32 = 1024;

/// An encrypted ledger's page format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// This version's: [`PAGE_SIZE`] pages, HMAC-SHA256.
    Current,
    /// SQLCipher 4's defaults (4 KiB pages, HMAC-SHA512): the ledgers of the
    /// first encrypting version, converted on first open ([`convert_v4`]).
    V4,
}

impl Format {
    /// The pragmas that select this format for `schema` (after its key).
    fn pragmas(self, schema: &str) -> String {
        match self {
            Format::Current => format!("PRAGMA {schema}.cipher_page_size = {PAGE_SIZE}; PRAGMA {schema}.cipher_hmac_algorithm = HMAC_SHA256;"),
            Format::V4 => format!("PRAGMA {schema}.cipher_compatibility = 4;"),
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

/// An exclusive lock on `<key file>.lock` (its folder made owner-only if new).
fn creation_lock(key_file: &Path) -> Result<std::fs::File> {
    let err = |e: std::io::Error| Error::db_open(format!("{}: {e}", key_file.display()));
    if let Some(dir) = key_file.parent() {
        crate::store::docstore::private_dir(dir)?;
    }
    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(sibling(key_file, ".lock")).map_err(err)?;
    f.lock().map_err(err)?;
    Ok(f)
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
            // The secret store has no "set if absent": two processes making
            // the same new ledger would each store a key, the second over the
            // first — and the first would encrypt under a key no longer kept.
            // So making one is serialized by a lock file beside the fallback
            // key file (released when the process ends, however it ends).
            let _lock = creation_lock(&file)?;
            if let Some(k) = find(db)? {
                return Ok(k);
            }
            let hex = Zeroizing::new(data_encoding::HEXLOWER.encode(&key.0[..]));
            // Kept in the secret store only if it reads back the same there.
            let kept = keyring_entry(&id).is_some_and(|e| e.set_password(&hex).is_ok() && e.get_password().ok().as_deref() == Some(hex.as_str()));
            if !kept {
                write_file(&file, &key)?;
            }
            return find(db)?.ok_or_else(|| Error::internal("the ledger's key was not kept"));
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
    apply_format(conn, key, Format::Current)
}

/// [`apply`] for a ledger in the given page format.
pub(crate) fn apply_format(conn: &Connection, key: &LedgerKey, format: Format) -> Result<()> {
    crate::store::cipher_provider::prepare();
    // SQLCipher would log a wrong key's failed page checks to stderr: the
    // caller reports the failure itself (LEDGER_KEY_MISSING), stderr stays
    // the CLI's own.
    let pragma = Zeroizing::new(format!("PRAGMA cipher_log_level = NONE; PRAGMA key = \"{}\"; {}", key.literal().as_str(), format.pragmas("main")));
    conn.execute_batch(&pragma).db()
}

/// Attach a new (or existing, current-format) encrypted database at `path`
/// as `schema` under `key` (a conversion's or a restore's copy).
pub(crate) fn attach(conn: &Connection, path: &Path, schema: &str, key: &LedgerKey) -> Result<()> {
    crate::store::cipher_provider::prepare();
    conn.execute(&format!("ATTACH DATABASE ?1 AS {schema} KEY ?2"), rusqlite::params![path.to_string_lossy(), key.literal().as_str()]).db()?;
    conn.execute_batch(&Format::Current.pragmas(schema)).db()
}

/// Which page format the encrypted ledger at `db` is in under `key` (None:
/// the key opens it in neither — another ledger's key, or not a ledger).
pub fn format(db: &Path, key: &LedgerKey) -> Result<Option<Format>> {
    for f in [Format::Current, Format::V4] {
        // Through SQLite, as `header` (never a descriptor of our own).
        let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| Error::db_open(format!("{}: {e}", db.display())))?;
        c.busy_timeout(std::time::Duration::from_secs(5)).db()?;
        apply_format(&c, key, f)?;
        match c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            Ok(_) => return Ok(Some(f)),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => continue,
            Err(e) => return Err(crate::store::sqlite_error(e)),
        }
    }
    Ok(None)
}

/// The crypto provider this connection's pages go through (`rustcrypto`, or
/// `openssl` for a connection keyed before ours was registered).
pub fn cipher_provider(conn: &Connection) -> String {
    conn.query_row("PRAGMA cipher_provider", [], |r| r.get::<_, String>(0)).unwrap_or_default()
}

/// Rewrite the encrypted ledger at `db` (closed) in SQLCipher 4's default
/// page format, as the first encrypting version wrote it: for the tests of
/// [`convert_v4`].
#[doc(hidden)]
pub fn rewrite_as_v4(db: &Path) -> Result<()> {
    let key = find(db)?.ok_or_else(|| Error::ledger_key_missing(&db.display().to_string()))?;
    let tmp = sibling(db, ".v4-writing");
    let _ = std::fs::remove_file(&tmp);
    let c = Connection::open(db).map_err(|e| Error::db_open(format!("{}: {e}", db.display())))?;
    apply(&c, &key)?;
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).db()?;
    c.execute("ATTACH DATABASE ?1 AS old KEY ?2", rusqlite::params![tmp.to_string_lossy(), key.literal().as_str()]).db()?;
    c.execute_batch("PRAGMA old.cipher_compatibility = 4;").db()?;
    c.query_row("SELECT sqlcipher_export('old')", [], |_| Ok(())).db()?;
    c.execute_batch(&format!("PRAGMA old.user_version = {version}; DETACH DATABASE old;")).db()?;
    drop(c);
    let v4 = Connection::open(&tmp).map_err(|e| Error::db_open(format!("{}: {e}", tmp.display())))?;
    apply_format(&v4, &key, Format::V4)?;
    let _: String = v4.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).db()?;
    drop(v4);
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sibling(db, ext));
    }
    std::fs::rename(&tmp, db).map_err(|e| Error::db_open(format!("{}: {e}", db.display())))
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

/// The old file kept while a conversion is checked: the plain one, or the
/// V4-format one (`v4`).
fn backup_path(db: &Path, v4: bool) -> PathBuf {
    if v4 {
        sibling(db, ".v4-backup")
    } else {
        plain_backup_path(db)
    }
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
    for v4 in [false, true] {
        let backup = backup_path(db, v4);
        if backup.exists() {
            recover_backup(db, &backup)?;
        }
    }
    Ok(())
}

/// A conversion's backup found at an opening: removed once the ledger is the
/// converted one and passes its check (or is still the old file, of which the
/// backup is only another name); put back if the ledger went missing.
fn recover_backup(db: &Path, backup: &Path) -> Result<()> {
    let remove = || std::fs::remove_file(backup).map_err(|e| Error::db_open(format!("{}: {e}", backup.display())));
    match header(db)? {
        // Killed between the link and the rename: the ledger is still the
        // plain file and the backup another name for it.
        Header::Plain => remove(),
        // The ledger went missing (not by us: we never remove it): the
        // backup is put back.
        Header::Missing => std::fs::rename(backup, db).map_err(|e| Error::db_open(format!("{}: {e}", backup.display()))),
        _ => {
            let key = find(db)?.ok_or_else(|| Error::ledger_key_missing(&db.display().to_string()))?;
            match format(db, &key)? {
                // Still the V4 file (killed before the rename).
                Some(Format::V4) => return remove(),
                Some(Format::Current) => {}
                None => return Err(Error::ledger_key_missing(&db.display().to_string())),
            }
            let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| Error::db_open(format!("{}: {e}", db.display())))?;
            apply(&c, &key)?;
            let ok: String = c.query_row("PRAGMA quick_check", [], |r| r.get(0)).db()?;
            if ok != "ok" {
                return Err(Error::db_open(format!(
                    "{} failed its check after encryption ({ok}); the earlier ledger is kept at {}",
                    db.display(),
                    backup.display()
                )));
            }
            drop(c);
            remove()
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
    convert(db, busy_timeout, None)
}

/// Re-encrypt the ledger at `db` from SQLCipher 4's default page format
/// ([`Format::V4`], the first encrypting version's) into this version's,
/// under the same key, the same way as [`convert_plain`].
pub(crate) fn convert_v4(db: &Path, busy_timeout: std::time::Duration, key: &LedgerKey) -> Result<bool> {
    convert(db, busy_timeout, Some(key))
}

/// The conversion: from a plain ledger (`from_v4` None) or from a V4-format
/// one under its key.
fn convert(db: &Path, busy_timeout: std::time::Duration, from_v4: Option<&LedgerKey>) -> Result<bool> {
    let open_err = |e: rusqlite::Error| Error::db_open(format!("{}: {e}", db.display()));
    let source = |c: &Connection| -> Result<()> {
        c.busy_timeout(busy_timeout).db()?;
        match from_v4 {
            Some(k) => apply_format(c, k, Format::V4),
            None => Ok(()),
        }
    };
    // CREATE: the attached encrypted copy is a new file (the ledger exists: its header was read).
    let plain = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(open_err)?;
    source(&plain)?;
    // Leaving WAL mode needs every other connection closed: a program
    // still writing to this file would otherwise lose what it writes into
    // the old copy. Then the file is locked against everyone.
    let mode: String = plain.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).db()?;
    if mode != "delete" {
        return Err(Error::db_busy());
    }
    // A second connection holds the write lock throughout (the export reads
    // beside it): no one writes to the old file until it is replaced, and a
    // program that then writes through an old handle gets SQLite's "database
    // moved" error, never a write into the old copy.
    let guard = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(open_err)?;
    source(&guard)?;
    guard.execute_batch("BEGIN IMMEDIATE").db()?;
    // Another process may have converted it while this one waited.
    let still = match from_v4 {
        None => header(db)? == Header::Plain,
        Some(k) => format(db, k)? == Some(Format::V4),
    };
    if !still {
        let _ = guard.execute_batch("ROLLBACK");
        return Ok(false);
    }
    let key = match from_v4 {
        None => find_or_make(db)?,
        Some(k) => k.clone(),
    };
    let tmp = encrypting_path(db);
    let _ = std::fs::remove_file(&tmp);
    let backup = backup_path(db, from_v4.is_some());
    let result = (|| -> Result<()> {
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0)).db()?;
        attach(&plain, &tmp, "enc", &key)?;
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
        // The backup first: another name for the old file.
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
    // A WAL index left by the earlier file would not match the new one.
    for ext in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(sibling(db, ext));
    }
    recover(db)?;
    match from_v4 {
        None => eprintln!("qinqing: the ledger {} is now encrypted at rest (its key is kept outside its folder)", db.display()),
        Some(_) => eprintln!("qinqing: the ledger {} is now in the current encrypted page format", db.display()),
    }
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
