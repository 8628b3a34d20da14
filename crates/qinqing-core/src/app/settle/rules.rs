//! The rules of a settlement as plain functions over facts already loaded
//! (DOMAIN §§3–4): which code and bill may be charged, whether the visit is
//! allowed, what the fund pays and who pays the rest. Nothing here reads or
//! writes a database; [`super::ledger`] loads the facts and writes the result,
//! the same on SQLite and PostgreSQL.

use super::institution::Institution;
use super::request::SettleRequest;
use super::{Scenario, MAX_BILL_FEN};
use crate::app::fund::{FundPolicy, FundShare, YearUsed};
use crate::app::payment::PayState;
use crate::app::person::{Status, Stored};
use crate::app::qr;
use crate::error::{Error, Result};
use crate::region::Region;

/// Everything the rules need to decide one bill, as read at the start of the
/// settlement's write transaction.
#[derive(Debug, Clone, Default)]
pub struct BillFacts {
    /// The settlement this code already paid.
    pub code_paid: Option<PaidBill>,
    /// This code opened a hospital stay.
    pub code_admitted: bool,
    /// The settlement of this bill number at this institution.
    pub bill_settled: Option<SettledBill>,
    pub member: Option<Stored>,
    /// The member's payment-password state.
    pub pay: Option<PayState>,
    /// Whoever showed the code holds an active binding of the member.
    pub shown_by_bound: bool,
    pub institution: Option<Institution>,
    /// Regions of the member's filings that cover today.
    pub filing_regions: Vec<String>,
    /// Fund policies matching the member's insurance and region for this scenario.
    pub policies: Vec<RegionPolicy>,
    /// What the member used of this year's deductible and ceiling.
    pub year_used: YearUsed,
    /// Personal-account money the member spent today in this scenario's channel.
    pub channel_spent: i64,
    /// Active 家庭共济 relations with money to give.
    pub payers: Vec<PayerFacts>,
}

/// The settlement a shown code already paid: where, and which bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidBill {
    pub institution: i64,
    /// The bill number.
    pub bill: String,
}

/// The settlement of one bill number at one institution, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledBill {
    /// The settlement's id.
    pub id: i64,
    pub member: i64,
    pub total_fen: i64,
    pub scenario: String,
    /// The hospital stay it settled (inpatient).
    pub stay: Option<i64>,
}

/// A fund policy matching the member, and the region prefix it is set for
/// (`''`: the national default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionPolicy {
    pub prefix: String,
    pub policy: FundPolicy,
}

/// One authorizer of the member, as loaded for one bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerFacts {
    pub aid_id: i64,
    pub authorizer_id: i64,
    pub name: String,
    pub balance_fen: i64,
    pub monthly_cap_fen: Option<i64>,
    /// Paid through this relation this China month.
    pub month_spent_fen: i64,
    /// The relation's own online-pharmacy daily cap.
    pub online_cap_fen: Option<i64>,
    /// Paid through this relation in this scenario's channel today.
    pub channel_spent_fen: i64,
}

pub(crate) fn valid_bill_id(b: &str) -> bool {
    !b.is_empty() && b.len() <= 64 && b.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_./".contains(&c))
}

/// The bill total in fen: `total_fen`, or the yuan the cashier typed.
pub(crate) fn bill_total(req: &SettleRequest) -> Result<i64> {
    let total = match (req.total_fen, req.total_yuan.as_deref()) {
        (0, Some(y)) if !y.trim().is_empty() => crate::money::parse_yuan("total", y)?,
        (t, _) => t,
    };
    if total == 0 {
        return Err(Error::amount_zero("total"));
    }
    if total < 0 {
        return Err(Error::amount_negative("total"));
    }
    if total > MAX_BILL_FEN {
        return Err(Error::amount_too_large("total"));
    }
    Ok(total)
}

/// Exactly once (DOMAIN §4): a code pays once; a bill is charged once. A
/// retry (same institution, bill, member, amount, scenario) gets the first
/// settlement back (its id); the same bill number otherwise is a conflict, and
/// a code already used for another bill or a hospital stay is refused.
pub fn exactly_once(facts: &BillFacts, institution: i64, bill: &str, member: i64, total: i64, scenario: Scenario) -> Result<Option<i64>> {
    if let Some(paid) = &facts.code_paid {
        if paid.institution != institution || paid.bill != bill {
            return Err(Error::qr_already_used());
        }
    }
    if facts.code_admitted {
        return Err(Error::qr_already_used());
    }
    match &facts.bill_settled {
        None => Ok(None),
        Some(s) if s.member == member && s.total_fen == total && s.scenario == scenario.as_str() => Ok(Some(s.id)),
        Some(_) => Err(Error::bill_conflict()),
    }
}

