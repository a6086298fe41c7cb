#!/usr/bin/env bash
# RUSTC_WRAPPER of the instrumented build (coverage.sh): cargo-tarpaulin asks rustc to instrument every crate
# it compiles, with full debug info, but only the workspace's lines are measured, and a dependency
# instrumented only runs slower. The suite spends most of its time in dependencies (serde_json reading
# megabyte proofs, swiftness, the Starknet hashes, cairo-vm), so their instrumentation is dropped here, and
# their debug info with it: LLVM's coverage reads its own mapping sections, not DWARF (the figures did not
# change), and a cold instrumented build took 11.4 min without it instead of 13.5. Cargo marks the
# workspace's own crates (all selected by --workspace) with CARGO_PRIMARY_PACKAGE; every other crate is a
# dependency. The workspace's crates stay instrumented but keep only line tables, enough for a failing
# test's backtrace: timed alone, a rebuild of them took 2 min 51 s instead of 3 min 25 s (63 s less CPU),
# with the same measured lines and hits within the run-to-run spread; in whole warm CI runs the saving was
# lost in the spread between runs (lint and build about 5 min either way).
set -euo pipefail
rustc=$1
shift
# rustc keeps the last value of a codegen option, so a flag appended here overrides the profile's and tarpaulin's.
[ -n "${CARGO_PRIMARY_PACKAGE:-}" ] && exec "$rustc" "$@" -Cdebuginfo=line-tables-only
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
exec "$rustc" "${args[@]}" -Cdebuginfo=0
