#!/usr/bin/env bash
# Stops the private PostgreSQL cluster scripts/pg-up.sh started (fast
# shutdown); its data stays under .postgres/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
DATA="$ROOT/.postgres/data"
BIN="$(pg_bin)"
if [ -s "$DATA/PG_VERSION" ] && run_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  run_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  echo "stopped PostgreSQL (.postgres/data)"
fi
