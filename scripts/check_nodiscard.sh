#!/usr/bin/env bash
# Every declaration returning Result<...> in a header must be [[nodiscard]] (DESIGN.md §6).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
# A function declaration line that starts with (optional static/virtual) `Result<...> Name(` and
# lacks [[nodiscard]] on the same line or the line before. Parameters and data members of type
# Result<...> (no `Name(` after the type) are not declarations of a returned value.
while IFS= read -r file; do
  awk -v file="$file" '
    /^[[:space:]]*(static |virtual )*Result<.*>[[:space:]]+[A-Za-z_][A-Za-z0-9_:]*\(/ {
      if ($0 !~ /\[\[nodiscard\]\]/ && previous !~ /\[\[nodiscard\]\][[:space:]]*$/) {
        printf "check_nodiscard: %s:%d: Result-returning declaration without [[nodiscard]]\n", file, NR > "/dev/stderr"
        bad = 1
      }
    }
    { previous = $0 }
    END { exit bad }
  ' "$file" || status=1
done < <(find src tests/support -name '*.hpp')
[[ $status -eq 0 ]] && echo "check_nodiscard: ok"
exit $status
