#!/usr/bin/env bash
# Makes sure cargo-tarpaulin, which `just coverage` measures with, is installed at the version the
# coverage figures were taken with (its LLVM engine reads the profiles itself: no rustup component).
set -euo pipefail
version=0.37.5
if ! cargo tarpaulin --version 2>/dev/null | grep -q "$version"; then
  cargo install cargo-tarpaulin --version "$version" --locked --no-default-features
fi
