//! Settings an administrator may change (`qinqing-cli setting list|get|set`):
//! each with its default, the range the domain allows, and what it means.
//! Every change is checked against the range and recorded in the audit trail.
//! Values the rules read go through [`Qinqing::setting`], which falls back to
//! the default (and clamps a stored value into range, so a hand-edited
//! database cannot stretch a rule).
//!
//! Most settings are whole numbers. One is a list:
//! `aid_face_required_prefixes`, the insured regions (2-, 4- or 6-digit
//! division-code prefixes, comma-separated, empty allowed) where an authorizer
//! must pass face verification before opening 家庭共济. Its `value` is how
//! many prefixes the list holds and its `text` is the list itself; the rules
//! read the list ([`Qinqing::setting_text`]). Four more are lists of the
//! ways each scenario's payments are confirmed (`confirm_outpatient`, …;
//! see [`crate::confirm`]), never empty.

use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::OptionalExtension;
use serde::Serialize;

/// What a setting's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A whole number within `min..=max`.
    Number,
    /// A comma-separated list of division-code prefixes (2, 4 or 6 digits,
    /// each the start of a listed division), at most `max` of them; empty
    /// allowed. `value` is how many.
    RegionPrefixes,
    /// The ways a scenario's payments are confirmed (DOMAIN §4,
    /// [`crate::confirm`]): comma-separated methods, any one of which
    /// suffices, at least one. `value` is how many.
    ConfirmMethods,
}

/// One known setting.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Def {
    pub key: &'static str,
    pub kind: Kind,
    pub default: i64,
    pub min: i64,
    pub max: i64,
    pub unit: &'static str,
    pub about_zh: &'static str,
    pub about_en: &'static str,
}

