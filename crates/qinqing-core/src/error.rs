//! The one error type of the domain.
//!
//! Every refusal has a stable `code` (SCREAMING_SNAKE_CASE, never renamed once
//! shipped), the form `field` it concerns (so the UI can show it next to that
//! field), and a message in Chinese and in English that tells the person what
//! to do. All messages live here, once.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// How an error should be treated by a caller (CLI exit code, UI styling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Input broke a rule of the domain; nothing was changed.
    Refused,
    /// The thing asked for does not exist.
    NotFound,
    /// Storage is busy or unavailable; retrying may help.
    Unavailable,
    /// A bug or an unexpected storage failure.
    Internal,
}

/// Stable error codes. The serialized name is the contract with the UI and
/// with scripts using `qinqing-cli --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    IdEmpty,
    IdLength,
    IdCharset,
    IdRegion,
    IdBirthDateInvalid,
    IdBirthDateFuture,
    IdBirthDateTooEarly,
    IdChecksum,
    NameEmpty,
    NameTooLong,
    NameInvalidChar,
    RegionInvalid,
    InsuranceInvalid,
    StatusInvalid,
    AmountInvalid,
    AmountNegative,
    AmountTooLarge,
    BalanceConflict,
    PersonDuplicateId,
    PersonNotFound,
    RelationInvalid,
    RelationNotAllowed,
    RelationInconsistent,
    BindSelf,
    HolderNotInsured,
    MemberNotInsured,
    MemberNotRegistered,
    MemberIdMismatch,
    MemberVoucherNotActivated,
    GuardianActivationNotAllowed,
    HolderCapReached,
    MemberMonthlyCapReached,
    BindingDuplicate,
    BindingNotFound,
    BindingWrongState,
    BindingIncomplete,
    BindingNotHolder,
    DocNotFound,
    DocKindInvalid,
    DocWrongPerson,
    NoteTooLong,
    FaceEvidenceKind,
    FaceNotRequired,
    RemoteNotAllowed,
    RejectReasonEmpty,
    StaffNotFound,
    StaffPasswordWrong,
    StaffPasswordWeak,
    StaffPasswordMismatch,
    StaffRoleInvalid,
    StaffInactive,
    DocEmpty,
    DocTooLarge,
    DocUnsupported,
    DocCorrupt,
    DocTooManyPixels,
    DocInUse,
    QrMalformed,
    QrBadSignature,
    QrExpired,
    QrNotYetValid,
    QrVoucherNotActivated,
    QrNotBound,
    QrFaceRequired,
    QrAlreadyUsed,
    InstitutionNotFound,
    InstitutionNotDesignated,
    InstitutionNotNetworked,
    FilingRequired,
    ScenarioInvalid,
    BillIdInvalid,
    DateInvalid,
    AidAuthorizerNotEmployee,
    AidAuthorizerNoBalance,
    AidNotFound,
    AidDuplicate,
    AidWrongState,
    PremiumNotResident,
    PremiumCapReached,
    PremiumInsufficient,
    PremiumDuplicate,
    PremiumNoAid,
    CsvInvalid,
    StaffLocked,
    StaffNotAdmin,
    StaffExists,
    NotLoggedIn,
    ResidentNotAttested,
    ResidentSessionNone,
    BackupFailed,
    BackendUnsupported,
    ExportTargetInvalid,
    ExportTargetNotEmpty,
    ExportMismatch,
    TokenUnknown,
    TokenExpired,
    TokenRevoked,
    TerminalNotFound,
    PairingCodeInvalid,
    QrDeviceRefused,
    DeviceNotFound,
    DeviceKeyInvalid,
    RateLimited,
    RequestTooLarge,
    RequestMalformed,
    RequestTimeout,
    ServerUnreachable,
    RemoteUnsupported,
    AidFaceRequired,
    BillConflict,
    AmountZero,
    SettingUnknown,
    SettingOutOfRange,
    StayRequired,
    StayNotFound,
    StayWrongState,
    StayScenario,
    RemoteCodeWrong,
    RemoteCodeExpired,
    RemoteCodeNone,
    DocRejected,
    FilingRegionTooBroad,
    AidLetterUnsigned,
    Forbidden,
    PathProtected,
    StaffPasswordCommon,
    AidOnlineCapTooHigh,
    PayConfirmationRequired,
    PayPasswordNotSet,
    PayPasswordWrong,
    PayPasswordLocked,
    PayPasswordWeak,
    IdFaceCheckRequired,
    PayCodeWrong,
    PayCodeGone,
    PayCodeNotUsed,
    PayCodeTooMany,
    DocIncomplete,
    DbMissing,
    DbNotDatabase,
    RemoteCodeTooMany,
    PremiumTierUnknown,
    PremiumRegionMismatch,
    FilingNotFound,
    FilingReasonInvalid,
    ConsentOwnerOnly,
    MemberUnmatched,
    DraftsTooMany,
    PayPasswordCurrentRequired,
    PairingInPerson,
    RequestMediaType,
    ServerBusy,
    DemoRefused,
    ServerInsecure,
    KeyMismatch,
    IdLegacy15,
    PremiumYearNotOpen,
    PremiumTierAge,
    PremiumAmountNotTier,
    PremiumPayerLapsed,
    HolderUnderAge,
    SpouseUnderAge,
    ParentAgeGap,
    GuardianNotParent,
    DocNotMembers,
    HolderRealNameRequired,
    RealNameIncomplete,
    DbBusy,
    DbTooNew,
    DbOpen,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::IdEmpty => "ID_EMPTY",
            Code::IdLength => "ID_LENGTH",
            Code::IdCharset => "ID_CHARSET",
            Code::IdRegion => "ID_REGION",
            Code::IdBirthDateInvalid => "ID_BIRTH_DATE_INVALID",
            Code::IdBirthDateFuture => "ID_BIRTH_DATE_FUTURE",
            Code::IdBirthDateTooEarly => "ID_BIRTH_DATE_TOO_EARLY",
            Code::IdChecksum => "ID_CHECKSUM",
            Code::NameEmpty => "NAME_EMPTY",
            Code::NameTooLong => "NAME_TOO_LONG",
            Code::NameInvalidChar => "NAME_INVALID_CHAR",
            Code::RegionInvalid => "REGION_INVALID",
            Code::InsuranceInvalid => "INSURANCE_INVALID",
            Code::StatusInvalid => "STATUS_INVALID",
            Code::AmountInvalid => "AMOUNT_INVALID",
            Code::AmountNegative => "AMOUNT_NEGATIVE",
            Code::AmountTooLarge => "AMOUNT_TOO_LARGE",
            Code::BalanceConflict => "BALANCE_CONFLICT",
            Code::PersonDuplicateId => "PERSON_DUPLICATE_ID",
            Code::PersonNotFound => "PERSON_NOT_FOUND",
            Code::RelationInvalid => "RELATION_INVALID",
            Code::RelationNotAllowed => "RELATION_NOT_ALLOWED",
            Code::RelationInconsistent => "RELATION_INCONSISTENT",
            Code::BindSelf => "BIND_SELF",
            Code::HolderNotInsured => "HOLDER_NOT_INSURED",
            Code::MemberNotInsured => "MEMBER_NOT_INSURED",
            Code::MemberNotRegistered => "MEMBER_NOT_REGISTERED",
            Code::MemberIdMismatch => "MEMBER_ID_MISMATCH",
            Code::MemberVoucherNotActivated => "MEMBER_VOUCHER_NOT_ACTIVATED",
            Code::GuardianActivationNotAllowed => "GUARDIAN_ACTIVATION_NOT_ALLOWED",
            Code::HolderCapReached => "HOLDER_CAP_REACHED",
            Code::MemberMonthlyCapReached => "MEMBER_MONTHLY_CAP_REACHED",
            Code::BindingDuplicate => "BINDING_DUPLICATE",
            Code::BindingNotFound => "BINDING_NOT_FOUND",
            Code::BindingWrongState => "BINDING_WRONG_STATE",
            Code::BindingIncomplete => "BINDING_INCOMPLETE",
            Code::BindingNotHolder => "BINDING_NOT_HOLDER",
            Code::DocNotFound => "DOC_NOT_FOUND",
            Code::DocKindInvalid => "DOC_KIND_INVALID",
            Code::DocWrongPerson => "DOC_WRONG_PERSON",
            Code::NoteTooLong => "NOTE_TOO_LONG",
            Code::FaceEvidenceKind => "FACE_EVIDENCE_KIND",
            Code::FaceNotRequired => "FACE_NOT_REQUIRED",
            Code::RemoteNotAllowed => "REMOTE_NOT_ALLOWED",
            Code::RejectReasonEmpty => "REJECT_REASON_EMPTY",
            Code::StaffNotFound => "STAFF_NOT_FOUND",
            Code::StaffPasswordWrong => "STAFF_PASSWORD_WRONG",
            Code::StaffPasswordWeak => "STAFF_PASSWORD_WEAK",
            Code::StaffPasswordMismatch => "STAFF_PASSWORD_MISMATCH",
            Code::StaffRoleInvalid => "STAFF_ROLE_INVALID",
            Code::StaffInactive => "STAFF_INACTIVE",
            Code::DocEmpty => "DOC_EMPTY",
            Code::DocTooLarge => "DOC_TOO_LARGE",
            Code::DocUnsupported => "DOC_UNSUPPORTED",
            Code::DocCorrupt => "DOC_CORRUPT",
            Code::DocTooManyPixels => "DOC_TOO_MANY_PIXELS",
            Code::DocInUse => "DOC_IN_USE",
            Code::QrMalformed => "QR_MALFORMED",
            Code::QrBadSignature => "QR_BAD_SIGNATURE",
            Code::QrExpired => "QR_EXPIRED",
            Code::QrNotYetValid => "QR_NOT_YET_VALID",
            Code::QrVoucherNotActivated => "QR_VOUCHER_NOT_ACTIVATED",
            Code::QrNotBound => "QR_NOT_BOUND",
            Code::QrFaceRequired => "QR_FACE_REQUIRED",
            Code::QrAlreadyUsed => "QR_ALREADY_USED",
            Code::InstitutionNotFound => "INSTITUTION_NOT_FOUND",
            Code::InstitutionNotDesignated => "INSTITUTION_NOT_DESIGNATED",
            Code::InstitutionNotNetworked => "INSTITUTION_NOT_NETWORKED",
            Code::FilingRequired => "FILING_REQUIRED",
            Code::ScenarioInvalid => "SCENARIO_INVALID",
            Code::BillIdInvalid => "BILL_ID_INVALID",
            Code::DateInvalid => "DATE_INVALID",
            Code::AidAuthorizerNotEmployee => "AID_AUTHORIZER_NOT_EMPLOYEE",
            Code::AidAuthorizerNoBalance => "AID_AUTHORIZER_NO_BALANCE",
            Code::AidNotFound => "AID_NOT_FOUND",
            Code::AidDuplicate => "AID_DUPLICATE",
            Code::AidWrongState => "AID_WRONG_STATE",
            Code::PremiumNotResident => "PREMIUM_NOT_RESIDENT",
            Code::PremiumCapReached => "PREMIUM_CAP_REACHED",
            Code::PremiumInsufficient => "PREMIUM_INSUFFICIENT",
            Code::PremiumDuplicate => "PREMIUM_DUPLICATE",
            Code::PremiumNoAid => "PREMIUM_NO_AID",
            Code::CsvInvalid => "CSV_INVALID",
            Code::StaffLocked => "STAFF_LOCKED",
            Code::StaffNotAdmin => "STAFF_NOT_ADMIN",
            Code::StaffExists => "STAFF_EXISTS",
            Code::NotLoggedIn => "NOT_LOGGED_IN",
            Code::ResidentNotAttested => "RESIDENT_NOT_ATTESTED",
            Code::ResidentSessionNone => "RESIDENT_SESSION_NONE",
            Code::BackupFailed => "BACKUP_FAILED",
            Code::BackendUnsupported => "BACKEND_UNSUPPORTED",
            Code::ExportTargetInvalid => "EXPORT_TARGET_INVALID",
            Code::ExportTargetNotEmpty => "EXPORT_TARGET_NOT_EMPTY",
            Code::ExportMismatch => "EXPORT_MISMATCH",
            Code::TokenUnknown => "TOKEN_UNKNOWN",
            Code::TokenExpired => "TOKEN_EXPIRED",
            Code::TokenRevoked => "TOKEN_REVOKED",
            Code::TerminalNotFound => "TERMINAL_NOT_FOUND",
            Code::PairingCodeInvalid => "PAIRING_CODE_INVALID",
            Code::QrDeviceRefused => "QR_DEVICE_REFUSED",
            Code::DeviceNotFound => "DEVICE_NOT_FOUND",
            Code::DeviceKeyInvalid => "DEVICE_KEY_INVALID",
            Code::RateLimited => "RATE_LIMITED",
            Code::RequestTooLarge => "REQUEST_TOO_LARGE",
            Code::RequestMalformed => "REQUEST_MALFORMED",
            Code::RequestTimeout => "REQUEST_TIMEOUT",
            Code::ServerUnreachable => "SERVER_UNREACHABLE",
            Code::RemoteUnsupported => "REMOTE_UNSUPPORTED",
            Code::AidFaceRequired => "AID_FACE_REQUIRED",
            Code::BillConflict => "BILL_CONFLICT",
            Code::AmountZero => "AMOUNT_ZERO",
            Code::SettingUnknown => "SETTING_UNKNOWN",
            Code::SettingOutOfRange => "SETTING_OUT_OF_RANGE",
            Code::StayRequired => "STAY_REQUIRED",
            Code::StayNotFound => "STAY_NOT_FOUND",
            Code::StayWrongState => "STAY_WRONG_STATE",
            Code::StayScenario => "STAY_SCENARIO",
            Code::RemoteCodeWrong => "REMOTE_CODE_WRONG",
            Code::RemoteCodeExpired => "REMOTE_CODE_EXPIRED",
            Code::RemoteCodeNone => "REMOTE_CODE_NONE",
            Code::DocRejected => "DOC_REJECTED",
            Code::FilingRegionTooBroad => "FILING_REGION_TOO_BROAD",
            Code::AidLetterUnsigned => "AID_LETTER_UNSIGNED",
            Code::Forbidden => "FORBIDDEN",
            Code::PathProtected => "PATH_PROTECTED",
            Code::StaffPasswordCommon => "STAFF_PASSWORD_COMMON",
            Code::AidOnlineCapTooHigh => "AID_ONLINE_CAP_TOO_HIGH",
            Code::PayConfirmationRequired => "PAY_CONFIRMATION_REQUIRED",
            Code::PayPasswordNotSet => "PAY_PASSWORD_NOT_SET",
            Code::PayPasswordWrong => "PAY_PASSWORD_WRONG",
            Code::PayPasswordLocked => "PAY_PASSWORD_LOCKED",
            Code::PayPasswordWeak => "PAY_PASSWORD_WEAK",
            Code::IdFaceCheckRequired => "ID_FACE_CHECK_REQUIRED",
            Code::PayCodeWrong => "PAY_CODE_WRONG",
            Code::PayCodeGone => "PAY_CODE_GONE",
            Code::PayCodeNotUsed => "PAY_CODE_NOT_USED",
            Code::PayCodeTooMany => "PAY_CODE_TOO_MANY",
            Code::DocIncomplete => "DOC_INCOMPLETE",
            Code::DbMissing => "DB_MISSING",
            Code::DbNotDatabase => "DB_NOT_DATABASE",
            Code::RemoteCodeTooMany => "REMOTE_CODE_TOO_MANY",
            Code::PremiumTierUnknown => "PREMIUM_TIER_UNKNOWN",
            Code::PremiumRegionMismatch => "PREMIUM_REGION_MISMATCH",
            Code::FilingNotFound => "FILING_NOT_FOUND",
            Code::FilingReasonInvalid => "FILING_REASON_INVALID",
            Code::DbBusy => "DB_BUSY",
            Code::DbTooNew => "DB_TOO_NEW",
            Code::DbOpen => "DB_OPEN",
            Code::ConsentOwnerOnly => "CONSENT_OWNER_ONLY",
            Code::MemberUnmatched => "MEMBER_UNMATCHED",
            Code::DraftsTooMany => "DRAFTS_TOO_MANY",
            Code::PayPasswordCurrentRequired => "PAY_PASSWORD_CURRENT_REQUIRED",
            Code::PairingInPerson => "PAIRING_IN_PERSON",
            Code::RequestMediaType => "REQUEST_MEDIA_TYPE",
            Code::ServerBusy => "SERVER_BUSY",
            Code::DemoRefused => "DEMO_REFUSED",
            Code::ServerInsecure => "SERVER_INSECURE",
            Code::KeyMismatch => "KEY_MISMATCH",
            Code::IdLegacy15 => "ID_LEGACY_15",
            Code::PremiumYearNotOpen => "PREMIUM_YEAR_NOT_OPEN",
            Code::PremiumTierAge => "PREMIUM_TIER_AGE",
            Code::PremiumAmountNotTier => "PREMIUM_AMOUNT_NOT_TIER",
            Code::PremiumPayerLapsed => "PREMIUM_PAYER_LAPSED",
            Code::HolderUnderAge => "HOLDER_UNDER_AGE",
            Code::SpouseUnderAge => "SPOUSE_UNDER_AGE",
            Code::ParentAgeGap => "PARENT_AGE_GAP",
            Code::GuardianNotParent => "GUARDIAN_NOT_PARENT",
            Code::DocNotMembers => "DOC_NOT_MEMBERS",
            Code::HolderRealNameRequired => "HOLDER_REAL_NAME_REQUIRED",
            Code::RealNameIncomplete => "REAL_NAME_INCOMPLETE",
            Code::Internal => "INTERNAL",
        }
    }

    /// What an applicant may be told when starting an application by name and
    /// ID number: their own typing (the form's checks), what the typed numbers
    /// alone decide (checked before anyone is looked up), and their own state
    /// (insured, caps, applications). Anything else comes from the register
    /// and would tell whether a stranger exists or how they stand: a
    /// household gets `MEMBER_UNMATCHED` instead.
    pub fn told_to_an_applicant(self) -> bool {
        matches!(
            self,
            Code::NameEmpty
                | Code::NameTooLong
                | Code::NameInvalidChar
                | Code::IdEmpty
                | Code::IdLength
                | Code::IdCharset
                | Code::IdRegion
                | Code::IdBirthDateInvalid
                | Code::IdBirthDateFuture
                | Code::IdBirthDateTooEarly
                | Code::IdChecksum
                | Code::IdLegacy15
                | Code::RelationInvalid
                | Code::RelationNotAllowed
                | Code::RelationInconsistent
                | Code::HolderUnderAge
                | Code::SpouseUnderAge
                | Code::ParentAgeGap
                | Code::BindSelf
                | Code::HolderNotInsured
                | Code::HolderCapReached
                | Code::HolderRealNameRequired
                | Code::DraftsTooMany
                | Code::BindingDuplicate
                | Code::Forbidden
                | Code::NotLoggedIn
                | Code::RateLimited
                | Code::DbBusy
                | Code::Internal
        )
    }

    pub fn kind(self) -> Kind {
        match self {
            Code::PersonNotFound
            | Code::BindingNotFound
            | Code::DocNotFound
            | Code::StaffNotFound
            | Code::InstitutionNotFound
            | Code::AidNotFound
            | Code::StayNotFound
            | Code::FilingNotFound
            | Code::DbMissing
            | Code::TerminalNotFound
            | Code::DeviceNotFound => Kind::NotFound,
            Code::DbBusy | Code::DbOpen | Code::DbTooNew | Code::ServerUnreachable | Code::RequestTimeout | Code::ServerBusy => Kind::Unavailable,
            Code::Internal => Kind::Internal,
            _ => Kind::Refused,
        }
    }
}

