//! Yearly reports, the transaction record, and regional policy.

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

pub(crate) fn report_year(ctx: &Ctx, person: Option<i64>, family: Option<i64>, year: Option<i32>, csv: Option<PathBuf>) -> Result<Outcome, Error> {
    let year = match year {
        Some(y) => y,
        None => {
            let info: qinqing_core::service::Info = ctx.call(Call::Info)?;
            info.today_china.get(..4).and_then(|y| y.parse().ok()).ok_or_else(|| Error::internal("today's date"))?
        }
    };
    let (holder, only) = match (person, family) {
        (Some(p), _) => (p, Some(p)),
        (None, Some(h)) => (h, None),
        _ => return Err(Error::internal("clap requires --person or --family")),
    };
    let d = match only {
        Some(p) => ctx.call_value(Call::PersonDashboard { person: p, year })?,
        None => ctx.call_value(Call::Dashboard { holder, year })?,
    };
    if let Some(path) = csv {
        let query = qinqing_core::report::year_query(only, holder, year);
        if ctx.server.is_some() {
            let text: String = ctx.call(Call::TxCsv(query))?;
            qinqing_core::docstore::write_private_replace(&path, text.as_bytes())?;
        } else {
            ctx.open()?.tx_csv_save(&query, &path)?;
        }
    }
    if ctx.json {
        ctx.print_json(&d)?;
    } else {
        print_year(ctx, year, &view(&d)?);
    }
    Ok(Outcome::Ok)
}

pub(crate) fn tx(ctx: &Ctx, cmd: TxCmd) -> Result<Outcome, Error> {
    let TxCmd::List { member, family, from, to, scenario, institution, source, page, page_size, csv } = cmd;
    let query = TxQuery { member, family, from, to, scenario, institution, source, page: Some(page), page_size: Some(page_size) };
    if let Some(path) = csv {
        if ctx.server.is_some() {
            // The server answers the text; this computer writes the file.
            let text: String = ctx.call(Call::TxCsv(query.clone()))?;
            qinqing_core::docstore::write_private_replace(&path, text.as_bytes())?;
        } else {
            ctx.open()?.tx_csv_save(&query, &path)?;
        }
        if !ctx.json {
            println!("{}", path.display());
            return Ok(Outcome::Ok);
        }
    }
    let p: qinqing_core::report::TxPage = ctx.call(Call::TxList(query))?;
    if ctx.json {
        ctx.print_json(&p)?;
    } else {
        for r in &p.rows {
            println!("{}  #{}  {}  {}  {}  {}", r.date, r.id, r.member_name, r.institution, r.scenario, r.total_display);
        }
        if ctx.en() {
            println!("page {} · {} {} · {}", p.page, p.total_rows, if p.total_rows == 1 { "row" } else { "rows" }, p.sum_display);
        } else {
            println!("第 {} 页 · 共 {} 条 · {}", p.page, p.total_rows, p.sum_display);
        }
    }
    Ok(Outcome::Ok)
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
