//! Kiosk mode at the community service centre (DOMAIN §7): a staff log-in,
//! a resident session started by staff after an in-person ID check, and the
//! inactivity rules that end them. The state lives with the running app (one
//! kiosk, one screen); every start and end is in the audit trail.

use crate::access::staff::Staff;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One kiosk's sessions, shared between the handles that serve it.
pub type SharedKiosk = std::sync::Arc<std::sync::Mutex<Kiosk>>;

/// Every kiosk a server serves, by its registered device (sessions live in
/// memory: a restarted server asks staff to log in again).
#[derive(Debug, Default)]
pub struct Kiosks {
    map: std::sync::Mutex<std::collections::HashMap<i64, SharedKiosk>>,
}

impl Kiosks {
    /// The sessions of kiosk `device` (empty the first time).
    pub fn of(&self, device: i64) -> Result<SharedKiosk> {
        let mut m = self.map.lock().map_err(|_| Error::internal("kiosk sessions lock poisoned"))?;
        Ok(m.entry(device).or_default().clone())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Kiosk {
    pub(crate) staff: Option<(Staff, DateTime<Utc>)>,
    /// When the staff member logged in: the log-in ends after an absolute
    /// lifetime (`staff_session_max_secs`) however busy the kiosk is.
    pub(crate) staff_since: Option<DateTime<Utc>>,
    pub(crate) resident: Option<(Resident, DateTime<Utc>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resident {
    pub person_id: i64,
    pub name: String,
    pub resident_id_masked: String,
    pub started_at_local: String,
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

/// A backup file this build can restore: a readable Qinqing database of a
/// schema version it knows. Checked before anything is created or changed
/// (`qinqing-cli restore` checks it before it makes the target database).
pub fn check_backup(backup: &std::path::Path) -> Result<()> {
    open_backup(backup).map(drop)
}

pub(crate) fn open_backup(backup: &std::path::Path) -> Result<rusqlite::Connection> {
    if !backup.is_file() {
        return Err(Error::backup_missing(&backup.display().to_string()));
    }
    let src = rusqlite::Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(Error::backup_failed)?;
    let ok: String = src.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(Error::backup_failed)?;
    let version: i64 = src.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(Error::backup_failed)?;
    let has_person: i64 = src.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'person'", [], |r| r.get(0)).map_err(Error::backup_failed)?;
    if ok != "ok" || has_person != 1 || version < 1 || version > crate::store::sqlite::latest_schema_version() {
        return Err(Error::backup_unusable(&backup.display().to_string()));
    }
    Ok(src)
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
