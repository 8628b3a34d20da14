//! Messages: a person's own data (issue 35) — exporting it, erasing it.

use super::*;

impl Error {
    /// Erasure refused: a binding (draft, submitted or active) still has the
    /// person as holder or member.
    pub fn erase_needed_by_binding(n: u64) -> Self {
        Self::new(
            Code::EraseNeededByBinding,
            None,
            format!("此人还有{n}个未结束的亲情账户绑定或申请，仍需要其姓名、身份证号和材料，未作任何删除。请先由绑定人解除绑定，或等待申请审核完毕（被驳回或解除后）再删除。"),
            format!("This person is still in {n} binding(s) or application(s) of a family proxy account, which need their name, ID number and documents; nothing was erased. Have the holder unbind first, or wait until the application is decided (rejected or later unbound), then erase."),
        )
    }
    /// Erasure refused: a 家庭共济 relation (active or frozen) still has the person on one side.
    pub fn erase_needed_by_aid(n: u64) -> Self {
        Self::new(
            Code::EraseNeededByAid,
            None,
            format!("此人还有{n}个未撤销的家庭共济关系（有效或已冻结），未作任何删除。请先撤销这些家庭共济关系再删除。"),
            format!(
                "This person is still in {n} family mutual-aid relation(s) (active or frozen); nothing was erased. Revoke those relations first, then erase."
            ),
        )
    }
    /// Erasure refused: a hospital stay of the person is not settled.
    pub fn erase_needed_by_stay(n: u64) -> Self {
        Self::new(
            Code::EraseNeededByStay,
            None,
            format!("此人有{n}次住院尚未出院结算，结算时需要核对其身份，未作任何删除。请在出院结算后再删除。"),
            format!("This person has {n} hospital stay(s) not yet settled at discharge, which needs their identity checked; nothing was erased. Erase after the discharge settlement."),
        )
    }
    pub fn erase_reason_empty() -> Self {
        Self::new(
            Code::EraseReasonEmpty,
            Some("reason"),
            "请写明删除此人个人信息的原因（例如“本人申请删除”），原因会记入审计记录。未作任何删除。",
            "Give the reason for erasing this person's personal data (e.g. \"at the person's own request\"); it goes into the audit trail. Nothing was erased.",
        )
    }
    pub fn erase_reason_invalid(max: usize) -> Self {
        Self::new(
            Code::EraseReasonInvalid,
            Some("reason"),
            format!("删除原因至多{max}个字，且不能含换行等控制字符。请改短后重试。未作任何删除。"),
            format!(
                "The reason may have at most {max} characters and no line breaks or other control characters. Shorten it and try again. Nothing was erased."
            ),
        )
    }
    /// The reason would put the erased name or ID number back into the audit trail.
    pub fn erase_reason_identifies() -> Self {
        Self::new(
            Code::EraseReasonIdentifies,
            Some("reason"),
            "删除原因里不能写此人的姓名或身份证号：审计记录会永久保存原因，不能留下已删除的信息。请改写原因（例如“本人申请删除”）。未作任何删除。",
            "The reason must not contain this person's name or ID number: the audit trail keeps the reason for good and must not keep what was erased. Reword it (e.g. \"at the person's own request\"). Nothing was erased.",
        )
    }
    /// A person's data is written only into a new or empty folder.
    pub fn person_export_dir_not_empty(dir: &str) -> Self {
        Self::new(
            Code::PersonExportDirNotEmpty,
            Some("out"),
            format!("文件夹“{dir}”不是空的（或不是文件夹）。个人数据只写入新的或空的文件夹，以免与其他文件混在一起。请换一个新文件夹名，未写入任何文件。"),
            format!("\"{dir}\" is not an empty folder. A person's data is written only into a new or empty folder, so it is not mixed with other files. Give a new folder name; nothing was written."),
        )
    }
}
