//! Who may do what (issue 15): every entry point of [`Qinqing`] states what
//! it is about to do as an [`Act`], and [`Qinqing::permit`] decides it for
//! the handle's [`Actor`] before any rule runs. Deny by default: an act not
//! granted below is refused, with `NOT_LOGGED_IN` when nobody is logged in
//! and `FORBIDDEN` otherwise; the refusal changes nothing in the ledger and
//! is written to the `access_denied` log for an administrator to see.
//!
//! # Actors
//! - **Operator** — `qinqing-cli` (and tests) on the computer that owns the
//!   database file: anyone who can open the file can do everything anyway.
//! - **Household(holder)** — a family installation (the desktop app set up
//!   for one holder): the holder and the relatives the holder has bound.
//! - **Staff / admin** — a logged-in staff member of the service centre.
//! - **Serving(staff, resident)** — staff serving one resident at the kiosk:
//!   scoped to that resident and the family the resident holds.
//! - **Terminal(institution)** — the counter of one designated institution.
//! - **Nobody** — a kiosk with no staff logged in: reference data only.
//!
//! # The matrix
//! | act | operator | admin | staff | serving | household | terminal | nobody |
//! |---|---|---|---|---|---|---|---|
//! | reference data (regions, letters, tiers, policies, settings read) | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | list / see persons | ✓ | ✓ | ✓ | family | family | – | – |
//! | see a full ID number (audited) | ✓ | ✓ | ✓ | family | family | – | – |
//! | register / edit a person | ✓ | ✓ | ✓ | – | – | – | – |
//! | set balance or insurance status; register with money, a status or a voucher | ✓ | ✓ | – | – | – | – | – |
//! | activate an e-voucher (a child's: the parent's approved binding) | ✓ | ✓ | – | own | own | – | – |
//! | apply / sign / submit / unbind a binding (by name and ID number) | ✓ | – | – | as holder | as holder | – | – |
//! | apply for a registered person by number (no name, no ID) | ✓ | – | – | – | – | – | – |
//! | attest a face in person | ✓ | ✓ | ✓ | family | – | – | – |
//! | check a holder's real name (ID card photos, face) | ✓ | ✓ | ✓ | the resident | – | – | – |
//! | approve / reject, review documents | ✓ | ✓ | ✓ | – | – | – | – |
//! | upload documents | ✓ | – | – | family, own application | family, own application | – | – |
//! | read / delete / attach a document | ✓ | read | read | of the family, or uploaded into own application | of the family, or uploaded into own application | – | – |
//! | show a code | ✓ | – | – | family | family | – | – |
//! | settle, admit, list stays | ✓ | – | – | – | – | own institution | – |
//! | 家庭共济 authorize / change caps / unfreeze (own money) | ✓ | – | – | the authorizer served in person | the authorizer's own computer, with their payment password | – | – |
//! | freeze / revoke a 家庭共济 relation | ✓ | – | – | either side in family | either side in family | – | – |
//! | 代缴 (own money) | ✓ | – | – | the payer served in person | the payer's own computer, with their payment password | – | – |
//! | 异地备案 | ✓ | – | – | family | family | – | – |
//! | dashboard, record, statement | ✓ | – | – | family | family | – | – |
//! | staff, policy, fund policy, settings, institutions, backup, demo | ✓ | ✓ | – | – | – | – | – |
//! | audit trail of a person | ✓ | ✓ | ✓ | family | family | – | – |
//! | whole audit trail, access-denied log | ✓ | ✓ | – | – | – | – | – |
//! | outbox (the person's phone) | ✓ | – | – | own, a child's under 16 | own, a child's under 16 | – | – |
//! | start pairing a family computer (a one-time code) | ✓ | ✓ | – | own resident | – | – | – |
//! | list / unpair a household's computers | ✓ | ✓ | ✓ | own resident | own | – | – |
//! | set a payment password (a change needs the current one) | ✓ | – | – | self, child under 16 (a reset in person) | self, child under 16 | – | – |
//! | export a person's own data (record, bindings, relations, money, documents) | ✓ | ✓ | – | self, child under 16 | self, child under 16 | – | – |
//! | erase a person's documents and identifying data (with a reason) | ✓ | ✓ | – | – | – | – | – |
//! | document retention: see what is due, purge it | ✓ | ✓ | – | – | – | – | – |
//!
//! "family" is the acting household's (or the served resident's) holder and
//! the relatives that holder has actively bound. Staff act as themselves: an
//! approval names the logged-in staff member, never one passed in.
//!
//! **Whose, not only which family (issue 31).** Money leaves a person's
//! account only by that person's own act (DOMAIN §3 "Consent"): the
//! authorizer or payer must be the acting household's own holder (their
//! own paired computer) or the resident served in person at the kiosk; a
//! relative bound to that holder is refused with `CONSENT_OWNER_ONLY`, and
//! the owner's own payment password is checked by the operation
//! ([`Qinqing::confirm_owner`]). A draft grants no read of the member's
//! record; documents are reached by whose they are (the family's, or
//! uploaded into this holder's own application), never by having been
//! attached to an application.
//!
//! **A person's own data (issue 35).** An export gathers everything the
//! ledger holds about one person, ID number and document images included,
//! into files that leave the ledger's protection: it is the person's own
//! act — from their own paired computer, or served in person at the kiosk —
//! or a parent's for a child under 16 (as the child's payment password and
//! messages are), or an administrator's (audited). A household does not
//! export an adult relative: the relative does, at their own computer or
//! the kiosk. A person not yours and a person that does not exist get the
//! same `FORBIDDEN`. Erasing a person and running the retention purge
//! (or only seeing what it would purge: a list of whose applications were
//! rejected or ended, across every family) are administrators' acts.

