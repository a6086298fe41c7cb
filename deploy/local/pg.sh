#!/usr/bin/env bash
# Makes sure a PostgreSQL server is there for `just run` and `just test`, and prints the DATABASE_URL to use.
#   pg.sh [start]  start (initialising on first use) the private cluster under ./.data/pg, print its URL
#   pg.sh stop     stop it
# When DATABASE_URL is set, that server is used as is and nothing is started. STARKRISK_PG_DATA and
# STARKRISK_PG_PORT place a cluster elsewhere (tests that stop their own server use them).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data="${STARKRISK_PG_DATA:-$root/.data/pg}"
port="${STARKRISK_PG_PORT:-54329}"
db_user=starkrisk
url="postgres://$db_user@127.0.0.1:$port/starkrisk"

say() { echo "pg.sh: $*" >&2; }

find_bin_dir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "PostgreSQL binaries not found; installing Debian's postgresql package"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    # Debian starts its own cluster on 5432; ours is private, so stop theirs to keep the machine quiet.
    (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --force "$(ls /etc/postgresql | sort -V | tail -n 1)" main stop) >&2 2>/dev/null || true
    ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1
    return
  fi
  say "PostgreSQL is not installed. Install it (Debian: apt-get install postgresql) or set DATABASE_URL."
  exit 1
}

# initdb and postgres refuse to run as root: run them as the postgres system user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; return; fi
  local bin
  bin=$(find_bin_dir)
  if [ ! -s "$data/PG_VERSION" ]; then
    say "initialising a private cluster in $data (port $port)"
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then as_owner true; chown postgres "$data"; fi
    chmod 700 "$data"
    as_owner "$bin/initdb" -D "$data" -U "$db_user" --auth=trust --encoding=UTF8 --no-locale >/dev/null
  fi
  if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $data -c max_connections=200 -c fsync=off" start >/dev/null \
      || { say "the server did not start; see $data/server.log"; tail -n 20 "$data/server.log" >&2; exit 1; }
  fi
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U "$db_user" -d postgres -tAc "select 1 from pg_database where datname='starkrisk'" | grep -q 1; then
    "$bin/psql" -h 127.0.0.1 -p "$port" -U "$db_user" -d postgres -qc "create database starkrisk" >/dev/null
  fi
  echo "$url"
}

stop() {
  [ -s "$data/PG_VERSION" ] || return 0
  local bin
  bin=$(find_bin_dir)
  as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) say "usage: pg.sh [start|stop]"; exit 2 ;;
esac
