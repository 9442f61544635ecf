#!/usr/bin/env bash
# The README's test command: installs everything, builds the `asan` preset with warnings as
# errors, starts a throw-away PostgreSQL on loopback, runs the whole suite with ctest, and stops
# what it started. `.ci/run` calls this and nothing else of substance.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# ccache (when installed) shares results between checkouts in different folders.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

cmake --preset asan -DJUNCTION_WERROR=ON >/dev/null
cmake --build --preset asan -j "$(nproc)"

pg_dir=$(mktemp -d /tmp/junction-test-pg.XXXXXX)
cleanup() {
  PG_DIR="$pg_dir" bash scripts/postgres.sh stop || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT
JUNCTION_TEST_PG_URL=$(PG_DIR="$pg_dir" bash scripts/postgres.sh start)
export JUNCTION_TEST_PG_URL

ctest --preset asan -j "$(nproc)" "$@"
