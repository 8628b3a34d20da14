//! The app's log (issue 19 §2): one file in the app's data directory,
//! `logs/qinqing.log`, rotated at 1 MB with 4 older files kept (at most
//! about 5 MB), readable by its owner only. Every command of the window is
//! one line — the operation, how long it took, and its error code when
//! refused — and never a resident's ID or name: only operation names and
//! codes are logged, never arguments or answers. A panic is logged before
//! the process ends. Level: `--log-level` (default `info`) or `RUST_LOG`.

use file_rotate::{compression::Compression, suffix::AppendCount, ContentLimit, FileRotate};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Rotate after this many bytes.
pub const ROTATE_BYTES: usize = 1 << 20;
/// Older files kept.
pub const KEEP: usize = 4;

/// Start logging to `dir/logs/qinqing.log`; the file's path, or why not
/// (the app then runs without a log rather than not at all).
pub fn init(dir: &Path, level: &str) -> Result<PathBuf, String> {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o700));
    }
    let path = logs.join("qinqing.log");
    let writer = rotating(&path, ROTATE_BYTES);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(false)
        .with_writer(Mutex::new(writer))
        .try_init()
        .map_err(|e| e.to_string())?;
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "the app stopped on an internal error");
        default(info);
    }));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "started");
    Ok(path)
}

/// The log file at `path`, rotated after `bytes`, [`KEEP`] older files kept,
/// created owner-only.
fn rotating(path: &Path, bytes: usize) -> FileRotate<AppendCount> {
    let mut open = std::fs::OpenOptions::new();
    open.read(true).create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    FileRotate::new(path, AppendCount::new(KEEP), ContentLimit::BytesSurpassed(bytes), Compression::None, Some(open))
}

/// One line per command: the operation, its duration, and its code if refused.
pub fn command(op: &str, started: std::time::Instant, result: &Result<serde_json::Value, qinqing_core::Error>) {
    let ms = format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0);
    let ms = ms.as_str();
    match result {
        Ok(_) => tracing::info!(op, ms, "done"),
        Err(e) if e.kind == qinqing_core::Kind::Internal => tracing::error!(op, ms, code = e.code.as_str(), "failed"),
        Err(e) => tracing::warn!(op, ms, code = e.code.as_str(), "refused"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_log_stays_bounded_however_much_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qinqing.log");
        let mut w = rotating(&path, 64 * 1024);
        let line = format!("{}\n", "x".repeat(199));
        for _ in 0..20_000 {
            w.write_all(line.as_bytes()).unwrap();
        }
        w.flush().unwrap();
        let files: Vec<u64> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).collect();
        assert!(files.len() <= KEEP + 1, "{} files", files.len());
        assert!(files.iter().all(|&n| n <= 64 * 1024 + 200), "{files:?}");
        assert!(files.iter().sum::<u64>() <= ((KEEP + 1) * (64 * 1024 + 200)) as u64, "4 MB written, 5 × 64 KB kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
