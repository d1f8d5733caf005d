#!/usr/bin/env bash
# Stops the Redis nodes that scripts/redis-up.sh started (and only those: a
# server it reused is left alone). Data stays under .redis/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for name in replica master; do
  pidfile="$ROOT/.redis/$name.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped Redis $name (pid $pid)"
  fi
  rm -f "$pidfile"
done
