//! Personal data at rest (issue 35): how long a document is kept, when a
//! person's record may be erased, and what an erased record keeps instead of
//! the person's name and resident ID. Pure rules over facts the core loads
//! (`qinqing-core`'s `app/retention.rs` and `app/person_data.rs`); time is an
//! argument, never read here.
//!
//! # How long a document is kept
//!
//! A document (a household register page, a birth certificate, a face
//! photo …) exists to support an application for a 亲情账户 binding, or to
//! prove who a party to a binding or a 家庭共济 relation is (DOMAIN §2, §3).
//! Personal information is kept no longer than that purpose needs (个人信息保护法
//! art. 19, 47), but a decision must stay reviewable for a while after it was
//! made (a rejected applicant asks why and applies again; an ended binding
//! is disputed). So:
//!
//! 1. A document of an application that is still being decided (draft or
//!    submitted) is never purged: the holder is working on it, staff are
//!    reviewing it.
//! 2. A document that supports an active binding is never purged.
//! 3. A document that proves who a person is (ID card sides, face photo)
//!    is kept while that person is a party to a pending application, an
//!    active binding or a live (active or frozen) 家庭共济 relation.
//! 4. Otherwise the retention period (`doc_retention_days`, default
//!    [`DEFAULT_RETENTION_DAYS`]) runs from the latest of: the upload, the
//!    rejection of every application that used it, the end of every binding
//!    it supported. When it has run, the document is purged (and audited).
//!    A document attached to nothing is purged that long after its upload.

use crate::error::{Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The retention period's default, in days: half a year after a rejection
/// or an unbinding leaves time to ask for reasons, complain and apply again
/// (a review takes 1–3 working days, DOMAIN §2), and is short enough that a
/// family's papers do not outlive their purpose by years.
pub const DEFAULT_RETENTION_DAYS: i64 = 180;
/// The shortest retention period an administrator may set: a month, so a
/// just-rejected applicant's papers are never gone before they can react.
pub const MIN_RETENTION_DAYS: i64 = 30;
/// The longest: ten years.
pub const MAX_RETENTION_DAYS: i64 = 3650;

/// How an application that used a document stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// A draft, or submitted and awaiting review.
    Pending,
    /// An approved binding in effect.
    Active,
    /// Rejected by staff at this instant.
    Rejected(DateTime<Utc>),
    /// A binding that ended (unbound) at this instant.
    Ended(DateTime<Utc>),
}

/// What a document's person is a party to now (rule 3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ties {
    /// Holder or member of a draft or submitted application.
    pub pending_application: bool,
    /// Holder or member of an active binding.
    pub active_binding: bool,
    /// Authorizer or beneficiary of an active or frozen 家庭共济 relation.
    pub aid_relation: bool,
}

/// The facts about one document the rule decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFacts {
    pub uploaded_at: DateTime<Utc>,
    /// Every application that refers to it (uploaded into, attached to, or
    /// its face evidence).
    pub uses: Vec<Use>,
    /// The document shows who its person is (ID card sides, face photo).
    pub proves_identity: bool,
    /// What its person is a party to.
    pub ties: Ties,
}

/// Why a document is kept whatever its age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    PendingApplication,
    ActiveBinding,
    AidRelation,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::PendingApplication => "pending_application",
            Keep::ActiveBinding => "active_binding",
            Keep::AidRelation => "aid_relation",
        }
    }
}

/// What started a document's retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// Attached to nothing: its upload.
    Uploaded,
    /// The rejection of the (last) application that used it.
    Rejected,
    /// The end of the (last) binding it supported.
    Ended,
}

impl Since {
    pub fn as_str(self) -> &'static str {
        match self {
            Since::Uploaded => "uploaded",
            Since::Rejected => "rejected",
            Since::Ended => "ended",
        }
    }
}

/// The rule's answer for one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Kept whatever its age (rules 1–3).
    Keep(Keep),
    /// Kept until `until`, then due.
    Retain { since: Since, at: DateTime<Utc>, until: DateTime<Utc> },
    /// Due since `due`: purge it.
    Purge { since: Since, at: DateTime<Utc>, due: DateTime<Utc> },
}

/// The retention period as configured, within its range.
pub fn retention_days(configured: i64) -> i64 {
    configured.clamp(MIN_RETENTION_DAYS, MAX_RETENTION_DAYS)
}

