//! Codes, settlements and stays: the counter's commands.

use super::*;

pub(crate) fn qr_cmd(ctx: &Ctx, cmd: QrCmd) -> Result<Outcome, Error> {
    match cmd {
        QrCmd::Issue { member, holder, png, svg } => {
            let issued: qinqing_core::qr::Issued = ctx.call(Call::QrIssue { member, holder })?;
            if let Some(p) = png {
                let bytes = qinqing_core::qr::png(&issued.token, 8)?;
                std::fs::write(&p, bytes).map_err(|e| Error::internal(format!("{}: {e}", p.display())))?;
            }
            if let Some(p) = svg {
                std::fs::write(&p, &issued.svg).map_err(|e| Error::internal(format!("{}: {e}", p.display())))?;
            }
            if ctx.json {
                ctx.print_json(&serde_json::json!({
                    "token": issued.token, "member": issued.member, "shown_by": issued.shown_by,
                    "issued_at": issued.issued_at, "expires_at": issued.expires_at, "validity_secs": issued.validity_secs,
                }))?;
            } else {
                println!("{}", issued.token);
            }
        }
        QrCmd::Verify { code: token } => {
            let c: qinqing_core::qr::Checked = ctx.call(Call::QrVerify { token })?;
            print_checked(ctx, &c)?;
        }
        QrCmd::Check { code, public_key } => {
            let key = qinqing_core::qr::verifying_key_from_hex(&public_key)?;
            let now = chrono::Utc::now();
            let c = qinqing_core::qr::decode_any(&key, &code, now)?;
            qinqing_core::qr::check_time(&c.claims, now, 5)?;
            print_checked(ctx, &c)?;
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn settle(ctx: &Ctx, a: SettleArgs) -> Result<Outcome, Error> {
    let lines = a.pay_password_stdin as usize + a.sms_code_stdin as usize;
    let mut typed = if lines > 0 { stdin_lines(lines)? } else { Vec::new() }.into_iter();
    let req = SettleRequest {
        token: a.code,
        institution: a.institution,
        scenario: a.scenario,
        total_fen: a.total,
        total_yuan: None,
        bill_id: a.bill,
        emergency: a.emergency,
        stay: a.stay,
        pay_password: if a.pay_password_stdin { typed.next() } else { None },
        sms_code: if a.sms_code_stdin { typed.next() } else { None },
        face_checked: a.face_checked,
        id_face_checked: a.id_face_checked,
    };
    if a.send_code {
        let sent: qinqing_core::settle::PayCodeSent = ctx.call(Call::SettleSendCode(req))?;
        if ctx.json {
            ctx.print_json(&sent)?;
        } else {
            println!(
                "验证码已发送给{}，{}前有效（还可发送{}次） / code sent to {}, valid until {} ({} sends left)",
                sent.sent_to, sent.expires_at_local, sent.sends_left, sent.sent_to, sent.expires_at_local, sent.sends_left
            );
        }
        return Ok(Outcome::Ok);
    }
    let s: Settlement = ctx.call(Call::Settle(req))?;
    print_settlement(ctx, &s)?;
    Ok(Outcome::Ok)
}

pub(crate) fn stay(ctx: &Ctx, cmd: StayCmd) -> Result<Outcome, Error> {
    match cmd {
        StayCmd::Admit { code: token, institution, admission, emergency, pay_password_stdin, id_face_checked } => {
            let pay_password = if pay_password_stdin { Some(stdin_lines(1)?.remove(0)) } else { None };
            let s: qinqing_core::settle::Stay = ctx.call(Call::Admit(qinqing_core::settle::AdmitRequest {
                token,
                institution,
                admission_no: admission,
                emergency,
                pay_password,
                id_face_checked,
            }))?;
            print_stays(ctx, &[s])?;
        }
        StayCmd::Discharge { stay, institution, total, bill } => {
            let s: Settlement = ctx.call(Call::Settle(SettleRequest {
                institution,
                scenario: "inpatient".into(),
                total_fen: total,
                bill_id: bill,
                stay: Some(stay),
                ..Default::default()
            }))?;
            print_settlement(ctx, &s)?;
        }
        StayCmd::List { institution, member, open } => {
            let list: Vec<qinqing_core::settle::Stay> = ctx.call(Call::StayList { institution, member, open })?;
            print_stays(ctx, &list)?
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn settlements(ctx: &Ctx, member: Option<i64>, limit: u32) -> Result<Outcome, Error> {
    let list: Vec<Settlement> = ctx.call(Call::SettlementList { member, limit })?;
    if ctx.json {
        ctx.print_json(&list)?;
    } else {
        for s in &list {
            print_settlement(ctx, s)?;
        }
    }
    Ok(Outcome::Ok)
}
pub(crate) fn print_checked(ctx: &Ctx, c: &qinqing_core::qr::Checked) -> Result<(), Error> {
    if ctx.json {
        ctx.print_json(c)
    } else {
        if ctx.en() {
            let by = c.device.map(|d| format!("  signed by paired computer #{d}")).unwrap_or_default();
            println!("member {}  shown by {}  expires {}  nonce {}{by}", c.claims.member, c.claims.shown_by, c.claims.expires_at, c.claims.nonce);
        } else {
            let by = c.device.map(|d| format!("  由已配对电脑 #{d} 签发")).unwrap_or_default();
            println!("参保人 {}  出示人 {}  有效至 {}  随机码 {}{by}", c.claims.member, c.claims.shown_by, c.claims.expires_at, c.claims.nonce);
        }
        Ok(())
    }
}

pub(crate) fn print_settlement(ctx: &Ctx, s: &Settlement) -> Result<(), Error> {
    if ctx.json {
        return ctx.print_json(s);
    }
    println!(
        "{} #{}  {} {}  {}  {} {}{}",
        ctx.t("结算", "settlement"),
        s.id,
        ctx.t("单号", "bill"),
        s.bill_id,
        scenario_word(ctx, &s.scenario),
        ctx.t("总额", "total"),
        qinqing_core::money::format_fen(s.total_fen),
        if s.replayed { ctx.t("（此单已结算，本次未扣款）", "  (already settled: nothing charged now)") } else { "" }
    );
    if s.deductible_fen > 0 {
        println!("  {} {:>14}", padded(ctx.t("起付线", "deductible"), 14, ""), qinqing_core::money::format_fen(s.deductible_fen));
    }
    for l in &s.legs {
        let (zh, en) = qinqing_core::report::source_label(&l.source);
        println!("  {} {:>14}  {}", padded(ctx.t(zh, en), 14, ""), qinqing_core::money::format_fen(l.amount), l.person_name.clone().unwrap_or_default());
    }
    Ok(())
}

pub(crate) fn print_stays(ctx: &Ctx, list: &[qinqing_core::settle::Stay]) -> Result<(), Error> {
    if ctx.json {
        if let [one] = list {
            ctx.print_json(one)?;
        } else {
            ctx.print_json(&list)?;
        }
    } else {
        for s in list {
            println!(
                "{} #{}  {}  {}  {}  {}{}",
                ctx.t("住院", "stay"),
                s.id,
                s.admission_no,
                s.member_name,
                s.admitted_at_local,
                ctx.word(&s.status),
                if s.replayed { ctx.t("（重复提交：未改变）", "  (retry: unchanged)") } else { "" }
            );
        }
    }
    Ok(())
}
