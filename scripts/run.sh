#!/usr/bin/env bash
# One command to run cachescope: installs what is missing, starts the local
# Redis master/replica, builds the release app and serves it on
# http://localhost:8090 (override with LEPTOS_SITE_ADDR). Ctrl-C stops it.
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
ensure_redis
ensure_build_tools
ensure_wasm_opt
scripts/redis-up.sh
say "building (release)"
cargo leptos build --release --split
say "serving on http://${LEPTOS_SITE_ADDR:-127.0.0.1:8090}"
exec target/release/cachescope "$@"
