//! Accessibility (issue 19 §9, WCAG 2.1 AA): axe-core, run inside the real
//! window over every screen of the demo installation, in Chinese and in
//! English, at normal size and in elder mode; any serious or critical
//! finding fails, as does a screen without a level-one heading or a table
//! with an empty header cell. The screens outside the demo's menu get the
//! same sweep: the standalone kiosk's first run, staff log-in and desk
//! (with and without a resident served), and a family computer's first-run
//! set-up. Screenshots: target/e2e/a11y-*.png.

use qinqing_core::demo::DEMO_STAFF_PASSWORD;
use qinqing_core::id::with_check_char;
use qinqing_core::Qinqing;
use qinqing_e2e::App;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

/// Chinese and English, normal and elder size, in the order the two toggles
/// reach them from wherever the window is.
const LOOKS: [(&str, bool); 4] = [("zh", false), ("zh", true), ("en", true), ("en", false)];

/// Switch the window to `lang` ("zh" or "en") and text size with the
/// header's own buttons, as a person would.
async fn look(app: &App, lang: &str, elder: bool) {
    let en = app.js("return document.documentElement.lang === 'en';").await == serde_json::Value::Bool(true);
    if en != (lang == "en") {
        app.click("#lang-toggle").await;
        app.wait_js(if lang == "en" { "document.documentElement.lang === 'en'" } else { "document.documentElement.lang === 'zh-CN'" }).await;
    }
    let big = app.js("return document.documentElement.classList.contains('elder');").await == serde_json::Value::Bool(true);
    if big != elder {
        app.click("#elder-toggle").await;
        app.wait_js(if elder { "document.documentElement.classList.contains('elder')" } else { "!document.documentElement.classList.contains('elder')" }).await;
    }
}

