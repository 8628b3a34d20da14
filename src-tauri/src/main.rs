//! The Qinqing desktop app: a Tauri shell over `qinqing-core`.
//! Every command is a one-line call into the domain library; no rule lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
// The window's commands are made by walking the list of every operation (mod ops).
#![recursion_limit = "512"]

mod connection;
mod logging;

use clap::Parser;
use qinqing_core::api::Call;
use qinqing_core::installation::Installation;
use qinqing_core::kiosk::{KioskState as KState, SharedKiosk};
use qinqing_core::report::TxQuery;
use qinqing_core::{db, region, Actor, Caller, Error, Qinqing, Result};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::State;

#[derive(Parser, Debug)]
#[command(name = "qinqing", version, about = "亲情医保 Qinqing — family medical-insurance manager")]
struct Args {
    /// Database file (default: $QINQING_DB, else the app-data directory).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Run as the service centre's kiosk: full screen, no decorations, one
    /// instance, leaving only with an administrator's password.
    #[arg(long)]
    kiosk: bool,
    /// Connect to a service centre's server (remembered for the next start):
    /// every screen then works through it. Without it, a server remembered
    /// earlier is used; with --db, this computer's own ledger.
    #[arg(long, value_name = "URL", conflicts_with = "db")]
    server: Option<String>,
    /// The certificate authority (PEM) of the server's certificate, if not a public one.
    #[arg(long, value_name = "FILE")]
    server_ca: Option<PathBuf>,
    /// Log level: error, warn, info, debug (or RUST_LOG). The log is
    /// logs/qinqing.log in the app's data directory.
    #[arg(long, default_value = "info")]
    log_level: String,
}

/// Everything the window's commands share: the ledger (or why it could not
/// be opened), whether this is a kiosk, and the staff / resident sessions.
/// The page never says who it is: every command works out its actor here, in
/// Rust, from the installation's role and the sessions (issue 15) — or, when
/// connected, the server does from this computer's credential.
struct AppState {
    ledger: std::result::Result<Mutex<Qinqing>, Error>,
    /// Connected mode: every call goes to the service centre's server.
    remote: Option<connection::Connected>,
    kiosk: bool,
    /// This window's staff / resident sessions (standalone; a connected
    /// kiosk's live on the server).
    sessions: SharedKiosk,
    exit_authorized: std::sync::atomic::AtomicBool,
}

/// Run a domain call as the current actor: at a kiosk, nobody / staff /
/// staff serving a resident (after the inactivity rules); elsewhere, the
/// installation's role. The window's sessions are attached for the
/// `kiosk_*` operations.
fn with<T>(s: &State<'_, AppState>, f: impl FnOnce(&mut Qinqing) -> Result<T>) -> Result<T> {
    let m = s.ledger.as_ref().map_err(Clone::clone)?;
    let mut q = m.lock().map_err(|_| Error::internal("app state lock poisoned"))?;
    // At a kiosk, whoever its sessions say; elsewhere the installation's
    // role (its `kiosk_*` calls still reach this window's sessions).
    let caller = if s.kiosk { Caller::kiosk(s.sessions.clone()) } else { Caller::actor(q.installation()?.actor()).with_sessions(s.sessions.clone()) };
    q.as_caller(&caller, f)
}

/// One operation of the service interface by name, with its arguments as
/// the server takes them (unknown fields are refused, as the server does):
/// on the server when connected, else on this computer's ledger.
fn operation(s: &State<'_, AppState>, op: &str, args: Value) -> Result<Value> {
    match Call::from_args(op, args) {
        Ok(c) => call(s, c),
        // A request the operation cannot take is logged like any refusal.
        Err(e) => logged(op, || Err(e)),
    }
}

/// The window's command for every operation of the service interface, made
/// from its one declaration (`qinqing_core::for_each_operation!`): the
/// inlined plugin `ops`, invoked as `plugin:ops|<operation>` with `{ args }`,
/// each command with its own permission `ops:allow-<operation>` (build.rs;
/// the window's capability in tauri.conf.json grants the ones its screens use).
mod ops {
    use super::{operation, AppState, Result};
    use serde_json::Value;
    use tauri::State;

