//! Three parties on three "machines", one server (issues 17 and 18): the
//! centre's `qinqing-server` on PostgreSQL (on SQLite when no PostgreSQL is
//! given), window 2 a kiosk connected to it (`--server URL --kiosk`), window
//! 1 a family computer paired at that kiosk (`--server URL`), and the counter
//! as `qinqing-cli --server` with its institution's terminal key.
//!
//! The family applies to bind a child with a birth-certificate photo → staff
//! approve at the kiosk → the family window shows the binding active → the
//! family shows the child's code → the code is read from window 1's
//! screenshot with zbar and settled by the counter → window 1's dashboard
//! shows the bill. Then: household B is refused by any command; the server
//! stops (offline, a change refused) and comes back (recovered without a
//! restart); the computer is unpaired. Screenshots: target/e2e/three-*.png.

use qinqing_core::demo::{DEMO_PAY_PASSWORD, DEMO_STAFF_PASSWORD};
use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};
use qinqing_e2e::App;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

const APP: &str = env!("CARGO_BIN_EXE_qinqing");
const ADMIN_PW: &str = "centre-admin-2026";
const CHILD_ID17: &str = "31011520200315012";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `qinqing-server` (built with the workspace) on `db`, at `listen`.
fn server(db: &str, listen: &str) -> (Server, String) {
    let (child, addr) = qinqing_e2e::spawn_server(&Path::new(APP).with_file_name("qinqing-server"), &["--db", db, "--listen", listen, "--workers", "3"]);
    (Server(child), addr)
}

/// Work on the centre's ledger directly (the test's own checks), on a plain
/// thread: a PostgreSQL ledger's client may not start inside the test's runtime.
fn ledger<T: Send + 'static>(db: &str, f: impl FnOnce(&mut Qinqing) -> T + Send + 'static) -> T {
    let db = PathBuf::from(db);
    std::thread::spawn(move || f(&mut Qinqing::open(&db).unwrap())).join().unwrap()
}

fn probe(cmd: &str, args: &str) -> String {
    format!("const done = arguments[arguments.length - 1]; window.__TAURI__.core.invoke('{cmd}', {args}).then(r => done({{ ok: r }})).catch(e => done({{ err: e }}));")
}

fn zbarimg(png: &Path) -> String {
    let out = Command::new("zbarimg").args(["--quiet", "--raw"]).arg(png).output().expect("zbarimg (Debian zbar-tools) is installed by scripts/test.sh");
    assert!(out.status.success(), "zbarimg found no code in {}", png.display());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The counter: `qinqing-cli --server URL --token KEY --json …`.
fn counter(url: &str, key: &str, args: &[&str], stdin: &str) -> (i32, serde_json::Value, String) {
    let cli = Path::new(APP).with_file_name("qinqing-cli");
    let mut cmd = Command::new(cli);
    cmd.args(["--server", url, "--token", key, "--json"]).args(args).env_remove("QINQING_DB");
    let out = qinqing_e2e::output_with_stdin(&mut cmd, stdin);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null), err)
}

