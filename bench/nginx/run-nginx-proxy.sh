#!/usr/bin/env bash
# Copied from /work/shared/testkit/nginx/run-nginx-proxy.sh (testkit.md §5.4); only this line was added.
# Run nginx in the foreground as a reverse proxy 127.0.0.1:LISTEN_PORT -> UPSTREAM.
#   run-nginx-proxy.sh LISTEN_PORT UPSTREAM_HOST:PORT [PREFIX_DIR]
# Needs: apt-get install nginx-light (or nginx). Stop it with SIGTERM/SIGQUIT
# to this script's PID (it execs nginx, so the PID is nginx's master).
set -euo pipefail
LISTEN_PORT=$1
UPSTREAM=$2
PREFIX=${3:-$(mktemp -d /tmp/nginx-proxy.XXXXXX)}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$PREFIX/tmp"
sed -e "s|@LISTEN_PORT@|$LISTEN_PORT|g" -e "s|@UPSTREAM@|$UPSTREAM|g" -e "s|@PREFIX@|$PREFIX|g" \
  "$HERE/nginx.conf.template" > "$PREFIX/nginx.conf"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -t -q -p "$PREFIX" -c "$PREFIX/nginx.conf"
exec "$NGINX" -p "$PREFIX" -c "$PREFIX/nginx.conf"
