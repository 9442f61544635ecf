#!/usr/bin/env bash
# Scale measurements (issue 8): execute latency with 1k vs 1M stored credentials (seeded in
# bulk) on SQLite and on PostgreSQL, idle and loaded RSS, and execute throughput with 1 vs 2
# nodes on one PostgreSQL. Each pair is measured in the same run, interleaved by round.
#
#   bench/scale.sh            # builds the release preset (+ seed_credentials), runs, prints Markdown
#
# Needs (Debian 12): the packages of scripts/setup.sh (PostgreSQL server, psql, sqlite3), node,
# curl, python3, wrk. Shared plumbing: bench/lib.sh.
#
# What runs, all on 127.0.0.1:
#   upstream   node bench-upstream.mjs (200 {"ok":true} to everything)
#   postgres   a throw-away server from scripts/postgres.sh (fsync off, as in the tests), unless
#              BENCH_PG_URL names one whose role may CREATE DATABASE
#   junction   build/release `junction serve`, one per (backend, size): sqlite-1k, sqlite-1m,
#              pg-1k, pg-1m (own SQLite file / own PostgreSQL database), all with the same
#              JUNCTION_MASTER_KEYS, the `bench` connector of execute_latency.sh, no practical
#              rate limits, log level warn, default thread counts; plus pg-1k-b, a second node
#              on pg-1k's database.
#   seeding    build/release/bench/seed_credentials writes SMALL-1 and LARGE-1 valid sealed
#              apiKey credentials (100 per filler user) as CSV; psql \copy / sqlite3 .import load
#              them after each node has migrated; then the API adds user `bench` and its one
#              credential, the one every execute uses.
# Targets (all POST /connectors/bench/actions/ping/execute → upstream GET /ping):
#   exec-sqlite-1k, exec-sqlite-1m, exec-pg-1k, exec-pg-1m
#                 per round: the probe (one connection, sequential, every request timed), then
#                 wrk -t1 -c CONNECTIONS
#   nodes-1       wrk -c CONNECTIONS against pg-1k alone
#   nodes-2       two wrk -c CONNECTIONS/2 at once, one per node (pg-1k, pg-1k-b): the
#                 balancer is the client (no proxy hop to bias either side); req/s summed
# RSS: VmRSS of each junction after setup (idle) and after the rounds; VmHWM (peak).
#
# Environment knobs (defaults in brackets):
#   DURATION [5s]  ROUNDS [2]  CONNECTIONS [32]  PROBE_SECONDS [3]
#   SMALL [1000]  LARGE [1000000] (stored credentials, the measured one included)
#   BACKENDS ["sqlite pg"]   NODES [1] (0: skip 1 vs 2 nodes)   BUILD [1]
#   OUT_DIR [mktemp]: raw.jsonl, rss.jsonl, summary.md, logs.
set -euo pipefail

BENCH_NAME=scale.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-32}
PROBE_SECONDS=${PROBE_SECONDS:-3}
SMALL=${SMALL:-1000}
LARGE=${LARGE:-1000000}
BACKENDS=${BACKENDS:-"sqlite pg"}
NODES=${NODES:-1}
BUILD=${BUILD:-1}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/junction-scale-bench.XXXXXX)}
SEED_BIN=$ROOT/build/release/bench/seed_credentials
mkdir -p "$OUT_DIR"

need_tools node curl python3 wrk psql sqlite3
if [[ $BUILD == 1 ]]; then
  BENCH_CMAKE_ARGS=-DJUNCTION_BUILD_BENCH=ON build_release junction seed_credentials
fi
[[ -x $JUNCTION_BIN && -x $SEED_BIN ]] || die "$JUNCTION_BIN or $SEED_BIN missing (BUILD=1)"

# --- PostgreSQL --------------------------------------------------------------------------------
PG_URL=${BENCH_PG_URL:-}
if [[ " $BACKENDS " == *" pg "* && -z $PG_URL ]]; then
  log "starting a throw-away PostgreSQL"
  # Not under $WORK: as root the server runs as user postgres, which cannot enter it.
  PG_DIR=$(mktemp -d /tmp/junction-bench-pg.XXXXXX)
  PG_URL=$(PG_DIR=$PG_DIR bash "$ROOT/scripts/postgres.sh" start 2>"$WORK/postgres.log")
  stop_postgres() {
    PG_DIR=$PG_DIR bash "$ROOT/scripts/postgres.sh" stop 2>/dev/null || true
    rm -rf "$PG_DIR"
  }
  trap 'stop_postgres; bench_cleanup' EXIT
fi
pg_database_url() {  # NAME: PG_URL with its database replaced by NAME
  local base=${PG_URL%%\?*} query=''
  [[ $PG_URL != *\?* ]] || query="?${PG_URL#*\?}"
  echo "${base%/*}/$1$query"
}

