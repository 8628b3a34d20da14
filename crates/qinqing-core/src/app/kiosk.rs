//! The facade's side of [`crate::access::kiosk`]: the operations on the handle.

use crate::access::audit;
use crate::access::kiosk::*;
use crate::access::staff::{Role, Staff};
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::id::ResidentId;
use crate::time;

impl Qinqing {
    /// Act as whoever the attached kiosk's sessions say (after its
    /// inactivity rules): nobody, a staff member, or staff serving a resident.
    pub fn act_as_kiosk(&mut self) -> Result<()> {
        let k = self.kiosk().ok_or_else(|| Error::internal("no kiosk attached"))?;
        let actor = k.lock().map_err(|_| Error::internal("kiosk lock poisoned"))?.actor(self)?;
        self.set_actor(actor);
        Ok(())
    }

    /// Run `f` on the attached kiosk's sessions (a kiosk operation).
    pub(crate) fn with_kiosk<T>(&mut self, f: impl FnOnce(&mut Kiosk, &mut Qinqing) -> Result<T>) -> Result<T> {
        let k = self.kiosk().ok_or_else(Error::forbidden)?;
        let mut guard = k.lock().map_err(|_| Error::internal("kiosk lock poisoned"))?;
        f(&mut guard, self)
    }
}

impl Kiosk {
    pub fn new() -> Self {
        Kiosk::default()
    }

    fn staff_id(&self) -> Result<i64> {
        self.staff.as_ref().map(|(s, _)| s.id).ok_or_else(Error::not_logged_in)
    }

    /// Apply the inactivity rules at `q.now()`, then describe the kiosk.
    pub fn state(&mut self, q: &Qinqing) -> Result<KioskState> {
        let now = q.now();
        let idle = q.setting("kiosk_idle_secs")?;
        let staff_secs = q.setting("staff_session_secs")?;
        let max_secs = q.setting("staff_session_max_secs")?;
        let mut ended = None;
        if let Some((_, last)) = &self.resident {
            if (now - *last).num_seconds() >= idle {
                self.end_resident_as(q, "kiosk.resident_idle_end")?;
                // The next person at an unattended kiosk must not inherit the staff log-in.
                self.lock_staff(q, "kiosk.staff_locked")?;
                ended = Some("resident_idle");
            }
        }
        if let Some((_, last)) = &self.staff {
            let too_old = self.staff_since.is_some_and(|t| (now - t).num_seconds() >= max_secs);
            if (now - *last).num_seconds() >= staff_secs || too_old {
                self.end_resident_as(q, "kiosk.resident_end")?;
                self.lock_staff(q, if too_old { "kiosk.staff_expired" } else { "kiosk.staff_idle_end" })?;
                ended = Some("staff_idle");
            }
        }
        Ok(KioskState {
            first_run: q.staff_count()? == 0,
            is_admin: self.staff.as_ref().is_some_and(|(s, _)| s.role == Role::Admin),
            staff: self.staff.as_ref().map(|(s, _)| s.clone()),
            resident: self.resident.as_ref().map(|(r, _)| r.clone()),
            idle_secs: idle,
            warning_secs: q.setting("kiosk_warning_secs")?,
            staff_session_secs: staff_secs,
            ended,
        })
    }

    /// Someone touched the screen: the sessions stay alive.
    pub fn touch(&mut self, q: &Qinqing) -> Result<KioskState> {
        let st = self.state(q)?;
        let now = q.now();
        if let Some((_, t)) = &mut self.staff {
            *t = now;
        }
        if let Some((_, t)) = &mut self.resident {
            *t = now;
        }
        Ok(st)
    }

    pub fn login(&mut self, q: &Qinqing, staff_id: i64, password: &str) -> Result<KioskState> {
        let s = q.verify_staff(staff_id, password)?;
        audit::record(q.conn(), &time::to_db(q.now()), &format!("staff:{}", s.id), "kiosk.login", "staff", Some(s.id), None, None, None)?;
        self.resident = None;
        self.staff = Some((s, q.now()));
        self.staff_since = Some(q.now());
        self.state(q)
    }

    /// End the staff log-in (recorded); a password is needed again.
    fn lock_staff(&mut self, q: &Qinqing, action: &str) -> Result<()> {
        if let Some((s, _)) = self.staff.take() {
            audit::record(q.conn(), &time::to_db(q.now()), &format!("staff:{}", s.id), action, "staff", Some(s.id), None, None, None)?;
        }
        self.staff_since = None;
        Ok(())
    }

