#!/usr/bin/env bash
# clang-tidy 14 over every source file in src/, with the compile database of a configured
# build (default build/asan). Two files at a time; any diagnostic fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/asan}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
[[ -f "$build/compile_commands.json" ]] || { echo "check_tidy: configure $build first" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
find src -name '*.cpp' | sort | xargs -P "$(nproc)" -n 4 "$tidy" -p "$build" --quiet >"$log" 2>/dev/null || true
if grep -qE '(warning|error):' "$log"; then
  grep -E -A3 '(warning|error):' "$log" >&2
  exit 1
fi
echo "check_tidy: $(find src -name '*.cpp' | wc -l) files clean"
