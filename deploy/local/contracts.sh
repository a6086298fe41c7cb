#!/usr/bin/env bash
# Compiles the Starknet contracts of crates/starknet/cairo with the project's Cairo 2 compiler (cairo2.sh:
# Cairo 2.8.4, the release Integrity is written in): each file a crate of one contract, each folder a crate
# (lib.cairo) whose contracts are written under their files' names.
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
# Compiling is deterministic: once these exact sources, artefacts and compiler (its sources and release)
# have been found to match on this machine, they would be again, so the check is not repeated (about 20 s
# of both cores on every lint). Only a pass is remembered.
checked="${XDG_CACHE_HOME:-$HOME/.cache}/starkrisk/contracts-checked"
inputs=$(find "$sources" deploy/local/contracts.sh deploy/local/cairo2.sh deploy/local/cairo2.env \
  tools/cairo2/Cargo.toml tools/cairo2/Cargo.lock tools/cairo2/src -type f | LC_ALL=C sort |
  xargs sha256sum | sha256sum | cut -c1-16)
if [ -z "${1:-}" ] && [ -e "$checked/$inputs" ]; then
  echo "compiled contracts match their sources (these exact files passed this check before on this machine)"
  exit 0
fi
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
# The contract module in a file: the one right after its attribute.
contract_in() { sed -n '/#\[starknet::contract\]/{n;s/^mod \([A-Za-z0-9_]*\).*/\1/p;q}' "$1"; }
# Each crate compiles in a process of its own (most of each is compiling the corelib, on one core), all at
# once; a failure is reported once they are all done.
compiling=()
compile() {
  local name=$1
  shift
  { deploy/local/cairo2.sh "$@" --casm 2>"$fresh/$name.log" || { cat "$fresh/$name.log" >&2; exit 1; }
    rm "$fresh/$name.log"; } &
  compiling+=($!)
}
# A file is a crate of one contract.
for source in "$sources"/*.cairo; do
  name=$(basename "$source" .cairo)
  contract=$(contract_in "$source")
  [ -n "$contract" ] || { echo "contracts.sh: $source has no #[starknet::contract] module" >&2; exit 1; }
  compile "$name" --crate "$source" --contract "$name::$name::$contract=$fresh/$name"
done
# A folder is a crate (lib.cairo) whose files may each hold a contract, written under the file's name.
for folder in "$sources"/*/; do
  [ -f "$folder/lib.cairo" ] || continue
  crate=$(basename "$folder")
  requests=()
  for source in "$folder"*.cairo; do
    contract=$(contract_in "$source")
    [ -n "$contract" ] || continue
    name=$(basename "$source" .cairo)
    requests+=(--contract "$crate::$name::$contract=$fresh/$name")
  done
  compile "$crate" --crate "$crate=$folder" "${requests[@]}"
done
failed=0
for pid in "${compiling[@]}"; do
  wait "$pid" || failed=1
done
[ "$failed" = 0 ] || { echo "contracts.sh: a contract did not compile (above)" >&2; exit 1; }
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
  mkdir -p "$checked"
  find "$checked" -type f -mtime +30 -delete
  touch "$checked/$inputs"
  echo "compiled contracts match their sources"
fi
