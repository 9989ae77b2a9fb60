#!/usr/bin/env bash
# Install what `make check-accessibility` needs, from the package registries only:
# Debian's chromium (apt, as root or with password-less sudo) and, from npm, the versions of
# axe-core and puppeteer-core pinned in tools/accessibility/package-lock.json (puppeteer-core
# downloads no browser of its own). Needs node 18 or later and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium_bin=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ]; then
  as=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as="sudo -n"; else
      echo "Chromium is missing: run 'apt-get install -y chromium' as root, then the command again." >&2; exit 1
    fi
  fi
  echo "Installing Chromium: ${as:+$as }apt-get install -y chromium" >&2
  $as apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $as apt-get install -y -qq chromium >&2
fi
command -v node >/dev/null 2>&1 || { echo "node (18 or later) is missing: apt-get install -y nodejs npm" >&2; exit 1; }
lock=tools/accessibility/package-lock.json
stamp=tools/accessibility/node_modules/.installed
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
  (cd tools/accessibility && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  touch "$stamp"
fi
