#!/usr/bin/env bash
# Fails when a layer includes a header of a layer it may not depend on (DESIGN.md §3).
# CMake's transitive includes would let such a dependency through silently.
set -euo pipefail
cd "$(dirname "$0")/../src/junction"

# layer → the other layers whose headers it may include
declare -A allowed=(
  [core]=""
  [json]="core"
  [crypto]="core json"
  [storage]="core"
  [storage/sqlite]="core storage"
  [storage/postgres]="core storage"
  [http_client]="core json"
  [http_client/curl]="core json http_client"
  [http_client/plain]="core json http_client"
  [connectors]="core json"
  [service]="core json crypto storage connectors http_client"
  [mcp]="core json crypto storage connectors service http_client"
  [http]="core json service storage http_client mcp"
  [app]="core json crypto storage storage/sqlite storage/postgres http_client http_client/curl http_client/plain connectors service mcp http"
  [cli]="core storage connectors service app"
)

layer_of() {  # path relative to src/junction (or junction/<path>) → layer name
  case "$1" in
    storage/sqlite/*) echo storage/sqlite ;;
    storage/postgres/*) echo storage/postgres ;;
    http_client/curl/*) echo http_client/curl ;;
    http_client/plain/*) echo http_client/plain ;;
    *) echo "${1%%/*}" ;;
  esac
}

status=0
checked=0
while IFS= read -r file; do
  file=${file#./}
  layer=$(layer_of "$file")
  if [[ -z "${allowed[$layer]+x}" ]]; then
    echo "check_layers: $file is in no known layer" >&2
    status=1
    continue
  fi
  while IFS= read -r header; do
    used=$(layer_of "$header")
    [[ "$used" == "$layer" ]] && continue
    if [[ " ${allowed[$layer]} " != *" $used "* ]]; then
      echo "check_layers: $file includes junction/$header, but layer '$layer' may only use: ${allowed[$layer]:-(nothing)}" >&2
      status=1
    fi
  done < <(sed -nE 's|^#include "junction/([^"]+)".*|\1|p' "$file")
  checked=$((checked + 1))
done < <(find . -name '*.hpp' -o -name '*.cpp')

echo "check_layers: $checked files checked"
exit $status
