#!/usr/bin/env bash
# Schema-driven API fuzzing: starts a Redis master + replica and the server
# (target/debug/cachescope, as `cargo leptos build` leaves it) on free ports,
# then lets Schemathesis generate requests from /api/openapi.json: no answer
# may be a 5xx, and every answer must match the document. A fixed seed keeps
# CI reproducible; FUZZ_SEED=random (or any number) explores further.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
MPORT=$(free_port); RPORT=$(free_port); APORT=$(free_port)
DIR=$(mktemp -d)
cleanup() {
  kill "${APP_PID:-}" 2>/dev/null || true
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
  redis-cli -p "$MPORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
redis-server --port "$MPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize yes --logfile "$DIR/m.log"
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize yes --logfile "$DIR/r.log" --replicaof 127.0.0.1 "$MPORT" --dbfilename r.rdb
REDIS_URL="redis://127.0.0.1:$MPORT" REDIS_REPLICA_URLS="redis://127.0.0.1:$RPORT" \
  LEPTOS_SITE_ADDR="127.0.0.1:$APORT" ADMIN_TOKEN=fuzz RATE_LIMIT_RPS=0 RUST_LOG=error \
  "${CACHESCOPE_BIN:-target/debug/cachescope}" &
APP_PID=$!
wait_http "http://127.0.0.1:$APORT/api/health" 200 \
  || die "the server never became healthy on $APORT: fuzzing it would prove nothing"
SEED="${FUZZ_SEED:-20261127}"
SEED_ARGS=()
[ "$SEED" = "random" ] || SEED_ARGS=(--seed "$SEED")
schemathesis run "http://127.0.0.1:$APORT/api/openapi.json" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples 30 "${SEED_ARGS[@]}" \
  --header "Authorization: Bearer fuzz"
