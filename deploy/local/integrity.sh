#!/usr/bin/env bash
# Makes sure Herodotus Integrity's FactRegistry and CairoVerifier are compiled for the project's verifier
# configuration, once per machine, and prints the directory holding their Sierra classes. The facts (commit,
# features) are in integrity.env beside this script.
#
# Where: ${STARKRISK_INTEGRITY_HOME:-${XDG_CACHE_HOME:-~/.cache}/starkrisk/integrity-<commit>}, which
# `starkrisk chain deploy` and the chain tests read (crates/starknet reads integrity.env too).
# From what: ../shared/vendor's Integrity tarball when this clone sits beside it, otherwise a clone of the
# upstream repository at the same commit (said on stderr).
# How: the project's Cairo 2.8.4 compiler (cairo2.sh), with Scarb's features given as cfg flags
# (`feature=recursive`, … and `_verifier_logic`, which Scarb enables through the layout feature).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=integrity.env
. "$here/integrity.env"
home="${STARKRISK_INTEGRITY_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/starkrisk/integrity-$INTEGRITY_COMMIT}"
say() { echo "integrity.sh: $*" >&2; }
die() { say "$*"; exit 1; }

"$here/cairo2.sh" --install
# A new compiler or other features recompile the classes.
stamp="$(cat "$root/tools/cairo2/Cargo.lock" "$root"/tools/cairo2/src/*.rs | sha256sum | cut -c1-12) $INTEGRITY_FEATURES"
if [ -s "$home/stamp" ] && [ "$(cat "$home/stamp")" = "$stamp" ] && [ -s "$home/fact_registry.sierra.json" ] &&
  [ -s "$home/verifier.sierra.json" ]; then
  echo "$home"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball="$root/../shared/vendor/integrity-$INTEGRITY_COMMIT.tar.gz"
if [ -s "$tarball" ]; then
  tar -xzf "$tarball" -C "$work"
else
  say "no ../shared/vendor beside this clone: cloning $INTEGRITY_UPSTREAM at $INTEGRITY_COMMIT instead"
  git -c init.defaultBranch=main clone -q --no-checkout "$INTEGRITY_UPSTREAM" "$work/integrity" >&2
  git -C "$work/integrity" -c advice.detachedHead=false checkout -q "$INTEGRITY_COMMIT"
fi
[ -f "$work/integrity/src/lib.cairo" ] || die "the Integrity source has no src/lib.cairo"

cfgs=(--cfg feature=_verifier_logic)
for feature in $INTEGRITY_FEATURES; do cfgs+=(--cfg "feature=$feature"); done
mkdir -p "$home"
say "compiling Integrity $INTEGRITY_COMMIT (features: $INTEGRITY_FEATURES) into $home; about 30 s"
"$here/cairo2.sh" --crate "integrity=$work/integrity/src" "${cfgs[@]}" \
  --contract "integrity::contracts::fact_registry::FactRegistry=$home/fact_registry" \
  --contract "integrity::contracts::verifier::CairoVerifier=$home/verifier" >&2 ||
  die "compiling Integrity failed (see above)"
echo "$stamp" >"$home/stamp"
echo "$home"
