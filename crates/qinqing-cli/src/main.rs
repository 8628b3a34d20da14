//! `qinqing-cli`: the Qinqing ledger from the command line. Each subcommand is
//! a one-line call into `qinqing-core`; this file only parses and prints.
//!
//! Exit codes: 0 ok, 2 usage, 3 refused by a rule (or not found), 1 internal.

use clap::{Args, Parser, Subcommand};
use qinqing_core::audit::AuditQuery;
use qinqing_core::idcheck::{self, IdCheck};
use qinqing_core::time::{Clock, SystemClock};
use qinqing_core::{db, time, Error, Kind, Person, PersonEdit, PersonInput, PersonQuery, Qinqing};
use serde::Serialize;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

#[derive(Parser, Debug)]
#[command(name = "qinqing-cli", version, about = "亲情医保 Qinqing — command-line access to the family insurance ledger")]
struct Cli {
    /// Database file (default: $QINQING_DB, else the app-data directory shared with the app).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout; errors as {"error":{…}} on stderr.
    #[arg(long, global = true)]
    json: bool,
    /// Language of messages and labels.
    #[arg(long, global = true, value_parser = ["zh", "en"], default_value = "zh")]
    lang: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Database path, schema version, counts.
    Info,
    /// The register of insured persons.
    #[command(subcommand)]
    Person(PersonCmd),
    /// Resident ID numbers.
    #[command(subcommand)]
    Id(IdCmd),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCmd),
    /// The audit trail (newest first).
    #[command(subcommand)]
    Audit(AuditCmd),
}

#[derive(Subcommand, Debug)]
enum PersonCmd {
    /// Register a person; prints the new id.
    Add(AddArgs),
    /// Change name, insurance, region, status or balance.
    Edit(EditArgs),
    /// Activate the person's e-voucher (医保电子凭证).
    Activate { pid: i64 },
    /// Set the insurance status: active | suspended | lapsed.
    SetStatus { pid: i64, status: String },
    /// Set the personal-account balance, in fen.
    SetBalance {
        pid: i64,
        #[arg(allow_negative_numbers = true)]
        fen: i64,
    },
    /// List the register (IDs masked).
    List {
        /// Only names containing this text.
        #[arg(long)]
        name: Option<String>,
    },
    /// One person in full.
    Show { pid: i64 },
}

#[derive(Args, Debug)]
struct AddArgs {
    #[arg(long)]
    name: String,
    /// The 18-character resident ID number.
    #[arg(long = "id", value_name = "ID")]
    id: String,
    /// employee | resident
    #[arg(long)]
    insurance: String,
    /// Insured region: 2-, 4- or 6-digit division code.
    #[arg(long)]
    region: String,
    /// Personal-account balance in fen.
    #[arg(long, allow_negative_numbers = true, value_name = "FEN")]
    balance: Option<i64>,
    /// active | suspended | lapsed (default active)
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    voucher_activated: bool,
}

#[derive(Args, Debug)]
struct EditArgs {
    pid: i64,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    insurance: Option<String>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long)]
    status: Option<String>,
    #[arg(long, allow_negative_numbers = true, value_name = "FEN")]
    balance: Option<i64>,
}

#[derive(Subcommand, Debug)]
enum IdCmd {
    /// Validate IDs given as arguments, or one per line from stdin with `-`.
    /// Exit 0 when all are valid, 3 when any is not.
    Check {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum DemoCmd {
    /// Add the demo family (idempotent).
    Seed,
}

#[derive(Subcommand, Debug)]
enum AuditCmd {
    List {
        #[arg(long)]
        person: Option<i64>,
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

/// How a finished command reports.
enum Outcome {
    Ok,
    /// Ran, but found something invalid (id check).
    Refused,
}

struct Ctx {
    json: bool,
    lang: String,
    db: Option<PathBuf>,
}

impl Ctx {
    fn en(&self) -> bool {
        self.lang == "en"
    }
    fn open(&self) -> Result<Qinqing, Error> {
        let path = db::resolve_db_path(self.db.as_deref())?;
        let mut q = Qinqing::open(&path)?;
        q.set_actor("cli");
        Ok(q)
    }
    fn print_json<T: Serialize>(&self, v: &T) -> Result<(), Error> {
        let out = io::stdout();
        let mut w = out.lock();
        serde_json::to_writer_pretty(&mut w, v).map_err(|e| io_fail(e.into()))?;
        writeln!(w).map_err(io_fail)
    }
}

/// Output failed. A closed pipe (`qinqing-cli … | head`) is the reader's
/// choice, not an error: stop quietly.
fn io_fail(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    Error::internal(e)
}

fn main() -> ExitCode {
    let wants_json = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if wants_json {
                let msg = e.render().to_string();
                let v = serde_json::json!({"error": {"code": "USAGE", "message": msg.trim()}});
                eprintln!("{v}");
            } else {
                let _ = e.print();
            }
            return ExitCode::from(2);
        }
    };
    let ctx = Ctx { json: cli.json, lang: cli.lang.clone(), db: cli.db.clone() };
    match run(&ctx, cli.cmd) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Refused) => ExitCode::from(3),
        Err(e) => {
            report_error(&ctx, &e);
            match e.kind {
                Kind::Refused | Kind::NotFound => ExitCode::from(3),
                Kind::Unavailable | Kind::Internal => ExitCode::from(1),
            }
        }
    }
}

