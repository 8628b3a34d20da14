//! Institutions (定点医药机构) the counter settles at: added one by one,
//! or imported from a CSV list, all rows or none.

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::region::Region;
use crate::store::{Conn, OptionalExtension};
use crate::time;
use serde::{Deserialize, Serialize};

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

impl Qinqing {
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
}
