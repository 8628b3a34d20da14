//! 家庭共济 and 代缴 in the real window (issue 14), one app launch:
//! refusals at the field; authorize with a monthly cap and the commitment
//! letter read in full and signed → a bill settled with `qinqing-cli` uses it
//! → the cap bar and what is left move (and the dashboard's bar too); caps
//! changed; the beneficiary's payers in paying order; freeze in the window →
//! the next settlement skips that authorizer; unfreeze and revoke with a
//! confirmation; 代缴 with the check (代缴信息校验), payment and a receipt;
//! English; elder mode fits.
//! Screenshots: target/e2e/aid-*.png, premium-*.png.

use qinqing_core::id::with_check_char;
use qinqing_core::money::format_fen;
use qinqing_core::{PersonInput, Qinqing};
use qinqing_e2e::App;
use std::path::Path;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

fn run_cli(db: &Path, args: &[&str]) -> serde_json::Value {
    qinqing_e2e::cli_ok(APP, db, args)
}

/// A bill for `member` through the CLI: a fresh code, then the settlement's legs
/// as (source, whose account, amount).
fn settle(db: &Path, member: &str, holder: Option<&str>, bill: &str, total_fen: &str) -> Vec<(String, Option<i64>, i64)> {
    let mut issue = vec!["qr", "issue", "--member", member];
    if let Some(h) = holder {
        issue.extend(["--holder", h]);
    }
    let token = run_cli(db, &issue)["token"].as_str().unwrap().to_string();
    let s = run_cli(
        db,
        &["settle", "--pay-password-stdin", "--code", &token, "--institution", "1", "--scenario", "outpatient", "--total", total_fen, "--bill", bill],
    );
    s["legs"].as_array().unwrap().iter().map(|l| (l["source"].as_str().unwrap().to_string(), l["person_id"].as_i64(), l["amount"].as_i64().unwrap())).collect()
}

