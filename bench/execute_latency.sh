#!/usr/bin/env bash
# Added latency of POST /connectors/{id}/actions/{aid}/execute over a direct call to the same
# loopback upstream, beside nginx proxy_pass to that upstream, measured in the same run (issue 5);
# the same over HTTPS to a loopback TLS upstream, with and without connection churn (issue 19).
#
#   bench/execute_latency.sh            # builds the release preset, runs, prints Markdown
#
# Needs (Debian 12): the packages of scripts/setup.sh (run it once, as root), node (for the
# upstream and the summary), curl, and wrk + nginx-light, which this script installs with apt when
# missing (as root; idempotent); openssl (the TLS targets). Optional: perf (linux-perf) for PROFILE=1.
# Files it uses, all in bench/: lib.sh (shared plumbing), bench-upstream.mjs and nginx/{nginx.conf.template,
# run-nginx-proxy.sh} (from /work/shared/testkit, testkit.md §5; the upstream grew TLS, churn and
# counters), nginx/nginx-tls.conf.template, wrk-report.lua (request shape + a JSON summary line
# per wrk run), summarize-wrk.mjs (medians, added latency, ratios; helpers shared in lib.mjs).
#
# What runs, all on 127.0.0.1, ports picked free at start:
#   upstream  node bench-upstream.mjs (200 {"ok":true} to everything)
#   nginx     proxy_pass to the upstream (keepalive 64, worker_processes 1)
#   junction  build/release `junction serve`: temp data dir with SQLite, an operator catalog with
#             one connector `bench` (base_url = the upstream, apiKey auth in X-Api-Key, one
#             action `ping` = GET /ping), JUNCTION_EGRESS_ALLOW_CIDRS=127.0.0.1/32, rate limit
#             JUNCTION_RATE_LIMIT_API=100000000/60s, log level warn, default thread counts.
#   A user and an apiKey credential are created through the API (bootstrap admin key).
# With any TLS target listed, also:
#   CA         a throw-away CA + leaf certificate for 127.0.0.1 (IP SAN) / localhost, made with
#              openssl at start in OUT_DIR/tls (lib.sh make_test_ca; ECDSA P-256)
#   upstream-tls  node bench-upstream.mjs over HTTPS (Node's TLS defaults, session tickets on);
#              on paths under /churn/ it closes the connection (`Connection: close`) after every
#              CHURN_EVERY-th response on it; it counts new TLS connections and resumed sessions
#   nginx-tls  proxy_pass https:// to it (nginx/nginx-tls.conf.template: keepalive 64,
#              proxy_ssl_verify on with the CA as proxy_ssl_trusted_certificate,
#              proxy_ssl_session_reuse on, worker_processes 1)
#   junction   the same process, a second connector `bench-tls` (base_url https://127.0.0.1:PORT)
#              and JUNCTION_EGRESS_CA_FILE=OUT_DIR/tls/ca.pem (egress.ca_file: extra CAs trusted
#              beside the system store); its own credential
# Targets, measured in ROUNDS interleaved rounds, each round: first the probe (latency-probe.py:
# one keep-alive connection, sequential requests each sent in one write, every request timed,
# no correction), then wrk -t1 --latency at every connection count. The probe exists because
# wrk 4 "corrects" its latency histogram for coordinated omission (synthetic samples for every
# stall longer than connections/throughput): on a shared 2-core machine, scheduler stalls then dominate the p99 of
# fast targets (direct, nginx) far more than that of slow ones, so wrk's p99s are not comparable
# across targets at low concurrency. Targets:
#   direct     GET  upstream/ping
#   nginx      GET  nginx/ping                      (-> upstream/ping)
#   execute    POST junction/connectors/bench/actions/ping/execute {"credentialId":…}
#                                                   (-> GET upstream/ping with X-Api-Key)
#   connector  GET  junction/connectors/bench       (auth + rate limit, no upstream call)
#   healthz    GET  junction/healthz                (no auth, no upstream call)
#   direct-tls         GET  upstream-tls/ping (the client speaks TLS itself: wrk, the probe)
#   nginx-tls          GET  nginx-tls/ping            (-> https upstream-tls/ping)
#   execute-tls        POST junction/…/bench-tls/actions/ping/execute  (-> https upstream-tls/ping)
#   nginx-tls-churn    GET  nginx-tls/churn/ping      (upstream closes every CHURN_EVERY-th)
#   execute-tls-churn  POST junction/…/bench-tls/actions/churn/execute (same)
# The churn targets are the rounds that open new upstream connections, as real vendors that
# close idle or old connections make a proxy do; their added latency includes what the proxy
# pays for each new connection. HTTPS added latencies are taken over direct-tls (kept alive).
# Reported: req/s, p50, p99 per target; added latency (target − direct, or − direct-tls) for the
# proxies; ratio junction added / nginx added (issue 19's target: ≤ 1.5×) and the difference
# junction − nginx (which does not depend on the baseline); CPU per request of the process
# serving each proxy target (/proc/PID/stat user + system, nginx: master + worker);
# per round and TLS target: the upstream's new connections, the share that resumed a TLS
# session, and the round's p99 (a stall while opening connections shows there).
#
# Environment knobs (defaults in brackets):
#   DURATION [10s] (per wrk run)   ROUNDS [3]   CONNECTIONS ["10 50"] (wrk)
#   PROBE_SECONDS [5] (integer, per probe run; 0: no probe)
#   TARGETS ["direct nginx execute connector healthz direct-tls nginx-tls execute-tls
#            nginx-tls-churn execute-tls-churn"]
#   CHURN_EVERY [50]: responses per upstream connection on /churn/ paths (50: 2% of the
#   requests open a connection, so the p99 lands on them)
#   BASELINE_BIN [unset]: a second junction binary (e.g. main's release build) measured in the
#   same run as target execute-base (and connector-base when listed in TARGETS), so before and
#   after share the machine's load
#   IO_THREADS [unset: Junction's default, 2]: JUNCTION_IO_THREADS of both junctions;
#   1 gives Junction the one event-loop thread nginx's worker_processes 1 has
#   BUILD [1] (0: reuse build/release as is)   PROFILE [0] (1: perf record junction during one
#   extra execute run and print the top symbols and threads)   OUT_DIR [mktemp]: raw.jsonl,
#   summary.md, logs, perf output are kept there.
#   PROFILE_TARGET [execute]: the target PROFILE=1 records (e.g. execute-tls)
set -euo pipefail

