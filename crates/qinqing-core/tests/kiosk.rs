//! Kiosk rules: staff passwords, lock-out, roles, sessions and their idle
//! ends, backup and restore.

use qinqing_core::id::with_check_char;
use qinqing_core::kiosk::Kiosk;
use qinqing_core::time::FixedClock;
use qinqing_core::{Code, PersonInput, Qinqing};
use std::sync::Arc;

fn at(q: &mut Qinqing, t: &str) {
    q.set_clock(Arc::new(FixedClock::at(t)));
}

fn ledger() -> Qinqing {
    Qinqing::in_memory(Arc::new(FixedClock::at("2026-03-10T02:00:00Z"))).unwrap()
}

/// Issue 31: no lock-out anyone can set off — after 5 wrong passwords each
/// further attempt waits (2 s, 4 s, 8 s …), refused without the password
/// being checked; a right one afterwards clears the count.
#[test]
fn five_wrong_passwords_make_the_next_attempt_wait_and_a_right_one_clears_the_count() {
    let mut q = ledger();
    let s = q.add_staff("陈主任", "admin", "right-password", "right-password").unwrap().id;
    for _ in 0..5 {
        assert_eq!(q.verify_staff(s, "wrong").unwrap_err().code, Code::StaffPasswordWrong);
    }
    let e = q.verify_staff(s, "right-password").unwrap_err();
    assert_eq!(e.code, Code::RateLimited, "even the right password while waiting");
    assert!(e.message_en.contains("in 2 s"), "{}", e.message_en);
    at(&mut q, "2026-03-10T02:00:02Z");
    assert!(q.verify_staff(s, "right-password").is_ok(), "after the wait");
    // The right password cleared the count: 4 more wrong ones are free again.
    for _ in 0..4 {
        assert_eq!(q.verify_staff(s, "wrong").unwrap_err().code, Code::StaffPasswordWrong);
    }
    q.verify_staff(s, "right-password").unwrap();
    assert_eq!(q.verify_staff(s, "wrong").unwrap_err().code, Code::StaffPasswordWrong);
    assert!(q.audit_list(&Default::default()).unwrap().iter().any(|e| e.action == "staff.throttled"));
}

#[test]
fn roles_first_run_and_disabling() {
    let mut q = ledger();
    let admin = q.create_first_admin("陈主任", "admin-pass-1", "admin-pass-1").unwrap();
    assert_eq!(q.create_first_admin("别人", "other-pass-1", "other-pass-1").unwrap_err().code, Code::StaffExists);
    let staff = q.add_staff_by(admin.id, "小李", "staff", "staff-pass-1", "staff-pass-1").unwrap();
    assert_eq!(q.add_staff_by(staff.id, "小王", "staff", "staff-pass-2", "staff-pass-2").unwrap_err().code, Code::StaffNotAdmin);
    q.set_staff_active(staff.id, false).unwrap();
    assert_eq!(q.verify_staff(staff.id, "staff-pass-1").unwrap_err().code, Code::StaffInactive);
    assert_eq!(q.set_staff_active(admin.id, false).unwrap_err().code, Code::StaffNotAdmin, "the last admin stays");
}

