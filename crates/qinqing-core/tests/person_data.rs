//! A person's own data (issue 35): the export (every section, the images
//! readable, files owner-only; the person, a parent for a young child or an
//! administrator — a stranger gets exactly the answer a number no one has
//! gets), and the erasure (refused, each with its own code, while a binding,
//! a 家庭共济 relation or an open stay needs the person; complete when not —
//! no name, ID number or document left, every amount still adding up;
//! administrators only; a second erasure changes nothing).

use qinqing_core::app::person_data::PersonExport;
use qinqing_core::fund::FundPolicy;
use qinqing_core::id::{mask, with_check_char};
use qinqing_core::settle::{AdmitRequest, SettleRequest};
use qinqing_core::time::FixedClock;
use qinqing_core::{Actor, Code, PersonInput, Qinqing};
use std::path::Path;
use std::sync::Arc;

const PAY: &str = "135790";

fn add(q: &mut Qinqing, name: &str, id17: &str, ins: &str, balance: i64) -> i64 {
    q.add_person(&PersonInput {
        name: name.into(),
        resident_id: with_check_char(id17),
        insurance: ins.into(),
        region: "310115".into(),
        balance_fen: Some(balance),
        voucher_activated: true,
        ..Default::default()
    })
    .unwrap()
    .id
}

struct World {
    q: Qinqing,
    admin: i64,
    staff: i64,
    wei: i64,
    fang: i64,
    kid: i64,
    li: i64,
    kid_binding: i64,
    aid: i64,
    kid_stay: i64,
    inst: i64,
}

/// 张伟 (holder) with his wife 王芳 and son 张子涵 bound, his own 家庭共济 for
/// the son, settlements (his own, and his son's partly paid from his
/// account), a premium he paid for the son, a filing, a stay of his (settled)
/// and one of his son's (open), documents; 李四 of another family.
fn world() -> World {
    let mut q = Qinqing::in_memory(Arc::new(FixedClock::at("2026-03-10T02:00:00Z"))).unwrap();
    let admin = q.add_staff("陈主任", "admin", "counter-pass", "counter-pass").unwrap().id;
    let staff = q.add_staff("刘干事", "staff", "counter-pass", "counter-pass").unwrap().id;
    let wei = add(&mut q, "张伟", "34010419821108017", "employee", 500_000);
    let fang = add(&mut q, "王芳", "31011519850421026", "employee", 300_000);
    let kid = add(&mut q, "张子涵", "31011520140910013", "resident", 0);
    let li = add(&mut q, "李四", "31011519800101011", "employee", 200_000);
    for p in [wei, fang, kid, li] {
        q.set_pay_password(p, PAY, PAY).unwrap();
    }
    q.verify_face_in_person(wei, admin).unwrap();
    q.verify_face_in_person(fang, admin).unwrap();
    q.add_sample_document(wei, "id_card_front", "正面").unwrap();
    q.add_sample_document(wei, "id_card_back", "").unwrap();
    let kid_binding = q.apply_binding(wei, kid, "child").unwrap().id;
    // A note that names him: the erasure takes it out of the audit trail too.
    let d = q.add_sample_document(kid, "birth_certificate", "张子涵的出生医学证明").unwrap().id;
    q.attach_document(kid_binding, d).unwrap();
    q.sign_letter(kid_binding).unwrap();
    q.submit_binding(kid_binding).unwrap();
    q.approve_binding(kid_binding, admin).unwrap();
    let s = q.apply_binding(wei, fang, "spouse").unwrap().id;
    let d = q.add_sample_document(fang, "household_register", "").unwrap().id;
    q.attach_document(s, d).unwrap();
    q.verify_face_by_staff(s, admin).unwrap();
    q.sign_letter(s).unwrap();
    q.submit_binding(s).unwrap();
    q.approve_binding(s, admin).unwrap();
    let aid = q.authorize_aid(wei, kid, "child", Some(100_000)).unwrap().id;
    let inst = q.add_institution("浦东新区人民医院", "310115", true, true).unwrap().id;
    q.set_fund_policy("", "outpatient", "resident", FundPolicy { deductible_fen: 0, ratio_pct: 50, ceiling_fen: None }).unwrap();
    q.set_fund_policy("", "outpatient", "employee", FundPolicy { deductible_fen: 0, ratio_pct: 70, ceiling_fen: None }).unwrap();
    let settle = |q: &mut Qinqing, member: i64, holder: Option<i64>, total: i64, bill: &str| {
        let token = q.issue_qr(member, holder).unwrap().token;
        q.settle(&SettleRequest {
            token,
            institution: inst,
            scenario: "outpatient".into(),
            total_fen: total,
            bill_id: bill.into(),
            pay_password: Some(PAY.into()),
            ..Default::default()
        })
        .unwrap()
    };
    settle(&mut q, kid, Some(wei), 10_000, "T-1");
    settle(&mut q, wei, None, 20_000, "T-2");
    q.pay_premium(wei, kid, 26_000, 2026, None).unwrap();
    q.add_filing(wei, "440100", "2026-03-01", "2026-12-31").unwrap();
    let admit = |q: &mut Qinqing, member: i64, no: &str| {
        let token = q.issue_qr(member, None).unwrap().token;
        q.admit(&AdmitRequest { token, institution: inst, admission_no: no.into(), emergency: false, pay_password: Some(PAY.into()), id_face_checked: true })
            .unwrap()
            .id
    };
    let wei_stay = admit(&mut q, wei, "ZY-1");
    q.settle(&discharge(wei_stay, inst, "ZY-1")).unwrap();
    let kid_stay = admit(&mut q, kid, "ZY-2");
    World { q, admin, staff, wei, fang, kid, li, kid_binding, aid, kid_stay, inst }
}

