#!/usr/bin/env bash
# Installer size (issues 8 and 33): our .deb beside a minimal Tauri 2 app's .deb
# built in the same run with the same CLI (a window showing one HTML page,
# default release profile). Target (issue 33): ours <= 1.6 x the minimal app's.
# The window links no PostgreSQL driver (qinqing-core without its feature
# `postgres`: a kiosk or a family's computer reaches a shared ledger through
# the server), checked first in the .deb's binary: a window built in the same
# cargo run as the CLI or the server (a plain `cargo build` of the default
# members) gets their features and the driver with them; build it alone
# (`tauri build -- -p qinqing`).
# Usage: bench/installer-size.sh   (after scripts/package.sh; builds the minimal app in target/minimal-tauri)
set -euo pipefail
cd "$(dirname "$0")/.."
# Ledger keys of the benchmarks' throwaway ledgers (issue 35) stay out of the user's key store.
export QINQING_KEY_DIR=${QINQING_KEY_DIR:-$PWD/target/bench-keys}
TAURI="$PWD/target/tools/node_modules/.bin/tauri"
[ -x "$TAURI" ] || scripts/package.sh >/dev/null
ours=$(ls -t target/window/bundle/deb/*.deb | head -1)
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
dpkg-deb --fsys-tarfile "$ours" | tar -xOf - usr/bin/qinqing >"$bin"
if grep -qa 'tokio-postgres-' "$bin"; then
  echo "$(basename "$ours"): the window carries the PostgreSQL driver (built with the CLI's or the server's features? build it alone: tauri build -- -p qinqing)" >&2
  exit 1
fi
M="$PWD/target/minimal-tauri"
mkdir -p "$M/src" "$M/dist" "$M/icons"
cp icons/32x32.png icons/128x128.png icons/icon.png "$M/icons/"
cat > "$M/Cargo.toml" <<'TOML'
[package]
name = "minimal"
version = "0.1.0"
edition = "2021"
[build-dependencies]
tauri-build = { version = "2", features = [] }
[dependencies]
tauri = { version = "2", features = [] }
[workspace]
TOML
echo 'fn main() { tauri_build::build() }' > "$M/build.rs"
echo 'fn main() { tauri::Builder::default().run(tauri::generate_context!()).expect("run"); }' > "$M/src/main.rs"
echo '<!doctype html><title>minimal</title><p>Hello</p>' > "$M/dist/index.html"
cat > "$M/tauri.conf.json" <<'JSON'
{ "productName": "minimal", "version": "0.1.0", "identifier": "dev.example.minimal",
  "build": { "frontendDist": "dist" },
  "app": { "windows": [{ "title": "minimal" }] },
  "bundle": { "active": true, "targets": ["deb"], "icon": ["icons/32x32.png", "icons/128x128.png", "icons/icon.png"] } }
JSON
(cd "$M" && CARGO_TARGET_DIR="$M/target" "$TAURI" build --bundles deb >/dev/null)
mini=$(ls -t "$M"/target/release/bundle/deb/*.deb | head -1)
o=$(stat -c %s "$ours"); m=$(stat -c %s "$mini")
awk -v o="$o" -v m="$m" -v on="$(basename "$ours")" -v mn="$(basename "$mini")" 'BEGIN { printf "ours:    %s  %.2f MB\nminimal: %s  %.2f MB\nratio:   %.2f\n", on, o/1048576, mn, m/1048576, o/m }'
if [ "$o" -le $((m * 16 / 10)) ]; then echo "OK: <= 1.6 x the minimal app's"; else echo "over 1.6 x the minimal app's (at most $((m * 16 / 10)) bytes)"; exit 1; fi
