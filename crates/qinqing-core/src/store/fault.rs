//! The store's errors as the domain's: a SQLite error converted
//! ([`sqlite_error`], `.db()`), and "no row" as `None` (`.optional()`).
//! (PostgreSQL's conversion is in `pgconn.rs`.)

use crate::error::{Error, Result, SqlFault};

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