pub(crate) fn check_member_insured(member: &Stored) -> Result<()> {
    match member.status {
        Status::Active => Ok(()),
        Status::Suspended => Err(Error::member_not_insured("暂停", "suspended")),
        Status::Lapsed => Err(Error::member_not_insured("中断", "lapsed")),
    }
}

/// Who is treated where, as established when the code was shown.
#[derive(Debug, Clone)]
pub struct Visit {
    pub institution: i64,
    pub member: Stored,
    pub shown_by: i64,
    pub cross_region: bool,
    pub emergency: bool,
}

/// DOMAIN §4: cross-region means outside the member's pooling region (统筹区:
/// the prefecture-level city; a municipality as one). There the institution
/// must be networked, and the member needs a filing for the institution's
/// pooling region — or it is an emergency (filed afterwards, lower ratio).
/// Returns (cross_region, emergency).
pub fn cross_region_rule(member_region: &Region, inst: &Institution, filing_regions: &[String], emergency_asked: bool) -> Result<(bool, bool)> {
    if member_region.same_pooling(&inst.region) {
        return Ok((false, false));
    }
    if !inst.networked {
        return Err(Error::institution_not_networked());
    }
    let filed = filing_regions.iter().any(|f| crate::region::pooling_code_of(f) == inst.region.pooling_code);
    if filed {
        return Ok((true, false));
    }
    if emergency_asked {
        return Ok((true, true));
    }
    Err(Error::filing_required())
}

/// The checks a shown code must pass at the counter (settlement or
/// admission): the member insured and activated, the binding of whoever
/// showed it still active (unbinding kills a code already on screen), the
/// institution designated, and outside the member's pooling region a
/// networked institution and a filing (or an emergency).
pub fn open_visit(facts: &BillFacts, claims: &qr::Claims, institution: i64, emergency_asked: bool) -> Result<Visit> {
    let member = facts.member.clone().ok_or_else(|| Error::person_not_found(claims.member))?;
    check_member_insured(&member)?;
    if !member.voucher_activated {
        return Err(Error::qr_voucher_not_activated());
    }
    if claims.shown_by != claims.member && !facts.shown_by_bound {
        return Err(Error::qr_not_bound());
    }
    let inst = facts.institution.clone().ok_or_else(|| Error::institution_not_found(institution))?;
    if !inst.designated {
        return Err(Error::institution_not_designated());
    }
    let (cross_region, emergency) = cross_region_rule(&member.region, &inst, &facts.filing_regions, emergency_asked)?;
    Ok(Visit { institution: inst.id, member, shown_by: claims.shown_by, cross_region, emergency })
}

/// A payer of the self-pay part through 家庭共济, as loaded for one bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AidPayer {
    pub aid_id: i64,
    pub authorizer_id: i64,
    pub balance_fen: i64,
    /// What is left of this relation's monthly cap (`None`: no cap).
    pub cap_left_fen: Option<i64>,
}

/// DOMAIN §3: authorizers pay highest balance first (余额由多到少顺次扣减);
/// on equal balances the older relation first.
pub fn payer_order(balance_a: i64, aid_a: i64, balance_b: i64, aid_b: i64) -> std::cmp::Ordering {
    balance_b.cmp(&balance_a).then(aid_a.cmp(&aid_b))
}

/// One leg of a bill: (source, whose account, aid relation, amount).
pub type LegRow = (String, Option<i64>, Option<i64>, i64);

/// DOMAIN §3–4, the pure part of a settlement: the fund pays its share; the
/// self-pay part comes from the member's own account, then from authorizers
/// highest balance first (each within its monthly cap), all personal-account
/// money within the channel's daily cap; the rest is cash. Legs sum to the
/// total and no account pays more than it holds.
pub fn split_legs(member: i64, own_balance: i64, total: i64, fund: i64, channel_left: Option<i64>, payers: &[AidPayer]) -> Vec<LegRow> {
    let mut legs: Vec<LegRow> = Vec::new();
    let fund = fund.clamp(0, total);
    if fund > 0 {
        legs.push(("fund".into(), None, None, fund));
    }
    let mut rest = total - fund;
    let mut channel_left = channel_left.unwrap_or(i64::MAX).max(0);
    let own = rest.min(own_balance.max(0)).min(channel_left);
    if own > 0 {
        legs.push(("own_account".into(), Some(member), None, own));
        rest -= own;
        channel_left -= own;
    }
    let mut order: Vec<&AidPayer> = payers.iter().collect();
    order.sort_by(|a, b| payer_order(a.balance_fen, a.aid_id, b.balance_fen, b.aid_id));
    for p in order {
        if rest == 0 || channel_left == 0 {
            break;
        }
        let pay = rest.min(p.balance_fen.max(0)).min(p.cap_left_fen.unwrap_or(i64::MAX).max(0)).min(channel_left);
        if pay > 0 {
            legs.push(("family_aid".into(), Some(p.authorizer_id), Some(p.aid_id), pay));
            rest -= pay;
            channel_left -= pay;
        }
    }
    if rest > 0 {
        legs.push(("cash".into(), None, None, rest));
    }
    legs
}

