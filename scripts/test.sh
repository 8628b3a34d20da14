#!/usr/bin/env bash
# Install the test tools if missing, then run every test: domain unit tests,
# CLI tests, and the end-to-end tests of the real app window (Xvfb +
# tauri-driver + WebKitWebDriver). One debug build serves them all.
# Screenshots land in target/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
export PATH="$HOME/.cargo/bin:$PATH"
start=$(date +%s)
cargo build --workspace --all-targets --locked
echo "build: $(( $(date +%s) - start )) s"
t=$(date +%s)
cargo test --workspace --locked
echo "tests: $(( $(date +%s) - t )) s; screenshots in target/e2e/"
