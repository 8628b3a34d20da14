//! Where Qinqing keeps its files on this computer: a leaf module (it imports
//! nothing of the crate but the error), so the store, the key file and the
//! faces can all ask it without importing one another.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The app identifier, as in `tauri.conf.json`. The default database lives in
/// `<OS data dir>/<IDENTIFIER>/`, which is where Tauri's `app_data_dir` points
/// (and, on Linux and Windows, the webview's profile: `app_local_data_dir`).
pub const IDENTIFIER: &str = "cn.qinqing.desktop";

/// The identifier of earlier versions. Tauri's packaging warns about it (it
/// ends in `.app`, a macOS bundle's extension); an installation's directory
/// under it moves to [`IDENTIFIER`]'s on first start ([`migrate_data_dir`]).
pub const OLD_IDENTIFIER: &str = "cn.qinqing.app";

/// The OS app-data directory for Qinqing (`~/.local/share/cn.qinqing.desktop`
/// on Linux, `~/Library/Application Support/cn.qinqing.desktop` on macOS,
/// `%APPDATA%\cn.qinqing.desktop` on Windows). The first call of a process
/// moves an earlier version's directory there ([`migrate_data_dir`]), so the
/// app, the CLI and the server all find its data; later calls of the process
/// answer the same without looking again.
pub fn default_data_dir() -> Result<PathBuf> {
    let base = directories::BaseDirs::new().map(|b| b.data_dir().to_path_buf()).ok_or_else(|| Error::db_open("no home directory to hold the app data"))?;
    Ok(migrated(&base))
}

/// Move an earlier version's directories before anything uses them: the
/// app-data directory ([`default_data_dir`]) and, where it is another one
/// (Windows), the local one that holds the webview's profile. The app calls
/// this first thing: started with `--db`, nothing else would ask for the
/// data directory before Tauri creates `<local data dir>/<IDENTIFIER>/` for
/// its webview, and that new directory would then hide the old one.
pub fn move_earlier_installation() {
    if let Some(b) = directories::BaseDirs::new() {
        migrated(b.data_dir());
        if b.data_local_dir() != b.data_dir() {
            migrated(b.data_local_dir());
        }
    }
}

/// [`migrate_data_dir`] once per base directory and process: every caller
/// of a process gets the same directory, and one thread moves it.
fn migrated(base: &Path) -> PathBuf {
    static DONE: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, dir)) = done.iter().find(|(b, _)| b == base) {
        return dir.clone();
    }
    let dir = migrate_data_dir(base);
    done.push((base.to_path_buf(), dir.clone()));
    dir
}

/// Qinqing's directory in `base` (the OS data directory): `<base>/<IDENTIFIER>`,
/// after an earlier version's `<base>/<OLD_IDENTIFIER>` was moved there when
/// only that one exists. The move is one `rename` within `base` (one
/// filesystem): all of it moves or nothing does, nothing is ever copied. If
/// it fails, the old directory stays where it is and is the answer; if both
/// exist, the new one is used and the old one is left alone. Nothing is
/// created: with neither, the answer is the new path.
pub fn migrate_data_dir(base: &Path) -> PathBuf {
    migrate_with(base, |from, to| std::fs::rename(from, to))
}

