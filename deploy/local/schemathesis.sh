#!/usr/bin/env bash
# Makes sure schemathesis (the schema-driven API fuzzer the suite runs against the served OpenAPI document)
# is installed in a virtualenv under ./.data, or in $STARKRISK_SCHEMATHESIS_VENV (CI keeps it between runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
version=4.32.5
venv="${STARKRISK_SCHEMATHESIS_VENV:-.data/schemathesis-venv}"
if ! { [ -x "$venv/bin/st" ] && "$venv/bin/st" --version | grep -q " $version\$"; }; then
  echo "schemathesis.sh: installing schemathesis==$version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi
