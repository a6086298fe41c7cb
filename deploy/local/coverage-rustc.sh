#!/usr/bin/env bash
# RUSTC_WRAPPER of the instrumented build (coverage.sh): cargo-tarpaulin asks rustc to instrument every crate
# it compiles, but only the workspace's lines are measured, and a dependency instrumented only runs slower.
# The suite spends most of its time in dependencies (serde_json reading megabyte proofs, swiftness, the
# Starknet hashes, cairo-vm), so their instrumentation is dropped here. Cargo marks the workspace's own
# crates (all selected by --workspace) with CARGO_PRIMARY_PACKAGE; every other crate is a dependency.
set -euo pipefail
rustc=$1
shift
[ -n "${CARGO_PRIMARY_PACKAGE:-}" ] && exec "$rustc" "$@"
args=()
for arg in "$@"; do
  case "$arg" in
    -Cinstrument-coverage | -Clink-dead-code) ;;
    instrument-coverage | link-dead-code)
      # The same flags as two words, `-C instrument-coverage`: drop the `-C` kept just before.
      if [ "${#args[@]}" -gt 0 ] && [ "${args[-1]}" = "-C" ]; then
        unset 'args[-1]'
      else
        args+=("$arg")
      fi
      ;;
    *) args+=("$arg") ;;
  esac
done
exec "$rustc" "${args[@]}"
