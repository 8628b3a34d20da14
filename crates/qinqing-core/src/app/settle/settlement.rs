//! A settlement charged and read back: the rules applied to a bill's loaded
//! facts and the ledger's writes sent with the commit ([`charge`]), the
//! stored settlement ([`load_settlement`]), and the counter's settings read
//! with the facts in the same round trip.

use super::ledger::{self, NewSettlement};
use super::request::{Leg, Settlement};
use super::rules::{self, BillFacts, LegRow, Visit};
use super::{month_of, Scenario};
use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::Result;
use crate::params;
use crate::store::{Conn, Verdict};
use crate::time;

pub(super) fn load_settlement(conn: &Conn, id: i64, replayed: bool) -> Result<Settlement> {
    let mut s = conn.query_row(
        "SELECT id, bill_id, institution_id, member_id, shown_by, scenario, total_fen, fund_fen, ratio_pct, cross_region,
                emergency, at, deductible_fen, stay_id FROM settlement WHERE id = ?1",
        [id],
        |r| {
            let at: String = r.get(11)?;
            Ok(Settlement {
                id: r.get(0)?,
                bill_id: r.get(1)?,
                institution_id: r.get(2)?,
                member_id: r.get(3)?,
                shown_by: r.get(4)?,
                scenario: r.get(5)?,
                total_fen: r.get(6)?,
                total_display: crate::money::format_fen(r.get(6)?),
                fund_fen: r.get(7)?,
                deductible_fen: r.get(12)?,
                deductible_display: crate::money::format_fen(r.get(12)?),
                stay_id: r.get(13)?,
                ratio_pct: r.get(8)?,
                cross_region: r.get::<_, i64>(9)? == 1,
                emergency: r.get::<_, i64>(10)? == 1,
                at_local: time::from_db(&at).map(time::display_china).unwrap_or_default(),
                at,
                legs: vec![],
                replayed,
            })
        },
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT l.source, l.person_id, p.name, l.aid_id, l.amount_fen FROM settlement_leg l
         LEFT JOIN person p ON p.id = l.person_id WHERE l.settlement_id = ?1 ORDER BY l.id",
    )?;
    s.legs = stmt
        .query_map([id], |r| {
            let amount: i64 = r.get(4)?;
            Ok(Leg {
                source: r.get(0)?,
                person_id: r.get(1)?,
                person_name: r.get(2)?,
                aid_id: r.get(3)?,
                amount,
                amount_display: crate::money::format_fen(amount),
            })
        })?
        .collect::<crate::error::Result<_>>()?;
    Ok(s)
}

/// A settlement as decided and written by this call (no second read).
fn settled(id: i64, n: &NewSettlement<'_>, share: &crate::app::fund::FundShare, legs: &[LegRow], names: &[(i64, String)]) -> Settlement {
    Settlement {
        id,
        bill_id: n.bill.to_string(),
        institution_id: n.institution,
        member_id: n.member,
        shown_by: n.shown_by,
        scenario: n.scenario.to_string(),
        total_fen: n.total,
        total_display: crate::money::format_fen(n.total),
        fund_fen: share.fund_fen,
        deductible_fen: share.deductible_fen,
        deductible_display: crate::money::format_fen(share.deductible_fen),
        stay_id: n.stay,
        ratio_pct: share.ratio_pct,
        cross_region: n.cross_region,
        emergency: n.emergency,
        at_local: time::from_db(n.at).map(time::display_china).unwrap_or_default(),
        at: n.at.to_string(),
        legs: legs
            .iter()
            .map(|(source, person_id, aid_id, amount)| Leg {
                source: source.clone(),
                person_id: *person_id,
                person_name: person_id.and_then(|p| names.iter().find(|(id, _)| *id == p).map(|(_, n)| n.clone())),
                aid_id: *aid_id,
                amount: *amount,
                amount_display: crate::money::format_fen(*amount),
            })
            .collect(),
        replayed: false,
    }
}

