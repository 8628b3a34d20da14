//! `qinqing-cli`: the Qinqing ledger from the command line. Each subcommand is
//! a one-line call into `qinqing-core`; this file only parses and prints.
//!
//! Exit codes: 0 ok, 2 usage, 3 refused by a rule (or not found), 1 internal.

use clap::{Args, Parser, Subcommand};
use qinqing_core::api::Call;
use qinqing_core::audit::AuditQuery;
use qinqing_core::credential::{Session, TerminalKey};
use qinqing_core::idcheck::{self, IdCheck};
use qinqing_core::report::TxQuery;
use qinqing_core::settle::{AidQuery, SettleRequest, Settlement};
use qinqing_core::time::{Clock, SystemClock};
use qinqing_core::{db, time, BindingQuery, Error, Kind, Person, PersonEdit, PersonInput, PersonQuery, Qinqing};
use serde::Serialize;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

mod aid;
mod args;
mod counter;
mod family;
mod person;
mod report;
mod staff;

use aid::*;
use args::*;
use counter::*;
use family::*;
use person::*;
use report::*;
use staff::*;

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
    now: Option<String>,
    server: Option<String>,
    token: Option<String>,
    server_ca: Option<PathBuf>,
}

impl Ctx {
    fn en(&self) -> bool {
        self.lang == "en"
    }
    /// A human-readable line's words in the language of `--lang`.
    fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en() {
            en
        } else {
            zh
        }
    }
    /// A state or role word the ledger answers with (`active`, `revoked`,
    /// `admin` …) in the language of `--lang`; an unknown word as it is.
    fn word<'a>(&self, key: &'a str) -> &'a str {
        let zh = match key {
            "active" => "有效",
            "revoked" => "已撤销",
            "frozen" => "已冻结",
            "cancelled" => "已取消",
            "upcoming" => "未开始",
            "long_term_residence" => "异地长期居住",
            "work" => "异地工作",
            "temporary" => "临时外出就医",
            "ended" => "已结束",
            "paired" => "已配对",
            "kiosk" => "自助机",
            "admin" => "管理员",
            "staff" => "工作人员",
            "open" => "在院",
            "settled" => "已结算",
            "employee" => "职工医保",
            "resident" => "城乡居民医保",
            "discharged" => "已出院",
            _ => return key,
        };
        self.t(zh, key)
    }
    /// An existing database: a mistyped path is refused (DB_MISSING) and
    /// nothing is created. Only `init`, `demo seed` and `restore` create one.
    fn open(&self) -> Result<Qinqing, Error> {
        self.open_as(false)
    }
    fn open_or_create(&self) -> Result<Qinqing, Error> {
        self.open_as(true)
    }
    fn open_as(&self, create: bool) -> Result<Qinqing, Error> {
        let path = db::resolve_db_path(self.db.as_deref())?;
        let mut q = if create { Qinqing::open(&path)? } else { Qinqing::open_existing(&path)? };
        q.set_actor(qinqing_core::Actor::Operator);
        if let Some(now) = &self.now {
            let at = chrono::DateTime::parse_from_rfc3339(now).map_err(|_| Error::date_invalid(now))?;
            q.set_clock(std::sync::Arc::new(qinqing_core::time::FixedClock(at.with_timezone(&chrono::Utc))));
        }
        Ok(q)
    }
    /// One operation of the service interface: on the server with
    /// --server, else on the local ledger; both answer with the same JSON,
    /// read here into the same type.
    fn call<T: serde::de::DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        serde_json::from_value(self.call_value(call)?).map_err(|e| Error::internal(format!("answer: {e}")))
    }
    /// As [`Ctx::call`], the answer as the operation's JSON (logged with -v).
    fn call_value(&self, call: Call) -> Result<serde_json::Value, Error> {
        let (op, started) = (call.op(), std::time::Instant::now());
        let r = match &self.server {
            Some(_) => self.remote()?.call(&call),
            None => self.open()?.call(call),
        };
        let ms = format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0);
        match &r {
            Ok(_) => tracing::info!(op, ms, "done"),
            Err(e) => tracing::warn!(op, ms, code = e.code.as_str(), "refused"),
        }
        r
    }
    fn remote(&self) -> Result<qinqing_client::Remote, Error> {
        let url = self.server.as_deref().ok_or_else(Error::remote_unsupported)?;
        qinqing_client::Remote::new(url, self.token.clone(), self.server_ca.as_deref())
    }
    fn print_json<T: Serialize>(&self, v: &T) -> Result<(), Error> {
        let out = io::stdout();
        let mut w = out.lock();
        serde_json::to_writer_pretty(&mut w, v).map_err(|e| io_fail(e.into()))?;
        writeln!(w).map_err(io_fail)
    }
}

