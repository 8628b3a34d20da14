//! Messages: 家庭共济 and 代缴, and the owner's consent.

use super::*;

impl Error {
    /// Money leaves a person's account only by that person's own act.
    pub fn consent_owner_only() -> Self {
        Self::new(
            Code::ConsentOwnerOnly,
            Some("authorizer"),
            "开通家庭共济、提高限额、解除冻结和代缴，都只能由出钱的本人办理：请本人在自己的家庭电脑上用本人的支付密码确认，或本人带身份证到服务中心办理。亲属只能查看、冻结或解除。未作任何改动。",
            "Opening 家庭共济, raising a cap, unfreezing and paying a premium are the account owner's own acts: the owner confirms on their own paired computer with their own payment password, or comes to the service centre with their ID card. A relative may only view, freeze or end it. Nothing was changed.",
        )
    }
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
    pub fn aid_online_cap_too_high(max_fen: i64) -> Self {
        let yuan = max_fen / 100;
        Self::new(
            Code::AidOnlineCapTooHigh,
            Some("online_daily_cap"),
            format!("在线购药每日限额最高{yuan}元。请填写不超过{yuan}元的金额，或不设限额。"),
            format!("The online-pharmacy daily cap is at most ¥{yuan}. Enter at most ¥{yuan}, or no cap."),
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
}