fn report_error(ctx: &Ctx, e: &Error) {
    if ctx.json {
        let mut err = serde_json::to_value(e).unwrap_or_default();
        if let Some(obj) = err.as_object_mut() {
            obj.insert("message".into(), e.message(&ctx.lang).into());
        }
        eprintln!("{}", serde_json::json!({ "error": err }));
    } else {
        eprintln!("{} {}: {}", if ctx.en() { "error" } else { "错误" }, e.code.as_str(), e.message(&ctx.lang));
        for a in &e.also {
            eprintln!("  {}: {}", a.code.as_str(), a.message(&ctx.lang));
        }
    }
}

fn run(ctx: &Ctx, cmd: Cmd) -> Result<Outcome, Error> {
    match cmd {
        Cmd::Info => {
            let info = ctx.open()?.info()?;
            if ctx.json {
                ctx.print_json(&info)?;
            } else {
                println!("qinqing {}", info.app_version);
                println!("database:       {}", info.db_path);
                println!("schema version: {} (latest {})", info.schema_version, info.latest_schema_version);
                println!("journal mode:   {}", info.journal_mode);
                println!("sqlite:         {}", info.sqlite_version);
                println!("persons:        {}", info.persons);
                println!("today (China):  {}", info.today_china);
            }
        }
        Cmd::Person(p) => return person(ctx, p),
        Cmd::Id(IdCmd::Check { ids }) => return id_check(ctx, ids),
        Cmd::Demo(DemoCmd::Seed) => {
            let r = ctx.open()?.demo_seed()?;
            if ctx.json {
                ctx.print_json(&r)?;
            } else if ctx.en() {
                println!("demo family: {} added, {} already present", r.created.len(), r.already_present);
            } else {
                println!("示例家庭：新增 {} 人，已存在 {} 人", r.created.len(), r.already_present);
            }
        }
        Cmd::Audit(AuditCmd::List { person, limit }) => {
            let entries = ctx.open()?.audit_list(&AuditQuery { person_id: person, limit: Some(limit) })?;
            if ctx.json {
                ctx.print_json(&entries)?;
            } else {
                for e in entries {
                    println!("{}  {:<8} {:<26} {}#{}", e.at_local, e.actor, e.action, e.entity, e.entity_id.unwrap_or(0));
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

fn person(ctx: &Ctx, cmd: PersonCmd) -> Result<Outcome, Error> {
    let mut q = ctx.open()?;
    let shown: Person = match cmd {
        PersonCmd::Add(a) => {
            let p = q.add_person(&PersonInput {
                name: a.name,
                resident_id: a.id,
                insurance: a.insurance,
                region: a.region,
                status: a.status,
                balance_fen: a.balance,
                balance_yuan: None,
                disabled: false,
                voucher_activated: a.voucher_activated,
            })?;
            if ctx.json {
                ctx.print_json(&p)?;
            } else {
                println!("{}", p.id);
            }
            return Ok(Outcome::Ok);
        }
        PersonCmd::Edit(e) => q.edit_person(
            e.pid,
            &PersonEdit {
                name: e.name,
                insurance: e.insurance,
                region: e.region,
                status: e.status,
                balance_fen: e.balance,
                ..Default::default()
            },
        )?,
        PersonCmd::Activate { pid } => q.activate_voucher(pid)?,
        PersonCmd::SetStatus { pid, status } => q.set_status(pid, &status)?,
        PersonCmd::SetBalance { pid, fen } => q.set_balance(pid, fen)?,
        PersonCmd::Show { pid } => q.get_person(pid)?,
        PersonCmd::List { name } => {
            let list = q.list_persons(&PersonQuery { name })?;
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

fn labels(ctx: &Ctx, p: &Person) -> [String; 4] {
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

fn print_person(ctx: &Ctx, p: &Person) {
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

fn print_table(ctx: &Ctx, list: &[Person]) {
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
        let line: Vec<String> =
            r.iter().enumerate().map(|(i, cell)| format!("{}{}", cell, " ".repeat(widths[i] - cell.width()))).collect();
        if let Err(e) = writeln!(w, "{}", line.join("  ").trim_end()) {
            io_fail(e);
            return;
        }
    }
}

fn id_check(ctx: &Ctx, ids: Vec<String>) -> Result<Outcome, Error> {
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
                IdCheck::Valid { input, birth_date, gender, .. } => {
                    writeln!(w, "{input}\tvalid\t{birth_date}\t{}", gender.as_str())?
                }
                IdCheck::Invalid { input, code, message_zh, message_en } => writeln!(
                    w,
                    "{input}\tinvalid\t{}\t{}",
                    code.as_str(),
                    if ctx.en() { message_en } else { message_zh }
                )?,
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