fn discharge(stay: i64, inst: i64, bill: &str) -> SettleRequest {
    SettleRequest { institution: inst, scenario: "inpatient".into(), total_fen: 300_000, bill_id: bill.into(), stay: Some(stay), ..Default::default() }
}

/// Every table's rows but the access-denied log's (which records refusals).
fn dump(q: &Qinqing) -> String {
    let tables_sql = match q.backend() {
        qinqing_core::store::Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'access_denied' ORDER BY name",
        qinqing_core::store::Backend::Postgresql => {
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'access_denied' ORDER BY tablename"
        }
    };
    let tables: Vec<String> = q.conn().prepare(tables_sql).unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    let mut out = String::new();
    for t in tables {
        let mut stmt = q.conn().prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let rows = stmt
            .query_map([], |r| {
                let mut row = Vec::new();
                for i in 0..r.column_count() {
                    row.push(format!("{:?}", r.get::<_, qinqing_core::store::Value>(i)?));
                }
                Ok(row.join("|"))
            })
            .unwrap();
        let mut rows: Vec<String> = rows.map(|r| r.unwrap()).collect();
        rows.sort();
        out.push_str(&t);
        out.push('\n');
        for r in rows {
            out.push_str(&r);
            out.push('\n');
        }
    }
    out
}

/// The dump as text a person could read (Chinese in stored text is shown
/// escaped by `{:?}` of a value; undo that for the search).
fn readable(q: &Qinqing) -> String {
    dump(q)
}

fn one(q: &Qinqing, sql: &str) -> i64 {
    q.conn().query_row(sql, [], |r| r.get::<_, Option<i64>>(0)).unwrap().unwrap_or(0)
}

