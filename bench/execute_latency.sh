#!/usr/bin/env bash
# Added latency of POST /connectors/{id}/actions/{aid}/execute over a direct call to the same
# loopback upstream, beside nginx proxy_pass to that upstream, measured in the same run (issue 5).
#
#   bench/execute_latency.sh            # builds the release preset, runs, prints Markdown
#
# Needs (Debian 12): the packages of scripts/setup.sh (run it once, as root), node (for the
# upstream and the summary), curl, and wrk + nginx-light, which this script installs with apt when
# missing (as root; idempotent). Optional: perf (linux-perf) for PROFILE=1.
# Files it uses, all in bench/: bench-upstream.mjs and nginx/{nginx.conf.template,
# run-nginx-proxy.sh} (copied from /work/shared/testkit, testkit.md §5), wrk-report.lua (request
# shape + a JSON summary line per wrk run), summarize-wrk.mjs (medians, added latency, ratios).
#
# What runs, all on 127.0.0.1, ports picked free at start:
#   upstream  node bench-upstream.mjs (200 {"ok":true} to everything)
#   nginx     proxy_pass to the upstream (keepalive 64, worker_processes 1)
#   junction  build/release `junction serve`: temp data dir with SQLite, an operator catalog with
#             one connector `bench` (base_url = the upstream, apiKey auth in X-Api-Key, one
#             action `ping` = GET /ping), JUNCTION_EGRESS_ALLOW_CIDRS=127.0.0.1/32, rate limit
#             JUNCTION_RATE_LIMIT_API=100000000/60s, log level warn, default thread counts.
#   A user and an apiKey credential are created through the API (bootstrap admin key).
# Targets, measured in ROUNDS interleaved rounds, each round: first the probe (latency-probe.py:
# one keep-alive connection, sequential requests, every request timed, no correction), then
# wrk -t1 --latency at every connection count. The probe exists because wrk 4 "corrects" its
# latency histogram for coordinated omission (synthetic samples for every stall longer than
# connections/throughput): on a shared 2-core machine, scheduler stalls then dominate the p99 of
# fast targets (direct, nginx) far more than that of slow ones, so wrk's p99s are not comparable
# across targets at low concurrency. Targets:
#   direct     GET  upstream/ping
#   nginx      GET  nginx/ping                      (-> upstream/ping)
#   execute    POST junction/connectors/bench/actions/ping/execute {"credentialId":…}
#                                                   (-> GET upstream/ping with X-Api-Key)
#   connector  GET  junction/connectors/bench       (auth + rate limit, no upstream call)
#   healthz    GET  junction/healthz                (no auth, no upstream call)
# Reported: req/s, p50, p99 per target; added latency (target − direct) for nginx and execute;
# ratio junction added / nginx added (target: ≤ 2×).
#
# Environment knobs (defaults in brackets):
#   DURATION [10s] (per wrk run)   ROUNDS [3]   CONNECTIONS ["10 50"] (wrk)
#   PROBE_SECONDS [5] (integer, per probe run; 0: no probe)
#   TARGETS ["direct nginx execute connector healthz"]
#   BASELINE_BIN [unset]: a second junction binary (e.g. main's release build) measured in the
#   same run as target execute-base (and connector-base when listed in TARGETS), so before and
#   after share the machine's load
#   BUILD [1] (0: reuse build/release as is)   PROFILE [0] (1: perf record junction during one
#   extra execute run and print the top symbols and threads)   OUT_DIR [mktemp]: raw.jsonl,
#   summary.md, logs, perf output are kept there.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-"10 50"}
PROBE_SECONDS=${PROBE_SECONDS:-5}
TARGETS=${TARGETS:-"direct nginx execute connector healthz"}
BUILD=${BUILD:-1}
PROFILE=${PROFILE:-0}
JUNCTION_BIN=${JUNCTION_BIN:-$ROOT/build/release/src/junction/cli/junction}
BASELINE_BIN=${BASELINE_BIN:-}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/junction-bench.XXXXXX)}
mkdir -p "$OUT_DIR"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "execute_latency.sh: missing ${missing[*]}; run as root or apt-get install them" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in node curl wrk python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "execute_latency.sh: $tool not found" >&2; exit 1; }
done

# --- build -------------------------------------------------------------------------------------
if [[ $BUILD == 1 ]]; then
  log "building the release preset"
  (
    cd "$ROOT"
    export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$(nproc)" >/dev/null
  )
fi
[[ -x $JUNCTION_BIN ]] || { echo "execute_latency.sh: $JUNCTION_BIN missing (BUILD=1)" >&2; exit 1; }

# --- processes ---------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/junction-bench-work.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  cp "$WORK"/*.log "$OUT_DIR"/ 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_http() {  # URL: polls until it answers 2xx (60 s at most: start-up is slow on a busy machine)
  local i
  for ((i = 0; i < 1200; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "execute_latency.sh: $1 did not come up" >&2
  return 1
}

json_field() {  # JSON on stdin, field name: prints the field
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined){console.error(s);process.exit(1)}console.log(v)})' "$1"
}

