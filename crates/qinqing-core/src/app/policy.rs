//! Relations a holder may bind, and the regional policy that allows them.
//!
//! The allowed set is data (table `region_policy`, keyed by a region-code
//! prefix; the longest prefix of the holder's insured region wins, `''` is the
//! national default of spouse, parent, child), not code.

use crate::access::authz::Act;
use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, OptionalExtension};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Spouse,
    Parent,
    Child,
    ParentInLaw,
    Grandparent,
    Grandchild,
    Sibling,
}

/// Which way the birth dates must go for a relation to be plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seniority {
    /// The member must be born before the holder.
    Older,
    /// The member must be born after the holder.
    Younger,
    /// Nothing the IDs can tell.
    Any,
}

impl Relation {
    pub const ALL: [Relation; 7] =
        [Relation::Spouse, Relation::Parent, Relation::Child, Relation::ParentInLaw, Relation::Grandparent, Relation::Grandchild, Relation::Sibling];

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Spouse => "spouse",
            Relation::Parent => "parent",
            Relation::Child => "child",
            Relation::ParentInLaw => "parent_in_law",
            Relation::Grandparent => "grandparent",
            Relation::Grandchild => "grandchild",
            Relation::Sibling => "sibling",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Relation::Spouse => "配偶",
            Relation::Parent => "父母",
            Relation::Child => "子女",
            Relation::ParentInLaw => "公婆/岳父母",
            Relation::Grandparent => "祖父母/外祖父母",
            Relation::Grandchild => "孙子女/外孙子女",
            Relation::Sibling => "兄弟姐妹",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Relation::Spouse => "spouse",
            Relation::Parent => "parent",
            Relation::Child => "child",
            Relation::ParentInLaw => "parent-in-law",
            Relation::Grandparent => "grandparent",
            Relation::Grandchild => "grandchild",
            Relation::Sibling => "sibling",
        }
    }
    pub fn seniority(self) -> Seniority {
        match self {
            Relation::Parent | Relation::ParentInLaw | Relation::Grandparent => Seniority::Older,
            Relation::Child | Relation::Grandchild => Seniority::Younger,
            Relation::Spouse | Relation::Sibling => Seniority::Any,
        }
    }
    pub fn parse(raw: &str) -> Result<Relation> {
        let t = raw.trim();
        Relation::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(t) || r.zh() == t).ok_or_else(|| Error::relation_invalid(raw))
    }
}

/// The policy that applies to a region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionPolicy {
    /// The matching prefix (`""` for the national default).
    pub region_prefix: String,
    pub relations: Vec<Relation>,
    pub note: String,
    /// 代缴: how many relatives one payer may pay premiums for per year.
    pub premium_max_relatives: i64,
}

fn parse_relations(json: &str) -> crate::error::Result<Vec<Relation>> {
    let keys: Vec<String> = serde_json::from_str(json).map_err(|e| crate::error::Error::internal(format!("stored relations are not valid: {e}")))?;
    Ok(keys.iter().filter_map(|k| Relation::parse(k).ok()).collect())
}

