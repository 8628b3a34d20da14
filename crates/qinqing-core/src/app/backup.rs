//! Backups of a SQLite ledger, encrypted to a passphrase the operator types
//! (issue 35), so a backup carried to another computer restores there
//! without the original computer's key store — and a backup found on a USB
//! stick or in a sync folder tells nothing without the passphrase.
//!
//! **The file** is in age's format (<https://age-encryption.org/v1>,
//! passphrase recipient: scrypt, work factor tuned to about a second) and
//! holds a tar stream:
//!
//! * `qinqing-backup.json` — what this is (format, app and schema version, when, counts);
//! * `ledger.sqlite` — the ledger as a plain SQLite image (made in memory:
//!   SQLCipher's `sqlcipher_export` into an in-memory database; nothing
//!   plain is written to disk);
//! * `files/<sha256>.<ext>` — every document and thumbnail, decrypted (the
//!   restoring ledger encrypts them under its own key);
//! * `keys/installation.ed25519` — the installation's signing key (codes
//!   shown and family computers paired stay valid after a restore).
//!
//! **A restore** reads the whole backup first (wrong passphrase, damaged
//! file, wrong contents, a document whose bytes do not match its name: a
//! clear error, and nothing is created or changed), then stores the files,
//! then replaces the ledger's content under its own key in one step
//! (SQLite's backup API from a temporary encrypted copy). A plain SQLite
//! backup made by an earlier version still restores (no passphrase).

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::store::cipher::{self, LedgerKey};
use crate::store::docstore::Media;
use crate::time;
use age::secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// An age file's first line.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// Fewest characters of a backup passphrase.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
const MANIFEST: &str = "qinqing-backup.json";
const LEDGER: &str = "ledger.sqlite";
const FILES: &str = "files/";
const SIGNING_KEY: &str = "keys/installation.ed25519";
/// This build writes format 1 and reads formats up to it.
const FORMAT: i64 = 1;
/// The largest ledger image a backup may hold (it is read into memory).
const MAX_LEDGER_BYTES: u64 = 4 << 30;

/// What a backup says about itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: i64,
    pub app_version: String,
    pub schema_version: i64,
    /// When it was made (UTC, RFC 3339).
    pub made_at: String,
    pub persons: i64,
    pub documents: i64,
    pub files: i64,
}

/// A passphrase as typed: at least [`MIN_PASSPHRASE_CHARS`] characters.
fn passphrase(p: Option<&str>) -> Result<SecretString> {
    match p {
        Some(p) if p.chars().count() >= MIN_PASSPHRASE_CHARS => Ok(SecretString::from(p.to_string())),
        _ => Err(Error::backup_passphrase_missing()),
    }
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::backup_failed(e)
}

/// The ledger's content as a plain SQLite image, made in memory.
fn plain_image(c: &rusqlite::Connection) -> Result<Vec<u8>> {
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(failed)?;
    c.execute("ATTACH DATABASE ':memory:' AS bk KEY ''", []).map_err(failed)?;
    let made = (|| -> std::result::Result<Vec<u8>, rusqlite::Error> {
        // One read transaction: the image is one moment of the ledger.
        c.execute_batch("BEGIN")?;
        let r = c.query_row("SELECT sqlcipher_export('bk')", [], |_| Ok(())).and_then(|_| c.execute_batch(&format!("PRAGMA bk.user_version = {version}")));
        c.execute_batch("COMMIT")?;
        r?;
        Ok(c.serialize("bk")?.to_vec())
    })();
    let _ = c.execute_batch("DETACH DATABASE bk");
    made.map_err(failed)
}

/// Check a ledger image and open it (read only, in memory).
fn open_image(image: &[u8], path: &Path) -> Result<rusqlite::Connection> {
    let unusable = || Error::backup_unusable(&path.display().to_string());
    if image.len() < 100 {
        return Err(unusable());
    }
    // A file copied from a WAL-mode ledger says so in its header (bytes 18
    // and 19); an image in memory is read as a rollback-journal one.
    let mut head = [0u8; 100];
    head.copy_from_slice(&image[..100]);
    if head[18] == 2 && head[19] == 2 {
        head[18] = 1;
        head[19] = 1;
    }
    let mut c = rusqlite::Connection::open_in_memory().map_err(failed)?;
    c.deserialize_read_exact("main", std::io::Read::chain(&head[..], &image[100..]), image.len(), true).map_err(|_| unusable())?;
    check_ledger(&c).map_err(|_| unusable())?;
    Ok(c)
}

/// Is this a Qinqing ledger this build can take?
fn check_ledger(c: &rusqlite::Connection) -> Result<()> {
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(failed)?;
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(failed)?;
    let has_person: i64 = c.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'person'", [], |r| r.get(0)).map_err(failed)?;
    if ok != "ok" || has_person != 1 || version < 1 || version > crate::store::sqlite::latest_schema_version() {
        return Err(failed("not a usable ledger"));
    }
    Ok(())
}

