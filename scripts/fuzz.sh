#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds the `fuzz` preset (clang-14, ASan+UBSan, libFuzzer) and runs each libFuzzer target of
# tests/fuzz for SECONDS_PER_TARGET seconds (default 20) on a copy of its seed corpus
# tests/fuzz/corpus/<target>/ (the repository is never written). TARGETs are names like `json`
# or `http_request` (default: every target). Fails when any target crashes, leaks, times out,
# runs out of memory or prints a sanitizer report; the input that did it is kept in
# build/fuzz/artifacts/<target>/ (docs/FUZZING.md: add it to the corpus as a regression input).
#
# Environment: FUZZ_PARALLEL=N runs N targets at a time (default 1); FUZZ_KEEP_CORPUS=DIR keeps
# each target's grown corpus in DIR/<target>/ (for a long local run); FUZZ_NO_BUILD=1 skips
# the build. docs/FUZZING.md has the long local run.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(json query_router jwt egress_url catalog openapi_import jsonrpc http_request)
seconds=${1:-20}
shift || true
targets=("$@")
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")
parallel=${FUZZ_PARALLEL:-1}
for target in "${targets[@]}"; do
  [[ -d tests/fuzz/corpus/$target ]] || { echo "fuzz.sh: unknown target '$target' (known: ${all_targets[*]})" >&2; exit 2; }
done

if [[ -z ${FUZZ_NO_BUILD:-} ]]; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "${FUZZ_BUILD_JOBS:-$(nproc)}"
fi

bin=$PWD/build/fuzz/tests/fuzz
artifacts=$PWD/build/fuzz/artifacts
work=$(mktemp -d /tmp/junction-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# One target: corpus copy, bounded run, verdict line. Exit status 1 on any finding.
run_target() {
  local target=$1 dir=$work/$1
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp tests/fuzz/corpus/"$target"/* "$dir/corpus/"
  local args=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1
              -artifact_prefix="$dir/artifacts/")
  [[ -f tests/fuzz/$target.dict ]] && args+=(-dict="$PWD/tests/fuzz/$target.dict")
  local status=0
  # TMPDIR: the targets that make a whole Application put its data directory there.
  (cd "$dir" &&
    TMPDIR="$dir" \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin/${target}_fuzz" "${args[@]}" corpus) >"$dir/log" 2>&1 || status=$?
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  if ((status == 0)) && grep -qE 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:' "$dir/log"; then
    status=1
  fi
  if ((status != 0)); then
    mkdir -p "$artifacts/$target"
    cp "$dir"/artifacts/* "$artifacts/$target/" 2>/dev/null || true
    cp "$dir/log" "$artifacts/$target/log"
    echo "fuzz: $target FAILED (exit $status) after ${runs:-?} executions; log and input in $artifacts/$target/"
    grep -E -A40 'ERROR: |runtime error:|fuzz invariant violated|==[0-9]+== ' "$dir/log" |
      grep -v '^0x' | cut -c1-240 | head -40 || true
  else
    echo "fuzz: $target ok, ${runs:-?} executions in ${seconds} s"
  fi
  if [[ -n ${FUZZ_KEEP_CORPUS:-} ]]; then
    mkdir -p "$FUZZ_KEEP_CORPUS/$target"
    cp "$dir"/corpus/* "$FUZZ_KEEP_CORPUS/$target/" 2>/dev/null || true
  fi
  return $((status != 0))
}

failed=0
running=0
for target in "${targets[@]}"; do
  run_target "$target" >"$work/$target.verdict" &
  running=$((running + 1))
  if ((running >= parallel)); then
    wait -n || failed=$((failed + 1))
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || failed=$((failed + 1))
  running=$((running - 1))
done
for target in "${targets[@]}"; do
  cat "$work/$target.verdict"
done
if ((failed > 0)); then
  echo "fuzz: $failed of ${#targets[@]} targets found a problem"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds} s each, no findings"
