//! 亲情账户 — binding family members to a holder's account (DOMAIN §2).
//!
//! Life cycle: `draft → submitted → active | rejected`, `active → unbound`.
//! Every rule is checked when applying, again when submitting and again when
//! approving (a cap may have filled meanwhile), each inside one write
//! transaction ([`crate::store`]) so two processes cannot both take the last place.
//!
//! This file holds the stored record and what every step shares: the row,
//! everything the rules need about one binding read in one go (`Loaded`),
//! the view shown, and the one way a step changes a binding
//! (`change_binding`: load, change, write back, audit). The parts:
//! `model` (the caps, the letter, the states, the requirement rule and the
//! types shown, no store), `apply` (a draft started; the rules about the two
//! people and the caps, checked at each stage), `documents` (what goes with
//! an application), `verify` (face verification and remote confirmation)
//! and `review` (submission, staff decision, guardian activation,
//! unbinding). Every public item is re-exported here, at the paths the
//! faces use (`qinqing_core::binding::…`).

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::document::{read_doc, DocKind, DocStatus, Document, DOC_COLUMNS};
use crate::app::person::{self, Stored};
use crate::app::policy::Relation;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, OptionalExtension, Row};
use crate::time;
use chrono::NaiveDate;
use std::collections::HashSet;

mod apply;
mod documents;
mod model;
mod review;
mod verify;

pub use model::{
    letter, month_bounds_utc, requirement_label, requirements, working_days_between, Binding, BindingQuery, BindingStatus, Facts, Letter, MemberEntry, Message,
    Party, Requirement, ADULT_AGE, DRAFTS_OPEN, HOLDER_CAP, LETTER_EN, LETTER_VERSION, LETTER_ZH, MAX_REASON, MEMBER_MONTHLY_CAP, REMOTE_AGE,
    REMOTE_CODES_PER_DAY, REMOTE_CODES_PER_MEMBER_PER_DAY, REMOTE_CODE_ATTEMPTS,
};

/// The stored row.
#[derive(Debug, Clone, PartialEq)]
struct Row_ {
    id: i64,
    holder_id: i64,
    member_id: i64,
    relation: Relation,
    status: BindingStatus,
    policy_region: String,
    letter_version: Option<String>,
    letter_sha256: Option<String>,
    letter_signed_at: Option<String>,
    face_method: Option<String>,
    face_staff_id: Option<i64>,
    face_doc_id: Option<i64>,
    face_at: Option<String>,
    remote_confirmed_at: Option<String>,
    created_at: String,
    submitted_at: Option<String>,
    decided_at: Option<String>,
    decided_by: Option<i64>,
    reject_reason: Option<String>,
    activated_at: Option<String>,
    activated_month: Option<String>,
    unbound_at: Option<String>,
}

const COLUMNS: &str = "id, holder_id, member_id, relation, status, policy_region, letter_version, letter_sha256, \
    letter_signed_at, face_method, face_staff_id, face_doc_id, face_at, remote_confirmed_at, created_at, submitted_at, \
    decided_at, decided_by, reject_reason, activated_at, activated_month, unbound_at";

fn bad(col: usize, what: &str) -> Error {
    Error::internal(format!("column {col}: stored {what} is not valid"))
}

fn read_row(r: &Row<'_>) -> crate::error::Result<Row_> {
    Ok(Row_ {
        id: r.get(0)?,
        holder_id: r.get(1)?,
        member_id: r.get(2)?,
        relation: Relation::parse(&r.get::<_, String>(3)?).map_err(|_| bad(3, "relation"))?,
        status: BindingStatus::parse(&r.get::<_, String>(4)?).map_err(|_| bad(4, "status"))?,
        policy_region: r.get(5)?,
        letter_version: r.get(6)?,
        letter_sha256: r.get(7)?,
        letter_signed_at: r.get(8)?,
        face_method: r.get(9)?,
        face_staff_id: r.get(10)?,
        face_doc_id: r.get(11)?,
        face_at: r.get(12)?,
        remote_confirmed_at: r.get(13)?,
        created_at: r.get(14)?,
        submitted_at: r.get(15)?,
        decided_at: r.get(16)?,
        decided_by: r.get(17)?,
        reject_reason: r.get(18)?,
        activated_at: r.get(19)?,
        activated_month: r.get(20)?,
        unbound_at: r.get(21)?,
    })
}

fn load_row(conn: &Conn, id: i64) -> Result<Row_> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM binding WHERE id = ?1"), [id], read_row).optional()?.ok_or_else(|| Error::binding_not_found(id))
}

fn write_row(conn: &Conn, b: &Row_) -> Result<()> {
    conn.execute(
        "UPDATE binding SET status = ?2, letter_version = ?3, letter_sha256 = ?4, letter_signed_at = ?5,
            face_method = ?6, face_staff_id = ?7, face_doc_id = ?8, face_at = ?9, remote_confirmed_at = ?10,
            submitted_at = ?11, decided_at = ?12, decided_by = ?13, reject_reason = ?14, activated_at = ?15,
            activated_month = ?16, unbound_at = ?17
         WHERE id = ?1",
        params![
            b.id,
            b.status.as_str(),
            b.letter_version,
            b.letter_sha256,
            b.letter_signed_at,
            b.face_method,
            b.face_staff_id,
            b.face_doc_id,
            b.face_at,
            b.remote_confirmed_at,
            b.submitted_at,
            b.decided_at,
            b.decided_by,
            b.reject_reason,
            b.activated_at,
            b.activated_month,
            b.unbound_at
        ],
    )?;
    Ok(())
}

