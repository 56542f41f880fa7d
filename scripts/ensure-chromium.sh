#!/bin/sh
# Makes sure Debian's chromium is installed for the HTML viewer test (test/traces/viewer.test.ts).
# Idempotent and quick when it is already there; installs with apt-get (as root) when missing.
# Serialised with flock so two test runs do not fight over the apt lock.
set -eu
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ensure-chromium: $CHROMIUM is missing; as root run: apt-get update && apt-get install -y chromium" >&2
  exit 1
fi
install_it() {
  [ -x "$CHROMIUM" ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Recommends pull in fonts and the like the screenshots want; -qq keeps the test log short.
  apt-get install -y -qq chromium >/dev/null
}
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/vdpa-mc-ensure-chromium.lock"
  flock 9
fi
install_it
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2; exit 1; }
