//! Money moves: institutions, cross-region filings, 家庭共济 (mutual aid from
//! an employee's personal account), premium payment (代缴), and settlement of
//! a scanned code at the counter (DOMAIN §§3–4).
//!
//! A settlement is one write transaction (SQLite: IMMEDIATE; PostgreSQL: the
//! ledger's writer lock, see [`crate::store`]): every check, every balance
//! change, every leg, or nothing. A code pays once; a bill is charged once —
//! a retry returns the first result.
//!
//! The parts: `institution` (the register of institutions), `filing`
//! (异地就医备案), `aid` (家庭共济), `request` (what the counter asks and is
//! told), `settlement` (a settlement charged and read back), `counter` (a
//! scanned code settled, the one-time payment code) and `stay` (住院:
//! admission and discharge); the pure rules in [`rules`], the store side in
//! `ledger`. Every public item is re-exported here, at the paths the faces
//! use (`qinqing_core::settle::…`).

use chrono::{Datelike, NaiveDate};

mod aid;
mod counter;
mod filing;
mod institution;
mod ledger;
mod request;
pub mod rules;
mod settlement;
mod stay;

pub(crate) use aid::authorizer_lapse;
pub use aid::{aid_letter, lapse_text, Aid, AidQuery, AidRequest, PayerView, AID_LETTER_EN, AID_LETTER_VERSION, AID_LETTER_ZH, AID_ONLINE_CAP_MAX_FEN};
pub use filing::{Filing, FilingRequest, FILING_REASONS};
pub use institution::Institution;
pub(crate) use ledger::{write_settlement, NewSettlement};
pub use request::{AdmitRequest, Leg, PayCodeSent, SettleRequest, Settlement, Stay};
pub use rules::{cross_region_rule, payer_order, split_legs, AidPayer, BillFacts, LegRow, PaidBill, PayerFacts, Plan, RegionPolicy, SettledBill, Visit};

pub use crate::money::MAX_BILL_FEN;

pub use qinqing_domain::scenario::Scenario;

/// The China month (YYYY-MM) of a date.
fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}
