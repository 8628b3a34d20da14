//! The family spending dashboard, the transaction record and the annual
//! statement (DOMAIN §6). Sums are in fen, computed here; the dashboard reads
//! the monthly roll-ups (`spend_month`, `aid_month`) and per-member indexes,
//! so one family's view does not grow with the whole ledger.

use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::money::format_fen;
use crate::params;
use crate::time;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SOURCES: [&str; 4] = ["fund", "own_account", "family_aid", "cash"];

/// What a fund source is called, in Chinese and English (for text output).
pub fn source_label(key: &str) -> (&'static str, &'static str) {
    match key {
        "fund" => ("统筹基金", "pooled fund"),
        "own_account" => ("本人个人账户", "own account"),
        "family_aid" => ("家庭共济", "family aid"),
        "cash" => ("现金", "cash"),
        "premium" => ("代缴保费", "premiums paid"),
        _ => ("其他", "other"),
    }
}
/// A scenario's name in Chinese and English, as the window shows it.
pub fn scenario_label(key: &str) -> (&'static str, &'static str) {
    match key {
        "outpatient" => ("门诊", "outpatient"),
        "pharmacy" => ("药店购药", "pharmacy"),
        "online_pharmacy" => ("在线购药", "online pharmacy"),
        "inpatient" => ("住院", "inpatient"),
        PREMIUM => ("代缴保费", "premium"),
        _ => ("其他", "other"),
    }
}
pub const SCENARIOS: [&str; 4] = ["outpatient", "pharmacy", "online_pharmacy", "inpatient"];
/// The record's scenario (and filter value) of a 代缴 premium row: not a
/// medical bill, so it never counts toward medical expenses.
pub const PREMIUM: &str = "premium";
/// A bill is unusual above this many times the member's trailing 90-day median …
pub const ANOMALY_FACTOR: i64 = 3;
/// … and above this floor (¥500), so small bills never alarm.
pub const ANOMALY_FLOOR_FEN: i64 = 50_000;
/// Bills this recent are checked for anomalies on the dashboard.
pub const ANOMALY_WINDOW_DAYS: u64 = 30;

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