/// Decide one document (see the module's rules), `now` being the instant of
/// the purge.
pub fn judge(f: &DocFacts, retention_days_configured: i64, now: DateTime<Utc>) -> Verdict {
    if f.uses.contains(&Use::Pending) {
        return Verdict::Keep(Keep::PendingApplication);
    }
    if f.uses.contains(&Use::Active) {
        return Verdict::Keep(Keep::ActiveBinding);
    }
    if f.proves_identity {
        if f.ties.pending_application {
            return Verdict::Keep(Keep::PendingApplication);
        }
        if f.ties.active_binding {
            return Verdict::Keep(Keep::ActiveBinding);
        }
        if f.ties.aid_relation {
            return Verdict::Keep(Keep::AidRelation);
        }
    }
    let mut since = (Since::Uploaded, f.uploaded_at);
    for u in &f.uses {
        let (s, at) = match *u {
            Use::Rejected(at) => (Since::Rejected, at),
            Use::Ended(at) => (Since::Ended, at),
            Use::Pending | Use::Active => continue,
        };
        // A decision at the instant of the upload still names the decision.
        if at >= since.1 {
            since = (s, at);
        }
    }
    let until = since.1.checked_add_signed(Duration::days(retention_days(retention_days_configured))).unwrap_or(DateTime::<Utc>::MAX_UTC);
    if now >= until {
        Verdict::Purge { since: since.0, at: since.1, due: until }
    } else {
        Verdict::Retain { since: since.0, at: since.1, until }
    }
}

/// The oldest upload a document can have and be due at `now`: no document
/// uploaded after this is due (its period starts no earlier than its
/// upload), so a purge reads only the documents uploaded before it.
pub fn upload_cutoff(retention_days_configured: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_signed(Duration::days(retention_days(retention_days_configured))).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

// ------------------------------------------------------------------ erasure

/// What still needs a person's record (their name, ID number and documents),
/// loaded by the core before an erasure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErasureFacts {
    /// Bindings with the person as holder or member that are a draft,
    /// submitted or active.
    pub open_bindings: u64,
    /// 家庭共济 relations with the person on either side, active or frozen.
    pub live_aid: u64,
    /// Hospital stays of the person not yet settled.
    pub open_stays: u64,
}

/// Whether the person's identifying data may go now; the first thing that
/// still needs it says what to do, each with its own code.
pub fn may_erase(f: &ErasureFacts) -> Result<()> {
    if f.open_bindings > 0 {
        return Err(Error::erase_needed_by_binding(f.open_bindings));
    }
    if f.live_aid > 0 {
        return Err(Error::erase_needed_by_aid(f.live_aid));
    }
    if f.open_stays > 0 {
        return Err(Error::erase_needed_by_stay(f.open_stays));
    }
    Ok(())
}

/// The longest erasure reason kept.
pub const MAX_REASON_CHARS: usize = 200;

/// The reason an administrator gives for an erasure, as the audit trail
/// keeps it: trimmed, not empty, and not naming the person erased (the
/// audit entry must not bring back what the erasure removed).
pub fn erase_reason(raw: &str, name: &str, resident_id: &str) -> Result<String> {
    let r = raw.trim();
    if r.is_empty() {
        return Err(Error::erase_reason_empty());
    }
    if r.chars().count() > MAX_REASON_CHARS || r.chars().any(char::is_control) {
        return Err(Error::erase_reason_invalid(MAX_REASON_CHARS));
    }
    let name = name.trim();
    // A one-character name would match ordinary words; a name of two or
    // more characters, or the ID number (either case of its X), is refused.
    let names_person = name.chars().count() >= 2 && r.contains(name);
    let upper = r.to_ascii_uppercase();
    let gives_id = !resident_id.is_empty() && upper.contains(&resident_id.to_ascii_uppercase());
    if names_person || gives_id {
        return Err(Error::erase_reason_identifies());
    }
    Ok(r.to_string())
}

/// The name an erased record keeps: its number, nothing of the person.
pub fn pseudonym_name(person_id: i64) -> String {
    format!("已删除#{person_id}")
}

/// The first pseudonymous birth date (see [`pseudonym_resident_id`]).
const PSEUDONYM_EPOCH: (i32, u32, u32) = (9000, 1, 1);

