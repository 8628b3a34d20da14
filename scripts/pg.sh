#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests and benchmarks, in target/pg.
#   scripts/pg.sh start   → initdb (fresh) + start; prints the server's URL
#   scripts/pg.sh start --no-fsync → the same without fsync (the test suites:
#                           they kill clients, never the server, and create
#                           hundreds of databases, which autovacuum would
#                           keep visiting; benchmarks keep both)
#   scripts/pg.sh stop    → stop and delete the cluster
# No service is assumed to be running. initdb/postgres refuse to run as root,
# so as root they run as the `postgres` user (the cluster directory is theirs).
# Loopback only, trust authentication: nothing leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
DIR=$PWD/target/pg
PORT_FILE=$DIR/port
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    [ -x "$BIN/initdb" ] || { echo "PostgreSQL not found (run scripts/deps.sh test)" >&2; exit 1; }
    if [ -f "$DIR/data/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    extra=""
    [ "${2:-}" = --no-fsync ] && extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$DIR -c max_connections=200 -c shared_buffers=256MB $extra" \
      start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
    echo "$port" > "$PORT_FILE"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  url)
    echo "postgres://postgres@127.0.0.1:$(cat "$PORT_FILE")/postgres"
    ;;
  stop)
    if [ -d "$DIR/data" ]; then as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start|url|stop" >&2; exit 2 ;;
esac