use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeSet;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    Operator,
    Household { holder: i64 },
    Staff { id: i64, admin: bool },
    Serving { staff: i64, admin: bool, resident: i64 },
    Terminal { institution: i64 },
    Nobody,
}

impl Actor {
    /// How the audit trail names this actor.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::Operator => "operator".into(),
            Actor::Household { holder } => format!("household:{holder}"),
            Actor::Staff { id, .. } => format!("staff:{id}"),
            Actor::Serving { staff, resident, .. } => format!("staff:{staff}/resident:{resident}"),
            Actor::Terminal { institution } => format!("terminal:{institution}"),
            Actor::Nobody => "nobody".into(),
        }
    }

    /// The logged-in staff member, if any.
    pub fn staff_id(&self) -> Option<i64> {
        match self {
            Actor::Staff { id, .. } => Some(*id),
            Actor::Serving { staff, .. } => Some(*staff),
            _ => None,
        }
    }

    fn is_admin(&self) -> bool {
        matches!(self, Actor::Staff { admin: true, .. })
    }

    fn is_staff(&self) -> bool {
        matches!(self, Actor::Staff { .. })
    }

    /// The holder whose family this actor may act for.
    pub fn family_holder(&self) -> Option<i64> {
        match self {
            Actor::Household { holder } => Some(*holder),
            Actor::Serving { resident, .. } => Some(*resident),
            _ => None,
        }
    }
}