/// A domain error: what went wrong, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    pub code: Code,
    pub kind: Kind,
    /// The input field this concerns (`name`, `resident_id`, `region`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Cow<'static, str>>,
    pub message_zh: String,
    pub message_en: String,
    /// Further problems found in the same input (form validation reports all
    /// fields at once); each is a complete error of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Error>,
    /// What the store saw, when it matters to the caller (no row; a unique
    /// key taken; a serialization conflict worth retrying). Not shown.
    #[serde(skip)]
    pub sql: Option<SqlFault>,
}

/// A store condition that callers act on (see [`crate::store`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlFault {
    /// A single-row query found nothing (`.optional()` makes it `None`).
    NoRows,
    /// A unique constraint refused the row.
    Unique,
    /// PostgreSQL aborted the transaction to keep it serializable: run it again.
    Conflict,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: Code, field: Option<&'static str>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Error { code, kind: code.kind(), field: field.map(Cow::Borrowed), message_zh: zh.into(), message_en: en.into(), also: Vec::new(), sql: None }
    }

    /// Message in the given language (`"en"` → English, anything else → Chinese).
    pub fn message(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.message_en
        } else {
            &self.message_zh
        }
    }

    /// The same refusal, shown next to another field of the form asking.
    pub fn at(mut self, field: &'static str) -> Self {
        self.field = Some(Cow::Borrowed(field));
        self
    }

    /// Combine several validation errors: the first is primary, the rest go in `also`.
    pub fn combine(mut errors: Vec<Error>) -> Option<Error> {
        if errors.is_empty() {
            return None;
        }
        let mut first = errors.remove(0);
        first.also.extend(errors);
        Some(first)
    }

    // ---- resident ID -------------------------------------------------------
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

    // ---- person fields -----------------------------------------------------
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

    // ---- register ----------------------------------------------------------
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

    // ---- storage -----------------------------------------------------------
    pub fn db_busy() -> Self {
        Self::new(
            Code::DbBusy,
            None,
            "数据库正被另一个程序使用，操作未执行。请稍后再试。",
            "The database is in use by another program; nothing was changed. Try again in a moment.",
        )
    }
    pub fn db_too_new(found: i64, known: i64) -> Self {
        Self::new(
            Code::DbTooNew,
            None,
            format!("数据库版本（{found}）比本程序支持的版本（{known}）新。请升级亲情医保后再打开。"),
            format!("The database is version {found}, newer than this program supports ({known}). Update Qinqing and open it again."),
        )
    }
    pub fn db_open(detail: impl fmt::Display) -> Self {
        Self::new(
            Code::DbOpen,
            None,
            format!("无法打开数据库：{detail}。请检查路径和权限。"),
            format!("Cannot open the database: {detail}. Check the path and its permissions."),
        )
    }
    pub fn export_target_invalid(target: &str) -> Self {
        Self::new(
            Code::ExportTargetInvalid,
            Some("to"),
            format!("“{target}”不是PostgreSQL地址。账本只能迁入共享账本：请给出 postgres://用户@主机/数据库 形式的地址；未作任何改动。"),
            format!("\"{target}\" is not a PostgreSQL address. A ledger moves into a shared ledger only: give a URL such as postgres://user@host/database; nothing was changed."),
        )
    }
    pub fn export_target_not_empty(target: &str, table: &str, rows: i64) -> Self {
        Self::new(
            Code::ExportTargetNotEmpty,
            Some("to"),
            format!("{target} 已经有账本数据（{table} 表有 {rows} 行），迁入会把两本账混在一起，已停止，未作任何改动。请新建一个空数据库再迁入。"),
            format!("{target} already holds a ledger ({table} has {rows} rows); moving into it would mix two ledgers, so nothing was done. Create an empty database and move into that."),
        )
    }
    pub fn export_mismatch(table: &str) -> Self {
        Self::new(
            Code::ExportMismatch,
            Some("to"),
            format!("迁入后核对不一致（{table}），已整体撤销，目标数据库未改动，原账本未改动。请联系管理员检查两端版本后重试。"),
            format!("The check after copying found a difference ({table}); the whole copy was rolled back and neither ledger was changed. Ask the administrator to check both versions, then try again."),
        )
    }
    pub fn token_unknown() -> Self {
        Self::new(Code::TokenUnknown, Some("token"), "这个登录凭据无效（不是本服务中心签发的），未作任何改动。工作人员请重新登录；柜台终端请向管理员申请新的终端密钥。", "This credential is not valid (not issued by this service centre); nothing was changed. Staff: log in again. A counter terminal: ask the administrator for a new terminal key.")
    }
    pub fn token_expired() -> Self {
        Self::new(
            Code::TokenExpired,
            Some("token"),
            "登录已过期（长时间未操作或已到最长时限），未作任何改动。请重新登录。",
            "The log-in has expired (idle too long, or past its longest lifetime); nothing was changed. Log in again.",
        )
    }
    pub fn token_revoked() -> Self {
        Self::new(Code::TokenRevoked, Some("token"), "这个凭据已注销或被管理员吊销，未作任何改动。工作人员请重新登录；柜台终端请向管理员申请新的终端密钥。", "This credential was logged out or revoked by the administrator; nothing was changed. Staff: log in again. A counter terminal: ask the administrator for a new key.")
    }
    pub fn terminal_not_found(id: i64) -> Self {
        Self::new(
            Code::TerminalNotFound,
            Some("terminal"),
            format!("没有编号为 {id} 的柜台终端密钥。请用 terminal list 查看。"),
            format!("There is no counter-terminal key number {id}. See terminal list."),
        )
    }
    pub fn qr_device_refused() -> Self {
        Self::new(Code::QrDeviceRefused, Some("token"), "这个医保码来自一台已取消配对、已被吊销或证书已过期的电脑，或者它无权为这位家人出示，未作任何扣款。请在已配对的电脑或手机上重新出示医保码，或到服务中心重新配对。", "This code comes from a computer that was unpaired, revoked or whose certificate has ended, or that may not show this member's code; nothing was charged. Show a new code from a paired computer, or pair again at the service centre.")
    }
    pub fn pairing_code_invalid() -> Self {
        Self::new(Code::PairingCodeInvalid, Some("code"), "配对码不正确、已过期（10分钟内有效）或已用过，这台电脑未配对。请核对后重输，或请服务中心工作人员重新生成配对码。", "The pairing code is wrong, expired (it is valid for 10 minutes) or already used; this computer was not paired. Check it and type it again, or ask the service centre's staff for a new code.")
    }
    pub fn device_not_found(id: i64) -> Self {
        Self::new(
            Code::DeviceNotFound,
            Some("device"),
            format!("没有编号为 {id} 的已配对电脑。请用 device list 查看。"),
            format!("There is no paired computer number {id}. See device list."),
        )
    }
    pub fn device_key_invalid() -> Self {
        Self::new(
            Code::DeviceKeyInvalid,
            Some("public_key"),
            "这台电脑的签名公钥格式不正确（应为64位十六进制），未配对。请重新安装或更新应用后再试。",
            "This computer's signing key is not valid (64 hexadecimal characters expected); it was not paired. Reinstall or update the app, then try again.",
        )
    }
    pub fn rate_limited(secs: i64) -> Self {
        Self::new(
            Code::RateLimited,
            None,
            format!("尝试次数过多，请 {secs} 秒后再试，未作任何改动。"),
            format!("Too many attempts; try again in {secs} s. Nothing was changed."),
        )
    }
    pub fn request_too_large(limit: usize) -> Self {
        Self::new(
            Code::RequestTooLarge,
            None,
            format!("请求内容过大（上限 {} KB），未作任何改动。请缩小文件后重试。", limit / 1024),
            format!("The request is too large (at most {} KB); nothing was changed. Make the file smaller and try again.", limit / 1024),
        )
    }
    pub fn request_timeout(secs: u64) -> Self {
        Self::new(Code::RequestTimeout, None, format!("请求在 {secs} 秒内未完成，已中止；已交给账本的操作要么完整完成，要么未做。请检查网络后重试（结算可用同一单据号重试，不会重复扣款）。"), format!("The request did not finish within {secs} s and was stopped; anything already handed to the ledger either finished whole or was not done. Check the network and try again (a settlement can be retried with the same bill number; it is never charged twice)."))
    }
    pub fn server_unreachable(url: &str, why: &str) -> Self {
        Self::new(
            Code::ServerUnreachable,
            Some("server"),
            format!("无法连接服务中心 {url}：{why}。请检查地址、网络和服务是否在运行；未作任何改动。"),
            format!("Cannot reach the service centre at {url}: {why}. Check the address, the network and that the service is running; nothing was changed."),
        )
    }
    pub fn remote_unsupported() -> Self {
        Self::new(Code::RemoteUnsupported, Some("server"), "这个命令作用于数据库本身（建库、示例数据、本机设置、备份、恢复、迁移），只能在账本所在的电脑上用 --db 执行，不能通过服务中心；未作任何改动。共享账本请用 PostgreSQL 的工具备份（pg_dump）。", "This command works on the database itself (create, demo data, this computer's role, backup, restore, moving a ledger): run it with --db on the computer that holds the ledger, not through the service centre; nothing was changed. Back up a shared ledger with PostgreSQL's tools (pg_dump).")
    }
    pub fn request_malformed(why: &str) -> Self {
        Self::new(
            Code::RequestMalformed,
            None,
            format!("请求格式不正确：{why}。未作任何改动；请检查所用客户端的版本。"),
            format!("The request is not well formed: {why}. Nothing was changed; check the client's version."),
        )
    }
    /// A PostgreSQL ledger that cannot be reached or refuses the log-in
    /// (`url` without its password).
    pub fn db_server(url: &str, why: &str) -> Self {
        Self::new(
            Code::DbOpen,
            Some("db"),
            format!("无法连接共享账本 {url}：{why}。请检查地址和端口、数据库服务器是否在运行、用户名和密码；未作任何改动。"),
            format!("Cannot reach the shared ledger at {url}: {why}. Check the address and port, that the database server is running, and the user name and password; nothing was changed."),
        )
    }
    // ---- consent and least privilege (issue 31) ------------------------------
    /// Money leaves a person's account only by that person's own act.
    pub fn consent_owner_only() -> Self {
        Self::new(
            Code::ConsentOwnerOnly,
            Some("authorizer"),
            "开通家庭共济、提高限额、解除冻结和代缴，都只能由出钱的本人办理：请本人在自己的家庭电脑上用本人的支付密码确认，或本人带身份证到服务中心办理。亲属只能查看、冻结或解除。未作任何改动。",
            "Opening 家庭共济, raising a cap, unfreezing and paying a premium are the account owner's own acts: the owner confirms on their own paired computer with their own payment password, or comes to the service centre with their ID card. A relative may only view, freeze or end it. Nothing was changed.",
        )
    }
    /// One answer for "not found", "name does not match" and "not insured"
    /// to a household: a refusal never tells a stranger's state.
    pub fn member_unmatched() -> Self {
        Self::new(
            Code::MemberUnmatched,
            Some("resident_id"),
            "没有找到与该姓名和身份证号一致、且可以绑定的参保记录。请按身份证逐字核对姓名和号码；如确认无误，请带双方身份证到社区服务中心办理。",
            "No insurance record that matches this name and ID number and can be bound. Check the name and number against the ID card; if they are right, bring both ID cards to the service centre.",
        )
    }
    pub fn drafts_too_many(max: i64) -> Self {
        Self::new(
            Code::DraftsTooMany,
            None,
            format!("您已有{max}份未办结的绑定申请。请先提交或撤回其中的申请，再新建。"),
            format!("You already have {max} open binding applications. Submit or withdraw some of them before starting another."),
        )
    }
    pub fn pay_password_current_required() -> Self {
        Self::new(
            Code::PayPasswordCurrentRequired,
            Some("current"),
            "修改支付密码须先输入当前的支付密码。忘记了请本人带身份证到社区服务中心，由工作人员当面核验后重置。",
            "Changing a payment password needs the current one. If it is forgotten, come to the service centre with your ID card to have it reset in person.",
        )
    }
    pub fn pairing_in_person() -> Self {
        Self::new(
            Code::PairingInPerson,
            Some("holder"),
            "只有在窗口当面核验户主本人身份后（接待居民时），才能为其家庭电脑生成配对码；或请管理员办理。",
            "A pairing code for a family computer is given only while you serve the holder in person at the kiosk (after checking their ID card), or by an administrator.",
        )
    }
    pub fn request_media_type() -> Self {
        Self::new(
            Code::RequestMediaType,
            None,
            "请求须为 JSON（Content-Type: application/json），未作任何改动。",
            "The request must be JSON (Content-Type: application/json). Nothing was changed.",
        )
    }
    pub fn server_busy(retry_secs: i64) -> Self {
        Self::new(
            Code::ServerBusy,
            None,
            format!("服务器正忙，请{retry_secs}秒后重试，未作任何改动。"),
            format!("The server is busy; try again in {retry_secs} s. Nothing was changed."),
        )
    }
    pub fn demo_refused(why_zh: &str, why_en: &str) -> Self {
        Self::new(
            Code::DemoRefused,
            None,
            format!("不能在这个账本上添加演示数据：{why_zh}。演示请用新的空数据库；确需如此请加 --force-demo。"),
            format!("Demo data is not added to this ledger: {why_en}. Use a new, empty database for the demo, or add --force-demo if you really mean it."),
        )
    }
    // ---- rules that answered wrongly (issue 32) -------------------------------
    pub fn premium_year_not_open(year: i64, current: i64, opens: &str, closes: &str) -> Self {
        Self::new(
            Code::PremiumYearNotOpen,
            Some("year"),
            format!("不能代缴{year}年的保费：只能缴当年（{current}年）的，或在参保地的集中缴费期（每年{opens}至{closes}）内缴下一年的。请改选年度。"),
            format!("The {year} premium cannot be paid: only this year's ({current}), or next year's during the insured region's collection period ({opens} to {closes} each year). Choose another year."),
        )
    }
    pub fn premium_tier_age(tier_zh: &str, tier_en: &str, age: i32) -> Self {
        Self::new(
            Code::PremiumTierAge,
            Some("tier"),
            format!("缴费档次“{tier_zh}”不适用于这位家人（当年{age}周岁）。请选择与其年龄相符的档次。"),
            format!("The tier \"{tier_en}\" is not for this relative (aged {age} that year). Choose the tier that fits their age."),
        )
    }
    pub fn premium_amount_not_tier(amount: &str) -> Self {
        Self::new(
            Code::PremiumAmountNotTier,
            Some("amount"),
            format!("代缴金额{amount}不是这位家人参保地当年任何适用档次的金额。代缴只能按档次缴纳，请选择档次。"),
            format!("{amount} is not the amount of any tier that fits this relative in their insured region that year. A premium is paid by tier: choose one."),
        )
    }
    pub fn premium_payer_lapsed(reason_zh: &str, reason_en: &str) -> Self {
        Self::new(
            Code::PremiumPayerLapsed,
            Some("payer"),
            format!("这条家庭共济关系已暂停支付（{reason_zh}），不能代缴。原因消除后会自动恢复。"),
            format!("This 家庭共济 relation does not pay now ({reason_en}), so it cannot pay a premium. It works again once the cause is gone."),
        )
    }
    pub fn holder_under_age(min: i32) -> Self {
        Self::new(
            Code::HolderUnderAge,
            Some("holder"),
            format!("绑定人须年满{min}周岁。未成年人的亲情账户请由其父母或其他监护人办理。"),
            format!("A holder must be at least {min}. A minor's family account is held by a parent or other guardian."),
        )
    }
    pub fn spouse_under_age(min: i32, female: bool, who_zh: &str, who_en: &str) -> Self {
        let (g_zh, g_en) = if female { ("女方", "a woman") } else { ("男方", "a man") };
        Self::new(
            Code::SpouseUnderAge,
            Some("relation"),
            format!("{who_zh}未到法定婚龄（{g_zh}{min}周岁，民法典第1047条），不能作为配偶绑定。请核对关系或身份证号；确有特殊情况请携带公证书到服务中心办理。"),
            format!("{who_en} is below the legal marriage age ({min} for {g_en}, Civil Code art. 1047) and cannot be bound as a spouse. Check the relation or the ID; a real exception goes through the service centre with a notarization."),
        )
    }
    pub fn parent_age_gap(min_years: i32, relation_zh: &str, relation_en: &str) -> Self {
        Self::new(
            Code::ParentAgeGap,
            Some("relation"),
            format!("“{relation_zh}”关系要求长辈比晚辈至少大{min_years}岁，身份证上的出生日期不符。请核对关系或身份证号；确有特殊情况请携带关系公证书到服务中心办理。"),
            format!("A \"{relation_en}\" relation needs the elder to be at least {min_years} years older, and the birth dates on the IDs say otherwise. Check the relation or the ID; a real exception goes through the service centre with a notarization."),
        )
    }
    pub fn guardian_not_parent() -> Self {
        Self::new(
            Code::GuardianNotParent,
            None,
            "只有已获批的亲情账户中该儿童的父母，才能代为激活其医保电子凭证；申请尚未获批时，请监护人带儿童的户口簿到服务中心由工作人员办理。",
            "Only the child's parent, in an approved family binding, may activate the child's e-voucher; before the application is approved, the guardian brings the child's household register to the service centre.",
        )
    }
    pub fn holder_real_name_required() -> Self {
        Self::new(
            Code::HolderRealNameRequired,
            Some("holder"),
            "首次添加家庭成员前，绑定人须先完成本人实名核验：带身份证到社区服务中心由工作人员当面核验；或上传本人身份证正面、反面照片和人脸照片，由工作人员审核通过。",
            "Before adding family for the first time, the holder's own identity is checked once: bring the ID card to the service centre, or upload photos of the ID card's front and back and of the holder's face for staff to check.",
        )
    }
    pub fn real_name_incomplete(missing_zh: &str, missing_en: &str) -> Self {
        Self::new(
            Code::RealNameIncomplete,
            Some("document"),
            format!("实名核验还缺：{missing_zh}。请先上传（未被退回的）材料再核验。"),
            format!("The identity check still needs: {missing_en}. Upload them (not rejected) first, then check again."),
        )
    }
    pub fn doc_not_members() -> Self {
        Self::new(
            Code::DocNotMembers,
            Some("document"),
            "这是绑定人本人的材料，不能代替家人的材料（出生医学证明、人脸照片、参保证明须是家人本人的）。户口簿可以附上，由工作人员确认其中有该家人那一页后才算数。",
            "This is the holder's own document and cannot stand for the relative's (the birth certificate, face photo and proof of insurance must be the relative's own). A household register may be attached: it counts once staff confirm it shows the relative.",
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
    pub fn key_mismatch(path: &str) -> Self {
        Self::new(
            Code::KeyMismatch,
            None,
            format!("本机的签名密钥文件 {path} 与这个账本登记的不一致（可能是新服务器自己生成了密钥）。请从第一台服务器复制该账本的密钥文件（仅所有者可读）到此路径，或用 QINQING_KEY_FILE 指定。未作任何改动。"),
            format!("The signing key file {path} on this machine is not the one this ledger was set up with (a new server may have made its own). Copy the ledger's key file (owner-only) from the first server to this path, or point QINQING_KEY_FILE at it. Nothing was changed."),
        )
    }
    pub fn server_insecure(url: &str) -> Self {
        Self::new(
            Code::ServerInsecure,
            Some("server"),
            format!("拒绝通过未加密的 http:// 连接 {url}：令牌和密码会以明文经过网络。请使用 https://（本机地址除外）。"),
            format!("Refusing to talk to {url} over plain http://: tokens and passwords would cross the network unencrypted. Use https:// (plain http only to this computer)."),
        )
    }
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(
            Code::Internal,
            None,
            format!("内部错误：{detail}。数据未改动，请重试；如仍出现请联系管理员。"),
            format!("Internal error: {detail}. Nothing was changed; try again, and tell the administrator if it persists."),
        )
    }
}

