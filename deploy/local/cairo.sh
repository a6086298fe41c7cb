#!/usr/bin/env bash
# Compiles the Cairo risk program with cairo-lang 0.14.0.1 (a virtualenv under ./.data, made on first use).
#   cairo.sh --write   recompile crates/stone/cairo/risk_compiled.json
#   cairo.sh           fail when the committed JSON differs from what its source compiles to
#   cairo.sh --install only make sure cairo-lang is installed (tests run Python cairo-run beside cairo-vm)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# STARKRISK_CAIRO_VENV lets CI keep the virtualenv between runs.
venv="${STARKRISK_CAIRO_VENV:-.data/cairo-venv}"
if [ ! -x "$venv/bin/cairo-compile" ]; then
  echo "cairo.sh: installing cairo-lang==0.14.0.1 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q cairo-lang==0.14.0.1
fi
[ "${1:-}" = "--install" ] && exit 0
source_file=crates/stone/cairo/risk.cairo
committed=crates/stone/cairo/risk_compiled.json
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
"$venv/bin/cairo-compile" --proof_mode --no_debug_info "$source_file" --output "$fresh"
if [ "${1:-}" = "--write" ]; then
  cp "$fresh" "$committed"
  echo "wrote $committed"
elif ! cmp -s "$fresh" "$committed"; then
  echo "$committed does not match $source_file; run: just cairo" >&2
  exit 1
else
  echo "risk_compiled.json matches risk.cairo"
fi
