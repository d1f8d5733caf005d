#!/usr/bin/env bash
# One command to run cachescope: installs what is missing, starts the local
# Redis topology, builds the release app and serves it on
# http://localhost:8090 (override with LEPTOS_SITE_ADDR). Ctrl-C stops it.
#
#   scripts/run.sh        master 6379 + replica 6380
#   scripts/run.sh --ha   master + 2 replicas + 3 Sentinels, followed through failovers
#   scripts/run.sh --postgres   products in PostgreSQL (a private cluster on 5433,
#                         scripts/pg-up.sh) behind the same Redis cache
#   --base-port N         our own Redis nodes from port N (see redis-up.sh), e.g.
#                         when this machine's Redis on 6379 keeps nothing on disk
#
# Other arguments go to the server (cachescope --help).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
HA=""
BASE=""
POSTGRES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --ha) HA=1; shift ;;
    --postgres) POSTGRES=1; shift ;;
    --base-port) BASE="$(flag_value --base-port "${2:-}")"; shift 2 ;;
    *) break ;;
  esac
done
ensure_redis
ensure_build_tools
ensure_wasm_opt
up_args=()
[ -n "$HA" ] && up_args+=(--ha)
[ -n "$BASE" ] && up_args+=(--base-port "$BASE")
scripts/redis-up.sh "${up_args[@]}"
if [ -n "$BASE" ]; then
  export REDIS_URL="redis://127.0.0.1:$BASE"
  export REDIS_REPLICA_URLS="redis://127.0.0.1:$((BASE + 1))"
fi
if [ -n "$HA" ]; then
  S="${BASE:-6379}"
  export REDIS_SENTINELS="${REDIS_SENTINELS:-127.0.0.1:$((S + 20000)),127.0.0.1:$((S + 20001)),127.0.0.1:$((S + 20002))}"
fi
if [ -n "$POSTGRES" ]; then
  export PRODUCT_STORE=postgres
  DATABASE_URL="$(scripts/pg-up.sh)"
  export DATABASE_URL
fi
say "building (release)"
cargo leptos build --release --split
say "serving on http://${LEPTOS_SITE_ADDR:-127.0.0.1:8090}"
exec target/release/cachescope "$@"
