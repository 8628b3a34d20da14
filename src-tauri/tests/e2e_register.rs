//! The register of insured persons, in the real app window.
//! Screenshots land in target/e2e/register-*.png.

use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, PersonQuery, Qinqing};
use qinqing_e2e::App;
use std::path::Path;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

fn persons_in(db: &Path) -> Vec<qinqing_core::Person> {
    Qinqing::open(db).unwrap().list_persons(&PersonQuery::default()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn add_a_person_and_refuse_an_invalid_id() {
    let Some(app) = App::launch(APP, "register", |_| {}).await else { return };

    // An empty register says how to start.
    app.wait_text("#person-empty", "添加参保人").await;
    app.screenshot("register-empty").await;

    // Add a person through the form.
    let id = with_check_char("31011519880512062");
    app.click("#person-add-btn").await;
    app.fill("#f-name", "王小明").await;
    app.fill("#f-resident_id", &id).await;
    app.choose("#f-insurance", "employee").await;
    app.fill("#f-region", "310115").await;
    app.fill("#f-balance", "1234.5").await;
    app.screenshot("register-form").await;
    app.click("#person-save").await;

    // It is listed, ID masked, balance in yuan; the detail shows derived facts.
    let row = app.wait_text("#person-table tbody", "王小明").await;
    assert!(row.contains("3101**********"), "masked ID in list: {row}");
    assert!(!row.contains(&id), "full ID must not be in the list: {row}");
    assert!(row.contains("¥1,234.50"), "balance shown in yuan: {row}");
    assert!(row.contains("职工医保"), "insurance label: {row}");
    let detail = app.wait_text("#person-detail", "1988-05-12").await;
    assert!(detail.contains("女"), "gender derived from the ID (17th digit 2 is even): {detail}");
    assert!(detail.contains("已保存"), "save confirmed: {detail}");
    app.screenshot("register-added").await;

    // An ID with a wrong check character is refused next to its field.
    app.click("#person-add-btn").await;
    app.fill("#f-name", "李四").await;
    let bad = {
        let mut b = with_check_char("11010519491231002");
        b.pop();
        b.push('1'); // the right one is X
        b
    };
    app.fill("#f-resident_id", &bad).await;
    app.fill("#f-region", "11").await;
    app.click("#person-save").await;
    let msg = app.wait_text("[data-error-for=resident_id]", "校验位").await;
    assert!(msg.contains("应为X"), "says what the check character should be: {msg}");
    assert_eq!(app.attr("[data-error-for=resident_id]", "data-code").await.as_deref(), Some("ID_CHECKSUM"));
    app.screenshot("register-invalid-id").await;

    // The same error in English after switching language; the typed input survives.
    app.click("#lang-toggle").await;
    app.wait_text("[data-error-for=resident_id]", "check character").await;
    let typed = app.client.execute("return document.querySelector('#f-name').value", vec![]).await.unwrap();
    assert_eq!(typed, "李四");
    // Counted strings follow the language's plural rules (Intl.PluralRules): one person, two people.
    let count = app.wait_text("#screen .count", "1 person").await;
    assert!(!count.contains("people"), "{count}");
    let forms = app
        .js_async(
            "const done = arguments[arguments.length - 1];
             import('./i18n.js').then(m => done([1, 2, 0].map(n => m.t('register.count', { n }))
               .concat([1, 3].map(n => m.t('form.error_summary', { n })))
               .concat([1, 2].map(n => m.t('dash.bills', { n })))
               .concat([1, 2].map(n => m.t('dash.page', { page: 1, pages: 1, n, sum: '¥1.00' })))
               .concat([1, 2].map(n => m.t('dash.csv_done', { n, path: 'a.csv' })))
               .concat([1, 2].map(n => m.t('dash.page_premiums', { n, sum: '¥1.00' })))
               .concat([1, 5].map(n => m.t('review.days', { n })))), e => done(String(e)));",
        )
        .await;
    assert_eq!(
        forms,
        serde_json::json!([
            "1 person",
            "2 people",
            "0 people",
            "1 field needs attention, see below.",
            "3 fields need attention, see below.",
            "1 bill",
            "2 bills",
            "Page 1/1 · 1 bill · ¥1.00",
            "Page 1/1 · 2 bills · ¥1.00",
            "Exported 1 row to a.csv",
            "Exported 2 rows to a.csv",
            "incl. 1 premium ¥1.00",
            "incl. 2 premiums ¥1.00",
            "1 working day",
            "5 working days"
        ]),
        "English plural forms"
    );
    app.screenshot("register-invalid-id-en").await;
    // With the form open in English the register is not clipped (no sideways scrolling).
    let clipped = app.js("const w = document.querySelector('.table-wrap'); return w.scrollWidth - w.clientWidth;").await;
    assert!(clipped.as_i64().unwrap_or(999) <= 0, "the register table scrolls sideways by {clipped} px with the form open");

    // Nothing half-written: exactly one row in the window and in the database.
    assert_eq!(app.count("#person-table tbody tr").await, 1);
    let closed = app.close().await;
    let people = persons_in(&closed.db);
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].name, "王小明");
    assert_eq!(people[0].balance_fen, 123_450);

    // The log (issue 19 §2): every command with its duration, a refusal with
    // its code, and never a resident's ID or name.
    let log_path = closed.dir.path().join("logs").join("qinqing.log");
    let log = std::fs::read_to_string(&log_path).unwrap_or_else(|e| panic!("{}: {e}", log_path.display()));
    assert!(log.contains("started"), "{log}");
    let line = log.lines().find(|l| l.contains("person_add") && l.contains("done")).unwrap_or_else(|| panic!("no person_add line: {log}"));
    assert!(line.contains("ms="), "{line}");
    assert!(log.lines().any(|l| l.contains("person_add") && l.contains("ID_CHECKSUM")), "the refusal with its code: {log}");
    for secret in [id.as_str(), bad.as_str(), "王小明", "李四"] {
        assert!(!log.contains(secret), "{secret:?} is in the log");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&log_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    println!("log sample:\n{}", log.lines().take(12).collect::<Vec<_>>().join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_family_and_hostile_names_render_as_text() {
    let hostile = "<img src=x onerror=alert(1)>";
    let Some(app) = App::launch(APP, "register-demo", |db| {
        let mut q = Qinqing::open(db).unwrap();
        q.demo_seed().unwrap();
        q.add_person(&PersonInput {
            name: hostile.into(),
            resident_id: with_check_char("44030519991231052"),
            insurance: "resident".into(),
            region: "440305".into(),
            ..Default::default()
        })
        .unwrap();
    })
    .await
    else {
        return;
    };

    let table = app.wait_text("#person-table tbody", "阿卜杜热合曼·买买提").await;
    for name in ["张建国", "李秀英", "张伟", "王芳", "张子涵", "张雨桐"] {
        assert!(table.contains(name), "{name} listed");
    }
    assert!(table.contains(hostile), "the hostile name is shown literally");
    assert_eq!(app.count("#person-table img").await, 0, "no element was created from a name");
    assert_eq!(app.count("#person-table tbody tr").await, 8);
    app.screenshot("register-demo").await;

    // Open a person: the full ID only on request.
    app.click("#person-table tbody tr:nth-child(3) .person-name").await;
    let detail = app.wait_text("#person-detail", "张伟").await;
    assert!(detail.contains("3401**********"), "masked by default: {detail}");
    app.click("#person-reveal").await;
    app.wait_text("#person-detail", &with_check_char("34010419821108017")).await;
    app.screenshot("register-detail").await;

    // 150% text: the screen still lays out (no horizontal overflow of the page).
    app.js("document.documentElement.classList.add('text-150'); return true;").await;
    app.wait_js("getComputedStyle(document.documentElement).fontSize === '24px'").await;
    let overflow = app.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
    assert!(overflow.as_i64().unwrap_or(999) <= 0, "page overflows horizontally at 150%: {overflow}");
    app.screenshot("register-detail-150").await;
    app.close().await;
}
