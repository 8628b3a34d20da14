//! What a binding is, apart from any store: the caps and ages, the
//! commitment letter, the life cycle's states, the requirement rule (DOMAIN
//! §2 "Documents"), the views shown, the filters and the form asked for,
//! and the China-time month the caps count in.

use crate::app::document::{DocKind, Document};
use crate::app::policy::Relation;
use crate::error::{Error, Result};
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

/// Wrong remote-confirmation codes allowed before the code is void.
pub const REMOTE_CODE_ATTEMPTS: i64 = 5;
/// Codes one application may send in 24 hours.
pub const REMOTE_CODES_PER_DAY: i64 = 3;
/// Confirmation messages one member receives in 24 hours, whoever applies.
pub const REMOTE_CODES_PER_MEMBER_PER_DAY: i64 = 5;
/// Applications in progress (drafts and submitted) one holder may have.
pub const DRAFTS_OPEN: i64 = 10;

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

pub(super) fn month_of(d: NaiveDate) -> String {
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
