//! How the payer confirms a payment, per scenario (DOMAIN §4, seed 004;
//! issue 32 item 6), decided from policy data an administrator keeps — the
//! settings `confirm_outpatient`, `confirm_pharmacy`,
//! `confirm_online_pharmacy` and `confirm_inpatient`, each a list of the
//! methods that scenario accepts, any one of which suffices, in the order
//! the counter is asked for them:
//!
//! | scenario | default | |
//! | --- | --- | --- |
//! | outpatient (门诊) | `sms_code,pay_password` | a one-time code sent to the payer's record, or the payment password |
//! | pharmacy (药店) | `pay_password,face` | the payment password, or the face checked at the counter |
//! | online pharmacy (在线购药) | `pay_password,face` | the payment password, or the face checked by the pharmacy's app |
//! | inpatient (住院, at admission) | `id_face` | ID card and face checked by the cashier |
//!
//! The one-time code (`sms_code`): the counter asks for it
//! (`Qinqing::send_pay_code` in `qinqing-core`) with the bill filled in; a random
//! 6-digit code goes to the member's outbox (the stand-in for the SMS to the
//! phone on their record — a child's is read by the parent, who keeps the
//! child's payment password too), naming the institution and the amount. It
//! is bound to the shown code (its nonce, so to one payment), the
//! institution, the bill number, the scenario and the amount; it lasts
//! [`PAY_CODE_SECS`], allows [`PAY_CODE_ATTEMPTS`] wrong tries in all and
//! [`PAY_CODE_SENDS`] sends per shown code, and is kept only as a hash
//! peppered with the installation's secret (a copied ledger cannot try the
//! million codes). It is used up by the settlement it confirms.
//!
//! `face` and `id_face` are the counter's attestation (the institution's
//! terminal says it checked); each such settlement is audited with the
//! method, so an attestation is traceable to the terminal that gave it.
//!
//! This module is pure: the methods, their parsing, and the choice among
//! what a request brings.

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use serde::Serialize;

/// One way to confirm a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The payer's 6-digit payment password.
    PayPassword,
    /// A one-time code sent to the payer's record (the outbox).
    SmsCode,
    /// The payer's face, checked by the counter or the pharmacy's app.
    Face,
    /// ID card and face, checked by the cashier in person.
    IdFace,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::PayPassword, Method::SmsCode, Method::Face, Method::IdFace];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::PayPassword => "pay_password",
            Method::SmsCode => "sms_code",
            Method::Face => "face",
            Method::IdFace => "id_face",
        }
    }

    pub fn parse(raw: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == raw.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            Method::PayPassword => "支付密码",
            Method::SmsCode => "短信验证码",
            Method::Face => "人脸识别",
            Method::IdFace => "身份证和人脸核验",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Method::PayPassword => "the payment password",
            Method::SmsCode => "the one-time code sent to the payer",
            Method::Face => "a face check",
            Method::IdFace => "the ID card and face checked in person",
        }
    }

    /// The request field that carries it (for the error's field).
    pub fn field(self) -> &'static str {
        match self {
            Method::PayPassword => "pay_password",
            Method::SmsCode => "sms_code",
            Method::Face => "face_checked",
            Method::IdFace => "id_face_checked",
        }
    }
}

/// How long a one-time payment code lasts.
pub const PAY_CODE_SECS: i64 = 300;
/// Wrong tries at one shown code's payment code, over all its sends.
pub const PAY_CODE_ATTEMPTS: i64 = 5;
/// Sends of a payment code per shown code.
pub const PAY_CODE_SENDS: i64 = 3;

/// The setting that lists a scenario's methods.
pub fn setting_key(s: Scenario) -> &'static str {
    match s {
        Scenario::Outpatient => "confirm_outpatient",
        Scenario::Pharmacy => "confirm_pharmacy",
        Scenario::OnlinePharmacy => "confirm_online_pharmacy",
        Scenario::Inpatient => "confirm_inpatient",
    }
}

