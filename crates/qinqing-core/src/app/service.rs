//! `Qinqing`: the one entry point of the domain. The Tauri commands and the
//! `qinqing-cli` subcommands are one-line calls into its methods.

use crate::error::Result;
use crate::store::docstore::{FileStore, IngestLimits};
use crate::store::sqlite as db;
use crate::store::Conn;
use crate::time::{self, SharedClock, SystemClock};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Qinqing {
    conn: Conn,
    clock: SharedClock,
    path: Option<PathBuf>,
    /// A PostgreSQL ledger's URL, password removed.
    url: Option<String>,
    actor: crate::access::authz::Actor,
    files: FileStore,
    limits: IngestLimits,
    /// The in-memory ledger's file store is a temporary directory, removed on drop.
    temp_files: bool,
    /// The installation's signing key, once read.
    key: std::sync::OnceLock<ed25519_dalek::SigningKey>,
    /// The kiosk whose sessions this handle serves now, if any (the app's
    /// own in kiosk mode; on the server, the asking kiosk's).
    kiosk: Option<crate::access::kiosk::SharedKiosk>,
    /// Told how far long work has got (a seeding, a move to PostgreSQL).
    progress: Option<Progress>,
    /// The network address the server saw the request come from (`None`:
    /// this computer). Wrong staff passwords are counted per account *and*
    /// address, so a stranger's guesses cannot keep an account waiting.
    client: Option<String>,
    /// What the documents' key is derived from ([`Qinqing::at_rest_secret`]).
    at_rest: AtRest,
}

/// The secret the ledger's personal data is protected with at rest (issue 35).
pub(crate) enum AtRest {
    /// A SQLite ledger's own key (SQLCipher's; kept in the OS secret store or
    /// a key file, never beside the database) — or, for a throwaway
    /// in-memory ledger, a random one.
    Key(crate::store::cipher::LedgerKey),
    /// A PostgreSQL ledger: the installation's signing key, from its key
    /// file on the server's own disk ([`crate::keyfile`]).
    Signing,
    /// Nothing is encrypted: only the benchmarks' "without" side.
    Plain,
}

