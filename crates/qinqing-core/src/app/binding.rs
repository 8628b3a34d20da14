//! 亲情账户 — binding family members to a holder's account (DOMAIN §2).
//!
//! Life cycle: `draft → submitted → active | rejected`, `active → unbound`.
//! Every rule is checked when applying, again when submitting and again when
//! approving (a cap may have filled meanwhile), each inside one write
//! transaction ([`crate::store`]) so two processes cannot both take the last place.

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::document::{load_doc, read_doc, DocKind, DocStatus, Document, Ingested, UploadFor, DOC_COLUMNS};
use crate::app::person::{self, Status, Stored};
use crate::app::policy::{self, Relation, Seniority};
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::id::ResidentId;
use crate::params;
use crate::store::{Conn, OptionalExtension, Row};
use crate::time;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// One holder binds at most this many members (active bindings).
pub const HOLDER_CAP: usize = 5;
/// One member is validly bound by at most this many holders per natural month (China time).
pub const MEMBER_MONTHLY_CAP: usize = 2;
pub use qinqing_domain::ages::ADULT_AGE;
/// From this age a member may authorize remotely (60岁以上, inclusive).
pub const REMOTE_AGE: i32 = 60;
/// A rejection reason is at most this long.
pub const MAX_REASON: usize = 200;

/// The commitment letter (承诺书). Changing its text means a new version.
pub const LETTER_VERSION: &str = "2026-01";
pub const LETTER_ZH: &str = "医保亲情账户绑定承诺书\n\
本人承诺：所填家庭成员信息及所附证明材料真实、有效；本人与被绑定人确为所填关系；\
绑定后仅用于为被绑定人出示医保码、查询其个人账户余额与医疗费用，不出租、出借、转让医保凭证，\
不利用亲情账户骗取医保基金。如有不实，本人愿承担相应法律责任，并同意医保部门解除绑定。";
pub const LETTER_EN: &str = "Commitment letter for binding a family proxy account\n\
I promise that the family member's details and the documents attached are true and valid, and that the \
relation stated is real. I will use the binding only to show the member's insurance QR code and to look up \
their personal-account balance and medical expenses; I will not rent, lend or transfer the insurance \
voucher, nor use the account to obtain insurance funds by fraud. If anything is untrue I accept the legal \
consequences and agree that the insurance office may dissolve the binding.";

#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    pub version: &'static str,
    pub text_zh: &'static str,
    pub text_en: &'static str,
    /// SHA-256 of the exact text signed (zh, newline, en).
    pub sha256: String,
}

pub fn letter() -> Letter {
    let mut h = Sha256::new();
    h.update(LETTER_ZH.as_bytes());
    h.update(b"\n");
    h.update(LETTER_EN.as_bytes());
    Letter { version: LETTER_VERSION, text_zh: LETTER_ZH, text_en: LETTER_EN, sha256: format!("{:x}", h.finalize()) }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingStatus {
    Draft,
    Submitted,
    Active,
    Rejected,
    Unbound,
}

impl BindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BindingStatus::Draft => "draft",
            BindingStatus::Submitted => "submitted",
            BindingStatus::Active => "active",
            BindingStatus::Rejected => "rejected",
            BindingStatus::Unbound => "unbound",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            BindingStatus::Draft => "草稿",
            BindingStatus::Submitted => "待审核",
            BindingStatus::Active => "已绑定",
            BindingStatus::Rejected => "已驳回",
            BindingStatus::Unbound => "已解绑",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            BindingStatus::Draft => "a draft",
            BindingStatus::Submitted => "awaiting review",
            BindingStatus::Active => "active",
            BindingStatus::Rejected => "rejected",
            BindingStatus::Unbound => "unbound",
        }
    }
    pub fn parse(raw: &str) -> Result<Self> {
        [Self::Draft, Self::Submitted, Self::Active, Self::Rejected, Self::Unbound]
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Error::status_invalid(raw))
    }
}

/// What an application still needs. `key` is stable (the UI labels it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// `voucher`, `doc_child_identity`, `doc_household_register`,
    /// `doc_proof_of_insurance`, `doc_medical_certificate`, `face`, `letter`.
    pub key: &'static str,
    pub satisfied: bool,
    /// Document kinds that satisfy it (any one), for document requirements.
    pub kinds: Vec<DocKind>,
}

