#!/usr/bin/env bash
# Build the release bundles (.deb and .rpm) offline, with the Tauri CLI from
# the npm registry (@tauri-apps/cli v2, installed into target/tools/).
# AppImage is not built: its tooling is downloaded at build time, which this
# environment cannot do (Windows/macOS bundles come from .github/workflows/release.yml).
# Output: target/window/bundle/{deb,rpm}/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh app
command -v npm >/dev/null || { echo "npm is needed for the Tauri CLI (apt-get install nodejs npm)" >&2; exit 1; }
TOOLS="$PWD/target/tools"
if [ ! -x "$TOOLS/node_modules/.bin/tauri" ]; then
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --silent @tauri-apps/cli@2.12.5
fi
# `-- -p qinqing`: the window alone, so it does not take the CLI's and the
# server's features (their PostgreSQL driver) from a build of all of them;
# `--profile window`: release, sized for an installer (Cargo.toml).
"$TOOLS/node_modules/.bin/tauri" build --bundles deb,rpm "$@" -- -p qinqing --profile window
echo
ls -l target/window/bundle/deb/*.deb target/window/bundle/rpm/*.rpm
