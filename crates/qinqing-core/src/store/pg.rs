//! The PostgreSQL store: connecting by URL, its migrations (versioned with
//! SQLite's: migration N exists for both, `migrations/` and
//! `migrations/postgres/`), and throwaway databases for the test suite.
//!
//! The database named in the URL must exist (a centre's IT creates it and the
//! role); Qinqing creates its tables in it on first use by `init`/`demo seed`
//! (or the app's first run). Every other command on a database without them
//! is refused with `DB_MISSING`, as a mistyped SQLite path is.
//!
//! The driver is the cargo feature `postgres` (on by default: the CLI, the
//! server and the bench have it). Without it (the desktop window, which
//! reaches a shared ledger through the server) every `postgres://` ledger is
//! refused with `BACKEND_UNSUPPORTED` and nothing else here is reached.

use crate::error::{Error, Result};
use crate::store::pgconn::PgConn;
use crate::store::{Conn, OptionalExtension};

/// PostgreSQL migrations, in step with `db::MIGRATION_SQL` (same count, same meaning).
const MIGRATION_SQL: &[&str] = &[
    include_str!("../../migrations/postgres/0001_register.sql"),
    include_str!("../../migrations/postgres/0002_binding.sql"),
    include_str!("../../migrations/postgres/0003_settlement.sql"),
    include_str!("../../migrations/postgres/0004_rollups.sql"),
    include_str!("../../migrations/postgres/0005_kiosk.sql"),
    include_str!("../../migrations/postgres/0006_rules.sql"),
    include_str!("../../migrations/postgres/0007_credentials.sql"),
    include_str!("../../migrations/postgres/0008_pairing.sql"),
    include_str!("../../migrations/postgres/0009_column_checks.sql"),
    include_str!("../../migrations/postgres/0010_throttle.sql"),
    include_str!("../../migrations/postgres/0011_whose.sql"),
    include_str!("../../migrations/postgres/0012_pay_code.sql"),
    include_str!("../../migrations/postgres/0013_kiosk_session.sql"),
    include_str!("../../migrations/postgres/0014_personal_data.sql"),
];

/// Arbitrary key for the advisory lock that serializes migrations across processes.
const MIGRATION_LOCK: i64 = 0x5167_7169_6e67;

