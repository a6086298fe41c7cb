#!/usr/bin/env bash
# Makes sure the dashboard's browser test has headless Chromium and its WebDriver (Debian's chromium and
# chromium-driver), installing them as root with apt when missing. Prints nothing when they are there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "browser.sh: installing Debian's chromium and chromium-driver" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
else
  echo "Chromium is missing for the dashboard's browser test: install chromium and chromium-driver" \
    "(Debian: apt-get install chromium chromium-driver), or set STARKRISK_CHROMIUM and STARKRISK_CHROMEDRIVER." >&2
  exit 1
fi
