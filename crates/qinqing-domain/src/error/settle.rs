//! Messages: the counter: codes, institutions, filings, settlements, stays, the payer's confirmation.

use super::*;

impl Error {
    pub fn qr_device_refused() -> Self {
        Self::new(Code::QrDeviceRefused, Some("token"), "这个医保码来自一台已取消配对、已被吊销或证书已过期的电脑，或者它无权为这位家人出示，未作任何扣款。请在已配对的电脑或手机上重新出示医保码，或到服务中心重新配对。", "This code comes from a computer that was unpaired, revoked or whose certificate has ended, or that may not show this member's code; nothing was charged. Show a new code from a paired computer, or pair again at the service centre.")
    }
    pub fn pay_password_current_required() -> Self {
        Self::new(
            Code::PayPasswordCurrentRequired,
            Some("current"),
            "修改支付密码须先输入当前的支付密码。忘记了请本人带身份证到社区服务中心，由工作人员当面核验后重置。",
            "Changing a payment password needs the current one. If it is forgotten, come to the service centre with your ID card to have it reset in person.",
        )
    }
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
    pub fn bill_conflict() -> Self {
        Self::new(
            Code::BillConflict,
            Some("bill"),
            "这个账单号在本机构已经结算过另一笔费用（参保人、金额或场景不同），未扣任何款。请核对账单号。",
            "This bill number was already settled at this institution for a different patient, amount or scenario; nothing was charged. Check the bill number.",
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
    pub fn filing_region_too_broad(code: &str) -> Self {
        Self::new(
            Code::FilingRegionTooBroad,
            Some("region"),
            format!("备案地“{code}”是省级代码：请选择就医所在的地级市（如广州市440100），直辖市可直接选市（如北京市110000）。"),
            format!("\"{code}\" is a province: file for the city where care happens (e.g. 440100 Guangzhou); a municipality as a whole (e.g. 110000 Beijing)."),
        )
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
}
