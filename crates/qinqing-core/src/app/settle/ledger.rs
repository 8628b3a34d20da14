//! The store side of a settlement: load the facts of one bill in one round
//! trip, write the decided settlement in another (with the commit). The SQL
//! is written once for both backends ([`crate::store`]); on SQLite the same
//! statements simply run one after another. The rules are in
//! [`super::rules`].

use super::institution::Institution;
use super::rules::{BillFacts, LegRow, PaidBill, PayerFacts, RegionPolicy, SettledBill};
use super::Scenario;
use crate::app::fund::{FundPolicy, YearUsed};
use crate::app::payment::PayState;
use crate::error::Result;
use crate::params;
use crate::region::Region;
use crate::store::{query, Conn, Query, ToValue, Value};

/// A bill's facts, and the stored values of the settings asked for (key, raw value).
pub(crate) type Loaded = (BillFacts, Vec<(String, String)>);

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
/// `settings` (key, raw value): one statement ([`facts_sql`]), in one round
/// trip on PostgreSQL with the transaction's BEGIN and writer lock when it
/// is the transaction's first statement — the single facts, and the lists
/// (filings, policies, authorizers, today's channel spending) as tagged rows
/// beside them, because on PostgreSQL each statement's answer is a flush to
/// the socket and a wake-up of this process (one statement instead of two:
/// 20 µs less a settlement, `bench/pg-settle.sh`).
///
/// `during` runs while the server answers ([`Conn::pipeline_during`]); its
/// result comes back beside the facts.
pub(crate) fn load_bill_facts<W>(conn: &Conn, k: &BillKey<'_>, settings: &[&str; 4], during: impl FnOnce() -> W) -> (Result<Loaded>, W) {
    let online = k.scenario == Scenario::OnlinePharmacy;
    let year = &k.day[..4];
    let q = query(
        facts_sql(online),
        params![
            k.nonce,
            k.member,
            k.shown_by,
            year,
            k.scenario.as_str(),
            settings[0],
            settings[1],
            settings[2],
            k.institution,
            k.bill,
            k.day,
            k.month,
            settings[3]
        ],
    );
    let (r, w) = conn.pipeline_during(vec![q], during);
    (r.and_then(|r| read_bill_facts(&r[0], settings)), w)
}

/// Kinds of the listed facts (see [`facts_sql`]).
const FILING: i64 = 1;
const POLICY: i64 = 2;
const PAYER: i64 = 3;
const SPENT: i64 = 4;

