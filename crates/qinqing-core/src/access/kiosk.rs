//! Kiosk mode at the community service centre (DOMAIN §7): a staff log-in,
//! a resident session started by staff after an in-person ID check, and the
//! inactivity rules that end them. The window holds its kiosk's state itself
//! (one kiosk, one screen); the server keeps each registered kiosk's in the
//! ledger (`kiosk_session`, issue 34: [`load`], [`Stored::save`]), so any
//! replica serves a kiosk's next request and a killed one loses nothing.
//! Every start and end is in the audit trail.

use crate::access::staff::Staff;
use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, Locks, OptionalExtension};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One kiosk's sessions, shared between the handles that serve it.
pub type SharedKiosk = std::sync::Arc<std::sync::Mutex<Kiosk>>;

/// A kiosk's sessions: held by the window, or stored in the ledger as JSON
/// for a registered kiosk ([`load`]). Nothing secret is in it: staff by id,
/// name and role, a resident by id, name and masked ID number, and times.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Kiosk {
    /// The staff member logged in, and their last activity.
    pub(crate) staff: Option<(Staff, DateTime<Utc>)>,
    /// When the staff member logged in: the log-in ends after an absolute
    /// lifetime (`staff_session_max_secs`) however busy the kiosk is.
    pub(crate) staff_since: Option<DateTime<Utc>>,
    /// The resident being served, and the last activity.
    pub(crate) resident: Option<(Resident, DateTime<Utc>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resident {
    pub person_id: i64,
    pub name: String,
    pub resident_id_masked: String,
    pub started_at_local: String,
}

/// A registered kiosk's sessions as read from the ledger for one request
/// ([`load`]): the request runs with [`Stored::sessions`] (as
/// [`crate::Caller::kiosk`]), and [`Stored::save`] writes back what it changed.
#[derive(Debug)]
pub struct Stored {
    device: i64,
    sessions: SharedKiosk,
    /// The row's state as read (`None`: no row), and the sessions it held.
    read: Option<String>,
    was: Kiosk,
}

/// Kiosk `device`'s sessions from the ledger (none yet: empty). A state this
/// build cannot read counts as empty — everyone at that kiosk logs in again.
pub fn load(conn: &Conn, device: i64) -> Result<Stored> {
    let read: Option<String> = conn.query_row("SELECT state FROM kiosk_session WHERE device_id = ?1", [device], |r| r.get(0)).optional()?;
    let was = parse(read.as_deref());
    Ok(Stored { device, sessions: std::sync::Arc::new(std::sync::Mutex::new(was.clone())), read, was })
}

fn parse(state: Option<&str>) -> Kiosk {
    state.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
}

impl Stored {
    /// The sessions to run the request with.
    pub fn sessions(&self) -> SharedKiosk {
        self.sessions.clone()
    }

    /// Write the sessions back if the request changed them (`at`: now), in
    /// a write transaction that locks only this kiosk (PostgreSQL; SQLite:
    /// `BEGIN IMMEDIATE`); whether a row was written. If another request of
    /// the same kiosk (another replica, another worker) wrote since
    /// [`load`], the two are merged ([`merge`]): a session either of them
    /// ended stays ended.
    pub fn save(self, conn: &Conn, at: DateTime<Utc>) -> Result<bool> {
        let ours = self.sessions.lock().map_err(|_| Error::internal("kiosk lock poisoned"))?.clone();
        if ours == self.was {
            return Ok(false);
        }
        let at = crate::time::to_db(at);
        crate::store::retry(|| {
            let tx = conn.begin_locking(&Locks::new().named(&format!("kiosk:{}", self.device)))?;
            let now: Option<String> = tx.query_row("SELECT state FROM kiosk_session WHERE device_id = ?1", [self.device], |r| r.get(0)).optional()?;
            let next = if now == self.read { ours.clone() } else { merge(&self.was, &ours, &parse(now.as_deref())) };
            let text = serde_json::to_string(&next).map_err(|e| Error::internal(format!("kiosk sessions: {e}")))?;
            if now.as_deref() == Some(text.as_str()) {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO kiosk_session (device_id, state, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                params![self.device, text, at.as_str()],
            )?;
            tx.commit()?;
            Ok(true)
        })
    }
}

/// End every kiosk's session that is serving `person` (`at`: now), inside
/// the caller's transaction — their record is being erased, and a stored
/// session names them. A kiosk's request that was serving them meanwhile
/// saves this as an end ([`merge`]: an end on either side is kept). The
/// number of sessions ended.
pub(crate) fn end_sessions_serving(tx: &Conn, person: i64, at: &str) -> Result<u64> {
    let rows: Vec<(i64, String)> =
        tx.prepare("SELECT device_id, state FROM kiosk_session ORDER BY device_id")?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_>>()?;
    let mut ended = 0;
    for (device, state) in rows {
        let mut k = parse(Some(&state));
        if k.resident.as_ref().is_some_and(|(r, _)| r.person_id == person) {
            k.resident = None;
            let text = serde_json::to_string(&k).map_err(|e| Error::internal(format!("kiosk sessions: {e}")))?;
            tx.execute("UPDATE kiosk_session SET state = ?2, updated_at = ?3 WHERE device_id = ?1", params![device, text, at])?;
            ended += 1;
        }
    }
    Ok(ended)
}

/// Which staff log-in a kiosk holds (not when it was last active).
fn staff_key(k: &Kiosk) -> Option<(i64, Option<DateTime<Utc>>)> {
    k.staff.as_ref().map(|(s, _)| (s.id, k.staff_since))
}

/// Which resident session a kiosk holds.
fn resident_key(k: &Kiosk) -> Option<(i64, &str)> {
    k.resident.as_ref().map(|(r, _)| (r.person_id, r.started_at_local.as_str()))
}

/// Two requests of one kiosk ran from the same stored sessions `was`;
/// `theirs` was written first, `ours` is being written. Each session (the
/// staff log-in, the resident served) comes from the request that changed
/// it — a log-in, a log-out, an end on either side is kept — from ours when
/// both did, and when neither did, with the later activity of the two. A
/// resident is kept only under the log-in that started serving them, and
/// never without one.
pub(crate) fn merge(was: &Kiosk, ours: &Kiosk, theirs: &Kiosk) -> Kiosk {
    // The staff log-in.
    let staff_from_ours = staff_key(ours) != staff_key(was);
    let (mut staff, staff_since) = if staff_from_ours { (ours.staff.clone(), ours.staff_since) } else { (theirs.staff.clone(), theirs.staff_since) };
    if !staff_from_ours && staff_key(theirs) == staff_key(ours) {
        if let (Some((_, t)), Some((_, o))) = (&mut staff, &ours.staff) {
            *t = (*t).max(*o);
        }
    }
    // The resident served, with the log-in of the side it came from.
    let resident_from_ours = resident_key(ours) != resident_key(was);
    let (side, other) = if resident_from_ours { (ours, theirs) } else { (theirs, ours) };
    let mut resident = side.resident.clone();
    if let (Some((_, t)), Some((_, o))) = (&mut resident, &other.resident) {
        if resident_key(side) == resident_key(other) {
            *t = (*t).max(*o);
        }
    }
    let merged_key = staff.as_ref().map(|(s, _)| (s.id, staff_since));
    if merged_key.is_none() || staff_key(side) != merged_key {
        resident = None;
    }
    Kiosk { staff, staff_since, resident }
}
/// What the kiosk screen needs to know.
#[derive(Debug, Clone, Serialize)]
pub struct KioskState {
    /// No staff account exists yet: offer first-run setup.
    pub first_run: bool,
    pub staff: Option<Staff>,
    pub is_admin: bool,
    pub resident: Option<Resident>,
    pub idle_secs: i64,
    pub warning_secs: i64,
    pub staff_session_secs: i64,
    /// Why a session just ended, if it did (`resident_idle`, `staff_idle`).
    pub ended: Option<&'static str>,
}

/// Copy every page of a backup or restore, 256 at a time, telling
/// `progress` (pages done, of how many) after each step.
pub(crate) fn copy_pages(b: &rusqlite::backup::Backup<'_, '_>, progress: &dyn Fn(u64, u64)) -> Result<()> {
    use rusqlite::backup::StepResult;
    loop {
        let step = b.step(256).map_err(Error::backup_failed)?;
        let p = b.progress();
        let total = p.pagecount.max(0) as u64;
        progress(total.saturating_sub(p.remaining.max(0) as u64), total);
        match step {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            _ => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::staff::Role;
    use crate::time::FixedClock;
    use crate::Qinqing;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn staff(id: i64) -> Staff {
        Staff {
            id, name: format!("员工{id}"), role: if id == 1 { Role::Admin } else { Role::Staff }, active: true, created_at: "2026-03-01T00:00:00Z".into()
        }
    }

    fn logged_in(id: i64, since: &str, last: &str) -> Kiosk {
        Kiosk { staff: Some((staff(id), at(last))), staff_since: Some(at(since)), resident: None }
    }

    fn serving(mut k: Kiosk, person: i64, started: &str, last: &str) -> Kiosk {
        let r = Resident { person_id: person, name: "王小明".into(), resident_id_masked: "3101**********100X".into(), started_at_local: started.into() };
        k.resident = Some((r, at(last)));
        k
    }

    #[test]
    fn sessions_go_to_json_and_back_without_a_secret() {
        let k = serving(logged_in(2, "2026-03-01T02:00:00Z", "2026-03-01T02:05:00Z"), 7, "2026-03-01 10:03", "2026-03-01T02:04:30.5Z");
        let text = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<Kiosk>(&text).unwrap(), k);
        assert!(!text.contains("password") && !text.contains("hash"), "{text}");
        assert_eq!(parse(Some("{}")), Kiosk::default());
        assert_eq!(parse(Some("not json")), Kiosk::default(), "unreadable: nobody logged in");
    }

    #[test]
    fn a_session_ended_by_one_request_stays_ended_whatever_the_other_did() {
        let was = serving(logged_in(2, "2026-03-01T02:00:00Z", "2026-03-01T02:05:00Z"), 7, "2026-03-01 10:03", "2026-03-01T02:05:00Z");
        let mut touched = was.clone();
        touched.staff.as_mut().unwrap().1 = at("2026-03-01T02:06:00Z");
        touched.resident.as_mut().unwrap().1 = at("2026-03-01T02:06:00Z");
        let ended = Kiosk::default();
        let no_resident = Kiosk { resident: None, ..was.clone() };
        // A log-out (or an end) and a touch, in either order: ended.
        assert_eq!(merge(&was, &touched, &ended), ended);
        assert_eq!(merge(&was, &ended, &touched), ended);
        assert_eq!(merge(&was, &touched, &no_resident).resident, None);
        assert_eq!(merge(&was, &touched, &no_resident).staff.unwrap().1, at("2026-03-01T02:06:00Z"), "the later activity");
        // Two touches: the later activity of each.
        let mut early = was.clone();
        early.staff.as_mut().unwrap().1 = at("2026-03-01T02:05:30Z");
        assert_eq!(merge(&was, &early, &touched), touched);
        assert_eq!(merge(&was, &touched, &early), touched);
        // A resident started under a log-in that meanwhile ended is dropped;
        // one started under the log-in that stays is kept.
        let base = logged_in(2, "2026-03-01T02:00:00Z", "2026-03-01T02:05:00Z");
        let started = serving(base.clone(), 7, "2026-03-01 10:06", "2026-03-01T02:06:00Z");
        assert_eq!(merge(&base, &started, &Kiosk::default()), Kiosk::default());
        let other = logged_in(3, "2026-03-01T02:06:00Z", "2026-03-01T02:06:00Z");
        assert_eq!(merge(&base, &started, &other), other, "not served by whoever logged in meanwhile");
        let mut base_touched = base.clone();
        base_touched.staff.as_mut().unwrap().1 = at("2026-03-01T02:07:00Z");
        let m = merge(&base, &started, &base_touched);
        assert_eq!((m.resident.as_ref().map(|r| r.0.person_id), m.staff.as_ref().map(|s| s.1)), (Some(7), Some(at("2026-03-01T02:07:00Z"))));
        // Both logged in: ours, the later write.
        let again = logged_in(1, "2026-03-01T02:07:00Z", "2026-03-01T02:07:00Z");
        assert_eq!(merge(&base, &again, &other), again);
    }

    /// SQLite, and PostgreSQL when `QINQING_TEST_POSTGRES` names a server,
    /// each with two kiosks registered (devices 1 and 2).
    fn ledgers() -> Vec<Qinqing> {
        let out = new_ledgers();
        for q in &out {
            for (id, hash) in [(1, "a"), (2, "b")] {
                q.conn()
                    .execute(
                        "INSERT INTO device (id, kind, token_hash, created_at, last_used_at) VALUES (?1, 'kiosk', ?2, 't', 't')",
                        params![id as i64, hash.repeat(64)],
                    )
                    .unwrap();
            }
        }
        out
    }

    fn new_ledgers() -> Vec<Qinqing> {
        let mut out = vec![Qinqing::in_memory(std::sync::Arc::new(FixedClock::at("2026-03-01T02:00:00Z"))).unwrap()];
        #[cfg(feature = "postgres")]
        if let Some(base) = std::env::var("QINQING_TEST_POSTGRES").ok().filter(|v| !v.is_empty()) {
            let url = crate::store::pg::fresh_test_database(&base).unwrap();
            out.push(Qinqing::open(std::path::Path::new(&url)).unwrap());
        }
        out
    }

    #[test]
    fn sessions_are_stored_per_kiosk_and_a_stale_write_does_not_revive_a_log_in() {
        for q in ledgers() {
            let c = q.conn();
            let b = c.backend();
            let now = at("2026-03-01T02:00:00Z");
            let rows = || -> i64 { c.query_row("SELECT count(*) FROM kiosk_session", [], |r| r.get(0)).unwrap() };
            // Nothing stored: empty; nothing changed: nothing written.
            let s = load(c, 1).unwrap();
            assert_eq!(*s.sessions().lock().unwrap(), Kiosk::default(), "{b:?}");
            assert!(!s.save(c, now).unwrap());
            assert_eq!(rows(), 0, "{b:?}");
            // A log-in is stored, for that kiosk only.
            let s = load(c, 1).unwrap();
            *s.sessions().lock().unwrap() = logged_in(2, "2026-03-01T02:00:00Z", "2026-03-01T02:00:00Z");
            assert!(s.save(c, now).unwrap());
            assert_eq!(*load(c, 1).unwrap().sessions().lock().unwrap(), logged_in(2, "2026-03-01T02:00:00Z", "2026-03-01T02:00:00Z"), "{b:?}");
            assert_eq!(*load(c, 2).unwrap().sessions().lock().unwrap(), Kiosk::default(), "{b:?}");
            // Two requests read it; one logs out, the other (written after) only touched it.
            let (a, z) = (load(c, 1).unwrap(), load(c, 1).unwrap());
            *a.sessions().lock().unwrap() = Kiosk::default();
            z.sessions().lock().unwrap().staff.as_mut().unwrap().1 = at("2026-03-01T02:01:00Z");
            assert!(a.save(c, now).unwrap());
            assert!(!z.save(c, now).unwrap(), "{b:?}: the log-out stands");
            assert_eq!(*load(c, 1).unwrap().sessions().lock().unwrap(), Kiosk::default(), "{b:?}");
            assert_eq!(rows(), 1, "{b:?}");
        }
    }

    /// An erasure ends every kiosk session serving the person (their name
    /// is in the stored state), keeps the staff log-in and other kiosks as
    /// they were, and a request of that kiosk that only touched the session
    /// meanwhile does not bring it back.
    #[test]
    fn a_person_erased_is_served_by_no_kiosk_and_named_in_no_stored_session() {
        for q in ledgers() {
            let c = q.conn();
            let b = c.backend();
            let now = at("2026-03-01T02:05:00Z");
            let seven = serving(logged_in(2, "2026-03-01T02:00:00Z", "2026-03-01T02:04:00Z"), 7, "2026-03-01 10:03", "2026-03-01T02:04:00Z");
            let mut eight = serving(logged_in(3, "2026-03-01T02:00:00Z", "2026-03-01T02:04:00Z"), 8, "2026-03-01 10:02", "2026-03-01T02:04:00Z");
            eight.resident.as_mut().unwrap().0.name = "李四".into();
            for (device, k) in [(1, &seven), (2, &eight)] {
                let s = load(c, device).unwrap();
                *s.sessions().lock().unwrap() = k.clone();
                assert!(s.save(c, now).unwrap());
            }
            // A request of kiosk 1 is under way (it read the session serving 7).
            let busy = load(c, 1).unwrap();
            let tx = c.begin().unwrap();
            assert_eq!(end_sessions_serving(&tx, 7, "2026-03-01T02:06:00Z").unwrap(), 1, "{b:?}");
            tx.commit().unwrap();
            let state = |d: i64| -> String { c.query_row("SELECT state FROM kiosk_session WHERE device_id = ?1", [d], |r| r.get(0)).unwrap() };
            assert!(!state(1).contains("王小明") && !state(1).contains("3101**"), "{b:?}: {}", state(1));
            let one = load(c, 1).unwrap().sessions().lock().unwrap().clone();
            assert_eq!((one.resident.is_none(), one.staff, one.staff_since), (true, seven.staff.clone(), seven.staff_since), "{b:?}");
            assert_eq!(*load(c, 2).unwrap().sessions().lock().unwrap(), eight, "{b:?}: another kiosk, another person");
            // The request under way only touched the session: the end stands.
            busy.sessions().lock().unwrap().resident.as_mut().unwrap().1 = at("2026-03-01T02:06:30Z");
            busy.save(c, at("2026-03-01T02:06:30Z")).unwrap();
            assert!(load(c, 1).unwrap().sessions().lock().unwrap().resident.is_none(), "{b:?}");
            assert!(!state(1).contains("王小明"), "{b:?}");
            // Nobody served: nothing to end.
            let tx = c.begin().unwrap();
            assert_eq!(end_sessions_serving(&tx, 7, "2026-03-01T02:07:00Z").unwrap(), 0, "{b:?}");
            tx.commit().unwrap();
        }
    }
}
