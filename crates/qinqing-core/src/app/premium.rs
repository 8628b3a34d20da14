//! 代缴 — paying a relative's resident-insurance premium from an employee's
//! personal account (DOMAIN §3). The family chooses the relative, their
//! insured region (参保区划) and contribution tier (缴费档次, data per region
//! and year), checks the details (代缴信息校验), pays, and keeps a receipt.

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::person::{self, Insurance};
use crate::app::policy;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::money::MAX_BILL_FEN;
use crate::params;
use crate::region::Region;
use crate::store::{Conn, OptionalExtension};
use crate::time;
use serde::{Deserialize, Serialize};

/// One contribution tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub region_prefix: String,
    pub year: i64,
    pub tier: String,
    pub label_zh: String,
    pub label_en: String,
    pub amount_fen: i64,
    pub amount_display: String,
    /// The ages the tier is for (inclusive, on 1 January of its year); `None`: any.
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
}

/// The relative's age that picks a tier: on 1 January of the premium's year
/// (China calendar) — the year's band, whatever day it is paid.
pub fn age_for_year(birth: chrono::NaiveDate, year: i64) -> i32 {
    let jan1 = chrono::NaiveDate::from_ymd_opt(year as i32, 1, 1).unwrap_or(birth);
    time::age_on(birth, jan1)
}

/// Whether a tier is for someone of `age` (DOMAIN §3: no tier for another age).
pub fn tier_fits(t: &Tier, age: i32) -> bool {
    let age = i64::from(age);
    t.min_age.is_none_or(|m| age >= m) && t.max_age.is_none_or(|m| age <= m)
}

/// Which year's premium can be paid on `today` (DOMAIN §3): this China year,
/// or next year while the region's collection period (`opens`–`closes`,
/// month-day) is open. Never a year past, never two ahead.
pub fn year_open(year: i64, today: chrono::NaiveDate, opens: &str, closes: &str) -> bool {
    use chrono::Datelike;
    let now = i64::from(today.year());
    let md = today.format("%m-%d").to_string();
    year == now || (year == now + 1 && opens <= md.as_str() && md.as_str() <= closes)
}

/// The collection period of an insured region: its longest matching prefix's
/// (month-day, inclusive); 1 September to 31 December when none is set.
pub fn period_for(conn: &Conn, region: &str) -> Result<(String, String)> {
    let prefix = |n: usize| region.get(..n).unwrap_or("");
    Ok(conn
        .query_row(
            "SELECT opens, closes FROM premium_period WHERE region_prefix IN (?1, ?2, ?3, '') ORDER BY length(region_prefix) DESC LIMIT 1",
            params![prefix(6), prefix(4), prefix(2)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_else(|| ("09-01".into(), "12-31".into())))
}

/// The tiers that apply to an insured region in a year: those of the longest
/// region prefix that has any for that year.
pub fn tiers_for(conn: &Conn, region: &str, year: i64) -> Result<Vec<Tier>> {
    for len in [6usize, 4, 2, 0] {
        if region.len() < len {
            continue;
        }
        let mut stmt = conn.prepare_cached(
            "SELECT region_prefix, year, tier, label_zh, label_en, amount_fen, min_age, max_age FROM premium_tier
             WHERE region_prefix = ?1 AND year = ?2 ORDER BY amount_fen, tier",
        )?;
        let rows = stmt
            .query_map(params![&region[..len], year], |r| {
                let amount: i64 = r.get(5)?;
                Ok(Tier {
                    region_prefix: r.get(0)?,
                    year: r.get(1)?,
                    tier: r.get(2)?,
                    label_zh: r.get(3)?,
                    label_en: r.get(4)?,
                    amount_fen: amount,
                    amount_display: crate::money::format_fen(amount),
                    min_age: r.get(6)?,
                    max_age: r.get(7)?,
                })
            })?
            .collect::<crate::error::Result<Vec<_>>>()?;
        if !rows.is_empty() {
            return Ok(rows);
        }
    }
    Ok(Vec::new())
}

/// What the family asks to pay.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PremiumRequest {
    pub payer: i64,
    pub beneficiary: i64,
    /// The insured region (参保区划) as chosen; must match the relative's record.
    pub region: String,
    pub year: i64,
    pub tier: String,
    /// The payer's own payment password (consent; see [`Qinqing::confirm_owner`]).
    pub pay_password: Option<String>,
}

/// 代缴信息校验: what will be paid, checked before paying.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PremiumCheck {
    pub payer_id: i64,
    pub payer_name: String,
    pub payer_balance_fen: i64,
    pub payer_balance_after_fen: i64,
    pub payer_balance_after_display: String,
    pub beneficiary_id: i64,
    pub beneficiary_name: String,
    pub beneficiary_id_masked: String,
    pub region: String,
    pub region_name: String,
    pub year: i64,
    pub tier: Tier,
    /// Relatives this payer already paid for this year, and the regional limit.
    pub paid_relatives: i64,
    pub max_relatives: i64,
}

