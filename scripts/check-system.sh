#!/usr/bin/env bash
# Check the system libraries WeasyPrint loads (Pango, and HarfBuzz's subsetter for fast,
# deterministic font subsetting). With --packages, print the Debian package names instead.
set -u
libs=(libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0)
pkgs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
if [ "${1:-}" = "--packages" ]; then echo "${pkgs[*]}"; exit 0; fi
missing=()
for i in "${!libs[@]}"; do
  if ! ldconfig -p 2>/dev/null | grep -q "${libs[$i]}"; then missing+=("${pkgs[$i]}"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing system libraries for PDF output: run 'sudo apt-get install -y ${missing[*]}' (or 'make system-deps' as root)." >&2
  exit 1
fi
