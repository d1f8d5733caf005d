#!/usr/bin/env bash
# Benchmarks, run on demand (not part of the tests): prints figures for
# BENCHMARKS.md. Starts its own Redis master + replica and a release server on
# free ports, then measures side by side on this machine:
#   1. hit throughput/latency of GET /api/products/{id} (wrk, 50 connections),
#      near-cache hits and Redis-cache hits (a second server with the near
#      tier off), against redis-benchmark GET (50 clients) on the same Redis,
#      and the near cache's invalidation delay between two servers;
#   2. WebSocket fan-out: 1,000 dashboard clients, server CPU and memory, tick delay;
#   3. the release wasm bundle, gzipped, and the SSR time of / and /dashboard;
#   4. Sentinel failover timeline (kill -> detected -> switched -> first write,
#      median of 5 fresh topologies) and the write cost of WAIT;
#   5. a soak under faults per fault mix (scripts/chaos.sh --soak: 10 minutes
#      each of mixed faults, Redis with each read mode and PostgreSQL; root).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
ensure_redis
ensure_build_tools
ensure_wasm_opt
command -v wrk >/dev/null || apt_install wrk

say "building (release)"
cargo leptos build --release --split >/dev/null 2>&1 || cargo leptos build --release --split
cargo build --release -p loadgen --quiet

RPORT=$(free_port); R2PORT=$(free_port); APORT=$(free_port); A2PORT=$(free_port)
DIR=$(mktemp -d)
# Every step may fail (a process already gone): none may stop the others.
cleanup() {
  set +e
  for pid in "${APP_PID:-}" "${APP2_PID:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null; done
  redis-cli -p "$R2PORT" shutdown nosave >/dev/null 2>&1
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1
  rm -rf "$DIR"
  return 0
}
trap cleanup EXIT
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize yes --logfile "$DIR/m.log" --repl-diskless-sync-delay 0
redis-server --port "$R2PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize yes --logfile "$DIR/r.log" --replicaof 127.0.0.1 "$RPORT" --dbfilename r.rdb
sleep 0.5
REDIS_URL="redis://127.0.0.1:$RPORT" REDIS_REPLICA_URLS="redis://127.0.0.1:$R2PORT" \
  LEPTOS_SITE_ADDR="127.0.0.1:$APORT" CACHE_TTL_SECS=3600 RUST_LOG=warn WS_MAX_PER_IP=2000 MAX_CONNECTIONS_PER_IP=0 RATE_LIMIT_RPS=0 \
  ADMIN_TOKEN=bench target/release/cachescope &
APP_PID=$!
# The same server with the near tier off: every hit is a Redis round trip.
REDIS_URL="redis://127.0.0.1:$RPORT" REDIS_REPLICA_URLS="redis://127.0.0.1:$R2PORT" \
  LEPTOS_SITE_ADDR="127.0.0.1:$A2PORT" CACHE_TTL_SECS=3600 RUST_LOG=warn RATE_LIMIT_RPS=0 \
  NEAR_CACHE_ENTRIES=0 SEED_CATALOG=false target/release/cachescope &
APP2_PID=$!
for port in "$APORT" "$A2PORT"; do
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
done
# Database, then Redis, then (on the near server) the near cache.
for _ in 1 2 3 4 5; do
  curl -sf "http://127.0.0.1:$APORT/api/products/prod1" >/dev/null
  curl -sf "http://127.0.0.1:$A2PORT/api/products/prod1" >/dev/null
done
curl -s "http://127.0.0.1:$APORT/api/products/prod1" | grep -q '"source":"near"' || echo "warning: the near server does not answer from its near cache"
# The release server precompresses its assets at start (a few seconds of one
# core): let it finish before measuring anything.
WASM=target/site/pkg/cachescope.wasm
for _ in $(seq 1 60); do [ "$WASM.br" -nt "$WASM" ] && [ -f "$WASM.gz" ] && break; sleep 0.5; done

echo "== machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $(redis-server --version | cut -d' ' -f1-3)"

echo "== 1. near-cache and Redis-cache hits vs redis-benchmark (50 connections)"
# On a shared 2-core machine every side moves by +-15% from one run to the
# next, so the script runs three rounds of redis-benchmark then wrk back to
# back, computes each round's ratio, and reports the median round.
ROUNDS=""
for round in 1 2 3; do
  RB=$(redis-benchmark -p "$RPORT" -t get -c 50 -n 300000 -q | tr '\r' '\n' | awk '/requests per second/ {print $2}' | tail -1)
  # wrk with one thread mirrors redis-benchmark's single client thread; two
  # threads is wrk's usual setting.
  for run in near:1:$APORT near:2:$APORT cache:1:$A2PORT; do
    IFS=: read -r tier threads port <<< "$run"
    wrk -t"$threads" -c50 -d8s --latency "http://127.0.0.1:$port/api/products/prod1" > "$DIR/wrk.txt"
    CS=$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk.txt")
    P50=$(awk '$1 == "50%" {print $2}' "$DIR/wrk.txt")
    P99=$(awk '$1 == "99%" {print $2}' "$DIR/wrk.txt")
    ROUNDS="$ROUNDS$round $tier $threads $RB $CS $P50 $P99\n"
  done