/// A paid premium: the receipt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    pub id: i64,
    pub receipt_no: String,
    pub payer_id: i64,
    pub payer_name: String,
    pub beneficiary_id: i64,
    pub beneficiary_name: String,
    pub beneficiary_id_masked: String,
    pub region: Option<String>,
    pub region_name: Option<String>,
    pub year: i64,
    pub tier: Option<String>,
    /// The tier's label as it was when paid (zh, en).
    pub tier_label_zh: Option<String>,
    pub tier_label_en: Option<String>,
    pub amount_fen: i64,
    pub amount_display: String,
    pub paid_at_local: String,
    pub china_date: String,
}

/// Every rule of 代缴, read inside the transaction that will pay.
fn check(
    conn: &Conn,
    payer: i64,
    beneficiary: i64,
    amount_fen: i64,
    year: i64,
    today: chrono::NaiveDate,
) -> Result<(person::Stored, person::Stored, i64, i64)> {
    if amount_fen == 0 {
        return Err(Error::amount_zero("amount"));
    }
    if amount_fen < 0 {
        return Err(Error::amount_negative("amount"));
    }
    if amount_fen > MAX_BILL_FEN {
        return Err(Error::amount_too_large("amount"));
    }
    if !(2000..=2100).contains(&year) {
        return Err(Error::date_invalid(&year.to_string()).at("year"));
    }
    let p = person::load(conn, payer)?;
    let b = person::load(conn, beneficiary)?;
    check_year(conn, &b.region.code, year, today)?;
    if p.insurance != Insurance::Employee {
        return Err(Error::aid_authorizer_not_employee().at("payer"));
    }
    if b.insurance != Insurance::Resident {
        return Err(Error::premium_not_resident());
    }
    let aid: Option<i64> = conn
        .query_row("SELECT id FROM aid WHERE authorizer_id = ?1 AND beneficiary_id = ?2 AND status = 'active'", [payer, beneficiary], |r| r.get(0))
        .optional()?;
    if aid.is_none() {
        return Err(Error::premium_no_aid());
    }
    // A relation that does not pay now on the payer's side does not pay a
    // premium either. (The relative's own interrupted insurance does not
    // stop it: paying the premium is how that is mended.)
    if let Some(why) = crate::app::settle::authorizer_lapse(&p) {
        let (zh, en) = crate::app::settle::lapse_text(why);
        return Err(Error::premium_payer_lapsed(zh, en));
    }
    // One premium per relative and year, whoever paid it.
    let already: Option<i64> =
        conn.query_row("SELECT id FROM premium WHERE beneficiary_id = ?1 AND year = ?2", params![beneficiary, year], |r| r.get(0)).optional()?;
    if already.is_some() {
        return Err(Error::premium_duplicate(year));
    }
    // How many relatives one payer may pay for is the payer's regional policy.
    let max = policy::policy_for(conn, &p.region.code)?.premium_max_relatives;
    let count: i64 =
        conn.query_row("SELECT count(DISTINCT beneficiary_id) FROM premium WHERE payer_id = ?1 AND year = ?2", params![payer, year], |r| r.get(0))?;
    if count >= max {
        return Err(Error::premium_cap_reached(max, year));
    }
    if p.balance_fen < amount_fen {
        return Err(Error::premium_insufficient().at("payer"));
    }
    Ok((p, b, count, max))
}

/// The year must be open for the relative's insured region ([`year_open`]).
fn check_year(conn: &Conn, region: &str, year: i64, today: chrono::NaiveDate) -> Result<()> {
    let (opens, closes) = period_for(conn, region)?;
    if !year_open(year, today, &opens, &closes) {
        use chrono::Datelike;
        return Err(Error::premium_year_not_open(year, i64::from(today.year()), &opens, &closes));
    }
    Ok(())
}

/// The tier asked for, for the relative's own insured region and age band (checked).
fn resolve(conn: &Conn, req: &PremiumRequest, today: chrono::NaiveDate) -> Result<(Region, Tier)> {
    let b = person::load(conn, req.beneficiary)?;
    check_year(conn, &b.region.code, req.year, today)?;
    let region = Region::parse(&req.region)?;
    if region.code != b.region.code {
        return Err(Error::premium_region_mismatch(&format!("{} {}", b.region.code, b.region.name_zh)));
    }
    let tier = tiers_for(conn, &region.code, req.year)?
        .into_iter()
        .find(|t| t.tier == req.tier.trim())
        .ok_or_else(|| Error::premium_tier_unknown(&region.code, req.year))?;
    let age = age_for_year(b.rid.birth_date(), req.year);
    if !tier_fits(&tier, age) {
        return Err(Error::premium_tier_age(&tier.label_zh, &tier.label_en, age));
    }
    Ok((region, tier))
}

