//! What a write transaction locks on PostgreSQL (issue 34): the ledger, or
//! only the households it touches.
//!
//! Two levels of advisory locks, held to commit or rollback:
//!
//! * **The ledger** ([`WRITER_LOCK`]). [`Conn::begin`](crate::store::Conn::begin)
//!   takes it exclusively — a write that declares nothing waits for every
//!   other writer and runs alone, as every write did before: a path that
//!   forgets to say what it touches is slow, never wrong. Settings, policies,
//!   institutions, staff, imports and seeding stay there: they change the
//!   rules for everybody.
//! * **What a write touches** ([`Locks`]). [`Conn::begin_locking`](crate::store::Conn::begin_locking)
//!   takes the ledger's lock *shared* (so it waits for a ledger-wide writer
//!   and none starts while it runs) and then each key exclusively, in
//!   ascending order in one statement, so two writers never wait for each
//!   other in a circle: a person (a household's accounts, caps and
//!   roll-ups are keyed by its members), a bill (institution + bill number),
//!   a named thing (a throttle's key, a credential). A settlement locks the
//!   member, every authorizer whose personal account pays for the member
//!   (家庭共济, which crosses households) and the bill; writers on other
//!   households run at the same time.
//!
//! Every statement of a transaction under READ COMMITTED takes a fresh
//! snapshot, so once the locks are held it reads every committed row of what
//! it locked, and nobody else writes them until it ends: no lost update, no
//! negative balance, no double charge — the guarantee the one ledger lock
//! gave, per household. Exactly-once keys (a code's nonce, institution +
//! bill) stay unique constraints as well.
//!
//! The set a settlement locks is read by the lock statement itself (the
//! member's 家庭共济 authorizers), before it waits; a relation made while it
//! waited is seen by the statements after it. So the statement returns the
//! keys it locked, and a write that finds it would spend from an account it
//! did not lock ([`crate::store::Tx::require_person`]) is a conflict: rolled
//! back and run again, whole ([`crate::store::retry`]), locking the new set.
//!
//! SQLite has one writer at a time (`BEGIN IMMEDIATE`): every transaction
//! there holds everything.

use crate::store::{query, Query};
use std::collections::BTreeSet;

/// PostgreSQL advisory-lock key of the ledger's lock (exclusive: a
/// ledger-wide write; shared: a write that locks what it touches).
pub const WRITER_LOCK: i64 = 0x5171_5157_5254; // "QqQWRT"

/// Keys of one class differ in their low 56 bits; the class is above them,
/// so keys sort persons, then bills, then named things.
const LOW: i64 = (1 << 56) - 1;
const PERSON: i64 = 1 << 60;
const BILL: i64 = 2 << 60;
const NAMED: i64 = 3 << 60;

/// What one write transaction touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locks {
    keys: BTreeSet<i64>,
    /// Members whose 家庭共济 authorizers are locked too (read by the lock
    /// statement).
    payers_of: BTreeSet<i64>,
}

impl Locks {
    pub fn new() -> Locks {
        Locks::default()
    }

    /// A person: their record, accounts, caps, roll-ups and relations.
    pub fn person(mut self, id: i64) -> Locks {
        self.keys.insert(person_key(id));
        self
    }

    pub fn persons(self, ids: impl IntoIterator<Item = i64>) -> Locks {
        ids.into_iter().fold(self, Locks::person)
    }

    /// The member, and every authorizer of a 家庭共济 relation to them (any
    /// status), whose accounts may pay the member's bills.
    pub fn payers_of(mut self, member: i64) -> Locks {
        self.keys.insert(person_key(member));
        self.payers_of.insert(member);
        self
    }

    /// One bill of one institution (its settlement is written once).
    pub fn bill(mut self, institution: i64, bill: &str) -> Locks {
        self.keys.insert(BILL | (fnv(&[&institution.to_le_bytes(), bill.as_bytes()]) & LOW));
        self
    }

    /// A named thing outside the households (a throttle's key, a credential).
    pub fn named(mut self, what: &str) -> Locks {
        self.keys.insert(NAMED | (fnv(&[what.as_bytes()]) & LOW));
        self
    }

    /// How the transaction opens on PostgreSQL: `BEGIN` and the ledger's
    /// lock shared (text without parameters), then — one prepared statement,
    /// planned once per connection — every key in ascending order, each
    /// locked key returned as a row (column `qq_locked`). `None`: nothing to lock.
    pub(crate) fn opening(&self) -> (String, Option<Query>) {
        // A household's writes are point lookups and inserts by key: their
        // prepared statements keep one generic plan instead of being planned
        // again at every execution (a settlement's facts: 0.1 ms of the
        // server's time a bill, `bench/pg-settle.sh`'s trace).
        let sql =
            format!("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL plan_cache_mode = force_generic_plan; SELECT pg_advisory_xact_lock_shared({WRITER_LOCK})");
        if self.keys.is_empty() && self.payers_of.is_empty() {
            return (sql, None);
        }
        let list = |s: &BTreeSet<i64>| s.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(",");
        // Volatile functions in the select list run after ORDER BY (PostgreSQL ≥ 9.6): in key order.
        let q = query(
            "SELECT s.k AS qq_locked, pg_advisory_xact_lock(s.k) FROM (
               SELECT CAST(unnest(string_to_array(?1, ',')) AS BIGINT) AS k
               UNION SELECT ?2 + authorizer_id FROM aid WHERE beneficiary_id = ANY(CAST(string_to_array(?3, ',') AS BIGINT[]))
             ) s ORDER BY s.k",
            crate::params![list(&self.keys), PERSON, list(&self.payers_of)],
        );
        (sql, Some(q))
    }
}

