//! The PostgreSQL side of the store's [`Conn`](crate::store::Conn) (cargo
//! feature `postgres`, on by default): `tokio-postgres`, driven by a
//! one-thread runtime per connection. The connection ([`PgConn`]) answers
//! what `conn.rs` asks of either backend — run a statement, send a
//! pipeline in one round trip, open a write transaction with its first
//! statement, overlap a question with the server's work — and converts
//! values and errors. Without the feature `nopg.rs` stands in for this file:
//! no connection can be made and a `postgres://` ledger is refused.

use crate::error::{Error, Result, SqlFault};
use crate::store::sql::{pg_sql, Query, Verdict};
use crate::store::value::{RowIndex, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// A row as the server sent it.
pub(super) type PgRow = tokio_postgres::Row;

/// A connection to a PostgreSQL server.
pub(super) struct PgConn {
    /// Drives the connection's socket while a statement waits for its answer.
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    stmts: RefCell<HashMap<String, tokio_postgres::Statement>>,
    /// A write transaction's opening (`BEGIN`, its locks), sent with
    /// the transaction's first statement, in the same round trip.
    opening: RefCell<Option<Opening>>,
    /// What the current write transaction locked: `None`, the whole ledger;
    /// else the keys its opening returned ([`crate::store::lock`]).
    held: RefCell<Option<Vec<i64>>>,
}

/// How a write transaction opens: `sql` (BEGIN, the ledger's lock), then
/// `lock` (the keys it locks, prepared: [`crate::store::lock`]), then a
/// savepoint if asked — after the locks, so rolling back to it keeps them.
struct Opening {
    sql: String,
    lock: Option<Query>,
    savepoint: bool,
}

/// Limits for a server that stops answering without closing anything (a
/// machine powered off or cut off: no RST), unless the URL sets its own:
/// each host's socket connect gives up after 3 s (the next host of a
/// multi-host URL is tried; the default was 10 s a host), a connection
/// whose sent data stays unacknowledged for 5 s is broken
/// (`TCP_USER_TIMEOUT`), an idle one is probed after 5 s, every 1 s, 3
/// times. Returns the bound on the whole connect (start-up and the
/// read-write check included, for a host that accepts but never answers):
/// 10 s a host.
fn silent_host_limits(config: &mut tokio_postgres::Config) -> std::time::Duration {
    use std::time::Duration;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(3));
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(Duration::from_secs(5));
    }
    // tokio-postgres's defaults: idle 2 h, the system's interval and count.
    if config.get_keepalives_idle() == Duration::from_secs(2 * 60 * 60) {
        config.keepalives_idle(Duration::from_secs(5));
    }
    if config.get_keepalives_interval().is_none() {
        config.keepalives_interval(Duration::from_secs(1));
    }
    if config.get_keepalives_retries().is_none() {
        config.keepalives_retries(3);
    }
    Duration::from_secs(10 * config.get_hosts().len().max(1) as u64)
}

/// One statement's answer.
type Answer = std::result::Result<Vec<PgRow>, tokio_postgres::Error>;