pub const DEFS: &[Def] = &[
    Def {
        kind: Kind::Number,
        key: "qr_validity_secs",
        default: 60,
        min: 10,
        max: 60,
        unit: "s",
        about_zh: "医保码有效期（秒），至多60秒",
        about_en: "How long a code is valid (s), at most 60",
    },
    Def {
        kind: Kind::Number,
        key: "qr_clock_skew_secs",
        default: 30,
        min: 0,
        max: 30,
        unit: "s",
        about_zh: "可接受的签发时间超前（另一台设备时钟偏快），不延长有效期",
        about_en: "How far ahead of this clock an issue time may be (another device's clock); never extends validity",
    },
    Def {
        kind: Kind::Number,
        key: "online_pharmacy_daily_cap_fen",
        default: 100_000,
        min: 50_000,
        max: 200_000,
        unit: "fen",
        about_zh: "在线购药每日个人账户支付上限（500–2000元）",
        about_en: "Online-pharmacy daily cap on personal-account money (¥500–2,000)",
    },
    Def {
        kind: Kind::Number,
        key: "emergency_ratio_cut_pct",
        default: 20,
        min: 0,
        max: 100,
        unit: "%",
        about_zh: "未备案急诊的报销比例下调（百分点）",
        about_en: "Ratio cut for an emergency without a filing (points)",
    },
    Def {
        kind: Kind::Number,
        key: "kiosk_idle_secs",
        default: 120,
        min: 5,
        max: 1800,
        unit: "s",
        about_zh: "自助终端居民会话空闲结束时间",
        about_en: "Kiosk resident session ends after this idle time",
    },
    Def {
        kind: Kind::Number,
        key: "kiosk_warning_secs",
        default: 10,
        min: 3,
        max: 60,
        unit: "s",
        about_zh: "会话结束前的提示时间",
        about_en: "Warning shown this long before a session ends",
    },
    Def {
        kind: Kind::Number,
        key: "staff_session_secs",
        default: 900,
        min: 60,
        max: 28_800,
        unit: "s",
        about_zh: "工作人员登录空闲结束时间",
        about_en: "Staff log-in ends after this idle time",
    },
    Def {
        kind: Kind::Number,
        key: "staff_session_max_secs",
        default: 28_800,
        min: 600,
        max: 86_400,
        unit: "s",
        about_zh: "工作人员登录的最长时长（无论是否操作）",
        about_en: "A staff log-in ends after this long, busy or not",
    },
    Def {
        kind: Kind::Number,
        key: "staff_lockout_attempts",
        default: 5,
        min: 3,
        max: 20,
        unit: "",
        about_zh: "连续输错密码几次后锁定",
        about_en: "Wrong passwords in a row before a lock-out",
    },
    Def { kind: Kind::Number, key: "staff_lockout_secs", default: 900, min: 60, max: 86_400, unit: "s", about_zh: "锁定时长", about_en: "How long a lock-out lasts" },
    Def {
        kind: Kind::Number,
        key: "remote_code_secs",
        default: 600,
        min: 60,
        max: 1800,
        unit: "s",
        about_zh: "远程授权确认码有效期",
        about_en: "How long a remote-confirmation code is valid",
    },
    Def {
        kind: Kind::Number,
        key: "kiosk_mode", default: 0, min: 0, max: 1, unit: "", about_zh: "本机以自助终端模式启动（1）", about_en: "This device starts as a kiosk (1)"
    },
    Def {
        kind: Kind::RegionPrefixes,
        key: AID_FACE_REQUIRED_PREFIXES,
        default: 0,
        min: 0,
        max: MAX_PREFIXES as i64,
        unit: "",
        about_zh: "开通家庭共济前授权人须完成人脸识别的参保地：逗号分隔的2、4或6位行政区划代码前缀（如 33,4403），留空则不要求；数值为前缀个数，列表见 text",
        about_en: "Insured regions where an authorizer must pass face verification before opening family mutual aid: comma-separated 2-, 4- or 6-digit division-code prefixes (e.g. 33,4403), empty for none; the value is how many, the list is in text",
    },
    Def {
        kind: Kind::ConfirmMethods,
        key: "confirm_outpatient",
        default: 2,
        min: 1,
        max: 4,
        unit: "",
        about_zh: "门诊缴费的付款确认方式（任一即可，按顺序询问）：sms_code 发到付款人的短信验证码，pay_password 支付密码，face 人脸，id_face 身份证和人脸；默认 sms_code,pay_password",
        about_en: "How outpatient payments are confirmed (any one, asked in this order): sms_code a one-time code sent to the payer, pay_password, face, id_face the ID card and face in person; default sms_code,pay_password",
    },
    Def {
        kind: Kind::ConfirmMethods,
        key: "confirm_pharmacy",
        default: 2,
        min: 1,
        max: 4,
        unit: "",
        about_zh: "药店购药的付款确认方式（任一即可）：pay_password、face、sms_code、id_face；默认 pay_password,face",
        about_en: "How pharmacy payments are confirmed (any one): pay_password, face, sms_code, id_face; default pay_password,face",
    },
    Def {
        kind: Kind::ConfirmMethods,
        key: "confirm_online_pharmacy",
        default: 2,
        min: 1,
        max: 3,
        unit: "",
        about_zh: "在线购药的付款确认方式（任一即可）：pay_password 支付密码、face 人脸、sms_code；默认 pay_password,face",
        about_en: "How online-pharmacy payments are confirmed (any one): pay_password, face, sms_code; default pay_password,face",
    },
    Def {
        kind: Kind::ConfirmMethods,
        key: "confirm_inpatient",
        default: 1,
        min: 1,
        max: 2,
        unit: "",
        about_zh: "住院入院登记的确认方式：id_face 收费员核验身份证和人脸，可加 pay_password（任一即可）；默认 id_face",
        about_en: "How an inpatient admission is confirmed: id_face the cashier checks ID card and face, pay_password may be added (any one); default id_face",
    },
    // Issue 35: how long documents are kept once nothing needs them (the
    // rule: qinqing_domain::personal_data; the purge: app/retention.rs).
    Def {
        kind: Kind::Number,
        key: crate::app::retention::RETENTION_SETTING,
        default: qinqing_domain::personal_data::DEFAULT_RETENTION_DAYS,
        min: qinqing_domain::personal_data::MIN_RETENTION_DAYS,
        max: qinqing_domain::personal_data::MAX_RETENTION_DAYS,
        unit: "d",
        about_zh: "材料保留天数：被驳回的申请、已解除的绑定、未使用的上传，在驳回、解除或上传这么多天后删除（审核中的申请和有效绑定的材料不删除）",
        about_en: "Days documents are kept: those of a rejected application, an ended binding or an unused upload are purged this long after the rejection, the end or the upload (never those of an application under review or an active binding)",
    },
];

/// The key of the list of regions that require face verification for 家庭共济
/// (read by the settlement rules).
pub const AID_FACE_REQUIRED_PREFIXES: &str = "aid_face_required_prefixes";

/// At most this many prefixes in a list setting.
pub const MAX_PREFIXES: usize = 50;