/// The facts the requirement rule looks at.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub member_age: i32,
    pub cross_province: bool,
    pub disabled: bool,
    pub voucher_activated: bool,
    pub doc_kinds: HashSet<DocKind>,
    pub letter_signed: bool,
    /// A staff-attested check or face-capture evidence is recorded.
    pub face_verified: bool,
    pub remote_confirmed: bool,
}

/// The rule of DOMAIN §2 "Documents": what a binding needs, by the member's
/// age on the application date.
pub fn requirements(f: &Facts) -> Vec<Requirement> {
    let doc = |key, kinds: Vec<DocKind>| Requirement { key, satisfied: kinds.iter().any(|k| f.doc_kinds.contains(k)), kinds };
    // A member of 16 or over has activated their own voucher before anyone
    // applies (checked at application); a child's is activated by the parent
    // once the binding is approved (DOMAIN §2 "Guardian activation"), so it
    // is not something a draft can or must have.
    let mut out = Vec::new();
    if f.member_age >= ADULT_AGE {
        out.push(Requirement { key: "voucher", satisfied: f.voucher_activated, kinds: vec![] });
    }
    if f.member_age < ADULT_AGE {
        out.push(doc("doc_child_identity", vec![DocKind::BirthCertificate, DocKind::HouseholdRegister, DocKind::RelationshipNotarization]));
    } else {
        out.push(doc("doc_household_register", vec![DocKind::HouseholdRegister]));
        let remote_ok = f.member_age >= REMOTE_AGE && f.remote_confirmed;
        out.push(Requirement { key: "face", satisfied: f.face_verified || remote_ok, kinds: vec![DocKind::FaceCapture] });
    }
    if f.cross_province {
        out.push(doc("doc_proof_of_insurance", vec![DocKind::ProofOfInsurance]));
    }
    if f.disabled {
        out.push(doc("doc_medical_certificate", vec![DocKind::MedicalCertificate]));
    }
    out.push(Requirement { key: "letter", satisfied: f.letter_signed, kinds: vec![] });
    out
}

pub fn requirement_label(key: &str) -> (&'static str, &'static str) {
    match key {
        "voucher" => ("激活电子凭证", "an activated e-voucher"),
        "doc_child_identity" => ("出生医学证明、户口簿或关系公证书（任一）", "a birth certificate, household register or relationship notarization"),
        "doc_household_register" => ("户口簿", "the household register"),
        "doc_proof_of_insurance" => ("参保证明（跨省绑定）", "proof of insurance (cross-province)"),
        "doc_medical_certificate" => ("医学证明（失能人员）", "a medical certificate (disabled member)"),
        "face" => ("人脸核验", "a face verification"),
        "letter" => ("签署承诺书", "the signed commitment letter"),
        _ => ("其他", "other"),
    }
}

/// One side of a binding, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub id: i64,
    pub name: String,
    pub resident_id_masked: String,
    pub age: i32,
    pub birth_date: String,
    pub region: String,
    pub province_zh: String,
    pub province_en: String,
    pub voucher_activated: bool,
    pub disabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Binding {
    pub id: i64,
    pub holder: Party,
    pub member: Party,
    pub relation: Relation,
    pub relation_zh: &'static str,
    pub relation_en: &'static str,
    pub status: BindingStatus,
    /// China date the rules are applied at: the submission date once
    /// submitted, else today.
    pub application_date: String,
    /// The member's age on the application date.
    pub member_age: i32,
    pub cross_province: bool,
    pub policy_region: String,
    pub requirements: Vec<Requirement>,
    /// Keys of the requirements not yet met.
    pub missing: Vec<&'static str>,
    pub complete: bool,
    pub documents: Vec<Document>,
    /// Attached documents staff rejected (they count for nothing), for the reviewer and the holder.
    pub rejected_documents: Vec<i64>,
    /// The holder's own household register, attached but not yet marked by
    /// staff as showing the member: it counts for nothing until it is.
    pub awaiting_staff_mark: Vec<i64>,
    pub letter_version: Option<String>,
    pub letter_signed_at_local: Option<String>,
    pub face_method: Option<String>,
    pub face_staff_id: Option<i64>,
    pub face_doc_id: Option<i64>,
    pub face_at_local: Option<String>,
    /// Whether the member may confirm remotely (60 or over).
    pub remote_allowed: bool,
    /// Whether the holder may activate the member's e-voucher as guardian
    /// now: the member is their child under 16, not yet activated, and the
    /// binding is approved.
    pub guardian_activation_allowed: bool,
    pub remote_confirmed_at_local: Option<String>,
    /// A confirmation code was sent to the member and can still be entered.
    pub remote_code_pending: bool,
    pub created_at_local: String,
    pub submitted_at_local: Option<String>,
    pub decided_at_local: Option<String>,
    pub decided_by: Option<i64>,
    pub reject_reason: Option<String>,
    pub activated_at_local: Option<String>,
    pub unbound_at_local: Option<String>,
    /// Working days (Mon–Fri) since submission, while awaiting review.
    pub waiting_working_days: Option<i64>,
}

