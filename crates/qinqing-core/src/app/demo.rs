//! A realistic demo family, so a new user opens a living app.
//!
//! The Zhang family: grandparents insured as residents in Hefei (Anhui) with
//! no smartphone, the parents employee-insured in Shanghai and Hangzhou, two
//! children on resident insurance in Shanghai (the younger born on a leap
//! day), and a neighbour whom the service centre helps.

use crate::access::authz::Act;
use crate::app::person::PersonInput;
use crate::app::service::Qinqing;
use crate::error::Result;
use crate::id::with_check_char;
use serde::Serialize;

struct DemoPerson {
    name: &'static str,
    /// First 17 digits; the check character is computed.
    id17: &'static str,
    insurance: &'static str,
    region: &'static str,
    status: &'static str,
    balance_fen: i64,
    voucher: bool,
}

const FAMILY: &[DemoPerson] = &[
    DemoPerson { name: "张建国", id17: "34010419510315031", insurance: "resident", region: "340104", status: "active", balance_fen: 8_640, voucher: false },
    DemoPerson { name: "李秀英", id17: "34010419530802042", insurance: "resident", region: "340104", status: "active", balance_fen: 0, voucher: false },
    DemoPerson { name: "张伟", id17: "34010419821108017", insurance: "employee", region: "310115", status: "active", balance_fen: 1_285_036, voucher: true },
    DemoPerson { name: "王芳", id17: "33010619850421026", insurance: "employee", region: "330106", status: "active", balance_fen: 632_000, voucher: true },
    DemoPerson { name: "张子涵", id17: "31011520140910013", insurance: "resident", region: "310115", status: "active", balance_fen: 0, voucher: true },
    DemoPerson { name: "张雨桐", id17: "31011520200229028", insurance: "resident", region: "310115", status: "active", balance_fen: 0, voucher: false },
    DemoPerson {
        name: "阿卜杜热合曼·买买提",
        id17: "65010219580630051",
        insurance: "resident",
        region: "650102",
        status: "lapsed",
        balance_fen: 2_150,
        voucher: false,
    },
];

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub created: Vec<i64>,
    pub already_present: usize,
    pub staff_created: bool,
    pub bindings_created: usize,
}

impl Qinqing {
    /// Whether demo data may go into this ledger (`qinqing-cli demo seed`
    /// asks first; `--force-demo` skips it): not into one on PostgreSQL (a
    /// centre's shared ledger), and not into one that has staff accounts of
    /// its own — the demo's people are not real and its staff password is
    /// published. A ledger that holds only the demo's own staff account (demo
    /// seed ran before) may be seeded again.
    pub fn demo_allowed(&self) -> Result<()> {
        if self.conn().backend() == crate::store::Backend::Postgresql {
            return Err(crate::Error::demo_refused("它在 PostgreSQL 上（服务中心的共享账本）", "it is on PostgreSQL (a service centre's shared ledger)"));
        }
        let others: i64 = self.conn().query_row("SELECT count(*) FROM staff WHERE name <> ?1", [DEMO_STAFF_NAME], |r| r.get(0))?;
        if others > 0 {
            return Err(crate::Error::demo_refused("它已有工作人员账号", "it already has staff accounts"));
        }
        Ok(())
    }

    /// Add the demo family. Running it again adds nobody twice.
    pub fn demo_seed(&mut self) -> Result<DemoReport> {
        self.permit(Act::Admin)?;
        let mut created = Vec::new();
        let mut already_present = 0;
        for d in FAMILY {
            let input = PersonInput {
                name: d.name.into(),
                resident_id: with_check_char(d.id17),
                insurance: d.insurance.into(),
                region: d.region.into(),
                status: Some(d.status.into()),
                balance_fen: Some(d.balance_fen),
                balance_yuan: None,
                disabled: false,
                voucher_activated: d.voucher,
            };
            match self.add_person(&input) {
                Ok(p) => created.push(p.id),
                Err(e) if e.code == crate::Code::PersonDuplicateId => already_present += 1,
                Err(e) => return Err(e),
            }
        }
        let (staff_created, bindings_created) = self.demo_family_account()?;
        self.demo_counter()?;
        Ok(DemoReport { created, already_present, staff_created, bindings_created })
    }

