#!/usr/bin/env bash
# clang-format 14 with the repository's .clang-format must leave every C++ file unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
format=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(find src tests -name '*.hpp' -o -name '*.cpp' 2>/dev/null | sort)
"$format" --dry-run --Werror "${files[@]}"
echo "check_format: ${#files[@]} files formatted"
