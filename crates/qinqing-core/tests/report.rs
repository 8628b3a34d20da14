//! The dashboard, transaction record, statement and roll-ups against the ledger.

use proptest::prelude::*;
mod common;
use common::{person, PAY};
use qinqing_core::report::TxQuery;
use qinqing_core::settle::SettleRequest;
use qinqing_core::time::FixedClock;
use qinqing_core::Qinqing;
use std::collections::BTreeMap;
use std::sync::Arc;

fn ledger(at: &str) -> Qinqing {
    Qinqing::in_memory(Arc::new(FixedClock::at(at))).unwrap()
}

/// (member, month, scenario, source) → amount, recomputed from the ledger itself.
fn recompute(q: &Qinqing) -> BTreeMap<(i64, String, String, String), (i64, i64)> {
    let mut out = BTreeMap::new();
    let mut stmt = q
        .conn()
        .prepare(
            "SELECT s.member_id, s.china_month, s.scenario, l.source, sum(l.amount_fen) FROM settlement s
             JOIN settlement_leg l ON l.settlement_id = s.id GROUP BY 1, 2, 3, 4
             UNION ALL SELECT member_id, china_month, scenario, 'total', sum(total_fen) FROM settlement GROUP BY 1, 2, 3",
        )
        .unwrap();
    let mut bills = q.conn().prepare("SELECT member_id, china_month, scenario, count(*) FROM settlement GROUP BY 1, 2, 3").unwrap();
    let counts: BTreeMap<(i64, String, String), i64> =
        bills.query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?))).unwrap().map(Result::unwrap).collect();
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?))).unwrap()
    {
        let (m, mo, sc, src, amt) = row.unwrap();
        let b = if src == "total" { counts[&(m, mo.clone(), sc.clone())] } else { 0 };
        out.insert((m, mo, sc, src), (amt, b));
    }
    out
}

fn rollups(q: &Qinqing) -> BTreeMap<(i64, String, String, String), (i64, i64)> {
    let mut stmt = q.conn().prepare("SELECT member_id, month, scenario, source, amount_fen, bills FROM spend_month").unwrap();
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), (r.get(4)?, r.get(5)?)))).unwrap().map(Result::unwrap).collect()
}