/// What a backup holds, read and checked whole.
pub struct ReadBackup {
    pub manifest: Option<BackupManifest>,
    /// The ledger, opened in memory (read only).
    ledger: rusqlite::Connection,
    /// Whether it is passphrase-encrypted (files and key come in a second reading).
    encrypted: bool,
}

/// Read a backup and check everything in it, writing nothing: an age file
/// (the passphrase is needed) or an earlier version's plain SQLite file.
/// `each_file` is given every stored file (name, bytes) after its hash is
/// checked, and the signing key.
fn read_backup(path: &Path, pass: Option<&str>, mut each_file: impl FnMut(&str, &[u8]) -> Result<()>) -> Result<ReadBackup> {
    let shown = path.display().to_string();
    let mut f = match std::fs::File::open(path) {
        Ok(f) if path.is_file() => f,
        _ => return Err(Error::backup_missing(&shown)),
    };
    let mut head = [0u8; 22];
    let n = f.read(&mut head).map_err(failed)?;
    if n < AGE_MAGIC.len() || &head[..AGE_MAGIC.len()] != AGE_MAGIC {
        // An earlier version's backup: a plain SQLite file.
        if !head.starts_with(b"SQLite format 3\0") {
            return Err(Error::backup_unusable(&shown));
        }
        if f.metadata().map(|m| m.len()).unwrap_or(u64::MAX) > MAX_LEDGER_BYTES {
            return Err(Error::backup_unusable(&shown));
        }
        let image = std::fs::read(path).map_err(failed)?;
        let c = open_image(&image, path)?;
        return Ok(ReadBackup { manifest: None, ledger: c, encrypted: false });
    }
    let secret = passphrase(pass)?;
    let f = std::fs::File::open(path).map_err(failed)?;
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(f)).map_err(|_| Error::backup_unusable(&shown))?;
    if !decryptor.is_scrypt() {
        return Err(Error::backup_unusable(&shown));
    }
    let identity = age::scrypt::Identity::new(secret);
    let reader = decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys | age::DecryptError::KeyDecryptionFailed => {
            Error::backup_passphrase_wrong(&shown)
        }
        _ => Error::backup_unusable(&shown),
    })?;
    let mut tar = tar::Archive::new(reader);
    let mut manifest: Option<BackupManifest> = None;
    let mut ledger: Option<Vec<u8>> = None;
    // A damaged or cut file fails here (age authenticates every chunk, and the last).
    let damaged = |_| Error::backup_unusable(&shown);
    for entry in tar.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let name = entry.path().map_err(damaged)?.to_string_lossy().into_owned();
        let size = entry.size();
        if name == MANIFEST {
            let mut b = Vec::new();
            entry.by_ref().take(1 << 20).read_to_end(&mut b).map_err(damaged)?;
            manifest = Some(serde_json::from_slice(&b).map_err(|_| Error::backup_unusable(&shown))?);
        } else if name == LEDGER {
            if size > MAX_LEDGER_BYTES {
                return Err(Error::backup_unusable(&shown));
            }
            let mut b = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut b).map_err(damaged)?;
            ledger = Some(b);
        } else if let Some(file) = name.strip_prefix(FILES) {
            let mut b = Vec::with_capacity(size.min(64 << 20) as usize);
            entry.by_ref().take(64 << 20).read_to_end(&mut b).map_err(damaged)?;
            // A file's name is its content's hash: a changed file is refused.
            let (sha, _ext) = file.split_once('.').ok_or_else(|| Error::backup_unusable(&shown))?;
            if sha.len() != 64 || crate::store::docstore::sha256_hex(&b) != sha {
                return Err(Error::backup_unusable(&shown));
            }
            each_file(file, &b)?;
        } else if name == SIGNING_KEY {
            let mut b = Vec::new();
            entry.by_ref().take(64).read_to_end(&mut b).map_err(damaged)?;
            if b.len() != 32 {
                return Err(Error::backup_unusable(&shown));
            }
            each_file(SIGNING_KEY, &b)?;
        } else {
            return Err(Error::backup_unusable(&shown));
        }
    }
    let manifest = manifest.ok_or_else(|| Error::backup_unusable(&shown))?;
    if manifest.format > FORMAT {
        return Err(Error::backup_unusable(&shown));
    }
    let image = ledger.ok_or_else(|| Error::backup_unusable(&shown))?;
    let c = open_image(&image, path)?;
    Ok(ReadBackup { manifest: Some(manifest), ledger: c, encrypted: true })
}