/// The ledger's money, every way it is added up.
fn totals(q: &Qinqing) -> Vec<i64> {
    [
        "SELECT count(*) FROM settlement",
        "SELECT CAST(sum(total_fen) AS BIGINT) FROM settlement",
        "SELECT CAST(sum(fund_fen) AS BIGINT) FROM settlement",
        "SELECT CAST(sum(amount_fen) AS BIGINT) FROM settlement_leg",
        "SELECT CAST(sum(amount_fen) AS BIGINT) FROM settlement_leg WHERE source = 'family_aid'",
        "SELECT CAST(sum(amount_fen) AS BIGINT) FROM spend_month",
        "SELECT CAST(sum(bills) AS BIGINT) FROM spend_month",
        "SELECT CAST(sum(fund_fen) AS BIGINT) FROM fund_year",
        "SELECT CAST(sum(deductible_fen) AS BIGINT) FROM fund_year",
        "SELECT CAST(sum(amount_fen) AS BIGINT) FROM aid_month",
        "SELECT CAST(sum(amount_fen) AS BIGINT) FROM premium",
        "SELECT CAST(sum(balance_fen) AS BIGINT) FROM person",
        "SELECT count(*) FROM person",
    ]
    .iter()
    .map(|sql| one(q, sql))
    .collect()
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn an_export_holds_every_section_and_readable_images_owner_only() {
    let mut w = world();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("张伟的数据");
    w.q.set_actor(Actor::Household { holder: w.wei });
    let written = w.q.export_person_to(w.wei, &out).unwrap();
    assert_eq!(written.documents, 2);
    let json = std::fs::read_to_string(out.join("person.json")).unwrap();
    let e: PersonExport = serde_json::from_str(&json).unwrap();
    assert_eq!(e.format, "qinqing-person-export/1");
    assert_eq!(e.person.id, w.wei);
    assert_eq!(e.person.resident_id.as_deref(), Some(with_check_char("34010419821108017").as_str()), "their own full ID number");
    assert_eq!(e.bindings.len(), 2);
    assert!(e.bindings.iter().all(|b| b.role == "holder" && b.status == "active" && b.documents.len() == 1));
    assert_eq!(e.aid.len(), 1);
    assert_eq!((e.aid[0].role.as_str(), e.aid[0].other.id), ("authorizer", w.kid));
    assert_eq!(e.settlements.len(), 2, "his outpatient bill and his stay");
    for s in &e.settlements {
        assert_eq!(s.legs.iter().map(|l| l.amount_fen).sum::<i64>(), s.total_fen, "legs add up: {s:?}");
    }
    assert_eq!(e.paid_for_others.len(), 1, "his account paid for his son's bill");
    assert_eq!(e.paid_for_others[0].beneficiary, w.kid);
    assert_eq!(e.premiums.len(), 1);
    assert_eq!((e.premiums[0].payer, e.premiums[0].beneficiary, e.premiums[0].amount_fen), (w.wei, w.kid, 26_000));
    assert_eq!(e.stays.len(), 1);
    assert_eq!(e.filings.len(), 1);
    assert!(!e.messages.is_empty(), "the payment password message");
    assert_eq!(e.documents.len(), 2);
    // Others appear by number and masked name only; no document bytes in the JSON.
    assert!(!json.contains("张子涵") && !json.contains("王芳") && json.contains("张**"), "{json}");
    assert!(!json.contains("data_base64"));
    for d in &e.documents {
        let bytes = std::fs::read(out.join(&d.file)).unwrap();
        assert_eq!(sha256_hex(&bytes), d.sha256, "the stored bytes, as stored");
        let img = image::load_from_memory(&bytes).unwrap();
        assert!(img.width() > 0 && img.height() > 0);
    }
    assert!(out.join("README.txt").exists());
    let mut files = written.files.clone();
    files.sort();
    assert_eq!(files.len(), 4);
    #[cfg(unix)]
    {
        assert_eq!(mode(&out), 0o700);
        assert_eq!(mode(&out.join("documents")), 0o700);
        for f in &written.files {
            assert_eq!(mode(&out.join(f)), 0o600, "{f}");
        }
    }
    // Audited, by number only.
    w.q.set_actor(Actor::Operator);
    let (actor, after): (String, String) =
        w.q.conn()
            .query_row("SELECT actor, after FROM audit WHERE action = 'person.export' AND person_id = ?1", [w.wei], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
    assert_eq!(actor, format!("household:{}", w.wei));
    assert!(after.contains("\"documents\":2") && !after.contains("张伟"), "{after}");
    // The same bundle through the service interface (a connected window, the CLI with --server).
    w.q.set_actor(Actor::Household { holder: w.wei });
    let v = w.q.call(qinqing_core::api::Call::PersonExport { id: w.wei }).unwrap();
    let remote: PersonExport = serde_json::from_value(v).unwrap();
    assert!(remote.documents.iter().all(|d| d.data_base64.as_deref().is_some_and(|b| !b.is_empty())));
    let again = dir.path().join("again");
    qinqing_core::app::person_data::write_export(&remote, &again).unwrap();
    assert_eq!(std::fs::read(again.join(&remote.documents[0].file)).unwrap(), std::fs::read(out.join(&e.documents[0].file)).unwrap());
}

#[test]
fn an_export_goes_only_into_a_new_or_empty_folder_outside_the_ledger() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("x.txt"), b"mine").unwrap();
    assert_eq!(w.q.export_person_to(w.wei, &full).unwrap_err().code, Code::PersonExportDirNotEmpty);
    assert_eq!(std::fs::read_dir(&full).unwrap().count(), 1, "nothing written beside it");
    assert_eq!(w.q.export_person_to(w.wei, &full.join("x.txt")).unwrap_err().code, Code::PersonExportDirNotEmpty, "a file is not a folder");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    w.q.export_person_to(w.wei, &empty).unwrap();
    assert!(empty.join("person.json").exists());
    if w.q.backend() == qinqing_core::store::Backend::Sqlite {
        let inside = w.q.files().dir.join("export");
        assert_eq!(w.q.export_person_to(w.wei, &inside).unwrap_err().code, Code::PathProtected);
    }
}