BENCH_NAME=execute_latency.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-"10 50"}
PROBE_SECONDS=${PROBE_SECONDS:-5}
TARGETS=${TARGETS:-"direct nginx execute connector healthz direct-tls nginx-tls execute-tls nginx-tls-churn execute-tls-churn"}
CHURN_EVERY=${CHURN_EVERY:-50}
TLS=0
[[ " $TARGETS " != *-tls* ]] || TLS=1
BUILD=${BUILD:-1}
PROFILE=${PROFILE:-0}
PROFILE_TARGET=${PROFILE_TARGET:-execute}
BASELINE_BIN=${BASELINE_BIN:-}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/junction-bench.XXXXXX)}
mkdir -p "$OUT_DIR"

need_tools node curl python3 wrk nginx
[[ $TLS == 0 ]] || need_tools openssl
if [[ $BUILD == 1 ]]; then
  build_release junction
fi
[[ -x $JUNCTION_BIN ]] || die "$JUNCTION_BIN missing (BUILD=1)"

log "starting the upstream"
start_upstream

log "starting nginx"
NGINX_PORT=$(free_port)
"$HERE/nginx/run-nginx-proxy.sh" "$NGINX_PORT" "127.0.0.1:$UPSTREAM_PORT" "$WORK/nginx" \
  >"$WORK/nginx.log" 2>&1 &
NGINX_PID_PLAIN=$!  # run-nginx-proxy.sh execs nginx: the master
track "$NGINX_PID_PLAIN"
NGINX="http://127.0.0.1:$NGINX_PORT"
wait_http "$NGINX/ping"

write_bench_catalog "$WORK/catalog"
JUNCTION_ENV=(JUNCTION_CATALOG_DIR="$WORK/catalog" JUNCTION_EGRESS_ALLOW_CIDRS=127.0.0.1/32)

