//! Credentials of the centre's service (issue 17; ARCHITECTURE.md, "Identity
//! on the wire"): what a bearer token proves, decided here once for every
//! transport.
//!
//! * A staff member logs in with their password (Argon2id and the lock-out of
//!   [`Qinqing::verify_staff`]) and gets a session token: opaque, ending
//!   after `staff_session_secs` idle or `staff_session_max_secs` in all,
//!   revoked at log-out.
//! * A counter terminal holds a key an administrator issued to one
//!   institution; it settles and verifies codes for that institution only
//!   (the permission table, [`crate::authz`]), until it is revoked.
//!
//! A token is 256 random bits, shown once when issued; only its SHA-256 is
//! stored (a copied database gives no working token).

use crate::audit;
use crate::authz::{Act, Actor};
use crate::error::{Error, Result};
use crate::params;
use crate::service::Qinqing;
use crate::staff::{Role, Staff};
use crate::store::OptionalExtension;
use crate::time;
use serde::{Deserialize, Serialize};

const SESSION_PREFIX: &str = "qqs_";
const TERMINAL_PREFIX: &str = "qqt_";
/// Last-use times are written at most this often (not on every request).
const TOUCH_SECS: i64 = 30;

/// A staff member's log-in session, as issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// Shown once: the bearer token.
    pub token: String,
    pub staff: Staff,
    /// UTC; the session ends then at the latest.
    pub expires_at: String,
    /// It also ends after this many seconds without a request.
    pub idle_secs: i64,
}

/// A counter terminal's key (the key itself only when just issued).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TerminalKey {
    pub id: i64,
    pub institution_id: i64,
    pub label: Option<String>,
    pub created_at: String,
    pub last_used_at: String,
    pub revoked_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

fn new_token(prefix: &str) -> String {
    use password_hash::rand_core::{OsRng, RngCore};
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    format!("{prefix}{}", data_encoding::BASE32_NOPAD.encode(&b).to_ascii_lowercase())
}

fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::docstore::sha256_hex(&Sha256::digest(token.as_bytes()))
}

/// The shape of a token this service issues (anything else is unknown
/// without a database lookup).
fn well_formed(token: &str) -> bool {
    (token.starts_with(SESSION_PREFIX) || token.starts_with(TERMINAL_PREFIX))
        && token.len() == SESSION_PREFIX.len() + 52
        && token[4..].bytes().all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
}

fn read_terminal(r: &crate::store::Row<'_>) -> Result<TerminalKey> {
    Ok(TerminalKey {
        id: r.get(0)?,
        institution_id: r.get(1)?,
        label: r.get(2)?,
        created_at: r.get(3)?,
        last_used_at: r.get(4)?,
        revoked_at: r.get(5)?,
        key: None,
    })
}

/// id, kind, staff, institution, last used, expires, revoked.
type StoredCredential = (i64, String, Option<i64>, Option<i64>, String, Option<String>, Option<String>);

const TERMINAL_COLUMNS: &str = "id, institution_id, label, created_at, last_used_at, revoked_at";

impl Qinqing {
    /// A staff member logs in: a new session token.
    pub fn login(&mut self, staff_id: i64, password: &str) -> Result<Session> {
        // The password check counts a wrong password and commits it on its own.
        let staff = self.verify_staff(staff_id, password)?;
        crate::store::retry(|| self.start_session(&staff))
    }

    fn start_session(&mut self, staff: &Staff) -> Result<Session> {
        let now_dt = self.now();
        let now = time::to_db(now_dt);
        let idle_secs = self.setting("staff_session_secs")?;
        let max_secs = self.setting("staff_session_max_secs")?;
        let expires_at = time::to_db(now_dt + chrono::Duration::seconds(max_secs));
        let token = new_token(SESSION_PREFIX);
        let tx = self.conn().begin()?;
        let id: i64 = tx.query_row(
            "INSERT INTO credential (kind, token_hash, staff_id, created_at, last_used_at, expires_at)
             VALUES ('session', ?1, ?2, ?3, ?3, ?4) RETURNING id",
            params![token_hash(&token), staff.id, now, expires_at],
            |r| r.get(0),
        )?;
        audit::record(&tx, &now, &format!("staff:{}", staff.id), "staff.login", "credential", Some(id), None, None, None)?;
        tx.commit()?;
        Ok(Session { token, staff: staff.clone(), expires_at, idle_secs })
    }