impl Row_ {
    fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "status": self.status.as_str(),
            "holder_id": self.holder_id,
            "member_id": self.member_id,
            "relation": self.relation.as_str(),
            "letter_version": self.letter_version,
            "face_method": self.face_method,
            "face_staff_id": self.face_staff_id,
            "face_doc_id": self.face_doc_id,
            "remote_confirmed": self.remote_confirmed_at.is_some(),
            "decided_by": self.decided_by,
            "reject_reason": self.reject_reason,
        })
    }

    /// The China date the rules are applied at.
    fn application_date(&self, today: NaiveDate) -> NaiveDate {
        self.submitted_at.as_deref().and_then(time::from_db).map(time::china_date).unwrap_or(today)
    }
}

/// The attached documents staff marked as showing the member (a household
/// register uploaded for the holder).
fn marked_showing_member(conn: &Conn, binding: i64) -> Result<HashSet<i64>> {
    conn.prepare_cached("SELECT document_id FROM binding_document WHERE binding_id = ?1 AND shows_member_by IS NOT NULL")?
        .query_map([binding], |r| r.get(0))?
        .collect()
}

fn doc_ids(conn: &Conn, binding: i64) -> Result<Vec<Document>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM document d JOIN binding_document bd ON bd.document_id = d.id WHERE bd.binding_id = ?1 ORDER BY d.id",
        DOC_COLUMNS.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ")
    ))?;
    let rows = stmt.query_map([binding], read_doc)?;
    rows.collect::<crate::error::Result<Vec<_>>>()
}

fn party(p: &Stored, today: NaiveDate) -> Party {
    Party {
        id: p.id,
        name: p.name.clone(),
        resident_id_masked: p.rid.masked(),
        age: time::age_on(p.rid.birth_date(), today),
        birth_date: p.rid.birth_date().format("%Y-%m-%d").to_string(),
        region: p.region.code.clone(),
        province_zh: p.region.province_zh.clone(),
        province_en: p.region.province_en.clone(),
        voucher_activated: p.voucher_activated,
        disabled: p.disabled,
    }
}

/// Everything the rules need about one binding, read inside a transaction.
struct Loaded {
    row: Row_,
    holder: Stored,
    member: Stored,
    docs: Vec<Document>,
    reqs: Vec<Requirement>,
    app_date: NaiveDate,
    remote_code_pending: bool,
    awaiting_mark: Vec<i64>,
}

fn load_all(conn: &Conn, id: i64, today: NaiveDate) -> Result<Loaded> {
    let row = load_row(conn, id)?;
    let holder = person::load(conn, row.holder_id)?;
    let member = person::load(conn, row.member_id)?;
    let docs = doc_ids(conn, id)?;
    let marked = marked_showing_member(conn, id)?;
    let app_date = row.application_date(today);
    // A rejected document satisfies no requirement; a rejected face photo verifies no one.
    let face_doc_rejected =
        row.face_method.as_deref() == Some("evidence") && docs.iter().any(|d| Some(d.id) == row.face_doc_id && d.status == DocStatus::Rejected);
    let facts = Facts {
        member_age: time::age_on(member.rid.birth_date(), app_date),
        cross_province: holder.region.province_code != member.region.province_code,
        disabled: member.disabled,
        voucher_activated: member.voucher_activated,
        // Only the member's own documents meet the member's requirements, and a
        // holder's household register where staff marked that it shows the member.
        doc_kinds: docs
            .iter()
            .filter(|d| d.status != DocStatus::Rejected)
            .filter(|d| d.person_id == member.id || (d.kind == DocKind::HouseholdRegister && marked.contains(&d.id)))
            .map(|d| d.kind)
            .collect(),
        letter_signed: row.letter_version.as_deref() == Some(LETTER_VERSION),
        face_verified: row.face_method.is_some() && !face_doc_rejected,
        remote_confirmed: row.remote_confirmed_at.is_some(),
    };
    let reqs = requirements(&facts);
    let remote_code_pending = conn
        .query_row("SELECT remote_code_hash IS NOT NULL AND remote_code_attempts < ?2 FROM binding WHERE id = ?1", params![id, REMOTE_CODE_ATTEMPTS], |r| {
            r.get(0)
        })
        .unwrap_or(false);
    let awaiting_mark = docs.iter().filter(|d| d.person_id == holder.id && d.person_id != member.id && !marked.contains(&d.id)).map(|d| d.id).collect();
    Ok(Loaded { row, holder, member, docs, reqs, app_date, remote_code_pending, awaiting_mark })
}

fn local(s: &Option<String>) -> Option<String> {
    s.as_deref().and_then(time::from_db).map(time::display_china)
}

