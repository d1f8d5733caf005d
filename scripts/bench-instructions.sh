#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind (run on demand,
# not part of the tests): the same binary, inputs and environment give the
# same count whatever else the machine does, so two builds can be compared
# without the +-15% that throughput moves by on a shared 2-core machine.
# Side by side in one run, each under callgrind while `wrk -t1 -c4` asks
# for the same answer bytes for 10 s:
#   near hits with the rate limiter off, and on (the default; a budget too
#   large to refuse), Redis-cache hits (near tier off; the server's
#   instructions, not Redis'), bare hyper on the server's stack
#   (cachescope-hyperstatic) and nginx (one process, no master) serving
#   the bytes as a static file.
# User-space instructions only: the kernel's share (TCP on loopback) is not
# counted, so these say what the code costs, not a request's whole CPU.
#   scripts/bench-instructions.sh [--bin PATH]   (default target/release/cachescope)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
ensure_redis
command -v valgrind >/dev/null || apt_install valgrind
command -v wrk >/dev/null || apt_install wrk
command -v nginx >/dev/null || apt_install nginx-light

BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN="$(flag_value --bin "${2:-}")"; shift 2 ;;
    *) die "unknown argument: $1 (bench-instructions.sh [--bin PATH])" ;;
  esac
done
if [ -z "$BIN" ]; then
  build_release_site
  BIN=target/release/cachescope
fi
cargo build --release -p loadgen --bin cachescope-hyperstatic --quiet

RPORT=$(free_port)
DIR=$(mktemp -d)
PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1
  rm -rf "$DIR"
  return 0
}
trap cleanup EXIT
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize yes --logfile "$DIR/redis.log"
sleep 0.3

# One side: `measure NAME URL [VAR=value...] -- COMMAND...` starts COMMAND
# under callgrind (instrumentation off) with those variables, waits for URL,
# warms it up, counts 10 s of wrk.
measure() {
  local name=$1 url=$2 vars=()
  shift 2
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  env "${vars[@]}" valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$DIR/$name.out" "$@" >"$DIR/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$url" && break; sleep 0.5; done
  curl -sf -o /dev/null "$url" || die "$name never answered $url (see the valgrind log)"
  wrk -t1 -c4 -d3s "$url" >/dev/null
  callgrind_control -i on "$pid" >/dev/null 2>&1
  wrk -t1 -c4 -d10s "$url" >"$DIR/$name.wrk"
  callgrind_control -i off "$pid" >/dev/null 2>&1
  callgrind_control -d "$pid" >/dev/null 2>&1
  # Counted and dumped: nothing at exit is wanted (nginx under valgrind
  # takes its time over SIGTERM).
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  local requests instructions
  requests=$(awk '/requests in/ {print $1}' "$DIR/$name.wrk")
  instructions=$(cat "$DIR/$name".out* | awk '/^totals:/ {s += $2} END {print s + 0}')
  printf '%-38s %8d instructions per request (%d requests)\n' "$name" "$((instructions / requests))" "$requests"
}

# The variables of a release server on `port` (then any given).
server_env() {
  local port=$1
  shift
  echo REDIS_URL="redis://127.0.0.1:$RPORT" LEPTOS_SITE_ADDR="127.0.0.1:$port" CACHE_TTL_SECS=3600 \
    RUST_LOG=warn MAX_CONNECTIONS_PER_IP=0 ADMIN_TOKEN=bench "$@"
}

echo "== instructions per request (callgrind, user space; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
P=$(free_port)
# shellcheck disable=SC2046
measure "near hit, rate limiter off" "http://127.0.0.1:$P/api/products/prod1" \
  $(server_env "$P" RATE_LIMIT_RPS=0) -- "$BIN"
P=$(free_port)
# shellcheck disable=SC2046
measure "near hit, rate limiter on (default)" "http://127.0.0.1:$P/api/products/prod1" \
  $(server_env "$P" RATE_LIMIT_RPS=1000000 RATE_LIMIT_BURST=1000000) -- "$BIN"
P=$(free_port)
# shellcheck disable=SC2046
measure "Redis-cache hit (near tier off)" "http://127.0.0.1:$P/api/products/prod1" \
  $(server_env "$P" RATE_LIMIT_RPS=0 NEAR_CACHE_ENTRIES=0) -- "$BIN"

# The peers serve the bytes of a near hit's answer.
mkdir -p "$DIR/www"
chmod 755 "$DIR" "$DIR/www"
P=$(free_port)
# shellcheck disable=SC2046
env $(server_env "$P" RATE_LIMIT_RPS=0) "$BIN" >/dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$P/api/products/prod1" && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$P/api/products/prod1" >/dev/null
curl -sf "http://127.0.0.1:$P/api/products/prod1" > "$DIR/www/prod1.json"
chmod 644 "$DIR/www/prod1.json"
P=$(free_port)
measure "bare hyper (cachescope-hyperstatic)" "http://127.0.0.1:$P/" -- \
  target/release/cachescope-hyperstatic --listen "127.0.0.1:$P" --file "$DIR/www/prod1.json"
P=$(free_port)
cat > "$DIR/nginx.conf" <<NGINX
worker_processes 1;
master_process off;
daemon off;
pid $DIR/nginx.pid;
error_log $DIR/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$P;
    root $DIR/www;
    location / { default_type application/json; }
  }
}
NGINX
measure "nginx (static file, one process)" "http://127.0.0.1:$P/prod1.json" -- nginx -c "$DIR/nginx.conf" -p "$DIR"
