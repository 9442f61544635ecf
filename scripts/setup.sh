#!/usr/bin/env bash
# Installs everything Junction needs to build, run and test on Debian 12 (run as root).
# Idempotent: re-running only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git clang-14 clang-format-14 clang-tidy-14
  libclang-rt-14-dev libfuzzer-14-dev libgtest-dev libgmock-dev libbenchmark-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libcurl4-openssl-dev
  libssl-dev libsqlite3-dev sqlite3 libpq-dev postgresql libspdlog-dev libfmt-dev
  libcli11-dev libexpected-dev libyaml-cpp-dev prometheus-cpp-dev zlib1g-dev libjemalloc-dev
  ccache ca-certificates curl python3
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$package")
done
# Node comes with the machine (NodeSource build bundling npm); never apt-get install npm.
command -v node >/dev/null 2>&1 || missing+=(nodejs)

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup.sh: missing packages (run as root): ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# valijson is header-only; Debian's -dev package drags in Qt and friends, so unpack it only.
valijson_dir=build/_deps/valijson
if [[ ! -f "$valijson_dir/usr/include/valijson/validator.hpp" ]]; then
  mkdir -p "$valijson_dir"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download libvalijson-dev >/dev/null 2>&1) || {
    apt-get update -qq && (cd "$tmp" && apt-get download libvalijson-dev)
  }
  dpkg-deb -x "$tmp"/libvalijson-dev_*.deb "$valijson_dir"
  rm -rf "$tmp"
fi

# npm test peers (tests/peers/package-lock.json, exact versions): a real OAuth2 server and Prism
# (mocks vendor OpenAPI documents, tests/fixtures/prism), later the MCP SDK client. Reinstalled
# when the lock file changes.
peers=tests/peers
if [[ ! -f "$peers/node_modules/.package-lock.json" ||
      "$peers/package-lock.json" -nt "$peers/node_modules/.package-lock.json" ]]; then
  (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The Node end-to-end tests (tests/e2e) import the same pinned packages.
ln -sfn ../peers/node_modules tests/e2e/node_modules
