#!/usr/bin/env bash
# MCP throughput and discovery latency (issue 6): Junction's `tools/call` of
# `list_connectors_alloy` at 64 connections against the official Node SDK reference server
# calling its trivial tool, in the same run; `tools/list` and `discover_action_path_alloy`
# latency with GitHub's full imported connector (~1,223 actions) in the catalog.
# Target: Junction ≥ 5× the Node server's req/s; discovery < 1 ms server time. Beside them, nginx's
# static ceiling: nginx answering the same POST with Junction's exact tools/call answer bytes
# (issue 19: Junction ≥ 50 % of it), and CPU per request of each server.
#
#   bench/mcp_throughput.sh            # builds the release preset, runs, prints Markdown
#
# Needs (Debian 12): the packages and npm peers of scripts/setup.sh (run it once: autocannon
# 9.0.0, @modelcontextprotocol/sdk 1.32.2 and zod come from tests/peers/node_modules), node,
# curl, python3, gzip; wrk for the cross-check (WRK=1, the default; installed with apt as root
# when missing). Optional: perf (linux-perf) for PROFILE=1.
# Files it uses, all in bench/: lib.sh (shared plumbing), reference-mcp-server.mjs (copied from /work/shared/testkit; it
# imports the SDK through bench/node_modules, a link to ../tests/peers/node_modules that this
# script creates), latency-probe.py (one connection, every request timed), wrk-report.lua,
# summarize-mcp.mjs (medians over rounds, ratios; helpers shared in lib.mjs),
# nginx/nginx-static.conf.template (the static ceiling). nginx-light is installed with apt as root
# when missing (n-static).
#
# What runs, all on 127.0.0.1, ports picked free at start:
#   node      node bench/reference-mcp-server.mjs --mode stateless --json: a new McpServer and
#             transport per request (the SDK's stateless pattern), answers application/json
#   junction  build/release `junction serve`: temp data dir with SQLite, an operator catalog
#             holding `github` = `junction catalog import tests/fixtures/openapi/
#             api.github.com.json.gz --id github` (replaces the built-in github connector),
#             JUNCTION_RATE_LIMIT_API/MCP=100000000/60s, log level warn, default thread counts.
#   An MCP server "Bench" is created through POST /api/servers (bootstrap admin key); every MCP
#   request goes to its accessUrl without Mcp-Session-Id (stateless), JSON answers.
#   nginx     (n-static) worker_processes 1, POST /mcp-static answered with the body and
#             Content-Type Junction gave j-call once after start (captured with curl into
#             OUT_DIR/j-call.body, checked byte for byte against nginx's answer)
# Targets (all POST, JSON-RPC bodies, `Accept: application/json, text/event-stream`):
#   j-call      junction tools/call list_connectors_alloy {}
#   n-call      node     tools/call echo {"text":"hi"}
#   j-list      junction tools/list
#   n-list      node     tools/list
#   j-discover  junction tools/call discover_action_path_alloy {"goal":"create a github issue"}
#   j-healthz   junction GET /healthz (no auth, no MCP: the HTTP floor, probe only)
#   n-static    nginx    POST /mcp-static, j-call's request, j-call's answer bytes from a file
# CPU per request: user + system time of the serving process during each run (/proc/PID/stat;
# nginx: master + worker) divided by its requests.
# Each of ROUNDS interleaved rounds: the probe (bench/latency-probe.py, one keep-alive
# connection, sequential requests, all timed) on PROBE_TARGETS, then autocannon -c CONNECTIONS
# on LOAD_TARGETS, then (WRK=1) wrk -t1 -c CONNECTIONS on j-call and n-call. autocannon runs in
# Node and needs a core itself (testkit.md §5.2); wrk is the cross-check that the client is not
# what caps Junction. autocannon reports whole-millisecond latencies; the probe reports µs.
#
# Environment knobs (defaults in brackets):
#   DURATION [10] (seconds per load run)   ROUNDS [3]   CONNECTIONS [64]
#   PROBE_SECONDS [5] (per probe run; 0: no probe)
#   LOAD_TARGETS ["j-call n-call n-static j-list n-list"]
#   PROBE_TARGETS ["j-healthz j-list j-discover n-call"]
#   WRK [1] (0: no wrk cross-check; else wrk on j-call, n-call and, when loaded, n-static)
#   BUILD [1] (0: reuse build/release as is)
#   PROFILE [0] (1: afterwards, perf record junction during one extra j-call run, strace -c -f
#   during another, and print the top symbols and syscalls)
#   OUT_DIR [mktemp]: raw.jsonl, summary.md, logs, perf output are kept there.
set -euo pipefail

