#!/usr/bin/env bash
# Starts a local Redis topology and waits until replication is up. Idempotent:
# a node that already answers on its port is reused, not restarted. Data lives
# under .redis/ (git-ignored).
#
#   scripts/redis-up.sh        master 6379 with AOF, replica 6380
#                              (--replicaof 127.0.0.1 6379)
#   scripts/redis-up.sh --ha   high availability: master 6379, replicas 6380 and
#                              6381, Sentinels 26379-26381 watching master name
#                              "cachescope" (quorum 2, down after 1 s); the data
#                              nodes refuse writes when no replica is in sync
#                              (min-replicas-to-write 1, min-replicas-max-lag 10)
#
# Every data node started here gets maxmemory (REDIS_MAXMEMORY, default 256mb)
# with maxmemory-policy volatile-lru: only keys with a TTL (the cache, rate
# limits) are ever evicted, never the product database (db:*, no TTL).
#
#   --base-port N              our own nodes on N, N+1 (and N+2, Sentinels
#                              N+20000..N+20002) instead of 6379..., data under
#                              .redis/port-N: for a machine whose own Redis
#                              holds 6379 (reusing it is not durable if it
#                              keeps nothing on disk; this script says so)
#
# Ports one by one: REDIS_MASTER_PORT, REDIS_REPLICA_PORT, REDIS_REPLICA2_PORT,
# REDIS_SENTINEL_PORTS (space-separated).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
HA=""
BASE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --ha) HA=1 ;;
    --base-port)
      BASE="$(flag_value --base-port "${2:-}")"; shift
      [[ "$BASE" =~ ^[0-9]+$ ]] && [ "$BASE" -ge 1024 ] && [ "$BASE" -le 45000 ] \
        || { echo "--base-port takes a port from 1024 to 45000" >&2; exit 2; } ;;
    *) echo "usage: scripts/redis-up.sh [--ha] [--base-port N]" >&2; exit 2 ;;
  esac
  shift
done
DATA="$ROOT/.redis"
if [ -n "$BASE" ]; then
  REDIS_MASTER_PORT="$BASE" REDIS_REPLICA_PORT="$((BASE + 1))" REDIS_REPLICA2_PORT="$((BASE + 2))"
  REDIS_SENTINEL_PORTS="$((BASE + 20000)) $((BASE + 20001)) $((BASE + 20002))"
  DATA="$ROOT/.redis/port-$BASE"
fi
MASTER_PORT="${REDIS_MASTER_PORT:-6379}"
REPLICA_PORT="${REDIS_REPLICA_PORT:-6380}"
REPLICA2_PORT="${REDIS_REPLICA2_PORT:-6381}"
SENTINEL_PORTS="${REDIS_SENTINEL_PORTS:-26379 26380 26381}"
MAXMEMORY="${REDIS_MAXMEMORY:-256mb}"
MASTER_NAME="cachescope"


# The HA settings, shared with the tests and the fault suite (scripts/lib/ha.conf).
HA_CONF="$ROOT/scripts/lib/ha.conf"
ha_lines() { # data|sentinel
  awk -v kind="$1" -v master="$MASTER_NAME" \
    '$1 == kind { $1 = ""; sub(/^ /, ""); gsub(/MASTER/, master); print }' "$HA_CONF"
}
HA_ARGS=()
while read -r name value; do HA_ARGS+=("--$name" "$value"); done < <(ha_lines data)

# A reused master that keeps nothing on disk loses the product database when
# it restarts: said in a box, with the way out.
warn_if_not_durable() { # name port
  [ "$1" = "master" ] || return 0
  local aof save
  aof="$(redis-cli -p "$2" config get appendonly 2>/dev/null | tail -n 1)"
  save="$(redis-cli -p "$2" config get save 2>/dev/null | tail -n 1)"
  if [ "$aof" != "yes" ] && [ -z "$save" ]; then
    printf '\033[1;33m%s\033[0m\n' \
      "!! WARNING: the Redis already on $2 keeps nothing on disk (appendonly no, no RDB save)." \
      "!! The product database written there is LOST when that Redis restarts." \
      "!! For our own durable nodes on other ports: scripts/redis-up.sh --base-port 7379" \
      "!!   (or scripts/run.sh --base-port 7379, which also points the server at them)." >&2
  fi
}

