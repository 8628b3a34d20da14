//! The one error type of the domain.
//!
//! Every refusal has a stable `code` (SCREAMING_SNAKE_CASE, never renamed once
//! shipped), the form `field` it concerns (so the UI can show it next to that
//! field), and a message in Chinese and in English that tells the person what
//! to do. Every message is written once, in the catalogue of its area
//! (the files beside this one).

use serde::{Deserialize, Serialize};

// The messages, one catalogue per area: each constructor names its code, the
// field, and what to do, in Chinese and English.
mod access;
mod aid;
mod binding;
mod person;
mod personal_data;
mod settle;
mod store;
use std::borrow::Cow;
use std::fmt;
pub use store::DB_LOST_RETRY_SECS;

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
    DocUnreadable,
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
    LedgerKeyMissing,
    BackupPassphraseWrong,
    BackupPassphraseMissing,
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
    EraseNeededByBinding,
    EraseNeededByAid,
    EraseNeededByStay,
    EraseReasonEmpty,
    EraseReasonInvalid,
    EraseReasonIdentifies,
    PersonExportDirNotEmpty,
    DbBusy,
    DbTooNew,
    DbOpen,
    DbLost,
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
            Code::DocUnreadable => "DOC_UNREADABLE",
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
            Code::LedgerKeyMissing => "LEDGER_KEY_MISSING",
            Code::BackupPassphraseWrong => "BACKUP_PASSPHRASE_WRONG",
            Code::BackupPassphraseMissing => "BACKUP_PASSPHRASE_MISSING",
            Code::RemoteCodeTooMany => "REMOTE_CODE_TOO_MANY",
            Code::PremiumTierUnknown => "PREMIUM_TIER_UNKNOWN",
            Code::PremiumRegionMismatch => "PREMIUM_REGION_MISMATCH",
            Code::FilingNotFound => "FILING_NOT_FOUND",
            Code::FilingReasonInvalid => "FILING_REASON_INVALID",
            Code::DbBusy => "DB_BUSY",
            Code::DbTooNew => "DB_TOO_NEW",
            Code::DbOpen => "DB_OPEN",
            Code::DbLost => "DB_LOST",
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
            Code::EraseNeededByBinding => "ERASE_NEEDED_BY_BINDING",
            Code::EraseNeededByAid => "ERASE_NEEDED_BY_AID",
            Code::EraseNeededByStay => "ERASE_NEEDED_BY_STAY",
            Code::EraseReasonEmpty => "ERASE_REASON_EMPTY",
            Code::EraseReasonInvalid => "ERASE_REASON_INVALID",
            Code::EraseReasonIdentifies => "ERASE_REASON_IDENTIFIES",
            Code::PersonExportDirNotEmpty => "PERSON_EXPORT_DIR_NOT_EMPTY",
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
            Code::DbBusy | Code::DbOpen | Code::DbLost | Code::DbTooNew | Code::ServerUnreachable | Code::RequestTimeout | Code::ServerBusy => {
                Kind::Unavailable
            }
            // A stored file that does not open is a failure of the store, not of the request.
            Code::Internal | Code::DocUnreadable => Kind::Internal,
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

/// A store condition that callers act on (see `qinqing_core::store`).
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message_en)
    }
}

impl std::error::Error for Error {}

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
}
