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

# start_upstream_process NAME [ARG…]: `node bench-upstream.mjs --port 0 ARG…` (its log in
# $WORK/NAME.log); sets U_PORT, U_URL (its base URL without the trailing slash) and U_STATS (its
# counters: GET U_STATS?reset=1, see bench-upstream.mjs).
start_upstream_process() {
  local name=$1 i
  shift
  node "$HERE/bench-upstream.mjs" --port 0 "$@" >"$WORK/$name.log" 2>&1 &
  track $!
  for ((i = 0; i < 200; i++)); do
    [[ -s $WORK/$name.log ]] && break
    sleep 0.05
  done
  local ready
  ready=$(head -n1 "$WORK/$name.log")
  U_PORT=$(json_field port <<<"$ready")
  U_URL=$(json_field url <<<"$ready")
  U_URL=${U_URL%/}
  U_STATS="http://127.0.0.1:$(json_field stats_port <<<"$ready")/stats"
  wait_http "$U_STATS"
}

# start_upstream: the plain loopback upstream (200 {"ok":true} to everything); sets
# UPSTREAM_PORT, UPSTREAM and UPSTREAM_STATS.
start_upstream() {
  start_upstream_process upstream
  # shellcheck disable=SC2034 # for the callers
  UPSTREAM_PORT=$U_PORT UPSTREAM=$U_URL UPSTREAM_STATS=$U_STATS
  wait_http "$UPSTREAM/ping"
}

# make_test_ca DIR: a throw-away CA (DIR/ca.pem) and a leaf certificate it signed for
# 127.0.0.1 (IP SAN) and localhost (DIR/leaf.pem, DIR/leaf.key); ECDSA P-256, valid 2 days.
make_test_ca() {
  local dir=$1 ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  mkdir -p "$dir"
  openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
    -subj '/CN=Junction bench CA' -addext 'basicConstraints=critical,CA:TRUE' \
    -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
  openssl req "${ec[@]}" -keyout "$dir/leaf.key" -out "$dir/leaf.csr" -subj '/CN=127.0.0.1' 2>/dev/null
  printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >"$dir/leaf.ext"
  openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 2 -extfile "$dir/leaf.ext" -out "$dir/leaf.pem" 2>/dev/null
  openssl verify -CAfile "$dir/ca.pem" "$dir/leaf.pem" >/dev/null || die "test CA: leaf does not verify"
}

# start_tls_upstream DIR: bench-upstream.mjs over HTTPS with the leaf certificate of
# make_test_ca DIR, closing every CHURN_EVERY-th response of a socket on /churn/ paths; sets
# TLS_UPSTREAM_PORT, TLS_UPSTREAM and TLS_UPSTREAM_STATS.
start_tls_upstream() {
  start_upstream_process upstream-tls --tls-cert "$1/leaf.pem" --tls-key "$1/leaf.key" \
    --close-every "${CHURN_EVERY:-100}"
  # shellcheck disable=SC2034 # for the callers
  TLS_UPSTREAM_PORT=$U_PORT TLS_UPSTREAM=$U_URL TLS_UPSTREAM_STATS=$U_STATS
  curl -sf --cacert "$1/ca.pem" -o /dev/null "$TLS_UPSTREAM/ping" || die "$TLS_UPSTREAM/ping did not answer"
}

# start_nginx NAME TEMPLATE [KEY=VALUE…]: nginx in the foreground with bench/nginx/TEMPLATE,
# every @KEY@ replaced by VALUE, @LISTEN_PORT@ by a free port and @PREFIX@ by its temp prefix
# ($WORK/nginx-NAME); sets NGINX_PORT and NGINX_PID (the master; worker_processes 1).
start_nginx() {
  local name=$1 template=$2 prefix="$WORK/nginx-$1" pair
  shift 2
  NGINX_PORT=$(free_port)
  mkdir -p "$prefix/tmp"
  local sed_args=(-e "s|@LISTEN_PORT@|$NGINX_PORT|g" -e "s|@PREFIX@|$prefix|g")
  for pair in "$@"; do
    sed_args+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
  done
  sed "${sed_args[@]}" "$HERE/nginx/$template" >"$prefix/nginx.conf"
  local bin
  bin=$(command -v nginx || echo /usr/sbin/nginx)
  "$bin" -t -q -p "$prefix" -c "$prefix/nginx.conf" || die "nginx $name: bad configuration"
  "$bin" -p "$prefix" -c "$prefix/nginx.conf" >"$WORK/nginx-$name.log" 2>&1 &
  NGINX_PID=$!
  track "$NGINX_PID"
}

