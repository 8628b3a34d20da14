//! Issue 35: the SQLite ledger is encrypted at rest (SQLCipher), its key is
//! kept outside its folder, and a plain ledger of an earlier version is
//! converted in place — whole even when the conversion is killed.
//!
//! These tests use files; `QINQING_KEY_DIR` must name the key directory
//! (scripts/test.sh sets it), so no test touches the OS secret store.

use qinqing_core::store::cipher;
use qinqing_core::{Code, Qinqing};
use std::path::{Path, PathBuf};
use std::process::Command;

fn key_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("QINQING_KEY_DIR").expect("QINQING_KEY_DIR names the test key directory"))
}

const MAGIC: &[u8] = b"SQLite format 3\0";

fn starts_plain(p: &Path) -> bool {
    std::fs::read(p).map(|b| b.starts_with(MAGIC)).unwrap_or(false)
}

/// Every file in `dir` (not recursive) and its bytes.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn persons(q: &Qinqing) -> Vec<(i64, String, i64)> {
    q.conn()
        .query_map("SELECT id, name, balance_fen FROM person ORDER BY id", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// A plain ledger the way an earlier version left it: seeded, closed.
fn plain_ledger(path: &Path, families: usize) -> Vec<(i64, String, i64)> {
    let mut q = Qinqing::open_unencrypted_for_benchmark(path).unwrap();
    q.seed_ledger(families, families * 3, 7).unwrap();
    let before = persons(&q);
    drop(q);
    assert!(starts_plain(path), "the earlier version's ledger is plain");
    before
}

#[test]
fn a_new_ledger_is_unreadable_without_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qinqing.db");
    let mut q = Qinqing::open(&path).unwrap();
    q.seed_ledger(3, 10, 1).unwrap();
    let before = persons(&q);
    assert!(!before.is_empty());
    let name = before[0].1.clone();
    drop(q);

    // The file (and its WAL, if any) is noise: no SQLite header, no name in it.
    assert!(!starts_plain(&path));
    for (n, bytes) in files_in(dir.path()) {
        assert!(!bytes.starts_with(MAGIC), "{n} starts with SQLite's header");
        assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()), "{n} holds a name in the clear");
    }
    // What `sqlite3 qinqing.db .tables` does: a plain SQLite opening fails.
    let raw = rusqlite::Connection::open(&path).unwrap();
    let err = raw.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
    drop(raw);

    // The key is outside the ledger's folder, in the key directory.
    let key = cipher::find(&path).unwrap().expect("a key is kept");
    let hex = data_encoding::HEXLOWER.encode(&key.bytes()[..]);
    for (n, bytes) in files_in(dir.path()) {
        assert!(!String::from_utf8_lossy(&bytes).contains(&hex), "{n} holds the key");
    }
    let kept: Vec<_> = files_in(&key_dir()).into_iter().filter(|(_, b)| String::from_utf8_lossy(b).contains(&hex)).collect();
    assert_eq!(kept.len(), 1, "the key is in one file of the key directory");

    // Opened again with its key, it holds what was written.
    let q = Qinqing::open_existing(&path).unwrap();
    assert_eq!(persons(&q), before);
}

#[test]
fn a_copy_elsewhere_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qinqing.db");
    let mut q = Qinqing::open(&path).unwrap();
    q.seed_ledger(2, 4, 1).unwrap();
    drop(q);
    // Copied to another folder (a sync folder, a stolen disk): there is no key for it.
    let other = tempfile::tempdir().unwrap();
    let copy = other.path().join("qinqing.db");
    std::fs::copy(&path, &copy).unwrap();
    let bytes = std::fs::read(&copy).unwrap();
    for open in [Qinqing::open_existing, Qinqing::open] {
        let err = open(&copy).err().expect("refused");
        assert_eq!(err.code, Code::LedgerKeyMissing, "{err:?}");
        assert!(err.message_en.contains("restore --passphrase-stdin"), "tells what to do: {}", err.message_en);
        assert_eq!(std::fs::read(&copy).unwrap(), bytes, "the copy is untouched");
    }
    // A key of another ledger does not open it either.
    let third = other.path().join("third.db");
    drop(Qinqing::open(&third).unwrap());
    std::fs::copy(&path, &third).unwrap();
    let err = Qinqing::open_existing(&third).err().expect("refused");
    assert_eq!(err.code, Code::LedgerKeyMissing, "{err:?}");
    // A text file is still "not a database", and untouched.
    let text = other.path().join("notes.db");
    std::fs::write(&text, "shopping list: rice, tea").unwrap();
    assert_eq!(Qinqing::open_existing(&text).err().unwrap().code, Code::DbNotDatabase);
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "shopping list: rice, tea");
}

