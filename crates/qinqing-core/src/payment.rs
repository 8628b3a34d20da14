//! The payer's confirmation of a settlement (DOMAIN §4, issue 15): a
//! 6-digit payment password per person, set by the person (or by the holder
//! for a member under 16), stored as an Argon2id hash, locked for 15 minutes
//! after 5 wrong tries. A code scanned at the counter pays only with it;
//! an inpatient admission also needs the cashier's attestation that ID card
//! and face were checked.
//!
//! A 6-digit password has a million values, so no hash cost alone protects
//! it offline. What protects it: the lock-out online, and offline a secret
//! pepper (Argon2id's secret input) derived from the installation's signing
//! key, which lives owner-only in the document store, not in the database —
//! a copied database or backup alone reveals nothing. With the pepper the
//! Argon2id cost can stay light (64 KiB, 1 pass), so confirming a payment
//! keeps a settlement fast (bench/settle.sh).
//!
//! The confirmation travels in the settlement request (`pay_password` of
//! `SettleRequest` / `AdmitRequest`) and is checked by [`verify`] inside the
//! settlement's transaction: a paired family device's signed confirmation
//! (issue 18) is a second kind of answer to the same check.

use crate::authz::Act;
use crate::error::{Error, Result};
use crate::params;
use crate::service::Qinqing;
use crate::store::OptionalExtension;
use crate::time;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use password_hash::rand_core::OsRng;
use password_hash::SaltString;

/// Wrong payment passwords in a row before a lock-out.
pub const PAY_ATTEMPTS: i64 = 5;
/// How long a payment lock-out lasts.
pub const PAY_LOCK_SECS: i64 = 900;

fn argon(pepper: &[u8]) -> Result<Argon2<'_>> {
    let p = Params::new(64, 1, 1, None).map_err(|e| Error::internal(format!("argon2 params: {e}")))?;
    Argon2::new_with_secret(pepper, Algorithm::Argon2id, Version::V0x13, p).map_err(|e| Error::internal(format!("argon2: {e}")))
}

/// The pepper: derived from the installation's signing key (never stored in the database).
pub(crate) fn pepper(q: &Qinqing) -> Result<[u8; 32]> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"qinqing-pay-pepper-v1");
    h.update(q.signing_key()?.to_bytes());
    Ok(h.finalize().into())
}

/// Six digits, not all the same and not a run (123456, 654321).
pub fn check_pay_password(pw: &str) -> Result<()> {
    let d: Vec<u32> = pw.chars().filter_map(|c| c.to_digit(10)).collect();
    if pw.chars().count() != 6 || d.len() != 6 {
        return Err(Error::pay_password_weak());
    }
    let same = d.iter().all(|x| *x == d[0]);
    let up = d.windows(2).all(|w| w[1] == w[0] + 1);
    let down = d.windows(2).all(|w| w[0] == w[1] + 1);
    if same || up || down {
        return Err(Error::pay_password_weak());
    }
    Ok(())
}

/// The payer's password state as stored: (Argon2id hash, failures in a row,
/// locked until).
pub(crate) type PayState = (Option<String>, i64, Option<String>);

/// Check the payer's confirmation against the stored state (no database):
/// the verdict, and the change to the failure counter to write — with the
/// settlement when it passed, alone (and committed) when it failed.
pub(crate) fn judge(
    state: Option<&PayState>,
    pepper: &[u8],
    person: i64,
    pw: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> (Result<()>, Option<crate::store::Query>) {
    match confirm(state, pepper, person, pw, now) {
        Confirm::Refused(e) => (Err(e), None),
        Confirm::Check { argon, if_right, if_wrong, wrong } => match argon.matches() {
            Ok(true) => (Ok(()), if_right),
            Ok(false) => (Err(wrong), Some(if_wrong)),
            Err(e) => (Err(e), None),
        },
    }
}

/// [`judge`] in two steps: what the stored state decides alone, then the
/// Argon2id check with what each of its answers writes — so that the check
/// can run while the settlement's writes do ([`crate::store::Tx::commit_if`]).
pub(crate) enum Confirm<'a> {
    /// Decided by the state alone (no password set, locked, none given):
    /// this answer, nothing written.
    Refused(Error),
    /// `argon` tells whether the password is right. Right: `if_right` (the
    /// failure count reset, if there is one) is written with the settlement.
    /// Wrong: `if_wrong` (the failure counted, or the lock) is written
    /// instead, and `wrong` is the answer.
    Check { argon: Argon<'a>, if_right: Option<crate::store::Query>, if_wrong: crate::store::Query, wrong: Error },
}

/// One payment password against its stored Argon2id hash.
pub(crate) struct Argon<'a> {
    pepper: &'a [u8],
    hash: &'a str,
    pw: &'a str,
}