/// Working days (Monday to Friday) after `from` up to and including `to`.
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d.succ_opt().unwrap_or(d);
        if d.weekday().number_from_monday() <= 5 {
            n += 1;
        }
    }
    n
}

/// Filters for `list_bindings`.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct BindingQuery {
    pub holder: Option<i64>,
    pub member: Option<i64>,
    pub status: Option<String>,
}

/// A member as typed into the "add a family member" form.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct MemberEntry {
    pub name: String,
    pub resident_id: String,
    pub relation: String,
}

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

/// DOMAIN §2 "Whose documents": of the holder's own documents only a
/// household register may go with a member's application (a shared
/// register, which counts once staff mark that it shows the member); the
/// holder's birth certificate, face or proof of insurance never stand for
/// the member's.
fn holder_doc_allowed(holders_own: bool, kind: DocKind) -> Result<()> {
    if holders_own && kind != DocKind::HouseholdRegister {
        return Err(Error::doc_not_members());
    }
    Ok(())
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

/// When in the life cycle the rules are being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Apply,
    Submit,
    Approve,
}

fn status_words(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Active => ("正常", "active"),
        Status::Suspended => ("暂停", "suspended"),
        Status::Lapsed => ("中断", "lapsed"),
    }
}

fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The China-time natural month containing `day`, as UTC instants in the
/// stored format: [start, end).
pub fn month_bounds_utc(day: NaiveDate) -> (String, String) {
    let first = day.with_day(1).unwrap_or(day);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let at = |d: NaiveDate| {
        let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        time::to_db(chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(local - chrono::Duration::hours(8), chrono::Utc))
    };
    (at(first), at(next))
}

/// The rules about the two people and the caps (DOMAIN §2), checked at each
/// stage. `this` is the binding being checked (excluded from its own counts).
/// Returns the policy prefix that allowed the relation.
/// What the two ID numbers alone say of a relation (no register needed): the
/// holder is an adult, the birth dates go the right way, and the relation is
/// plausible (DOMAIN §2). Checked on what was typed before anyone is looked
/// up, so its answer tells nothing about whether the person exists.
fn relation_fits(holder: &ResidentId, member: &ResidentId, relation: Relation, today: NaiveDate) -> Result<()> {
    if time::age_on(holder.birth_date(), today) < policy::HOLDER_MIN_AGE {
        return Err(Error::holder_under_age(policy::HOLDER_MIN_AGE));
    }
    let (hb, mb) = (holder.birth_date(), member.birth_date());
    match relation.seniority() {
        Seniority::Older if mb >= hb => return Err(Error::relation_inconsistent(relation.zh(), relation.en(), true)),
        Seniority::Younger if mb <= hb => return Err(Error::relation_inconsistent(relation.zh(), relation.en(), false)),
        _ => {}
    }
    policy::plausible(relation, holder.into(), member.into(), today)
}