#[test]
fn resident_sessions_need_a_staff_login_and_an_in_person_check_and_end_when_idle() {
    let mut q = ledger();
    let pid = q
        .add_person(&PersonInput {
            name: "李秀英".into(),
            resident_id: with_check_char("34010419530802042"),
            insurance: "resident".into(),
            region: "340104".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    let sid = q.add_staff("陈主任", "staff", "counter-pass", "counter-pass").unwrap().id;
    q.conn().execute("UPDATE setting SET value = '60' WHERE key = 'kiosk_idle_secs'", []).unwrap();
    let mut k = Kiosk::new();
    let rid = with_check_char("34010419530802042");
    assert_eq!(k.start_resident(&q, &rid, true).unwrap_err().code, Code::NotLoggedIn);
    assert_eq!(k.login(&q, sid, "nope").unwrap_err().code, Code::StaffPasswordWrong);
    k.login(&q, sid, "counter-pass").unwrap();
    assert_eq!(k.start_resident(&q, &rid, false).unwrap_err().code, Code::ResidentNotAttested);
    assert_eq!(k.start_resident(&q, &with_check_char("11010519491231002"), true).unwrap_err().code, Code::MemberNotRegistered);
    let st = k.start_resident(&q, &rid, true).unwrap();
    assert_eq!(st.resident.as_ref().unwrap().person_id, pid);
    assert_eq!(st.resident.unwrap().resident_id_masked, "3401**********0422");
    // 59 s of quiet: still on; a touch keeps it; 60 s after the touch: ended.
    at(&mut q, "2026-03-10T02:00:59Z");
    assert!(k.state(&q).unwrap().resident.is_some());
    k.touch(&q).unwrap();
    at(&mut q, "2026-03-10T02:01:59Z");
    let st = k.state(&q).unwrap();
    assert!(st.resident.is_none());
    assert_eq!(st.ended, Some("resident_idle"));
    // Issue 15: the next person at an unattended kiosk does not inherit the staff log-in.
    assert!(st.staff.is_none(), "the staff log-in is locked with the resident session");
    assert_eq!(k.actor(&q).unwrap(), qinqing_core::Actor::Nobody);
    let trail: Vec<String> = q.audit_list(&Default::default()).unwrap().into_iter().map(|e| e.action).collect();
    assert!(trail.contains(&"kiosk.resident_start".to_string()) && trail.contains(&"kiosk.resident_idle_end".to_string()));
    assert!(trail.contains(&"kiosk.staff_locked".to_string()));
    // Serving: the actor is the staff member serving that resident; ending it by hand locks too.
    k.login(&q, sid, "counter-pass").unwrap();
    assert_eq!(k.actor(&q).unwrap(), qinqing_core::Actor::Staff { id: sid, admin: false });
    k.start_resident(&q, &rid, true).unwrap();
    assert_eq!(k.actor(&q).unwrap(), qinqing_core::Actor::Serving { staff: sid, admin: false, resident: pid });
    k.end_resident(&q).unwrap();
    assert_eq!(k.actor(&q).unwrap(), qinqing_core::Actor::Nobody);
    // A log-in has an absolute lifetime (8 hours by default) however busy.
    k.login(&q, sid, "counter-pass").unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-10T02:01:59Z").unwrap().with_timezone(&chrono::Utc);
    for m in (10..480).step_by(10) {
        q.set_clock(std::sync::Arc::new(qinqing_core::time::FixedClock(start + chrono::Duration::minutes(m))));
        k.touch(&q).unwrap();
        assert!(k.state(&q).unwrap().staff.is_some(), "minute {m}");
    }
    q.set_clock(std::sync::Arc::new(qinqing_core::time::FixedClock(start + chrono::Duration::minutes(480))));
    assert!(k.state(&q).unwrap().staff.is_none(), "after 8 hours");
    // Leaving kiosk mode needs an administrator.
    assert_eq!(k.authorize_exit(&q, sid, "counter-pass").unwrap_err().code, Code::StaffNotAdmin);
}

const PASS: &str = "correct horse battery";

#[test]
fn backup_while_open_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let mut q = Qinqing::open(&dir.path().join("live.db")).unwrap();
    q.demo_seed().unwrap();
    let people = q.count_persons().unwrap();
    let out = dir.path().join("backup.db");
    q.backup_to(&out, Some(PASS)).unwrap();
    assert_eq!(q.backup_to(&out, Some(PASS)).unwrap_err().code, Code::BackupFailed, "never overwrites");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600, "a backup is owner-only");
    }
    // It restores into a new ledger elsewhere (another key) with its passphrase.
    let mut copy = Qinqing::open(&dir.path().join("elsewhere/copy.db")).unwrap();
    copy.restore_from(&out, Some(PASS)).unwrap();
    assert_eq!(copy.count_persons().unwrap(), people);
    drop(copy);
    // Change the live database, then restore the backup over it.
    q.add_person(&PersonInput {
        name: "新人".into(),
        resident_id: with_check_char("11010519491231002"),
        insurance: "resident".into(),
        region: "110105".into(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(q.count_persons().unwrap(), people + 1);
    q.restore_from(&out, Some(PASS)).unwrap();
    assert_eq!(q.count_persons().unwrap(), people);
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just text").unwrap();
    assert_eq!(q.restore_from(&junk, Some(PASS)).unwrap_err().code, Code::BackupFailed);
    assert_eq!(q.count_persons().unwrap(), people, "a bad backup changes nothing");
}

#[test]
fn audit_since_is_a_china_date() {
    let mut q = ledger();
    at(&mut q, "2026-03-09T15:59:00Z"); // 23:59 on 9 March in China
    q.add_staff("甲", "staff", "password-1", "password-1").unwrap();
    at(&mut q, "2026-03-09T16:01:00Z"); // 00:01 on 10 March in China
    q.add_staff("乙", "staff", "password-2", "password-2").unwrap();
    let since = q.audit_list(&qinqing_core::audit::AuditQuery { since: Some("2026-03-10".into()), ..Default::default() }).unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].after.as_ref().unwrap()["name"], "乙");
}

