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
//!   before it. PostgreSQL: the same, deliberately: `BEGIN` (READ COMMITTED)
//!   then `pg_advisory_xact_lock(WRITER_LOCK)` — the ledger's writer lock,
//!   held to commit or rollback (a killed client's lock dies with its
//!   session). Every statement after it takes a fresh snapshot, so a
//!   transaction reads every earlier writer's committed rows; no two write at
//!   once, so there is no lost update, no double charge and no negative
//!   balance, exactly as on SQLite; exactly-once keys (code nonce; institution
//!   + bill) are unique constraints as well. Readers never wait.
//!
//!   Why not SERIALIZABLE with retries (tried first, measured with
//!   `bench/pg-settle.sh`): every settlement first looks up its nonce and its
//!   bill in unique indexes and then inserts into them, so concurrent
//!   settlements share index pages and PostgreSQL's predicate locks abort most
//!   of them — with 8 clients some settlements still failed after 40 retries.
//!   Why not `SELECT … FOR UPDATE` per payer row: every path that reads and
//!   then writes a balance, a rollup or a cap would have to know its rows and
//!   lock them in order; one forgotten lock is a lost update. One lock for
//!   writers gives SQLite's guarantee with no such audit, at the cost of
//!   writers taking turns — a settlement holds it for under 1 ms (two
//!   pipelined round trips, `bench/pg-settle.sh`), far above
//!   a district's peak of a few dozen a second (ARCHITECTURE.md). The next
//!   step, when a province needs parallel writers, is the same lock per
//!   household (the sharding key), not per ledger.
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

pub mod docstore;
pub mod pg;
pub mod sqlite;

use crate::error::{Error, Result, SqlFault};
use std::cell::RefCell;
use std::collections::HashMap;

/// PostgreSQL advisory-lock key of the ledger's writer lock (see above).
pub const WRITER_LOCK: i64 = 0x5171_5157_5254; // "QqQWRT"

/// Which database engine holds the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgresql,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgresql => "postgresql",
        }
    }
}

/// A value going into or coming out of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

/// Something that can be bound to a placeholder.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_to_value!(i64, i32, i16, i8, u32, u16, u8, usize, u64, isize);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(*self as i64)
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue + ?Sized> ToValue for Box<T> {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// Something that can be read out of a column.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> std::result::Result<Self, String>;
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value) -> std::result::Result<Self, String> {
                match v {
                    Value::Int(i) => <$t>::try_from(i).map_err(|_| format!("{i} out of range for {}", stringify!($t))),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
int_from_value!(i64, i32, i16, u32, u16, u8, usize, u64);

impl FromValue for bool {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i != 0),
            other => Err(format!("expected 0 or 1, found {other:?}")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i as f64),
            Value::Real(f) => Ok(f),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b),
            Value::Text(s) => Ok(s.into_bytes()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl FromValue for Value {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        Ok(v)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A column, by position or by name.
pub trait RowIndex {
    fn sqlite(&self, r: &rusqlite::Row<'_>) -> Result<usize>;
    fn pg(&self, r: &tokio_postgres::Row) -> Result<usize>;
    fn named(&self, columns: &[String]) -> Result<usize>;
}
impl RowIndex for usize {
    fn sqlite(&self, _r: &rusqlite::Row<'_>) -> Result<usize> {
        Ok(*self)
    }
    fn pg(&self, _r: &tokio_postgres::Row) -> Result<usize> {
        Ok(*self)
    }
    fn named(&self, _columns: &[String]) -> Result<usize> {
        Ok(*self)
    }
}
impl RowIndex for &str {
    fn sqlite(&self, r: &rusqlite::Row<'_>) -> Result<usize> {
        r.as_ref().column_index(self).map_err(sqlite_error)
    }
    fn pg(&self, r: &tokio_postgres::Row) -> Result<usize> {
        r.columns().iter().position(|c| c.name() == *self).ok_or_else(|| Error::internal(format!("no column {self}")))
    }
    fn named(&self, columns: &[String]) -> Result<usize> {
        columns.iter().position(|c| c == self).ok_or_else(|| Error::internal(format!("no column {self}")))
    }
}

/// One row of a result.
pub struct Row<'a>(RowInner<'a>);
enum RowInner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Pg(&'a tokio_postgres::Row),
    Lite(&'a [String], &'a [Value]),
}

impl Row<'_> {
    /// How many columns the row has.
    pub fn column_count(&self) -> usize {
        match &self.0 {
            RowInner::Sqlite(r) => r.as_ref().column_count(),
            RowInner::Pg(r) => r.len(),
            RowInner::Lite(_, v) => v.len(),
        }
    }

    pub fn get<I: RowIndex, T: FromValue>(&self, i: I) -> Result<T> {
        let (idx, v) = match &self.0 {
            RowInner::Sqlite(r) => {
                let idx = i.sqlite(r)?;
                let v = match r.get_ref(idx).db()? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(i) => Value::Int(i),
                    rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                    rusqlite::types::ValueRef::Text(t) => {
                        Value::Text(String::from_utf8(t.to_vec()).map_err(|e| Error::internal(format!("column {idx}: {e}")))?)
                    }
                    rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                };
                (idx, v)
            }
            RowInner::Pg(r) => {
                let idx = i.pg(r)?;
                let v: PgValue = r.try_get(idx).map_err(pg_error)?;
                (idx, v.0)
            }
            RowInner::Lite(columns, values) => {
                let idx = i.named(columns)?;
                (idx, values.get(idx).cloned().ok_or_else(|| Error::internal(format!("no column {idx}")))?)
            }
        };
        T::from_value(v).map_err(|e| Error::internal(format!("column {idx}: {e}")))
    }
}

/// The values bound to a statement's placeholders.
pub trait Params {
    fn values(self) -> Vec<Value>;
}
impl Params for [&dyn ToValue; 0] {
    fn values(self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for &[&dyn ToValue] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl Params for Vec<Value> {
    fn values(self) -> Vec<Value> {
        self
    }
}
impl<T: ToValue + ?Sized, const N: usize> Params for &[&T; N] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
macro_rules! array_params {
    ($($n:literal),*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn values(self) -> Vec<Value> {
                self.iter().map(|v| v.to_value()).collect()
            }
        }
    )*};
}
array_params!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

/// Bind every value an iterator yields, in order.
pub fn params_from_iter<I>(iter: I) -> Vec<Value>
where
    I: IntoIterator,
    I::Item: ToValue,
{
    iter.into_iter().map(|v| v.to_value()).collect()
}

/// `params![a, b, c]`: placeholders ?1, ?2, ?3 (as rusqlite's macro).
#[macro_export]
macro_rules! params {
    () => { [] as [&dyn $crate::store::ToValue; 0] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::store::ToValue),+] as &[&dyn $crate::store::ToValue] };
}

