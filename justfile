# starkrisk: every task starts here. `just --list` shows them all.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Serve the API on the local defaults (starts the private Postgres unless DATABASE_URL is set); with
# starknet-devnet installed (`just devnet`), on a local chain with the on-chain gate deployed.
run:
    deploy/local/run.sh

# The whole suite against a real Postgres (the private cluster unless DATABASE_URL is set).
test: domain-purity
    deploy/local/suite.sh

# The whole suite once, instrumented (cargo-tarpaulin), printing line coverage per crate; fails when any
# domain or adapter crate is below 80 %. CI runs this instead of `test`, so the suite is built and run once.
coverage: domain-purity
    deploy/local/suite.sh --coverage

# Formatting, clippy with warnings denied, and the drift checks.
lint: fmt-check clippy drift

# Fail when a file is not formatted as `just fmt` would write it.
fmt-check:
    cargo fmt --all -- --check

# clippy over every target with warnings denied. It only checks, so CI generates code for the workspace once.
clippy:
    cargo clippy --workspace --all-targets -- -D warnings

# The schema, Cairo program and contracts drift checks (the OpenAPI document's is a test: operations_api).
drift:
    deploy/local/schema-check.sh
    deploy/local/cairo.sh
    deploy/local/contracts.sh

# Recompile the Cairo risk program (cairo-lang 0.14.0.1 in a virtualenv under .data).
cairo:
    deploy/local/cairo.sh --write

# Recompile the Starknet contracts (Cairo 2.8.4: tools/cairo2, built once per machine by deploy/local/cairo2.sh).
contracts:
    deploy/local/contracts.sh --write

# Regenerate docs/openapi.json from the handlers.
openapi:
    cargo run -q -p starkrisk-app -- openapi > docs/openapi.json

# Load test GET /api/v1/risk-engine/decisions with wrk against a release build (figures in the README).
load seconds="20" connections="64":
    deploy/local/load.sh {{seconds}} {{connections}}

# Delete superseded test executables from the target directory (each dependency change leaves a new copy).
prune:
    deploy/local/prune-target.sh

# Format the code.
fmt:
    cargo fmt --all

# Criterion benchmarks (figures go in the README).
bench:
    DATABASE_URL="$(deploy/local/pg.sh)" cargo bench --workspace

# Fuzz the proof verify endpoint with many more mutated real proofs than the suite runs (release build), and
# the whole API from its OpenAPI document with many more generated requests and a fresh seed.
fuzz cases="5000" examples="500":
    STARKRISK_FUZZ_CASES={{cases}} cargo test --release -p starkrisk-app --test app -- verify_fuzz:: --nocapture
    deploy/local/schemathesis.sh
    DATABASE_URL="${DATABASE_URL:-$(deploy/local/pg.sh)}" STARKRISK_SCHEMATHESIS_EXAMPLES={{examples}} STARKRISK_SCHEMATHESIS_SEED=$RANDOM$RANDOM cargo test --release -p starkrisk-app --test app -- api_contract:: --nocapture

# Install starknet-devnet 0.10.1 and fetch the compiled test contracts the chain tests declare.
devnet:
    deploy/local/devnet.sh

# Build Stone's cpu_air_prover and cpu_air_verifier (v3, the commit in deploy/local/stone.env) once per machine
# into a cache outside the clone, and print where; the service finds them there with no setting.
stone:
    deploy/local/stone.sh

# Compile Herodotus Integrity's FactRegistry and verifier (the commit and features in deploy/local/integrity.env)
# once per machine into a cache outside the clone, with the same Cairo 2.8.4 compiler, and print where.
integrity:
    deploy/local/integrity.sh

# Start the private Postgres and print its URL.
db:
    deploy/local/pg.sh

# Stop the private Postgres.
db-stop:
    deploy/local/pg.sh stop

# Regenerate crates/postgres/src/schema.rs from the migrations.
schema:
    deploy/local/schema-check.sh --write

# The domain crate must stay embeddable: no runtime, web, SQL or RPC crates in its normal dependencies by
# default (the opt-in `system-clock` feature adds tokio's timer for the services that run the clock port).
domain-purity:
    #!/usr/bin/env bash
    set -euo pipefail
    found=$(cargo tree -p starkrisk-domain -e normal --prefix none --format '{p}' | grep -E '^(tokio|actix[-a-z]*|diesel[-a-z]*|reqwest|starknet-providers) ' || true)
    if [ -n "$found" ]; then echo "starkrisk-domain must stay pure, but depends on: $found" >&2; exit 1; fi
    echo "starkrisk-domain is pure: no tokio, actix, diesel, reqwest or starknet-providers"
