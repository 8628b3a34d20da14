//! Settlement at the counter (DOMAIN §4): a scanned code pays one bill,
//! once, confirmed by the payer the way the scenario's policy takes; and
//! the one-time payment code sent to the payer for a bill.

use super::ledger;
use super::request::{PayCodeSent, SettleRequest, Settlement};
use super::rules::{self, bill_total, valid_bill_id};
use super::settlement::{charge, china_day_month, load_settlement};
use super::Scenario;
use crate::access::audit;
use crate::access::authz::Act;
use crate::app::qr;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, OptionalExtension, Verdict};
use crate::time;

/// The one-time payment code sent for a shown code (its nonce), if any.
fn load_pay_code(conn: &Conn, nonce: &str) -> Result<Option<crate::confirm::PayCode>> {
    conn.query_row(
        "SELECT person_id, institution_id, bill_id, scenario, total_fen, code_hash, attempts, expires_at FROM pay_code WHERE nonce = ?1",
        [nonce],
        |r| {
            let expires: String = r.get(7)?;
            Ok(crate::confirm::PayCode {
                person: r.get(0)?,
                institution: r.get(1)?,
                bill: r.get(2)?,
                scenario: r.get(3)?,
                total_fen: r.get(4)?,
                code_hash: r.get(5)?,
                attempts: r.get(6)?,
                // An unreadable time is an expired code.
                expires_at: time::from_db(&expires).unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
            })
        },
    )
    .optional()
}

impl Qinqing {
    /// Settle a bill. All or nothing, exactly once. Outpatient, pharmacy and
    /// online pharmacy settle with a scanned code; inpatient settles at
    /// discharge against the stay opened at admission (`req.stay`).
    /// Settle one bill (see [`Qinqing::retrying`] for what happens when
    /// PostgreSQL aborts it to stay serializable: it runs again, whole).
    pub fn settle(&mut self, req: &SettleRequest) -> Result<Settlement> {
        self.retrying(|q| q.settle_once(req))
    }