/// `.optional()` on a single-row query: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}
impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.sql == Some(SqlFault::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A connection to the ledger, on either backend.
pub struct Conn(Inner);

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Conn({})", self.backend().as_str())
    }
}

// One per open ledger: its size does not matter, and boxing would cost a
// pointer chase on every statement.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Sqlite(rusqlite::Connection),
    Pg(PgConn),
}

struct PgConn {
    /// Drives the connection's socket while a statement waits for its answer.
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    stmts: RefCell<HashMap<String, tokio_postgres::Statement>>,
    /// A write transaction's opening (`BEGIN`, the writer lock), sent with
    /// the transaction's first statement, in the same round trip.
    opening: RefCell<Option<String>>,
}

/// One statement of a [`Conn::pipeline`].
pub struct Query {
    sql: std::borrow::Cow<'static, str>,
    values: Vec<Value>,
}

/// A statement and its values, for [`Conn::pipeline`] and [`Tx::commit_with`].
pub fn query(sql: impl Into<std::borrow::Cow<'static, str>>, params: impl Params) -> Query {
    Query { sql: sql.into(), values: params.values() }
}

/// The rows one statement of a pipeline returned (none for a write without
/// `RETURNING`).
pub struct Rows(RowsInner);
enum RowsInner {
    Pg(Vec<tokio_postgres::Row>),
    Lite { columns: Vec<String>, rows: Vec<Vec<Value>> },
}

impl Rows {
    pub fn len(&self) -> usize {
        match &self.0 {
            RowsInner::Pg(r) => r.len(),
            RowsInner::Lite { rows, .. } => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every row through `f`.
    pub fn map<T>(&self, mut f: impl FnMut(&Row<'_>) -> Result<T>) -> Result<Vec<T>> {
        match &self.0 {
            RowsInner::Pg(rows) => rows.iter().map(|r| f(&Row(RowInner::Pg(r)))).collect(),
            RowsInner::Lite { columns, rows } => rows.iter().map(|r| f(&Row(RowInner::Lite(columns, r)))).collect(),
        }
    }

    /// The first row through `f`; `.optional()` turns no row into `None`.
    pub fn first<T>(&self, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        match &self.0 {
            RowsInner::Pg(rows) => rows.first().map(|r| f(&Row(RowInner::Pg(r)))),
            RowsInner::Lite { columns, rows } => rows.first().map(|r| f(&Row(RowInner::Lite(columns, r)))),
        }
        .unwrap_or_else(|| Err(Error::no_rows()))
    }
}

type Pinned<'f, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'f>>;

/// Poll every future in order until all are done: each sends its request
/// on its first poll, so the requests leave in this order (pipelined), and
/// the server answers them in this order.
async fn in_order<T>(futures: Vec<Pinned<'_, T>>) -> Vec<T> {
    Started::new(futures).finish().await
}

/// Futures polled in order, in two steps: once each (their requests leave),
/// then to the end ([`in_order`] in one go).
struct Started<'f, T> {
    futures: Vec<Pinned<'f, T>>,
    out: Vec<Option<T>>,
}

impl<'f, T> Started<'f, T> {
    fn new(futures: Vec<Pinned<'f, T>>) -> Self {
        let out = futures.iter().map(|_| None).collect();
        Started { futures, out }
    }

    /// Poll every unfinished future once, in order; whether any is still waiting.
    fn poll_all(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        let mut waiting = false;
        for (i, f) in self.futures.iter_mut().enumerate() {
            if self.out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => self.out[i] = Some(v),
                    std::task::Poll::Pending => waiting = true,
                }
            }
        }
        waiting
    }

    /// One more future, polled after those before it.
    fn push(&mut self, f: Pinned<'f, T>) {
        self.futures.push(f);
        self.out.push(None);
    }

    async fn poll_once(&mut self) {
        std::future::poll_fn(|cx| {
            self.poll_all(cx);
            std::task::Poll::Ready(())
        })
        .await
    }

    async fn finish(mut self) -> Vec<T> {
        std::future::poll_fn(|cx| if self.poll_all(cx) { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }).await;
        self.out.into_iter().map(|o| o.expect("every future finished")).collect()
    }
}

impl Conn {
    pub fn from_sqlite(c: rusqlite::Connection) -> Self {
        Conn(Inner::Sqlite(c))
    }

    /// A PostgreSQL connection: `rt` (a current-thread runtime) drives
    /// `connection`, the socket's task, whenever a statement waits.
    pub(crate) fn from_postgres<S>(rt: tokio::runtime::Runtime, client: tokio_postgres::Client, connection: S) -> Self
    where
        S: std::future::Future<Output = std::result::Result<(), tokio_postgres::Error>> + Send + 'static,
    {
        rt.spawn(async move {
            let _ = connection.await;
        });
        Conn(Inner::Pg(PgConn { rt, client, stmts: RefCell::new(HashMap::new()), opening: RefCell::new(None) }))
    }

