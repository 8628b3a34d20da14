//! `Qinqing`: the one entry point of the domain. The Tauri commands and the
//! `qinqing-cli` subcommands are one-line calls into its methods.

use crate::db;
use crate::docstore::{FileStore, IngestLimits};
use crate::error::Result;
use crate::time::{self, SharedClock, SystemClock};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Qinqing {
    conn: Connection,
    clock: SharedClock,
    path: Option<PathBuf>,
    actor: crate::authz::Actor,
    files: FileStore,
    limits: IngestLimits,
    /// The in-memory ledger's file store is a temporary directory, removed on drop.
    temp_files: bool,
    /// The installation's signing key, once read.
    key: std::sync::OnceLock<ed25519_dalek::SigningKey>,
}

impl Drop for Qinqing {
    fn drop(&mut self) {
        if self.temp_files {
            let _ = std::fs::remove_dir_all(&self.files.dir);
        }
    }
}

/// Where the documents of the database at `db` are stored: beside it, in
/// `<stem>-files/` (so the GUI and the CLI share them, and a test database
/// gets its own).
pub fn files_dir_for(db: &Path) -> PathBuf {
    let stem = db.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "qinqing".into());
    db.with_file_name(format!("{stem}-files"))
}

/// What `qinqing-cli info` and the app's About line show.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub app_version: &'static str,
    pub db_path: String,
    pub schema_version: i64,
    pub latest_schema_version: i64,
    pub journal_mode: String,
    pub sqlite_version: &'static str,
    pub persons: i64,
    pub now_utc: String,
    pub today_china: String,
}

impl Qinqing {
    /// Open the database at `path` (created and migrated as needed).
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_clock(path, Arc::new(SystemClock))
    }

    /// Open an existing database only (`DB_MISSING` otherwise, nothing created).
    pub fn open_existing(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(crate::Error::db_missing(&path.display().to_string()));
        }
        Self::open(path)
    }

    pub fn open_with_clock(path: &Path, clock: SharedClock) -> Result<Self> {
        let conn = db::open(path)?;
        Ok(Qinqing {
            conn,
            clock,
            path: Some(path.to_path_buf()),
            actor: crate::authz::Actor::Operator,
            files: FileStore::new(files_dir_for(path)),
            limits: IngestLimits::default(),
            temp_files: false,
            key: std::sync::OnceLock::new(),
        })
    }

    /// A private in-memory ledger (tests and benchmarks).
    pub fn in_memory(clock: SharedClock) -> Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!("qinqing-mem-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        Ok(Qinqing {
            conn: db::open_in_memory()?,
            clock,
            path: None,
            actor: crate::authz::Actor::Operator,
            files: FileStore::new(dir),
            limits: IngestLimits::default(),
            temp_files: true,
            key: std::sync::OnceLock::new(),
        })
    }

    /// Who is asking through this handle: every entry point checks it
    /// ([`crate::authz`]) and the audit trail names it. A new handle is the
    /// local operator (the CLI on the computer that owns the database).
    pub fn set_actor(&mut self, actor: crate::authz::Actor) {
        self.actor = actor;
    }
    /// The audit trail's name for the actor.
    pub fn actor(&self) -> String {
        self.actor.audit_name()
    }
    pub fn actor_ref(&self) -> &crate::authz::Actor {
        &self.actor
    }

    pub(crate) fn key_cache(&self) -> &std::sync::OnceLock<ed25519_dalek::SigningKey> {
        &self.key
    }

    /// Refuse a path the user chose (an export target, a document to read)
    /// when it is the ledger (the database and its -wal/-shm/-journal), lies
    /// in its document store (every resident's stored files, the signing
    /// key), or in the app's data directory.
    pub fn check_outside_data(&self, path: &Path) -> Result<()> {
        let canon = |p: &Path| -> Option<PathBuf> {
            p.canonicalize().ok().or_else(|| {
                let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                Some(parent.canonicalize().ok()?.join(p.file_name()?))
            })
        };
        let target = canon(path).ok_or_else(|| crate::Error::path_protected(&path.display().to_string()))?;
        let mut protected: Vec<PathBuf> = vec![self.files.dir.clone()];
        if let Ok(d) = db::default_data_dir() {
            protected.push(d);
        }
        if let Some(db) = &self.path {
            protected.push(db.clone());
            for ext in ["-wal", "-shm", "-journal"] {
                let mut p = db.clone().into_os_string();
                p.push(ext);
                protected.push(PathBuf::from(p));
            }
        }
        for p in protected {
            if let Some(c) = canon(&p) {
                if target.starts_with(&c) {
                    return Err(crate::Error::path_protected(&path.display().to_string()));
                }
            }
        }
        Ok(())
    }

    pub fn files(&self) -> &FileStore {
        &self.files
    }
    pub fn ingest_limits(&self) -> &IngestLimits {
        &self.limits
    }
    /// Change the upload bounds (the file-size cap is a setting).
    pub fn set_ingest_limits(&mut self, limits: IngestLimits) {
        self.limits = limits;
    }

    pub fn set_clock(&mut self, clock: SharedClock) {
        self.clock = clock;
    }
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
    /// Today's date in China.
    pub fn today(&self) -> NaiveDate {
        time::china_date(self.now())
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Version, schema, today's date — and, for anyone logged in (not a
    /// kiosk at rest), where the database is and how many persons it holds.
    pub fn info(&self) -> Result<Info> {
        let nobody = *self.actor_ref() == crate::authz::Actor::Nobody;
        Ok(Info {
            app_version: env!("CARGO_PKG_VERSION"),
            db_path: if nobody { String::new() } else { self.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| ":memory:".into()) },
            schema_version: db::schema_version(&self.conn)?,
            latest_schema_version: db::latest_schema_version(),
            journal_mode: db::journal_mode(&self.conn)?,
            sqlite_version: rusqlite::version(),
            persons: if nobody { 0 } else { self.count_persons()? },
            now_utc: time::to_db(self.now()),
            today_china: self.today().format("%Y-%m-%d").to_string(),
        })
    }
}
