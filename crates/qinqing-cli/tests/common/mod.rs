//! Shared by the CLI test files.

use std::path::{Path, PathBuf};

/// Where a test's ledger lives: a SQLite file in the test's directory — or,
/// when `QINQING_TEST_POSTGRES` names a PostgreSQL server, a fresh database
/// there (its `postgres://` URL is passed as `--db`, exactly as a user would),
/// so every CLI test runs on both backends (`scripts/test.sh` does both).
pub fn ledger(dir: &Path, file: &str) -> PathBuf {
    match std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) {
        Some(base) => PathBuf::from(qinqing_core::pg::fresh_test_database(&base).expect("a fresh PostgreSQL test database")),
        None => dir.join(file),
    }
}

/// Whether this run is on PostgreSQL (a few checks are about SQLite files).
#[allow(dead_code)]
pub fn on_postgres() -> bool {
    std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()).is_some()
}
