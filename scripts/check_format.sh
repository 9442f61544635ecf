#!/usr/bin/env bash
# clang-format 14 with the repository's .clang-format must leave every C++ file (src, tests,
# bench) unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
format=$(command -v clang-format-14 || command -v clang-format)
# node_modules (npm test peers) ships third-party C++ that is not ours to format.
mapfile -t files < <(find src tests bench -name node_modules -prune -o \( -name '*.hpp' -o -name '*.cpp' \) -print 2>/dev/null | sort)
"$format" --dry-run --Werror "${files[@]}"
echo "check_format: ${#files[@]} files formatted"