done
printf "$ROUNDS" | python3 -c '
import sys, statistics
rows = [l.split() for l in sys.stdin if l.strip()]
for r, tier, t, rb, cs, p50, p99 in rows:
    print(f"round {r}: redis-benchmark {float(rb):,.0f} GET/s; {tier} hits, wrk -t{t} -c50: {float(cs):,.0f} req/s, p50 {p50}, p99 {p99}: {float(cs)/float(rb):.2f}x")
for tier, t, target in (("near", "1", "1.0x"), ("near", "2", "1.0x"), ("cache", "1", "0.5x")):
    ratios = sorted(float(cs)/float(rb) for r, tt, th, rb, cs, p50, p99 in rows if tt == tier and th == t)
    print(f"median ratio, {tier} hits, wrk -t{t}: {statistics.median(ratios):.2f}x (target >= {target})")
'
kill "$APP2_PID" 2>/dev/null
echo "near cache invalidation delay between two servers (write acknowledged -> the other server answers the new value):"
# A second near server on the same Redis; writes go through the first.
REDIS_URL="redis://127.0.0.1:$RPORT" REDIS_REPLICA_URLS="redis://127.0.0.1:$R2PORT" \
  LEPTOS_SITE_ADDR="127.0.0.1:$A2PORT" RUST_LOG=warn RATE_LIMIT_RPS=0 SEED_CATALOG=false \
  target/release/cachescope &
APP2_PID=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$A2PORT/api/health" >/dev/null && break; sleep 0.1; done
ADMIN_TOKEN=bench target/release/cachescope-invalbench --writer "http://127.0.0.1:$APORT" \
  --reader "http://127.0.0.1:$A2PORT" --writes 1000
kill "$APP2_PID" 2>/dev/null

echo "== 2. WebSocket fan-out (1,000 clients, default 1 s tick)"
TICKS=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$APP_PID/stat"; }
target/release/cachescope-wsbench --url "ws://127.0.0.1:$APORT" --clients 1000 --duration 20 &
WS_PID=$!
sleep 8
C0=$(cpu); T0=$(date +%s.%N)
sleep 10
C1=$(cpu); T1=$(date +%s.%N)
RSS=$(awk '/VmRSS/ {print $2}' "/proc/$APP_PID/status")
wait "$WS_PID"
python3 -c "print(f'server CPU with 1,000 clients: {100*($C1-$C0)/$TICKS/($T1-$T0):.1f}% of one core (target < 25%); RSS {int($RSS)/1024:.1f} MiB (target < 100 MiB)')"

echo "== 3. bundle and server-side rendering"
echo "wasm bundle (first load): $(wc -c < "$WASM" | awk '{printf "%.1f KiB", $1/1024}') raw, $(gzip -9 -c "$WASM" | wc -c | awk '{printf "%.1f KiB gzip -9", $1/1024}') (target <= 300 KiB)"
# What a browser downloads (precompressed by the release server at start).
for enc in br gzip; do
  SIZE=$(curl -s -H "Accept-Encoding: $enc" -o /dev/null -w '%{size_download}' "http://127.0.0.1:$APORT/pkg/cachescope.wasm")
  echo "wasm as served with Accept-Encoding: $enc: $(awk -v s="$SIZE" 'BEGIN {printf "%.1f KiB", s/1024}')"
done
# Lazy routes: each page's own chunk, fetched when the page is first visited.
for chunk in target/site/pkg/split_*.wasm target/site/pkg/chunk_*.wasm; do
  [ -f "$chunk" ] || continue
  echo "  chunk $(basename "$chunk" | sed -E 's/_[0-9]{6,}//'): $(gzip -9 -c "$chunk" | wc -c | awk '{printf "%.1f KiB gzip -9", $1/1024}'), $([ -f "$chunk.br" ] && wc -c < "$chunk.br" | awk '{printf "%.1f KiB brotli", $1/1024}')"
done
for page in / /dashboard; do
  wrk -t1 -c4 -d5s "http://127.0.0.1:$APORT$page" | awk -v p="$page" '/Latency/ {print "SSR " p ": mean " $2 " per page"} /Requests\/sec/ {print "SSR " p ": " $2 " pages/s (4 connections)"}'
done

echo "== 4. high availability (Sentinel)"
cargo test --release -p cachescope --test it failover::bench -- --ignored --nocapture --test-threads 1 2>/dev/null \
  | grep -E '^(run [0-9]|failover timeline|WRITE_WAIT_MS)'

echo "== 5. under faults: a soak per fault mix (scripts/chaos.sh --soak, ${CHAOS_SOAK_SECONDS:-600} s each)"
# Mixed faults in network namespaces (needs root): the table in BENCHMARKS.md.
if [ "$(id -u)" -eq 0 ]; then
  scripts/chaos.sh --soak "${CHAOS_SOAK_SECONDS:-600}" || echo "a soak broke a stated guarantee: see target/chaos/soak-*.json"
else
  echo "skipped: the soak needs root (network namespaces, iptables)"
fi