/// The one statement that reads a bill's facts (`online`: with today's
/// online-pharmacy spending), made once. Parameters: ?1 nonce, ?2 member,
/// ?3 shown by, ?4 year, ?5 scenario, ?6–?8 setting keys, ?9 institution,
/// ?10 bill, ?11 China date, ?12 China month, ?13 a fourth setting key.
///
/// Its first columns are the single facts: the member (when there is one)
/// with its payment-password state, the settlement of this bill number, the
/// institution, and one column each for the exactly-once keys, the binding
/// of whoever showed the code, the year's use and the settings. The last
/// eight are the lists, one row each, tagged by kind: (kind, text, n1 … n6)
/// — 1: a filing covering today (its region); 2: a policy matching the
/// member's insurance type and a prefix of its region; 3: an authorizer who
/// pays (frozen, revoked and lapsed relations do not: an authorizer no longer
/// employee-insured, interrupted or empty — `authorizer_lapse`); 4 (online pharmacy):
/// today's personal-account money in this channel, per relation (none: the
/// member's own account). The single facts repeat on every list row; with
/// no list row there is still one row (its kind NULL).
fn facts_sql(online: bool) -> &'static str {
    static SQL: std::sync::OnceLock<[String; 2]> = std::sync::OnceLock::new();
    let make = |online: bool| {
        let spent = if online {
            "
             UNION ALL
             SELECT 4, l.source, l.aid_id, CAST(coalesce(sum(l.amount_fen), 0) AS BIGINT), NULL, NULL, NULL, NULL
             FROM settlement_leg l JOIN settlement s ON s.id = l.settlement_id
             WHERE s.member_id = ?2 AND s.scenario = ?5 AND s.china_date = ?11 AND l.source IN ('own_account', 'family_aid')
             GROUP BY l.aid_id, l.source"
        } else {
            ""
        };
        format!(
            "SELECT {}, p.pay_password_hash, p.pay_failed, p.pay_locked_until,
                    s.id, s.member_id, s.total_fen, s.scenario, s.stay_id,
                    i.id, i.name, i.region, i.designated, i.networked,
                    sn.institution_id, sn.bill_id,
                    (SELECT count(*) FROM stay WHERE nonce = ?1),
                    (SELECT count(*) FROM binding WHERE holder_id = ?3 AND member_id = ?2 AND status = 'active'),
                    fy.deductible_fen, fy.fund_fen,
                    (SELECT value FROM setting WHERE key = ?6),
                    (SELECT value FROM setting WHERE key = ?7),
                    (SELECT value FROM setting WHERE key = ?8),
                    (SELECT value FROM setting WHERE key = ?13),
                    lst.kind, lst.t, lst.n1, lst.n2, lst.n3, lst.n4, lst.n5, lst.n6
             FROM (SELECT 1 AS one) d
             LEFT JOIN person p ON p.id = ?2
             LEFT JOIN settlement s ON s.institution_id = ?9 AND s.bill_id = ?10
             LEFT JOIN institution i ON i.id = ?9
             LEFT JOIN settlement sn ON sn.nonce = ?1
             LEFT JOIN fund_year fy ON fy.member_id = ?2 AND fy.year = ?4 AND fy.scenario = ?5
             LEFT JOIN (
             SELECT CAST(1 AS BIGINT) AS kind, region AS t, CAST(NULL AS BIGINT) AS n1, CAST(NULL AS BIGINT) AS n2, CAST(NULL AS BIGINT) AS n3,
                    CAST(NULL AS BIGINT) AS n4, CAST(NULL AS BIGINT) AS n5, CAST(NULL AS BIGINT) AS n6
             FROM filing WHERE person_id = ?2 AND from_date <= ?11 AND to_date >= ?11 AND cancelled_at IS NULL
             UNION ALL
             SELECT 2, f.region_prefix, f.deductible_fen, f.ratio_pct, f.ceiling_fen, NULL, NULL, NULL
             FROM fund_policy f JOIN person p ON p.id = ?2
             WHERE f.scenario = ?5 AND f.insurance = p.insurance
               AND f.region_prefix IN (substr(p.region, 1, 6), substr(p.region, 1, 4), substr(p.region, 1, 2), '')
             UNION ALL
             SELECT 3, p.name, a.id, a.authorizer_id, p.balance_fen, a.monthly_cap_fen, a.online_daily_cap_fen, coalesce(m.amount_fen, 0)
             FROM aid a JOIN person p ON p.id = a.authorizer_id LEFT JOIN aid_month m ON m.aid_id = a.id AND m.month = ?12
             WHERE a.beneficiary_id = ?2 AND a.status = 'active' AND p.status = 'active' AND p.insurance = 'employee' AND p.balance_fen > 0{spent}
             ) lst ON 1 = 1
             ORDER BY lst.kind, lst.n1",
            crate::app::person::COLUMNS.split(',').map(|c| format!("p.{}", c.trim())).collect::<Vec<_>>().join(", ")
        )
    };
    &SQL.get_or_init(|| [make(false), make(true)])[online as usize]
}

