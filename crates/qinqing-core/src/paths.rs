//! Where Qinqing keeps its files on this computer: a leaf module (it imports
//! nothing of the crate but the error), so the store, the key file and the
//! faces can all ask it without importing one another.

use crate::error::{Error, Result};
use std::path::PathBuf;

/// The app identifier, as in `tauri.conf.json`. The default database lives in
/// `<OS data dir>/<IDENTIFIER>/`, which is where Tauri's `app_data_dir` points.
pub const IDENTIFIER: &str = "cn.qinqing.app";

/// The OS app-data directory for Qinqing (`~/.local/share/cn.qinqing.app` on
/// Linux, `~/Library/Application Support/cn.qinqing.app` on macOS,
/// `%APPDATA%\cn.qinqing.app` on Windows).
pub fn default_data_dir() -> Result<PathBuf> {
    directories::BaseDirs::new().map(|b| b.data_dir().join(IDENTIFIER)).ok_or_else(|| Error::db_open("no home directory to hold the app data"))
}
