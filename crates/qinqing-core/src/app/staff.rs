//! The facade's side of [`crate::access::staff`]: the operations on the handle.

use crate::access::audit;
use crate::access::authz::Act;
use crate::access::staff::*;
use crate::app::person::validate_name;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::OptionalExtension;
use crate::time;
use argon2::{Argon2, PasswordHash, PasswordVerifier};

impl Qinqing {
    /// Add a staff member. The password is given twice (as typed twice).
    pub fn add_staff(&mut self, name: &str, role: &str, password: &str, again: &str) -> Result<Staff> {
        self.permit(Act::Admin)?;
        self.add_staff_unchecked(name, role, password, again)
    }

    fn add_staff_unchecked(&mut self, name: &str, role: &str, password: &str, again: &str) -> Result<Staff> {
        crate::store::retry(|| self.add_staff_unchecked_once(name, role, password, again))
    }

    fn add_staff_unchecked_once(&mut self, name: &str, role: &str, password: &str, again: &str) -> Result<Staff> {
        let mut errors = Vec::new();
        let name = validate_name(name).map_err(|e| errors.push(e)).ok();
        let role = Role::parse(role).map_err(|e| errors.push(e)).ok();
        if let Err(e) = check_new_password(password) {
            errors.push(e);
        } else if password != again {
            errors.push(Error::staff_password_mismatch());
        }
        if let Some(e) = Error::combine(errors) {
            return Err(e);
        }
        let (Some(name), Some(role)) = (name, role) else { return Err(Error::internal("validation state")) };
        let hash = hash_password(password)?;
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let id: i64 = tx.query_row(
            "INSERT INTO staff (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![name, role.as_str(), hash, now],
            |r| r.get(0),
        )?;
        let snap = serde_json::json!({ "name": name, "role": role.as_str() });
        audit::record(&tx, &now, &actor, "staff.add", "staff", Some(id), None, None, Some(&snap))?;
        tx.commit()?;
        self.get_staff(id)
    }

    pub fn get_staff(&self, id: i64) -> Result<Staff> {
        self.conn()
            .query_row("SELECT id, name, role, active, created_at FROM staff WHERE id = ?1", [id], |r| {
                Ok(Staff {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: if r.get::<_, String>(2)? == "admin" { Role::Admin } else { Role::Staff },
                    active: r.get::<_, i64>(3)? == 1,
                    created_at: r.get(4)?,
                })
            })
            .optional()?
            .ok_or_else(|| Error::staff_not_found(id))
    }

    /// One staff member, for an administrator (the register is theirs).
    pub fn staff_member(&self, id: i64) -> Result<Staff> {
        self.permit(Act::Admin)?;
        self.get_staff(id)
    }

    pub fn list_staff(&self) -> Result<Vec<Staff>> {
        self.permit(Act::Admin)?;
        let ids: Vec<i64> = self.conn().prepare("SELECT id FROM staff ORDER BY id")?.query_map([], |r| r.get(0))?.collect::<crate::error::Result<_>>()?;
        ids.into_iter().map(|id| self.get_staff(id)).collect()
    }

    /// A staff member who may act (exists and is active).
    pub fn active_staff(&self, id: i64) -> Result<Staff> {
        let s = self.get_staff(id)?;
        if !s.active {
            return Err(Error::staff_inactive());
        }
        Ok(s)
    }