// ---- 亲情账户 bindings, documents, staff ----------------------------------
impl Error {
    pub fn relation_invalid(raw: &str) -> Self {
        Self::new(
            Code::RelationInvalid,
            Some("relation"),
            format!("关系“{raw}”无法识别。请选择配偶、父母、子女等列出的关系。"),
            format!("Relation \"{raw}\" is not recognised. Choose one of the listed relations (spouse, parent, child, …)."),
        )
    }
    pub fn relation_not_allowed(relation_zh: &str, relation_en: &str, region: &str, allowed_zh: &str, allowed_en: &str) -> Self {
        Self::new(
            Code::RelationNotAllowed,
            Some("relation"),
            format!("绑定人参保地（{region}）的政策不允许绑定“{relation_zh}”。可绑定的关系：{allowed_zh}。"),
            format!("The policy of the holder's insured region ({region}) does not allow binding a {relation_en}. Allowed: {allowed_en}."),
        )
    }
    pub fn relation_inconsistent(relation_zh: &str, relation_en: &str, older: bool) -> Self {
        let (zh, en) =
            if older { ("应比绑定人年长", "must be older than the holder") } else { ("应比绑定人年轻", "must be younger than the holder") };
        Self::new(
            Code::RelationInconsistent,
            Some("relation"),
            format!("所选关系“{relation_zh}”与身份证上的出生日期不符：{relation_zh}{zh}。请核对关系或身份证号。"),
            format!("The relation \"{relation_en}\" does not match the birth dates on the IDs: a {relation_en} {en}. Check the relation or the ID."),
        )
    }
    pub fn bind_self() -> Self {
        Self::new(
            Code::BindSelf,
            Some("resident_id"),
            "不能把自己绑定为自己的家庭成员。请输入家人的身份证号。",
            "You cannot bind yourself as your own family member. Enter the relative's ID.",
        )
    }
    pub fn holder_not_insured(status_zh: &str, status_en: &str) -> Self {
        Self::new(
            Code::HolderNotInsured,
            Some("holder"),
            format!("绑定人的参保状态为“{status_zh}”，需为正常参保才能绑定家人。请先恢复参保。"),
            format!("The holder's insurance is {status_en}; it must be active to bind relatives. Restore the insurance first."),
        )
    }
    pub fn member_not_insured(status_zh: &str, status_en: &str) -> Self {
        Self::new(
            Code::MemberNotInsured,
            Some("resident_id"),
            format!("该家人的参保状态为“{status_zh}”，未正常参保，不能绑定。请先为其办理参保或恢复缴费。"),
            format!("This relative's insurance is {status_en}, not active, so they cannot be bound. Get them insured (or resume contributions) first."),
        )
    }
    pub fn member_not_registered(masked: &str) -> Self {
        Self::new(
            Code::MemberNotRegistered,
            Some("resident_id"),
            format!("身份证号{masked}不在参保名单中。请核对号码，或先在“参保人登记”中登记此人。"),
            format!("Resident ID {masked} is not in the insurance register. Check the number, or register the person first."),
        )
    }
    pub fn member_id_mismatch() -> Self {
        Self::new(
            Code::MemberIdMismatch,
            Some("name"),
            "姓名与该身份证号的参保记录不一致。请按身份证上的姓名填写，并核对号码。",
            "The name does not match the insurance record of this ID. Use the name on the ID card and check the number.",
        )
    }
    pub fn member_voucher_not_activated() -> Self {
        Self::new(
            Code::MemberVoucherNotActivated,
            Some("resident_id"),
            "该家人的医保电子凭证尚未激活。年满16周岁的家人需本人先激活电子凭证，再申请绑定。",
            "This relative's medical-insurance e-voucher is not activated. A relative aged 16 or over must activate it themselves before being bound.",
        )
    }
    pub fn guardian_activation_not_allowed() -> Self {
        Self::new(
            Code::GuardianActivationNotAllowed,
            None,
            "只有未满16周岁的家人可由监护人代为激活电子凭证。年满16周岁需本人激活。",
            "Only a relative under 16 can have the e-voucher activated by a guardian. From 16 on, they activate it themselves.",
        )
    }
    pub fn holder_cap_reached(cap: usize) -> Self {
        Self::new(
            Code::HolderCapReached,
            Some("holder"),
            format!("一个账户最多绑定{cap}名家庭成员，您已达到上限。如需绑定新成员，请先解绑一位。"),
            format!("One account can bind at most {cap} family members and this one has reached that. Unbind someone first to bind a new member."),
        )
    }
    pub fn member_monthly_cap_reached(cap: usize, month: &str) -> Self {
        Self::new(
            Code::MemberMonthlyCapReached,
            Some("resident_id"),
            format!("该家人在{month}已被{cap}个账户绑定，同一自然月内最多{cap}个。请下个月再申请。"),
            format!("This relative was already bound by {cap} accounts in {month}; at most {cap} per calendar month. Apply again next month."),
        )
    }
    pub fn binding_duplicate(state_zh: &str, state_en: &str) -> Self {
        Self::new(
            Code::BindingDuplicate,
            Some("resident_id"),
            format!("您与这位家人已有一份{state_zh}的绑定，不能重复申请。请在家庭成员列表中查看。"),
            format!("You already have a binding with this relative that is {state_en}; you cannot apply twice. See the family list."),
        )
    }
    pub fn binding_not_found(id: i64) -> Self {
        Self::new(
            Code::BindingNotFound,
            None,
            format!("找不到编号为{id}的绑定申请。请刷新后重试。"),
            format!("No binding application with number {id}. Refresh and try again."),
        )
    }
    pub fn binding_wrong_state(state_zh: &str, state_en: &str, action_zh: &str, action_en: &str) -> Self {
        Self::new(
            Code::BindingWrongState,
            None,
            format!("该绑定当前为“{state_zh}”，不能{action_zh}。"),
            format!("This binding is {state_en}; it cannot be {action_en}."),
        )
    }
    pub fn binding_incomplete(missing_zh: &str, missing_en: &str) -> Self {
        Self::new(
            Code::BindingIncomplete,
            None,
            format!("申请材料还不齐全，尚缺：{missing_zh}。补齐后再提交。"),
            format!("The application is not complete yet; still missing: {missing_en}. Complete it, then submit."),
        )
    }
    pub fn binding_not_holder() -> Self {
        Self::new(
            Code::BindingNotHolder,
            None,
            "只有绑定人本人可以解绑。请由绑定人操作。",
            "Only the holder of the account can unbind. Ask the holder to do it.",
        )
    }
    pub fn doc_not_found(id: i64) -> Self {
        Self::new(
            Code::DocNotFound,
            Some("document"),
            format!("找不到编号为{id}的证件材料。请重新上传。"),
            format!("No document with number {id}. Upload it again."),
        )
    }
    pub fn doc_kind_invalid(raw: &str) -> Self {
        Self::new(
            Code::DocKindInvalid,
            Some("kind"),
            format!("材料类型“{raw}”无法识别。请选择出生医学证明、户口簿、关系公证书、参保证明、医学证明或人脸照片。"),
            format!("Document kind \"{raw}\" is not recognised. Choose birth certificate, household register, relationship notarization, proof of insurance, medical certificate or face capture."),
        )
    }
    pub fn doc_wrong_person() -> Self {
        Self::new(
            Code::DocWrongPerson,
            Some("document"),
            "这份材料既不属于绑定人也不属于该家人，不能用于此申请。请上传本人的材料。",
            "This document belongs to neither the holder nor the relative, so it cannot be used here. Upload their own document.",
        )
    }
    pub fn note_too_long(max: usize) -> Self {
        Self::new(Code::NoteTooLong, Some("note"), format!("说明最多{max}个字。请缩短。"), format!("A note has at most {max} characters. Shorten it."))
    }
    pub fn face_evidence_kind() -> Self {
        Self::new(
            Code::FaceEvidenceKind,
            Some("evidence"),
            "人脸核验的证据必须是该家人本人的“人脸照片”材料。请拍摄或上传其本人照片。",
            "Face-verification evidence must be a face-capture document of the relative themselves. Take or upload their photo.",
        )
    }
    pub fn face_not_required() -> Self {
        Self::new(
            Code::FaceNotRequired,
            None,
            "该家人未满16周岁，此申请不需要人脸核验。",
            "This relative is under 16; the application needs no face verification.",
        )
    }
    pub fn remote_not_allowed() -> Self {
        Self::new(
            Code::RemoteNotAllowed,
            None,
            "只有60周岁及以上的家人可以远程授权。其他家人请到现场或完成人脸核验。",
            "Only relatives aged 60 or over may authorize remotely. Others verify in person or by face verification.",
        )
    }
    pub fn reject_reason_empty() -> Self {
        Self::new(Code::RejectReasonEmpty, Some("reason"), "驳回时请写明原因，申请人会看到它。", "Give a reason for the rejection; the applicant will see it.")
    }
    pub fn staff_not_found(id: i64) -> Self {
        Self::new(Code::StaffNotFound, Some("staff"), format!("找不到编号为{id}的工作人员。"), format!("No staff member with number {id}."))
    }
    pub fn staff_password_wrong() -> Self {
        Self::new(Code::StaffPasswordWrong, Some("password"), "工作人员密码不正确。请重新输入。", "The staff password is not correct. Enter it again.")
    }
    pub fn staff_password_weak(min: usize) -> Self {
        Self::new(
            Code::StaffPasswordWeak,
            Some("password"),
            format!("密码至少{min}个字符。请设置更长的密码。"),
            format!("A password has at least {min} characters. Choose a longer one."),
        )
    }
    pub fn staff_password_mismatch() -> Self {
        Self::new(Code::StaffPasswordMismatch, Some("password"), "两次输入的密码不一致。请重新输入。", "The two passwords differ. Enter them again.")
    }
    pub fn staff_role_invalid(raw: &str) -> Self {
        Self::new(
            Code::StaffRoleInvalid,
            Some("role"),
            format!("角色“{raw}”无效：请选择 admin（管理员）或 staff（工作人员）。"),
            format!("Role \"{raw}\" is not valid: choose admin or staff."),
        )
    }
    pub fn staff_inactive() -> Self {
        Self::new(Code::StaffInactive, Some("staff"), "该工作人员账号已停用，不能办理业务。", "This staff account is disabled and cannot act.")
    }
}

