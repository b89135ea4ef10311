#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (playwright-core never downloads a browser): install
# it once from Debian's packages when it is missing. Needs root (or sudo without a password).
set -euo pipefail
if [ -x "${READOUT_CHROMIUM:-/usr/bin/chromium}" ]; then exit 0; fi
echo "installing Debian's chromium for the browser tests"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
"${READOUT_CHROMIUM:-/usr/bin/chromium}" --version
