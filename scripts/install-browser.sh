#!/usr/bin/env bash
# Debian's chromium for the browser tests (Playwright's own browser download cannot work offline).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "install-browser: need root to apt-get install chromium; browser tests will be skipped" >&2
    exit 0
fi
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
echo "install-browser: installing Debian's chromium (a minute or two)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
