//! Shared by the server's test files.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Start `qinqing-server` with `args` and wait until it listens: the process
/// and the address it printed (`listening on ADDR`).
pub fn spawn_server(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qinqing-server"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start qinqing-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("server said {line:?}")).to_string();
    (child, addr)
}
