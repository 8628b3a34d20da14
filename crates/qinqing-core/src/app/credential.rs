//! The facade's side of [`crate::access::credential`]: the operations on the handle.

use crate::access::audit;
use crate::access::authz::{Act, Actor};
use crate::access::credential::*;
use crate::access::staff::{Role, Staff};
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::OptionalExtension;
use crate::time;

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
        Ok(match self.who(token)? {
            Bearer::Actor(a) => a,
            // A kiosk's own key proves no person: nobody, until staff log in at it.
            Bearer::Kiosk { .. } => Actor::Nobody,
        })
    }

    /// Who a bearer token is (see [`Bearer`]), or why it is refused.
    pub fn who(&mut self, token: &str) -> Result<Bearer> {
        let token = token.trim();
        if !well_formed(token) {
            return Err(Error::token_unknown());
        }
        let hash = token_hash(token);
        if token.starts_with(DEVICE_PREFIX) {
            return self.authenticate_device(&hash);
        }
        let actor = self.authenticate_credential(&hash)?;
        Ok(Bearer::Actor(actor))
    }

    fn authenticate_credential(&mut self, hash: &str) -> Result<Actor> {
        let row: Option<StoredCredential> = self
            .conn()
            .query_row("SELECT id, kind, staff_id, institution_id, last_used_at, expires_at, revoked_at FROM credential WHERE token_hash = ?1", [hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })
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
                let tx = self.conn().begin_locking(&crate::store::Locks::new().named(&format!("credential:{id}")))?;
                tx.execute("UPDATE credential SET last_used_at = ?2 WHERE id = ?1", params![id, at])?;
                tx.commit()
            })?;
        }
        Ok(actor)
    }

    fn authenticate_device(&mut self, hash: &str) -> Result<Bearer> {
        let row: Option<(i64, Option<i64>, String, Option<String>)> = self
            .conn()
            .query_row("SELECT id, holder_id, last_used_at, revoked_at FROM device WHERE token_hash = ?1", [hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((id, holder, last_used, revoked)) = row else {
            return Err(Error::token_unknown());
        };
        if revoked.is_some() {
            return Err(Error::token_revoked());
        }
        let now = self.now();
        let last = time::from_db(&last_used).unwrap_or(now);
        if (now - last).num_seconds() >= TOUCH_SECS {
            let at = time::to_db(now);
            crate::store::retry(|| {
                let tx = self.conn().begin_locking(&crate::store::Locks::new().named(&format!("device:{id}")))?;
                tx.execute("UPDATE device SET last_used_at = ?2 WHERE id = ?1", params![id, at])?;
                tx.commit()
            })?;
        }
        Ok(match holder {
            Some(holder) => Bearer::Actor(Actor::Household { holder }),
            None => Bearer::Kiosk { device: id },
        })
    }

    /// An administrator registers one of the centre's kiosks: its key, shown
    /// once. A kiosk acts for nobody until staff log in at it.
    pub fn kiosk_register(&mut self, label: Option<&str>) -> Result<Device> {
        self.permit(Act::Admin)?;
        let label = check_label(label)?;
        let token = new_token(DEVICE_PREFIX);
        let now = time::to_db(self.now());
        let actor = self.actor();
        let mut d = crate::store::retry(|| {
            let tx = self.conn().begin()?;
            let id: i64 = tx.query_row(
                "INSERT INTO device (kind, token_hash, label, created_at, last_used_at) VALUES ('kiosk', ?1, ?2, ?3, ?3) RETURNING id",
                params![token_hash(&token), label, now],
                |r| r.get(0),
            )?;
            audit::record(&tx, &now, &actor, "kiosk.register", "device", Some(id), None, None, Some(&serde_json::json!({ "label": label })))?;
            let d = tx.query_row(&format!("{DEVICE_SELECT} WHERE d.id = ?1"), [id], read_device)?;
            tx.commit()?;
            Ok(d)
        })?;
        d.token = Some(token);
        Ok(d)
    }

    /// The centre's registered kiosks (administrators).
    pub fn kiosk_list(&self) -> Result<Vec<Device>> {
        self.permit(Act::Admin)?;
        self.conn().prepare(&format!("{DEVICE_SELECT} WHERE d.kind = 'kiosk' ORDER BY d.id"))?.query_map([], read_device)?.collect()
    }

    /// Staff at the service centre start pairing a family computer with a
    /// holder: a one-time code, valid [`PAIRING_SECS`], to be typed into the
    /// family app. A newer code for the same holder voids the older one.
    pub fn pairing_start(&mut self, holder: i64) -> Result<PairingCode> {
        self.permit(Act::PairingStart { holder })?;
        let staff = self.actor_ref().staff_id().ok_or_else(Error::not_logged_in)?;
        let person = self.get_person(holder)?;
        let now_dt = self.now();
        let now = time::to_db(now_dt);
        let expires_at = time::to_db(now_dt + chrono::Duration::seconds(PAIRING_SECS));
        let actor = self.actor();
        crate::store::retry(|| {
            let code = new_pairing_code();
            let tx = self.conn().begin()?;
            tx.execute("UPDATE pairing SET voided_at = ?2 WHERE holder_id = ?1 AND used_at IS NULL AND voided_at IS NULL", params![holder, now])?;
            let id: i64 = tx.query_row(
                "INSERT INTO pairing (holder_id, staff_id, code_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![holder, staff, token_hash(&code), now, expires_at],
                |r| r.get(0),
            )?;
            audit::record(&tx, &now, &actor, "pairing.start", "person", Some(holder), None, None, None)?;
            tx.commit()?;
            Ok(PairingCode {
                id,
                code: format!("{}-{}", &code[..4], &code[4..]),
                holder,
                holder_name_masked: crate::id::mask_name(&person.name),
                expires_at: expires_at.clone(),
                expires_at_local: time::display_china(now_dt + chrono::Duration::seconds(PAIRING_SECS)),
            })
        })
    }

    /// A family computer redeems a pairing code: a device credential that
    /// acts for that holder's household only. A code works once, within its
    /// time; a wrong, used, voided or expired code is `PAIRING_CODE_INVALID`
    /// and changes nothing. (Guessing is bounded by the code's 31^8 ≈ 8.5e11
    /// values and the server's per-address rate limit.)
    pub fn pair(&mut self, code: &str, label: Option<&str>, public_key: Option<&str>) -> Result<Device> {
        let code = normal_pairing_code(code).ok_or_else(Error::pairing_code_invalid)?;
        let label = check_label(label)?;
        let device_key = match public_key.map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => Some(crate::app::qr::verifying_key_from_hex(k).map_err(|_| Error::device_key_invalid())?),
            None => None,
        };
        let public_key = device_key.map(|k| data_encoding::HEXLOWER.encode(k.as_bytes()));
        let ledger_key = self.signing_key()?;
        let hash = token_hash(&code);
        let now_dt = self.now();
        let now = time::to_db(now_dt);
        let token = new_token(DEVICE_PREFIX);
        let mut d = crate::store::retry(|| {
            let tx = self.conn().begin()?;
            let found: Option<(i64, i64)> = tx
                .query_row(
                    "SELECT id, holder_id FROM pairing
                     WHERE code_hash = ?1 AND used_at IS NULL AND voided_at IS NULL AND expires_at > ?2
                     ORDER BY id DESC LIMIT 1",
                    params![hash, now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((pairing, holder)) = found else {
                return Err(Error::pairing_code_invalid());
            };
            // Used at most once even if two computers type it at once: only
            // the one whose UPDATE finds it unused pairs.
            let n = tx.execute("UPDATE pairing SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL", params![pairing, now])?;
            if n != 1 {
                return Err(Error::pairing_code_invalid());
            }
            let id: i64 = tx.query_row(
                "INSERT INTO device (kind, holder_id, pairing_id, token_hash, label, public_key, created_at, last_used_at)
                 VALUES ('family', ?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id",
                params![holder, pairing, token_hash(&token), label, public_key, now],
                |r| r.get(0),
            )?;
            audit::record(
                &tx,
                &now,
                &format!("household:{holder}"),
                "device.pair",
                "device",
                Some(id),
                None,
                None,
                Some(&serde_json::json!({ "label": label })),
            )?;
            // The holder is told every time a computer joins the family.
            let when = time::display_china(now_dt);
            let what = label.as_deref().unwrap_or("");
            audit::notify(
                &tx,
                holder,
                &format!("【亲情医保】一台电脑（{what}）已于{when}配对到您的家庭账户，可查看家人信息并出示医保码。如非本人办理，请立即到社区服务中心解除配对。"),
                &format!("[Qinqing] A computer ({what}) was paired with your family account at {when} (China time); it can see your family's records and show their codes. If you did not do this, go to the service centre at once to unpair it."),
                &now,
            )?;
            let d = tx.query_row(&format!("{DEVICE_SELECT} WHERE d.id = ?1"), [id], read_device)?;
            tx.commit()?;
            Ok(d)
        })?;
        d.token = Some(token);
        if let (Some(k), Some(holder)) = (device_key, d.holder) {
            d.certificate = Some(crate::app::qr::certify(&ledger_key, d.id, holder, now_dt.timestamp() + crate::app::qr::DEVICE_CERT_SECS, &k)?);
        }
        Ok(d)
    }

    /// The computers paired with a holder (staff, or the household itself).
    pub fn device_list(&self, holder: i64) -> Result<Vec<Device>> {
        self.permit(Act::DeviceManage { holder })?;
        self.conn().prepare(&format!("{DEVICE_SELECT} WHERE d.holder_id = ?1 ORDER BY d.id"))?.query_map([holder], read_device)?.collect()
    }

    /// Unpair a computer: its next request is refused (`TOKEN_REVOKED`).
    /// Staff, or the household itself ("unpair this computer").
    pub fn device_revoke(&mut self, id: i64) -> Result<Device> {
        let holder: Option<i64> =
            self.conn().query_row("SELECT holder_id FROM device WHERE id = ?1", [id], |r| r.get(0)).optional()?.ok_or_else(|| Error::device_not_found(id))?;
        // A family's computer: staff or the household; a kiosk: administrators.
        self.permit(match holder {
            Some(holder) => Act::DeviceManage { holder },
            None => Act::Admin,
        })?;
        let now = time::to_db(self.now());
        let actor = self.actor();
        crate::store::retry(|| {
            let tx = self.conn().begin()?;
            tx.execute("UPDATE device SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1", params![id, now])?;
            audit::record(&tx, &now, &actor, "device.revoke", "device", Some(id), None, None, None)?;
            let d = tx.query_row(&format!("{DEVICE_SELECT} WHERE d.id = ?1"), [id], read_device)?;
            tx.commit()?;
            Ok(d)
        })
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
        let label = check_label(label)?;
        self.list_institutions()?.iter().find(|i| i.id == institution).ok_or_else(|| Error::institution_not_found(institution))?;
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
            audit::record(
                &tx,
                &now,
                &actor,
                "terminal.add",
                "credential",
                Some(t.id),
                None,
                None,
                Some(&serde_json::json!({ "institution": institution, "label": label })),
            )?;
            tx.commit()?;
            Ok(t)
        })?;
        t.key = Some(key);
        Ok(t)
    }

    /// Every terminal key issued (without the keys).
    pub fn terminal_list(&self) -> Result<Vec<TerminalKey>> {
        self.permit(Act::Admin)?;
        self.conn().prepare(&format!("SELECT {TERMINAL_COLUMNS} FROM credential WHERE kind = 'terminal' ORDER BY id"))?.query_map([], read_terminal)?.collect()
    }

    /// Revoke a terminal's key: its next request is refused (`TOKEN_REVOKED`).
    pub fn terminal_revoke(&mut self, id: i64) -> Result<TerminalKey> {
        self.permit(Act::Admin)?;
        let now = time::to_db(self.now());
        let actor = self.actor();
        crate::store::retry(|| {
            let tx = self.conn().begin()?;
            let n = tx.execute("UPDATE credential SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1 AND kind = 'terminal'", params![id, now])?;
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
