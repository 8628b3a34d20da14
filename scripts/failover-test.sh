#!/usr/bin/env bash
# Fail-over and replicas (issue 34), end to end, on loopback:
#   a. Fail-over: a primary PostgreSQL cluster with a synchronous standby
#      (pg_basebackup -R); qinqing-server on the multi-host URL
#      (target_session_attrs=read-write); 4 counter terminals settling
#      (qinqing-bench failover-load) while the primary's postmaster and all its
#      processes are killed with SIGKILL and the standby is promoted. The
#      server must be ready again within 10 s of the promotion, every bill must
#      be settled exactly once on the new primary, every acknowledged
#      settlement must be there, and money must be conserved to the fen.
#   b. Replicas: two qinqing-server processes on the promoted ledger: a staff
#      session made on A is honoured by B; wrong staff passwords sent to A and
#      B in turn are throttled by their common count; terminals alternating
#      between A and B finish every bill through B after A is killed (SIGKILL),
#      with the same ledger checks.
# Prints a PASS line with the figures; exits non-zero with a FAIL line on any
# failed check. Everything (clusters, servers, files in target/failover) is
# removed at the end, passed or not (FAILOVER_KEEP=DIR keeps the logs there). As root PostgreSQL runs as `postgres`.
# Needs the debug binaries (built when missing). Usage: scripts/failover-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
DIR=$ROOT/target/failover
PRIMARY=$DIR/primary
STANDBY=$DIR/standby
MEMBERS=40
BILLS=${FAILOVER_BILLS:-5000}     # part a: bills settled across the fail-over
# Part b: bills settled across a replica's death. A is killed once a third are
# acknowledged; after that each terminal still tries A every other bill (the
# URLs in turn) and waits 200 ms on its refused connection, so the rest go at
# about 4 / 0.2 s = 20 bills/s — and a code is valid for 60 s only.
BILLS_B=${FAILOVER_BILLS_B:-600}
TERMINALS=4
LOAD_SECS=60                     # failover-load gives up after this (a code is valid 60 s)
LIMIT_SECS=${FAILOVER_LIMIT_SECS:-180} # the whole test after the build (a watchdog ends it)
export QINQING_KEY_DIR=$DIR/keys
START_S=$SECONDS
SERVER_PIDS=()
LOAD_PID=""
WATCHDOG=""
PRIMARY_KILLED=""

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
fail() { echo "failover-test: FAIL: $*" >&2; exit 1; }
say() { echo "failover-test: $*"; }
now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stop_cluster() {
  if [ -f "$1/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$1" -m immediate -t 30 stop >/dev/null 2>&1 || true; fi
}
cleanup() {
  rc=$?
  trap - EXIT
  set +e
  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "$rc" != 0 ]; then
    for log in "$DIR"/primary.log "$DIR"/standby.log "$DIR"/*.err; do
      [ -s "$log" ] && { echo "--- last lines of $log" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  stop_cluster "$STANDBY"
  # (not the killed primary: its postmaster.pid names a process that is gone,
  # and pg_ctl would signal whatever process has that number now)
  [ -z "$PRIMARY_KILLED" ] && stop_cluster "$PRIMARY"
  # The killed primary's System V shared memory segment (postmaster.pid line 7: key, id),
  # if nothing is attached to it any more.
  if [ -f "$PRIMARY/postmaster.pid" ]; then
    shmid=$(sed -n 7p "$PRIMARY/postmaster.pid" | awk '{print $2}')
    if [ -n "$shmid" ] && [ "$(ipcs -m | awk -v id="$shmid" '$2 == id {print $6}')" = 0 ]; then ipcrm -m "$shmid" 2>/dev/null || true; fi
  fi
  # FAILOVER_KEEP=DIR keeps the logs and the loads' files there.
  if [ -n "${FAILOVER_KEEP:-}" ]; then mkdir -p "$FAILOVER_KEEP" && cp "$DIR"/*.log "$DIR"/*.err "$DIR"/*.json "$DIR"/*.tsv "$FAILOVER_KEEP"/ 2>/dev/null; fi
  rm -rf "$DIR"
  exit "$rc"
}

[ -x "$BIN/initdb" ] || fail "PostgreSQL not found (run scripts/deps.sh test)"
command -v curl >/dev/null || fail "curl not found"
PSQL=$BIN/psql

# The debug binaries: built when missing, when the bench lacks failover-load, or
# when they are not of one build (more than a minute apart: another build of a
# newer schema may have replaced one of them, and the older ones would refuse
# the ledger it migrated with DB_TOO_NEW).
B=$ROOT/target/debug
apart() { local t; t=$(stat -c %Y "$B/qinqing-bench" "$B/qinqing-cli" "$B/qinqing-server" | sort -n); [ $(( $(tail -1 <<<"$t") - $(head -1 <<<"$t") )) -gt 60 ]; }
if [ ! -x "$B/qinqing-server" ] || [ ! -x "$B/qinqing-cli" ] || [ ! -x "$B/qinqing-bench" ] || apart \
  || ! { "$B/qinqing-bench" 2>&1 || true; } | grep -q failover-load; then
  for try in 1 2 3; do
    cargo build -q -p qinqing-bench -p qinqing-server -p qinqing-cli && break
    [ "$try" = 3 ] && fail "cargo build failed"
    echo "failover-test: build failed (sources being edited?), retrying in 60 s" >&2
    sleep 60
  done
fi
BENCH=$B/qinqing-bench
CLI=$B/qinqing-cli
SERVER=$B/qinqing-server

stop_cluster "$STANDBY"
stop_cluster "$PRIMARY"
rm -rf "$DIR"
mkdir -p "$QINQING_KEY_DIR"
chmod 700 "$QINQING_KEY_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
trap cleanup EXIT
trap 'exit 130' INT
trap 'echo "failover-test: FAIL: not finished within $LIMIT_SECS s" >&2; exit 124' TERM
# A watchdog: the test is bounded whatever hangs.
( for _ in $(seq 1 "$LIMIT_SECS"); do sleep 1; kill -0 $$ 2>/dev/null || exit 0; done; kill -TERM $$ ) &
WATCHDOG=$!

sql() { "$PSQL" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 "$1" -c "$2"; }

# ---------------------------------------------------------------- a. fail-over
# 1. The primary. The synchronous-standby settings are given on its command
# line, not in postgresql.conf: pg_basebackup copies postgresql.conf (and
# postgresql.auto.conf), and a promoted standby that inherited
# synchronous_standby_names='*' would wait for a standby of its own on every
# commit — with none, every settlement would hang.
p1=$(free_port)
as_pg "$BIN/initdb" -D "$PRIMARY" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; fail "initdb"; }
as_pg "$BIN/pg_ctl" -D "$PRIMARY" -l "$DIR/primary.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$p1 -c unix_socket_directories=$DIR -c wal_level=replica -c max_wal_senders=10 -c synchronous_standby_names='*' -c synchronous_commit=on" \
  start >/dev/null || fail "the primary did not start"
URL1=postgres://postgres@127.0.0.1:$p1

# 2. The synchronous standby, from a base backup of the primary (-R: standby.signal
# and primary_conninfo). Not synchronous itself: after its promotion it has no standby.
p2=$(free_port)
as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$p1" -U postgres -D "$STANDBY" -R -X stream -c fast >"$DIR/basebackup.log" 2>&1 \
  || { cat "$DIR/basebackup.log" >&2; fail "pg_basebackup"; }
as_pg "$BIN/pg_ctl" -D "$STANDBY" -l "$DIR/standby.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$p2 -c unix_socket_directories=$DIR -c synchronous_standby_names=''" \
  start >/dev/null || fail "the standby did not start"
URL2=postgres://postgres@127.0.0.1:$p2
state=""
for _ in $(seq 1 200); do
  state=$(sql "$URL1/postgres" "SELECT string_agg(sync_state, ',') FROM pg_stat_replication")
  [ "$state" = sync ] && break
  sleep 0.1
done
[ "$state" = sync ] || fail "the standby is not a synchronous one after 20 s: pg_stat_replication.sync_state = '$state'"
[ "$(sql "$URL2/postgres" "SELECT pg_is_in_recovery()")" = t ] || fail "the standby is not in recovery"

# 3. The ledger: members, an institution, one signed code per bill; a counter's key.
sql "$URL1/postgres" "CREATE DATABASE ledger"
"$BENCH" race-setup "$URL1/ledger" "$MEMBERS" "$BILLS" "$DIR/bills_a.tsv" 2>"$DIR/setup_a.err" || fail "race-setup (part a)"
[ "$(wc -l < "$DIR/bills_a.tsv")" = "$BILLS" ] || fail "race-setup wrote $(wc -l < "$DIR/bills_a.tsv") bills, not $BILLS"
inst_a=$(head -1 "$DIR/bills_a.tsv" | cut -f4)
key_a=$("$CLI" --db "$URL1/ledger" --json terminal add --institution "$inst_a" --label t | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])') \
  || fail "terminal add (part a)"
MULTI="postgres://postgres@127.0.0.1:$p1,127.0.0.1:$p2/ledger?target_session_attrs=read-write"

start_server() { # NAME DB: starts qinqing-server, sets $addr and appends its pid to SERVER_PIDS
  "$SERVER" --db "$2" --listen 127.0.0.1:0 --log-level warn >"$DIR/$1.out" 2>"$DIR/$1.err" &
  SERVER_PIDS+=($!)
  addr=""
  for _ in $(seq 1 200); do
    addr=$(sed -n 's/^listening on //p' "$DIR/$1.out" 2>/dev/null)
    [ -n "$addr" ] && break
    kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || fail "qinqing-server $1 exited: $(tail -n 3 "$DIR/$1.err")"
    sleep 0.1
  done
  [ -n "$addr" ] || fail "qinqing-server $1 did not listen within 20 s"
}
start_server server_a "$MULTI"
A=http://$addr
pid_a=${SERVER_PIDS[-1]}

# Money conserved: what the members hold plus what their personal accounts
# paid (the legs with a person, settle/ledger.rs: own account and family aid)
# stays what they were given.
CONSERVED="SELECT (SELECT sum(balance_fen) FROM person)
  + (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg WHERE source IN ('own_account', 'family_aid'))"
initial_a=$(sql "$URL1/ledger" "SELECT sum(balance_fen) FROM person")
[ "$(sql "$URL1/ledger" "SELECT count(*) FROM settlement")" = 0 ] || fail "settlements before the load"

# Every bill settled exactly once, every acknowledgement in the ledger, money conserved.
check_ledger() { # PART DB_URL INST BILLS_TSV OUT_TSV LOAD_JSON INITIAL
  local part=$1 db=$2 inst=$3 bills=$4 out=$5 json=$6 initial=$7
  sql "$db" "SELECT bill_id, id, total_fen FROM settlement WHERE institution_id = $inst" >"$DIR/settled_$part.tsv" \
    || fail "$part: cannot read the settlements"
  python3 - "$part" "$bills" "$out" "$DIR/settled_$part.tsv" "$json" <<'PY' || fail "$part: the ledger check failed (above)"
import collections, json, sys
part, bills_f, out_f, settled_f, json_f = sys.argv[1:]
def rows(f): return [l.rstrip("\n").split("\t") for l in open(f) if l.strip()]
def fail(m): print(f"failover-test: FAIL: {part}: {m}", file=sys.stderr); sys.exit(1)
bills = {r[1]: int(r[2]) for r in rows(bills_f)}
load = json.loads(open(json_f).read().strip().splitlines()[-1])
if load["unfinished"] or load["refused"] or load["acknowledged"] != len(bills):
    fail(f"failover-load did not settle every bill: {json.dumps(load)}")
settled = collections.defaultdict(list)
for bill, sid, total in rows(settled_f):
    settled[bill].append((int(sid), int(total)))
twice = {b: v for b, v in settled.items() if len(v) != 1}
if twice: fail(f"bills settled more than once: {dict(list(twice.items())[:5])}")
stray = set(settled) - set(bills)
if stray: fail(f"settlements of bills not in the list: {sorted(stray)[:5]}")
missing = set(bills) - set(settled)
if missing: fail(f"{len(missing)} bills not settled in the ledger: {sorted(missing)[:5]}")
if sum(len(v) for v in settled.values()) != len(bills): fail("settlement count differs from bill count")
acked = collections.defaultdict(list)
for bill, sid, replayed, at, total in rows(out_f):
    acked[bill].append((int(sid), int(total)))
for bill, answers in acked.items():
    for sid, total in answers:
        if bill not in settled: fail(f"acknowledged bill {bill} (settlement {sid}) is not in the ledger")
        if settled[bill][0] != (sid, total):
            fail(f"acknowledged bill {bill} as settlement {sid} ({total} fen); the ledger has {settled[bill][0]}")
        if total != bills[bill]: fail(f"bill {bill} settled for {total} fen, billed {bills[bill]}")
if set(acked) != set(bills): fail(f"{len(set(bills) - set(acked))} bills never acknowledged")
PY
  local now
  now=$(sql "$db" "$CONSERVED")
  [ "$now" = "$initial" ] || fail "$part: money not conserved: balances + personal legs = $now fen, members were given $initial fen"
  local legs
  legs=$(sql "$db" "SELECT count(*) FROM settlement_leg l JOIN settlement s ON s.id = l.settlement_id
    WHERE (l.source IN ('own_account', 'family_aid')) <> (l.person_id IS NOT NULL)")
  [ "$legs" = 0 ] || fail "$part: $legs legs whose source and person disagree (the conservation check would not hold)"
  [ "$(sql "$db" "SELECT count(*) FROM settlement s WHERE total_fen <> (SELECT sum(amount_fen) FROM settlement_leg l WHERE l.settlement_id = s.id)")" = 0 ] \
    || fail "$part: settlements whose legs do not sum to the bill"
}

# 4. Terminals settle; the primary dies; the standby is promoted.
"$BENCH" failover-load "$A" "$key_a" "$DIR/bills_a.tsv" "$TERMINALS" "$DIR/out_a.tsv" "$LOAD_SECS" >"$DIR/load_a.json" 2>"$DIR/load_a.err" &
LOAD_PID=$!
sleep 3
kill -0 "$LOAD_PID" 2>/dev/null || fail "failover-load finished before the primary was killed (raise FAILOVER_BILLS): $(cat "$DIR/load_a.json")"
before_kill=$(wc -l < "$DIR/out_a.tsv")
pm=$(head -1 "$PRIMARY/postmaster.pid")
kids=$(pgrep -P "$pm" | tr '\n' ' ')
[ -n "$kids" ] || fail "no child processes of the primary's postmaster $pm"
# shellcheck disable=SC2086
kill -9 "$pm" $kids
kill_ms=$(now_ms)
PRIMARY_KILLED=1
sleep 0.5
# While no writable host answers: 503, DB_LOST and Retry-After: 2 (a request
# that needs the ledger, and /readyz).
probe() { # PATH [ARGS…]: "STATUS CODE RETRY-AFTER"
  local p=$1; shift
  curl -s --max-time 5 -D "$DIR/probe.h" -o "$DIR/probe.b" "$@" "$A$p" >/dev/null || true
  local st ra code
  st=$(awk 'NR == 1 {print $2}' "$DIR/probe.h" 2>/dev/null)
  ra=$(awk 'tolower($1) == "retry-after:" {print $2}' "$DIR/probe.h" 2>/dev/null | tr -d '\r')
  code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$DIR/probe.b" 2>/dev/null || echo "-")
  echo "${st:-none} $code ${ra:-none}"
}
outage_ready=$(probe /readyz)
outage_call=$(probe /api/v1/who_am_i -X POST -H 'content-type: application/json' -H "authorization: Bearer $key_a" -d '{}')
[ "$outage_ready" = "503 DB_LOST 2" ] || fail "/readyz while no writable PostgreSQL answers: '$outage_ready', not '503 DB_LOST 2' (status, code, Retry-After)"
[ "$outage_call" = "503 DB_LOST 2" ] || fail "who_am_i while no writable PostgreSQL answers: '$outage_call', not '503 DB_LOST 2' (status, code, Retry-After)"
sleep 0.5
for p in $pm $kids; do # (a zombie waiting to be reaped is dead)
  st=$(ps -o stat= -p "$p" 2>/dev/null || true)
  [ -z "$st" ] || [ "${st#Z}" != "$st" ] || fail "process $p of the primary survived SIGKILL ($st)"
done
promote_start_ms=$(now_ms)
as_pg "$BIN/pg_ctl" -D "$STANDBY" -w -t 60 promote >/dev/null || fail "pg_ctl promote"
promote_ms=$(now_ms)
[ "$(sql "$URL2/postgres" "SELECT pg_is_in_recovery()")" = f ] || fail "the standby is still in recovery after promote"
ready_ms=""
while [ $(( $(now_ms) - promote_ms )) -lt 10000 ]; do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$A/readyz" || true)" = 200 ]; then ready_ms=$(now_ms); break; fi
  sleep 0.1
done
[ -n "$ready_ms" ] || fail "/readyz did not answer 200 within 10 s of the promotion ($(curl -s --max-time 1 "$A/readyz" || true))"
set +e
wait "$LOAD_PID"
load_rc=$?
set -e
LOAD_PID=""
[ -s "$DIR/load_a.json" ] || fail "failover-load printed nothing (exit $load_rc): $(tail -n 3 "$DIR/load_a.err")"
[ "$load_rc" = 0 ] || fail "failover-load exit $load_rc: $(cat "$DIR/load_a.json")"

# The outage in the server's log: told as it began and as it ended (with the
# requests refused meanwhile), not one error line per refused request.
grep -q "the ledger is reachable again" "$DIR/server_a.err" || fail "server A's log does not say the ledger was reachable again: $(tail -n 5 "$DIR/server_a.err")"
grep -Eq "the ledger is not reachable|the connection to the ledger broke" "$DIR/server_a.err" || fail "server A's log does not say the ledger was lost"
! grep -q "request failed.*DB_LOST\|DB_LOST.*request failed" "$DIR/server_a.err" || fail "server A logged a refused request as an error: $(grep -m1 'request failed' "$DIR/server_a.err")"
outage_lines=$(grep -Ec "the ledger is not reachable|the connection to the ledger broke|the ledger is reachable again" "$DIR/server_a.err" || true)
[ "$outage_lines" -le 12 ] || fail "server A wrote $outage_lines lines about one outage"

# 5. The new primary's ledger.
check_ledger a "$URL2/ledger" "$inst_a" "$DIR/bills_a.tsv" "$DIR/out_a.tsv" "$DIR/load_a.json" "$initial_a"
figures_a=$(python3 - "$DIR/out_a.tsv" "$DIR/load_a.json" "$kill_ms" "$promote_start_ms" "$promote_ms" "$ready_ms" "$before_kill" <<'PY'
import json, sys
out_f, json_f = sys.argv[1:3]
kill, pstart, promote, ready, before = map(int, sys.argv[3:])
at = sorted(int(l.split("\t")[3]) for l in open(out_f) if l.strip())
after_kill = [t for t in at if t > kill]
before = len(at) - len(after_kill)
after_promote = [t for t in at if t > promote]
r = json.loads(open(json_f).read().strip().splitlines()[-1])
first = f"{after_kill[0] - kill} ms" if after_kill else "none"
firstp = f"{after_promote[0] - promote} ms" if after_promote else "none"
print(f"{r['acknowledged']} bills settled ({r['replayed']} answered as replayed), {before} acknowledged before the kill; "
      f"kill -> first acknowledgement after it {first}; promote took {promote - pstart} ms; "
      f"promotion -> /readyz 200 {ready - promote} ms, -> first acknowledgement {firstp}; "
      f"longest gap between acknowledgements {r['longest_gap_ms']} ms (from kill {r['longest_gap_from_ms'] - kill:+d} ms); "
      f"retries {r['retries']} {json.dumps(r['retry_reasons'], ensure_ascii=False)}")
print(f"kill->first ack {first}, promotion->readyz {ready - promote} ms, retries {r['retries']}, "
      f"{r['acknowledged']} bills each settled once ({r['replayed']} replayed)")
PY
)
short_a=$(tail -1 <<<"$figures_a")
figures_a=$(head -1 <<<"$figures_a")
say "a (fail-over): during the outage /readyz and who_am_i answered $outage_ready (status, code, Retry-After)"
say "a (fail-over): $figures_a"

# ---------------------------------------------------------------- b. replicas
# Two servers on a new ledger on the promoted cluster (race-setup's members
# would repeat part a's ID numbers in its ledger).
kill "$pid_a" 2>/dev/null || true
wait "$pid_a" 2>/dev/null || true
sql "$URL2/postgres" "CREATE DATABASE replicas"
DB2=$URL2/replicas
"$BENCH" race-setup "$DB2" "$MEMBERS" "$BILLS_B" "$DIR/bills_b.tsv" 2>"$DIR/setup_b.err" || fail "race-setup (part b)"
inst_b=$(head -1 "$DIR/bills_b.tsv" | cut -f4)
key_b=$("$CLI" --db "$DB2" --json terminal add --institution "$inst_b" --label t2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])') \
  || fail "terminal add (part b)"
PW=Failover-Test-7319
staff=$(printf '%s\n%s\n' "$PW" "$PW" | "$CLI" --db "$DB2" --json staff add --name 切换测试员 --role admin | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') \
  || fail "staff add"
start_server server_ra "$DB2"
RA=http://$addr
pid_ra=${SERVER_PIDS[-1]}
start_server server_rb "$DB2"
RB=http://$addr

post() { # URL OP BODY [TOKEN]: prints "STATUS<TAB>BODY"
  local auth=()
  [ -n "${4:-}" ] && auth=(-H "authorization: Bearer $4")
  curl -s --max-time 10 -w '\t%{http_code}' -H 'content-type: application/json' "${auth[@]}" -d "$3" "$1/api/v1/$2" \
    | python3 -c 'import sys; b, _, s = sys.stdin.read().rpartition("\t"); print(s + "\t" + b)'
}
status_of() { cut -f1 <<<"$1"; }
json_of() { cut -f2- <<<"$1" | python3 -c "import json,sys; v=json.load(sys.stdin); print($2)"; }

# (i) A session made on A is one on B.
r=$(post "$RA" login "{\"staff\": $staff, \"password\": \"$PW\"}")
[ "$(status_of "$r")" = 200 ] || fail "b(i): log-in on A answered $r"
token=$(json_of "$r" 'v["token"]')
r=$(post "$RB" who_am_i '{}' "$token")
[ "$(status_of "$r")" = 200 ] || fail "b(i): A's session refused by B (who_am_i): $r"
r=$(post "$RB" staff_list '{}' "$token")
[ "$(status_of "$r")" = 200 ] || fail "b(i): A's session refused by B (staff_list): $r"
[ "$(json_of "$r" "any(s['id'] == $staff for s in v)")" = True ] || fail "b(i): B's staff list lacks staff $staff: $r"
session_b="A's session read on B: who_am_i and staff_list 200"

# (ii) Wrong passwords, A and B in turn: their count is the ledger's.
free=$(sql "$DB2" "SELECT coalesce((SELECT value FROM setting WHERE key = 'staff_lockout_attempts'), '5')")
seen_a=0; seen_b=0; limited_at=""; trail=""
for i in $(seq 1 $(( free + 3 ))); do
  if [ $((i % 2)) = 1 ]; then url=$RA; who=A; else url=$RB; who=B; fi
  r=$(post "$url" login "{\"staff\": $staff, \"password\": \"wrong-password-$i\"}")
  st=$(status_of "$r")
  code=$(json_of "$r" 'v.get("error", {}).get("code", "")' 2>/dev/null || echo "?")
  trail="$trail $who:$st/$code"
  if [ "$st" = 429 ]; then
    [ "$code" = RATE_LIMITED ] || fail "b(ii): 429 with code $code:$trail"
    limited_at=$i; break
  fi
  [ "$code" = STAFF_PASSWORD_WRONG ] || fail "b(ii): wrong password $i answered $st $code:$trail"
  if [ "$who" = A ]; then seen_a=$((seen_a + 1)); else seen_b=$((seen_b + 1)); fi
done
[ -n "$limited_at" ] || fail "b(ii): no RATE_LIMITED after $(( free + 3 )) wrong passwords sent to A and B in turn (free tries: $free):$trail"
[ "$seen_a" -lt "$free" ] && [ "$seen_b" -lt "$free" ] \
  || fail "b(ii): throttled only after one server alone saw $free wrong passwords (A $seen_a, B $seen_b):$trail"
[ "$limited_at" = $(( free + 1 )) ] || fail "b(ii): throttled at attempt $limited_at, not $(( free + 1 )):$trail"
throttle_b="wrong passwords A/B in turn:$trail (A saw $seen_a, B $seen_b wrong ones; $free free)"

# (iii) Terminals alternate between A and B; A is killed; B finishes every bill.
initial_b=$(sql "$DB2" "$CONSERVED")
"$BENCH" failover-load "$RA,$RB" "$key_b" "$DIR/bills_b.tsv" "$TERMINALS" "$DIR/out_b.tsv" "$LOAD_SECS" >"$DIR/load_b.json" 2>"$DIR/load_b.err" &
LOAD_PID=$!
load_b_ms=$(now_ms)
for _ in $(seq 1 600); do
  [ -f "$DIR/out_b.tsv" ] && [ "$(wc -l < "$DIR/out_b.tsv")" -ge $(( BILLS_B / 3 )) ] && break
  kill -0 "$LOAD_PID" 2>/dev/null || break
  sleep 0.05
done
kill -0 "$LOAD_PID" 2>/dev/null || fail "failover-load finished before server A was killed (raise FAILOVER_BILLS_B): $(cat "$DIR/load_b.json")"
before_kill_b=$(wc -l < "$DIR/out_b.tsv")
[ "$before_kill_b" -gt 0 ] || fail "b(iii): nothing acknowledged in 30 s before server A was to be killed: $(tail -n 3 "$DIR/load_b.err")"
kill -9 "$pid_ra"
kill_b_ms=$(now_ms)
wait "$pid_ra" 2>/dev/null || true # (reaped here: no "Killed" line from the shell)
set +e
wait "$LOAD_PID"
load_rc=$?
set -e
LOAD_PID=""
[ -s "$DIR/load_b.json" ] || fail "b(iii): failover-load printed nothing (exit $load_rc): $(tail -n 3 "$DIR/load_b.err")"
[ "$load_rc" = 0 ] || fail "b(iii): failover-load exit $load_rc: $(cat "$DIR/load_b.json")"
check_ledger b "$DB2" "$inst_b" "$DIR/bills_b.tsv" "$DIR/out_b.tsv" "$DIR/load_b.json" "$initial_b"
figures_b=$(python3 - "$DIR/out_b.tsv" "$DIR/load_b.json" "$kill_b_ms" "$before_kill_b" "$load_b_ms" <<'PY'
import json, sys
out_f, json_f = sys.argv[1:3]
kill, before, start = map(int, sys.argv[3:])
at = sorted(int(l.split("\t")[3]) for l in open(out_f) if l.strip())
after = [t for t in at if t > kill]
before = len(at) - len(after)
r = json.loads(open(json_f).read().strip().splitlines()[-1])
print(f"{r['acknowledged']} bills settled ({r['replayed']} replayed), {before} before A was killed ({kill - start} ms after the start), "
      f"{len(after)} after it in {max(at) - kill} ms; "
      f"kill -> first acknowledgement after it {after[0] - kill if after else 'none'} ms; "
      f"longest gap {r['longest_gap_ms']} ms; retries {r['retries']} {json.dumps(r['retry_reasons'], ensure_ascii=False)}")
print(f"{r['acknowledged']} bills each settled once ({r['replayed']} replayed), {len(after)} through B after A's kill, "
      f"longest gap {r['longest_gap_ms']} ms")
PY
)
short_b=$(tail -1 <<<"$figures_b")
figures_b=$(head -1 <<<"$figures_b")
say "b (replicas): $session_b; $throttle_b"
say "b (replicas): $figures_b"
say "PASS in $((SECONDS - START_S)) s; fail-over: $short_a, money conserved; replicas: session shared, wrong passwords throttled at attempt $limited_at (A saw $seen_a, B $seen_b), $short_b, money conserved"