    /// Who a bearer token is: the actor to act as, or why it is refused
    /// (unknown, expired, revoked; a session of a staff member no longer
    /// active). Does not change this service's own actor.
    pub fn authenticate(&mut self, token: &str) -> Result<Actor> {
        let token = token.trim();
        if !well_formed(token) {
            return Err(Error::token_unknown());
        }
        let hash = token_hash(token);
        let row: Option<StoredCredential> = self
            .conn()
            .query_row(
                "SELECT id, kind, staff_id, institution_id, last_used_at, expires_at, revoked_at FROM credential WHERE token_hash = ?1",
                [&hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()?;
        let Some((id, kind, staff, institution, last_used, expires, revoked)) = row else {
            return Err(Error::token_unknown());
        };
        if revoked.is_some() {
            return Err(Error::token_revoked());
        }
        let now = self.now();
        let last = time::from_db(&last_used).unwrap_or(now);
        let actor = match (kind.as_str(), staff, institution) {
            ("session", Some(s), _) => {
                let idle = self.setting("staff_session_secs")?;
                let ended = expires.as_deref().and_then(time::from_db).is_none_or(|e| e <= now);
                if ended || last + chrono::Duration::seconds(idle) <= now {
                    return Err(Error::token_expired());
                }
                let st = self.active_staff(s)?;
                Actor::Staff { id: st.id, admin: st.role == Role::Admin }
            }
            ("terminal", _, Some(i)) => Actor::Terminal { institution: i },
            _ => return Err(Error::internal(format!("credential {id} of kind {kind} is incomplete"))),
        };
        if (now - last).num_seconds() >= TOUCH_SECS {
            let at = time::to_db(now);
            crate::store::retry(|| {
                let tx = self.conn().begin()?;
                tx.execute("UPDATE credential SET last_used_at = ?2 WHERE id = ?1", params![id, at])?;
                tx.commit()
            })?;
        }
        Ok(actor)
    }

    /// Log out: the session token stops working at once.
    pub fn logout(&mut self, token: &str) -> Result<()> {
        let actor = self.authenticate(token)?;
        let hash = token_hash(token.trim());
        let now = time::to_db(self.now());
        crate::store::retry(|| {
            let tx = self.conn().begin()?;
            tx.execute("UPDATE credential SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL", params![hash, now])?;
            audit::record(&tx, &now, &actor.audit_name(), "staff.logout", "credential", None, None, None, None)?;
            tx.commit()
        })
    }

    /// An administrator issues a key to one institution's counter terminal.
    /// The key is in the answer once and never again.
    pub fn terminal_add(&mut self, institution: i64, label: Option<&str>) -> Result<TerminalKey> {
        self.permit(Act::Admin)?;
        let label = label.map(str::trim).filter(|l| !l.is_empty()).map(str::to_string);
        if let Some(l) = &label {
            if l.chars().count() > 40 || l.chars().any(char::is_control) {
                return Err(Error::name_too_long(l.chars().count()));
            }
        }
        self.list_institutions()?
            .iter()
            .find(|i| i.id == institution)
            .ok_or_else(|| Error::institution_not_found(institution))?;
        let key = new_token(TERMINAL_PREFIX);
        let now = time::to_db(self.now());
        let actor = self.actor();
        let mut t = crate::store::retry(|| {
            let tx = self.conn().begin()?;
            let t = tx.query_row(
                &format!(
                    "INSERT INTO credential (kind, token_hash, institution_id, label, created_at, last_used_at)
                     VALUES ('terminal', ?1, ?2, ?3, ?4, ?4) RETURNING {TERMINAL_COLUMNS}"
                ),
                params![token_hash(&key), institution, label, now],
                read_terminal,
            )?;
            audit::record(&tx, &now, &actor, "terminal.add", "credential", Some(t.id), None, None,
                Some(&serde_json::json!({ "institution": institution, "label": label })))?;
            tx.commit()?;
            Ok(t)
        })?;
        t.key = Some(key);
        Ok(t)
    }

    /// Every terminal key issued (without the keys).
    pub fn terminal_list(&self) -> Result<Vec<TerminalKey>> {
        self.permit(Act::Admin)?;
        self.conn()
            .prepare(&format!("SELECT {TERMINAL_COLUMNS} FROM credential WHERE kind = 'terminal' ORDER BY id"))?
            .query_map([], read_terminal)?
            .collect()
    }

    /// Revoke a terminal's key: its next request is refused (`TOKEN_REVOKED`).
    pub fn terminal_revoke(&mut self, id: i64) -> Result<TerminalKey> {
        self.permit(Act::Admin)?;
        let now = time::to_db(self.now());
        let actor = self.actor();
        crate::store::retry(|| {
            let tx = self.conn().begin()?;
            let n = tx.execute(
                "UPDATE credential SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1 AND kind = 'terminal'",
                params![id, now],
            )?;
            if n == 0 {
                return Err(Error::terminal_not_found(id));
            }
            audit::record(&tx, &now, &actor, "terminal.revoke", "credential", Some(id), None, None, None)?;
            let t = tx.query_row(&format!("SELECT {TERMINAL_COLUMNS} FROM credential WHERE id = ?1"), [id], read_terminal)?;
            tx.commit()?;
            Ok(t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_well_formed_and_stored_only_as_a_hash() {
        let a = new_token(SESSION_PREFIX);
        let b = new_token(SESSION_PREFIX);
        assert_ne!(a, b);
        assert!(well_formed(&a) && well_formed(&new_token(TERMINAL_PREFIX)));
        assert!(!well_formed("qqs_") && !well_formed(&a[..a.len() - 1]) && !well_formed(&a.to_uppercase()));
        assert!(!well_formed(&format!("xx_{}", &a[3..])));
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
