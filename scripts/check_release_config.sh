#!/usr/bin/env bash
# Fails when the README's run command could not configure its build on this machine: the
# `release` preset, with everything it finds only outside the sanitizers (jemalloc), configured
# into a throw-away directory. The test suite itself builds `asan`, which never looks for them.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(mktemp -d /tmp/junction-release-config.XXXXXX)
trap 'rm -rf "$build"' EXIT
if ! out=$(cmake --preset release -B "$build" -DJUNCTION_BUILD_TESTS=OFF 2>&1); then
  printf '%s\n' "$out" >&2
  echo "check_release_config: the release preset does not configure" >&2
  exit 1
fi
grep -q '^JEMALLOC_FOUND:INTERNAL=1$' "$build/CMakeCache.txt" || {
  echo "check_release_config: jemalloc not found for the release build (scripts/setup.sh installs libjemalloc-dev)" >&2
  exit 1
}
echo "check_release_config: release preset configures, jemalloc found"
