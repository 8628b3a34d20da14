#!/usr/bin/env bash
# Install what is missing on Debian/Ubuntu. Idempotent; quick when all is there.
#   scripts/deps.sh app    — what building and running the app needs
#   scripts/deps.sh test   — that, plus the real-window test tools
set -euo pipefail
what="${1:-app}"

APP_PKGS=(libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
          libsoup-3.0-dev build-essential libssl-dev file pkg-config fonts-noto-cjk)
# rpm: the packaging test reads the .rpm's file list; zbarimg (zbar-tools)
# reads a code off a screenshot; postgresql (15 on Debian 12): the suites run
# a second time on a throwaway PostgreSQL cluster (scripts/pg.sh), and
# pgbench is the benchmarks' one-row-INSERT reference; openssl and curl: the
# server test makes a certificate and calls it over HTTPS.
# python3: scripts/pg.sh picks a free port with it, the benchmarks report
# with it; util-linux (script): the CLI's progress test runs on a terminal.
# procps (pgrep): the fail-over test kills a primary and all its children.
TEST_PKGS=(xvfb webkit2gtk-driver zbar-tools rpm postgresql postgresql-contrib curl openssl python3 util-linux procps)

pkgs=("${APP_PKGS[@]}")
[ "$what" = test ] && pkgs+=("${TEST_PKGS[@]}")
# The packaging step runs the Tauri CLI from the npm registry (a prebuilt
# binary, installed in seconds; `cargo install tauri-cli` would compile for
# minutes). A machine without npm gets Debian's Node.js and npm.
if [ "$what" = test ] && ! command -v npm >/dev/null; then
  pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "Missing packages ${missing[*]} and no apt-get: see README (Windows/macOS)." >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }

if [ "$what" = test ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
  # The test command checks the code's shape with rustfmt and clippy; a
  # minimal rustup profile has neither.
  if command -v rustup >/dev/null; then
    for c in rustfmt clippy; do
      rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
    done
  fi
  if ! cargo install --list | grep -q '^tauri-driver v2\.'; then
    echo "Installing tauri-driver 2 (cargo install, about 40 s)"
    cargo install tauri-driver --locked --version '^2' --quiet
  fi
fi