    pub fn backend(&self) -> Backend {
        match &self.0 {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Pg(_) => Backend::Postgresql,
        }
    }

    /// The SQLite connection (backup, restore, pragmas); `None` on PostgreSQL.
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.0 {
            Inner::Sqlite(c) => Some(c),
            Inner::Pg(_) => None,
        }
    }

    pub(crate) fn sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        match &mut self.0 {
            Inner::Sqlite(c) => Some(c),
            Inner::Pg(_) => None,
        }
    }

    /// Run one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.values();
        match &self.0 {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql).db()?;
                Ok(stmt.execute(rusqlite::params_from_iter(values.iter())).db()?)
            }
            Inner::Pg(p) => {
                let stmt = p.prepare(sql)?;
                let refs = pg_params(&values);
                let n = p.run(p.client.execute(&stmt, &refs))?;
                Ok(n as usize)
            }
        }
    }

    /// Run several statements with no parameters (DDL, BEGIN/COMMIT).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.0 {
            Inner::Sqlite(c) => Ok(c.execute_batch(sql).db()?),
            Inner::Pg(p) => p.run(p.client.batch_execute(sql)),
        }
    }

    /// The first row of a query, through `f`; no row is an error that
    /// `.optional()` turns into `None`.
    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T>>(&self, sql: &str, params: P, f: F) -> Result<T> {
        let values = params.values();
        match &self.0 {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql).db()?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter())).db()?;
                match rows.next().db()? {
                    Some(r) => f(&Row(RowInner::Sqlite(r))),
                    None => Err(Error::no_rows()),
                }
            }
            Inner::Pg(p) => {
                let stmt = p.prepare(sql)?;
                let refs = pg_params(&values);
                let rows = p.run(p.client.query(&stmt, &refs))?;
                match rows.first() {
                    Some(r) => f(&Row(RowInner::Pg(r))),
                    None => Err(Error::no_rows()),
                }
            }
        }
    }

    /// Every row of a query, each through `f`.
    pub fn query_map<T, P: Params, F: FnMut(&Row<'_>) -> Result<T>>(&self, sql: &str, params: P, mut f: F) -> Result<std::vec::IntoIter<Result<T>>> {
        let values = params.values();
        let mut out = Vec::new();
        match &self.0 {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql).db()?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter())).db()?;
                while let Some(r) = rows.next().db()? {
                    out.push(f(&Row(RowInner::Sqlite(r))));
                }
            }
            Inner::Pg(p) => {
                let stmt = p.prepare(sql)?;
                let refs = pg_params(&values);
                let rows = p.run(p.client.query(&stmt, &refs))?;
                for r in &rows {
                    out.push(f(&Row(RowInner::Pg(r))));
                }
            }
        }
        Ok(out.into_iter())
    }

    /// A statement to run several times (kept in the connection's cache).
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(Stmt { conn: self, sql: sql.to_owned() })
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        self.prepare(sql)
    }

    /// Start a write transaction (see the module docs for what each backend
    /// guarantees). Rolled back when dropped without [`Tx::commit`].
    pub fn begin(&self) -> Result<Tx<'_>> {
        match &self.0 {
            Inner::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE").db()?,
            // Sent with the first statement. Waiting past lock_timeout for the
            // lock fails that statement (DB_BUSY, as SQLite's busy timeout)
            // and the transaction is rolled back when the Tx is dropped.
            Inner::Pg(p) => {
                *p.opening.borrow_mut() = Some(format!("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITER_LOCK})"));
            }
        }
        Ok(Tx { conn: self, done: false, saved: false })
    }

    /// [`Conn::begin`], and a savepoint right after it (on PostgreSQL after
    /// the writer lock, sent with the opening in the same round trip), for
    /// [`Tx::commit_if`] to roll back to.
    pub fn begin_with_savepoint(&self) -> Result<Tx<'_>> {
        let mut tx = self.begin()?;
        match &self.0 {
            Inner::Sqlite(c) => c.execute_batch("SAVEPOINT qq_kept").db()?,
            Inner::Pg(p) => match p.opening.borrow_mut().as_mut() {
                Some(opening) => opening.push_str("; SAVEPOINT qq_kept"),
                None => return Err(Error::internal("a transaction was already open")),
            },
        }
        tx.saved = true;
        Ok(tx)
    }

    /// Run independent statements in one round trip (PostgreSQL) or one
    /// after another (SQLite); their rows, in order. The first failure is
    /// the answer; inside a transaction it aborts the transaction.
    pub fn pipeline(&self, queries: Vec<Query>) -> Result<Vec<Rows>> {
        self.pipeline_then(queries, None)
    }

    /// [`Conn::pipeline`] with `work` done while the server answers: on
    /// PostgreSQL the statements leave first, then `work` runs on this
    /// thread, then the answers are read — the client's own CPU work (a
    /// signature check) overlaps the round trip and the server's work instead
    /// of adding to it. SQLite runs `work` first. Both results are returned;
    /// the caller decides which failure counts. `work` must not use this
    /// connection (on PostgreSQL it runs inside the connection's runtime).
    pub(crate) fn pipeline_during<W>(&self, queries: Vec<Query>, work: impl FnOnce() -> W) -> (Result<Vec<Rows>>, W) {
        match &self.0 {
            Inner::Sqlite(_) => {
                let w = work();
                (self.pipeline(queries), w)
            }
            Inner::Pg(p) => {
                let mut work = Some(work);
                let mut done = None;
                let rows = self.pg_pipeline(p, queries, None, Some(&mut || done = work.take().map(|w| w())));
                match done {
                    Some(w) => (rows, w),
                    // Failed before anything was sent (a statement that did not prepare).
                    None => {
                        let w = (work.take().expect("work runs once"))();
                        (rows, w)
                    }
                }
            }
        }
    }

    fn pipeline_then(&self, queries: Vec<Query>, last: Option<&str>) -> Result<Vec<Rows>> {
        match &self.0 {
            Inner::Sqlite(c) => {
                let mut out = Vec::with_capacity(queries.len());
                for q in &queries {
                    let mut stmt = c.prepare_cached(&q.sql).db()?;
                    let columns: Vec<String> = stmt.column_names().iter().map(|n| n.to_string()).collect();
                    let mut rows = stmt.query(rusqlite::params_from_iter(q.values.iter())).db()?;
                    let mut got = Vec::new();
                    while let Some(r) = rows.next().db()? {
                        let row = Row(RowInner::Sqlite(r));
                        got.push((0..columns.len()).map(|i| row.get::<_, Value>(i)).collect::<Result<Vec<_>>>()?);
                    }
                    out.push(Rows(RowsInner::Lite { columns, rows: got }));
                }
                if let Some(sql) = last {
                    c.execute_batch(sql).db()?;
                }
                Ok(out)
            }
            Inner::Pg(p) => self.pg_pipeline(p, queries, last, None),
        }
    }

    /// The statements (and `last`, a statement without parameters) in one
    /// round trip; `meanwhile` runs once they have left, before the answers
    /// are read.
    fn pg_pipeline(&self, p: &PgConn, queries: Vec<Query>, last: Option<&str>, meanwhile: Option<&mut dyn FnMut()>) -> Result<Vec<Rows>> {
        let stmts = p.prepare_all(&queries)?;
        let refs: Vec<Vec<&(dyn tokio_postgres::types::ToSql + Sync)>> = queries.iter().map(|q| pg_params(&q.values)).collect();
        type Answer = std::result::Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>;
        let mut futures: Vec<Pinned<'_, Answer>> = stmts.iter().zip(&refs).map(|(st, r)| Box::pin(p.client.query(st, r)) as Pinned<'_, Answer>).collect();
        if let Some(sql) = last {
            futures.push(Box::pin(async move { p.client.batch_execute(sql).await.map(|_| Vec::new()) }));
        }
        let results = p.run_during(async { Ok(in_order(futures).await) }, meanwhile)?;
        pg_rows(&queries, results)
    }

    /// A new row and the statements that need its id, for a pipeline: the
    /// first query it returns answers the new row's id.
    ///
    /// `insert` writes the row and ends in `RETURNING id`; `find` selects
    /// that id once the row is written (by a unique key); each of `then`
    /// reads it from the relation `new_row` (`… SELECT new_row.id, … FROM
    /// new_row`). SQLite runs `insert`, then each of `then` as
    /// `WITH new_row AS (find) …`. PostgreSQL gets one statement,
    /// `WITH new_row AS (insert), w1 AS (then₁), … SELECT id FROM new_row`:
    /// one execution and one answer from the server instead of one per
    /// statement — each answer is a flush to the socket and a wake-up of this
    /// process, most of a settlement's cost there (`bench/pg-settle.sh`).
    /// Its parts see the database as it was before the statement (that is
    /// why they read `new_row`), run once each, and must not change the same
    /// row twice — PostgreSQL applies only one of two such changes.
    pub fn with_new_row(&self, insert: Query, find: Query, then: Vec<Query>) -> Vec<Query> {
        match &self.0 {
            Inner::Sqlite(_) => {
                let mut out = Vec::with_capacity(then.len() + 1);
                out.push(insert);
                for q in then {
                    let by = q.values.len();
                    let mut values = q.values;
                    values.extend(find.values.iter().cloned());
                    out.push(Query { sql: format!("WITH new_row AS ({}) {}", shifted(&find.sql, by), q.sql).into(), values });
                }
                out
            }
            Inner::Pg(_) => {
                let mut sql = format!("WITH new_row AS ({})", insert.sql);
                let mut values = insert.values;
                for (i, q) in then.into_iter().enumerate() {
                    sql.push_str(&format!(", w{} AS ({})", i + 1, shifted(&q.sql, values.len())));
                    values.extend(q.values);
                }
                sql.push_str(" SELECT id FROM new_row");
                vec![Query { sql: sql.into(), values }]
            }
        }
    }

    /// Whether work done while a statement is in flight overlaps the
    /// server's (PostgreSQL, over a socket) or only precedes it (SQLite, in
    /// this process): whether it pays to start a transaction before a CPU-bound
    /// check rather than after it.
    pub fn overlaps(&self) -> bool {
        matches!(self.0, Inner::Pg(_))
    }

    /// The server's version ("3.46.0", "15.18 (Debian …)").
    pub fn server_version(&self) -> Result<String> {
        match &self.0 {
            Inner::Sqlite(_) => Ok(rusqlite::version().to_string()),
            Inner::Pg(_) => self.query_row("SHOW server_version", [], |r| r.get(0)),
        }
    }
}

