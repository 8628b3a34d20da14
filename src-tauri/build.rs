//! Tauri's own gate (issue 15): every command gets a permission, and the main
//! window's capability (tauri.conf.json) lists exactly the commands it may
//! call — anything else is refused by Tauri before it reaches our code.
//!
//! - The operations of the service interface are declared once, in
//!   crates/qinqing-core/src/app/api.rs (`operations!`); their names are read
//!   from that declaration here, and each becomes a command of the inlined
//!   plugin `ops` (src/main.rs, `mod ops`) with its permission
//!   `ops:allow-<operation>`.
//! - The window's own commands (a file dialog, pairing, the kiosk's
//!   sessions…) are listed below; keep this list and `generate_handler!` in
//!   src/main.rs in step (the window tests call them all).

const COMMANDS: &[&str] = &[
    "region_provinces",
    "binding_face_staff",
    "region_cities",
    "binding_approve",
    "binding_reject",
    "document_upload",
    "document_pick",
    "app_mode",
    "kiosk_state",
    "kiosk_touch",
    "kiosk_login",
    "kiosk_logout",
    "kiosk_first_admin",
    "kiosk_start_resident",
    "kiosk_end_resident",
    "kiosk_add_staff",
    "kiosk_exit",
    "tx_csv_export",
    "person_verify_face",
    "amount_parse",
    "setup_household",
    "kiosk_register",
    "pair_device",
    "connect_counter",
    "unpair_device",
    "connection_state",
    "person_export_save",
];

/// The operations' names, from their declaration: the lines
/// `read <name> = …` and `write <name> = …` of the `operations!` block.
fn operations() -> &'static [&'static str] {
    let decl = include_str!("../crates/qinqing-core/src/app/api.rs");
    let start = decl.find("operations! {").expect("the operations! block in api.rs");
    let names: Vec<&'static str> = decl[start..]
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            match (w.next(), w.next(), w.next()) {
                (Some("read" | "write"), Some(name), Some("=")) => Some(name),
                _ => None,
            }
        })
        .collect();
    assert!(names.len() > 100, "read the operations from api.rs: {}", names.len());
    Box::leak(names.into_boxed_slice())
}

fn main() {
    println!("cargo:rerun-if-changed=crates/qinqing-core/src/app/api.rs");
    let ops = tauri_build::InlinedPlugin::new().commands(operations());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)).plugin("ops", ops))
        .expect("tauri-build: command permissions");
}