fn aid_rollups_match(q: &Qinqing) -> bool {
    let a: Vec<(i64, String, i64)> = q
        .conn()
        .prepare("SELECT aid_id, month, amount_fen FROM aid_month ORDER BY 1, 2")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let b: Vec<(i64, String, i64)> = q
        .conn()
        .prepare(
            "SELECT l.aid_id, s.china_month, sum(l.amount_fen) FROM settlement s JOIN settlement_leg l ON l.settlement_id = s.id
             WHERE l.aid_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    a == b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// Over random ledgers: roll-ups equal a recomputation, the dashboard's
    /// sums equal the ledger, legs sum to totals, no balance is negative.
    #[test]
    fn reports_equal_the_ledger(seed in 1u64..1_000_000, families in 1usize..4, tx in 0usize..400) {
        let mut q = ledger("2026-11-22T04:00:00Z");
        let r = q.seed_ledger(families, tx, seed).unwrap();
        prop_assert_eq!(rollups(&q), recompute(&q));
        prop_assert!(aid_rollups_match(&q));
        let bad: i64 = q.conn().query_row(
            "SELECT count(*) FROM settlement s WHERE total_fen <> (SELECT sum(amount_fen) FROM settlement_leg WHERE settlement_id = s.id)",
            [], |r| r.get(0)).unwrap();
        prop_assert_eq!(bad, 0);
        let negative: i64 = q.conn().query_row("SELECT count(*) FROM person WHERE balance_fen < 0", [], |r| r.get(0)).unwrap();
        prop_assert_eq!(negative, 0);
        for year in [2024, 2025, 2026] {
            let d = q.dashboard(r.first_holder, year).unwrap();
            let ids: Vec<i64> = d.members.iter().map(|m| m.id).collect();
            let (total, fund, aid): (i64, i64, i64) = q.conn().query_row(
                &format!("SELECT coalesce(sum(s.total_fen), 0),
                    coalesce(sum((SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'fund')), 0),
                    coalesce(sum((SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE settlement_id = s.id AND source = 'family_aid')), 0)
                  FROM settlement s WHERE s.member_id IN ({}) AND substr(s.china_date, 1, 4) = ?1",
                  ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")),
                [year.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
            prop_assert_eq!(d.family.total, total);
            prop_assert_eq!(d.family.fund, fund);
            prop_assert_eq!(d.family.family_aid, aid);
            prop_assert_eq!(d.family.fund + d.family.own_account + d.family.family_aid + d.family.cash, d.family.total);
            prop_assert_eq!(d.family.by_scenario.values().sum::<i64>(), d.family.total);
            let page = q.tx_list(&TxQuery { family: Some(r.first_holder), from: Some(format!("{year}-01-01")), to: Some(format!("{year}-12-31")), ..Default::default() }).unwrap();
            prop_assert_eq!(page.sum_fen, total);
        }
    }
}

fn pay(q: &mut Qinqing, member: i64, inst: i64, total: i64, bill: &str) {
    let t = q.issue_qr(member, None).unwrap().token;
    q.settle(&SettleRequest {
        token: t,
        institution: inst,
        scenario: "outpatient".into(),
        total_fen: total,
        bill_id: bill.into(),
        pay_password: Some(PAY.into()),
        ..Default::default()
    })
    .unwrap();
}

#[test]
fn months_are_china_months_in_rollups_trend_and_record() {
    let mut q = ledger("2026-01-31T15:59:00Z"); // 23:59 on 31 January in China
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 1_000_000);
    let inst = q.add_institution("医院", "310115", true, true).unwrap().id;
    pay(&mut q, kid, inst, 1_000, "JAN");
    q.set_clock(Arc::new(FixedClock::at("2026-01-31T16:01:00Z"))); // 00:01 on 1 February in China, still January in UTC
    pay(&mut q, kid, inst, 2_000, "FEB");
    let months: Vec<(String, i64)> = q
        .conn()
        .prepare("SELECT month, amount_fen FROM spend_month WHERE source = 'total' ORDER BY month")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(months, vec![("2026-01".to_string(), 1_000), ("2026-02".to_string(), 2_000)]);
    let d = q.dashboard(kid, 2026).unwrap();
    let trend: BTreeMap<String, i64> = d.members[0].trend.iter().cloned().collect();
    assert_eq!((trend["2026-01"], trend["2026-02"]), (1_000, 2_000));
    assert_eq!(d.month, "2026-02");
    let feb = q.tx_list(&TxQuery { member: Some(kid), from: Some("2026-02-01".into()), ..Default::default() }).unwrap();
    assert_eq!(feb.rows.len(), 1);
    assert_eq!(feb.rows[0].bill_id, "FEB");
    assert_eq!(rollups(&q), recompute(&q));
}

#[test]
fn csv_is_utf8_with_bom_and_reads_back() {
    let mut q = ledger("2026-03-10T02:00:00Z");
    let kid = person(&mut q, "阿卜杜热合曼·买买提", "31011520140910013", "resident", "310115", 1_000_000);
    let inst = q.add_institution("浦东新区人民医院, 门诊", "310115", true, true).unwrap().id;
    for i in 0..3 {
        pay(&mut q, kid, inst, 12_345 + i, &format!("B{i}"));
    }
    let csv = q.tx_csv(&TxQuery { member: Some(kid), ..Default::default() }).unwrap();
    assert!(csv.starts_with('\u{FEFF}'), "BOM so Excel reads UTF-8");
    let mut rdr = csv::Reader::from_reader(csv.trim_start_matches('\u{FEFF}').as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[0][1], "阿卜杜热合曼·买买提");
    assert_eq!(&rows[0][2], "浦东新区人民医院, 门诊", "a comma inside a field is quoted");
    assert_eq!(&rows[2][5], "123.45");
}

#[test]
fn anomaly_rules_on_crafted_bills() {
    let mut q = ledger("2026-03-01T02:00:00Z");
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 10_000_000);
    let home = q.add_institution("浦东医院", "310115", true, true).unwrap().id;
    let away = q.add_institution("合肥医院", "340104", true, true).unwrap().id;
    q.add_filing(kid, "340100", "2026-01-01", "2026-12-31").unwrap();
    for (i, day) in ["2026-03-01", "2026-03-05", "2026-03-09", "2026-03-13", "2026-03-17"].iter().enumerate() {
        q.set_clock(Arc::new(FixedClock::at(&format!("{day}T02:00:00Z"))));
        pay(&mut q, kid, home, 10_000, &format!("N{i}"));
    }
    q.set_clock(Arc::new(FixedClock::at("2026-03-20T02:00:00Z")));
    pay(&mut q, kid, home, 40_000, "BELOW-FLOOR"); // > 3× median but under ¥500
    pay(&mut q, kid, home, 80_000, "LARGE"); // > 3× median and over ¥500
    pay(&mut q, kid, away, 5_000, "AWAY"); // a new institution in another province
    pay(&mut q, kid, away, 5_000, "AWAY-2"); // the second time is not new
    let d = q.dashboard(kid, 2026).unwrap();
    let found: Vec<(&str, i64)> = d.anomalies.iter().map(|a| (a.kind, a.total_fen)).collect();
    assert!(found.contains(&("large_bill", 80_000)), "{found:?}");
    assert!(!found.contains(&("large_bill", 40_000)), "under the floor: {found:?}");
    assert_eq!(found.iter().filter(|(k, _)| *k == "new_institution_other_region").count(), 1, "{found:?}");
    let large = d.anomalies.iter().find(|a| a.kind == "large_bill").unwrap();
    assert!(large.explain_zh.contains("3倍") && large.explain_zh.contains("¥100.00"), "{}", large.explain_zh);
}

#[test]
fn cap_bars_and_statement() {
    let mut q = ledger("2026-03-10T02:00:00Z");
    let dad = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 500_000);
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 0);
    let inst = q.add_institution("医院", "310115", true, true).unwrap().id;
    let aid = q.authorize_aid(dad, kid, "child", Some(10_000)).unwrap().id;
    let t = q.issue_qr(kid, None).unwrap().token;
    q.settle(&SettleRequest {
        token: t,
        institution: inst,
        scenario: "pharmacy".into(),
        total_fen: 8_500,
        bill_id: "P1".into(),
        pay_password: Some(PAY.into()),
        ..Default::default()
    })
    .unwrap();
    let d = q.dashboard(dad, 2026).unwrap();
    let cap = d.caps.iter().find(|c| c.aid_id == aid).unwrap();
    assert_eq!((cap.spent_fen, cap.used_pct, cap.level), (8_500, Some(85), "near"));
    assert_eq!(d.members.len(), 2, "the holder and the aid beneficiary");
    let st = q.annual_statement(kid, 2026).unwrap();
    assert_eq!(st["totals"]["family_aid"], 8_500);
    assert_eq!(st["family_aid_by_payer"][0]["name"], "张伟");
}

