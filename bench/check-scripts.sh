#!/usr/bin/env bash
# ctest `bench_scripts` (bench/CMakeLists.txt): the benchmark scripts must at least parse, so a
# broken edit shows in `bash scripts/test.sh` rather than at the next `bench/run`. Runs
# `bash -n` on every shell script of bench/ (and shellcheck when installed), `node --check` on
# every .mjs, and compiles latency-probe.py without writing bytecode. Takes about a second.
set -euo pipefail
cd "$(dirname "$0")"
shell_scripts=(run lib.sh execute_latency.sh mcp_throughput.sh scale.sh check-scripts.sh
  nginx/run-nginx-proxy.sh)
for f in "${shell_scripts[@]}"; do
  bash -n "$f"
done
if command -v shellcheck >/dev/null 2>&1; then
  # -x: follow `source lib.sh`; the scripts say where it is (# shellcheck source=bench/lib.sh).
  (cd .. && shellcheck -x "${shell_scripts[@]/#/bench/}")
fi
modules=(./*.mjs)
for f in "${modules[@]}"; do
  node --check "$f"
done
python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])' latency-probe.py
echo "check-scripts: ${#shell_scripts[@]} shell scripts, ${#modules[@]} .mjs, 1 .py parse"
