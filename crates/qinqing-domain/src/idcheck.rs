//! Batch validation of resident IDs (`qinqing-cli id check`).

use crate::error::Code;
use crate::id::{Gender, ResidentId};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum IdCheck {
    Valid { input: String, resident_id: String, birth_date: String, gender: Gender },
    Invalid { input: String, code: Code, message_zh: String, message_en: String },
}

impl IdCheck {
    pub fn is_valid(&self) -> bool {
        matches!(self, IdCheck::Valid { .. })
    }
}

/// Check one ID as of `today` (China date).
pub fn check(input: &str, today: NaiveDate) -> IdCheck {
    match ResidentId::parse(input, today) {
        Ok(r) => IdCheck::Valid {
            input: input.to_string(),
            resident_id: r.as_str().to_string(),
            birth_date: r.birth_date().format("%Y-%m-%d").to_string(),
            gender: r.gender(),
        },
        Err(e) => IdCheck::Invalid { input: input.to_string(), code: e.code, message_zh: e.message_zh, message_en: e.message_en },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_serialize() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let v = serde_json::to_value(check("11010519491231002x", today)).unwrap();
        assert_eq!(v["result"], "valid");
        assert_eq!(v["resident_id"], "11010519491231002X");
        assert_eq!(v["birth_date"], "1949-12-31");
        assert_eq!(v["gender"], "female");
        let v = serde_json::to_value(check("11010519491231002", today)).unwrap();
        assert_eq!(v["result"], "invalid");
        assert_eq!(v["code"], "ID_LENGTH");
    }
}