    // Every operation but those the window answers with its own command of
    // the same name, which adds what only the window has (its kiosk
    // sessions, the staff member logged in at it, an upload as raw bytes);
    // Tauri names a command once in an app.
    macro_rules! commands {
        (@keep [$($op:ident)*]) => {
            $(
                #[tauri::command]
                pub fn $op(s: State<'_, AppState>, args: Option<Value>) -> Result<Value> {
                    operation(&s, stringify!($op), args.unwrap_or(Value::Null))
                }
            )*

            pub fn plugin<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
                tauri::plugin::Builder::new("ops").invoke_handler(tauri::generate_handler![$($op),*]).build()
            }
        };
        (@keep [$($k:ident)*] kiosk_state $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] kiosk_touch $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] kiosk_login $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] kiosk_logout $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] kiosk_start_resident $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] kiosk_end_resident $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] kiosk_register $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] kiosk_exit $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] binding_face_staff $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] binding_approve $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] binding_reject $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] person_verify_face $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] document_upload $($rest:ident)*) => { commands!(@keep [$($k)*] $($rest)*); };
        (@keep [$($k:ident)*] $op:ident $($rest:ident)*) => { commands!(@keep [$($k)* $op] $($rest)*); };
        ($($all:ident)*) => { commands!(@keep [] $($all)*); };
    }
    qinqing_core::for_each_operation!(commands);
}

fn json<T: serde::Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::internal(format!("answer: {e}")))
}

/// One operation of the service interface: on the server when connected,
/// else on this computer's ledger as the current actor. Every data command
/// of the window is this one line.
fn call(s: &State<'_, AppState>, c: Call) -> Result<Value> {
    let (op, started) = (c.op(), std::time::Instant::now());
    let r = match &s.remote {
        Some(r) => r.call(&c),
        None => with(s, |q| q.call(c)),
    };
    logging::command(op, started, &r);
    r
}

/// A command that is not one call of the service interface (a file dialog,
/// pairing, a first run), logged as `call` logs: its name, its duration and
/// its code if refused — early refusals included.
fn logged<T>(op: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = std::time::Instant::now();
    let r = f();
    logging::command(op, started, &r);
    r
}

/// As [`logged`], for what the page asks every few seconds (the connection's
/// state): an answer is logged at debug level only, so the polls do not fill
/// the bounded log; a refusal is logged as always.
fn polled<T>(op: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = std::time::Instant::now();
    let r = f();
    match &r {
        Ok(_) => tracing::debug!(op, ms = format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0).as_str(), "done"),
        Err(_) => logging::command(op, started, &r),
    }
    r
}

/// A staff act, naming the staff member logged in at this window (never
/// one from the page); the ledger refuses any other.
fn call_staff(s: &State<'_, AppState>, c: impl FnOnce(i64) -> Call) -> Result<Value> {
    let k = call(s, Call::KioskState)?;
    match k["staff"]["id"].as_i64() {
        Some(staff) => call(s, c(staff)),
        None => logged(c(0).op(), || Err(Error::not_logged_in())),
    }
}

/// A kiosk operation: on this window's sessions, or on the server's for a
/// connected kiosk. A connected kiosk not yet registered says so
/// (`register`); a connected family computer has no sessions.
fn kiosk_op(s: &State<'_, AppState>, c: Call) -> Result<Value> {
    if let Some(r) = &s.remote {
        if !s.kiosk {
            return json(no_sessions());
        }
        if r.paired().is_none() {
            let mut v = json(no_sessions())?;
            v["register"] = Value::Bool(true);
            return Ok(v);
        }
    }
    call(s, c)
}

