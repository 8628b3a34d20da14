//! What one installation of the desktop app is (issue 15), chosen at set-up
//! and kept in the database — never a toggle of the page:
//!
//! - **household** — a family's computer: one holder's family (the holder and
//!   the relatives bound to them). Its first run asks who the holder is (name
//!   and resident ID, checked against the register); after that only the
//!   operator (`qinqing-cli device role …`) can change it.
//! - **terminal** — the counter of one designated institution: the counter
//!   screen only.
//! - **demo** — the all-in-one trial (`scripts/run-demo.sh`): every screen,
//!   acting as the local operator; staff acts still need a staff log-in.
//! - a **kiosk** (`--kiosk` or the `kiosk_mode` setting) ignores the role:
//!   nobody until staff log in, then staff, or staff serving one resident.
//! - unset — a fresh family installation: only the set-up step.

use crate::access::authz::{Act, Actor};
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::id::ResidentId;
use crate::params;
use crate::store::OptionalExtension;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Installation {
    Unset,
    Demo,
    Household { holder: i64 },
    Terminal { institution: i64 },
}

impl Installation {
    fn to_text(&self) -> String {
        match self {
            Installation::Unset => String::new(),
            Installation::Demo => "demo".into(),
            Installation::Household { holder } => format!("household:{holder}"),
            Installation::Terminal { institution } => format!("terminal:{institution}"),
        }
    }

    fn from_text(s: &str) -> Installation {
        let (kind, id) = s.split_once(':').unwrap_or((s, ""));
        match (kind, id.parse::<i64>()) {
            ("demo", _) => Installation::Demo,
            ("household", Ok(holder)) => Installation::Household { holder },
            ("terminal", Ok(institution)) => Installation::Terminal { institution },
            _ => Installation::Unset,
        }
    }

    /// Who the page acts as on a non-kiosk installation.
    pub fn actor(&self) -> Actor {
        match self {
            Installation::Unset => Actor::Nobody,
            Installation::Demo => Actor::Operator,
            Installation::Household { holder } => Actor::Household { holder: *holder },
            Installation::Terminal { institution } => Actor::Terminal { institution: *institution },
        }
    }
}

const KEY: &str = "install_role";

impl Qinqing {
    pub fn installation(&self) -> Result<Installation> {
        let v: Option<String> = self.conn().query_row("SELECT value FROM setting WHERE key = ?1", [KEY], |r| r.get(0)).optional()?;
        Ok(v.map(|s| Installation::from_text(&s)).unwrap_or(Installation::Unset))
    }

    fn write_installation(&mut self, i: &Installation) -> Result<()> {
        crate::store::retry(|| self.write_installation_once(i))
    }

    fn write_installation_once(&mut self, i: &Installation) -> Result<()> {
        let now = crate::time::to_db(self.now());
        let actor = self.actor();
        let before = self.installation()?;
        let tx = self.conn().begin()?;
        tx.execute("INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params![KEY, i.to_text()])?;
        crate::access::audit::record(
            &tx,
            &now,
            &actor,
            "installation.set",
            "installation",
            None,
            None,
            Some(&serde_json::json!(before)),
            Some(&serde_json::json!(i)),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Set the installation's role (the operator or an administrator).
    pub fn set_installation(&mut self, i: Installation) -> Result<Installation> {
        self.permit(Act::Admin)?;
        match &i {
            Installation::Household { holder } => {
                crate::app::person::load(self.conn(), *holder)?;
            }
            Installation::Terminal { institution } => {
                let found: Option<i64> = self.conn().query_row("SELECT id FROM institution WHERE id = ?1", [institution], |r| r.get(0)).optional()?;
                found.ok_or_else(|| Error::institution_not_found(*institution))?;
            }
            _ => {}
        }
        self.write_installation(&i)?;
        Ok(i)
    }

    /// A fresh family installation's first run: the holder says who they are
    /// (name and resident ID as registered, e-voucher activated). Only while
    /// the installation is unset; afterwards the page cannot reach it.
    pub fn setup_household(&mut self, name: &str, resident_id: &str) -> Result<Installation> {
        if self.installation()? != Installation::Unset {
            return Err(Error::forbidden());
        }
        let rid = ResidentId::parse(resident_id, self.today())?;
        let found: Option<(i64, String, i64)> = self
            .conn()
            .query_row("SELECT id, name, voucher_activated FROM person WHERE resident_id = ?1", [rid.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((id, registered, voucher)) = found else { return Err(Error::member_not_registered(&rid.masked())) };
        if registered != name.trim() {
            return Err(Error::member_id_mismatch());
        }
        if voucher != 1 {
            return Err(Error::member_voucher_not_activated());
        }
        let i = Installation::Household { holder: id };
        self.write_installation(&i)?;
        Ok(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_text_is_unset() {
        for i in [Installation::Demo, Installation::Household { holder: 3 }, Installation::Terminal { institution: 2 }, Installation::Unset] {
            assert_eq!(Installation::from_text(&i.to_text()), i);
        }
        assert_eq!(Installation::from_text("household:x"), Installation::Unset);
        assert_eq!(Installation::from_text("root"), Installation::Unset);
    }
}