log "starting the upstream"
node "$HERE/bench-upstream.mjs" --port 0 >"$WORK/upstream.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 200; i++)); do
  [[ -s $WORK/upstream.log ]] && break
  sleep 0.05
done
UPSTREAM_PORT=$(head -n1 "$WORK/upstream.log" | json_field port)
UPSTREAM="http://127.0.0.1:$UPSTREAM_PORT"
wait_http "$UPSTREAM/ping"

log "starting nginx"
NGINX_PORT=$(free_port)
"$HERE/nginx/run-nginx-proxy.sh" "$NGINX_PORT" "127.0.0.1:$UPSTREAM_PORT" "$WORK/nginx" \
  >"$WORK/nginx.log" 2>&1 &
pids+=($!)
NGINX="http://127.0.0.1:$NGINX_PORT"
wait_http "$NGINX/ping"

mkdir -p "$WORK/catalog"
ADMIN_KEY="jk_bench$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)"

start_junction() {  # NAME BINARY: starts `BINARY serve` on a free port; sets JPORT and JPID
  local name=$1 binary=$2
  JPORT=$(free_port)
  (
    cd "$WORK"
    exec env JUNCTION_LISTEN="127.0.0.1:$JPORT" \
      JUNCTION_DATA_DIR="$WORK/data-$name" \
      JUNCTION_CATALOG_DIR="$WORK/catalog" \
      JUNCTION_EGRESS_ALLOW_CIDRS=127.0.0.1/32 \
      JUNCTION_RATE_LIMIT_API=100000000/60s \
      JUNCTION_LOG_LEVEL=warn \
      JUNCTION_BOOTSTRAP_API_KEY="$ADMIN_KEY" \
      "$binary" serve
  ) >"$WORK/junction-$name.log" 2>&1 &
  JPID=$!
  pids+=("$JPID")
  wait_http "http://127.0.0.1:$JPORT/healthz"
}

api() {  # BASE METHOD PATH [BODY] [extra curl args…]: prints the body, fails on non-2xx
  local base=$1 method=$2 path=$3 body=${4:-}
  shift $(($# < 4 ? $# : 4))
  local data=()
  [[ -z $body ]] || data=(--data "$body")
  curl -sS --fail-with-body -X "$method" "$base$path" \
    -H "Authorization: Bearer $ADMIN_KEY" -H 'x-api-version: 2025-09' \
    -H 'Content-Type: application/json' "${data[@]}" "$@"
}

setup_junction() {  # BASE: creates the user and credential; sets CREDENTIAL_ID
  local base=$1 user_id smoke
  user_id=$(api "$base" POST /users '{"username":"bench"}' | json_field userId)
  CREDENTIAL_ID=$(api "$base" POST /connectors/bench/credentials \
    '{"userId":"bench","authenticationType":"apiKey","data":{"apiKey":"bench-upstream-key"}}' \
    -H 'x-alloy-userid: bench' | json_field credentialId)
  smoke=$(api "$base" POST /connectors/bench/actions/ping/execute \
    "{\"credentialId\":\"$CREDENTIAL_ID\"}" -H 'x-alloy-userid: bench')
  [[ $smoke == *'"success":true'* && $smoke == *'"ok":true'* ]] || {
    echo "execute_latency.sh: unexpected execute answer: $smoke" >&2
    exit 1
  }
  api "$base" GET /connectors/bench >/dev/null
  log "$base: user $user_id, credential $CREDENTIAL_ID; execute answers $smoke"
}

cat >"$WORK/catalog/bench.yaml" <<EOF
id: bench
name: Bench upstream
categories: [testing]
base_url: $UPSTREAM
auth:
  - type: apiKey
    in: header
    name: X-Api-Key
resources:
  - name: ping
    actions:
      - {id: ping, httpMethod: GET, path: /ping}
EOF

log "starting junction"
start_junction current "$JUNCTION_BIN"
JUNCTION_PID=$JPID
JUNCTION="http://127.0.0.1:$JPORT"
log "creating a user and a credential"
setup_junction "$JUNCTION"
EXECUTE_BODY="{\"credentialId\":\"$CREDENTIAL_ID\"}"

if [[ -n $BASELINE_BIN ]]; then
  log "starting the baseline junction ($BASELINE_BIN)"
  start_junction baseline "$BASELINE_BIN"
  BASELINE="http://127.0.0.1:$JPORT"
  setup_junction "$BASELINE"
  BASELINE_BODY="{\"credentialId\":\"$CREDENTIAL_ID\"}"
  [[ " $TARGETS " == *" execute-base "* ]] || TARGETS="$TARGETS execute-base"
fi

# --- measurement -------------------------------------------------------------------------------
AUTH_HEADERS="Authorization: Bearer $ADMIN_KEY|x-api-version: 2025-09"

request_shape() {  # TARGET: sets url, method, body, headers
  method=GET body='' headers=''
  case $1 in
    direct) url="$UPSTREAM/ping" ;;
    nginx) url="$NGINX/ping" ;;
    execute)
      url="$JUNCTION/connectors/bench/actions/ping/execute"
      method=POST
      body=$EXECUTE_BODY
      headers="$AUTH_HEADERS|Content-Type: application/json|x-alloy-userid: bench"
      ;;
    connector)
      url="$JUNCTION/connectors/bench"
      headers=$AUTH_HEADERS
      ;;
    healthz) url="$JUNCTION/healthz" ;;
    execute-base)
      url="$BASELINE/connectors/bench/actions/ping/execute"
      method=POST
      body=$BASELINE_BODY
      headers="$AUTH_HEADERS|Content-Type: application/json|x-alloy-userid: bench"
      ;;
    connector-base)
      url="$BASELINE/connectors/bench"
      headers=$AUTH_HEADERS
      ;;
    *) echo "unknown target $1" >&2; return 1 ;;
  esac
}

