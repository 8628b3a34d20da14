//! The resident ID number (公民身份号码), GB 11643-1999.
//!
//! 18 characters: a 6-digit region code, an 8-digit birth date (YYYYMMDD), a
//! 3-digit sequence (odd = male, even = female) and a check character computed
//! with ISO 7064 MOD 11-2 (`X` stands for 10). Age and gender are derived from
//! it, never typed in.

use crate::error::{Error, Result};
use crate::region;
use chrono::NaiveDate;
use serde::Serialize;

/// Weights of ISO 7064 MOD 11-2 for positions 1..=17: 2^(18-i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of (weighted sum mod 11).
const CHECK: [u8; 11] = *b"10X98765432";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

/// A validated resident ID, normalized (upper-case `X`, no surrounding space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentId {
    number: String,
    birth_date: NaiveDate,
    gender: Gender,
}

/// The check character for the first 17 digits. `first17` must be 17 ASCII
/// digits (used to build valid IDs for demos and tests, and by validation).
pub fn check_char(first17: &[u8]) -> u8 {
    debug_assert_eq!(first17.len(), 17);
    let sum: u32 = first17.iter().zip(WEIGHTS.iter()).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize]
}

/// Append the right check character to 17 digits.
pub fn with_check_char(first17: &str) -> String {
    let mut s = first17.to_string();
    s.push(check_char(first17.as_bytes()) as char);
    s
}

impl ResidentId {
    /// Validate `input` as of `today` (China date). Checks in order: empty,
    /// a 15-digit first-generation number (`ID_LEGACY_15`), length,
    /// characters, province code, birth date (real, not before 1900, not
    /// after today), check character. The first failure is reported.
    pub fn parse(input: &str, today: NaiveDate) -> Result<ResidentId> {
        let t = input.trim();
        if t.is_empty() {
            return Err(Error::id_empty());
        }
        let n = t.chars().count();
        // A first-generation number (15 digits, before 1999–2004): say what it
        // is and where the 18-digit one is found, not just "wrong length".
        if n == 15 && t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::id_legacy_15());
        }
        if n != 18 {
            return Err(Error::id_length(n));
        }
        // Characters: 17 ASCII digits, then a digit or X/x.
        for (i, ch) in t.chars().enumerate() {
            let ok = if i < 17 { ch.is_ascii_digit() } else { ch.is_ascii_digit() || ch == 'X' || ch == 'x' };
            if !ok {
                return Err(Error::id_charset(i + 1));
            }
        }
        // All ASCII from here on: byte indexing is character indexing.
        let b = t.as_bytes();
        if region::province(&t[..2]).is_none() {
            return Err(Error::id_region(&t[..6]));
        }
        let raw_date = &t[6..14];
        let num = |r: std::ops::Range<usize>| -> u32 { b[r].iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')) };
        let (y, m, d) = (num(6..10) as i32, num(10..12), num(12..14));
        let birth = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| Error::id_birth_invalid(raw_date))?;
        if y < 1900 {
            return Err(Error::id_birth_too_early(&birth.format("%Y-%m-%d").to_string()));
        }
        if birth > today {
            return Err(Error::id_birth_future(&birth.format("%Y-%m-%d").to_string()));
        }
        let expected = check_char(&b[..17]);
        let got = b[17].to_ascii_uppercase();
        if expected != got {
            return Err(Error::id_checksum(expected as char, got as char));
        }
        let gender = if (b[16] - b'0') % 2 == 1 { Gender::Male } else { Gender::Female };
        let mut number = t.to_string();
        number.make_ascii_uppercase();
        Ok(ResidentId { number, birth_date: birth, gender })
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }
    pub fn gender(&self) -> Gender {
        self.gender
    }
    /// The province code of the place of first registration (first 2 digits).
    pub fn province_code(&self) -> &str {
        &self.number[..2]
    }
    pub fn masked(&self) -> String {
        mask(&self.number)
    }
}

