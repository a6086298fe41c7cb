#!/usr/bin/env bash
# Every test target of the workspace, once, instrumented by cargo-tarpaulin (LLVM engine: it reads the
# profiles itself, so rustup's llvm-tools are not needed); then the per-crate figures and the floor.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=0.37.5
if ! cargo tarpaulin --version 2>/dev/null | grep -q "$version"; then
  cargo install cargo-tarpaulin --version "$version" --locked --no-default-features
fi
target="${CARGO_TARGET_DIR:-target}"
out="$target/coverage"
mkdir -p "$out"
# Only the workspace's crates are instrumented (coverage-rustc.sh). Cargo rebuilds everything when the
# wrapper's path changes, so it is run from the target directory, which stays put from clone to clone.
wrapper="$(cd "$target" && pwd)/coverage-rustc.sh"
cmp -s deploy/local/coverage-rustc.sh "$wrapper" || install -m 755 deploy/local/coverage-rustc.sh "$wrapper"
export RUSTC_WRAPPER="$wrapper"
# Instrumented artifacts live apart from the plain build, so neither invalidates the other.
# --timeout: a test binary may run minutes instrumented (the registry's Stone verifications); tarpaulin's
# default of 60 s without output would stop it.
cargo tarpaulin --engine llvm --workspace --all-targets --skip-clean --timeout 900 --target-dir "$target/instrumented" \
  --exclude-files 'crates/*/tests/*' 'crates/*/tests/*/*' 'crates/*/tests/*/*/*' 'crates/*/benches/*' \
  'crates/*/src/testing.rs' 'crates/*/src/testing/*' --out Json --output-dir "$out" -- --color never
python3 deploy/local/coverage_summary.py "$out/tarpaulin-report.json"
