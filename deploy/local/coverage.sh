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
# Only the workspace's crates are instrumented (coverage-rustc.sh). Cargo does not rebuild a crate when the
# wrapper alone changes, so this build has a directory of its own, apart from the plain build and from the
# older one that instrumented every dependency (removed here: gigabytes nothing reads any more).
export RUSTC_WRAPPER="$PWD/deploy/local/coverage-rustc.sh"
rm -rf "$target/instrumented"
# --timeout: a test binary may run minutes instrumented (the registry's Stone verifications); tarpaulin's
# default of 60 s without output would stop it.
cargo tarpaulin --engine llvm --workspace --all-targets --skip-clean --timeout 900 \
  --target-dir "$target/instrumented-workspace" \
  --exclude-files 'crates/*/tests/*' 'crates/*/tests/*/*' 'crates/*/tests/*/*/*' 'crates/*/benches/*' \
  'crates/*/src/testing.rs' 'crates/*/src/testing/*' --out Json --output-dir "$out" -- --color never
python3 deploy/local/coverage_summary.py "$out/tarpaulin-report.json"
