//! Shared by the server's test files.

use std::process::Child;

#[allow(unused_macros)] // api.rs and fault.rs keep their own pairs of tests
/// Runs `body` on SQLite, and on PostgreSQL when a server is named.
macro_rules! both_stores {
    ($sqlite:ident, $postgres:ident, $body:ident) => {
        #[test]
        fn $sqlite() {
            $body(false);
        }
        #[test]
        fn $postgres() {
            if std::env::var("QINQING_TEST_POSTGRES").is_err() {
                eprintln!("QINQING_TEST_POSTGRES not set: the PostgreSQL half runs in scripts/test.sh");
                return;
            }
            $body(true);
        }
    };
}

/// Start `qinqing-server` with `args` and wait until it listens: the process
/// and the address it printed (`listening on ADDR`).
pub fn spawn_server(args: &[&str]) -> (Child, String) {
    qinqing_e2e::spawn_server(std::path::Path::new(env!("CARGO_BIN_EXE_qinqing-server")), args)
}
