//! The transaction record (DOMAIN §6): settled bills and 代缴 premiums,
//! newest first, filtered and paginated; as CSV (saved to a file too); and
//! the filter of one China year.

use super::{PREMIUM, SOURCES};
use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::money::format_fen;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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

pub(super) fn parse_day(raw: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| Error::date_invalid(raw))
}

pub(super) const BILL_SELECT: &str = "SELECT s.id, s.china_date, s.member_id, p.name, s.institution_id, i.name, s.scenario, s.bill_id, s.total_fen,
        (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'fund'),
        (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'own_account'),
        (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'family_aid'),
        (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'cash')
     FROM settlement s JOIN person p ON p.id = s.member_id JOIN institution i ON i.id = s.institution_id";

pub(super) fn bill_row(r: &crate::store::Row<'_>) -> crate::error::Result<BillRow> {
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
pub(super) fn id_list(ids: &[i64]) -> String {
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

impl Qinqing {
    /// The permission for a transaction-record query: a member's, a
    /// family's, or (everything) an administrator's.
    fn tx_act(&self, q: &TxQuery) -> Result<Act> {
        Ok(match (q.member, q.family) {
            (Some(person), _) => Act::FamilyRead { person },
            (None, Some(holder)) => Act::Dashboard { holder },
            (None, None) => Act::Admin,
        })
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

    /// Write the filtered transaction record as CSV to `path` (a new file).
    pub fn tx_csv_save(&self, q: &TxQuery, path: &std::path::Path) -> Result<usize> {
        self.permit(self.tx_act(q)?)?;
        self.check_outside_data(path)?;
        let text = self.tx_csv(q)?;
        crate::store::docstore::write_private_replace(path, text.as_bytes())?;
        Ok(text.lines().count().saturating_sub(1))
    }

    /// The transaction-record filter for a person's (or a family's) year.
    pub fn year_query(&self, person: Option<i64>, holder: i64, year: i32) -> TxQuery {
        year_query(person, holder, year)
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
