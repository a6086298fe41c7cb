#!/usr/bin/env bash
# Every test target of the workspace, once, instrumented by cargo-tarpaulin (LLVM engine: it reads the
# profiles itself, so rustup's llvm-tools are not needed); then the per-crate figures and the floor.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=0.37.5
if ! cargo tarpaulin --version 2>/dev/null | grep -q "$version"; then
  # Lightly optimised: it only starts the tests and reads their profiles (seconds), so compiling it fast
  # matters more on a new machine than its own speed.
  cargo install cargo-tarpaulin --version "$version" --locked --no-default-features \
    --config 'profile.release.opt-level=1'
fi
target="${CARGO_TARGET_DIR:-target}"
out="$target/coverage"
mkdir -p "$out"
# Only the workspace's crates are instrumented (coverage-rustc.sh). Cargo does not rebuild a crate when the
# wrapper alone changes, so this build has a directory of its own, named by the wrapper's code (its comments
# left out: rewording one should not cost a rebuild), apart from the plain build; the directories of earlier
# wrappers are removed (gigabytes nothing reads any more).
export RUSTC_WRAPPER="$PWD/deploy/local/coverage-rustc.sh"
build="$target/instrumented-$(grep -v '^[[:space:]]*#' "$RUSTC_WRAPPER" | sha256sum | cut -c1-12)"
for old in "$target"/instrumented*; do
  [ "$old" = "$build" ] || rm -rf "$old"
done
# --timeout: a test binary may run minutes instrumented (the registry's Stone verifications); tarpaulin's
# default of 60 s without output would stop it.
cargo tarpaulin --engine llvm --workspace --all-targets --skip-clean --timeout 900 \
  --target-dir "$build" \
  --exclude-files 'crates/*/tests/*' 'crates/*/tests/*/*' 'crates/*/tests/*/*/*' 'crates/*/benches/*' \
  'crates/*/src/testing.rs' 'crates/*/src/testing/*' --out Json --output-dir "$out" -- --color never
python3 deploy/local/coverage_summary.py "$out/tarpaulin-report.json"