impl Loaded {
    fn view(self, today: NaiveDate) -> Binding {
        let member_age = time::age_on(self.member.rid.birth_date(), self.app_date);
        let missing: Vec<&'static str> = self.reqs.iter().filter(|r| !r.satisfied).map(|r| r.key).collect();
        let r = self.row;
        Binding {
            id: r.id,
            holder: party(&self.holder, today),
            member: party(&self.member, today),
            relation: r.relation,
            relation_zh: r.relation.zh(),
            relation_en: r.relation.en(),
            status: r.status,
            application_date: self.app_date.format("%Y-%m-%d").to_string(),
            member_age,
            cross_province: self.holder.region.province_code != self.member.region.province_code,
            policy_region: r.policy_region.clone(),
            complete: missing.is_empty(),
            missing,
            requirements: self.reqs,
            rejected_documents: self.docs.iter().filter(|d| d.status == DocStatus::Rejected).map(|d| d.id).collect(),
            awaiting_staff_mark: self.awaiting_mark,
            documents: self.docs,
            letter_version: r.letter_version.clone(),
            letter_signed_at_local: local(&r.letter_signed_at),
            face_method: r.face_method.clone(),
            face_staff_id: r.face_staff_id,
            face_doc_id: r.face_doc_id,
            face_at_local: local(&r.face_at),
            remote_allowed: member_age >= REMOTE_AGE,
            guardian_activation_allowed: time::age_on(self.member.rid.birth_date(), today) < ADULT_AGE
                && !self.member.voucher_activated
                && r.status == BindingStatus::Active
                && r.relation == Relation::Child,
            remote_confirmed_at_local: local(&r.remote_confirmed_at),
            remote_code_pending: self.remote_code_pending,
            created_at_local: local(&Some(r.created_at.clone())).unwrap_or_default(),
            submitted_at_local: local(&r.submitted_at),
            decided_at_local: local(&r.decided_at),
            decided_by: r.decided_by,
            reject_reason: r.reject_reason.clone(),
            activated_at_local: local(&r.activated_at),
            unbound_at_local: local(&r.unbound_at),
            waiting_working_days: (r.status == BindingStatus::Submitted).then(|| working_days_between(self.app_date, today)),
        }
    }
}

impl Qinqing {
    /// Load a binding, let `change` alter it (after checking its state),
    /// write it back with an audit entry, all in one transaction.
    fn change_binding(&mut self, id: i64, action: &str, change: impl Fn(&Conn, &mut Loaded, &str, NaiveDate) -> Result<()>) -> Result<Binding> {
        crate::store::retry(|| self.change_binding_once(id, action, &change))
    }

    fn change_binding_once(&mut self, id: i64, action: &str, change: impl Fn(&Conn, &mut Loaded, &str, NaiveDate) -> Result<()>) -> Result<Binding> {
        let today = self.today();
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let mut l = load_all(&tx, id, today)?;
        let before = l.row.clone();
        change(&tx, &mut l, &now, today)?;
        write_row(&tx, &l.row)?;
        audit::record(&tx, &now, &actor, action, "binding", Some(id), Some(l.row.member_id), Some(&before.snapshot()), Some(&l.row.snapshot()))?;
        let fresh = load_all(&tx, id, today)?;
        tx.commit()?;
        self.shown(fresh.view(today))
    }

    /// A binding as this actor may see it: a birth date is shown only to
    /// staff and to the person's own family — never beside a masked ID
    /// number to someone applying for a stranger, or to the other holder.
    fn shown(&self, mut b: Binding) -> Result<Binding> {
        if let Some(family) = self.visible_persons()? {
            for p in [&mut b.holder, &mut b.member] {
                if !family.contains(&p.id) {
                    p.birth_date.clear();
                }
            }
        }
        Ok(b)
    }

    fn require_draft(l: &Loaded, action_zh: &str, action_en: &str) -> Result<()> {
        if l.row.status != BindingStatus::Draft {
            return Err(Error::binding_wrong_state(l.row.status.zh(), l.row.status.en(), action_zh, action_en));
        }
        Ok(())
    }

    pub fn get_binding(&self, id: i64) -> Result<Binding> {
        self.permit(Act::BindingRead { binding: id })?;
        let today = self.today();
        self.shown(load_all(self.conn(), id, today)?.view(today))
    }

    /// Bindings, newest first.
    pub fn list_bindings(&self, q: &BindingQuery) -> Result<Vec<Binding>> {
        self.permit(Act::BindingList { holder: q.holder, member: q.member })?;
        let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(BindingStatus::parse(s)?.as_str()),
            None => None,
        };
        let ids: Vec<i64> = self
            .conn()
            .prepare_cached(
                "SELECT id FROM binding WHERE (holder_id = ?1 OR ?1 IS NULL) AND (member_id = ?2 OR ?2 IS NULL)
                   AND (status = ?3 OR ?3 IS NULL) ORDER BY id DESC",
            )?
            .query_map(params![q.holder, q.member, status], |r| r.get(0))?
            .collect::<crate::error::Result<_>>()?;
        ids.into_iter().map(|id| self.get_binding(id)).collect()
    }
}
