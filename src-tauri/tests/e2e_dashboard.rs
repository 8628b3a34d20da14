//! The spending dashboard of the demo family in the real window: totals,
//! the uPlot trend chart, cap bars, anomaly hints with a one-click freeze,
//! the 代缴 premiums line and record rows, the deductible and ceiling
//! progress bars, the transaction record with its legs, and the annual
//! statement.
//! Screenshots: target/e2e/dashboard-*.png.

use qinqing_core::Qinqing;
use qinqing_e2e::App;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

/// The premium paid in the set-up, in fen.
static PREMIUM: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_familys_dashboard() {
    let Some(app) = App::launch(APP, "dashboard", |db| {
        let mut q = Qinqing::open(db).unwrap();
        q.demo_seed().unwrap();
        // 代缴: the father pays his son's resident premium today (the demo's
        // 家庭共济 relation between them is active).
        let id = |name: &str| -> i64 { q.conn().query_row("SELECT id FROM person WHERE name = ?1", [name], |r| r.get(0)).unwrap() };
        let (wei, zihan) = (id("张伟"), id("张子涵"));
        let year: i64 = q.today().format("%Y").to_string().parse().unwrap();
        // A premium is a tier that fits him (issue 32); a year the shipped
        // data has no tiers for gets a national one for the test.
        let fits = |q: &Qinqing| {
            let birth = q.get_person(zihan).unwrap().birth_date;
            let birth = chrono::NaiveDate::parse_from_str(&birth, "%Y-%m-%d").unwrap();
            let age = qinqing_core::premium::age_for_year(birth, year);
            q.premium_tiers("310115", year).unwrap().into_iter().find(|t| qinqing_core::premium::tier_fits(t, age)).map(|t| t.amount_fen)
        };
        if fits(&q).is_none() {
            q.conn()
                .execute(
                    "INSERT INTO premium_tier (region_prefix, year, tier, label_zh, label_en, amount_fen) VALUES ('', ?1, 'e2e', '个人缴费', 'Contribution', 38000)",
                    [year],
                )
                .unwrap();
        }
        let amount = fits(&q).unwrap();
        PREMIUM.store(amount, std::sync::atomic::Ordering::Relaxed);
        q.pay_premium(wei, zihan, amount, year, None).unwrap();
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
    // The premium has a line of its own, not in the medical total.
    let paid = qinqing_core::money::format_fen(PREMIUM.load(std::sync::atomic::Ordering::Relaxed));
    let premiums = app.wait_text("#dash-premiums", "代缴保费").await;
    assert!(premiums.contains(&paid) && premiums.contains("不计入医疗费用"), "{premiums}");
    assert_eq!(app.text("#dash-total").await, total, "the medical total did not take the premium in");
    assert!(app.text("#dash-members tr[data-member-id='5'] .member-premiums").await.contains(&paid));
    app.screenshot("dashboard").await;

    // Deductible and ceiling progress: two bars per scenario with a fund share.
    for sc in ["outpatient", "inpatient"] {
        let base = format!("#dash-fund .fund-member[data-member-id='5'] .fund-scenario[data-scenario={sc}]");
        app.wait(&format!("{base} .fund-deductible .bar .bar-fill")).await;
        app.wait(&format!("{base} .fund-ceiling .bar .bar-fill")).await;
        let text = app.text(&base).await;
        assert!(text.contains("起付线 已累计 ¥") && text.contains("封顶线 基金已付 ¥"), "{text}");
    }
    let width = app.js("return document.querySelector(\"#dash-fund .fund-member[data-member-id='5'] .fund-deductible .bar-fill\").style.width;").await;
    assert!(width.as_str().is_some_and(|w| w.ends_with('%')), "the bar's width is set through the CSSOM: {width:?}");
    app.js("document.querySelector('#dash-fund').scrollIntoView(); return true;").await;
    app.screenshot("dashboard-progress").await;

    // The premium in the record: its own kind of row, and a scenario filter value.
    let row = app.text("#tx-table tr.tx-premium[data-kind=premium]").await;
    assert!(row.contains("张子涵") && row.contains(&paid) && row.contains("张伟"), "{row}");
    app.choose("#tx-scenario", "premium").await;
    app.wait_text("#tx-page", &format!("第 1/1 页 · 1 笔 · 合计 {paid}")).await;
    assert_eq!(app.count("#tx-table tr.tx-row").await, 1, "only the premium");
    app.js("document.querySelector('#dash-tx').scrollIntoView(); return true;").await;
    app.screenshot("dashboard-premiums").await;
    app.choose("#tx-scenario", "").await;
    app.wait("#tx-table tr[data-kind=settlement]").await;

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