/// The screen as it is now, at normal and large text, in Chinese and
/// English: no accessibility finding (axe-core), nothing clipped sideways,
/// and a screenshot of each (`NAME-elder`, `NAME-en-elder`).
async fn every_size(app: &App, name: &str) {
    let mut findings = Vec::new();
    for (step, shot) in [("zh", None), ("elder", Some(format!("{name}-elder"))), ("en", Some(format!("{name}-en-elder")))] {
        match step {
            "elder" => {
                app.click("#elder-toggle").await;
                app.wait_js("document.documentElement.classList.contains('elder')").await;
            }
            "en" => {
                app.click("#lang-toggle").await;
                app.wait_js("document.documentElement.lang === 'en'").await;
            }
            _ => {}
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        findings.extend(app.axe().await.into_iter().map(|f| format!("{step}: {f}")));
        if let Some(shot) = shot {
            app.screenshot(&shot).await;
        }
        let over = app.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
        if over.as_i64().unwrap_or(999) > 0 {
            let who = app.js("const w = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(' | ');").await;
            panic!("{name} ({step}) overflows sideways by {over} px: {who}");
        }
    }
    app.click("#lang-toggle").await;
    app.wait_js("document.documentElement.lang === 'zh-CN'").await;
    app.click("#elder-toggle").await;
    app.wait_js("!document.documentElement.classList.contains('elder')").await;
    assert!(findings.is_empty(), "{name}: {} accessibility findings:\n{}", findings.len(), findings.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_family_the_kiosk_and_the_counter_on_one_server() {
    // The centre's ledger: PostgreSQL when scripts/test.sh gives one.
    let dir = tempfile::tempdir().unwrap();
    let pg = std::env::var("QINQING_E2E_POSTGRES").ok().filter(|v| !v.is_empty());
    let db = match &pg {
        Some(base) => {
            let b = base.clone();
            std::thread::spawn(move || qinqing_core::pg::fresh_test_database(&b).unwrap()).join().unwrap()
        }
        None => dir.path().join("centre.db").to_string_lossy().into_owned(),
    };
    let (admin, child, stranger, key) = ledger(&db, |q| {
        q.demo_seed().unwrap();
        let admin = q.add_staff("王管理", "admin", ADMIN_PW, ADMIN_PW).unwrap().id;
        // 张伟's younger child, registered, not yet bound (voucher not activated).
        let child = q
            .add_person(&PersonInput {
                name: "张小宝".into(),
                resident_id: with_check_char(CHILD_ID17),
                insurance: "resident".into(),
                region: "310115".into(),
                ..Default::default()
            })
            .unwrap()
            .id;
        q.set_pay_password(child, DEMO_PAY_PASSWORD, DEMO_PAY_PASSWORD).unwrap();
        let stranger = q
            .add_person(&PersonInput {
                name: "李别家".into(),
                resident_id: with_check_char("34010419800101200"),
                insurance: "resident".into(),
                region: "340104".into(),
                ..Default::default()
            })
            .unwrap()
            .id;
        let key = q.terminal_add(1, Some("药房收费处")).unwrap().key.unwrap();
        (admin, child, stranger, key)
    });
    let (srv, addr) = server(&db, "127.0.0.1:0");
    let url = format!("http://{addr}");

    // Window 2, the kiosk: registered once by an administrator, then staff log in.
    let Some(kiosk) = App::launch_connected(APP, "three-kiosk", &url, &["--kiosk"]).await else { return };
    kiosk.wait("#kiosk-register").await;
    kiosk.screenshot("three-kiosk-register").await;
    every_size(&kiosk, "three-kiosk-register").await;
    kiosk.fill("#k-reg-admin", &admin.to_string()).await;
    kiosk.fill("#k-reg-pw", ADMIN_PW).await;
    kiosk.fill("#k-reg-label", "一楼大厅").await;
    kiosk.click("#k-register").await;
    kiosk.wait("#kiosk-login").await;
    let login = async |k: &App| {
        k.fill("#k-staff", "1").await;
        k.fill("#k-password", DEMO_STAFF_PASSWORD).await;
        k.click("#k-login").await;
        k.wait("#kiosk-start-resident").await;
    };
    login(&kiosk).await;
    // 张伟 at the desk: the in-person check, then a pairing code shown large.
    kiosk.fill("#k-resident-id", &with_check_char("34010419821108017")).await;
    kiosk.click("#k-attest").await;
    kiosk.click("#k-start").await;
    kiosk.wait_text("#resident-name", "张伟").await;
    kiosk.click("[data-screen=kiosk]").await;
    kiosk.click("#k-pair-start").await;
    let code = kiosk.wait_text("#k-pairing-code", "-").await;
    assert_eq!(code.len(), 9, "ABCD-EFGH: {code}");
    kiosk.wait_text("#kiosk-pairing", "张*").await;
    kiosk.wait_text("#conn-status", &url).await;
    kiosk.screenshot("three-kiosk-pairing").await;
    every_size(&kiosk, "three-kiosk-pairing").await;
    kiosk.wait_text("#k-pairing-code", &code).await;
    // He leaves: the session ends, the staff log-in with it.
    kiosk.click("#resident-end").await;
    kiosk.wait("#kiosk-login").await;

    // Window 1, the family's computer: only the pairing screen until paired;
    // the server refuses every data command meanwhile.
    let Some(family) = App::launch_connected(APP, "three-family", &url, &[]).await else { return };
    family.wait("#pair-form").await;
    assert_eq!(family.count("#nav [data-screen]").await, 1);
    let r = family.js_async(&probe("plugin:ops|person_list", "{ args: {} }")).await;
    assert_eq!(r["err"]["code"], "TOKEN_UNKNOWN", "unpaired: {r}");
    family.screenshot("three-family-unpaired").await;
    family.click("#counter-card summary").await;
    every_size(&family, "three-family-unpaired").await;
    family.fill("#pair-code", "2345-6789").await;
    family.click("#pair-submit").await;
    family.wait("#pair-error[data-code=PAIRING_CODE_INVALID]").await;
    family.fill("#pair-code", &code.to_lowercase()).await;
    family.fill("#pair-label", "客厅电脑").await;
    family.click("#pair-submit").await;
    family.wait_text("#member-cards", "张子涵").await;
    family.wait_text("#conn-status", "张*").await;
    assert_eq!(family.count("#nav [data-screen=register]").await, 0, "a household has no register screen");
    family.screenshot("three-family-paired").await;
    // The credential: readable by this computer's user only, never on the page.
    let saved = family.dir.path().join("connection.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let token = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&saved).unwrap()).unwrap()["device"]["token"].as_str().unwrap().to_string();
    let mode = family.js_async(&probe("app_mode", "{}")).await;
    assert!(!mode.to_string().contains(&token), "the page never sees the token: {mode}");

    // The family applies to bind the child, with a birth-certificate photo.
    family.click("#family-add").await;
    family.fill("#b-name", "张小宝").await;
    family.fill("#b-resident_id", &with_check_char(CHILD_ID17)).await;
    family.choose("#b-relation", "child").await;
    family.click("#bind-next").await;
    family.wait("#bind-reqs li[data-req=doc_child_identity][data-ok='0']").await;
    family.choose("#doc-kind", "birth_certificate").await;
    let photo = family.dir.path().join("birth-certificate.png");
    std::fs::write(&photo, qinqing_core::docstore::sample_png(11, 1200, 900).unwrap()).unwrap();
    family.upload("#doc-file", &photo).await;
    family.wait("#bind-reqs li[data-req=doc_child_identity][data-ok='1']").await;
    family.wait("#bind-docs img.thumb").await;
    family.click("#letter-agree").await;
    family.click("#letter-sign").await;
    family.wait("#letter-signed").await;
    family.click("#bind-submit").await;
    family.wait(&format!("#member-cards [data-member-id='{child}'][data-status=submitted]")).await;
    family.screenshot("three-family-applied").await;
    let binding = ledger(&db, move |q| q.list_bindings(&qinqing_core::BindingQuery { member: Some(child), ..Default::default() }).unwrap()[0].id);

    // Staff approve it at the kiosk's review desk.
    login(&kiosk).await;
    kiosk.click("[data-screen=review]").await;
    kiosk.wait_text("#review-list", "张小宝").await;
    kiosk.wait_text("#review-reviewer", "陈主任").await;
    kiosk.click(&format!("#review-approve-{binding}")).await;
    kiosk.wait_text("#review-notice", "张小宝").await;
    kiosk.screenshot("three-kiosk-approved").await;

    // The family window shows the binding active.
    family.click("[data-screen=qr]").await;
    family.click("[data-screen=family]").await;
    family.wait(&format!("#member-cards [data-member-id='{child}'][data-status=active]")).await;
    // Approved: the parent activates the child's e-voucher (issue 32), through the server.
    family.click(&format!("#member-cards [data-member-id='{child}'] .guardian-voucher")).await;
    family.wait_js(&format!("document.querySelectorAll(\"#member-cards [data-member-id='{child}'] .guardian-voucher\").length === 0")).await;
    family.screenshot("three-family-active").await;

    // The family shows the child's code; the counter reads it off the screen and settles it.
    family.click("[data-screen=qr]").await;
    family.wait(&format!("#qr-member option[value='{child}']")).await;
    family.choose("#qr-member", &child.to_string()).await;
    family.click("#qr-show").await;
    family.wait("#qr-img").await;
    family.wait_text("#qr-countdown", "秒").await;
    let shot = family.screenshot("three-family-code").await;
    let scanned = zbarimg(&shot);
    assert!(scanned.starts_with("QQ1"), "decoded {scanned:?}");
    let (status, settled, err) = counter(
        &url,
        &key,
        &["settle", "--pay-password-stdin", "--code", &scanned, "--institution", "1", "--scenario", "pharmacy", "--total", "4321", "--bill", "THREE-1"],
        &format!("{DEMO_PAY_PASSWORD}\n"),
    );
    assert_eq!(status, 0, "{err}");
    assert_eq!((settled["total_fen"].as_i64(), settled["member_id"].as_i64()), (Some(4321), Some(child)), "{settled}");
    // Sent again (a lost answer): the same settlement, charged once.
    let (status, again, _) = counter(
        &url,
        &key,
        &["settle", "--pay-password-stdin", "--code", &scanned, "--institution", "1", "--scenario", "pharmacy", "--total", "4321", "--bill", "THREE-1"],
        &format!("{DEMO_PAY_PASSWORD}\n"),
    );
    assert_eq!((status, again["id"].clone(), again["replayed"].as_bool()), (0, settled["id"].clone(), Some(true)));
    // The family's dashboard shows the bill.
    let expected = ledger(&db, |q| {
        let year = chrono::Datelike::year(&q.today());
        q.dashboard(3, year).unwrap().family.total_display
    });
    family.click("[data-screen=dashboard]").await;
    family.wait_text("#dash-total", &expected).await;
    let page = family.text("#screen").await;
    assert!(page.contains("张小宝"), "the child's spending on the family's dashboard: {page}");
    family.screenshot("three-family-dashboard").await;

    // Household B's person, by any command: refused by the server.
    for (cmd, args) in [
        ("plugin:ops|person_get", format!("{{ args: {{ id: {stranger} }} }}")),
        ("plugin:ops|dashboard", format!("{{ args: {{ holder: {stranger}, year: 2026 }} }}")),
        ("plugin:ops|premium_list", format!("{{ args: {{ person: {stranger} }} }}")),
        ("plugin:ops|filing_list", format!("{{ args: {{ person: {stranger} }} }}")),
        ("plugin:ops|person_reveal_id", format!("{{ args: {{ id: {stranger} }} }}")),
        ("plugin:ops|qr_issue", format!("{{ args: {{ member: {stranger}, holder: null }} }}")),
        ("plugin:ops|document_list", format!("{{ args: {{ person: {stranger} }} }}")),
        ("binding_approve", format!("{{ id: {binding} }}")),
    ] {
        let r = family.js_async(&probe(cmd, &args)).await;
        assert!(matches!(r["err"]["code"].as_str(), Some("FORBIDDEN" | "NOT_LOGGED_IN")), "{cmd}: {r}");
    }
    let r = family.js_async(&probe("plugin:ops|person_list", "{ args: {} }")).await;
    let ids: Vec<i64> = r["ok"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&child) && !ids.contains(&stranger), "{ids:?}");

    // The server stops: the window says so, still shows what it saw, refuses changes.
    let info_before = family.js_async(&probe("plugin:ops|info", "{}")).await;
    drop(srv);
    family.wait("#conn-status[data-online='0']").await;
    let r = family.js_async(&probe("plugin:ops|info", "{}")).await;
    assert_eq!(r["ok"], info_before["ok"], "a read seen before is answered from memory: {r}");
    let r = family.js_async(&probe("plugin:ops|aid_freeze", "{ args: { id: 1 } }")).await;
    assert_eq!(r["err"]["code"], "SERVER_UNREACHABLE", "a change while away: {r}");
    family.wait_text("#conn-status", "显示的是").await;
    family.screenshot("three-family-offline").await;
    every_size(&family, "three-family-offline").await;
    // Still shows codes: signed by this computer's certified key, which a
    // counter checks with the ledger's public key alone.
    family.click("[data-screen=qr]").await;
    family.wait(&format!("#qr-member option[value='{child}']")).await;
    family.choose("#qr-member", &child.to_string()).await;
    family.click("#qr-show").await;
    family.wait("#qr-offline").await;
    family.wait("#qr-img").await;
    let shot = family.screenshot("three-family-offline-code").await;
    let offline_code = zbarimg(&shot);
    assert!(offline_code.starts_with("QQ2"), "a device-signed code: {offline_code:?}");
    let public = ledger(&db, |q| q.public_key_hex().unwrap());
    let cli = Path::new(APP).with_file_name("qinqing-cli");
    let out = Command::new(&cli)
        .args(["--json", "qr", "check", "--public-key", &public, &offline_code])
        .env_remove("QINQING_DB")
        .env_remove("QINQING_SERVER")
        .output()
        .unwrap();
    assert!(out.status.success(), "checked offline: {}", String::from_utf8_lossy(&out.stderr));
    let checked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((checked["member"].as_i64(), checked["device_holder"].as_i64()), (Some(child), Some(3)), "{checked}");
    // Back on the same address: the window recovers by itself, and the
    // counter settles the code this computer signed (the ledger decides).
    let (srv, _) = server(&db, &addr);
    family.wait("#conn-status[data-online='1']").await;
    let r = family.js_async(&probe("plugin:ops|person_get", "{ args: { id: 3 } }")).await;
    assert_eq!(r["ok"]["name"], "张伟", "{r}");
    let (status, settled, err) = counter(
        &url,
        &key,
        &["settle", "--pay-password-stdin", "--code", &offline_code, "--institution", "1", "--scenario", "pharmacy", "--total", "1500", "--bill", "THREE-OFF"],
        &format!("{DEMO_PAY_PASSWORD}\n"),
    );
    assert_eq!((status, settled["member_id"].as_i64()), (0, Some(child)), "{err}");

    // Unpair this computer: back to the pairing screen; the server refuses the old credential.
    family.click("#unpair").await;
    family.click("#unpair-yes").await;
    family.wait("#pair-form").await;
    let now: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert!(now["device"].is_null(), "{now}");
    let code = ledger(&db, move |q| q.authenticate(&token).unwrap_err().code);
    assert_eq!(code, qinqing_core::Code::TokenRevoked);
    family.screenshot("three-family-unpaired-again").await;
    family.close().await;

    // A pharmacy's counter window on the same server, with its terminal key.
    let Some(till) = App::launch_connected(APP, "three-counter", &url, &[]).await else { return };
    till.wait("#pair-form").await;
    till.click("#counter-card summary").await;
    till.fill("#counter-key", "qqt_not-a-key").await;
    till.click("#counter-connect").await;
    till.wait("#counter-error[data-code=TOKEN_UNKNOWN]").await;
    till.fill("#counter-key", &key).await;
    till.click("#counter-connect").await;
    till.wait("#t-institution option").await;
    assert_eq!(till.count("#nav [data-screen]").await, 1, "a counter has the counter screen only");
    let fresh = ledger(&db, move |q| q.issue_qr(child, Some(3)).unwrap().token);
    till.fill("#t-total", "12.34").await;
    till.fill("#t-bill", "THREE-2").await;
    till.choose("#t-scenario", "pharmacy").await;
    till.fill("#t-paypw", DEMO_PAY_PASSWORD).await;
    till.fill("#t-token", &format!("{fresh}\u{E007}")).await;
    let result = till.wait_text("#t-result", "结算完成").await;
    assert!(result.contains("¥12.34"), "{result}");
    till.screenshot("three-counter-settled").await;
    let charged = ledger(&db, |q| q.conn().query_row("SELECT count(*) FROM settlement WHERE bill_id = 'THREE-2'", [], |r| r.get::<_, i64>(0)).unwrap());
    assert_eq!(charged, 1);
    till.close().await;
    kiosk.close().await;
    drop(srv);
    if let Some(base) = pg {
        std::thread::spawn(move || qinqing_core::pg::drop_test_database(&base, &db)).join().unwrap().unwrap();
    }
}