/// The URL with any password replaced by `***` (for `info` and messages):
/// the one in the user part (`user:PASSWORD@host`) and any `password=` or
/// `sslpassword=` query parameter (`?password=…`, `&password=…`, however the
/// name is percent-encoded or capitalised).
pub fn redact(url: &str) -> String {
    let Some(s) = url.find("://") else { return url.to_string() };
    let (scheme, rest) = url.split_at(s + 3);
    // The user part is in the authority only (before the path or query,
    // which may hold an '@' of their own); the last '@' ends it.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rfind('@') {
        Some(at) => match authority[..at].find(':') {
            Some(colon) => format!("{}:***{}", &authority[..colon], &authority[at..]),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let tail = match tail.find('?') {
        Some(q) => {
            let (path, query) = tail.split_at(q + 1);
            let (query, fragment) = query.split_at(query.find('#').unwrap_or(query.len()));
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if matches!(percent_decoded(k).to_ascii_lowercase().as_str(), "password" | "sslpassword") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}{}{fragment}", params.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

/// `%xx` escapes (and `+`) decoded, for comparing a parameter's name.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                Ok(v) => {
                    out.push(v);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A connection to the server at `url`, no more (no session settings, no
/// schema). Without the cargo feature `postgres` there is no driver: refused
/// with `BACKEND_UNSUPPORTED`.
pub(crate) fn connect(url: &str) -> Result<Conn> {
    Ok(Conn::from_pg(PgConn::connect(url, &redact(url))?))
}

/// Open the ledger at `url`; `create` lets this call create the tables (init,
/// demo seed, the app's first run), otherwise a database without them is
/// `DB_MISSING`.
pub fn open(url: &str, create: bool) -> Result<Conn> {
    let mut conn = connect(url)?;
    conn.execute_batch("SET TIME ZONE 'UTC'; SET lock_timeout = '5s'; SET statement_timeout = '60s'")?;
    if !create && !has_schema(&conn)? {
        return Err(Error::db_missing(&redact(url)));
    }
    migrate(&mut conn)?;
    Ok(conn)
}

fn has_schema(conn: &Conn) -> Result<bool> {
    conn.query_row("SELECT to_regclass('qinqing_schema') IS NOT NULL", [], |r| r.get(0))
}

/// Migrations applied (0 for an empty database).
pub fn schema_version(conn: &Conn) -> Result<i64> {
    if !has_schema(conn)? {
        return Ok(0);
    }
    conn.query_row("SELECT version FROM qinqing_schema", [], |r| r.get(0))
}

/// Bring the schema up to date, one migration per transaction, under an
/// advisory lock so two processes starting at once do not both migrate. A
/// newer schema than this build knows is refused, not touched.
pub fn migrate(conn: &mut Conn) -> Result<()> {
    migrate_to(conn, MIGRATION_SQL.len())
}

/// [`migrate`], up to migration `upto` (tests: an older ledger to upgrade).
fn migrate_to(conn: &mut Conn, upto: usize) -> Result<()> {
    let known = MIGRATION_SQL.len() as i64;
    conn.execute_batch("BEGIN")?;
    let r = (|| -> Result<()> {
        conn.execute("SELECT pg_advisory_xact_lock(?1)", [MIGRATION_LOCK])?;
        conn.execute_batch("CREATE TABLE IF NOT EXISTS qinqing_schema (version BIGINT NOT NULL)")?;
        let found: Option<i64> = conn.query_row("SELECT version FROM qinqing_schema", [], |r| r.get(0)).optional()?;
        let found = match found {
            Some(v) => v,
            None => {
                conn.execute("INSERT INTO qinqing_schema (version) VALUES (0)", [])?;
                0
            }
        };
        if found > known {
            return Err(Error::db_too_new(found, known));
        }
        for (i, sql) in MIGRATION_SQL.iter().enumerate().take(upto).skip(found as usize) {
            conn.execute_batch(sql).map_err(|e| Error::internal(format!("PostgreSQL migration {}: {}", i + 1, e.message_en)))?;
            conn.execute("UPDATE qinqing_schema SET version = ?1", [i as i64 + 1])?;
        }
        conn.execute_batch("COMMIT")
    })();
    if r.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    r
}

/// Test support: a fresh, migrated, empty database on the server at
/// `base_url` (a maintenance database such as `postgres`), cloned from a
/// template that is migrated once per schema. Returns its URL.
#[doc(hidden)]
pub fn fresh_test_database(base_url: &str) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let admin = connect(base_url)?;
    let mut h = Sha256::new();
    for m in MIGRATION_SQL {
        h.update(m.as_bytes());
    }
    let template = format!("qq_tpl_{}", &crate::store::docstore::sha256_hex(&h.finalize())[..12]);
    // One process builds the template; the others wait for it.
    admin.execute("SELECT pg_advisory_lock(?1)", [MIGRATION_LOCK + 1])?;
    let exists = admin.query_row("SELECT 1 FROM pg_database WHERE datname = ?1", [&template], |_| Ok(())).optional()?.is_some();
    if !exists {
        // Built under another name and renamed once whole, so a failed
        // migration never leaves a half-made template behind.
        let building = format!("{template}_building");
        admin.execute_batch(&format!("DROP DATABASE IF EXISTS {building}"))?;
        admin.execute_batch(&format!("CREATE DATABASE {building}"))?;
        let made = open(&with_database(base_url, &building), true);
        if let Err(e) = made {
            let _ = admin.execute("SELECT pg_advisory_unlock(?1)", [MIGRATION_LOCK + 1]);
            return Err(e);
        }
        drop(made);
        admin.execute_batch(&format!("ALTER DATABASE {building} RENAME TO {template}"))?;
    }
    let name = format!("qq_t{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), rand_suffix());
    let r = admin.execute_batch(&format!("CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"));
    let _ = admin.execute("SELECT pg_advisory_unlock(?1)", [MIGRATION_LOCK + 1]);
    r?;
    Ok(with_database(base_url, &name))
}

/// Test support: a copy of the database at `template_url` (which must have
/// no open connection), on the server at `base_url`. Returns its URL.
#[doc(hidden)]
pub fn clone_test_database(base_url: &str, template_url: &str) -> Result<String> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let template = database_of(template_url).ok_or_else(|| Error::internal("no database in the URL"))?;
    let name = format!("qq_c{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), rand_suffix());
    connect(base_url)?.execute_batch(&format!("CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"))?;
    // A copy of a ledger is the same installation: its key file goes with it.
    if let Ok(key) = std::fs::read(crate::keyfile::path_for(&template)?) {
        crate::store::docstore::write_private_new(&crate::keyfile::path_for(&name)?, &key)?;
    }
    Ok(with_database(base_url, &name))
}

/// Test support: drop a database made by the functions above.
#[doc(hidden)]
pub fn drop_test_database(base_url: &str, url: &str) -> Result<()> {
    let name = database_of(url).ok_or_else(|| Error::internal("no database in the URL"))?;
    if !name.starts_with("qq_") {
        return Err(Error::internal("only test databases are dropped"));
    }
    connect(base_url)?.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    if let Ok(key) = crate::keyfile::path_for(&name) {
        let _ = std::fs::remove_file(key);
    }
    Ok(())
}

/// The database a URL names (its path), if it is a plain identifier.
fn database_of(url: &str) -> Option<String> {
    let base = url.split('?').next()?;
    let rest = &base[base.find("://")? + 3..];
    let name = &rest[rest.find('/')? + 1..];
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| name.to_string())
}

fn rand_suffix() -> String {
    let mut b = [0u8; 4];
    getrandom_fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn getrandom_fill(b: &mut [u8]) {
    use password_hash::rand_core::{OsRng, RngCore};
    OsRng.fill_bytes(b);
}

/// The same server URL, naming another database.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = match path_start {
        Some(p) => &base[..p],
        None => base,
    };
    format!("{host}/{db}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://qq:s3cret@db.example:5432/ledger"), "postgres://qq:***@db.example:5432/ledger");
        assert_eq!(redact("postgres://qq@127.0.0.1/ledger"), "postgres://qq@127.0.0.1/ledger");
        // Issue 31: a password given as a query parameter is hidden too.
        assert_eq!(redact("postgres://127.0.0.1/ledger?user=qq&password=s3cret"), "postgres://127.0.0.1/ledger?user=qq&password=***");
        assert_eq!(redact("postgresql://db.example/ledger?password=s3cret&sslmode=require"), "postgresql://db.example/ledger?password=***&sslmode=require");
        assert_eq!(redact("postgres://h/l?PassWord=a&x=1&pass%77ord=b&sslpassword=c#f"), "postgres://h/l?PassWord=***&x=1&pass%77ord=***&sslpassword=***#f");
        assert_eq!(redact("postgres://qq:s3cret@h/l?password=s3cret"), "postgres://qq:***@h/l?password=***");
        // An '@' further on is not the end of a user part.
        assert_eq!(redact("postgres://db.example:5432/ledger?user=a@b"), "postgres://db.example:5432/ledger?user=a@b");
        assert_eq!(redact("postgres://qq:p@ss@h:5432/l"), "postgres://qq:***@h:5432/l");
        for url in [&redact("postgres://h/l?password=s3cret"), &redact("postgres://u:s3cret@h/l?x=1&password=s3cret")] {
            assert!(!url.contains("s3cret"), "{url}");
        }
    }

    #[test]
    fn another_database_on_the_same_server() {
        assert_eq!(with_database("postgres://u@127.0.0.1:5433/postgres", "x"), "postgres://u@127.0.0.1:5433/x");
        assert_eq!(with_database("postgres://u@h:1/postgres?sslmode=disable", "x"), "postgres://u@h:1/x?sslmode=disable");
        assert_eq!(with_database("postgresql://u@h", "x"), "postgresql://u@h/x");
    }

    #[test]
    fn both_backends_have_every_migration() {
        assert_eq!(MIGRATION_SQL.len() as i64, crate::store::sqlite::latest_schema_version());
    }

    /// A ledger written at schema 8 (table CHECKs) is moved to schema 9
    /// (domains) with every value kept, and the rules still hold after.
    #[test]
    #[cfg(feature = "postgres")]
    fn a_schema_8_ledger_with_money_in_it_moves_to_schema_9_intact() {
        let Some(base) = std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) else { return };
        let name = format!("qq_up_{}_{}", std::process::id(), rand_suffix());
        connect(&base).unwrap().execute_batch(&format!("CREATE DATABASE {name}")).unwrap();
        let url = with_database(&base, &name);
        let mut c = connect(&url).unwrap();
        migrate_to(&mut c, 8).unwrap();
        assert_eq!(schema_version(&c).unwrap(), 8);
        c.execute_batch(
            "INSERT INTO person (id, name, resident_id, insurance, region, balance_fen, voucher_activated, created_at, updated_at)
               VALUES (1, '张伟', '340104198211080174', 'employee', '310115', 12345, 1, 't', 't');
             INSERT INTO institution (id, name, region, designated, networked, created_at) VALUES (1, '医院', '310115', 1, 1, 't');
             INSERT INTO settlement (id, nonce, institution_id, bill_id, member_id, shown_by, scenario, total_fen, fund_fen, ratio_pct,
                                     cross_region, emergency, at, china_date, china_month)
               VALUES (1, 'n1', 1, 'B-1', 1, 1, 'outpatient', 1000, 600, 60, 0, 0, 't', '2026-03-10', '2026-03');
             INSERT INTO settlement_leg (settlement_id, source, person_id, aid_id, amount_fen)
               VALUES (1, 'fund', NULL, NULL, 600), (1, 'own_account', 1, NULL, 400);",
        )
        .unwrap();
        migrate(&mut c).unwrap();
        assert_eq!(schema_version(&c).unwrap(), MIGRATION_SQL.len() as i64, "migrated to the latest, past 9");
        let kept: (String, i64, i64, String, i64) = c
            .query_row(
                "SELECT p.name, p.balance_fen, s.total_fen, s.bill_id, (SELECT sum(amount_fen) FROM settlement_leg)
                 FROM person p, settlement s",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(kept, ("张伟".to_string(), 12345, 1000, "B-1".to_string(), 1000));
        assert!(c.execute("UPDATE person SET balance_fen = -1 WHERE id = 1", []).is_err());
        assert!(c.execute("INSERT INTO settlement_leg (settlement_id, source, amount_fen) VALUES (1, 'cash', 0)", []).is_err());
        let leg_aid: bool = c.query_row("SELECT to_regclass('leg_aid') IS NULL", [], |r| r.get(0)).unwrap();
        assert!(leg_aid, "the redundant index is dropped");
        drop(c);
        drop_test_database(&base, &url).unwrap();
    }
}