impl PgConn {
    /// Wait for `f`, with a pending transaction opening sent just before it
    /// (one round trip for both).
    fn run<T>(&self, f: impl std::future::Future<Output = std::result::Result<T, tokio_postgres::Error>>) -> Result<T> {
        self.run_during(f, None)
    }

    /// [`PgConn::run`], with `meanwhile` (if any) run once the requests have
    /// been written to the socket and before the answers are awaited.
    fn run_during<T>(
        &self,
        f: impl std::future::Future<Output = std::result::Result<T, tokio_postgres::Error>>,
        meanwhile: Option<&mut dyn FnMut()>,
    ) -> Result<T> {
        let opening = self.opening.borrow_mut().take();
        type Answer<T> = std::result::Result<Option<T>, tokio_postgres::Error>;
        let mut futures: Vec<Pinned<'_, Answer<T>>> = Vec::with_capacity(2);
        if let Some(sql) = &opening {
            futures.push(Box::pin(async move { self.client.batch_execute(sql).await.map(|_| None) }));
        }
        futures.push(Box::pin(async { f.await.map(Some) }));
        let answers = self.rt.block_on(async {
            let mut futures = Started::new(futures);
            if let Some(meanwhile) = meanwhile {
                // Each request is queued on its first poll; yielding lets the
                // connection's task write them all to the socket before
                // `meanwhile` keeps this thread busy (tokio runs the woken
                // task before a yielded one; were it not so, only the overlap
                // would be lost).
                futures.poll_once().await;
                tokio::task::yield_now().await;
                meanwhile();
            }
            futures.finish().await
        });
        let mut last = None;
        for a in answers {
            last = a.map_err(pg_error)?;
        }
        Ok(last.expect("the statement's answer"))
    }