#[test]
fn a_plain_ledger_is_converted_on_first_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qinqing.db");
    let before = plain_ledger(&path, 20);
    assert!(cipher::find(&path).unwrap().is_none(), "an earlier version kept no key");
    let q = Qinqing::open_existing(&path).unwrap();
    assert_eq!(persons(&q), before, "every row is still there");
    drop(q);
    assert!(!starts_plain(&path), "converted");
    let left: Vec<String> = files_in(dir.path()).into_iter().map(|(n, _)| n).filter(|n| n != "qinqing.db" && !n.starts_with("qinqing.db-")).collect();
    assert!(left.is_empty(), "no backup or copy left: {left:?}");
    for (n, bytes) in files_in(dir.path()) {
        assert!(!bytes.starts_with(MAGIC), "{n} is plain");
    }
    let q = Qinqing::open_existing(&path).unwrap();
    assert_eq!(persons(&q), before);
}

/// Run by [`a_conversion_killed_at_any_moment_loses_nothing`] in a child
/// process: open (and so convert) the ledger named by the environment.
#[test]
fn child_convert() {
    if let Some(p) = std::env::var_os("QINQING_TEST_CONVERT") {
        let _ = Qinqing::open_existing(Path::new(&p));
    }
}

fn child(path: &Path, crash_at: Option<&str>) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", "child_convert", "--test-threads=1", "--quiet"]).env("QINQING_TEST_CONVERT", path).env_remove("QINQING_TEST_CRASH_AT");
    if let Some(step) = crash_at {
        c.env("QINQING_TEST_CRASH_AT", format!("convert:{step}"));
    }
    c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    c
}

/// After a killed conversion the ledger opens with every row, encrypted,
/// and nothing plain is left beside it.
fn check_whole(path: &Path, before: &[(i64, String, i64)]) {
    let q = Qinqing::open_existing(path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    assert_eq!(persons(&q), before);
    drop(q);
    assert!(!starts_plain(path));
    let dir = path.parent().unwrap();
    for (n, bytes) in files_in(dir) {
        assert!(!bytes.starts_with(MAGIC), "{n} is left plain");
        assert!(!n.contains(".encrypting-") && !n.ends_with(".plain-backup") && !n.ends_with(".v4-backup"), "{n} is left over");
    }
}

#[test]
fn a_conversion_killed_at_any_moment_loses_nothing() {
    if !cfg!(debug_assertions) {
        return; // the named crash points exist in debug builds only
    }
    // At each step (a debug build stops dead there, as kill -9 would).
    for step in ["exported", "backed-up", "renamed"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qinqing.db");
        let before = plain_ledger(&path, 20);
        let st = child(&path, Some(step)).status().unwrap();
        assert!(!st.success(), "{step}: the child was stopped");
        // What the kill left: a plain ledger, or the encrypted one beside its backup.
        let names: Vec<String> = files_in(dir.path()).into_iter().map(|(n, _)| n).collect();
        match step {
            "exported" => assert!(starts_plain(&path) && names.iter().any(|n| n.contains(".encrypting-")), "{step}: {names:?}"),
            "backed-up" => assert!(starts_plain(&path) && names.iter().any(|n| n.ends_with(".plain-backup")), "{step}: {names:?}"),
            _ => assert!(!starts_plain(&path) && names.iter().any(|n| n.ends_with(".plain-backup")), "{step}: {names:?}"),
        }
        check_whole(&path, &before);
    }
    // And SIGKILL at moments spread over a real conversion.
    for delay_ms in [0u64, 3, 8, 15, 30, 60, 120] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qinqing.db");
        let before = plain_ledger(&path, 200);
        let mut c = child(&path, None).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = c.kill(); // SIGKILL
        let _ = c.wait();
        check_whole(&path, &before);
    }
}

#[test]
fn two_processes_opening_a_plain_ledger_at_once_convert_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qinqing.db");
    let before = plain_ledger(&path, 100);
    let kids: Vec<_> = (0..3).map(|_| child(&path, None).spawn().unwrap()).collect();
    for mut k in kids {
        assert!(k.wait().unwrap().success());
    }
    check_whole(&path, &before);
}