/// A foreign key of the PostgreSQL schema (single-column, as all of ours are).
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub table: String,
    pub column: String,
    pub references: String,
    pub nullable: bool,
}

/// The ledger's foreign keys, read from PostgreSQL's catalog.
pub fn foreign_keys(conn: &Conn) -> Result<Vec<ForeignKey>> {
    conn.query_map(
        "SELECT CAST(c.conrelid::regclass AS TEXT), CAST(a.attname AS TEXT), CAST(c.confrelid::regclass AS TEXT), NOT a.attnotnull
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.connamespace = CAST(current_schema() AS regnamespace)
         ORDER BY 1, 2",
        [],
        |r| Ok(ForeignKey { table: r.get(0)?, column: r.get(1)?, references: r.get(2)?, nullable: r.get(3)? }),
    )?
    .collect()
}

/// The ledger's tables (not the schema version, not the file store) in an
/// order where every NOT NULL reference points to a table before it.
pub fn tables_in_load_order(conn: &Conn, fks: &[ForeignKey]) -> Result<Vec<String>> {
    let mut left: Vec<String> = conn
        .query_map(
            "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = current_schema()
               AND tablename NOT IN ('qinqing_schema', 'blob') ORDER BY tablename",
            [],
            |r| r.get(0),
        )?
        .collect::<Result<_>>()?;
    let mut order = Vec::new();
    while !left.is_empty() {
        let ready = left.iter().position(|t| fks.iter().filter(|f| &f.table == t && !f.nullable && &f.references != t).all(|f| order.contains(&f.references)));
        match ready {
            Some(i) => order.push(left.remove(i)),
            None => return Err(Error::internal(format!("a cycle of NOT NULL references among {left:?}"))),
        }
    }
    Ok(order)
}