    /// Check a staff member's password; the member must be active. Wrong
    /// passwords are counted per account (`login:acct:ID`, [`crate::access::throttle`]):
    /// after `staff_lockout_attempts` of them (default 5) each further attempt
    /// waits 2, 4, 8 … seconds, at most `staff_lockout_secs` (default 15 min),
    /// and while it waits the attempt is refused with `RATE_LIMITED` without the
    /// password being checked. A right password clears the count. Nobody can
    /// lock an account for longer than one such wait at a time, and every server
    /// replica shares the count (it is in the ledger).
    pub fn verify_staff(&self, id: i64, password: &str) -> Result<Staff> {
        let s = self.active_staff(id)?;
        let now = self.now();
        let policy = crate::access::throttle::Policy {
            free: self.setting("staff_lockout_attempts")?,
            cap_secs: self.setting("staff_lockout_secs")?,
            forget_secs: 86_400,
        };
        // Over the network the count is per account and address: a stranger
        // guessing from their address makes only their own guesses wait, so
        // nobody can keep an administrator out by renewing a wait (issue 31
        // review). A much larger count per account alone still bounds guesses
        // spread over many addresses. On this computer (the CLI, a local
        // kiosk) the account's own count is the one.
        let (key, wide) = match self.client() {
            Some(addr) => (crate::access::throttle::staff_addr_key(id, addr), Some(crate::access::throttle::staff_key(id))),
            None => (crate::access::throttle::staff_key(id), None),
        };
        // Counted (as a failure) before the password is checked, so attempts
        // at once — on any replica — cannot all slip past a wait.
        let counted = crate::access::throttle::begin(self.conn(), &key, now.timestamp(), &policy)?;
        if let Some(w) = &wide {
            let spread = crate::access::throttle::Policy { free: policy.free.saturating_mul(20), ..policy };
            crate::access::throttle::begin(self.conn(), w, now.timestamp(), &spread)?;
        }
        let stored: String = self.conn().query_row("SELECT password_hash FROM staff WHERE id = ?1", [id], |r| r.get(0))?;
        let parsed = PasswordHash::new(&stored).map_err(|e| Error::internal(format!("stored hash: {e}")))?;
        let ok = password.len() <= MAX_PASSWORD && Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        if ok {
            crate::access::throttle::clear(self.conn(), &key)?;
            if let Some(w) = &wide {
                crate::access::throttle::clear(self.conn(), w)?;
            }
            return Ok(s);
        }
        if counted.failures == policy.free {
            // The first wait of a run of wrong passwords is recorded once (not
            // every guess: an anonymous caller must not grow the audit trail).
            audit::record(
                self.conn(),
                &time::to_db(now),
                &self.actor(),
                "staff.throttled",
                "staff",
                Some(id),
                None,
                None,
                Some(&serde_json::json!({ "failures": counted.failures, "wait_secs": counted.wait_secs })),
            )?;
        }
        Err(Error::staff_password_wrong())
    }

    /// A staff member compared the person with their ID card in person: the
    /// person's own face verification (needed from 16 before their QR is
    /// first shown, and for family aid where the region requires it).
    pub fn verify_face_in_person(&mut self, person_id: i64, staff_id: i64) -> Result<crate::Person> {
        crate::store::retry(|| self.verify_face_in_person_once(person_id, staff_id))
    }

    fn verify_face_in_person_once(&mut self, person_id: i64, staff_id: i64) -> Result<crate::Person> {
        self.permit(Act::PersonFaceAttest { person: person_id, staff: staff_id })?;
        self.active_staff(staff_id)?;
        let now = time::to_db(self.now());
        let actor = format!("{}/staff:{staff_id}", self.actor());
        let tx = self.conn().begin()?;
        crate::app::person::load(&tx, person_id)?;
        // In person with the ID card in hand: the face, and the real-name
        // check of a holder (the card's front and back seen), once.
        tx.execute(
            "UPDATE person SET face_verified_at = ?2, real_name_checked_at = coalesce(real_name_checked_at, ?2),
                               real_name_checked_by = coalesce(real_name_checked_by, ?3) WHERE id = ?1",
            params![person_id, now, staff_id],
        )?;
        audit::record(
            &tx,
            &now,
            &actor,
            "person.face_verified",
            "person",
            Some(person_id),
            Some(person_id),
            None,
            Some(&serde_json::json!({ "method": "staff", "staff_id": staff_id })),
        )?;
        tx.commit()?;
        self.get_person(person_id)
    }

