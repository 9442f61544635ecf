# shellcheck shell=bash
# Shared plumbing of the benchmark scripts (bench/run, execute_latency.sh, mcp_throughput.sh,
# scale.sh): logging, tools, the release build, child processes, free ports, HTTP readiness,
# wrk / probe runs and raw-result records. Sourced, never run; the caller sets `set -euo pipefail`
# and BENCH_NAME (the script's name in messages) before sourcing.
#
# After sourcing: HERE (bench/), ROOT (the repository), WORK (a temp dir removed on exit; logs
# are copied to OUT_DIR first), `pids` (child processes killed on exit: add with `track PID`).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
JUNCTION_BIN=${JUNCTION_BIN:-$ROOT/build/release/src/junction/cli/junction}
# shellcheck disable=SC2034 # npm peers (autocannon, the MCP SDK), for the callers
PEERS=$ROOT/tests/peers/node_modules

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }

# need_tools TOOL…: every tool must be on PATH. `wrk` and `nginx` are installed with apt when
# missing and running as root (idempotent), as testkit.md §5 allows.
need_tools() {
  local tool missing=()
  for tool in "$@"; do
    case $tool in
      nginx) command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light) ;;
      wrk) command -v wrk >/dev/null 2>&1 || missing+=(wrk) ;;
      *) command -v "$tool" >/dev/null 2>&1 || die "$tool not found" ;;
    esac
  done
  if ((${#missing[@]} > 0)); then
    [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run as root or apt-get install them"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# build_release [TARGET…]: configures and builds the release preset (ccache-friendly).
build_release() {
  log "building the release preset${*:+ ($*)}"
  (
    cd "$ROOT" || exit 1
    export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
    # shellcheck disable=SC2086 # BENCH_CMAKE_ARGS is a list of -D options
    cmake --preset release ${BENCH_CMAKE_ARGS:-} >/dev/null
    if (($# > 0)); then
      cmake --build --preset release -j "$(nproc)" --target "$@" >/dev/null
    else
      cmake --build --preset release -j "$(nproc)" >/dev/null
    fi
  )
}

# --- processes ---------------------------------------------------------------------------------
WORK=$(mktemp -d "/tmp/${BENCH_NAME:-bench}-work.XXXXXX")
pids=()
track() { pids+=("$1"); }
bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [[ -z ${OUT_DIR:-} ]] || cp "$WORK"/*.log "$OUT_DIR"/ 2>/dev/null || true
  rm -rf "$WORK"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_http URL [SECONDS]: polls until URL answers 2xx (default 10 s).
wait_http() {
  local i limit=$((${2:-10} * 20))
  for ((i = 0; i < limit; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.05
  done
  die "$1 did not come up"
}

# json_field NAME: prints field NAME of the JSON object on stdin.
json_field() {
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined){console.error(s);process.exit(1)}console.log(v)})' "$1"
}

# start_upstream: the loopback upstream (bench-upstream.mjs, 200 {"ok":true} to everything);
# sets UPSTREAM_PORT and UPSTREAM.
start_upstream() {
  node "$HERE/bench-upstream.mjs" --port 0 >"$WORK/upstream.log" 2>&1 &
  track $!
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -s $WORK/upstream.log ]] && break
    sleep 0.05
  done
  UPSTREAM_PORT=$(head -n1 "$WORK/upstream.log" | json_field port)
  UPSTREAM="http://127.0.0.1:$UPSTREAM_PORT"
  wait_http "$UPSTREAM/ping"
}

# write_bench_catalog DIR: connector `bench` (base_url = $UPSTREAM, apiKey in X-Api-Key, one
# action `ping` = GET /ping).
write_bench_catalog() {
  mkdir -p "$1"
  cat >"$1/bench.yaml" <<EOF
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
}

# An admin key every Junction of one run is bootstrapped with.
ADMIN_KEY="jk_bench$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)"
# shellcheck disable=SC2034 # used by the callers' request_shape
AUTH_HEADERS="Authorization: Bearer $ADMIN_KEY|x-api-version: 2025-09"

# start_junction NAME [VAR=VALUE…]: `$JUNCTION_BIN serve` on a free port with a temp data dir
# (SQLite unless JUNCTION_DATABASE_URL is given), the bootstrap admin key, no practical rate
# limits and log level warn, plus the given environment; sets JPORT, JPID and JURL.
start_junction() {
  local name=$1
  shift
  JPORT=$(free_port)
  (
    cd "$WORK" || exit 1
    exec env JUNCTION_LISTEN="127.0.0.1:$JPORT" \
      JUNCTION_DATA_DIR="$WORK/data-$name" \
      JUNCTION_RATE_LIMIT_API=100000000/60s \
      JUNCTION_RATE_LIMIT_MCP=100000000/60s \
      JUNCTION_LOG_LEVEL=warn \
      JUNCTION_BOOTSTRAP_API_KEY="$ADMIN_KEY" \
      "$@" "$JUNCTION_BIN" serve
  ) >"$WORK/junction-$name.log" 2>&1 &
  JPID=$!
  track "$JPID"
  JURL="http://127.0.0.1:$JPORT"
  wait_http "$JURL/healthz" "${JUNCTION_START_SECONDS:-120}"
}

# api BASE METHOD PATH [BODY] [extra curl args…]: prints the body, fails on non-2xx.
api() {
  local base=$1 method=$2 path=$3 body=${4:-}
  shift $(($# < 4 ? $# : 4))
  local data=()
  [[ -z $body ]] || data=(--data "$body")
  curl -sS --fail-with-body -X "$method" "$base$path" \
    -H "Authorization: Bearer $ADMIN_KEY" -H 'x-api-version: 2025-09' \
    -H 'Content-Type: application/json' "${data[@]}" "$@"
}

# setup_bench_credential BASE: user `bench` and an apiKey credential for connector `bench`,
# checked with one execute; sets CREDENTIAL_ID.
setup_bench_credential() {
  local base=$1 smoke
  api "$base" POST /users '{"username":"bench"}' >/dev/null
  CREDENTIAL_ID=$(api "$base" POST /connectors/bench/credentials \
    '{"userId":"bench","authenticationType":"apiKey","data":{"apiKey":"bench-upstream-key"}}' \
    -H 'x-alloy-userid: bench' | json_field credentialId)
  smoke=$(api "$base" POST /connectors/bench/actions/ping/execute \
    "{\"credentialId\":\"$CREDENTIAL_ID\"}" -H 'x-alloy-userid: bench')
  [[ $smoke == *'"success":true'* && $smoke == *'"ok":true'* ]] ||
    die "unexpected execute answer from $base: $smoke"
}

# allocator_of BIN: the malloc BIN runs with (jemalloc when it links it, else glibc's).
allocator_of() {
  if ldd "$1" 2>/dev/null | grep -q libjemalloc; then echo jemalloc; else echo glibc; fi
}

# rss_kib PID [FIELD]: VmRSS (or FIELD, e.g. VmHWM) of a process in KiB.
rss_kib() {
  awk -v f="${2:-VmRSS}:" '$1 == f {print $2}' "/proc/$1/status"
}

# --- load --------------------------------------------------------------------------------------
# The caller defines request_shape TARGET, which sets url, method, body and headers
# ('|'-separated "Name: value" pairs).

# run_wrk TARGET CONNECTIONS DURATION: prints wrk-report.lua's JSON summary object.
run_wrk() {
  local target=$1 connections=$2 duration=$3 url method body headers out
  request_shape "$target"
  out="$WORK/wrk-$target-$connections.out"
  WRK_METHOD=$method WRK_BODY=$body WRK_HEADERS=$headers \
    wrk -t1 -c"$connections" -d"$duration" --timeout 10s --latency \
    -s "$HERE/wrk-report.lua" "$url" >"$out" 2>&1 || {
    cat "$out" >&2
    return 1
  }
  sed -n 's/^WRKJSON //p' "$out"
}

# run_probe TARGET SECONDS: one keep-alive connection, sequential requests, every one timed.
run_probe() {
  local url method body headers
  request_shape "$1"
  python3 "$HERE/latency-probe.py" "$url" "$2" "$method" "$body" "$headers"
}

# record RAW ROUND TOOL CONNECTIONS TARGET JSON: appends one raw result line.
record() {
  printf '{"round":%d,"tool":"%s","connections":%d,"target":"%s",%s\n' \
    "$2" "$3" "$4" "$5" "${6#\{}" >>"$1"
  log "round $2 $3 c=$4 $5: $6"
}
