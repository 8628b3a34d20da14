//! Money moves: institutions, cross-region filings, 家庭共济 (mutual aid from
//! an employee's personal account), premium payment (代缴), and settlement of
//! a scanned code at the counter (DOMAIN §§3–4).
//!
//! A settlement is one write transaction (SQLite: IMMEDIATE; PostgreSQL: the
//! ledger's writer lock, see [`crate::store`]): every check, every balance
//! change, every leg, or nothing. A code pays once; a bill is charged once —
//! a retry returns the first result.

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::person::{self, Insurance, Status, Stored};
use crate::app::policy::{self, Relation, Seniority};
use crate::app::qr;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::region::Region;
use crate::store::{Conn, OptionalExtension, Verdict};
use crate::time;
use chrono::{Datelike, NaiveDate};
pub(crate) use ledger::NewSettlement;
use serde::{Deserialize, Serialize};

mod ledger;
pub mod rules;

pub(crate) use ledger::write_settlement;
use rules::{bill_total, check_member_insured, valid_bill_id};
pub use rules::{cross_region_rule, payer_order, split_legs, AidPayer, BillFacts, LegRow, PayerFacts, Plan, Visit};

pub const AID_LETTER_VERSION: &str = "2026-01-aid";
/// The 家庭共济 commitment letter (授权承诺书), signed by the authorizer by the
/// SHA-256 of this exact text. Changing it means a new version.
pub const AID_LETTER_ZH: &str = "职工医保个人账户家庭共济授权承诺书\n\
本人自愿将本人职工医保个人账户授权给所填家庭成员共同使用（家庭共济），并承诺：\
所填家庭成员信息真实，双方确为所填关系；共济资金仅用于被授权人在定点医药机构发生的个人自付医疗费用\
及其城乡居民医保个人缴费，不用于套现、购买非医疗物品或支付统筹基金应付部分；\
不出租、出借本人或家人的医保凭证。本人可随时设置限额、冻结或解除授权。如有违规，\
本人愿承担相应责任，并同意医保部门暂停或解除共济关系。";
pub const AID_LETTER_EN: &str = "Commitment letter for family mutual aid from an employee's personal account\n\
I voluntarily let the family member named use my employee personal account (family mutual aid) and promise \
that the details are true and the relation stated is real; that the money pays only the member's own share of \
medical costs at designated institutions and their resident-insurance premium — never cash-out, non-medical \
goods or the pooled fund's share; and that I will not rent or lend my own or my relative's insurance voucher. \
I may set caps, freeze or end the authorization at any time. If I break these rules I accept the \
consequences and agree that the insurance office may suspend or end the relation.";

/// The current 家庭共济 letter: text and the hash the authorizer signs.
pub fn aid_letter() -> crate::app::binding::Letter {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(AID_LETTER_ZH.as_bytes());
    h.update(b"\n");
    h.update(AID_LETTER_EN.as_bytes());
    crate::app::binding::Letter { version: AID_LETTER_VERSION, text_zh: AID_LETTER_ZH, text_en: AID_LETTER_EN, sha256: format!("{:x}", h.finalize()) }
}

/// Most a relation's own online-pharmacy daily cap may be (the channel's upper bound).
pub const AID_ONLINE_CAP_MAX_FEN: i64 = 200_000;

/// 家庭共济 as requested from the window: the authorizer has read and signs
/// the letter (its hash must be the current text's).
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AidRequest {
    pub authorizer: i64,
    pub beneficiary: i64,
    pub relation: String,
    pub monthly_cap_fen: Option<i64>,
    pub online_daily_cap_fen: Option<i64>,
    pub letter_sha256: String,
    /// The authorizer's own payment password: consent to their money
    /// leaving their account (not needed from the operator's tools or the
    /// kiosk serving the authorizer in person).
    pub pay_password: Option<String>,
}

/// One authorizer as the beneficiary sees it: in paying order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PayerView {
    /// 1 pays first (highest balance), then 2 …; 0: does not pay now.
    pub order: usize,
    #[serde(flatten)]
    pub aid: Aid,
}
pub use crate::money::MAX_BILL_FEN;

pub use qinqing_domain::scenario::Scenario;

fn parse_date(raw: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| Error::date_invalid(raw))
}

// ---------------------------------------------------------------- institutions

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Institution {
    pub id: i64,
    pub name: String,
    pub region: Region,
    pub designated: bool,
    pub networked: bool,
}

fn load_institution(conn: &Conn, id: i64) -> Result<Institution> {
    conn.query_row("SELECT id, name, region, designated, networked FROM institution WHERE id = ?1", [id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?, r.get::<_, i64>(4)?))
    })
    .optional()?
    .ok_or_else(|| Error::institution_not_found(id))
    .and_then(|(id, name, region, d, n)| Ok(Institution { id, name, region: Region::stored(&region)?, designated: d == 1, networked: n == 1 }))
}

fn insert_institution(conn: &Conn, name: &str, region: &str, designated: bool, networked: bool, now: &str) -> Result<i64> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(Error::name_too_long(name.chars().count()));
    }
    let region = Region::parse(region)?;
    conn.execute(
        "INSERT INTO institution (name, region, designated, networked, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (name, region) DO UPDATE SET designated = excluded.designated, networked = excluded.networked",
        params![name, region.code, designated as i64, networked as i64, now],
    )?;
    conn.query_row("SELECT id FROM institution WHERE name = ?1 AND region = ?2", params![name, region.code], |r| r.get(0))
}

// ---------------------------------------------------------------- filings

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