fn check_parties(conn: &Conn, holder: &Stored, member: &Stored, relation: Relation, this: Option<i64>, today: NaiveDate, stage: Stage) -> Result<String> {
    if holder.id == member.id || holder.rid.as_str() == member.rid.as_str() {
        return Err(Error::bind_self());
    }
    if holder.status != Status::Active {
        let (zh, en) = status_words(holder.status);
        return Err(Error::holder_not_insured(zh, en));
    }
    if member.status != Status::Active {
        let (zh, en) = status_words(member.status);
        return Err(Error::member_not_insured(zh, en));
    }
    let pol = policy::policy_for(conn, &holder.region.code)?;
    if !pol.relations.contains(&relation) {
        return Err(Error::relation_not_allowed(
            relation.zh(),
            relation.en(),
            &holder.region.code,
            &policy::join_zh(&pol.relations),
            &policy::join_en(&pol.relations),
        ));
    }
    relation_fits(&holder.rid, &member.rid, relation, today)?;
    let mb = member.rid.birth_date();
    if time::age_on(mb, today) >= ADULT_AGE && !member.voucher_activated {
        return Err(Error::member_voucher_not_activated());
    }
    let this = this.unwrap_or(0);
    let dup: Option<String> = conn
        .query_row(
            "SELECT status FROM binding WHERE holder_id = ?1 AND member_id = ?2 AND id <> ?3
               AND status IN ('draft', 'submitted', 'active') LIMIT 1",
            params![holder.id, member.id, this],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(s) = dup {
        let s = BindingStatus::parse(&s)?;
        return Err(Error::binding_duplicate(s.zh(), s.en()));
    }
    // Pending applications hold a place until decided; at approval only the
    // bindings that are in force count.
    let counted = if stage == Stage::Approve { "('active')" } else { "('active', 'submitted')" };
    let held: i64 =
        conn.query_row(&format!("SELECT count(*) FROM binding WHERE holder_id = ?1 AND id <> ?2 AND status IN {counted}"), params![holder.id, this], |r| {
            r.get(0)
        })?;
    if held as usize >= HOLDER_CAP {
        return Err(Error::holder_cap_reached(HOLDER_CAP));
    }
    // DOMAIN §2: every holder whose binding with the member is in effect at
    // any moment of this natural month (China time) counts — bound earlier
    // and still active, bound this month, or unbound during this month.
    let (start, end) = month_bounds_utc(today);
    let holders_this_month: i64 = conn.query_row(
        "SELECT count(DISTINCT holder_id) FROM binding
         WHERE member_id = ?1 AND holder_id <> ?2 AND activated_at IS NOT NULL AND status IN ('active', 'unbound')
           AND activated_at < ?4 AND (unbound_at IS NULL OR unbound_at >= ?3)",
        params![member.id, holder.id, start, end],
        |r| r.get(0),
    )?;
    if holders_this_month as usize >= MEMBER_MONTHLY_CAP {
        return Err(Error::member_monthly_cap_reached(MEMBER_MONTHLY_CAP, &month_of(today)));
    }
    Ok(pol.region_prefix)
}

/// Every requirement met; when one is unmet only because staff rejected
/// the document that would meet it, say so (the holder must upload again).
fn check_complete(l: &Loaded) -> Result<()> {
    let missing: Vec<&Requirement> = l.reqs.iter().filter(|r| !r.satisfied).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let rejected: Vec<&Document> =
        l.docs.iter().filter(|d| d.status == DocStatus::Rejected).filter(|d| missing.iter().any(|r| r.kinds.contains(&d.kind))).collect();
    if !rejected.is_empty() {
        let zh: Vec<&str> = rejected.iter().map(|d| d.kind.zh()).collect();
        let en: Vec<&str> = rejected.iter().map(|d| d.kind.en()).collect();
        return Err(Error::doc_rejected(&zh.join("、"), &en.join(", ")));
    }
    let zh: Vec<&str> = missing.iter().map(|r| requirement_label(r.key).0).collect();
    let en: Vec<&str> = missing.iter().map(|r| requirement_label(r.key).1).collect();
    Err(Error::binding_incomplete(&zh.join("、"), &en.join(", ")))
}

/// Wrong remote-confirmation codes allowed before the code is void.
pub const REMOTE_CODE_ATTEMPTS: i64 = 5;
/// Codes one application may send in 24 hours.
pub const REMOTE_CODES_PER_DAY: i64 = 3;
/// Confirmation messages one member receives in 24 hours, whoever applies.
pub const REMOTE_CODES_PER_MEMBER_PER_DAY: i64 = 5;
/// Applications in progress (drafts and submitted) one holder may have.
pub const DRAFTS_OPEN: i64 = 10;

fn remote_code_hash(binding: i64, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("qinqing-remote:{binding}:{code}").as_bytes());
    format!("{:x}", h.finalize())
}

/// A message in a person's outbox (the stand-in for an SMS gateway).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Message {
    pub id: i64,
    pub person_id: i64,
    pub channel: String,
    pub body_zh: String,
    pub body_en: String,
    pub created_at_local: String,
}

