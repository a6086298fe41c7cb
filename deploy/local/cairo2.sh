#!/usr/bin/env bash
# The project's Cairo 2 compiler (tools/cairo2, Cairo $CAIRO_VERSION from cairo2.env), built once per machine,
# with the corelib of the same release: runs it with the arguments given and `--corelib` added.
#   cairo2.sh --install     only make sure the compiler and the corelib are there
#   cairo2.sh ARGS…         compile (see `cairo2.sh --help`)
# Both live in ${XDG_CACHE_HOME:-~/.cache}/starkrisk, the compiler keyed by a hash of its sources. The corelib
# comes from ../shared/vendor when this clone sits beside it, otherwise from a clone of the compiler's
# upstream at the release's tag (said on stderr).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=cairo2.env
. "$here/cairo2.env"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/starkrisk"
say() { echo "cairo2.sh: $*" >&2; }
die() { say "$*"; exit 1; }

tool_hash=$(cat "$root/tools/cairo2/Cargo.toml" "$root/tools/cairo2/Cargo.lock" "$root"/tools/cairo2/src/*.rs | sha256sum | cut -c1-12)
compiler_home="$cache/cairo2-$CAIRO_VERSION-$tool_hash"
compiler="$compiler_home/bin/starkrisk-cairo2"
if [ ! -x "$compiler" ]; then
  say "building the Cairo $CAIRO_VERSION compiler (tools/cairo2) into $compiler_home; once per machine, about 6 minutes on 2 cores"
  cargo install --quiet --locked --path "$root/tools/cairo2" --root "$compiler_home" \
    --target-dir "$cache/cairo2-target" >&2 || die "building tools/cairo2 failed (see above)"
fi

corelib="$cache/cairo-corelib-v$CAIRO_VERSION"
if [ ! -f "$corelib/src/lib.cairo" ]; then
  work=$(mktemp -d "$cache/corelib.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  tarball="$root/../shared/vendor/cairo-corelib-v$CAIRO_VERSION.tar.gz"
  if [ -s "$tarball" ]; then
    tar -xzf "$tarball" -C "$work"
  else
    say "no ../shared/vendor beside this clone: cloning $CAIRO_UPSTREAM at v$CAIRO_VERSION for its corelib instead"
    git clone -q --depth 1 --branch "v$CAIRO_VERSION" "$CAIRO_UPSTREAM" "$work/cairo" >&2
    mv "$work/cairo/corelib" "$work/corelib"
  fi
  [ -f "$work/corelib/src/lib.cairo" ] || die "the corelib source has no src/lib.cairo"
  rm -rf "$corelib"
  mv "$work/corelib" "$corelib"
fi

[ "${1:-}" = "--install" ] && exit 0
# The tool's own errors are one line; a backtrace would only bury them.
RUST_BACKTRACE=0 exec "$compiler" --corelib "$corelib/src" "$@"
