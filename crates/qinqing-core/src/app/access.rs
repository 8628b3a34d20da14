//! The facade's side of [`crate::access::authz`]: the operations on the handle.

use crate::access::authz::*;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use std::collections::BTreeSet;

impl Qinqing {
    /// Decide `act` for this handle's actor; a refusal is logged (outside
    /// the ledger's data: the `access_denied` table) and returned.
    pub fn permit(&self, act: Act) -> Result<()> {
        match decide(self.conn(), self.actor_ref(), &act, self.today()) {
            Ok(()) => Ok(()),
            Err(e) if e.code == crate::Code::Internal => Err(e),
            Err(e) => {
                let now = crate::time::to_db(self.now());
                let _ = self.conn().execute(
                    "INSERT INTO access_denied (at, actor, act, code) VALUES (?1, ?2, ?3, ?4)",
                    params![now, self.actor_ref().audit_name(), serde_json::to_string(&act).unwrap_or_default(), e.code.as_str()],
                );
                Err(e)
            }
        }
    }

    /// The persons this actor may see, or `None` for everyone.
    pub fn visible_persons(&self) -> Result<Option<BTreeSet<i64>>> {
        match self.actor_ref() {
            Actor::Operator | Actor::Staff { .. } => Ok(None),
            Actor::Household { holder } => Ok(Some(family_of(self.conn(), *holder)?)),
            Actor::Serving { resident, .. } => Ok(Some(family_of(self.conn(), *resident)?)),
            Actor::Terminal { .. } => Ok(Some(BTreeSet::new())),
            Actor::Nobody => Err(Error::not_logged_in()),
        }
    }

    /// The refused requests, newest first (administrators).
    pub fn denied_list(&self, limit: u32) -> Result<Vec<Denied>> {
        self.permit(Act::Admin)?;
        let mut stmt = self.conn().prepare("SELECT id, at, actor, act, code FROM access_denied ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit.min(10_000)], |r| {
            let at: String = r.get(1)?;
            let act: String = r.get(3)?;
            Ok(Denied {
                id: r.get(0)?,
                at_local: crate::time::from_db(&at).map(crate::time::display_china).unwrap_or_default(),
                actor: r.get(2)?,
                act: serde_json::from_str(&act).unwrap_or(serde_json::Value::Null),
                code: r.get(4)?,
            })
        })?;
        rows.collect::<crate::error::Result<Vec<_>>>()
    }
}
