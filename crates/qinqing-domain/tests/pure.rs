//! The domain is pure: no database, HTTP, Tauri or clock-reading crate is
//! reachable from it — read from `cargo metadata`'s resolved graph (normal
//! and build dependencies; dev-dependencies do not ship).

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::process::Command;

const FORBIDDEN: &[&str] =
    &["rusqlite", "libsqlite3-sys", "tokio-postgres", "postgres-protocol", "tokio", "tauri", "wry", "axum", "hyper", "ureq", "reqwest", "qinqing-core"];

#[test]
fn nothing_impure_is_reachable_from_the_domain() {
    // This machine's platform only (the others' packages need not be on disk).
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())).arg("-vV").output().expect("rustc -vV");
    let host = String::from_utf8(rustc.stdout).unwrap().lines().find_map(|l| l.strip_prefix("host: ").map(str::to_string)).expect("the host triple");
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let name_of: HashMap<&str, &str> = meta["packages"].as_array().unwrap().iter().map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap())).collect();
    let nodes: HashMap<&str, &Value> = meta["resolve"]["nodes"].as_array().unwrap().iter().map(|n| (n["id"].as_str().unwrap(), n)).collect();
    let root = name_of.iter().find(|(_, n)| **n == "qinqing-domain").map(|(id, _)| *id).expect("the domain is in the workspace");
    let mut seen: HashSet<&str> = HashSet::new();
    let mut path: HashMap<&str, &str> = HashMap::new();
    let mut todo = vec![root];
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let shipped = dep["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].as_str() != Some("dev"));
            let to = dep["pkg"].as_str().unwrap();
            if shipped && !seen.contains(to) {
                path.entry(to).or_insert(id);
                todo.push(to);
            }
        }
    }
    assert!(seen.len() > 3, "the walk found the domain's dependencies: {}", seen.len());
    let mut bad = Vec::new();
    for id in &seen {
        let name = name_of[id];
        if FORBIDDEN.contains(&name) {
            let mut chain = vec![name];
            let mut at = *id;
            while let Some(from) = path.get(at) {
                chain.push(name_of[from]);
                at = from;
            }
            chain.reverse();
            bad.push(chain.join(" → "));
        }
    }
    assert!(bad.is_empty(), "reachable from qinqing-domain: {bad:?}");
}