/// Staff log in at a kiosk, or at the review desk of the all-in-one demo; a
/// family's or a counter's installation has no staff.
fn staff_allowed(s: &State<'_, AppState>) -> Result<()> {
    if s.kiosk {
        return Ok(());
    }
    let m = s.ledger.as_ref().map_err(Clone::clone)?;
    let q = m.lock().map_err(|_| Error::internal("app state lock poisoned"))?;
    if q.installation()? == Installation::Demo {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

#[derive(serde::Serialize)]
struct Mode {
    kiosk: bool,
    /// `{"role": …}`: demo, household, terminal, unset — or, connected and
    /// not yet paired, `unpaired` (only the pairing screen).
    installation: Value,
    connection: Option<connection::ConnState>,
}

#[tauri::command]
fn app_mode(s: State<'_, AppState>) -> Result<Mode> {
    logged("app_mode", || app_mode_now(&s))
}

fn app_mode_now(s: &State<'_, AppState>) -> Result<Mode> {
    if let Some(c) = &s.remote {
        let installation = match c.paired() {
            Some(connection::Paired { holder: Some(holder), .. }) => json(Installation::Household { holder })?,
            Some(connection::Paired { institution: Some(institution), .. }) => json(Installation::Terminal { institution })?,
            _ => serde_json::json!({ "role": "unpaired" }),
        };
        return Ok(Mode { kiosk: s.kiosk, installation, connection: Some(c.state()) });
    }
    let installation = match s.ledger.as_ref() {
        Ok(m) => m.lock().map_err(|_| Error::internal("app state lock poisoned"))?.installation()?,
        Err(_) => Installation::Unset,
    };
    Ok(Mode { kiosk: s.kiosk, installation: json(installation)?, connection: None })
}

/// A fresh family installation's first run: the holder says who they are.
#[tauri::command]
fn setup_household(s: State<'_, AppState>, name: String, resident_id: String) -> Result<Installation> {
    logged("setup_household", || {
        if s.kiosk {
            return Err(Error::forbidden());
        }
        with(&s, |q| q.setup_household(&name, &resident_id))
    })
}

/// A connected family computer has no kiosk sessions: nobody is logged in.
fn no_sessions() -> KState {
    KState { first_run: false, staff: None, is_admin: false, resident: None, idle_secs: 0, warning_secs: 0, staff_session_secs: 0, ended: None }
}

#[tauri::command]
fn kiosk_state(s: State<'_, AppState>) -> Result<Value> {
    kiosk_op(&s, Call::KioskState)
}

#[tauri::command]
fn kiosk_touch(s: State<'_, AppState>) -> Result<Value> {
    kiosk_op(&s, Call::KioskTouch)
}

#[tauri::command]
fn kiosk_login(s: State<'_, AppState>, staff: i64, password: String) -> Result<Value> {
    if let Err(e) = staff_allowed(&s) {
        return logged("kiosk_login", || Err(e));
    }
    kiosk_op(&s, Call::KioskLogin { staff, password })
}

#[tauri::command]
fn kiosk_logout(s: State<'_, AppState>) -> Result<Value> {
    kiosk_op(&s, Call::KioskLogout)
}

/// First run of a standalone kiosk only: the page cannot reach this once
/// staff exist, and a family's or a counter's window never. (A centre's
/// server gets its first administrator from `qinqing-cli staff add`.)
#[tauri::command]
fn kiosk_first_admin(s: State<'_, AppState>, name: String, password: String, again: String) -> Result<Value> {
    logged("kiosk_first_admin", || {
        if !s.kiosk || s.remote.is_some() {
            return Err(Error::forbidden());
        }
        with(&s, |q| {
            let k = q.kiosk().ok_or_else(Error::forbidden)?;
            let mut k = k.lock().map_err(|_| Error::internal("kiosk lock poisoned"))?;
            json(k.first_admin(q, &name, &password, &again)?)
        })
    })
}

#[tauri::command]
fn kiosk_start_resident(s: State<'_, AppState>, resident_id: String, attested: bool) -> Result<Value> {
    kiosk_op(&s, Call::KioskStartResident { resident_id, attested })
}

#[tauri::command]
fn kiosk_end_resident(s: State<'_, AppState>) -> Result<Value> {
    kiosk_op(&s, Call::KioskEndResident)
}

#[tauri::command]
fn kiosk_add_staff(s: State<'_, AppState>, name: String, role: String, password: String, again: String) -> Result<Value> {
    call(&s, Call::StaffAdd { name, role, password, again })
}

/// A connected kiosk's first start: an administrator of the centre logs in
/// here once, and the server registers this kiosk (its key is kept like a
/// family computer's credential).
#[tauri::command]
fn kiosk_register(s: State<'_, AppState>, admin: i64, password: String, label: Option<String>) -> Result<Value> {
    logged("kiosk_register", || {
        let c = s.remote.as_ref().filter(|_| s.kiosk).ok_or_else(Error::forbidden)?;
        json(c.register_kiosk(admin, &password, label.as_deref())?)
    })
}

/// Leave kiosk mode: an administrator's password, then the app quits.
#[tauri::command]
fn kiosk_exit(app: tauri::AppHandle, s: State<'_, AppState>, admin: i64, password: String) -> Result<()> {
    kiosk_op(&s, Call::KioskExit { admin, password })?;
    s.exit_authorized.store(true, std::sync::atomic::Ordering::SeqCst);
    app.exit(0);
    Ok(())
}

/// A second kiosk launch hands over to the first: it connects to the first
/// instance's socket (which brings that window to the front) and quits.
#[cfg(target_os = "linux")]
fn single_instance(app: &tauri::AppHandle, db: &std::path::Path) -> bool {
    use std::os::unix::net::{UnixListener, UnixStream};
    let sock = db::kiosk_socket(db);
    if UnixStream::connect(&sock).is_ok() {
        return false;
    }
    let _ = std::fs::remove_file(&sock);
    let Ok(listener) = UnixListener::bind(&sock) else { return true };
    let handle = app.clone();
    std::thread::spawn(move || {
        for _conn in listener.incoming() {
            if let Some(w) = tauri::Manager::get_webview_window(&handle, "main") {
                let _ = w.unminimize();
                let _ = w.set_fullscreen(true);
                let _ = w.set_focus();
            }
        }
    });
    true
}

/// Elsewhere a socket is not how a desktop finds the first instance: on macOS
/// and Windows tauri-plugin-single-instance (registered for kiosks before
/// the window is made, see `main`) keeps a second launch from starting.
#[cfg(not(target_os = "linux"))]
fn single_instance(_app: &tauri::AppHandle, _db: &std::path::Path) -> bool {
    true
}

/// On macOS and Windows a kiosk is one instance through
/// tauri-plugin-single-instance: a second launch exits and brings the first
/// window to the front. (Linux keeps the socket of `single_instance`: the
/// plugin's Linux build needs a D-Bus session, which a kiosk may not have.)
fn with_single_instance(builder: tauri::Builder<tauri::Wry>, kiosk: bool) -> tauri::Builder<tauri::Wry> {
    #[cfg(any(windows, target_os = "macos"))]
    if kiosk {
        return builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = tauri::Manager::get_webview_window(app, "main") {
                let _ = w.unminimize();
                let _ = w.set_fullscreen(true);
                let _ = w.set_focus();
            }
        }));
    }
    let _ = kiosk;
    builder
}