#[test]
fn who_may_export_and_a_stranger_learns_nothing() {
    let mut w = world();
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    let mut try_as = |q: &mut Qinqing, actor: Actor, person: i64| {
        n += 1;
        q.set_actor(actor);
        let out = dir.path().join(format!("e{n}"));
        let r = q.export_person_to(person, &out);
        if r.is_err() {
            assert!(!out.exists(), "nothing written when refused");
        }
        r.map(|_| ())
    };
    let (wei, kid, fang, li) = (w.wei, w.kid, w.fang, w.li);
    let household = Actor::Household { holder: wei };
    let serving = Actor::Serving { staff: w.staff, admin: false, resident: wei };
    // The person themselves, at home or served in person; a parent for a child under 16.
    try_as(&mut w.q, household.clone(), wei).unwrap();
    try_as(&mut w.q, household.clone(), kid).unwrap();
    try_as(&mut w.q, serving.clone(), wei).unwrap();
    try_as(&mut w.q, serving.clone(), kid).unwrap();
    // Administrators and the operator.
    try_as(&mut w.q, Actor::Staff { id: w.admin, admin: true }, li).unwrap();
    try_as(&mut w.q, Actor::Operator, li).unwrap();
    // Not an adult relative, a stranger, or a number no one has: one answer for all three.
    let adult = try_as(&mut w.q, household.clone(), fang).unwrap_err();
    let stranger = try_as(&mut w.q, household.clone(), li).unwrap_err();
    let nobody_has = try_as(&mut w.q, household.clone(), 999).unwrap_err();
    assert_eq!(stranger.code, Code::Forbidden);
    assert_eq!(stranger, nobody_has, "not yours answers as not found");
    assert_eq!(adult, stranger);
    assert_eq!(try_as(&mut w.q, serving.clone(), li).unwrap_err(), stranger);
    // Plain staff, a counter, nobody.
    assert_eq!(try_as(&mut w.q, Actor::Staff { id: w.staff, admin: false }, wei).unwrap_err().code, Code::Forbidden);
    assert_eq!(try_as(&mut w.q, Actor::Terminal { institution: w.inst }, wei).unwrap_err().code, Code::Forbidden);
    assert_eq!(try_as(&mut w.q, Actor::Nobody, wei).unwrap_err().code, Code::NotLoggedIn);
    // Through the service interface too.
    w.q.set_actor(household);
    assert_eq!(w.q.call(qinqing_core::api::Call::PersonExport { id: li }).unwrap_err(), stranger);
    // Refusals write no export entry, and are logged.
    w.q.set_actor(Actor::Operator);
    let exports = one(&w.q, "SELECT count(*) FROM audit WHERE action = 'person.export'");
    assert_eq!(exports, 6);
    assert!(one(&w.q, "SELECT count(*) FROM access_denied WHERE act LIKE '%person_export%'") >= 7);
}

