//! The store side of a settlement: load the facts of one bill in one round
//! trip, write the decided settlement in another (with the commit). The SQL
//! is written once for both backends ([`crate::store`]); on SQLite the same
//! statements simply run one after another. The rules are in
//! [`super::rules`].

use super::rules::{BillFacts, LegRow, PayerFacts};
use super::{Institution, Scenario};
use crate::error::Result;
use crate::fund::{FundPolicy, YearUsed};
use crate::params;
use crate::region::Region;
use crate::store::{query, Conn, OptionalExtension, Query, ToValue, Value};

/// What identifies one bill at the counter.
pub(crate) struct BillKey<'a> {
    /// The shown code's nonce (a stay's settlement: `stay-{id}`).
    pub nonce: &'a str,
    pub institution: i64,
    pub bill: &'a str,
    pub member: i64,
    pub shown_by: i64,
    pub scenario: Scenario,
    /// China date (YYYY-MM-DD) and month (YYYY-MM) of the settlement.
    pub day: &'a str,
    pub month: &'a str,
}

/// Read every fact the rules need for one bill, and the stored values of
/// `settings` (key, raw value): one round trip on PostgreSQL (with the
/// transaction's BEGIN and writer lock when it is the transaction's first
/// statement).
pub(crate) fn load_bill_facts(conn: &Conn, k: &BillKey<'_>, settings: &[&str; 3]) -> Result<(BillFacts, Vec<(String, String)>)> {
    let online = k.scenario == Scenario::OnlinePharmacy;
    let year = &k.day[..4];
    let mut qs = vec![
        // The single facts, one row: exactly-once keys, the binding of whoever
        // showed the code, the year's use, the settings.
        query(
            "SELECT (SELECT institution_id FROM settlement WHERE nonce = ?1),
                    (SELECT bill_id FROM settlement WHERE nonce = ?1),
                    (SELECT count(*) FROM stay WHERE nonce = ?1),
                    (SELECT count(*) FROM binding WHERE holder_id = ?3 AND member_id = ?2 AND status = 'active'),
                    (SELECT deductible_fen FROM fund_year WHERE member_id = ?2 AND year = ?4 AND scenario = ?5),
                    (SELECT fund_fen FROM fund_year WHERE member_id = ?2 AND year = ?4 AND scenario = ?5),
                    (SELECT value FROM setting WHERE key = ?6),
                    (SELECT value FROM setting WHERE key = ?7),
                    (SELECT value FROM setting WHERE key = ?8)",
            params![k.nonce, k.member, k.shown_by, year, k.scenario.as_str(), settings[0], settings[1], settings[2]],
        ),
        query("SELECT id, member_id, total_fen, scenario, stay_id FROM settlement WHERE institution_id = ?1 AND bill_id = ?2", params![k.institution, k.bill]),
        query(format!("SELECT {}, pay_password_hash, pay_failed, pay_locked_until FROM person WHERE id = ?1", crate::person::COLUMNS), [k.member]),
        query("SELECT id, name, region, designated, networked FROM institution WHERE id = ?1", [k.institution]),
        query("SELECT region FROM filing WHERE person_id = ?1 AND from_date <= ?2 AND to_date >= ?2 AND cancelled_at IS NULL", params![k.member, k.day]),
        // The member's policies: insurance type and region prefixes of the member's row.
        query(
            "SELECT f.region_prefix, f.deductible_fen, f.ratio_pct, f.ceiling_fen FROM fund_policy f JOIN person p ON p.id = ?1
             WHERE f.scenario = ?2 AND f.insurance = p.insurance
               AND f.region_prefix IN (substr(p.region, 1, 6), substr(p.region, 1, 4), substr(p.region, 1, 2), '')",
            params![k.member, k.scenario.as_str()],
        ),
        // Authorizers: frozen, revoked and lapsed relations do not pay.
        query(
            "SELECT a.id, a.authorizer_id, p.name, p.balance_fen, a.monthly_cap_fen, a.online_daily_cap_fen, coalesce(m.amount_fen, 0)
             FROM aid a JOIN person p ON p.id = a.authorizer_id LEFT JOIN aid_month m ON m.aid_id = a.id AND m.month = ?2
             WHERE a.beneficiary_id = ?1 AND a.status = 'active' AND p.status = 'active' AND p.balance_fen > 0",
            params![k.member, k.month],
        ),
    ];
    if online {
        qs.push(query(
            "SELECT l.aid_id, l.source, coalesce(sum(l.amount_fen), 0) FROM settlement_leg l JOIN settlement s ON s.id = l.settlement_id
             WHERE s.member_id = ?1 AND s.scenario = ?2 AND s.china_date = ?3 AND l.source IN ('own_account', 'family_aid')
             GROUP BY l.aid_id, l.source",
            params![k.member, k.scenario.as_str(), k.day],
        ));
    }
    let r = conn.pipeline(qs)?;
    type Single = (Option<i64>, Option<String>, i64, i64, Option<i64>, Option<i64>, [Option<String>; 3]);
    let single: Single =
        r[0].first(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, [row.get(6)?, row.get(7)?, row.get(8)?])))?;
    let (paid_inst, paid_bill, admitted, bound, ded, fund, setting_values) = single;
    let extra = crate::person::COLUMNS.split(',').count();
    let member_row = r[2].first(|row| Ok((crate::person::read_row(row)?, (row.get(extra)?, row.get(extra + 1)?, row.get(extra + 2)?)))).optional()?;
    let (member, pay) = match member_row {
        Some((m, p)) => (Some(m), Some(p)),
        None => (None, None),
    };
    let institution = r[3]
        .first(|row| {
            Ok(Institution {
                id: row.get(0)?,
                name: row.get(1)?,
                region: Region::stored(&row.get::<_, String>(2)?)?,
                designated: row.get::<_, i64>(3)? == 1,
                networked: row.get::<_, i64>(4)? == 1,
            })
        })
        .optional()?;
    // Today's personal-account money in this channel: in all, and per relation.
    let spent: Vec<(Option<i64>, i64)> = if online { r[7].map(|row| Ok((row.get(0)?, row.get(2)?)))? } else { Vec::new() };
    let payers = r[6].map(|row| {
        let aid_id: i64 = row.get(0)?;
        Ok(PayerFacts {
            aid_id,
            authorizer_id: row.get(1)?,
            name: row.get(2)?,
            balance_fen: row.get(3)?,
            monthly_cap_fen: row.get(4)?,
            online_cap_fen: row.get(5)?,
            month_spent_fen: row.get(6)?,
            channel_spent_fen: spent.iter().filter(|(a, _)| *a == Some(aid_id)).map(|(_, s)| *s).sum(),
        })
    })?;
    let settings = settings.iter().zip(setting_values).filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect();
    let facts = BillFacts {
        code_paid: paid_inst.zip(paid_bill),
        code_admitted: admitted > 0,
        bill_settled: r[1].first(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))).optional()?,
        member,
        pay,
        shown_by_bound: bound > 0,
        institution,
        filing_regions: r[4].map(|row| row.get(0))?,
        policies: r[5].map(|row| Ok((row.get(0)?, FundPolicy { deductible_fen: row.get(1)?, ratio_pct: row.get(2)?, ceiling_fen: row.get(3)? })))?,
        year_used: YearUsed { deductible_fen: ded.unwrap_or(0), fund_fen: fund.unwrap_or(0) },
        channel_spent: spent.iter().map(|(_, s)| *s).sum(),
        payers,
    };
    Ok((facts, settings))
}

