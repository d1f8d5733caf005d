#!/usr/bin/env bash
# Stops the private PostgreSQL cluster scripts/pg-up.sh started (fast
# shutdown); its data stays under .postgres/.
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
DATA="$ROOT/.postgres/data"
BIN="$(pg_bin)"
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -s "$DATA/PG_VERSION" ] && run_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  run_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  echo "stopped PostgreSQL (.postgres/data)"
fi
