//! The reference of bench/memory.sh: a minimal Tauri 2 app (no commands, no
//! plugins, one window) whose page shows as much Chinese text as Qinqing's
//! first screen. Built only with `--features bench-minimal`.
fn main() {
    tauri::Builder::default().run(tauri::generate_context!("bench/minimal/tauri.conf.json")).expect("minimal tauri app");
}
