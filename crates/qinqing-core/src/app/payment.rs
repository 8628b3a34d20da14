//! The payer's confirmation of a settlement (DOMAIN §4, issue 15): a
//! 6-digit payment password per person, set by the person (or by the holder
//! for a member under 16), stored as an Argon2id hash, locked for 15 minutes
//! after 5 wrong tries. A code scanned at the counter pays only with it;
//! an inpatient admission also needs the cashier's attestation that ID card
//! and face were checked.
//!
//! A 6-digit password has a million values, so no hash cost alone protects
//! it offline: at the OWASP minimum (19 MiB, 2 passes, ~25 ms here) the
//! whole space of one person's password is 7 hours of one core; at any cost
//! a settlement can afford (it must stay under a millisecond: a settlement
//! is ~0.5 ms on PostgreSQL, bench/pg-settle.sh) it is minutes. What
//! protects it is therefore the secret, not the cost:
//! - online, the lock-out: 5 wrong in a row lock it, each further lock-out
//!   lasts twice the one before (15 min, 30, 1 h … a day), a right one
//!   resets the count — about 30 guesses in the first day, not 480;
//! - offline, a 256-bit pepper (Argon2id's secret input) derived from the
//!   installation's signing key, which never is in the database: an
//!   owner-only file beside a SQLite ledger, the key file of a PostgreSQL
//!   one ([`crate::keyfile`]). A dump, a replica or a backup alone gives
//!   hashes that cannot be tried at all: 2^256 peppers, not 10^6 passwords.
//!
//! So the Argon2id cost stays light (64 KiB, 1 pass: ~0.1 ms), which keeps
//! the password check inside a settlement's time; raising it would buy
//! nothing against an attacker without the pepper and little against one
//! with it. Stored hashes carry their parameters, so a later change of cost
//! applies to new passwords without breaking old ones.
//!
//! The confirmation travels in the settlement request (`pay_password` of
//! `SettleRequest` / `AdmitRequest`) and is checked by [`verify`] inside the
//! settlement's transaction: a paired family device's signed confirmation
//! (issue 18) is a second kind of answer to the same check.

use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::OptionalExtension;
use crate::time;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use password_hash::rand_core::OsRng;
use password_hash::SaltString;

/// Wrong payment passwords in a row before a lock-out.
pub const PAY_ATTEMPTS: i64 = 5;
/// How long the first payment lock-out lasts; each further one in a row
/// (without a right password between) lasts twice the one before.
pub const PAY_LOCK_SECS: i64 = 900;
/// The longest a payment lock-out lasts however often it escalates.
pub const PAY_LOCK_MAX_SECS: i64 = 24 * 3600;

/// The lock-out after `failed` wrong passwords in a row (a multiple of
/// [`PAY_ATTEMPTS`]): 15 min, 30, 1 h, … at most a day. So a guesser gets
/// 5 tries, then 5 more after 15 minutes, 5 after 30 more … — about 30
/// guesses in the first day instead of 480, and a right password (the
/// owner's) starts the count again.
pub fn pay_lock_secs(failed: i64) -> i64 {
    let n = (failed / PAY_ATTEMPTS - 1).clamp(0, 16);
    PAY_LOCK_SECS.saturating_mul(1_i64 << n).min(PAY_LOCK_MAX_SECS)
}

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

/// The payer's password state as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayState {
    /// The Argon2id hash (`None`: no password set).
    pub hash: Option<String>,
    /// Wrong passwords in a row (the count runs on across lock-outs).
    pub failed: i64,
    /// Locked until (stored time), after every fifth wrong one.
    pub locked_until: Option<String>,
}

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
    let Some(PayState { hash, failed, locked_until: locked }) = state else { return Confirm::Refused(Error::person_not_found(person)) };
    let Some(hash) = hash else { return Confirm::Refused(Error::pay_password_not_set()) };
    if let Some(until) = locked.as_deref().and_then(time::from_db) {
        if until > now {
            return Confirm::Refused(Error::pay_password_locked(((until - now).num_seconds() + 59) / 60));
        }
    }
    let Some(pw) = pw.map(str::trim).filter(|p| !p.is_empty()) else { return Confirm::Refused(Error::pay_confirmation_required()) };
    let if_right = (*failed > 0 || locked.is_some()).then(|| query("UPDATE person SET pay_failed = 0, pay_locked_until = NULL WHERE id = ?1", [person]));
    // The count of wrong passwords runs on across lock-outs (each fifth one
    // locks, for longer each time) until a right one resets it.
    let failed = failed + 1;
    let (if_wrong, wrong) = if failed % PAY_ATTEMPTS == 0 {
        let secs = pay_lock_secs(failed);
        let until = time::to_db(now + chrono::Duration::seconds(secs));
        (
            query("UPDATE person SET pay_failed = ?2, pay_locked_until = ?3 WHERE id = ?1", params![person, failed, until]),
            Error::pay_password_locked((secs + 59) / 60),
        )
    } else {
        (query("UPDATE person SET pay_failed = ?2 WHERE id = ?1", params![person, failed]), Error::pay_password_wrong(PAY_ATTEMPTS - failed % PAY_ATTEMPTS))
    };
    Confirm::Check { argon: Argon { pepper, hash, pw }, if_right, if_wrong, wrong }
}

