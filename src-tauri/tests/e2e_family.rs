//! 亲情账户 in the real app window: bind a child with a birth certificate,
//! have staff approve it, see a 6th member refused, unbind.
//! Screenshots land in target/e2e/family-*.png and review-*.png.

use qinqing_core::id::with_check_char;
use qinqing_core::{BindingQuery, BindingStatus, PersonInput, Qinqing};
use qinqing_e2e::App;
use std::path::Path;

const APP: &str = env!("CARGO_BIN_EXE_qinqing");
const PASSWORD: &str = "counter-pass";

fn add(q: &mut Qinqing, name: &str, id17: &str, insurance: &str, voucher: bool) -> i64 {
    q.add_person(&PersonInput {
        name: name.into(),
        resident_id: with_check_char(id17),
        insurance: insurance.into(),
        region: "310115".into(),
        voucher_activated: voucher,
        ..Default::default()
    })
    .unwrap()
    .id
}

/// 张伟 holds four adult relatives already; 张子涵 (11, voucher not yet
/// activated) and 王六 are registered but not bound.
fn family(db: &Path) {
    let mut q = Qinqing::open(db).unwrap();
    let holder = add(&mut q, "张伟", "34010419821108017", "employee", true);
    let sid = q.add_staff("陈主任", "staff", PASSWORD, PASSWORD).unwrap().id;
    for (i, (name, rel, id17)) in [
        ("张建国", "parent", "31011519510315031"),
        ("李秀英", "parent", "31011519530802042"),
        ("王芳", "spouse", "31011519850421026"),
        ("张大伟", "child", "31011520050101011"),
    ]
    .into_iter()
    .enumerate()
    {
        let m = add(&mut q, name, id17, "resident", true);
        let b = q.apply_binding(holder, m, rel).unwrap();
        let d = q.add_sample_document(m, "household_register", &format!("第{}页", i + 1)).unwrap();
        q.attach_document(b.id, d.id).unwrap();
        q.verify_face_by_staff(b.id, sid).unwrap();
        q.sign_letter(b.id).unwrap();
        q.submit_binding(b.id).unwrap();
        q.approve_binding(b.id, sid).unwrap();
    }
    add(&mut q, "张子涵", "31011520140910013", "resident", false);
    add(&mut q, "王六", "31011520060606016", "resident", true);
}