fn settle_at(q: &mut Qinqing, at: &str, member: i64, inst: i64, scenario: &str, total: i64, bill: &str) {
    q.set_clock(Arc::new(FixedClock::at(at)));
    let t = q.issue_qr(member, None).unwrap().token;
    q.settle(&SettleRequest {
        token: t,
        institution: inst,
        scenario: scenario.into(),
        total_fen: total,
        bill_id: bill.into(),
        pay_password: Some(PAY.into()),
        ..Default::default()
    })
    .unwrap();
}

fn premium_at(q: &mut Qinqing, at: &str, payer: i64, beneficiary: i64, amount: i64, year: i64) {
    q.set_clock(Arc::new(FixedClock::at(at)));
    q.pay_premium(payer, beneficiary, amount, year, None).unwrap();
}

/// (kind, id, date) of every row of a record query, page by page.
fn all_pages(q: &Qinqing, base: &TxQuery, page_size: u32) -> Vec<(String, i64, String)> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = q.tx_list(&TxQuery { page: Some(page), page_size: Some(page_size), ..base.clone() }).unwrap();
        out.extend(p.rows.iter().map(|r| (r.kind.to_string(), r.id, r.date.clone())));
        if page as i64 * page_size as i64 >= p.total_rows {
            return out;
        }
        page += 1;
    }
}

