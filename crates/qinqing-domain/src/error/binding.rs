//! Messages: 亲情账户: applications, relations, documents, face checks, remote confirmation.

use super::*;

impl Error {
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
    pub fn remote_code_too_many(n: i64) -> Self {
        Self::new(
            Code::RemoteCodeTooMany,
            Some("code"),
            format!("这份申请24小时内已发送{n}次确认码，请明天再试，或请家人到服务中心当面办理。"),
            format!("This application has sent {n} codes in 24 hours. Try again tomorrow, or have the member come to the service centre."),
        )
    }
    pub fn doc_incomplete() -> Self {
        Self::new(Code::DocIncomplete, Some("file"), "这个文件不完整（数据在图片结束前就断了，可能是上传中断或复制未完成），未保存。请重新拍照或重新复制文件后再上传。", "This file is incomplete (its data stops before the picture ends: an interrupted upload or copy); nothing was stored. Take the photo again or copy the file again, then upload.")
    }
    /// A stored document file that does not open under the ledger's key:
    /// changed or damaged on disk, put there under another name, or written
    /// under another ledger's key (issue 35). `name` is the stored file's name.
    pub fn doc_unreadable(name: &str) -> Self {
        Self::new(
            Code::DocUnreadable,
            Some("document"),
            format!("这份材料的存储文件（{name}）无法读取：它在存储中被改动或损坏，或不是用这个账本的密钥保存的。请管理员从这个账本的备份中恢复该文件，或请申请人重新上传这份材料。"),
            format!("This document's stored file ({name}) cannot be read: it was changed or damaged in the store, or was not saved under this ledger's key. Ask an administrator to restore the file from this ledger's backup, or ask the applicant to upload the document again."),
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