    /// The statement for `sql`, prepared once per connection. (PostgreSQL
    /// must infer each parameter's type from the statement: write
    /// `(col = ?1 OR ?1 IS NULL)`, not `(?1 IS NULL OR col = ?1)`.)
    fn prepare(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        if let Some(s) = self.stmts.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.rt.block_on(self.client.prepare(&pg_sql(sql))).map_err(|e| pg_error(e).in_statement(sql))?;
        self.stmts.borrow_mut().insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }

    /// Every statement of a pipeline, the ones not yet prepared in one round trip.
    fn prepare_all(&self, queries: &[Query]) -> Result<Vec<tokio_postgres::Statement>> {
        let missing: Vec<&str> = {
            let cache = self.stmts.borrow();
            let mut m: Vec<&str> = Vec::new();
            for q in queries {
                if !cache.contains_key(&*q.sql) && !m.contains(&&*q.sql) {
                    m.push(&q.sql);
                }
            }
            m
        };
        if !missing.is_empty() {
            let texts: Vec<String> = missing.iter().map(|s| pg_sql(s)).collect();
            type Answer = std::result::Result<tokio_postgres::Statement, tokio_postgres::Error>;
            let futures: Vec<Pinned<'_, Answer>> = texts.iter().map(|t| Box::pin(self.client.prepare(t)) as Pinned<'_, Answer>).collect();
            let prepared = self.rt.block_on(in_order(futures));
            for (sql, r) in missing.iter().zip(prepared) {
                let stmt = r.map_err(|e| pg_error(e).in_statement(sql))?;
                self.stmts.borrow_mut().insert(sql.to_string(), stmt);
            }
        }
        let cache = self.stmts.borrow();
        Ok(queries.iter().map(|q| cache[&*q.sql].clone()).collect())
    }
}

/// A prepared statement.
pub struct Stmt<'c> {
    conn: &'c Conn,
    sql: String,
}

impl Stmt<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.conn.execute(&self.sql, params)
    }
    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T>>(&mut self, params: P, f: F) -> Result<T> {
        self.conn.query_row(&self.sql, params, f)
    }
    pub fn query_map<T, P: Params, F: FnMut(&Row<'_>) -> Result<T>>(&mut self, params: P, f: F) -> Result<std::vec::IntoIter<Result<T>>> {
        self.conn.query_map(&self.sql, params, f)
    }
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.conn.query_row(&self.sql, params, |_| Ok(())).optional()?.is_some())
    }
}

/// An open write transaction; derefs to the connection.
pub struct Tx<'c> {
    conn: &'c Conn,
    done: bool,
    /// A savepoint was taken right at the start (on PostgreSQL, with the
    /// opening): [`Conn::begin_with_savepoint`].
    saved: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        if self.conn.unopened() {
            return Ok(());
        }
        self.conn.execute_batch("COMMIT").inspect_err(|_| {
            let _ = self.conn.execute_batch("ROLLBACK");
        })
    }

    /// Run the transaction's last statements and commit, one round trip on
    /// PostgreSQL (the COMMIT rolls back if any of them failed); their rows.
    pub fn commit_with(mut self, queries: Vec<Query>) -> Result<Vec<Rows>> {
        let rows = self.conn.pipeline_then(queries, Some("COMMIT"))?;
        self.done = true;
        Ok(rows)
    }
}

/// What [`Tx::commit_if`]'s question answered.
pub enum Verdict {
    /// Commit the statements.
    Keep,
    /// Undo them, run the `instead` statements and commit those.
    Instead,
    /// Roll the whole transaction back.
    Abort,
}