/// Check a backup before anything is made for it (`qinqing-cli restore`
/// checks before it creates the target ledger).
pub fn check_backup(path: &Path, pass: Option<&str>) -> Result<Option<BackupManifest>> {
    read_backup(path, pass, |_, _| Ok(())).map(|b| b.manifest)
}

/// A byte slice read out in parts, telling how far after each.
struct Told<'a> {
    data: &'a [u8],
    at: usize,
    tell: &'a dyn Fn(usize),
}

impl Read for Told<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.data.len() - self.at).min(1 << 20);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        (self.tell)(self.at);
        Ok(n)
    }
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

impl Qinqing {
    /// Write an encrypted backup of this ledger to `out` (a new file,
    /// owner-only), to `pass` (see the module). The ledger keeps running.
    pub fn backup_to(&self, out: &Path, pass: Option<&str>) -> Result<BackupManifest> {
        self.permit(Act::Admin)?;
        let secret = passphrase(pass)?;
        let Some(src) = self.conn().sqlite() else {
            return Err(Error::backend_unsupported("备份到文件", "backup to a file"));
        };
        if out.exists() {
            return Err(failed(format!("{} already exists", out.display())));
        }
        let file = {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            opts.open(out).map_err(|e| failed(format!("{}: {e}", out.display())))?
        };
        let written = self.write_backup(src, file, secret);
        match written {
            Ok(m) => {
                audit::record(
                    self.conn(),
                    &time::to_db(self.now()),
                    &self.actor(),
                    "backup",
                    "ledger",
                    None,
                    None,
                    None,
                    Some(&serde_json::json!({ "to": out.display().to_string(), "documents": m.documents, "encrypted": true })),
                )?;
                Ok(m)
            }
            Err(e) => {
                let _ = std::fs::remove_file(out);
                Err(e)
            }
        }
    }