/// A document is about to be deleted (in `tx`): refused while a submitted,
/// active or decided application relies on it; otherwise drafts forget it.
fn release_document(tx: &Conn, id: i64) -> Result<()> {
    let used: Option<String> = tx
        .query_row(
            "SELECT b.status FROM binding b WHERE b.status <> 'draft' AND (b.face_doc_id = ?1 OR b.id IN
               (SELECT binding_id FROM binding_document WHERE document_id = ?1)) LIMIT 1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(s) = used {
        let s = BindingStatus::parse(&s)?;
        return Err(Error::doc_in_use(s.zh(), s.en()));
    }
    tx.execute("DELETE FROM binding_document WHERE document_id = ?1", [id])?;
    tx.execute("UPDATE binding SET face_method = NULL, face_doc_id = NULL, face_at = NULL WHERE face_doc_id = ?1 AND status = 'draft'", [id])?;
    Ok(())
}

/// A document just uploaded for application `binding` joins it (inside the
/// transaction that stored it). The same bytes uploaded again for it are
/// attached once.
fn attach_uploaded(tx: &Conn, binding: i64, document: i64, now: &str, duplicate: bool) -> Result<()> {
    if duplicate {
        tx.execute(
            "INSERT INTO binding_document (binding_id, document_id, attached_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![binding, document, now],
        )?;
    } else {
        tx.execute("INSERT INTO binding_document (binding_id, document_id, attached_at) VALUES (?1, ?2, ?3)", params![binding, document, now])?;
    }
    Ok(())
}

