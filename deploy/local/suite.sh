#!/usr/bin/env bash
# The whole suite against a real Postgres (the private cluster unless DATABASE_URL is set), with every
# external part it needs installed first. `--coverage` runs the same tests once, instrumented by
# cargo-tarpaulin, and prints line coverage per crate (CI uses it, so the suite is built and run once).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The Stone proofs several test binaries need alike (the README's first decision, the impostor's) are made
# once per run, by the first binary to need them, into a directory only this run reads
# (starkrisk_stone::testing::shared); it goes when the run ends.
STARKRISK_SHARED_PROOFS="$(mktemp -d "${TMPDIR:-/tmp}/starkrisk-proofs.XXXXXX")"
export STARKRISK_SHARED_PROOFS
# Every rebuild leaves the old copy of a test executable behind (hundreds of MB each); without this a
# developer's target directory grows until the disk is full. Runs whether the suite passes or not.
trap 'rm -rf "$STARKRISK_SHARED_PROOFS"; deploy/local/prune-target.sh || true' EXIT

coverage=false
[ "${1:-}" = "--coverage" ] && coverage=true

# Assigned before it is exported, so a database that did not start stops the suite here (see run.sh).
DATABASE_URL="$(deploy/local/pg.sh)"
export DATABASE_URL
deploy/local/drop-test-dbs.sh
deploy/local/cairo.sh --install
# schemathesis, which fuzzes the served OpenAPI document (api_contract test).
deploy/local/schemathesis.sh
# Stone's prover and verifier (built once per machine, then cached) for the proving tests.
deploy/local/stone.sh >/dev/null
# Integrity's FactRegistry and verifier, compiled once per machine, which the chain tests deploy on devnet.
deploy/local/integrity.sh >/dev/null
# Integrity's own calldata serializer, which a test compares the project's calldata with.
deploy/local/integrity-serializer.sh >/dev/null
# starknet-devnet for the chain tests (built once, then cached), which start and stop it themselves.
deploy/local/devnet.sh
# Headless Chromium and chromedriver for the dashboard's browser test.
deploy/local/browser.sh
mkdir -p .data
log=.data/test.log
: >"$log"
# Doctests are not instrumented (tarpaulin covers them only on nightly) and need a plain build of every
# library, so the instrumented run skips that build while the workspace has no doctest.
if ! $coverage || grep -rqE '^\s*//[/!].*```' crates/*/src; then
  cargo test --workspace --doc 2>&1 | tee -a "$log"
else
  echo "no doctests in the workspace: the plain doctest build is skipped" | tee -a "$log"
fi
if $coverage; then
  deploy/local/coverage.sh 2>&1 | tee -a "$log"
else
  cargo test --workspace --all-targets 2>&1 | tee -a "$log"
fi
# One closing line for the whole suite, summed over every test binary.
awk '/^test result:/ { p += $4; f += $6 } END { printf "suite: %d passed, %d failed\n", p, f }' "$log"
