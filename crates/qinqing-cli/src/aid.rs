//! 家庭共济 and 代缴.

use super::*;

/// The owner's payment password from standard input, when asked for.
fn owner_password(asked: bool) -> Result<Option<String>, Error> {
    Ok(if asked { Some(stdin_lines(1)?.remove(0)) } else { None })
}

pub(crate) fn aid_cmd(ctx: &Ctx, cmd: AidCmd) -> Result<Outcome, Error> {
    use qinqing_core::settle::{Aid, PayerView};
    let out: Aid = match cmd {
        // The CLI's operator takes the current letter as signed.
        AidCmd::Authorize { authorizer, beneficiary, relation, monthly_cap, pay_password_stdin } => {
            ctx.call(Call::AidAuthorize(qinqing_core::settle::AidRequest {
                authorizer,
                beneficiary,
                relation,
                monthly_cap_fen: monthly_cap,
                online_daily_cap_fen: None,
                letter_sha256: qinqing_core::settle::aid_letter().sha256,
                pay_password: owner_password(pay_password_stdin)?,
            }))?
        }
        AidCmd::Cap { aid, fen, none, pay_password_stdin } => {
            ctx.call(Call::AidSetCap { id: aid, cap_fen: if none { None } else { fen }, pay_password: owner_password(pay_password_stdin)? })?
        }
        AidCmd::OnlineCap { aid, fen, none, pay_password_stdin } => {
            ctx.call(Call::AidSetOnlineCap { id: aid, cap_fen: if none { None } else { fen }, pay_password: owner_password(pay_password_stdin)? })?
        }
        AidCmd::Letter => {
            let l = qinqing_core::settle::aid_letter();
            if ctx.json {
                ctx.print_json(&l)?;
            } else {
                println!("{}\n\n{}\n\nversion {}  sha256 {}", l.text_zh, l.text_en, l.version, l.sha256);
            }
            return Ok(Outcome::Ok);
        }
        AidCmd::Payers { beneficiary } => {
            let list: Vec<PayerView> = ctx.call(Call::AidPayers { beneficiary })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for p in &list {
                    print!("{}. ", p.order);
                    print_aid(ctx, &p.aid);
                }
            }
            return Ok(Outcome::Ok);
        }
        AidCmd::Freeze { aid } => ctx.call(Call::AidFreeze { id: aid })?,
        AidCmd::Unfreeze { aid, pay_password_stdin } => ctx.call(Call::AidUnfreeze { id: aid, pay_password: owner_password(pay_password_stdin)? })?,
        AidCmd::Revoke { aid } => ctx.call(Call::AidRevoke { id: aid })?,
        AidCmd::List { authorizer, beneficiary } => {
            let list: Vec<Aid> = ctx.call(Call::AidList(AidQuery { authorizer, beneficiary }))?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for a in &list {
                    print_aid(ctx, a);
                }
            }
            return Ok(Outcome::Ok);
        }
    };
    if ctx.json {
        ctx.print_json(&out)?;
    } else {
        print_aid(ctx, &out);
    }
    Ok(Outcome::Ok)
}

pub(crate) fn premium(ctx: &Ctx, cmd: PremiumCmd) -> Result<Outcome, Error> {
    use qinqing_core::premium::{PremiumCheck, PremiumRequest, Receipt, Tier};
    let request =
        |payer: i64, beneficiary: i64, tier: String, region: Option<String>, year: i64, pay_password: Option<String>| -> Result<PremiumRequest, Error> {
            let region = match region {
                Some(r) => r,
                None => ctx.call::<Person>(Call::PersonGet { id: beneficiary })?.region.code,
            };
            Ok(PremiumRequest { payer, beneficiary, region, year, tier, pay_password })
        };
    match cmd {
        PremiumCmd::Pay { payer, beneficiary, amount: Some(amount), year, pay_password_stdin, .. } => {
            let r =
                ctx.call_value(Call::PremiumPayAmount { payer, beneficiary, amount_fen: amount, year, pay_password: owner_password(pay_password_stdin)? })?;
            if ctx.json {
                ctx.print_json(&r)?;
            } else {
                println!("{}", r["id"]);
            }
        }
        PremiumCmd::Pay { payer, beneficiary, tier: Some(tier), region, year, pay_password_stdin, .. } => {
            let r: Receipt = ctx.call(Call::PremiumPay(request(payer, beneficiary, tier, region, year, owner_password(pay_password_stdin)?)?))?;
            if ctx.json {
                ctx.print_json(&r)?;
            } else {
                print_receipt(&r);
            }
        }
        PremiumCmd::Pay { .. } => return Err(Error::internal("clap requires --tier or --amount")),
        PremiumCmd::Check { payer, beneficiary, tier, region, year } => {
            let c: PremiumCheck = ctx.call(Call::PremiumCheck(request(payer, beneficiary, tier, region, year, None)?))?;
            if ctx.json {
                ctx.print_json(&c)?;
            } else {
                println!(
                    "{} → {} ({})  {} {}  {} {}  {} {}",
                    c.payer_name,
                    c.beneficiary_name,
                    c.beneficiary_id_masked,
                    c.region,
                    c.region_name,
                    c.year,
                    ctx.t(&c.tier.label_zh, &c.tier.label_en),
                    ctx.t("代缴后余额", "balance after"),
                    c.payer_balance_after_display
                );
            }
        }
        PremiumCmd::Tiers { region, year } => {
            let list: Vec<Tier> = ctx.call(Call::PremiumTiers { region, year })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for t in list {
                    println!("{:<10} {:>12}  {}", t.tier, t.amount_display, if ctx.en() { &t.label_en } else { &t.label_zh });
                }
            }
        }
        PremiumCmd::List { person } => {
            let list: Vec<Receipt> = ctx.call(Call::PremiumList { person })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                list.iter().for_each(print_receipt);
            }
        }
    }
    Ok(Outcome::Ok)
}
pub(crate) fn print_receipt(r: &qinqing_core::premium::Receipt) {
    println!(
        "{}  {}  {} → {} ({})  {}  {}",
        r.receipt_no, r.paid_at_local, r.payer_name, r.beneficiary_name, r.beneficiary_id_masked, r.year, r.amount_display
    );
}

pub(crate) fn print_aid(ctx: &Ctx, a: &qinqing_core::settle::Aid) {
    let why = if ctx.en() { a.lapsed_en.as_deref() } else { a.lapsed_zh.as_deref() };
    println!(
        "#{}  {} → {}  {}  {} {}  {} {}  {} {}{}",
        a.id,
        a.authorizer_name,
        a.beneficiary_name,
        ctx.word(&a.status),
        ctx.t("每月上限", "cap"),
        a.monthly_cap_fen.map(qinqing_core::money::format_fen).unwrap_or_else(|| "-".into()),
        ctx.t("本月已用", "spent"),
        qinqing_core::money::format_fen(a.spent_this_month_fen),
        ctx.t("本月剩余", "left"),
        a.left_this_month_display,
        why.map(|r| if ctx.en() { format!("  (not paying: {r})") } else { format!("  （暂停支付：{r}）") }).unwrap_or_default()
    );
}
