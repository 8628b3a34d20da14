//! The member's own part in an application: face verification (a staff
//! check in person, or a face capture judged at review) and, from 60,
//! remote confirmation by a one-time code sent to the member; the outbox
//! the codes go to.

use super::load_all;
use super::model::{Binding, Message, ADULT_AGE, REMOTE_AGE, REMOTE_CODES_PER_DAY, REMOTE_CODES_PER_MEMBER_PER_DAY, REMOTE_CODE_ATTEMPTS};
use super::Loaded;
use crate::access::audit;
use crate::access::authz::Act;
use crate::app::document::{load_doc, DocKind};
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::time;
use sha2::{Digest, Sha256};

fn remote_code_hash(binding: i64, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("qinqing-remote:{binding}:{code}").as_bytes());
    format!("{:x}", h.finalize())
}

impl Qinqing {
    fn require_face_needed(l: &Loaded) -> Result<()> {
        if time::age_on(l.member.rid.birth_date(), l.app_date) < ADULT_AGE {
            return Err(Error::face_not_required());
        }
        Ok(())
    }

    /// A logged-in staff member attests that they compared the member's face
    /// with the ID card in person.
    pub fn verify_face_by_staff(&mut self, id: i64, staff_id: i64) -> Result<Binding> {
        self.permit(Act::FaceAttest { binding: id, staff: staff_id })?;
        self.active_staff(staff_id)?;
        self.change_binding(id, "binding.face_staff", |_, l, now, _| {
            Self::require_draft(l, "再做人脸核验", "face-verified again")?;
            Self::require_face_needed(l)?;
            l.row.face_method = Some("staff".into());
            l.row.face_staff_id = Some(staff_id);
            l.row.face_doc_id = None;
            l.row.face_at = Some(now.to_string());
            Ok(())
        })
    }

    /// As [`verify_face_by_staff`], with the staff member's password checked.
    pub fn verify_face_by_staff_password(&mut self, id: i64, staff_id: i64, password: &str) -> Result<Binding> {
        self.verify_staff(staff_id, password)?;
        self.verify_face_by_staff(id, staff_id)
    }

