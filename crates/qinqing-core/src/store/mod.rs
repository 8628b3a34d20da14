//! The store's connection: one small API over SQLite (rusqlite) and
//! PostgreSQL (`tokio-postgres`, driven by a one-thread runtime per
//! connection), so the rest of the core writes each query once.
//!
//! What is the same on both: statements are written with `?N` placeholders
//! (rewritten to `$N` for PostgreSQL), `RETURNING`, `ON CONFLICT`, and the
//! value model — integers (money is integer fen), text (times are RFC 3339
//! text, UTC), blobs. What differs is kept here and in the per-backend DDL
//! (`migrations/` and `migrations/postgres/`):
//!
//! * **Write transactions.** SQLite: `BEGIN IMMEDIATE` — one writer at a
//!   time, the others wait (busy timeout), and each sees everything committed
//!   before it. PostgreSQL: `BEGIN` (READ COMMITTED) and advisory locks held
//!   to commit or rollback (a killed client's locks die with its session):
//!   a write that declares nothing ([`Conn::begin`]) takes the ledger's lock
//!   exclusively and runs alone, as on SQLite; a write that says what it
//!   touches ([`Conn::begin_locking`] with [`Locks`]: the households, the
//!   bill) takes the ledger's lock shared and only those keys, in order, so
//!   writers on other households run at the same time (issue 34; the rules
//!   and why they hold are in [`lock`]). Every statement after the locks
//!   takes a fresh snapshot, so a transaction reads every earlier writer's
//!   committed rows of what it locked; there is no lost update, no double
//!   charge and no negative balance; exactly-once keys (code nonce;
//!   institution + bill) are unique constraints as well. Readers never wait.
//!
//!   Why not SERIALIZABLE with retries (tried first, measured with
//!   `bench/pg-settle.sh`): every settlement first looks up its nonce and its
//!   bill in unique indexes and then inserts into them, so concurrent
//!   settlements share index pages and PostgreSQL's predicate locks abort most
//!   of them — with 8 clients some settlements still failed after 40 retries.
//!   Why locks by household rather than `SELECT … FOR UPDATE` per row: a
//!   household's balances, caps and roll-ups are many rows read before they
//!   are written; one key per person, taken before the first read, covers
//!   them all, and a write that forgets its keys is ledger-wide — slow, never
//!   wrong.
//!
//!   Conflicts PostgreSQL may still report (a deadlock with a DBA's session,
//!   a serialization failure) surface as [`SqlFault::Conflict`] and the
//!   write paths run again, whole ([`retry`]).
//! * **Statements** are prepared once per connection and cached on both.
//! * **Round trips.** On PostgreSQL every statement is a round trip to the
//!   server, so a hot path sends independent statements together
//!   ([`Conn::pipeline`], [`Tx::commit_with`]; SQLite runs them one after
//!   another), and a write transaction's `BEGIN` and writer lock travel with
//!   its first statement. The server still runs them in order; the first
//!   failure aborts the transaction and a `COMMIT` after it rolls back.
//! * **Types.** PostgreSQL is strict where SQLite is not: its DDL uses
//!   `BIGINT` for every integer, and values are converted by the column's
//!   declared type here ([`Value`]), so `SUM()` (NUMERIC there) and
//!   comparisons (BOOLEAN there) read back as integers as on SQLite.
//!
//! The files: `conn.rs` (the connection, its statements and transactions,
//! SQLite driven there), `pgconn.rs` (PostgreSQL's side of it, with the
//! cargo feature `postgres`, on by default; without it `nopg.rs` stands in,
//! no PostgreSQL driver is linked and a `postgres://` ledger is refused —
//! the desktop window's build, issue 33), `value.rs` (values in and out),
//! `row.rs` (rows), `sql.rs` (statements and placeholders), `fault.rs`
//! (errors); `sqlite.rs` and `pg.rs` open, locate and migrate a ledger,
//! `docstore.rs` keeps its files.

pub mod cipher;
pub mod cipher_provider;
pub mod docstore;
pub mod lock;
pub mod pg;
pub mod sealed;
pub mod sqlite;

mod conn;
mod fault;
#[cfg(feature = "postgres")]
mod pgconn;
#[cfg(not(feature = "postgres"))]
#[path = "nopg.rs"]
mod pgconn;
mod row;
mod sql;
mod value;

pub use conn::{Backend, Conn, Stmt, Tx};
pub use fault::{sqlite_error, OptionalExtension, SqliteResult};
pub use lock::{Locks, WRITER_LOCK};
pub use row::{Row, Rows};
pub use sql::{pg_sql, query, Query, Verdict};
pub use value::{params_from_iter, FromValue, Params, RowIndex, ToValue, Value};

use crate::error::{Result, SqlFault};

/// Run a write transaction again if PostgreSQL aborted it to keep it
/// serializable (`SqlFault::Conflict`), up to 40 times with a randomized pause
/// that grows to at most 64 ms (about 2.5 s in all before `DB_BUSY`, the
/// answer SQLite gives after its busy timeout). Each attempt is a whole
/// transaction (rolled back when it failed), so nothing is done twice. SQLite
/// never reports a conflict (its writers queue for the lock), so there this is
/// one call.
pub fn retry<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let mut attempt = 0u32;
    loop {
        match f() {
            Err(e) if e.sql == Some(SqlFault::Conflict) && attempt < 40 => {
                attempt += 1;
                let cap = 1u64 << attempt.min(6);
                let mut b = [0u8; 8];
                {
                    use password_hash::rand_core::{OsRng, RngCore};
                    OsRng.fill_bytes(&mut b);
                }
                let ms = 1 + u64::from_le_bytes(b) % cap;
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
            r => return r,
        }
    }
}
