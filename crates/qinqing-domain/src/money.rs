//! Money is integer fen (分) end to end. Yuan text is parsed exactly (no
//! floating point), and displayed as `¥1,234.50`.

use crate::error::{Error, Result};

/// Upper bound for a single amount or balance: 100 million yuan. Keeps every
/// sum of many amounts far from `i64` overflow.
pub const MAX_FEN: i64 = 100_000_000 * 100;

/// Largest bill accepted, in fen (10 million yuan).
pub const MAX_BILL_FEN: i64 = 1_000_000_000;

/// `123450` → `¥1,234.50`; negative amounts as `-¥1.00`.
pub fn format_fen(fen: i64) -> String {
    let neg = fen < 0;
    let abs = fen.unsigned_abs();
    let yuan = abs / 100;
    let cents = abs % 100;
    let digits = yuan.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}¥{}.{:02}", if neg { "-" } else { "" }, grouped, cents)
}

/// Check a fen amount given directly (CLI `--balance FEN`).
pub fn check_fen(field: &'static str, fen: i64) -> Result<i64> {
    if fen < 0 {
        return Err(Error::amount_negative(field));
    }
    if fen > MAX_FEN {
        return Err(Error::amount_too_large(field));
    }
    Ok(fen)
}

/// Parse yuan as a person types it: `1234`, `1234.5`, `1,234.50`, `¥1234.50`,
/// `￥12`. At most two decimals; no sign, exponent or other characters.
pub fn parse_yuan(field: &'static str, raw: &str) -> Result<i64> {
    let t = raw.trim();
    let t = t.strip_prefix('¥').or_else(|| t.strip_prefix('￥')).unwrap_or(t).trim();
    if t.starts_with('-') {
        return Err(Error::amount_negative(field));
    }
    let cleaned: String = t.chars().filter(|c| *c != ',').collect();
    let (int_part, frac_part) = match cleaned.split_once('.') {
        Some((i, f)) => (i, f),
        None => (cleaned.as_str(), ""),
    };
    let valid = !int_part.is_empty()
        && int_part.bytes().all(|b| b.is_ascii_digit())
        && frac_part.len() <= 2
        && frac_part.bytes().all(|b| b.is_ascii_digit())
        && !(cleaned.contains('.') && frac_part.is_empty());
    if !valid {
        return Err(Error::amount_invalid(field, raw));
    }
    // Reject absurd lengths before arithmetic.
    if int_part.trim_start_matches('0').len() > 12 {
        return Err(Error::amount_too_large(field));
    }
    let yuan: i64 = int_part.parse().map_err(|_| Error::amount_invalid(field, raw))?;
    let mut frac: i64 = if frac_part.is_empty() { 0 } else { frac_part.parse().map_err(|_| Error::amount_invalid(field, raw))? };
    if frac_part.len() == 1 {
        frac *= 10;
    }
    let fen = yuan.checked_mul(100).and_then(|v| v.checked_add(frac)).ok_or_else(|| Error::amount_too_large(field))?;
    check_fen(field, fen)
}

/// Fen as plain yuan text for an input field: `123450` → `1234.50`.
pub fn fen_to_yuan_text(fen: i64) -> String {
    format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, fen.unsigned_abs() / 100, fen.unsigned_abs() % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;
    use proptest::prelude::*;

    #[test]
    fn formats() {
        assert_eq!(format_fen(0), "¥0.00");
        assert_eq!(format_fen(5), "¥0.05");
        assert_eq!(format_fen(123450), "¥1,234.50");
        assert_eq!(format_fen(100_000_000), "¥1,000,000.00");
        assert_eq!(format_fen(-100), "-¥1.00");
        assert_eq!(format_fen(99_999), "¥999.99");
    }

    #[test]
    fn parses() {
        assert_eq!(parse_yuan("b", "1234").unwrap(), 123400);
        assert_eq!(parse_yuan("b", "1234.5").unwrap(), 123450);
        assert_eq!(parse_yuan("b", " ¥1,234.50 ").unwrap(), 123450);
        assert_eq!(parse_yuan("b", "￥0.07").unwrap(), 7);
        assert_eq!(parse_yuan("b", "100000000").unwrap(), MAX_FEN);
    }

    #[test]
    fn refuses() {
        for bad in ["", "abc", "1.234", "1e5", "1.", ".5", "1..2", "NaN", "1 2", "０.５"] {
            assert_eq!(parse_yuan("b", bad).unwrap_err().code, Code::AmountInvalid, "{bad}");
        }
        assert_eq!(parse_yuan("b", "-1").unwrap_err().code, Code::AmountNegative);
        assert_eq!(parse_yuan("b", "100000000.01").unwrap_err().code, Code::AmountTooLarge);
        assert_eq!(parse_yuan("b", "99999999999999999999999").unwrap_err().code, Code::AmountTooLarge);
        assert_eq!(check_fen("b", -1).unwrap_err().code, Code::AmountNegative);
        assert_eq!(check_fen("b", MAX_FEN + 1).unwrap_err().code, Code::AmountTooLarge);
    }

    proptest! {
        #[test]
        fn yuan_text_roundtrip(fen in 0i64..=MAX_FEN) {
            prop_assert_eq!(parse_yuan("b", &fen_to_yuan_text(fen)).unwrap(), fen);
            let shown = format_fen(fen);
            prop_assert_eq!(parse_yuan("b", &shown).unwrap(), fen);
        }
    }
}