/// One row of the transaction record: a settled bill, or a 代缴 premium.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct BillRow {
    /// `settlement` (a medical bill; `id` is the settlement's) or `premium`
    /// (代缴; `id` is the premium's, `member_*` the beneficiary, `payer_*` who
    /// paid it from their personal account, `own_account` the amount).
    pub kind: std::borrow::Cow<'static, str>,
    pub id: i64,
    pub date: String,
    pub member_id: i64,
    pub member_name: String,
    pub institution_id: i64,
    pub institution: String,
    pub scenario: String,
    pub bill_id: String,
    pub total_fen: i64,
    pub total_display: String,
    pub fund: i64,
    pub own_account: i64,
    pub family_aid: i64,
    pub cash: i64,
    /// 代缴 only: the payer whose personal account paid.
    pub payer_id: Option<i64>,
    pub payer_name: Option<String>,
    /// 代缴 only: the insurance year the premium is for.
    pub premium_year: Option<i64>,
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
pub struct Anomaly {
    pub settlement_id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub date: String,
    pub total_fen: i64,
    pub total_display: String,
    /// `large_bill` or `new_institution_other_region`.
    pub kind: &'static str,
    pub explain_zh: String,
    pub explain_en: String,
    /// 家庭共济 relations that paid this bill (the one-click freeze targets).
    pub aid_ids: Vec<i64>,
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

/// Filters of the transaction record.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TxQuery {
    pub member: Option<i64>,
    /// Everyone in this holder's family.
    pub family: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A scenario, or `premium` for 代缴 rows only.
    pub scenario: Option<String>,
    /// Settled bills at this institution (excludes 代缴 rows).
    pub institution: Option<i64>,
    /// Only bills with a leg from this source (`own_account` keeps 代缴 rows:
    /// they are paid from the payer's personal account).
    pub source: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TxPage {
    pub rows: Vec<BillRow>,
    pub page: u32,
    pub page_size: u32,
    /// Rows of both kinds.
    pub total_rows: i64,
    /// The sum of all rows (bills and 代缴) in the filter.
    pub sum_fen: i64,
    pub sum_display: String,
    /// Of those: the 代缴 rows, and their sum.
    pub premium_rows: i64,
    pub premium_sum_fen: i64,
    pub premium_sum_display: String,
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

fn parse_day(raw: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| Error::date_invalid(raw))
}

const BILL_SELECT: &str = "SELECT s.id, s.china_date, s.member_id, p.name, s.institution_id, i.name, s.scenario, s.bill_id, s.total_fen,
        (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'fund'),
        (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'own_account'),
        (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'family_aid'),
        (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'cash')
     FROM settlement s JOIN person p ON p.id = s.member_id JOIN institution i ON i.id = s.institution_id";

fn bill_row(r: &crate::store::Row<'_>) -> crate::error::Result<BillRow> {
    let total: i64 = r.get(8)?;
    Ok(BillRow {
        kind: "settlement".into(),
        id: r.get(0)?,
        date: r.get(1)?,
        member_id: r.get(2)?,
        member_name: r.get(3)?,
        institution_id: r.get(4)?,
        institution: r.get(5)?,
        scenario: r.get(6)?,
        bill_id: r.get(7)?,
        total_fen: total,
        total_display: format_fen(total),
        fund: r.get(9)?,
        own_account: r.get(10)?,
        family_aid: r.get(11)?,
        cash: r.get(12)?,
        payer_id: None,
        payer_name: None,
        premium_year: None,
    })
}

const PREMIUM_SELECT: &str = "SELECT pr.id, pr.china_date, pr.beneficiary_id, pb.name, pr.payer_id, pp.name, pr.year, pr.amount_fen
     FROM premium pr JOIN person pb ON pb.id = pr.beneficiary_id JOIN person pp ON pp.id = pr.payer_id";

fn premium_row(r: &crate::store::Row<'_>) -> crate::error::Result<BillRow> {
    let amount: i64 = r.get(7)?;
    Ok(BillRow {
        kind: PREMIUM.into(),
        id: r.get(0)?,
        date: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
        member_id: r.get(2)?,
        member_name: r.get(3)?,
        institution_id: 0,
        institution: String::new(),
        scenario: PREMIUM.into(),
        bill_id: String::new(),
        total_fen: amount,
        total_display: format_fen(amount),
        fund: 0,
        own_account: amount,
        family_aid: 0,
        cash: 0,
        payer_id: Some(r.get(4)?),
        payer_name: Some(r.get(5)?),
        premium_year: Some(r.get(6)?),
    })
}

/// Integers from the database (never user text), as an SQL list.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

/// SQL conditions with numbered parameters, numbered from `base + 1`.
struct Conds {
    base: usize,
    conds: Vec<String>,
    args: Vec<crate::store::Value>,
}

impl Conds {
    fn new(base: usize) -> Self {
        Conds { base, conds: Vec::new(), args: Vec::new() }
    }
    fn raw(&mut self, cond: String) {
        self.conds.push(cond);
    }
    fn push(&mut self, cond: &str, v: crate::store::Value) {
        self.args.push(v);
        self.conds.push(cond.replace('?', &format!("?{}", self.base + self.args.len())));
    }
    fn where_(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conds.join(" AND "))
        }
    }
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

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2 })
}

impl Qinqing {
    /// The holder and everyone in the holder's family: active bindings and
    /// 家庭共济 beneficiaries (not revoked).
    pub fn family_of(&self, holder: i64) -> Result<Vec<(i64, String)>> {
        crate::app::person::load(self.conn(), holder)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, name FROM person WHERE id = ?1
             UNION SELECT p.id, p.name FROM binding b JOIN person p ON p.id = b.member_id WHERE b.holder_id = ?1 AND b.status = 'active'
             UNION SELECT p.id, p.name FROM aid a JOIN person p ON p.id = a.beneficiary_id WHERE a.authorizer_id = ?1 AND a.status <> 'revoked'
             ORDER BY 1",
        )?;
        let rows = stmt.query_map([holder], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<crate::error::Result<_>>()
    }

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

