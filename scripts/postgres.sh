#!/usr/bin/env bash
# Throw-away PostgreSQL (Debian's server binaries) on 127.0.0.1 for tests, without systemd.
#   PG_DIR=/tmp/x postgres.sh start   → prints the libpq URI of a database the tests may use
#   PG_DIR=/tmp/x postgres.sh stop
# As root the server runs as the `postgres` OS user (it refuses to run as root).
set -euo pipefail
: "${PG_DIR:?PG_DIR must name a scratch directory}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$bin/initdb" ]] || { echo "postgres.sh: PostgreSQL server not installed (scripts/setup.sh)" >&2; exit 1; }
if [[ $(id -u) -eq 0 ]]; then run=(runuser -u postgres --); owner=postgres; else run=(); owner=$(id -un); fi

case "${1:-}" in
  start)
    mkdir -p "$PG_DIR"; chown "$owner" "$PG_DIR"; chmod 700 "$PG_DIR"
    # A free loopback port: let the kernel pick one.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
      || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
    cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
CONF
    "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >&2 \
      || { tail -n 30 "$PG_DIR/server.log" >&2; exit 1; }
    psql_bin="$bin/psql"; [[ -x "$psql_bin" ]] || psql_bin=$(command -v psql)
    psql=("${run[@]}" "$psql_bin" -h "$PG_DIR" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
    "${psql[@]}" -c "CREATE ROLE junction LOGIN PASSWORD 'junction' CREATEDB" >&2
    "${psql[@]}" -c "CREATE DATABASE junction_test OWNER junction" >&2
    echo "postgresql://junction:junction@127.0.0.1:$port/junction_test"
    ;;
  stop)
    if [[ -s "$PG_DIR/data/PG_VERSION" ]]; then
      "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2 || true
    fi
    ;;
  *) echo "usage: PG_DIR=DIR $0 start|stop" >&2; exit 2 ;;
esac
