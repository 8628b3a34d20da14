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
//!   (the permission table, [`crate::access::authz`]), until it is revoked.
//!
//! A token is 256 random bits, shown once when issued; only its SHA-256 is
//! stored (a copied database gives no working token).

use crate::access::authz::Actor;
use crate::access::staff::Staff;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The ledger's certificate of a paired device's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCert {
    pub device: i64,
    pub holder: i64,
    /// Unix seconds.
    pub expires: i64,
    /// The device's Ed25519 public key, hex.
    pub public_key: String,
    /// The ledger's signature, hex.
    pub signature: String,
}

pub(crate) const SESSION_PREFIX: &str = "qqs_";
pub(crate) const TERMINAL_PREFIX: &str = "qqt_";
pub(crate) const DEVICE_PREFIX: &str = "qqd_";
/// A pairing code is good for this long (issue 17: 10 minutes).
pub const PAIRING_SECS: i64 = 600;
/// The pairing code's characters: no 0/O, 1/I/L to misread at a counter.
pub(crate) const PAIRING_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub(crate) const PAIRING_LEN: usize = 8;
/// Last-use times are written at most this often (not on every request).
pub(crate) const TOUCH_SECS: i64 = 30;

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

/// A pairing just started at the service centre: the one-time code to give
/// the resident (shown once), for whom, until when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairingCode {
    pub id: i64,
    /// `ABCD-EFGH`: typed into the family app within [`PAIRING_SECS`].
    pub code: String,
    pub holder: i64,
    /// The holder's name as a kiosk shows it (`张*`).
    pub holder_name_masked: String,
    /// UTC.
    pub expires_at: String,
    /// The same moment in China time (UTC+8), as people read it: `2026-11-23 03:13`.
    #[serde(default)]
    pub expires_at_local: String,
}

/// A computer the centre trusts (the token only when just issued): a
/// family's, paired with a holder, or a kiosk of the centre.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    pub id: i64,
    /// `family` or `kiosk`.
    pub kind: String,
    /// A family computer's holder (none for a kiosk).
    pub holder: Option<i64>,
    pub holder_name_masked: Option<String>,
    pub label: Option<String>,
    pub public_key: Option<String>,
    pub created_at: String,
    pub last_used_at: String,
    pub revoked_at: Option<String>,
    /// Shown once, at pairing: the device's bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// At pairing with a public key: the ledger's certificate of that key,
    /// with which the device signs codes a counter can check offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<DeviceCert>,
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

pub(crate) fn new_token(prefix: &str) -> String {
    use password_hash::rand_core::{OsRng, RngCore};
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    format!("{prefix}{}", data_encoding::BASE32_NOPAD.encode(&b).to_ascii_lowercase())
}

pub(crate) fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::store::docstore::sha256_hex(&Sha256::digest(token.as_bytes()))
}

/// The shape of a token this service issues (anything else is unknown
/// without a database lookup).
pub(crate) fn well_formed(token: &str) -> bool {
    (token.starts_with(SESSION_PREFIX) || token.starts_with(TERMINAL_PREFIX) || token.starts_with(DEVICE_PREFIX))
        && token.len() == SESSION_PREFIX.len() + 52
        && token[4..].bytes().all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
}

pub(crate) fn new_pairing_code() -> String {
    use password_hash::rand_core::{OsRng, RngCore};
    (0..PAIRING_LEN)
        .map(|_| {
            // Rejection sampling: every character equally likely.
            loop {
                let b = (OsRng.next_u32() & 0xff) as u8;
                if (b as usize) < 256 / PAIRING_ALPHABET.len() * PAIRING_ALPHABET.len() {
                    break PAIRING_ALPHABET[b as usize % PAIRING_ALPHABET.len()] as char;
                }
            }
        })
        .collect()
}

/// A typed pairing code in its stored form: letters and digits only, upper
/// case (`abcd efgh`, `ABCD-EFGH` are the same code); `None` when it cannot
/// be one.
pub(crate) fn normal_pairing_code(typed: &str) -> Option<String> {
    let c: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    (c.len() == PAIRING_LEN && c.bytes().all(|b| PAIRING_ALPHABET.contains(&b))).then_some(c)
}

pub(crate) fn read_device(r: &crate::store::Row<'_>) -> Result<Device> {
    let name: Option<String> = r.get(2)?;
    Ok(Device {
        id: r.get(0)?,
        holder: r.get(1)?,
        holder_name_masked: name.map(|n| crate::id::mask_name(&n)),
        label: r.get(3)?,
        public_key: r.get(4)?,
        created_at: r.get(5)?,
        last_used_at: r.get(6)?,
        revoked_at: r.get(7)?,
        kind: r.get(8)?,
        token: None,
        certificate: None,
    })
}

pub(crate) const DEVICE_SELECT: &str = "SELECT d.id, d.holder_id, p.name, d.label, d.public_key, d.created_at, d.last_used_at, d.revoked_at, d.kind
     FROM device d LEFT JOIN person p ON p.id = d.holder_id";

/// Who a bearer token is: an actor, or a kiosk of the centre (which acts as
/// whoever is logged in at it, by the kiosk's rules: [`crate::access::kiosk`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bearer {
    Actor(Actor),
    Kiosk { device: i64 },
}

pub(crate) fn check_label(label: Option<&str>) -> Result<Option<String>> {
    let label = label.map(str::trim).filter(|l| !l.is_empty()).map(str::to_string);
    if let Some(l) = &label {
        if l.chars().count() > 40 || l.chars().any(char::is_control) {
            return Err(Error::name_too_long(l.chars().count()));
        }
    }
    Ok(label)
}

pub(crate) fn read_terminal(r: &crate::store::Row<'_>) -> Result<TerminalKey> {
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
pub(crate) type StoredCredential = (i64, String, Option<i64>, Option<i64>, String, Option<String>, Option<String>);

pub(crate) const TERMINAL_COLUMNS: &str = "id, institution_id, label, created_at, last_used_at, revoked_at";

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

    #[test]
    fn pairing_codes_are_random_unambiguous_and_typed_loosely() {
        let a = new_pairing_code();
        assert_eq!(a.len(), 8);
        assert_ne!(a, new_pairing_code());
        assert!(a.bytes().all(|b| PAIRING_ALPHABET.contains(&b)));
        assert_eq!(normal_pairing_code(&format!(" {}-{} ", a[..4].to_lowercase(), &a[4..])), Some(a.clone()));
        for bad in ["", "ABCD-EFG", "ABCD-EFGH2", "ABCD-EFG0", "ABCD-EFGI", "ＡBCD-EFGH", "<scrip>"] {
            assert_eq!(normal_pairing_code(bad), None, "{bad}");
        }
        assert!(well_formed(&new_token(DEVICE_PREFIX)));
    }
}