/// The scenario a confirmation setting is for.
pub fn scenario_of(key: &str) -> Option<Scenario> {
    [Scenario::Outpatient, Scenario::Pharmacy, Scenario::OnlinePharmacy, Scenario::Inpatient].into_iter().find(|s| setting_key(*s) == key)
}

/// Seed 004's methods, the default of each scenario's setting.
pub fn default_methods(s: Scenario) -> &'static [Method] {
    match s {
        Scenario::Outpatient => &[Method::SmsCode, Method::PayPassword],
        Scenario::Pharmacy | Scenario::OnlinePharmacy => &[Method::PayPassword, Method::Face],
        Scenario::Inpatient => &[Method::IdFace],
    }
}

/// The methods a scenario can take at all: an admission carries no bill to
/// send a code for and is at the hospital's desk (no app's face check); an
/// online purchase has no one in person to look at an ID card.
pub fn possible(s: Scenario) -> &'static [Method] {
    match s {
        Scenario::Outpatient | Scenario::Pharmacy => &Method::ALL,
        Scenario::OnlinePharmacy => &[Method::PayPassword, Method::SmsCode, Method::Face],
        Scenario::Inpatient => &[Method::IdFace, Method::PayPassword],
    }
}

/// Check and normalize a scenario's list as an administrator typed it:
/// known methods this scenario can take, comma-separated (a full-width `，`
/// or a space also separates), duplicates dropped, at least one.
pub fn parse_methods(key: &str, raw: &str) -> Result<Vec<Method>> {
    let s = scenario_of(key).ok_or_else(|| Error::setting_unknown(key))?;
    let mut out: Vec<Method> = Vec::new();
    for p in raw.split([',', '，', ' ', '\t', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let m = Method::parse(p).filter(|m| possible(s).contains(m)).ok_or_else(|| methods_invalid(key, s, p))?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.is_empty() {
        return Err(methods_invalid(key, s, ""));
    }
    Ok(out)
}

/// The list a stored value holds; the scenario's default when unset or when
/// nothing in it is usable (a hand-edited database cannot leave a scenario
/// without a check).
pub fn stored_methods(s: Scenario, raw: Option<&str>) -> Vec<Method> {
    let listed: Vec<Method> =
        raw.unwrap_or("").split([',', '，', ' ']).filter_map(Method::parse).filter(|m| possible(s).contains(m)).fold(Vec::new(), |mut v, m| {
            if !v.contains(&m) {
                v.push(m);
            }
            v
        });
    if listed.is_empty() {
        default_methods(s).to_vec()
    } else {
        listed
    }
}

pub fn join(methods: &[Method]) -> String {
    methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",")
}

fn methods_invalid(key: &str, s: Scenario, bad: &str) -> Error {
    let ok = join(possible(s));
    Error::new(
        crate::Code::SettingOutOfRange,
        Some("value"),
        if bad.is_empty() {
            format!("“{key}”至少要有一种确认方式（可选：{ok}）。未作任何更改。")
        } else {
            format!("“{key}”中的“{bad}”不是这个场景可用的确认方式（可选：{ok}，逗号分隔）。未作任何更改。")
        },
        if bad.is_empty() {
            format!("\"{key}\" needs at least one way to confirm (any of: {ok}). Nothing was changed.")
        } else {
            format!("\"{bad}\" in \"{key}\" is not a way this scenario can confirm (any of: {ok}, comma-separated). Nothing was changed.")
        },
    )
}

/// What a request brings to confirm a payment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    pub pay_password: Option<&'a str>,
    pub sms_code: Option<&'a str>,
    pub face_checked: bool,
    pub id_face_checked: bool,
}

impl Evidence<'_> {
    fn brings(&self, m: Method) -> bool {
        let given = |s: Option<&str>| s.is_some_and(|s| !s.trim().is_empty());
        match m {
            Method::PayPassword => given(self.pay_password),
            Method::SmsCode => given(self.sms_code),
            Method::Face => self.face_checked,
            Method::IdFace => self.id_face_checked,
        }
    }
}