impl Qinqing {
    /// Whether a document of `person_id` may be added to application
    /// `binding` now: only to a draft, only the holder's or the member's.
    fn check_attachable(&self, binding: i64, person_id: i64, kind: &str) -> Result<()> {
        let (holder, member, status): (i64, i64, String) = self
            .conn()
            .query_row("SELECT holder_id, member_id, status FROM binding WHERE id = ?1", [binding], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or_else(|| Error::binding_not_found(binding))?;
        let status = BindingStatus::parse(&status)?;
        if status != BindingStatus::Draft {
            return Err(Error::binding_wrong_state(status.zh(), status.en(), "再添加材料", "given more documents"));
        }
        if person_id != holder && person_id != member {
            return Err(Error::doc_wrong_person());
        }
        holder_doc_allowed(person_id == holder, DocKind::parse(kind)?)
    }

    /// Upload a document of `person_id` from bytes in memory (stored by
    /// [`crate::app::document`]). With `binding`, it is also attached to that
    /// draft application (in the same transaction). On any failure nothing
    /// is stored.
    pub fn ingest_document(&mut self, person_id: i64, kind: &str, bytes: &[u8], note: &str, binding: Option<i64>) -> Result<Ingested> {
        let Some(b) = binding else { return self.store_upload(person_id, kind, bytes, note, None) };
        let check = |q: &Qinqing| q.check_attachable(b, person_id, kind);
        let link = |tx: &Conn, document: i64, now: &str, duplicate: bool| attach_uploaded(tx, b, document, now, duplicate);
        self.store_upload(person_id, kind, bytes, note, Some(&UploadFor { id: b, check: &check, link: &link }))
    }

    /// Upload from a file path (the native dialog, drag-and-drop, the CLI),
    /// as [`Qinqing::ingest_document`]. The size cap is checked before the
    /// file is read.
    pub fn ingest_document_path(&mut self, person_id: i64, kind: &str, path: &std::path::Path, note: &str, binding: Option<i64>) -> Result<Ingested> {
        self.permit(Act::DocumentAdd { person: person_id, binding })?;
        let bytes = self.read_upload_file(path)?;
        self.ingest_document(person_id, kind, &bytes, note, binding)
    }

    /// Delete a document: its row and (when no other row uses them) its
    /// files ([`crate::app::document`]). A document of a submitted, active or
    /// decided application stays; drafts forget it, in the same transaction.
    /// The audit entry remains.
    pub fn delete_document(&mut self, id: i64) -> Result<Document> {
        self.remove_document(id, &release_document)
    }

    /// The current commitment letter.
    pub fn binding_letter(&self) -> Letter {
        letter()
    }

    /// Start an application (a draft) for `member_id` under `holder_id`, by
    /// the member's number alone: the operator's own tools (demo data,
    /// tests). Everyone else types the member's name and ID number
    /// ([`Qinqing::apply_binding_entry`]): a number proves nothing.
    pub fn apply_binding(&mut self, holder_id: i64, member_id: i64, relation: &str) -> Result<Binding> {
        self.permit(Act::BindingApplyById { holder: holder_id })?;
        crate::store::retry(|| self.apply_binding_once(holder_id, member_id, relation))
    }

    fn apply_binding_once(&mut self, holder_id: i64, member_id: i64, relation: &str) -> Result<Binding> {
        self.permit(Act::BindingApply { holder: holder_id })?;
        let relation = Relation::parse(relation)?;
        let today = self.today();
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        // At most DRAFTS_OPEN applications in progress per holder: a draft
        // costs the member's time (a remote code, a review) and ours.
        let open: i64 = tx.query_row("SELECT count(*) FROM binding WHERE holder_id = ?1 AND status IN ('draft', 'submitted')", [holder_id], |r| r.get(0))?;
        if open >= DRAFTS_OPEN {
            return Err(Error::drafts_too_many(DRAFTS_OPEN));
        }
        let holder = person::load(&tx, holder_id)?;
        let member = person::load(&tx, member_id)?;
        let prefix = check_parties(&tx, &holder, &member, relation, None, today, Stage::Apply)?;
        // From a family computer, a holder's first application needs the
        // holder's own real-name check (seeds 002/003), done once by staff.
        // At the centre (the operator's tools, a resident served in person)
        // staff have the ID card in hand.
        if matches!(self.actor_ref(), crate::access::authz::Actor::Household { .. }) && holder.real_name_checked_at.is_none() {
            let approved_before: i64 =
                tx.query_row("SELECT count(*) FROM binding WHERE holder_id = ?1 AND activated_at IS NOT NULL", [holder_id], |r| r.get(0))?;
            if approved_before == 0 {
                return Err(Error::holder_real_name_required());
            }
        }
        let id: i64 = tx.query_row(
            "INSERT INTO binding (holder_id, member_id, relation, status, policy_region, created_at)
             VALUES (?1, ?2, ?3, 'draft', ?4, ?5) RETURNING id",
            params![holder_id, member_id, relation.as_str(), prefix, now],
            |r| r.get(0),
        )?;
        let l = load_all(&tx, id, today)?;
        audit::record(&tx, &now, &actor, "binding.apply", "binding", Some(id), Some(member_id), None, Some(&l.row.snapshot()))?;
        tx.commit()?;
        self.shown(l.view(today))
    }

    /// Start an application from what the holder typed: the member is found
    /// in the register by resident ID and the name must match the record.
    /// To a family (a household, which may be anyone) every way a stranger
    /// could fail — not registered, another name, not insured, not
    /// activated, bound by two others — is one answer, `MEMBER_UNMATCHED`:
    /// a refusal tells nothing of a person the family has not shown it
    /// knows (DOMAIN §8). Staff at the kiosk see the reason.
    pub fn apply_binding_entry(&mut self, holder_id: i64, entry: &MemberEntry) -> Result<Binding> {
        let r = self.apply_binding_entry_inner(holder_id, entry);
        match r {
            Err(e) if matches!(self.actor_ref(), crate::access::authz::Actor::Household { .. }) && !e.code.told_to_an_applicant() => {
                Err(Error::member_unmatched())
            }
            r => r,
        }
    }

    fn apply_binding_entry_inner(&mut self, holder_id: i64, entry: &MemberEntry) -> Result<Binding> {
        self.permit(Act::BindingApply { holder: holder_id })?;
        let today = self.today();
        let mut errors = Vec::new();
        let name = person::validate_name(&entry.name).map_err(|e| errors.push(e)).ok();
        let rid = ResidentId::parse(&entry.resident_id, today).map_err(|e| errors.push(e)).ok();
        let relation = Relation::parse(&entry.relation).map_err(|e| errors.push(e)).ok();
        if let Some(e) = Error::combine(errors) {
            return Err(e);
        }
        let (Some(name), Some(rid), Some(relation)) = (name, rid, relation) else {
            return Err(Error::internal("validation state"));
        };
        // What the typed numbers alone decide, before anyone is looked up.
        let holder = person::load(self.conn(), holder_id)?;
        relation_fits(&holder.rid, &rid, relation, today)?;
        let found: Option<(i64, String)> =
            self.conn().query_row("SELECT id, name FROM person WHERE resident_id = ?1", [rid.as_str()], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        let Some((member_id, registered_name)) = found else {
            return Err(Error::member_not_registered(&rid.masked()));
        };
        if registered_name != name {
            return Err(Error::member_id_mismatch());
        }
        crate::store::retry(|| self.apply_binding_once(holder_id, member_id, relation.as_str()))
    }

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

    /// Attach a document (of the member or the holder) to a draft.
    pub fn attach_document(&mut self, id: i64, doc_id: i64) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        // Only a document this actor may see (not another family's, by its number).
        self.permit(Act::DocumentRead { document: doc_id })?;
        self.change_binding(id, "binding.attach_document", |tx, l, now, _| {
            Self::require_draft(l, "再添加材料", "given more documents")?;
            let d = load_doc(tx, doc_id)?;
            if d.person_id != l.row.member_id && d.person_id != l.row.holder_id {
                return Err(Error::doc_wrong_person());
            }
            holder_doc_allowed(d.person_id == l.row.holder_id && d.person_id != l.row.member_id, d.kind)?;
            tx.execute(
                "INSERT INTO binding_document (binding_id, document_id, attached_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![l.row.id, doc_id, now],
            )?;
            Ok(())
        })
    }

    /// Staff mark that the holder's household register, attached to this
    /// application, shows the member (a shared register): only then does it
    /// meet the member's requirement. Staff act as themselves.
    pub fn mark_shows_member(&mut self, id: i64, doc_id: i64, staff_id: i64) -> Result<Binding> {
        self.permit(Act::BindingReview { binding: id, staff: staff_id })?;
        self.active_staff(staff_id)?;
        self.change_binding(id, "binding.doc_shows_member", |tx, l, _, _| {
            if !matches!(l.row.status, BindingStatus::Draft | BindingStatus::Submitted) {
                return Err(Error::binding_wrong_state(l.row.status.zh(), l.row.status.en(), "确认材料", "have its documents confirmed"));
            }
            let d = l.docs.iter().find(|d| d.id == doc_id).ok_or_else(|| Error::doc_not_found(doc_id))?;
            if d.person_id != l.row.holder_id || d.kind != DocKind::HouseholdRegister {
                return Err(Error::doc_not_members());
            }
            tx.execute("UPDATE binding_document SET shows_member_by = ?3 WHERE binding_id = ?1 AND document_id = ?2", params![l.row.id, doc_id, staff_id])?;
            Ok(())
        })
    }

    /// The holder signs the current commitment letter.
    pub fn sign_letter(&mut self, id: i64) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        let l = letter();
        self.change_binding(id, "binding.sign_letter", |_, b, now, _| {
            Self::require_draft(b, "签署承诺书", "signed")?;
            b.row.letter_version = Some(l.version.to_string());
            b.row.letter_sha256 = Some(l.sha256.clone());
            b.row.letter_signed_at = Some(now.to_string());
            Ok(())
        })
    }

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

