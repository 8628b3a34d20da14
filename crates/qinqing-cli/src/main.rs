//! `qinqing-cli`: the Qinqing ledger from the command line. Each subcommand is
//! a one-line call into `qinqing-core`; this file parses the command line and dispatches each command to its module.
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
mod credential;
mod family;
mod filing;
mod institution;
mod ledger;
mod person;
mod report;
mod settings;
mod staff;

use aid::*;
use args::*;
use counter::*;
use credential::*;
use family::*;
use filing::*;
use institution::*;
use ledger::*;
use person::*;
use report::*;
use settings::*;
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
            | Cmd::Op { .. }
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
                    | PersonCmd::Export { .. }
                    | PersonCmd::Erase { .. }
            )
    )
}

fn run(ctx: &Ctx, cmd: Cmd) -> Result<Outcome, Error> {
    if ctx.server.is_some() && !works_remotely(&cmd) {
        return Err(Error::remote_unsupported());
    }
    match cmd {
        Cmd::Info => info(ctx),
        Cmd::Op { name, args } => operation(ctx, &name, args.as_deref()),
        Cmd::Person(p) => person(ctx, p),
        Cmd::Id(IdCmd::Check { ids }) => id_check(ctx, ids),
        Cmd::Demo(DemoCmd::Seed { families, transactions, seed, force_demo }) => demo_seed(ctx, families, transactions, seed, force_demo),
        Cmd::Bind(b) => bind(ctx, b),
        Cmd::Init => init(ctx),
        Cmd::Key(KeyCmd::Export) => key_export(ctx),
        Cmd::Qr(c) => qr_cmd(ctx, c),
        Cmd::Backup { out, passphrase_stdin } => backup(ctx, out, passphrase_stdin),
        Cmd::Export { to } => export(ctx, to),
        Cmd::Restore { backup, passphrase_stdin } => restore(ctx, backup, passphrase_stdin),
        Cmd::Settle(a) => settle(ctx, a),
        Cmd::Stay(c) => stay(ctx, c),
        Cmd::Setting(c) => setting(ctx, c),
        Cmd::Fund(c) => fund(ctx, c),
        Cmd::Device(c) => device(ctx, c),
        Cmd::Denied { limit } => denied(ctx, limit),
        Cmd::Outbox(OutboxCmd::List { person }) => outbox_list(ctx, person),
        Cmd::Settlements { member, limit } => settlements(ctx, member, limit),
        Cmd::Aid(c) => aid_cmd(ctx, c),
        Cmd::Report(ReportCmd::Year { person, family, year, csv }) => report_year(ctx, person, family, year, csv),
        Cmd::Tx(c) => tx(ctx, c),
        Cmd::Premium(c) => premium(ctx, c),
        Cmd::Filing(c) => filing(ctx, c),
        Cmd::Terminal(c) => terminal(ctx, c),
        Cmd::Pairing(c) => pairing(ctx, c),
        Cmd::Pair { code, label, public_key } => pair(ctx, code, label, public_key),
        Cmd::Login { staff } => login(ctx, staff),
        Cmd::Logout => logout(ctx),
        Cmd::Institution(c) => institution(ctx, c),
        Cmd::Staff(c) => staff(ctx, c),
        Cmd::Doc(c) => doc(ctx, c),
        Cmd::Policy(c) => policy(ctx, c),
        Cmd::Audit(AuditCmd::List { person, since, limit }) => audit_list(ctx, person, since, limit),
    }
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

/// `op NAME --args JSON`: any declared operation (crates/qinqing-core/src/app/api.rs),
/// checked as the server checks a request (unknown fields refused).
fn operation(ctx: &Ctx, name: &str, args: Option<&str>) -> Result<Outcome, Error> {
    let text = match args {
        Some("-") => io::read_to_string(io::stdin()).map_err(io_fail)?,
        Some(t) => t.to_string(),
        None => String::new(),
    };
    let args: serde_json::Value =
        if text.trim().is_empty() { serde_json::Value::Null } else { serde_json::from_str(&text).map_err(|e| Error::request_malformed(&e.to_string()))? };
    let v = ctx.call_value(Call::from_args(name, args)?)?;
    ctx.print_json(&v)?;
    Ok(Outcome::Ok)
}