/// The method to check: the first of the scenario's, in its order, that the
/// request brings (what it brings beyond that is not looked at). None
/// brought: which ones would do.
pub fn choose(methods: &[Method], ev: &Evidence<'_>) -> Result<Method> {
    methods.iter().copied().find(|m| ev.brings(*m)).ok_or_else(|| required(methods))
}

/// The refusal when nothing the scenario takes was brought.
pub fn required(methods: &[Method]) -> Error {
    match methods {
        [Method::PayPassword] => Error::pay_confirmation_required(),
        [Method::IdFace] => Error::id_face_check_required(),
        _ => {
            let zh = methods.iter().map(|m| m.zh()).collect::<Vec<_>>().join("或");
            let en = methods.iter().map(|m| m.en()).collect::<Vec<_>>().join(" or ");
            Error::new(
                crate::Code::PayConfirmationRequired,
                methods.first().map(|m| m.field()),
                format!("请付款人确认这笔付款：{zh}。"),
                format!("The payer must confirm this payment with {en}."),
            )
        }
    }
}

/// A one-time payment code as stored, for the checks at settlement.
#[derive(Debug, Clone)]
pub struct PayCode {
    pub person: i64,
    pub institution: i64,
    pub bill: String,
    pub scenario: String,
    pub total_fen: i64,
    pub code_hash: String,
    pub attempts: i64,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// The hash a payment code is kept as: bound to the shown code's nonce and
/// peppered with the installation's secret.
pub fn code_hash(pepper: &[u8], nonce: &str, code: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"qinqing-pay-code-v1\0");
    h.update(pepper);
    h.update(nonce.as_bytes());
    h.update(b"\0");
    h.update(code.trim().as_bytes());
    format!("{:x}", h.finalize())
}

/// What a typed code says about this bill.
#[derive(Debug, PartialEq, Eq)]
pub enum CodeVerdict {
    /// Right, for this very bill: the settlement may go ahead (and uses it up).
    Right,
    /// Wrong (or for another bill or amount): counted; `left` tries remain.
    Wrong { left: i64 },
    /// None sent for this shown code, expired, or its tries used up.
    Gone,
}

