#!/usr/bin/env bash
# Drops the per-test databases earlier runs left on the DATABASE_URL server (names start with starkrisk_test_).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL (just test does)}"
for name in $(psql "$DATABASE_URL" -tAc "select datname from pg_database where datname like 'starkrisk\_test\_%'"); do
  psql "$DATABASE_URL" -qc "drop database if exists $name with (force)" >/dev/null
done
