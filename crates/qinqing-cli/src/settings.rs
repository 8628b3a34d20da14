//! What an administrator sets: the settings (ranges checked) and the pooled
//! fund's policy.

use super::*;

pub(crate) fn setting(ctx: &Ctx, cmd: SettingCmd) -> Result<Outcome, Error> {
    /// What the CLI prints of a setting.
    #[derive(serde::Deserialize)]
    struct SettingView {
        key: String,
        value: i64,
        unit: String,
        min: i64,
        max: i64,
        about_zh: String,
        about_en: String,
        /// A list setting's value as text (region prefixes); `value` is how many.
        #[serde(default)]
        text: Option<String>,
    }
    let v = match cmd {
        SettingCmd::List => ctx.call_value(Call::SettingList)?,
        SettingCmd::Get { key } => ctx.call_value(Call::SettingGet { key })?,
        SettingCmd::Set { key, value } => ctx.call_value(Call::SettingSet { key, value })?,
    };
    if ctx.json {
        ctx.print_json(&v)?;
    } else {
        let list: Vec<SettingView> = if v.is_array() { view(&v)? } else { vec![view(&v)?] };
        for v in list {
            let about = if ctx.en() { &v.about_en } else { &v.about_zh };
            match &v.text {
                Some(t) => println!("{:<32} {:>8}       [{}]  {about}", v.key, if t.is_empty() { "—" } else { t }, if ctx.en() { "list" } else { "列表" }),
                None => println!("{:<32} {:>8} {:<4} [{}–{}]  {about}", v.key, v.value, v.unit, v.min, v.max),
            }
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn fund(ctx: &Ctx, cmd: FundCmd) -> Result<Outcome, Error> {
    /// What the CLI prints of a fund policy.
    #[derive(serde::Deserialize)]
    struct FundView {
        region_prefix: String,
        scenario: String,
        insurance: String,
        deductible_fen: i64,
        ratio_pct: i64,
        ceiling_fen: Option<i64>,
    }
    if let FundCmd::Set { prefix, scenario, insurance, deductible, ratio, ceiling } = cmd {
        ctx.call_value(Call::FundPolicySet { prefix, scenario, insurance, deductible_fen: deductible, ratio_pct: ratio, ceiling_fen: ceiling })?;
    }
    let list = ctx.call_value(Call::FundPolicies)?;
    if ctx.json {
        ctx.print_json(&list)?;
    } else {
        for r in view::<Vec<FundView>>(&list)? {
            let prefix = if r.region_prefix.is_empty() { "*" } else { &r.region_prefix };
            let ceiling = r.ceiling_fen.map(qinqing_core::money::format_fen).unwrap_or_else(|| "-".into());
            println!(
                "{prefix:<6} {} {} {:>12} {:>3}% {:>14}",
                padded(scenario_word(ctx, &r.scenario), 16, ""),
                padded(ctx.word(&r.insurance), 14, ""),
                qinqing_core::money::format_fen(r.deductible_fen),
                r.ratio_pct,
                ceiling
            );
        }
    }
    Ok(Outcome::Ok)
}
