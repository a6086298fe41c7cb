#!/usr/bin/env bash
# Compiles the Starknet contracts of crates/starknet/cairo with the project's Cairo 2 compiler (cairo2.sh:
# Cairo 2.8.4, the release Integrity is written in), one crate per file.
#   contracts.sh --write   recompile crates/starknet/cairo/compiled/*.json
#   contracts.sh           fail when a committed artefact differs from what its source compiles to
#   contracts.sh --install only make sure the compiler is installed
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
deploy/local/cairo2.sh --install
[ "${1:-}" = "--install" ] && exit 0
sources=crates/starknet/cairo
out="$sources/compiled"
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
for source in "$sources"/*.cairo; do
  name=$(basename "$source" .cairo)
  # Each file holds one contract module, right after its attribute.
  contract=$(sed -n '/#\[starknet::contract\]/{n;s/^mod \([A-Za-z0-9_]*\).*/\1/p;q}' "$source")
  [ -n "$contract" ] || { echo "contracts.sh: $source has no #[starknet::contract] module" >&2; exit 1; }
  deploy/local/cairo2.sh --crate "$source" --contract "$name::$name::$contract=$fresh/$name" --casm 2>"$fresh/$name.log" ||
    { cat "$fresh/$name.log" >&2; exit 1; }
  rm "$fresh/$name.log"
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