fn migrate_with(base: &Path, rename: impl FnOnce(&Path, &Path) -> std::io::Result<()>) -> PathBuf {
    let new = base.join(IDENTIFIER);
    let old = base.join(OLD_IDENTIFIER);
    // Anything at the new place (even a dangling link) is this version's.
    if new.symlink_metadata().is_ok() || !old.is_dir() {
        return new;
    }
    match rename(&old, &new) {
        Ok(()) => {
            eprintln!("qinqing: moved the app data from {} to {} (the app's new identifier)", old.display(), new.display());
            new
        }
        // Another process moved it at the same moment.
        Err(_) if new.symlink_metadata().is_ok() => new,
        Err(e) => {
            eprintln!("qinqing: could not move the app data from {} to {} ({e}); using it where it is", old.display(), new.display());
            old
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// An earlier version's directory in `base`: a database and a key file.
    fn old_installation(base: &Path) -> PathBuf {
        let old = base.join(OLD_IDENTIFIER);
        fs::create_dir_all(old.join("keys")).unwrap();
        fs::write(old.join("qinqing.db"), b"the ledger").unwrap();
        fs::write(old.join("keys").join("qinqing.ed25519"), [7u8; 32]).unwrap();
        old
    }

    #[test]
    fn an_earlier_installation_is_moved_whole() {
        let base = tempfile::tempdir().unwrap();
        let old = old_installation(base.path());
        let dir = migrate_data_dir(base.path());
        assert_eq!(dir, base.path().join("cn.qinqing.desktop"));
        assert!(!old.exists(), "the old directory is gone");
        assert_eq!(fs::read(dir.join("qinqing.db")).unwrap(), b"the ledger");
        assert_eq!(fs::read(dir.join("keys").join("qinqing.ed25519")).unwrap(), [7u8; 32]);
        // The next start finds it in place and moves nothing.
        assert_eq!(migrate_data_dir(base.path()), dir);
    }

    #[test]
    fn with_both_the_new_one_is_used_and_the_old_one_left_alone() {
        let base = tempfile::tempdir().unwrap();
        let old = old_installation(base.path());
        let new = base.path().join(IDENTIFIER);
        fs::create_dir(&new).unwrap();
        fs::write(new.join("qinqing.db"), b"the new ledger").unwrap();
        assert_eq!(migrate_data_dir(base.path()), new);
        assert_eq!(fs::read(old.join("qinqing.db")).unwrap(), b"the ledger");
        assert_eq!(fs::read(new.join("qinqing.db")).unwrap(), b"the new ledger");
    }

    #[test]
    fn with_neither_the_new_path_and_nothing_is_created() {
        let base = tempfile::tempdir().unwrap();
        assert_eq!(migrate_data_dir(base.path()), base.path().join(IDENTIFIER));
        // A file by the old name is not an installation.
        fs::write(base.path().join(OLD_IDENTIFIER), b"not a directory").unwrap();
        assert_eq!(migrate_data_dir(base.path()), base.path().join(IDENTIFIER));
        let names: Vec<_> = fs::read_dir(base.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [OLD_IDENTIFIER]);
    }

    #[test]
    fn when_the_move_fails_the_old_directory_is_used_where_it_is() {
        let base = tempfile::tempdir().unwrap();
        let old = old_installation(base.path());
        let dir = migrate_with(base.path(), |_, _| Err(std::io::Error::other("simulated")));
        assert_eq!(dir, old);
        assert_eq!(fs::read(old.join("qinqing.db")).unwrap(), b"the ledger");
        assert!(!base.path().join(IDENTIFIER).exists(), "nothing half-copied");
    }

    #[test]
    fn when_another_process_moved_it_meanwhile_the_new_one_is_used() {
        let base = tempfile::tempdir().unwrap();
        old_installation(base.path());
        let dir = migrate_with(base.path(), |from, to| {
            fs::rename(from, to).unwrap();
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        });
        assert_eq!(dir, base.path().join(IDENTIFIER));
        assert_eq!(fs::read(dir.join("qinqing.db")).unwrap(), b"the ledger");
    }

    /// A real failure: the data directory cannot be written (a user without
    /// root; root writes anyway, so there only the simulation above runs).
    #[cfg(unix)]
    #[test]
    fn a_data_directory_that_cannot_be_written_keeps_the_old_one() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let old = old_installation(base.path());
        fs::set_permissions(base.path(), fs::Permissions::from_mode(0o555)).unwrap();
        let privileged = fs::create_dir(base.path().join("probe")).is_ok();
        let dir = (!privileged).then(|| migrate_data_dir(base.path()));
        fs::set_permissions(base.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let Some(dir) = dir else {
            eprintln!("paths: running as root, the read-only directory is writable: skipped");
            return;
        };
        assert_eq!(dir, old);
        assert_eq!(fs::read(old.join("qinqing.db")).unwrap(), b"the ledger");
        assert!(!base.path().join(IDENTIFIER).exists());
    }
}
