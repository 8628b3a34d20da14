//! Who may act: this installation's kind, counter-terminal keys, paired
//! family computers and kiosks, staff sessions.

use super::*;

pub(crate) fn device(ctx: &Ctx, cmd: DeviceCmd) -> Result<Outcome, Error> {
    use qinqing_core::installation::Installation;
    let mut q = ctx.open()?;
    let i = match cmd {
        DeviceCmd::Show => q.installation()?,
        DeviceCmd::Demo => q.set_installation(Installation::Demo)?,
        DeviceCmd::Household { holder } => q.set_installation(Installation::Household { holder })?,
        DeviceCmd::Terminal { institution } => q.set_installation(Installation::Terminal { institution })?,
    };
    if ctx.json {
        ctx.print_json(&i)?;
    } else {
        println!("{}", serde_json::to_string(&i).unwrap_or_default());
    }
    Ok(Outcome::Ok)
}

pub(crate) fn terminal(ctx: &Ctx, cmd: TerminalCmd) -> Result<Outcome, Error> {
    let out: Vec<TerminalKey> = match cmd {
        TerminalCmd::Add { institution, label } => vec![ctx.call(Call::TerminalAdd { institution, label })?],
        TerminalCmd::List => ctx.call(Call::TerminalList)?,
        TerminalCmd::Revoke { id } => vec![ctx.call(Call::TerminalRevoke { id })?],
    };
    if ctx.json {
        if out.len() == 1 && out[0].key.is_some() {
            ctx.print_json(&out[0])?;
        } else {
            ctx.print_json(&out)?;
        }
    } else {
        for t in &out {
            let state = ctx.word(if t.revoked_at.is_some() { "revoked" } else { "active" });
            let line = format!("{:>4}  {} {:<5} {}", t.id, ctx.t("机构", "institution"), t.institution_id, padded(state, 8, t.label.as_deref().unwrap_or("")));
            println!("{}", line.trim_end());
            if let Some(k) = &t.key {
                println!("{}: {k}", ctx.t("密钥（只显示这一次）", "key (shown once)"));
            }
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn pairing(ctx: &Ctx, cmd: PairingCmd) -> Result<Outcome, Error> {
    let out: Vec<qinqing_core::credential::Device> = match cmd {
        PairingCmd::List { holder } => ctx.call(Call::DeviceList { holder })?,
        PairingCmd::Revoke { id } => vec![ctx.call(Call::DeviceRevoke { id })?],
        PairingCmd::Kiosk { label } => {
            let d: qinqing_core::credential::Device = ctx.call(Call::KioskRegister { label })?;
            if ctx.json {
                ctx.print_json(&d)?;
            } else {
                println!("{}", d.token.as_deref().unwrap_or_default());
            }
            return Ok(Outcome::Ok);
        }
        PairingCmd::Kiosks => ctx.call(Call::KioskList)?,
        PairingCmd::Start { holder } => {
            let p: qinqing_core::credential::PairingCode = ctx.call(Call::PairingStart { holder })?;
            if ctx.json {
                ctx.print_json(&p)?;
            } else if ctx.en() {
                println!("pairing code for {} (#{}): {}  (valid until {} China time, once)", p.holder_name_masked, p.holder, p.code, p.expires_at_local);
            } else {
                println!("{}（#{}）的配对码：{}（北京时间 {} 前有效，只能用一次）", p.holder_name_masked, p.holder, p.code, p.expires_at_local);
            }
            return Ok(Outcome::Ok);
        }
    };
    if ctx.json {
        ctx.print_json(&out)?;
    } else {
        for d in &out {
            let state = ctx.word(if d.revoked_at.is_some() { "revoked" } else { "paired" });
            let whose = d.holder.map(|h| format!("{} {h}", ctx.t("户主", "holder"))).unwrap_or_else(|| ctx.word("kiosk").into());
            let rest = format!("{}  {} {}", padded(state, 8, d.label.as_deref().unwrap_or("")), ctx.t("上次使用", "last used"), d.last_used_at);
            println!("{:>4}  {}", d.id, padded(&whose, 12, &rest));
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn pair(ctx: &Ctx, code: String, label: Option<String>, public_key: Option<String>) -> Result<Outcome, Error> {
    let d: qinqing_core::credential::Device = match &ctx.server {
        Some(_) => {
            serde_json::from_value(ctx.remote()?.pair(&code, label.as_deref(), public_key.as_deref())?).map_err(|e| Error::internal(format!("answer: {e}")))?
        }
        None => ctx.open()?.pair(&code, label.as_deref(), public_key.as_deref())?,
    };
    if ctx.json {
        ctx.print_json(&d)?;
    } else {
        println!("{}", d.token.as_deref().unwrap_or_default());
    }
    Ok(Outcome::Ok)
}

pub(crate) fn login(ctx: &Ctx, staff: i64) -> Result<Outcome, Error> {
    let mut pw = String::new();
    io::stdin().lock().read_line(&mut pw).map_err(|e| Error::internal(format!("stdin: {e}")))?;
    let pw = pw.trim_end_matches(['\n', '\r']);
    let s: Session = match &ctx.server {
        Some(_) => serde_json::from_value(ctx.remote()?.login(staff, pw)?).map_err(|e| Error::internal(format!("answer: {e}")))?,
        None => ctx.open()?.login(staff, pw)?,
    };
    if ctx.json {
        ctx.print_json(&s)?;
    } else {
        println!("{}", s.token);
    }
    Ok(Outcome::Ok)
}

pub(crate) fn logout(ctx: &Ctx) -> Result<Outcome, Error> {
    ctx.remote()?.logout()?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({ "logged_out": true }))?;
    } else {
        println!("{}", ctx.t("已退出登录", "logged out"));
    }
    Ok(Outcome::Ok)
}