impl Tx<'_> {
    /// Run the transaction's last statements and, as `decide` answers:
    /// commit them (`Some`: their rows); or undo every write of the
    /// transaction (back to the savepoint of [`Conn::begin_with_savepoint`])
    /// and commit `instead` (`None`); or roll everything back (`None`). On
    /// PostgreSQL, once the transaction's opening has been sent, the statements
    /// leave first and `decide` runs while the server executes them — a
    /// check that costs CPU (a payment password) overlaps the writes instead
    /// of preceding them — then `COMMIT`, or `ROLLBACK TO SAVEPOINT` with
    /// `instead` and `COMMIT`, or `ROLLBACK` follow in the same round trip:
    /// nothing is committed before `decide` has answered, and the lock is
    /// held until what it decided is committed. Otherwise (SQLite) `decide`
    /// runs first and only what it chose is written. `decide` must not use
    /// the connection.
    pub(crate) fn commit_if(mut self, queries: Vec<Query>, instead: Vec<Query>, decide: impl FnOnce() -> Verdict) -> Result<Option<Vec<Rows>>> {
        let p = match &self.conn.0 {
            Inner::Pg(p) if self.saved && p.opening.borrow().is_none() => p,
            _ => {
                return match decide() {
                    Verdict::Keep => self.commit_with(queries).map(Some),
                    Verdict::Instead => {
                        if !self.saved {
                            return Err(Error::internal("commit_if: Instead needs a transaction begun with a savepoint"));
                        }
                        if let Inner::Sqlite(c) = &self.conn.0 {
                            c.execute_batch("ROLLBACK TO SAVEPOINT qq_kept").db()?;
                        }
                        self.commit_with(instead).map(|_| None)
                    }
                    Verdict::Abort => Ok(None), // dropped: rolled back
                };
            }
        };
        let stmts = p.prepare_all(&queries)?;
        let instead_stmts = p.prepare_all(&instead)?;
        let refs: Vec<Vec<&(dyn tokio_postgres::types::ToSql + Sync)>> = queries.iter().map(|q| pg_params(&q.values)).collect();
        let instead_refs: Vec<Vec<&(dyn tokio_postgres::types::ToSql + Sync)>> = instead.iter().map(|q| pg_params(&q.values)).collect();
        type Answer = std::result::Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>;
        let futures: Vec<Pinned<'_, Answer>> = stmts.iter().zip(&refs).map(|(st, r)| Box::pin(p.client.query(st, r)) as Pinned<'_, Answer>).collect();
        let (results, verdict) = p.rt.block_on(async {
            let mut all = Started::new(futures);
            all.poll_once().await;
            tokio::task::yield_now().await;
            let verdict = decide();
            let close = match verdict {
                Verdict::Keep => "COMMIT",
                Verdict::Instead => {
                    all.push(Box::pin(async { p.client.batch_execute("ROLLBACK TO SAVEPOINT qq_kept").await.map(|_| Vec::new()) }));
                    for (st, r) in instead_stmts.iter().zip(&instead_refs) {
                        all.push(Box::pin(p.client.query(st, r)));
                    }
                    "COMMIT"
                }
                Verdict::Abort => "ROLLBACK",
            };
            all.push(Box::pin(async move { p.client.batch_execute(close).await.map(|_| Vec::new()) }));
            (all.finish().await, verdict)
        });
        // The transaction ended either way (a failed statement made the COMMIT a rollback).
        self.done = true;
        match verdict {
            Verdict::Keep => pg_rows(&queries, results).map(Some),
            Verdict::Instead => {
                // The statements' own failure does not matter: they were undone.
                let n = queries.len();
                let after: Vec<_> = results.into_iter().skip(n + 1).collect();
                pg_rows(&instead, after).map(|_| None)
            }
            Verdict::Abort => Ok(None),
        }
    }
}

impl Conn {
    /// A transaction begun but not yet sent (nothing to commit or roll back).
    fn unopened(&self) -> bool {
        match &self.0 {
            Inner::Sqlite(_) => false,
            Inner::Pg(p) => p.opening.borrow_mut().take().is_some(),
        }
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.unopened() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

// ---------------------------------------------------------------- SQLite side

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

// ------------------------------------------------------------ PostgreSQL side

/// `?N` → `$N`, bare `?` → the next number; quoted text is left alone.
pub fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// `sql` with every `?N` placeholder numbered `N + by` (text in quotes is
/// left alone), so statements can be joined into one.
fn shifted(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        out.push(c);
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n: usize = digits.parse().expect("statements joined by Conn::with_new_row number their placeholders (?N)");
                out.push_str(&(n + by).to_string());
            }
            _ => {}
        }
    }
    out
}

/// The answers of a pipeline's statements (and of statements after them,
/// dropped), or the first failure, named by its statement.
fn pg_rows(queries: &[Query], results: Vec<std::result::Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>>) -> Result<Vec<Rows>> {
    let mut out = Vec::with_capacity(results.len());
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(rows) => out.push(Rows(RowsInner::Pg(rows))),
            Err(e) => {
                let e = pg_error(e);
                return Err(match queries.get(i) {
                    Some(q) => e.in_statement(&q.sql),
                    None => e,
                });
            }
        }
    }
    out.truncate(queries.len());
    Ok(out)
}

fn pg_params(values: &[Value]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync)).collect()
}

/// A PostgreSQL error as a domain error: serialization failures and
/// deadlocks are a conflict to retry, unique violations are marked.
pub(crate) fn pg_error(e: tokio_postgres::Error) -> Error {
    use tokio_postgres::error::SqlState;
    if let Some(code) = e.code() {
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED {
            return Error::db_busy().with_sql(SqlFault::Conflict);
        }
        if *code == SqlState::UNIQUE_VIOLATION {
            return Error::internal(format!("{e}")).with_sql(SqlFault::Unique);
        }
        if *code == SqlState::LOCK_NOT_AVAILABLE {
            return Error::db_busy();
        }
    }
    if e.is_closed() || e.as_db_error().is_none() {
        return Error::db_open(format!("PostgreSQL: {e}"));
    }
    let detail = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    Error::internal(format!("PostgreSQL {detail}"))
}

/// A SQLite error as the domain's (busy → `DB_BUSY`; a unique key taken and
/// no row found are marked for the callers that act on them). The domain's
/// error knows no store: the conversion lives here.
pub fn sqlite_error(e: rusqlite::Error) -> Error {
    {
        if let rusqlite::Error::SqliteFailure(ref f, _) = e {
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) {
                return Error::db_busy();
            }
            if f.extended_code == 2067 || f.extended_code == 1555 {
                // SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY
                return Error::internal(e).with_sql(SqlFault::Unique);
            }
        }
        if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
            return Error::no_rows();
        }
        Error::internal(e)
    }
}

