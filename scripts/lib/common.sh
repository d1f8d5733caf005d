# shellcheck shell=bash
# Helpers every script shares (sourced; defines functions only). Entry
# scripts state `set -euo pipefail` themselves.

say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }

# Stops with a message on stderr.
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# A TCP port nobody listens on now, on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Whether a Redis answers on a port.
answers() { [ "$(redis-cli -p "$1" ping 2>/dev/null)" = "PONG" ]; }

# Runs a PostgreSQL command as the cluster's owner (postgres when root).
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Waits until `curl` gets a 2xx from a URL, at most $2 tenths of a second.
wait_http() { # url tenths
  for _ in $(seq 1 "$2"); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# The value of a flag that needs one (`--flag VALUE`), or a clear stop.
flag_value() { # flag "${2:-}"
  [ -n "${2:-}" ] && [[ "$2" != --* ]] || die "$1 needs a value"
  printf '%s' "$2"
}