    /// Who is acting at this kiosk now, after the inactivity rules: nobody,
    /// a staff member, or a staff member serving one resident.
    pub fn actor(&mut self, q: &Qinqing) -> Result<crate::access::authz::Actor> {
        use crate::access::authz::Actor;
        self.state(q)?;
        Ok(match (&self.staff, &self.resident) {
            (Some((s, _)), Some((r, _))) => Actor::Serving { staff: s.id, admin: s.role == Role::Admin, resident: r.person_id },
            (Some((s, _)), None) => Actor::Staff { id: s.id, admin: s.role == Role::Admin },
            _ => Actor::Nobody,
        })
    }

    pub fn logout(&mut self, q: &Qinqing) -> Result<KioskState> {
        self.end_resident_as(q, "kiosk.resident_end")?;
        self.lock_staff(q, "kiosk.logout")?;
        self.state(q)
    }

    /// First run: create the administrator and log them in.
    pub fn first_admin(&mut self, q: &mut Qinqing, name: &str, password: &str, again: &str) -> Result<KioskState> {
        let s = q.create_first_admin(name, password, again)?;
        self.staff = Some((s, q.now()));
        self.staff_since = Some(q.now());
        self.state(q)
    }

    /// Staff start serving a resident, identified by their ID number after
    /// comparing them with the ID card in person (`attested`).
    pub fn start_resident(&mut self, q: &Qinqing, resident_id: &str, attested: bool) -> Result<KioskState> {
        let staff = self.staff_id()?;
        let rid = ResidentId::parse(resident_id, q.today())?;
        if !attested {
            return Err(Error::resident_not_attested());
        }
        let found: Option<(i64, String)> =
            crate::store::OptionalExtension::optional(
                q.conn().query_row("SELECT id, name FROM person WHERE resident_id = ?1", [rid.as_str()], |r| Ok((r.get(0)?, r.get(1)?))),
            )?;
        let (person_id, name) = found.ok_or_else(|| Error::member_not_registered(&rid.masked()))?;
        self.end_resident_as(q, "kiosk.resident_end")?;
        let now = q.now();
        audit::record(
            q.conn(),
            &time::to_db(now),
            &format!("staff:{staff}"),
            "kiosk.resident_start",
            "person",
            Some(person_id),
            Some(person_id),
            None,
            Some(&serde_json::json!({ "attested_by": staff })),
        )?;
        self.resident = Some((Resident { person_id, name, resident_id_masked: rid.masked(), started_at_local: time::display_china(now) }, now));
        if let Some((_, t)) = &mut self.staff {
            *t = now;
        }
        self.state(q)
    }

    /// End the resident session (the screen is wiped by the UI). The staff
    /// log-in is locked with it: the password is needed again.
    pub fn end_resident(&mut self, q: &Qinqing) -> Result<KioskState> {
        self.end_resident_as(q, "kiosk.resident_end")?;
        self.lock_staff(q, "kiosk.staff_locked")?;
        self.state(q)
    }

    fn end_resident_as(&mut self, q: &Qinqing, action: &str) -> Result<()> {
        if let Some((r, _)) = self.resident.take() {
            let actor = self.staff.as_ref().map(|(s, _)| format!("staff:{}", s.id)).unwrap_or_else(|| "kiosk".into());
            audit::record(q.conn(), &time::to_db(q.now()), &actor, action, "person", Some(r.person_id), Some(r.person_id), None, None)?;
        }
        Ok(())
    }

    /// Leaving kiosk mode needs an administrator's password.
    pub fn authorize_exit(&mut self, q: &Qinqing, admin_id: i64, password: &str) -> Result<()> {
        let s = q.verify_staff(admin_id, password)?;
        if s.role != Role::Admin {
            return Err(Error::staff_not_admin());
        }
        self.end_resident_as(q, "kiosk.resident_end")?;
        audit::record(q.conn(), &time::to_db(q.now()), &format!("staff:{}", s.id), "kiosk.exit", "staff", Some(s.id), None, None, None)?;
        Ok(())
    }

    /// The logged-in staff member (for actions that need one).
    pub fn staff(&self) -> Option<&Staff> {
        self.staff.as_ref().map(|(s, _)| s)
    }
}