# upstream_stats STATS_URL: the upstream's counters since the previous call (and resets them).
upstream_stats() {
  curl -sf "$1?reset=1" || die "upstream counters at $1 did not answer"
}

# write_bench_catalog DIR [ID [BASE_URL]]: connector ID [bench] (base_url = BASE_URL [$UPSTREAM],
# apiKey in X-Api-Key) with two actions: `ping` = GET /ping and `churn` = GET /churn/ping (the
# TLS upstream closes every CHURN_EVERY-th response of a connection there: bench-upstream.mjs).
write_bench_catalog() {
  local id=${2:-bench}
  mkdir -p "$1"
  cat >"$1/$id.yaml" <<EOF
id: $id
name: Bench upstream ($id)
categories: [testing]
base_url: ${3:-$UPSTREAM}
auth:
  - type: apiKey
    in: header
    name: X-Api-Key
resources:
  - name: ping
    actions:
      - {id: ping, httpMethod: GET, path: /ping}
      - {id: churn, httpMethod: GET, path: /churn/ping}
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

# setup_bench_credential BASE [CONNECTOR [ACTION]]: user `bench` (created on first use) and an
# apiKey credential for CONNECTOR [bench], checked with one execute of ACTION [ping]; sets
# CREDENTIAL_ID. CREDENTIAL_HINT, when set, is added to the message of a failed check.
setup_bench_credential() {
  local base=$1 connector=${2:-bench} action=${3:-ping} smoke
  api "$base" GET /users/bench >/dev/null 2>&1 ||
    api "$base" POST /users '{"username":"bench"}' >/dev/null
  CREDENTIAL_ID=$(api "$base" POST "/connectors/$connector/credentials" \
    '{"userId":"bench","authenticationType":"apiKey","data":{"apiKey":"bench-upstream-key"}}' \
    -H 'x-alloy-userid: bench' | json_field credentialId)
  smoke=$(api "$base" POST "/connectors/$connector/actions/$action/execute" \
    "{\"credentialId\":\"$CREDENTIAL_ID\"}" -H 'x-alloy-userid: bench') || true
  [[ $smoke == *'"success":true'* && $smoke == *'"ok":true'* ]] ||
    die "unexpected execute answer from $base ($connector/$action): $smoke${CREDENTIAL_HINT:+ ($CREDENTIAL_HINT)}"
}

# allocator_of BIN: the malloc BIN runs with (jemalloc when it links it, else glibc's).
allocator_of() {
  # Not `ldd | grep -q`: grep quits at the match, ldd may die of SIGPIPE, and pipefail then
  # said "glibc" at random.
  if [[ $(ldd "$1" 2>/dev/null) == *libjemalloc* ]]; then echo jemalloc; else echo glibc; fi
}

# rss_kib PID [FIELD]: VmRSS (or FIELD, e.g. VmHWM) of a process in KiB.
rss_kib() {
  awk -v f="${2:-VmRSS}:" '$1 == f {print $2}' "/proc/$1/status"
}

# cpu_ticks PID: user + system clock ticks (1/CLK_TCK s) of PID and its direct children
# (nginx's worker under its master), from /proc/PID/stat.
cpu_ticks() {
  local pid total=0 stat fields
  for pid in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    # Fields after the command name (which may hold spaces): utime, stime are the 12th, 13th.
    read -r -a fields <<<"${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

# with_cpu PID COMMAND…: runs COMMAND (which prints one JSON object) and adds "cpu_us": the CPU
# time PID (and its children) used meanwhile. Without a PID, the object passes unchanged.
with_cpu() {
  local pid=$1 before json
  shift
  [[ -n $pid ]] || { "$@"; return; }
  before=$(cpu_ticks "$pid")
  json=$("$@")
  printf '%s,"cpu_us":%d}\n' "${json%\}}" $((($(cpu_ticks "$pid") - before) * 1000000 / CLK_TCK))
}

# with_upstream_stats STATS_URL COMMAND…: runs COMMAND (which prints one JSON object) and adds
# "upstream": the upstream's counters (new connections, resumed, requests) during it. Without a
# STATS_URL, the object passes unchanged.
with_upstream_stats() {
  local stats=$1 json
  shift
  [[ -n $stats ]] || { "$@"; return; }
  upstream_stats "$stats" >/dev/null
  json=$("$@")
  printf '%s,"upstream":%s}\n' "${json%\}}" "$(upstream_stats "$stats")"
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

# run_probe TARGET SECONDS: one keep-alive connection, sequential requests, every one timed
# (https URLs trust PROBE_CA_FILE when set).
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
