#!/usr/bin/env bash
# Issue 31 §7: the memory of qinqing-server while large uploads arrive at
# once, beside its idle memory. A server on the demo ledger (SQLite, loopback)
# is left idle, its resident set (VmRSS) read; its peak (VmHWM) is then reset
# (/proc/PID/clear_refs) and N uploads of MB megabytes each (a document_upload
# body: JSON with MB of base64) are sent at once with curl:
#   1. without a token — what anyone on the network can send;
#   2. with a staff session — at most --upload-slots (2) are read at once,
#      the rest are answered 503 SERVER_BUSY with Retry-After.
# curl is told not to wait for "100 Continue" (`-H Expect:`), so each body is
# pushed at the server whether it wants it or not, as an attacker would.
# The peak is the larger of VmHWM and VmRSS sampled every 10 ms.
# Usage: bench/upload-memory.sh [N] [MB]   (PROFILE=debug to use a debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
# Ledger keys of the benchmarks' throwaway ledgers (issue 35) stay out of the user's key store.
export QINQING_KEY_DIR=${QINQING_KEY_DIR:-$PWD/target/bench-keys}
n=${1:-8}
mb=${2:-25}
profile=${PROFILE:-release}
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$profile" = release ]; then
    cargo build --release -q -p qinqing-server -p qinqing-cli
else
    cargo build -q -p qinqing-server -p qinqing-cli
fi
B=target/$profile
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
$B/qinqing-cli --db "$work/demo.db" demo seed >/dev/null
staff=$($B/qinqing-cli --db "$work/demo.db" --json staff list | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
$B/qinqing-server --db "$work/demo.db" --listen 127.0.0.1:0 --log-level warn >"$work/server.out" 2>"$work/server.err" &
pid=$!
for _ in $(seq 100); do grep -q '^listening on' "$work/server.out" 2>/dev/null && break; sleep 0.1; done
addr=$(sed -n 's/^listening on //p' "$work/server.out")
[ -n "$addr" ] || { cat "$work/server.err" >&2; exit 1; }
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$pid/status"; }
python3 - "$work/body.json" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
head = b'{"person": 1, "kind": "hukou", "data_base64": "'
with open(path, "wb") as f:
    f.write(head)
    f.write(b"A" * (mb * 1024 * 1024 - len(head) - 2))
    f.write(b'"}')
PY
token=$(curl -s -H 'Content-Type: application/json' -d "{\"staff\": $staff, \"password\": \"demo-staff-2026\"}" "http://$addr/api/v1/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# A few requests first, then idle.
for _ in 1 2 3; do curl -s -o /dev/null "http://$addr/readyz"; done
sleep 2
idle=$(kib VmRSS)

# Sends N uploads at once (extra curl arguments: "$@"); prints the peak KiB
# and the answers' status codes.
burst() {
    echo 5 >"/proc/$pid/clear_refs"
    local peak=0 i p rss hwm alive pids=()
    for i in $(seq "$n"); do
        curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' -H 'Expect:' "$@" \
            --data-binary @"$work/body.json" "http://$addr/api/v1/document_upload" >"$work/status.$i" 2>/dev/null &
        pids+=($!)
    done
    while :; do
        rss=$(kib VmRSS)
        [ "$rss" -gt "$peak" ] && peak=$rss
        alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 1 ] || break
        sleep 0.01
    done
    wait "${pids[@]}" 2>/dev/null || true
    hwm=$(kib VmHWM)
    [ "$hwm" -gt "$peak" ] && peak=$hwm
    echo "$peak $(cat "$work"/status.* | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
    rm -f "$work"/status.*
}

read -r anon_peak anon_codes <<<"$(burst)"
sleep 1
read -r auth_peak auth_codes <<<"$(burst -H "Authorization: Bearer $token")"
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo "qinqing-server ($profile) on the demo ledger, $n uploads of $mb MB at once (curl, loopback):"
echo "  idle:                                 $(mib "$idle")"
echo "  peak, no token:                       $(mib "$anon_peak")   answers: $anon_codes"
echo "  peak, a staff session (2 slots):      $(mib "$auth_peak")   answers: $auth_codes"