/// A person's stored payment-password state (`None`: no such person).
fn pay_state(conn: &crate::store::Conn, person: i64) -> Result<Option<PayState>> {
    conn.query_row("SELECT pay_password_hash, pay_failed, pay_locked_until FROM person WHERE id = ?1", [person], |r| {
        Ok(PayState { hash: r.get(0)?, failed: r.get(1)?, locked_until: r.get(2)? })
    })
    .optional()
}

impl Qinqing {
    /// Set a person's first payment password, or change it: typed twice,
    /// and a change needs the `current` one (checked and counted like a
    /// payment's). Forgotten: a reset in person at the kiosk (staff serving
    /// the person, or the parent of a child under 16, after the ID check),
    /// which needs no current password and lifts a lock-out. The person
    /// (and the holder acting, when another) gets a message each time.
    pub fn set_pay_password(&mut self, person: i64, password: &str, again: &str) -> Result<()> {
        self.change_pay_password(person, None, password, again)
    }

    /// [`Qinqing::set_pay_password`] with the current password, for a change.
    pub fn change_pay_password(&mut self, person: i64, current: Option<&str>, password: &str, again: &str) -> Result<()> {
        self.permit(Act::PayPasswordSet { person })?;
        check_pay_password(password)?;
        if password != again {
            return Err(Error::staff_password_mismatch());
        }
        crate::app::person::load(self.conn(), person)?;
        let state = pay_state(self.conn(), person)?;
        let in_person = matches!(self.actor_ref(), crate::access::authz::Actor::Serving { .. } | crate::access::authz::Actor::Operator);
        let pepper = pepper(self)?;
        if state.as_ref().is_some_and(|s| s.hash.is_some()) && !in_person {
            if current.is_none_or(|c| c.trim().is_empty()) {
                return Err(Error::pay_password_current_required());
            }
            self.judge_and_count(state.as_ref(), &pepper, person, current)?;
        }
        let salt = SaltString::generate(&mut OsRng);
        let hash = argon(&pepper)?.hash_password(password.as_bytes(), &salt).map_err(|e| Error::internal(format!("hashing: {e}")))?.to_string();
        let now = time::to_db(self.now());
        let actor = self.actor();
        let acting_holder = self.actor_ref().family_holder();
        crate::store::retry(|| {
            let tx = self.conn().begin_locking(&crate::store::Locks::new().person(person))?;
            tx.execute(
                "UPDATE person SET pay_password_hash = ?2, pay_failed = 0, pay_locked_until = NULL, updated_at = ?3 WHERE id = ?1",
                params![person, hash, now],
            )?;
            crate::access::audit::record(&tx, &now, &actor, "person.pay_password_set", "person", Some(person), Some(person), None, None)?;
            let (zh, en) = (
                format!("【亲情医保】您的医保支付密码已于{}设置或修改。如非本人或监护人操作，请立即到社区服务中心处理。", time::from_db(&now).map(time::display_china).unwrap_or_default()),
                format!("[Qinqing] Your insurance payment password was set or changed at {} (China time). If you or your guardian did not do this, go to the service centre at once.", time::from_db(&now).map(time::display_china).unwrap_or_default()),
            );
            crate::access::audit::notify(&tx, person, &zh, &en, &now)?;
            if let Some(h) = acting_holder.filter(|h| *h != person) {
                crate::access::audit::notify(&tx, h, &zh, &en, &now)?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Check `pw` against the stored state; the failure (or the reset) is
    /// written and committed on its own, whatever the caller does next.
    fn judge_and_count(&mut self, state: Option<&PayState>, pepper: &[u8], person: i64, pw: Option<&str>) -> Result<()> {
        let (verdict, write) = judge(state, pepper, person, pw, self.now());
        if let Some(q) = write {
            self.conn().begin_locking(&crate::store::Locks::new().person(person))?.commit_with(vec![q])?;
        }
        verdict
    }

    /// The owner's consent to moving their own money (DOMAIN §3 "Consent"):
    /// opening or widening a 家庭共济 relation, unfreezing it, paying 代缴.
    /// The operator (the ledger file's own tools) passes; the resident served
    /// in person at the kiosk passes (staff checked the ID card and the face
    /// when the session began); a family computer passes only for its own
    /// holder's money, confirmed with the holder's own payment password
    /// (wrong ones counted and locked out as at a counter). Anyone else's
    /// money: `CONSENT_OWNER_ONLY`, nothing checked, nothing counted.
    pub fn confirm_owner(&mut self, owner: i64, pw: Option<&str>) -> Result<()> {
        match self.actor_ref() {
            crate::access::authz::Actor::Operator => return Ok(()),
            crate::access::authz::Actor::Serving { resident, .. } if *resident == owner => return Ok(()),
            crate::access::authz::Actor::Household { holder } if *holder == owner => {}
            _ => return Err(Error::consent_owner_only()),
        }
        let state = pay_state(self.conn(), owner)?;
        let pepper = pepper(self)?;
        self.judge_and_count(state.as_ref(), &pepper, owner, pw)
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
