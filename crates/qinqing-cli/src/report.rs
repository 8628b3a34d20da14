//! Yearly reports and regional policy.

use super::*;

/// What the CLI prints of a year's dashboard.
#[derive(serde::Deserialize)]
pub(crate) struct YearView {
    family: YearTotals,
    premiums_fen: i64,
    premiums_display: String,
    members: Vec<MemberYear>,
    anomalies: Vec<AnomalyView>,
}

#[derive(serde::Deserialize)]
pub(crate) struct YearTotals {
    total_display: String,
    bills: i64,
    fund: i64,
    own_account: i64,
    family_aid: i64,
    cash: i64,
}

#[derive(serde::Deserialize)]
pub(crate) struct MemberYear {
    name: String,
    year: MemberTotal,
}

#[derive(serde::Deserialize)]
pub(crate) struct MemberTotal {
    total_display: String,
}

#[derive(serde::Deserialize)]
pub(crate) struct AnomalyView {
    date: String,
    member_name: String,
    explain_zh: String,
    explain_en: String,
}

pub(crate) fn print_year(ctx: &Ctx, year: i32, d: &YearView) {
    let f = &d.family;
    if ctx.en() {
        println!("{year}: {}  ({} {})", f.total_display, f.bills, if f.bills == 1 { "bill" } else { "bills" });
    } else {
        println!("{year}年：{}（{} 笔）", f.total_display, f.bills);
    }
    for (k, v) in [("fund", f.fund), ("own_account", f.own_account), ("family_aid", f.family_aid), ("cash", f.cash)] {
        let (zh, en) = qinqing_core::report::source_label(k);
        let label = if ctx.en() { en } else { zh };
        println!("  {label:<14} {:>14}", qinqing_core::money::format_fen(v));
    }
    if d.premiums_fen > 0 {
        let (zh, en) = qinqing_core::report::source_label("premium");
        println!("  {:<14} {:>14}", if ctx.en() { en } else { zh }, d.premiums_display);
    }
    for m in &d.members {
        println!("  {}: {}", m.name, m.year.total_display);
    }
    for a in &d.anomalies {
        println!("  ! {} {} {}", a.date, a.member_name, if ctx.en() { &a.explain_en } else { &a.explain_zh });
    }
}

pub(crate) fn policy(ctx: &Ctx, cmd: PolicyCmd) -> Result<Outcome, Error> {
    /// What the CLI prints of a region's policy.
    #[derive(serde::Deserialize)]
    struct PolicyView {
        region_prefix: String,
        relations: Vec<String>,
        note: String,
        premium_max_relatives: i64,
    }
    if let PolicyCmd::Set { prefix, relations, note, premium_max } = cmd {
        ctx.call_value(Call::RegionPolicySet { prefix, relations, note, premium_max })?;
    }
    let list = ctx.call_value(Call::RegionPolicies)?;
    if ctx.json {
        ctx.print_json(&list)?;
    } else {
        for p in view::<Vec<PolicyView>>(&list)? {
            let prefix = if p.region_prefix.is_empty() { "*" } else { &p.region_prefix };
            let relations: Vec<&str> = p
                .relations
                .iter()
                .map(|r| match qinqing_core::policy::Relation::parse(r) {
                    Ok(rel) => ctx.t(rel.zh(), rel.en()),
                    Err(_) => r.as_str(),
                })
                .collect();
            println!("{prefix:<6}  {}  {}≤{}  {}", relations.join(ctx.t("、", ",")), ctx.t("代缴", "premiums for"), p.premium_max_relatives, p.note);
        }
    }
    Ok(Outcome::Ok)
}