/// Judge a typed code against the stored one for this bill (no database).
pub fn judge_code(
    stored: Option<&PayCode>,
    pepper: &[u8],
    nonce: &str,
    code: &str,
    bill: (i64, &str, Scenario, i64),
    member: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> CodeVerdict {
    let Some(c) = stored else { return CodeVerdict::Gone };
    if c.expires_at < now || c.attempts >= PAY_CODE_ATTEMPTS {
        return CodeVerdict::Gone;
    }
    let (institution, bill_id, scenario, total) = bill;
    let same_bill = c.person == member && c.institution == institution && c.bill == bill_id && c.scenario == scenario.as_str() && c.total_fen == total;
    let digits = code.trim();
    let right = digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) && code_hash(pepper, nonce, digits) == c.code_hash;
    if right && same_bill {
        CodeVerdict::Right
    } else {
        CodeVerdict::Wrong { left: PAY_CODE_ATTEMPTS - c.attempts - 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_seed_004() {
        assert_eq!(default_methods(Scenario::Outpatient), &[Method::SmsCode, Method::PayPassword]);
        assert_eq!(default_methods(Scenario::OnlinePharmacy), &[Method::PayPassword, Method::Face]);
        assert_eq!(default_methods(Scenario::Inpatient), &[Method::IdFace]);
    }

    #[test]
    fn the_first_brought_in_policy_order_is_checked() {
        let m = default_methods(Scenario::Outpatient);
        let both = Evidence { pay_password: Some("123456"), sms_code: Some("654321"), ..Default::default() };
        assert_eq!(choose(m, &both).unwrap(), Method::SmsCode);
        let pw = Evidence { pay_password: Some("123456"), ..Default::default() };
        assert_eq!(choose(m, &pw).unwrap(), Method::PayPassword);
        // A face attestation is no answer where the scenario does not take it.
        let face = Evidence { face_checked: true, sms_code: Some("  "), ..Default::default() };
        let e = choose(m, &face).unwrap_err();
        assert_eq!(e.code, crate::Code::PayConfirmationRequired);
        assert_eq!(e.field.as_deref(), Some("sms_code"));
        assert_eq!(choose(default_methods(Scenario::OnlinePharmacy), &face).unwrap(), Method::Face);
        assert_eq!(choose(default_methods(Scenario::Inpatient), &pw).unwrap_err().code, crate::Code::IdFaceCheckRequired);
    }

    #[test]
    fn lists_are_checked_per_scenario() {
        assert_eq!(parse_methods("confirm_outpatient", "pay_password， sms_code,pay_password").unwrap(), vec![Method::PayPassword, Method::SmsCode]);
        for (key, bad) in [("confirm_inpatient", "sms_code"), ("confirm_online_pharmacy", "id_face"), ("confirm_outpatient", ""), ("confirm_outpatient", "pin")]
        {
            assert_eq!(parse_methods(key, bad).unwrap_err().code, crate::Code::SettingOutOfRange, "{key} {bad}");
        }
        assert_eq!(parse_methods("confirm_nowhere", "face").unwrap_err().code, crate::Code::SettingUnknown);
        // A hand-edited value cannot leave a scenario without a check.
        assert_eq!(stored_methods(Scenario::Inpatient, Some("sms_code")), vec![Method::IdFace]);
        assert_eq!(stored_methods(Scenario::Outpatient, Some("face,bogus")), vec![Method::Face]);
    }

    #[test]
    fn a_code_is_for_its_bill_only() {
        let now = chrono::Utc::now();
        let pepper = [7u8; 32];
        let c = PayCode {
            person: 9,
            institution: 1,
            bill: "MZ-1".into(),
            scenario: "outpatient".into(),
            total_fen: 12_345,
            code_hash: code_hash(&pepper, "n1", "042917"),
            attempts: 0,
            expires_at: now + chrono::Duration::seconds(60),
        };
        let bill = (1, "MZ-1", Scenario::Outpatient, 12_345);
        assert_eq!(judge_code(Some(&c), &pepper, "n1", " 042917 ", bill, 9, now), CodeVerdict::Right);
        assert_eq!(judge_code(Some(&c), &pepper, "n1", "042918", bill, 9, now), CodeVerdict::Wrong { left: 4 });
        // The same digits for another amount, bill, shown code or pepper are wrong.
        assert_eq!(judge_code(Some(&c), &pepper, "n1", "042917", (1, "MZ-1", Scenario::Outpatient, 12_346), 9, now), CodeVerdict::Wrong { left: 4 });
        assert_eq!(judge_code(Some(&c), &pepper, "n1", "042917", (1, "MZ-2", Scenario::Outpatient, 12_345), 9, now), CodeVerdict::Wrong { left: 4 });
        assert_eq!(judge_code(Some(&c), &pepper, "n2", "042917", bill, 9, now), CodeVerdict::Wrong { left: 4 });
        assert_eq!(judge_code(Some(&c), &[8u8; 32], "n1", "042917", bill, 9, now), CodeVerdict::Wrong { left: 4 });
        let used = PayCode { attempts: PAY_CODE_ATTEMPTS, ..c.clone() };
        assert_eq!(judge_code(Some(&used), &pepper, "n1", "042917", bill, 9, now), CodeVerdict::Gone);
        let old = PayCode { expires_at: now - chrono::Duration::seconds(1), ..c };
        assert_eq!(judge_code(Some(&old), &pepper, "n1", "042917", bill, 9, now), CodeVerdict::Gone);
        assert_eq!(judge_code(None, &pepper, "n1", "042917", bill, 9, now), CodeVerdict::Gone);
    }
}