/// What an entry point is about to do, with what it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "act", rename_all = "snake_case")]
pub enum Act {
    Reference,
    PersonRead {
        person: i64,
    },
    PersonList,
    PersonFullId {
        person: i64,
    },
    PersonRegister,
    /// Register a person with money, a status other than active, or a
    /// pre-activated voucher: an administrator's act, as editing them is.
    PersonRegisterFunded,
    PersonEdit {
        person: i64,
    },
    PersonMoney {
        person: i64,
    },
    VoucherActivate {
        person: i64,
    },
    BindingApply {
        holder: i64,
    },
    /// Apply for a registered person by number, without typing their name
    /// and ID number (demo data, the operator's own tools).
    BindingApplyById {
        holder: i64,
    },
    BindingAsHolder {
        binding: i64,
    },
    BindingRead {
        binding: i64,
    },
    BindingList {
        holder: Option<i64>,
        member: Option<i64>,
    },
    BindingReview {
        binding: i64,
        staff: i64,
    },
    FaceAttest {
        binding: i64,
        staff: i64,
    },
    PersonFaceAttest {
        person: i64,
        staff: i64,
    },
    /// Staff check a holder's identity (ID card front and back, face) once.
    RealNameCheck {
        person: i64,
        staff: i64,
    },
    DocumentAdd {
        person: i64,
        binding: Option<i64>,
    },
    DocumentRead {
        document: i64,
    },
    DocumentList {
        person: Option<i64>,
    },
    DocumentDelete {
        document: i64,
    },
    DocumentReview {
        document: i64,
        staff: i64,
    },
    QrIssue {
        member: i64,
        shown_by: i64,
    },
    /// Read what a shown code says (who, until when) without using it.
    QrVerify {
        member: i64,
    },
    Counter {
        institution: i64,
    },
    SettlementRead {
        settlement: i64,
    },
    SettlementList {
        member: Option<i64>,
    },
    StayList {
        institution: Option<i64>,
    },
    StayRead {
        stay: i64,
    },
    InstitutionList,
    AidAuthorize {
        authorizer: i64,
        beneficiary: i64,
    },
    /// Change a relation's caps or unfreeze it: the authorizer's own act.
    AidChange {
        aid: i64,
    },
    /// Freeze or revoke a relation: either side (safety first).
    AidFreeze {
        aid: i64,
    },
    AidRead {
        aid: i64,
    },
    AidList {
        authorizer: Option<i64>,
        beneficiary: Option<i64>,
    },
    AidPayers {
        beneficiary: i64,
    },
    PremiumPay {
        payer: i64,
        beneficiary: i64,
    },
    PremiumRead {
        premium: i64,
    },
    FamilyRead {
        person: i64,
    },
    FilingChange {
        person: i64,
    },
    FilingCancel {
        filing: i64,
    },
    Dashboard {
        holder: i64,
    },
    AuditRead {
        person: Option<i64>,
    },
    Admin,
    Outbox {
        person: i64,
    },
    /// Start pairing a family computer with a holder (a one-time code).
    PairingStart {
        holder: i64,
    },
    /// List or unpair a holder's paired computers.
    DeviceManage {
        holder: i64,
    },
    PayPasswordSet {
        person: i64,
    },
    /// Write out everything the ledger holds about a person (issue 35).
    PersonExport {
        person: i64,
    },
    /// Erase a person's documents and identifying data (issue 35).
    PersonErase {
        person: i64,
    },
    /// The document retention rule: see what is due (`apply: false`) or purge it.
    DocumentPurge {
        apply: bool,
    },
}

/// The persons a holder's family consists of: the holder and everyone the
/// holder has actively bound.
pub fn family_of(conn: &Conn, holder: i64) -> Result<BTreeSet<i64>> {
    let mut set: BTreeSet<i64> = conn
        .prepare_cached("SELECT member_id FROM binding WHERE holder_id = ?1 AND status = 'active'")?
        .query_map([holder], |r| r.get(0))?
        .collect::<crate::error::Result<_>>()?;
    set.insert(holder);
    Ok(set)
}