#[test]
fn premiums_are_in_the_dashboard_record_and_csv_apart_from_medical_expenses() {
    let mut q = ledger("2026-03-01T02:00:00Z");
    let dad = person(&mut q, "张伟", "34010419821108017", "employee", "310115", 500_000);
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 0);
    let grandpa = person(&mut q, "张建国", "34010419510315031", "resident", "340104", 0);
    // Another family, whose premium must stay out of this one's figures.
    let other = person(&mut q, "李明", "31011519800101011", "employee", "310115", 500_000);
    let other_kid = person(&mut q, "李小雨", "31011520100505022", "resident", "310115", 0);
    let inst = q.add_institution("浦东医院", "310115", true, true).unwrap().id;
    q.authorize_aid(dad, kid, "child", None).unwrap();
    q.authorize_aid(dad, grandpa, "parent", None).unwrap();
    q.authorize_aid(other, other_kid, "child", None).unwrap();
    for (i, day) in ["2026-03-01", "2026-03-03", "2026-03-05", "2026-03-07"].iter().enumerate() {
        settle_at(&mut q, &format!("{day}T02:00:00Z"), kid, inst, "pharmacy", 8_000 + i as i64 * 100, &format!("P{i}"));
    }
    let before = q.dashboard(dad, 2026).unwrap();
    let before_page = q.tx_list(&TxQuery { family: Some(dad), ..Default::default() }).unwrap();
    assert_eq!((before.premiums_fen, before_page.premium_rows), (0, 0));

    // 2026-03-04 in China (20:30 UTC on the 3rd is 04:30 on the 4th); one on the day of a bill; one in 2025.
    // The tiers that fit (issue 32): Shanghai pupils 2026 ¥260; Anhui 2026 ¥400; the 2025 national ¥380.
    premium_at(&mut q, "2026-03-03T20:30:00Z", dad, kid, 26_000, 2026);
    premium_at(&mut q, "2026-03-07T05:00:00Z", dad, grandpa, 40_000, 2026);
    premium_at(&mut q, "2025-12-20T02:00:00Z", dad, kid, 38_000, 2025);
    premium_at(&mut q, "2026-03-04T02:00:00Z", other, other_kid, 26_000, 2026);
    q.set_clock(Arc::new(FixedClock::at("2026-03-10T02:00:00Z")));

    // Dashboard: a figure of its own; the medical figures do not move.
    let d = q.dashboard(dad, 2026).unwrap();
    assert_eq!(d.family, before.family, "premiums are not medical expenses");
    assert_eq!(d.family_trend, before.family_trend);
    assert_eq!((d.premiums_fen, d.premiums_count, d.premiums_display.as_str()), (66_000, 2, "¥660.00"));
    let m = |id: i64| d.members.iter().find(|m| m.id == id).unwrap();
    assert_eq!((m(kid).premiums_fen, m(kid).premiums_display.as_str()), (26_000, "¥260.00"));
    assert_eq!(m(grandpa).premiums_fen, 40_000);
    assert_eq!((m(dad).premiums_fen, m(dad).premiums_paid_fen), (0, 66_000));
    for mm in &d.members {
        assert_eq!(mm.year, before.members.iter().find(|b| b.id == mm.id).unwrap().year);
    }
    let d25 = q.dashboard(dad, 2025).unwrap();
    assert_eq!((d25.premiums_fen, d25.family.total), (38_000, 0), "by the China date it was paid");
    let pd = q.person_dashboard(kid, 2026).unwrap();
    assert_eq!((pd.premiums_fen, pd.family.total), (26_000, before.family.total));

    // Record: premium rows of their own kind, newest day first across both kinds.
    let fam = TxQuery { family: Some(dad), ..Default::default() };
    let p = q.tx_list(&fam).unwrap();
    assert_eq!(p.total_rows, 7, "4 bills and 3 premiums of this family");
    assert_eq!(p.premium_rows, 3);
    assert_eq!(p.premium_sum_fen, 26_000 + 40_000 + 38_000);
    assert_eq!(p.sum_fen, before_page.sum_fen + p.premium_sum_fen);
    let shape: Vec<(&str, &str)> = p.rows.iter().map(|r| (r.kind.as_ref(), r.date.as_str())).collect();
    assert_eq!(
        shape,
        vec![
            ("settlement", "2026-03-07"),
            ("premium", "2026-03-07"),
            ("settlement", "2026-03-05"),
            ("premium", "2026-03-04"),
            ("settlement", "2026-03-03"),
            ("settlement", "2026-03-01"),
            ("premium", "2025-12-20"),
        ]
    );
    let pr = &p.rows[3];
    assert_eq!((pr.scenario.as_str(), pr.member_id, pr.member_name.as_str()), ("premium", kid, "张子涵"));
    assert_eq!((pr.payer_id, pr.payer_name.as_deref(), pr.premium_year), (Some(dad), Some("张伟"), Some(2026)));
    assert_eq!((pr.total_fen, pr.own_account, pr.fund, pr.family_aid, pr.cash), (26_000, 26_000, 0, 0, 0));
    assert!(p.rows.iter().all(|r| r.member_id != other_kid));
    // Paging keeps the same order, every row once, at any page size.
    let full: Vec<(String, i64, String)> = p.rows.iter().map(|r| (r.kind.to_string(), r.id, r.date.clone())).collect();
    for size in [1, 2, 3, 5] {
        assert_eq!(all_pages(&q, &fam, size), full, "page size {size}");
    }

    // Filters.
    let with = |f: TxQuery| q.tx_list(&f).unwrap();
    let only = with(TxQuery { family: Some(dad), scenario: Some("premium".into()), ..Default::default() });
    assert_eq!((only.total_rows, only.sum_fen), (3, 26_000 + 40_000 + 38_000));
    assert!(only.rows.iter().all(|r| r.kind == "premium"));
    let bills = with(TxQuery { family: Some(dad), scenario: Some("pharmacy".into()), ..Default::default() });
    assert_eq!((bills.total_rows, bills.premium_rows), (4, 0));
    let at_inst = with(TxQuery { family: Some(dad), institution: Some(inst), ..Default::default() });
    assert_eq!((at_inst.total_rows, at_inst.premium_rows), (4, 0));
    let aid = with(TxQuery { family: Some(dad), source: Some("family_aid".into()), ..Default::default() });
    assert_eq!(aid.premium_rows, 0);
    let own = with(TxQuery { family: Some(dad), source: Some("own_account".into()), ..Default::default() });
    assert_eq!(own.premium_rows, 3, "a premium is paid from the payer's own account");
    let march = with(TxQuery { family: Some(dad), from: Some("2026-03-04".into()), to: Some("2026-03-06".into()), ..Default::default() });
    assert_eq!(march.rows.iter().map(|r| r.kind.as_ref()).collect::<Vec<_>>(), vec!["settlement", "premium"]);
    let kid_only = with(TxQuery { member: Some(kid), scenario: Some("premium".into()), ..Default::default() });
    assert_eq!(kid_only.rows.iter().map(|r| r.total_fen).collect::<Vec<_>>(), vec![26_000, 38_000], "paid for the member");
    let dad_only = with(TxQuery { member: Some(dad), ..Default::default() });
    assert_eq!((dad_only.total_rows, dad_only.premium_rows), (3, 3), "paid by the member");
    assert!(q.tx_list(&TxQuery { scenario: Some("lottery".into()), ..Default::default() }).is_err());

    // CSV: the premium rows, scenario `premium`, paid from the payer's own account.
    let csv = q.tx_csv(&TxQuery { family: Some(dad), ..Default::default() }).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.trim_start_matches('\u{FEFF}').as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 7);
    let prem: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[3] == "premium").collect();
    assert_eq!(prem.len(), 3);
    assert_eq!((&prem[0][0], &prem[0][1], &prem[0][5], &prem[0][7], &prem[0][10]), ("2026-03-07", "张建国", "400.00", "400.00", "张伟"));
    assert!(rows.iter().filter(|r| &r[3] != "premium").all(|r| r[10].is_empty()));
}

