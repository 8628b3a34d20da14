//! 异地就医备案 (cross-region filings): where a person is treated away
//! from their pooling region, why, and from when until when; cancelled, a
//! filing stays on record and covers nothing.

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::person;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::region::Region;
use crate::store::OptionalExtension;
use crate::time;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filing {
    pub id: i64,
    pub person_id: i64,
    pub region: Region,
    /// `long_term_residence`, `work` or `temporary`.
    pub reason: String,
    pub from_date: String,
    pub to_date: String,
    /// Covers today (China time) and not cancelled.
    pub valid_today: bool,
    /// `upcoming`, `active`, `ended` or `cancelled`.
    pub state: String,
    pub cancelled_at_local: Option<String>,
}

/// 异地就医备案 as filed from the window.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct FilingRequest {
    pub person: i64,
    /// Destination: a city (e.g. 440100) or a municipality (110000).
    pub region: String,
    pub reason: String,
    pub from: String,
    pub to: String,
}

pub const FILING_REASONS: [&str; 3] = ["long_term_residence", "work", "temporary"];

fn parse_date(raw: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| Error::date_invalid(raw))
}

impl Qinqing {
    pub fn add_filing(&mut self, person_id: i64, region: &str, from: &str, to: &str) -> Result<Filing> {
        self.add_filing_request(&FilingRequest { person: person_id, region: region.into(), reason: "temporary".into(), from: from.into(), to: to.into() })
    }

    /// File for cross-region care: where (a pooling region), why, from when until when.
    pub fn add_filing_request(&mut self, req: &FilingRequest) -> Result<Filing> {
        crate::store::retry(|| self.add_filing_request_once(req))
    }

    fn add_filing_request_once(&mut self, req: &FilingRequest) -> Result<Filing> {
        self.permit(Act::FilingChange { person: req.person })?;
        let person_id = req.person;
        let mut errors = Vec::new();
        let region = Region::parse(&req.region).map_err(|e| errors.push(e)).ok();
        let reason = req.reason.trim();
        if !FILING_REASONS.contains(&reason) {
            errors.push(Error::filing_reason_invalid(reason));
        }
        let f = parse_date(&req.from).map_err(|e| errors.push(e)).ok();
        let t = parse_date(&req.to).map_err(|e| errors.push(e)).ok();
        if let Some(e) = Error::combine(errors) {
            return Err(e);
        }
        let (Some(region), Some(f), Some(t)) = (region, f, t) else { return Err(Error::internal("validation state")) };
        // A filing names a pooling region (a city, or a municipality as a whole), not a province.
        if region.pooling_code.len() == 4 && region.pooling_code.ends_with("00") {
            return Err(Error::filing_region_too_broad(&region.code));
        }
        if t < f {
            return Err(Error::date_invalid(&req.to));
        }
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        person::load(&tx, person_id)?;
        let id: i64 = tx.query_row(
            "INSERT INTO filing (person_id, region, from_date, to_date, created_at, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![person_id, region.code, f.to_string(), t.to_string(), now, reason],
            |r| r.get(0),
        )?;
        let snap = serde_json::json!({ "region": region.code, "reason": reason, "from": f.to_string(), "to": t.to_string() });
        audit::record(&tx, &now, &actor, "filing.add", "filing", Some(id), Some(person_id), None, Some(&snap))?;
        tx.commit()?;
        self.get_filing(id)
    }

    pub fn get_filing(&self, id: i64) -> Result<Filing> {
        self.permit(Act::FilingCancel { filing: id })?;
        let person: i64 =
            self.conn().query_row("SELECT person_id FROM filing WHERE id = ?1", [id], |r| r.get(0)).optional()?.ok_or_else(|| Error::filing_not_found(id))?;
        self.list_filings(Some(person))?.into_iter().find(|x| x.id == id).ok_or_else(|| Error::filing_not_found(id))
    }

    /// Filings, newest first.
    pub fn list_filings(&self, person_id: Option<i64>) -> Result<Vec<Filing>> {
        self.permit(match person_id {
            Some(person) => Act::FamilyRead { person },
            None => Act::Admin,
        })?;
        let today = self.today().to_string();
        let mut stmt = self.conn().prepare(
            "SELECT id, person_id, region, from_date, to_date, reason, cancelled_at FROM filing
             WHERE (person_id = ?1 OR ?1 IS NULL) ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([person_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, person_id, region, from_date, to_date, reason, cancelled) = row?;
            let state = if cancelled.is_some() {
                "cancelled"
            } else if today.as_str() < from_date.as_str() {
                "upcoming"
            } else if today.as_str() > to_date.as_str() {
                "ended"
            } else {
                "active"
            };
            out.push(Filing {
                valid_today: state == "active",
                state: state.into(),
                cancelled_at_local: cancelled.as_deref().and_then(time::from_db).map(time::display_china),
                id,
                person_id,
                region: Region::stored(&region)?,
                reason,
                from_date,
                to_date,
            });
        }
        Ok(out)
    }

    /// Cancel a filing: it covers nothing from now on (kept for the record).
    pub fn cancel_filing(&mut self, id: i64) -> Result<Filing> {
        crate::store::retry(|| self.cancel_filing_once(id))
    }

    fn cancel_filing_once(&mut self, id: i64) -> Result<Filing> {
        self.permit(Act::FilingCancel { filing: id })?;
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let (person, cancelled): (i64, Option<String>) = tx
            .query_row("SELECT person_id, cancelled_at FROM filing WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| Error::filing_not_found(id))?;
        if cancelled.is_none() {
            tx.execute("UPDATE filing SET cancelled_at = ?2 WHERE id = ?1", params![id, now])?;
            audit::record(&tx, &now, &actor, "filing.cancel", "filing", Some(id), Some(person), None, None)?;
        }
        tx.commit()?;
        self.get_filing(id)
    }

    /// End a filing now (the CLI's `filing expire`): the same as cancelling it.
    pub fn expire_filing(&mut self, id: i64) -> Result<Filing> {
        self.cancel_filing(id)
    }
}
