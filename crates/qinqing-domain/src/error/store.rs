//! Messages: the store, the server and the settings: availability, backups, exports, requests.

use super::*;

/// Seconds a client is asked to wait after [`Error::db_lost`] (`Retry-After`).
pub const DB_LOST_RETRY_SECS: i64 = 2;

impl Error {
    pub fn db_busy() -> Self {
        Self::new(
            Code::DbBusy,
            None,
            "数据库正被另一个程序使用，操作未执行。请稍后再试。",
            "The database is in use by another program; nothing was changed. Try again in a moment.",
        )
    }
    /// The connection to a shared ledger broke (its server stopped, or is
    /// switching to a standby): the request's transaction either committed
    /// whole or not at all. Retry after [`DB_LOST_RETRY_SECS`].
    pub fn db_lost(detail: impl fmt::Display) -> Self {
        Self::new(
            Code::DbLost,
            None,
            format!("与共享账本的连接中断（{detail}），可能正在切换到备用数据库。刚才的操作要么已完整完成，要么未做。请在 {DB_LOST_RETRY_SECS} 秒后重试；结算用同一单据号重试，不会重复扣款。"),
            format!("The connection to the shared ledger was lost ({detail}); it may be switching to its standby. What was being done either finished whole or was not done. Try again in {DB_LOST_RETRY_SECS} s; a settlement retried with the same bill number is never charged twice."),
        )
    }
    /// Every server of a shared ledger's address answered, but none takes
    /// writes (only a standby is up: the primary failed and no standby has
    /// been promoted yet). Nothing was done; retry, or promote the standby.
    pub fn db_no_primary(url: &str) -> Self {
        Self::new(
            Code::DbLost,
            None,
            format!("共享账本 {url} 目前只有只读的备用数据库在应答，没有可写入的主库（主库可能已故障，备用库尚未提升）。未作任何改动。请在 {DB_LOST_RETRY_SECS} 秒后重试；若持续如此，请数据库管理员提升备用库（pg_ctl promote）。"),
            format!("Only a read-only standby of the shared ledger at {url} is answering; no server takes writes (the primary may have failed and no standby has been promoted yet). Nothing was changed. Try again in {DB_LOST_RETRY_SECS} s; if this goes on, ask the database administrator to promote the standby (pg_ctl promote)."),
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
    /// An encrypted ledger whose key this computer does not keep (or a
    /// file that is no ledger at all: the two cannot be told apart).
    pub fn ledger_key_missing(path: &str) -> Self {
        Self::new(
            Code::LedgerKeyMissing,
            Some("db"),
            format!("“{path}”是加密的账本，但本机没有它的密钥（它在另一台电脑或另一个位置上加密，或者根本不是亲情医保账本），未作任何改动。换电脑或换位置请用加密备份：在原电脑上 backup --passphrase-stdin，在这里 restore --passphrase-stdin。"),
            format!("\"{path}\" is an encrypted ledger whose key this computer does not have (it was encrypted on another computer or at another place, or it is not a Qinqing ledger at all); nothing was changed. To move a ledger, use an encrypted backup: backup --passphrase-stdin on the old computer, restore --passphrase-stdin here."),
        )
    }
    /// The passphrase does not open this backup.
    pub fn backup_passphrase_wrong(path: &str) -> Self {
        Self::new(
            Code::BackupPassphraseWrong,
            Some("passphrase"),
            format!("口令打不开备份 {path}（口令错误，或文件已损坏）。请输入做备份时设的口令再试。没有创建或改动任何数据库。"),
            format!("The passphrase does not open the backup {path} (wrong passphrase, or a damaged file). Type the passphrase the backup was made with and try again. No database was created or changed."),
        )
    }
    /// A backup is encrypted to a passphrase the operator types: none given.
    pub fn backup_passphrase_missing() -> Self {
        Self::new(
            Code::BackupPassphraseMissing,
            Some("passphrase"),
            "备份需要口令加密：请用 --passphrase-stdin 输入口令（至少 8 个字符）。未作任何改动。",
            "A backup is encrypted to a passphrase: give it with --passphrase-stdin (at least 8 characters). Nothing was changed.",
        )
    }
}