#[test]
fn fund_progress_follows_the_deductible_and_the_ceiling() {
    use qinqing_core::fund::FundPolicy;
    let mut q = ledger("2026-04-01T02:00:00Z");
    let kid = person(&mut q, "张子涵", "31011520140910013", "resident", "310115", 10_000_000);
    let inst = q.add_institution("浦东医院", "310115", true, true).unwrap().id;
    q.set_fund_policy("3101", "outpatient", "resident", FundPolicy { deductible_fen: 20_000, ratio_pct: 60, ceiling_fen: Some(100_000) }).unwrap();
    q.set_fund_policy("3101", "inpatient", "resident", FundPolicy { deductible_fen: 80_000, ratio_pct: 70, ceiling_fen: None }).unwrap();
    for sc in ["pharmacy", "online_pharmacy"] {
        q.set_fund_policy("3101", sc, "resident", FundPolicy { deductible_fen: 0, ratio_pct: 0, ceiling_fen: None }).unwrap();
    }
    let progress = |q: &Qinqing, year: i32| q.dashboard(kid, year).unwrap().members.remove(0).fund_progress;

    let p0 = progress(&q, 2026);
    assert_eq!(p0.iter().map(|p| p.scenario).collect::<Vec<_>>(), vec!["outpatient", "inpatient"], "only scenarios with a fund share");
    let inp = &p0[1];
    assert_eq!((inp.deductible_fen, inp.ratio_pct, inp.ceiling_fen, inp.ceiling_pct, inp.ceiling_level), (80_000, 70, None, None, "none"));
    assert_eq!(inp.ceiling_display, None);

    settle_at(&mut q, "2026-04-01T02:00:00Z", kid, inst, "outpatient", 15_000, "O1"); // all toward the deductible
    let o = progress(&q, 2026).remove(0);
    assert_eq!((o.deductible_used_fen, o.deductible_pct, o.deductible_met, o.fund_paid_fen), (15_000, 75, false, 0));
    assert_eq!((o.deductible_used_display.as_str(), o.deductible_display.as_str()), ("¥150.00", "¥200.00"));

    settle_at(&mut q, "2026-04-02T02:00:00Z", kid, inst, "outpatient", 25_000, "O2"); // 5,000 more, then 60 % of 20,000
    let o = progress(&q, 2026).remove(0);
    assert_eq!((o.deductible_used_fen, o.deductible_pct, o.deductible_met), (20_000, 100, true));
    assert_eq!((o.fund_paid_fen, o.ceiling_fen, o.ceiling_pct, o.ceiling_level), (12_000, Some(100_000), Some(12), "ok"));
    assert_eq!((o.fund_paid_display.as_str(), o.ceiling_display.as_deref()), ("¥120.00", Some("¥1,000.00")));

    settle_at(&mut q, "2026-04-03T02:00:00Z", kid, inst, "outpatient", 200_000, "O3"); // 120,000 by ratio, cut to the 88,000 left
    let o = progress(&q, 2026).remove(0);
    assert_eq!((o.fund_paid_fen, o.ceiling_pct, o.ceiling_level), (100_000, Some(100), "at"));
    assert_eq!(q.dashboard(kid, 2026).unwrap().members[0].year.fund, 100_000, "the fund column agrees with the progress");

    // Another year starts from nothing.
    let o = progress(&q, 2025).remove(0);
    assert_eq!((o.deductible_used_fen, o.fund_paid_fen, o.deductible_pct), (0, 0, 0));
}