/// The demo family (张建国 1, 李秀英 2, 张伟 3, 王芳 4, 张子涵 5, 张雨桐 6 …) with
/// its 家庭共济 (张伟 and 王芳 → 张子涵, 张伟 → 张建国); 张伟 also shares with his
/// mother 李秀英, whose insurance then lapsed; 张雨桐's voucher is active; 赵敏
/// (8) is employee-insured in Zhejiang, which needs a face check before aid.
fn family(db: &Path) {
    let mut q = Qinqing::open(db).unwrap();
    q.demo_seed().unwrap();
    q.activate_voucher(6).unwrap();
    q.authorize_aid(3, 2, "parent", Some(50_000)).unwrap();
    q.set_status(2, "lapsed").unwrap();
    let zhao = q
        .add_person(&PersonInput {
            name: "赵敏".into(),
            resident_id: with_check_char("33010619900101122"),
            insurance: "employee".into(),
            region: "330106".into(),
            balance_fen: Some(100_000),
            voucher_activated: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(zhao.id, 8);
}

/// No horizontal overflow, and every control on the screen at least 48 px high.
async fn fits_elder(app: &App, what: &str) {
    let overflow = app.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
    assert!(overflow.as_i64().unwrap_or(999) <= 0, "{what} overflows in elder mode: {overflow}");
    let small = app
        .js("const bad = []; \
             for (const e of document.querySelectorAll('#screen button, #screen select, #screen input, #screen .premium-tier')) { \
               const r = e.getBoundingClientRect(); if (r.width === 0 && r.height === 0) continue; \
               if (r.height < 47.5) bad.push(`${e.tagName}#${e.id}.${e.className} ${r.height}`); } return bad;")
        .await;
    assert_eq!(small, serde_json::json!([]), "{what}: touch targets under 48 px in elder mode");
}

#[tokio::test(flavor = "multi_thread")]
async fn share_an_account_cap_it_freeze_it_and_pay_a_premium() {
    let Some(app) = App::launch(APP, "aid", family).await else { return };
    let db = app.db.clone();

    // ---- the authorizer's relations: 张伟 (the first employee) by default.
    app.click("[data-screen=aid]").await;
    app.wait_text("#aid-who", "张伟").await;
    let zihan = "#aid-cards .aid-card[data-aid-id='1']";
    app.wait(&format!("{zihan} .aid-bar .bar-fill")).await;
    assert!(app.text(&format!("{zihan} .aid-cap-text")).await.contains("/ ¥1,000.00"), "the demo's ¥1000 cap");
    let width = app.js(&format!("return document.querySelector(\"{zihan} .aid-bar .bar-fill\").style.width;")).await;
    assert!(width.as_str().is_some_and(|w| w.ends_with('%')), "the bar's width is set through the CSSOM: {width:?}");
    // A lapsed relation says why and what to do.
    let lapsed = app.text("#aid-cards .aid-card[data-beneficiary-id='2'][data-lapsed=beneficiary_insurance_interrupted]").await;
    assert!(lapsed.contains("暂停支付") && lapsed.contains("恢复参保") && lapsed.contains("怎么办"), "{lapsed}");
    app.screenshot("aid-relations").await;

    // ---- refusals at the field: a resident cannot share; Zhejiang needs a face check first.
    for (who, name, code) in [("1", "张建国", "AID_AUTHORIZER_NOT_EMPLOYEE"), ("8", "赵敏", "AID_FACE_REQUIRED")] {
        app.choose("#aid-authorizer", who).await;
        app.wait_text("#aid-who", name).await;
        app.click("#aid-add").await;
        app.wait("#aid-flow #aid-letter-text").await;
        app.click("#aid-letter-agree").await;
        app.click("#aid-submit").await;
        app.wait(&format!("#aid-flow [data-error-for=authorizer][data-code={code}]")).await;
    }
    app.js("document.querySelector('#aid-flow [data-error-for=authorizer]').scrollIntoView({ block: 'center' }); return true;").await;
    app.screenshot("aid-refused").await;

    // ---- 王芳 shares with her daughter 张雨桐, capped at ¥300 a month.
    app.choose("#aid-authorizer", "4").await;
    app.wait_text("#aid-who", "王芳").await;
    app.click("#aid-add").await;
    app.wait("#aid-flow #aid-beneficiary option[value='6']").await;
    app.choose("#aid-beneficiary", "6").await;
    app.choose("#aid-relation", "child").await;
    // Not an amount: refused here, at the field.
    app.fill("#aid-monthly", "3OO").await;
    app.click("#aid-submit").await;
    app.wait("#aid-flow [data-error-for=monthly_cap][data-code=AMOUNT_INVALID]").await;
    // The letter is shown in full; not signed, Rust refuses.
    let letter = app.text("#aid-letter-text").await;
    let full: String = qinqing_core::settle::AID_LETTER_ZH.split_whitespace().collect();
    assert_eq!(letter.split_whitespace().collect::<String>(), full, "the whole letter is on screen");
    app.fill("#aid-monthly", "300").await;
    app.click("#aid-submit").await;
    app.wait("#aid-flow [data-error-for=letter][data-code=AID_LETTER_UNSIGNED]").await;
    app.click("#aid-letter-agree").await;
    app.js("document.querySelector('#aid-letter-agree').scrollIntoView({ block: 'center' }); return true;").await;
    app.screenshot("aid-authorize").await;
    app.click("#aid-submit").await;
    app.wait_text("#aid-notice", "已为张雨桐开通家庭共济").await;
    let card = "#aid-cards .aid-card[data-beneficiary-id='6']";
    app.wait(&format!("{card}[data-status=active]")).await;
    let aid_id = app.attr(card, "data-aid-id").await.unwrap();
    assert_eq!(app.text(&format!("{card} .aid-cap-text")).await, "已用 ¥0.00 / ¥300.00");
    assert_eq!(app.count("#aid-flow").await, 0, "the form closed");
    app.screenshot("aid-authorized").await;

    // ---- a bill for 张雨桐 (no money of her own) settled at the counter uses it.
    let legs = settle(&db, "6", None, "AID-E2E-1", "20000");
    let aid_paid: i64 = legs.iter().filter(|l| l.0 == "family_aid").map(|l| l.2).sum();
    assert!(legs.iter().filter(|l| l.0 == "family_aid").all(|l| l.1 == Some(4)), "王芳 paid: {legs:?}");
    assert!(aid_paid > 0 && aid_paid <= 20_000, "{legs:?}");
    // Away and back: the bar and what is left follow.
    app.click("[data-screen=family]").await;
    app.click("[data-screen=aid]").await;
    app.wait_text(&format!("{card} .aid-cap-text"), &format!("已用 {} / ¥300.00", format_fen(aid_paid))).await;
    assert_eq!(app.text(&format!("{card} .aid-left")).await, format_fen(30_000 - aid_paid));
    let width = app.js(&format!("return document.querySelector(\"{card} .aid-bar .bar-fill\").style.width;")).await;
    assert_eq!(width.as_str(), Some(format!("{}%", aid_paid * 100 / 30_000).as_str()), "the bar moved");
    app.screenshot("aid-cap-moved").await;
    // The dashboard's cap bar moved too.
    app.click("[data-screen=dashboard]").await;
    app.wait("#dash-holder option[value='4']").await;
    app.choose("#dash-holder", "4").await;
    app.wait_text(&format!("#dash-caps li[data-aid-id='{aid_id}']"), &format_fen(aid_paid)).await;
    app.click("[data-screen=aid]").await;

    // ---- change the caps: a negative cap is refused at the field, then ¥400 and ¥500 a day online.
    app.click(&format!("{card} .aid-edit")).await;
    app.fill("#aid-edit-monthly", "-5").await;
    app.click("#aid-edit-save").await;
    app.wait("#aid-edit-form [data-error-for=monthly_cap][data-code=AMOUNT_NEGATIVE]").await;
    app.fill("#aid-edit-monthly", "400").await;
    app.fill("#aid-edit-online", "500").await;
    app.click("#aid-edit-save").await;
    app.wait_text("#aid-notice", "已保存张雨桐的限额").await;
    app.wait_text(&format!("{card} .aid-cap-text"), "/ ¥400.00").await;
    let online = app.text(&format!("{card} .aid-online")).await;
    assert!(online.contains("每日限额 ¥500.00") && online.contains("今日已用 ¥0.00"), "Rust's display strings: {online}");

    // ---- who pays for 张子涵: 张伟 (higher balance) first, then 王芳.
    app.click("#aid-tab-payers").await;
    app.wait("#aid-beneficiary-pick option[value='5']").await;
    app.choose("#aid-beneficiary-pick", "5").await;
    app.wait("#aid-payers li[data-order='1'][data-authorizer-id='3']").await;
    app.wait("#aid-payers li[data-order='2'][data-authorizer-id='4']").await;
    let note = app.text("#aid-order-note").await;
    assert!(note.contains("张子涵") && note.contains("¥"), "{note}");
    assert!(app.text("#aid-payers li[data-order='2'] .aid-left").await.starts_with('¥'));
    app.screenshot("aid-payers").await;

    // ---- 张伟 freezes his aid to 张子涵, after confirming.
    app.click("#aid-tab-give").await;
    app.choose("#aid-authorizer", "3").await;
    app.wait_text("#aid-who", "张伟").await;
    app.click(&format!("{zihan} .aid-freeze")).await;
    app.wait_text(&format!("{zihan} .aid-confirm"), "确认冻结").await;
    app.screenshot("aid-freeze-confirm").await;
    app.click(&format!("{zihan} .aid-confirm-yes")).await;
    app.wait(&format!("{zihan}[data-status=frozen] .aid-unfreeze")).await;
    app.wait_text("#aid-notice", "已冻结").await;
    // The next bill skips him: 王芳 pays.
    let legs = settle(&db, "5", Some("3"), "AID-E2E-2", "10000");
    assert!(!legs.iter().any(|l| l.1 == Some(3)), "the frozen authorizer paid nothing: {legs:?}");
    assert!(legs.iter().any(|l| l.0 == "family_aid" && l.1 == Some(4) && l.2 > 0), "王芳 paid: {legs:?}");
    app.click("#aid-tab-payers").await;
    app.wait("#aid-payers li[data-order='1'][data-authorizer-id='4']").await;
    let idle = app.text("#aid-not-paying li[data-order='0'][data-authorizer-id='3']").await;
    assert!(idle.contains("冻结"), "{idle}");
    app.screenshot("aid-payers-frozen").await;

    // ---- unfreeze; then 王芳 ends her aid to 张雨桐.
    app.click("#aid-tab-give").await;
    app.click(&format!("{zihan} .aid-unfreeze")).await;
    app.click(&format!("{zihan} .aid-confirm-yes")).await;
    app.wait(&format!("{zihan}[data-status=active]")).await;
    app.choose("#aid-authorizer", "4").await;
    app.wait_text("#aid-who", "王芳").await;
    app.click(&format!("{card} .aid-revoke")).await;
    app.wait_text(&format!("{card} .aid-confirm"), "不能恢复").await;
    app.click(&format!("{card} .aid-confirm-yes")).await;
    app.wait(&format!("#aid-ended li[data-aid-id='{aid_id}']")).await;
    assert_eq!(app.count(card).await, 0);

    // ---- English.
    app.click("#lang-toggle").await;
    app.wait_text("#aid-tab-give", "Relatives I support").await;
    app.choose("#aid-authorizer", "3").await;
    app.wait_text(&format!("{zihan} .aid-cap-text"), "/ ¥1,000.00").await;
    assert!(app.text("#aid-cards .aid-card[data-beneficiary-id='2'] .aid-lapsed").await.contains("What to do"));
    app.screenshot("aid-en").await;
    app.click("#lang-toggle").await;
    app.wait_text("#aid-tab-give", "我授权的家人").await;

    // ---- 代缴: 张伟 pays 张子涵's premium.
    app.click("#aid-tab-premium").await;
    app.wait("#premium-beneficiary option[value='5']").await;
    app.choose("#premium-beneficiary", "5").await;
    app.wait_js("document.querySelector('#premium-region').value === '310115'").await;
    app.wait("#premium-tiers [data-tier=child]").await;
    let tiers = app.text("#premium-tiers").await;
    assert!(tiers.contains("中小学生和婴幼儿") && tiers.contains("¥260.00"), "{tiers}");
    // The region must match the relative's record: the check says so at the field.
    // (Tab leaves the field: the tiers of the region typed load.)
    app.fill("#premium-region", "310104\u{E004}").await;
    app.click("#premium-tiers input[value=child]").await;
    app.wait("#premium-tiers .premium-tier-chosen[data-tier=child]").await;
    app.click("#premium-check").await;
    app.wait("#premium-form [data-error-for=region][data-code=PREMIUM_REGION_MISMATCH]").await;
    app.screenshot("premium-region-mismatch").await;
    app.fill("#premium-region", "310115\u{E004}").await;
    app.click("#premium-tiers input[value=child]").await;
    app.wait("#premium-tiers .premium-tier-chosen[data-tier=child]").await;
    app.click("#premium-check").await;
    let checked = app.wait_text("#premium-checked", "代缴信息校验").await;
    assert!(checked.contains("张子涵") && checked.contains("¥260.00") && checked.contains("310115"), "{checked}");
    app.screenshot("premium-check").await;
    app.click("#premium-pay").await;
    let receipt = app.wait_text("#premium-receipt", "缴费凭证").await;
    let no = app.text("#premium-r-no").await;
    assert!(no.starts_with("DJ"), "{no}");
    assert_eq!(app.text("#premium-r-amount").await, "¥260.00");
    assert!(!app.text("#premium-r-at").await.is_empty());
    assert!(receipt.contains("张子涵") && receipt.contains("中小学生和婴幼儿"), "{receipt}");
    app.wait("#premium-print").await;
    app.screenshot("premium-receipt").await;
    app.click("#premium-receipt-close").await;
    let row = app.text(&format!("#premium-history li[data-receipt='{no}']")).await;
    assert!(row.contains("张子涵") && row.contains("¥260.00") && row.contains("中小学生和婴幼儿"), "{row}");
    app.js("document.querySelector('#premium-history').scrollIntoView({ block: 'center' }); return true;").await;
    app.screenshot("premium-history").await;
    // Paying again for the same year is refused.
    app.click("#premium-tiers input[value=child]").await;
    app.click("#premium-check").await;
    app.wait("#premium-form [data-error-for=year][data-code=PREMIUM_DUPLICATE]").await;

    // ---- elder mode: each part still fits, with big touch targets.
    app.click("#elder-toggle").await;
    app.wait_js("document.documentElement.classList.contains('elder')").await;
    app.click("#aid-tab-give").await;
    app.wait(&format!("{zihan} .aid-bar")).await;
    app.click("#aid-add").await;
    app.wait("#aid-flow #aid-letter-text").await;
    fits_elder(&app, "aid").await;
    app.js("window.scrollTo(0, 0); return true;").await;
    app.screenshot("aid-elder").await;
    app.js("document.querySelector('#aid-letter-text').scrollIntoView({ block: 'start' }); return true;").await;
    app.screenshot("aid-elder-letter").await;
    app.click("#aid-close").await;
    app.click("#aid-tab-payers").await;
    app.wait("#aid-payers li[data-order='1']").await;
    fits_elder(&app, "payers").await;
    app.screenshot("aid-payers-elder").await;
    app.click("#aid-tab-premium").await;
    app.wait("#premium-tiers [data-tier]").await;
    fits_elder(&app, "premium").await;
    app.js("document.querySelector('#premium-tiers').scrollIntoView({ block: 'center' }); return true;").await;
    app.screenshot("premium-elder").await;
    app.js("document.querySelector('#premium-history').scrollIntoView({ block: 'center' }); return true;").await;
    app.screenshot("premium-history-elder").await;
    app.click(&format!("#premium-history li[data-receipt='{no}'] .premium-view")).await;
    app.wait_text("#premium-receipt", "缴费凭证").await;
    fits_elder(&app, "receipt").await;
    app.screenshot("premium-receipt-elder").await;
    app.click("#premium-receipt-close").await;

    let closed = app.close().await;
    let q = Qinqing::open(&closed.db).unwrap();
    let aids = q.list_aid(&Default::default()).unwrap();
    let made = aids.iter().find(|a| a.id.to_string() == aid_id).unwrap();
    assert_eq!((made.status.as_str(), made.monthly_cap_fen, made.online_daily_cap_fen), ("revoked", Some(40_000), Some(50_000)));
    assert_eq!(made.letter_sha256.as_deref(), Some(qinqing_core::settle::aid_letter().sha256.as_str()), "signed by the letter's text");
    assert_eq!(aids.iter().find(|a| a.id == 1).unwrap().status, "active", "unfrozen");
    let premiums = q.list_premiums(5).unwrap();
    assert_eq!(premiums.len(), 1);
    assert_eq!((premiums[0].payer_id, premiums[0].amount_fen, premiums[0].tier.as_deref()), (3, 26_000, Some("child")));
}