/// Check and normalize a list of region prefixes as typed: comma-separated
/// (a full-width `，` or a space also separates), each 2, 4 or 6 digits, the
/// start of at least one division on the national list; duplicates dropped,
/// order kept, joined with `,`. Empty (or only separators) is the empty list.
pub fn parse_region_prefixes(key: &str, raw: &str) -> Result<String> {
    let mut out: Vec<&str> = Vec::new();
    for p in raw.split([',', '，', ' ', '\t', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let shape = matches!(p.len(), 2 | 4 | 6) && p.bytes().all(|b| b.is_ascii_digit());
        if !shape || !crate::region::is_listed_prefix(p) {
            return Err(prefixes_invalid(key, p));
        }
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if out.len() > MAX_PREFIXES {
        return Err(Error::new(
            crate::Code::SettingOutOfRange,
            Some("value"),
            format!("“{key}”至多{MAX_PREFIXES}个前缀。未作任何更改。"),
            format!("\"{key}\" holds at most {MAX_PREFIXES} prefixes. Nothing was changed."),
        ));
    }
    Ok(out.join(","))
}

fn prefixes_invalid(key: &str, bad: &str) -> Error {
    Error::new(
        crate::Code::SettingOutOfRange,
        Some("value"),
        format!("“{key}”中的“{bad}”不是行政区划代码前缀：请填写逗号分隔的2、4或6位代码（如 33,4403,110105），留空表示都不要求。未作任何更改。"),
        format!("\"{bad}\" in \"{key}\" is not a division-code prefix: enter 2-, 4- or 6-digit codes separated by commas (e.g. 33,4403,110105), or nothing for none. Nothing was changed."),
    )
}

/// The list a stored text holds, keeping only well-formed listed prefixes (a
/// hand-edited database cannot make the list say something else).
fn stored_prefixes(raw: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in raw.unwrap_or("").split([',', '，', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
        if parse_region_prefixes("", p).is_ok() && !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    }
    out
}

/// A confirmation setting's methods as stored (its scenario's default when unset).
fn stored_methods(d: &Def, raw: Option<&str>) -> Vec<crate::confirm::Method> {
    match crate::confirm::scenario_of(d.key) {
        Some(s) => crate::confirm::stored_methods(s, raw),
        None => Vec::new(),
    }
}

/// A list setting's normalized text.
fn stored_text(d: &Def, raw: Option<&str>) -> String {
    match d.kind {
        Kind::ConfirmMethods => crate::confirm::join(&stored_methods(d, raw)),
        _ => stored_prefixes(raw).join(","),
    }
}

/// A confirmation setting's methods from its stored value (for the rules,
/// which read the raw value with the bill's other facts).
pub(crate) fn confirm_methods(s: crate::scenario::Scenario, raw: Option<&str>) -> Vec<crate::confirm::Method> {
    crate::confirm::stored_methods(s, raw)
}

pub fn def(key: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.key == key)
}

/// The value of a known setting from its stored text (`None`: not stored):
/// the default when missing or not a number, always within its range.
pub(crate) fn resolve(key: &str, raw: Option<&str>) -> Result<i64> {
    let d = def(key).ok_or_else(|| Error::setting_unknown(key))?;
    match d.kind {
        Kind::RegionPrefixes => return Ok((stored_prefixes(raw).len() as i64).clamp(d.min, d.max)),
        Kind::ConfirmMethods => return Ok((stored_methods(d, raw).len() as i64).clamp(d.min, d.max)),
        Kind::Number => {}
    }
    Ok(raw.and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(d.default).clamp(d.min, d.max))
}

/// A setting and its current value.
#[derive(Debug, Clone, Serialize)]
pub struct SettingValue {
    #[serde(flatten)]
    pub def: Def,
    pub value: i64,
    /// A list setting's list (`33,4403`); absent for a number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One scenario's ways to confirm a payment, any one of which suffices.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioConfirm {
    pub scenario: &'static str,
    pub methods: Vec<crate::confirm::Method>,
}

impl Qinqing {
    /// The value of a known setting (stored, else the default), within its range.
    pub fn setting(&self, key: &str) -> Result<i64> {
        def(key).ok_or_else(|| Error::setting_unknown(key))?;
        let v: Option<String> = self.conn().prepare_cached("SELECT value FROM setting WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?;
        resolve(key, v.as_deref())
    }

    /// A list setting's list as stored, normalized (`33,4403`; empty when
    /// unset); only well-formed, listed prefixes are kept. `SETTING_UNKNOWN`
    /// for a key that is not a list setting.
    pub fn setting_text(&self, key: &str) -> Result<String> {
        let d = def(key).filter(|d| d.kind != Kind::Number).ok_or_else(|| Error::setting_unknown(key))?;
        let v: Option<String> = self.conn().prepare_cached("SELECT value FROM setting WHERE key = ?1")?.query_row([d.key], |r| r.get(0)).optional()?;
        Ok(stored_text(d, v.as_deref()))
    }

    fn setting_value(&self, d: &Def) -> Result<SettingValue> {
        let text = match d.kind {
            Kind::Number => None,
            Kind::RegionPrefixes | Kind::ConfirmMethods => Some(self.setting_text(d.key)?),
        };
        Ok(SettingValue { def: *d, value: self.setting(d.key)?, text })
    }

    pub fn settings(&self) -> Result<Vec<SettingValue>> {
        // Reference data: any actor may read it (the permission table's Reference row).
        self.permit(crate::access::authz::Act::Reference)?;
        DEFS.iter().map(|d| self.setting_value(d)).collect()
    }

    /// How each scenario's payments are confirmed now (the counter's screen
    /// shows the fields for these, in this order).
    pub fn confirm_policy(&self) -> Result<Vec<ScenarioConfirm>> {
        self.permit(crate::access::authz::Act::Reference)?;
        use crate::scenario::Scenario;
        [Scenario::Outpatient, Scenario::Pharmacy, Scenario::OnlinePharmacy, Scenario::Inpatient]
            .into_iter()
            .map(|s| {
                let text = self.setting_text(crate::confirm::setting_key(s))?;
                Ok(ScenarioConfirm { scenario: s.as_str(), methods: crate::confirm::stored_methods(s, Some(&text)) })
            })
            .collect()
    }

    pub fn get_setting(&self, key: &str) -> Result<SettingValue> {
        self.permit(crate::access::authz::Act::Reference)?;
        let d = def(key).ok_or_else(|| Error::setting_unknown(key))?;
        self.setting_value(d)
    }

    /// Change a setting; out of range is refused and changes nothing.
    pub fn set_setting(&mut self, key: &str, raw: &str) -> Result<SettingValue> {
        crate::store::retry(|| self.set_setting_once(key, raw))
    }

    fn set_setting_once(&mut self, key: &str, raw: &str) -> Result<SettingValue> {
        self.permit(Act::Admin)?;
        let d = *def(key).ok_or_else(|| Error::setting_unknown(key))?;
        match d.kind {
            Kind::RegionPrefixes => return self.set_list_once(d, parse_region_prefixes(d.key, raw)?),
            Kind::ConfirmMethods => return self.set_list_once(d, crate::confirm::join(&crate::confirm::parse_methods(d.key, raw)?)),
            Kind::Number => {}
        }
        let v: i64 = raw.trim().parse().map_err(|_| Error::setting_out_of_range(d.key, d.min, d.max))?;
        if !(d.min..=d.max).contains(&v) {
            return Err(Error::setting_out_of_range(d.key, d.min, d.max));
        }
        let before = self.setting(key)?;
        self.write_setting(d.key, &v.to_string(), serde_json::json!(before), serde_json::json!(v))?;
        Ok(SettingValue { def: d, value: v, text: None })
    }

    /// Store a setting's value and audit it with the value before and after, in one transaction.
    fn write_setting(&mut self, key: &str, stored: &str, before: serde_json::Value, after: serde_json::Value) -> Result<()> {
        let now = crate::time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        tx.execute("INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params![key, stored])?;
        let (before, after) = (serde_json::json!({ "key": key, "value": before }), serde_json::json!({ "key": key, "value": after }));
        crate::access::audit::record(&tx, &now, &actor, "setting.set", "setting", None, None, Some(&before), Some(&after))?;
        tx.commit()
    }

    /// A list setting: checked and normalized, stored as text, audited with
    /// the list before and after.
    fn set_list_once(&mut self, d: Def, list: String) -> Result<SettingValue> {
        let before = self.setting_text(d.key)?;
        self.write_setting(d.key, &list, serde_json::json!(before), serde_json::json!(list))?;
        let count = if list.is_empty() { 0 } else { list.split(',').count() as i64 };
        Ok(SettingValue { def: d, value: count, text: Some(list) })
    }
}
