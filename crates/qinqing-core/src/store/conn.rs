//! The connection ([`Conn`]) over both backends, its statements
//! ([`Stmt`]) and its write transactions ([`Tx`]); see the store's module
//! docs for what each backend guarantees. SQLite is driven here; every
//! PostgreSQL branch hands over to `pgconn.rs` (absent without the cargo
//! feature `postgres`: then no such branch can be reached).

use crate::error::{Error, Result};
use crate::store::fault::{OptionalExtension, SqliteResult};
use crate::store::pgconn::PgConn;
use crate::store::row::{Row, RowInner, Rows, RowsInner};
use crate::store::sql::{shifted, Query, Verdict};
use crate::store::value::{Params, Value};

use crate::store::lock::{Locks, WRITER_LOCK};

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

impl Conn {
    pub fn from_sqlite(c: rusqlite::Connection) -> Self {
        Conn(Inner::Sqlite(c))
    }

    /// A PostgreSQL connection ([`crate::store::pg::open`]).
    pub(super) fn from_pg(p: PgConn) -> Self {
        Conn(Inner::Pg(p))
    }

    pub fn backend(&self) -> Backend {
        match &self.0 {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Pg(_) => Backend::Postgresql,
        }
    }

    /// Whether the connection broke (a PostgreSQL server that went away, or
    /// fails over): open the ledger again (the server's workers do, finding
    /// the new primary through a multi-host URL). A SQLite file stays.
    pub fn is_lost(&self) -> bool {
        match &self.0 {
            Inner::Sqlite(_) => false,
            Inner::Pg(p) => p.is_closed(),
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
            Inner::Pg(p) => p.execute(sql, &values),
        }
    }

    /// Run several statements with no parameters (DDL, BEGIN/COMMIT).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.0 {
            Inner::Sqlite(c) => Ok(c.execute_batch(sql).db()?),
            Inner::Pg(p) => p.execute_batch(sql),
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
                let rows = p.query(sql, &values)?;
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
                for r in &p.query(sql, &values)? {
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

    /// Start a ledger-wide write transaction (see the module docs for what
    /// each backend guarantees; on PostgreSQL it runs alone, [`crate::store::lock`]).
    /// Rolled back when dropped without [`Tx::commit`].
    pub fn begin(&self) -> Result<Tx<'_>> {
        match &self.0 {
            Inner::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE").db()?,
            // Sent with the first statement. Waiting past lock_timeout for the
            // lock fails that statement (DB_BUSY, as SQLite's busy timeout)
            // and the transaction is rolled back when the Tx is dropped.
            Inner::Pg(p) => p.open_with_first(format!("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITER_LOCK})"), None, true),
        }
        Ok(Tx { conn: self, done: false, saved: false })
    }

    /// Start a write transaction that locks only `locks` on PostgreSQL
    /// (and the ledger's lock shared; [`crate::store::lock`]): writers on
    /// other households run at the same time. SQLite: [`Conn::begin`].
    pub fn begin_locking(&self, locks: &Locks) -> Result<Tx<'_>> {
        match &self.0 {
            Inner::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE").db()?,
            Inner::Pg(p) => {
                let (sql, keys) = locks.opening();
                p.open_with_first(sql, keys, false)
            }
        }
        Ok(Tx { conn: self, done: false, saved: false })
    }

    /// [`Conn::begin`], and a savepoint right after it (on PostgreSQL after
    /// the writer lock, sent with the opening in the same round trip), for
    /// [`Tx::commit_if`] to roll back to.
    pub fn begin_with_savepoint(&self) -> Result<Tx<'_>> {
        let tx = self.begin()?;
        self.savepoint(tx)
    }

    /// [`Conn::begin_locking`] with a savepoint ([`Conn::begin_with_savepoint`]).
    pub fn begin_locking_with_savepoint(&self, locks: &Locks) -> Result<Tx<'_>> {
        let tx = self.begin_locking(locks)?;
        self.savepoint(tx)
    }

    fn savepoint<'c>(&'c self, mut tx: Tx<'c>) -> Result<Tx<'c>> {
        match &self.0 {
            Inner::Sqlite(c) => c.execute_batch("SAVEPOINT qq_kept").db()?,
            Inner::Pg(p) => p.savepoint_in_opening()?,
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
                let rows = p.pipeline(&queries, None, Some(&mut || done = work.take().map(|w| w()))).map(Rows::pg);
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
            Inner::Pg(p) => p.pipeline(&queries, last, None).map(Rows::pg),
        }
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
    /// That this transaction holds `person`'s lock: always on SQLite and in a
    /// ledger-wide transaction; otherwise whether its opening locked them. A
    /// write about to spend from an account it did not lock (a 家庭共济
    /// relation made while it waited, [`crate::store::lock`]) is a conflict:
    /// rolled back and run again by [`crate::store::retry`]. Ask after the
    /// transaction's first statement (its opening travels with it).
    pub fn require_person(&self, person: i64) -> Result<()> {
        match &self.conn.0 {
            Inner::Sqlite(_) => Ok(()),
            Inner::Pg(p) if p.holds(crate::store::lock::person_key(person)) => Ok(()),
            Inner::Pg(_) => Err(Error::db_busy().with_sql(crate::error::SqlFault::Conflict)),
        }
    }

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
        let conn = self.conn;
        if let Inner::Pg(p) = &conn.0 {
            if self.saved && p.opening_sent() {
                return Ok(p.commit_if(&queries, &instead, decide, &mut self.done)?.map(Rows::pg));
            }
        }
        match decide() {
            Verdict::Keep => self.commit_with(queries).map(Some),
            Verdict::Instead => {
                if !self.saved {
                    return Err(Error::internal("commit_if: Instead needs a transaction begun with a savepoint"));
                }
                if let Inner::Sqlite(c) = &conn.0 {
                    c.execute_batch("ROLLBACK TO SAVEPOINT qq_kept").db()?;
                }
                self.commit_with(instead).map(|_| None)
            }
            Verdict::Abort => Ok(None), // dropped: rolled back
        }
    }
}

impl Conn {
    /// A transaction begun but not yet sent (nothing to commit or roll back).
    fn unopened(&self) -> bool {
        match &self.0 {
            Inner::Sqlite(_) => false,
            Inner::Pg(p) => p.unopened(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::query;

    #[test]
    fn a_new_rows_id_reaches_the_statements_joined_to_it() {
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

    /// SQLite, and PostgreSQL when `QINQING_TEST_POSTGRES` names a server
    /// (and this build has the feature `postgres`).
    fn both_backends() -> Vec<Conn> {
        let sqlite = Conn::from_sqlite(rusqlite::Connection::open_in_memory().unwrap());
        #[cfg(feature = "postgres")]
        if let Some(base) = std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) {
            return vec![sqlite, crate::store::pg::connect(&crate::store::pg::fresh_test_database(&base).unwrap()).unwrap()];
        }
        vec![sqlite]
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
}