#[test]
fn erasure_is_refused_while_something_needs_the_person() {
    let mut w = world();
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });
    let before = dump(&w.q);
    let kid = w.kid;
    let refused = |q: &mut Qinqing, code: Code| {
        let e = q.erase_person(kid, "监护人申请删除").unwrap_err();
        assert_eq!(e.code, code, "{e}");
        assert!(!e.message_zh.is_empty() && !e.message_en.is_empty());
        e
    };
    let e = refused(&mut w.q, Code::EraseNeededByBinding);
    assert!(e.message_en.contains("unbind"), "says what to do: {e}");
    assert_eq!(dump(&w.q), before, "nothing changed");
    w.q.set_actor(Actor::Operator);
    w.q.unbind(w.kid_binding, w.wei).unwrap();
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });
    let e = refused(&mut w.q, Code::EraseNeededByAid);
    assert!(e.message_en.contains("Revoke"), "{e}");
    w.q.set_actor(Actor::Operator);
    w.q.revoke_aid(w.aid).unwrap();
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });
    let e = refused(&mut w.q, Code::EraseNeededByStay);
    assert!(e.message_en.contains("discharge"), "{e}");
    w.q.set_actor(Actor::Operator);
    w.q.settle(&discharge(w.kid_stay, w.inst, "ZY-2")).unwrap();
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });
    assert!(!w.q.erase_person(w.kid, "监护人申请删除").unwrap().already);
    // The holder too is still bound to his wife.
    assert_eq!(w.q.erase_person(w.wei, "本人申请删除").unwrap_err().code, Code::EraseNeededByBinding);
}

#[test]
fn an_erasure_removes_who_they_were_and_keeps_every_amount() {
    let mut w = world();
    let kid_id = with_check_char("31011520140910013");
    let kid_docs: Vec<(i64, String)> =
        w.q.conn()
            .prepare("SELECT id, sha256 FROM document WHERE person_id = ?1")
            .unwrap()
            .query_map([w.kid], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
    assert!(!kid_docs.is_empty());
    w.q.unbind(w.kid_binding, w.wei).unwrap();
    w.q.revoke_aid(w.aid).unwrap();
    w.q.settle(&discharge(w.kid_stay, w.inst, "ZY-2")).unwrap();
    // A kiosk is serving the child (its stored session names them).
    w.q.conn().execute("INSERT INTO device (id, kind, token_hash, created_at, last_used_at) VALUES (90, 'kiosk', ?1, 't', 't')", ["k".repeat(64)]).unwrap();
    let at_kiosk = qinqing_core::kiosk::load(w.q.conn(), 90).unwrap();
    {
        let shared = at_kiosk.sessions();
        let mut k = shared.lock().unwrap();
        k.login(&w.q, w.staff, "counter-pass").unwrap();
        k.start_resident(&w.q, &kid_id, true).unwrap();
    }
    assert!(at_kiosk.save(w.q.conn(), chrono::Utc::now()).unwrap());
    assert!(readable(&w.q).contains("张子涵") && readable(&w.q).contains(&mask(&kid_id)), "the kiosk's session names the child");
    let money = totals(&w.q);
    assert!(readable(&w.q).contains(&kid_id));

    // Not an administrator's? Refused, nothing changed.
    let before = dump(&w.q);
    for (actor, code) in [
        (Actor::Staff { id: w.staff, admin: false }, Code::Forbidden),
        (Actor::Household { holder: w.wei }, Code::Forbidden),
        (Actor::Serving { staff: w.staff, admin: false, resident: w.kid }, Code::Forbidden),
        (Actor::Terminal { institution: w.inst }, Code::Forbidden),
        (Actor::Nobody, Code::NotLoggedIn),
    ] {
        w.q.set_actor(actor.clone());
        assert_eq!(w.q.erase_person(w.kid, "申请删除").unwrap_err().code, code, "{actor:?}");
    }
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });
    assert_eq!(w.q.erase_person(w.kid, "  ").unwrap_err().code, Code::EraseReasonEmpty);
    assert_eq!(w.q.erase_person(w.kid, "张子涵的监护人申请").unwrap_err().code, Code::EraseReasonIdentifies);
    assert_eq!(w.q.erase_person(999, "申请删除").unwrap_err().code, Code::PersonNotFound);
    assert_eq!(dump(&w.q), before, "refusals change nothing");

    let done = w.q.erase_person(w.kid, "监护人申请删除").unwrap();
    assert!(!done.already);
    assert_eq!(done.documents_removed, kid_docs.len() as u64);
    assert_eq!(done.pseudonym, format!("已删除#{}", w.kid));
    assert!(done.audit_entries_redacted >= 1);

    // Who they were is gone: name, ID number (full and masked), documents and files, messages.
    let p = w.q.get_person(w.kid).unwrap();
    assert_eq!(p.name, done.pseudonym);
    assert_ne!(p.resident_id.as_deref(), Some(kid_id.as_str()));
    assert!(!p.voucher_activated && !p.disabled && p.face_verified_at_local.is_none());
    let all = readable(&w.q);
    for gone in ["张子涵", kid_id.as_str(), mask(&kid_id).as_str()] {
        assert!(!all.contains(gone), "{gone} is still in the ledger");
    }
    assert_eq!(one(&w.q, &format!("SELECT count(*) FROM document WHERE person_id = {}", w.kid)), 0);
    assert_eq!(one(&w.q, &format!("SELECT count(*) FROM outbox WHERE person_id = {}", w.kid)), 0);
    let stored: Vec<String> = match w.q.backend() {
        qinqing_core::store::Backend::Postgresql => {
            w.q.conn().prepare("SELECT name FROM blob").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
        }
        qinqing_core::store::Backend::Sqlite => std::fs::read_dir(&w.q.files().dir)
            .unwrap()
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
            .map(|f| f.file_name().to_string_lossy().into_owned())
            .collect(),
    };
    for (_, sha) in &kid_docs {
        assert!(!stored.iter().any(|s| s.starts_with(sha.as_str())), "the file of {sha} is gone");
    }
    for (d, _) in &kid_docs {
        assert_eq!(w.q.get_document(*d).unwrap_err().code, Code::DocNotFound);
    }
    // The fund's accounts still add up, to the fen.
    assert_eq!(totals(&w.q), money);
    // The erasure is audited with its reason, and nothing of the person.
    let (actor, after): (String, String) =
        w.q.conn()
            .query_row("SELECT actor, after FROM audit WHERE action = 'person.erase' AND person_id = ?1", [w.kid], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
    assert_eq!(actor, format!("staff:{}", w.admin));
    assert!(after.contains("监护人申请删除"));
    assert_eq!(one(&w.q, &format!("SELECT count(*) FROM audit WHERE action = 'person.add' AND person_id = {}", w.kid)), 1, "history kept");
    // The real ID number is free again (the person may register anew).
    assert!(w
        .q
        .add_person(&PersonInput {
            name: "张子涵".into(),
            resident_id: kid_id.clone(),
            insurance: "resident".into(),
            region: "310115".into(),
            ..Default::default()
        })
        .is_ok());
    w.q.set_actor(Actor::Staff { id: w.admin, admin: true });

    // Again: harmless.
    let before = dump(&w.q);
    let again = w.q.erase_person(w.kid, "监护人申请删除").unwrap();
    assert!(again.already && again.documents_removed == 0);
    assert_eq!(dump(&w.q), before);
}