#[tauri::command]
fn region_provinces() -> Result<Vec<(&'static str, &'static str, &'static str)>> {
    logged("region_provinces", || Ok(region::PROVINCES.to_vec()))
}

/// The logged-in staff member compared the member's face with the ID card.
#[tauri::command]
fn binding_face_staff(s: State<'_, AppState>, id: i64) -> Result<Value> {
    call_staff(&s, |staff| Call::BindingFaceStaff { id, staff })
}

#[tauri::command]
fn binding_approve(s: State<'_, AppState>, id: i64) -> Result<Value> {
    call_staff(&s, |staff| Call::BindingApprove { id, staff })
}

#[tauri::command]
fn binding_reject(s: State<'_, AppState>, id: i64, reason: String) -> Result<Value> {
    call_staff(&s, |staff| Call::BindingReject { id, staff, reason })
}

/// Yuan as typed ("1,200.50", "¥300") → fen, by the domain's one parser;
/// `None` for an empty field. The page converts nothing itself.
#[tauri::command]
fn amount_parse(text: String) -> Result<Option<i64>> {
    logged("amount_parse", || {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        qinqing_core::money::parse_yuan("amount", t).map(Some)
    })
}

/// What travels with an upload's raw bytes, in the `x-qinqing-upload`
/// header (base64 of this JSON, so any note text survives).
#[derive(serde::Deserialize)]
struct UploadMeta {
    person: i64,
    kind: String,
    #[serde(default)]
    note: String,
    binding: Option<i64>,
}