impl PgConn {
    /// Connect to the server at `url` (`shown`: the URL without its
    /// password, for messages); a current-thread runtime drives the socket's
    /// task whenever a statement waits.
    pub(super) fn connect(url: &str, shown: &str) -> Result<PgConn> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| Error::db_server(shown, &format!("not a valid PostgreSQL URL ({e})")))?;
        let budget = silent_host_limits(&mut config);
        config.application_name("qinqing");
        let rt =
            tokio::runtime::Builder::new_current_thread().enable_io().enable_time().build().map_err(|e| Error::internal(format!("PostgreSQL runtime: {e}")))?;
        // A loopback or unix-socket server in a centre's rack; TLS to PostgreSQL
        // across a network is configured in PostgreSQL (hostssl) with a proxy.
        let attempt = rt.block_on(async { tokio::time::timeout(budget, config.connect(tokio_postgres::NoTls)).await });
        let (client, connection) = match attempt {
            Ok(r) => r.map_err(|e| {
                // The server's own words when it answered (no such role, bad
                // password, no such database); else what failed on the way.
                let why = match e.as_db_error() {
                    Some(d) => d.message().to_string(),
                    None => std::error::Error::source(&e).map(|s| format!("{e}: {s}")).unwrap_or_else(|| e.to_string()),
                };
                // target_session_attrs=read-write and only a standby answered
                // (tokio-postgres's words): a fail-over not finished yet.
                if why.contains("does not allow writes") {
                    Error::db_no_primary(shown)
                } else {
                    Error::db_server(shown, &why)
                }
            })?,
            Err(_) => return Err(Error::db_lost(format!("no server of {shown} finished connecting within {} s", budget.as_secs()))),
        };
        rt.spawn(async move {
            let _ = connection.await;
        });
        Ok(PgConn { rt, client, stmts: RefCell::new(HashMap::new()), opening: RefCell::new(None), held: RefCell::new(None) })
    }

    /// Whether the connection has broken (its server went away): a new one
    /// is needed.
    pub(super) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Run one statement; the number of rows it changed.
    pub(super) fn execute(&self, sql: &str, values: &[Value]) -> Result<usize> {
        let stmt = self.prepare(sql)?;
        let n = self.run(self.client.execute(&stmt, &pg_params(values)))?;
        Ok(n as usize)
    }

    /// Run several statements with no parameters.
    pub(super) fn execute_batch(&self, sql: &str) -> Result<()> {
        self.run(self.client.batch_execute(sql))
    }

    /// Every row of a query.
    pub(super) fn query(&self, sql: &str, values: &[Value]) -> Result<Vec<PgRow>> {
        let stmt = self.prepare(sql)?;
        self.run(self.client.query(&stmt, &pg_params(values)))
    }

    /// Start a write transaction with `opening`, sent with its first
    /// statement; `ledger`: it locks the whole ledger, else the keys it
    /// returns (column `qq_locked`) are what it holds.
    pub(super) fn open_with_first(&self, sql: String, lock: Option<Query>, ledger: bool) {
        *self.opening.borrow_mut() = Some(Opening { sql, lock, savepoint: false });
        *self.held.borrow_mut() = if ledger { None } else { Some(Vec::new()) };
    }

    /// Whether the current transaction holds the lock `key`.
    pub(super) fn holds(&self, key: i64) -> bool {
        self.held.borrow().as_ref().is_none_or(|keys| keys.contains(&key))
    }

    /// A savepoint (`qq_kept`) right after the transaction's opening and
    /// locks, in the same round trip.
    pub(super) fn savepoint_in_opening(&self) -> Result<()> {
        match self.opening.borrow_mut().as_mut() {
            Some(opening) => {
                opening.savepoint = true;
                Ok(())
            }
            None => Err(Error::internal("a transaction was already open")),
        }
    }

    /// Keep the keys a transaction's opening locked (its rows' first column).
    fn note_locked(&self, rows: &[PgRow]) {
        if let Some(keys) = self.held.borrow_mut().as_mut() {
            keys.extend(rows.iter().filter_map(|r| r.try_get::<_, i64>(0).ok()));
        }
    }

    /// Whether the transaction's opening has been sent.
    pub(super) fn opening_sent(&self) -> bool {
        self.opening.borrow().is_none()
    }

    /// A transaction begun but not yet sent (nothing to commit or roll back):
    /// forget its opening.
    pub(super) fn unopened(&self) -> bool {
        self.opening.borrow_mut().take().is_some()
    }

    /// The statements (and `last`, a statement without parameters) in one
    /// round trip; `meanwhile` runs once they have left, before the answers
    /// are read. Each statement's rows, in order.
    pub(super) fn pipeline(&self, queries: &[Query], last: Option<&str>, meanwhile: Option<&mut dyn FnMut()>) -> Result<Vec<Vec<PgRow>>> {
        let stmts = self.prepare_all(queries)?;
        let refs: Vec<Vec<&(dyn tokio_postgres::types::ToSql + Sync)>> = queries.iter().map(|q| pg_params(&q.values)).collect();
        let mut futures: Vec<Pinned<'_, Answer>> = stmts.iter().zip(&refs).map(|(st, r)| Box::pin(self.client.query(st, r)) as Pinned<'_, Answer>).collect();
        if let Some(sql) = last {
            futures.push(Box::pin(async move { self.client.batch_execute(sql).await.map(|_| Vec::new()) }));
        }
        let results = self.run_during(async { Ok(in_order(futures).await) }, meanwhile)?;
        pg_rows(queries, results)
    }

    /// [`Tx::commit_if`](crate::store::Tx::commit_if) on a transaction whose
    /// opening (and savepoint) has been sent: the statements leave first,
    /// `decide` runs while the server executes them, then what it chose
    /// follows in the same round trip. `ended` is set once the transaction
    /// has ended, whichever way (a statement that did not prepare leaves it
    /// open, for the caller to roll back).
    pub(super) fn commit_if(
        &self,
        queries: &[Query],
        instead: &[Query],
        decide: impl FnOnce() -> Verdict,
        ended: &mut bool,
    ) -> Result<Option<Vec<Vec<PgRow>>>> {
        let stmts = self.prepare_all(queries)?;
        let instead_stmts = self.prepare_all(instead)?;
        let refs: Vec<Vec<&(dyn tokio_postgres::types::ToSql + Sync)>> = queries.iter().map(|q| pg_params(&q.values)).collect();
        let instead_refs: Vec<Vec<&(dyn tokio_postgres::types::ToSql + Sync)>> = instead.iter().map(|q| pg_params(&q.values)).collect();
        let futures: Vec<Pinned<'_, Answer>> = stmts.iter().zip(&refs).map(|(st, r)| Box::pin(self.client.query(st, r)) as Pinned<'_, Answer>).collect();
        let (results, verdict) = self.rt.block_on(async {
            let mut all = Started::new(futures);
            all.poll_once().await;
            tokio::task::yield_now().await;
            let verdict = decide();
            let close = match verdict {
                Verdict::Keep => "COMMIT",
                Verdict::Instead => {
                    all.push(Box::pin(async { self.client.batch_execute("ROLLBACK TO SAVEPOINT qq_kept").await.map(|_| Vec::new()) }));
                    for (st, r) in instead_stmts.iter().zip(&instead_refs) {
                        all.push(Box::pin(self.client.query(st, r)));
                    }
                    "COMMIT"
                }
                Verdict::Abort => "ROLLBACK",
            };
            all.push(Box::pin(async move { self.client.batch_execute(close).await.map(|_| Vec::new()) }));
            (all.finish().await, verdict)
        });
        // The transaction ended either way (a failed statement made the COMMIT a rollback).
        *ended = true;
        match verdict {
            Verdict::Keep => pg_rows(queries, results).map(Some),
            Verdict::Instead => {
                // The statements' own failure does not matter: they were undone.
                let n = queries.len();
                let after: Vec<_> = results.into_iter().skip(n + 1).collect();
                pg_rows(instead, after).map(|_| None)
            }
            Verdict::Abort => Ok(None),
        }
    }

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
        let lock = match opening.as_ref().and_then(|o| o.lock.as_ref()) {
            Some(q) => Some((self.prepare(&q.sql)?, pg_params(&q.values))),
            None => None,
        };
        type Answer<T> = std::result::Result<Option<T>, tokio_postgres::Error>;
        let mut futures: Vec<Pinned<'_, Answer<T>>> = Vec::with_capacity(4);
        if let Some(o) = &opening {
            futures.push(Box::pin(async move { self.client.batch_execute(&o.sql).await.map(|_| None) }));
            if let Some((stmt, params)) = &lock {
                futures.push(Box::pin(async move { self.client.query(stmt, params).await.map(|rows| self.note_locked(&rows)).map(|_| None) }));
            }
            if o.savepoint {
                futures.push(Box::pin(async move { self.client.batch_execute("SAVEPOINT qq_kept").await.map(|_| None) }));
            }
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

/// The answers of a pipeline's statements (and of statements after them,
/// dropped), or the first failure, named by its statement.
fn pg_rows(queries: &[Query], results: Vec<Answer>) -> Result<Vec<Vec<PgRow>>> {
    let mut out = Vec::with_capacity(results.len());
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(rows) => out.push(rows),
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
fn pg_error(e: tokio_postgres::Error) -> Error {
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
        // The server is shutting down or restarting, or is (now) a standby
        // that takes no writes: the connection is of no more use.
        let c = code.code();
        if c.starts_with("08") || c.starts_with("57P") || *code == SqlState::READ_ONLY_SQL_TRANSACTION {
            return Error::db_lost(c);
        }
    }
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return Error::db_lost("PostgreSQL");
    }
    if e.as_db_error().is_none() {
        return Error::db_open(format!("PostgreSQL: {e}"));
    }
    let detail = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    Error::internal(format!("PostgreSQL {detail}"))
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

/// Column `i` of a row: its position and value.
pub(super) fn column<I: RowIndex>(r: &PgRow, i: &I) -> Result<(usize, Value)> {
    let idx = i.among(&mut r.columns().iter().map(|c| c.name()))?;
    let v: PgValue = r.try_get(idx).map_err(pg_error)?;
    Ok((idx, v.0))
}

/// How many columns a row has.
pub(super) fn width(r: &PgRow) -> usize {
    r.len()
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The test server's URL (`QINQING_TEST_POSTGRES`) split around its
    /// `host:port`: (before, host:port, after).
    fn test_server() -> Option<(String, String, String)> {
        let base = std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty())?;
        let at = base.find('@')? + 1;
        let slash = at + base[at..].find('/')?;
        Some((base[..at].to_string(), base[at..slash].to_string(), base[slash..].to_string()))
    }

    /// A multi-host URL whose first host is silent — a loopback listener
    /// whose accept queue is full, so the kernel drops further SYNs, as for
    /// a machine powered off — reaches the second host after the 3 s connect
    /// limit, not the 10 s it was, nor never.
    #[test]
    fn a_silent_first_host_is_passed_over_after_three_seconds() {
        let Some((head, server, tail)) = test_server() else { return };
        let silent = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        silent.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
        silent.listen(0).unwrap();
        let addr = silent.local_addr().unwrap().as_socket().unwrap();
        // Fill the queue (never accepted) until a connect gets no answer.
        let mut held = Vec::new();
        while let Ok(c) = std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(300)) {
            held.push(c);
            assert!(held.len() < 64, "the listener's queue never filled");
        }
        let url = format!("{head}{addr},{server}{tail}?target_session_attrs=read-write");
        let t = std::time::Instant::now();
        let c = PgConn::connect(&url, "test").expect("the second host answers");
        let took = t.elapsed();
        assert!(took >= std::time::Duration::from_millis(2500), "the first host was silent for the connect limit: {took:?}");
        assert!(took < std::time::Duration::from_secs(6), "then the second host: {took:?}");
        assert_eq!(c.query("SELECT 1", &[]).unwrap().len(), 1);
    }

    /// When every host answers but only as a standby (read-only), the
    /// refusal is the retryable DB_LOST and says so — not "check the
    /// address and the password".
    #[test]
    fn only_a_standby_answering_is_db_lost_with_its_own_words() {
        let Some((head, server, tail)) = test_server() else { return };
        // default_transaction_read_only: what target_session_attrs=read-write
        // reads (SHOW transaction_read_only) is "on", as on a standby.
        let url = format!("{head}{server}{tail}?target_session_attrs=read-write&options=-c%20default_transaction_read_only%3Don");
        let e = PgConn::connect(&url, "test").err().expect("no writable server");
        assert_eq!(e.code, crate::error::Code::DbLost, "{}", e.message_en);
        assert!(e.message_en.contains("read-only standby") && e.message_en.contains("promote"), "{}", e.message_en);
        assert!(!e.message_en.contains("user name and password"), "{}", e.message_en);
    }
}