// ---------------------------------------------------------------- family aid

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Aid {
    pub id: i64,
    pub authorizer_id: i64,
    pub authorizer_name: String,
    pub authorizer_balance_fen: i64,
    pub beneficiary_id: i64,
    pub beneficiary_name: String,
    pub relation: Relation,
    /// active | frozen | revoked
    pub status: String,
    pub monthly_cap_fen: Option<i64>,
    /// Paid through this relation in the current China month.
    pub spent_this_month_fen: i64,
    /// What it can still pay this month: the authorizer's balance within what
    /// is left of the monthly cap (0 when frozen, revoked or lapsed).
    pub left_this_month_fen: i64,
    pub left_this_month_display: String,
    /// This relation's own online-pharmacy daily cap (`None`: the channel's cap only).
    pub online_daily_cap_fen: Option<i64>,
    pub online_spent_today_fen: i64,
    pub letter_sha256: Option<String>,
    /// For the screen: the same amounts as `¥1,234.50`, and the monthly
    /// cap's use in whole percent with its level (`ok`, `near` from 80 %,
    /// `at` the cap, `none` without a cap).
    pub monthly_cap_display: Option<String>,
    pub spent_this_month_display: String,
    pub online_daily_cap_display: Option<String>,
    pub online_spent_today_display: String,
    pub cap_used_pct: Option<i64>,
    pub cap_level: std::borrow::Cow<'static, str>,
    /// Why an active relation does not pay now (`beneficiary_insurance_interrupted`,
    /// `authorizer_balance_zero`, `authorizer_insurance_interrupted`,
    /// `authorizer_not_employee`), if it does not.
    pub lapsed: Option<std::borrow::Cow<'static, str>>,
    /// Why it does not pay and what to do, in Chinese and English.
    pub lapsed_zh: Option<std::borrow::Cow<'static, str>>,
    pub lapsed_en: Option<std::borrow::Cow<'static, str>>,
    pub letter_version: String,
    pub created_at_local: String,
}

#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AidQuery {
    pub authorizer: Option<i64>,
    pub beneficiary: Option<i64>,
}

fn lapse_reason(authorizer: &Stored, beneficiary: &Stored) -> Option<&'static str> {
    if beneficiary.status != Status::Active {
        Some("beneficiary_insurance_interrupted")
    } else {
        authorizer_lapse(authorizer)
    }
}

/// Why an authorizer's relations do not pay now, on the authorizer's side
/// (DOMAIN §3 "Automatic lapse"): no longer in 职工医保, insurance
/// interrupted, or an empty account. A state, not a deletion: it passes
/// when the cause does.
pub(crate) fn authorizer_lapse(authorizer: &Stored) -> Option<&'static str> {
    if authorizer.insurance != Insurance::Employee {
        Some("authorizer_not_employee")
    } else if authorizer.status != Status::Active {
        Some("authorizer_insurance_interrupted")
    } else if authorizer.balance_fen <= 0 {
        Some("authorizer_balance_zero")
    } else {
        None
    }
}

fn check_online_cap(cap: Option<i64>) -> Result<()> {
    match cap {
        Some(c) if c < 0 => Err(Error::amount_negative("online_daily_cap")),
        Some(c) if c > AID_ONLINE_CAP_MAX_FEN => Err(Error::aid_online_cap_too_high(AID_ONLINE_CAP_MAX_FEN)),
        _ => Ok(()),
    }
}

/// A monthly cap: not negative, not beyond the largest amount the ledger takes.
fn check_monthly_cap(cap: Option<i64>) -> Result<()> {
    match cap {
        Some(c) if c < 0 => Err(Error::amount_negative("monthly_cap")),
        Some(c) if c > MAX_BILL_FEN => Err(Error::amount_too_large("monthly_cap")),
        _ => Ok(()),
    }
}

/// What a lapse reason means and what to do about it (zh, en).
pub fn lapse_text(key: &str) -> (&'static str, &'static str) {
    match key {
        "beneficiary_insurance_interrupted" => (
            "受益人医保已中断或暂停，共济暂停支付。恢复参保后自动恢复。",
            "The beneficiary's insurance is interrupted or suspended; aid pays nothing until it is active again.",
        ),
        "authorizer_insurance_interrupted" => (
            "授权人职工医保已中断或暂停，共济暂停支付。恢复参保后自动恢复。",
            "The authorizer's employee insurance is interrupted or suspended; aid resumes when it is active again.",
        ),
        "authorizer_balance_zero" => (
            "授权人个人账户余额为0，共济暂停支付。账户有余额后自动恢复。",
            "The authorizer's personal account is empty; aid resumes when money is in it again.",
        ),
        "authorizer_not_employee" => (
            "授权人已不在职工医保（如转为城乡居民医保），共济暂停支付。重新参加职工医保后自动恢复。",
            "The authorizer is no longer in employee insurance (moved to resident insurance, or it ended); aid resumes when they are employee-insured again.",
        ),
        _ => ("共济暂停支付。", "Aid is not paying now."),
    }
}

fn aid_spent(conn: &Conn, aid: i64, month: &str) -> Result<i64> {
    Ok(conn.query_row("SELECT amount_fen FROM aid_month WHERE aid_id = ?1 AND month = ?2", params![aid, month], |r| r.get(0)).optional()?.unwrap_or(0))
}

/// Money paid through one aid relation in one channel on one China date.
fn aid_spent_on_channel(conn: &Conn, aid: i64, scenario: Scenario, date: &str) -> Result<i64> {
    conn.query_row(
        "SELECT coalesce(sum(l.amount_fen), 0) FROM settlement_leg l JOIN settlement s ON s.id = l.settlement_id
         WHERE l.aid_id = ?1 AND s.scenario = ?2 AND s.china_date = ?3",
        params![aid, scenario.as_str(), date],
        |r| r.get(0),
    )
}

fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

// ---------------------------------------------------------------- settlement

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
    /// … or the one-time code sent to them for this bill ([`Qinqing::send_pay_code`]) …
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