// ---- the document pipeline ------------------------------------------------
impl Error {
    pub fn doc_empty() -> Self {
        Self::new(
            Code::DocEmpty,
            Some("file"),
            "文件是空的（0字节）。请重新拍摄或选择文件。",
            "The file is empty (0 bytes). Take the photo again or pick another file.",
        )
    }
    pub fn doc_too_large(got: u64, max: u64) -> Self {
        let mb = |b: u64| format!("{:.1}", b as f64 / 1_048_576.0);
        Self::new(
            Code::DocTooLarge,
            Some("file"),
            format!("文件太大（{} MB），上限为 {} MB。请用手机相机的标准画质重拍，或压缩后再上传。", mb(got), mb(max)),
            format!("The file is too large ({} MB); the limit is {} MB. Retake it at the camera's standard quality or compress it.", mb(got), mb(max)),
        )
    }
    pub fn doc_unsupported() -> Self {
        Self::new(
            Code::DocUnsupported,
            Some("file"),
            "无法识别的文件类型。请上传 JPEG、PNG、WebP 照片或 PDF 文件（按内容识别，与文件名无关）。",
            "Unrecognised file type. Upload a JPEG, PNG or WebP photo, or a PDF (recognised by content, not by name).",
        )
    }
    pub fn doc_corrupt(media: &str, detail: &str) -> Self {
        Self::new(
            Code::DocCorrupt,
            Some("file"),
            format!("文件已损坏或不完整（{media}：{detail}）。请重新拍摄或从原处重新导出。"),
            format!("The file is damaged or incomplete ({media}: {detail}). Take it again or export it again from its source."),
        )
    }
    pub fn doc_too_many_pixels(max_side: u32) -> Self {
        Self::new(
            Code::DocTooManyPixels,
            Some("file"),
            format!("图片尺寸过大（单边上限 {max_side} 像素），不予处理。请上传普通相机照片。"),
            format!("The image is too large to process (at most {max_side} pixels a side). Upload an ordinary camera photo."),
        )
    }
    pub fn doc_in_use(state_zh: &str, state_en: &str) -> Self {
        Self::new(
            Code::DocInUse,
            Some("document"),
            format!("这份材料属于一份{state_zh}的绑定申请，不能删除。"),
            format!("This document belongs to a binding application that is {state_en}; it cannot be deleted."),
        )
    }
}

