//! Applying: a draft started for a member — by the member's number (the
//! operator's tools) or from what the holder typed — and the rules about
//! the two people and the caps (DOMAIN §2), checked when applying, again at
//! submission and again at approval; the commitment letter signed.

use super::load_all;
use super::model::{letter, month_bounds_utc, month_of, Binding, BindingStatus, Letter, MemberEntry, ADULT_AGE, DRAFTS_OPEN, HOLDER_CAP, MEMBER_MONTHLY_CAP};
use crate::access::audit;
use crate::access::authz::Act;
use crate::app::person::{self, Status, Stored};
use crate::app::policy::{self, Relation, Seniority};
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::id::ResidentId;
use crate::params;
use crate::store::{Conn, OptionalExtension};
use crate::time;
use chrono::NaiveDate;

/// When in the life cycle the rules are being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
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

/// The rules about the two people and the caps (DOMAIN §2), checked at each
/// stage. `this` is the binding being checked (excluded from its own counts).
/// Returns the policy prefix that allowed the relation.
pub(super) fn check_parties(
    conn: &Conn,
    holder: &Stored,
    member: &Stored,
    relation: Relation,
    this: Option<i64>,
    today: NaiveDate,
    stage: Stage,
) -> Result<String> {
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

impl Qinqing {
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
}
