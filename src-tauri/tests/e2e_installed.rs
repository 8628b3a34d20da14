//! The installed package (run by scripts/package-test.sh after `dpkg -i`):
//! the binary at $QINQING_E2E_APP starts and shows its main screen.

use qinqing_core::Qinqing;
use qinqing_e2e::App;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the installed package: scripts/package-test.sh runs it"]
async fn the_installed_app_shows_its_main_screen() {
    let bin = std::env::var("QINQING_E2E_APP").expect("QINQING_E2E_APP: the installed binary, e.g. /usr/bin/qinqing");
    assert!(std::path::Path::new(&bin).is_file(), "{bin} is not installed");
    let app = App::launch(&bin, "installed", |db| {
        Qinqing::open(db).unwrap().demo_seed().unwrap();
    })
    .await
    .expect("prerequisites");
    let rows = app.wait_text("#person-table tbody", "张伟").await;
    assert!(rows.contains("张子涵"));
    assert_eq!(app.text("#app-title").await, "亲情医保");
    app.screenshot("installed-main").await;
    app.close().await;
}
