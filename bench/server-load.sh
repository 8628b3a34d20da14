#!/usr/bin/env bash
# Issues 17 and 34 benchmark: counter terminals settle through qinqing-server
# on a PostgreSQL ledger for SECONDS each (each terminal one keep-alive
# connection, each bill sent as soon as the last was answered), with 8, 16
# and 32 terminals by default (TERMINALS: a comma-separated list), each on
# its own ledger database and server process with as many ledger workers as
# terminals, all on the same PostgreSQL server. Reported beside the one-row
# INSERT transactions/s of that server (pgbench, 1 client, same durability)
# measured in the same run: settlements/s, p50 and p99 latency (target at 8
# terminals: p99 <= 20 ms).
# Usage: bench/server-load.sh [SECONDS] [TERMINALS]
set -euo pipefail
cd "$(dirname "$0")/.."
# Ledger keys of the benchmarks' throwaway ledgers (issue 35) stay out of the user's key store.
export QINQING_KEY_DIR=${QINQING_KEY_DIR:-$PWD/target/bench-keys}
secs=${1:-30}
list=${2:-8,16,32}
cargo build --release -q -p qinqing-bench -p qinqing-server -p qinqing-cli
B=target/release
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
url=$(scripts/pg.sh start)
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; scripts/pg.sh stop; rm -rf "$work"; }
trap cleanup EXIT
base=${url%/postgres}
psql -q "$url" -c "CREATE DATABASE ref"
# Reference: one-row INSERT transactions, one client, 10 s.
psql -q "$base/ref" -c "CREATE TABLE ref (id bigserial PRIMARY KEY, v bigint NOT NULL)"
echo "INSERT INTO ref (v) VALUES (1);" > "$work/ins.sql"
ref=$("$BIN/pgbench" -n -c 1 -T 10 -f "$work/ins.sql" "$base/ref" 2>/dev/null | awk '/^tps/ {print $3; exit}')
: > "$work/results"
for clients in ${list//,/ }; do
  psql -q "$url" -c "CREATE DATABASE load$clients"
  # The ledger: 10 members a terminal (bills spread over households), one
  # institution, one code per bill (enough for the run).
  bills=$(( secs * 1500 ))
  $B/qinqing-bench race-setup "$base/load$clients" $(( clients * 10 )) "$bills" "$work/bills.tsv"
  inst=$(head -1 "$work/bills.tsv" | cut -f4)
  key=$($B/qinqing-cli --db "$base/load$clients" --json terminal add --institution "$inst" --label load | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  $B/qinqing-server --db "$base/load$clients" --listen 127.0.0.1:0 --workers "$clients" --log-level warn > "$work/server.out" &
  server=$!
  for _ in $(seq 100); do grep -q "listening on" "$work/server.out" 2>/dev/null && break; sleep 0.1; done
  addr=$(sed -n 's/^listening on //p' "$work/server.out")
  $B/qinqing-bench http-load "http://$addr" "$key" "$work/bills.tsv" "$clients" "$secs" >> "$work/results"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
python3 - "$work/results" "$ref" <<'PY'
import json, sys
ref = float(sys.argv[2])
print(f"one-row INSERT transactions/s (pgbench, 1 client): {ref:.0f}")
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['clients']:>2} terminals through qinqing-server for {r['seconds']:.0f} s: {r['settlements']} settlements, "
          f"{r['per_second']:.0f}/s (ratio {r['per_second']/ref:.2f}), p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, refused {r['refused']}")
PY
