//! Connected mode (issue 18): the window as a client of the service centre's
//! `qinqing-server`. Every command sends the same [`Call`] it would answer
//! locally; the HTTP client is the one the CLI uses. This module keeps what a
//! connected family computer must remember — the server's address and, once
//! paired, the device credential — and what it last saw, for when the server
//! cannot be reached.
//!
//! The credential (the bearer token and the computer's own code-signing key)
//! goes to the OS's secret store where there is one — Keychain, Credential
//! Manager, the Secret Service of a Linux desktop session — through the
//! `keyring` crate; the file `connection.json` (owner-only, mode 0600,
//! written whole or not at all) then keeps only which centre and which
//! household. Without a secret store (a server-less session, a kiosk under
//! systemd) the secrets stay in that file. "Unpair this computer" revokes
//! the credential on the server and deletes both.
//!
//! Offline: a read answered before is answered again from memory, marked
//! with the time it was seen (the status line says so); a change is refused
//! with `SERVER_UNREACHABLE` and never queued, so nothing can move money
//! twice once the server is back.

use qinqing_client::Remote;
use qinqing_core::api::Call;
use qinqing_core::{Code, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What the credential file holds.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Saved {
    pub server: String,
    #[serde(default)]
    pub device: Option<Paired>,
}

/// This computer's credential with the centre (the token never reaches the
/// page): a family computer paired with a holder, or a registered kiosk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Paired {
    pub id: i64,
    /// `family` or `kiosk`.
    pub kind: String,
    pub holder: Option<i64>,
    pub holder_name_masked: Option<String>,
    /// A counter's institution (its terminal key's).
    #[serde(default)]
    pub institution: Option<i64>,
    pub label: Option<String>,
    pub token: String,
    pub paired_at: String,
    /// A family computer's own code-signing key (hex) and the ledger's
    /// certificate of it: codes shown while the server cannot be reached.
    #[serde(default)]
    pub signing_key: Option<String>,
    #[serde(default)]
    pub certificate: Option<qinqing_core::qr::DeviceCert>,
    /// `keyring`: the token and signing key are in the OS's secret store
    /// (and empty in the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_in: Option<String>,
}

/// The secrets of a credential, as one entry of a secret store.
#[derive(Serialize, Deserialize)]
struct Secrets {
    token: String,
    signing_key: Option<String>,
}

/// Where a credential's secrets can be kept apart from the file.
pub trait SecretStore: Send + Sync {
    fn put(&self, user: &str, secret: &str) -> std::result::Result<(), String>;
    fn get(&self, user: &str) -> std::result::Result<String, String>;
    fn delete(&self, user: &str);
}

/// The OS's secret store, through `keyring` (service `qinqing`).
struct OsKeyring;

impl SecretStore for OsKeyring {
    fn put(&self, user: &str, secret: &str) -> std::result::Result<(), String> {
        keyring::Entry::new("qinqing", user).and_then(|e| e.set_password(secret)).map_err(|e| e.to_string())
    }
    fn get(&self, user: &str) -> std::result::Result<String, String> {
        keyring::Entry::new("qinqing", user).and_then(|e| e.get_password()).map_err(|e| e.to_string())
    }
    fn delete(&self, user: &str) {
        if let Ok(e) = keyring::Entry::new("qinqing", user) {
            let _ = e.delete_credential();
        }
    }
}

/// The OS's secret store, when this session has one: always on macOS and
/// Windows; on Linux and the BSDs only inside a desktop session (a D-Bus
/// session bus), so that a headless kiosk never waits on one.
fn os_store() -> Option<Box<dyn SecretStore>> {
    if cfg!(any(target_os = "macos", windows)) || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty()) {
        Some(Box::new(OsKeyring))
    } else {
        None
    }
}

/// The secret store's name for a credential.
fn store_user(server: &str, d: &Paired) -> String {
    format!("{server} {} {}", d.kind, d.id)
}

/// What the page may know about the connection.
#[derive(Debug, Clone, Serialize)]
pub struct ConnState {
    pub server: String,
    pub paired: bool,
    pub holder: Option<i64>,
    pub holder_name_masked: Option<String>,
    pub device_label: Option<String>,
    /// The last request reached the server.
    pub online: bool,
    /// When the server was last reached (UTC), if ever this run.
    pub last_online_at: Option<String>,
    /// The oldest answer shown from memory since the server was lost.
    pub stale_since: Option<String>,
    /// The same, as China time for the page to show.
    pub stale_since_local: Option<String>,
}

