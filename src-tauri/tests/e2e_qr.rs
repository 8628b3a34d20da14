//! The dynamic QR code in the real window: a holder shows his son's code,
//! the code is read back from a screenshot (zbarimg), settled with
//! `qinqing-cli`, and the balance on screen follows. Then the counter
//! terminal settles a scanned code and refuses to charge the bill twice,
//! confirms an outpatient bill with the one-time code sent to the payer, and
//! admits an inpatient on the ID card and face check.
//! Screenshots: target/e2e/qr-*.png, terminal-*.png.

use qinqing_core::Qinqing;
use qinqing_e2e::App;
use std::path::Path;
use std::process::Command;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

fn run_cli(db: &Path, args: &[&str]) -> serde_json::Value {
    qinqing_e2e::cli_ok(APP, db, args)
}

fn zbarimg(png: &Path) -> String {
    let out = Command::new("zbarimg").args(["--quiet", "--raw"]).arg(png).output().expect("zbarimg (Debian zbar-tools) is installed by scripts/test.sh");
    assert!(out.status.success(), "zbarimg found no code in {}", png.display());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn show_a_code_scan_it_from_the_screen_and_settle() {
    let Some(app) = App::launch(APP, "qr", |db| {
        let mut q = Qinqing::open(db).unwrap();
        q.demo_seed().unwrap();
        // 张子涵 (person 5) has ¥300 of his own.
        q.set_balance(5, 30_000).unwrap();
        // This test checks the code's path, not the deductible (which depends
        // on how much of the demo year falls in this calendar year).
        for sc in ["outpatient", "inpatient"] {
            let p = q.fund_policies().unwrap().into_iter().find(|r| r.region_prefix.is_empty() && r.scenario == sc && r.insurance == "resident").unwrap();
            q.set_fund_policy("", sc, "resident", qinqing_core::fund::FundPolicy { deductible_fen: 0, ceiling_fen: None, ..p.policy }).unwrap();
        }
    })
    .await
    else {
        return;
    };
    let db = app.db.clone();

    app.click("[data-screen=qr]").await;
    app.wait("#qr-member option[value='5']").await;
    app.choose("#qr-member", "5").await;
    app.click("#qr-show").await;
    app.wait("#qr-img").await;
    app.wait_text("#qr-countdown", "秒后自动刷新").await;
    app.wait_text("#qr-balance", "¥300.00").await;
    let shot = app.screenshot("qr-shown").await;

    // Read the code off the screen like a scanner would, and settle it.
    let token = zbarimg(&shot);
    assert!(token.starts_with("QQ1"), "decoded {token:?}");
    let claims = run_cli(&db, &["qr", "verify", &token]);
    assert_eq!((claims["member"].as_i64(), claims["shown_by"].as_i64()), (Some(5), Some(3)), "shown by the holder for his son");
    let s = run_cli(
        &db,
        &["settle", "--pay-password-stdin", "--code", &token, "--institution", "1", "--scenario", "outpatient", "--total", "20000", "--bill", "E2E-1"],
    );
    let legs: Vec<(String, i64)> =
        s["legs"].as_array().unwrap().iter().map(|l| (l["source"].as_str().unwrap().to_string(), l["amount"].as_i64().unwrap())).collect();
    assert_eq!(legs, vec![("fund".to_string(), 10_000), ("own_account".to_string(), 10_000)]);
    // The balance on screen follows.
    app.wait_text("#qr-balance", "¥200.00").await;
    app.screenshot("qr-after-payment").await;

    // His payment password (the holder sets it: he is under 16); a trivial one is refused.
    app.fill("#pay-pw", "123456").await;
    app.fill("#pay-pw2", "123456").await;
    app.click("#pay-save").await;
    app.wait("[data-error-for=pay_password][data-code=PAY_PASSWORD_WEAK]").await;
    let pay = qinqing_core::demo::DEMO_PAY_PASSWORD;
    app.fill("#pay-pw", pay).await;
    app.fill("#pay-pw2", pay).await;
    app.click("#pay-save").await;
    app.wait("#pay-notice").await;
    assert_eq!(app.js("return document.querySelector('#pay-pw').value + document.querySelector('#pay-pw2').value;").await, "");

    // The counter terminal: a scanner types a fresh code and presses Enter.
    let fresh = run_cli(&db, &["qr", "issue", "--member", "5", "--holder", "3"])["token"].as_str().unwrap().to_string();
    app.click("[data-screen=terminal]").await;
    app.wait("#t-institution option").await;
    app.fill("#t-total", "88.50").await;
    app.fill("#t-bill", "T-2").await;
    app.choose("#t-scenario", "pharmacy").await;
    // Without the payer's password nothing is paid, and the code is not used up.
    app.fill("#t-token", &format!("{fresh}\u{E007}")).await;
    app.wait("[data-error-for=pay_password][data-code=PAY_CONFIRMATION_REQUIRED]").await;
    app.fill("#t-paypw", "000000").await;
    app.fill("#t-token", &format!("{fresh}\u{E007}")).await;
    app.wait("[data-error-for=pay_password][data-code=PAY_PASSWORD_WRONG]").await;
    assert_eq!(app.js("return document.querySelector('#t-paypw').value;").await, "", "the password is not kept in the page");
    app.screenshot("terminal-pay-password").await;
    app.fill("#t-paypw", qinqing_core::demo::DEMO_PAY_PASSWORD).await;
    app.fill("#t-token", &format!("{fresh}\u{E007}")).await;
    let result = app.wait_text("#t-result", "结算完成").await;
    assert!(result.contains("¥88.50"), "{result}");
    app.wait("#t-result tr[data-source=own_account]").await;
    app.screenshot("terminal-settled").await;
    // The same code again (a double scan): the first result, nothing charged.
    app.fill("#t-token", &format!("{fresh}\u{E007}")).await;
    app.wait_text("#t-result", "未重复扣款").await;
    // A malformed scan is refused with its code.
    app.fill("#t-token", "QQ1NOTACODE\u{E007}").await;
    app.wait("#t-error[data-code=QR_MALFORMED]").await;
    app.screenshot("terminal-refused").await;

    // Outpatient (DOMAIN §4, the policy's default): a one-time code sent to
    // the payer's record, read out by the payer, confirms the bill.
    let out_code = run_cli(&db, &["qr", "issue", "--member", "5", "--holder", "3"])["token"].as_str().unwrap().to_string();
    app.choose("#t-scenario", "outpatient").await;
    app.wait("#t-confirm-by[data-methods='sms_code,pay_password']").await;
    app.fill("#t-total", "12.30").await;
    app.fill("#t-bill", "MZ-E2E").await;
    app.fill("#t-token", &format!("{out_code}\u{E007}")).await;
    app.wait("[data-error-for=sms_code][data-code=PAY_CONFIRMATION_REQUIRED]").await;
    app.click("#t-send-code").await;
    app.wait_text("#t-code-sent", "验证码已发送").await;
    let sent = run_cli(&db, &["outbox", "list", "--person", "5"]);
    let body = sent[0]["body_zh"].as_str().unwrap().to_string();
    assert!(body.contains("¥12.30") && body.contains("MZ-E2E"), "{body}");
    let code: String = body.split(|c: char| !c.is_ascii_digit()).find(|d| d.len() == 6).expect("a 6-digit code").to_string();
    app.fill("#t-smscode", &code).await;
    app.screenshot("terminal-sms-code").await;
    app.click("#t-settle").await;
    let result = app.wait_text("#t-result", "结算完成").await;
    assert!(result.contains("MZ-E2E"), "{result}");
    assert_eq!(app.js("return document.querySelector('#t-smscode').value;").await, "", "the code is not kept in the page");

    // Inpatient: the code opens a stay at admission; discharge settles it without a code.
    let admit_code = run_cli(&db, &["qr", "issue", "--member", "5", "--holder", "3"])["token"].as_str().unwrap().to_string();
    app.choose("#t-scenario", "inpatient").await;
    app.wait("#t-admit").await;
    app.fill("#t-admission", "ZY-E2E").await;
    // Admission is confirmed by ID card and face (the policy's default): no password field.
    app.wait("#t-confirm-by[data-methods='id_face']").await;
    assert_eq!(app.js("return String(document.querySelector('#t-paypw') === null);").await, "true");
    app.fill("#t-token", &format!("{admit_code}\u{E007}")).await;
    app.wait("[data-error-for=id_face_checked][data-code=ID_FACE_CHECK_REQUIRED]").await;
    app.click("#t-idface").await;
    app.fill("#t-token", &format!("{admit_code}\u{E007}")).await;
    app.wait_text("#t-admitted", "ZY-E2E").await;
    app.screenshot("terminal-admitted").await;
    app.click("#t-mode-discharge").await;
    app.wait("#t-stay option").await;
    app.fill("#t-total", "100.00").await;
    app.fill("#t-bill", "ZY-BILL-1").await;
    app.click("#t-discharge").await;
    let result = app.wait_text("#t-result", "结算完成").await;
    assert!(result.contains("ZY-BILL-1"), "{result}");
    app.wait("#t-no-stays").await;
    app.screenshot("terminal-discharged").await;
    app.choose("#t-scenario", "outpatient").await;

    // Elder mode: the terminal and the QR screen still fit.
    app.click("#elder-toggle").await;
    app.wait_js("document.documentElement.classList.contains('elder')").await;
    for screen in ["terminal", "qr"] {
        app.click(&format!("[data-screen={screen}]")).await;
        app.wait(&format!("#screen[data-screen={screen}] > *")).await;
        let overflow = app.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
        assert!(overflow.as_i64().unwrap_or(999) <= 0, "{screen} overflows in elder mode: {overflow}");
        app.screenshot(&format!("elder-{screen}-app")).await;
        if screen == "terminal" {
            // The confirmation's fields in large type: the code and its button fit and are big enough to touch.
            app.js("document.querySelector('#t-send-code').scrollIntoView({ block: 'center' }); return 1;").await;
            let h = app.js("return Math.min(document.querySelector('#t-send-code').getBoundingClientRect().height, document.querySelector('#t-smscode').getBoundingClientRect().height);").await;
            assert!(h.as_f64().unwrap_or(0.0) >= 47.5, "the code field and its button in elder mode: {h}");
            app.screenshot("elder-terminal-code").await;
        }
    }

    let closed = app.close().await;
    let q = Qinqing::open(&closed.db).unwrap();
    // ¥88.50 pharmacy from his own account; ¥12.30 outpatient: 50 % fund,
    // ¥6.15 own; ¥100 inpatient: 70 % fund, ¥30 own.
    assert_eq!(q.get_person(5).unwrap().balance_fen, 20_000 - 8_850 - 615 - 3_000);
    let ours: Vec<String> = q.list_settlements(Some(5), 1000).unwrap().into_iter().map(|s| s.bill_id).filter(|b| !b.starts_with("DEMO-")).collect();
    assert_eq!(ours, vec!["ZY-BILL-1".to_string(), "MZ-E2E".to_string(), "T-2".to_string(), "E2E-1".to_string()], "each bill charged once");
    let s = q.list_settlements(Some(5), 1).unwrap().remove(0);
    assert!(s.stay_id.is_some(), "the discharge settled the stay");
}