fn load_settlement(conn: &Conn, id: i64, replayed: bool) -> Result<Settlement> {
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
fn charge(
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

/// The one-time payment code sent for a shown code (its nonce), if any.
fn load_pay_code(conn: &Conn, nonce: &str) -> Result<Option<crate::confirm::PayCode>> {
    conn.query_row(
        "SELECT person_id, institution_id, bill_id, scenario, total_fen, code_hash, attempts, expires_at FROM pay_code WHERE nonce = ?1",
        [nonce],
        |r| {
            let expires: String = r.get(7)?;
            Ok(crate::confirm::PayCode {
                person: r.get(0)?,
                institution: r.get(1)?,
                bill: r.get(2)?,
                scenario: r.get(3)?,
                total_fen: r.get(4)?,
                code_hash: r.get(5)?,
                attempts: r.get(6)?,
                // An unreadable time is an expired code.
                expires_at: time::from_db(&expires).unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
            })
        },
    )
    .optional()
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

fn load_stay(conn: &Conn, id: i64, replayed: bool) -> Result<Stay> {
    conn.query_row(
        "SELECT s.id, s.institution_id, s.admission_no, s.member_id, p.name, s.shown_by, s.cross_region, s.emergency, s.status,
                s.admitted_at, s.settlement_id
         FROM stay s JOIN person p ON p.id = s.member_id WHERE s.id = ?1",
        [id],
        |r| {
            let at: String = r.get(9)?;
            Ok(Stay {
                id: r.get(0)?,
                institution_id: r.get(1)?,
                admission_no: r.get(2)?,
                member_id: r.get(3)?,
                member_name: r.get(4)?,
                shown_by: r.get(5)?,
                cross_region: r.get::<_, i64>(6)? == 1,
                emergency: r.get::<_, i64>(7)? == 1,
                status: r.get(8)?,
                admitted_at_local: time::from_db(&at).map(time::display_china).unwrap_or_default(),
                admitted_at: at,
                settlement_id: r.get(10)?,
                replayed,
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::stay_not_found(id))
}

impl Qinqing {
    // ------------------------------------------------------------ institutions

    pub fn add_institution(&mut self, name: &str, region: &str, designated: bool, networked: bool) -> Result<Institution> {
        crate::store::retry(|| self.add_institution_once(name, region, designated, networked))
    }

    fn add_institution_once(&mut self, name: &str, region: &str, designated: bool, networked: bool) -> Result<Institution> {
        self.permit(Act::Admin)?;
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let id = insert_institution(&tx, name, region, designated, networked, &now)?;
        let snap = serde_json::json!({ "name": name.trim(), "region": region, "designated": designated, "networked": networked });
        audit::record(&tx, &now, &actor, "institution.add", "institution", Some(id), None, None, Some(&snap))?;
        let i = load_institution(&tx, id)?;
        tx.commit()?;
        Ok(i)
    }

    pub fn list_institutions(&self) -> Result<Vec<Institution>> {
        self.permit(Act::InstitutionList)?;
        let ids: Vec<i64> = self.conn().prepare("SELECT id FROM institution ORDER BY id")?.query_map([], |r| r.get(0))?.collect::<crate::error::Result<_>>()?;
        ids.into_iter().map(|id| load_institution(self.conn(), id)).collect()
    }

    /// Import `name,region,designated,networked` rows (a header row is
    /// skipped; booleans as 1/0, true/false, 是/否). All rows or none.
    pub fn import_institutions(&mut self, csv_text: &str) -> Result<Vec<Institution>> {
        crate::store::retry(|| self.import_institutions_once(csv_text))
    }

    fn import_institutions_once(&mut self, csv_text: &str) -> Result<Vec<Institution>> {
        self.permit(Act::Admin)?;
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(csv_text.as_bytes());
        let truthy = |s: &str, line: usize| -> Result<bool> {
            match s.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "y" | "是" => Ok(true),
                "0" | "false" | "no" | "n" | "否" | "" => Ok(false),
                other => Err(Error::csv_invalid(line, &format!("\"{other}\" is not yes/no"))),
            }
        };
        let tx = self.conn().begin()?;
        let mut ids = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 1;
            let rec = rec.map_err(|e| Error::csv_invalid(line, &e.to_string()))?;
            if line == 1 && rec.get(0).is_some_and(|f| f.eq_ignore_ascii_case("name") || f == "名称") {
                continue;
            }
            if rec.len() < 2 {
                return Err(Error::csv_invalid(line, "expected name,region[,designated,networked]"));
            }
            let designated = truthy(rec.get(2).unwrap_or("1"), line)?;
            let networked = truthy(rec.get(3).unwrap_or("0"), line)?;
            let id = insert_institution(&tx, &rec[0], &rec[1], designated, networked, &now).map_err(|e| Error::csv_invalid(line, &e.message_en))?;
            ids.push(id);
        }
        audit::record(&tx, &now, &actor, "institution.import", "institution", None, None, None, Some(&serde_json::json!({ "rows": ids.len() })))?;
        let out = ids.iter().map(|&id| load_institution(&tx, id)).collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(out)
    }

    // ------------------------------------------------------------ filings

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

    // ------------------------------------------------------------ family aid

    /// The authorizer lets the beneficiary spend from their personal account.
    /// (CLI, demo) The current letter is taken as signed; the window uses
    /// [`Qinqing::authorize_aid_request`] with the hash of the text it showed.
    pub fn authorize_aid(&mut self, authorizer: i64, beneficiary: i64, relation: &str, monthly_cap_fen: Option<i64>) -> Result<Aid> {
        self.authorize_aid_request(&AidRequest {
            authorizer,
            beneficiary,
            relation: relation.into(),
            monthly_cap_fen,
            online_daily_cap_fen: None,
            letter_sha256: aid_letter().sha256,
            pay_password: None,
        })
    }

    /// The authorizer lets the beneficiary spend from their personal account,
    /// having read and signed the letter whose hash is `letter_sha256`.
    pub fn authorize_aid_request(&mut self, req: &AidRequest) -> Result<Aid> {
        self.permit(Act::AidAuthorize { authorizer: req.authorizer, beneficiary: req.beneficiary })?;
        self.confirm_owner(req.authorizer, req.pay_password.as_deref())?;
        crate::store::retry(|| self.authorize_aid_request_once(req))
    }

    fn authorize_aid_request_once(&mut self, req: &AidRequest) -> Result<Aid> {
        self.permit(Act::AidAuthorize { authorizer: req.authorizer, beneficiary: req.beneficiary })?;
        let (authorizer, beneficiary, monthly_cap_fen) = (req.authorizer, req.beneficiary, req.monthly_cap_fen);
        let relation = Relation::parse(&req.relation)?;
        let letter = aid_letter();
        if req.letter_sha256.trim() != letter.sha256 {
            return Err(Error::aid_letter_unsigned());
        }
        check_monthly_cap(monthly_cap_fen)?;
        check_online_cap(req.online_daily_cap_fen)?;
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let a = person::load(&tx, authorizer)?;
        let b = person::load(&tx, beneficiary)?;
        if a.id == b.id {
            return Err(Error::bind_self().at("beneficiary"));
        }
        if a.insurance != Insurance::Employee || a.status != Status::Active {
            return Err(Error::aid_authorizer_not_employee());
        }
        if a.balance_fen <= 0 {
            return Err(Error::aid_authorizer_no_balance());
        }
        let face_regions: Option<String> = tx.query_row("SELECT value FROM setting WHERE key = 'aid_face_required_prefixes'", [], |r| r.get(0)).optional()?;
        let needs_face = face_regions.unwrap_or_default().split(',').map(str::trim).any(|p| !p.is_empty() && a.region.code.starts_with(p));
        if needs_face && a.face_verified_at.is_none() {
            return Err(Error::aid_face_required(&a.region.code));
        }
        if b.status != Status::Active {
            return Err(Error::member_not_insured("非正常", "not active").at("beneficiary"));
        }
        let pol = policy::policy_for(&tx, &a.region.code)?;
        if !pol.relations.contains(&relation) {
            return Err(Error::relation_not_allowed(
                relation.zh(),
                relation.en(),
                &a.region.code,
                &policy::join_zh(&pol.relations),
                &policy::join_en(&pol.relations),
            ));
        }
        let (ab, bb) = (a.rid.birth_date(), b.rid.birth_date());
        match relation.seniority() {
            Seniority::Older if bb >= ab => return Err(Error::relation_inconsistent(relation.zh(), relation.en(), true)),
            Seniority::Younger if bb <= ab => return Err(Error::relation_inconsistent(relation.zh(), relation.en(), false)),
            _ => {}
        }
        policy::plausible(relation, (&a.rid).into(), (&b.rid).into(), self.today())?;
        let dup: Option<i64> = tx
            .query_row(
                "SELECT id FROM aid WHERE authorizer_id = ?1 AND beneficiary_id = ?2 AND status IN ('active', 'frozen')",
                [authorizer, beneficiary],
                |r| r.get(0),
            )
            .optional()?;
        if dup.is_some() {
            return Err(Error::aid_duplicate());
        }
        let id: i64 = tx.query_row(
            "INSERT INTO aid (authorizer_id, beneficiary_id, relation, status, monthly_cap_fen, letter_version, created_at,
                              letter_sha256, online_daily_cap_fen)
             VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6, ?7, ?8) RETURNING id",
            params![authorizer, beneficiary, relation.as_str(), monthly_cap_fen, AID_LETTER_VERSION, now, letter.sha256, req.online_daily_cap_fen],
            |r| r.get(0),
        )?;
        let snap = serde_json::json!({ "authorizer": authorizer, "beneficiary": beneficiary, "relation": relation.as_str(),
            "monthly_cap_fen": monthly_cap_fen, "online_daily_cap_fen": req.online_daily_cap_fen,
            "letter_version": AID_LETTER_VERSION, "letter_sha256": letter.sha256, "status": "active" });
        audit::record(&tx, &now, &actor, "aid.authorize", "aid", Some(id), Some(beneficiary), None, Some(&snap))?;
        tx.commit()?;
        self.get_aid(id)
    }

    fn change_aid(&mut self, id: i64, action: &str, f: impl Fn(&str) -> Result<(String, Option<Option<i64>>)>) -> Result<Aid> {
        crate::store::retry(|| self.change_aid_once(id, action, &f))
    }

    fn change_aid_once(&mut self, id: i64, action: &str, f: impl Fn(&str) -> Result<(String, Option<Option<i64>>)>) -> Result<Aid> {
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let (status, cap, beneficiary): (String, Option<i64>, i64) = tx
            .query_row("SELECT status, monthly_cap_fen, beneficiary_id FROM aid WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or_else(|| Error::aid_not_found(id))?;
        let (new_status, new_cap) = f(&status)?;
        let new_cap = new_cap.unwrap_or(cap);
        tx.execute(
            "UPDATE aid SET status = ?2, monthly_cap_fen = ?3, revoked_at = CASE WHEN ?2 = 'revoked' THEN ?4 ELSE revoked_at END WHERE id = ?1",
            params![id, new_status, new_cap, now],
        )?;
        audit::record(
            &tx,
            &now,
            &actor,
            action,
            "aid",
            Some(id),
            Some(beneficiary),
            Some(&serde_json::json!({ "status": status, "monthly_cap_fen": cap })),
            Some(&serde_json::json!({ "status": new_status, "monthly_cap_fen": new_cap })),
        )?;
        tx.commit()?;
        self.get_aid(id)
    }

    /// The authorizer and the caps of a relation.
    fn aid_caps(&self, id: i64) -> Result<(i64, Option<i64>, Option<i64>)> {
        self.conn()
            .query_row("SELECT authorizer_id, monthly_cap_fen, online_daily_cap_fen FROM aid WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or_else(|| Error::aid_not_found(id))
    }

    /// Set (or with `None` clear) the monthly cap for this beneficiary: the
    /// authorizer's act; raising or clearing it is confirmed with their
    /// payment password ([`Qinqing::confirm_owner`]), lowering it is not.
    pub fn set_aid_cap(&mut self, id: i64, cap_fen: Option<i64>, pay_password: Option<&str>) -> Result<Aid> {
        self.permit(Act::AidChange { aid: id })?;
        check_monthly_cap(cap_fen)?;
        let (authorizer, before, _) = self.aid_caps(id)?;
        // No cap is no limit: anything but a lower cap widens the flow.
        let lowers = match (before, cap_fen) {
            (None, _) => true,
            (Some(b), Some(n)) => n <= b,
            (Some(_), None) => false,
        };
        if !lowers {
            self.confirm_owner(authorizer, pay_password)?;
        }
        self.change_aid(id, "aid.cap", |s| if s == "revoked" { Err(Error::aid_wrong_state(s)) } else { Ok((s.to_string(), Some(cap_fen))) })
    }
    /// Set (or with `None` clear) this relation's online-pharmacy daily cap.
    /// Only an explicit lower cap goes without the authorizer's payment
    /// password (no cap of its own means the channel's, which may be higher).
    pub fn set_aid_online_cap(&mut self, id: i64, cap_fen: Option<i64>, pay_password: Option<&str>) -> Result<Aid> {
        self.permit(Act::AidChange { aid: id })?;
        let (authorizer, _, before) = self.aid_caps(id)?;
        if !matches!((before, cap_fen), (Some(b), Some(n)) if n <= b) {
            self.confirm_owner(authorizer, pay_password)?;
        }
        crate::store::retry(|| self.set_aid_online_cap_once(id, cap_fen))
    }

    fn set_aid_online_cap_once(&mut self, id: i64, cap_fen: Option<i64>) -> Result<Aid> {
        check_online_cap(cap_fen)?;
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let (status, before, beneficiary): (String, Option<i64>, i64) = tx
            .query_row("SELECT status, online_daily_cap_fen, beneficiary_id FROM aid WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or_else(|| Error::aid_not_found(id))?;
        if status == "revoked" {
            return Err(Error::aid_wrong_state(&status));
        }
        tx.execute("UPDATE aid SET online_daily_cap_fen = ?2 WHERE id = ?1", params![id, cap_fen])?;
        audit::record(
            &tx,
            &now,
            &actor,
            "aid.online_cap",
            "aid",
            Some(id),
            Some(beneficiary),
            Some(&serde_json::json!({ "online_daily_cap_fen": before })),
            Some(&serde_json::json!({ "online_daily_cap_fen": cap_fen })),
        )?;
        tx.commit()?;
        self.get_aid(id)
    }

    /// Who pays for `beneficiary` through 家庭共济, in the order they pay;
    /// relations that do not pay now come last (order 0) with the reason.
    pub fn aid_payers(&self, beneficiary: i64) -> Result<Vec<PayerView>> {
        self.permit(Act::AidPayers { beneficiary })?;
        let mut list = self.list_aid(&AidQuery { beneficiary: Some(beneficiary), ..Default::default() })?;
        list.retain(|a| a.status != "revoked");
        let paying = |a: &Aid| a.status == "active" && a.lapsed.is_none();
        list.sort_by(|a, b| paying(b).cmp(&paying(a)).then(payer_order(a.authorizer_balance_fen, a.id, b.authorizer_balance_fen, b.id)));
        let mut n = 0;
        Ok(list
            .into_iter()
            .map(|a| {
                let order = if paying(&a) {
                    n += 1;
                    n
                } else {
                    0
                };
                PayerView { order, aid: a }
            })
            .collect())
    }

    pub fn freeze_aid(&mut self, id: i64) -> Result<Aid> {
        self.permit(Act::AidFreeze { aid: id })?;
        self.change_aid(id, "aid.freeze", |s| if s == "active" { Ok(("frozen".into(), None)) } else { Err(Error::aid_wrong_state(s)) })
    }
    /// Resume a frozen relation: the authorizer's act, confirmed with their
    /// payment password.
    pub fn unfreeze_aid(&mut self, id: i64, pay_password: Option<&str>) -> Result<Aid> {
        self.permit(Act::AidChange { aid: id })?;
        let (authorizer, _, _) = self.aid_caps(id)?;
        self.confirm_owner(authorizer, pay_password)?;
        self.change_aid(id, "aid.unfreeze", |s| if s == "frozen" { Ok(("active".into(), None)) } else { Err(Error::aid_wrong_state(s)) })
    }
    /// Ends the relation at once (either side: safety first).
    pub fn revoke_aid(&mut self, id: i64) -> Result<Aid> {
        self.permit(Act::AidFreeze { aid: id })?;
        self.change_aid(id, "aid.revoke", |s| if s == "revoked" { Err(Error::aid_wrong_state(s)) } else { Ok(("revoked".into(), None)) })
    }

    pub fn get_aid(&self, id: i64) -> Result<Aid> {
        self.permit(Act::AidRead { aid: id })?;
        let month = month_of(self.today());
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT authorizer_id, beneficiary_id, relation, status, monthly_cap_fen, letter_version, created_at, online_daily_cap_fen, letter_sha256
                 FROM aid WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<i64>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| Error::aid_not_found(id))?;
        let (a, b) = (person::load(conn, row.0)?, person::load(conn, row.1)?);
        let spent = aid_spent(conn, id, &month)?;
        let online_today = aid_spent_on_channel(conn, id, Scenario::OnlinePharmacy, &self.today().to_string())?;
        let lapsed = if row.3 == "active" { lapse_reason(&a, &b) } else { None };
        let left = if row.3 == "active" && lapsed.is_none() { a.balance_fen.max(0).min(row.4.map(|c| (c - spent).max(0)).unwrap_or(i64::MAX)) } else { 0 };
        Ok(Aid {
            id,
            authorizer_id: a.id,
            authorizer_name: a.name.clone(),
            authorizer_balance_fen: a.balance_fen,
            beneficiary_id: b.id,
            beneficiary_name: b.name.clone(),
            relation: Relation::parse(&row.2)?,
            lapsed: lapsed.map(Into::into),
            lapsed_zh: lapsed.map(|k| lapse_text(k).0.into()),
            lapsed_en: lapsed.map(|k| lapse_text(k).1.into()),
            status: row.3,
            monthly_cap_fen: row.4,
            spent_this_month_fen: spent,
            left_this_month_fen: left,
            left_this_month_display: crate::money::format_fen(left),
            online_daily_cap_fen: row.7,
            online_spent_today_fen: online_today,
            letter_sha256: row.8,
            monthly_cap_display: row.4.map(crate::money::format_fen),
            spent_this_month_display: crate::money::format_fen(spent),
            online_daily_cap_display: row.7.map(crate::money::format_fen),
            online_spent_today_display: crate::money::format_fen(online_today),
            cap_used_pct: row.4.map(|c| if c > 0 { (spent * 100 / c).min(100) } else { 100 }),
            cap_level: match row.4 {
                None => "none",
                Some(c) if spent >= c => "at",
                Some(c) if spent * 100 >= c * 80 => "near",
                Some(_) => "ok",
            }
            .into(),
            letter_version: row.5,
            created_at_local: time::from_db(&row.6).map(time::display_china).unwrap_or_default(),
        })
    }

    pub fn list_aid(&self, q: &AidQuery) -> Result<Vec<Aid>> {
        self.permit(Act::AidList { authorizer: q.authorizer, beneficiary: q.beneficiary })?;
        let ids: Vec<i64> = self
            .conn()
            .prepare("SELECT id FROM aid WHERE (authorizer_id = ?1 OR ?1 IS NULL) AND (beneficiary_id = ?2 OR ?2 IS NULL) ORDER BY id")?
            .query_map(params![q.authorizer, q.beneficiary], |r| r.get(0))?
            .collect::<crate::error::Result<_>>()?;
        ids.into_iter().map(|id| self.get_aid(id)).collect()
    }

    // ------------------------------------------------------------ settlement

    /// Settle a bill. All or nothing, exactly once. Outpatient, pharmacy and
    /// online pharmacy settle with a scanned code; inpatient settles at
    /// discharge against the stay opened at admission (`req.stay`).
    /// Settle one bill (see [`Qinqing::retrying`] for what happens when
    /// PostgreSQL aborts it to stay serializable: it runs again, whole).
    pub fn settle(&mut self, req: &SettleRequest) -> Result<Settlement> {
        self.retrying(|q| q.settle_once(req))
    }

    fn settle_once(&mut self, req: &SettleRequest) -> Result<Settlement> {
        self.permit(Act::Counter { institution: req.institution })?;
        let total = bill_total(req)?;
        let bill = req.bill_id.trim().to_string();
        if !valid_bill_id(&bill) {
            return Err(Error::bill_id_invalid());
        }
        if let Some(stay) = req.stay {
            if !req.scenario.trim().is_empty() && Scenario::parse(&req.scenario)? != Scenario::Inpatient {
                return Err(Error::stay_scenario());
            }
            return self.settle_stay(stay, req.institution, &bill, total);
        }
        let scenario = Scenario::parse(&req.scenario)?;
        let key = self.signing_key()?.verifying_key();
        let now_dt = self.now();
        let code = qr::read_any(&req.token)?;
        let said = code.claims().clone();
        // On PostgreSQL the ledger's signature on a code is checked while the
        // server looks the bill up, keyed by what the code says (no answer is
        // read, and nothing decided, before the signature holds). A device's
        // code (more lookups) and SQLite (nothing to overlap) check first.
        let code = if !self.conn().overlaps() || code.is_device() {
            let checked = code.check(&key, now_dt)?;
            self.check_device_code(&checked)?;
            Ok(checked)
        } else {
            Err(code)
        };
        let actor = self.actor().to_string();
        let pepper = crate::app::payment::pepper(self)?;
        let (day, month) = china_day_month(now_dt);
        let tx = self.conn().begin_with_savepoint()?;
        // One round trip: the transaction's start, the settings, every fact of the bill.
        let (facts, checked) = self.bill_facts_during(
            &tx,
            &ledger::BillKey {
                nonce: &said.nonce,
                institution: req.institution,
                bill: &bill,
                member: said.member,
                shown_by: said.shown_by,
                scenario,
                day: &day,
                month: &month,
            },
            || match code {
                Ok(checked) => Ok(checked),
                Err(unchecked) => unchecked.check(&key, now_dt),
            },
        );
        let claims = checked?.claims;
        let (facts, settings) = facts?;
        if let Some(id) = rules::exactly_once(&facts, req.institution, &bill, claims.member, total, scenario)? {
            return load_settlement(&tx, id, true);
        }
        if scenario == Scenario::Inpatient {
            return Err(Error::stay_required());
        }
        qr::check_time(&claims, now_dt, settings.skew)?;
        let visit = rules::open_visit(&facts, &claims, req.institution, req.emergency)?;
        // The payer confirms, the way this scenario's policy takes
        // (DOMAIN §4, [`crate::confirm`]): the first method it lists that the
        // request brings.
        let evidence = crate::confirm::Evidence {
            pay_password: req.pay_password.as_deref(),
            sms_code: req.sms_code.as_deref(),
            face_checked: req.face_checked,
            id_face_checked: req.id_face_checked,
        };
        let method = crate::confirm::choose(&settings.confirm, &evidence)?;
        let (cut, cap) = (settings.cut, settings.daily_cap);
        let go = |tx, keep: Vec<crate::store::Query>, instead: Vec<crate::store::Query>, decide: &mut dyn FnMut() -> Verdict| {
            charge(tx, &visit, &facts, &claims.nonce, None, scenario, total, &bill, now_dt, cut, cap, &actor, Some(method), keep, instead, decide)
        };
        match method {
            // The password is checked while the settlement's writes run;
            // they are committed only if it is right, and a wrong one is
            // counted instead, under the same lock (nothing is charged).
            crate::confirm::Method::PayPassword => {
                let (argon, if_right, if_wrong, wrong) =
                    match crate::app::payment::confirm(facts.pay.as_ref(), &pepper, visit.member.id, req.pay_password.as_deref(), now_dt) {
                        crate::app::payment::Confirm::Refused(e) => return Err(e),
                        crate::app::payment::Confirm::Check { argon, if_right, if_wrong, wrong } => (argon, if_right, if_wrong, wrong),
                    };
                let mut broken = None;
                let mut decide = || match argon.matches() {
                    Ok(true) => Verdict::Keep,
                    Ok(false) => Verdict::Instead,
                    Err(e) => {
                        broken = Some(e);
                        Verdict::Abort
                    }
                };
                let kept = go(tx, if_right.into_iter().collect(), vec![if_wrong], &mut decide)?;
                kept.ok_or_else(|| broken.unwrap_or(wrong))
            }
            // The one-time code sent for this very bill: used up by the
            // settlement; a wrong one is counted (and committed) instead.
            crate::confirm::Method::SmsCode => {
                let stored = load_pay_code(&tx, &claims.nonce)?;
                let typed = req.sms_code.as_deref().unwrap_or_default();
                match crate::confirm::judge_code(
                    stored.as_ref(),
                    &pepper,
                    &claims.nonce,
                    typed,
                    (req.institution, &bill, scenario, total),
                    visit.member.id,
                    now_dt,
                ) {
                    crate::confirm::CodeVerdict::Right => {
                        let used = crate::store::query("DELETE FROM pay_code WHERE nonce = ?1", [claims.nonce.as_str()]);
                        go(tx, vec![used], vec![], &mut || Verdict::Keep)?.ok_or_else(|| Error::internal("a confirmed settlement was not kept"))
                    }
                    crate::confirm::CodeVerdict::Wrong { left } => {
                        tx.commit_with(vec![crate::store::query("UPDATE pay_code SET attempts = attempts + 1 WHERE nonce = ?1", [claims.nonce.as_str()])])?;
                        Err(if left > 0 { Error::pay_code_wrong(left) } else { Error::pay_code_gone() })
                    }
                    crate::confirm::CodeVerdict::Gone => Err(Error::pay_code_gone()),
                }
            }
            // The counter's attestation (audited with the settlement).
            crate::confirm::Method::Face | crate::confirm::Method::IdFace => {
                go(tx, vec![], vec![], &mut || Verdict::Keep)?.ok_or_else(|| Error::internal("a confirmed settlement was not kept"))
            }
        }
    }

    /// Where the scenario's policy takes a one-time code (by default 门诊,
    /// [`crate::confirm`]): with the bill filled in, send the payer — the
    /// member whose code was shown — a random 6-digit code for this bill to
    /// their record (the outbox stands in for the SMS). It is bound to the
    /// shown code, the institution, the bill number, the scenario and the
    /// amount; sending again replaces it (at most a few times per shown
    /// code), and wrong tries are counted over all sends.
    pub fn send_pay_code(&mut self, req: &SettleRequest) -> Result<PayCodeSent> {
        self.retrying(|q| q.send_pay_code_once(req))
    }

    fn send_pay_code_once(&mut self, req: &SettleRequest) -> Result<PayCodeSent> {
        use crate::confirm::{PAY_CODE_ATTEMPTS, PAY_CODE_SECS, PAY_CODE_SENDS};
        self.permit(Act::Counter { institution: req.institution })?;
        let scenario = Scenario::parse(&req.scenario)?;
        let methods = crate::confirm::stored_methods(scenario, Some(&self.setting_text(crate::confirm::setting_key(scenario))?));
        if !methods.contains(&crate::confirm::Method::SmsCode) {
            return Err(Error::pay_code_not_used(scenario.as_str()));
        }
        let total = bill_total(req)?;
        let bill = req.bill_id.trim().to_string();
        if !valid_bill_id(&bill) {
            return Err(Error::bill_id_invalid());
        }
        let now_dt = self.now();
        let checked = qr::decode_any(&self.signing_key()?.verifying_key(), &req.token, now_dt)?;
        self.check_device_code(&checked)?;
        let claims = checked.claims;
        qr::check_time(&claims, now_dt, self.setting("qr_clock_skew_secs")?)?;
        let pepper = crate::app::payment::pepper(self)?;
        let now = time::to_db(now_dt);
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let used: Option<i64> = tx.query_row("SELECT id FROM settlement WHERE nonce = ?1", [&claims.nonce], |r| r.get(0)).optional()?;
        if used.is_some() {
            return Err(Error::qr_already_used());
        }
        let institution: String = tx
            .query_row("SELECT name FROM institution WHERE id = ?1", [req.institution], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::institution_not_found(req.institution))?;
        let member: String = tx
            .query_row("SELECT name FROM person WHERE id = ?1", [claims.member], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::person_not_found(claims.member))?;
        let prior: Option<(i64, i64)> =
            tx.query_row("SELECT sends, attempts FROM pay_code WHERE nonce = ?1", [&claims.nonce], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        let sends = prior.map_or(0, |(s, _)| s);
        if sends >= PAY_CODE_SENDS || prior.is_some_and(|(_, a)| a >= PAY_CODE_ATTEMPTS) {
            return Err(Error::pay_code_too_many(PAY_CODE_SENDS));
        }
        use password_hash::rand_core::{OsRng, RngCore};
        let code = format!("{:06}", OsRng.next_u32() % 1_000_000);
        let expires_dt = now_dt + chrono::Duration::seconds(PAY_CODE_SECS);
        let expires = time::to_db(expires_dt);
        // Codes long expired are of no use to anyone.
        tx.execute("DELETE FROM pay_code WHERE expires_at < ?1", [time::to_db(now_dt - chrono::Duration::days(1))])?;
        tx.execute(
            "INSERT INTO pay_code (nonce, person_id, institution_id, bill_id, scenario, total_fen, code_hash, sends, attempts, expires_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, 0, ?8, ?9)
             ON CONFLICT (nonce) DO UPDATE SET person_id = excluded.person_id, institution_id = excluded.institution_id, bill_id = excluded.bill_id,
               scenario = excluded.scenario, total_fen = excluded.total_fen, code_hash = excluded.code_hash, sends = pay_code.sends + 1,
               expires_at = excluded.expires_at",
            params![
                claims.nonce,
                claims.member,
                req.institution,
                bill,
                scenario.as_str(),
                total,
                crate::confirm::code_hash(&pepper, &claims.nonce, &code),
                expires,
                now
            ],
        )?;
        let amount = crate::money::format_fen(total);
        let mins = PAY_CODE_SECS / 60;
        audit::notify(
            &tx,
            claims.member,
            &format!("【医保】您正在{institution}支付{amount}（账单{bill}），验证码{code}，{mins}分钟内有效。请当面告诉收费员；如不是您在付款，请勿告诉任何人。"),
            &format!("[Insurance] You are paying {amount} at {institution} (bill {bill}). Your code is {code}, valid {mins} min. Tell it to the cashier in person; if this is not your payment, tell no one."),
            &now,
        )?;
        let snap = serde_json::json!({ "institution": req.institution, "bill_id": bill, "scenario": scenario.as_str(), "total_fen": total });
        audit::record(&tx, &now, &actor, "settlement.code_sent", "institution", Some(req.institution), Some(claims.member), None, Some(&snap))?;
        tx.commit()?;
        Ok(PayCodeSent { sent_to: crate::id::mask_name(&member), expires_at_local: time::display_china(expires_dt), sends_left: PAY_CODE_SENDS - sends - 1 })
    }

    /// 住院 admission: the member's code opens a stay at this institution.
    /// The same code and admission number again returns the stay (a retry).
    pub fn admit(&mut self, req: &AdmitRequest) -> Result<Stay> {
        self.retrying(|q| q.admit_once(req))
    }

    fn admit_once(&mut self, req: &AdmitRequest) -> Result<Stay> {
        self.permit(Act::Counter { institution: req.institution })?;
        let admission = req.admission_no.trim().to_string();
        if !valid_bill_id(&admission) {
            return Err(Error::bill_id_invalid());
        }
        let key = self.signing_key()?.verifying_key();
        let now_dt = self.now();
        let checked = qr::decode_any(&key, &req.token, now_dt)?;
        self.check_device_code(&checked)?;
        let claims = checked.claims;
        let pepper = crate::app::payment::pepper(self)?;
        let now = time::to_db(now_dt);
        let (day, month) = china_day_month(now_dt);
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let (facts, settings) = self.bill_facts(
            &tx,
            &ledger::BillKey {
                nonce: &claims.nonce,
                institution: req.institution,
                bill: &admission,
                member: claims.member,
                shown_by: claims.shown_by,
                scenario: Scenario::Inpatient,
                day: &day,
                month: &month,
            },
        )?;
        let existing: Option<(i64, String, i64)> = tx
            .query_row("SELECT id, nonce, member_id FROM stay WHERE institution_id = ?1 AND admission_no = ?2", params![req.institution, admission], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        if let Some((id, _, member)) = existing {
            if member == claims.member {
                return load_stay(&tx, id, true);
            }
            return Err(Error::bill_conflict());
        }
        if facts.code_paid.is_some() || facts.code_admitted {
            return Err(Error::qr_already_used());
        }
        qr::check_time(&claims, now_dt, settings.skew)?;
        let visit = rules::open_visit(&facts, &claims, req.institution, req.emergency)?;
        // Inpatient (DOMAIN §4): confirmed at admission the way the policy
        // takes — by default ID card and face checked by the cashier.
        let evidence = crate::confirm::Evidence { pay_password: req.pay_password.as_deref(), id_face_checked: req.id_face_checked, ..Default::default() };
        let method = crate::confirm::choose(&settings.confirm, &evidence)?;
        if method == crate::confirm::Method::PayPassword {
            let (verdict, counter) = crate::app::payment::judge(facts.pay.as_ref(), &pepper, visit.member.id, req.pay_password.as_deref(), now_dt);
            if let Err(e) = verdict {
                if let Some(q) = counter {
                    tx.commit_with(vec![q])?;
                }
                return Err(e);
            }
            if let Some(q) = counter {
                tx.pipeline(vec![q])?;
            }
        }
        let id: i64 = tx.query_row(
            "INSERT INTO stay (nonce, institution_id, admission_no, member_id, shown_by, cross_region, emergency, status, admitted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8) RETURNING id",
            params![claims.nonce, visit.institution, admission, visit.member.id, visit.shown_by, visit.cross_region as i64, visit.emergency as i64, now],
            |r| r.get(0),
        )?;
        let snap = serde_json::json!({ "institution": visit.institution, "admission_no": admission, "cross_region": visit.cross_region, "emergency": visit.emergency,
            "confirmed_by": method.as_str() });
        audit::record(&tx, &now, &actor, "stay.admit", "stay", Some(id), Some(visit.member.id), None, Some(&snap))?;
        let stay = load_stay(&tx, id, false)?;
        tx.commit()?;
        Ok(stay)
    }

    pub fn get_stay(&self, id: i64) -> Result<Stay> {
        self.permit(Act::StayRead { stay: id })?;
        load_stay(self.conn(), id, false)
    }

    /// Stays at an institution and/or of a member, newest first.
    pub fn list_stays(&self, institution: Option<i64>, member: Option<i64>, open_only: bool) -> Result<Vec<Stay>> {
        self.permit(Act::StayList { institution })?;
        let ids: Vec<i64> = self
            .conn()
            .prepare(
                "SELECT id FROM stay WHERE (institution_id = ?1 OR ?1 IS NULL) AND (member_id = ?2 OR ?2 IS NULL)
                   AND (?3 = 0 OR status = 'open') ORDER BY id DESC LIMIT 500",
            )?
            .query_map(params![institution, member, open_only as i64], |r| r.get(0))?
            .collect::<crate::error::Result<_>>()?;
        ids.into_iter().map(|id| load_stay(self.conn(), id, false)).collect()
    }

    /// Discharge: settle the stay's bill. The member's insurance must still be
    /// in force; the cross-region facts are those of the admission.
    fn settle_stay(&mut self, stay_id: i64, institution: i64, bill: &str, total: i64) -> Result<Settlement> {
        let now_dt = self.now();
        let actor = self.actor().to_string();
        let (day, month) = china_day_month(now_dt);
        let tx = self.conn().begin()?;
        let stay = load_stay(&tx, stay_id, false)?;
        if stay.institution_id != institution {
            return Err(Error::stay_not_found(stay_id));
        }
        let nonce = format!("stay-{stay_id}");
        let (facts, settings) = self.bill_facts(
            &tx,
            &ledger::BillKey {
                nonce: &nonce,
                institution,
                bill,
                member: stay.member_id,
                shown_by: stay.shown_by,
                scenario: Scenario::Inpatient,
                day: &day,
                month: &month,
            },
        )?;
        match &facts.bill_settled {
            Some((id, m, t, sc, st)) if *m == stay.member_id && *t == total && sc == Scenario::Inpatient.as_str() && *st == Some(stay_id) => {
                return load_settlement(&tx, *id, true);
            }
            Some(_) => return Err(Error::bill_conflict()),
            None => {}
        }
        if stay.status != "open" {
            return Err(Error::stay_wrong_state());
        }
        let member = facts.member.clone().ok_or_else(|| Error::person_not_found(stay.member_id))?;
        check_member_insured(&member)?;
        let visit = Visit { institution, member, shown_by: stay.shown_by, cross_region: stay.cross_region, emergency: stay.emergency };
        let close = crate::store::query(
            "UPDATE stay SET status = 'settled', settlement_id = (SELECT id FROM settlement WHERE institution_id = ?2 AND bill_id = ?3) WHERE id = ?1",
            params![stay_id, institution, bill],
        );
        charge(
            tx,
            &visit,
            &facts,
            &nonce,
            Some(stay_id),
            Scenario::Inpatient,
            total,
            bill,
            now_dt,
            settings.cut,
            settings.daily_cap,
            &actor,
            None,
            vec![close],
            vec![],
            || Verdict::Keep,
        )?
        .ok_or_else(|| Error::internal("a stay's settlement was not kept"))
    }

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
fn china_day_month(now: chrono::DateTime<chrono::Utc>) -> (String, String) {
    let today = time::china_date(now);
    (today.to_string(), month_of(today))
}

/// The settings a counter needs, read with the bill's facts.
struct CounterSettings {
    skew: i64,
    cut: i64,
    daily_cap: i64,
    /// How this scenario's payments are confirmed (policy, [`crate::confirm`]).
    confirm: Vec<crate::confirm::Method>,
}

impl Qinqing {
    /// The facts of one bill and the counter's settings, in one round trip.
    fn bill_facts(&self, tx: &Conn, key: &ledger::BillKey<'_>) -> Result<(BillFacts, CounterSettings)> {
        self.bill_facts_during(tx, key, || ()).0
    }

    /// [`Qinqing::bill_facts`], with `during` run while the server answers.
    fn bill_facts_during<W>(&self, tx: &Conn, key: &ledger::BillKey<'_>, during: impl FnOnce() -> W) -> (Result<(BillFacts, CounterSettings)>, W) {
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
