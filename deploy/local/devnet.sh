#!/usr/bin/env bash
# Makes sure the chain tests can run: starknet-devnet 0.10.1 in cargo's bin directory (built once, ~30 min
# cold, then cached) and the sources of cairo-lang-starknet 2.19.4, whose test_data holds the compiled
# contracts the tests declare. Nothing is started here; the tests start and stop devnet themselves.
set -euo pipefail
version=0.10.1
bin="${CARGO_HOME:-$HOME/.cargo}/bin/starknet-devnet"
if [ -z "${STARKNET_DEVNET:-}" ] && ! { [ -x "$bin" ] && "$bin" --version | grep -q " $version"; }; then
    echo "installing starknet-devnet $version (first time only)" >&2
    cargo install starknet-devnet --locked --version "$version"
fi
if ! ls "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cairo-lang-starknet-2.19.4/test_data >/dev/null 2>&1; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    mkdir -p "$dir/src"
    printf '[package]\nname = "fetch-test-contracts"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\ncairo-lang-starknet = "=2.19.4"\n' >"$dir/Cargo.toml"
    : >"$dir/src/lib.rs"
    (cd "$dir" && cargo fetch --quiet)
fi