/// How one bill is paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub share: FundShare,
    pub legs: Vec<LegRow>,
}

/// DOMAIN §§3–4 over the loaded facts: the member's policy (longest region
/// prefix), the fund's share (an emergency cuts the ratio), the channel's
/// daily cap for online pharmacies, each relation's monthly and own online
/// caps, then [`split_legs`].
pub fn plan(visit: &Visit, facts: &BillFacts, scenario: Scenario, total: i64, emergency_cut: i64, online_daily_cap: i64) -> Plan {
    let policy = crate::app::fund::best_policy(facts.policies.iter().map(|p| (p.prefix.as_str(), p.policy)));
    let share = crate::app::fund::fund_share(&policy, total, facts.year_used, if visit.emergency { emergency_cut } else { 0 });
    let online = scenario == Scenario::OnlinePharmacy;
    let channel_left = online.then(|| (online_daily_cap - facts.channel_spent).max(0));
    let payers: Vec<AidPayer> = facts
        .payers
        .iter()
        .map(|p| {
            let mut cap_left_fen = p.monthly_cap_fen.map(|c| (c - p.month_spent_fen).max(0));
            // The relation's own online-pharmacy daily cap, set by the authorizer.
            if let (true, Some(oc)) = (online, p.online_cap_fen) {
                let left = (oc - p.channel_spent_fen).max(0);
                cap_left_fen = Some(cap_left_fen.map_or(left, |c| c.min(left)));
            }
            AidPayer { aid_id: p.aid_id, authorizer_id: p.authorizer_id, balance_fen: p.balance_fen, cap_left_fen }
        })
        .collect();
    let legs = split_legs(visit.member.id, visit.member.balance_fen, total, share.fund_fen, channel_left, &payers);
    Plan { share, legs }
}

#[cfg(test)]
mod tests {
    //! The rules over hand-made facts: no database anywhere.
    use super::*;
    use crate::app::person::Insurance;
    use crate::error::Code;