/// Mask an ID for display: first 4 and last 4 characters, stars between
/// (`3427**********2415`). Anything that is not 18 characters long is fully
/// starred, so a malformed value never leaks either.
/// A name as shown where it need not be read in full: the first character,
/// the rest as `*` (`张伟` → `张*`, `阿卜杜热合曼·买买提` → `阿*********`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return "*".repeat(chars.len().max(1));
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(10));
    out.extend(&chars[14..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn known_valid_ids() {
        // The GB 11643 standard's own example, and well-known published test numbers.
        for id in ["11010519491231002X", "110101199003077758", "34270119900307241X"] {
            let r = ResidentId::parse(id, today());
            assert!(r.is_ok(), "{id}: {r:?}");
        }
        let r = ResidentId::parse("11010519491231002X", today()).unwrap();
        assert_eq!(r.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(r.gender(), Gender::Female); // sequence 002 is even
                                                // 1880 is before 1900: the check digit is right, the date rule refuses it.
        assert_eq!(code_of("440524188001010014"), Code::IdBirthDateTooEarly);
    }

    #[test]
    fn check_char_computation() {
        assert_eq!(check_char(b"11010519491231002"), b'X');
        assert_eq!(check_char(b"34270119900307241"), b'X');
        assert_eq!(check_char(b"34270119900307249"), b'5');
        assert_eq!(with_check_char("11010519491231002"), "11010519491231002X");
    }

    #[test]
    fn lower_case_x_accepted_and_stored_upper() {
        let r = ResidentId::parse("11010519491231002x", today()).unwrap();
        assert_eq!(r.as_str(), "11010519491231002X");
        let r = ResidentId::parse("  11010519491231002X\n", today()).unwrap();
        assert_eq!(r.as_str(), "11010519491231002X");
    }

    #[test]
    fn gender_from_sequence() {
        let male = with_check_char("31011520100615031");
        let female = with_check_char("31011520100615042");
        assert_eq!(ResidentId::parse(&male, today()).unwrap().gender(), Gender::Male);
        assert_eq!(ResidentId::parse(&female, today()).unwrap().gender(), Gender::Female);
    }

    fn code_of(id: &str) -> Code {
        ResidentId::parse(id, today()).unwrap_err().code
    }

    #[test]
    fn each_failure_has_its_own_code() {
        assert_eq!(code_of(""), Code::IdEmpty);
        assert_eq!(code_of("   "), Code::IdEmpty);
        assert_eq!(code_of("3427011990030724"), Code::IdLength);
        assert_eq!(code_of("3427011990030724155"), Code::IdLength);
        assert_eq!(code_of("34270119900307241A"), Code::IdCharset);
        assert_eq!(code_of("3427011990030724X5"), Code::IdCharset);
        // Full-width digits are 18 characters but not ASCII.
        assert_eq!(code_of("３４２７０１１９９００３０７２４１５"), Code::IdCharset);
        assert_eq!(code_of(&with_check_char("99270119900307241")), Code::IdRegion);
        assert_eq!(code_of(&with_check_char("34270119900230241")), Code::IdBirthDateInvalid); // 30 Feb
        assert_eq!(code_of(&with_check_char("34270119901301241")), Code::IdBirthDateInvalid); // month 13
        assert_eq!(code_of(&with_check_char("34270120230229241")), Code::IdBirthDateInvalid); // 2023 not leap
        assert_eq!(code_of(&with_check_char("34270118991231241")), Code::IdBirthDateTooEarly);
        assert_eq!(code_of(&with_check_char("34270120261123241")), Code::IdBirthDateFuture); // tomorrow
        assert_eq!(code_of("342701199003072414"), Code::IdChecksum);
    }

    #[test]
    fn leap_day_and_today_are_valid() {
        assert!(ResidentId::parse(&with_check_char("34270120240229241"), today()).is_ok());
        assert!(ResidentId::parse(&with_check_char("34270120261122241"), today()).is_ok()); // born today
        assert!(ResidentId::parse(&with_check_char("34270119000101241"), today()).is_ok());
    }

    #[test]
    fn every_single_digit_typo_is_caught() {
        // MOD 11-2 detects every single-character substitution.
        let good = "34270119900307241X";
        for pos in 0..18 {
            for digit in b"0123456789X" {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[pos] == *digit || (pos < 17 && *digit == b'X') {
                    continue;
                }
                bytes[pos] = *digit;
                let typo = String::from_utf8(bytes).unwrap();
                assert!(ResidentId::parse(&typo, today()).is_err(), "typo {typo} accepted");
            }
        }
    }

    #[test]
    fn masking() {
        assert_eq!(mask("342701199003072415"), "3427**********2415");
        assert_eq!(ResidentId::parse("11010519491231002x", today()).unwrap().masked(), "1101**********002X");
        assert_eq!(mask("123"), "***");
        assert_eq!(mask(""), "*");
        assert!(!mask("342701199003072415").contains("19900307"));
    }
}
