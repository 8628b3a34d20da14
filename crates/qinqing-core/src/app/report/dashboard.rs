//! The family's spending dashboard and one person's (DOMAIN §6): the
//! year's split by fund source and scenario, the 12-month trend, earlier
//! years, the largest bills, 代缴 premiums, deductible and ceiling progress,
//! the 家庭共济 caps' use and the online-pharmacy daily cap.

use super::anomaly::Anomaly;
use super::record::{bill_row, id_list, BillRow, BILL_SELECT};
use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::money::format_fen;
use crate::params;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Split {
    pub total: i64,
    pub bills: i64,
    pub fund: i64,
    pub own_account: i64,
    pub family_aid: i64,
    pub cash: i64,
    pub by_scenario: BTreeMap<String, i64>,
    pub total_display: String,
    /// Each fund source's share of the total, in whole percent (display).
    pub pct: BTreeMap<String, i64>,
    pub display: BTreeMap<String, String>,
}

impl Split {
    fn add(&mut self, scenario: &str, source: &str, amount: i64, bills: i64) {
        match source {
            "total" => {
                self.total += amount;
                self.bills += bills;
                *self.by_scenario.entry(scenario.to_string()).or_default() += amount;
            }
            "fund" => self.fund += amount,
            "own_account" => self.own_account += amount,
            "family_aid" => self.family_aid += amount,
            _ => self.cash += amount,
        }
        self.finish();
    }
    fn finish(&mut self) {
        self.total_display = format_fen(self.total);
        for (k, v) in [("fund", self.fund), ("own_account", self.own_account), ("family_aid", self.family_aid), ("cash", self.cash)] {
            self.pct.insert(k.into(), if self.total > 0 { v * 100 / self.total } else { 0 });
            self.display.insert(k.into(), format_fen(v));
        }
        for (k, v) in &self.by_scenario {
            self.display.insert(k.clone(), format_fen(*v));
        }
    }
    fn merge(&mut self, o: &Split) {
        self.total += o.total;
        self.bills += o.bills;
        self.fund += o.fund;
        self.own_account += o.own_account;
        self.family_aid += o.family_aid;
        self.cash += o.cash;
        for (k, v) in &o.by_scenario {
            *self.by_scenario.entry(k.clone()).or_default() += v;
        }
        self.finish();
    }
}

