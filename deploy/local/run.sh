#!/usr/bin/env bash
# `just run`: serves the API on the local defaults. With starknet-devnet installed (`just devnet`), it also
# starts a local chain, deploys Integrity's FactRegistry and verifier and the vault gated on them there
# (`starkrisk chain deploy`) and serves the `devnet` profile, so decisions are proven by Stone, registered
# through Integrity and end `executed`. Without devnet, the `local` profile: decisions are proven and
# verified, and rest at `verified`.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# Assigned before it is exported: `export X="$(...)"` would hide the failure of a database that did not start.
database_url="${DATABASE_URL:-$(deploy/local/pg.sh)}"
export STARKRISK__DATABASE__URL="$database_url"
# Stone's prover, built once per machine (about 9 minutes the first time); the service finds it itself.
# Without it the service still serves, proving with S-two alone, so a failed build only warns.
deploy/local/stone.sh >/dev/null ||
  echo "starkrisk: Stone could not be built (the line above says why): Stone attempts will show as unavailable" >&2
devnet="${STARKNET_DEVNET:-${CARGO_HOME:-$HOME/.cargo}/bin/starknet-devnet}"
starkrisk() { cargo run -q -p starkrisk-app -- "$@"; }
if [ ! -x "$devnet" ]; then
  echo "starkrisk: no local chain (starknet-devnet is not installed), so decisions rest at 'verified'." >&2
  echo "starkrisk: run 'just devnet' once (it builds starknet-devnet, about 24 minutes on two cores), then 'just run' again" >&2
  echo "starkrisk: to execute them through the AllocationVault on a local chain." >&2
  exec cargo run -p starkrisk-app -- serve
fi

mkdir -p .data
port="${STARKRISK_DEVNET_PORT:-5050}"
url="http://127.0.0.1:$port"
rpc() {
  python3 - "$url" "$1" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1], json.dumps({"jsonrpc": "2.0", "id": 1, "method": sys.argv[2], "params": {}}).encode(), {"content-type": "application/json"})
print(json.dumps(json.load(urllib.request.urlopen(request, timeout=2))["result"]))
PY
}
started=""
if ! rpc starknet_chainId >/dev/null 2>&1; then
  echo "starkrisk: starting starknet-devnet on $url (log: .data/devnet.log)" >&2
  "$devnet" --seed 0 --state-archive-capacity full --host 127.0.0.1 --port "$port" >.data/devnet.log 2>&1 &
  started=$!
  trap 'kill $started 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do rpc starknet_chainId >/dev/null 2>&1 && break; sleep 0.2; done
fi

export STARKRISK__STARKNET__RPC__RPC_URLS="$url"
# The operator is devnet's first predeployed account, its key kept in a keystore under .data.
password_file=.data/devnet-password
[ -s "$password_file" ] || python3 -c 'import secrets; print(secrets.token_hex(16))' >"$password_file"
export STARKRISK__STARKNET__KEYSTORE__PASSWORD_FILE="$password_file"
account=$(rpc devnet_getPredeployedAccounts)
address=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["address"])' "$account")
export STARKRISK__STARKNET__ACCOUNT_ADDRESS="$address"
keystore=.data/devnet-operator.json
if [ ! -s "$keystore" ]; then
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["private_key"])' "$account" |
    starkrisk keystore import "$keystore" --password-file "$password_file" >/dev/null
fi

# Integrity's contracts, compiled once per machine (a few minutes the first time).
deploy/local/integrity.sh >/dev/null
echo "starkrisk: deploying Integrity's FactRegistry and verifier and the AllocationVault on $url" >&2
settings=$(starkrisk --profile devnet chain deploy --format env)
while IFS= read -r line; do
  case "$line" in STARKRISK__*=*) export "${line?}" ;; *) echo "$line" >&2 ;; esac
done <<<"$settings"
cargo run -p starkrisk-app -- --profile devnet serve
