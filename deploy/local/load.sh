#!/usr/bin/env bash
# Load test: GET /api/v1/risk-engine/decisions on a release build, with wrk from the same machine.
#   load.sh [seconds] [connections]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
seconds="${1:-20}"
connections="${2:-64}"
port="${STARKRISK_LOAD_PORT:-8089}"
command -v wrk >/dev/null 2>&1 || {
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; else echo "install wrk (Debian: apt-get install wrk)" >&2; exit 1; fi
}
# Assigned before it is exported, so a database that did not start stops here (see run.sh).
STARKRISK__DATABASE__URL="$(deploy/local/pg.sh)"
export STARKRISK__DATABASE__URL
db="starkrisk_load"
psql "$STARKRISK__DATABASE__URL" -qc "drop database if exists $db with (force)" -c "create database $db" >/dev/null
base="${STARKRISK__DATABASE__URL%%\?*}"
export STARKRISK__DATABASE__URL="${base%/*}/$db"
# wrk needs a core of its own on a 2-core machine; one HTTP worker and one wrk thread keep the two from
# preempting each other, which is what otherwise dominates the tail latency.
export STARKRISK__SERVER__HTTP_WORKERS="${STARKRISK__SERVER__HTTP_WORKERS:-1}"
export STARKRISK__SERVER__PORT="$port" STARKRISK__WORKERS__COUNT=0 STARKRISK__LOG__LEVEL=warn STARKRISK__DATABASE__MAX_CONNECTIONS=32
cargo build --release -q -p starkrisk-app
bin=target/release/starkrisk
"$bin" serve & server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "localhost:$port/ready" >/dev/null && break; sleep 0.1; done
admin=$("$bin" token --role admin --subject load)
viewer=$("$bin" token --role viewer --subject load)
curl -sf -XPOST "localhost:$port/api/v1/model-registry/register" -H "authorization: Bearer $admin" -d \
  '{"params":{"w_utilization":25,"w_volatility":40,"w_liquidity":[0,5,15,30],"w_audit":3,"w_age":10,"age_cap_days":730,"clamp_min":5,"clamp_max":95},"program_hash":"0x1"}' >/dev/null
for _ in $(seq 50); do
  curl -sf -XPOST "localhost:$port/api/v1/risk-engine/orchestrate-allocation" -H "authorization: Bearer $admin" -d \
    '{"jediswap_metrics":{"utilization":6500,"volatility":3500,"liquidity":1,"audit_score":98,"age_days":800},"ekubo_metrics":{"utilization":8200,"volatility":6100,"liquidity":2,"audit_score":72,"age_days":120}}' >/dev/null
done
echo "GET /api/v1/risk-engine/decisions?limit=20, ${seconds}s, $connections connections, ${STARKRISK_LOAD_THREADS:-1} wrk thread(s)"
wrk -t"${STARKRISK_LOAD_THREADS:-1}" -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $viewer" \
  "http://127.0.0.1:$port/api/v1/risk-engine/decisions?limit=20"
