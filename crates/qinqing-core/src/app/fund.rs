//! The pooled fund's share of a bill (DOMAIN §4): policy as data per region ×
//! scenario × insurance type — a yearly deductible (起付线), the ratio above
//! it, and a yearly ceiling (封顶线) on what the fund pays.
//!
//! [`fund_share`] is a pure function of the policy, the bill and what the
//! member has already used this year; the store loads those facts
//! ([`policy_for`], [`year_used`]) and writes the result.

use crate::access::authz::Act;
use crate::app::person::Insurance;
use crate::error::{Error, Result};
use crate::money::MAX_BILL_FEN;
use crate::params;
use crate::scenario::Scenario;
use crate::store::{Conn, OptionalExtension};
use serde::{Deserialize, Serialize};

/// The fund policy that applies to one member in one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundPolicy {
    /// Per China calendar year: what the member pays before the fund pays.
    pub deductible_fen: i64,
    /// Share of the part above the deductible the fund pays, 0–100.
    pub ratio_pct: i64,
    /// Most the fund pays per China calendar year; `None`: no ceiling.
    pub ceiling_fen: Option<i64>,
}

/// What the member has used of this year's deductible and ceiling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct YearUsed {
    /// Counted toward the deductible so far this year.
    pub deductible_fen: i64,
    /// Paid by the fund so far this year.
    pub fund_fen: i64,
}

/// The split of one bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FundShare {
    /// The part of the bill that counted toward the deductible (paid by the member).
    pub deductible_fen: i64,
    /// What the fund pays.
    pub fund_fen: i64,
    /// The ratio applied above the deductible (after any emergency cut).
    pub ratio_pct: i64,
    /// The ceiling cut the fund's share.
    pub capped: bool,
}

/// The fund's share of a bill of `total` fen (DOMAIN §4). Rounds down to the
/// fen (the member's self-pay part gets the remainder); never negative, never
/// more than the bill, never beyond the year's ceiling.
pub fn fund_share(p: &FundPolicy, total: i64, used: YearUsed, ratio_cut_pct: i64) -> FundShare {
    let total = total.max(0);
    let ratio = (p.ratio_pct - ratio_cut_pct.max(0)).clamp(0, 100);
    let deductible_left = (p.deductible_fen - used.deductible_fen).max(0);
    let toward_deductible = total.min(deductible_left);
    let above = total - toward_deductible;
    // i128: a 10-million-yuan bill times 100 stays far inside i64, but be exact.
    let by_ratio = (i128::from(above) * i128::from(ratio) / 100) as i64;
    let (fund, capped) = match p.ceiling_fen {
        Some(c) => {
            let left = (c - used.fund_fen).max(0);
            (by_ratio.min(left), by_ratio > left)
        }
        None => (by_ratio, false),
    };
    FundShare { deductible_fen: toward_deductible, fund_fen: fund, ratio_pct: ratio, capped }
}

/// The policy for an insured region: the longest matching prefix wins
/// (6, 4, 2 digits, then the national default `''`). No row at all: the fund
/// pays nothing (strict).
pub fn policy_for(conn: &Conn, region: &str, scenario: Scenario, insurance: Insurance) -> Result<FundPolicy> {
    Ok(policies_for(conn, region, insurance, &[scenario])?.remove(0).1)
}

/// [`policy_for`] for several scenarios at once, in one query (the dashboard
/// shows every scenario of every member).
pub fn policies_for(conn: &Conn, region: &str, insurance: Insurance, scenarios: &[Scenario]) -> Result<Vec<(Scenario, FundPolicy)>> {
    let prefix = |n: usize| region.get(..n).unwrap_or("");
    let rows: Vec<(String, String, FundPolicy)> = conn
        .prepare_cached(
            "SELECT scenario, region_prefix, deductible_fen, ratio_pct, ceiling_fen FROM fund_policy
             WHERE insurance = ?1 AND region_prefix IN (?2, ?3, ?4, '')",
        )?
        .query_map(params![insurance.as_str(), prefix(6), prefix(4), prefix(2)], |r| {
            Ok((r.get(0)?, r.get(1)?, FundPolicy { deductible_fen: r.get(2)?, ratio_pct: r.get(3)?, ceiling_fen: r.get(4)? }))
        })?
        .collect::<Result<_>>()?;
    Ok(scenarios.iter().map(|sc| (*sc, best_policy(rows.iter().filter(|(s, _, _)| s == sc.as_str()).map(|(_, prefix, p)| (prefix.as_str(), *p))))).collect())
}

