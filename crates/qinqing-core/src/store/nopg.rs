//! `pgconn.rs` in a build without the cargo feature `postgres` (the desktop
//! window's: it reaches a shared ledger through the server, issue 33). No
//! PostgreSQL connection can be made — [`PgConn`] and [`PgRow`] have no
//! values, so every PostgreSQL branch of the store is dead and the driver and
//! its runtime are not linked — and a `postgres://` ledger is refused with
//! `BACKEND_UNSUPPORTED`. The signatures are `pgconn.rs`'s.

use crate::error::{Error, Result};
use crate::store::sql::{Query, Verdict};
use crate::store::value::{RowIndex, Value};

/// No PostgreSQL row exists in this build.
pub(super) enum PgRow {}

/// No PostgreSQL connection exists in this build.
pub(super) enum PgConn {}

impl PgConn {
    /// Refused: this build has no PostgreSQL driver.
    pub(super) fn connect(_url: &str, _shown: &str) -> Result<PgConn> {
        Err(Error::backend_unsupported(
            "在本程序中直接打开（此版本经服务中心使用共享账本）",
            "being opened directly by this program (this build reaches a shared ledger through the service centre)",
        ))
    }

    pub(super) fn execute(&self, _sql: &str, _values: &[Value]) -> Result<usize> {
        match *self {}
    }

    pub(super) fn execute_batch(&self, _sql: &str) -> Result<()> {
        match *self {}
    }

    pub(super) fn query(&self, _sql: &str, _values: &[Value]) -> Result<Vec<PgRow>> {
        match *self {}
    }

    pub(super) fn open_with_first(&self, _opening: String, _lock: Option<Query>, _ledger: bool) {
        match *self {}
    }

    pub(super) fn holds(&self, _key: i64) -> bool {
        match *self {}
    }

    pub(super) fn is_closed(&self) -> bool {
        match *self {}
    }

    pub(super) fn savepoint_in_opening(&self) -> Result<()> {
        match *self {}
    }

    pub(super) fn opening_sent(&self) -> bool {
        match *self {}
    }

    pub(super) fn unopened(&self) -> bool {
        match *self {}
    }

    pub(super) fn pipeline(&self, _queries: &[Query], _last: Option<&str>, _meanwhile: Option<&mut dyn FnMut()>) -> Result<Vec<Vec<PgRow>>> {
        match *self {}
    }

    pub(super) fn commit_if(
        &self,
        _queries: &[Query],
        _instead: &[Query],
        _decide: impl FnOnce() -> Verdict,
        _ended: &mut bool,
    ) -> Result<Option<Vec<Vec<PgRow>>>> {
        match *self {}
    }
}

pub(super) fn column<I: RowIndex>(r: &PgRow, _i: &I) -> Result<(usize, Value)> {
    match *r {}
}

pub(super) fn width(r: &PgRow) -> usize {
    match *r {}
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A `postgres://` ledger is refused by every way in, with the code
    /// that says so and no password in the message; no file is made of the URL.
    #[test]
    fn a_postgresql_ledger_is_refused_without_the_driver() {
        for url in ["postgres://qq:s3cret@127.0.0.1:5432/ledger", "postgresql:///ledger?host=/run/postgresql"] {
            let refused = [
                crate::store::sqlite::open(Path::new(url)).map(|_| ()),
                crate::store::sqlite::open_existing(Path::new(url)).map(|_| ()),
                crate::store::pg::fresh_test_database(url).map(|_| ()),
            ];
            for r in refused {
                let e = r.unwrap_err();
                assert_eq!(e.code, crate::error::Code::BackendUnsupported, "{url}: {e}");
                assert!(!e.message_en.contains("s3cret") && !e.message_zh.contains("s3cret"), "{e}");
            }
        }
        assert!(!Path::new("postgres:").exists() && !Path::new("postgresql:").exists());
    }
}