// ---- QR codes, settlement, 家庭共济 ----------------------------------------
impl Error {
    pub fn qr_malformed() -> Self {
        Self::new(
            Code::QrMalformed,
            Some("token"),
            "这不是有效的医保码（格式不对或不完整）。请让对方刷新医保码后重新扫描。",
            "This is not a valid insurance code (wrong format or incomplete). Ask for a refreshed code and scan again.",
        )
    }
    pub fn qr_bad_signature() -> Self {
        Self::new(
            Code::QrBadSignature,
            Some("token"),
            "医保码签名校验失败：内容被改动过，或不是本系统签发的。请让对方刷新医保码。",
            "The code's signature does not verify: it was altered or not issued by this system. Ask for a refreshed code.",
        )
    }
    pub fn qr_expired(secs: i64) -> Self {
        Self::new(
            Code::QrExpired,
            Some("token"),
            format!("医保码已过期（{secs}秒前）。医保码每60秒刷新，截图无效。请出示当前的医保码。"),
            format!("The code expired {secs} s ago. Codes refresh every 60 seconds and screenshots do not work. Show the current code."),
        )
    }
    pub fn qr_not_yet_valid() -> Self {
        Self::new(
            Code::QrNotYetValid,
            Some("token"),
            "医保码的签发时间晚于本机时间。请核对收款终端的时钟。",
            "The code was issued later than this terminal's clock says. Check the terminal's clock.",
        )
    }
    pub fn qr_voucher_not_activated() -> Self {
        Self::new(
            Code::QrVoucherNotActivated,
            None,
            "电子凭证尚未激活，不能出示医保码。请先激活（未满16周岁由监护人代为激活）。",
            "The e-voucher is not activated, so no code can be shown. Activate it first (a guardian does it for a child under 16).",
        )
    }
    pub fn qr_not_bound() -> Self {
        Self::new(
            Code::QrNotBound,
            None,
            "您与这位家人没有生效中的亲情账户绑定，不能代为出示医保码。",
            "You have no active family-account binding with this relative, so you cannot show their code.",
        )
    }
    pub fn qr_face_required() -> Self {
        Self::new(
            Code::QrFaceRequired,
            None,
            "年满16周岁的家人首次使用前须完成本人人脸核验。请到服务中心或在绑定时完成核验。",
            "A member aged 16 or over must pass their own face verification before first use. Complete it at the service centre or when binding.",
        )
    }
    pub fn qr_already_used() -> Self {
        Self::new(
            Code::QrAlreadyUsed,
            Some("token"),
            "这个医保码已经支付过一笔费用，一个码只能用一次。请让对方刷新医保码。",
            "This code has already paid a bill; a code pays once. Ask for a refreshed code.",
        )
    }
    pub fn institution_not_found(id: i64) -> Self {
        Self::new(Code::InstitutionNotFound, Some("institution"), format!("找不到编号为{id}的医药机构。"), format!("No institution with number {id}."))
    }
    pub fn institution_not_designated() -> Self {
        Self::new(
            Code::InstitutionNotDesignated,
            Some("institution"),
            "该机构不是医保定点医药机构，不能用医保结算。请自费或到定点机构就医。",
            "This institution is not designated for insurance settlement. Pay yourself or go to a designated institution.",
        )
    }
    pub fn institution_not_networked() -> Self {
        Self::new(
            Code::InstitutionNotNetworked,
            Some("institution"),
            "该机构未开通异地就医直接结算，外地参保人不能在此刷医保码。请先自费，回参保地报销。",
            "This institution does not settle for patients insured elsewhere. Pay now and claim at the insured region.",
        )
    }
    pub fn filing_required() -> Self {
        Self::new(
            Code::FilingRequired,
            Some("token"),
            "参保人在此地就医没有有效的异地就医备案。请先办理备案；急诊可按急诊结算（报销比例较低）。",
            "The member has no valid cross-region filing for this place. File first; an emergency may settle as emergency (at a lower ratio).",
        )
    }
    pub fn scenario_invalid(raw: &str) -> Self {
        Self::new(
            Code::ScenarioInvalid,
            Some("scenario"),
            format!("结算场景“{raw}”无效：请选择门诊、药店、在线购药或住院。"),
            format!("Scenario \"{raw}\" is not valid: choose outpatient, pharmacy, online_pharmacy or inpatient."),
        )
    }
    pub fn bill_id_invalid() -> Self {
        Self::new(
            Code::BillIdInvalid,
            Some("bill"),
            "账单号应为1–64个字母、数字或 - _ . / 字符。",
            "A bill number has 1–64 letters, digits or - _ . / characters.",
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
    pub fn aid_authorizer_not_employee() -> Self {
        Self::new(
            Code::AidAuthorizerNotEmployee,
            Some("authorizer"),
            "只有参加职工医保、个人账户有余额的人才能开通家庭共济。",
            "Only someone with employee insurance and money in their personal account can share it.",
        )
    }
    pub fn aid_authorizer_no_balance() -> Self {
        Self::new(
            Code::AidAuthorizerNoBalance,
            Some("authorizer"),
            "授权人个人账户余额为0，暂不能开通家庭共济。",
            "The authorizer's personal account is empty; family aid cannot start now.",
        )
    }
    pub fn aid_face_required(region: &str) -> Self {
        Self::new(
            Code::AidFaceRequired,
            Some("authorizer"),
            format!("授权人参保地（{region}）要求开通家庭共济前完成本人人脸核验。请先到服务中心核验。"),
            format!("The authorizer's insured region ({region}) requires their own face verification before family aid. Verify at the service centre first."),
        )
    }
    pub fn aid_not_found(id: i64) -> Self {
        Self::new(Code::AidNotFound, None, format!("找不到编号为{id}的家庭共济关系。"), format!("No family-aid relation with number {id}."))
    }
    pub fn aid_duplicate() -> Self {
        Self::new(
            Code::AidDuplicate,
            Some("beneficiary"),
            "已为这位家人开通了家庭共济，不能重复开通。可以修改限额或冻结。",
            "Family aid for this relative already exists. Change its cap or freeze it instead.",
        )
    }
    pub fn aid_wrong_state(state: &str) -> Self {
        Self::new(
            Code::AidWrongState,
            None,
            format!("该家庭共济关系当前为“{state}”，不能这样操作。"),
            format!("This family-aid relation is {state}; that cannot be done now."),
        )
    }
    pub fn premium_not_resident() -> Self {
        Self::new(
            Code::PremiumNotResident,
            Some("beneficiary"),
            "只能为参加城乡居民医保的家人代缴保费。",
            "Premiums can be paid only for a relative with resident insurance.",
        )
    }
    pub fn premium_cap_reached(max: i64, year: i64) -> Self {
        Self::new(
            Code::PremiumCapReached,
            Some("beneficiary"),
            format!("{year}年您已为{max}位家人代缴，已达上限。"),
            format!("You already paid premiums for {max} relatives in {year}, the limit."),
        )
    }
    pub fn premium_insufficient() -> Self {
        Self::new(Code::PremiumInsufficient, Some("amount"), "个人账户余额不足以代缴这笔保费。", "The personal account does not hold enough for this premium.")
    }
    pub fn premium_duplicate(year: i64) -> Self {
        Self::new(
            Code::PremiumDuplicate,
            Some("year"),
            format!("{year}年已为这位家人代缴过。"),
            format!("The {year} premium for this relative is already paid."),
        )
    }
    pub fn premium_no_aid() -> Self {
        Self::new(
            Code::PremiumNoAid,
            Some("beneficiary"),
            "代缴需要与这位家人之间有生效的家庭共济关系。请先开通。",
            "Paying a premium needs an active family-aid relation with this relative. Set it up first.",
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
}

// ---- kiosk --------------------------------------------------------------------
impl Error {
    pub fn staff_locked(minutes: i64) -> Self {
        Self::new(
            Code::StaffLocked,
            Some("password"),
            format!("密码错误次数过多，账号已锁定，请{minutes}分钟后再试，或请管理员协助。"),
            format!("Too many wrong passwords: the account is locked. Try again in {minutes} min, or ask an administrator."),
        )
    }
    pub fn staff_not_admin() -> Self {
        Self::new(Code::StaffNotAdmin, Some("staff"), "只有管理员可以这样操作。", "Only an administrator can do this.")
    }
    pub fn staff_exists() -> Self {
        Self::new(
            Code::StaffExists,
            None,
            "已经有工作人员账号了，首次设置只能进行一次。请登录。",
            "Staff accounts already exist; first-run setup happens once. Log in instead.",
        )
    }
    pub fn not_logged_in() -> Self {
        Self::new(Code::NotLoggedIn, Some("staff"), "请先由工作人员登录。", "A staff member must log in first.")
    }
    pub fn resident_not_attested() -> Self {
        Self::new(
            Code::ResidentNotAttested,
            Some("attest"),
            "请先当面核对居民本人与身份证，并勾选确认。",
            "Compare the resident with their ID card in person, then tick the confirmation.",
        )
    }
    pub fn resident_session_none() -> Self {
        Self::new(Code::ResidentSessionNone, None, "当前没有正在办理的居民。", "No resident is being served now.")
    }
    pub fn backup_failed(detail: impl fmt::Display) -> Self {
        Self::new(
            Code::BackupFailed,
            Some("file"),
            format!("备份或恢复失败：{detail}。原数据库未改动。"),
            format!("Backup or restore failed: {detail}. The database was not changed."),
        )
    }

    /// `restore` from a path with no file: said before anything is created.
    pub fn backup_missing(path: &str) -> Self {
        Self::new(
            Code::BackupFailed,
            Some("file"),
            format!("找不到备份文件 {path}：请检查路径（或换一个备份文件）后再试。没有创建或改动任何数据库。"),
            format!("There is no backup file at {path}: check the path (or choose another backup) and try again. No database was created or changed."),
        )
    }

    /// A file that is not a Qinqing backup this version can restore.
    pub fn backup_unusable(path: &str) -> Self {
        Self::new(
            Code::BackupFailed,
            Some("file"),
            format!("{path} 不是可用的亲情医保备份（已损坏，或来自更新的版本）：请换一个备份文件。原数据库未改动。"),
            format!("{path} is not a usable Qinqing backup (damaged, or from a newer version): choose another backup file. The database was not changed."),
        )
    }
}

// ---- rules made precise (DOMAIN §§2, 4, 5) ---------------------------------------
impl Error {
    pub fn bill_conflict() -> Self {
        Self::new(
            Code::BillConflict,
            Some("bill"),
            "这个账单号在本机构已经结算过另一笔费用（参保人、金额或场景不同），未扣任何款。请核对账单号。",
            "This bill number was already settled at this institution for a different patient, amount or scenario; nothing was charged. Check the bill number.",
        )
    }
    pub fn amount_zero(field: &'static str) -> Self {
        Self::new(Code::AmountZero, Some(field), "金额必须大于0。请填写实际金额。", "The amount must be more than zero. Enter the actual amount.")
    }
    pub fn setting_unknown(key: &str) -> Self {
        Self::new(
            Code::SettingUnknown,
            Some("key"),
            format!("没有名为“{key}”的设置。用 setting list 查看全部设置。"),
            format!("There is no setting \"{key}\". See setting list for all settings."),
        )
    }
    pub fn setting_out_of_range(key: &str, min: i64, max: i64) -> Self {
        Self::new(
            Code::SettingOutOfRange,
            Some("value"),
            format!("“{key}”须为{min}到{max}之间的整数。未作任何更改。"),
            format!("\"{key}\" must be a whole number from {min} to {max}. Nothing was changed."),
        )
    }
    pub fn stay_required() -> Self {
        Self::new(
            Code::StayRequired,
            Some("scenario"),
            "住院费用在出院时按入院登记结算：请先用医保码办理入院登记，出院时选择该住院记录结算。",
            "Inpatient bills settle at discharge against the admission: admit with the code first, then settle the stay at discharge.",
        )
    }
    pub fn stay_not_found(id: i64) -> Self {
        Self::new(Code::StayNotFound, Some("stay"), format!("找不到编号为{id}的住院记录。"), format!("No hospital stay with number {id}."))
    }
    pub fn stay_wrong_state() -> Self {
        Self::new(Code::StayWrongState, Some("stay"), "该住院记录已经结算，不能再次结算。", "This stay has already been settled; it cannot be settled again.")
    }
    pub fn stay_scenario() -> Self {
        Self::new(
            Code::StayScenario,
            Some("scenario"),
            "只有住院才办理入院登记。门诊、药店请直接扫码结算。",
            "Only inpatient care opens a stay. For outpatient and pharmacy, scan and settle directly.",
        )
    }
    pub fn remote_code_wrong(left: i64) -> Self {
        Self::new(
            Code::RemoteCodeWrong,
            Some("code"),
            format!("确认码不对。请让家人再念一遍短信里的6位数字（还可尝试{left}次）。"),
            format!("That confirmation code is wrong. Ask the member to read the 6 digits from the message again ({left} tries left)."),
        )
    }
    pub fn remote_code_expired() -> Self {
        Self::new(
            Code::RemoteCodeExpired,
            Some("code"),
            "确认码已过期或已作废。请重新发送确认码给家人。",
            "The confirmation code expired or was used up. Send a new code to the member.",
        )
    }
    pub fn remote_code_none() -> Self {
        Self::new(
            Code::RemoteCodeNone,
            Some("code"),
            "还没有给家人发送确认码。请先发送，再请家人告诉您收到的数字。",
            "No confirmation code has been sent to the member yet. Send one, then ask the member for the digits.",
        )
    }
    pub fn filing_region_too_broad(code: &str) -> Self {
        Self::new(
            Code::FilingRegionTooBroad,
            Some("region"),
            format!("备案地“{code}”是省级代码：请选择就医所在的地级市（如广州市440100），直辖市可直接选市（如北京市110000）。"),
            format!("\"{code}\" is a province: file for the city where care happens (e.g. 440100 Guangzhou); a municipality as a whole (e.g. 110000 Beijing)."),
        )
    }
    pub fn path_protected(path: &str) -> Self {
        Self::new(Code::PathProtected, Some("file"), format!("不能使用“{path}”：这是本程序的数据目录（数据库和居民材料所在处）。请选择其他位置，例如“文档”或“下载”。"), format!("\"{path}\" cannot be used: it is the app's data directory (the database and residents' documents). Choose another place, such as Documents or Downloads."))
    }
    pub fn remote_code_too_many(n: i64) -> Self {
        Self::new(
            Code::RemoteCodeTooMany,
            Some("code"),
            format!("这份申请24小时内已发送{n}次确认码，请明天再试，或请家人到服务中心当面办理。"),
            format!("This application has sent {n} codes in 24 hours. Try again tomorrow, or have the member come to the service centre."),
        )
    }
    pub fn db_missing(path: &str) -> Self {
        Self::new(
            Code::DbMissing,
            Some("db"),
            format!("找不到数据库“{path}”，未创建任何文件。请检查路径；新建数据库请用 qinqing-cli init（或 demo seed）。"),
            format!("There is no database at \"{path}\"; nothing was created. Check the path; to start a new one use qinqing-cli init (or demo seed)."),
        )
    }
    /// A file-level operation asked of a PostgreSQL ledger (its backups are
    /// PostgreSQL's own: pg_dump, point-in-time recovery).
    pub fn backend_unsupported(what_zh: &str, what_en: &str) -> Self {
        Self::new(Code::BackendUnsupported, Some("db"), format!("共享账本（PostgreSQL）不支持{what_zh}，未作任何改动。请由机构IT用PostgreSQL自己的工具（pg_dump、时间点恢复）备份和恢复。"), format!("A shared (PostgreSQL) ledger does not support {what_en}; nothing was changed. Its backups are PostgreSQL's own (pg_dump, point-in-time recovery), run by the centre's IT."))
    }
    pub fn db_not_database(path: &str) -> Self {
        Self::new(
            Code::DbNotDatabase,
            Some("db"),
            format!("“{path}”不是亲情医保的数据库文件（也不是SQLite数据库），未作任何改动。请检查路径。"),
            format!("\"{path}\" is not a Qinqing database (not an SQLite database at all); nothing was changed. Check the path."),
        )
    }
    pub fn doc_incomplete() -> Self {
        Self::new(Code::DocIncomplete, Some("file"), "这个文件不完整（数据在图片结束前就断了，可能是上传中断或复制未完成），未保存。请重新拍照或重新复制文件后再上传。", "This file is incomplete (its data stops before the picture ends: an interrupted upload or copy); nothing was stored. Take the photo again or copy the file again, then upload.")
    }
    pub fn pay_confirmation_required() -> Self {
        Self::new(
            Code::PayConfirmationRequired,
            Some("pay_password"),
            "请付款人输入6位支付密码确认这笔付款。",
            "The payer must confirm this payment with their 6-digit payment password.",
        )
    }
    pub fn pay_password_not_set() -> Self {
        Self::new(Code::PayPasswordNotSet, Some("pay_password"), "参保人还没有设置支付密码，不能刷码支付。请先在家庭版或服务中心设置（未满16周岁由监护人设置）。", "The member has no payment password yet and cannot pay by code. Set one first in the family app or at the service centre (a guardian sets it for a child under 16).")
    }
    pub fn pay_password_wrong(left: i64) -> Self {
        Self::new(
            Code::PayPasswordWrong,
            Some("pay_password"),
            format!("支付密码不正确，未扣款。还可尝试{left}次。"),
            format!("Wrong payment password; nothing was charged. {left} tries left."),
        )
    }
    pub fn pay_password_locked(minutes: i64) -> Self {
        Self::new(
            Code::PayPasswordLocked,
            Some("pay_password"),
            format!("支付密码错误次数过多，已锁定，请{minutes}分钟后再试。本次未扣款。"),
            format!("Too many wrong payment passwords: locked. Try again in {minutes} min. Nothing was charged."),
        )
    }
    pub fn pay_password_weak() -> Self {
        Self::new(
            Code::PayPasswordWeak,
            Some("pay_password"),
            "支付密码须为6位数字，不能是相同数字或连续数字（如111111、123456）。",
            "A payment password is 6 digits, not all the same and not a run (like 111111 or 123456).",
        )
    }
    pub fn pay_code_wrong(left: i64) -> Self {
        Self::new(
            Code::PayCodeWrong,
            Some("sms_code"),
            format!("验证码不对（或不是这张账单、这个金额的）。请让付款人再念一遍短信里的6位数字（还可尝试{left}次）。"),
            format!(
                "That code is wrong (or was sent for another bill or amount). Ask the payer to read the 6 digits from the message again ({left} tries left)."
            ),
        )
    }
    pub fn pay_code_gone() -> Self {
        Self::new(
            Code::PayCodeGone,
            Some("sms_code"),
            "这个码没有可用的验证码：没有发送过、已过期或错误次数已满。请重新发送验证码，或请付款人出示新的医保码。",
            "There is no usable code for this payment: none was sent, it expired, or too many wrong tries. Send a new code, or ask the payer to show a new insurance code.",
        )
    }
    pub fn pay_code_not_used(scenario: &str) -> Self {
        Self::new(
            Code::PayCodeNotUsed,
            Some("scenario"),
            format!("“{scenario}”这个场景不用短信验证码确认付款，请按屏幕提示的方式确认。"),
            format!("The scenario \"{scenario}\" does not confirm payments with a one-time code; confirm it the way the screen asks."),
        )
    }
    pub fn pay_code_too_many(sends: i64) -> Self {
        Self::new(
            Code::PayCodeTooMany,
            Some("sms_code"),
            format!("同一个医保码至多发送{sends}次验证码。请付款人出示新的医保码后再发送。"),
            format!("At most {sends} codes are sent for one insurance code. Ask the payer to show a new insurance code, then send again."),
        )
    }
    pub fn id_face_check_required() -> Self {
        Self::new(
            Code::IdFaceCheckRequired,
            Some("id_face_checked"),
            "住院登记须由收费员核对患者身份证并当面核对本人后勾选确认。",
            "Inpatient admission needs the cashier to check the patient's ID card and face in person, then tick the confirmation.",
        )
    }
    pub fn aid_online_cap_too_high(max_fen: i64) -> Self {
        let yuan = max_fen / 100;
        Self::new(
            Code::AidOnlineCapTooHigh,
            Some("online_daily_cap"),
            format!("在线购药每日限额最高{yuan}元。请填写不超过{yuan}元的金额，或不设限额。"),
            format!("The online-pharmacy daily cap is at most ¥{yuan}. Enter at most ¥{yuan}, or no cap."),
        )
    }
    pub fn staff_password_common() -> Self {
        Self::new(
            Code::StaffPasswordCommon,
            Some("password"),
            "这个密码太常见，很容易被猜到。请换一个不常见的密码（可用几个词加数字组合）。",
            "This password is too common and easy to guess. Choose an uncommon one (a few words and digits work well).",
        )
    }
    pub fn forbidden() -> Self {
        Self::new(
            Code::Forbidden,
            None,
            "您没有权限办理这项业务，或这不是您家庭的信息。如需办理，请到社区服务中心由工作人员协助。",
            "You may not do this, or this is not your family's information. Ask the staff at the service centre if you need it done.",
        )
    }
    pub fn aid_letter_unsigned() -> Self {
        Self::new(
            Code::AidLetterUnsigned,
            Some("letter"),
            "请先阅读并签署家庭共济授权承诺书（承诺书内容已更新时须重新签署）。",
            "Read and sign the family-aid commitment letter first (sign again if its text has changed).",
        )
    }
    pub fn premium_tier_unknown(region: &str, year: i64) -> Self {
        Self::new(
            Code::PremiumTierUnknown,
            Some("tier"),
            format!("{region}在{year}年没有这个缴费档次。请从列表中选择。"),
            format!("Region {region} has no such contribution tier for {year}. Choose one from the list."),
        )
    }
    pub fn premium_region_mismatch(record: &str) -> Self {
        Self::new(
            Code::PremiumRegionMismatch,
            Some("region"),
            format!("所选参保区划与家人的参保记录（{record}）不一致。请核对后重新选择。"),
            format!("The insured region chosen does not match the relative's record ({record}). Check it and choose again."),
        )
    }
    pub fn filing_not_found(id: i64) -> Self {
        Self::new(Code::FilingNotFound, Some("filing"), format!("找不到编号为{id}的异地就医备案。"), format!("No cross-region filing with number {id}."))
    }
    pub fn filing_reason_invalid(raw: &str) -> Self {
        Self::new(
            Code::FilingReasonInvalid,
            Some("reason"),
            format!("备案类型“{raw}”无效：请选择异地长期居住、异地工作或临时外出就医。"),
            format!("Filing reason \"{raw}\" is not valid: choose long-term residence, work, or temporary."),
        )
    }
    pub fn doc_rejected(kinds_zh: &str, kinds_en: &str) -> Self {
        Self::new(
            Code::DocRejected,
            Some("documents"),
            format!("以下材料已被驳回，不能作为依据：{kinds_zh}。请重新上传清晰的材料。"),
            format!("These documents were rejected and count for nothing: {kinds_en}. Upload clear ones again."),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message_en)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(ref f, _) = e {
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) {
                return Error::db_busy();
            }
            if f.extended_code == 2067 || f.extended_code == 1555 {
                // SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY
                return Error::internal(e).with_sql(SqlFault::Unique);
            }
        }
        if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
            return Error::no_rows();
        }
        Error::internal(e)
    }
}

impl Error {
    /// A single-row query found no row.
    pub fn no_rows() -> Self {
        Error::internal("query returned no rows").with_sql(SqlFault::NoRows)
    }

    pub fn with_sql(mut self, fault: SqlFault) -> Self {
        self.sql = Some(fault);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_code_matches_as_str() {
        for code in [Code::IdChecksum, Code::PersonDuplicateId, Code::DbBusy, Code::NameInvalidChar] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().to_string()));
        }
    }

    #[test]
    fn combine_keeps_all() {
        let e = Error::combine(vec![Error::name_empty(), Error::id_empty()]).unwrap();
        assert_eq!(e.code, Code::NameEmpty);
        assert_eq!(e.also.len(), 1);
        assert_eq!(e.also[0].code, Code::IdEmpty);
        assert!(Error::combine(vec![]).is_none());
    }

    #[test]
    fn busy_maps_to_db_busy() {
        let e: Error = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error { code: rusqlite::ErrorCode::DatabaseBusy, extended_code: 5 }, None).into();
        assert_eq!(e.code, Code::DbBusy);
        assert_eq!(e.kind, Kind::Unavailable);
    }
}
