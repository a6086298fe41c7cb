#!/usr/bin/env bash
# Makes sure every external part the suite runs against is installed or built (each once per machine,
# then cached): cairo-lang for the Cairo 0 program, schemathesis, Stone, Integrity and its calldata
# serializer, starknet-devnet and headless Chromium. `--without-devnet` leaves devnet out, for a caller
# that builds it beside the rest (CI: devnet's half-hour build has long stretches on one core, which the
# other builds fill).
set -euo pipefail
cd "$(dirname "$0")/../.."
devnet=true
[ "${1:-}" = "--without-devnet" ] && devnet=false

deploy/local/cairo.sh --install
# schemathesis, which fuzzes the served OpenAPI document (api_contract test).
deploy/local/schemathesis.sh
# Stone's prover and verifier for the proving tests.
deploy/local/stone.sh >/dev/null
# Integrity's FactRegistry and verifier, which the chain tests deploy on devnet.
deploy/local/integrity.sh >/dev/null
# Integrity's own calldata serializer, which a test compares the project's calldata with.
deploy/local/integrity-serializer.sh >/dev/null
# starknet-devnet for the chain tests, which start and stop it themselves.
if $devnet; then deploy/local/devnet.sh; fi
# Headless Chromium and chromedriver for the dashboard's browser test.
deploy/local/browser.sh
