#!/usr/bin/env bash
# Builds Herodotus Integrity's own calldata serializer (`proof_serializer`, from the same commit as
# integrity.sh) once per machine and prints its path; the suite compares the calldata starkrisk writes
# for its own Stone proofs with this program's, felt for felt.
#
# Upstream builds it inside a workspace whose runner pulls the Cairo compiler from a source forge; the
# serializer itself needs only the runner's `transform` and `vec252` modules. So this builds those two
# files and the serializer's main from a copy in the cache, as a crate of their own with registry
# dependencies, reading the felt type from starknet-types-core (which cairo-vm re-exports) instead of
# cairo-vm. Nothing is committed; without ../shared/vendor the upstream commit is cloned.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=integrity.env
. "$here/integrity.env"
home="${STARKRISK_INTEGRITY_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/starkrisk/integrity-$INTEGRITY_COMMIT}"
bin="$home/bin/proof_serializer"
say() { echo "integrity-serializer.sh: $*" >&2; }
die() { say "$*"; exit 1; }
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

work="$home/serializer-build"
rm -rf "$work"
mkdir -p "$work"
tarball="$root/../shared/vendor/integrity-$INTEGRITY_COMMIT.tar.gz"
if [ -s "$tarball" ]; then
  tar -xzf "$tarball" -C "$work" integrity/serializer/src/main.rs integrity/runner/src/transform.rs integrity/runner/src/vec252.rs
else
  say "no ../shared/vendor beside this clone: cloning $INTEGRITY_UPSTREAM at $INTEGRITY_COMMIT instead"
  git -c init.defaultBranch=main clone -q --no-checkout "$INTEGRITY_UPSTREAM" "$work/integrity" >&2
  git -C "$work/integrity" -c advice.detachedHead=false checkout -q "$INTEGRITY_COMMIT"
fi
src="$work/integrity"
sed -i 's/^use cairo_vm::Felt252;/use starknet_types_core::felt::Felt as Felt252;/' "$src/runner/src/vec252.rs"
cat >"$work/runner.rs" <<'RS'
// The two modules of Integrity's runner the serializer uses, under the runner's crate name.
#[path = "integrity/runner/src/transform.rs"]
pub mod transform;
#[path = "integrity/runner/src/vec252.rs"]
pub mod vec252;
pub use vec252::VecFelt252;
RS
cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "integrity-proof-serializer"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[lib]
name = "runner"
path = "runner.rs"

[[bin]]
name = "proof_serializer"
path = "integrity/serializer/src/main.rs"

[dependencies]
anyhow = "1"
itertools = "0.13"
num-bigint = "0.4"
serde = { version = "1", features = ["derive"] }
serde_json = "1"
starknet-types-core = "=0.1.7"
swiftness_proof_parser = "0.1"
thiserror = "1"
TOML
say "building Integrity's proof_serializer ($INTEGRITY_COMMIT) into $home/bin; once per machine"
cargo install --quiet --path "$work" --root "$home" --target-dir "$work/target" >&2 ||
  die "building Integrity's serializer failed (see above)"
rm -rf "$work"
echo "$bin"
