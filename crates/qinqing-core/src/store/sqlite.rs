//! The SQLite store: where the file lives, how it is opened, and its schema
//! migrations. One file is shared by the desktop app and `qinqing-cli`.

use crate::error::{Error, Result};
use crate::store::cipher::{self, Header, LedgerKey};
use crate::store::{Conn, SqliteResult};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

pub use crate::paths::{default_data_dir, IDENTIFIER};
pub const DB_FILE: &str = "qinqing.db";
/// Environment variable that overrides the default database path.
pub const DB_ENV: &str = "QINQING_DB";
/// How long a writer waits for another process's transaction before DB_BUSY.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Schema migrations, in order. Never edit a shipped entry: append a new one.
const MIGRATION_SQL: &[&str] = &[
    include_str!("../../migrations/0001_register.sql"),
    include_str!("../../migrations/0002_binding.sql"),
    include_str!("../../migrations/0003_settlement.sql"),
    include_str!("../../migrations/0004_rollups.sql"),
    include_str!("../../migrations/0005_kiosk.sql"),
    include_str!("../../migrations/0006_rules.sql"),
    include_str!("../../migrations/0007_credentials.sql"),
    include_str!("../../migrations/0008_pairing.sql"),
    include_str!("../../migrations/0009_column_checks.sql"),
    include_str!("../../migrations/0010_throttle.sql"),
    include_str!("../../migrations/0011_whose.sql"),
    include_str!("../../migrations/0012_pay_code.sql"),
    include_str!("../../migrations/0013_kiosk_session.sql"),
    include_str!("../../migrations/0014_personal_data.sql"),
];

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| Migrations::new(MIGRATION_SQL.iter().map(|sql| M::up(sql)).collect()));

/// The schema version this build knows: `PRAGMA user_version` counts applied migrations.
pub fn latest_schema_version() -> i64 {
    MIGRATION_SQL.len() as i64
}

/// Which database to use: an explicit path (`--db`), else `$QINQING_DB`, else
/// the default file in the app-data directory.
pub fn resolve_db_path(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    Ok(default_data_dir()?.join(DB_FILE))
}

/// Open and migrate an existing database at `path`; a path with no file is
/// refused (`DB_MISSING`) and nothing is created — a mistyped path must not
/// look like an empty register.
pub fn open_existing(path: &Path) -> Result<Conn> {
    if let Some(url) = postgres_url(path) {
        return crate::store::pg::open(url, false);
    }
    if !path.is_file() {
        return Err(Error::db_missing(&path.display().to_string()));
    }
    // SQLite would take an empty file for an empty database and make a new
    // ledger of it: a file that holds nothing is not this ledger.
    if std::fs::metadata(path).map(|m| m.len() == 0).unwrap_or(false) {
        return Err(Error::db_not_database(&path.display().to_string()));
    }
    open_keyed(path).map(|(c, _)| c)
}

/// [`open_existing`], with the SQLite ledger's key (`None` for PostgreSQL).
pub fn open_existing_keyed(path: &Path) -> Result<(Conn, Option<LedgerKey>)> {
    if postgres_url(path).is_some() {
        return Ok((open_existing(path)?, None));
    }
    if !path.is_file() {
        return Err(Error::db_missing(&path.display().to_string()));
    }
    if std::fs::metadata(path).map(|m| m.len() == 0).unwrap_or(false) {
        return Err(Error::db_not_database(&path.display().to_string()));
    }
    open_keyed(path)
}

/// Where a kiosk's single-instance socket lives: beside its SQLite file, or
/// for a `postgres://` ledger in the app-data directory, named by a hash of
/// the URL (one kiosk per ledger per computer).
pub fn kiosk_socket(path: &Path) -> PathBuf {
    match postgres_url(path) {
        Some(url) => {
            let dir = default_data_dir().unwrap_or_else(|_| std::env::temp_dir());
            let _ = create_private_dir(&dir);
            let hash = crate::store::docstore::sha256_hex(crate::store::pg::redact(url).as_bytes());
            dir.join(format!("kiosk-{}.sock", &hash[..12]))
        }
        None => path.with_extension("kiosk.sock"),
    }
}

/// The `postgres://` (or `postgresql://`) URL this "path" really is, if it is
/// one: such a URL is never taken for a file name.
pub fn postgres_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// Open (creating if needed) and migrate the database at `path` — a SQLite
/// file, or a `postgres://` URL (whose database must exist; its tables are
/// created on first use).
pub fn open(path: &Path) -> Result<Conn> {
    open_keyed(path).map(|(c, _)| c)
}

/// [`open`], with the SQLite ledger's key (`None` for PostgreSQL). A SQLite
/// ledger is encrypted ([`cipher`]): a new one under a new key, a plain one
/// of an earlier version converted first.
pub fn open_keyed(path: &Path) -> Result<(Conn, Option<LedgerKey>)> {
    if let Some(url) = postgres_url(path) {
        return Ok((crate::store::pg::open(url, true)?, None));
    }
    make_parent(path)?;
    cipher::recover(path)?;
    if cipher::header(path)? == Header::Plain {
        cipher::convert_plain(path, BUSY_TIMEOUT)?;
    }
    let header = cipher::header(path)?;
    let key = match header {
        Header::Missing | Header::Empty => cipher::find_or_make(path)?,
        Header::Encrypted => {
            let key = cipher::find(path)?.ok_or_else(|| Error::ledger_key_missing(&path.display().to_string()))?;
            // The first encrypting version's page format is converted once.
            if cipher::format(path, &key)? == Some(cipher::Format::V4) {
                cipher::convert_v4(path, BUSY_TIMEOUT, &key)?;
            }
            key
        }
        Header::Plain | Header::Other => return Err(Error::db_not_database(&path.display().to_string())),
    };
    let conn = open_sqlite(path, Some(&key)).map_err(|e| match header {
        // Pages that this key does not open: another key's ledger, or no ledger.
        Header::Encrypted if e.code == crate::Code::DbNotDatabase => Error::ledger_key_missing(&path.display().to_string()),
        _ => e,
    })?;
    Ok((conn, Some(key)))
}