    /// Staff check a holder's identity from uploaded photos (seeds 002/003):
    /// the ID card's front and back and the holder's face (a face photo, or
    /// an earlier in-person check), none of them rejected. Recorded once with
    /// who checked it; in person at the kiosk, [`Qinqing::verify_face_in_person`]
    /// records it too. Staff act as themselves.
    pub fn check_real_name(&mut self, person_id: i64, staff_id: i64) -> Result<crate::Person> {
        self.permit(Act::RealNameCheck { person: person_id, staff: staff_id })?;
        self.active_staff(staff_id)?;
        let p = crate::app::person::load(self.conn(), person_id)?;
        let kinds: Vec<String> = self
            .conn()
            .prepare_cached("SELECT kind FROM document WHERE person_id = ?1 AND status <> 'rejected'")?
            .query_map([person_id], |r| r.get(0))?
            .collect::<Result<_>>()?;
        let has = |k: &str| kinds.iter().any(|x| x == k);
        let mut missing: Vec<(&str, &str)> = Vec::new();
        if !has("id_card_front") {
            missing.push(("身份证正面照片", "a photo of the ID card's front"));
        }
        if !has("id_card_back") {
            missing.push(("身份证反面照片", "a photo of the ID card's back"));
        }
        if p.face_verified_at.is_none() && !has("face_capture") {
            missing.push(("本人人脸照片", "a photo of the holder's face"));
        }
        if !missing.is_empty() {
            let zh = missing.iter().map(|m| m.0).collect::<Vec<_>>().join("、");
            let en = missing.iter().map(|m| m.1).collect::<Vec<_>>().join(", ");
            return Err(Error::real_name_incomplete(&zh, &en));
        }
        let now = time::to_db(self.now());
        let actor = format!("{}/staff:{staff_id}", self.actor());
        crate::store::retry(|| {
            let tx = self.conn().begin()?;
            tx.execute("UPDATE person SET real_name_checked_at = ?2, real_name_checked_by = ?3 WHERE id = ?1", params![person_id, now, staff_id])?;
            audit::record(
                &tx,
                &now,
                &actor,
                "person.real_name_checked",
                "person",
                Some(person_id),
                Some(person_id),
                None,
                Some(&serde_json::json!({ "staff_id": staff_id })),
            )?;
            tx.commit()
        })?;
        self.get_person(person_id)
    }

    /// An administrator clears an account's count of wrong passwords (and
    /// any wait it is in).
    pub fn unlock_staff(&mut self, id: i64) -> Result<Staff> {
        self.permit(Act::Admin)?;
        let s = self.get_staff(id)?;
        let now = time::to_db(self.now());
        let actor = self.actor();
        crate::access::throttle::clear_staff(self.conn(), id)?;
        self.conn().execute("UPDATE staff SET failed_attempts = 0, locked_until = NULL, lockouts = 0 WHERE id = ?1", [id])?;
        audit::record(self.conn(), &now, &actor, "staff.unlock", "staff", Some(id), None, None, None)?;
        Ok(s)
    }

    /// How many staff accounts exist (0 means first run).
    pub fn staff_count(&self) -> Result<i64> {
        self.conn().query_row("SELECT count(*) FROM staff", [], |r| r.get(0))
    }

    /// First run: create the first administrator. Refused once any staff exists.
    pub fn create_first_admin(&mut self, name: &str, password: &str, again: &str) -> Result<Staff> {
        if self.staff_count()? > 0 {
            return Err(Error::staff_exists());
        }
        // The one act nobody logged in may do: while no staff exist (the
        // kiosk's first run; the window offers it only in kiosk mode).
        self.add_staff_unchecked(name, "admin", password, again)
    }

    /// An administrator (`by`) adds a staff member.
    pub fn add_staff_by(&mut self, by: i64, name: &str, role: &str, password: &str, again: &str) -> Result<Staff> {
        if self.active_staff(by)?.role != Role::Admin {
            return Err(Error::staff_not_admin());
        }
        self.add_staff(name, role, password, again)
    }

    /// Disable (or enable again) a staff account; the last active admin stays.
    pub fn set_staff_active(&mut self, id: i64, active: bool) -> Result<Staff> {
        crate::store::retry(|| self.set_staff_active_once(id, active))
    }

    fn set_staff_active_once(&mut self, id: i64, active: bool) -> Result<Staff> {
        self.permit(Act::Admin)?;
        let s = self.get_staff(id)?;
        if !active && s.role == Role::Admin {
            let admins: i64 = self.conn().query_row("SELECT count(*) FROM staff WHERE role = 'admin' AND active = 1 AND id <> ?1", [id], |r| r.get(0))?;
            if admins == 0 {
                return Err(Error::staff_not_admin());
            }
        }
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        tx.execute("UPDATE staff SET active = ?2 WHERE id = ?1", params![id, active as i64])?;
        audit::record(
            &tx,
            &now,
            &actor,
            if active { "staff.enable" } else { "staff.disable" },
            "staff",
            Some(id),
            None,
            Some(&serde_json::json!({ "active": s.active })),
            Some(&serde_json::json!({ "active": active })),
        )?;
        tx.commit()?;
        self.get_staff(id)
    }
}
