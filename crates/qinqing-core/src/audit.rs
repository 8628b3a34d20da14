//! The audit trail: every change is recorded (who, when, what, before/after).
//! Entries are append-only; triggers in the schema refuse UPDATE and DELETE.

use crate::authz::Act;
use crate::error::Result;
use crate::params;
use crate::service::Qinqing;
use crate::store::Conn;
use crate::time;
use serde::{Deserialize, Serialize};

#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    conn: &Conn,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    person_id: Option<i64>,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit (at, actor, action, entity, entity_id, person_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![at, actor, action, entity, entity_id, person_id, before.map(|v| v.to_string()), after.map(|v| v.to_string())])?;
    Ok(())
}

/// A message into a person's record (the outbox: the stand-in for an SMS
/// to their phone), in the same transaction as what it tells of.
pub(crate) fn notify(conn: &Conn, person: i64, zh: &str, en: &str, at: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO outbox (person_id, channel, body_zh, body_en, created_at) VALUES (?1, 'sms', ?2, ?3, ?4)")?
        .execute(params![person, zh, en, at])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub at_local: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub person_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AuditQuery {
    pub person_id: Option<i64>,
    /// Only entries at or after this China date (YYYY-MM-DD).
    pub since: Option<String>,
    pub limit: Option<u32>,
}

impl Qinqing {
    /// Newest first.
    pub fn audit_list(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.permit(Act::AuditRead { person: q.person_id })?;
        let limit = i64::from(q.limit.unwrap_or(200).min(10_000));
        // A China date starts at 16:00 UTC the day before.
        let since = match q.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(d) => {
                let day = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| crate::Error::date_invalid(d))?;
                let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_local_timezone(time::china()).single();
                start.map(|t| time::to_db(t.with_timezone(&chrono::Utc)))
            }
            None => None,
        };
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, at, actor, action, entity, entity_id, person_id, before, after FROM audit
             WHERE (person_id = ?1 OR ?1 IS NULL) AND (at >= ?3 OR ?3 IS NULL) ORDER BY id DESC LIMIT ?2",
        )?;
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let rows = stmt.query_map(params![q.person_id, limit, since], |r| {
            let at: String = r.get(1)?;
            Ok(AuditEntry {
                id: r.get(0)?,
                at_local: time::from_db(&at).map(time::display_china).unwrap_or_default(),
                at,
                actor: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_id: r.get(5)?,
                person_id: r.get(6)?,
                before: parse(r.get(7)?),
                after: parse(r.get(8)?),
            })
        })?;
        rows.collect::<crate::error::Result<Vec<_>>>()
    }
}
