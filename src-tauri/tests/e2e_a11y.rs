//! Accessibility (issue 19 §9, WCAG 2.1 AA): axe-core, run inside the real
//! window over every screen of the demo installation, in Chinese and in
//! English, at normal size and in elder mode; any serious or critical
//! finding fails, as does a screen without a level-one heading or a table
//! with an empty header cell. (The kiosk's screens are the same modules.)

use qinqing_core::Qinqing;
use qinqing_e2e::App;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");

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