/// A premium given by its amount (the CLI's `--amount`): it must be the
/// amount of a tier of the relative's region and year that fits their age —
/// there is no free amount. That tier is what is paid and recorded.
fn resolve_amount(conn: &Conn, beneficiary: i64, year: i64, amount_fen: i64, today: chrono::NaiveDate) -> Result<(Region, Tier)> {
    let b = person::load(conn, beneficiary)?;
    check_year(conn, &b.region.code, year, today)?;
    let tiers = tiers_for(conn, &b.region.code, year)?;
    if tiers.is_empty() {
        return Err(Error::premium_tier_unknown(&b.region.code, year));
    }
    let age = age_for_year(b.rid.birth_date(), year);
    let tier = tiers
        .into_iter()
        .find(|t| t.amount_fen == amount_fen && tier_fits(t, age))
        .ok_or_else(|| Error::premium_amount_not_tier(&crate::money::format_fen(amount_fen)))?;
    Ok((b.region.clone(), tier))
}

// The receipt's columns, one argument each: a struct would only be built here.
#[allow(clippy::too_many_arguments)]
fn write(
    conn: &Conn,
    now: &str,
    today: &str,
    actor: &str,
    p: &person::Stored,
    b: i64,
    year: i64,
    amount: i64,
    region: Option<&str>,
    tier: Option<&str>,
) -> Result<i64> {
    conn.execute("UPDATE person SET balance_fen = balance_fen - ?2, updated_at = ?3 WHERE id = ?1", params![p.id, amount, now])?;
    let id: i64 = conn.query_row(
        "INSERT INTO premium (payer_id, beneficiary_id, year, amount_fen, created_at, china_date, region, tier) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        params![p.id, b, year, amount, now, today, region, tier], |r| r.get(0))?;
    let receipt = format!("DJ{}{:06}", today.replace('-', ""), id);
    conn.execute("UPDATE premium SET receipt_no = ?2 WHERE id = ?1", params![id, receipt])?;
    let snap = serde_json::json!({ "payer": p.id, "beneficiary": b, "year": year, "amount_fen": amount, "region": region, "tier": tier,
        "payer_balance_before": p.balance_fen, "payer_balance_after": p.balance_fen - amount });
    audit::record(conn, now, actor, "premium.pay", "premium", Some(id), Some(p.id), None, Some(&snap))?;
    Ok(id)
}

fn load_receipt(conn: &Conn, id: i64) -> Result<Receipt> {
    let row = conn
        .query_row(
            "SELECT pr.id, pr.receipt_no, pr.payer_id, pa.name, pr.beneficiary_id, be.name, be.resident_id, pr.region, pr.year, pr.tier,
                    pr.amount_fen, pr.created_at, pr.china_date,
                    (SELECT t.label_zh FROM premium_tier t WHERE t.tier = pr.tier AND t.year = pr.year AND substr(pr.region, 1, length(t.region_prefix)) = t.region_prefix
                     ORDER BY length(t.region_prefix) DESC LIMIT 1),
                    (SELECT t.label_en FROM premium_tier t WHERE t.tier = pr.tier AND t.year = pr.year AND substr(pr.region, 1, length(t.region_prefix)) = t.region_prefix
                     ORDER BY length(t.region_prefix) DESC LIMIT 1)
             FROM premium pr JOIN person pa ON pa.id = pr.payer_id JOIN person be ON be.id = pr.beneficiary_id WHERE pr.id = ?1",
            [id],
            |r| {
                let amount: i64 = r.get(10)?;
                let at: String = r.get(11)?;
                let region: Option<String> = r.get(7)?;
                Ok(Receipt {
                    id: r.get(0)?,
                    receipt_no: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    payer_id: r.get(2)?,
                    payer_name: r.get(3)?,
                    beneficiary_id: r.get(4)?,
                    beneficiary_name: r.get(5)?,
                    beneficiary_id_masked: crate::id::mask(&r.get::<_, String>(6)?),
                    region_name: region.as_deref().and_then(|c| Region::stored(c).ok()).map(|r| r.name_zh),
                    region,
                    year: r.get(8)?,
                    tier: r.get(9)?,
                    tier_label_zh: r.get(13)?,
                    tier_label_en: r.get(14)?,
                    amount_fen: amount,
                    amount_display: crate::money::format_fen(amount),
                    paid_at_local: time::from_db(&at).map(time::display_china).unwrap_or_default(),
                    china_date: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
                })
            },
        )
        .optional()?;
    row.ok_or_else(|| Error::internal(format!("premium {id}")))
}

impl Qinqing {
    /// The contribution tiers for an insured region and year.
    pub fn premium_tiers(&self, region: &str, year: i64) -> Result<Vec<Tier>> {
        // Reference data: any actor may read it (the permission table's Reference row).
        self.permit(crate::access::authz::Act::Reference)?;
        let region = Region::parse(region)?;
        tiers_for(self.conn(), &region.code, year)
    }

    /// 代缴信息校验: every rule checked, nothing paid.
    pub fn premium_check(&self, req: &PremiumRequest) -> Result<PremiumCheck> {
        self.permit(Act::PremiumPay { payer: req.payer, beneficiary: req.beneficiary })?;
        let (region, tier) = resolve(self.conn(), req, self.today())?;
        let (p, b, count, max) = check(self.conn(), req.payer, req.beneficiary, tier.amount_fen, req.year, self.today())?;
        Ok(PremiumCheck {
            payer_id: p.id,
            payer_name: p.name.clone(),
            payer_balance_fen: p.balance_fen,
            payer_balance_after_fen: p.balance_fen - tier.amount_fen,
            payer_balance_after_display: crate::money::format_fen(p.balance_fen - tier.amount_fen),
            beneficiary_id: b.id,
            beneficiary_name: b.name.clone(),
            beneficiary_id_masked: b.rid.masked(),
            region_name: region.name_zh.clone(),
            region: region.code,
            year: req.year,
            tier,
            paid_relatives: count,
            max_relatives: max,
        })
    }

    /// Pay a checked premium (the tier's amount) and return the receipt.
    pub fn pay_premium_tier(&mut self, req: &PremiumRequest) -> Result<Receipt> {
        self.permit(Act::PremiumPay { payer: req.payer, beneficiary: req.beneficiary })?;
        self.confirm_owner(req.payer, req.pay_password.as_deref())?;
        self.retrying(|q| q.pay_premium_tier_once(req))
    }

    fn pay_premium_tier_once(&mut self, req: &PremiumRequest) -> Result<Receipt> {
        self.permit(Act::PremiumPay { payer: req.payer, beneficiary: req.beneficiary })?;
        let now = time::to_db(self.now());
        let today = self.today().to_string();
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let (region, tier) = resolve(&tx, req, self.today())?;
        let (p, _, _, _) = check(&tx, req.payer, req.beneficiary, tier.amount_fen, req.year, self.today())?;
        let id = write(&tx, &now, &today, &actor, &p, req.beneficiary, req.year, tier.amount_fen, Some(&region.code), Some(&tier.tier))?;
        let r = load_receipt(&tx, id)?;
        tx.commit()?;
        Ok(r)
    }

    /// 代缴 of a given amount (CLI `--amount`, tests, data from elsewhere).
    pub fn pay_premium(&mut self, payer: i64, beneficiary: i64, amount_fen: i64, year: i64, pay_password: Option<&str>) -> Result<serde_json::Value> {
        self.permit(Act::PremiumPay { payer, beneficiary })?;
        self.confirm_owner(payer, pay_password)?;
        self.retrying(|q| q.pay_premium_once(payer, beneficiary, amount_fen, year))
    }

    fn pay_premium_once(&mut self, payer: i64, beneficiary: i64, amount_fen: i64, year: i64) -> Result<serde_json::Value> {
        self.permit(Act::PremiumPay { payer, beneficiary })?;
        let now = time::to_db(self.now());
        let today = self.today().to_string();
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let (p, _, _, _) = check(&tx, payer, beneficiary, amount_fen, year, self.today())?;
        let (region, tier) = resolve_amount(&tx, beneficiary, year, amount_fen, self.today())?;
        let id = write(&tx, &now, &today, &actor, &p, beneficiary, year, amount_fen, Some(&region.code), Some(&tier.tier))?;
        let r = load_receipt(&tx, id)?;
        tx.commit()?;
        Ok(serde_json::json!({ "id": id, "receipt_no": r.receipt_no, "payer": payer, "beneficiary": beneficiary, "year": year,
            "amount_fen": amount_fen, "payer_balance_fen": p.balance_fen - amount_fen }))
    }

    pub fn premium_receipt(&self, id: i64) -> Result<Receipt> {
        self.permit(Act::PremiumRead { premium: id })?;
        load_receipt(self.conn(), id)
    }

    /// Premiums paid by or for a person, newest first.
    pub fn list_premiums(&self, person: i64) -> Result<Vec<Receipt>> {
        self.permit(Act::FamilyRead { person })?;
        let ids: Vec<i64> = self
            .conn()
            .prepare("SELECT id FROM premium WHERE payer_id = ?1 OR beneficiary_id = ?1 ORDER BY id DESC LIMIT 200")?
            .query_map([person], |r| r.get(0))?
            .collect::<crate::error::Result<_>>()?;
        ids.into_iter().map(|id| load_receipt(self.conn(), id)).collect()
    }
}
