//! Statements: a [`Query`] (the text and its values) and the placeholder
//! rewriting both backends share — `?N` is SQLite's and the store's, `$N`
//! PostgreSQL's ([`pg_sql`]); joined statements number theirs after each
//! other ([`shifted`]). And what ends a transaction that asked a question
//! ([`Verdict`]).

use crate::store::value::{Params, Value};

/// One statement of a [`Conn::pipeline`](crate::store::Conn::pipeline).
pub struct Query {
    pub(super) sql: std::borrow::Cow<'static, str>,
    pub(super) values: Vec<Value>,
}

/// A statement and its values, for [`Conn::pipeline`](crate::store::Conn::pipeline)
/// and [`Tx::commit_with`](crate::store::Tx::commit_with).
pub fn query(sql: impl Into<std::borrow::Cow<'static, str>>, params: impl Params) -> Query {
    Query { sql: sql.into(), values: params.values() }
}

/// What [`Tx::commit_if`](crate::store::Tx::commit_if)'s question answered.
pub enum Verdict {
    /// Commit the statements.
    Keep,
    /// Undo them, run the `instead` statements and commit those.
    Instead,
    /// Roll the whole transaction back.
    Abort,
}

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
pub(super) fn shifted(sql: &str, by: usize) -> String {
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
    }
}
