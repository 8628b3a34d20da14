//! The dashboard's hints of unusual bills: a bill far above the member's
//! usual ones, or a first bill at an institution in another province —
//! with the 家庭共济 relations that paid it (what a one-click freeze stops).

use super::record::parse_day;
use crate::app::service::Qinqing;
use crate::error::Result;
use crate::money::format_fen;
use crate::params;
use serde::Serialize;

/// A bill is unusual above this many times the member's trailing 90-day median …
pub const ANOMALY_FACTOR: i64 = 3;
/// … and above this floor (¥500), so small bills never alarm.
pub const ANOMALY_FLOOR_FEN: i64 = 50_000;
/// Bills this recent are checked for anomalies on the dashboard.
pub const ANOMALY_WINDOW_DAYS: u64 = 30;

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

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2 })
}

impl Qinqing {
    /// The anomaly rules, on the family's bills of the last 30 days:
    /// 1. a bill above 3× the member's median bill of the 90 days before it, and above ¥500;
    /// 2. a bill at an institution in another province that the member never used before.
    pub(super) fn anomalies(&self, family: &[(i64, String)]) -> Result<Vec<Anomaly>> {
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
}
