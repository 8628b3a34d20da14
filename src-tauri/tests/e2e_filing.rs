//! 异地备案 in the real window: a family files its son for care in Guangzhou
//! (refusals at the field first), a Guangzhou hospital then settles his code
//! cross-region at his own ratio (qinqing-cli as the counter), the filing is
//! cancelled with a confirmation and the next bill needs a filing again.
//! Screenshots: target/e2e/filing-*.png.

use qinqing_core::Qinqing;
use qinqing_e2e::App;

fn run_cli(db: &Path, args: &[&str]) -> (bool, serde_json::Value, String) {
    qinqing_e2e::cli_json(APP, db, args)
}
use std::path::Path;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

async fn set_date(app: &App, css: &str, value: &str) {
    app.wait(css).await;
    app.js(&format!("const i = document.querySelector('{css}'); i.value = '{value}'; i.dispatchEvent(new Event('input')); return true;")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn file_for_guangzhou_settle_there_then_cancel() {
    let Some(app) = App::launch(APP, "filing", |db| {
        let mut q = Qinqing::open(db).unwrap();
        q.demo_seed().unwrap();
        q.add_institution("广州市第一人民医院", "440104", true, true).unwrap();
    })
    .await
    else {
        return;
    };
    let db = app.db.clone();
    let (today, until) = {
        let q = Qinqing::open(&db).unwrap();
        let t = q.today().to_string();
        let next_year: i32 = t[..4].parse::<i32>().unwrap() + 1;
        (t, format!("{next_year}-03-31"))
    };
    let gz = {
        let q = Qinqing::open(&db).unwrap();
        q.list_institutions().unwrap().into_iter().find(|i| i.region.code == "440104").unwrap().id.to_string()
    };

    app.click("[data-screen=filing]").await;
    app.wait("#f-person option[value='5']").await;
    app.choose("#f-person", "5").await;
    app.wait_text("#f-home", "上海市").await;
    // Nothing chosen: refused at the field, nothing stored.
    app.click("#f-submit").await;
    app.wait("[data-error-for=region][data-code=REGION_INVALID]").await;
    // Find Guangzhou by name, as a family would.
    app.fill("#f-filter", "广州").await;
    app.wait("#f-region option[value='440100']").await;
    assert_eq!(app.count("#f-region option").await, 2, "the filter narrows the list to Guangzhou");
    app.choose("#f-region", "440100").await;
    app.choose("#f-reason", "work").await;
    set_date(&app, "#f-from", &until).await;
    set_date(&app, "#f-to", &today).await;
    app.click("#f-submit").await;
    app.wait("[data-error-for=date][data-code=DATE_INVALID]").await;
    app.screenshot("filing-refused").await;
    set_date(&app, "#f-from", &today).await;
    set_date(&app, "#f-to", &until).await;
    app.click("#f-submit").await;
    app.wait_text("#f-notice", "广州市").await;
    let item = app.wait_text("#filing-list li[data-state=active]", "广州市").await;
    assert!(item.contains("异地工作") && item.contains(&until), "{item}");
    app.screenshot("filing-added").await;

    // The counter in Guangzhou settles his code cross-region, at his own ratio.
    let (_, code, _) = run_cli(&db, &["qr", "issue", "--member", "5", "--holder", "3"]);
    let token = code["token"].as_str().unwrap().to_string();
    let (ok, s, err) = run_cli(
        &db,
        &["settle", "--pay-password-stdin", "--code", &token, "--institution", &gz, "--scenario", "outpatient", "--total", "20000", "--bill", "GZ-1"],
    );
    assert!(ok, "{err}");
    assert_eq!((s["cross_region"].as_bool(), s["emergency"].as_bool()), (Some(true), Some(false)), "{s}");
    assert_eq!(s["ratio_pct"], 50, "his own (Shanghai resident) ratio");

    // Cancel, with a confirmation step.
    app.click("#filing-list li[data-state=active] button[id^=f-cancel-]").await;
    app.wait_text("#filing-list", "确定取消").await;
    app.screenshot("filing-cancel-confirm").await;
    app.click("#filing-list button[id^=f-cancel-yes-]").await;
    app.wait("#filing-list li[data-state=cancelled]").await;
    let (_, code, _) = run_cli(&db, &["qr", "issue", "--member", "5", "--holder", "3"]);
    let token = code["token"].as_str().unwrap().to_string();
    let (ok, _, err) = run_cli(
        &db,
        &["settle", "--pay-password-stdin", "--code", &token, "--institution", &gz, "--scenario", "outpatient", "--total", "20000", "--bill", "GZ-2"],
    );
    assert!(!ok && err.contains("FILING_REQUIRED"), "{err}");

    // English and elder mode: still fits.
    app.click("#lang-toggle").await;
    app.wait_text("#screen", "Cross-region filing").await;
    app.click("#elder-toggle").await;
    app.wait_js("document.documentElement.classList.contains('elder')").await;
    let overflow = app.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
    assert!(overflow.as_i64().unwrap_or(999) <= 0, "filing overflows in elder mode: {overflow}");
    app.screenshot("filing-elder-en").await;

    let closed = app.close().await;
    let q = Qinqing::open(&closed.db).unwrap();
    let fs = q.list_filings(Some(5)).unwrap();
    let gz_filing = fs.iter().find(|f| f.region.code == "440100").unwrap();
    assert_eq!((gz_filing.reason.as_str(), gz_filing.state.as_str()), ("work", "cancelled"));
    assert_eq!(fs.iter().filter(|f| f.region.code == "440100").count(), 1, "the refused attempts stored nothing");
}
