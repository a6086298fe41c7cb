#!/usr/bin/env bash
# Makes sure a PostgreSQL server is there for `just run` and `just test`, and prints the DATABASE_URL to use.
#   pg.sh [start]  start (initialising on first use) the private cluster under ./.data/pg, print its URL
#   pg.sh stop     stop it
#   pg.sh destroy  stop it and delete its data, wherever it lives
# When DATABASE_URL is set, that server is used as is and nothing is started. STARKRISK_PG_DATA and
# STARKRISK_PG_PORT place a cluster elsewhere (tests that stop their own server use them).
#
# Who runs the server: the invoking user, except root, whom Postgres refuses; for root it runs as the
# `postgres` system user. That user must reach the data directory, and a clone in root's home (mode 700)
# or in a `mktemp -d` folder is out of its reach. Rather than open the user's directories behind their
# back, the cluster's data then lives in a folder of its own under /var/lib/starkrisk-pg (STARKRISK_PG_HOME),
# named after the clone's path, and ./.data/pg is a symbolic link to it: `pg.sh destroy` removes both.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data="${STARKRISK_PG_DATA:-$root/.data/pg}"
port="${STARKRISK_PG_PORT:-54329}"
db_user=starkrisk
url="postgres://$db_user@127.0.0.1:$port/starkrisk"

say() { echo "pg.sh: $*" >&2; }
# One line that says what went wrong and what to do, then stop before anything else starts.
die() { say "$*"; exit 1; }

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

# Can the server's user enter this existing directory? Always, unless root hands the server to `postgres`.
server_reaches() {
  [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$1" 2>/dev/null
}

# Where the data really lives when the server's user cannot reach $data: one folder per clone path.
relocated_home() {
  local key
  key=$(printf '%s' "$(readlink -m "$data")" | sha256sum | cut -c1-16)
  echo "${STARKRISK_PG_HOME:-/var/lib/starkrisk-pg}/$key"
}

# Creates the empty data directory (or the link to it) and prints the real path the server will use.
place_cluster() {
  local parent
  parent=$(dirname "$data")
  mkdir -p "$parent" 2>/dev/null || die "cannot create $parent; choose a writable place with STARKRISK_PG_DATA or set DATABASE_URL"
  if [ -L "$data" ]; then readlink -f "$data"; return; fi
  # An empty folder left by an earlier failed attempt is ours to replace.
  [ -d "$data" ] && rmdir "$data" 2>/dev/null || true
  if [ -e "$data" ]; then
    die "$data exists but holds no cluster (no PG_VERSION); move it away or set STARKRISK_PG_DATA to another path"
  fi
  if server_reaches "$parent"; then
    mkdir -p "$data"
    [ "$(id -u)" != 0 ] || chown postgres "$data"
    chmod 700 "$data"
    echo "$data"
    return
  fi
  local home
  home=$(relocated_home)
  say "the postgres user cannot enter $parent, so the cluster lives in $home (linked from $data)"
  mkdir -p "$home" 2>/dev/null && chmod 755 "$(dirname "$home")" && chown postgres "$home" && chmod 700 "$home" ||
    die "cannot create $home for the cluster; set STARKRISK_PG_HOME to a folder the postgres user can reach, or set DATABASE_URL"
  server_reaches "$home" ||
    die "the postgres user cannot reach $home either; set STARKRISK_PG_HOME to a folder it can reach, or set DATABASE_URL"
  ln -s "$home" "$data"
  echo "$home"
}

start() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; return; fi
  local bin
  bin=$(find_bin_dir)
  [ "$(id -u)" != 0 ] || as_owner true
  if [ ! -s "$data/PG_VERSION" ]; then
    say "initialising a private cluster in $data (port $port)"
    local real errors
    real=$(place_cluster)
    if ! errors=$(as_owner "$bin/initdb" -D "$real" -U "$db_user" --auth=trust --encoding=UTF8 --no-locale 2>&1 >/dev/null); then
      die "initdb could not create the cluster in $real: $(echo "$errors" | grep -m1 -i error || echo "$errors" | tail -n 1); fix that or set DATABASE_URL to a server of yours"
    fi
  fi
  data=$(readlink -f "$data")
  if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $data -c max_connections=200 -c fsync=off" start >/dev/null 2>&1 \
      || die "the server did not start: $(grep -m1 -E 'could not bind|FATAL|ERROR' "$data/server.log" | sed -E 's/^.*(LOG|FATAL|ERROR): +//' || echo 'no reason logged'); see $data/server.log (another server on port $port? set STARKRISK_PG_PORT)"
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
  as_owner "$bin/pg_ctl" -D "$(readlink -f "$data")" -m fast -w stop >/dev/null 2>&1 || true
}

destroy() {
  stop
  if [ -L "$data" ]; then rm -rf "$(readlink -f "$data")"; rm -f "$data"; else rm -rf "$data"; fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  destroy) destroy ;;
  *) say "usage: pg.sh [start|stop|destroy]"; exit 2 ;;
esac
