//! 住院 (inpatient): the member's code is shown once, at admission, and
//! opens a stay; the stay is settled once, at discharge, with the
//! cross-region facts of the admission.

use super::ledger;
use super::request::{AdmitRequest, Settlement, Stay};
use super::rules::{self, check_member_insured, valid_bill_id, Visit};
use super::settlement::{charge, china_day_month, load_settlement};
use super::Scenario;
use crate::access::audit;
use crate::access::authz::Act;
use crate::app::qr;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, OptionalExtension, Verdict};
use crate::time;

fn load_stay(conn: &Conn, id: i64, replayed: bool) -> Result<Stay> {
    conn.query_row(
        "SELECT s.id, s.institution_id, s.admission_no, s.member_id, p.name, s.shown_by, s.cross_region, s.emergency, s.status,
                s.admitted_at, s.settlement_id
         FROM stay s JOIN person p ON p.id = s.member_id WHERE s.id = ?1",
        [id],
        |r| {
            let at: String = r.get(9)?;
            Ok(Stay {
                id: r.get(0)?,
                institution_id: r.get(1)?,
                admission_no: r.get(2)?,
                member_id: r.get(3)?,
                member_name: r.get(4)?,
                shown_by: r.get(5)?,
                cross_region: r.get::<_, i64>(6)? == 1,
                emergency: r.get::<_, i64>(7)? == 1,
                status: r.get(8)?,
                admitted_at_local: time::from_db(&at).map(time::display_china).unwrap_or_default(),
                admitted_at: at,
                settlement_id: r.get(10)?,
                replayed,
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::stay_not_found(id))
}

impl Qinqing {
    /// 住院 admission: the member's code opens a stay at this institution.
    /// The same code and admission number again returns the stay (a retry).
    pub fn admit(&mut self, req: &AdmitRequest) -> Result<Stay> {
        self.retrying(|q| q.admit_once(req))
    }

    fn admit_once(&mut self, req: &AdmitRequest) -> Result<Stay> {
        self.permit(Act::Counter { institution: req.institution })?;
        let admission = req.admission_no.trim().to_string();
        if !valid_bill_id(&admission) {
            return Err(Error::bill_id_invalid());
        }
        let key = self.signing_key()?.verifying_key();
        let now_dt = self.now();
        let checked = qr::decode_any(&key, &req.token, now_dt)?;
        self.check_device_code(&checked)?;
        let claims = checked.claims;
        let pepper = crate::app::payment::pepper(self)?;
        let now = time::to_db(now_dt);
        let (day, month) = china_day_month(now_dt);
        let actor = self.actor().to_string();
        let tx = self.conn().begin_locking(&crate::store::Locks::new().payers_of(claims.member).bill(req.institution, &admission))?;
        let (facts, settings) = self.bill_facts(
            &tx,
            &ledger::BillKey {
                nonce: &claims.nonce,
                institution: req.institution,
                bill: &admission,
                member: claims.member,
                shown_by: claims.shown_by,
                scenario: Scenario::Inpatient,
                day: &day,
                month: &month,
            },
        )?;
        let existing: Option<(i64, String, i64)> = tx
            .query_row("SELECT id, nonce, member_id FROM stay WHERE institution_id = ?1 AND admission_no = ?2", params![req.institution, admission], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        if let Some((id, _, member)) = existing {
            if member == claims.member {
                return load_stay(&tx, id, true);
            }
            return Err(Error::bill_conflict());
        }
        if facts.code_paid.is_some() || facts.code_admitted {
            return Err(Error::qr_already_used());
        }
        qr::check_time(&claims, now_dt, settings.skew)?;
        let visit = rules::open_visit(&facts, &claims, req.institution, req.emergency)?;
        // Inpatient (DOMAIN §4): confirmed at admission the way the policy
        // takes — by default ID card and face checked by the cashier.
        let evidence = crate::confirm::Evidence { pay_password: req.pay_password.as_deref(), id_face_checked: req.id_face_checked, ..Default::default() };
        let method = crate::confirm::choose(&settings.confirm, &evidence)?;
        if method == crate::confirm::Method::PayPassword {
            let (verdict, counter) = crate::app::payment::judge(facts.pay.as_ref(), &pepper, visit.member.id, req.pay_password.as_deref(), now_dt);
            if let Err(e) = verdict {
                if let Some(q) = counter {
                    tx.commit_with(vec![q])?;
                }
                return Err(e);
            }
            if let Some(q) = counter {
                tx.pipeline(vec![q])?;
            }
        }
        let id: i64 = tx.query_row(
            "INSERT INTO stay (nonce, institution_id, admission_no, member_id, shown_by, cross_region, emergency, status, admitted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8) RETURNING id",
            params![claims.nonce, visit.institution, admission, visit.member.id, visit.shown_by, visit.cross_region as i64, visit.emergency as i64, now],
            |r| r.get(0),
        )?;
        let snap = serde_json::json!({ "institution": visit.institution, "admission_no": admission, "cross_region": visit.cross_region, "emergency": visit.emergency,
            "confirmed_by": method.as_str() });
        audit::record(&tx, &now, &actor, "stay.admit", "stay", Some(id), Some(visit.member.id), None, Some(&snap))?;
        let stay = load_stay(&tx, id, false)?;
        tx.commit()?;
        Ok(stay)
    }

    pub fn get_stay(&self, id: i64) -> Result<Stay> {
        self.permit(Act::StayRead { stay: id })?;
        load_stay(self.conn(), id, false)
    }

    /// Stays at an institution and/or of a member, newest first.
    pub fn list_stays(&self, institution: Option<i64>, member: Option<i64>, open_only: bool) -> Result<Vec<Stay>> {
        self.permit(Act::StayList { institution })?;
        let ids: Vec<i64> = self
            .conn()
            .prepare(
                "SELECT id FROM stay WHERE (institution_id = ?1 OR ?1 IS NULL) AND (member_id = ?2 OR ?2 IS NULL)
                   AND (?3 = 0 OR status = 'open') ORDER BY id DESC LIMIT 500",
            )?
            .query_map(params![institution, member, open_only as i64], |r| r.get(0))?
            .collect::<crate::error::Result<_>>()?;
        ids.into_iter().map(|id| load_stay(self.conn(), id, false)).collect()
    }

    /// Discharge: settle the stay's bill. The member's insurance must still be
    /// in force; the cross-region facts are those of the admission.
    pub(super) fn settle_stay(&mut self, stay_id: i64, institution: i64, bill: &str, total: i64) -> Result<Settlement> {
        let now_dt = self.now();
        let actor = self.actor().to_string();
        let (day, month) = china_day_month(now_dt);
        // A stay's member never changes: read it first, to lock their household and the bill.
        let member = load_stay(self.conn(), stay_id, false)?.member_id;
        let tx = self.conn().begin_locking(&crate::store::Locks::new().payers_of(member).bill(institution, bill))?;
        let stay = load_stay(&tx, stay_id, false)?;
        if stay.institution_id != institution || stay.member_id != member {
            return Err(Error::stay_not_found(stay_id));
        }
        let nonce = format!("stay-{stay_id}");
        let (facts, settings) = self.bill_facts(
            &tx,
            &ledger::BillKey {
                nonce: &nonce,
                institution,
                bill,
                member: stay.member_id,
                shown_by: stay.shown_by,
                scenario: Scenario::Inpatient,
                day: &day,
                month: &month,
            },
        )?;
        match &facts.bill_settled {
            Some(s) if s.member == stay.member_id && s.total_fen == total && s.scenario == Scenario::Inpatient.as_str() && s.stay == Some(stay_id) => {
                return load_settlement(&tx, s.id, true);
            }
            Some(_) => return Err(Error::bill_conflict()),
            None => {}
        }
        if stay.status != "open" {
            return Err(Error::stay_wrong_state());
        }
        let member = facts.member.clone().ok_or_else(|| Error::person_not_found(stay.member_id))?;
        check_member_insured(&member)?;
        let visit = Visit { institution, member, shown_by: stay.shown_by, cross_region: stay.cross_region, emergency: stay.emergency };
        let close = crate::store::query(
            "UPDATE stay SET status = 'settled', settlement_id = (SELECT id FROM settlement WHERE institution_id = ?2 AND bill_id = ?3) WHERE id = ?1",
            params![stay_id, institution, bill],
        );
        charge(
            tx,
            &visit,
            &facts,
            &nonce,
            Some(stay_id),
            Scenario::Inpatient,
            total,
            bill,
            now_dt,
            settings.cut,
            settings.daily_cap,
            &actor,
            None,
            vec![close],
            vec![],
            || Verdict::Keep,
        )?
        .ok_or_else(|| Error::internal("a stay's settlement was not kept"))
    }
}