fn upload_meta(request: &tauri::ipc::Request<'_>) -> Result<UploadMeta> {
    use base64::Engine;
    let header = request.headers().get("x-qinqing-upload").ok_or_else(|| Error::internal("upload without metadata"))?;
    let json = base64::engine::general_purpose::STANDARD.decode(header.as_bytes()).map_err(|e| Error::internal(format!("upload metadata: {e}")))?;
    serde_json::from_slice(&json).map_err(|e| Error::internal(format!("upload metadata: {e}")))
}

/// A document's bytes into the ledger: read in place locally; as base64 in
/// the service interface's `document_upload` when connected.
fn upload(s: &State<'_, AppState>, m: UploadMeta, bytes: &[u8]) -> Result<Value> {
    if s.remote.is_some() {
        let data_base64 = qinqing_core::document::upload_bytes(bytes)?;
        return call(s, Call::DocumentUpload { person: m.person, kind: m.kind, note: m.note, binding: m.binding, data_base64 });
    }
    logged("document_upload", || with(s, |q| json(q.ingest_document(m.person, &m.kind, bytes, &m.note, m.binding)?)))
}

/// Bytes from the page (a file input): the body is the raw file.
#[tauri::command]
fn document_upload(s: State<'_, AppState>, request: tauri::ipc::Request<'_>) -> Result<Value> {
    let m = logged("document_upload", || upload_meta(&request))?;
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else { return logged("document_upload", || Err(Error::doc_empty())) };
    upload(&s, m, bytes)
}

/// The system's file dialog, opened from Rust: the chosen path never
/// crosses to the page. `None` when the person cancels.
#[tauri::command]
async fn document_pick(app: tauri::AppHandle, s: State<'_, AppState>, person: i64, kind: String, note: String, binding: Option<i64>) -> Result<Option<Value>> {
    use tauri_plugin_dialog::DialogExt;
    let picked = app.dialog().file().add_filter("照片或PDF / Photo or PDF", &["jpg", "jpeg", "png", "webp", "pdf"]).blocking_pick_file();
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else { return Ok(None) };
    if s.remote.is_none() {
        return logged("document_upload", || with(&s, |q| json(q.ingest_document_path(person, &kind, &path, &note, binding)?))).map(Some);
    }
    let data_base64 = logged("document_upload", || qinqing_core::document::upload_file(&path))?;
    call(&s, Call::DocumentUpload { person, kind, note, binding, data_base64 }).map(Some)
}

/// What an export wrote (the file's name only; the path stays in Rust).
#[derive(serde::Serialize)]
struct Exported {
    rows: usize,
    file_name: String,
}

/// Save the record as CSV: the save dialog is opened from Rust and the path
/// never crosses to the page. `None` when the person cancels.
#[tauri::command]
async fn tx_csv_export(app: tauri::AppHandle, s: State<'_, AppState>, query: TxQuery, suggested: String) -> Result<Option<Exported>> {
    use tauri_plugin_dialog::DialogExt;
    // Refused before the dialog opens if this record is not the asker's.
    call(&s, Call::TxList(TxQuery { page: Some(1), page_size: Some(1), ..query.clone() }))?;
    let name: String = suggested.chars().filter(|c| c.is_alphanumeric() || "-_.".contains(*c)).take(60).collect();
    let picked = app.dialog().file().add_filter("CSV", &["csv"]).set_file_name(if name.is_empty() { "qinqing.csv" } else { &name }).blocking_save_file();
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else { return Ok(None) };
    let rows = if s.remote.is_some() {
        let text: String = serde_json::from_value(call(&s, Call::TxCsv(query))?).map_err(|e| Error::internal(format!("answer: {e}")))?;
        logged("tx_csv_save", || std::fs::write(&path, &text).map_err(|e| Error::internal(format!("{}: {e}", path.display()))))?;
        text.lines().count().saturating_sub(1)
    } else {
        logged("tx_csv_save", || with(&s, |q| q.tx_csv_save(&query, &path)))?
    };
    Ok(Some(Exported { rows, file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default() }))
}