start_node() { # name port [extra redis-server args...]
  local name="$1" port="$2"; shift 2
  if answers "$port"; then
    say "Redis $name: reusing the server already answering on $port (its memory settings are its own; cachescope warns at start if they could evict the product database)"
    warn_if_not_durable "$name" "$port"
    if [ -n "$HA" ]; then
      while read -r name value; do
        redis-cli -p "$port" config set "$name" "$value" >/dev/null
      done < <(ha_lines data)
    fi
    return
  fi
  mkdir -p "$DATA/$name"
  local extra=()
  [ -n "$HA" ] && extra=("${HA_ARGS[@]}")
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
    --dir "$DATA/$name" --pidfile "$DATA/$name.pid" --logfile "$DATA/$name.log" \
    --appendonly yes --appendfsync everysec --repl-diskless-sync-delay 0 \
    --maxmemory "$MAXMEMORY" --maxmemory-policy volatile-lru \
    "${extra[@]}" "$@"
  for _ in $(seq 1 50); do answers "$port" && break; sleep 0.1; done
  answers "$port" || { echo "Redis $name did not start; see $DATA/$name.log" >&2; exit 1; }
  say "Redis $name started on $port (data in ${DATA#"$ROOT"/}/$name)"
}

wait_for_link() { # port
  for _ in $(seq 1 100); do
    if redis-cli -p "$1" info replication | grep -q '^master_link_status:up'; then
      say "replication link up on 127.0.0.1:$1"
      return 0
    fi
    sleep 0.1
  done
  echo "warning: the replica on $1 has no link to its master yet" \
       "(redis-cli -p $1 info replication)" >&2
}

if [ -z "$HA" ]; then
  start_node master "$MASTER_PORT"
  start_node replica "$REPLICA_PORT" --replicaof 127.0.0.1 "$MASTER_PORT"
  wait_for_link "$REPLICA_PORT"
  exit 0
fi

# After a failover the master may be another node: a Sentinel that answers
# knows which, and a node started again joins that master.
current_master_port() {
  local port reply
  for port in $SENTINEL_PORTS; do
    reply="$(redis-cli -p "$port" sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | tail -n 1)"
    if [[ "$reply" =~ ^[0-9]+$ ]]; then echo "$reply"; return; fi
  done
  echo "$MASTER_PORT"
}
MASTER_NOW="$(current_master_port)"
for spec in "master:$MASTER_PORT" "replica:$REPLICA_PORT" "replica2:$REPLICA2_PORT"; do
  name="${spec%%:*}" port="${spec##*:}"
  if [ "$port" = "$MASTER_NOW" ]; then
    start_node "$name" "$port"
  else
    start_node "$name" "$port" --replicaof 127.0.0.1 "$MASTER_NOW"
  fi
done
for port in "$MASTER_PORT" "$REPLICA_PORT" "$REPLICA2_PORT"; do
  [ "$port" = "$MASTER_NOW" ] || wait_for_link "$port"
done

for port in $SENTINEL_PORTS; do
  name="sentinel-$port"
  if answers "$port"; then
    say "Sentinel: reusing the one answering on $port"
    continue
  fi
  mkdir -p "$DATA/$name"
  conf="$DATA/$name/sentinel.conf"
  # Sentinel rewrites its file (known replicas, peers, epochs); a file kept
  # from an earlier run already names the current master.
  if [ ! -s "$conf" ]; then
    cat > "$conf" <<CONF
port $port
bind 127.0.0.1
sentinel monitor $MASTER_NAME 127.0.0.1 $MASTER_NOW 2
$(ha_lines sentinel)
CONF
  fi
  redis-server "$conf" --sentinel --daemonize yes --dir "$DATA/$name" \
    --pidfile "$DATA/$name.pid" --logfile "$DATA/$name.log"
  for _ in $(seq 1 50); do answers "$port" && break; sleep 0.1; done
  answers "$port" || { echo "Sentinel on $port did not start; see $DATA/$name.log" >&2; exit 1; }
  say "Sentinel started on $port (watching $MASTER_NAME)"
done

# A failover needs every Sentinel to know the replicas and its peers.
for _ in $(seq 1 100); do
  ready=1
  for port in $SENTINEL_PORTS; do
    info="$(redis-cli -p "$port" sentinel master "$MASTER_NAME" 2>/dev/null | tr '\n' ' ')"
    [[ "$info" =~ num-slaves\ 2 ]] && [[ "$info" =~ num-other-sentinels\ 2 ]] || ready=""
  done
  if [ -n "$ready" ]; then
    say "Sentinels ready: master $MASTER_NAME at 127.0.0.1:$MASTER_NOW, quorum 2 of 3"
    exit 0
  fi
  sleep 0.2
done
echo "warning: the Sentinels do not all see 2 replicas and 2 peers yet" \
     "(redis-cli -p ${SENTINEL_PORTS%% *} sentinel master $MASTER_NAME)" >&2
