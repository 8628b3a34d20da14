//! After the draft: submission (every rule again), the staff decision,
//! the guardian's activation of a child's e-voucher, and unbinding.

use super::apply::{check_parties, Stage};
use super::load_row;
use super::model::{month_of, requirement_label, Binding, BindingStatus, Requirement, ADULT_AGE, MAX_REASON};
use super::Loaded;
use crate::access::authz::Act;
use crate::app::document::{DocStatus, Document};
use crate::app::policy::Relation;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::time;

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

impl Qinqing {
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
}