/// What a person export wrote (the new folder's name only; the path stays in Rust).
#[derive(serde::Serialize)]
struct PersonExported {
    folder: String,
    documents: usize,
    files: usize,
}

/// "Export my data" (issue 35): the folder dialog is opened from Rust, a new
/// folder is made inside the one chosen, and everything the ledger holds
/// about `person` is written there (person.json and the documents,
/// owner-only) — by the core on this computer's ledger, or fetched from the
/// server and written here the same way. The ledger decides who may (the
/// person themselves, a parent for a child under 16). `None` when cancelled.
#[tauri::command]
async fn person_export_save(app: tauri::AppHandle, s: State<'_, AppState>, person: i64) -> Result<Option<PersonExported>> {
    use qinqing_core::app::person_data::{check_export_dir, write_export, PersonExport};
    use tauri_plugin_dialog::DialogExt;
    let picked = app.dialog().file().set_title("选择保存位置 / Choose where to save").blocking_pick_folder();
    let Some(parent) = picked.and_then(|p| p.into_path().ok()) else { return Ok(None) };
    // A new folder of its own, named by number and time (never by name).
    let stamp = chrono::Utc::now().with_timezone(&qinqing_core::time::china()).format("%Y%m%d-%H%M%S");
    let dir = parent.join(format!("qinqing-{person}-{stamp}"));
    let w = if s.remote.is_some() {
        logged("person_export_save", || check_export_dir(&dir))?;
        let bundle: PersonExport = serde_json::from_value(call(&s, Call::PersonExport { id: person })?).map_err(|e| Error::internal(format!("answer: {e}")))?;
        logged("person_export_save", || write_export(&bundle, &dir))?
    } else {
        logged("person_export", || with(&s, |q| q.export_person_to(person, &dir)))?
    };
    Ok(Some(PersonExported {
        folder: dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        documents: w.documents,
        files: w.files.len(),
    }))
}

