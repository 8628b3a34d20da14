//! The family spending dashboard, the transaction record and the annual
//! statement (DOMAIN §6). Sums are in fen, computed here; the dashboard reads
//! the monthly roll-ups (`spend_month`, `aid_month`) and per-member indexes,
//! so one family's view does not grow with the whole ledger.
//!
//! This file holds the names shared by every view (fund sources,
//! scenarios, the 代缴 row's kind) and who a family is (`family_of`). The
//! parts: `dashboard` (the family and person dashboards), `anomaly` (the
//! unusual-bill hints on it), `record` (the transaction record, its CSV and
//! a year's filter) and `statement` (a member's annual statement). Every
//! public item is re-exported here, at the paths the faces use
//! (`qinqing_core::report::…`).

use crate::app::service::Qinqing;
use crate::error::Result;

mod anomaly;
mod dashboard;
mod record;
mod statement;

pub use anomaly::{Anomaly, ANOMALY_FACTOR, ANOMALY_FLOOR_FEN, ANOMALY_WINDOW_DAYS};
pub use dashboard::{CapUsage, ChannelCap, Dashboard, FundProgress, MemberSpend, PrevYear, Split};
pub use record::{csv_text, year_query, BillRow, TxPage, TxQuery};

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
}