if [[ $TLS == 1 ]]; then
  log "making a throw-away CA and starting the TLS upstream and nginx-tls"
  make_test_ca "$OUT_DIR/tls"
  CA_FILE="$OUT_DIR/tls/ca.pem"
  export PROBE_CA_FILE=$CA_FILE
  start_tls_upstream "$OUT_DIR/tls"
  start_nginx tls nginx-tls.conf.template UPSTREAM="127.0.0.1:$TLS_UPSTREAM_PORT" CA_FILE="$CA_FILE"
  NGINX_TLS="http://127.0.0.1:$NGINX_PORT"
  NGINX_TLS_PID=$NGINX_PID
  wait_http "$NGINX_TLS/ping"
  write_bench_catalog "$WORK/catalog" bench-tls "$TLS_UPSTREAM"
  JUNCTION_ENV+=(JUNCTION_EGRESS_CA_FILE="$CA_FILE")
fi

log "starting junction"
[[ -z ${IO_THREADS:-} ]] || JUNCTION_ENV+=(JUNCTION_IO_THREADS="$IO_THREADS")
start_junction current "${JUNCTION_ENV[@]}"
JUNCTION_PID=$JPID
JUNCTION=$JURL
log "creating a user and a credential"
setup_bench_credential "$JUNCTION"
EXECUTE_BODY="{\"credentialId\":\"$CREDENTIAL_ID\"}"
if [[ " $TARGETS " == *" execute-tls"* ]]; then
  CREDENTIAL_HINT="HTTPS to the bench CA needs a Junction with egress.ca_file (JUNCTION_EGRESS_CA_FILE)" \
    setup_bench_credential "$JUNCTION" bench-tls
  EXECUTE_TLS_BODY="{\"credentialId\":\"$CREDENTIAL_ID\"}"
fi
api "$JUNCTION" GET /connectors/bench >/dev/null
RSS_IDLE_KIB=$(rss_kib "$JUNCTION_PID")

if [[ -n $BASELINE_BIN ]]; then
  log "starting the baseline junction ($BASELINE_BIN)"
  JUNCTION_BIN=$BASELINE_BIN start_junction baseline "${JUNCTION_ENV[@]}"
  BASELINE=$JURL
  BASELINE_PID=$JPID
  setup_bench_credential "$BASELINE"
  BASELINE_BODY="{\"credentialId\":\"$CREDENTIAL_ID\"}"
  [[ " $TARGETS " == *" execute-base "* ]] || TARGETS="$TARGETS execute-base"
fi

# --- measurement -------------------------------------------------------------------------------
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
    direct-tls) url="$TLS_UPSTREAM/ping" ;;
    nginx-tls) url="$NGINX_TLS/ping" ;;
    nginx-tls-churn) url="$NGINX_TLS/churn/ping" ;;
    execute-tls | execute-tls-churn)
      local action=ping
      [[ $1 != *-churn ]] || action=churn
      url="$JUNCTION/connectors/bench-tls/actions/$action/execute"
      method=POST
      body=$EXECUTE_TLS_BODY
      headers="$AUTH_HEADERS|Content-Type: application/json|x-alloy-userid: bench"
      ;;
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

# The process whose CPU a target's runs are charged (empty: not measured), and the upstream
# counters that see its connections.
cpu_pid() {
  case $1 in
    nginx) echo "$NGINX_PID_PLAIN" ;;
    nginx-tls*) echo "$NGINX_TLS_PID" ;;
    execute | execute-tls*) echo "$JUNCTION_PID" ;;
    execute-base) echo "$BASELINE_PID" ;;
  esac
}
stats_url() {
  case $1 in
    direct | nginx | execute | execute-base) echo "$UPSTREAM_STATS" ;;
    *-tls*) echo "$TLS_UPSTREAM_STATS" ;;
  esac
}
measure() {  # TOOL TARGET CONNECTIONS: one run's JSON with cpu_us and upstream counters
  local tool=$1 target=$2 connections=$3
  if [[ $tool == probe ]]; then
    with_cpu "$(cpu_pid "$target")" with_upstream_stats "$(stats_url "$target")" \
      run_probe "$target" "$PROBE_SECONDS"
  else
    with_cpu "$(cpu_pid "$target")" with_upstream_stats "$(stats_url "$target")" \
      run_wrk "$target" "$connections" "$DURATION"
  fi
}

