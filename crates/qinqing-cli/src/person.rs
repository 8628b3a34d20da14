//! The register: persons, and resident-ID checks.

use super::*;
use qinqing_core::app::person_data::Erased;

pub(crate) fn person(ctx: &Ctx, cmd: PersonCmd) -> Result<Outcome, Error> {
    let shown: Person = match cmd {
        PersonCmd::Add(a) => {
            let p: Person = ctx.call(Call::PersonAdd(PersonInput {
                name: a.name,
                resident_id: a.id,
                insurance: a.insurance,
                region: a.region,
                status: a.status,
                balance_fen: a.balance,
                balance_yuan: None,
                disabled: a.disabled,
                voucher_activated: a.voucher_activated,
            }))?;
            if ctx.json {
                ctx.print_json(&p)?;
            } else {
                println!("{}", p.id);
            }
            return Ok(Outcome::Ok);
        }
        PersonCmd::Edit(e) => ctx.call(Call::PersonEdit {
            id: e.pid,
            edit: PersonEdit {
                name: e.name,
                insurance: e.insurance,
                region: e.region,
                status: e.status,
                balance_fen: e.balance,
                disabled: e.disabled,
                ..Default::default()
            },
        })?,
        PersonCmd::Activate { pid } => ctx.call(Call::VoucherActivate { id: pid })?,
        PersonCmd::SetPayPassword { pid } => {
            let lines = stdin_lines(2)?;
            let mut q = ctx.open()?;
            q.set_pay_password(pid, &lines[0], &lines[1])?;
            q.get_person(pid)?
        }
        PersonCmd::SetStatus { pid, status } => ctx.call(Call::PersonSetStatus { id: pid, status })?,
        PersonCmd::SetBalance { pid, fen } => ctx.open()?.set_balance(pid, fen)?,
        PersonCmd::Show { pid } => ctx.call(Call::PersonGet { id: pid })?,
        PersonCmd::VerifyFace { pid, staff } => ctx.open()?.verify_face_in_person(pid, staff)?,
        PersonCmd::RealNameCheck { pid, staff } => ctx.call(Call::PersonRealNameCheck { id: pid, staff })?,
        PersonCmd::Export { pid, out } => return person_export(ctx, pid, &out),
        PersonCmd::Erase { pid, reason } => {
            let e: Erased = ctx.call(Call::PersonErase { id: pid, reason })?;
            if ctx.json {
                ctx.print_json(&e)?;
            } else if e.already {
                println!(
                    "{}",
                    ctx.t(
                        &format!("{} 已于 {} 删除过，未作更改。", e.pseudonym, e.erased_at),
                        &format!("{} was erased before ({}); nothing changed.", e.pseudonym, e.erased_at)
                    )
                );
            } else {
                println!(
                    "{}",
                    ctx.t(
                        &format!(
                            "已删除：现记为 {}；删除材料 {} 份，解除配对电脑 {} 台，删除消息 {} 条。金额记录保留不变。",
                            e.pseudonym, e.documents_removed, e.devices_unpaired, e.messages_removed
                        ),
                        &format!(
                            "Erased: now recorded as {}; {} document(s) removed, {} computer(s) unpaired, {} message(s) removed. Every amount is kept.",
                            e.pseudonym, e.documents_removed, e.devices_unpaired, e.messages_removed
                        ),
                    )
                );
            }
            return Ok(Outcome::Ok);
        }
        PersonCmd::List { name } => {
            let list: Vec<Person> = ctx.call(Call::PersonList(PersonQuery { name }))?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                print_table(ctx, &list);
            }
            return Ok(Outcome::Ok);
        }
    };
    if ctx.json {
        ctx.print_json(&shown)?;
    } else {
        print_person(ctx, &shown);
    }
    Ok(Outcome::Ok)
}

/// `person export ID --out DIR`: on a local ledger written by the core; with
/// --server the bundle comes over the service interface and is written here
/// the same way (the folder is checked first, so a bad one costs no export).
fn person_export(ctx: &Ctx, pid: i64, out: &std::path::Path) -> Result<Outcome, Error> {
    let w = if ctx.server.is_some() {
        qinqing_core::app::person_data::check_export_dir(out)?;
        let bundle: qinqing_core::app::person_data::PersonExport = ctx.call(Call::PersonExport { id: pid })?;
        qinqing_core::app::person_data::write_export(&bundle, out)?
    } else {
        ctx.open()?.export_person_to(pid, out)?
    };
    if ctx.json {
        ctx.print_json(&w)?;
    } else {
        println!(
            "{}",
            ctx.t(
                &format!("已导出到 {}：{} 份材料，共 {} 个文件（仅本人可读）。", w.dir, w.documents, w.files.len()),
                &format!("Exported to {}: {} document(s), {} file(s) in all (readable by you only).", w.dir, w.documents, w.files.len())
            )
        );
    }
    Ok(Outcome::Ok)
}