/// How far a member is through a scenario's yearly deductible (起付线) and
/// the fund's ceiling (封顶线), under the member's current policy.
#[derive(Debug, Clone, Serialize)]
pub struct FundProgress {
    pub scenario: &'static str,
    pub deductible_fen: i64,
    /// Counted toward the deductible this year.
    pub deductible_used_fen: i64,
    /// Percent of the deductible reached, 0–100 (100 without a deductible).
    pub deductible_pct: i64,
    pub deductible_met: bool,
    /// The fund's share above the deductible, 0–100.
    pub ratio_pct: i64,
    /// `None`: no ceiling.
    pub ceiling_fen: Option<i64>,
    /// Paid by the fund this year.
    pub fund_paid_fen: i64,
    /// Percent of the ceiling used, 0–100 (None without a ceiling).
    pub ceiling_pct: Option<i64>,
    /// `ok`, `near` (≥ 80 %), `at` (≥ 100 %), or `none` (no ceiling).
    pub ceiling_level: &'static str,
    pub deductible_display: String,
    pub deductible_used_display: String,
    pub ceiling_display: Option<String>,
    pub fund_paid_display: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberSpend {
    pub id: i64,
    pub name: String,
    pub year: Split,
    /// Earlier years, newest first.
    pub previous_years: Vec<PrevYear>,
    /// The 12 months ending with the dashboard's month: ("YYYY-MM", total fen).
    pub trend: Vec<(String, i64)>,
    pub largest: Vec<BillRow>,
    /// 代缴 premiums paid for this member in the year (by China date); not
    /// part of `year` (medical expenses).
    pub premiums_fen: i64,
    pub premiums_display: String,
    /// 代缴 premiums this member paid for relatives in the year.
    pub premiums_paid_fen: i64,
    pub premiums_paid_display: String,
    /// Deductible and ceiling progress, for each scenario with a fund share.
    pub fund_progress: Vec<FundProgress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrevYear {
    pub year: i32,
    pub total: i64,
    pub display: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CapUsage {
    pub aid_id: i64,
    pub authorizer_id: i64,
    pub authorizer_name: String,
    pub beneficiary_id: i64,
    pub beneficiary_name: String,
    pub status: String,
    pub cap_fen: Option<i64>,
    pub spent_fen: i64,
    pub spent_display: String,
    pub cap_display: Option<String>,
    /// Percent of the cap used (None without a cap).
    pub used_pct: Option<i64>,
    /// `ok`, `near` (≥ 80 %), `at` (≥ 100 %), or `none` (no cap).
    pub level: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChannelCap {
    pub member_id: i64,
    pub member_name: String,
    pub scenario: &'static str,
    pub cap_fen: i64,
    pub spent_today_fen: i64,
    pub level: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub holder_id: i64,
    pub year: i32,
    pub month: String,
    pub family: Split,
    pub family_trend: Vec<(String, i64)>,
    /// The family trend in yuan, ready for a chart axis (display only; sums are in fen).
    pub family_trend_yuan: Vec<f64>,
    pub members: Vec<MemberSpend>,
    /// 代缴: premiums paid by or for the family's members in the year (by
    /// China date), each counted once; kept apart from the medical `family`.
    pub premiums_fen: i64,
    pub premiums_display: String,
    pub premiums_count: i64,
    pub caps: Vec<CapUsage>,
    pub channel_caps: Vec<ChannelCap>,
    pub anomalies: Vec<Anomaly>,
}

fn months_back(month: NaiveDate, n: u32) -> Vec<String> {
    let mut out = Vec::new();
    let (mut y, mut m) = (month.year(), month.month() as i32);
    for _ in 0..n {
        out.push(format!("{y:04}-{m:02}"));
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

fn level(spent: i64, cap: i64) -> &'static str {
    if cap <= 0 || spent >= cap {
        "at"
    } else if spent * 100 >= cap * 80 {
        "near"
    } else {
        "ok"
    }
}

impl Qinqing {
    fn member_split(&self, member: i64, from_month: &str, to_month: &str) -> Result<Split> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT scenario, source, sum(amount_fen), sum(bills) FROM spend_month
             WHERE member_id = ?1 AND month BETWEEN ?2 AND ?3 GROUP BY scenario, source",
        )?;
        let mut split = Split::default();
        split.finish();
        let rows = stmt.query_map(params![member, from_month, to_month], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?;
        for row in rows {
            let (sc, src, amount, bills) = row?;
            split.add(&sc, &src, amount, bills);
        }
        Ok(split)
    }

    /// The dashboard of `holder`'s family for `year` (China time), with the
    /// trend ending at this month (or December of a past year).
    /// A holder's family dashboard for a China year.
    pub fn dashboard(&self, holder: i64, year: i32) -> Result<Dashboard> {
        self.permit(Act::Dashboard { holder })?;
        self.dashboard_of(holder, year)
    }

    fn dashboard_of(&self, holder: i64, year: i32) -> Result<Dashboard> {
        let today = self.today();
        let end = if year == today.year() { today } else { NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| Error::date_invalid(&year.to_string()))? };
        let months = months_back(end, 12);
        let family = self.family_of(holder)?;
        let mut members = Vec::new();
        let mut fam = Split::default();
        fam.finish();
        let mut fam_trend: BTreeMap<String, i64> = months.iter().map(|m| (m.clone(), 0)).collect();
        for (id, name) in &family {
            let split = self.member_split(*id, &format!("{year:04}-01"), &format!("{year:04}-12"))?;
            fam.merge(&split);
            // One query for both the 12-month trend and the five previous
            // years: every month of this member up to the trend's end.
            let by_month: Vec<(String, i64)> = self
                .conn()
                .prepare_cached(
                    "SELECT month, sum(amount_fen) FROM spend_month WHERE member_id = ?1 AND source = 'total' AND month <= ?2
                     GROUP BY month",
                )?
                .query_map(params![id, std::cmp::max(months[11].clone(), format!("{year:04}-12"))], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<crate::error::Result<_>>()?;
            let got: BTreeMap<&str, i64> = by_month.iter().filter(|(m, _)| *m >= months[0] && *m <= months[11]).map(|(m, v)| (m.as_str(), *v)).collect();
            let trend: Vec<(String, i64)> = months.iter().map(|m| (m.clone(), *got.get(m.as_str()).unwrap_or(&0))).collect();
            for (m, v) in &trend {
                *fam_trend.entry(m.clone()).or_default() += v;
            }
            let first_month = format!("{year:04}-01");
            let mut per_year: BTreeMap<String, i64> = BTreeMap::new();
            for (m, v) in by_month.iter().filter(|(m, _)| *m < first_month) {
                *per_year.entry(m[..4].to_string()).or_default() += v;
            }
            let previous_years: Vec<PrevYear> = per_year
                .into_iter()
                .rev()
                .take(5)
                .map(|(y, total)| PrevYear { year: y.parse::<i32>().unwrap_or(0), total, display: format_fen(total) })
                .collect();
            let mut big = self
                .conn()
                .prepare_cached(&format!("{BILL_SELECT} WHERE s.member_id = ?1 AND s.china_date BETWEEN ?2 AND ?3 ORDER BY s.total_fen DESC, s.id LIMIT 5"))?;
            let largest = big.query_map(params![id, format!("{year:04}-01-01"), format!("{year:04}-12-31")], bill_row)?.collect::<crate::error::Result<_>>()?;
            let (year_from, year_to) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
            // Paid for this member, and paid by this member: one query.
            let (premiums_fen, premiums_paid_fen): (i64, i64) = self.conn().query_row(
                "SELECT CAST(coalesce(sum(CASE WHEN beneficiary_id = ?1 THEN amount_fen ELSE 0 END), 0) AS BIGINT),
                        CAST(coalesce(sum(CASE WHEN payer_id = ?1 THEN amount_fen ELSE 0 END), 0) AS BIGINT)
                 FROM premium WHERE (beneficiary_id = ?1 OR payer_id = ?1) AND china_date BETWEEN ?2 AND ?3",
                params![id, year_from, year_to],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            members.push(MemberSpend {
                id: *id,
                name: name.clone(),
                year: split,
                previous_years,
                trend,
                largest,
                premiums_fen,
                premiums_display: format_fen(premiums_fen),
                premiums_paid_fen,
                premiums_paid_display: format_fen(premiums_paid_fen),
                fund_progress: self.fund_progress(*id, year)?,
            });
        }
        let ids: Vec<i64> = family.iter().map(|(id, _)| *id).collect();
        let (premiums_count, premiums_fen) = self.premium_sum(&ids, year)?;
        Ok(Dashboard {
            holder_id: holder,
            year,
            month: months[11].clone(),
            family_trend_yuan: fam_trend.values().map(|f| *f as f64 / 100.0).collect(),
            family: fam,
            family_trend: fam_trend.into_iter().collect(),
            members,
            premiums_fen,
            premiums_display: format_fen(premiums_fen),
            premiums_count,
            caps: self.cap_usage(&ids)?,
            channel_caps: self.channel_caps(&family)?,
            anomalies: self.anomalies(&family)?,
        })
    }

    /// 代缴 premiums paid by or for any of `ids` in China year `year`, each
    /// counted once: (count, fen).
    fn premium_sum(&self, ids: &[i64], year: i32) -> Result<(i64, i64)> {
        let list = id_list(ids);
        self.conn().query_row(
            &format!(
                "SELECT count(*), coalesce(sum(amount_fen), 0) FROM premium
                 WHERE (beneficiary_id IN ({list}) OR payer_id IN ({list})) AND china_date BETWEEN ?1 AND ?2"
            ),
            params![format!("{year:04}-01-01"), format!("{year:04}-12-31")],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// How far `member` is through the deductible and the ceiling in China
    /// year `year`, for each scenario where the member's policy (region,
    /// insurance type) gives the fund a share.
    fn fund_progress(&self, member: i64, year: i32) -> Result<Vec<FundProgress>> {
        use crate::app::settle::Scenario;
        let p = crate::app::person::load(self.conn(), member)?;
        let y = format!("{year:04}");
        let mut out = Vec::new();
        let all = [Scenario::Outpatient, Scenario::Pharmacy, Scenario::OnlinePharmacy, Scenario::Inpatient];
        let used_all = crate::app::fund::year_used_all(self.conn(), member, &y)?;
        for (sc, pol) in crate::app::fund::policies_for(self.conn(), &p.region.code, p.insurance, &all)? {
            if pol.ratio_pct <= 0 {
                continue;
            }
            let used = used_all.get(sc.as_str()).cloned().unwrap_or_default();
            let deductible_pct = if pol.deductible_fen > 0 { (used.deductible_fen * 100 / pol.deductible_fen).clamp(0, 100) } else { 100 };
            out.push(FundProgress {
                scenario: sc.as_str(),
                deductible_fen: pol.deductible_fen,
                deductible_used_fen: used.deductible_fen,
                deductible_pct,
                deductible_met: used.deductible_fen >= pol.deductible_fen,
                ratio_pct: pol.ratio_pct,
                ceiling_fen: pol.ceiling_fen,
                fund_paid_fen: used.fund_fen,
                ceiling_pct: pol.ceiling_fen.map(|c| if c > 0 { (used.fund_fen * 100 / c).clamp(0, 100) } else { 100 }),
                ceiling_level: pol.ceiling_fen.map(|c| level(used.fund_fen, c)).unwrap_or("none"),
                deductible_display: format_fen(pol.deductible_fen),
                deductible_used_display: format_fen(used.deductible_fen),
                ceiling_display: pol.ceiling_fen.map(format_fen),
                fund_paid_display: format_fen(used.fund_fen),
            });
        }
        Ok(out)
    }

    fn cap_usage(&self, family: &[i64]) -> Result<Vec<CapUsage>> {
        let month = months_back(self.today(), 1).remove(0);
        let mut out = Vec::new();
        if family.is_empty() {
            return Ok(out);
        }
        // The family's relations in one query, then member by member (the
        // order shown: each member's relations by id, each relation once).
        type Row = (i64, i64, String, i64, String, String, Option<i64>, i64);
        let all: Vec<Row> = self
            .conn()
            .query_map(
                &format!(
                    "SELECT a.id, a.authorizer_id, pa.name, a.beneficiary_id, pb.name, a.status, a.monthly_cap_fen,
                            coalesce((SELECT amount_fen FROM aid_month WHERE aid_id = a.id AND month = ?1), 0)
                     FROM aid a JOIN person pa ON pa.id = a.authorizer_id JOIN person pb ON pb.id = a.beneficiary_id
                     WHERE a.status <> 'revoked' AND (a.authorizer_id IN ({ids}) OR a.beneficiary_id IN ({ids})) ORDER BY a.id",
                    ids = id_list(family)
                ),
                params![month],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )?
            .collect::<crate::error::Result<_>>()?;
        let mut seen = std::collections::HashSet::new();
        for &m in family {
            let rows = all.iter().filter(|r| r.1 == m || r.3 == m).cloned();
            for row in rows {
                let (aid_id, authorizer_id, authorizer_name, beneficiary_id, beneficiary_name, status, cap, spent) = row;
                if !seen.insert(aid_id) {
                    continue;
                }
                out.push(CapUsage {
                    aid_id,
                    authorizer_id,
                    authorizer_name,
                    beneficiary_id,
                    beneficiary_name,
                    status,
                    cap_fen: cap,
                    spent_fen: spent,
                    spent_display: format_fen(spent),
                    cap_display: cap.map(format_fen),
                    used_pct: cap.map(|c| if c > 0 { (spent * 100 / c).min(999) } else { 100 }),
                    level: cap.map(|c| level(spent, c)).unwrap_or("none"),
                });
            }
        }
        Ok(out)
    }

    fn channel_caps(&self, family: &[(i64, String)]) -> Result<Vec<ChannelCap>> {
        let cap = self.setting("online_pharmacy_daily_cap_fen")?;
        let today = self.today().to_string();
        let mut out = Vec::new();
        let ids: Vec<i64> = family.iter().map(|(id, _)| *id).collect();
        // Every member's spending today in one query.
        if ids.is_empty() {
            return Ok(out);
        }
        let by_member: std::collections::HashMap<i64, i64> = self
            .conn()
            .query_map(
                &format!(
                    "SELECT s.member_id, CAST(sum(l.amount_fen) AS BIGINT) FROM settlement s JOIN settlement_leg l ON l.settlement_id = s.id
                     WHERE s.member_id IN ({}) AND s.china_date = ?1 AND s.scenario = 'online_pharmacy'
                       AND l.source IN ('own_account', 'family_aid') GROUP BY s.member_id",
                    id_list(&ids)
                ),
                params![today],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<crate::error::Result<_>>()?;
        for (id, name) in family {
            let spent = by_member.get(id).copied().unwrap_or(0);
            out.push(ChannelCap {
                member_id: *id,
                member_name: name.clone(),
                scenario: "online_pharmacy",
                cap_fen: cap,
                spent_today_fen: spent,
                level: level(spent, cap),
            });
        }
        Ok(out)
    }
}

impl Qinqing {
    /// One person's dashboard: their own figures, caps and hints only.
    pub fn person_dashboard(&self, person: i64, year: i32) -> Result<Dashboard> {
        self.permit(Act::FamilyRead { person })?;
        let mut d = self.dashboard_of(person, year)?;
        d.members.retain(|m| m.id == person);
        if let Some(m) = d.members.first() {
            d.family = m.year.clone();
            d.family_trend = m.trend.clone();
            d.family_trend_yuan = m.trend.iter().map(|(_, f)| *f as f64 / 100.0).collect();
        }
        let (count, fen) = self.premium_sum(&[person], year)?;
        d.premiums_count = count;
        d.premiums_fen = fen;
        d.premiums_display = format_fen(fen);
        d.caps.retain(|c| c.beneficiary_id == person || c.authorizer_id == person);
        d.channel_caps.retain(|c| c.member_id == person);
        d.anomalies.retain(|a| a.member_id == person);
        Ok(d)
    }
}