    fn write_backup(&self, src: &rusqlite::Connection, file: std::fs::File, secret: SecretString) -> Result<BackupManifest> {
        let image = plain_image(src)?;
        let check = open_image(&image, Path::new("(backup)"))?;
        let persons: i64 = check.query_row("SELECT count(*) FROM person", [], |r| r.get(0)).map_err(failed)?;
        // The stored files of every document of the image (and their thumbnails).
        let mut names: Vec<(String, &'static str)> = Vec::new();
        {
            let mut st = check.prepare("SELECT sha256, media, thumb_sha256 FROM document ORDER BY id").map_err(failed)?;
            let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))).map_err(failed)?;
            for row in rows {
                let (sha, media, thumb) = row.map_err(failed)?;
                names.push((sha, Media::parse(&media).map(Media::ext).unwrap_or("bin")));
                if let Some(t) = thumb {
                    names.push((t, "thumb.jpg"));
                }
            }
        }
        let documents: i64 = check.query_row("SELECT count(*) FROM document", [], |r| r.get(0)).map_err(failed)?;
        drop(check);
        names.sort();
        names.dedup();
        let manifest = BackupManifest {
            format: FORMAT,
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            schema_version: crate::store::sqlite::latest_schema_version(),
            made_at: time::to_db(self.now()),
            persons,
            documents,
            files: names.len() as i64,
        };
        let total = names.len() as u64 + 1;
        let enc = age::Encryptor::with_user_passphrase(secret);
        let w = enc.wrap_output(std::io::BufWriter::new(file)).map_err(failed)?;
        let mut tar = tar::Builder::new(w);
        let add = |tar: &mut tar::Builder<_>, name: &str, bytes: &[u8]| -> Result<()> {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o600);
            h.set_mtime(0);
            h.set_cksum();
            tar.append_data(&mut h, name, bytes).map_err(failed)
        };
        add(&mut tar, MANIFEST, &serde_json::to_vec_pretty(&manifest).map_err(failed)?)?;
        {
            // The ledger image, told in pages as it goes into the stream.
            let pages = image.len().div_ceil(4096) as u64;
            let mut h = tar::Header::new_gnu();
            h.set_size(image.len() as u64);
            h.set_mode(0o600);
            h.set_mtime(0);
            h.set_cksum();
            let told = Told { data: &image, at: 0, tell: &|done: usize| self.progress("pages", done.div_ceil(4096) as u64, pages) };
            tar.append_data(&mut h, LEDGER, told).map_err(failed)?;
        }
        drop(image);
        self.progress("files", 1, total);
        let blobs = self.doc_files()?;
        for (i, (sha, ext)) in names.iter().enumerate() {
            let bytes = blobs.read(sha, ext)?;
            add(&mut tar, &format!("{FILES}{sha}.{ext}"), &bytes)?;
            self.progress("files", i as u64 + 2, total);
        }
        // The key itself (its file is sealed under this computer's ledger
        // key; the backup is sealed by its passphrase).
        if self.signing_key_file().is_some_and(|p| p.is_file()) {
            let k = zeroize::Zeroizing::new(self.signing_key()?.to_bytes());
            add(&mut tar, SIGNING_KEY, &k[..])?;
        }
        let w = tar.into_inner().map_err(failed)?;
        let mut buf = w.finish().map_err(failed)?;
        buf.flush().map_err(failed)?;
        buf.into_inner().map_err(|e| failed(e.error()))?.sync_all().map_err(failed)?;
        Ok(manifest)
    }

    /// Replace this ledger's content with a backup (`pass`: its passphrase;
    /// an earlier version's plain backup needs none). Checked whole first:
    /// a wrong passphrase or a damaged backup changes nothing.
    pub fn restore_from(&mut self, backup: &Path, pass: Option<&str>) -> Result<Option<BackupManifest>> {
        self.permit(Act::Admin)?;
        if self.conn().sqlite().is_none() {
            return Err(Error::backend_unsupported("从备份文件恢复", "restore from a backup file"));
        }
        let read = read_backup(backup, pass, |_, _| Ok(()))?;
        // The files first (named by their content: one more stored file is
        // harmless), then the signing key, then the ledger in one step.
        let mut signing: Option<zeroize::Zeroizing<Vec<u8>>> = None;
        if read.encrypted {
            let blobs = self.doc_files()?;
            read_backup(backup, pass, |name, bytes| {
                if name == SIGNING_KEY {
                    signing = Some(zeroize::Zeroizing::new(bytes.to_vec()));
                    return Ok(());
                }
                let (sha, ext) = name.split_once('.').unwrap_or((name, "bin"));
                blobs.put(sha, ext, bytes).map(drop)
            })?;
        }
        self.replace_ledger(&read.ledger)?;
        if let (Some(k), Some(path)) = (signing, self.signing_key_file()) {
            let k: [u8; 32] = k[..].try_into().map_err(|_| failed("the backup's signing key is not 32 bytes"))?;
            let file = self.key_file_bytes(&ed25519_dalek::SigningKey::from_bytes(&k))?;
            if path.exists() {
                crate::store::docstore::write_private_replace(&path, &file)?;
            } else {
                crate::store::docstore::write_private_new(&path, &file)?;
            }
            self.forget_signing_key();
        }
        crate::store::sqlite::migrate_conn(self.conn_mut())?;
        audit::record(
            self.conn(),
            &time::to_db(self.now()),
            &self.actor(),
            "restore",
            "ledger",
            None,
            None,
            None,
            Some(&serde_json::json!({ "from": backup.display().to_string(), "encrypted": read.encrypted })),
        )?;
        Ok(read.manifest)
    }

    /// Copy `src` over this ledger's content with SQLite's backup API —
    /// through a temporary copy encrypted under this ledger's key, since
    /// SQLCipher copies pages only between databases of one key.
    fn replace_ledger(&mut self, src: &rusqlite::Connection) -> Result<()> {
        let key: Option<LedgerKey> = self.ledger_key().cloned();
        let dir = match self.db_file() {
            Some(db) => db.to_path_buf(),
            None => std::env::temp_dir().join(format!("qinqing-restore-{}", std::process::id())),
        };
        let tmp = sibling(&dir, &format!(".restoring-{}", std::process::id()));
        let cleanup = |tmp: &Path| {
            for ext in ["", "-journal", "-wal", "-shm"] {
                let _ = std::fs::remove_file(sibling(tmp, ext));
            }
        };
        cleanup(&tmp);
        let progress = self.take_progress();
        let copied = (|| -> Result<()> {
            match &key {
                Some(k) => cipher::attach(src, &tmp, "enc", k)?,
                None => {
                    src.execute("ATTACH DATABASE ?1 AS enc KEY ''", rusqlite::params![tmp.to_string_lossy()]).map_err(failed)?;
                }
            }
            let version: i64 = src.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(failed)?;
            let exported = src
                .query_row("SELECT sqlcipher_export('enc')", [], |_| Ok(()))
                .and_then(|_| src.execute_batch(&format!("PRAGMA enc.user_version = {version}")));
            let _ = src.execute_batch("DETACH DATABASE enc");
            exported.map_err(failed)?;
            let copy = rusqlite::Connection::open(&tmp).map_err(failed)?;
            if let Some(k) = &key {
                cipher::apply(&copy, k)?;
            }
            let dst = self.conn_mut().sqlite_mut().ok_or_else(|| Error::internal("backend"))?;
            let b = rusqlite::backup::Backup::new(&copy, dst).map_err(failed)?;
            crate::access::kiosk::copy_pages(&b, &|done, total| {
                if let Some(p) = &progress {
                    p("pages", done, total)
                }
            })
        })();
        self.set_progress(progress);
        cleanup(&tmp);
        copied
    }
}