# --- seeding -----------------------------------------------------------------------------------
MASTER_KEYS="1:$(head -c 32 /dev/urandom | base64)"
start_upstream
write_bench_catalog "$WORK/catalog"

seed_csv() {  # SIZE COUNT: CSV in $WORK/seed-SIZE (filler rows only; `bench`'s comes later)
  log "sealing $2 filler credentials ($1)"
  JUNCTION_MASTER_KEYS=$MASTER_KEYS "$SEED_BIN" --count "$2" --per-user 100 --connector bench \
    --out "$WORK/seed-$1" >&2
}

load_sqlite() {  # DB_FILE SIZE
  sqlite3 "$1" >/dev/null <<EOF
PRAGMA busy_timeout = 10000;
.mode csv
.import $WORK/seed-$2/users.csv seed_users
.import $WORK/seed-$2/credentials.csv seed_credentials
BEGIN;
INSERT INTO users (id, username, full_name, created_at, updated_at)
  SELECT id, username, full_name, created_at, updated_at FROM seed_users;
INSERT INTO credentials (id, user_id, connector_id, authentication_type, name, status, secret,
                         key_id, created_at, updated_at)
  SELECT id, user_id, connector_id, authentication_type, name, status, secret, key_id,
         created_at, updated_at FROM seed_credentials;
DROP TABLE seed_users;
DROP TABLE seed_credentials;
COMMIT;
ANALYZE;
EOF
}

load_pg() {  # URL SIZE
  psql "$1" -v ON_ERROR_STOP=1 -qAt <<EOF
\copy users (id, username, full_name, created_at, updated_at) FROM '$WORK/seed-$2/users.csv' WITH (FORMAT csv, HEADER true)
\copy credentials (id, user_id, connector_id, authentication_type, name, status, secret, key_id, created_at, updated_at) FROM '$WORK/seed-$2/credentials.csv' WITH (FORMAT csv, HEADER true)
ANALYZE users;
ANALYZE credentials;
EOF
}