    /// A face capture of the member, stored as a `face_capture` document, to
    /// be judged by the reviewer. It is also attached to the application.
    pub fn verify_face_by_evidence(&mut self, id: i64, doc_id: i64) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        // Only a photo this actor may see (not another family's, by its number).
        self.permit(Act::DocumentRead { document: doc_id })?;
        self.change_binding(id, "binding.face_evidence", |tx, l, now, _| {
            Self::require_draft(l, "再做人脸核验", "face-verified again")?;
            Self::require_face_needed(l)?;
            let d = load_doc(tx, doc_id)?;
            if d.kind != DocKind::FaceCapture || d.person_id != l.row.member_id {
                return Err(Error::face_evidence_kind());
            }
            tx.execute(
                "INSERT INTO binding_document (binding_id, document_id, attached_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![l.row.id, doc_id, now],
            )?;
            l.row.face_method = Some("evidence".into());
            l.row.face_doc_id = Some(doc_id);
            l.row.face_staff_id = None;
            l.row.face_at = Some(now.to_string());
            Ok(())
        })
    }

    /// Remote confirmation (member aged 60+), step 1: a one-time 6-digit
    /// code goes to the member (the outbox stands in for an SMS gateway),
    /// never to the holder's screen. Sending again voids the earlier code.
    pub fn send_remote_code(&mut self, id: i64) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        use password_hash::rand_core::{OsRng, RngCore};
        let code = format!("{:06}", OsRng.next_u32() % 1_000_000);
        let secs = self.setting("remote_code_secs")?;
        // A fresh code resets the tries: so at most a few codes a day, or
        // guessing would only be slowed, never stopped.
        let since = time::to_db(self.now() - chrono::Duration::hours(24));
        let sent: i64 = self.conn().query_row(
            "SELECT count(*) FROM audit WHERE entity = 'binding' AND entity_id = ?1 AND action = 'binding.remote_code_sent' AND at >= ?2",
            params![id, since],
            |r| r.get(0),
        )?;
        if sent >= REMOTE_CODES_PER_DAY {
            return Err(Error::remote_code_too_many(REMOTE_CODES_PER_DAY));
        }
        // … and to one member from all applications together: no one fills
        // an elder's phone with requests.
        let to_member: i64 = self.conn().query_row(
            "SELECT count(*) FROM audit WHERE action = 'binding.remote_code_sent' AND at >= ?2
               AND person_id = (SELECT member_id FROM binding WHERE id = ?1)",
            params![id, since],
            |r| r.get(0),
        )?;
        if to_member >= REMOTE_CODES_PER_MEMBER_PER_DAY {
            return Err(Error::remote_code_too_many(REMOTE_CODES_PER_MEMBER_PER_DAY));
        }
        let expires = time::to_db(self.now() + chrono::Duration::seconds(secs));
        self.change_binding(id, "binding.remote_code_sent", |tx, l, now, _| {
            Self::require_draft(l, "远程授权", "confirmed remotely")?;
            if time::age_on(l.member.rid.birth_date(), l.app_date) < REMOTE_AGE {
                return Err(Error::remote_not_allowed());
            }
            tx.execute(
                "UPDATE binding SET remote_code_hash = ?2, remote_code_expires = ?3, remote_code_attempts = 0 WHERE id = ?1",
                params![l.row.id, remote_code_hash(l.row.id, &code), expires],
            )?;
            let holder = crate::id::mask_name(&l.holder.name);
            tx.execute(
                "INSERT INTO outbox (person_id, channel, body_zh, body_en, created_at) VALUES (?1, 'sms', ?2, ?3, ?4)",
                params![
                    l.member.id,
                    format!("【亲情医保】{holder}申请把您绑定为亲情账户家庭成员。如您同意，请把确认码{code}告诉对方，{}分钟内有效。不同意请忽略。", secs / 60),
                    format!("[Qinqing] {holder} asks to bind you to their family account. If you agree, tell them the code {code} (valid {} min). Otherwise ignore this.", secs / 60),
                    now
                ],
            )?;
            Ok(())
        })
    }

    /// Remote confirmation, step 2: the code the member read out. Wrong codes
    /// are counted (5 void it); a right one is used up.
    pub fn confirm_remote(&mut self, id: i64, code: &str) -> Result<Binding> {
        crate::store::retry(|| self.confirm_remote_once(id, code))
    }

    fn confirm_remote_once(&mut self, id: i64, code: &str) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        let code = code.trim().to_string();
        let today = self.today();
        let now_dt = self.now();
        let now = time::to_db(now_dt);
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let l = load_all(&tx, id, today)?;
        Self::require_draft(&l, "远程授权", "confirmed remotely")?;
        if time::age_on(l.member.rid.birth_date(), l.app_date) < REMOTE_AGE {
            return Err(Error::remote_not_allowed());
        }
        let (hash, expires, attempts): (Option<String>, Option<String>, i64) =
            tx.query_row("SELECT remote_code_hash, remote_code_expires, remote_code_attempts FROM binding WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let Some(hash) = hash else { return Err(Error::remote_code_none()) };
        let expired = expires.as_deref().and_then(time::from_db).is_none_or(|e| now_dt > e);
        if expired || attempts >= REMOTE_CODE_ATTEMPTS {
            return Err(Error::remote_code_expired());
        }
        if remote_code_hash(id, &code) != hash {
            tx.execute("UPDATE binding SET remote_code_attempts = remote_code_attempts + 1 WHERE id = ?1", [id])?;
            audit::record(&tx, &now, &actor, "binding.remote_code_wrong", "binding", Some(id), Some(l.row.member_id), None, None)?;
            tx.commit()?;
            let left = REMOTE_CODE_ATTEMPTS - attempts - 1;
            return Err(if left > 0 { Error::remote_code_wrong(left) } else { Error::remote_code_expired() });
        }
        let before = l.row.snapshot();
        tx.execute("UPDATE binding SET remote_confirmed_at = ?2, remote_code_hash = NULL, remote_code_expires = NULL WHERE id = ?1", params![id, now])?;
        let fresh = load_all(&tx, id, today)?;
        audit::record(&tx, &now, &actor, "binding.remote_confirm", "binding", Some(id), Some(l.row.member_id), Some(&before), Some(&fresh.row.snapshot()))?;
        tx.commit()?;
        Ok(fresh.view(today))
    }

    /// Messages sent to a person, newest first.
    pub fn outbox(&self, person: i64) -> Result<Vec<Message>> {
        self.permit(Act::Outbox { person })?;
        let mut stmt =
            self.conn().prepare("SELECT id, person_id, channel, body_zh, body_en, created_at FROM outbox WHERE person_id = ?1 ORDER BY id DESC LIMIT 50")?;
        let rows = stmt.query_map([person], |r| {
            let at: String = r.get(5)?;
            Ok(Message {
                id: r.get(0)?,
                person_id: r.get(1)?,
                channel: r.get(2)?,
                body_zh: r.get(3)?,
                body_en: r.get(4)?,
                created_at_local: time::from_db(&at).map(time::display_china).unwrap_or_default(),
            })
        })?;
        rows.collect::<crate::error::Result<Vec<_>>>()
    }
}
