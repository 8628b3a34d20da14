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
    subscriber(filter(level, std::env::var("RUST_LOG").ok().as_deref()), Mutex::new(writer)).try_init().map_err(|e| e.to_string())?;
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // One line: the message and where (the panic's own text spans two).
        let message =
            info.payload().downcast_ref::<&str>().copied().or_else(|| info.payload().downcast_ref::<String>().map(String::as_str)).unwrap_or("(no message)");
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(panic = message.replace('\n', " ").as_str(), at = at.as_str(), "the app stopped on an internal error");
        default(info);
    }));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "started");
    Ok(path)
}

/// The level: `RUST_LOG` when set (and valid), else `--log-level`.
fn filter(level: &str, rust_log: Option<&str>) -> tracing_subscriber::EnvFilter {
    rust_log
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(level))
}

/// The log's line format, writing to `writer`.
fn subscriber<W>(
    filter: tracing_subscriber::EnvFilter,
    writer: W,
) -> tracing_subscriber::fmt::SubscriberBuilder<
    tracing_subscriber::fmt::format::DefaultFields,
    tracing_subscriber::fmt::format::Format,
    tracing_subscriber::EnvFilter,
    W,
>
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_target(false).with_writer(writer)
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
pub fn command<T>(op: &str, started: std::time::Instant, result: &Result<T, qinqing_core::Error>) {
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
    use std::sync::Arc;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What `command` logs for one success and one refusal at `level` (with `rust_log` set or not).
    fn logged_at(level: &str, rust_log: Option<&str>) -> String {
        let buf = Buf::default();
        let out = buf.clone();
        let sub = subscriber(filter(level, rust_log), Mutex::new(out)).finish();
        tracing::subscriber::with_default(sub, || {
            let t = std::time::Instant::now();
            command("person_list", t, &Ok::<_, qinqing_core::Error>(()));
            command("person_add", t, &Err::<(), _>(qinqing_core::Error::forbidden()));
        });
        let v = buf.0.lock().unwrap().clone();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn the_level_comes_from_rust_log_else_the_flag() {
        let info = logged_at("info", None);
        assert!(info.contains("INFO done op=\"person_list\" ms="), "{info}");
        assert!(info.contains("WARN refused op=\"person_add\"") && info.contains("code=\"FORBIDDEN\""), "{info}");
        let warn = logged_at("warn", None);
        assert!(!warn.contains("person_list") && warn.contains("person_add"), "--log-level warn keeps refusals only: {warn}");
        let error = logged_at("error", None);
        assert!(error.is_empty(), "--log-level error: a refusal is not an error: {error}");
        let env = logged_at("info", Some("warn"));
        assert!(!env.contains("person_list") && env.contains("person_add"), "RUST_LOG wins over the flag: {env}");
        let bad_env = logged_at("warn", Some("not a level=="));
        assert!(!bad_env.contains("person_list") && bad_env.contains("person_add"), "an unreadable RUST_LOG falls back to the flag: {bad_env}");
    }

    /// The panic hook writes the panic to the log before the process ends:
    /// this test runs itself again as a child that logs to a temporary
    /// directory and panics.
    #[test]
    fn a_panic_is_written_to_the_log() {
        if let Some(dir) = std::env::var_os("QINQING_PANIC_CHILD") {
            init(Path::new(&dir), "info").unwrap();
            panic!("deliberate test panic");
        }
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "logging::tests::a_panic_is_written_to_the_log", "--nocapture", "--test-threads=1"])
            .env("QINQING_PANIC_CHILD", dir.path())
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert!(!out.status.success(), "the child panics");
        let log = std::fs::read_to_string(dir.path().join("logs").join("qinqing.log")).unwrap();
        let line = log.lines().find(|l| l.contains("ERROR")).unwrap_or_else(|| panic!("no ERROR line: {log}"));
        assert!(
            line.contains("the app stopped on an internal error")
                && line.contains("panic=\"deliberate test panic\"")
                && line.contains("at=\"src-tauri/src/logging.rs:"),
            "{line}"
        );
    }

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
