#!/usr/bin/env bash
# Runs dati's load scenarios on this machine: the server pinned to core 0,
# the load generator to core 1, loopback only, embedded defaults (SQLite in a
# scratch data dir). Prints each report and leaves JSON in target/bench/.
# Stops by itself. Usage: bench/run.sh [quick]
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${BENCH_PORT:-18499}"
OUT=target/bench
mkdir -p "$OUT"
cargo build --release --quiet

DATA="$(mktemp -d)"
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT

DATI_BIND="127.0.0.1:$PORT" DATI_DATA_DIR="$DATA" RUST_LOG=warn DATABASE_URL= \
  taskset -c 0 ./target/release/dati serve >"$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

run() {
  local name="$1"; shift
  echo "== $name: $*"
  taskset -c 1 ./target/release/dati load --target "http://127.0.0.1:$PORT" --server-pid "$SERVER" \
    --json "$OUT/$name.json" "$@"
  echo
}

if [ "${1:-}" = quick ]; then
  run solo-200 --players 200 --ramp 200 --duration 10 --think-ms 1000
  exit 0
fi
# Practice players answering about once a second.
run solo-500 --players 500 --ramp 250 --duration 20 --think-ms 1000
# Many connected players, answering rarely: memory per player.
run solo-2000-slow --players 2000 --ramp 1000 --duration 12 --think-ms 4000
# 1,000 duels from the queue, one each, default timers.
run duel-1000 --scenario duel --players 2000 --ramp 1000 --duration 1 --think-ms 1500
# 500 争上游 races of four from the ladder queue, one each, default timers.
run ladder-500 --scenario ladder --players 2000 --ramp 1000 --duration 1 --think-ms 1500
echo "machine: $(nproc) cores, $(uname -r); commit $(git rev-parse --short HEAD)"
