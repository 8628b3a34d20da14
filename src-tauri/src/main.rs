//! The Qinqing desktop app: a Tauri shell over `qinqing-core`.
//! Every command is a one-line call into the domain library; no rule lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use clap::Parser;
use qinqing_core::audit::{AuditEntry, AuditQuery};
use qinqing_core::{db, region, Error, Info, Person, PersonEdit, PersonInput, PersonQuery, Qinqing, Result};
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::State;

#[derive(Parser, Debug)]
#[command(name = "qinqing", version, about = "亲情医保 Qinqing — family medical-insurance manager")]
struct Args {
    /// Database file (default: $QINQING_DB, else the app-data directory).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

/// The opened ledger, or why it could not be opened (shown in the window).
struct AppState(std::result::Result<Mutex<Qinqing>, Error>);

fn with<T>(state: &State<'_, AppState>, f: impl FnOnce(&mut Qinqing) -> Result<T>) -> Result<T> {
    let m = state.0.as_ref().map_err(Clone::clone)?;
    let mut q = m.lock().map_err(|_| Error::internal("app state lock poisoned"))?;
    f(&mut q)
}

#[tauri::command]
fn app_info(s: State<'_, AppState>) -> Result<Info> {
    with(&s, |q| q.info())
}

#[tauri::command]
fn region_provinces() -> Vec<(&'static str, &'static str, &'static str)> {
    region::PROVINCES.to_vec()
}

#[tauri::command]
fn person_list(s: State<'_, AppState>, query: PersonQuery) -> Result<Vec<Person>> {
    with(&s, |q| q.list_persons(&query))
}

#[tauri::command]
fn person_get(s: State<'_, AppState>, id: i64) -> Result<Person> {
    with(&s, |q| q.get_person(id))
}

#[tauri::command]
fn person_add(s: State<'_, AppState>, input: PersonInput) -> Result<Person> {
    with(&s, |q| q.add_person(&input))
}

#[tauri::command]
fn person_edit(s: State<'_, AppState>, id: i64, edit: PersonEdit) -> Result<Person> {
    with(&s, |q| q.edit_person(id, &edit))
}

#[tauri::command]
fn person_activate_voucher(s: State<'_, AppState>, id: i64) -> Result<Person> {
    with(&s, |q| q.activate_voucher(id))
}

#[tauri::command]
fn audit_list(s: State<'_, AppState>, query: AuditQuery) -> Result<Vec<AuditEntry>> {
    with(&s, |q| q.audit_list(&query))
}

fn open_ledger(args: &Args) -> std::result::Result<Mutex<Qinqing>, Error> {
    let path = db::resolve_db_path(args.db.as_deref())?;
    let mut q = Qinqing::open(&path)?;
    q.set_actor("app");
    Ok(Mutex::new(q))
}

fn main() {
    let args = Args::parse();
    let state = AppState(open_ledger(&args));
    if let Err(e) = &state.0 {
        eprintln!("qinqing: {e}");
    }
    let result = tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            app_info,
            region_provinces,
            person_list,
            person_get,
            person_add,
            person_edit,
            person_activate_voucher,
            audit_list
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("qinqing: the window could not start: {e}");
        std::process::exit(1);
    }
}
