//! Growing delays instead of lock-outs (issue 31, migration 0010).
//!
//! A hard lock-out lets anyone who can reach the log-in lock every
//! administrator out by typing wrong passwords. Here a key (an account, a
//! client address) gets a few free failures; after them each further
//! attempt waits 2, 4, 8 … seconds, up to a cap, and while it waits an
//! attempt is refused with `RATE_LIMITED` (and the seconds to wait) without
//! the secret being checked at all. Failures older than the policy's memory
//! are forgotten; a correct log-in clears the account's count.
//!
//! The counts live in the ledger (`throttle` table), so every server replica
//! on it shares them, and a count is taken under the ledger's writer lock, so
//! two processes guessing at once cannot both slip past a wait.
//!
//! Keys: `login:acct:<staff id>:addr:<ip>` and, with a far larger allowance,
//! `login:acct:<staff id>` (counted by [`Qinqing::verify_staff`] for every way
//! a staff password is checked; on this computer only the latter) and, in the server,
//! `login:addr:<ip>`, `pair:addr:<ip>`, `kiosk:addr:<ip>`, `remote:addr:<ip>`,
//! `pay:addr:<ip>`.
//!
//! [`Qinqing::verify_staff`]: crate::app::service::Qinqing::verify_staff

use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, OptionalExtension};

/// How many failures a key may make, how long it may be made to wait, and
/// how long a failure is remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures before any wait.
    pub free: i64,
    /// The longest wait, in seconds.
    pub cap_secs: i64,
    /// A key whose last failure is older than this starts again from zero.
    pub forget_secs: i64,
}

impl Policy {
    /// The wait after `failures` failures: none while within the free ones,
    /// then 2 s, 4 s, 8 s … up to the cap.
    pub fn delay(&self, failures: i64) -> i64 {
        if failures < self.free.max(1) {
            return 0;
        }
        let k = (failures - self.free.max(1) + 1).clamp(1, 40) as u32;
        (1_i64 << k).min(self.cap_secs.max(1))
    }
}

/// A client address's guesses (server side): 10 free, then growing waits up
/// to 15 minutes; forgotten after an hour without a failure. About a hundred
/// guesses a day from one address at most.
pub const PER_ADDRESS: Policy = Policy { free: 10, cap_secs: 900, forget_secs: 3_600 };

/// Payment passwords typed at one counter (many residents, the odd typo): 20
/// free, then the same growing waits.
pub const PAY_PER_ADDRESS: Policy = Policy { free: 20, cap_secs: 900, forget_secs: 3_600 };

/// An attempt that was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Failures of the key now, this attempt included.
    pub failures: i64,
    /// Seconds the next attempt must wait (0: none).
    pub wait_secs: i64,
}