/// The policy for an insured region code: longest matching prefix wins.
pub fn policy_for(conn: &Conn, region: &str) -> Result<RegionPolicy> {
    for len in [6usize, 4, 2, 0] {
        if region.len() < len {
            continue;
        }
        let prefix = &region[..len];
        let row = conn
            .query_row("SELECT region_prefix, relations, note, premium_max_relatives FROM region_policy WHERE region_prefix = ?1", [prefix], |r| {
                Ok((r.get::<_, String>(0)?, parse_relations(&r.get::<_, String>(1)?)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
            })
            .optional()?;
        if let Some((region_prefix, relations, note, premium_max_relatives)) = row {
            return Ok(RegionPolicy { region_prefix, relations, note, premium_max_relatives });
        }
    }
    // The default row is created by the migration; without it, be strict.
    Ok(RegionPolicy {
        region_prefix: String::new(),
        relations: vec![Relation::Spouse, Relation::Parent, Relation::Child],
        note: String::new(),
        premium_max_relatives: 3,
    })
}

pub fn list_policies(conn: &Conn) -> Result<Vec<RegionPolicy>> {
    let mut stmt = conn.prepare("SELECT region_prefix, relations, note, premium_max_relatives FROM region_policy ORDER BY region_prefix")?;
    let rows = stmt.query_map([], |r| {
        Ok(RegionPolicy { region_prefix: r.get(0)?, relations: parse_relations(&r.get::<_, String>(1)?)?, note: r.get(2)?, premium_max_relatives: r.get(3)? })
    })?;
    rows.collect::<crate::error::Result<Vec<_>>>()
}

/// Set (replace) the allowed relations for a region prefix.
pub fn set_policy(conn: &Conn, prefix: &str, relations: &[Relation], note: &str) -> Result<()> {
    set_policy_full(conn, prefix, relations, note, None)
}

/// As [`set_policy`], also setting the 代缴 limit (1–10 relatives; `None`:
/// keep the stored one, or the default 3 for a new prefix).
pub fn set_policy_full(conn: &Conn, prefix: &str, relations: &[Relation], note: &str, premium_max: Option<i64>) -> Result<()> {
    if let Some(m) = premium_max {
        if !(1..=10).contains(&m) {
            return Err(Error::setting_out_of_range("premium_max_relatives", 1, 10));
        }
    }
    if !(prefix.is_empty() || (matches!(prefix.len(), 2 | 4 | 6) && prefix.bytes().all(|b| b.is_ascii_digit()))) {
        return Err(Error::region_invalid(prefix));
    }
    let keys: Vec<&str> = relations.iter().map(|r| r.as_str()).collect();
    conn.execute(
        "INSERT INTO region_policy (region_prefix, relations, note, premium_max_relatives) VALUES (?1, ?2, ?3, coalesce(?4, 3))
         ON CONFLICT (region_prefix) DO UPDATE SET relations = excluded.relations, note = excluded.note,
             premium_max_relatives = coalesce(?4, region_policy.premium_max_relatives)",
        params![prefix, serde_json::to_string(&keys).unwrap_or_default(), note, premium_max],
    )?;
    Ok(())
}

pub fn join_zh(rs: &[Relation]) -> String {
    rs.iter().map(|r| r.zh()).collect::<Vec<_>>().join("、")
}
pub fn join_en(rs: &[Relation]) -> String {
    rs.iter().map(|r| r.en()).collect::<Vec<_>>().join(", ")
}

impl crate::Qinqing {
    pub fn region_policies(&self) -> Result<Vec<RegionPolicy>> {
        // Reference data: any actor may read it (the permission table's Reference row).
        self.permit(crate::access::authz::Act::Reference)?;
        list_policies(self.conn())
    }

    /// Replace the relations a region allows (recorded in the audit trail).
    pub fn set_region_policy(&mut self, prefix: &str, relations: &[Relation], note: &str) -> Result<RegionPolicy> {
        self.set_region_policy_full(prefix, relations, note, None)
    }

    pub fn set_region_policy_full(&mut self, prefix: &str, relations: &[Relation], note: &str, premium_max: Option<i64>) -> Result<RegionPolicy> {
        crate::store::retry(|| self.set_region_policy_full_once(prefix, relations, note, premium_max))
    }

    fn set_region_policy_full_once(&mut self, prefix: &str, relations: &[Relation], note: &str, premium_max: Option<i64>) -> Result<RegionPolicy> {
        self.permit(Act::Admin)?;
        let now = crate::time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let before = list_policies(&tx)?.into_iter().find(|p| p.region_prefix == prefix);
        set_policy_full(&tx, prefix, relations, note, premium_max)?;
        let after = policy_for(&tx, &format!("{prefix:0<6}"))?;
        let snap = |p: &RegionPolicy| serde_json::json!({ "prefix": p.region_prefix, "relations": p.relations, "note": p.note, "premium_max_relatives": p.premium_max_relatives });
        crate::access::audit::record(&tx, &now, &actor, "policy.set", "region_policy", None, None, before.as_ref().map(snap).as_ref(), Some(&snap(&after)))?;
        tx.commit()?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keys_and_chinese() {
        assert_eq!(Relation::parse("parent").unwrap(), Relation::Parent);
        assert_eq!(Relation::parse(" Child ").unwrap(), Relation::Child);
        assert_eq!(Relation::parse("配偶").unwrap(), Relation::Spouse);
        assert_eq!(Relation::parse("cousin").unwrap_err().code, crate::Code::RelationInvalid);
    }

    #[test]
    fn longest_prefix_wins_and_default_applies() {
        let conn = crate::store::sqlite::open_in_memory().unwrap();
        let national = policy_for(&conn, "110105").unwrap();
        assert_eq!(national.region_prefix, "");
        assert_eq!(national.relations, vec![Relation::Spouse, Relation::Parent, Relation::Child]);
        let sh = policy_for(&conn, "310115").unwrap();
        assert_eq!(sh.region_prefix, "31");
        assert!(sh.relations.contains(&Relation::Grandparent));
        set_policy(&conn, "310115", &[Relation::Spouse], "浦东试点").unwrap();
        assert_eq!(policy_for(&conn, "310115").unwrap().relations, vec![Relation::Spouse]);
        assert_eq!(policy_for(&conn, "310104").unwrap().region_prefix, "31");
        assert_eq!(set_policy(&conn, "3a", &[], "").unwrap_err().code, crate::Code::RegionInvalid);
    }
}

/// The youngest a holder may be (DOMAIN §2 "Plausible relations").
pub const HOLDER_MIN_AGE: i32 = 18;
/// The fewest years a parent is older than their child.
pub const PARENT_MIN_GAP: i32 = 15;

/// Legal marriage age (民法典 art. 1047), by the gender the ID number says.
pub fn marriage_age(g: crate::id::Gender) -> i32 {
    match g {
        crate::id::Gender::Male => 22,
        crate::id::Gender::Female => 20,
    }
}

/// One side of a relation, as its ID number tells it.
#[derive(Debug, Clone, Copy)]
pub struct Side {
    pub birth: chrono::NaiveDate,
    pub gender: crate::id::Gender,
}

impl From<&crate::id::ResidentId> for Side {
    fn from(r: &crate::id::ResidentId) -> Side {
        Side { birth: r.birth_date(), gender: r.gender() }
    }
}

/// Whether `relation` is plausible between `of` (the holder, or the
/// authorizer) and `member` on `on` (DOMAIN §2, a product decision from
/// general law): spouses are both of legal marriage age; a parent is at
/// least [`PARENT_MIN_GAP`] years older than the child, a grandparent twice
/// that. (Which way the birth dates go is [`Relation::seniority`]'s.) Anything
/// else is refused with a message that says which; a real exception goes
/// through staff with a relationship notarization.
pub fn plausible(relation: Relation, of: Side, member: Side, on: chrono::NaiveDate) -> crate::error::Result<()> {
    use crate::error::Error;
    use crate::time::age_on;
    // Whole years from the elder's birth to the younger's.
    let gap = |elder: chrono::NaiveDate, younger: chrono::NaiveDate| if elder < younger { age_on(elder, younger) } else { -age_on(younger, elder) };
    match relation {
        Relation::Spouse => {
            for (side, zh, en) in [(member, "该家人", "This relative"), (of, "绑定人", "The holder")] {
                let min = marriage_age(side.gender);
                if age_on(side.birth, on) < min {
                    return Err(Error::spouse_under_age(min, side.gender == crate::id::Gender::Female, zh, en));
                }
            }
        }
        Relation::Parent if gap(member.birth, of.birth) < PARENT_MIN_GAP => return Err(Error::parent_age_gap(PARENT_MIN_GAP, relation.zh(), relation.en())),
        Relation::Child if gap(of.birth, member.birth) < PARENT_MIN_GAP => return Err(Error::parent_age_gap(PARENT_MIN_GAP, relation.zh(), relation.en())),
        Relation::Grandparent if gap(member.birth, of.birth) < 2 * PARENT_MIN_GAP => {
            return Err(Error::parent_age_gap(2 * PARENT_MIN_GAP, relation.zh(), relation.en()))
        }
        Relation::Grandchild if gap(of.birth, member.birth) < 2 * PARENT_MIN_GAP => {
            return Err(Error::parent_age_gap(2 * PARENT_MIN_GAP, relation.zh(), relation.en()))
        }
        _ => {}
    }
    Ok(())
}