/// At most this many answers are kept for when the server is away.
const SEEN_MAX: usize = 1_000;

/// Whether an answer is kept for when the server is away: reads only, and
/// not the large ones (a document's image or bytes, a CSV file).
fn remembered(call: &Call) -> bool {
    !call.changes() && !matches!(call, Call::DocumentImage { .. } | Call::DocumentBytes { .. } | Call::TxCsv(_))
}

pub struct Connected {
    file: PathBuf,
    ca: Option<PathBuf>,
    store: Option<Box<dyn SecretStore>>,
    saved: Mutex<Saved>,
    seen: Mutex<HashMap<String, (Value, String)>>,
    status: Mutex<(bool, Option<String>, Option<String>)>,
}

fn now() -> String {
    qinqing_core::time::to_db(chrono::Utc::now())
}

fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>> {
    m.lock().map_err(|_| Error::internal("connection state lock poisoned"))
}

impl Connected {
    /// Connected to `server` (remembered in `file`), or to the server
    /// remembered there when `server` is `None`; `None` when neither.
    pub fn open(file: PathBuf, server: Option<&str>, ca: Option<PathBuf>) -> Result<Option<Connected>> {
        Self::open_with(file, server, ca, os_store())
    }

    /// As [`Connected::open`], keeping secrets in `store` (none: in the file).
    pub fn open_with(file: PathBuf, server: Option<&str>, ca: Option<PathBuf>, store: Option<Box<dyn SecretStore>>) -> Result<Option<Connected>> {
        let mut saved: Saved = match std::fs::read(&file) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::internal(format!("{}: {e}", file.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Saved::default(),
            Err(e) => return Err(Error::internal(format!("{}: {e}", file.display()))),
        };
        match server.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if s.trim_end_matches('/') != saved.server.trim_end_matches('/') => {
                // Another centre: a pairing with the old one does not carry over.
                saved = Saved { server: s.trim_end_matches('/').to_string(), device: None };
                write_private(&file, &saved)?;
            }
            Some(_) => {}
            None if saved.server.is_empty() => return Ok(None),
            None => {}
        }
        // Secrets kept in the secret store: read them back (a store that lost
        // them, or is not there now, leaves this computer unpaired).
        let server = saved.server.clone();
        if let Some(d) = saved.device.as_mut().filter(|d| d.secrets_in.is_some()) {
            let found = store.as_ref().and_then(|st| st.get(&store_user(&server, d)).ok()).and_then(|j| serde_json::from_str::<Secrets>(&j).ok());
            match found {
                Some(sec) => {
                    d.token = sec.token;
                    d.signing_key = sec.signing_key;
                }
                None => saved.device = None,
            }
        }
        Ok(Some(Connected { file, ca, store, saved: Mutex::new(saved), seen: Mutex::new(HashMap::new()), status: Mutex::new((true, None, None)) }))
    }

    pub fn server(&self) -> String {
        self.saved.lock().map(|s| s.server.clone()).unwrap_or_default()
    }

    pub fn paired(&self) -> Option<Paired> {
        self.saved.lock().ok().and_then(|s| s.device.clone())
    }

    pub fn state(&self) -> ConnState {
        let d = self.paired();
        let (online, last, stale) = self.status.lock().map(|s| s.clone()).unwrap_or((false, None, None));
        ConnState {
            server: self.server(),
            paired: d.is_some(),
            holder: d.as_ref().and_then(|d| d.holder),
            holder_name_masked: d.as_ref().and_then(|d| d.holder_name_masked.clone()),
            device_label: d.and_then(|d| d.label),
            online,
            last_online_at: last,
            stale_since_local: stale.as_deref().and_then(qinqing_core::time::from_db).map(qinqing_core::time::display_china),
            stale_since: stale,
        }
    }

    fn remote(&self) -> Result<Remote> {
        let token = self.paired().map(|d| d.token);
        Remote::new(&self.server(), token, self.ca.as_deref())
    }

    fn reached(&self) -> Result<()> {
        let mut s = lock(&self.status)?;
        *s = (true, Some(now()), None);
        Ok(())
    }

    fn lost(&self, stale_from: Option<&str>) -> Result<()> {
        let mut s = lock(&self.status)?;
        s.0 = false;
        if let Some(t) = stale_from {
            if s.2.as_deref().is_none_or(|old| t < old) {
                s.2 = Some(t.to_string());
            }
        }
        Ok(())
    }