/// Of the policies matching a member's region, the longest region prefix
/// wins (6, 4, 2 digits, then the national default `''`); none at all: the
/// fund pays nothing (strict).
pub fn best_policy<'a>(candidates: impl Iterator<Item = (&'a str, FundPolicy)>) -> FundPolicy {
    candidates.max_by_key(|(prefix, _)| prefix.len()).map(|(_, p)| p).unwrap_or(FundPolicy { deductible_fen: 0, ratio_pct: 0, ceiling_fen: Some(0) })
}

/// What `member` used in China year `year`, every scenario at once (none: zero).
pub fn year_used_all(conn: &Conn, member: i64, year: &str) -> Result<std::collections::HashMap<String, YearUsed>> {
    conn.prepare_cached("SELECT scenario, deductible_fen, fund_fen FROM fund_year WHERE member_id = ?1 AND year = ?2")?
        .query_map(params![member, year], |r| Ok((r.get(0)?, YearUsed { deductible_fen: r.get(1)?, fund_fen: r.get(2)? })))?
        .collect()
}

/// What `member` used of the deductible and the ceiling in China year `year`.
pub fn year_used(conn: &Conn, member: i64, year: &str, scenario: &str) -> Result<YearUsed> {
    Ok(conn
        .prepare_cached("SELECT deductible_fen, fund_fen FROM fund_year WHERE member_id = ?1 AND year = ?2 AND scenario = ?3")?
        .query_row(params![member, year, scenario], |r| Ok(YearUsed { deductible_fen: r.get(0)?, fund_fen: r.get(1)? }))
        .optional()?
        .unwrap_or_default())
}

/// Add one settlement to the yearly roll-up (same transaction as the settlement).
pub(crate) fn add_year_used(member: i64, year: &str, scenario: &str, deductible: i64, fund: i64) -> crate::store::Query {
    crate::store::query(
        "INSERT INTO fund_year (member_id, year, scenario, deductible_fen, fund_fen) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (member_id, year, scenario)
         DO UPDATE SET deductible_fen = fund_year.deductible_fen + excluded.deductible_fen, fund_fen = fund_year.fund_fen + excluded.fund_fen",
        params![member, year, scenario, deductible, fund],
    )
}

/// One row of the fund policy table, as listed and set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundPolicyRow {
    pub region_prefix: String,
    pub scenario: String,
    pub insurance: String,
    #[serde(flatten)]
    pub policy: FundPolicy,
}

pub fn list_policies(conn: &Conn) -> Result<Vec<FundPolicyRow>> {
    let mut stmt = conn.prepare(
        "SELECT region_prefix, scenario, insurance, deductible_fen, ratio_pct, ceiling_fen FROM fund_policy
         ORDER BY region_prefix, scenario, insurance",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(FundPolicyRow {
            region_prefix: r.get(0)?,
            scenario: r.get(1)?,
            insurance: r.get(2)?,
            policy: FundPolicy { deductible_fen: r.get(3)?, ratio_pct: r.get(4)?, ceiling_fen: r.get(5)? },
        })
    })?;
    rows.collect::<crate::error::Result<Vec<_>>>()
}

/// Check a policy before it is stored.
pub fn validate(p: &FundPolicy) -> Result<()> {
    if p.deductible_fen < 0 || p.ceiling_fen.is_some_and(|c| c < 0) {
        return Err(Error::amount_negative("policy"));
    }
    if p.deductible_fen > MAX_BILL_FEN || p.ceiling_fen.is_some_and(|c| c > MAX_BILL_FEN) {
        return Err(Error::amount_too_large("policy"));
    }
    if !(0..=100).contains(&p.ratio_pct) {
        return Err(Error::setting_out_of_range("ratio_pct", 0, 100));
    }
    Ok(())
}

impl crate::Qinqing {
    pub fn fund_policies(&self) -> Result<Vec<FundPolicyRow>> {
        // Reference data: any actor may read it (the permission table's Reference row).
        self.permit(crate::access::authz::Act::Reference)?;
        list_policies(self.conn())
    }

    /// Set the fund policy of a region prefix for one scenario and insurance
    /// type (audited).
    pub fn set_fund_policy(&mut self, prefix: &str, scenario: &str, insurance: &str, p: FundPolicy) -> Result<FundPolicyRow> {
        crate::store::retry(|| self.set_fund_policy_once(prefix, scenario, insurance, p))
    }