/// One settlement as written to the ledger.
pub(crate) struct NewSettlement<'a> {
    pub nonce: &'a str,
    pub institution: i64,
    pub bill: &'a str,
    pub member: i64,
    pub shown_by: i64,
    pub scenario: &'a str,
    pub total: i64,
    pub fund: i64,
    /// Counted toward the member's yearly deductible.
    pub deductible: i64,
    pub ratio: i64,
    pub cross_region: bool,
    pub emergency: bool,
    pub at: &'a str,
    pub day: &'a str,
    pub month: &'a str,
    pub stay: Option<i64>,
}

/// The statements that write a settlement, its legs, the balance changes and
/// the roll-ups — the one place (used by `settle` and the bulk seed) that
/// keeps the ledger's invariants: legs sum to the total, balances fall by
/// exactly the personal-account legs (the CHECK balance_fen >= 0 aborts an
/// overdraft). The first statement returns the settlement's id; the others
/// find the settlement by its (institution, bill), so all can go in one
/// round trip.
pub(crate) fn settlement_writes(s: &NewSettlement<'_>, legs: &[LegRow]) -> Result<Vec<Query>> {
    let sum: i64 = legs.iter().map(|l| l.3).sum();
    if sum != s.total || legs.iter().any(|l| l.3 <= 0) {
        return Err(crate::Error::internal(format!("legs sum to {sum}, bill is {}", s.total)));
    }
    let mut qs = vec![
        query(
            "INSERT INTO settlement (nonce, institution_id, bill_id, member_id, shown_by, scenario, total_fen, fund_fen, ratio_pct,
                                     cross_region, emergency, at, china_date, china_month, deductible_fen, stay_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) RETURNING id",
            params![
                s.nonce,
                s.institution,
                s.bill,
                s.member,
                s.shown_by,
                s.scenario,
                s.total,
                s.fund,
                s.ratio,
                s.cross_region as i64,
                s.emergency as i64,
                s.at,
                s.day,
                s.month,
                s.deductible,
                s.stay
            ],
        ),
        crate::fund::add_year_used(s.member, &s.day[..4], s.scenario, s.deductible, s.fund),
    ];
    // The legs, in order, found by the settlement's (institution, bill).
    let mut sql = String::from(
        "INSERT INTO settlement_leg (settlement_id, source, person_id, aid_id, amount_fen)
         SELECT s.id, v.source, v.person_id, v.aid_id, v.amount_fen FROM settlement s, (",
    );
    let mut values: Vec<Value> = vec![s.institution.into(), s.bill.into()];
    for (i, (source, person_id, aid, amount)) in legs.iter().enumerate() {
        let n = values.len();
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str(&format!(
            "SELECT {i} AS n, CAST(?{} AS TEXT) AS source, CAST(?{} AS BIGINT) AS person_id, CAST(?{} AS BIGINT) AS aid_id, CAST(?{} AS BIGINT) AS amount_fen",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        ));
        values.extend([source.as_str().into(), person_id.to_value(), aid.to_value(), (*amount).into()]);
    }
    sql.push_str(") v WHERE s.institution_id = ?1 AND s.bill_id = ?2 ORDER BY v.n");
    qs.push(query(sql, values));
    // Balances: each personal account by what it paid (the CHECK balance_fen >= 0 refuses an overdraft).
    let mut paid: Vec<(i64, i64)> = Vec::new();
    for (_, person_id, _, amount) in legs {
        if let Some(p) = person_id {
            match paid.iter_mut().find(|(q, _)| q == p) {
                Some(e) => e.1 += amount,
                None => paid.push((*p, *amount)),
            }
        }
    }
    if !paid.is_empty() {
        let mut values: Vec<Value> = vec![s.at.into()];
        let mut cases = String::new();
        let mut ids = Vec::new();
        for (p, amount) in &paid {
            let n = values.len();
            cases.push_str(&format!(" WHEN ?{} THEN CAST(?{} AS BIGINT)", n + 1, n + 2));
            ids.push(format!("?{}", n + 1));
            values.extend([(*p).into(), (*amount).into()]);
        }
        qs.push(query(
            format!("UPDATE person SET balance_fen = balance_fen - (CASE id{cases} ELSE 0 END), updated_at = ?1 WHERE id IN ({})", ids.join(", ")),
            values,
        ));
    }
    // The dashboard's monthly roll-ups, one row per source.
    let mut by_source: Vec<(&str, i64, i64)> = vec![("total", s.total, 1)];
    for (source, _, _, amount) in legs {
        match by_source.iter_mut().find(|(src, _, _)| *src == source.as_str()) {
            Some(e) => e.1 += amount,
            None => by_source.push((source.as_str(), *amount, 0)),
        }
    }
    qs.push(upsert_rows(
        "INSERT INTO spend_month (member_id, month, scenario, source, amount_fen, bills) VALUES ",
        " ON CONFLICT (member_id, month, scenario, source)
         DO UPDATE SET amount_fen = spend_month.amount_fen + excluded.amount_fen, bills = spend_month.bills + excluded.bills",
        by_source.iter().map(|(src, amount, bills)| vec![s.member.into(), s.month.into(), s.scenario.into(), (*src).into(), (*amount).into(), (*bills).into()]),
    ));
    let aids: Vec<Vec<Value>> = legs.iter().filter_map(|(_, _, aid, amount)| aid.map(|a| vec![a.into(), s.month.into(), (*amount).into()])).collect();
    if !aids.is_empty() {
        qs.push(upsert_rows(
            "INSERT INTO aid_month (aid_id, month, amount_fen) VALUES ",
            " ON CONFLICT (aid_id, month) DO UPDATE SET amount_fen = aid_month.amount_fen + excluded.amount_fen",
            aids.into_iter(),
        ));
    }
    Ok(qs)
}

