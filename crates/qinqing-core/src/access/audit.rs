//! The audit trail: every change is recorded (who, when, what, before/after).
//! Entries are append-only; triggers in the schema refuse UPDATE and DELETE.

use crate::error::Result;
use crate::params;
use crate::store::Conn;
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
