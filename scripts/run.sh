#!/usr/bin/env bash
# The README's run command: installs the Debian packages, builds the release preset and starts
# `junction serve` on the embedded default (SQLite in ./data, built-in catalog in ./connectors)
# at 127.0.0.1:8080. Extra arguments go to `junction serve` (e.g. --config junction.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# ccache (when installed) shares results between checkouts in different folders.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
exec ./build/release/src/junction/cli/junction serve "$@"