/// One multi-row `INSERT … VALUES (…), (…) ON CONFLICT …` (the rows must
/// not share a key).
fn upsert_rows(head: &str, tail: &str, rows: impl Iterator<Item = Vec<Value>>) -> Query {
    let mut sql = String::from(head);
    let mut values: Vec<Value> = Vec::new();
    for (i, row) in rows.enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let marks: Vec<String> = (0..row.len()).map(|k| format!("?{}", values.len() + k + 1)).collect();
        sql.push_str(&format!("({})", marks.join(", ")));
        values.extend(row);
    }
    sql.push_str(tail);
    query(sql, values)
}

/// The audit entry of a settlement written by the same pipeline (it finds
/// the settlement by institution and bill number).
pub(crate) fn settlement_audit(s: &NewSettlement<'_>, actor: &str, after: &serde_json::Value) -> Query {
    query(
        "INSERT INTO audit (at, actor, action, entity, entity_id, person_id, before, after)
         SELECT CAST(?3 AS TEXT), CAST(?4 AS TEXT), 'settlement', 'settlement', id, CAST(?5 AS BIGINT), NULL, CAST(?6 AS TEXT)
         FROM settlement WHERE institution_id = ?1 AND bill_id = ?2",
        params![s.institution, s.bill, s.at, actor, s.member, after.to_string()],
    )
}

/// Write one settlement now (the bulk seed): its id.
pub(crate) fn write_settlement(conn: &Conn, s: &NewSettlement<'_>, legs: &[LegRow]) -> Result<i64> {
    let rows = conn.pipeline(settlement_writes(s, legs)?)?;
    rows[0].first(|r| r.get(0))
}
