//! A large realistic ledger for demos and benchmarks: many families with
//! bindings and 家庭共济, years of settlements. Written by a bulk path that
//! keeps the ledger's invariants — legs sum to each bill, balances fall by
//! exactly what the personal-account legs paid, roll-ups match — in one
//! transaction, far faster than issuing and scanning a code per bill.

use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::id::with_check_char;
use crate::params;
use crate::store::OptionalExtension;
use crate::time;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;

/// A small deterministic generator (xorshift64*), so a seed reproduces a ledger.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SeedReport {
    pub families: usize,
    pub persons: usize,
    pub settlements: usize,
    pub first_holder: i64,
}

const GIVEN: [&str; 12] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳"];
const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];

impl Qinqing {
    /// Add `families` families and `transactions` settlements spread over the
    /// last three years (China time). Deterministic for a given `seed`.
    pub fn seed_ledger(&mut self, families: usize, transactions: usize, seed: u64) -> Result<SeedReport> {
        self.permit(Act::Admin)?;
        if families == 0 || families > 100_000 {
            return Err(Error::amount_too_large("families"));
        }
        if transactions > 20_000_000 {
            return Err(Error::amount_too_large("transactions"));
        }
        if self.list_institutions()?.is_empty() {
            self.import_institutions(crate::app::demo::DEMO_INSTITUTIONS)?;
        }
        let institutions: Vec<(i64, String)> = self.list_institutions()?.into_iter().filter(|i| i.designated).map(|i| (i.id, i.region.code)).collect();
        let today = self.today();
        let now = time::to_db(self.now());
        let mut rng = Rng(seed.max(1));
        let start_id: i64 = self.conn().query_row("SELECT coalesce(max(id), 0) FROM person", [], |r| r.get(0))?;
        // Sequence numbers make the generated IDs unique; birth dates vary.
        let base_seq: u64 = start_id as u64 * 7 + 100;
        // A bulk load: durability of each row is not needed, the whole load is one transaction.
        let sqlite = self.conn().sqlite().is_some();
        if sqlite {
            self.conn().execute_batch("PRAGMA synchronous=OFF")?;
        }
        let result = (|| -> Result<SeedReport> {
            let tx = self.conn().begin()?;
            let mut fams: Vec<Vec<(i64, bool)>> = Vec::with_capacity(families); // (person, is_employee)
            let mut aids_by_member: std::collections::HashMap<i64, Vec<(i64, i64)>> = Default::default(); // member -> (aid, authorizer)
            let mut seq = base_seq;
            let mut person = |tx: &crate::store::Conn, rng: &mut Rng, year: i32, employee: bool, region: &str, balance: i64| -> Result<i64> {
                let name = format!("{}{}{}", SURNAMES[rng.below(10) as usize], GIVEN[rng.below(12) as usize], GIVEN[rng.below(12) as usize]);
                // A new birth date and sequence until the ID is unused.
                for _ in 0..50 {
                    seq += 2;
                    let birth = NaiveDate::from_ymd_opt(year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32).unwrap_or_default();
                    let rid = with_check_char(&format!("{}{}{:03}", region, birth.format("%Y%m%d"), seq % 1000));
                    let r: Option<i64> = tx
                        .query_row(
                            "INSERT INTO person (name, resident_id, insurance, region, status, balance_fen, voucher_activated, created_at, updated_at, face_verified_at)
                             VALUES (?1, ?2, ?3, ?4, 'active', ?5, 1, ?6, ?6, ?6) ON CONFLICT DO NOTHING RETURNING id",
                            params![name, rid, if employee { "employee" } else { "resident" }, region, balance, now],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if let Some(id) = r {
                        return Ok(id);
                    }
                }
                Err(Error::internal("seed: no free resident ID"))
            };
            for _ in 0..families {
                let home = ["310115", "330106", "340104", "310106"][rng.below(4) as usize];
                let (y1, b1) = (1975 + rng.below(15) as i32, 2_000_000 + rng.below(3_000_000) as i64);
                let holder = person(&tx, &mut rng, y1, true, home, b1)?;
                let (y2, b2) = (1975 + rng.below(15) as i32, 1_000_000 + rng.below(2_000_000) as i64);
                let spouse = person(&tx, &mut rng, y2, true, home, b2)?;
                let y3 = 2012 + rng.below(8) as i32;
                let kid1 = person(&tx, &mut rng, y3, false, home, 0)?;
                let y4 = 2012 + rng.below(8) as i32;
                let kid2 = person(&tx, &mut rng, y4, false, home, 0)?;
                let y5 = 1945 + rng.below(10) as i32;
                let elder = person(&tx, &mut rng, y5, false, "340104", 50_000)?;
                for (m, rel) in [(spouse, "spouse"), (kid1, "child"), (kid2, "child"), (elder, "parent")] {
                    tx.execute(
                        "INSERT INTO binding (holder_id, member_id, relation, status, policy_region, letter_version, letter_signed_at,
                                              created_at, submitted_at, decided_at, activated_at, activated_month)
                         VALUES (?1, ?2, ?3, 'active', '', ?4, ?5, ?5, ?5, ?5, ?5, ?6)",
                        params![holder, m, rel, crate::app::binding::LETTER_VERSION, now, &now[..7]],
                    )?;
                }
                for (a, b) in [(holder, kid1), (holder, kid2), (spouse, kid1), (spouse, kid2), (holder, elder)] {
                    let aid: i64 = tx.query_row(
                        "INSERT INTO aid (authorizer_id, beneficiary_id, relation, status, letter_version, created_at)
                         VALUES (?1, ?2, ?3, 'active', ?4, ?5) RETURNING id",
                        params![a, b, if b == elder { "parent" } else { "child" }, crate::app::settle::AID_LETTER_VERSION, now],
                        |r| r.get(0),
                    )?;
                    aids_by_member.entry(b).or_default().push((aid, a));
                }
                fams.push(vec![(holder, true), (spouse, true), (kid1, false), (kid2, false), (elder, false)]);
            }
            let days = 3 * 365;
            let scenarios = ["outpatient", "pharmacy", "online_pharmacy", "inpatient"];
            let first_settlement: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM settlement", [], |r| r.get(0))?;
            for i in 0..transactions {
                if i % 2_000 == 0 {
                    self.progress("settlements", i as u64, transactions as u64);
                }
                let fam = &fams[rng.below(fams.len() as u64) as usize];
                let (member, employee) = fam[rng.below(fam.len() as u64) as usize];
                let day = today - chrono::Days::new(rng.below(days));
                let sc = scenarios[[0, 0, 0, 1, 1, 1, 2, 3][rng.below(8) as usize]];
                let total = match sc {
                    "inpatient" => 300_000 + rng.below(3_000_000) as i64,
                    "outpatient" => 5_000 + rng.below(60_000) as i64,
                    _ => 1_000 + rng.below(25_000) as i64,
                };
                let (inst, inst_region) = &institutions[rng.below(institutions.len() as u64) as usize];
                let (region, insurance, balance): (String, String, i64) =
                    tx.query_row("SELECT region, insurance, balance_fen FROM person WHERE id = ?1", [member], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                let cross = crate::region::pooling_code_of(&region) != crate::region::pooling_code_of(inst_region);
                let scenario = crate::app::settle::Scenario::parse(sc)?;
                let insurance = crate::app::person::Insurance::parse(&insurance)?;
                let year = day.format("%Y").to_string();
                let share = if cross {
                    crate::app::fund::FundShare { deductible_fen: 0, fund_fen: 0, ratio_pct: 0, capped: false }
                } else {
                    let policy = crate::app::fund::policy_for(&tx, &region, scenario, insurance)?;
                    crate::app::fund::fund_share(&policy, total, crate::app::fund::year_used(&tx, member, &year, sc)?, 0)
                };
                let (fund, ratio) = (share.fund_fen, share.ratio_pct);
                let mut rest = total - fund;
                let mut legs: Vec<(String, Option<i64>, Option<i64>, i64)> = Vec::new();
                if fund > 0 {
                    legs.push(("fund".into(), None, None, fund));
                }
                let own = rest.min(balance);
                if own > 0 {
                    legs.push(("own_account".into(), Some(member), None, own));
                    rest -= own;
                }
                if rest > 0 && !employee {
                    let mut payers: Vec<(i64, i64, i64)> = Vec::new();
                    for &(aid, auth) in aids_by_member.get(&member).map(Vec::as_slice).unwrap_or(&[]) {
                        let b: i64 = tx.query_row("SELECT balance_fen FROM person WHERE id = ?1", [auth], |r| r.get(0))?;
                        payers.push((b, aid, auth));
                    }
                    payers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                    for (b, aid, auth) in payers {
                        let pay = rest.min(b);
                        if pay > 0 {
                            legs.push(("family_aid".into(), Some(auth), Some(aid), pay));
                            rest -= pay;
                        }
                        if rest == 0 {
                            break;
                        }
                    }
                }
                if rest > 0 {
                    legs.push(("cash".into(), None, None, rest));
                }
                let at = Utc.from_utc_datetime(&day.and_hms_opt(1 + (i % 10) as u32, (i % 60) as u32, 0).unwrap_or_default());
                let month = format!("{:04}-{:02}", day.year(), day.month());
                crate::app::settle::write_settlement(
                    &tx,
                    &crate::app::settle::NewSettlement {
                        nonce: &format!("seed-{}-{}", seed, first_settlement + i as i64),
                        institution: *inst,
                        bill: &format!("S{}-{}", seed, first_settlement + i as i64),
                        member,
                        shown_by: member,
                        scenario: sc,
                        total,
                        fund,
                        deductible: share.deductible_fen,
                        ratio,
                        cross_region: cross,
                        emergency: false,
                        at: &time::to_db(at),
                        day: &day.to_string(),
                        month: &month,
                        stay: None,
                    },
                    &legs,
                )?;
            }
            self.progress("settlements", transactions as u64, transactions as u64);
            crate::access::audit::record(
                &tx,
                &now,
                "seed",
                "demo.seed_ledger",
                "ledger",
                None,
                None,
                None,
                Some(&serde_json::json!({ "families": families, "transactions": transactions, "seed": seed })),
            )?;
            tx.commit()?;
            Ok(SeedReport { families, persons: families * 5, settlements: transactions, first_holder: start_id + 1 })
        })();
        if sqlite {
            self.conn().execute_batch("PRAGMA synchronous=FULL")?;
        }
        result
    }
}