/// The retention rule's purge (issue 35) when the app starts on this
/// computer's ledger: the core's one purge, as the ledger itself, in short
/// calls with the ledger free in between, so the window's own calls never
/// wait long.
fn purge_at_start(app: &tauri::AppHandle) {
    let st = tauri::Manager::state::<AppState>(app);
    let Ok(m) = st.ledger.as_ref() else { return };
    let (mut after, mut purged) = (None, 0);
    loop {
        let batch = m
            .lock()
            .map_err(|_| Error::internal("app state lock poisoned"))
            .and_then(|mut q| q.as_caller(&Caller::actor(Actor::Operator), |q| q.purge_documents(qinqing_core::app::retention::PURGE_BATCH, after)));
        match batch {
            Ok(done) => {
                purged += done.purged.len();
                match done.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Err(e) => {
                tracing::warn!(code = e.code.as_str(), "document retention purge stopped; it runs again at the next start");
                break;
            }
        }
    }
    if purged > 0 {
        tracing::info!(purged, "documents past their retention period purged");
    }
}

#[tauri::command]
fn region_cities() -> Result<Vec<(String, String)>> {
    logged("region_cities", || Ok(qinqing_core::region::pooling_regions()))
}

#[tauri::command]
fn person_verify_face(s: State<'_, AppState>, id: i64) -> Result<Value> {
    call_staff(&s, |staff| Call::PersonVerifyFace { id, staff })
}

/// Connected mode: redeem the one-time code staff gave at the centre.
#[tauri::command]
fn pair_device(s: State<'_, AppState>, code: String, label: Option<String>) -> Result<connection::ConnState> {
    logged("pair_device", || s.remote.as_ref().ok_or_else(Error::forbidden)?.pair(&code, label.as_deref()))
}

/// Connected mode: this window is a hospital's or pharmacy's counter, with
/// the terminal key the centre's administrator issued to its institution.
#[tauri::command]
fn connect_counter(s: State<'_, AppState>, key: String) -> Result<connection::ConnState> {
    logged("connect_counter", || s.remote.as_ref().filter(|_| !s.kiosk).ok_or_else(Error::forbidden)?.connect_counter(&key))
}

/// Connected mode: "unpair this computer".
#[tauri::command]
fn unpair_device(s: State<'_, AppState>) -> Result<Value> {
    logged("unpair_device", || s.remote.as_ref().ok_or_else(Error::forbidden)?.unpair())
}

/// Connected mode: the server, the pairing, and whether the server answers.
#[tauri::command]
fn connection_state(s: State<'_, AppState>) -> Result<Option<connection::ConnState>> {
    polled("connection_state", || Ok(s.remote.as_ref().map(|c| c.state())))
}

fn open_ledger(args: &Args) -> std::result::Result<Mutex<Qinqing>, Error> {
    let path = db::resolve_db_path(args.db.as_deref())?;
    let mut q = Qinqing::open(&path)?;
    // Until a command works out who is asking, nobody.
    q.set_actor(Actor::Nobody);
    Ok(Mutex::new(q))
}

/// The directory of the app's own files (its log, a connection) for the
/// ledger at `db`: beside a database file; for a `postgres://` ledger,
/// which has no file here, the app-data directory — a URL is never a path.
fn data_dir(db: &std::path::Path) -> Option<PathBuf> {
    if db::postgres_url(db).is_some() {
        return db::default_data_dir().ok();
    }
    match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => Some(p.to_path_buf()),
        _ => Some(PathBuf::from(".")),
    }
}