/// A person's lock key.
pub(crate) fn person_key(id: i64) -> i64 {
    PERSON | (id & LOW)
}

/// FNV-1a, 64 bits: the same key in every process (std's hasher is seeded per process).
fn fnv(parts: &[&[u8]]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Parts are separated, so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_class_and_never_meet_the_ledgers_lock() {
        let l = Locks::new().bill(1, "B-1").person(7).named("login:addr:1.2.3.4").person(3);
        let keys: Vec<i64> = l.keys.iter().copied().collect();
        assert_eq!(keys[0], person_key(3));
        assert_eq!(keys[1], person_key(7));
        assert!(keys[2] >= BILL && keys[2] < NAMED && keys[3] >= NAMED);
        assert!(keys.iter().all(|k| *k != WRITER_LOCK && *k > WRITER_LOCK));
        assert_ne!(Locks::new().bill(1, "B-12"), Locks::new().bill(11, "B-2"));
        assert_eq!(Locks::new().bill(1, "B-1"), Locks::new().bill(1, "B-1"));
    }

    #[test]
    fn the_opening_locks_in_order_and_says_what_it_locked() {
        assert!(Locks::new().opening().1.is_none(), "nothing to lock: the ledger shared only");
        let (o, q) = Locks::new().payers_of(42).person(5).opening();
        assert!(o.contains("pg_advisory_xact_lock_shared("), "{o}");
        let q = q.unwrap();
        assert!(q.sql.contains("ORDER BY s.k") && q.sql.contains("qq_locked"), "{}", q.sql);
        assert_eq!(q.values[0], crate::store::Value::from(format!("{},{}", person_key(5), person_key(42))));
        assert_eq!(q.values[2], crate::store::Value::from("42".to_string()));
    }

    /// On PostgreSQL (`QINQING_TEST_POSTGRES`): writers on different people
    /// run at once; on the same person, or against a ledger-wide writer,
    /// they wait; a transaction knows what it holds.
    #[cfg(feature = "postgres")]
    #[test]
    fn writers_on_other_households_do_not_wait_and_the_ledger_waits_for_all() {
        use crate::store::{pg, Conn};
        let Some(base) = std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) else { return };
        let url = pg::fresh_test_database(&base).unwrap();
        let open = || -> Conn {
            let c = pg::connect(&url).unwrap();
            c.execute_batch("SET lock_timeout = '300ms'").unwrap();
            c
        };
        let (a, b) = (open(), open());
        a.execute_batch("CREATE TABLE t (v BIGINT); DROP TABLE aid CASCADE; CREATE TABLE aid (authorizer_id BIGINT, beneficiary_id BIGINT)").unwrap();
        a.execute_batch("INSERT INTO aid VALUES (9, 1)").unwrap();
        let ta = a.begin_locking(&Locks::new().payers_of(1)).unwrap();
        ta.execute("INSERT INTO t VALUES (1)", []).unwrap();
        ta.require_person(1).unwrap();
        ta.require_person(9).expect("the member's authorizer is locked with them");
        let e = ta.require_person(2).unwrap_err();
        assert_eq!(e.sql, Some(crate::error::SqlFault::Conflict), "not held: run again");
        // Another household: no wait.
        let tb = b.begin_locking(&Locks::new().person(2)).unwrap();
        tb.execute("INSERT INTO t VALUES (2)", []).unwrap();
        tb.commit().unwrap();
        // The authorizer, the same member, or the whole ledger: they wait (lock_timeout).
        for locks in [Some(Locks::new().person(9)), Some(Locks::new().person(1)), None] {
            let tb = match &locks {
                Some(l) => b.begin_locking(l).unwrap(),
                None => b.begin().unwrap(),
            };
            let e = tb.execute("INSERT INTO t VALUES (3)", []).unwrap_err();
            assert_eq!(e.code, crate::error::Code::DbBusy, "{locks:?} waited");
        }
        ta.commit().unwrap();
        let tb = b.begin_locking(&Locks::new().person(1)).unwrap();
        tb.execute("INSERT INTO t VALUES (4)", []).unwrap();
        tb.commit().unwrap();
        let n: i64 = a.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 3);
    }
}
