//! Where a bill is paid (DOMAIN §4): the scenario decides the fund's policy,
//! the daily caps and how the payer confirms.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    Outpatient,
    Pharmacy,
    OnlinePharmacy,
    Inpatient,
}

impl Scenario {
    pub fn parse(raw: &str) -> Result<Scenario> {
        match raw.trim() {
            "outpatient" => Ok(Scenario::Outpatient),
            "pharmacy" => Ok(Scenario::Pharmacy),
            "online_pharmacy" => Ok(Scenario::OnlinePharmacy),
            "inpatient" => Ok(Scenario::Inpatient),
            other => Err(Error::scenario_invalid(other)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Outpatient => "outpatient",
            Scenario::Pharmacy => "pharmacy",
            Scenario::OnlinePharmacy => "online_pharmacy",
            Scenario::Inpatient => "inpatient",
        }
    }
}
