#!/usr/bin/env bash
# Every test target of the workspace, once, instrumented by cargo-tarpaulin (LLVM engine: it reads the
# profiles itself, so rustup's llvm-tools are not needed); then the per-crate figures and the floor.
#   coverage.sh --build   only build the instrumented test binaries
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
# The flags the build and both groups of test binaries below share. --timeout: a test binary may run minutes
# instrumented (the registry's Stone verifications); tarpaulin's default of 60 s without output would stop it.
tarpaulin() {
  cargo tarpaulin --engine llvm --workspace --skip-clean --timeout 900 --target-dir "$build" \
    --exclude-files 'crates/*/tests/*' 'crates/*/tests/*/*' 'crates/*/tests/*/*/*' 'crates/*/benches/*' \
    'crates/*/src/testing.rs' 'crates/*/src/testing/*' --out Json "$@" -- --color never
}
tarpaulin --all-targets --no-run
# `--build`: only this build (CI runs it before the suite, so that clippy can run beside the tests alone).
[ "${1:-}" = "--build" ] && exit 0

# tarpaulin runs test binaries one after another. The app's end-to-end binary takes minutes (its chain tests
# wait their turn on one devnet) while leaving part of the two cores idle, so every other test binary runs
# beside it, in a second tarpaulin. Each group has its own profile directory (after each binary, tarpaulin
# reads every new profile in its directory) and its own report; the summary merges the two.
group() {
  local name=$1
  shift
  mkdir -p "$out/$name"
  rm -f "$out/$name/tarpaulin-report.json"
  printf '[%s]\nmanifest-path = "%s"\nprofraw_folder = "%s"\n' \
    "$name" "$PWD/Cargo.toml" "$build/tarpaulin/profraws-$name" >"$out/$name/tarpaulin.toml"
  tarpaulin --config "$out/$name/tarpaulin.toml" --output-dir "$out/$name" "$@"
}
# The benches and integration tests by name: `--benches` would run the libraries' unit tests a second time
# (a library is a bench target too), and the app's binary is in the other group.
targets=$(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
for package in json.load(sys.stdin)["packages"]:
    for target in package["targets"]:
        if target["kind"] in (["test"], ["bench"]) and target["name"] != "app":
            print(target["kind"][0], target["name"])')
others=(--lib)
while read -r kind name; do
  others+=("--$kind" "$name")
done <<<"$targets"
echo "coverage: the app's end-to-end tests run beside the others; their output follows the others'"
group app --test app --bins >"$out/app.log" 2>&1 &
app=$!
failed=()
group others "${others[@]}" || failed+=("the other test binaries")
wait "$app" || failed+=("the app's end-to-end tests (--test app)")
cat "$out/app.log"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "coverage: failed: ${failed[*]} (their output is above)" >&2
  exit 1
fi
python3 deploy/local/coverage_summary.py "$out/app/tarpaulin-report.json" "$out/others/tarpaulin-report.json"