/// A SQLite ledger with no encryption: only the benchmarks' "without" side
/// ([`crate::Qinqing::open_unencrypted_for_benchmark`]); an encrypted file
/// is refused.
pub fn open_plain(path: &Path) -> Result<Conn> {
    make_parent(path)?;
    match cipher::header(path)? {
        Header::Missing | Header::Empty | Header::Plain => open_sqlite(path, None),
        _ => Err(Error::db_not_database(&path.display().to_string())),
    }
}

fn make_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            create_private_dir(dir)?;
        }
    }
    Ok(())
}

fn open_sqlite(path: &Path, key: Option<&LedgerKey>) -> Result<Conn> {
    let existed = path.exists();
    let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| Error::db_open(format!("{}: {e}", path.display())))?;
    if !existed {
        restrict_file(path);
    }
    match key {
        Some(key) => cipher::apply(&conn, key)?,
        // The benchmarks' plain side: the same page size as the encrypted
        // ledger's (a new file takes it; an existing one keeps its own).
        None => conn.execute_batch(&format!("PRAGMA page_size = {}", cipher::PAGE_SIZE)).db()?,
    }
    // Several processes opening one new ledger at once: switching it to WAL
    // and migrating it take its write lock from a read snapshot, which
    // SQLite refuses at once (SQLITE_BUSY, no busy handler) when another
    // process got there first. Both steps are idempotent: go again, for as
    // long as a busy write would wait.
    let since = std::time::Instant::now();
    loop {
        match configure(&conn).and_then(|()| migrate(&mut conn)) {
            Ok(()) => return Ok(Conn::from_sqlite(conn)),
            Err(e) if e.code == crate::Code::DbBusy && since.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(std::time::Duration::from_millis(10 + u64::from(std::process::id() % 20)));
            }
            Err(e) => return Err(not_a_database(e, path)),
        }
    }
}

/// "file is not a database" gets its own code, with the path.
fn not_a_database(e: Error, path: &Path) -> Error {
    if e.message_en.contains("not a database") || e.message_en.contains("file is encrypted") {
        Error::db_not_database(&path.display().to_string())
    } else {
        e
    }
}

/// An in-memory database with the full schema (tests).
pub fn open_in_memory() -> Result<Conn> {
    let mut conn = Connection::open_in_memory().db()?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(Conn::from_sqlite(conn))
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT).db()?;
    // journal_mode returns a row; in-memory databases answer "memory".
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).db()?;
    conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;").db()?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).db()?;
    let known = latest_schema_version();
    if found > known {
        return Err(Error::db_too_new(found, known));
    }
    // Two processes opening one new (or older) ledger at once both find it
    // behind; the second's step then fails on what the first just made
    // ("table … already exists"). A failure after which the ledger has moved
    // on is that race: go on from where the other left it.
    let mut at = found;
    loop {
        match MIGRATIONS.to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(e) => {
                let now: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).db()?;
                if now > at {
                    at = now;
                    continue;
                }
                return Err(match e {
                    rusqlite_migration::Error::RusqliteError { err, .. } => crate::store::sqlite_error(err),
                    other => Error::internal(format!("migration failed: {other}")),
                });
            }
        }
    }
}

/// Bring a connection's schema up to date (after a restore).
pub(crate) fn migrate_conn(conn: &mut Conn) -> Result<()> {
    match conn.sqlite_mut() {
        Some(c) => migrate(c),
        None => crate::store::pg::migrate(conn),
    }
}

/// Migrations applied: SQLite's `user_version`, PostgreSQL's `qinqing_schema`.
pub fn schema_version(conn: &Conn) -> Result<i64> {
    match conn.sqlite() {
        Some(c) => Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0)).db()?),
        None => crate::store::pg::schema_version(conn),
    }
}

/// SQLite's journal mode ("wal"); PostgreSQL has its own WAL, always on.
pub fn journal_mode(conn: &Conn) -> Result<String> {
    match conn.sqlite() {
        Some(c) => Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).db()?),
        None => Ok("postgresql-wal".into()),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| Error::db_open(format!("{}: {e}", dir.display())))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::db_open(format!("{}: {e}", dir.display())))
}

/// The ledger holds ID numbers and balances: owner-only on Unix.
#[cfg(unix)]
fn restrict_file(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: a failure here leaves the OS default, which is not an error
    // worth refusing to start over.
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_file(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(MIGRATIONS.validate().is_ok());
    }

    #[test]
    fn open_creates_wal_db_with_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/q.db");
        let conn = open(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest_schema_version());
        assert_eq!(journal_mode(&conn).unwrap(), "wal");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let dmode = std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777;
            assert_eq!(dmode, 0o700);
        }
        drop(conn);
        // Re-opening is idempotent.
        let conn = open(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest_schema_version());
    }

    #[test]
    fn newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.db");
        {
            let conn = open(&path).unwrap();
            conn.execute_batch("PRAGMA user_version = 99").unwrap();
        }
        let err = open(&path).unwrap_err();
        assert_eq!(err.code, crate::Code::DbTooNew);
    }

    #[test]
    fn explicit_path_wins() {
        let p = resolve_db_path(Some(Path::new("/tmp/x.db"))).unwrap();
        assert_eq!(p, PathBuf::from("/tmp/x.db"));
    }
}
