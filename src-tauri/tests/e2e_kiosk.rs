//! The service-centre kiosk in the real window: staff log in, serve a
//! resident, walk away — the idle timer ends the session and no trace of the
//! resident is left on screen; the review desk approves an application;
//! elder mode on every main screen. Screenshots: target/e2e/kiosk-*.png, elder-*.png.

use qinqing_core::demo::DEMO_STAFF_PASSWORD;
use qinqing_core::id::with_check_char;
use qinqing_core::{BindingQuery, BindingStatus, Qinqing};
use qinqing_e2e::App;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

#[tokio::test(flavor = "multi_thread")]
async fn staff_serve_a_resident_and_the_idle_timer_wipes_the_screen() {
    let Some(app) = App::launch_with(APP, "kiosk", &["--kiosk"], |db| {
        let q = {
            let mut q = Qinqing::open(db).unwrap();
            q.demo_seed().unwrap();
            q
        };
        // Seconds instead of minutes, so the test waits out the timer quickly.
        q.conn().execute("UPDATE setting SET value = '5' WHERE key = 'kiosk_idle_secs'", []).unwrap();
        q.conn().execute("UPDATE setting SET value = '3' WHERE key = 'kiosk_warning_secs'", []).unwrap();
    })
    .await
    else {
        return;
    };
    // Only the log-in is reachable before a staff member logs in.
    app.wait("#kiosk-login").await;
    assert_eq!(app.count("#nav [data-screen]").await, 1);
    app.screenshot("kiosk-login").await;
    let names = app.text("#kiosk-login").await;
    assert!(!names.contains("陈主任"), "the log-in lists no staff names: {names}");
    // A curious resident at the window: every data command is refused in Rust.
    let probe = |cmd: &str, args: &str| {
        format!(
        "const done = arguments[arguments.length - 1]; window.__TAURI__.core.invoke('{cmd}', {args}).then(r => done({{ ok: r }})).catch(e => done({{ err: e }}));"
    )
    };
    for (cmd, args) in [
        ("plugin:ops|person_list", "{ args: {} }"),
        ("plugin:ops|person_get", "{ args: { id: 3 } }"),
        ("plugin:ops|dashboard", "{ args: { holder: 3, year: 2026 } }"),
        ("plugin:ops|binding_list", "{ args: {} }"),
        ("plugin:ops|person_edit", "{ args: { id: 3, edit: { balance_fen: 1 } } }"),
    ] {
        let r = app.js_async(&probe(cmd, args)).await;
        assert_eq!(r["err"]["code"], "NOT_LOGGED_IN", "{cmd} with nobody logged in: {r}");
    }
    // No command takes a file-system path from the page.
    for (cmd, args) in [
        ("tx_csv_save", "{ query: {}, path: '/tmp/x.csv' }"),
        ("document_upload_path", "{ person: 3, kind: 'household_register', note: '', binding: null, path: '/etc/passwd' }"),
    ] {
        let r = app.js_async(&probe(cmd, args)).await;
        assert!(r.get("ok").is_none(), "{cmd} must not exist: {r}");
    }
    let r = app.js_async(&probe("plugin:ops|info", "{}")).await;
    assert_eq!((r["ok"]["db_path"].as_str(), r["ok"]["persons"].as_i64()), (Some(""), Some(0)), "a kiosk at rest tells nothing about its ledger: {r}");
    let r = app.js_async(&probe("plugin:dialog|save", "{ options: {} }")).await;
    assert!(r.get("ok").is_none(), "the page cannot open file dialogs itself: {r}");
    app.fill("#k-staff", "1").await;
    app.fill("#k-password", "wrong-password").await;
    app.click("#k-login").await;
    app.wait("[data-error-for=password][data-code=STAFF_PASSWORD_WRONG]").await;
    app.fill("#k-staff", "1").await;
    app.fill("#k-password", DEMO_STAFF_PASSWORD).await;
    app.click("#k-login").await;
    app.wait("#kiosk-start-resident").await;

    // Serve 张伟 after the in-person check.
    app.fill("#k-resident-id", &with_check_char("34010419821108017")).await;
    app.click("#k-start").await;
    app.wait("[data-error-for=attest][data-code=RESIDENT_NOT_ATTESTED]").await;
    app.click("#k-attest").await;
    app.click("#k-start").await;
    app.wait_text("#resident-name", "张伟").await;
    // Issue 35: the resident's own data may be exported while they are served in person.
    app.wait("#kiosk-export #k-export").await;
    app.click("[data-screen=family]").await;
    app.wait_text("#member-cards", "张子涵").await;
    app.wait("#export-my-data").await;
    let holders = app.count("#holder-select option").await;
    assert_eq!(holders, 1, "only the resident is offered during their session");
    // Register and Review are staff-only: not in the menu while a resident is served …
    assert_eq!(app.count("#nav [data-screen=register], #nav [data-screen=review]").await, 0);
    app.screenshot("kiosk-resident").await;
    // … and Rust scopes every call to this resident's family: another family is FORBIDDEN.
    let r = app.js_async(&probe("plugin:ops|person_get", "{ args: { id: 7 } }")).await;
    assert_eq!(r["err"]["code"], "FORBIDDEN", "another family's person (阿卜杜热合曼, #7) during 张伟's session: {r}");
    let r = app.js_async(&probe("plugin:ops|person_list", "{ args: {} }")).await;
    let ids: Vec<i64> = r["ok"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert!(!ids.contains(&7), "the list holds only the resident's family: {ids:?}");
    let r = app.js_async(&probe("binding_approve", "{ id: 1 }")).await;
    assert_eq!(r["err"]["code"], "FORBIDDEN", "no review during a resident session: {r}");

    // Walk away: a warning, then the wipe.
    app.wait_js("!document.querySelector('#idle-warning').hidden").await;
    app.screenshot("kiosk-idle-warning").await;
    app.wait_js("document.body.dataset.lastWipe === 'resident_idle'").await;
    // The staff log-in was locked with the session: the next person finds the log-in.
    app.wait("#kiosk-login").await;
    let r = app.js_async(&probe("plugin:ops|person_list", "{ args: {} }")).await;
    assert_eq!(r["err"]["code"], "NOT_LOGGED_IN", "after the wipe: {r}");
    let text = app.js("return document.body.innerText + ' ' + Array.from(document.querySelectorAll('input')).map(i => i.value).join(' ');").await;
    let text = text.as_str().unwrap_or_default().to_string();
    for trace in ["张伟", "张子涵", "0174", &with_check_char("34010419821108017")] {
        assert!(!text.contains(trace), "{trace:?} is still on screen after the wipe: {text}");
    }
    let html = app.js("return document.documentElement.outerHTML;").await;
    assert!(!html.as_str().unwrap_or_default().contains("张子涵"), "no trace in the DOM");
    app.screenshot("kiosk-after-wipe").await;
    app.fill("#k-staff", "1").await;
    app.fill("#k-password", DEMO_STAFF_PASSWORD).await;
    app.click("#k-login").await;
    app.wait("#kiosk-start-resident").await;

    // The review desk: the logged-in staff member approves the pending application (王芳, demo).
    app.click("[data-screen=review]").await;
    app.wait_text("#review-list", "王芳").await;
    app.wait_text("#review-reviewer", "陈主任").await;
    app.click("#review-list .review-approve").await;
    app.wait_text("#review-notice", "王芳").await;
    app.screenshot("kiosk-review").await;

    // Elder mode on every main screen: large type, still fits.
    app.click("#elder-toggle").await;
    app.wait_js("document.documentElement.classList.contains('elder')").await;
    for screen in ["kiosk", "family", "aid", "filing", "qr", "dashboard", "review", "audit", "register"] {
        app.click(&format!("[data-screen={screen}]")).await;
        app.wait(&format!("#screen[data-screen={screen}] > *")).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let overflow = app.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
        assert!(overflow.as_i64().unwrap_or(999) <= 0, "{screen} overflows horizontally in elder mode: {overflow}");
        let small = app.js("return Array.from(document.querySelectorAll('#screen button:not(.link), #screen .input')).filter(b => b.offsetParent && b.getBoundingClientRect().height < 47.5).length;").await;
        assert_eq!(small.as_i64(), Some(0), "{screen}: touch targets under 48 px in elder mode");
        app.screenshot(&format!("elder-{screen}")).await;
    }

    let closed = app.close().await;
    let q = Qinqing::open(&closed.db).unwrap();
    let fang = q.list_bindings(&BindingQuery::default()).unwrap().into_iter().find(|b| b.member.name == "王芳").unwrap();
    assert_eq!(fang.status, BindingStatus::Active);
    let trail: Vec<String> = q.audit_list(&Default::default()).unwrap().into_iter().map(|e| e.action).collect();
    for action in ["kiosk.login", "kiosk.resident_start", "binding.approve", "kiosk.staff_locked"] {
        assert!(trail.contains(&action.to_string()), "{action} in the audit trail");
    }
    // The approval names the staff member who made it, not "app".
    let approve = q.audit_list(&Default::default()).unwrap().into_iter().find(|e| e.action == "binding.approve").unwrap();
    assert_eq!(approve.actor, "staff:1");
    let denied = q.denied_list(100).unwrap();
    assert!(denied.iter().any(|d| d.actor == "nobody" && d.code == "NOT_LOGGED_IN"), "the probes are in the access-denied log");
    assert!(denied.iter().any(|d| d.actor.starts_with("staff:1/resident:") && d.code == "FORBIDDEN"));
}
