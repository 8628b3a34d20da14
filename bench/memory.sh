#!/usr/bin/env bash
# Issue 19 §3: the memory of the idle release app against a minimal Tauri 2
# app, in one run. Both are release builds of this workspace (same Tauri,
# same WebKitGTK), started through tauri-driver under Xvfb, left idle on their
# first screen, then PSS is summed over each app's whole process tree (the
# app and the WebKit web and network processes it starts). Qinqing runs on
# the demo database (standalone, all-in-one demo installation: the register
# of the demo family); the minimal app's page (bench/minimal/dist) shows as
# many Chinese characters as that first screen — both counts are printed.
# Target: ratio <= 1.20.
# Usage: bench/memory.sh [IDLE_SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
# Ledger keys of the benchmarks' throwaway ledgers (issue 35) stay out of the user's key store.
export QINQING_KEY_DIR=${QINQING_KEY_DIR:-$PWD/target/bench-keys}
idle=${1:-15}
rounds=${2:-3}
scripts/deps.sh test >/dev/null
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -q --features custom-protocol,bench-minimal --bin qinqing --bin qinqing-cli --example minimal-tauri
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
target/release/qinqing-cli --db "$work/demo.db" demo seed >/dev/null
target/release/qinqing-cli --db "$work/demo.db" device demo >/dev/null
display=:$(( 90 + RANDOM % 9 ))
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
sleep 1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DISPLAY=$display HOME="$work/home" XDG_DATA_HOME="$work/data" tauri-driver --port "$port" >/dev/null 2>&1 &
sleep 1
python3 - "$port" "$idle" "$rounds" "$PWD/target/release/qinqing" "$work/demo.db" "$PWD/target/release/examples/minimal-tauri" <<'PY'
import json, os, re, sys, time, urllib.request
port, idle, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ours, db, minimal = sys.argv[4], sys.argv[5], sys.argv[6]
base = f"http://127.0.0.1:{port}"

def req(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    r = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(r, timeout=60) as f:
        return json.load(f)["value"]

def children():
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                stat = open(f"/proc/{p}/stat").read()
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                kids.setdefault(ppid, []).append(int(p))
            except OSError:
                pass
    return kids

def tree(root):
    kids, out, todo = children(), [], [root]
    while todo:
        p = todo.pop(); out.append(p); todo += kids.get(p, [])
    return out

def pss_kb(pid):
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def name(pid):
    try: return open(f"/proc/{pid}/comm").read().strip()
    except OSError: return "?"

def app_pid(binary):
    real = os.path.realpath(binary)
    for p in sorted((int(x) for x in os.listdir("/proc") if x.isdigit()), reverse=True):
        try:
            if os.path.realpath(f"/proc/{p}/exe") == real: return p
        except OSError:
            pass
    raise SystemExit(f"{binary} is not running")

COUNT = "const t = document.body.innerText; return [t.length, (t.match(/[\\u3400-\\u9fff]/g) || []).length, document.querySelectorAll('*').length];"

def measure(binary, args):
    sid = req("POST", "/session", {"capabilities": {"alwaysMatch": {"tauri:options": {"application": binary, "args": args}}}})["sessionId"]
    try:
        # Wait for the first screen to settle (its text stops changing), then idle.
        last, stable = None, 0
        for _ in range(120):
            now = req("POST", f"/session/{sid}/execute/sync", {"script": COUNT, "args": []})
            stable = stable + 1 if now == last else 0
            last = now
            if stable >= 3: break
            time.sleep(0.5)
        time.sleep(idle)
        pid = app_pid(binary)
        procs = {p: pss_kb(p) for p in tree(pid)}
        return sum(procs.values()), last, {name(p): kb for p, kb in procs.items()}
    finally:
        req("DELETE", f"/session/{sid}")
        time.sleep(1)

results = {"ours": [], "minimal": []}
for r in range(rounds):
    for key, binary, args in (("ours", ours, ["--db", db]), ("minimal", minimal, [])):
        results[key].append(measure(binary, args))
med = lambda xs: sorted(x[0] for x in xs)[len(xs) // 2]
o, m = med(results["ours"]), med(results["minimal"])
for key in ("ours", "minimal"):
    kb, counts, procs = results[key][-1]
    print(f"{key:8} PSS median {med(results[key]) / 1024:7.1f} MB over {rounds} runs  "
          f"(last: {', '.join(f'{n} {v/1024:.1f}' for n, v in sorted(procs.items()))});  "
          f"first screen: {counts[1]} Chinese characters, {counts[0]} characters, {counts[2]} elements")
print(f"ratio {o / m:.2f} (target <= 1.20)")
# The reference is only fair if its page shows as much Chinese text.
ours_cjk, minimal_cjk = results["ours"][-1][1][1], results["minimal"][-1][1][1]
if abs(ours_cjk - minimal_cjk) > 0.1 * max(ours_cjk, minimal_cjk):
    sys.exit(f"memory: the first screens differ in Chinese text ({ours_cjk} against {minimal_cjk} characters): make bench/minimal/dist match")
if o / m > 1.20:
    sys.exit(f"memory: {o / m:.2f}x the minimal Tauri app, above the 1.20x target")
PY