#[tokio::test(flavor = "multi_thread")]
async fn bind_a_child_get_it_approved_and_refuse_a_sixth() {
    let Some(app) = App::launch(APP, "family", family).await else { return };

    app.click("[data-screen=family]").await;
    app.wait_js("document.querySelectorAll('#member-cards .member-card').length === 4").await;
    let cards = app.text("#member-cards").await;
    for name in ["张建国", "李秀英", "王芳", "张大伟"] {
        assert!(cards.contains(name), "{name} on a card: {cards}");
    }
    assert!(cards.contains("已绑定"));
    app.screenshot("family-cards").await;

    // Step 1: the member.
    app.click("#family-add").await;
    app.fill("#b-name", "张子涵").await;
    app.fill("#b-resident_id", &with_check_char("31011520140910013")).await;
    app.choose("#b-relation", "child").await;
    app.screenshot("family-flow-entry").await;
    app.click("#bind-next").await;

    // Step 2: what an 11-year-old needs. Her e-voucher is not a draft's to
    // activate: her parent does it once the binding is approved (issue 32).
    app.wait("#bind-reqs li[data-req=doc_child_identity][data-ok='0']").await;
    assert_eq!(app.count("#bind-reqs li[data-req=face]").await, 0, "no face check under 16");
    assert_eq!(app.count("#bind-reqs li[data-req=doc_household_register]").await, 0);
    assert_eq!(app.count("#bind-reqs li[data-req=voucher]").await, 0, "no voucher step in a child's draft");
    assert_eq!(app.count("#guardian-voucher, .guardian-voucher").await, 0, "no activation from a draft");
    app.choose("#doc-kind", "birth_certificate").await;
    app.fill("#doc-note", "出生医学证明 <编号 A123>").await;
    let scan = app.dir.path().join("birth-certificate.png");
    std::fs::write(&scan, qinqing_core::docstore::sample_png(7, 1200, 900).unwrap()).unwrap();
    app.upload("#doc-file", &scan).await;
    app.wait("#bind-reqs li[data-req=doc_child_identity][data-ok='1']").await;
    app.wait("#bind-docs img.thumb").await;
    let docs = app.text("#bind-docs").await;
    assert!(docs.contains("出生医学证明 <编号 A123>"), "note shown as text: {docs}");
    app.screenshot("family-flow-docs").await;

    // Submitting before signing is refused with what is missing.
    app.click("#bind-submit").await;
    let err = app.wait_text("#bind-flow-error", "承诺书").await;
    assert_eq!(app.attr("#bind-flow-error", "data-code").await.as_deref(), Some("BINDING_INCOMPLETE"), "{err}");

    // Step 3: the letter; step 4 says no face check is needed.
    assert!(app.text("#letter-text").await.contains("承诺"));
    assert_eq!(app.attr("#letter-sign", "disabled").await.as_deref(), Some("true"));
    app.click("#letter-agree").await;
    app.click("#letter-sign").await;
    app.wait_text("#letter-signed", "2026-01").await;
    assert!(app.text("#bind-step-face").await.contains("不需要人脸核验"));
    app.screenshot("family-flow-ready").await;

    // Step 5: submit; the card says it is in review.
    app.click("#bind-submit").await;
    app.wait_text("#family-notice", "1–3个工作日").await;
    app.wait("#member-cards [data-status=submitted]").await;

    // Staff review: a wrong password changes nothing, the right one approves.
    app.click("[data-screen=review]").await;
    let card = app.wait_text("#review-list", "张子涵").await;
    assert!(card.contains("出生医学证明"), "documents listed for the reviewer: {card}");
    // Without a staff log-in nobody can decide (Rust refuses; the page names no reviewer).
    app.click("#review-list .review-approve").await;
    app.wait("[data-code=NOT_LOGGED_IN]").await;
    app.fill("#review-staff", "1").await;
    app.fill("#review-password", "not-the-password").await;
    app.click("#review-login").await;
    app.wait("[data-error-for=password][data-code=STAFF_PASSWORD_WRONG]").await;
    app.screenshot("review-wrong-password").await;
    assert_eq!(app.js("return document.querySelector('#review-password').value;").await, "", "a password is never kept in the page");
    app.fill("#review-password", PASSWORD).await;
    app.click("#review-login").await;
    app.wait_text("#review-reviewer", "陈主任").await;
    let html = app.js("return document.documentElement.outerHTML + Array.from(document.querySelectorAll('input')).map(i => i.value).join(' ');").await;
    assert!(!html.as_str().unwrap_or_default().contains(PASSWORD), "the password left no trace in the page");
    app.click("#review-list .review-approve").await;
    app.wait_text("#review-notice", "张子涵").await;
    app.wait("#review-empty").await;
    app.screenshot("review-approved").await;

    // Back on the family screen: five bound; the approved child's card offers
    // her parent the activation of her e-voucher.
    app.click("[data-screen=family]").await;
    app.wait_js("document.querySelectorAll('#member-cards [data-status=active]').length === 5").await;
    assert_eq!(app.count("#member-cards .guardian-voucher").await, 1, "only the child under 16");
    app.screenshot("family-voucher-to-activate").await;
    app.click("#member-cards .guardian-voucher").await;
    app.wait_text("#family-notice", "电子凭证").await;
    app.wait_js("document.querySelectorAll('#member-cards .guardian-voucher').length === 0").await;
    app.click("#family-add").await;
    app.fill("#b-name", "王六").await;
    app.fill("#b-resident_id", &with_check_char("31011520060606016")).await;
    app.choose("#b-relation", "child").await;
    app.click("#bind-next").await;
    let refusal = app.wait_text("#bind-flow-error", "最多绑定5名").await;
    assert_eq!(app.attr("#bind-flow-error", "data-code").await.as_deref(), Some("HOLDER_CAP_REACHED"), "{refusal}");
    app.screenshot("family-sixth-refused").await;

    // 150% text: the flow and the cards still fit the window.
    app.js("document.documentElement.classList.add('text-150'); return true;").await;
    app.wait_js("getComputedStyle(document.documentElement).fontSize === '24px'").await;
    let overflow = app.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
    assert!(overflow.as_i64().unwrap_or(999) <= 0, "page overflows horizontally at 150%: {overflow}");
    app.screenshot("family-150").await;
    app.js("document.documentElement.classList.remove('text-150'); return true;").await;

    // Unbind with confirmation: takes effect at once.
    app.click("#bind-close").await;
    // 张大伟 is person 5 (holder 1, then the four relatives in order).
    app.click("#member-cards [data-member-id='5'] .unbind").await;
    app.wait_text("#member-cards .confirm", "立即生效").await;
    app.screenshot("family-unbind-confirm").await;
    app.click("#member-cards .confirm .unbind-yes").await;
    app.wait_text("#family-notice", "已解绑").await;
    app.wait_js("document.querySelectorAll('#member-cards [data-status=active]').length === 4").await;

    let closed = app.close().await;
    let q = Qinqing::open(&closed.db).unwrap();
    let all = q.list_bindings(&BindingQuery::default()).unwrap();
    let child = all.iter().find(|b| b.member.name == "张子涵").unwrap();
    assert_eq!(child.status, BindingStatus::Active);
    assert!(child.documents.iter().any(|d| d.note == "出生医学证明 <编号 A123>"));
    assert!(q.get_person(child.member.id).unwrap().voucher_activated, "activated by her parent after approval");
    assert_eq!(all.iter().filter(|b| b.status == BindingStatus::Active).count(), 4);
    let unbound: Vec<_> = all.iter().filter(|b| b.status == BindingStatus::Unbound).collect();
    assert_eq!(unbound.len(), 1);
    assert_eq!(unbound[0].member.name, "张大伟");
    assert!(!all.iter().any(|b| b.member.name == "王六"), "the refused 6th left nothing behind");
}
