#!/usr/bin/env bash
# The CI workflow's Windows job, run here: clippy (warnings are errors) over the
# whole workspace for x86_64-pc-windows-gnu, then the domain and CLI tests
# built for Windows and run under Wine. Not part of the test command (about
# 8 minutes on a cold cache); for checking a change to cfg-gated code before
# it reaches the GitHub runners. Wine is not Windows: a pass here is evidence,
# the windows-latest job is the judge.
#   Needs: rustup target x86_64-pc-windows-gnu (rustup fetches it),
#   Debian gcc-mingw-w64-x86-64 and wine64 (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v wine >/dev/null || need+=(wine64)
if [ ${#need[@]} -gt 0 ]; then apt-get update -q && apt-get install -y -q "${need[@]}"; fi
rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
export CARGO_INCREMENTAL=0 WINEDEBUG=-all WINEPREFIX=${WINEPREFIX:-$PWD/target/wine} WINEARCH=win64
# Wine 8 (Debian 12) has no bcryptprimitives.dll, where Rust's std gets its
# random numbers (ProcessPrng): a shim that forwards to RtlGenRandom, for
# this prefix only.
if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  wine wineboot --init >/dev/null 2>&1 || true
  x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    scripts/wine/bcryptprimitives.c scripts/wine/bcryptprimitives.def -ladvapi32
fi
cargo clippy --locked --target x86_64-pc-windows-gnu --workspace --all-targets -- -D warnings
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine cargo test --locked --target x86_64-pc-windows-gnu -p qinqing-core -p qinqing-cli
