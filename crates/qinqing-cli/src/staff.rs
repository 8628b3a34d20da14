//! The service centre's staff register.

use super::*;

pub(crate) fn staff(ctx: &Ctx, cmd: StaffCmd) -> Result<Outcome, Error> {
    use qinqing_core::staff::Staff;
    match cmd {
        StaffCmd::Add { name, role } => {
            let stdin = io::stdin();
            let mut lines = stdin.lock().lines();
            let mut next = || lines.next().transpose().map_err(io_fail).map(|l| l.unwrap_or_default());
            let (pw, again) = (next()?, next()?);
            let s: Staff =
                ctx.call(Call::StaffAdd { name, role, password: pw.trim_end_matches('\r').to_string(), again: again.trim_end_matches('\r').to_string() })?;
            if ctx.json {
                ctx.print_json(&s)?;
            } else {
                println!("{}", s.id);
            }
        }
        StaffCmd::Disable { staff } => {
            let s: Staff = ctx.call(Call::StaffSetActive { id: staff, active: false })?;
            if ctx.json {
                ctx.print_json(&s)?;
            } else {
                println!("{}  {}  {}", s.id, s.name, ctx.t("已停用", "disabled"));
            }
        }
        StaffCmd::Enable { staff } => {
            let s: Staff = ctx.call(Call::StaffSetActive { id: staff, active: true })?;
            if ctx.json {
                ctx.print_json(&s)?;
            } else {
                println!("{}  {}  {}", s.id, s.name, ctx.t("已启用", "enabled"));
            }
        }
        StaffCmd::Unlock { staff } => {
            let s: Staff = ctx.call(Call::StaffUnlock { id: staff })?;
            if ctx.json {
                ctx.print_json(&s)?;
            } else {
                println!("{}  {}  {}", s.id, s.name, ctx.t("已解锁", "unlocked"));
            }
        }
        StaffCmd::List => {
            let list: Vec<Staff> = ctx.call(Call::StaffList)?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for s in list {
                    println!("{}  {}  {}{}", s.id, s.name, ctx.word(s.role.as_str()), if s.active { "" } else { ctx.t("（已停用）", "  (inactive)") });
                }
            }
        }
    }
    Ok(Outcome::Ok)
}
