//! What the counter asks (a bill to settle, an admission) and what it is
//! told (the settlement with its legs, the stay, the payment code sent).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct SettleRequest {
    pub token: String,
    pub institution: i64,
    pub scenario: String,
    pub total_fen: i64,
    /// The total as typed in yuan (the terminal screen); used when `total_fen` is 0.
    pub total_yuan: Option<String>,
    pub bill_id: String,
    /// Emergency treatment without a cross-region filing (lower ratio, flagged).
    pub emergency: bool,
    /// Inpatient: the stay opened at admission, settled at discharge (no code).
    pub stay: Option<i64>,
    /// The payer's confirmation (DOMAIN §4), the way the scenario's policy
    /// takes ([`crate::confirm`]): their 6-digit payment password …
    pub pay_password: Option<String>,
    /// … or the one-time code sent to them for this bill ([`Qinqing::send_pay_code`](crate::app::service::Qinqing::send_pay_code)) …
    pub sms_code: Option<String>,
    /// … or the counter (or the pharmacy's app) checked their face …
    pub face_checked: bool,
    /// … or the cashier checked their ID card and face in person.
    pub id_face_checked: bool,
}

/// 住院 admission: the member's code is shown once, at admission.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AdmitRequest {
    pub token: String,
    pub institution: i64,
    /// The hospital's admission number (住院号).
    pub admission_no: String,
    pub emergency: bool,
    /// The payer's 6-digit payment password (where the policy takes it at admission).
    pub pay_password: Option<String>,
    /// The cashier checked the patient's ID card and face in person (the default confirmation).
    pub id_face_checked: bool,
}

/// A hospital stay: opened at admission with the shown code, settled once at discharge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stay {
    pub id: i64,
    pub institution_id: i64,
    pub admission_no: String,
    pub member_id: i64,
    pub member_name: String,
    pub shown_by: i64,
    pub cross_region: bool,
    pub emergency: bool,
    /// `open` or `settled`.
    pub status: String,
    pub admitted_at: String,
    pub admitted_at_local: String,
    pub settlement_id: Option<i64>,
    /// This answer repeats an earlier admission (a retry); nothing new was opened.
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leg {
    /// `fund` (pooled fund), `own_account`, `family_aid`, `cash`.
    pub source: String,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub aid_id: Option<i64>,
    pub amount: i64,
    pub amount_display: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settlement {
    pub id: i64,
    pub bill_id: String,
    pub institution_id: i64,
    pub member_id: i64,
    pub shown_by: i64,
    pub scenario: String,
    pub total_fen: i64,
    pub total_display: String,
    pub fund_fen: i64,
    /// The part of the bill counted toward the member's yearly deductible (起付线).
    pub deductible_fen: i64,
    pub deductible_display: String,
    pub ratio_pct: i64,
    pub cross_region: bool,
    pub emergency: bool,
    pub stay_id: Option<i64>,
    pub at: String,
    pub at_local: String,
    pub legs: Vec<Leg>,
    /// This answer repeats an earlier settlement (a retry); nothing was charged now.
    pub replayed: bool,
}

/// What the counter is told after sending a one-time payment code.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PayCodeSent {
    /// To whom (masked name): the member whose code was shown.
    pub sent_to: String,
    /// Until when it can be used (China time).
    pub expires_at_local: String,
    /// Sends left for this shown code.
    pub sends_left: i64,
}
