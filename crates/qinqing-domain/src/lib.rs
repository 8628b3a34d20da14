//! Qinqing (亲情医保): the domain itself — resident IDs, money in fen, China
//! time, the national division list, the error codes with their messages,
//! and the rules that decide over facts already loaded. Pure: it depends on
//! no database, HTTP, Tauri or clock crate (`tests/pure.rs` reads
//! `cargo metadata` and fails if one becomes reachable), so every rule here
//! can be tested and reasoned about without a store.
//!
//! `qinqing-core` loads the facts, asks these rules, and writes what they
//! decide; the faces (window, CLI, server) reach the domain only through it.

pub mod ages;
pub mod aid;
pub mod confirm;
pub mod error;
pub mod id;
pub mod idcheck;
pub mod money;
pub mod personal_data;
pub mod region;
pub mod scenario;
pub mod time;

pub use error::{Code, Error, Kind, Result};
