//! Connected mode (issues 17 and 18) in real windows: a family computer is
//! paired at the service centre's kiosk, then works through `qinqing-server`
//! only for its household; the server going away and coming back; unpairing.
//!
//! The kiosk runs on the centre's ledger itself (`--kiosk --db`), the server
//! on the same ledger, the family window with `--server URL` and no ledger of
//! its own. Screenshots: target/e2e/connected-*.png.

use qinqing_core::demo::DEMO_STAFF_PASSWORD;
use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};
use qinqing_e2e::App;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `qinqing-server` (built with the workspace) on `db`, at `listen`.
fn server(db: &Path, listen: &str) -> (Server, String) {
    let bin = Path::new(APP).with_file_name("qinqing-server");
    assert!(bin.is_file(), "{} not built (cargo build --workspace)", bin.display());
    let mut child = Command::new(bin)
        .args(["--db", &db.to_string_lossy(), "--listen", listen, "--workers", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start qinqing-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("server said {line:?}")).to_string();
    (Server(child), addr)
}

fn probe(cmd: &str, args: &str) -> String {
    format!("const done = arguments[arguments.length - 1]; window.__TAURI__.core.invoke('{cmd}', {args}).then(r => done({{ ok: r }})).catch(e => done({{ err: e }}));")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_family_computer_paired_at_the_kiosk_works_through_the_server_for_its_household_only() {
    // The centre's ledger, and the kiosk on it.
    let mut stranger = 0;
    let Some(kiosk) = App::launch_with(APP, "connected-kiosk", &["--kiosk"], |db| {
        let mut q = Qinqing::open(db).unwrap();
        q.demo_seed().unwrap();
        stranger = q
            .add_person(&PersonInput {
                name: "李别家".into(),
                resident_id: with_check_char("34010419800101200"),
                insurance: "resident".into(),
                region: "340104".into(),
                ..Default::default()
            })
            .unwrap()
            .id;
    })
    .await
    else {
        return;
    };
    let ledger: PathBuf = kiosk.db.clone();
    let (srv, addr) = server(&ledger, "127.0.0.1:0");
    let url = format!("http://{addr}");

    // Staff serve 张伟 and give him a pairing code, shown large with his masked name.
    kiosk.wait("#kiosk-login").await;
    kiosk.fill("#k-staff", "1").await;
    kiosk.fill("#k-password", DEMO_STAFF_PASSWORD).await;
    kiosk.click("#k-login").await;
    kiosk.wait("#kiosk-start-resident").await;
    kiosk.fill("#k-resident-id", &with_check_char("34010419821108017")).await;
    kiosk.click("#k-attest").await;
    kiosk.click("#k-start").await;
    kiosk.wait_text("#resident-name", "张伟").await;
    kiosk.click("[data-screen=kiosk]").await;
    kiosk.click("#k-pair-start").await;
    let code = kiosk.wait_text("#k-pairing-code", "-").await;
    assert_eq!(code.len(), 9, "ABCD-EFGH: {code}");
    kiosk.wait_text("#kiosk-pairing", "张*").await;
    kiosk.screenshot("connected-kiosk-pairing").await;
    // (the ledger lives in the kiosk test's directory: kept until the end)
    let _centre = kiosk.close().await;

    // The family's computer, connected and not yet paired: only the pairing
    // screen, and the server refuses every data command.
    let Some(family) = App::launch_connected(APP, "connected-family", &url, &[]).await else { return };
    family.wait("#pair-form").await;
    assert_eq!(family.count("#nav [data-screen]").await, 1);
    let r = family.js_async(&probe("person_list", "{ query: {} }")).await;
    assert_eq!(r["err"]["code"], "TOKEN_UNKNOWN", "unpaired: {r}");
    family.screenshot("connected-family-unpaired").await;
    // A wrong code: refused, still unpaired.
    family.fill("#pair-code", "2345-6789").await;
    family.click("#pair-submit").await;
    family.wait("#pair-error[data-code=PAIRING_CODE_INVALID]").await;
    // The code from the kiosk, typed in lower case: paired, the household's screens.
    family.fill("#pair-code", &code.to_lowercase()).await;
    family.fill("#pair-label", "客厅电脑").await;
    family.click("#pair-submit").await;
    family.wait_text("#member-cards", "张子涵").await;
    family.wait_text("#conn-status", "张*").await;
    assert!(family.count("#nav [data-screen=register]").await == 0, "a household has no register screen");
    family.screenshot("connected-family-paired").await;
    // The credential is kept readable by this computer's user only, and never reaches the page.
    let saved = family.dir.path().join("connection.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let token = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&saved).unwrap()).unwrap()["device"]["token"].as_str().unwrap().to_string();
    let mode = family.js_async(&probe("app_mode", "{}")).await;
    assert!(!mode.to_string().contains(&token), "the page never sees the token: {mode}");
    // Household B's person, by any command: refused by the server.
    for (cmd, args) in [
        ("person_get", format!("{{ id: {stranger} }}")),
        ("dashboard", format!("{{ holder: {stranger}, year: 2026 }}")),
        ("premium_list", format!("{{ person: {stranger} }}")),
        ("filing_list", format!("{{ person: {stranger} }}")),
        ("person_reveal_id", format!("{{ id: {stranger} }}")),
        ("binding_approve", "{ id: 1 }".to_string()),
    ] {
        let r = family.js_async(&probe(cmd, &args)).await;
        assert_eq!(r["err"]["code"], "FORBIDDEN", "{cmd}: {r}");
    }
    let r = family.js_async(&probe("person_list", "{ query: {} }")).await;
    let ids: Vec<i64> = r["ok"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert!(!ids.is_empty() && !ids.contains(&stranger), "{ids:?}");

    // The server goes away: the window says so, still shows what it saw,
    // and refuses changes (nothing is queued).
    let info_before = family.js_async(&probe("app_info", "{}")).await;
    drop(srv);
    family.wait("#conn-status[data-online='0']").await;
    let r = family.js_async(&probe("app_info", "{}")).await;
    assert_eq!(r["ok"], info_before["ok"], "a read seen before is answered from memory: {r}");
    let r = family.js_async(&probe("aid_freeze", "{ id: 1 }")).await;
    assert_eq!(r["err"]["code"], "SERVER_UNREACHABLE", "a change while away: {r}");
    family.wait_text("#conn-status", "显示的是").await;
    family.screenshot("connected-family-offline").await;
    // Back on the same address: the window recovers by itself.
    let (srv, _) = server(&ledger, &addr);
    family.wait("#conn-status[data-online='1']").await;
    let r = family.js_async(&probe("person_get", "{ id: 3 }")).await;
    assert_eq!(r["ok"]["name"], "张伟", "{r}");

    // Unpair this computer: back to the pairing screen; the server refuses the old credential.
    family.click("#unpair").await;
    family.click("#unpair-yes").await;
    family.wait("#pair-form").await;
    let saved_now: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert!(saved_now["device"].is_null(), "{saved_now}");
    let mut q = Qinqing::open_existing(&ledger).unwrap();
    assert_eq!(q.authenticate(&token).unwrap_err().code, qinqing_core::Code::TokenRevoked);
    family.screenshot("connected-family-unpaired-again").await;
    family.close().await;
    drop(srv);
}