impl Argon<'_> {
    /// Whether the password is the stored hash's (an unreadable hash is an error).
    pub(crate) fn matches(&self) -> Result<bool> {
        let parsed = PasswordHash::new(self.hash).map_err(|e| Error::internal(format!("stored hash: {e}")))?;
        Ok(self.pw.len() <= 64 && argon(self.pepper)?.verify_password(self.pw.as_bytes(), &parsed).is_ok())
    }
}

pub(crate) fn confirm<'a>(state: Option<&'a PayState>, pepper: &'a [u8], person: i64, pw: Option<&'a str>, now: chrono::DateTime<chrono::Utc>) -> Confirm<'a> {
    use crate::store::query;
    let Some((hash, failed, locked)) = state else { return Confirm::Refused(Error::person_not_found(person)) };
    let Some(hash) = hash else { return Confirm::Refused(Error::pay_password_not_set()) };
    if let Some(until) = locked.as_deref().and_then(time::from_db) {
        if until > now {
            return Confirm::Refused(Error::pay_password_locked(((until - now).num_seconds() + 59) / 60));
        }
    }
    let Some(pw) = pw.map(str::trim).filter(|p| !p.is_empty()) else { return Confirm::Refused(Error::pay_confirmation_required()) };
    let if_right = (*failed > 0 || locked.is_some()).then(|| query("UPDATE person SET pay_failed = 0, pay_locked_until = NULL WHERE id = ?1", [person]));
    let failed = failed + 1;
    let (if_wrong, wrong) = if failed >= PAY_ATTEMPTS {
        let until = time::to_db(now + chrono::Duration::seconds(PAY_LOCK_SECS));
        (query("UPDATE person SET pay_failed = 0, pay_locked_until = ?2 WHERE id = ?1", params![person, until]), Error::pay_password_locked(PAY_LOCK_SECS / 60))
    } else {
        (query("UPDATE person SET pay_failed = ?2 WHERE id = ?1", params![person, failed]), Error::pay_password_wrong(PAY_ATTEMPTS - failed))
    };
    Confirm::Check { argon: Argon { pepper, hash, pw }, if_right, if_wrong, wrong }
}

impl Qinqing {
    /// Set (or change) a person's payment password; typed twice.
    pub fn set_pay_password(&mut self, person: i64, password: &str, again: &str) -> Result<()> {
        crate::store::retry(|| self.set_pay_password_once(person, password, again))
    }

    fn set_pay_password_once(&mut self, person: i64, password: &str, again: &str) -> Result<()> {
        self.permit(Act::PayPasswordSet { person })?;
        check_pay_password(password)?;
        if password != again {
            return Err(Error::staff_password_mismatch());
        }
        crate::person::load(self.conn(), person)?;
        let salt = SaltString::generate(&mut OsRng);
        let pepper = pepper(self)?;
        let hash = argon(&pepper)?.hash_password(password.as_bytes(), &salt).map_err(|e| Error::internal(format!("hashing: {e}")))?.to_string();
        let now = time::to_db(self.now());
        let actor = self.actor();
        let tx = self.conn().begin()?;
        tx.execute(
            "UPDATE person SET pay_password_hash = ?2, pay_failed = 0, pay_locked_until = NULL, updated_at = ?3 WHERE id = ?1",
            params![person, hash, now],
        )?;
        crate::audit::record(&tx, &now, &actor, "person.pay_password_set", "person", Some(person), Some(person), None, None)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a person has a payment password (for the screen).
    pub fn has_pay_password(&self, person: i64) -> Result<bool> {
        self.permit(Act::PersonRead { person })?;
        Ok(self.conn().query_row("SELECT pay_password_hash IS NOT NULL FROM person WHERE id = ?1", [person], |r| r.get(0)).optional()?.unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_not_trivial() {
        for bad in ["12345", "1234567", "abcdef", "111111", "123456", "654321", "12 456", "１２３４５７"] {
            assert_eq!(check_pay_password(bad).unwrap_err().code, crate::Code::PayPasswordWeak, "{bad}");
        }
        for good in ["135790", "246813", "908172"] {
            assert!(check_pay_password(good).is_ok(), "{good}");
        }
    }
}