fn main() {
    let args = Args::parse();
    // First: an earlier version's app-data directory (identifier cn.qinqing.app)
    // moves to this one's before the ledger, the log or Tauri's webview use it.
    qinqing_core::paths::move_earlier_installation();
    // The log lives beside the ledger (or the connection) in the app's data directory.
    if let Some(dir) = db::resolve_db_path(args.db.as_deref()).ok().and_then(|p| data_dir(&p)) {
        if let Err(e) = logging::init(&dir, &args.log_level) {
            eprintln!("qinqing: no log file: {e}");
        }
    }
    // Connected: the server named now, or the one remembered beside the
    // ledger's default place; an explicit --db is this computer's ledger.
    let remote = if args.db.is_some() {
        None
    } else {
        let file = db::resolve_db_path(None)
            .and_then(|p| data_dir(&p).ok_or_else(|| Error::db_open("no directory for the app data")))
            .map(|d| d.join("connection.json"));
        match file.and_then(|f| connection::Connected::open(f, args.server.as_deref(), args.server_ca.clone())) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("qinqing: {e}");
                std::process::exit(1);
            }
        }
    };
    let ledger = match &remote {
        Some(c) => Err(Error::server_unreachable(&c.server(), "connected mode has no local ledger")),
        None => open_ledger(&args),
    };
    if let Err(e) = &ledger {
        eprintln!("qinqing: {e}");
    }
    // Kiosk mode: the flag, or the device's setting (`kiosk_mode` = 1).
    let kiosk_mode = args.kiosk || ledger.as_ref().ok().and_then(|m| m.lock().ok().and_then(|q| q.setting("kiosk_mode").ok())).unwrap_or(0) == 1;
    let local_ledger = remote.is_none() && ledger.is_ok();
    let state = AppState { ledger, remote, kiosk: kiosk_mode, sessions: SharedKiosk::default(), exit_authorized: false.into() };
    let db_path = db::resolve_db_path(args.db.as_deref()).unwrap_or_else(|_| PathBuf::from("qinqing.db"));
    // The single-instance plugin must be the first one registered.
    let result = with_single_instance(tauri::Builder::default(), kiosk_mode)
        .plugin(tauri_plugin_dialog::init())
        .plugin(ops::plugin())
        .manage(state)
        .setup(move |app| {
            if kiosk_mode && !single_instance(app.handle(), &db_path) {
                std::process::exit(0);
            }
            // The window is made here (tauri.conf.json has `create: false`) so
            // that a kiosk's has no web inspector, whatever the build.
            let config = app.config().app.windows.iter().find(|w| w.label == "main").cloned().ok_or("no main window in tauri.conf.json")?;
            let mut builder = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?;
            if kiosk_mode {
                builder = builder.devtools(false).decorations(false).fullscreen(true);
            }
            builder.build()?;
            // Documents past their retention period go at start (a connected
            // window's server does this for its ledger).
            if local_ledger {
                let handle = app.handle().clone();
                std::thread::spawn(move || purge_at_start(&handle));
            }
            if kiosk_mode {
                // The kiosk's inactivity rules are Rust's: sessions end on time
                // even if the page is frozen or closed and calls nothing.
                let handle = app.handle().clone();
                std::thread::spawn(move || loop {
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    let st = tauri::Manager::state::<AppState>(&handle);
                    let _ = kiosk_op(&st, Call::KioskState);
                });
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let k = tauri::Manager::state::<AppState>(window);
                if k.kiosk && !k.exit_authorized.load(std::sync::atomic::Ordering::SeqCst) {
                    api.prevent_close();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            region_provinces,
            binding_face_staff,
            region_cities,
            binding_approve,
            binding_reject,
            document_upload,
            document_pick,
            app_mode,
            kiosk_state,
            kiosk_touch,
            kiosk_login,
            kiosk_logout,
            kiosk_first_admin,
            kiosk_start_resident,
            kiosk_end_resident,
            kiosk_add_staff,
            kiosk_exit,
            tx_csv_export,
            person_verify_face,
            amount_parse,
            setup_household,
            kiosk_register,
            pair_device,
            connect_counter,
            unpair_device,
            connection_state,
            person_export_save
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("qinqing: the window could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Issue 19 §2: every command the window can invoke is logged — its body
    /// goes through `logged` (`polled` for the connection's state, asked every
    /// 3 s), or `call`/`call_staff`/`kiosk_op`/`operation` (which log).
    #[test]
    fn every_window_command_is_logged() {
        let src = include_str!("main.rs");
        let mut unlogged = Vec::new();
        let mut seen = 0;
        for part in src.split("#[tauri::command]").skip(1) {
            let head = part.trim_start();
            let name = head.split("fn ").nth(1).and_then(|r| r.split('(').next()).unwrap_or("?").trim().to_string();
            // The body: up to the next item at the start of a line.
            let body_start = head.find('{').unwrap_or(0);
            let body_end = head[body_start..].find("\n}").map(|e| body_start + e).unwrap_or(head.len());
            let body = &head[body_start..body_end];
            seen += 1;
            if !["logged(", "polled(", "call(", "call_staff(", "kiosk_op(", "operation("].iter().any(|w| body.contains(w)) {
                unlogged.push(name);
            }
        }
        // The window's own commands, and the one template every operation's
        // command is made from (`mod ops`: `operation` logs through `call`).
        assert!(seen >= 25, "found only {seen} commands: the scan is broken");
        assert!(src.contains("qinqing_core::for_each_operation!(commands)"), "the operations' commands are made from their declaration");
        assert!(unlogged.is_empty(), "window commands that are not logged: {unlogged:?}");
    }

    #[test]
    fn the_log_of_a_postgres_ledger_is_in_the_app_data_directory_not_a_url_path() {
        let default = db::default_data_dir().unwrap();
        assert_eq!(data_dir(Path::new("postgres://qinqing:secret@10.0.0.5/ledger")), Some(default.clone()));
        assert_eq!(data_dir(Path::new("postgresql:///ledger?host=/run/postgresql")), Some(default));
        assert_eq!(data_dir(Path::new("/srv/centre/qinqing.db")), Some(PathBuf::from("/srv/centre")));
        assert_eq!(data_dir(Path::new("qinqing.db")), Some(PathBuf::from(".")));
    }
}