    /// A service-centre staff member and the Zhang family's 亲情账户: the son
    /// holds his elder child (active), his wife (waiting for review) and his
    /// younger child (a draft: the guardian has not activated her voucher).
    /// Added only to a ledger that has no staff and no bindings yet.
    fn demo_family_account(&mut self) -> Result<(bool, usize)> {
        let staff: i64 = self.conn().query_row("SELECT count(*) FROM staff", [], |r| r.get(0))?;
        let bindings: i64 = self.conn().query_row("SELECT count(*) FROM binding", [], |r| r.get(0))?;
        let staff_created = staff == 0;
        let sid = if staff_created { self.add_staff(DEMO_STAFF_NAME, "staff", DEMO_STAFF_PASSWORD, DEMO_STAFF_PASSWORD)?.id } else { self.list_staff()?[0].id };
        if bindings > 0 {
            return Ok((staff_created, 0));
        }
        let id_of = |q: &Qinqing, id17: &str| -> Result<i64> {
            q.conn().query_row("SELECT id FROM person WHERE resident_id = ?1", [with_check_char(id17)], |r| r.get(0))
        };
        let (wei, fang, zihan, yutong) =
            (id_of(self, FAMILY[2].id17)?, id_of(self, FAMILY[3].id17)?, id_of(self, FAMILY[4].id17)?, id_of(self, FAMILY[5].id17)?);
        let b = self.apply_binding(wei, zihan, "child")?;
        let d = self.add_sample_document(zihan, "birth_certificate", "出生医学证明（示例）")?;
        self.attach_document(b.id, d.id)?;
        self.sign_letter(b.id)?;
        self.submit_binding(b.id)?;
        self.approve_binding(b.id, sid)?;

        let b = self.apply_binding(wei, fang, "spouse")?;
        for kind in ["household_register", "proof_of_insurance"] {
            let d = self.add_sample_document(fang, kind, "")?;
            self.attach_document(b.id, d.id)?;
        }
        let face = self.add_sample_document(fang, "face_capture", "柜台拍摄（示例）")?;
        self.verify_face_by_evidence(b.id, face.id)?;
        self.sign_letter(b.id)?;
        self.submit_binding(b.id)?;

        self.apply_binding(wei, yutong, "child")?;
        Ok((staff_created, 3))
    }
}

impl Qinqing {
    /// Institutions, 家庭共济 and a cross-region filing, added once.
    fn demo_counter(&mut self) -> Result<()> {
        if self.list_institutions()?.is_empty() {
            self.import_institutions(DEMO_INSTITUTIONS)?;
        }
        if self.list_aid(&Default::default())?.is_empty() {
            let id_of = |q: &Qinqing, id17: &str| -> Result<i64> {
                q.conn().query_row("SELECT id FROM person WHERE resident_id = ?1", [with_check_char(id17)], |r| r.get(0))
            };
            let (wei, fang, zihan, grandpa) =
                (id_of(self, FAMILY[2].id17)?, id_of(self, FAMILY[3].id17)?, id_of(self, FAMILY[4].id17)?, id_of(self, FAMILY[0].id17)?);
            // The parents passed their own face check at the service centre.
            let staff = self.list_staff()?.first().map(|s| s.id).ok_or_else(|| crate::Error::internal("demo staff"))?;
            self.verify_face_in_person(wei, staff)?;
            self.verify_face_in_person(fang, staff)?;
            // Everyone in the demo family pays with the same demo payment password.
            for p in FAMILY {
                let id = id_of(self, p.id17)?;
                self.set_pay_password(id, DEMO_PAY_PASSWORD, DEMO_PAY_PASSWORD)?;
            }
            self.authorize_aid(wei, zihan, "child", Some(100_000))?;
            self.authorize_aid(fang, zihan, "child", None)?;
            self.authorize_aid(wei, grandpa, "parent", Some(50_000))?;
            let today = self.today();
            let end = today + chrono::Days::new(180);
            self.add_filing(grandpa, "310000", &today.to_string(), &end.to_string())?;
            self.demo_history(wei, zihan)?;
        }
        Ok(())
    }

    /// A year of 张子涵's bills, each settled through the real code path with
    /// a code his father showed: clinic visits, pharmacy, one hospital stay,
    /// and — recently — an unusually large bill and a first visit in Hefei, so
    /// the dashboard has something to point out.
    fn demo_history(&mut self, holder: i64, kid: i64) -> Result<()> {
        use chrono::TimeZone;
        let clock = self.clock();
        let now = self.now();
        let inst = |q: &Qinqing, name: &str| -> Result<i64> { q.conn().query_row("SELECT id FROM institution WHERE name = ?1", [name], |r| r.get(0)) };
        let (hospital, clinic, pharmacy, online, hefei) = (
            inst(self, "上海市浦东新区人民医院")?,
            inst(self, "浦东新区花木社区卫生服务中心")?,
            inst(self, "老百姓大药房（浦东张杨路店）")?,
            inst(self, "益丰大药房网上药店")?,
            inst(self, "合肥市第一人民医院")?,
        );
        let today = self.today();
        self.add_filing(kid, "340100", &(today - chrono::Days::new(10)).to_string(), &(today + chrono::Days::new(60)).to_string())?;
        // (days ago, institution, scenario, total fen)
        let mut bills: Vec<(u64, i64, &str, i64)> = Vec::new();
        for m in 0..12u64 {
            let base = 20 + m * 29;
            bills.push((base, clinic, "outpatient", 8_600 + (m as i64 % 4) * 1_250));
            bills.push((base + 9, pharmacy, "pharmacy", 4_380 + (m as i64 % 3) * 990));
            if m % 3 == 0 {
                bills.push((base + 15, online, "online_pharmacy", 12_900));
            }
        }
        bills.push((200, hospital, "inpatient", 1_268_000));
        bills.push((4, hospital, "outpatient", 96_800));
        bills.push((2, hefei, "outpatient", 15_600));
        bills.sort_by_key(|b| std::cmp::Reverse(b.0));
        let result = (|| -> Result<()> {
            for (i, (ago, institution, scenario, total)) in bills.into_iter().enumerate() {
                let at = now - chrono::Duration::days(ago as i64);
                let at = chrono::Utc.from_utc_datetime(&at.date_naive().and_hms_opt(2 + (i % 6) as u32, 10, 0).unwrap_or_default());
                self.set_clock(std::sync::Arc::new(crate::time::FixedClock(at)));
                let token = self.issue_qr(kid, Some(holder))?.token;
                // Inpatient: the code opens the stay at admission; discharge settles it.
                let stay = if scenario == "inpatient" {
                    Some(
                        self.admit(&crate::app::settle::AdmitRequest {
                            token: token.clone(),
                            institution,
                            admission_no: format!("DEMO-ZY-{i:03}"),
                            pay_password: Some(DEMO_PAY_PASSWORD.into()),
                            id_face_checked: true,
                            ..Default::default()
                        })?
                        .id,
                    )
                } else {
                    None
                };
                self.settle(&crate::app::settle::SettleRequest {
                    token: if stay.is_some() { String::new() } else { token },
                    institution,
                    scenario: scenario.into(),
                    total_fen: total,
                    bill_id: format!("DEMO-{i:03}"),
                    stay,
                    pay_password: Some(DEMO_PAY_PASSWORD.into()),
                    ..Default::default()
                })?;
            }
            Ok(())
        })();
        self.set_clock(clock);
        result
    }
}

