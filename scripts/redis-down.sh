#!/usr/bin/env bash
# Stops the Redis nodes and Sentinels that scripts/redis-up.sh started (and
# only those: a server it reused is left alone). Sentinels go first, so none
# starts a failover while the data nodes stop. Data stays under .redis/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shopt -s nullglob
for pidfile in "$ROOT"/.redis/{,port-*/}sentinel-*.pid "$ROOT"/.redis/{,port-*/}replica2.pid \
               "$ROOT"/.redis/{,port-*/}replica.pid "$ROOT"/.redis/{,port-*/}master.pid; do
  [ -f "$pidfile" ] || continue
  name="$(basename "$pidfile" .pid)"
  pid="$(cat "$pidfile")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped Redis $name (pid $pid)"
  fi
  rm -f "$pidfile"
done
