//! 家庭共济: a relation's states and the changes between them (DOMAIN §3),
//! decided here without a store — the facade loads the stored status, asks
//! [`AidChange::apply`], and writes what it says.

use crate::error::{Error, Result};

/// Where a relation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AidStatus {
    /// Pays, within its caps.
    Active,
    /// Paused by either side; the authorizer resumes it.
    Frozen,
    /// Ended for good.
    Revoked,
}

impl AidStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AidStatus::Active => "active",
            AidStatus::Frozen => "frozen",
            AidStatus::Revoked => "revoked",
        }
    }

    /// A stored status (the ledger's CHECK allows only these three).
    pub fn parse(raw: &str) -> Result<AidStatus> {
        match raw {
            "active" => Ok(AidStatus::Active),
            "frozen" => Ok(AidStatus::Frozen),
            "revoked" => Ok(AidStatus::Revoked),
            other => Err(Error::internal(format!("a relation's stored status: {other}"))),
        }
    }
}

/// A change to an existing relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AidChange {
    /// Set (or with `None` clear) the monthly cap.
    Cap(Option<i64>),
    Freeze,
    Unfreeze,
    Revoke,
}

impl AidChange {
    /// The audit trail's name for it.
    pub fn action(self) -> &'static str {
        match self {
            AidChange::Cap(_) => "aid.cap",
            AidChange::Freeze => "aid.freeze",
            AidChange::Unfreeze => "aid.unfreeze",
            AidChange::Revoke => "aid.revoke",
        }
    }

    /// The status after the change and, for a cap, the new cap; or
    /// `AID_WRONG_STATE` where the change does not apply (freezing what is
    /// not active, resuming what is not frozen, anything on a revoked one).
    pub fn apply(self, from: AidStatus) -> Result<(AidStatus, Option<Option<i64>>)> {
        use AidStatus::{Active, Frozen, Revoked};
        match (self, from) {
            (AidChange::Cap(cap), Active | Frozen) => Ok((from, Some(cap))),
            (AidChange::Freeze, Active) => Ok((Frozen, None)),
            (AidChange::Unfreeze, Frozen) => Ok((Active, None)),
            (AidChange::Revoke, Active | Frozen) => Ok((Revoked, None)),
            (_, s) => Err(Error::aid_wrong_state(s.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AidStatus::{Active, Frozen, Revoked};

    #[test]
    fn each_change_from_each_state() {
        let ok = |c: AidChange, s| c.apply(s).map(|(to, _)| to).ok();
        assert_eq!(ok(AidChange::Freeze, Active), Some(Frozen));
        assert_eq!(ok(AidChange::Freeze, Frozen), None);
        assert_eq!(ok(AidChange::Unfreeze, Frozen), Some(Active));
        assert_eq!(ok(AidChange::Unfreeze, Active), None);
        assert_eq!(ok(AidChange::Revoke, Frozen), Some(Revoked));
        assert_eq!(AidChange::Cap(Some(5)).apply(Frozen).unwrap(), (Frozen, Some(Some(5))));
        for c in [AidChange::Cap(None), AidChange::Freeze, AidChange::Unfreeze, AidChange::Revoke] {
            assert_eq!(c.apply(Revoked).unwrap_err().code, crate::Code::AidWrongState, "{c:?}");
        }
        assert!(AidStatus::parse("paused").is_err());
    }
}
