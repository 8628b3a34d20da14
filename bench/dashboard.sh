#!/usr/bin/env bash
# Benchmark (issue 6): one family's dashboard load on a ledger of 10,000 and of
# 1,000,000 settlements, measured in the same run (families grow with the
# ledger: 250 settlements each). Target: p95 <= 10 ms at 1M, and the 1M p95 at
# most 2x the 10k p95. Also the first page of the family's transaction record.
# Usage: bench/dashboard.sh [BIG]   (default 1000000; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
# Ledger keys of the benchmarks' throwaway ledgers (issue 35) stay out of the user's key store.
export QINQING_KEY_DIR=${QINQING_KEY_DIR:-$PWD/target/bench-keys}
cargo build --release -q -p qinqing-bench
target/release/qinqing-bench dashboard "${1:-1000000}"
