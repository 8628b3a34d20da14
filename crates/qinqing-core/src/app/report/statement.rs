//! A member's annual statement: the year's bills by month and
//! institution, who paid (fund, own account, 家庭共济, cash), and the
//! 家庭共济 payers by name.

use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::Result;
use crate::money::format_fen;
use crate::params;
use crate::time;

impl Qinqing {
    /// The annual statement of one member: by month and institution, who paid.
    pub fn annual_statement(&self, member: i64, year: i32) -> Result<serde_json::Value> {
        self.permit(Act::FamilyRead { person: member })?;
        let p = crate::app::person::load(self.conn(), member)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT substr(s.china_date, 1, 7), i.name, count(DISTINCT s.id),
                    sum(CASE WHEN l.source = 'fund' THEN l.amount_fen ELSE 0 END),
                    sum(CASE WHEN l.source = 'own_account' THEN l.amount_fen ELSE 0 END),
                    sum(CASE WHEN l.source = 'family_aid' THEN l.amount_fen ELSE 0 END),
                    sum(CASE WHEN l.source = 'cash' THEN l.amount_fen ELSE 0 END),
                    sum(l.amount_fen)
             FROM settlement s JOIN settlement_leg l ON l.settlement_id = s.id JOIN institution i ON i.id = s.institution_id
             WHERE s.member_id = ?1 AND s.china_date BETWEEN ?2 AND ?3 GROUP BY 1, 2 ORDER BY 1, 2",
        )?;
        let mut rows = Vec::new();
        let mut totals = [0i64; 5];
        for r in stmt.query_map(params![member, format!("{year:04}-01-01"), format!("{year:04}-12-31")], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, [r.get::<_, i64>(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?]))
        })? {
            let (month, inst, bills, a) = r?;
            for k in 0..5 {
                totals[k] += a[k];
            }
            rows.push(serde_json::json!({ "month": month, "institution": inst, "bills": bills,
                "fund": a[0], "own_account": a[1], "family_aid": a[2], "cash": a[3], "total": a[4],
                "display": { "fund": format_fen(a[0]), "own_account": format_fen(a[1]), "family_aid": format_fen(a[2]), "cash": format_fen(a[3]), "total": format_fen(a[4]) } }));
        }
        // Who paid through family aid, by authorizer.
        let mut by_auth = self.conn().prepare_cached(
            "SELECT p.name, sum(l.amount_fen) FROM settlement s JOIN settlement_leg l ON l.settlement_id = s.id JOIN person p ON p.id = l.person_id
             WHERE s.member_id = ?1 AND s.china_date BETWEEN ?2 AND ?3 AND l.source = 'family_aid' GROUP BY p.id ORDER BY 2 DESC",
        )?;
        let payers: Vec<serde_json::Value> = by_auth
            .query_map(params![member, format!("{year:04}-01-01"), format!("{year:04}-12-31")], |r| {
                let amount: i64 = r.get(1)?;
                Ok(serde_json::json!({ "name": r.get::<_, String>(0)?, "amount": amount, "display": format_fen(amount) }))
            })?
            .collect::<crate::error::Result<_>>()?;
        Ok(serde_json::json!({
            "member": { "id": p.id, "name": p.name, "resident_id_masked": p.rid.masked(), "insurance": p.insurance.as_str(), "region": p.region.code },
            "year": year,
            "rows": rows,
            "family_aid_by_payer": payers,
            "totals": { "fund": totals[0], "own_account": totals[1], "family_aid": totals[2], "cash": totals[3], "total": totals[4],
                "display": { "fund": format_fen(totals[0]), "own_account": format_fen(totals[1]), "family_aid": format_fen(totals[2]), "cash": format_fen(totals[3]), "total": format_fen(totals[4]) } },
            "generated_at": time::display_china(self.now()),
        }))
    }
}