    /// A guardian activates the e-voucher of a child under 16 (DOMAIN §2
    /// "Guardian activation"): the holder who is the child's parent in an
    /// approved binding — or, while the application is still a draft, staff
    /// at the kiosk with the guardian present (the resident session), or the
    /// operator's own tools. Never an applicant at the draft stage: a draft
    /// proves nothing about who the child is to them.
    pub fn guardian_activate_voucher(&mut self, id: i64) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        let in_person = matches!(self.actor_ref(), crate::access::authz::Actor::Serving { .. } | crate::access::authz::Actor::Operator);
        self.change_binding(id, "binding.guardian_activate_voucher", |tx, l, now, today| {
            let approved_parent = l.row.status == BindingStatus::Active && l.row.relation == Relation::Child;
            let at_the_kiosk = l.row.status == BindingStatus::Draft && in_person;
            if !approved_parent && !at_the_kiosk {
                return Err(Error::guardian_not_parent());
            }
            if time::age_on(l.member.rid.birth_date(), today) >= ADULT_AGE {
                return Err(Error::guardian_activation_not_allowed());
            }
            if !l.member.voucher_activated {
                tx.execute("UPDATE person SET voucher_activated = 1, updated_at = ?2 WHERE id = ?1", params![l.member.id, now])?;
                l.member.voucher_activated = true;
            }
            Ok(())
        })
    }

    /// Submit a complete draft for review. All rules are checked again.
    pub fn submit_binding(&mut self, id: i64) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        self.change_binding(id, "binding.submit", |tx, l, now, today| {
            Self::require_draft(l, "提交", "submitted")?;
            check_parties(tx, &l.holder, &l.member, l.row.relation, Some(l.row.id), today, Stage::Submit)?;
            check_complete(l)?;
            l.row.status = BindingStatus::Submitted;
            l.row.submitted_at = Some(now.to_string());
            Ok(())
        })
    }

    /// Staff approve a submitted application: it becomes active now.
    pub fn approve_binding(&mut self, id: i64, staff_id: i64) -> Result<Binding> {
        self.permit(Act::BindingReview { binding: id, staff: staff_id })?;
        self.active_staff(staff_id)?;
        self.change_binding(id, "binding.approve", |tx, l, now, today| {
            if l.row.status != BindingStatus::Submitted {
                return Err(Error::binding_wrong_state(l.row.status.zh(), l.row.status.en(), "审核通过", "approved"));
            }
            check_parties(tx, &l.holder, &l.member, l.row.relation, Some(l.row.id), today, Stage::Approve)?;
            check_complete(l)?;
            l.row.status = BindingStatus::Active;
            l.row.decided_at = Some(now.to_string());
            l.row.decided_by = Some(staff_id);
            l.row.activated_at = Some(now.to_string());
            l.row.activated_month = Some(month_of(today));
            tx.execute(
                "UPDATE document SET status = 'accepted' WHERE status = 'pending'
                   AND id IN (SELECT document_id FROM binding_document WHERE binding_id = ?1)",
                [l.row.id],
            )?;
            if l.row.face_method.is_some() {
                // The staff check or the judged evidence is the member's own
                // face verification (needed before their QR is first shown).
                tx.execute("UPDATE person SET face_verified_at = ?2 WHERE id = ?1", params![l.member.id, now])?;
            }
            Ok(())
        })
    }

    pub fn approve_binding_password(&mut self, id: i64, staff_id: i64, password: &str) -> Result<Binding> {
        self.verify_staff(staff_id, password)?;
        self.approve_binding(id, staff_id)
    }

    /// Staff reject a submitted application, with a reason the holder sees.
    pub fn reject_binding(&mut self, id: i64, staff_id: i64, reason: &str) -> Result<Binding> {
        self.permit(Act::BindingReview { binding: id, staff: staff_id })?;
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(Error::reject_reason_empty());
        }
        if reason.chars().count() > MAX_REASON {
            return Err(Error::note_too_long(MAX_REASON));
        }
        self.active_staff(staff_id)?;
        self.change_binding(id, "binding.reject", |_, l, now, _| {
            if l.row.status != BindingStatus::Submitted {
                return Err(Error::binding_wrong_state(l.row.status.zh(), l.row.status.en(), "驳回", "rejected"));
            }
            l.row.status = BindingStatus::Rejected;
            l.row.decided_at = Some(now.to_string());
            l.row.decided_by = Some(staff_id);
            l.row.reject_reason = Some(reason.clone());
            Ok(())
        })
    }

    pub fn reject_binding_password(&mut self, id: i64, staff_id: i64, password: &str, reason: &str) -> Result<Binding> {
        self.verify_staff(staff_id, password)?;
        self.reject_binding(id, staff_id, reason)
    }

    /// The holder ends an active binding, effective at once.
    pub fn unbind(&mut self, id: i64, by_person: i64) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        self.change_binding(id, "binding.unbind", |_, l, now, _| {
            if l.row.holder_id != by_person {
                return Err(Error::binding_not_holder());
            }
            if l.row.status != BindingStatus::Active {
                return Err(Error::binding_wrong_state(l.row.status.zh(), l.row.status.en(), "解绑", "unbound"));
            }
            l.row.status = BindingStatus::Unbound;
            l.row.unbound_at = Some(now.to_string());
            Ok(())
        })
    }

    /// The acting holder ends their binding: the household's holder, the
    /// resident being served, or (operator) the binding's own holder.
    pub fn unbind_as_holder(&mut self, id: i64) -> Result<Binding> {
        use crate::access::authz::Actor;
        let by = match self.actor_ref() {
            Actor::Household { holder } => *holder,
            Actor::Serving { resident, .. } => *resident,
            _ => load_row(self.conn(), id)?.holder_id,
        };
        self.unbind(id, by)
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