    /// One call on the server as this computer. A read the server cannot be
    /// asked now is answered from what it said last (if it said anything).
    pub fn call(&self, call: &Call) -> Result<Value> {
        let key = serde_json::to_string(call).unwrap_or_default();
        match self.remote()?.call(call) {
            Ok(v) => {
                self.reached()?;
                if remembered(call) {
                    let mut seen = lock(&self.seen)?;
                    // Bounded: a window open for weeks does not grow without end.
                    if seen.len() >= SEEN_MAX && !seen.contains_key(&key) {
                        seen.clear();
                    }
                    seen.insert(key, (v.clone(), now()));
                }
                Ok(v)
            }
            Err(e) if e.code == Code::ServerUnreachable => {
                let cached = if call.changes() { None } else { lock(&self.seen)?.get(&key).cloned() };
                // A code is never shown again from memory: this computer signs a fresh one.
                if let Call::QrIssue { member, holder } = call {
                    self.lost(cached.as_ref().map(|(_, at)| at.as_str()))?;
                    return match cached {
                        // (A computer paired before it had its own key says the server is away.)
                        Some((template, _)) => self.issue_here(*member, *holder, template).map_err(|x| if x.code == Code::Internal { e } else { x }),
                        None => Err(e),
                    };
                }
                match cached {
                    Some((v, at)) => {
                        self.lost(Some(&at))?;
                        Ok(v)
                    }
                    None => {
                        self.lost(None)?;
                        Err(e)
                    }
                }
            }
            Err(e) => {
                self.reached()?;
                Err(e)
            }
        }
    }

    /// The server cannot be reached: a code for `member` signed by this
    /// computer's certified key (`QQ2`), on the screen the server's last code
    /// for them filled (name, balance as last seen). The ledger still decides
    /// when it is settled.
    fn issue_here(&self, member: i64, holder: Option<i64>, mut template: Value) -> Result<Value> {
        use qinqing_core::qr;
        let d = self.paired().ok_or_else(Error::not_logged_in)?;
        let (Some(secret), Some(cert)) = (d.signing_key.as_deref(), d.certificate.as_ref()) else {
            return Err(Error::internal("this computer was paired without a signing key"));
        };
        let now = chrono::Utc::now();
        let validity = template["validity_secs"].as_i64().unwrap_or(qr::MAX_VALIDITY_SECS).clamp(1, qr::MAX_VALIDITY_SECS);
        let token = qr::device_code(secret, cert, member, holder.unwrap_or(member), validity, now)?;
        let expires = now + chrono::Duration::seconds(validity);
        template["svg"] = Value::String(qr::svg(&token)?);
        template["token"] = Value::String(token);
        template["issued_at"] = Value::String(qinqing_core::time::to_db(now));
        template["expires_at"] = Value::String(qinqing_core::time::to_db(expires));
        template["expires_at_local"] = Value::String(qinqing_core::time::display_china(expires));
        template["offline"] = Value::Bool(true);
        Ok(template)
    }

    /// Redeem the one-time code staff gave: this computer now acts for that
    /// household, and remembers it.
    pub fn pair(&self, code: &str, label: Option<&str>) -> Result<ConnState> {
        let remote = Remote::new(&self.server(), None, self.ca.as_deref())?;
        // This computer's own key for codes: the ledger certifies it at pairing.
        let (secret, public) = qinqing_core::qr::new_device_key_hex();
        let d: qinqing_core::credential::Device = match remote.pair(code, label, Some(&public)) {
            Ok(v) => {
                self.reached()?;
                serde_json::from_value(v).map_err(|e| Error::internal(format!("answer: {e}")))?
            }
            Err(e) => {
                if e.code == Code::ServerUnreachable {
                    self.lost(None)?;
                }
                return Err(e);
            }
        };
        self.keep(d, Some(secret))
    }

    /// Remember the credential just issued to this computer (and its own
    /// code-signing key, when the ledger certified one).
    fn keep(&self, d: qinqing_core::credential::Device, signing_key: Option<String>) -> Result<ConnState> {
        let token = d.token.clone().ok_or_else(|| Error::internal("the server issued no token"))?;
        let next = Saved {
            server: self.server(),
            device: Some(Paired {
                id: d.id,
                kind: d.kind,
                holder: d.holder,
                holder_name_masked: d.holder_name_masked,
                institution: None,
                label: d.label,
                token,
                paired_at: now(),
                signing_key: signing_key.filter(|_| d.certificate.is_some()),
                certificate: d.certificate,
                secrets_in: None,
            }),
        };
        self.save(next)
    }