    fn settle_once(&mut self, req: &SettleRequest) -> Result<Settlement> {
        self.permit(Act::Counter { institution: req.institution })?;
        let total = bill_total(req)?;
        let bill = req.bill_id.trim().to_string();
        if !valid_bill_id(&bill) {
            return Err(Error::bill_id_invalid());
        }
        if let Some(stay) = req.stay {
            if !req.scenario.trim().is_empty() && Scenario::parse(&req.scenario)? != Scenario::Inpatient {
                return Err(Error::stay_scenario());
            }
            return self.settle_stay(stay, req.institution, &bill, total);
        }
        let scenario = Scenario::parse(&req.scenario)?;
        let key = self.signing_key()?.verifying_key();
        let now_dt = self.now();
        let code = qr::read_any(&req.token)?;
        let said = code.claims().clone();
        // On PostgreSQL the ledger's signature on a code is checked while the
        // server looks the bill up, keyed by what the code says (no answer is
        // read, and nothing decided, before the signature holds). A device's
        // code (more lookups) and SQLite (nothing to overlap) check first.
        let code = if !self.conn().overlaps() || code.is_device() {
            let checked = code.check(&key, now_dt)?;
            self.check_device_code(&checked)?;
            Ok(checked)
        } else {
            Err(code)
        };
        let actor = self.actor().to_string();
        let pepper = crate::app::payment::pepper(self)?;
        let (day, month) = china_day_month(now_dt);
        // What this bill touches, locked (on PostgreSQL) before its facts are
        // read: the member (as the code names them; a bad signature fails
        // below and rolls back), every 家庭共济 authorizer who may pay, and
        // the bill — writers on other households run at the same time.
        let locks = crate::store::Locks::new().payers_of(said.member).bill(req.institution, &bill);
        let tx = self.conn().begin_locking_with_savepoint(&locks)?;
        // One round trip: the transaction's start and locks, the settings, every fact of the bill.
        let (facts, checked) = self.bill_facts_during(
            &tx,
            &ledger::BillKey {
                nonce: &said.nonce,
                institution: req.institution,
                bill: &bill,
                member: said.member,
                shown_by: said.shown_by,
                scenario,
                day: &day,
                month: &month,
            },
            || match code {
                Ok(checked) => Ok(checked),
                Err(unchecked) => unchecked.check(&key, now_dt),
            },
        );
        let claims = checked?.claims;
        let (facts, settings) = facts?;
        if let Some(id) = rules::exactly_once(&facts, req.institution, &bill, claims.member, total, scenario)? {
            return load_settlement(&tx, id, true);
        }
        if scenario == Scenario::Inpatient {
            return Err(Error::stay_required());
        }
        qr::check_time(&claims, now_dt, settings.skew)?;
        let visit = rules::open_visit(&facts, &claims, req.institution, req.emergency)?;
        // The payer confirms, the way this scenario's policy takes
        // (DOMAIN §4, [`crate::confirm`]): the first method it lists that the
        // request brings.
        let evidence = crate::confirm::Evidence {
            pay_password: req.pay_password.as_deref(),
            sms_code: req.sms_code.as_deref(),
            face_checked: req.face_checked,
            id_face_checked: req.id_face_checked,
        };
        let method = crate::confirm::choose(&settings.confirm, &evidence)?;
        let (cut, cap) = (settings.cut, settings.daily_cap);
        let go = |tx, keep: Vec<crate::store::Query>, instead: Vec<crate::store::Query>, decide: &mut dyn FnMut() -> Verdict| {
            charge(tx, &visit, &facts, &claims.nonce, None, scenario, total, &bill, now_dt, cut, cap, &actor, Some(method), keep, instead, decide)
        };
        match method {
            // The password is checked while the settlement's writes run;
            // they are committed only if it is right, and a wrong one is
            // counted instead, under the same lock (nothing is charged).
            crate::confirm::Method::PayPassword => {
                let (argon, if_right, if_wrong, wrong) =
                    match crate::app::payment::confirm(facts.pay.as_ref(), &pepper, visit.member.id, req.pay_password.as_deref(), now_dt) {
                        crate::app::payment::Confirm::Refused(e) => return Err(e),
                        crate::app::payment::Confirm::Check { argon, if_right, if_wrong, wrong } => (argon, if_right, if_wrong, wrong),
                    };
                let mut broken = None;
                let mut decide = || match argon.matches() {
                    Ok(true) => Verdict::Keep,
                    Ok(false) => Verdict::Instead,
                    Err(e) => {
                        broken = Some(e);
                        Verdict::Abort
                    }
                };
                let kept = go(tx, if_right.into_iter().collect(), vec![if_wrong], &mut decide)?;
                kept.ok_or_else(|| broken.unwrap_or(wrong))
            }
            // The one-time code sent for this very bill: used up by the
            // settlement; a wrong one is counted (and committed) instead.
            crate::confirm::Method::SmsCode => {
                let stored = load_pay_code(&tx, &claims.nonce)?;
                let typed = req.sms_code.as_deref().unwrap_or_default();
                match crate::confirm::judge_code(
                    stored.as_ref(),
                    &pepper,
                    &claims.nonce,
                    typed,
                    (req.institution, &bill, scenario, total),
                    visit.member.id,
                    now_dt,
                ) {
                    crate::confirm::CodeVerdict::Right => {
                        let used = crate::store::query("DELETE FROM pay_code WHERE nonce = ?1", [claims.nonce.as_str()]);
                        go(tx, vec![used], vec![], &mut || Verdict::Keep)?.ok_or_else(|| Error::internal("a confirmed settlement was not kept"))
                    }
                    crate::confirm::CodeVerdict::Wrong { left } => {
                        tx.commit_with(vec![crate::store::query("UPDATE pay_code SET attempts = attempts + 1 WHERE nonce = ?1", [claims.nonce.as_str()])])?;
                        Err(if left > 0 { Error::pay_code_wrong(left) } else { Error::pay_code_gone() })
                    }
                    crate::confirm::CodeVerdict::Gone => Err(Error::pay_code_gone()),
                }
            }
            // The counter's attestation (audited with the settlement).
            crate::confirm::Method::Face | crate::confirm::Method::IdFace => {
                go(tx, vec![], vec![], &mut || Verdict::Keep)?.ok_or_else(|| Error::internal("a confirmed settlement was not kept"))
            }
        }
    }

    /// Where the scenario's policy takes a one-time code (by default 门诊,
    /// [`crate::confirm`]): with the bill filled in, send the payer — the
    /// member whose code was shown — a random 6-digit code for this bill to
    /// their record (the outbox stands in for the SMS). It is bound to the
    /// shown code, the institution, the bill number, the scenario and the
    /// amount; sending again replaces it (at most a few times per shown
    /// code), and wrong tries are counted over all sends.
    pub fn send_pay_code(&mut self, req: &SettleRequest) -> Result<PayCodeSent> {
        self.retrying(|q| q.send_pay_code_once(req))
    }

