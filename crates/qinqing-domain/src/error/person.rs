//! Messages: the person's record and typed values: resident ID, name, region, amounts, dates.

use super::*;

impl Error {
    pub fn id_empty() -> Self {
        Self::new(Code::IdEmpty, Some("resident_id"), "请输入18位公民身份号码。", "Enter the 18-character resident ID number.")
    }
    pub fn id_length(got: usize) -> Self {
        Self::new(
            Code::IdLength,
            Some("resident_id"),
            format!("身份证号应为18位，您输入了{got}位。请对照身份证逐位核对。"),
            format!("A resident ID has 18 characters; you entered {got}. Check it against the ID card."),
        )
    }
    pub fn id_charset(position: usize) -> Self {
        Self::new(
            Code::IdCharset,
            Some("resident_id"),
            format!("身份证号第{position}位不是有效字符：前17位只能是数字，最后一位是数字或X。请用半角数字重新输入。"),
            format!("Character {position} of the resident ID is not allowed: the first 17 must be digits, the last a digit or X. Re-type it with plain (half-width) digits."),
        )
    }
    pub fn id_region(prefix: &str) -> Self {
        Self::new(
            Code::IdRegion,
            Some("resident_id"),
            format!("身份证号开头的“{prefix}”不是有效的省级行政区划代码。请核对前6位。"),
            format!("The ID starts with \"{prefix}\", which is not a valid province code. Check the first 6 digits."),
        )
    }
    pub fn id_birth_invalid(raw: &str) -> Self {
        Self::new(
            Code::IdBirthDateInvalid,
            Some("resident_id"),
            format!("身份证号中的出生日期“{raw}”不是真实日期（第7–14位）。请核对。"),
            format!("The birth date \"{raw}\" in the ID (characters 7–14) is not a real date. Check it."),
        )
    }
    pub fn id_birth_future(date: &str) -> Self {
        Self::new(
            Code::IdBirthDateFuture,
            Some("resident_id"),
            format!("身份证号中的出生日期{date}晚于今天。请核对第7–14位。"),
            format!("The birth date {date} in the ID is after today. Check characters 7–14."),
        )
    }
    pub fn id_birth_too_early(date: &str) -> Self {
        Self::new(
            Code::IdBirthDateTooEarly,
            Some("resident_id"),
            format!("身份证号中的出生日期{date}早于1900年。请核对第7–14位。"),
            format!("The birth date {date} in the ID is before 1900. Check characters 7–14."),
        )
    }
    pub fn id_checksum(expected: char, got: char) -> Self {
        Self::new(
            Code::IdChecksum,
            Some("resident_id"),
            format!("身份证号校验位不符（最后一位应为{expected}，实际为{got}），号码中可能有输错的数字。请逐位核对。"),
            format!("The check character does not match (expected {expected}, found {got}); a digit is probably mistyped. Check every digit."),
        )
    }
    pub fn name_empty() -> Self {
        Self::new(Code::NameEmpty, Some("name"), "请输入姓名（与身份证一致）。", "Enter the name as it appears on the ID card.")
    }
    pub fn name_too_long(got: usize) -> Self {
        Self::new(
            Code::NameTooLong,
            Some("name"),
            format!("姓名最多30个字，您输入了{got}个。请按身份证上的姓名填写。"),
            format!("A name has at most 30 characters; you entered {got}. Use the name on the ID card."),
        )
    }
    pub fn name_invalid_char() -> Self {
        Self::new(
            Code::NameInvalidChar,
            Some("name"),
            "姓名中含有不可见的控制字符（如换行或方向控制符）。请重新输入姓名。",
            "The name contains invisible control characters (such as a line break or direction mark). Re-type the name.",
        )
    }
    pub fn region_invalid(raw: &str) -> Self {
        Self::new(
            Code::RegionInvalid,
            Some("region"),
            format!("参保地代码“{raw}”无效：请输入2、4或6位行政区划代码，如上海市310000或浦东新区310115。"),
            format!("Insured region \"{raw}\" is not valid: enter a 2-, 4- or 6-digit division code, e.g. 310000 (Shanghai) or 310115 (Pudong)."),
        )
    }
    pub fn insurance_invalid(raw: &str) -> Self {
        Self::new(
            Code::InsuranceInvalid,
            Some("insurance"),
            format!("险种“{raw}”无效：请选择职工医保（employee）或城乡居民医保（resident）。"),
            format!("Insurance type \"{raw}\" is not valid: choose employee (职工医保) or resident (城乡居民医保)."),
        )
    }
    pub fn status_invalid(raw: &str) -> Self {
        Self::new(
            Code::StatusInvalid,
            Some("status"),
            format!("参保状态“{raw}”无效：请选择正常（active）、暂停（suspended）或中断（lapsed）。"),
            format!("Status \"{raw}\" is not valid: choose active, suspended or lapsed."),
        )
    }
    pub fn amount_invalid(field: &'static str, raw: &str) -> Self {
        Self::new(
            Code::AmountInvalid,
            Some(field),
            format!("金额“{raw}”无法识别：请输入元，最多两位小数，如 1234.50。"),
            format!("Amount \"{raw}\" is not understood: enter yuan with at most two decimals, e.g. 1234.50."),
        )
    }
    pub fn amount_negative(field: &'static str) -> Self {
        Self::new(Code::AmountNegative, Some(field), "金额不能为负数。", "The amount cannot be negative.")
    }
    pub fn amount_too_large(field: &'static str) -> Self {
        Self::new(
            Code::AmountTooLarge,
            Some(field),
            "金额超过上限（1亿元）。请核对金额。",
            "The amount is above the limit (100 million yuan). Check the amount.",
        )
    }
    pub fn balance_conflict() -> Self {
        Self::new(Code::BalanceConflict, Some("balance"), "余额只能用“元”或“分”中的一种方式给出。", "Give the balance either in yuan or in fen, not both.")
    }
    pub fn person_duplicate_id(masked: &str) -> Self {
        Self::new(
            Code::PersonDuplicateId,
            Some("resident_id"),
            format!("身份证号{masked}已登记，不能重复添加。请在名单中找到此人并编辑。"),
            format!("Resident ID {masked} is already registered. Find the person in the list and edit them instead."),
        )
    }
    pub fn person_not_found(id: i64) -> Self {
        Self::new(
            Code::PersonNotFound,
            None,
            format!("找不到编号为{id}的参保人。请刷新名单后重试。"),
            format!("No insured person with number {id}. Refresh the list and try again."),
        )
    }
    /// A 15-digit number: the first-generation ID card (before 1999–2004).
    pub fn id_legacy_15() -> Self {
        Self::new(
            Code::IdLegacy15,
            Some("resident_id"),
            "这是15位的第一代身份证号码，已停止使用。请填写第二代身份证上的18位号码（在户口簿本人页或新身份证上；可到户籍派出所查询）。",
            "This is a 15-digit first-generation ID number, no longer in use. Enter the 18-digit number from the second-generation ID card (also on the person's household-register page; the local police station can look it up).",
        )
    }
    pub fn date_invalid(raw: &str) -> Self {
        Self::new(
            Code::DateInvalid,
            Some("date"),
            format!("日期“{raw}”无效：请按 2026-03-01 的格式填写，结束日期不早于开始日期。"),
            format!("Date \"{raw}\" is not valid: use 2026-03-01, with the end not before the start."),
        )
    }
    pub fn csv_invalid(line: usize, detail: &str) -> Self {
        Self::new(
            Code::CsvInvalid,
            Some("file"),
            format!("CSV 第{line}行有误：{detail}。未导入任何数据。"),
            format!("CSV line {line}: {detail}. Nothing was imported."),
        )
    }
    pub fn amount_zero(field: &'static str) -> Self {
        Self::new(Code::AmountZero, Some(field), "金额必须大于0。请填写实际金额。", "The amount must be more than zero. Enter the actual amount.")
    }
}