/// A realistic demo set of institutions (name, region, designated, networked).
pub const DEMO_INSTITUTIONS: &str = "name,region,designated,networked
上海市浦东新区人民医院,310115,是,是
浦东新区花木社区卫生服务中心,310115,是,否
老百姓大药房（浦东张杨路店）,310115,是,否
益丰大药房网上药店,310115,是,否
复旦大学附属华山医院,310106,是,是
合肥市第一人民医院,340104,是,是
杭州市西溪医院,330106,是,是
乌鲁木齐市第一人民医院,650102,是,是
仁和医疗美容诊所,310115,否,否
";

/// The demo ledger's staff member and password (the demo database only).
pub const DEMO_STAFF_NAME: &str = "陈主任";
/// The demo family's payment password (typed at the counter to confirm a payment).
pub const DEMO_PAY_PASSWORD: &str = "246810";
pub const DEMO_STAFF_PASSWORD: &str = "demo-staff-2026";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::FixedClock;
    use chrono::{TimeZone, Utc};
    use std::sync::Arc;

    #[test]
    fn demo_data_only_into_a_demo_ledger() {
        let mut q = crate::Qinqing::in_memory(std::sync::Arc::new(crate::time::FixedClock::at("2026-03-01T02:00:00Z"))).unwrap();
        if q.conn().backend() == crate::store::Backend::Postgresql {
            assert_eq!(q.demo_allowed().unwrap_err().code, crate::Code::DemoRefused);
            return;
        }
        q.demo_allowed().unwrap();
        q.demo_seed().unwrap();
        q.demo_allowed().expect("the demo's own staff account does not count");
        q.add_staff("小李", "staff", "clerk-password-1", "clerk-password-1").unwrap();
        assert_eq!(q.demo_allowed().unwrap_err().code, crate::Code::DemoRefused);
    }

    #[test]
    fn seed_is_valid_and_idempotent() {
        let clock = FixedClock(Utc.with_ymd_and_hms(2026, 11, 22, 4, 0, 0).unwrap());
        let mut q = Qinqing::in_memory(Arc::new(clock)).unwrap();
        let r = q.demo_seed().unwrap();
        assert_eq!(r.created.len(), FAMILY.len());
        let r2 = q.demo_seed().unwrap();
        assert!(r2.created.is_empty());
        assert_eq!(r2.already_present, FAMILY.len());
        assert_eq!(r.bindings_created, 3);
        assert_eq!(r2.bindings_created, 0);
        assert!(!r2.staff_created);
        let statuses: Vec<_> = q.list_bindings(&Default::default()).unwrap().iter().map(|b| b.status.as_str()).collect();
        assert_eq!(statuses, vec!["draft", "submitted", "active"]);
        let people = q.list_persons(&Default::default()).unwrap();
        assert_eq!(people.len(), FAMILY.len());
        // Three generations, both insurance types, several provinces.
        assert!(people.iter().any(|p| p.age >= 70));
        assert!(people.iter().any(|p| p.age < 16));
        assert!(people.iter().any(|p| p.insurance == crate::Insurance::Employee));
        assert!(people.iter().any(|p| p.insurance == crate::Insurance::Resident));
        let provinces: std::collections::BTreeSet<_> = people.iter().map(|p| p.region.province_code.clone()).collect();
        assert!(provinces.len() >= 3);
    }
}
