//! A family's own computer (issue 15): a fresh installation shows only the
//! set-up step; once set up for 张伟's household the window offers the
//! family's screens, and Rust refuses anything else even when the page asks
//! for it directly — a balance change, an approval, another family's data, a
//! staff log-in. Screenshots: target/e2e/household-*.png.

use qinqing_core::id::with_check_char;
use qinqing_core::installation::Installation;
use qinqing_core::Qinqing;
use qinqing_e2e::App;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

fn probe(cmd: &str, args: &str) -> String {
    format!("const done = arguments[arguments.length - 1]; window.__TAURI__.core.invoke('{cmd}', {args}).then(r => done({{ ok: r }})).catch(e => done({{ err: e }}));")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_family_computer_is_set_up_once_and_sees_only_its_family() {
    let Some(app) = App::launch(APP, "household", qinqing_e2e::fresh_family_installation).await else {
        return;
    };
    // Only the set-up step, and nothing else answers.
    app.wait("#setup-form").await;
    assert_eq!(app.count("#nav [data-screen]").await, 1);
    let r = app.js_async(&probe("plugin:ops|person_list", "{ args: {} }")).await;
    assert_eq!(r["err"]["code"], "NOT_LOGGED_IN", "{r}");
    app.screenshot("household-setup").await;
    // A name that does not match the register is refused.
    app.fill("#setup-name", "张三").await;
    app.fill("#setup-id", &with_check_char("34010419821108017")).await;
    app.click("#setup-submit").await;
    app.wait("#setup-error[data-code=MEMBER_ID_MISMATCH]").await;
    app.fill("#setup-name", "张伟").await;
    app.click("#setup-submit").await;
    app.wait("#nav [data-screen=family]").await;
    let screens: Vec<String> = app
        .js("return Array.from(document.querySelectorAll('#nav [data-screen]')).map(b => b.dataset.screen);")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(screens, ["family", "qr", "aid", "filing", "dashboard", "audit"], "no register, review or counter in a family's window");
    app.wait_text("#member-cards", "张子涵").await;
    // Issue 35: "export my data" exports the household's own holder.
    app.wait("#export-my-data[data-person-id='3']").await;
    app.screenshot("household-family").await;

    // The page asking Rust directly: the family's own data yes, the rest no.
    let r = app.js_async(&probe("plugin:ops|person_list", "{ args: {} }")).await;
    let ids: Vec<i64> = r["ok"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&3) && ids.contains(&5) && !ids.contains(&7), "张伟's family only: {ids:?}");
    for (cmd, args, code) in [
        ("plugin:ops|person_edit", "{ args: { id: 5, edit: { balance_fen: 99999999 } } }", "FORBIDDEN"),
        ("plugin:ops|person_add", "{ args: { name: 'x', resident_id: 'x' } }", "FORBIDDEN"),
        ("plugin:ops|person_get", "{ args: { id: 7 } }", "FORBIDDEN"),
        ("binding_approve", "{ id: 2 }", "NOT_LOGGED_IN"),
        ("kiosk_login", "{ staff: 1, password: 'demo-staff-2026' }", "FORBIDDEN"),
        ("setup_household", "{ name: '阿卜杜热合曼·买买提', residentId: '650102195806300510' }", "FORBIDDEN"),
        ("plugin:ops|settle", "{ args: { token: 'QQ1', institution: 1, scenario: 'pharmacy', total_fen: 100, bill_id: 'X' } }", "FORBIDDEN"),
        ("plugin:ops|staff_list", "{}", "FORBIDDEN"),
    ] {
        let r = app.js_async(&probe(cmd, args)).await;
        assert_eq!(r["err"]["code"], code, "{cmd}: {r}");
    }
    let closed = app.close().await;
    let q = Qinqing::open(&closed.db).unwrap();
    assert_eq!(q.installation().unwrap(), Installation::Household { holder: 3 });
    assert_eq!(q.get_person(5).unwrap().balance_fen, 0, "the balance was not changed");
    let denied = q.denied_list(100).unwrap();
    assert!(denied.iter().any(|d| d.actor == "household:3" && d.code == "FORBIDDEN"));
}