#[test]
fn the_audit_trail_stays_append_only_but_for_the_redaction() {
    let mut w = world();
    w.q.unbind(w.kid_binding, w.wei).unwrap();
    w.q.revoke_aid(w.aid).unwrap();
    w.q.settle(&discharge(w.kid_stay, w.inst, "ZY-2")).unwrap();
    w.q.erase_person(w.kid, "监护人申请删除").unwrap();
    let c = w.q.conn();
    assert!(c.execute("UPDATE audit SET after = '{}' WHERE action = 'person.erase'", []).is_err(), "the erasure's own entry");
    assert!(c.execute(&format!("UPDATE audit SET actor = 'x' WHERE person_id = {}", w.kid), []).is_err(), "who did it");
    assert!(c.execute(&format!("DELETE FROM audit WHERE person_id = {}", w.kid), []).is_err());
    // A person not erased keeps their name in the trail.
    let redact_wei = match w.q.backend() {
        qinqing_core::store::Backend::Sqlite => format!(
            "UPDATE audit SET after = json_remove(after, '$.name', '$.resident_id_masked') WHERE entity = 'person' AND person_id = {} AND after IS NOT NULL",
            w.wei
        ),
        qinqing_core::store::Backend::Postgresql => format!(
            "UPDATE audit SET after = (after::jsonb - 'name' - 'resident_id_masked')::text WHERE entity = 'person' AND person_id = {} AND after IS NOT NULL",
            w.wei
        ),
    };
    assert!(c.execute(&redact_wei, []).is_err());
    // Changing an amount in the erased person's snapshots is refused too.
    assert!(c.execute(&format!("UPDATE audit SET after = replace(after, '0', '9') WHERE entity = 'person' AND person_id = {}", w.kid), []).is_err());
}