    /// Keep `next`: its secrets in the secret store when there is one that
    /// takes them, the rest (or everything, without one) in the file.
    fn save(&self, next: Saved) -> Result<ConnState> {
        let mut saved = lock(&self.saved)?;
        if let (Some(old), Some(st)) = (saved.device.as_ref().filter(|d| d.secrets_in.is_some()), self.store.as_ref()) {
            st.delete(&store_user(&saved.server, old));
        }
        let mut on_disk = next.clone();
        let mut kept = next;
        if let (Some(d), Some(st)) = (on_disk.device.as_mut(), self.store.as_ref()) {
            let secrets =
                serde_json::to_string(&Secrets { token: d.token.clone(), signing_key: d.signing_key.clone() }).map_err(|e| Error::internal(e.to_string()))?;
            if st.put(&store_user(&kept.server, d), &secrets).is_ok() {
                d.token = String::new();
                d.signing_key = None;
                d.secrets_in = Some("keyring".into());
                if let Some(k) = kept.device.as_mut() {
                    k.secrets_in = Some("keyring".into());
                }
            }
        }
        write_private(&self.file, &on_disk)?;
        *saved = kept;
        drop(saved);
        lock(&self.seen)?.clear();
        Ok(self.state())
    }

    /// A hospital's or pharmacy's counter: the terminal key an administrator
    /// issued to its institution (`qinqing-cli terminal add`), checked with
    /// the server before it is kept.
    pub fn connect_counter(&self, key: &str) -> Result<ConnState> {
        let key = key.trim().to_string();
        let remote = Remote::new(&self.server(), Some(key.clone()), self.ca.as_deref())?;
        let me = remote.call(&Call::WhoAmI)?;
        self.reached()?;
        let institution = match (me["kind"].as_str(), me["institution"].as_i64()) {
            (Some("terminal"), Some(i)) => i,
            _ => return Err(Error::token_unknown()),
        };
        self.save(Saved {
            server: self.server(),
            device: Some(Paired {
                id: 0,
                kind: "terminal".into(),
                holder: None,
                holder_name_masked: None,
                institution: Some(institution),
                label: None,
                token: key,
                paired_at: now(),
                signing_key: None,
                certificate: None,
                secrets_in: None,
            }),
        })
    }

    /// A connected kiosk's first start: an administrator logs in once and
    /// the server registers this kiosk; the administrator's session ends at
    /// once, and only the kiosk's own key is kept.
    pub fn register_kiosk(&self, admin: i64, password: &str, label: Option<&str>) -> Result<ConnState> {
        let plain = Remote::new(&self.server(), None, self.ca.as_deref())?;
        let session = plain.login(admin, password)?;
        let token = session["token"].as_str().ok_or_else(|| Error::internal("log-in without a token"))?.to_string();
        let as_admin = Remote::new(&self.server(), Some(token), self.ca.as_deref())?;
        let issued = as_admin.call(&Call::KioskRegister { label: label.map(str::to_string) });
        let _ = as_admin.logout();
        let d: qinqing_core::credential::Device = serde_json::from_value(issued?).map_err(|e| Error::internal(format!("answer: {e}")))?;
        self.reached()?;
        self.keep(d, None)
    }

    /// "Unpair this computer": revoked on the server, then forgotten here.
    /// If the server cannot be reached the credential is still removed from
    /// this computer (`revoked_on_server: false`: staff can revoke it there).
    pub fn unpair(&self) -> Result<Value> {
        let Some(d) = self.paired() else { return Ok(serde_json::json!({ "revoked_on_server": false, "was_paired": false })) };
        // A counter's key is revoked by the centre's administrator (terminal revoke).
        let revoke = if d.kind == "terminal" {
            Err(Error::server_unreachable(&self.server(), "a counter's key is revoked by the administrator"))
        } else {
            self.remote()?.call(&Call::DeviceRevoke { id: d.id })
        };
        let on_server = match revoke {
            Ok(_) => true,
            Err(e) if matches!(e.code, Code::ServerUnreachable) => false,
            // Already revoked by staff, or unknown there: nothing left to revoke.
            Err(e) if matches!(e.code, Code::TokenRevoked | Code::TokenUnknown) => true,
            Err(e) => return Err(e),
        };
        self.save(Saved { server: self.server(), device: None })?;
        Ok(serde_json::json!({ "revoked_on_server": on_server, "was_paired": true }))
    }
}

