#!/usr/bin/env bash
# Benchmarks for issue 5, each against a reference in the same run:
#  - settlements per second (each: verify the code, all rules, split the bill
#    over fund + family-aid legs, update balances, one IMMEDIATE transaction)
#    against one-row INSERT transactions per second on the same database file
#    (both with the ledger's durability: WAL, synchronous=FULL).
#    Target: ratio >= 0.30.
#  - issue 35: the same settlements on the encrypted ledger as shipped
#    (SQLCipher, 1 KiB pages, HMAC-SHA256, crypto on RustCrypto) beside a
#    plain ledger with the same page size (benchmark-only), in ten
#    alternating rounds. Target: encrypted time <= 1.15x the plain time.
#  - issuing a QR code (checks, Ed25519 signature, QR encoding, SVG) against
#    `qrcode` encoding of the same token alone. Target: <= 1.5x and < 1 ms.
# Usage: bench/settle.sh [N]   (release build)
set -euo pipefail
cd "$(dirname "$0")/.."
# Ledger keys of the benchmarks' throwaway ledgers (issue 35) stay out of the user's key store.
export QINQING_KEY_DIR=${QINQING_KEY_DIR:-$PWD/target/bench-keys}
cargo build --release -q -p qinqing-bench
target/release/qinqing-bench settle "${1:-2000}"
echo
target/release/qinqing-bench qr "${1:-2000}"
