#!/usr/bin/env bash
# Makes sure the chain tests can run: starknet-devnet 0.10.1 in cargo's bin directory (built once, 24 min
# on a cold two-core machine, then cached) and the sources of cairo-lang-starknet 2.19.4, whose test_data
# holds the compiled contracts the tests declare. Nothing is started here; the tests start and stop devnet themselves.
#   devnet.sh --packages   only install the Debian packages its build needs (CI does it before other apt work)
set -euo pipefail
version=0.10.1
bin="${CARGO_HOME:-$HOME/.cargo}/bin/starknet-devnet"
needs_build() { [ -z "${STARKNET_DEVNET:-}" ] && ! { [ -x "$bin" ] && "$bin" --version | grep -q " $version"; }; }
if needs_build; then
    # Debian's OpenSSL instead of the copy devnet would compile from source (OPENSSL_NO_VENDOR below): that
    # copy's build alone took 345 s in a timed build of devnet.
    "$(dirname "$0")/debian-packages.sh" "starknet-devnet's build" libssl-dev pkg-config
fi
[ "${1:-}" = "--packages" ] && exit 0
if needs_build; then
    # Devnet links the front ends of two Cairo compiler releases that it never runs (declaring a class only
    # turns its Sierra into CASM, which stays optimised): built unoptimised, they compile in less time.
    unoptimised=()
    for crate in parser syntax syntax-codegen semantic lowering defs plugins sierra-generator compiler formatter \
        project test-utils; do
        unoptimised+=(--config "profile.release.package.cairo-lang-$crate.opt-level=0")
    done
    echo "installing starknet-devnet $version (first time only)" >&2
    OPENSSL_NO_VENDOR=1 cargo install starknet-devnet --locked --version "$version" "${unoptimised[@]}"
fi
if ! ls "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cairo-lang-starknet-2.19.4/test_data >/dev/null 2>&1; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    mkdir -p "$dir/src"
    printf '[package]\nname = "fetch-test-contracts"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\ncairo-lang-starknet = "=2.19.4"\n' >"$dir/Cargo.toml"
    : >"$dir/src/lib.rs"
    (cd "$dir" && cargo fetch --quiet)
fi
