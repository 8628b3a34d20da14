//! Time: stored as UTC, reasoned about in China time (UTC+8).
//!
//! "Today", "this month" and "age 16" are China-time facts, so every rule that
//! needs a date asks [`china_date`] of a UTC instant.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Utc};
use std::sync::Arc;

/// China Standard Time, UTC+8, no daylight saving.
/// UTC+8, checked when compiling (a bad constant would not build).
const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

pub fn china() -> FixedOffset {
    CHINA
}

/// The calendar date in China at a UTC instant.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china()).date_naive()
}

/// How a timestamp is stored: RFC 3339, UTC, second precision, `Z` suffix.
/// Strings in this form sort in time order.
pub fn to_db(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn from_db(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

/// A stored timestamp shown in China time, e.g. `2026-11-23 03:13`.
pub fn display_china(at: DateTime<Utc>) -> String {
    at.with_timezone(&china()).format("%Y-%m-%d %H:%M").to_string()
}

/// Full years completed at `on`: the birthday is reached on its calendar day;
/// someone born on 29 February reaches it on 1 March in common years.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    if on < birth {
        return 0;
    }
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Where "now" comes from. Production uses the system clock (`SystemClock`
/// in `qinqing-core`: the domain never reads it); tests inject a fixed
/// instant so that month and birthday edges are exact.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl FixedClock {
    /// A clock stopped at an RFC 3339 instant, for tests and benchmarks only
    /// (it panics on a malformed literal): `FixedClock::at("2026-01-31T15:59:59Z")`.
    /// Input from a person goes through `DateTime::parse_from_rfc3339` with an error (see `qinqing-cli --now`).
    pub fn at(rfc3339: &str) -> FixedClock {
        FixedClock(DateTime::parse_from_rfc3339(rfc3339).expect("RFC 3339 instant").with_timezone(&Utc))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn china_date_crosses_midnight_before_utc() {
        // 2026-01-31 16:00 UTC is 2026-02-01 00:00 in China.
        let at = Utc.with_ymd_and_hms(2026, 1, 31, 16, 0, 0).unwrap();
        assert_eq!(china_date(at), d(2026, 2, 1));
        let before = Utc.with_ymd_and_hms(2026, 1, 31, 15, 59, 59).unwrap();
        assert_eq!(china_date(before), d(2026, 1, 31));
    }

    #[test]
    fn age_around_birthday() {
        let b = d(2010, 6, 15);
        assert_eq!(age_on(b, d(2026, 6, 14)), 15);
        assert_eq!(age_on(b, d(2026, 6, 15)), 16);
        assert_eq!(age_on(b, d(2026, 6, 16)), 16);
        assert_eq!(age_on(b, d(2010, 6, 15)), 0);
        assert_eq!(age_on(b, d(2009, 1, 1)), 0);
    }

    #[test]
    fn age_leap_day_birth() {
        let b = d(2008, 2, 29);
        // 2024 is a leap year: the birthday happens on 29 Feb.
        assert_eq!(age_on(b, d(2024, 2, 28)), 15);
        assert_eq!(age_on(b, d(2024, 2, 29)), 16);
        // 2025 is not: the birthday is reached on 1 March.
        assert_eq!(age_on(b, d(2025, 2, 28)), 16);
        assert_eq!(age_on(d(2009, 2, 28), d(2025, 2, 28)), 16);
        let b2 = d(2012, 2, 29);
        assert_eq!(age_on(b2, d(2028, 2, 28)), 15);
        assert_eq!(age_on(b2, d(2028, 2, 29)), 16);
        assert_eq!(age_on(d(2011, 2, 28), d(2027, 2, 28)), 16);
        assert_eq!(age_on(b2, d(2027, 2, 28)), 14);
        assert_eq!(age_on(b2, d(2027, 3, 1)), 15);
    }

    #[test]
    fn db_roundtrip() {
        let at = Utc.with_ymd_and_hms(2026, 11, 22, 19, 5, 7).unwrap();
        assert_eq!(to_db(at), "2026-11-22T19:05:07Z");
        assert_eq!(from_db(&to_db(at)), Some(at));
        assert_eq!(display_china(at), "2026-11-23 03:05");
    }
}