    /// The permission for a transaction-record query: a member's, a
    /// family's, or (everything) an administrator's.
    fn tx_act(&self, q: &TxQuery) -> Result<Act> {
        Ok(match (q.member, q.family) {
            (Some(person), _) => Act::FamilyRead { person },
            (None, Some(holder)) => Act::Dashboard { holder },
            (None, None) => Act::Admin,
        })
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

    /// The anomaly rules, on the family's bills of the last 30 days:
    /// 1. a bill above 3× the member's median bill of the 90 days before it, and above ¥500;
    /// 2. a bill at an institution in another province that the member never used before.
    fn anomalies(&self, family: &[(i64, String)]) -> Result<Vec<Anomaly>> {
        let today = self.today();
        let since = (today - chrono::Days::new(ANOMALY_WINDOW_DAYS)).to_string();
        let mut out = Vec::new();
        for (id, name) in family {
            let home: String = self.conn().query_row("SELECT substr(region, 1, 2) FROM person WHERE id = ?1", [id], |r| r.get(0))?;
            let mut recent = self.conn().prepare_cached(
                "SELECT s.id, s.china_date, s.total_fen, s.institution_id, substr(i.region, 1, 2), i.name FROM settlement s
                 JOIN institution i ON i.id = s.institution_id WHERE s.member_id = ?1 AND s.china_date >= ?2 ORDER BY s.id DESC LIMIT 200",
            )?;
            let bills: Vec<(i64, String, i64, i64, String, String)> = recent
                .query_map(params![id, since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
                .collect::<crate::error::Result<_>>()?;
            // Every bill that can be in a recent bill's 90-day window, fetched
            // once (not once per recent bill): (date, id, total), newest first.
            let window_from =
                bills.iter().map(|b| parse_day(&b.1).map(|d| (d - chrono::Days::new(90)).to_string())).collect::<Result<Vec<_>>>()?.into_iter().min();
            let history: Vec<(String, i64, i64)> = match &window_from {
                Some(from) => self
                    .conn()
                    .prepare_cached(
                        "SELECT china_date, id, total_fen FROM settlement WHERE member_id = ?1 AND china_date >= ?2
                         ORDER BY china_date DESC, id DESC",
                    )?
                    .query_map(params![id, from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<crate::error::Result<_>>()?,
                None => Vec::new(),
            };
            let mut first_use: Option<std::collections::HashMap<i64, i64>> = None;
            for (sid, date, total, inst, inst_prov, inst_name) in bills {
                let day = parse_day(&date)?;
                let from = (day - chrono::Days::new(90)).to_string();
                // The member's bills of the 90 days up to this one (before it), the 500 most recent.
                let mut prior: Vec<i64> = history.iter().filter(|(d, i, _)| *d >= from && *d <= date && *i < sid).take(500).map(|(_, _, t)| *t).collect();
                let aid_ids = || -> Result<Vec<i64>> {
                    self.conn()
                        .prepare_cached("SELECT aid_id FROM settlement_leg WHERE settlement_id = ?1 AND aid_id IS NOT NULL")?
                        .query_map([sid], |r| r.get(0))?
                        .collect::<crate::error::Result<_>>()
                };
                if let Some(med) = median(&mut prior) {
                    if total > ANOMALY_FLOOR_FEN && total > ANOMALY_FACTOR * med {
                        out.push(Anomaly {
                            settlement_id: sid,
                            member_id: *id,
                            member_name: name.clone(),
                            date: date.clone(),
                            total_fen: total,
                            total_display: format_fen(total),
                            kind: "large_bill",
                            explain_zh: format!("{}高于该成员前90天账单中位数（{}）的3倍，且超过¥500。", format_fen(total), format_fen(med)),
                            explain_en: format!(
                                "{} is more than 3× the member's median bill of the previous 90 days ({}) and above ¥500.",
                                format_fen(total),
                                format_fen(med)
                            ),
                            aid_ids: aid_ids()?,
                        });
                    }
                }
                if inst_prov != home {
                    // The member's first settlement at each institution, read
                    // once per member and only when a bill is out of province.
                    if first_use.is_none() {
                        first_use = Some(
                            self.conn()
                                .prepare_cached("SELECT institution_id, min(id) FROM settlement WHERE member_id = ?1 GROUP BY institution_id")?
                                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                                .collect::<crate::error::Result<_>>()?,
                        );
                    }
                    let first: Option<i64> = first_use.as_ref().and_then(|f: &std::collections::HashMap<i64, i64>| f.get(&inst).copied());
                    if first.is_none_or(|f| f >= sid) {
                        out.push(Anomaly {
                            settlement_id: sid,
                            member_id: *id,
                            member_name: name.clone(),
                            date: date.clone(),
                            total_fen: total,
                            total_display: format_fen(total),
                            kind: "new_institution_other_region",
                            explain_zh: format!("首次在外省机构“{inst_name}”消费。"),
                            explain_en: format!("First spending at \"{inst_name}\", an institution in another province."),
                            aid_ids: aid_ids()?,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// The transaction record, newest first, filtered and paginated: settled
    /// bills and 代缴 premiums (a premium is in a member's record when the
    /// member paid it or it was paid for them).
    pub fn tx_list(&self, q: &TxQuery) -> Result<TxPage> {
        self.permit(self.tx_act(q)?)?;
        let members: Option<Vec<i64>> = match (q.member, q.family) {
            (Some(m), _) => Some(vec![m]),
            (None, Some(h)) => Some(self.family_of(h)?.into_iter().map(|(id, _)| id).collect()),
            _ => None,
        };
        let scenario = q.scenario.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(sc) = scenario.filter(|s| *s != PREMIUM) {
            crate::app::settle::Scenario::parse(sc)?;
        }
        let source = q.source.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(src) = source {
            if !SOURCES.contains(&src) {
                return Err(Error::scenario_invalid(src));
            }
        }
        let from = q.from.as_deref().filter(|s| !s.is_empty()).map(parse_day).transpose()?.map(|d| d.to_string());
        let to = q.to.as_deref().filter(|s| !s.is_empty()).map(parse_day).transpose()?.map(|d| d.to_string());
        // Which kinds of row the filters let through: a premium has no
        // institution and is paid from the payer's own account.
        let want_bills = scenario != Some(PREMIUM);
        let want_premiums = matches!(scenario, None | Some(PREMIUM)) && q.institution.is_none() && matches!(source, None | Some("own_account"));
        // Only the filters in use go into the SQL, so the planner can use
        // the (member, day) indexes instead of walking the whole ledger.
        let bill_conds = |base: usize| {
            let mut c = Conds::new(base);
            if let Some(m) = &members {
                c.raw(format!("s.member_id IN ({})", id_list(m)));
            }
            if let Some(f) = &from {
                c.push("s.china_date >= ?", f.clone().into());
            }
            if let Some(t) = &to {
                c.push("s.china_date <= ?", t.clone().into());
            }
            if let Some(sc) = scenario {
                c.push("s.scenario = ?", sc.to_string().into());
            }
            if let Some(i) = q.institution {
                c.push("s.institution_id = ?", i.into());
            }
            if let Some(src) = source {
                c.push("EXISTS (SELECT 1 FROM settlement_leg l WHERE l.settlement_id = s.id AND l.source = ?)", src.to_string().into());
            }
            c
        };
        let premium_conds = |base: usize| {
            let mut c = Conds::new(base);
            if let Some(m) = &members {
                let list = id_list(m);
                c.raw(format!("(pr.beneficiary_id IN ({list}) OR pr.payer_id IN ({list}))"));
            }
            if let Some(f) = &from {
                c.push("pr.china_date >= ?", f.clone().into());
            }
            if let Some(t) = &to {
                c.push("pr.china_date <= ?", t.clone().into());
            }
            c
        };
        let page_size = q.page_size.unwrap_or(50).clamp(1, 1000);
        let page = q.page.unwrap_or(1).max(1);
        let limit = page_size as i64;
        let offset = (page - 1) as i64 * page_size as i64;
        let (mut bill_rows, mut bill_sum) = (0i64, 0i64);
        if want_bills {
            let c = bill_conds(0);
            (bill_rows, bill_sum) = self.conn().query_row(
                &format!("SELECT count(*), coalesce(sum(s.total_fen), 0) FROM settlement s {}", c.where_()),
                crate::store::params_from_iter(c.args.iter()),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        }
        let (mut premium_rows, mut premium_sum) = (0i64, 0i64);
        if want_premiums {
            let c = premium_conds(0);
            (premium_rows, premium_sum) = self.conn().query_row(
                &format!("SELECT count(*), coalesce(sum(pr.amount_fen), 0) FROM premium pr {}", c.where_()),
                crate::store::params_from_iter(c.args.iter()),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        }
        let rows = if premium_rows > 0 {
            self.mixed_page(if bill_rows > 0 { Some(bill_conds(0)) } else { None }, premium_conds, limit, offset)?
        } else if bill_rows > 0 {
            // Bills only: one query, as before premiums were in the record.
            let mut c = bill_conds(0);
            let n = c.args.len();
            c.args.push(limit.into());
            c.args.push(offset.into());
            let mut stmt = self.conn().prepare_cached(&format!(
                "{BILL_SELECT} {} ORDER BY s.china_date DESC, s.id DESC LIMIT ?{} OFFSET ?{}",
                c.where_(),
                n + 1,
                n + 2
            ))?;
            let rows = stmt.query_map(crate::store::params_from_iter(c.args.iter()), bill_row)?.collect::<crate::error::Result<_>>()?;
            rows
        } else {
            Vec::new()
        };
        let sum_fen = bill_sum + premium_sum;
        Ok(TxPage {
            rows,
            page,
            page_size,
            total_rows: bill_rows + premium_rows,
            sum_fen,
            sum_display: format_fen(sum_fen),
            premium_rows,
            premium_sum_fen: premium_sum,
            premium_sum_display: format_fen(premium_sum),
        })
    }

    /// One page of the record with 代缴 rows in it: the page's keys from both
    /// tables in one ordered pass (newest day first; on one day bills before
    /// premiums, newest first), then the rows of just that page.
    fn mixed_page(&self, bills: Option<Conds>, premiums: impl Fn(usize) -> Conds, limit: i64, offset: i64) -> Result<Vec<BillRow>> {
        let mut args: Vec<crate::store::Value> = Vec::new();
        let mut parts = Vec::new();
        if let Some(b) = bills {
            parts.push(format!("SELECT 1 AS k, s.id AS id, s.china_date AS d FROM settlement s {}", b.where_()));
            args.extend(b.args);
        }
        let p = premiums(args.len());
        parts.push(format!("SELECT 0 AS k, pr.id AS id, pr.china_date AS d FROM premium pr {}", p.where_()));
        args.extend(p.args);
        let n = args.len();
        args.push(limit.into());
        args.push(offset.into());
        let keys: Vec<(i64, i64)> = self
            .conn()
            .prepare_cached(&format!("{} ORDER BY 3 DESC, 1 DESC, 2 DESC LIMIT ?{} OFFSET ?{}", parts.join(" UNION ALL "), n + 1, n + 2))?
            .query_map(crate::store::params_from_iter(args.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::error::Result<_>>()?;
        let of_kind = |k: i64| keys.iter().filter(|(kind, _)| *kind == k).map(|(_, id)| *id).collect::<Vec<_>>();
        let (bill_ids, premium_ids) = (of_kind(1), of_kind(0));
        let mut found: std::collections::HashMap<(i64, i64), BillRow> = std::collections::HashMap::new();
        if !bill_ids.is_empty() {
            let mut stmt = self.conn().prepare(&format!("{BILL_SELECT} WHERE s.id IN ({})", id_list(&bill_ids)))?;
            for r in stmt.query_map([], bill_row)? {
                let r = r?;
                found.insert((1, r.id), r);
            }
        }
        if !premium_ids.is_empty() {
            let mut stmt = self.conn().prepare(&format!("{PREMIUM_SELECT} WHERE pr.id IN ({})", id_list(&premium_ids)))?;
            for r in stmt.query_map([], premium_row)? {
                let r = r?;
                found.insert((0, r.id), r);
            }
        }
        Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
    }

    /// The filtered transaction record as CSV: UTF-8 with a BOM (so Excel
    /// shows Chinese names), amounts in yuan with two decimals. Text cells
    /// (names, institution, bill number) that a spreadsheet would run as a
    /// formula are escaped ([`csv_text`]); amounts are ours and stay numbers
    /// (a negative amount is a number, not a formula).
    pub fn tx_csv(&self, q: &TxQuery) -> Result<String> {
        self.permit(self.tx_act(q)?)?;
        let mut all = TxQuery { page: Some(1), page_size: Some(1000), ..q.clone() };
        let mut w = csv::Writer::from_writer(Vec::new());
        let head = [
            "日期 date",
            "成员 member",
            "机构 institution",
            "场景 scenario",
            "账单号 bill",
            "总额 total",
            "统筹 fund",
            "个人账户 own",
            "家庭共济 family aid",
            "现金 cash",
            "代缴人 premium payer",
        ];
        w.write_record(head).map_err(Error::internal)?;
        loop {
            let page = self.tx_list(&all)?;
            for r in &page.rows {
                let y = |f: i64| crate::money::fen_to_yuan_text(f);
                // 代缴: scenario `premium`, paid from the payer's personal account.
                let payer = r.payer_name.clone().unwrap_or_default();
                let t = |s: &str| csv_text(s).into_owned();
                w.write_record([
                    t(&r.date),
                    t(&r.member_name),
                    t(&r.institution),
                    t(&r.scenario),
                    t(&r.bill_id),
                    y(r.total_fen),
                    y(r.fund),
                    y(r.own_account),
                    y(r.family_aid),
                    y(r.cash),
                    t(&payer),
                ])
                .map_err(Error::internal)?;
            }
            if (page.page as i64) * (page.page_size as i64) >= page.total_rows {
                break;
            }
            all.page = Some(page.page + 1);
        }
        let body = w.into_inner().map_err(Error::internal)?;
        let mut out = String::from("\u{FEFF}");
        out.push_str(&String::from_utf8(body).map_err(Error::internal)?);
        Ok(out)
    }

    /// The annual statement of one member: by month and institution, who paid.
    pub fn annual_statement(&self, member: i64, year: i32) -> Result<serde_json::Value> {
        self.permit(Act::FamilyRead { person: member })?;
        let p = crate::app::person::load(self.conn(), member)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT substr(s.china_date, 1, 7), i.name, count(DISTINCT s.id),
                    sum(CASE WHEN l.source = 'fund' THEN l.amount_fen ELSE 0 END),
                    sum(CASE WHEN l.source = 'own_account' THEN l.amount_fen ELSE 0 END),
                    sum(CASE WHEN l.source = 'family_aid' THEN l.amount_fen ELSE 0 END),
                    sum(CASE WHEN l.source = 'cash' THEN l.amount_fen ELSE 0 END),
                    sum(l.amount_fen)
             FROM settlement s JOIN settlement_leg l ON l.settlement_id = s.id JOIN institution i ON i.id = s.institution_id
             WHERE s.member_id = ?1 AND s.china_date BETWEEN ?2 AND ?3 GROUP BY 1, 2 ORDER BY 1, 2",
        )?;
        let mut rows = Vec::new();
        let mut totals = [0i64; 5];
        for r in stmt.query_map(params![member, format!("{year:04}-01-01"), format!("{year:04}-12-31")], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, [r.get::<_, i64>(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?]))
        })? {
            let (month, inst, bills, a) = r?;
            for k in 0..5 {
                totals[k] += a[k];
            }
            rows.push(serde_json::json!({ "month": month, "institution": inst, "bills": bills,
                "fund": a[0], "own_account": a[1], "family_aid": a[2], "cash": a[3], "total": a[4],
                "display": { "fund": format_fen(a[0]), "own_account": format_fen(a[1]), "family_aid": format_fen(a[2]), "cash": format_fen(a[3]), "total": format_fen(a[4]) } }));
        }
        // Who paid through family aid, by authorizer.
        let mut by_auth = self.conn().prepare_cached(
            "SELECT p.name, sum(l.amount_fen) FROM settlement s JOIN settlement_leg l ON l.settlement_id = s.id JOIN person p ON p.id = l.person_id
             WHERE s.member_id = ?1 AND s.china_date BETWEEN ?2 AND ?3 AND l.source = 'family_aid' GROUP BY p.id ORDER BY 2 DESC",
        )?;
        let payers: Vec<serde_json::Value> = by_auth
            .query_map(params![member, format!("{year:04}-01-01"), format!("{year:04}-12-31")], |r| {
                let amount: i64 = r.get(1)?;
                Ok(serde_json::json!({ "name": r.get::<_, String>(0)?, "amount": amount, "display": format_fen(amount) }))
            })?
            .collect::<crate::error::Result<_>>()?;
        Ok(serde_json::json!({
            "member": { "id": p.id, "name": p.name, "resident_id_masked": p.rid.masked(), "insurance": p.insurance.as_str(), "region": p.region.code },
            "year": year,
            "rows": rows,
            "family_aid_by_payer": payers,
            "totals": { "fund": totals[0], "own_account": totals[1], "family_aid": totals[2], "cash": totals[3], "total": totals[4],
                "display": { "fund": format_fen(totals[0]), "own_account": format_fen(totals[1]), "family_aid": format_fen(totals[2]), "cash": format_fen(totals[3]), "total": format_fen(totals[4]) } },
            "generated_at": time::display_china(self.now()),
        }))
    }
}

/// A text cell for a CSV export: one that starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would be taken by Excel, WPS or LibreOffice as a
/// formula (`=HYPERLINK(…)`, `=cmd|…`), so it gets a leading `'`, which they
/// show as text (OWASP's advice for CSV injection).
pub fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
    }
}

impl Qinqing {
    /// Write the filtered transaction record as CSV to `path` (a new file).
    pub fn tx_csv_save(&self, q: &TxQuery, path: &std::path::Path) -> Result<usize> {
        self.permit(self.tx_act(q)?)?;
        self.check_outside_data(path)?;
        let text = self.tx_csv(q)?;
        crate::store::docstore::write_private_replace(path, text.as_bytes())?;
        Ok(text.lines().count().saturating_sub(1))
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

    /// The transaction-record filter for a person's (or a family's) year.
    pub fn year_query(&self, person: Option<i64>, holder: i64, year: i32) -> TxQuery {
        year_query(person, holder, year)
    }
}

/// The record of one China year: a person's (`person`), else the family of `holder`.
pub fn year_query(person: Option<i64>, holder: i64, year: i32) -> TxQuery {
    TxQuery {
        member: person,
        family: if person.is_none() { Some(holder) } else { None },
        from: Some(format!("{year:04}-01-01")),
        to: Some(format!("{year:04}-12-31")),
        ..Default::default()
    }
}

#[cfg(test)]
mod csv_tests {
    use super::csv_text;

    #[test]
    fn formula_cells_are_escaped_and_plain_text_is_not() {
        for (cell, out) in [
            ("=HYPERLINK(\"http://x\",\"张伟\")", "'=HYPERLINK(\"http://x\",\"张伟\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("张伟", "张伟"),
            ("B-2026-001", "B-2026-001"),
            ("", ""),
        ] {
            assert_eq!(csv_text(cell), out, "{cell:?}");
        }
        // Through the writer: the quote stays at the start of the cell.
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([csv_text("=1+1").as_ref(), "12.00"]).unwrap();
        assert_eq!(String::from_utf8(w.into_inner().unwrap()).unwrap(), "'=1+1,12.00\n");
    }
}
