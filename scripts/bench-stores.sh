#!/usr/bin/env bash
# "Why key-value?" measured: the same catalog (the built-in 48 products plus
# 300,000 synthetic ones) in a Redis product database and in PostgreSQL, each
# behind the same Redis cache, loaded by cachescope-loadgen in one run on this
# machine. Prints, per store, req/s and client-side p50/p99 of
#   - cache hits (GET /api/products/{id}, hot ids, entries warm),
#   - reads from the store itself by primary key (GET /api/db/product/{id}),
#   - lookups that miss (each synthetic id asked once: probe, store read,
#     fill; the latency of the answers marked `database`),
#   - searches through the cache (hits), and searches that always miss (the
#     store's search: Redis set intersections vs PostgreSQL's GIN index),
# with the CPU each request cost the server, Redis and PostgreSQL (utime +
# stime from /proc over the run, divided by the requests answered), and the
# hit ratio at which the cache pays for itself. Run on demand; the figures go
# to BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
ensure_redis
ensure_postgres
DURATION="${BENCH_SECONDS:-8}"
CONCURRENCY="${BENCH_CONCURRENCY:-32}"

build_release_site
cargo build --release -p loadgen --quiet
LOADGEN=target/release/cachescope-loadgen

RPORT=$(free_port); PGPORT=$(free_port); APORT=$(free_port)
DIR=$(mktemp -d)
BIN="$(pg_bin)"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
cleanup() {
  kill "${APP_PID:-}" 2>/dev/null || true
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
  run_pg "$BIN/pg_ctl" -D "$DIR/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize yes --logfile "$DIR/r.log"
run_pg "$BIN/initdb" -D "$DIR/pg" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
run_pg "$BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w -o "-p $PGPORT -k $DIR -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null
run_pg "$BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres cachescope
PG_URL="postgres://postgres@127.0.0.1:$PGPORT/cachescope"
export REDIS_URL="redis://127.0.0.1:$RPORT" REDIS_REPLICA_URLS="" RUST_LOG=warn RATE_LIMIT_RPS=0 CACHE_TTL_SECS=3600

# More ids than the miss line can ask in its run, so that each is a miss.
SYNTHETIC=300000
say "loading $SYNTHETIC synthetic products into each store"
target/release/cachescope seed >/dev/null
target/release/cachescope generate --count "$SYNTHETIC"
PRODUCT_STORE=postgres DATABASE_URL="$PG_URL" target/release/cachescope generate --count "$SYNTHETIC"
run_pg "$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d cachescope -qc "VACUUM ANALYZE products"

echo "== machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr), $(redis-server --version | cut -d' ' -f1-3), PostgreSQL $("$BIN/postgres" --version | awk '{print $3}')"

# CPU per request, from /proc (proc_ticks): of one process, and of the
# PostgreSQL postmaster with its backends (pooled, so they live through a
# run; one that exits hands its ticks to the postmaster's cutime).
TICKS=$(getconf CLK_TCK)
REDIS_PID=$(redis-cli -p "$RPORT" info server | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')
pg_ticks() {
  local postmaster total=0 pid
  postmaster=$(head -1 "$DIR/pg/postmaster.pid")
  for pid in "$postmaster" $(pgrep -P "$postmaster"); do total=$((total + $(proc_ticks "$pid"))); done
  echo "$total"
}
cpu_us() { # ticks before, ticks after, requests
  python3 -c "print(f'{($2 - $1) / $TICKS * 1e6 / max($3, 1):.1f}')"
}

measure() { # label, loadgen args...
  local label="$1"; shift
  local s0 r0 p0 s1 r1 p1
  s0=$(proc_ticks "$APP_PID"); r0=$(proc_ticks "$REDIS_PID"); p0=$(pg_ticks)
  "$LOADGEN" --url "http://127.0.0.1:$APORT" --duration "$DURATION" --concurrency "$CONCURRENCY" "$@" > "$DIR/lg.txt"
  s1=$(proc_ticks "$APP_PID"); r1=$(proc_ticks "$REDIS_PID"); p1=$(pg_ticks)
  local rps p50 p99 total
  rps=$(awk '/req\/s/ {print $(NF-1)}' "$DIR/lg.txt")
  p50=$(awk '/latency/ {print $5}' "$DIR/lg.txt")
  p99=$(awk '/latency/ {print $11}' "$DIR/lg.txt")
  total=$(awk '/ requests in / {print $1}' "$DIR/lg.txt")
  printf '%-10s %-28s %9s req/s   p50 %6s µs   p99 %6s µs   CPU/request: server %s µs, Redis %s µs, PostgreSQL %s µs\n' \
    "$STORE" "$label" "$rps" "$p50" "$p99" "$(cpu_us "$s0" "$s1" "$total")" "$(cpu_us "$r0" "$r1" "$total")" "$(cpu_us "$p0" "$p1" "$total")"
  echo "$STORE|$label|$rps|$p50|$p99" >> "$DIR/results"
  # The misses alone (answers that came from the database).
  awk -v s="$STORE" -v l="$label" '$2 == "database" {print s "|" l " [misses]|-|" $6 "|" $9}' "$DIR/lg.txt" >> "$DIR/results"
  grep -E '^  [0-9]' "$DIR/lg.txt" | sed 's/^/             /'
}

for STORE in redis postgres; do
  redis-cli -p "$RPORT" --scan --pattern 'cache:*' | xargs -r -n 1000 redis-cli -p "$RPORT" unlink >/dev/null
  if [ "$STORE" = postgres ]; then
    PRODUCT_STORE=postgres DATABASE_URL="$PG_URL" LEPTOS_SITE_ADDR="127.0.0.1:$APORT" target/release/cachescope &
  else
    LEPTOS_SITE_ADDR="127.0.0.1:$APORT" target/release/cachescope &
  fi
  APP_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$APORT/api/health" >/dev/null && break; sleep 0.1; done
  sleep 2 # assets precompressed at start
  echo "== $STORE"
  # Warm the hot ids and searches, then measure hits.
  "$LOADGEN" --url "http://127.0.0.1:$APORT" --duration 2 --concurrency 8 >/dev/null
  "$LOADGEN" --url "http://127.0.0.1:$APORT" --duration 2 --concurrency 8 --endpoint search >/dev/null
  measure "cache hit (by id)" --endpoint products
  measure "store read (by id)" --endpoint db --ids synthetic --products "$SYNTHETIC" --zipf 0
  measure "lookup miss (by id)" --endpoint products --ids synthetic --products "$SYNTHETIC" --fresh
  measure "search, cache hit" --endpoint search
  measure "search, store (miss)" --endpoint search-miss
  kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
done

echo "== hit ratio at which the cache pays for itself (p50s: (miss - store) / (miss - hit); none when a miss costs no more than a store read)"
awk -F'|' '{ v[$1 "|" $2] = $4 }
  END {
    split("redis postgres", stores, " ")
    for (i = 1; i <= 2; i++) {
      st = stores[i]
      hit = v[st "|cache hit (by id)"]; db = v[st "|store read (by id)"]; miss = v[st "|lookup miss (by id) [misses]"]
      if (miss > hit) printf "%-10s hit %s µs, store %s µs, miss %s µs -> break-even hit ratio %.0f%%\n", st, hit, db, miss, 100 * (miss - db) / (miss - hit)
    }
  }' "$DIR/results"
