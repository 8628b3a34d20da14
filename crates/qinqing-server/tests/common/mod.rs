//! Shared by the server's test files.

use std::process::Child;

/// Start `qinqing-server` with `args` and wait until it listens: the process
/// and the address it printed (`listening on ADDR`).
pub fn spawn_server(args: &[&str]) -> (Child, String) {
    qinqing_e2e::spawn_server(std::path::Path::new(env!("CARGO_BIN_EXE_qinqing-server")), args)
}
