#!/usr/bin/env bash
# One command to run cachescope: installs what is missing, starts the local
# Redis topology, builds the release app and serves it on
# http://localhost:8090 (override with LEPTOS_SITE_ADDR). Ctrl-C stops it.
#
#   scripts/run.sh        master 6379 + replica 6380 (the workshop's topology)
#   scripts/run.sh --ha   master + 2 replicas + 3 Sentinels, followed through failovers
#
# Other arguments go to the server (cachescope --help).
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
HA=""
if [ "${1:-}" = "--ha" ]; then HA=1; shift; fi
ensure_redis
ensure_build_tools
ensure_wasm_opt
if [ -n "$HA" ]; then
  scripts/redis-up.sh --ha
  export REDIS_SENTINELS="${REDIS_SENTINELS:-127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381}"
else
  scripts/redis-up.sh
fi
say "building (release)"
cargo leptos build --release --split
say "serving on http://${LEPTOS_SITE_ADDR:-127.0.0.1:8090}"
exec target/release/cachescope "$@"
