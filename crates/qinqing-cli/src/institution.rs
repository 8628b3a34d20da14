//! Designated medical institutions.

use super::*;

pub(crate) fn institution(ctx: &Ctx, cmd: InstitutionCmd) -> Result<Outcome, Error> {
    let out: Vec<qinqing_core::settle::Institution> = match cmd {
        InstitutionCmd::Add { name, region, designated, networked } => vec![ctx.call(Call::InstitutionAdd { name, region, designated, networked })?],
        InstitutionCmd::List => ctx.call(Call::InstitutionList)?,
        InstitutionCmd::Import { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::csv_invalid(0, &format!("{}: {e}", file.display())))?;
            ctx.open()?.import_institutions(&text)?
        }
    };
    if ctx.json {
        ctx.print_json(&out)?;
    } else {
        for i in out {
            println!(
                "{}  {}  {}  {}{}",
                i.id,
                i.name,
                i.region.code,
                if i.designated { ctx.t("定点", "designated") } else { ctx.t("非定点", "not designated") },
                if i.networked { ctx.t("，已联网", ", networked") } else { "" }
            );
        }
    }
    Ok(Outcome::Ok)
}
