#!/usr/bin/env bash
# Starts the local Redis topology of the workshop (seed part 2): a master on
# 6379 with AOF persistence, and a replica on 6380 (`--replicaof 127.0.0.1 6379`),
# then waits until the replica's link is up. Idempotent: a node that already
# answers on its port is reused, not restarted. Data lives under .redis/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MASTER_PORT="${REDIS_MASTER_PORT:-6379}"
REPLICA_PORT="${REDIS_REPLICA_PORT:-6380}"
DATA="$ROOT/.redis"

say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }
answers() { [ "$(redis-cli -p "$1" ping 2>/dev/null)" = "PONG" ]; }

start_node() { # name port [extra redis-server args...]
  local name="$1" port="$2"; shift 2
  if answers "$port"; then
    say "Redis $name: reusing the server already answering on $port"
    return
  fi
  mkdir -p "$DATA/$name"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
    --dir "$DATA/$name" --pidfile "$DATA/$name.pid" --logfile "$DATA/$name.log" \
    --appendonly yes --appendfsync everysec --repl-diskless-sync-delay 0 "$@"
  for _ in $(seq 1 50); do answers "$port" && break; sleep 0.1; done
  answers "$port" || { echo "Redis $name did not start; see $DATA/$name.log" >&2; exit 1; }
  say "Redis $name started on $port (data in .redis/$name)"
}

start_node master "$MASTER_PORT"
start_node replica "$REPLICA_PORT" --replicaof 127.0.0.1 "$MASTER_PORT"

for _ in $(seq 1 100); do
  if redis-cli -p "$REPLICA_PORT" info replication | grep -q '^master_link_status:up'; then
    say "replication link up: 127.0.0.1:$MASTER_PORT -> 127.0.0.1:$REPLICA_PORT"
    exit 0
  fi
  sleep 0.1
done
echo "warning: the replica on $REPLICA_PORT has no link to 127.0.0.1:$MASTER_PORT yet" \
     "(is the node on $REPLICA_PORT a replica of it? redis-cli -p $REPLICA_PORT info replication)" >&2