/// How far long work has got: what is being done, how many done, of how many.
pub type Progress = Box<dyn Fn(&str, u64, u64) + Send + Sync>;

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
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Info {
    pub app_version: String,
    /// "sqlite" or "postgresql".
    pub backend: crate::store::Backend,
    /// The engine's version (SQLite's library; the PostgreSQL server's).
    pub server_version: String,
    pub db_path: String,
    pub schema_version: i64,
    pub latest_schema_version: i64,
    pub journal_mode: String,
    pub sqlite_version: String,
    /// How the ledger's personal data is protected at rest (issue 35):
    /// "sqlcipher <version>" for an encrypted SQLite ledger; for PostgreSQL,
    /// its documents sealed under the key file (the database's own disk is the
    /// centre's), "none" only on the benchmarks' plain side.
    #[serde(default)]
    pub at_rest: String,
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
    /// `path` may be a `postgres://` URL: a database without Qinqing's tables
    /// is missing too.
    pub fn open_existing(path: &Path) -> Result<Self> {
        let (conn, key) = db::open_existing_keyed(path)?;
        Self::wrap(conn, key, path, Arc::new(SystemClock))?.opened()
    }

    /// Open a SQLite file or, when `path` is a `postgres://` URL, a PostgreSQL ledger.
    pub fn open_with_clock(path: &Path, clock: SharedClock) -> Result<Self> {
        let (conn, key) = db::open_keyed(path)?;
        Self::wrap(conn, key, path, clock)?.opened()
    }

    /// What every opening of a stored ledger does before its first use:
    /// documents stored plain by an earlier version are sealed
    /// ([`Qinqing::documents_on_open`]).
    fn opened(mut self) -> Result<Self> {
        self.documents_on_open()?;
        Ok(self)
    }

    /// The benchmarks' "without encryption" side (issue 35: the cost of
    /// encryption is measured against the same run without it): a SQLite
    /// ledger opened, or created, with no ledger key, and documents stored
    /// plain. Not reachable from the app, the CLI or the server.
    #[doc(hidden)]
    pub fn open_unencrypted_for_benchmark(path: &Path) -> Result<Self> {
        let mut q = Self::wrap(db::open_plain(path)?, None, path, Arc::new(SystemClock))?;
        q.at_rest = AtRest::Plain;
        Ok(q)
    }

    fn wrap(conn: Conn, key: Option<crate::store::cipher::LedgerKey>, path: &Path, clock: SharedClock) -> Result<Self> {
        let url = db::postgres_url(path).map(crate::store::pg::redact);
        Ok(Qinqing {
            conn,
            clock,
            path: if url.is_some() { None } else { Some(path.to_path_buf()) },
            url,
            actor: crate::access::authz::Actor::Operator,
            // A PostgreSQL ledger keeps its files in the database (docstore::Blobs).
            files: FileStore::new(if db::postgres_url(path).is_some() { PathBuf::new() } else { files_dir_for(path) }),
            limits: IngestLimits::default(),
            temp_files: false,
            key: std::sync::OnceLock::new(),
            kiosk: None,
            progress: None,
            client: None,
            at_rest: match key {
                Some(k) => AtRest::Key(k),
                None => AtRest::Signing,
            },
        })
    }

    /// A private throwaway ledger (tests and benchmarks): SQLite in memory —
    /// or, when `QINQING_TEST_POSTGRES` names a PostgreSQL server (a
    /// maintenance-database URL), a fresh database there, so the same suite
    /// runs on both backends (`scripts/test.sh` does both).
    pub fn in_memory(clock: SharedClock) -> Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        if let Some(base) = std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) {
            let url = crate::store::pg::fresh_test_database(&base)?;
            return Self::open_with_clock(Path::new(&url), clock);
        }
        let dir = std::env::temp_dir().join(format!("qinqing-mem-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        Ok(Qinqing {
            conn: db::open_in_memory()?,
            clock,
            path: None,
            url: None,
            actor: crate::access::authz::Actor::Operator,
            files: FileStore::new(dir),
            limits: IngestLimits::default(),
            temp_files: true,
            key: std::sync::OnceLock::new(),
            kiosk: None,
            progress: None,
            client: None,
            at_rest: AtRest::Key(crate::store::cipher::LedgerKey::random()),
        })
    }

    /// Who is asking through this handle: every entry point checks it
    /// ([`crate::access::authz`]) and the audit trail names it. A new handle is the
    /// local operator (the CLI on the computer that owns the database).
    /// Be told how far long work has got (`None`: not told). Only the
    /// caller decides how to show it (the CLI: a bar on a terminal).
    pub fn set_progress(&mut self, p: Option<Progress>) {
        self.progress = p;
    }

    /// The progress callback, taken out while the handle is borrowed
    /// mutably (put it back with [`Qinqing::set_progress`]).
    pub(crate) fn take_progress(&mut self) -> Option<Progress> {
        self.progress.take()
    }

    pub(crate) fn progress(&self, what: &str, done: u64, total: u64) {
        if let Some(p) = &self.progress {
            p(what, done, total);
        }
    }

    /// Serve this kiosk's sessions (`None`: no kiosk). Its calls
    /// (`kiosk_*` in the service interface) act on it, and the actor follows
    /// its sessions ([`Qinqing::act_as_kiosk`]).
    pub fn set_kiosk(&mut self, kiosk: Option<crate::access::kiosk::SharedKiosk>) {
        self.kiosk = kiosk;
    }

    pub fn kiosk(&self) -> Option<crate::access::kiosk::SharedKiosk> {
        self.kiosk.clone()
    }

    /// Set who asks through this handle from now on: for tests and the
    /// local CLI (one operator). A face serving requests passes the caller
    /// with each one instead ([`Qinqing::as_caller`]).
    pub fn set_actor(&mut self, actor: crate::access::authz::Actor) {
        self.actor = actor;
    }

    /// Run `f` as `caller` — the actor (or whoever a kiosk's sessions say),
    /// the kiosk whose sessions the `kiosk_*` operations act on, and the
    /// client's address — for this request only: whatever `f` returns (or
    /// if it panics), the handle is left as nobody, at no kiosk, from
    /// nowhere, so the next request cannot inherit this one's rights. The
    /// faces (window, server) pass the caller here; none sets or resets it.
    pub fn as_caller<T>(&mut self, caller: &Caller, f: impl FnOnce(&mut Qinqing) -> Result<T>) -> Result<T> {
        struct Rest<'a>(&'a mut Qinqing);
        impl Drop for Rest<'_> {
            fn drop(&mut self) {
                self.0.actor = crate::access::authz::Actor::Nobody;
                self.0.kiosk = None;
                self.0.client = None;
            }
        }
        let rest = Rest(self);
        let q = &mut *rest.0;
        q.client = caller.client.clone();
        q.kiosk = caller.kiosk.clone();
        match &caller.who {
            Who::Actor(a) => q.actor = a.clone(),
            Who::Kiosk => q.act_as_kiosk()?,
        }
        f(q)
    }
    /// The client's network address for this request (the server sets it,
    /// and clears it after each request).
    pub fn set_client(&mut self, client: Option<String>) {
        self.client = client;
    }
    pub fn client(&self) -> Option<&str> {
        self.client.as_deref()
    }
    /// The audit trail's name for the actor.
    pub fn actor(&self) -> String {
        self.actor.audit_name()
    }
    pub fn actor_ref(&self) -> &crate::access::authz::Actor {
        &self.actor
    }

    /// The 32-byte secret this ledger's documents are encrypted under
    /// (derive a purpose key from it; never store it): `None` only for the
    /// benchmarks' unencrypted side.
    pub(crate) fn at_rest_secret(&self) -> Result<Option<zeroize::Zeroizing<[u8; 32]>>> {
        match &self.at_rest {
            AtRest::Key(k) => Ok(Some(k.bytes())),
            AtRest::Signing => Ok(Some(zeroize::Zeroizing::new(self.signing_key()?.to_bytes()))),
            AtRest::Plain => Ok(None),
        }
    }

    /// A SQLite ledger's SQLCipher key (`None`: PostgreSQL, or the
    /// benchmarks' unencrypted side).
    pub(crate) fn ledger_key(&self) -> Option<&crate::store::cipher::LedgerKey> {
        match (&self.at_rest, self.conn.sqlite(), &self.path) {
            (AtRest::Key(k), Some(_), Some(_)) => Some(k),
            _ => None,
        }
    }

    /// A SQLite ledger's file (`None`: in memory, or PostgreSQL).
    pub(crate) fn db_file(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Read the signing key again on next use (a restore replaced it).
    pub(crate) fn forget_signing_key(&mut self) {
        self.key = std::sync::OnceLock::new();
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

    /// The document file store of a SQLite ledger (a directory beside it).
    pub fn files(&self) -> &FileStore {
        &self.files
    }
    /// Where this ledger's document files are kept (directory or database).
    pub fn blobs(&self) -> crate::store::docstore::Blobs<'_> {
        match self.conn.sqlite() {
            Some(_) => crate::store::docstore::Blobs::Files(&self.files),
            None => crate::store::docstore::Blobs::Db(&self.conn),
        }
    }
    /// Which engine holds the ledger.
    pub fn backend(&self) -> crate::store::Backend {
        self.conn.backend()
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

    pub fn conn(&self) -> &Conn {
        &self.conn
    }
    pub(crate) fn conn_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// Run a money transaction with [`crate::store::retry`].
    pub fn retrying<T>(&mut self, mut f: impl FnMut(&mut Self) -> Result<T>) -> Result<T> {
        crate::store::retry(|| f(self))
    }

    /// Version, schema, today's date — and, for anyone logged in (not a
    /// kiosk at rest), how many persons the ledger holds. Where the database
    /// is (a path on the server, a PostgreSQL URL with its password hidden)
    /// only the operator and administrators see: a household's or a
    /// counter's token learns nothing of the centre's machines.
    pub fn info(&self) -> Result<Info> {
        use crate::access::authz::Actor;
        // Reference data: any actor may read it (the permission table's Reference row).
        self.permit(crate::access::authz::Act::Reference)?;
        let nobody = *self.actor_ref() == Actor::Nobody;
        let admin = matches!(self.actor_ref(), Actor::Operator | Actor::Staff { admin: true, .. } | Actor::Serving { admin: true, .. });
        Ok(Info {
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            backend: self.conn.backend(),
            server_version: self.conn.server_version()?,
            db_path: if !admin {
                String::new()
            } else {
                match (&self.path, &self.url) {
                    (Some(p), _) => p.display().to_string(),
                    (None, Some(u)) => crate::store::pg::redact(u),
                    (None, None) => ":memory:".into(),
                }
            },
            schema_version: db::schema_version(&self.conn)?,
            latest_schema_version: db::latest_schema_version(),
            journal_mode: db::journal_mode(&self.conn)?,
            sqlite_version: rusqlite::version().to_string(),
            at_rest: match (&self.at_rest, self.conn.sqlite()) {
                (AtRest::Plain, _) => "none".into(),
                (_, Some(c)) if self.path.is_some() => {
                    format!("sqlcipher {} ({})", crate::store::cipher::cipher_version(c), crate::store::cipher::cipher_provider(c))
                }
                (_, Some(_)) => "in memory".into(),
                (_, None) => "documents: AEAD, key file".into(),
            },
            persons: if nobody { 0 } else { self.count_persons()? },
            now_utc: time::to_db(self.now()),
            today_china: self.today().format("%Y-%m-%d").to_string(),
        })
    }
}

/// Who asks, in one request ([`Qinqing::as_caller`]).
#[derive(Debug, Clone)]
pub enum Who {
    /// This actor (a session's staff member, a terminal, a paired household…).
    Actor(crate::access::authz::Actor),
    /// Whoever the caller's kiosk sessions say, after their inactivity
    /// rules: nobody, a staff member, or staff serving a resident in person.
    Kiosk,
}

/// The caller of one request: who; the kiosk sessions its `kiosk_*`
/// operations act on (a kiosk's, or a window's own); and the network
/// address it asks from (the throttles count a stranger's guesses per address).
#[derive(Debug, Clone)]
pub struct Caller {
    pub who: Who,
    pub kiosk: Option<crate::access::kiosk::SharedKiosk>,
    pub client: Option<String>,
}

impl Caller {
    pub fn actor(actor: crate::access::authz::Actor) -> Caller {
        Caller { who: Who::Actor(actor), kiosk: None, client: None }
    }
    /// No one yet (before a token is checked, a log-in, a pairing).
    pub fn nobody() -> Caller {
        Caller::actor(crate::access::authz::Actor::Nobody)
    }
    /// Whoever is logged in at this kiosk.
    pub fn kiosk(sessions: crate::access::kiosk::SharedKiosk) -> Caller {
        Caller { who: Who::Kiosk, kiosk: Some(sessions), client: None }
    }
    /// … with these sessions for the `kiosk_*` operations.
    pub fn with_sessions(mut self, sessions: crate::access::kiosk::SharedKiosk) -> Caller {
        self.kiosk = Some(sessions);
        self
    }
    /// … asking from this address.
    pub fn from(mut self, client: Option<String>) -> Caller {
        self.client = client;
        self
    }
}