    fn member(id: i64, balance_fen: i64, region: &str) -> Stored {
        Stored {
            id,
            name: "张三".into(),
            rid: crate::id::ResidentId::parse(&crate::id::with_check_char("11010519800101001"), chrono::NaiveDate::MAX).unwrap(),
            insurance: Insurance::Employee,
            region: Region::stored(region).unwrap(),
            status: Status::Active,
            balance_fen,
            voucher_activated: true,
            disabled: false,
            face_verified_at: None,
            real_name_checked_at: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn institution(region: &str, networked: bool) -> Institution {
        Institution { id: 7, name: "医院".into(), region: Region::stored(region).unwrap(), designated: true, networked }
    }

    fn claims(member: i64, shown_by: i64) -> qr::Claims {
        qr::Claims { payer: member, member, shown_by, issued_at: 0, expires_at: 60, nonce: "00112233aabbccdd".into() }
    }

    fn policy(deductible_fen: i64, ratio_pct: i64) -> FundPolicy {
        FundPolicy { deductible_fen, ratio_pct, ceiling_fen: None }
    }

    #[test]
    fn a_code_pays_once_and_a_bill_is_charged_once() {
        let mut f = BillFacts::default();
        assert_eq!(exactly_once(&f, 7, "B-1", 1, 100, Scenario::Pharmacy).unwrap(), None);
        // The same code at the same counter for the same bill: the first answer again.
        f.code_paid = Some(PaidBill { institution: 7, bill: "B-1".into() });
        f.bill_settled = Some(SettledBill { id: 42, member: 1, total_fen: 100, scenario: "pharmacy".into(), stay: None });
        assert_eq!(exactly_once(&f, 7, "B-1", 1, 100, Scenario::Pharmacy).unwrap(), Some(42));
        // The same bill number with another amount: a conflict, not a replay.
        assert_eq!(exactly_once(&f, 7, "B-1", 1, 101, Scenario::Pharmacy).unwrap_err().code, Code::BillConflict);
        // The code again for another bill, or at another counter.
        assert_eq!(exactly_once(&f, 7, "B-2", 1, 100, Scenario::Pharmacy).unwrap_err().code, Code::QrAlreadyUsed);
        assert_eq!(exactly_once(&f, 8, "B-1", 1, 100, Scenario::Pharmacy).unwrap_err().code, Code::QrAlreadyUsed);
        // A code that opened a hospital stay pays nothing else.
        let admitted = BillFacts { code_admitted: true, ..BillFacts::default() };
        assert_eq!(exactly_once(&admitted, 7, "B-1", 1, 100, Scenario::Pharmacy).unwrap_err().code, Code::QrAlreadyUsed);
    }

    #[test]
    fn a_code_shown_by_someone_no_longer_bound_is_refused() {
        let f = BillFacts { member: Some(member(1, 0, "110105")), institution: Some(institution("110108", true)), ..BillFacts::default() };
        assert_eq!(open_visit(&f, &claims(1, 2), 7, false).unwrap_err().code, Code::QrNotBound);
        let bound = BillFacts { shown_by_bound: true, ..f.clone() };
        assert!(open_visit(&bound, &claims(1, 2), 7, false).is_ok());
        // The member's own code needs no binding; a missing institution is named.
        assert!(open_visit(&f, &claims(1, 1), 7, false).is_ok());
        let nowhere = BillFacts { institution: None, ..f };
        assert_eq!(open_visit(&nowhere, &claims(1, 1), 7, false).unwrap_err().code, Code::InstitutionNotFound);
    }

    #[test]
    fn outside_the_pooling_region_a_filing_or_an_emergency_is_needed() {
        let f = BillFacts { member: Some(member(1, 0, "110105")), institution: Some(institution("310104", true)), ..BillFacts::default() };
        assert_eq!(open_visit(&f, &claims(1, 1), 7, false).unwrap_err().code, Code::FilingRequired);
        let v = open_visit(&f, &claims(1, 1), 7, true).unwrap();
        assert!(v.cross_region && v.emergency);
        let filed = BillFacts { filing_regions: vec!["310000".into()], ..f };
        let v = open_visit(&filed, &claims(1, 1), 7, false).unwrap();
        assert!(v.cross_region && !v.emergency);
    }

    #[test]
    fn the_plan_uses_the_longest_policy_prefix_the_caps_and_pays_the_rest_in_cash() {
        let facts = BillFacts {
            member: Some(member(1, 1_000, "110105")),
            institution: Some(institution("110108", true)),
            policies: vec![
                RegionPolicy { prefix: "".into(), policy: policy(0, 10) },
                RegionPolicy { prefix: "11".into(), policy: policy(0, 50) },
                RegionPolicy { prefix: "1101".into(), policy: policy(0, 70) },
            ],
            payers: vec![
                PayerFacts {
                    aid_id: 3,
                    authorizer_id: 20,
                    name: "李四".into(),
                    balance_fen: 5_000,
                    monthly_cap_fen: Some(2_500),
                    month_spent_fen: 2_000,
                    online_cap_fen: None,
                    channel_spent_fen: 0,
                },
                PayerFacts {
                    aid_id: 4,
                    authorizer_id: 21,
                    name: "王五".into(),
                    balance_fen: 300,
                    monthly_cap_fen: None,
                    month_spent_fen: 0,
                    online_cap_fen: None,
                    channel_spent_fen: 0,
                },
            ],
            ..BillFacts::default()
        };
        let visit = open_visit(&facts, &claims(1, 1), 7, false).unwrap();
        let p = plan(&visit, &facts, Scenario::Pharmacy, 10_000, 10, 0);
        // 70 % from the 4-digit prefix policy; 3,000 self-pay: own 1,000, then the
        // higher balance within its monthly cap (500 left), then 300, then cash.
        assert_eq!(p.share.fund_fen, 7_000);
        assert_eq!(
            p.legs,
            vec![
                ("fund".to_string(), None, None, 7_000),
                ("own_account".to_string(), Some(1), None, 1_000),
                ("family_aid".to_string(), Some(20), Some(3), 500),
                ("family_aid".to_string(), Some(21), Some(4), 300),
                ("cash".to_string(), None, None, 1_200),
            ]
        );
        // An emergency cuts the ratio; an online pharmacy's daily cap limits
        // every personal account together.
        let emergency = Visit { emergency: true, ..visit.clone() };
        assert_eq!(plan(&emergency, &facts, Scenario::Pharmacy, 10_000, 10, 0).share.fund_fen, 6_000);
        let spent = BillFacts { channel_spent: 800, ..facts.clone() };
        let online = plan(&visit, &spent, Scenario::OnlinePharmacy, 10_000, 10, 1_000);
        let personal: i64 = online.legs.iter().filter(|l| l.1.is_some()).map(|l| l.3).sum();
        assert_eq!(personal, 200);
        assert_eq!(online.legs.iter().map(|l| l.3).sum::<i64>(), 10_000);
    }
}
