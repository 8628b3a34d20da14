//! 家庭共济 (DOMAIN §3): an employee lets a relative spend from their
//! personal account — the signed letter, the monthly and online caps,
//! freezing, revoking, the automatic lapse, and who pays in which order.

use super::rules::payer_order;
use super::{month_of, Scenario, MAX_BILL_FEN};
use crate::access::audit;
use crate::access::authz::Act;
use crate::app::person::{self, Insurance, Status, Stored};
use crate::app::policy::{self, Relation, Seniority};
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, OptionalExtension};
use crate::time;
use qinqing_domain::aid::{AidChange, AidStatus};
use serde::{Deserialize, Serialize};

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

impl Qinqing {
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
        // Two households: both locked, in order ([`crate::store::lock`]).
        let tx = self.conn().begin_locking(&crate::store::Locks::new().persons([authorizer, beneficiary]))?;
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

    fn change_aid(&mut self, id: i64, change: AidChange) -> Result<Aid> {
        crate::store::retry(|| self.change_aid_once(id, change))
    }

    /// Load the relation's status, let the rule decide ([`AidChange::apply`]), write and audit it.
    fn change_aid_once(&mut self, id: i64, change: AidChange) -> Result<Aid> {
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        // A relation's two people never change: read them first, to lock both households.
        let (authorizer, beneficiary): (i64, i64) = self
            .conn()
            .query_row("SELECT authorizer_id, beneficiary_id FROM aid WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| Error::aid_not_found(id))?;
        let tx = self.conn().begin_locking(&crate::store::Locks::new().persons([authorizer, beneficiary]))?;
        let (status, cap, beneficiary): (String, Option<i64>, i64) = tx
            .query_row("SELECT status, monthly_cap_fen, beneficiary_id FROM aid WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or_else(|| Error::aid_not_found(id))?;
        let (new_status, new_cap) = change.apply(AidStatus::parse(&status)?)?;
        let (new_status, new_cap) = (new_status.as_str(), new_cap.unwrap_or(cap));
        tx.execute(
            "UPDATE aid SET status = ?2, monthly_cap_fen = ?3, revoked_at = CASE WHEN ?2 = 'revoked' THEN ?4 ELSE revoked_at END WHERE id = ?1",
            params![id, new_status, new_cap, now],
        )?;
        audit::record(
            &tx,
            &now,
            &actor,
            change.action(),
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
        self.change_aid(id, AidChange::Cap(cap_fen))
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
        self.change_aid(id, AidChange::Freeze)
    }
    /// Resume a frozen relation: the authorizer's act, confirmed with their
    /// payment password.
    pub fn unfreeze_aid(&mut self, id: i64, pay_password: Option<&str>) -> Result<Aid> {
        self.permit(Act::AidChange { aid: id })?;
        let (authorizer, _, _) = self.aid_caps(id)?;
        self.confirm_owner(authorizer, pay_password)?;
        self.change_aid(id, AidChange::Unfreeze)
    }
    /// Ends the relation at once (either side: safety first).
    pub fn revoke_aid(&mut self, id: i64) -> Result<Aid> {
        self.permit(Act::AidFreeze { aid: id })?;
        self.change_aid(id, AidChange::Revoke)
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
}