#[test]
fn staff_verify_a_face_in_person_so_an_adult_can_show_their_code() {
    let mut q = ledger();
    let p = q
        .add_person(&PersonInput {
            name: "张伟".into(),
            resident_id: with_check_char("34010419821108017"),
            insurance: "employee".into(),
            region: "310115".into(),
            voucher_activated: true,
            ..Default::default()
        })
        .unwrap()
        .id;
    let sid = q.add_staff("陈主任", "staff", "counter-pass", "counter-pass").unwrap().id;
    assert_eq!(q.issue_qr(p, None).unwrap_err().code, Code::QrFaceRequired);
    assert_eq!(q.verify_face_in_person(p, 99).unwrap_err().code, Code::StaffNotFound);
    let after = q.verify_face_in_person(p, sid).unwrap();
    assert!(after.face_verified_at_local.is_some());
    assert!(q.issue_qr(p, None).is_ok());
    assert!(q.audit_list(&Default::default()).unwrap().iter().any(|e| e.action == "person.face_verified"));
}

/// Issue 15, changed by issue 31: the waits after wrong passwords grow (2 s,
/// 4 s, 8 s … at most `staff_lockout_secs`, 15 min) instead of day-long
/// lock-outs; an administrator clears them; common passwords are refused; a
/// fresh kiosk's first administrator needs no log-in but only while no staff
/// exist.
#[test]
fn waits_grow_common_passwords_are_refused_first_admin_once() {
    let mut q = Qinqing::in_memory(Arc::new(FixedClock::at("2026-03-10T02:00:00Z"))).unwrap();
    q.set_actor(qinqing_core::Actor::Nobody);
    for common in ["12345678", "Password1", "88888888", "aaaaaaaa", "woaini1314"] {
        assert_eq!(q.create_first_admin("陈主任", common, common).unwrap_err().code, Code::StaffPasswordCommon, "{common}");
    }
    let admin = q.create_first_admin("陈主任", "right-password", "right-password").unwrap().id;
    assert_eq!(q.create_first_admin("又一个", "right-password", "right-password").unwrap_err().code, Code::StaffExists);
    assert_eq!(q.add_staff("小李", "staff", "staff-pass-1", "staff-pass-1").unwrap_err().code, Code::NotLoggedIn);
    let secs_to_wait = |q: &Qinqing| -> i64 {
        let e = q.verify_staff(admin, "right-password").unwrap_err();
        assert_eq!(e.code, Code::RateLimited);
        e.message_en.split("try again in ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap()
    };
    for _ in 0..5 {
        let _ = q.verify_staff(admin, "wrong");
    }
    assert_eq!(secs_to_wait(&q), 2);
    let mut t = chrono::DateTime::parse_from_rfc3339("2026-03-10T02:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let mut waits = Vec::new();
    for _ in 0..12 {
        // Each time the wait is over, one more wrong guess: the next wait is twice as long.
        t += chrono::Duration::seconds(secs_to_wait(&q));
        at(&mut q, &qinqing_core::time::to_db(t));
        assert_eq!(q.verify_staff(admin, "wrong").unwrap_err().code, Code::StaffPasswordWrong);
        waits.push(secs_to_wait(&q));
    }
    assert_eq!(waits, vec![4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900], "growing, at most 15 minutes");
    // An administrator (here the operator) clears it.
    q.set_actor(qinqing_core::Actor::Operator);
    q.unlock_staff(admin).unwrap();
    assert!(q.verify_staff(admin, "right-password").is_ok());
    for _ in 0..5 {
        let _ = q.verify_staff(admin, "wrong");
    }
    assert_eq!(secs_to_wait(&q), 2, "back to the first step");
}

#[test]
fn service_sessions_end_when_idle_or_too_old_or_logged_out_and_terminal_keys_until_revoked() {
    use qinqing_core::authz::Actor;
    let mut q = ledger();
    let admin = q.add_staff("陈主任", "admin", "right-password", "right-password").unwrap().id;
    let clerk = q.add_staff("小李", "staff", "clerk-password", "clerk-password").unwrap().id;
    // A wrong password gives no session and counts toward the lock-out.
    assert_eq!(q.login(clerk, "wrong").unwrap_err().code, Code::StaffPasswordWrong);
    let s = q.login(admin, "right-password").unwrap();
    assert_eq!(q.authenticate(&s.token).unwrap(), Actor::Staff { id: admin, admin: true });
    // The token is kept only as a hash.
    let stored: Vec<String> = q.conn().query_map("SELECT token_hash FROM credential", [], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    assert!(stored.iter().all(|h| h.len() == 64 && !s.token.contains(h.as_str())));
    // Used within the idle time it lives on; 15 idle minutes end it.
    at(&mut q, "2026-03-10T02:14:00Z");
    q.authenticate(&s.token).unwrap();
    at(&mut q, "2026-03-10T02:28:59Z");
    q.authenticate(&s.token).unwrap();
    at(&mut q, "2026-03-10T02:44:00Z");
    assert_eq!(q.authenticate(&s.token).unwrap_err().code, Code::TokenExpired);
    // However busy, a session ends after its longest lifetime (8 h).
    let s2 = q.login(clerk, "clerk-password").unwrap();
    // Used every 10 minutes from 02:54 to 10:34 (it began at 02:44).
    for k in 1..=47 {
        let m = 2 * 60 + 44 + 10 * k;
        at(&mut q, &format!("2026-03-10T{:02}:{:02}:00Z", m / 60, m % 60));
        q.authenticate(&s2.token).unwrap();
    }
    at(&mut q, "2026-03-10T10:44:00Z");
    assert_eq!(q.authenticate(&s2.token).unwrap_err().code, Code::TokenExpired);
    // Logged out: refused at once, with its own code.
    let s3 = q.login(clerk, "clerk-password").unwrap();
    q.logout(&s3.token).unwrap();
    assert_eq!(q.authenticate(&s3.token).unwrap_err().code, Code::TokenRevoked);
    assert_eq!(q.authenticate("qqs_nonsense").unwrap_err().code, Code::TokenUnknown);
    assert_eq!(q.authenticate("").unwrap_err().code, Code::TokenUnknown);
    // A terminal key: only an administrator issues one, to an existing institution.
    let inst = q.add_institution("社区卫生服务中心", "340104", true, false).unwrap().id;
    q.set_actor(Actor::Staff { id: clerk, admin: false });
    assert_eq!(q.terminal_add(inst, None).unwrap_err().code, Code::Forbidden);
    q.set_actor(Actor::Staff { id: admin, admin: true });
    assert_eq!(q.terminal_add(inst + 100, None).unwrap_err().code, Code::InstitutionNotFound);
    let t = q.terminal_add(inst, Some("收费处 1")).unwrap();
    let key = t.key.clone().unwrap();
    assert_eq!(q.authenticate(&key).unwrap(), Actor::Terminal { institution: inst });
    assert!(q.terminal_list().unwrap().iter().all(|t| t.key.is_none()), "a key is shown once");
    // Keys do not idle out; revoked, they are refused.
    at(&mut q, "2026-06-10T10:45:00Z");
    assert_eq!(q.authenticate(&key).unwrap(), Actor::Terminal { institution: inst });
    q.terminal_revoke(t.id).unwrap();
    assert_eq!(q.authenticate(&key).unwrap_err().code, Code::TokenRevoked);
    assert_eq!(q.terminal_revoke(t.id + 100).unwrap_err().code, Code::TerminalNotFound);
    let actions: Vec<String> = q.audit_list(&Default::default()).unwrap().into_iter().map(|e| e.action).collect();
    for a in ["staff.login", "staff.logout", "terminal.add", "terminal.revoke"] {
        assert!(actions.iter().any(|x| x == a), "{a} is audited");
    }
}

#[test]
fn a_code_is_read_by_a_counter_staff_or_the_members_family_and_no_one_else() {
    use qinqing_core::authz::Actor;
    let mut q = ledger();
    q.demo_seed().unwrap();
    let token = q.issue_qr(5, Some(3)).unwrap().token;
    let stranger = q
        .add_person(&PersonInput {
            name: "路人甲".into(),
            resident_id: with_check_char("34010419800101001"),
            insurance: "resident".into(),
            region: "340104".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    q.set_actor(Actor::Household { holder: stranger });
    assert_eq!(q.verify_qr(&token).unwrap_err().code, Code::Forbidden, "another household cannot read whose code it is");
    for who in [Actor::Household { holder: 3 }, Actor::Terminal { institution: 1 }, Actor::Staff { id: 1, admin: false }] {
        q.set_actor(who.clone());
        assert_eq!(q.verify_qr(&token).unwrap().claims.member, 5, "{who:?}");
    }
    // The staff register is an administrator's: one member of it too.
    q.set_actor(Actor::Staff { id: 1, admin: false });
    assert_eq!(q.staff_member(1).unwrap_err().code, Code::Forbidden);
    q.set_actor(Actor::Terminal { institution: 1 });
    assert_eq!(q.staff_member(1).unwrap_err().code, Code::Forbidden);
}

#[test]
fn a_pairing_code_pairs_one_computer_once_within_ten_minutes_for_that_household_only() {
    use qinqing_core::authz::Actor;
    let mut q = ledger();
    q.demo_seed().unwrap();
    let clerk = q.add_staff("小李", "staff", "clerk-password", "clerk-password").unwrap().id;
    let stranger = q
        .add_person(&PersonInput {
            name: "路人甲".into(),
            resident_id: with_check_char("34010419800101001"),
            insurance: "resident".into(),
            region: "340104".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    // Only staff start a pairing: not a household, not a counter, not nobody.
    for who in [Actor::Household { holder: 3 }, Actor::Terminal { institution: 1 }] {
        q.set_actor(who.clone());
        assert_eq!(q.pairing_start(3).unwrap_err().code, Code::Forbidden, "{who:?}");
    }
    q.set_actor(Actor::Nobody);
    assert_eq!(q.pairing_start(3).unwrap_err().code, Code::NotLoggedIn);
    // Staff serving a resident pair that resident's household, no other;
    // plain staff pair nobody's (issue 31: they would become that household).
    q.set_actor(Actor::Serving { staff: clerk, admin: false, resident: stranger });
    assert_eq!(q.pairing_start(3).unwrap_err().code, Code::PairingInPerson);
    q.set_actor(Actor::Staff { id: clerk, admin: false });
    assert_eq!(q.pairing_start(3).unwrap_err().code, Code::PairingInPerson);
    let holder_name = q.get_person(3).unwrap().name;
    q.set_actor(Actor::Serving { staff: clerk, admin: false, resident: 3 });
    let p = q.pairing_start(3).unwrap();
    assert_eq!(p.holder_name_masked.chars().next(), holder_name.chars().next());
    assert!(p.holder_name_masked.ends_with('*') && !p.holder_name_masked.contains(&holder_name[3..]));
    assert_eq!(p.expires_at, "2026-03-10T02:10:00Z");
    let stored: Vec<String> = q.conn().query_map("SELECT code_hash FROM pairing", [], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&p.code.replace('-', ""))), "only a hash is kept");
    // A wrong code, a malformed one, a bad device key: nothing paired.
    q.set_actor(Actor::Nobody);
    let wrong = if p.code.starts_with('2') { "3333-3333" } else { "2222-2222" };
    for bad in [wrong, "", "<script>", "ABCD-EFG"] {
        assert_eq!(q.pair(bad, None, None).unwrap_err().code, Code::PairingCodeInvalid, "{bad}");
    }
    assert_eq!(q.pair(&p.code, None, Some("zz")).unwrap_err().code, Code::DeviceKeyInvalid);
    let n: i64 = q.conn().query_row("SELECT count(*) FROM device", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);
    // Typed loosely (lower case, spaces), it pairs; the token acts for that household.
    let typed = p.code.to_lowercase().replace('-', " ");
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
    let hex: String = key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let d = q.pair(&typed, Some("客厅电脑 <b>"), Some(&hex.to_uppercase())).unwrap();
    let token = d.token.clone().unwrap();
    assert_eq!((d.holder, d.label.as_deref(), d.public_key.as_deref()), (Some(3), Some("客厅电脑 <b>"), Some(hex.as_str())));
    assert_eq!(q.authenticate(&token).unwrap(), Actor::Household { holder: 3 });
    // Used once: the same code again, by anyone, is refused.
    assert_eq!(q.pair(&p.code, None, None).unwrap_err().code, Code::PairingCodeInvalid);
    // As the device: its household, not another's.
    let me = q.authenticate(&token).unwrap();
    q.set_actor(me);
    assert!(q.get_person(3).is_ok());
    assert_eq!(q.get_person(stranger).unwrap_err().code, Code::Forbidden);
    assert_eq!(q.dashboard(stranger, 2026).unwrap_err().code, Code::Forbidden);
    assert_eq!(q.device_list(stranger).unwrap_err().code, Code::Forbidden);
    assert_eq!(q.device_list(3).unwrap().len(), 1);
    // Ten minutes pass: a code not typed in time is refused; a newer code voids an older one.
    q.set_actor(Actor::Serving { staff: clerk, admin: false, resident: 3 });
    let late = q.pairing_start(3).unwrap();
    at(&mut q, "2026-03-10T02:10:00Z");
    assert_eq!(q.pair(&late.code, None, None).unwrap_err().code, Code::PairingCodeInvalid, "expired");
    let old = q.pairing_start(3).unwrap();
    let new = q.pairing_start(3).unwrap();
    assert_eq!(q.pair(&old.code, None, None).unwrap_err().code, Code::PairingCodeInvalid, "voided by a newer one");
    let d2 = q.pair(&new.code, None, None).unwrap();
    // "Unpair this computer": the household itself revokes its own device; then it is refused.
    q.set_actor(Actor::Household { holder: stranger });
    assert_eq!(q.device_revoke(d.id).unwrap_err().code, Code::Forbidden);
    q.set_actor(Actor::Household { holder: 3 });
    assert!(q.device_revoke(d.id).unwrap().revoked_at.is_some());
    assert_eq!(q.authenticate(&token).unwrap_err().code, Code::TokenRevoked);
    assert_eq!(q.authenticate(d2.token.as_deref().unwrap()).unwrap(), Actor::Household { holder: 3 });
    assert_eq!(q.device_revoke(d.id + 100).unwrap_err().code, Code::DeviceNotFound);
    q.set_actor(Actor::Operator);
    let actions: Vec<String> = q.audit_list(&Default::default()).unwrap().into_iter().map(|e| e.action).collect();
    for a in ["pairing.start", "device.pair", "device.revoke"] {
        assert!(actions.iter().any(|x| x == a), "{a} is audited");
    }
}

#[test]
fn a_paired_computer_signs_codes_a_counter_checks_offline_and_the_ledger_still_decides() {
    use qinqing_core::authz::Actor;
    use qinqing_core::qr::{self, Claims};
    use qinqing_core::settle::SettleRequest;
    let mut q = ledger();
    q.demo_seed().unwrap();
    let clerk = q.add_staff("小李", "staff", "clerk-password", "clerk-password").unwrap().id;
    // Pairing with the computer's own key: the ledger certifies it.
    q.set_actor(Actor::Serving { staff: clerk, admin: false, resident: 3 });
    let p = q.pairing_start(3).unwrap();
    q.set_actor(Actor::Nobody);
    let key = qr::new_device_key();
    let hex: String = key.verifying_key().to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let d = q.pair(&p.code, None, Some(&hex)).unwrap();
    let cert = d.certificate.clone().expect("a certificate for the key sent");
    assert_eq!((cert.device, cert.holder, cert.public_key.as_str()), (d.id, 3, hex.as_str()));
    let now = q.now().timestamp();
    let claims =
        |member: i64, shown_by: i64, nonce: &str| Claims { payer: member, member, shown_by, issued_at: now, expires_at: now + 60, nonce: nonce.into() };
    // The computer signs 张子涵's code (#5, shown by his father #3) without the ledger.
    let code = qr::encode_device(&key, &cert, &claims(5, 3, "00000000000000a1")).unwrap();
    assert!(code.starts_with("QQ2"));
    assert!(qinqing_core::qr::svg(&code).is_ok(), "fits a QR code");
    // A counter checks the chain with the ledger's public key alone.
    let public = qr::verifying_key_from_hex(&q.public_key_hex().unwrap()).unwrap();
    let checked = qr::decode_any(&public, &code, q.now()).unwrap();
    assert_eq!((checked.claims.member, checked.device, checked.device_holder), (5, Some(d.id), Some(3)));
    qr::check_time(&checked.claims, q.now(), 5).unwrap();
    // Altered anywhere, or certified by another ledger: refused.
    let mut chars: Vec<char> = code.chars().collect();
    for at in [10, 60, 150, chars.len() - 20] {
        let was = chars[at];
        chars[at] = if was == 'A' { 'B' } else { 'A' };
        let bad: String = chars.iter().collect();
        assert!(qr::decode_any(&public, &bad, q.now()).is_err(), "altered at {at}");
        chars[at] = was;
    }
    let stranger_ledger = qr::new_device_key();
    let forged = qr::certify(&stranger_ledger, d.id, 3, now + 1000, &key.verifying_key()).unwrap();
    let forged_code = qr::encode_device(&key, &forged, &claims(5, 3, "00000000000000a2")).unwrap();
    assert_eq!(qr::decode_any(&public, &forged_code, q.now()).unwrap_err().code, Code::QrBadSignature);
    // The counter settles it; sent again, it is the same settlement, charged once.
    let settle = |q: &mut Qinqing, token: &str, bill: &str| {
        q.set_actor(Actor::Terminal { institution: 1 });
        q.settle(&SettleRequest {
            token: token.into(),
            institution: 1,
            scenario: "pharmacy".into(),
            total_fen: 1_000,
            bill_id: bill.into(),
            pay_password: Some(qinqing_core::demo::DEMO_PAY_PASSWORD.into()),
            ..Default::default()
        })
    };
    let s = settle(&mut q, &code, "DEV-1").unwrap();
    assert_eq!((s.member_id, s.total_fen), (5, 1_000));
    assert!(settle(&mut q, &code, "DEV-1").unwrap().replayed);
    // A code for someone outside the household the certificate names: refused.
    let outsider = qr::encode_device(&key, &cert, &claims(7, 3, "00000000000000a3")).unwrap();
    assert_eq!(settle(&mut q, &outsider, "DEV-2").unwrap_err().code, Code::QrDeviceRefused);
    // Unpaired: its codes are refused at the ledger (a counter offline still sees a valid chain).
    let later = qr::encode_device(&key, &cert, &claims(5, 3, "00000000000000a4")).unwrap();
    q.set_actor(Actor::Household { holder: 3 });
    q.device_revoke(d.id).unwrap();
    assert_eq!(settle(&mut q, &later, "DEV-3").unwrap_err().code, Code::QrDeviceRefused);
    q.set_actor(Actor::Operator);
    let charged: i64 = q.conn().query_row("SELECT count(*) FROM settlement WHERE bill_id LIKE 'DEV-%'", [], |r| r.get(0)).unwrap();
    assert_eq!(charged, 1);
}
