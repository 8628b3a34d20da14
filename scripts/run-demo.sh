#!/usr/bin/env bash
# Install what is missing, build, put the demo family into a demo database
# (target/demo/qinqing-demo.db; your own data is not touched) and open the app on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh app
# The same build as scripts/test.sh (same packages, same features): running
# one after the other builds once.
cargo build --locked --workspace --all-targets
mkdir -p target/demo
DB="$PWD/target/demo/qinqing-demo.db"
target/debug/qinqing-cli --db "$DB" demo seed
# The all-in-one demo installation: every screen (a family's computer would be
# `device household --holder N`, a counter `device terminal --institution N`).
target/debug/qinqing-cli --db "$DB" device demo >/dev/null
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: set DISPLAY (or run under xvfb-run) to see the window." >&2
fi
exec target/debug/qinqing --db "$DB" "$@"
