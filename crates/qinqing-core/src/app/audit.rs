//! The facade's side of [`crate::access::audit`]: the operations on the handle.

use crate::access::audit::*;
use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::Result;
use crate::params;
use crate::time;

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
