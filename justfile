# starkrisk: every task starts here. `just --list` shows them all.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Serve the API on the local defaults.
run:
    cargo run -p starkrisk-app -- serve

# The whole suite: domain purity, then every crate's tests.
test: domain-purity
    cargo test --workspace --all-targets
    cargo test --workspace --doc

# Formatting and clippy, warnings denied.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# Criterion benchmarks (figures go in the README).
bench:
    cargo bench --workspace

# The domain crate must stay embeddable: no runtime, web, SQL or RPC crates in its normal dependencies.
domain-purity:
    #!/usr/bin/env bash
    set -euo pipefail
    found=$(cargo tree -p starkrisk-domain -e normal --prefix none --format '{p}' | grep -E '^(tokio|actix[-a-z]*|diesel[-a-z]*|reqwest|starknet-providers) ' || true)
    if [ -n "$found" ]; then echo "starkrisk-domain must stay pure, but depends on: $found" >&2; exit 1; fi
    echo "starkrisk-domain is pure: no tokio, actix, diesel, reqwest or starknet-providers"
