//! Settings an administrator may change (`qinqing-cli setting list|get|set`):
//! each with its default, the range the domain allows, and what it means.
//! Every change is checked against the range and recorded in the audit trail.
//! Values the rules read go through [`Qinqing::setting`], which falls back to
//! the default (and clamps a stored value into range, so a hand-edited
//! database cannot stretch a rule).

use crate::authz::Act;
use crate::error::{Error, Result};
use crate::params;
use crate::service::Qinqing;
use crate::store::OptionalExtension;
use serde::Serialize;

/// One known setting.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Def {
    pub key: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
    pub unit: &'static str,
    pub about_zh: &'static str,
    pub about_en: &'static str,
}

pub const DEFS: &[Def] = &[
    Def {
        key: "qr_validity_secs",
        default: 60,
        min: 10,
        max: 60,
        unit: "s",
        about_zh: "医保码有效期（秒），至多60秒",
        about_en: "How long a code is valid (s), at most 60",
    },
    Def {
        key: "qr_clock_skew_secs",
        default: 30,
        min: 0,
        max: 30,
        unit: "s",
        about_zh: "可接受的签发时间超前（另一台设备时钟偏快），不延长有效期",
        about_en: "How far ahead of this clock an issue time may be (another device's clock); never extends validity",
    },
    Def {
        key: "online_pharmacy_daily_cap_fen",
        default: 100_000,
        min: 50_000,
        max: 200_000,
        unit: "fen",
        about_zh: "在线购药每日个人账户支付上限（500–2000元）",
        about_en: "Online-pharmacy daily cap on personal-account money (¥500–2,000)",
    },
    Def {
        key: "emergency_ratio_cut_pct",
        default: 20,
        min: 0,
        max: 100,
        unit: "%",
        about_zh: "未备案急诊的报销比例下调（百分点）",
        about_en: "Ratio cut for an emergency without a filing (points)",
    },
    Def {
        key: "kiosk_idle_secs",
        default: 120,
        min: 5,
        max: 1800,
        unit: "s",
        about_zh: "自助终端居民会话空闲结束时间",
        about_en: "Kiosk resident session ends after this idle time",
    },
    Def {
        key: "kiosk_warning_secs",
        default: 10,
        min: 3,
        max: 60,
        unit: "s",
        about_zh: "会话结束前的提示时间",
        about_en: "Warning shown this long before a session ends",
    },
    Def {
        key: "staff_session_secs",
        default: 900,
        min: 60,
        max: 28_800,
        unit: "s",
        about_zh: "工作人员登录空闲结束时间",
        about_en: "Staff log-in ends after this idle time",
    },
    Def {
        key: "staff_session_max_secs",
        default: 28_800,
        min: 600,
        max: 86_400,
        unit: "s",
        about_zh: "工作人员登录的最长时长（无论是否操作）",
        about_en: "A staff log-in ends after this long, busy or not",
    },
    Def {
        key: "staff_lockout_attempts",
        default: 5,
        min: 3,
        max: 20,
        unit: "",
        about_zh: "连续输错密码几次后锁定",
        about_en: "Wrong passwords in a row before a lock-out",
    },
    Def { key: "staff_lockout_secs", default: 900, min: 60, max: 86_400, unit: "s", about_zh: "锁定时长", about_en: "How long a lock-out lasts" },
    Def {
        key: "remote_code_secs",
        default: 600,
        min: 60,
        max: 1800,
        unit: "s",
        about_zh: "远程授权确认码有效期",
        about_en: "How long a remote-confirmation code is valid",
    },
    Def {
        key: "kiosk_mode", default: 0, min: 0, max: 1, unit: "", about_zh: "本机以自助终端模式启动（1）", about_en: "This device starts as a kiosk (1)"
    },
];

pub fn def(key: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.key == key)
}

/// The value of a known setting from its stored text (`None`: not stored):
/// the default when missing or not a number, always within its range.
pub(crate) fn resolve(key: &str, raw: Option<&str>) -> Result<i64> {
    let d = def(key).ok_or_else(|| Error::setting_unknown(key))?;
    Ok(raw.and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(d.default).clamp(d.min, d.max))
}

/// A setting and its current value.
#[derive(Debug, Clone, Serialize)]
pub struct SettingValue {
    #[serde(flatten)]
    pub def: Def,
    pub value: i64,
}

impl Qinqing {
    /// The value of a known setting (stored, else the default), within its range.
    pub fn setting(&self, key: &str) -> Result<i64> {
        def(key).ok_or_else(|| Error::setting_unknown(key))?;
        let v: Option<String> = self.conn().prepare_cached("SELECT value FROM setting WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?;
        resolve(key, v.as_deref())
    }

    pub fn settings(&self) -> Result<Vec<SettingValue>> {
        // Reference data: any actor may read it (the permission table's Reference row).
        self.permit(crate::authz::Act::Reference)?;
        DEFS.iter().map(|d| Ok(SettingValue { def: *d, value: self.setting(d.key)? })).collect()
    }

    pub fn get_setting(&self, key: &str) -> Result<SettingValue> {
        self.permit(crate::authz::Act::Reference)?;
        let d = def(key).ok_or_else(|| Error::setting_unknown(key))?;
        Ok(SettingValue { def: *d, value: self.setting(key)? })
    }

    /// Change a setting; out of range is refused and changes nothing.
    pub fn set_setting(&mut self, key: &str, raw: &str) -> Result<SettingValue> {
        crate::store::retry(|| self.set_setting_once(key, raw))
    }

    fn set_setting_once(&mut self, key: &str, raw: &str) -> Result<SettingValue> {
        self.permit(Act::Admin)?;
        let d = *def(key).ok_or_else(|| Error::setting_unknown(key))?;
        let v: i64 = raw.trim().parse().map_err(|_| Error::setting_out_of_range(d.key, d.min, d.max))?;
        if !(d.min..=d.max).contains(&v) {
            return Err(Error::setting_out_of_range(d.key, d.min, d.max));
        }
        let before = self.setting(key)?;
        let now = crate::time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        tx.execute("INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params![key, v.to_string()])?;
        crate::audit::record(
            &tx,
            &now,
            &actor,
            "setting.set",
            "setting",
            None,
            None,
            Some(&serde_json::json!({ "key": key, "value": before })),
            Some(&serde_json::json!({ "key": key, "value": v })),
        )?;
        tx.commit()?;
        Ok(SettingValue { def: d, value: v })
    }
}