BENCH_NAME=mcp_throughput.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
PROBE_SECONDS=${PROBE_SECONDS:-5}
LOAD_TARGETS=${LOAD_TARGETS:-"j-call n-call n-static j-list n-list"}
PROBE_TARGETS=${PROBE_TARGETS:-"j-healthz j-list j-discover n-call"}
WRK=${WRK:-1}
BUILD=${BUILD:-1}
PROFILE=${PROFILE:-0}
AUTOCANNON=$PEERS/autocannon/autocannon.js
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/junction-mcp-bench.XXXXXX)}
mkdir -p "$OUT_DIR"

need_tools node curl python3 gzip
[[ $WRK != 1 ]] || need_tools wrk
[[ " $LOAD_TARGETS $PROBE_TARGETS " != *" n-static "* ]] || need_tools nginx
[[ -f $AUTOCANNON && -d $PEERS/@modelcontextprotocol/sdk ]] ||
  die "tests/peers/node_modules incomplete: run scripts/setup.sh"
# The reference server imports the SDK by bare specifier: resolve it from tests/peers.
ln -sfn ../tests/peers/node_modules "$HERE/node_modules"

if [[ $BUILD == 1 ]]; then
  build_release junction
fi
[[ -x $JUNCTION_BIN ]] || die "$JUNCTION_BIN missing (BUILD=1)"

log "starting the reference MCP server (stateless, --json)"
node "$HERE/reference-mcp-server.mjs" --port 0 --mode stateless --json >"$WORK/node.log" 2>&1 &
NODE_PID=$!
track "$NODE_PID"
for ((i = 0; i < 200; i++)); do
  [[ -s $WORK/node.log ]] && break
  sleep 0.05
done
NODE_URL=$(head -n1 "$WORK/node.log" | json_field url)

log "importing GitHub's OpenAPI document"
mkdir -p "$WORK/catalog"
gzip -dc "$ROOT/tests/fixtures/openapi/api.github.com.json.gz" >"$WORK/api.github.com.json"
"$JUNCTION_BIN" catalog import "$WORK/api.github.com.json" --id github \
  --out "$WORK/catalog/github.yaml" 2>"$WORK/import.log"
rm "$WORK/api.github.com.json"
GITHUB_ACTIONS=$(grep -c '^ *- id: ' "$WORK/catalog/github.yaml" || true)
tail -n1 "$WORK/import.log" >&2

log "starting junction"
JUNCTION_STARTED=$(date +%s)
start_junction mcp JUNCTION_CATALOG_DIR="$WORK/catalog"
JUNCTION_PID=$JPID
JUNCTION=$JURL
log "junction ready after $(($(date +%s) - JUNCTION_STARTED)) s"
RSS_IDLE_KIB=$(rss_kib "$JUNCTION_PID")

log "creating the MCP server"
ACCESS_URL=$(curl -sS --fail-with-body -X POST "$JUNCTION/api/servers" \
  -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
  --data '{"name":"Bench"}' | json_field accessUrl)
# accessUrl is built from the configured public URL: keep only its path, on our loopback port.
MCP_URL="$JUNCTION/mcp/${ACCESS_URL#*/mcp/}"

# --- request shapes ----------------------------------------------------------------------------
CALL_LIST_CONNECTORS='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_connectors_alloy","arguments":{}}}'
CALL_ECHO='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}'
TOOLS_LIST='{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}'
CALL_DISCOVER='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"discover_action_path_alloy","arguments":{"goal":"create a github issue"}}}'
MCP_HEADERS="Content-Type: application/json|Accept: application/json, text/event-stream|MCP-Protocol-Version: 2025-06-18"

request_shape() {  # TARGET: sets url, method, body, headers
  method=POST headers=$MCP_HEADERS
  case $1 in
    j-call) url=$MCP_URL body=$CALL_LIST_CONNECTORS ;;
    n-call) url=$NODE_URL body=$CALL_ECHO ;;
    j-list) url=$MCP_URL body=$TOOLS_LIST ;;
    n-list) url=$NODE_URL body=$TOOLS_LIST ;;
    j-discover) url=$MCP_URL body=$CALL_DISCOVER ;;
    j-healthz) url="$JUNCTION/healthz" method=GET body='' headers='' ;;
    n-static) url="$NGINX_STATIC/mcp-static" body=$CALL_LIST_CONNECTORS ;;
    *) die "unknown target $1" ;;
  esac
}
cpu_pid() {  # TARGET: the process serving it
  case $1 in
    j-*) echo "$JUNCTION_PID" ;;
    n-static) echo "$NGINX_STATIC_PID" ;;
    n-*) echo "$NODE_PID" ;;
  esac
}