/// Whether the actor's holder is `person`'s parent in an approved binding
/// (子女: not a grandparent, not a spouse) and `person` is under 16 — the
/// one who keeps the child's payment password and reads the child's messages.
pub(crate) fn parent_of_young_child(conn: &Conn, actor: &Actor, person: i64, today: chrono::NaiveDate) -> Result<bool> {
    let Some(holder) = actor.family_holder() else { return Ok(false) };
    let parent: Option<i64> = conn
        .prepare_cached("SELECT id FROM binding WHERE holder_id = ?1 AND member_id = ?2 AND status = 'active' AND relation = 'child' LIMIT 1")?
        .query_row(params![holder, person], |r| r.get(0))
        .optional()?;
    if parent.is_none() {
        return Ok(false);
    }
    let rid: Option<String> = conn.prepare_cached("SELECT resident_id FROM person WHERE id = ?1")?.query_row([person], |r| r.get(0)).optional()?;
    Ok(rid
        .and_then(|r| crate::id::ResidentId::parse(&r, today).ok())
        .is_some_and(|rid| crate::time::age_on(rid.birth_date(), today) < qinqing_domain::ages::ADULT_AGE))
}

pub(crate) fn one(conn: &Conn, sql: &str, id: i64) -> Result<Option<(i64, i64)>> {
    conn.prepare_cached(sql)?.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional()
}