/// The facts from the statement's rows.
fn read_bill_facts(r: &crate::store::Rows, settings: &[&str; 4]) -> Result<Loaded> {
    let member_cols = crate::app::person::COLUMNS.split(',').count();
    type Single = (Option<i64>, Option<String>, i64, i64, Option<i64>, Option<i64>, [Option<String>; 4]);
    let m = member_cols;
    let (member, pay, bill_settled, institution, single): (_, _, _, _, Single) = r.first(|row| {
        let member = match row.get::<_, Option<i64>>(0)? {
            Some(_) => Some((crate::app::person::read_row(row)?, PayState { hash: row.get(m)?, failed: row.get(m + 1)?, locked_until: row.get(m + 2)? })),
            None => None,
        };
        let b = m + 3;
        let bill_settled = match row.get::<_, Option<i64>>(b)? {
            Some(id) => Some(SettledBill { id, member: row.get(b + 1)?, total_fen: row.get(b + 2)?, scenario: row.get(b + 3)?, stay: row.get(b + 4)? }),
            None => None,
        };
        let i = b + 5;
        let institution = match row.get::<_, Option<i64>>(i)? {
            Some(id) => Some(Institution {
                id,
                name: row.get(i + 1)?,
                region: Region::stored(&row.get::<_, String>(i + 2)?)?,
                designated: row.get::<_, i64>(i + 3)? == 1,
                networked: row.get::<_, i64>(i + 4)? == 1,
            }),
            None => None,
        };
        let f = i + 5;
        let single = (
            row.get(f)?,
            row.get(f + 1)?,
            row.get(f + 2)?,
            row.get(f + 3)?,
            row.get(f + 4)?,
            row.get(f + 5)?,
            [row.get(f + 6)?, row.get(f + 7)?, row.get(f + 8)?, row.get(f + 9)?],
        );
        Ok((member.as_ref().map(|(m, _)| m.clone()), member.map(|(_, p)| p), bill_settled, institution, single))
    })?;
    let (paid_inst, paid_bill, admitted, bound, ded, fund, setting_values) = single;

    // The lists: the last eight columns of every row with a kind (after the
    // member's, 3 payment-password, 5 bill, 5 institution and 10 single facts).
    type Listed = (i64, Option<String>, [Option<i64>; 6]);
    let l = m + 23;
    let listed: Vec<Listed> = r
        .map(|row| match row.get::<_, Option<i64>>(l)? {
            Some(kind) => {
                Ok(Some((kind, row.get(l + 1)?, [row.get(l + 2)?, row.get(l + 3)?, row.get(l + 4)?, row.get(l + 5)?, row.get(l + 6)?, row.get(l + 7)?])))
            }
            None => Ok(None),
        })?
        .into_iter()
        .flatten()
        .collect();
    let of = |kind: i64| listed.iter().filter(move |(k, _, _)| *k == kind);
    let need = |v: Option<i64>| v.ok_or_else(|| crate::Error::internal("a bill fact is missing"));
    let text = |v: &Option<String>| v.clone().ok_or_else(|| crate::Error::internal("a bill fact is missing"));
    // Today's personal-account money in this channel: in all, and per relation.
    let spent: Vec<(Option<i64>, i64)> = of(SPENT).map(|(_, _, n)| Ok((n[0], need(n[1])?))).collect::<Result<_>>()?;
    let payers = of(PAYER)
        .map(|(_, name, n)| {
            let aid_id = need(n[0])?;
            Ok(PayerFacts {
                aid_id,
                authorizer_id: need(n[1])?,
                name: text(name)?,
                balance_fen: need(n[2])?,
                monthly_cap_fen: n[3],
                online_cap_fen: n[4],
                month_spent_fen: need(n[5])?,
                channel_spent_fen: spent.iter().filter(|(a, _)| *a == Some(aid_id)).map(|(_, s)| *s).sum(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let settings = settings.iter().zip(setting_values).filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect();
    let facts = BillFacts {
        code_paid: paid_inst.zip(paid_bill).map(|(institution, bill)| PaidBill { institution, bill }),
        code_admitted: admitted > 0,
        bill_settled,
        member,
        pay,
        shown_by_bound: bound > 0,
        institution,
        filing_regions: of(FILING).map(|(_, t, _)| text(t)).collect::<Result<_>>()?,
        policies: of(POLICY)
            .map(|(_, t, n)| {
                Ok(RegionPolicy { prefix: text(t)?, policy: FundPolicy { deductible_fen: need(n[0])?, ratio_pct: need(n[1])?, ceiling_fen: n[2] } })
            })
            .collect::<Result<_>>()?,
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

/// The statements that write a settlement, its legs, the balance changes,
/// the roll-ups and (`audit`: actor, entry) its audit entry — the one place
/// (used by `settle` and the bulk seed) that keeps the ledger's invariants:
/// legs sum to the total, balances fall by exactly the personal-account legs
/// (the CHECK balance_fen >= 0 aborts an overdraft). The first statement
/// returns the settlement's id; the legs and the audit entry read it from
/// `new_row` ([`Conn::with_new_row`]: one statement on PostgreSQL).
pub(crate) fn settlement_writes(conn: &Conn, s: &NewSettlement<'_>, legs: &[LegRow], audit: Option<(&str, &serde_json::Value)>) -> Result<Vec<Query>> {
    let sum: i64 = legs.iter().map(|l| l.3).sum();
    if sum != s.total || legs.iter().any(|l| l.3 <= 0) {
        return Err(crate::Error::internal(format!("legs sum to {sum}, bill is {}", s.total)));
    }
    let insert = query(
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
    );
    let find = query("SELECT id FROM settlement WHERE institution_id = ?1 AND bill_id = ?2", params![s.institution, s.bill]);
    let mut qs = Vec::new();
    // The year's roll-up only changes with a deductible or a fund share (a
    // missing row reads as zero): no write for a bill without either.
    if s.deductible != 0 || s.fund != 0 {
        qs.push(crate::app::fund::add_year_used(s.member, &s.day[..4], s.scenario, s.deductible, s.fund));
    }
    // The legs, in order.
    let mut sql = String::from(
        "INSERT INTO settlement_leg (settlement_id, source, person_id, aid_id, amount_fen)
         SELECT new_row.id, v.source, v.person_id, v.aid_id, v.amount_fen FROM new_row, (",
    );
    let mut values: Vec<Value> = Vec::new();
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
    sql.push_str(") v ORDER BY v.n");
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
    if let Some((actor, after)) = audit {
        qs.push(query(
            "INSERT INTO audit (at, actor, action, entity, entity_id, person_id, before, after)
             SELECT CAST(?1 AS TEXT), CAST(?2 AS TEXT), 'settlement', 'settlement', new_row.id, CAST(?3 AS BIGINT), NULL, CAST(?4 AS TEXT) FROM new_row",
            params![s.at, actor, s.member, after.to_string()],
        ));
    }
    Ok(conn.with_new_row(insert, find, qs))
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

/// Write one settlement now (the bulk seed): its id.
pub(crate) fn write_settlement(conn: &Conn, s: &NewSettlement<'_>, legs: &[LegRow]) -> Result<i64> {
    let rows = conn.pipeline(settlement_writes(conn, s, legs, None)?)?;
    rows[0].first(|r| r.get(0))
}
