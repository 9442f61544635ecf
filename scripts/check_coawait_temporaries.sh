#!/usr/bin/env bash
# Fails when a temporary of a non-trivially-destructible type sits inside a co_await expression
# in src/ (DEVELOPERS.md: GCC 12 miscompiles them; issue 18's remote crash was one). Name the
# value in a local first. Uses clang-query-14 with the compile database of a configured build.
#   check_coawait_temporaries.sh [BUILD_DIR]          every src/ file that uses co_await
#   check_coawait_temporaries.sh --self-test          the fixtures must be judged as marked
set -euo pipefail
cd "$(dirname "$0")/.."
query=scripts/coawait/temporaries.query
clang_query=$(command -v clang-query-14 || command -v clang-query)

# Prints one "file:line:col" per flagged temporary of the files given after "--" ($@).
flagged() {
  "$clang_query" -f "$query" "$@" 2>/dev/null |
    sed -n 's/^\(.*:[0-9]*:[0-9]*\): note: "temporary" binds here$/\1/p' | sort -u
}

if [[ ${1:-} == --self-test ]]; then
  fixtures=tests/fixtures/coawait
  # Every line marked FLAG in bad.cpp must be reported, and nothing else; good.cpp is clean.
  expected=$(grep -n '// FLAG' "$fixtures/bad.cpp" | cut -d: -f1 | sort -n)
  got=$(flagged "$fixtures/bad.cpp" "$fixtures/good.cpp" -- -std=c++20 |
        sed -n 's|.*/bad.cpp:\([0-9]*\):.*|\1|p; s|.*/good.cpp:.*|good.cpp|p' | sort -n | uniq)
  if [[ "$got" != "$expected" ]]; then
    printf 'check_coawait_temporaries self-test: expected lines\n%s\ngot\n%s\n' "$expected" "$got" >&2
    exit 1
  fi
  echo "check_coawait_temporaries: self-test passed ($(wc -l <<<"$expected") temporaries found)"
  exit 0
fi

build=${1:-build/asan}
[[ -f "$build/compile_commands.json" ]] || {
  echo "check_coawait_temporaries: configure $build first" >&2
  exit 1
}
mapfile -t files < <(grep -rl --include='*.cpp' 'co_await' src | sort)
report=$(flagged -p "$build" --extra-arg=-Wno-everything "${files[@]}")
if [[ -n "$report" ]]; then
  echo "check_coawait_temporaries: temporaries inside co_await (name them in a local first):" >&2
  echo "$report" >&2
  exit 1
fi
echo "check_coawait_temporaries: ${#files[@]} files with co_await, no temporaries inside one"