count_credentials() {  # BACKEND NAME
  if [[ $1 == sqlite ]]; then
    sqlite3 "$WORK/data-$2/junction.db" 'SELECT count(*) FROM credentials'
  else
    psql "$(pg_database_url "junction_bench_${2//-/_}")" -qAt -c 'SELECT count(*) FROM credentials'
  fi
}

declare -A URL_OF PID_OF BODY_OF RSS_IDLE
# start_seeded BACKEND SIZE COUNT: a junction on its own database holding COUNT credentials.
start_seeded() {
  local backend=$1 size=$2 count=$3 name="$1-$2" env=()
  if [[ $backend == pg ]]; then
    local database="junction_bench_${name//-/_}"
    psql "$PG_URL" -qAt -c "CREATE DATABASE $database" >/dev/null
    env=(JUNCTION_DATABASE_URL="$(pg_database_url "$database")")
  fi
  log "starting junction $name"
  start_junction "$name" JUNCTION_CATALOG_DIR="$WORK/catalog" \
    JUNCTION_EGRESS_ALLOW_CIDRS=127.0.0.1/32 JUNCTION_MASTER_KEYS="$MASTER_KEYS" "${env[@]}"
  URL_OF[$name]=$JURL
  PID_OF[$name]=$JPID
  local started=$SECONDS
  if [[ $backend == pg ]]; then
    load_pg "$(pg_database_url "$database")" "$size"
  else
    load_sqlite "$WORK/data-$name/junction.db" "$size"
  fi
  setup_bench_credential "$JURL"
  BODY_OF[$name]="{\"credentialId\":\"$CREDENTIAL_ID\"}"
  # A seeded row works like a real one: it opens under the shared master key and executes.
  local seeded
  seeded=$(api "$JURL" POST /connectors/bench/actions/ping/execute \
    '{"credentialId":"5eed00000000000000000000"}' -H 'x-alloy-userid: seed-user-0')
  [[ $seeded == *'"success":true'* ]] || die "$name: a seeded credential does not execute: $seeded"
  local stored
  stored=$(count_credentials "$backend" "$name")
  ((stored == count)) || die "$name holds $stored credentials, expected $count"
  log "$name: $stored credentials stored (loaded in $((SECONDS - started)) s)"
}

[[ -d $WORK/seed-1k ]] || seed_csv 1k $((SMALL - 1))
[[ -d $WORK/seed-1m ]] || seed_csv 1m $((LARGE - 1))
targets=()
for backend in $BACKENDS; do
  for size in 1k 1m; do
    start_seeded "$backend" "$size" "$([[ $size == 1k ]] && echo "$SMALL" || echo "$LARGE")"
    targets+=("exec-$backend-$size")
  done
done
rm -rf "$WORK"/seed-*
if [[ $NODES == 1 ]]; then
  [[ " $BACKENDS " == *" pg "* ]] || die "NODES=1 needs the pg backend"
  log "starting junction pg-1k-b: a second node on pg-1k's database"
  start_junction pg-1k-b JUNCTION_CATALOG_DIR="$WORK/catalog" \
    JUNCTION_EGRESS_ALLOW_CIDRS=127.0.0.1/32 JUNCTION_MASTER_KEYS="$MASTER_KEYS" \
    JUNCTION_DATABASE_URL="$(pg_database_url junction_bench_pg_1k)"
  URL_OF[pg-1k-b]=$JURL
  PID_OF[pg-1k-b]=$JPID
  BODY_OF[pg-1k-b]=${BODY_OF[pg-1k]}
fi
for name in "${!PID_OF[@]}"; do
  api "${URL_OF[$name]}" POST /connectors/bench/actions/ping/execute "${BODY_OF[$name]}" \
    -H 'x-alloy-userid: bench' >/dev/null
  RSS_IDLE[$name]=$(rss_kib "${PID_OF[$name]}")
done

# --- measurement -------------------------------------------------------------------------------
request_shape() {  # TARGET (exec-NAME or node-NAME): sets url, method, body, headers
  local name=${1#*-}
  url="${URL_OF[$name]}/connectors/bench/actions/ping/execute"
  method=POST
  body=${BODY_OF[$name]}
  headers="$AUTH_HEADERS|Content-Type: application/json|x-alloy-userid: bench"
}

RAW="$OUT_DIR/raw.jsonl"
: >"$RAW"
log "warm-up"
for target in "${targets[@]}"; do
  run_wrk "$target" 8 2s >/dev/null
done
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$SECONDS
half=$((CONNECTIONS / 2))
for ((round = 1; round <= ROUNDS; round++)); do
  for target in "${targets[@]}"; do
    ((PROBE_SECONDS == 0)) ||
      record "$RAW" "$round" probe 1 "$target" "$(run_probe "$target" "$PROBE_SECONDS")"
    record "$RAW" "$round" wrk "$CONNECTIONS" "$target" \
      "$(run_wrk "$target" "$CONNECTIONS" "$DURATION")"
  done
  if [[ $NODES == 1 ]]; then
    record "$RAW" "$round" wrk "$CONNECTIONS" nodes-1 \
      "$(run_wrk exec-pg-1k "$CONNECTIONS" "$DURATION")"
    run_wrk exec-pg-1k "$half" "$DURATION" >"$WORK/node-a.json" &
    wrk_a=$!
    run_wrk exec-pg-1k-b "$half" "$DURATION" >"$WORK/node-b.json"
    wait "$wrk_a"
    record "$RAW" "$round" wrk "$CONNECTIONS" nodes-2 "$(node -e '
      const [a, b] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")));
      const sum = (k) => (a[k] ?? 0) + (b[k] ?? 0);
      const out = {requests: sum("requests"), duration_us: Math.max(a.duration_us, b.duration_us),
        p50_us: Math.max(a.p50_us, b.p50_us), p99_us: Math.max(a.p99_us, b.p99_us),
        node_a_requests: a.requests, node_b_requests: b.requests};
      for (const k of ["err_connect", "err_read", "err_write", "err_status", "err_timeout"]) out[k] = sum(k);
      console.log(JSON.stringify(out));' "$WORK/node-a.json" "$WORK/node-b.json")"
  fi
done
ELAPSED=$((SECONDS - STARTED))

printf '{"small":%d,"large":%d}\n' "$SMALL" "$LARGE" >"$OUT_DIR/sizes.json"
RSS="$OUT_DIR/rss.jsonl"
: >"$RSS"
for name in $(printf '%s\n' "${!PID_OF[@]}" | sort); do
  printf '{"name":"%s","idle_kib":%d,"loaded_kib":%d,"peak_kib":%d}\n' "$name" "${RSS_IDLE[$name]}" \
    "$(rss_kib "${PID_OF[$name]}")" "$(rss_kib "${PID_OF[$name]}" VmHWM)" >>"$RSS"
done

{
  echo "Command: \`$0\` (DURATION=$DURATION ROUNDS=$ROUNDS CONNECTIONS=$CONNECTIONS PROBE_SECONDS=$PROBE_SECONDS SMALL=$SMALL LARGE=$LARGE BACKENDS=\"$BACKENDS\" NODES=$NODES); measurement ${ELAPSED}s"
  echo "Date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; kernel $(uname -r); load average at start: $LOAD_AT_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Versions: $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2), $(psql --version), sqlite $(sqlite3 --version | cut -d' ' -f1), junction $(git -C "$ROOT" rev-parse --short HEAD)"
  echo
  node "$HERE/summarize-scale.mjs" "$RAW" "$RSS" "$SMALL" "$LARGE"
} | tee "$OUT_DIR/summary.md"
log "raw runs, summary and logs in $OUT_DIR"
