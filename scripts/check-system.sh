#!/usr/bin/env bash
# Check the system libraries WeasyPrint loads (Pango, and HarfBuzz's subsetter for fast,
# deterministic font subsetting), and Java, which the Spark engine (`--engine spark`) runs on.
#   --packages  print the Debian package names
#   --install   install what is missing when this user may (root, or password-less sudo) and
#               apt-get exists, saying what it runs; otherwise stop with the one command to run
set -u
libs=(libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0)
pkgs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
java_pkg=default-jre-headless
if [ "${1:-}" = "--packages" ]; then echo "${pkgs[*]} $java_pkg"; exit 0; fi
ldconfig_bin=$(command -v ldconfig || echo /sbin/ldconfig)
missing=()
for i in "${!libs[@]}"; do
  if ! "$ldconfig_bin" -p 2>/dev/null | grep -q "${libs[$i]}"; then missing+=("${pkgs[$i]}"); fi
done
if ! command -v java >/dev/null 2>&1 || ! java -version >/dev/null 2>&1; then missing+=("$java_pkg"); fi
[ ${#missing[@]} -eq 0 ] && exit 0

command_line="apt-get install -y ${missing[*]}"
if [ "${1:-}" = "--install" ] && command -v apt-get >/dev/null 2>&1; then
  as=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as="sudo -n"; else as="none"; fi
  fi
  if [ "$as" != "none" ]; then
    echo "Installing the system packages PDF output and the Spark engine need: ${as:+$as }apt-get update && ${as:+$as }$command_line" >&2
    if $as apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as apt-get install -y -qq "${missing[@]}" >&2; then
      exit 0
    fi
    echo "Installing failed; run '$command_line' as root, then the command again." >&2
    exit 1
  fi
fi
echo "Missing system packages for PDF output or the Spark engine: run 'sudo $command_line' (or 'make system-deps' as root), then the command again." >&2
exit 1
