#!/usr/bin/env bash
# Issue 16: one family's dashboard on a PostgreSQL ledger of 10,000 and of
# 1,000,000 settlements, in the same run (each seeded in SQLite and moved to a
# throwaway PostgreSQL cluster with `export --to`, as a centre moving its
# history would). Target: p95 <= 10 ms at 1M and at most 2x the 10k p95.
# Usage: bench/pg-dashboard.sh [BIG]   (default 1000000; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
# Ledger keys of the benchmarks' throwaway ledgers (issue 35) stay out of the user's key store.
export QINQING_KEY_DIR=${QINQING_KEY_DIR:-$PWD/target/bench-keys}
cargo build --release -q -p qinqing-bench
url=$(scripts/pg.sh start)
trap 'scripts/pg.sh stop' EXIT
QINQING_BENCH_POSTGRES="$url" target/release/qinqing-bench dashboard "${1:-1000000}"
