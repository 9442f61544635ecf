#!/usr/bin/env bash
# The README's test command: installs everything, builds the `asan` preset with warnings as
# errors, runs every libFuzzer target of tests/fuzz for a bounded time (scripts/fuzz.sh, the
# `fuzz` preset: clang-14, ASan+UBSan), builds the benchmarks too (ctest smoke-runs each
# once, label `bench`, so they cannot rot), starts a throw-away PostgreSQL on loopback, runs the
# whole suite with ctest, and stops what it started. `.ci/run` calls this and nothing else of
# substance. JUNCTION_FUZZ_SECONDS sets the seconds per fuzz target (default 20; 0 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# ccache (when installed) shares results between checkouts in different folders.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

cmake --preset asan -DJUNCTION_WERROR=ON -DJUNCTION_BUILD_BENCH=ON >/dev/null
cmake --build --preset asan -j "$(nproc)"

# A crash, leak or sanitizer report fails the run, after the ctest suite has run too.
fuzz_status=0
fuzz_seconds=${JUNCTION_FUZZ_SECONDS:-20}
if ((fuzz_seconds > 0)); then
  bash scripts/fuzz.sh "$fuzz_seconds" || fuzz_status=$?
fi

pg_dir=$(mktemp -d /tmp/junction-test-pg.XXXXXX)
cleanup() {
  PG_DIR="$pg_dir" bash scripts/postgres.sh stop || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT
JUNCTION_TEST_PG_URL=$(PG_DIR="$pg_dir" bash scripts/postgres.sh start)
export JUNCTION_TEST_PG_URL

ctest --preset asan -j "$(nproc)" "$@"
if ((fuzz_status != 0)); then
  echo "test.sh: the fuzz run found a problem (see its report above)" >&2
  exit 1
fi