/// Apply the rules to the loaded facts and write the settlement with the
/// commit (one round trip on PostgreSQL); `extra` statements go with it.
/// `decide` is asked while the writes run ([`crate::store::Tx::commit_if`]):
/// `None` when it did not keep them (`instead` was committed, or nothing).
#[allow(clippy::too_many_arguments)]
pub(super) fn charge(
    tx: crate::store::Tx<'_>,
    v: &Visit,
    facts: &BillFacts,
    nonce: &str,
    stay: Option<i64>,
    scenario: Scenario,
    total: i64,
    bill: &str,
    now_dt: chrono::DateTime<chrono::Utc>,
    emergency_cut: i64,
    online_daily_cap: i64,
    actor: &str,
    confirmed_by: Option<crate::confirm::Method>,
    extra: Vec<crate::store::Query>,
    instead: Vec<crate::store::Query>,
    decide: impl FnOnce() -> Verdict,
) -> Result<Option<Settlement>> {
    // Every account this bill may spend from is locked by this transaction
    // (else it is run again, locking them: [`crate::store::lock`]).
    tx.require_person(v.member.id)?;
    for p in &facts.payers {
        tx.require_person(p.authorizer_id)?;
    }
    let now = time::to_db(now_dt);
    let today = time::china_date(now_dt);
    let month = month_of(today);
    let day = today.to_string();
    let plan = rules::plan(v, facts, scenario, total, emergency_cut, online_daily_cap);
    let n = NewSettlement {
        nonce,
        institution: v.institution,
        bill,
        member: v.member.id,
        shown_by: v.shown_by,
        scenario: scenario.as_str(),
        total,
        fund: plan.share.fund_fen,
        deductible: plan.share.deductible_fen,
        ratio: plan.share.ratio_pct,
        cross_region: v.cross_region,
        emergency: v.emergency,
        at: &now,
        day: &day,
        month: &month,
        stay,
    };
    let mut names: Vec<(i64, String)> = vec![(v.member.id, v.member.name.clone())];
    names.extend(facts.payers.iter().map(|p| (p.authorizer_id, p.name.clone())));
    let mut result = settled(0, &n, &plan.share, &plan.legs, &names);
    let after = serde_json::json!({ "bill_id": bill, "institution": v.institution, "total_fen": total, "deductible_fen": plan.share.deductible_fen,
        "stay": stay, "legs": result.legs, "confirmed_by": confirmed_by.map(|m| m.as_str()) });
    let mut writes = ledger::settlement_writes(&tx, &n, &plan.legs, Some((actor, &after)))?;
    writes.extend(extra);
    let Some(rows) = tx.commit_if(writes, instead, decide)? else { return Ok(None) };
    result.id = rows[0].first(|r| r.get(0))?;
    Ok(Some(result))
}

impl Qinqing {
    pub fn get_settlement(&self, id: i64) -> Result<Settlement> {
        self.permit(Act::SettlementRead { settlement: id })?;
        load_settlement(self.conn(), id, false)
    }

    /// A member's settlements, newest first.
    pub fn list_settlements(&self, member: Option<i64>, limit: u32) -> Result<Vec<Settlement>> {
        self.permit(Act::SettlementList { member })?;
        let ids: Vec<i64> = self
            .conn()
            .prepare("SELECT id FROM settlement WHERE (member_id = ?1 OR ?1 IS NULL) ORDER BY id DESC LIMIT ?2")?
            .query_map(params![member, limit.min(10_000)], |r| r.get(0))?
            .collect::<crate::error::Result<_>>()?;
        ids.into_iter().map(|id| load_settlement(self.conn(), id, false)).collect()
    }
}

/// China date (YYYY-MM-DD) and month (YYYY-MM) of an instant.
pub(super) fn china_day_month(now: chrono::DateTime<chrono::Utc>) -> (String, String) {
    let today = time::china_date(now);
    (today.to_string(), month_of(today))
}

/// The settings a counter needs, read with the bill's facts.
pub(super) struct CounterSettings {
    pub(super) skew: i64,
    pub(super) cut: i64,
    pub(super) daily_cap: i64,
    /// How this scenario's payments are confirmed (policy, [`crate::confirm`]).
    pub(super) confirm: Vec<crate::confirm::Method>,
}

impl Qinqing {
    /// The facts of one bill and the counter's settings, in one round trip.
    pub(super) fn bill_facts(&self, tx: &Conn, key: &ledger::BillKey<'_>) -> Result<(BillFacts, CounterSettings)> {
        self.bill_facts_during(tx, key, || ()).0
    }

    /// [`Qinqing::bill_facts`], with `during` run while the server answers.
    pub(super) fn bill_facts_during<W>(&self, tx: &Conn, key: &ledger::BillKey<'_>, during: impl FnOnce() -> W) -> (Result<(BillFacts, CounterSettings)>, W) {
        let keys: [&str; 4] = ["qr_clock_skew_secs", "emergency_ratio_cut_pct", "online_pharmacy_daily_cap_fen", crate::confirm::setting_key(key.scenario)];
        let (loaded, w) = ledger::load_bill_facts(tx, key, &keys, during);
        let facts = loaded.and_then(|(facts, raw)| {
            let stored = |k: &str| raw.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
            let value = |k: &str| crate::app::settings::resolve(k, stored(k));
            let confirm = crate::app::settings::confirm_methods(key.scenario, stored(keys[3]));
            Ok((facts, CounterSettings { skew: value(keys[0])?, cut: value(keys[1])?, daily_cap: value(keys[2])?, confirm }))
        });
        (facts, w)
    }
}