smoke() {  # TARGET EXPECTED-SUBSTRING: one request with curl; the answer must be a JSON result
  local url method body headers answer args=()
  request_shape "$1"
  IFS='|' read -r -a hs <<<"$headers"
  for h in "${hs[@]}"; do args+=(-H "$h"); done
  [[ -z $body ]] || args+=(--data "$body")
  answer=$(curl -sS --fail-with-body -X "$method" "${args[@]}" "$url") || die "$1: $answer"
  [[ $answer == *"$2"* && $answer != *'"error"'* && $answer != *'"isError":true'* ]] ||
    die "$1: unexpected answer: ${answer:0:600}"
  printf '%s' "$answer" >"$OUT_DIR/smoke-$1.json"
  log "smoke $1: ${#answer} bytes, ${answer:0:120}…"
}
smoke j-call '"result"'
smoke n-call '"text":"hi"'
smoke j-list '"discover_action_path_alloy"'
smoke n-list '"echo"'
smoke j-discover 'issues_create'
smoke j-healthz ''

log "starting nginx with j-call's answer (the static ceiling)"
# The exact bytes and Content-Type of Junction's answer (command substitution would drop a
# trailing newline); nginx's worker (user nobody) must read the file.
mkdir -p "$WORK/static"
J_CALL_TYPE=$(request_shape j-call && IFS='|' read -r -a hs <<<"$headers" &&
  curl -sS --fail-with-body -o "$OUT_DIR/j-call.body" -w '%{content_type}' -X POST \
    "${hs[@]/#/-H}" --data "$body" "$url")
cp "$OUT_DIR/j-call.body" "$WORK/static/j-call.body"
chmod a+x "$WORK" "$WORK/static"
chmod a+r "$WORK/static/j-call.body"
start_nginx static nginx-static.conf.template LOCATION=/mcp-static \
  BODY_FILE="$WORK/static/j-call.body" CONTENT_TYPE="$J_CALL_TYPE"
NGINX_STATIC="http://127.0.0.1:$NGINX_PORT"
NGINX_STATIC_PID=$NGINX_PID
wait_http "$NGINX_STATIC/mcp-static"
smoke n-static '"result"'
curl -sS -X POST --data "$CALL_LIST_CONNECTORS" "$NGINX_STATIC/mcp-static" | cmp -s - "$OUT_DIR/j-call.body" ||
  die "nginx's static answer differs from Junction's j-call answer ($OUT_DIR/j-call.body)"

# --- measurement -------------------------------------------------------------------------------
run_autocannon() {  # TARGET CONNECTIONS SECONDS: prints a JSON object (latencies in µs)
  local url method body headers args=()
  request_shape "$1"
  IFS='|' read -r -a hs <<<"$headers"
  for h in "${hs[@]}"; do args+=(-H "${h%%:*}=${h#*: }"); done
  node "$AUTOCANNON" -j -c "$2" -d "$3" -m "$method" "${args[@]}" -b "$body" "$url" \
    2>"$WORK/autocannon.err" >"$WORK/autocannon.json" || {
    cat "$WORK/autocannon.err" >&2
    return 1
  }
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const us = (ms) => Math.round(ms * 1000);
    console.log(JSON.stringify({requests: r.requests.total, duration_us: Math.round(r.duration * 1e6),
      p50_us: us(r.latency.p50), p90_us: us(r.latency.p90), p99_us: us(r.latency.p99),
      mean_us: us(r.latency.average), max_us: us(r.latency.max),
      err_status: r.non2xx, err_other: r.errors + r.timeouts}));' "$WORK/autocannon.json"
}

RAW="$OUT_DIR/raw.jsonl"
: >"$RAW"
read -r -a load_list <<<"$LOAD_TARGETS"
read -r -a probe_list <<<"$PROBE_TARGETS"
log "warm-up"
for target in "${load_list[@]}"; do
  run_autocannon "$target" "$CONNECTIONS" 2 >/dev/null
done
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date +%s)
for ((round = 1; round <= ROUNDS; round++)); do
  if ((PROBE_SECONDS > 0)); then
    for target in "${probe_list[@]}"; do
      record "$RAW" "$round" probe 1 "$target" \
        "$(with_cpu "$(cpu_pid "$target")" run_probe "$target" "$PROBE_SECONDS")"
    done
  fi
  for target in "${load_list[@]}"; do
    record "$RAW" "$round" autocannon "$CONNECTIONS" "$target" \
      "$(with_cpu "$(cpu_pid "$target")" run_autocannon "$target" "$CONNECTIONS" "$DURATION")"
  done
  if [[ $WRK == 1 ]]; then
    for target in j-call n-call n-static; do
      [[ $target != n-static || " $LOAD_TARGETS " == *" n-static "* ]] || continue
      record "$RAW" "$round" wrk "$CONNECTIONS" "$target" \
        "$(with_cpu "$(cpu_pid "$target")" run_wrk "$target" "$CONNECTIONS" "${DURATION}s")"
    done
  fi