#[test]
fn the_benchmark_side_stays_plain_and_refuses_an_encrypted_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    drop(Qinqing::open_unencrypted_for_benchmark(&plain).unwrap());
    assert!(starts_plain(&plain));
    let enc = dir.path().join("enc.db");
    drop(Qinqing::open(&enc).unwrap());
    assert!(Qinqing::open_unencrypted_for_benchmark(&enc).is_err());
}

/// Run by [`opening_again_keeps_the_other_handles_locks`] in a child
/// process: add rows to the ledger named by the environment, and close.
#[test]
fn child_write() {
    if let Some(p) = std::env::var_os("QINQING_TEST_WRITE") {
        let mut q = Qinqing::open_existing(Path::new(&p)).unwrap();
        q.seed_ledger(1, 1, 99).unwrap();
    }
}

/// Opening a ledger a second time in one process (a server's workers) must
/// not drop the first connection's file locks: on Unix, closing any
/// descriptor of the file does. Then a second process, closing last as it
/// believes, takes the WAL away, and the first connection no longer sees
/// what others write (found by the server's tests; the header is now read
/// through SQLite).
#[test]
fn opening_again_keeps_the_other_handles_locks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qinqing.db");
    let mut first = Qinqing::open(&path).unwrap();
    first.seed_ledger(2, 2, 1).unwrap();
    let second = Qinqing::open_existing(&path).unwrap();
    drop(second);
    let before = persons(&first).len();
    let st = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_write", "--test-threads=1", "--quiet"])
        .env("QINQING_TEST_WRITE", &path)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    assert!(persons(&first).len() > before, "the first handle sees the other process's rows");
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    assert!(Path::new(&wal).exists(), "the WAL is still there while a handle is open");
}

/// The format a ledger's pages are in, under its key.
fn format_of(path: &Path) -> Option<cipher::Format> {
    let key = cipher::find(path).unwrap().expect("the ledger's key");
    cipher::format(path, &key).unwrap()
}

/// A ledger of the first encrypting version (SQLCipher 4's default page
/// format: 4 KiB pages, HMAC-SHA512): seeded, closed.
fn v4_ledger(path: &Path, families: usize) -> Vec<(i64, String, i64)> {
    let mut q = Qinqing::open(path).unwrap();
    q.seed_ledger(families, families * 3, 7).unwrap();
    let before = persons(&q);
    drop(q);
    cipher::rewrite_as_v4(path).unwrap();
    assert_eq!(format_of(path), Some(cipher::Format::V4));
    before
}

#[test]
fn a_ledger_in_the_first_encrypting_versions_format_is_converted_on_first_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qinqing.db");
    let before = v4_ledger(&path, 20);
    let q = Qinqing::open_existing(&path).unwrap();
    assert_eq!(persons(&q), before, "every row is still there");
    assert!(q.info().unwrap().at_rest.starts_with("sqlcipher "));
    drop(q);
    assert_eq!(format_of(&path), Some(cipher::Format::Current));
    check_whole(&path, &before);
    // The pages are this version's size now.
    let key = cipher::find(&path).unwrap().unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len() % u64::from(cipher::PAGE_SIZE), 0);
    assert_eq!(cipher::format(&path, &key).unwrap(), Some(cipher::Format::Current));
}

#[test]
fn a_format_conversion_killed_at_any_step_loses_nothing() {
    if !cfg!(debug_assertions) {
        return; // the named crash points exist in debug builds only
    }
    for step in ["exported", "backed-up", "renamed"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qinqing.db");
        let before = v4_ledger(&path, 20);
        let st = child(&path, Some(step)).status().unwrap();
        assert!(!st.success(), "{step}: the child was stopped");
        let names: Vec<String> = files_in(dir.path()).into_iter().map(|(n, _)| n).collect();
        let (expect, left) = match step {
            "exported" => (cipher::Format::V4, ".encrypting-"),
            "backed-up" => (cipher::Format::V4, ".v4-backup"),
            _ => (cipher::Format::Current, ".v4-backup"),
        };
        assert_eq!(format_of(&path), Some(expect), "{step}");
        assert!(names.iter().any(|n| n.contains(left)), "{step}: {names:?}");
        check_whole(&path, &before);
        assert_eq!(format_of(&path), Some(cipher::Format::Current), "{step}: converted at the next opening");
    }
}