/// A progress bar for long work (seeding, moving a ledger), with a rate and
/// an estimate — on a terminal only, and never with --json.
fn progress_bar(ctx: &Ctx) -> Option<qinqing_core::service::Progress> {
    if ctx.json || !std::io::IsTerminal::is_terminal(&io::stderr()) {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:12} [{bar:30}] {pos}/{len}  {per_sec}  eta {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(Box::new(move |what: &str, done: u64, total: u64| {
        bar.set_length(total);
        bar.set_message(what.to_string());
        bar.set_position(done);
        if done >= total {
            bar.finish_and_clear();
        }
    }))
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
    // The command's name ("person add") for the log: from clap's matches,
    // never from its arguments (they may be a name or an ID).
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m).map(|c| (c, command_name(&m))));
    let (cli, command) = match parsed {
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
    if cli.verbose {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&io::stderr()))
            .with_writer(io::stderr)
            .try_init();
    }
    #[cfg(debug_assertions)]
    let now = cli.now.clone();
    #[cfg(not(debug_assertions))]
    let now = None;
    // An explicit --db means a local ledger: a QINQING_SERVER in the
    // environment does not apply to it; --db and --server together are a
    // mistake.
    let server_flag = std::env::args().any(|a| a == "--server" || a.starts_with("--server="));
    let mut server = cli.server.clone().filter(|s| !s.trim().is_empty());
    if cli.db.is_some() && server.is_some() {
        if server_flag {
            let msg = "--db（本机账本）和 --server（服务中心）只能选一个 / give --db (a ledger on this computer) or --server (a service centre), not both";
            if wants_json {
                eprintln!("{}", serde_json::json!({ "error": { "code": "USAGE", "message": msg } }));
            } else {
                eprintln!("error: {msg}");
            }
            return ExitCode::from(2);
        }
        server = None;
    }
    let ctx = Ctx {
        json: cli.json,
        lang: cli.lang.clone(),
        db: cli.db.clone(),
        now,
        server,
        token: cli.token.clone().filter(|s| !s.trim().is_empty()),
        server_ca: cli.server_ca.clone(),
    };
    // One line per command with -v (whatever it did: the operations it
    // called are logged by `Ctx::call_value` too): its name, duration and,
    // when refused, the code.
    let started = std::time::Instant::now();
    let result = run(&ctx, cli.cmd);
    let ms = format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0);
    match &result {
        Ok(Outcome::Ok) => tracing::info!(command, ms, "command done"),
        Ok(Outcome::Refused) => tracing::warn!(command, ms, "command found something invalid"),
        Err(e) if matches!(e.kind, Kind::Internal) => tracing::error!(command, ms, code = e.code.as_str(), "command failed"),
        Err(e) => tracing::warn!(command, ms, code = e.code.as_str(), "command refused"),
    }
    match result {
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

/// The subcommands given, as typed ("person add", "demo seed").
fn command_name(m: &clap::ArgMatches) -> String {
    let mut parts = Vec::new();
    let mut cur = m;
    while let Some((name, sub)) = cur.subcommand() {
        parts.push(name);
        cur = sub;
    }
    parts.join(" ")
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

/// The commands that also work through a service centre's server (the
/// rest are refused with --server, REMOTE_UNSUPPORTED, never run locally).
fn works_remotely(cmd: &Cmd) -> bool {
    matches!(
        cmd,
        Cmd::Info
            | Cmd::Settle(_)
            | Cmd::Institution(InstitutionCmd::Add { .. } | InstitutionCmd::List)
            | Cmd::Terminal(_)
            | Cmd::Pairing(_)
            | Cmd::Pair { .. }
            | Cmd::Login { .. }
            | Cmd::Logout
            | Cmd::Filing(_)
            | Cmd::Tx(_)
            | Cmd::Premium(_)
            | Cmd::Bind(_)
            | Cmd::Doc(_)
            | Cmd::Setting(_)
            | Cmd::Report(_)
            | Cmd::Policy(_)
            | Cmd::Fund(_)
            | Cmd::Key(_)
            | Cmd::Id(_)
            | Cmd::Denied { .. }
            | Cmd::Outbox(_)
            | Cmd::Settlements { .. }
            | Cmd::Qr(_)
            | Cmd::Stay(_)
            | Cmd::Staff(_)
            | Cmd::Aid(_)
            | Cmd::Audit(_)
            | Cmd::Person(
                PersonCmd::Add(_)
                    | PersonCmd::Edit(_)
                    | PersonCmd::Activate { .. }
                    | PersonCmd::SetStatus { .. }
                    | PersonCmd::Show { .. }
                    | PersonCmd::List { .. }
            )
    )
}

fn run(ctx: &Ctx, cmd: Cmd) -> Result<Outcome, Error> {
    if ctx.server.is_some() && !works_remotely(&cmd) {
        return Err(Error::remote_unsupported());
    }
    match cmd {
        Cmd::Info => {
            let info: qinqing_core::service::Info = ctx.call(Call::Info)?;
            if ctx.json {
                ctx.print_json(&info)?;
            } else {
                println!("qinqing {}", info.app_version);
                let rows = [
                    (ctx.t("数据库", "database"), info.db_path.clone()),
                    (ctx.t("数据库版本", "schema version"), format!("{} ({} {})", info.schema_version, ctx.t("最新", "latest"), info.latest_schema_version)),
                    (ctx.t("日志模式", "journal mode"), info.journal_mode.clone()),
                    (ctx.t("SQLite 版本", "sqlite"), info.sqlite_version.clone()),
                    (ctx.t("人员", "persons"), info.persons.to_string()),
                    (ctx.t("今天（北京时间）", "today (China)"), info.today_china.clone()),
                ];
                for (label, value) in rows {
                    println!("{}", padded(label, 16, &value));
                }
            }
        }
        Cmd::Person(p) => return person(ctx, p),
        Cmd::Id(IdCmd::Check { ids }) => return id_check(ctx, ids),
        Cmd::Demo(DemoCmd::Seed { families, transactions, seed }) => {
            let mut q = ctx.open_or_create()?;
            q.set_progress(progress_bar(ctx));
            let r = q.demo_seed()?;
            if let Some(f) = families {
                let big = q.seed_ledger(f, transactions, seed)?;
                if ctx.json {
                    ctx.print_json(&serde_json::json!({ "demo": r, "ledger": big }))?;
                } else {
                    if ctx.en() {
                        println!(
                            "ledger: {} families ({} people), {} settlements; first holder #{}",
                            big.families, big.persons, big.settlements, big.first_holder
                        );
                    } else {
                        println!("账本：{} 户（{} 人），{} 笔结算；第一户户主 #{}", big.families, big.persons, big.settlements, big.first_holder);
                    }
                }
                return Ok(Outcome::Ok);
            }
            if ctx.json {
                ctx.print_json(&r)?;
            } else if ctx.en() {
                println!("demo family: {} added, {} already present", r.created.len(), r.already_present);
                if r.staff_created {
                    println!("demo staff: {} / password {}", qinqing_core::demo::DEMO_STAFF_NAME, qinqing_core::demo::DEMO_STAFF_PASSWORD);
                }
                if r.bindings_created > 0 {
                    println!("family account: {} bindings (active, awaiting review, draft)", r.bindings_created);
                }
            } else {
                println!("示例家庭：新增 {} 人，已存在 {} 人", r.created.len(), r.already_present);
                if r.staff_created {
                    println!("示例工作人员：{}，密码 {}", qinqing_core::demo::DEMO_STAFF_NAME, qinqing_core::demo::DEMO_STAFF_PASSWORD);
                }
                if r.bindings_created > 0 {
                    println!("亲情账户：{} 条绑定（已绑定、待审核、草稿各一）", r.bindings_created);
                }
            }
        }
        Cmd::Bind(b) => return bind(ctx, b),
        Cmd::Init => {
            let q = ctx.open_or_create()?;
            let pk = q.public_key_hex()?;
            let info = q.info()?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "db_path": info.db_path, "schema_version": info.schema_version, "public_key": pk }))?;
            } else {
                println!("{}\n{}: {pk}", info.db_path, ctx.t("公钥", "public key"));
            }
        }
        Cmd::Key(KeyCmd::Export) => {
            let v = ctx.call_value(Call::PublicKey)?;
            if ctx.json {
                ctx.print_json(&v)?;
            } else {
                println!("{}", v["public_key"].as_str().unwrap_or_default());
            }
        }
        Cmd::Qr(c) => return qr_cmd(ctx, c),
        Cmd::Backup { out } => {
            let mut q = ctx.open()?;
            q.set_progress(progress_bar(ctx));
            q.backup_to(&out)?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "backup": out.display().to_string() }))?;
            } else {
                println!("{}", out.display());
            }
        }
        Cmd::Export { to } => {
            let mut q = ctx.open()?;
            q.set_progress(progress_bar(ctx));
            let r = q.export_to(&to)?;
            if ctx.json {
                ctx.print_json(&r)?;
            } else {
                for t in &r.tables {
                    println!("{:<20} {:>9}", t.table, t.rows);
                }
                if ctx.en() {
                    println!(
                        "{} rows, {} documents ({} files, {} bytes) → {} (checked: counts, sums, file hashes)",
                        r.rows, r.documents, r.files, r.file_bytes, r.target
                    );
                } else {
                    println!(
                        "{} 行，{} 份材料（{} 个文件，{} 字节）→ {}（已核对：行数、金额合计、文件哈希）",
                        r.rows, r.documents, r.files, r.file_bytes, r.target
                    );
                }
            }
        }
        Cmd::Restore { backup } => {
            // The backup is checked before the target database is made: a
            // mistyped backup path creates nothing.
            qinqing_core::kiosk::check_backup(&backup)?;
            let mut q = ctx.open_or_create()?;
            q.set_progress(progress_bar(ctx));
            q.restore_from(&backup)?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "restored_from": backup.display().to_string() }))?;
            } else {
                if ctx.en() {
                    println!("restored from {}", backup.display());
                } else {
                    println!("已从备份恢复：{}", backup.display());
                }
            }
        }
        Cmd::Settle(a) => {
            let s: Settlement = ctx.call(Call::Settle(SettleRequest {
                token: a.code,
                institution: a.institution,
                scenario: a.scenario,
                total_fen: a.total,
                total_yuan: None,
                bill_id: a.bill,
                emergency: a.emergency,
                stay: a.stay,
                pay_password: if a.pay_password_stdin { Some(stdin_lines(1)?.remove(0)) } else { None },
            }))?;
            print_settlement(ctx, &s)?;
        }
        Cmd::Stay(c) => match c {
            StayCmd::Admit { code: token, institution, admission, emergency, pay_password_stdin, id_face_checked } => {
                let pay_password = if pay_password_stdin { Some(stdin_lines(1)?.remove(0)) } else { None };
                let s: qinqing_core::settle::Stay = ctx.call(Call::Admit(qinqing_core::settle::AdmitRequest {
                    token,
                    institution,
                    admission_no: admission,
                    emergency,
                    pay_password,
                    id_face_checked,
                }))?;
                print_stays(ctx, &[s])?;
            }
            StayCmd::Discharge { stay, institution, total, bill } => {
                let s: Settlement = ctx.call(Call::Settle(SettleRequest {
                    institution,
                    scenario: "inpatient".into(),
                    total_fen: total,
                    bill_id: bill,
                    stay: Some(stay),
                    ..Default::default()
                }))?;
                print_settlement(ctx, &s)?;
            }
            StayCmd::List { institution, member, open } => {
                let list: Vec<qinqing_core::settle::Stay> = ctx.call(Call::StayList { institution, member, open })?;
                print_stays(ctx, &list)?
            }
        },
        Cmd::Setting(c) => {
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
            }
            let v = match c {
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
                    println!("{:<32} {:>8} {:<4} [{}–{}]  {about}", v.key, v.value, v.unit, v.min, v.max);
                }
            }
        }
        Cmd::Fund(c) => {
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
            if let FundCmd::Set { prefix, scenario, insurance, deductible, ratio, ceiling } = c {
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
        }
        Cmd::Device(c) => {
            use qinqing_core::installation::Installation;
            let mut q = ctx.open()?;
            let i = match c {
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
        }
        Cmd::Denied { limit } => {
            let list: Vec<qinqing_core::authz::Denied> = ctx.call(Call::DeniedList { limit })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for d in list {
                    println!("{}  {:<24} {:<14} {}", d.at_local, d.actor, d.code, d.act);
                }
            }
        }
        Cmd::Outbox(OutboxCmd::List { person }) => {
            let list: Vec<qinqing_core::binding::Message> = ctx.call(Call::Outbox { person })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for m in list {
                    println!("{}  {}", m.created_at_local, if ctx.en() { &m.body_en } else { &m.body_zh });
                }
            }
        }
        Cmd::Settlements { member, limit } => {
            let list: Vec<Settlement> = ctx.call(Call::SettlementList { member, limit })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for s in &list {
                    print_settlement(ctx, s)?;
                }
            }
        }
        Cmd::Aid(c) => return aid_cmd(ctx, c),
        Cmd::Report(ReportCmd::Year { person, family, year, csv }) => {
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
        }
        Cmd::Tx(TxCmd::List { member, family, from, to, scenario, institution, source, page, page_size, csv }) => {
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
        }
        Cmd::Premium(c) => {
            use qinqing_core::premium::{PremiumCheck, PremiumRequest, Receipt, Tier};
            let request = |payer: i64, beneficiary: i64, tier: String, region: Option<String>, year: i64| -> Result<PremiumRequest, Error> {
                let region = match region {
                    Some(r) => r,
                    None => ctx.call::<Person>(Call::PersonGet { id: beneficiary })?.region.code,
                };
                Ok(PremiumRequest { payer, beneficiary, region, year, tier })
            };
            match c {
                PremiumCmd::Pay { payer, beneficiary, amount: Some(amount), year, .. } => {
                    let r = ctx.call_value(Call::PremiumPayAmount { payer, beneficiary, amount_fen: amount, year })?;
                    if ctx.json {
                        ctx.print_json(&r)?;
                    } else {
                        println!("{}", r["id"]);
                    }
                }
                PremiumCmd::Pay { payer, beneficiary, tier: Some(tier), region, year, .. } => {
                    let r: Receipt = ctx.call(Call::PremiumPay(request(payer, beneficiary, tier, region, year)?))?;
                    if ctx.json {
                        ctx.print_json(&r)?;
                    } else {
                        print_receipt(&r);
                    }
                }
                PremiumCmd::Pay { .. } => return Err(Error::internal("clap requires --tier or --amount")),
                PremiumCmd::Check { payer, beneficiary, tier, region, year } => {
                    let c: PremiumCheck = ctx.call(Call::PremiumCheck(request(payer, beneficiary, tier, region, year)?))?;
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
        }
        Cmd::Filing(c) => {
            let out: Vec<qinqing_core::settle::Filing> = match c {
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
        }
        Cmd::Terminal(c) => {
            let out: Vec<TerminalKey> = match c {
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
                    let line =
                        format!("{:>4}  {} {:<5} {}", t.id, ctx.t("机构", "institution"), t.institution_id, padded(state, 8, t.label.as_deref().unwrap_or("")));
                    println!("{}", line.trim_end());
                    if let Some(k) = &t.key {
                        println!("{}: {k}", ctx.t("密钥（只显示这一次）", "key (shown once)"));
                    }
                }
            }
        }
        Cmd::Pairing(c) => {
            let out: Vec<qinqing_core::credential::Device> = match c {
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
                        println!("pairing code for {} (#{}): {}  (valid until {} UTC, once)", p.holder_name_masked, p.holder, p.code, p.expires_at);
                    } else {
                        println!("{}（#{}）的配对码：{}（{} UTC 前有效，只能用一次）", p.holder_name_masked, p.holder, p.code, p.expires_at);
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
        }
        Cmd::Pair { code, label, public_key } => {
            let d: qinqing_core::credential::Device = match &ctx.server {
                Some(_) => serde_json::from_value(ctx.remote()?.pair(&code, label.as_deref(), public_key.as_deref())?)
                    .map_err(|e| Error::internal(format!("answer: {e}")))?,
                None => ctx.open()?.pair(&code, label.as_deref(), public_key.as_deref())?,
            };
            if ctx.json {
                ctx.print_json(&d)?;
            } else {
                println!("{}", d.token.as_deref().unwrap_or_default());
            }
        }
        Cmd::Login { staff } => {
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
        }
        Cmd::Logout => {
            ctx.remote()?.logout()?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "logged_out": true }))?;
            } else {
                println!("{}", ctx.t("已退出登录", "logged out"));
            }
        }
        Cmd::Institution(c) => {
            let out: Vec<qinqing_core::settle::Institution> = match c {
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
        }
        Cmd::Staff(c) => return staff(ctx, c),
        Cmd::Doc(c) => return doc(ctx, c),
        Cmd::Policy(c) => return policy(ctx, c),
        Cmd::Audit(AuditCmd::List { person, since, limit }) => {
            let entries: Vec<qinqing_core::audit::AuditEntry> = ctx.call(Call::AuditList(AuditQuery { person_id: person, since, limit: Some(limit) }))?;
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

/// A scenario's name in the language of `--lang`.
fn scenario_word<'a>(ctx: &Ctx, key: &'a str) -> &'a str {
    let (zh, en) = qinqing_core::report::scenario_label(key);
    if zh == "其他" {
        key
    } else {
        ctx.t(zh, en)
    }
}

/// `label` padded to `width` display columns (a Chinese character takes
/// two), then `value` after a space when there is one.
fn padded(label: &str, width: usize, value: &str) -> String {
    let pad = " ".repeat(width.saturating_sub(label.width()));
    if value.is_empty() {
        format!("{label}{pad}")
    } else {
        format!("{label}{pad} {value}")
    }
}

fn view<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<T, Error> {
    T::deserialize(v).map_err(|e| Error::internal(format!("answer: {e}")))
}

/// The first `n` lines of stdin (secrets are never arguments: they would show in `ps`).
fn stdin_lines(n: usize) -> Result<Vec<String>, Error> {
    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();
    (0..n).map(|_| lines.next().transpose().map_err(io_fail).map(|l| l.unwrap_or_default().trim_end_matches('\r').to_string())).collect()
}
