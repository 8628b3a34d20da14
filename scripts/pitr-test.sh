#!/usr/bin/env bash
# Point-in-time recovery of a PostgreSQL ledger (issue 34), end to end:
#   a throwaway PostgreSQL cluster in target/pitr that archives its WAL;
#   a ledger with members and one signed code per bill (qinqing-bench race-setup);
#   a base backup (pg_basebackup -X none: every WAL segment comes from the archive);
#   a first batch of settlements, the figures and the time T, a second batch;
#   the primary stopped, the base backup restored with restore_command and
#   recovery_target_time = T, promoted; its figures must be those at T exactly,
#   and differ from those after the second batch.
# Loopback only, trust authentication; as root PostgreSQL runs as `postgres`.
# Everything is deleted at the end, passed or not. Needs the debug binaries
# (built here when missing). Usage: scripts/pitr-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
DIR=$ROOT/target/pitr
ARCH=$DIR/archive
PRIMARY=$DIR/primary
BASE=$DIR/base
RESTORED=$DIR/restored
MEMBERS=20
BATCH=60
export QINQING_KEY_DIR=$DIR/keys
START_S=$SECONDS

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
fail() { echo "pitr-test: FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stop_cluster() {
  if [ -f "$1/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$1" -m fast -t 30 stop >/dev/null 2>&1 \
    || as_pg "$BIN/pg_ctl" -D "$1" -m immediate stop >/dev/null 2>&1 || true; fi
}
cleanup() {
  rc=$?
  if [ "$rc" != 0 ]; then
    for log in "$DIR/primary.log" "$DIR/restored.log"; do
      [ -f "$log" ] && { echo "--- last lines of $log" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  stop_cluster "$RESTORED"
  stop_cluster "$PRIMARY"
  rm -rf "$DIR"
  exit "$rc"
}

[ -x "$BIN/initdb" ] || fail "PostgreSQL not found (run scripts/deps.sh test)"
PSQL=$BIN/psql

# The debug binaries (race-setup/race-worker; qinqing-cli opens the restored ledger).
if [ ! -x target/debug/qinqing-bench ] || [ ! -x target/debug/qinqing-cli ]; then
  for try in 1 2 3; do
    cargo build -q -p qinqing-bench -p qinqing-cli && break
    [ "$try" = 3 ] && fail "cargo build failed"
    echo "pitr-test: build failed (sources being edited?), retrying in 60 s" >&2
    sleep 60
  done
fi
BENCH=$ROOT/target/debug/qinqing-bench
CLI=$ROOT/target/debug/qinqing-cli

# 1. A primary that archives every finished WAL segment into $ARCH.
stop_cluster "$DIR/restored"
stop_cluster "$DIR/primary"
rm -rf "$DIR"
mkdir -p "$ARCH" "$QINQING_KEY_DIR"
chmod 700 "$QINQING_KEY_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR" "$ARCH"
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(free_port)
as_pg "$BIN/initdb" -D "$PRIMARY" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; fail "initdb"; }
# What a centre puts in postgresql.conf (README: "Keeping WAL archives ...").
as_pg sh -c "cat >> '$PRIMARY/postgresql.conf'" <<EOF
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $ARCH/%f && cp %p $ARCH/%f'
EOF
as_pg "$BIN/pg_ctl" -D "$PRIMARY" -l "$DIR/primary.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$DIR" \
  start >/dev/null || fail "the primary did not start"
URL=postgres://postgres@127.0.0.1:$port
sql() { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$1" -c "$2"; }

# Counts and sums of the ledger, one line: settlements, money billed and paid
# by the fund, the legs by source, and the members' balances.
FIGURES="SELECT format('%s settlements, %s fen billed, %s fen by the fund, legs [%s], balances %s fen',
  (SELECT count(*) FROM settlement),
  (SELECT coalesce(sum(total_fen), 0) FROM settlement),
  (SELECT coalesce(sum(fund_fen), 0) FROM settlement),
  (SELECT coalesce(string_agg(source || ' ' || n || '/' || s, ', ' ORDER BY source), '')
     FROM (SELECT source, count(*) AS n, sum(amount_fen) AS s FROM settlement_leg GROUP BY source) l),
  (SELECT sum(balance_fen) FROM person))"

# 2. The ledger: members, an institution, one signed code per bill.
sql "$URL/postgres" "CREATE DATABASE qinqing"
DB=$URL/qinqing
"$BENCH" race-setup "$DB" "$MEMBERS" $((2 * BATCH)) "$DIR/bills.tsv" || fail "race-setup"
head -n "$BATCH" "$DIR/bills.tsv" > "$DIR/batch1.tsv"
tail -n +$((BATCH + 1)) "$DIR/bills.tsv" > "$DIR/batch2.tsv"
[ "$(wc -l < "$DIR/batch2.tsv")" = "$BATCH" ] || fail "race-setup wrote $(wc -l < "$DIR/bills.tsv") bills, not $((2 * BATCH))"
before=$(sql "$DB" "$FIGURES")

# 3. The base backup (as a centre's nightly one), taken after setup.
as_pg "$BIN/pg_basebackup" -h "$DIR" -p "$port" -U postgres -D "$BASE" -X none -c fast >"$DIR/basebackup.log" 2>&1 \
  || { cat "$DIR/basebackup.log" >&2; fail "pg_basebackup"; }

settle() { # FILE: settles every bill of FILE; every one must be settled, none replayed
  "$BENCH" race-worker "$DB" "$1" > "$1.out" || fail "race-worker on $1"
  local ok
  ok=$(grep -c '"replayed":false' "$1.out" || true)
  [ "$ok" = "$BATCH" ] || { head -n 3 "$1.out" >&2; fail "$ok of $BATCH bills of $1 settled"; }
}

# 4. First batch, the figures and the moment T, second batch.
settle "$DIR/batch1.tsv"
at_t=$(sql "$DB" "$FIGURES")
sql "$DB" "SELECT pg_switch_wal()" >/dev/null
sleep 1
T=$(sql "$DB" "SELECT now()::text")
sleep 1
settle "$DIR/batch2.tsv"
after=$(sql "$DB" "$FIGURES")
[ "$at_t" != "$before" ] || fail "the first batch changed nothing: $at_t"
[ "$after" != "$at_t" ] || fail "the second batch changed nothing: $after"
last=$(sql "$DB" "SELECT pg_walfile_name(pg_switch_wal())")
for _ in $(seq 1 300); do
  archived=$(sql "$URL/postgres" "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver")
  [ "$archived" = t ] && [ -f "$ARCH/$last" ] && break
  sleep 0.1
done
[ "$archived" = t ] || fail "WAL segment $last not archived after 30 s: $(sql "$URL/postgres" "SELECT failed_count, last_failed_wal FROM pg_stat_archiver")"

# 5. The primary is lost; the base backup plus the archive bring the ledger back to T.
stop_cluster "$PRIMARY"
as_pg cp -a "$BASE" "$RESTORED"
as_pg sh -c "cat >> '$RESTORED/postgresql.auto.conf'" <<EOF
restore_command = 'cp $ARCH/%f %p'
recovery_target_time = '$T'
recovery_target_action = 'promote'
EOF
as_pg touch "$RESTORED/recovery.signal"
port2=$(free_port)
as_pg "$BIN/pg_ctl" -D "$RESTORED" -l "$DIR/restored.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port2 -c unix_socket_directories=$DIR -c archive_mode=off" \
  start >/dev/null || fail "the restored cluster did not start"
URL2=postgres://postgres@127.0.0.1:$port2
for _ in $(seq 1 600); do
  recovering=$(sql "$URL2/postgres" "SELECT pg_is_in_recovery()" 2>/dev/null || echo t)
  [ "$recovering" = f ] && break
  sleep 0.1
done
[ "$recovering" = f ] || fail "the restored cluster is still in recovery after 60 s"

restored=$(sql "$URL2/qinqing" "$FIGURES")
[ "$restored" = "$at_t" ] || fail "restored to $T:
  restored:       $restored
  expected (at T): $at_t
  after batch 2:  $after"
[ "$restored" != "$after" ] || fail "the restored ledger holds the second batch: $restored"
grep -q "recovery stopping before" "$DIR/restored.log" \
  || fail "recovery did not stop at the target time (its log is above)"
# Money is conserved in the restored ledger: each bill is its legs, and the
# members' balances are what they were given less what their accounts paid.
conserved=$(sql "$URL2/qinqing" "SELECT (SELECT coalesce(sum(total_fen), 0) FROM settlement)
    = (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg)
  AND (SELECT sum(balance_fen) FROM person) + (SELECT coalesce(sum(amount_fen), 0) FROM settlement_leg
    WHERE source IN ('own_account', 'family_aid')) = $MEMBERS * 200000")
[ "$conserved" = t ] || fail "money is not conserved in the restored ledger: $restored"
# Qinqing opens the restored ledger (schema, and the key file still matches it).
"$CLI" --db "$URL2/qinqing" --json info > "$DIR/info.json" 2>&1 || { cat "$DIR/info.json" >&2; fail "qinqing-cli cannot open the restored ledger"; }

echo "pitr-test: at T ($T):  $at_t"
echo "pitr-test: after batch 2:  $after"
echo "pitr-test: PASS restored to T: $restored ($((SECONDS - START_S)) s)"