/// A table's columns, in order.
pub fn columns(conn: &Conn, table: &str) -> Result<Vec<String>> {
    conn.query_map(
        "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
        [table],
        |r| r.get(0),
    )?
    .collect()
}

/// A table's integer columns (money in fen, ids, counters).
pub fn integer_columns(conn: &Conn, table: &str) -> Result<Vec<String>> {
    conn.query_map(
        "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ?1
           AND data_type IN ('bigint', 'integer', 'smallint') ORDER BY ordinal_position",
        [table],
        |r| r.get(0),
    )?
    .collect()
}

/// After rows were loaded with their ids, each identity column continues
/// after the largest id (new rows must not collide with copied ones).
pub fn reset_identities(conn: &Conn, tables: &[String]) -> Result<()> {
    for t in tables {
        let ids: Vec<String> = conn
            .query_map(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = ?1 AND is_identity = 'YES'",
                [t.as_str()],
                |r| r.get(0),
            )?
            .collect::<Result<_>>()?;
        for c in ids {
            conn.query_row(
                &format!("SELECT setval(pg_get_serial_sequence(?1, ?2), (SELECT coalesce(max({c}), 0) + 1 FROM {t}), false)"),
                [t.as_str(), c.as_str()],
                |r| r.get::<_, i64>(0),
            )?;
        }
    }
    Ok(())
}
