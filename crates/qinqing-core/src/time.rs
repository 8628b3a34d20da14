//! Time: the domain's China-time rules ([`qinqing_domain::time`]), and the
//! one clock that reads the system's time — the shell's, never the rules'.

pub use qinqing_domain::time::*;

use chrono::{DateTime, Utc};

/// The system clock (production).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