/// Run by [`both_crypto_providers_read_each_others_pages`] in a child process
/// that keeps OpenSSL's provider: read the ledger named by the environment,
/// add rows, and close.
#[test]
fn child_openssl_write() {
    if let Some(p) = std::env::var_os("QINQING_TEST_OPENSSL_WRITE") {
        let mut q = Qinqing::open_existing(Path::new(&p)).unwrap();
        let at_rest = q.info().unwrap().at_rest;
        assert!(at_rest.ends_with("(openssl)"), "{at_rest}");
        let want: usize = std::env::var("QINQING_TEST_PERSONS").unwrap().parse().unwrap();
        assert_eq!(persons(&q).len(), want, "OpenSSL's provider reads every page ours wrote");
        q.seed_ledger(3, 9, 42).unwrap();
    }
}

/// The pages are SQLCipher's format byte for byte whichever provider writes
/// them: a ledger written through ours (RustCrypto) is read and extended by a
/// process on SQLCipher's OpenSSL provider, and read back through ours.
#[test]
fn both_crypto_providers_read_each_others_pages() {
    if !cfg!(debug_assertions) {
        return; // keeping OpenSSL's provider is a debug build's test switch
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qinqing.db");
    let mut q = Qinqing::open(&path).unwrap();
    assert!(q.info().unwrap().at_rest.ends_with("(rustcrypto)"), "{}", q.info().unwrap().at_rest);
    q.seed_ledger(20, 60, 3).unwrap();
    let before = persons(&q);
    drop(q);
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_openssl_write", "--test-threads=1", "--nocapture"])
        .env("QINQING_TEST_OPENSSL_WRITE", &path)
        .env("QINQING_TEST_SQLCIPHER_OPENSSL", "1")
        .env("QINQING_TEST_PERSONS", before.len().to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"), "the child ran");
    let q = Qinqing::open_existing(&path).unwrap();
    let after = persons(&q);
    assert!(after.len() > before.len(), "the rows OpenSSL's provider wrote read back through ours");
    assert_eq!(&after[..before.len()], &before[..]);
    let ok: String = q.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

/// Run by [`processes_making_one_new_ledger_at_once_agree_on_its_key`]:
/// open (and so make) the ledger named by the environment, add rows.
#[test]
fn child_make() {
    if let Some(p) = std::env::var_os("QINQING_TEST_MAKE") {
        let mut q = Qinqing::open(Path::new(&p)).unwrap();
        q.seed_ledger(1, 2, std::process::id() as u64).unwrap();
    }
}

/// With no key directory named (the desktop's way: the OS secret store, else
/// a file in the configuration folder), processes that make the same new
/// ledger at once all end up with the one key it is encrypted under.
#[test]
fn processes_making_one_new_ledger_at_once_agree_on_its_key() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qinqing.db");
    let kids: Vec<_> = (0..4)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "child_make", "--test-threads=1", "--quiet"])
                .env("QINQING_TEST_MAKE", &path)
                .env_remove("QINQING_KEY_DIR")
                .env_remove("QINQING_LEDGER_KEY_FILE")
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .env("HOME", home.path())
                .env("XDG_CONFIG_HOME", home.path().join(".config"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for k in kids {
        let out = k.wait_with_output().unwrap();
        assert!(out.status.success(), "every process opened the ledger: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    // The key they agreed on is in the configuration folder (no secret store here).
    let keys: Vec<_> = std::fs::read_dir(home.path().join(".config/cn.qinqing.desktop/ledger-keys"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".key"))
        .collect();
    assert_eq!(keys.len(), 1);
    let key = std::fs::read_to_string(keys[0].path()).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_count", "--test-threads=1", "--nocapture"])
        .env("QINQING_TEST_COUNT", &path)
        .env("QINQING_LEDGER_KEY_FILE", keys[0].path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // What one process adds, measured on a ledger of its own.
    let one = {
        let scratch = tempfile::tempdir().unwrap();
        let mut q = Qinqing::open(&scratch.path().join("one.db")).unwrap();
        q.seed_ledger(1, 2, 1).unwrap();
        persons(&q).len()
    };
    assert!(one > 0);
    let want = format!("persons={}\n", 4 * one);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&want), "every process's rows ({want}): {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(key.trim().len(), 64);
}

/// Print how many persons the ledger named by the environment holds.
#[test]
fn child_count() {
    if let Some(p) = std::env::var_os("QINQING_TEST_COUNT") {
        let q = Qinqing::open_existing(Path::new(&p)).unwrap();
        println!("persons={}", persons(&q).len());
    }
}
