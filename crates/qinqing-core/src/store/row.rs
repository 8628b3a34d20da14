//! The rows a statement answers: one [`Row`] (a SQLite cursor's, a
//! PostgreSQL row, or a row read out in full), and the [`Rows`] of one
//! statement of a pipeline.

use crate::error::{Error, Result};
use crate::store::fault::SqliteResult;
use crate::store::pgconn::{self, PgRow};
use crate::store::value::{FromValue, RowIndex, Value};

/// One row of a result.
pub struct Row<'a>(pub(super) RowInner<'a>);
pub(super) enum RowInner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Pg(&'a PgRow),
    Lite(&'a [String], &'a [Value]),
}

impl Row<'_> {
    /// How many columns the row has.
    pub fn column_count(&self) -> usize {
        match &self.0 {
            RowInner::Sqlite(r) => r.as_ref().column_count(),
            RowInner::Pg(r) => pgconn::width(r),
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
            RowInner::Pg(r) => pgconn::column(r, &i)?,
            RowInner::Lite(columns, values) => {
                let idx = i.among(&mut columns.iter().map(String::as_str))?;
                (idx, values.get(idx).cloned().ok_or_else(|| Error::internal(format!("no column {idx}")))?)
            }
        };
        T::from_value(v).map_err(|e| Error::internal(format!("column {idx}: {e}")))
    }
}

/// The rows one statement of a pipeline returned (none for a write without
/// `RETURNING`).
pub struct Rows(pub(super) RowsInner);
pub(super) enum RowsInner {
    Pg(Vec<PgRow>),
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

    /// Each statement's PostgreSQL rows, in order.
    pub(super) fn pg(answers: Vec<Vec<PgRow>>) -> Vec<Rows> {
        answers.into_iter().map(|rows| Rows(RowsInner::Pg(rows))).collect()
    }
}