    fn send_pay_code_once(&mut self, req: &SettleRequest) -> Result<PayCodeSent> {
        use crate::confirm::{PAY_CODE_ATTEMPTS, PAY_CODE_SECS, PAY_CODE_SENDS};
        self.permit(Act::Counter { institution: req.institution })?;
        let scenario = Scenario::parse(&req.scenario)?;
        let methods = crate::confirm::stored_methods(scenario, Some(&self.setting_text(crate::confirm::setting_key(scenario))?));
        if !methods.contains(&crate::confirm::Method::SmsCode) {
            return Err(Error::pay_code_not_used(scenario.as_str()));
        }
        let total = bill_total(req)?;
        let bill = req.bill_id.trim().to_string();
        if !valid_bill_id(&bill) {
            return Err(Error::bill_id_invalid());
        }
        let now_dt = self.now();
        let checked = qr::decode_any(&self.signing_key()?.verifying_key(), &req.token, now_dt)?;
        self.check_device_code(&checked)?;
        let claims = checked.claims;
        qr::check_time(&claims, now_dt, self.setting("qr_clock_skew_secs")?)?;
        let pepper = crate::app::payment::pepper(self)?;
        let now = time::to_db(now_dt);
        let actor = self.actor().to_string();
        // The member's code, their outbox and the audit: the member's lock.
        let tx = self.conn().begin_locking(&crate::store::Locks::new().person(claims.member))?;
        let used: Option<i64> = tx.query_row("SELECT id FROM settlement WHERE nonce = ?1", [&claims.nonce], |r| r.get(0)).optional()?;
        if used.is_some() {
            return Err(Error::qr_already_used());
        }
        let institution: String = tx
            .query_row("SELECT name FROM institution WHERE id = ?1", [req.institution], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::institution_not_found(req.institution))?;
        let member: String = tx
            .query_row("SELECT name FROM person WHERE id = ?1", [claims.member], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::person_not_found(claims.member))?;
        let prior: Option<(i64, i64)> =
            tx.query_row("SELECT sends, attempts FROM pay_code WHERE nonce = ?1", [&claims.nonce], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        let sends = prior.map_or(0, |(s, _)| s);
        if sends >= PAY_CODE_SENDS || prior.is_some_and(|(_, a)| a >= PAY_CODE_ATTEMPTS) {
            return Err(Error::pay_code_too_many(PAY_CODE_SENDS));
        }
        use password_hash::rand_core::{OsRng, RngCore};
        let code = format!("{:06}", OsRng.next_u32() % 1_000_000);
        let expires_dt = now_dt + chrono::Duration::seconds(PAY_CODE_SECS);
        let expires = time::to_db(expires_dt);
        // Codes long expired are of no use to anyone.
        tx.execute("DELETE FROM pay_code WHERE expires_at < ?1", [time::to_db(now_dt - chrono::Duration::days(1))])?;
        tx.execute(
            "INSERT INTO pay_code (nonce, person_id, institution_id, bill_id, scenario, total_fen, code_hash, sends, attempts, expires_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, 0, ?8, ?9)
             ON CONFLICT (nonce) DO UPDATE SET person_id = excluded.person_id, institution_id = excluded.institution_id, bill_id = excluded.bill_id,
               scenario = excluded.scenario, total_fen = excluded.total_fen, code_hash = excluded.code_hash, sends = pay_code.sends + 1,
               expires_at = excluded.expires_at",
            params![
                claims.nonce,
                claims.member,
                req.institution,
                bill,
                scenario.as_str(),
                total,
                crate::confirm::code_hash(&pepper, &claims.nonce, &code),
                expires,
                now
            ],
        )?;
        let amount = crate::money::format_fen(total);
        let mins = PAY_CODE_SECS / 60;
        audit::notify(
            &tx,
            claims.member,
            &format!("【医保】您正在{institution}支付{amount}（账单{bill}），验证码{code}，{mins}分钟内有效。请当面告诉收费员；如不是您在付款，请勿告诉任何人。"),
            &format!("[Insurance] You are paying {amount} at {institution} (bill {bill}). Your code is {code}, valid {mins} min. Tell it to the cashier in person; if this is not your payment, tell no one."),
            &now,
        )?;
        let snap = serde_json::json!({ "institution": req.institution, "bill_id": bill, "scenario": scenario.as_str(), "total_fen": total });
        audit::record(&tx, &now, &actor, "settlement.code_sent", "institution", Some(req.institution), Some(claims.member), None, Some(&snap))?;
        tx.commit()?;
        Ok(PayCodeSent { sent_to: crate::id::mask_name(&member), expires_at_local: time::display_china(expires_dt), sends_left: PAY_CODE_SENDS - sends - 1 })
    }
}
