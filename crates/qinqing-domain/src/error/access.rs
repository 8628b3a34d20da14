//! Messages: who may do what: staff, sessions, terminals, devices, pairing, the permission table.

use super::*;

impl Error {
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
    pub fn pairing_in_person() -> Self {
        Self::new(
            Code::PairingInPerson,
            Some("holder"),
            "只有在窗口当面核验户主本人身份后（接待居民时），才能为其家庭电脑生成配对码；或请管理员办理。",
            "A pairing code for a family computer is given only while you serve the holder in person at the kiosk (after checking their ID card), or by an administrator.",
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
    pub fn key_mismatch(path: &str) -> Self {
        Self::new(
            Code::KeyMismatch,
            None,
            format!("本机的签名密钥文件 {path} 与这个账本登记的不一致（可能是新服务器自己生成了密钥）。请从第一台服务器复制该账本的密钥文件（仅所有者可读）到此路径，或用 QINQING_KEY_FILE 指定。未作任何改动。"),
            format!("The signing key file {path} on this machine is not the one this ledger was set up with (a new server may have made its own). Copy the ledger's key file (owner-only) from the first server to this path, or point QINQING_KEY_FILE at it. Nothing was changed."),
        )
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
    pub fn path_protected(path: &str) -> Self {
        Self::new(Code::PathProtected, Some("file"), format!("不能使用“{path}”：这是本程序的数据目录（数据库和居民材料所在处）。请选择其他位置，例如“文档”或“下载”。"), format!("\"{path}\" cannot be used: it is the app's data directory (the database and residents' documents). Choose another place, such as Documents or Downloads."))
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
}
