//! The spending dashboard of the demo family in the real window: totals,
//! the uPlot trend chart, cap bars, anomaly hints with a one-click freeze,
//! the transaction record with its legs, and the annual statement.
//! Screenshots: target/e2e/dashboard-*.png.

use qinqing_core::Qinqing;
use qinqing_e2e::App;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_familys_dashboard() {
    let Some(app) = App::launch(APP, "dashboard", |db| {
        Qinqing::open(db).unwrap().demo_seed().unwrap();
    })
    .await
    else {
        return;
    };
    app.click("[data-screen=dashboard]").await;
    app.wait_text("#dash-total", "¥").await;
    // The family's figures are the ledger's (computed here the same way the CLI does).
    let total = app.text("#dash-total").await;
    assert_ne!(total, "¥0.00", "the demo family has a year of bills");
    app.wait("#dash-trend canvas").await;
    app.wait("#dash-caps li[data-level]").await;
    app.wait("#dash-anomalies li[data-kind=large_bill]").await;
    app.wait("#dash-anomalies li[data-kind=new_institution_other_region]").await;
    assert!(app.count("#tx-table tr.tx-row").await >= 5, "the transaction record is filled");
    app.screenshot("dashboard").await;

    // A row opens its legs.
    app.click("#tx-table tr.tx-row .legs-toggle").await;
    app.wait("#tx-table tr.legs-row").await;
    // Filter by fund source: only bills family aid helped pay.
    app.choose("#tx-source", "family_aid").await;
    app.wait_text("#tx-page", "第 1/").await;
    app.screenshot("dashboard-transactions").await;

    // One-click freeze of the relation that paid an unusual bill.
    app.click("#dash-anomalies li[data-kind=large_bill] .freeze").await;
    app.wait_text("#dash-notice", "已冻结").await;
    app.wait("#dash-caps li .pill").await;

    // The annual statement of the son.
    app.click("#dash-members tr[data-member-id='5'] .statement").await;
    let st = app.wait_text("#statement", "年度医疗费用明细").await;
    assert!(st.contains("张子涵") && st.contains("合计"), "{st}");
    app.screenshot("dashboard-statement").await;
    app.click("#statement-close").await;

    let closed = app.close().await;
    let q = Qinqing::open(&closed.db).unwrap();
    assert!(q.list_aid(&Default::default()).unwrap().iter().any(|a| a.status == "frozen"), "the freeze reached the ledger");
}
