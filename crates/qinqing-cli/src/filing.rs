//! 异地就医备案: cross-region treatment filings.

use super::*;

pub(crate) fn filing(ctx: &Ctx, cmd: FilingCmd) -> Result<Outcome, Error> {
    let out: Vec<qinqing_core::settle::Filing> = match cmd {
        FilingCmd::Add { person, region, reason, from, to } => {
            vec![ctx.call(Call::FilingAdd(qinqing_core::settle::FilingRequest { person, region, reason, from, to }))?]
        }
        FilingCmd::List { person } => ctx.call(Call::FilingList { person })?,
        FilingCmd::Cancel { filing } => vec![ctx.call(Call::FilingCancel { id: filing })?],
    };
    if ctx.json {
        ctx.print_json(&out)?;
    } else {
        for f in out {
            println!(
                "{}  {} {}  {} {}  {}  {} … {}  {}",
                f.id,
                ctx.t("人员", "person"),
                f.person_id,
                f.region.code,
                f.region.pooling_name_zh,
                ctx.word(&f.reason),
                f.from_date,
                f.to_date,
                ctx.word(&f.state)
            );
        }
    }
    Ok(Outcome::Ok)
}
