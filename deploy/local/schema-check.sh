#!/usr/bin/env bash
# Fails when crates/postgres/src/schema.rs differs from what `diesel print-schema` makes of the migrations.
#   schema-check.sh          compare
#   schema-check.sh --write  regenerate the committed schema
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v diesel >/dev/null 2>&1 || {
  echo "diesel CLI missing: cargo install diesel_cli --version 2.3.14 --no-default-features --features postgres --locked" >&2
  exit 1
}
server=$(deploy/local/pg.sh)
name="starkrisk_schema_$$"
base="${server%%\?*}"
url="${base%/*}/$name"
psql "$server" -qc "create database $name" >/dev/null
trap 'psql "$server" -qc "drop database if exists $name" >/dev/null 2>&1 || true' EXIT
# Comparing must not touch the committed file; writing may.
lock=--locked-schema
[ "${1:-}" = "--write" ] && lock=
diesel migration run --database-url "$url" $lock >/dev/null
generated=$(diesel print-schema --database-url "$url")
committed=crates/postgres/src/schema.rs
if [ "${1:-}" = "--write" ]; then
  printf '%s\n' "$generated" > "$committed"
  echo "wrote $committed"
elif ! diff -u "$committed" <(printf '%s\n' "$generated"); then
  echo "$committed drifted from the migrations; run deploy/local/schema-check.sh --write" >&2
  exit 1
else
  echo "schema.rs matches the migrations"
fi