    fn set_fund_policy_once(&mut self, prefix: &str, scenario: &str, insurance: &str, p: FundPolicy) -> Result<FundPolicyRow> {
        self.permit(Act::Admin)?;
        if !(prefix.is_empty() || (matches!(prefix.len(), 2 | 4 | 6) && prefix.bytes().all(|b| b.is_ascii_digit()))) {
            return Err(Error::region_invalid(prefix));
        }
        let scenario = Scenario::parse(scenario)?;
        let insurance = Insurance::parse(insurance)?;
        validate(&p)?;
        let now = crate::time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let before =
            list_policies(&tx)?.into_iter().find(|r| r.region_prefix == prefix && r.scenario == scenario.as_str() && r.insurance == insurance.as_str());
        tx.execute(
            "INSERT INTO fund_policy (region_prefix, scenario, insurance, deductible_fen, ratio_pct, ceiling_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (region_prefix, scenario, insurance) DO UPDATE SET deductible_fen = excluded.deductible_fen,
                 ratio_pct = excluded.ratio_pct, ceiling_fen = excluded.ceiling_fen",
            params![prefix, scenario.as_str(), insurance.as_str(), p.deductible_fen, p.ratio_pct, p.ceiling_fen],
        )?;
        let row = FundPolicyRow { region_prefix: prefix.to_string(), scenario: scenario.as_str().into(), insurance: insurance.as_str().into(), policy: p };
        crate::access::audit::record(
            &tx,
            &now,
            &actor,
            "fund_policy.set",
            "fund_policy",
            None,
            None,
            before.map(|b| serde_json::json!(b)).as_ref(),
            Some(&serde_json::json!(row)),
        )?;
        tx.commit()?;
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: FundPolicy = FundPolicy { deductible_fen: 100_000, ratio_pct: 70, ceiling_fen: Some(1_000_000) };

    #[test]
    fn below_the_deductible_the_fund_pays_nothing() {
        let s = fund_share(&P, 40_000, YearUsed::default(), 0);
        assert_eq!(s, FundShare { deductible_fen: 40_000, fund_fen: 0, ratio_pct: 70, capped: false });
    }

    #[test]
    fn a_bill_crossing_the_deductible_pays_the_ratio_on_the_rest() {
        let s = fund_share(&P, 50_000, YearUsed { deductible_fen: 80_000, fund_fen: 0 }, 0);
        assert_eq!(s.deductible_fen, 20_000);
        assert_eq!(s.fund_fen, 21_000); // 70 % of 30,000
    }

    #[test]
    fn the_ceiling_cuts_the_fund_share() {
        let s = fund_share(&P, 100_000, YearUsed { deductible_fen: 100_000, fund_fen: 990_000 }, 0);
        assert_eq!(s.fund_fen, 10_000);
        assert!(s.capped);
        let s = fund_share(&P, 100_000, YearUsed { deductible_fen: 100_000, fund_fen: 1_000_000 }, 0);
        assert_eq!(s.fund_fen, 0);
    }

    #[test]
    fn an_emergency_cut_lowers_the_ratio_not_below_zero() {
        assert_eq!(fund_share(&P, 200_000, YearUsed { deductible_fen: 100_000, fund_fen: 0 }, 20).fund_fen, 100_000);
        assert_eq!(fund_share(&P, 200_000, YearUsed { deductible_fen: 100_000, fund_fen: 0 }, 90).ratio_pct, 0);
    }

    proptest! {
        /// Over any sequence of bills in a year: the fund never pays more than
        /// the ratio of what is above the deductible, never beyond the
        /// ceiling, never more than a bill; deductible and fund parts of a
        /// bill never exceed it.
        #[test]
        fn a_year_of_bills_respects_deductible_and_ceiling(
            deductible in 0i64..500_000, ratio in 0i64..=100, ceiling in proptest::option::of(0i64..2_000_000),
            bills in proptest::collection::vec(1i64..1_000_000, 1..40),
        ) {
            let p = FundPolicy { deductible_fen: deductible, ratio_pct: ratio, ceiling_fen: ceiling };
            let mut used = YearUsed::default();
            let mut total = 0i64;
            for b in bills {
                let s = fund_share(&p, b, used, 0);
                prop_assert!(s.fund_fen >= 0 && s.deductible_fen >= 0);
                prop_assert!(s.fund_fen + s.deductible_fen <= b);
                used.deductible_fen += s.deductible_fen;
                used.fund_fen += s.fund_fen;
                total += b;
            }
            prop_assert_eq!(used.deductible_fen, total.min(deductible));
            prop_assert!(used.fund_fen <= (total - used.deductible_fen) * ratio / 100);
            if let Some(c) = ceiling {
                prop_assert!(used.fund_fen <= c);
            }
        }
    }
}