/// The resident ID an erased record keeps instead of the real one: unique
/// per record, of the shape the register's schema and parser require (18
/// characters, a province code, a real date, its check character) — so
/// every list, statement and settlement that names the record still reads
/// it — yet one no person can have or type: its "birth date" lies after the
/// year 9000, and every input refuses a birth date after today
/// (`ID_BIRTH_DATE_FUTURE`). It is made from the record's number alone:
/// region `110000` (a province's own code, never a place of registration),
/// the date 9000-01-01 plus `id / 1000` days, the sequence `id % 1000`.
/// Age and gender read from it mean nothing (an age is 0 before a birth date).
pub fn pseudonym_resident_id(person_id: i64) -> Result<String> {
    let (y, m, d) = PSEUDONYM_EPOCH;
    let epoch = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| Error::internal("pseudonym epoch"))?;
    if person_id < 0 {
        return Err(Error::internal("a negative person number"));
    }
    let date = Duration::try_days(person_id / 1000)
        .and_then(|days| epoch.checked_add_signed(days))
        .filter(|date| *date <= NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX))
        .ok_or_else(|| Error::internal(format!("no pseudonym for person {person_id}: the number is too large")))?;
    let first17 = format!("110000{}{:03}", date.format("%Y%m%d"), person_id % 1000);
    Ok(crate::id::with_check_char(&first17))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::ResidentId;
    use crate::Code;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
    }

    fn facts(uses: Vec<Use>) -> DocFacts {
        DocFacts { uploaded_at: at(2026, 1, 10), uses, proves_identity: false, ties: Ties::default() }
    }

    #[test]
    fn pending_and_active_are_kept_whatever_the_age() {
        let late = at(2040, 1, 1);
        assert_eq!(judge(&facts(vec![Use::Pending]), 180, late), Verdict::Keep(Keep::PendingApplication));
        assert_eq!(judge(&facts(vec![Use::Rejected(at(2026, 2, 1)), Use::Active]), 180, late), Verdict::Keep(Keep::ActiveBinding));
        assert_eq!(judge(&facts(vec![Use::Ended(at(2026, 2, 1)), Use::Pending]), 180, late), Verdict::Keep(Keep::PendingApplication));
    }

    #[test]
    fn the_period_runs_from_the_latest_decision_or_end() {
        let f = facts(vec![Use::Rejected(at(2026, 2, 1)), Use::Ended(at(2026, 6, 1))]);
        let due = at(2026, 6, 1) + Duration::days(180);
        assert_eq!(judge(&f, 180, due - Duration::seconds(1)), Verdict::Retain { since: Since::Ended, at: at(2026, 6, 1), until: due });
        assert_eq!(judge(&f, 180, due), Verdict::Purge { since: Since::Ended, at: at(2026, 6, 1), due });
        // Attached to nothing: from its upload.
        let f = facts(vec![]);
        assert!(matches!(judge(&f, 180, at(2026, 7, 8)), Verdict::Retain { since: Since::Uploaded, .. }));
        assert!(matches!(judge(&f, 180, at(2026, 7, 9)), Verdict::Purge { since: Since::Uploaded, .. }));
    }

    #[test]
    fn identity_documents_stay_while_their_person_is_a_party() {
        let mut f = facts(vec![]);
        f.proves_identity = true;
        let late = at(2030, 1, 1);
        f.ties.aid_relation = true;
        assert_eq!(judge(&f, 180, late), Verdict::Keep(Keep::AidRelation));
        f.ties.active_binding = true;
        assert_eq!(judge(&f, 180, late), Verdict::Keep(Keep::ActiveBinding));
        // A household register is not an identity document: ties alone keep nothing.
        f.proves_identity = false;
        assert!(matches!(judge(&f, 180, late), Verdict::Purge { .. }));
    }

    #[test]
    fn the_setting_is_clamped() {
        assert_eq!(retention_days(1), MIN_RETENTION_DAYS);
        assert_eq!(retention_days(100_000), MAX_RETENTION_DAYS);
        assert_eq!(upload_cutoff(180, at(2026, 7, 10)), at(2026, 1, 11));
    }

    #[test]
    fn erasure_says_what_still_needs_the_person() {
        assert!(may_erase(&ErasureFacts::default()).is_ok());
        let code = |f: ErasureFacts| may_erase(&f).unwrap_err().code;
        assert_eq!(code(ErasureFacts { open_bindings: 1, live_aid: 1, open_stays: 1 }), Code::EraseNeededByBinding);
        assert_eq!(code(ErasureFacts { live_aid: 2, open_stays: 1, ..Default::default() }), Code::EraseNeededByAid);
        assert_eq!(code(ErasureFacts { open_stays: 1, ..Default::default() }), Code::EraseNeededByStay);
    }

    #[test]
    fn the_reason_is_kept_without_the_person() {
        let id = crate::id::with_check_char("34010419821108017");
        assert_eq!(erase_reason("  本人申请删除 ", "张伟", &id).unwrap(), "本人申请删除");
        assert_eq!(erase_reason(" ", "张伟", &id).unwrap_err().code, Code::EraseReasonEmpty);
        assert_eq!(erase_reason("张伟本人申请", "张伟", &id).unwrap_err().code, Code::EraseReasonIdentifies);
        assert_eq!(erase_reason(&format!("ID {}", id.to_lowercase()), "张伟", &id).unwrap_err().code, Code::EraseReasonIdentifies);
        assert_eq!(erase_reason(&"删".repeat(201), "张伟", &id).unwrap_err().code, Code::EraseReasonInvalid);
        // A one-character name is not looked for.
        assert!(erase_reason("王先生申请", "王", &id).is_ok());
    }

    #[test]
    fn pseudonyms_parse_are_unique_and_cannot_be_typed() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for id in [1, 2, 999, 1000, 1001, 123_456, 9_999_999, 300_000_000] {
            let p = pseudonym_resident_id(id).unwrap();
            assert_eq!(p.len(), 18);
            let rid = ResidentId::parse(&p, NaiveDate::MAX).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(rid.as_str(), p);
            assert_eq!(ResidentId::parse(&p, today).unwrap_err().code, Code::IdBirthDateFuture, "{p} could be typed in");
            assert!(seen.insert(p));
            assert!(pseudonym_name(id).chars().count() <= 30);
        }
        assert!(pseudonym_resident_id(i64::MAX).is_err());
        assert!(pseudonym_resident_id(-1).is_err());
    }
}
