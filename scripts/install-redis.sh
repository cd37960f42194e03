#!/usr/bin/env bash
# Debian's redis-server for the tests of shared state across workers (a real Redis, not a fake).
# Idempotent: nothing to do when redis-server is on the PATH. The tests start their own server on
# a free loopback port (tests/redis_server.py); the Debian service itself is not needed.
set -euo pipefail
if command -v redis-server >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "install-redis: need root to apt-get install redis-server; Redis tests will be skipped" >&2
    exit 0
fi
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
echo "install-redis: installing Debian's redis-server"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# the package starts its own service where an init system runs; the tests do not use it
if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
    $SUDO systemctl stop redis-server || true
fi
redis-server --version
