#!/usr/bin/env bash
# Compiles the Starknet contracts (Cairo 2.1.0, the `starknet-compile` inside PyPI's cairo-lang 0.12.3, the
# newest sdist with a complete corelib) in a virtualenv under ./.data, made on first use.
#   contracts.sh --write   recompile crates/starknet/cairo/compiled/*.json
#   contracts.sh           fail when a committed artefact differs from what its source compiles to
#   contracts.sh --install only make sure the compiler is installed
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# STARKRISK_CONTRACTS_VENV lets CI keep the virtualenv between runs.
venv="${STARKRISK_CONTRACTS_VENV:-.data/cairo-contracts-venv}"
bin="$venv/lib/python3*/site-packages/starkware/starknet/compiler/v1/sierra-compiler-major-1/bin"
if ! ls $bin/starknet-compile >/dev/null 2>&1; then
  echo "contracts.sh: installing cairo-lang==0.12.3 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q cairo-lang==0.12.3
fi
[ "${1:-}" = "--install" ] && exit 0
compile=$(ls $bin/starknet-compile)
to_casm=$(ls $bin/starknet-sierra-compile)
sources=crates/starknet/cairo
out="$sources/compiled"
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
for source in "$sources"/*.cairo; do
  name=$(basename "$source" .cairo)
  "$compile" --single-file "$source" "$fresh/$name.sierra.json"
  "$to_casm" "$fresh/$name.sierra.json" "$fresh/$name.casm.json"
done
if [ "${1:-}" = "--write" ]; then
  mkdir -p "$out"
  rm -f "$out"/*.json
  cp "$fresh"/*.json "$out/"
  echo "wrote $(ls "$fresh" | wc -l) artefacts to $out"
elif ! diff -rq "$fresh" "$out" >/dev/null; then
  diff -rq "$fresh" "$out" >&2 || true
  echo "the compiled contracts in $out do not match their sources; run: just contracts" >&2
  exit 1
else
  echo "compiled contracts match their sources"
fi