/// Seconds `key` must still wait at `now` (Unix seconds); 0 when it may try.
pub fn waiting(conn: &Conn, key: &str, now: i64) -> Result<i64> {
    let until: Option<i64> = conn.query_row("SELECT wait_until FROM throttle WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    Ok(until.map_or(0, |u| (u - now).max(0)))
}

/// Refused (`RATE_LIMITED`, with the seconds to wait) while `key` waits.
pub fn check(conn: &Conn, key: &str, now: i64) -> Result<()> {
    match waiting(conn, key, now)? {
        0 => Ok(()),
        secs => Err(Error::rate_limited(secs)),
    }
}

/// Count one attempt of `key` as a failure before its secret is checked —
/// refused while the key waits, atomically (under the key's lock, [`crate::store::lock`]),
/// so concurrent attempts on any replica are each counted. An attempt that
/// turns out right is [`clear`]ed (an account) or [`refund`]ed (an address).
pub fn begin(conn: &Conn, key: &str, now: i64, policy: &Policy) -> Result<Counted> {
    count(conn, key, now, policy, true)
}

/// Count a failure of `key` already known (after the answer), whether or not
/// it waits.
pub fn fail(conn: &Conn, key: &str, now: i64, policy: &Policy) -> Result<Counted> {
    count(conn, key, now, policy, false)
}

fn count(conn: &Conn, key: &str, now: i64, policy: &Policy, gated: bool) -> Result<Counted> {
    crate::store::retry(|| {
        // This key's lock only: attempts on other keys are counted at the same time.
        let tx = conn.begin_locking(&crate::store::Locks::new().named(&format!("throttle:{key}")))?;
        let row: Option<(i64, i64, i64)> =
            tx.query_row("SELECT failures, last_at, wait_until FROM throttle WHERE key = ?1", [key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
        if gated {
            if let Some((_, _, until)) = row {
                if until > now {
                    return Err(Error::rate_limited(until - now));
                }
            }
        }
        let failures = match row {
            Some((f, last, _)) if last + policy.forget_secs >= now => f + 1,
            _ => 1,
        };
        let wait_secs = policy.delay(failures);
        let until = if wait_secs > 0 { now + wait_secs } else { 0 };
        // A waiting key keeps its later end (a failure counted after the
        // answer never shortens a wait already running).
        let until = match row {
            Some((_, _, old)) if old > until && failures > 1 => old,
            _ => until,
        };
        tx.execute(
            "INSERT INTO throttle (key, failures, last_at, wait_until) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at, wait_until = excluded.wait_until",
            params![key, failures, now, until],
        )?;
        // Keys nobody failed with for a day are dropped (many addresses must
        // not grow the table without end).
        tx.execute("DELETE FROM throttle WHERE last_at < ?1 AND wait_until < ?2", params![now - 86_400, now])?;
        tx.commit()?;
        Ok(Counted { failures, wait_secs: (until - now).max(0) })
    })
}

/// An attempt counted by [`begin`] was not a failure after all: one failure
/// less, and no wait while the rest are within the free ones.
pub fn refund(conn: &Conn, key: &str, policy: &Policy) -> Result<()> {
    conn.execute(
        "UPDATE throttle SET failures = failures - 1, wait_until = CASE WHEN failures - 1 < ?2 THEN 0 ELSE wait_until END
         WHERE key = ?1 AND failures > 0",
        params![key, policy.free],
    )?;
    Ok(())
}

/// Forget `key` (a correct log-in; an administrator's unlock).
pub fn clear(conn: &Conn, key: &str) -> Result<()> {
    conn.execute("DELETE FROM throttle WHERE key = ?1", [key])?;
    Ok(())
}

/// The account key of a staff member.
pub fn staff_key(id: i64) -> String {
    format!("login:acct:{id}")
}

/// A staff account's wrong passwords from one client address (the server's
/// count; [`staff_key`] is the account's over all addresses).
pub fn staff_addr_key(id: i64, addr: &str) -> String {
    format!("login:acct:{id}:addr:{addr}")
}

/// Forget every count of a staff account, from every address (an
/// administrator's unlock).
pub fn clear_staff(conn: &Conn, id: i64) -> Result<()> {
    conn.execute("DELETE FROM throttle WHERE key = ?1 OR key LIKE ?2", params![staff_key(id), format!("login:acct:{id}:addr:%")])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::FixedClock;
    use crate::{Code, Qinqing};
    use std::sync::Arc;

    const P: Policy = Policy { free: 3, cap_secs: 60, forget_secs: 3_600 };

    #[test]
    fn delays_grow_to_the_cap() {
        let d: Vec<i64> = (0..12).map(|f| P.delay(f)).collect();
        assert_eq!(d, vec![0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
        assert_eq!(PER_ADDRESS.delay(1_000_000), 900);
    }

    #[test]
    fn a_waiting_key_is_refused_then_forgotten() {
        let q = Qinqing::in_memory(Arc::new(FixedClock::at("2026-03-10T02:00:00Z"))).unwrap();
        let c = q.conn();
        let t = 1_000_000;
        for i in 1..=2 {
            assert_eq!(begin(c, "k", t, &P).unwrap(), Counted { failures: i, wait_secs: 0 });
        }
        assert_eq!(begin(c, "k", t, &P).unwrap(), Counted { failures: 3, wait_secs: 2 });
        let e = begin(c, "k", t + 1, &P).unwrap_err();
        assert_eq!(e.code, Code::RateLimited);
        assert!(e.message_en.contains("in 1 s"), "{}", e.message_en);
        assert_eq!(check(c, "k", t + 1).unwrap_err().code, Code::RateLimited);
        assert_eq!(waiting(c, "other", t).unwrap(), 0, "keys are separate");
        assert_eq!(begin(c, "k", t + 2, &P).unwrap(), Counted { failures: 4, wait_secs: 4 });
        // Refunded (the attempt was right): one failure less; below the free
        // ones no wait.
        refund(c, "k", &P).unwrap();
        refund(c, "k", &P).unwrap();
        assert_eq!(waiting(c, "k", t + 2).unwrap(), 0);
        // An hour without a failure: from zero again.
        assert_eq!(begin(c, "k", t + 2 + 3_601, &P).unwrap().failures, 1);
        clear(c, "k").unwrap();
        assert_eq!(fail(c, "k", t, &P).unwrap().failures, 1);
    }
}
