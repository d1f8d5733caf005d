#!/usr/bin/env bash
# Fault injection (cachescope-chaos, loadgen/src/chaos/): a master, two
# replicas, three Sentinels and two servers, each in a network namespace of
# its own on a private bridge, under writes and reads through both servers
# while kills, pauses, manual failovers, partitions and Sentinel splits are
# injected one at a time; then the checker compares what clients were told
# with what the final master holds. Needs Linux and root (ip netns, iptables).
#
#   scripts/chaos.sh --ci              the tests' run: mixed faults, once per
#                                      read mode, then PostgreSQL's faults
#                                      (about 5 minutes)
#   scripts/chaos.sh --soak SECONDS    the benchmark's soak: SECONDS of mixed
#                                      faults per mix, release server (or
#                                      CHAOS_PROFILE=debug), a Markdown table
#   scripts/chaos.sh [chaos flags]     one run (cachescope-chaos --help)
#
# Exits non-zero when a run breaks a stated guarantee (a durable write lost,
# a refused write applied, a stale read beyond its bound, a read going back
# in time on one server, a broken index). Reports: target/chaos/*.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
ensure_redis
command -v iptables >/dev/null || apt_install iptables
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/chaos.sh needs root (network namespaces, iptables); run it with sudo" >&2
  exit 2
fi
MODE="${1:-}"
mkdir -p target/chaos
case "$MODE" in
  --ci)
    # The server binary cargo-leptos built for the browser tests.
    [ -x target/debug/cachescope ] || cargo leptos build --split
    cargo build -p loadgen --bin cachescope-chaos --quiet
    status=0
    target/debug/cachescope-chaos --read-from master --duration 60 --seed "${CHAOS_SEED:-11}" \
      --report target/chaos/ci-master.json || status=1
    target/debug/cachescope-chaos --read-from replica --duration 45 --seed "${CHAOS_SEED:-12}" \
      --report target/chaos/ci-replica.json || status=1
    target/debug/cachescope-chaos --store postgres --duration 40 --seed "${CHAOS_SEED:-13}" \
      --faults pg-silent-listen,pg-kill,pg-terminate-listen,pg-pause \
      --report target/chaos/ci-postgres.json || status=1
    exit "$status"
    ;;
  --soak)
    SECONDS_PER_MIX="${2:-600}"
    # CHAOS_PROFILE=debug soaks the test build instead of the release one.
    PROFILE="${CHAOS_PROFILE:-release}"
    if [ "$PROFILE" = release ]; then
      [ -x target/release/cachescope ] || cargo leptos build --release --split
      cargo build --release -p loadgen --bin cachescope-chaos --quiet
    else
      [ -x target/debug/cachescope ] || cargo leptos build --split
      cargo build -p loadgen --bin cachescope-chaos --quiet
    fi
    status=0
    printf '| store (mix) | read mode | faults | writes | durable | lost durable | lost acked | unknown (applied) | refused | stale same server | stale other (max ms) | went back past lost writes | verdict |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
    for run in "redis master" "redis replica" "postgres master"; do
      set -- $run
      report="target/chaos/soak-$1-$2.json"
      "target/$PROFILE/cachescope-chaos" --server-bin "target/$PROFILE/cachescope" --store "$1" --read-from "$2" \
        --duration "$SECONDS_PER_MIX" --seed 21 --report "$report" >/dev/null 2>"$report.log" || status=1
      python3 - "$report" "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
w = r["writes"]
print("| {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} ({}) | {} | {} |".format(
    sys.argv[2], sys.argv[3], len(r["faults"]), sum(w.values()), w.get("durable", 0),
    r["lost"]["durable"], r["lost"]["acked"], w.get("unknown", 0), r["recovered"], w.get("refused", 0),
    r["stale"]["same_server"]["count"], r["stale"]["other_server"]["count"],
    r["stale"]["other_server"]["max_ms"], sum(r["went_back_past_non_durable_only_by_server"]),
    "pass" if not r["violations"] else "FAIL: " + "; ".join(r["violations"])))
PY
    done
    exit "$status"
    ;;
  *)
    cargo build -p loadgen --bin cachescope-chaos --quiet
    exec target/debug/cachescope-chaos "$@"
    ;;
esac
