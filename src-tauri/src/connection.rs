//! Connected mode (issue 18): the window as a client of the service centre's
//! `qinqing-server`. Every command sends the same [`Call`] it would answer
//! locally; the HTTP client is the one the CLI uses. This module keeps what a
//! connected family computer must remember — the server's address and, once
//! paired, the device credential — and what it last saw, for when the server
//! cannot be reached.
//!
//! The credential lives in an owner-only file (mode 0600) in the app's data
//! directory, written whole or not at all; "unpair this computer" revokes it
//! on the server and deletes the file.
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

pub struct Connected {
    file: PathBuf,
    ca: Option<PathBuf>,
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
        Ok(Some(Connected { file, ca, saved: Mutex::new(saved), seen: Mutex::new(HashMap::new()), status: Mutex::new((true, None, None)) }))
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
                if !call.changes() {
                    lock(&self.seen)?.insert(key, (v.clone(), now()));
                }
                Ok(v)
            }
            Err(e) if e.code == Code::ServerUnreachable => {
                let cached = if call.changes() { None } else { lock(&self.seen)?.get(&key).cloned() };
                // A code is never shown again from memory: this computer signs a fresh one.
                if let Call::QrIssue { member, holder } = call {
                    self.lost(cached.as_ref().map(|(_, at)| at.as_str()))?;
                    return match cached {
                        Some((template, _)) => self.issue_here(*member, *holder, template),
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
            }),
        };
        self.save(next)
    }

    fn save(&self, next: Saved) -> Result<ConnState> {
        let mut saved = lock(&self.saved)?;
        write_private(&self.file, &next)?;
        *saved = next;
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
        let revoke = if d.kind == "terminal" { Err(Error::server_unreachable(&self.server(), "a counter's key is revoked by the administrator")) } else { self.remote()?.call(&Call::DeviceRevoke { id: d.id }) };
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
