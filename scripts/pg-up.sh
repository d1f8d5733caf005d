#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for cachescope (PRODUCT_STORE=postgres):
# data under .postgres/ (git-ignored), on 127.0.0.1:5433 (PG_PORT), database
# `cachescope`, user `postgres`, trust authentication for local connections.
# Never touches a PostgreSQL the machine already runs (5432 is left alone).
# Idempotent: a cluster of ours already running is reused. Prints the
# DATABASE_URL to use. Installs PostgreSQL from Debian if it is missing.
#
# PostgreSQL refuses to run as root: as root, the cluster belongs to the
# `postgres` user (Debian's package creates it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
PORT="${PG_PORT:-5433}"
DATA_ROOT="$ROOT/.postgres"
DATA="$DATA_ROOT/data"
ensure_postgres
BIN="$(pg_bin)"

ready() { "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q; }

mkdir -p "$DATA_ROOT"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DATA_ROOT"

if run_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  say "PostgreSQL: reusing our cluster on $PORT (.postgres/data)"
else
  if ready; then
    echo "port $PORT is taken by a PostgreSQL that is not ours; set PG_PORT to a free port" >&2
    exit 1
  fi
  if [ ! -s "$DATA/PG_VERSION" ]; then
    say "PostgreSQL: initdb in .postgres/data"
    run_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  run_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA_ROOT/postgres.log" -w -t 30 \
    -o "-p $PORT -k $DATA_ROOT -c listen_addresses=127.0.0.1" start >/dev/null
  say "PostgreSQL started on 127.0.0.1:$PORT (log in .postgres/postgres.log)"
fi
if ! run_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atc \
     "SELECT 1 FROM pg_database WHERE datname = 'cachescope'" | grep -q 1; then
  run_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres cachescope
  say "database cachescope created"
fi
echo "postgres://postgres@127.0.0.1:$PORT/cachescope"