/// `?` on a SQLite result, as the domain's error ([`sqlite_error`]).
pub trait SqliteResult<T> {
    fn db(self) -> Result<T>;
}

impl<T> SqliteResult<T> for std::result::Result<T, rusqlite::Error> {
    fn db(self) -> Result<T> {
        self.map_err(sqlite_error)
    }
}

/// What the store adds to an error: the statement it came from.
trait InStatement {
    fn in_statement(self, sql: &str) -> Error;
}

impl InStatement for Error {
    /// In a debug build, name the statement an internal store error came from.
    fn in_statement(self, sql: &str) -> Error {
        if cfg!(debug_assertions) && self.sql.is_none() && self.code == crate::error::Code::Internal {
            let mut e = Error::internal(format!("{} [in: {}]", self.message_en, sql.split_whitespace().collect::<Vec<_>>().join(" ")));
            e.sql = self.sql;
            e
        } else {
            self
        }
    }
}

impl tokio_postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use bytes::BufMut;
        use tokio_postgres::types::{IsNull, Kind, Type};
        let bad = || -> Box<dyn std::error::Error + Sync + Send> { format!("cannot bind {self:?} to a {ty} parameter").into() };
        // A domain (a column type with its CHECK, migrations/postgres/0009) is sent as its base type.
        let mut ty = ty;
        while let Kind::Domain(base) = ty.kind() {
            ty = base;
        }
        match self {
            Value::Null => return Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => out.put_i64(*i),
                Type::INT4 => out.put_i32(i32::try_from(*i).map_err(|_| bad())?),
                Type::INT2 => out.put_i16(i16::try_from(*i).map_err(|_| bad())?),
                Type::BOOL => out.put_u8((*i != 0) as u8),
                Type::FLOAT8 => out.put_f64(*i as f64),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => out.put_slice(i.to_string().as_bytes()),
                _ => return Err(bad()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => out.put_f64(*f),
                Type::FLOAT4 => out.put_f32(*f as f32),
                Type::TEXT | Type::VARCHAR => out.put_slice(f.to_string().as_bytes()),
                _ => return Err(bad()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::BYTEA => out.put_slice(s.as_bytes()),
                _ => return Err(bad()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => out.put_slice(b),
                _ => return Err(bad()),
            },
        }
        Ok(IsNull::No)
    }

    fn accepts(_ty: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Any column, read into a [`Value`] by its type.
struct PgValue(Value);

impl<'a> tokio_postgres::types::FromSql<'a> for PgValue {
    fn from_sql(ty: &tokio_postgres::types::Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        use tokio_postgres::types::Type;
        let v = match *ty {
            Type::INT8 => Value::Int(i64::from_be_bytes(raw.try_into()?)),
            Type::INT4 => Value::Int(i32::from_be_bytes(raw.try_into()?) as i64),
            Type::INT2 => Value::Int(i16::from_be_bytes(raw.try_into()?) as i64),
            Type::OID => Value::Int(u32::from_be_bytes(raw.try_into()?) as i64),
            Type::BOOL => Value::Int((raw.first().copied().unwrap_or(0) != 0) as i64),
            Type::FLOAT8 => Value::Real(f64::from_be_bytes(raw.try_into()?)),
            Type::FLOAT4 => Value::Real(f32::from_be_bytes(raw.try_into()?) as f64),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw.to_vec()),
            _ => Value::Text(std::str::from_utf8(raw)?.to_owned()),
        };
        Ok(PgValue(v))
    }

    fn from_sql_null(_ty: &tokio_postgres::types::Type) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(PgValue(Value::Null))
    }

    fn accepts(_ty: &tokio_postgres::types::Type) -> bool {
        true
    }
}