/// The screen as it is now, in all four looks: what makes it this screen
/// (`present`, a CSS selector), its level-one heading in the language chosen
/// (`heading`: a part of it in Chinese and in English), a
/// screenshot `a11y-<what>-<lang>[-elder]`, and axe's findings. `open`:
/// elements to click after each switch if they are there (a language switch
/// re-renders the screen, closing what was open), e.g. a closed
/// `<details>`' summary.
async fn sweep(app: &App, what: &str, present: &str, heading: (&str, &str), open: &[&str], findings: &mut Vec<String>) {
    for (lang, elder) in LOOKS {
        look(app, lang, elder).await;
        app.wait_text("#screen h1", if lang == "en" { heading.1 } else { heading.0 }).await;
        app.wait(present).await;
        for css in open {
            if app.count(css).await > 0 {
                app.click(css).await;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let label = format!("{what}-{lang}{}", if elder { "-elder" } else { "" });
        app.screenshot(&format!("a11y-{label}")).await;
        for f in app.axe().await {
            findings.push(format!("{label}: {f}"));
        }
    }
}

/// Parts of the kiosk's headings: the log-in's, the desk's.
const WELCOME: (&str, &str) = ("社区服务中心", "Community service centre");
const DESK: (&str, &str) = ("服务台", "Service desk");

fn fail_on(findings: &[String]) {
    assert!(findings.is_empty(), "{} accessibility findings:\n{}", findings.len(), findings.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_screen_passes_wcag_aa_in_both_languages_and_sizes() {
    let Some(app) = App::launch(APP, "a11y", |db| {
        let mut q = Qinqing::open(db).unwrap();
        q.demo_seed().unwrap();
    })
    .await
    else {
        return;
    };
    let screens: Vec<String> = app
        .js("return Array.from(document.querySelectorAll('#nav [data-screen]')).map(b => b.dataset.screen);")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(screens.len() >= 9, "{screens:?}");
    let mut findings = Vec::new();
    for (lang, elder) in [("zh", false), ("zh", true), ("en", true), ("en", false)] {
        for screen in &screens {
            app.click(&format!("#nav [data-screen={screen}]")).await;
            app.wait(&format!("#screen[data-screen={screen}] > *")).await;
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            for f in app.axe().await {
                findings.push(format!("{screen} ({lang}{}): {f}", if elder { ", elder" } else { "" }));
            }
        }
        if (lang, elder) == ("zh", false) {
            app.click("#elder-toggle").await;
            app.wait_js("document.documentElement.classList.contains('elder')").await;
        }
        if (lang, elder) == ("zh", true) {
            app.click("#lang-toggle").await;
            app.wait_js("document.documentElement.lang === 'en'").await;
        }
        if (lang, elder) == ("en", true) {
            app.click("#elder-toggle").await;
            app.wait_js("!document.documentElement.classList.contains('elder')").await;
        }
    }
    app.close().await;
    assert!(findings.is_empty(), "{} accessibility findings:\n{}", findings.len(), findings.join("\n"));
}

/// The standalone kiosk (`--kiosk`) of a service centre with its demo staff:
/// the log-in (also with a wrong password's error), the desk of a logged-in
/// staff member (the "leave kiosk mode" form open), the desk while a
/// resident is served (the resident bar, the pairing card after a code was
/// asked for), and the idle warning over it.
#[tokio::test(flavor = "multi_thread")]
async fn the_kiosk_log_in_and_desk_pass_wcag_aa_in_both_languages_and_sizes() {
    let Some(app) = App::launch_with(APP, "a11y-kiosk", &["--kiosk"], |db| {
        let mut q = Qinqing::open(db).unwrap();
        q.demo_seed().unwrap();
        // No idle wipe while the sweep reads the resident's desk.
        q.conn().execute("UPDATE setting SET value = '1800' WHERE key = 'kiosk_idle_secs'", []).unwrap();
    })
    .await
    else {
        return;
    };
    let mut findings = Vec::new();
    app.wait("#kiosk-login").await;
    sweep(&app, "kiosk-login", "#kiosk-login", WELCOME, &[], &mut findings).await;
    app.fill("#k-staff", "1").await;
    app.fill("#k-password", "wrong-password").await;
    app.click("#k-login").await;
    app.wait("[data-error-for=password][data-code=STAFF_PASSWORD_WRONG]").await;
    sweep(&app, "kiosk-login-error", "[data-error-for=password][data-code=STAFF_PASSWORD_WRONG]", WELCOME, &[], &mut findings).await;

    app.fill("#k-staff", "1").await;
    app.fill("#k-password", DEMO_STAFF_PASSWORD).await;
    app.click("#k-login").await;
    app.wait("#kiosk-start-resident").await;
    sweep(&app, "kiosk-desk", "#kiosk-start-resident", DESK, &["#kiosk details:not([open]) > summary"], &mut findings).await;

    app.fill("#k-resident-id", &with_check_char("34010419821108017")).await;
    app.click("#k-attest").await;
    app.click("#k-start").await;
    app.wait_text("#resident-name", "张伟").await;
    app.click("#k-pair-start").await;
    app.wait("#k-pairing-code").await;
    sweep(&app, "kiosk-resident", "#k-pairing-code", DESK, &[], &mut findings).await;

    // The idle warning over the resident's desk: a resident session that
    // warns 5 s after the last touch and ends a minute after it (read at
    // the next session's start). Ending this session locks the staff log-in.
    {
        let q = Qinqing::open(&app.db).unwrap();
        q.conn().execute("UPDATE setting SET value = '60' WHERE key = 'kiosk_idle_secs'", []).unwrap();
        q.conn().execute("UPDATE setting SET value = '55' WHERE key = 'kiosk_warning_secs'", []).unwrap();
    }
    app.click("#resident-end").await;
    app.wait("#kiosk-login").await;
    app.fill("#k-staff", "1").await;
    app.fill("#k-password", DEMO_STAFF_PASSWORD).await;
    app.click("#k-login").await;
    app.fill("#k-resident-id", &with_check_char("34010419821108017")).await;
    app.click("#k-attest").await;
    app.click("#k-start").await;
    app.wait_text("#resident-name", "张伟").await;
    sweep(&app, "kiosk-idle-warning", "#idle-warning:not([hidden])", DESK, &[], &mut findings).await;
    app.close().await;
    fail_on(&findings);
}

/// A new kiosk's first run (no staff account yet: the first administrator is
/// set up), then that administrator's desk (the "add staff" and "leave kiosk
/// mode" forms open).
#[tokio::test(flavor = "multi_thread")]
async fn a_new_kiosk_first_run_passes_wcag_aa_in_both_languages_and_sizes() {
    let Some(app) = App::launch_with(APP, "a11y-kiosk-first-run", &["--kiosk"], |db| {
        Qinqing::open(db).unwrap();
    })
    .await
    else {
        return;
    };
    let mut findings = Vec::new();
    app.wait("#kiosk-first-run").await;
    sweep(&app, "kiosk-first-run", "#kiosk-first-run", ("设置管理员", "set up the administrator"), &[], &mut findings).await;
    app.fill("#k-admin-name", "李管理").await;
    app.fill("#k-admin-pw", "first-admin-2026").await;
    app.fill("#k-admin-pw2", "first-admin-2026").await;
    app.click("#k-admin-create").await;
    app.wait("#kiosk-start-resident").await;
    let open = ["#kiosk details:not([open]) > summary", "#kiosk details:not([open]) > summary"];
    sweep(&app, "kiosk-admin-desk", "#kiosk-add-staff", DESK, &open, &mut findings).await;
    assert_eq!(app.count("#kiosk details[open]").await, 2, "both of an administrator's forms were checked open");
    app.close().await;
    fail_on(&findings);
}

/// A family computer's first-run set-up (issue 15), also with the error of a
/// name that does not match the register.
#[tokio::test(flavor = "multi_thread")]
async fn the_first_run_setup_passes_wcag_aa_in_both_languages_and_sizes() {
    let Some(app) = App::launch(APP, "a11y-setup", qinqing_e2e::fresh_family_installation).await else {
        return;
    };
    let mut findings = Vec::new();
    app.wait("#setup-form").await;
    sweep(&app, "setup", "#setup-form", ("这是谁家的电脑", "whose computer is this"), &[], &mut findings).await;
    app.fill("#setup-name", "张三").await;
    app.fill("#setup-id", &with_check_char("34010419821108017")).await;
    app.click("#setup-submit").await;
    app.wait("#setup-error[data-code=MEMBER_ID_MISMATCH]").await;
    sweep(&app, "setup-error", "#setup-error[data-code=MEMBER_ID_MISMATCH]", ("这是谁家的电脑", "whose computer is this"), &[], &mut findings).await;
    app.close().await;
    fail_on(&findings);
}