run_wrk() {  # TARGET CONNECTIONS [DURATION]: prints the WRKJSON object
  local target=$1 connections=$2 duration=${3:-$DURATION} url method body headers
  request_shape "$target"
  WRK_METHOD=$method WRK_BODY=$body WRK_HEADERS=$headers \
    wrk -t1 -c"$connections" -d"$duration" --timeout 10s --latency \
    -s "$HERE/wrk-report.lua" "$url" >"$WORK/wrk.out" 2>&1 || {
    cat "$WORK/wrk.out" >&2
    return 1
  }
  sed -n 's/^WRKJSON //p' "$WORK/wrk.out"
}

run_probe() {  # TARGET: prints the probe's JSON object
  local url method body headers
  request_shape "$1"
  python3 "$HERE/latency-probe.py" "$url" "$PROBE_SECONDS" "$method" "$body" "$headers"
}

RAW="$OUT_DIR/raw.jsonl"
: >"$RAW"
read -r -a connection_list <<<"$CONNECTIONS"
read -r -a target_list <<<"$TARGETS"
log "warm-up"
for target in "${target_list[@]}"; do
  run_wrk "$target" 10 2s >/dev/null
done
for ((round = 1; round <= ROUNDS; round++)); do
  if ((PROBE_SECONDS > 0)); then
    for target in "${target_list[@]}"; do
      result=$(run_probe "$target")
      printf '{"round":%d,"tool":"probe","connections":1,"target":"%s",%s\n' \
        "$round" "$target" "${result#\{}" >>"$RAW"
      log "round $round probe $target: $result"
    done
  fi
  for connections in "${connection_list[@]}"; do
    for target in "${target_list[@]}"; do
      result=$(run_wrk "$target" "$connections")
      printf '{"round":%d,"tool":"wrk","connections":%d,"target":"%s",%s\n' \
        "$round" "$connections" "$target" "${result#\{}" >>"$RAW"
      log "round $round c=$connections $target: $result"
    done
  done
done

{
  echo "Command: \`$0\` (DURATION=$DURATION ROUNDS=$ROUNDS CONNECTIONS=\"$CONNECTIONS\" PROBE_SECONDS=$PROBE_SECONDS); wrk -t1 --latency -s bench/wrk-report.lua; probe: bench/latency-probe.py"
  echo "Date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; kernel $(uname -r); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Versions: $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2), $(nginx -v 2>&1), node $(node --version), junction $(git -C "$ROOT" rev-parse --short HEAD)"
  echo
  node "$HERE/summarize-wrk.mjs" "$RAW"
} | tee "$OUT_DIR/summary.md"

# --- optional profile --------------------------------------------------------------------------
if [[ $PROFILE == 1 ]]; then
  command -v perf >/dev/null 2>&1 || { echo "PROFILE=1 needs perf" >&2; exit 1; }
  log "profiling junction during execute c=10 for $DURATION"
  perf record -F 997 -g -p "$JUNCTION_PID" -o "$OUT_DIR/perf.data" 2>"$WORK/perf.log" &
  perf_pid=$!
  sleep 0.5
  run_wrk execute 10 >"$OUT_DIR/profile-wrk.json"
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  # Threads are unnamed: per thread id. `|| true`: head closes the pipe early (pipefail).
  perf report -i "$OUT_DIR/perf.data" --no-children --sort pid --stdio -g none 2>/dev/null |
    grep -v -e '^#' -e '^$' | head -n 12 >"$OUT_DIR/perf-threads.txt" || true
  perf report -i "$OUT_DIR/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
    grep -v -e '^#' -e '^$' | head -n 40 >"$OUT_DIR/perf-symbols.txt" || true
  echo
  echo "perf (execute c=10): CPU by thread"
  cat "$OUT_DIR/perf-threads.txt"
  echo
  echo "perf (execute c=10): top symbols"
  cat "$OUT_DIR/perf-symbols.txt"
fi
log "raw runs, summary and logs in $OUT_DIR"
