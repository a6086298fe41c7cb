#!/usr/bin/env bash
# Installs the Debian packages named after WHAT that are missing: with apt when run as root, otherwise it
# names the command to run and fails. Usage: debian-packages.sh WHAT PACKAGE... (WHAT: "Stone's build").
set -euo pipefail
what=$1
shift
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing what $what needs: ${missing[*]}" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2 && exit 0
  echo "could not install ${missing[*]}; install them (Debian: apt-get install ${missing[*]}) and run this again" >&2
else
  echo "$what needs ${missing[*]}: install them (Debian: sudo apt-get install ${missing[*]}) and run this again" >&2
fi
exit 1