/// Decide `act` for `actor`. `Ok` or a refusal (not yet logged).
pub fn decide(conn: &Conn, actor: &Actor, act: &Act, today: chrono::NaiveDate) -> Result<()> {
    if *actor == Actor::Operator || *act == Act::Reference {
        return Ok(());
    }
    if *actor == Actor::Nobody {
        return Err(Error::not_logged_in());
    }
    let admin = actor.is_admin();
    let staff = actor.is_staff();
    let fam = match actor.family_holder() {
        Some(h) => family_of(conn, h)?,
        None => BTreeSet::new(),
    };
    let in_fam = |p: i64| fam.contains(&p);
    let holder_is_me = |h: i64| actor.family_holder() == Some(h);
    // Whose money: the acting household's own holder, or the resident
    // served in person. A relative in the family is told why it is refused.
    let owner = |p: i64| -> Result<bool> {
        if holder_is_me(p) {
            Ok(true)
        } else if in_fam(p) {
            Err(Error::consent_owner_only())
        } else {
            Ok(false)
        }
    };
    // A binding this actor's holder holds (their own application).
    let my_binding =
        |b: i64| -> Result<bool> { Ok(one(conn, "SELECT holder_id, member_id FROM binding WHERE id = ?1", b)?.is_some_and(|(h, _)| holder_is_me(h))) };
    // A document: whose it is (a person of the family), or uploaded into one
    // of this holder's own applications (a relative being applied for).
    // Being attached to an application gives nothing: attaching itself needs
    // this read, so no one launders another family's photo through a draft.
    let doc_mine = |d: i64| -> Result<bool> {
        Ok(match one(conn, "SELECT person_id, coalesce(binding_id, 0) FROM document WHERE id = ?1", d)? {
            Some((p, b)) => in_fam(p) || (b != 0 && my_binding(b)?),
            None => false,
        })
    };
    let ok = match act {
        Act::Reference => true,
        Act::PersonRead { person } => staff || in_fam(*person),
        Act::PersonFullId { person } => staff || in_fam(*person),
        Act::PersonList | Act::PersonRegister => staff || matches!(act, Act::PersonList) && actor.family_holder().is_some(),
        Act::PersonEdit { .. } => staff,
        Act::PersonMoney { .. } | Act::PersonRegisterFunded | Act::Admin => admin,
        // A family computer is paired only while staff serve its holder in
        // person (the kiosk's resident session), or by an administrator.
        Act::PairingStart { holder } => {
            if admin || (actor.staff_id().is_some() && holder_is_me(*holder)) {
                true
            } else if staff || actor.staff_id().is_some() {
                return Err(Error::pairing_in_person());
            } else {
                false
            }
        }
        Act::DeviceManage { holder } => staff || holder_is_me(*holder),
        // One's own voucher (at home, or served in person), or an
        // administrator's; a child's goes through the parent's approved
        // binding (guardian activation), never plain staff.
        Act::VoucherActivate { person } => admin || holder_is_me(*person),
        Act::BindingApply { holder } => holder_is_me(*holder),
        Act::BindingApplyById { .. } => false,
        Act::BindingAsHolder { binding } => {
            let b = one(conn, "SELECT holder_id, member_id FROM binding WHERE id = ?1", *binding)?;
            b.is_some_and(|(h, _)| holder_is_me(h))
        }
        // A family sees its holder's applications and those binding the holder
        // (not other holders' applications for its relatives).
        Act::BindingRead { binding } => {
            let b = one(conn, "SELECT holder_id, member_id FROM binding WHERE id = ?1", *binding)?;
            staff || b.is_some_and(|(h, m)| holder_is_me(h) || holder_is_me(m))
        }
        Act::BindingList { holder, member } => staff || holder.is_some_and(holder_is_me) || (holder.is_none() && member.is_some_and(holder_is_me)),
        Act::BindingReview { staff: s, .. } => staff && actor.staff_id() == Some(*s),
        Act::FaceAttest { binding, staff: s } => {
            let b = one(conn, "SELECT holder_id, member_id FROM binding WHERE id = ?1", *binding)?;
            actor.staff_id() == Some(*s) && (staff || b.is_some_and(|(h, m)| holder_is_me(h) || in_fam(m)))
        }
        Act::PersonFaceAttest { person, staff: s } => actor.staff_id() == Some(*s) && (staff || in_fam(*person)),
        Act::RealNameCheck { person, staff: s } => actor.staff_id() == Some(*s) && (staff || holder_is_me(*person)),
        // Uploading: for a family member, or for this holder's own application
        // (never into another holder's application).
        Act::DocumentAdd { person, binding } => match binding {
            Some(b) => {
                let row = one(conn, "SELECT holder_id, member_id FROM binding WHERE id = ?1", *b)?;
                row.is_some_and(|(h, m)| holder_is_me(h) && (*person == h || *person == m))
            }
            None => in_fam(*person),
        },
        // Staff see what they review — documents of an application in
        // progress (draft at the kiosk, or submitted) — and administrators
        // any; each view by staff is audited (document_bytes).
        Act::DocumentRead { document } => {
            admin
                || doc_mine(*document)?
                || (staff && {
                    let open: Option<i64> = conn
                        .prepare_cached(
                            "SELECT b.id FROM binding b WHERE b.status IN ('draft', 'submitted')
                               AND (b.id = (SELECT binding_id FROM document WHERE id = ?1)
                                    OR b.id IN (SELECT binding_id FROM binding_document WHERE document_id = ?1)) LIMIT 1",
                        )?
                        .query_row([document], |r| r.get(0))
                        .optional()?;
                    open.is_some()
                })
        }
        Act::DocumentList { person } => staff || person.is_some_and(in_fam),
        // … and not while another holder's application uses it (their evidence).
        Act::DocumentDelete { document } => {
            doc_mine(*document)? && {
                let theirs: Option<i64> = conn
                    .prepare_cached(
                        "SELECT b.id FROM binding_document bd JOIN binding b ON b.id = bd.binding_id
                         WHERE bd.document_id = ?1 AND b.holder_id <> ?2 LIMIT 1",
                    )?
                    .query_row(params![document, actor.family_holder().unwrap_or(0)], |r| r.get(0))
                    .optional()?;
                theirs.is_none()
            }
        }
        Act::DocumentReview { staff: s, .. } => staff && actor.staff_id() == Some(*s),
        Act::QrIssue { member, shown_by } => in_fam(*member) && in_fam(*shown_by),
        // A counter checks any code shown to it; staff; the member's own family.
        Act::QrVerify { member } => staff || matches!(actor, Actor::Terminal { .. }) || in_fam(*member),
        Act::Counter { institution } => matches!(actor, Actor::Terminal { institution: i } if i == institution),
        Act::StayList { institution } => matches!((actor, institution), (Actor::Terminal { institution: i }, Some(j)) if i == j),
        Act::StayRead { stay } => {
            let s = one(conn, "SELECT institution_id, member_id FROM stay WHERE id = ?1", *stay)?;
            s.is_some_and(|(i, m)| matches!(actor, Actor::Terminal { institution } if *institution == i) || in_fam(m))
        }
        Act::SettlementRead { settlement } => {
            let s = one(conn, "SELECT institution_id, member_id FROM settlement WHERE id = ?1", *settlement)?;
            s.is_some_and(|(i, m)| matches!(actor, Actor::Terminal { institution } if *institution == i) || in_fam(m))
        }
        Act::SettlementList { member } => member.is_some_and(in_fam),
        Act::InstitutionList => true,
        // The authorizer's own money, to someone of the family (never a
        // stranger attached by number).
        Act::AidAuthorize { authorizer, beneficiary } => in_fam(*beneficiary) && owner(*authorizer)?,
        Act::AidChange { aid } => match one(conn, "SELECT authorizer_id, beneficiary_id FROM aid WHERE id = ?1", *aid)? {
            Some((au, be)) => {
                // The beneficiary's side sees the relation; widening it is the authorizer's.
                if !holder_is_me(au) && in_fam(be) {
                    return Err(Error::consent_owner_only());
                }
                owner(au)?
            }
            None => false,
        },
        Act::AidFreeze { aid } | Act::AidRead { aid } => {
            let a = one(conn, "SELECT authorizer_id, beneficiary_id FROM aid WHERE id = ?1", *aid)?;
            a.is_some_and(|(au, be)| in_fam(au) || in_fam(be))
        }
        Act::AidList { authorizer, beneficiary } => authorizer.is_some_and(in_fam) || beneficiary.is_some_and(in_fam),
        Act::AidPayers { beneficiary } => in_fam(*beneficiary),
        // For someone of the family only: a stranger's number tells nothing
        // (not whether they exist, their region, age or insurance type).
        Act::PremiumPay { payer, beneficiary } => in_fam(*beneficiary) && owner(*payer)?,
        Act::PremiumRead { premium } => {
            let p = one(conn, "SELECT payer_id, beneficiary_id FROM premium WHERE id = ?1", *premium)?;
            p.is_some_and(|(a, b)| in_fam(a) || in_fam(b))
        }
        Act::FamilyRead { person } | Act::FilingChange { person } => in_fam(*person),
        Act::FilingCancel { filing } => {
            let f = one(conn, "SELECT person_id, person_id FROM filing WHERE id = ?1", *filing)?;
            f.is_some_and(|(p, _)| in_fam(p))
        }
        Act::Dashboard { holder } => holder_is_me(*holder),
        Act::AuditRead { person } => match person {
            Some(p) => staff || in_fam(*p),
            None => admin,
        },
        // A holder reads the messages sent to themselves (a computer paired,
        // a payment password changed, a payment's one-time code), and their
        // child's under 16 (whose phone is the parent's, as the child's
        // payment password is), never another relative's (a remote
        // confirmation code is the relative's to read out).
        Act::Outbox { person } => holder_is_me(*person) || parent_of_young_child(conn, actor, *person, today)?,
        // The person themselves (the household's holder, the resident
        // served), or their holder for a child under 16.
        Act::PayPasswordSet { person } => actor.family_holder() == Some(*person) || parent_of_young_child(conn, actor, *person, today)?,
        // The person themselves (their own computer, or served in person),
        // a parent for a child under 16, or an administrator (issue 35).
        Act::PersonExport { person } => admin || holder_is_me(*person) || parent_of_young_child(conn, actor, *person, today)?,
        Act::PersonErase { .. } | Act::DocumentPurge { .. } => admin,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// One refused request, as the administrator sees it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Denied {
    pub id: i64,
    pub at_local: String,
    pub actor: String,
    pub act: serde_json::Value,
    pub code: String,
}