RAW="$OUT_DIR/raw.jsonl"
: >"$RAW"
read -r -a connection_list <<<"$CONNECTIONS"
read -r -a target_list <<<"$TARGETS"
# At the largest connection count, so the proxies' upstream pools have grown to it before round
# 1: the kept-alive targets then open no upstream connection unless the proxy drops some.
warm_connections=$(printf '%s\n' 10 "${connection_list[@]}" | sort -n | tail -n1)
log "warm-up (c=$warm_connections)"
for target in "${target_list[@]}"; do
  run_wrk "$target" "$warm_connections" 2s >/dev/null
done
for ((round = 1; round <= ROUNDS; round++)); do
  if ((PROBE_SECONDS > 0)); then
    for target in "${target_list[@]}"; do
      record "$RAW" "$round" probe 1 "$target" "$(measure probe "$target" 1)"
    done
  fi
  for connections in "${connection_list[@]}"; do
    for target in "${target_list[@]}"; do
      record "$RAW" "$round" wrk "$connections" "$target" "$(measure wrk "$target" "$connections")"
    done
  done
done

{
  echo "Command: \`$0\` (DURATION=$DURATION ROUNDS=$ROUNDS IO_THREADS=${IO_THREADS:-default} CONNECTIONS=\"$CONNECTIONS\" PROBE_SECONDS=$PROBE_SECONDS CHURN_EVERY=$CHURN_EVERY); wrk -t1 --latency -s bench/wrk-report.lua; probe: bench/latency-probe.py"
  echo "Date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; kernel $(uname -r); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Versions: $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2), $(nginx -v 2>&1), node $(node --version), junction $(git -C "$ROOT" rev-parse --short HEAD) (malloc: $(allocator_of "$JUNCTION_BIN")${BASELINE_BIN:+; baseline: $(allocator_of "$BASELINE_BIN")})"
  echo "RSS of junction (VmRSS): idle $((RSS_IDLE_KIB / 1024)) MiB, after the runs $(($(rss_kib "$JUNCTION_PID") / 1024)) MiB, peak (VmHWM) $(($(rss_kib "$JUNCTION_PID" VmHWM) / 1024)) MiB"
  echo
  node "$HERE/summarize-wrk.mjs" "$RAW"
} | tee "$OUT_DIR/summary.md"
printf '{"idle_kib":%d,"loaded_kib":%d,"peak_kib":%d}\n' "$RSS_IDLE_KIB" "$(rss_kib "$JUNCTION_PID")" \
  "$(rss_kib "$JUNCTION_PID" VmHWM)" >"$OUT_DIR/rss.json"

# --- optional profile --------------------------------------------------------------------------
if [[ $PROFILE == 1 ]]; then
  command -v perf >/dev/null 2>&1 || die "PROFILE=1 needs perf"
  log "profiling junction during $PROFILE_TARGET c=10 for $DURATION"
  perf record -F 997 -g -p "$JUNCTION_PID" -o "$OUT_DIR/perf.data" 2>"$WORK/perf.log" &
  perf_pid=$!
  sleep 0.5
  run_wrk "$PROFILE_TARGET" 10 "$DURATION" >"$OUT_DIR/profile-wrk.json"
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  # Threads are unnamed: per thread id. `|| true`: head closes the pipe early (pipefail).
  perf report -i "$OUT_DIR/perf.data" --no-children --sort pid --stdio -g none 2>/dev/null |
    grep -v -e '^#' -e '^$' | head -n 12 >"$OUT_DIR/perf-threads.txt" || true
  perf report -i "$OUT_DIR/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
    grep -v -e '^#' -e '^$' | head -n 40 >"$OUT_DIR/perf-symbols.txt" || true
  echo
  echo "perf ($PROFILE_TARGET c=10): CPU by thread"
  cat "$OUT_DIR/perf-threads.txt"
  echo
  echo "perf ($PROFILE_TARGET c=10): top symbols"
  cat "$OUT_DIR/perf-symbols.txt"
fi
log "raw runs, summary and logs in $OUT_DIR"