done
ELAPSED=$(($(date +%s) - STARTED))

{
  echo "Command: \`$0\` (DURATION=$DURATION ROUNDS=$ROUNDS CONNECTIONS=$CONNECTIONS PROBE_SECONDS=$PROBE_SECONDS WRK=$WRK); measurement ${ELAPSED}s"
  echo "Date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; kernel $(uname -r); load average at start: $LOAD_AT_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Versions: node $(node --version), autocannon $(node -p "require('$PEERS/autocannon/package.json').version"), @modelcontextprotocol/sdk $(node -p "require('$PEERS/@modelcontextprotocol/sdk/package.json').version"), $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2), junction $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo '+changes')"
  echo "Catalog: github imported from tests/fixtures/openapi ($GITHUB_ACTIONS actions) replacing the built-in one; answer sizes: $(for t in j-call n-call j-list n-list j-discover; do printf '%s %s B, ' "$t" "$(wc -c <"$OUT_DIR/smoke-$t.json")"; done | sed 's/, $//'); n-static serves j-call's $(wc -c <"$OUT_DIR/j-call.body") B as $J_CALL_TYPE"
  echo "RSS of junction (VmRSS): idle $((RSS_IDLE_KIB / 1024)) MiB, after the runs $(($(rss_kib "$JUNCTION_PID") / 1024)) MiB, peak (VmHWM) $(($(rss_kib "$JUNCTION_PID" VmHWM) / 1024)) MiB"
  echo
  node "$HERE/summarize-mcp.mjs" "$RAW"
} | tee "$OUT_DIR/summary.md"
printf '{"idle_kib":%d,"loaded_kib":%d,"peak_kib":%d,"catalog_actions":%d}\n' "$RSS_IDLE_KIB" \
  "$(rss_kib "$JUNCTION_PID")" "$(rss_kib "$JUNCTION_PID" VmHWM)" "$GITHUB_ACTIONS" >"$OUT_DIR/rss.json"

# --- optional profile --------------------------------------------------------------------------
if [[ $PROFILE == 1 ]]; then
  command -v perf >/dev/null 2>&1 || die "PROFILE=1 needs perf"
  log "profiling junction during j-call c=$CONNECTIONS for ${DURATION}s"
  perf record -F 997 -g -p "$JUNCTION_PID" -o "$OUT_DIR/perf.data" 2>"$WORK/perf.log" &
  perf_pid=$!
  sleep 0.5
  run_autocannon j-call "$CONNECTIONS" "$DURATION" >"$OUT_DIR/profile-autocannon.json"
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  # `|| true`: head closes the pipe early (pipefail).
  perf report -i "$OUT_DIR/perf.data" --no-children --sort pid --stdio -g none 2>/dev/null |
    grep -v -e '^#' -e '^$' | head -n 12 >"$OUT_DIR/perf-threads.txt" || true
  perf report -i "$OUT_DIR/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
    grep -v -e '^#' -e '^$' | head -n 50 >"$OUT_DIR/perf-symbols.txt" || true
  perf report -i "$OUT_DIR/perf.data" --children --sort sym --stdio -g none 2>/dev/null |
    grep -v -e '^#' -e '^$' | head -n 60 >"$OUT_DIR/perf-children.txt" || true
  echo
  echo "perf (j-call c=$CONNECTIONS, autocannon: $(cat "$OUT_DIR/profile-autocannon.json")): CPU by thread"
  cat "$OUT_DIR/perf-threads.txt"
  echo
  echo "perf: top symbols (self)"
  cat "$OUT_DIR/perf-symbols.txt"
  echo
  echo "perf: top symbols (with children)"
  cat "$OUT_DIR/perf-children.txt"
  if command -v strace >/dev/null 2>&1; then
    log "strace -c -f junction during j-call c=$CONNECTIONS for 5s"
    strace -c -f -p "$JUNCTION_PID" -o "$OUT_DIR/strace.txt" &
    strace_pid=$!
    sleep 0.5
    run_autocannon j-call "$CONNECTIONS" 5 >"$OUT_DIR/strace-autocannon.json"
    kill -INT "$strace_pid"
    wait "$strace_pid" || true
    echo
    echo "strace -c -f (j-call c=$CONNECTIONS 5 s, autocannon: $(cat "$OUT_DIR/strace-autocannon.json"))"
    head -n 25 "$OUT_DIR/strace.txt"
  fi
fi
log "raw runs, summary and logs in $OUT_DIR"