/// Write `v` to `path` readable by its owner only, whole or not at all
/// (a temporary file in the same directory, then a rename).
fn write_private<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let dir = path.parent().ok_or_else(|| Error::internal("credential file has no directory"))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::internal(format!("{}: {e}", dir.display())))?;
    let tmp = path.with_extension("tmp");
    let body = serde_json::to_vec_pretty(v).map_err(|e| Error::internal(e.to_string()))?;
    {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o.open(&tmp).map_err(|e| Error::internal(format!("{}: {e}", tmp.display())))?;
        f.write_all(&body).and_then(|()| f.sync_all()).map_err(|e| Error::internal(format!("{}: {e}", tmp.display())))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::internal(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A secret store in memory, shared by the handles a test opens.
    #[derive(Clone, Default)]
    struct MemStore(std::sync::Arc<Mutex<HashMap<String, String>>>);

    impl SecretStore for MemStore {
        fn put(&self, user: &str, secret: &str) -> std::result::Result<(), String> {
            self.0.lock().unwrap().insert(user.into(), secret.into());
            Ok(())
        }
        fn get(&self, user: &str) -> std::result::Result<String, String> {
            self.0.lock().unwrap().get(user).cloned().ok_or_else(|| "none".into())
        }
        fn delete(&self, user: &str) {
            self.0.lock().unwrap().remove(user);
        }
    }

    fn device(token: &str) -> Saved {
        Saved {
            server: "https://centre.example".into(),
            device: Some(Paired {
                id: 7,
                kind: "family".into(),
                holder: Some(3),
                holder_name_masked: Some("张*".into()),
                institution: None,
                label: None,
                token: token.into(),
                paired_at: now(),
                signing_key: Some("ab".repeat(32)),
                certificate: None,
                secrets_in: None,
            }),
        }
    }

    #[test]
    fn with_a_secret_store_the_file_keeps_no_secret_and_unpairing_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("connection.json");
        let store = MemStore::default();
        let c = Connected::open_with(file.clone(), Some("https://centre.example"), None, Some(Box::new(store.clone()))).unwrap().unwrap();
        c.save(device("qqd_secret-token")).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("qqd_secret-token") && !text.contains(&"ab".repeat(32)), "{text}");
        assert!(text.contains("\"secrets_in\": \"keyring\""), "{text}");
        assert_eq!(store.0.lock().unwrap().len(), 1);
        // The next start reads the secrets back from the store.
        let again = Connected::open_with(file.clone(), None, None, Some(Box::new(store.clone()))).unwrap().unwrap();
        let d = again.paired().unwrap();
        assert_eq!((d.token.as_str(), d.signing_key.as_deref()), ("qqd_secret-token", Some("ab".repeat(32).as_str())));
        // A store that lost them: this computer is simply unpaired.
        let empty = Connected::open_with(file.clone(), None, None, Some(Box::new(MemStore::default()))).unwrap().unwrap();
        assert!(empty.paired().is_none());
        // Forgetting the pairing deletes the store's entry too.
        again.save(Saved { server: again.server(), device: None }).unwrap();
        assert!(store.0.lock().unwrap().is_empty());
    }

    #[test]
    fn only_small_reads_are_kept_for_when_the_server_is_away() {
        assert!(remembered(&Call::PersonGet { id: 3 }));
        assert!(remembered(&Call::Dashboard { holder: 3, year: 2026 }));
        assert!(!remembered(&Call::AidFreeze { id: 1 }), "a change is never answered from memory");
        assert!(!remembered(&Call::KioskState), "nor a kiosk's sessions");
        assert!(!remembered(&Call::DocumentImage { id: 1 }), "nor a document's image");
        assert!(!remembered(&Call::TxCsv(Default::default())));
    }

    #[test]
    fn without_a_secret_store_the_secrets_stay_in_an_owner_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("connection.json");
        let c = Connected::open_with(file.clone(), Some("https://centre.example"), None, None).unwrap().unwrap();
        c.save(device("qqd_in-the-file")).unwrap();
        assert!(std::fs::read_to_string(&file).unwrap().contains("qqd_in-the-file"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let again = Connected::open_with(file, None, None, None).unwrap().unwrap();
        assert_eq!(again.paired().unwrap().token, "qqd_in-the-file");
    }
}