pub(crate) fn labels(ctx: &Ctx, p: &Person) -> [String; 4] {
    use qinqing_core::id::Gender;
    use qinqing_core::{Insurance, Status};
    let en = ctx.en();
    let gender = match (p.gender, en) {
        (Gender::Male, false) => "男",
        (Gender::Female, false) => "女",
        (Gender::Male, true) => "male",
        (Gender::Female, true) => "female",
    };
    let ins = match (p.insurance, en) {
        (Insurance::Employee, false) => "职工医保",
        (Insurance::Resident, false) => "城乡居民医保",
        (Insurance::Employee, true) => "employee",
        (Insurance::Resident, true) => "resident",
    };
    let status = match (p.status, en) {
        (Status::Active, false) => "正常",
        (Status::Suspended, false) => "暂停",
        (Status::Lapsed, false) => "中断",
        (s, true) => s.as_str(),
    };
    let voucher = match (p.voucher_activated, en) {
        (true, false) => "已激活",
        (false, false) => "未激活",
        (true, true) => "activated",
        (false, true) => "not activated",
    };
    [gender.into(), ins.into(), status.into(), voucher.into()]
}

pub(crate) fn print_person(ctx: &Ctx, p: &Person) {
    let [gender, ins, status, voucher] = labels(ctx, p);
    let region = if ctx.en() { &p.region.province_en } else { &p.region.province_zh };
    let rows: [(&str, &str, String); 10] = [
        ("编号", "id", p.id.to_string()),
        ("姓名", "name", p.name.clone()),
        ("身份证号", "resident ID", p.resident_id.clone().unwrap_or_else(|| p.resident_id_masked.clone())),
        ("出生日期", "born", p.birth_date.clone()),
        ("性别/年龄", "gender/age", format!("{gender} / {}", p.age)),
        ("险种", "insurance", ins),
        ("参保地", "region", format!("{} {}", p.region.code, region)),
        ("状态", "status", status),
        ("个人账户", "balance", p.balance_display.clone()),
        ("电子凭证", "e-voucher", voucher),
    ];
    for (zh, en, v) in rows {
        let label = if ctx.en() { en } else { zh };
        println!("{}{}  {}", label, " ".repeat(12usize.saturating_sub(label.width())), v);
    }
}

pub(crate) fn print_table(ctx: &Ctx, list: &[Person]) {
    let head: Vec<&str> = if ctx.en() {
        vec!["id", "name", "resident ID", "gender", "age", "insurance", "region", "status", "balance", "e-voucher"]
    } else {
        vec!["编号", "姓名", "身份证号", "性别", "年龄", "险种", "参保地", "状态", "个人账户", "电子凭证"]
    };
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    for p in list {
        let [gender, ins, status, voucher] = labels(ctx, p);
        rows.push(vec![
            p.id.to_string(),
            p.name.clone(),
            p.resident_id_masked.clone(),
            gender,
            p.age.to_string(),
            ins,
            p.region.code.clone(),
            status,
            p.balance_display.clone(),
            voucher,
        ]);
    }
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols).map(|c| rows.iter().map(|r| r[c].width()).max().unwrap_or(0)).collect();
    let out = io::stdout();
    let mut w = out.lock();
    for r in rows {
        let line: Vec<String> = r.iter().enumerate().map(|(i, cell)| format!("{}{}", cell, " ".repeat(widths[i] - cell.width()))).collect();
        if let Err(e) = writeln!(w, "{}", line.join("  ").trim_end()) {
            io_fail(e);
            return;
        }
    }
}

pub(crate) fn id_check(ctx: &Ctx, ids: Vec<String>) -> Result<Outcome, Error> {
    let today = time::china_date(SystemClock.now());
    let out = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 16, out.lock());
    let mut all_valid = true;
    let mut first = true;
    let mut emit = |w: &mut BufWriter<io::StdoutLock<'_>>, r: IdCheck| -> io::Result<()> {
        all_valid &= r.is_valid();
        if ctx.json {
            w.write_all(if first { b"[\n" } else { b",\n" })?;
            first = false;
            serde_json::to_writer(&mut *w, &r)?;
        } else {
            match r {
                IdCheck::Valid { input, birth_date, gender, .. } => writeln!(w, "{input}\tvalid\t{birth_date}\t{}", gender.as_str())?,
                IdCheck::Invalid { input, code, message_zh, message_en } => {
                    writeln!(w, "{input}\tinvalid\t{}\t{}", code.as_str(), if ctx.en() { message_en } else { message_zh })?
                }
            }
        }
        Ok(())
    };
    let io_err = io_fail;
    if ids.len() == 1 && ids[0] == "-" {
        let stdin = io::stdin();
        for line in stdin.lock().lines() {
            let line = line.map_err(io_err)?;
            if line.trim().is_empty() {
                continue;
            }
            emit(&mut w, idcheck::check(&line, today)).map_err(io_err)?;
        }
    } else {
        for id in &ids {
            emit(&mut w, idcheck::check(id, today)).map_err(io_err)?;
        }
    }
    if ctx.json {
        w.write_all(if first { b"[]\n" } else { b"\n]\n" }).map_err(io_err)?;
    }
    w.flush().map_err(io_err)?;
    Ok(if all_valid { Outcome::Ok } else { Outcome::Refused })
}