/// PostgreSQL's binary NUMERIC (what `SUM(bigint)` returns): an integer when
/// it has no fraction, else a float.
fn numeric(raw: &[u8]) -> std::result::Result<Value, Box<dyn std::error::Error + Sync + Send>> {
    let word = |i: usize| -> std::result::Result<i16, Box<dyn std::error::Error + Sync + Send>> {
        Ok(i16::from_be_bytes(raw.get(i * 2..i * 2 + 2).ok_or("short numeric")?.try_into()?))
    };
    let ndigits = word(0)? as usize;
    let weight = word(1)? as i32;
    let sign = word(2)? as u16;
    if sign == 0xC000 {
        return Err("NaN numeric".into());
    }
    let mut int: i128 = 0;
    let mut frac: f64 = 0.0;
    for k in 0..ndigits {
        let d = word(4 + k)? as i128;
        let pos = weight - k as i32; // power of 10000
        if pos >= 0 {
            int += d * 10000i128.pow(pos as u32);
        } else {
            frac += d as f64 * 10000f64.powi(pos);
        }
    }
    let neg = sign == 0x4000;
    if frac == 0.0 {
        let v = if neg { -int } else { int };
        return Ok(Value::Int(i64::try_from(v)?));
    }
    let v = int as f64 + frac;
    Ok(Value::Real(if neg { -v } else { v }))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes() {
        assert_eq!(pg_sql("SELECT a FROM t WHERE b = ?1 AND c = ?12"), "SELECT a FROM t WHERE b = $1 AND c = $12");
        assert_eq!(pg_sql("INSERT INTO t VALUES (?, ?, '?')"), "INSERT INTO t VALUES ($1, $2, '?')");
        assert_eq!(pg_sql("SELECT 'it''s ?1', ?2"), "SELECT 'it''s ?1', $2");
    }

    #[test]
    fn joined_statements_number_their_placeholders_after_each_other() {
        assert_eq!(shifted("UPDATE t SET a = ?1 WHERE b = ?2 AND c = '?1'", 3), "UPDATE t SET a = ?4 WHERE b = ?5 AND c = '?1'");
        let c = Conn::from_sqlite(rusqlite::Connection::open_in_memory().unwrap());
        c.execute_batch("CREATE TABLE p (id INTEGER PRIMARY KEY, k TEXT UNIQUE); CREATE TABLE q (p_id INTEGER, v INTEGER)").unwrap();
        let qs = c.with_new_row(
            query("INSERT INTO p (k) VALUES (?1) RETURNING id", ["x"]),
            query("SELECT id FROM p WHERE k = ?1", ["x"]),
            vec![query("INSERT INTO q (p_id, v) SELECT new_row.id, ?1 FROM new_row", [7i64]), query("INSERT INTO q (p_id, v) VALUES (?1, ?2)", [0i64, 8])],
        );
        let rows = c.pipeline(qs).unwrap();
        let id: i64 = rows[0].first(|r| r.get(0)).unwrap();
        let got: Vec<(i64, i64)> = c.query_map("SELECT p_id, v FROM q ORDER BY v", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_>>().unwrap();
        assert_eq!(got, vec![(id, 7), (0, 8)]);
    }

    /// SQLite, and PostgreSQL when `QINQING_TEST_POSTGRES` names a server.
    fn both_backends() -> Vec<Conn> {
        let mut out = vec![Conn::from_sqlite(rusqlite::Connection::open_in_memory().unwrap())];
        if let Some(base) = std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) {
            out.push(crate::store::pg::connect(&crate::store::pg::fresh_test_database(&base).unwrap()).unwrap());
        }
        out
    }

    /// The overlapped forms ask their question exactly once and keep their
    /// promises: `commit_if` commits only what its question chose — the
    /// statements, or (undoing them) the `instead` ones, or nothing — and a
    /// failed statement commits nothing; `pipeline_during` answers both the
    /// rows and the work.
    #[test]
    fn work_done_while_the_server_answers_decides_and_is_answered() {
        for c in both_backends() {
            let backend = c.backend();
            c.execute_batch("CREATE TABLE kept (v BIGINT NOT NULL CHECK (v > 0))").unwrap();
            let sum = |c: &Conn| -> i64 { c.query_row("SELECT coalesce(sum(v), 0) FROM kept", [], |r| r.get(0)).unwrap() };
            fn start(c: &Conn) -> Tx<'_> {
                let tx = c.begin_with_savepoint().unwrap();
                tx.execute("INSERT INTO kept (v) VALUES (?1)", [1i64]).unwrap();
                tx
            }
            let write = |v: i64| vec![query("INSERT INTO kept (v) VALUES (?1) RETURNING v", [v])];
            // Aborted: nothing of the transaction stays.
            let mut asked = 0;
            let r = start(&c).commit_if(write(2), write(100), || {
                asked += 1;
                Verdict::Abort
            });
            assert!(r.unwrap().is_none(), "{backend:?}");
            assert_eq!((asked, sum(&c)), (1, 0), "{backend:?}: nothing written");
            // Instead: every write of the transaction is undone, and the
            // `instead` statements are committed.
            assert!(start(&c).commit_if(write(2), write(100), || Verdict::Instead).unwrap().is_none());
            assert_eq!(sum(&c), 100, "{backend:?}");
            // Kept: committed, with the statements' rows.
            let rows = start(&c).commit_if(write(2), write(100), || Verdict::Keep).unwrap().unwrap();
            assert_eq!(rows[0].first(|r| r.get::<_, i64>(0)).unwrap(), 2);
            assert_eq!(sum(&c), 103, "{backend:?}");
            // Kept, but a statement fails: nothing of the transaction stays.
            assert!(start(&c).commit_if(write(-1), write(100), || Verdict::Keep).is_err(), "{backend:?}");
            assert_eq!(sum(&c), 103, "{backend:?}: the failed transaction left nothing");
            // Instead, after a statement failed: the undo recovers the transaction.
            assert!(start(&c).commit_if(write(-1), write(100), || Verdict::Instead).unwrap().is_none());
            assert_eq!(sum(&c), 203, "{backend:?}");
            // The connection is usable after each of them.
            let (rows, work) = c.pipeline_during(vec![query("SELECT count(*) FROM kept", Vec::<Value>::new())], || "done");
            assert_eq!((rows.unwrap()[0].first(|r| r.get::<_, i64>(0)).unwrap(), work), (4, "done"), "{backend:?}");
            // A statement that cannot run still lets the work run, once, and says so.
            let mut runs = 0;
            let (rows, ()) = c.pipeline_during(vec![query("SELECT nothing FROM nowhere", Vec::<Value>::new())], || runs += 1);
            assert!(rows.is_err() && runs == 1, "{backend:?}");
        }
    }

    #[test]
    fn numeric_decodes_integers_and_fractions() {
        // 123456789 = [1, 2345, 6789] weight 2
        let mut raw = Vec::new();
        for w in [3i16, 2, 0, 0, 1, 2345, 6789] {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        assert_eq!(numeric(&raw).unwrap(), Value::Int(123_456_789));
        let mut neg = Vec::new();
        for w in [1i16, 0, 0x4000u16 as i16, 0, 42] {
            neg.extend_from_slice(&w.to_be_bytes());
        }
        assert_eq!(numeric(&neg).unwrap(), Value::Int(-42));
        let mut zero = Vec::new();
        for w in [0i16, 0, 0, 0] {
            zero.extend_from_slice(&w.to_be_bytes());
        }
        assert_eq!(numeric(&zero).unwrap(), Value::Int(0));
        let mut half = Vec::new();
        for w in [1i16, -1, 0, 1, 5000] {
            half.extend_from_slice(&w.to_be_bytes());
        }
        assert_eq!(numeric(&half).unwrap(), Value::Real(0.5));
    }
}
