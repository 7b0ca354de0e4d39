#!/usr/bin/env bash
# Runs dati's standard load scenarios on this machine: the server pinned to
# core 0, the load generator to core 1, loopback only. First on the
# embedded defaults (SQLite in a scratch data dir, in-process boards); then,
# when DATABASE_URL and REDIS_URL are both set, on PostgreSQL (a scratch
# database, made with psql and dropped afterwards) and Redis (a key prefix
# of its own). Each backend's answer persistence is measured against one
# INSERT per answer (`dati persist-bench`). Stops by itself.
#
# Prints each report, leaves JSON in target/bench/, and writes the tables
# into docs/performance.md between the "bench:begin" and "bench:end"
# markers, with the date, machine and commit.
#
# Usage: bench/run.sh [quick]
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${BENCH_PORT:-18499}"
OUT=target/bench
mkdir -p "$OUT"
ROWS="$OUT/rows.md"
: >"$ROWS"
cargo build --release --quiet
DATI=./target/release/dati

DATA=""
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  [ -n "$DATA" ] && rm -rf "$DATA"
  [ -n "${PG_DB:-}" ] && psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
  true
}
trap cleanup EXIT

# start_server LABEL [ENV=VALUE …]: a fresh server on core 0.
start_server() {
  local label="$1"; shift
  DATA="$(mktemp -d)"
  env DATI_BIND="127.0.0.1:$PORT" DATI_DATA_DIR="$DATA" RUST_LOG=warn DATABASE_URL= REDIS_URL= \
    "$@" taskset -c 0 "$DATI" serve >"$OUT/server-$label.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.2; done
  echo "the server did not start; see $OUT/server-$label.log" >&2
  exit 1
}

stop_server() {
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  SERVER=""
  rm -rf "$DATA"; DATA=""
}

# competition ENV…: a running district competition of four districts,
# created through the organizer API; prints its id.
competition() {
  local jar="$OUT/organizer.cookies" now
  printf 'bench-password-1234\n' | env DATABASE_URL= "$@" DATI_DATA_DIR="$DATA" "$DATI" organizer add bench >/dev/null
  curl -sSf -c "$jar" -H 'content-type: application/json' \
    -d '{"name":"bench","password":"bench-password-1234"}' "http://127.0.0.1:$PORT/api/admin/session" >/dev/null
  now=$(($(date +%s) * 1000))
  local id
  id=$(curl -sSf -b "$jar" -H 'content-type: application/json' -d "{\"title\":\"压测·四史知识区域PK赛\",
      \"starts_at_ms\":$((now - 1000)),\"ends_at_ms\":$((now + 3600000)),\"questions\":{\"kind\":\"filter\"},
      \"team_size\":5,\"questions_per_battle\":5,\"daily_battles\":100,
      \"districts\":[\"市南区\",\"市北区\",\"崂山区\",\"黄岛区\"]}" \
    "http://127.0.0.1:$PORT/api/admin/competitions" | sed -E 's/.*"id":([0-9]+).*/\1/')
  curl -sf -b "$jar" -H 'content-type: application/json' -d '{"version":1}' \
    "http://127.0.0.1:$PORT/api/admin/competitions/$id/publish" >/dev/null
  echo "$id"
}

run() {
  local name="$1"; shift
  echo "== $name: $*"
  taskset -c 1 "$DATI" load --target "http://127.0.0.1:$PORT" --server-pid "$SERVER" \
    --json "$OUT/$name.json" --markdown "$ROWS" --name "$name" "$@"
  echo
}

# scenarios LABEL ENV…: the standard scenarios on one backend.
scenarios() {
  local label="$1"; shift
  {
    echo
    echo "**$label**"
    echo
    echo "| scenario | players | joins/s | matches/s | answers/s | ack p50 | ack p99 | ack p99.9 | fan-out p99 | 1st question late p99 | server CPU/answer | server CPU/join | RSS/player | peak RSS | durable p99 | errors |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  } >>"$ROWS"
  if [ "$QUICK" = 1 ]; then
    start_server "$label" "$@"
    run solo-200 --players 200 --ramp 200 --duration 10 --think-ms 1000
    stop_server
    return
  fi
  # A fresh server for each scenario, so that each RSS figure is its own.
  # Connected players doing nothing but heartbeats: memory per player.
  start_server "$label" "$@"
  run "idle-$BIG" --scenario idle --players "$BIG" --ramp 2000 --duration 15
  stop_server
  # Practice players answering about once a second.
  start_server "$label" "$@"
  run solo-500 --players 500 --ramp 250 --duration 20 --think-ms 1000
  stop_server
  # More answers than one core can take (about 13,000 a second asked for):
  # the server's ceiling in answers per second, and what its CPU per answer
  # is when it is never idle.
  start_server "$label" "$@"
  run solo-4000-fast --players 4000 --ramp 2000 --duration 20 --think-ms 300
  stop_server
  # The whole crowd in play, each answering about every 10 s: memory in
  # play, and acknowledgements while thousands join.
  start_server "$label" "$@"
  run "solo-$BIG" --players "$BIG" --ramp 2000 --duration 30 --think-ms 10000
  stop_server
  # The crowd in step: all answer in the same instant, every 10 s.
  start_server "$label" "$@"
  run "solo-$BIG-in-step" --players "$BIG" --ramp 2000 --duration 30 --think-ms 10000 --in-step
  stop_server
  # 1,000 duels from the queue, one each, default timers.
  start_server "$label" "$@"
  run duel-1000 --scenario duel --players 2000 --ramp 1000 --duration 1 --think-ms 1500
  stop_server
  # The crowd queues for duels in the same instant: duels started per
  # second at the limit, and how late their first questions come. Each
  # plays one duel, its answers on a shared beat.
  start_server "$label" "$@"
  run "duel-$((BIG / 2))-in-step" --scenario duel --players "$BIG" --ramp 2000 --duration 5 --think-ms 1500 --in-step
  stop_server
  # 500 争上游 races of four from the ladder queue, one each.
  start_server "$label" "$@"
  run ladder-500 --scenario ladder --players 2000 --ramp 1000 --duration 1 --think-ms 1500
  stop_server
  # The crowd queues for the ladder in the same instant.
  start_server "$label" "$@"
  run "ladder-$((BIG / 4))-in-step" --scenario ladder --players "$BIG" --ramp 2000 --duration 5 --think-ms 1500 --in-step
  stop_server
  # 100 district battles of 5 v 5 in one competition.
  start_server "$label" "$@"
  local id
  id=$(competition "$@")
  [ -n "$id" ] || { echo "no competition to battle in" >&2; exit 1; }
  run district-100 --scenario district --competition "$id" --players 1000 --ramp 500 --duration 1 --think-ms 1500
  # An event's evening: everything at once.
  run mix-2000 --scenario duel=30,solo=30,ladder=10,district=10,idle=20 --competition "$id" \
    --players 2000 --ramp 1000 --duration 20 --think-ms 1500
  stop_server
}

persistence() {
  {
    echo
    echo "**Answer persistence** (\`dati persist-bench\`: 200,000 answers through the writer, 5,000 one INSERT at a time)"
    echo
    echo "| backend | batched writer | one INSERT per answer | ratio |"
    echo "|---|---|---|---|"
  } >>"$ROWS"
  echo "== persist-bench (SQLite)"
  DATABASE_URL= REDIS_URL= taskset -c 0 "$DATI" persist-bench --markdown "$ROWS" --json "$OUT/persist-sqlite.json"
  if [ "$BACKENDS" = 1 ]; then
    echo "== persist-bench (PostgreSQL, Redis)"
    taskset -c 0 "$DATI" persist-bench --markdown "$ROWS" --json "$OUT/persist-postgres.json"
  fi
}

QUICK=0
[ "${1:-}" = quick ] && QUICK=1
# Each player holds a socket in the server and one in the generator: raise
# the open-file limit as far as allowed, and size the big runs to it.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
BIG=$(( $(ulimit -n) - 1000 ))
[ "$BIG" -gt 19000 ] && BIG=19000
BACKENDS=0
if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
  if command -v psql >/dev/null; then
    BACKENDS=1
  else
    echo "DATABASE_URL and REDIS_URL are set but psql is missing: PostgreSQL runs skipped" >&2
  fi
fi

scenarios "Embedded (SQLite, in-process boards)"
if [ "$BACKENDS" = 1 ]; then
  PG_DB="dati_bench_$$"
  psql "$DATABASE_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
  PG_URL="${DATABASE_URL%/*}/$PG_DB"
  scenarios "PostgreSQL and Redis" DATABASE_URL="$PG_URL" REDIS_URL="$REDIS_URL" DATI_REDIS_PREFIX="dati_bench_$$:"
  redis-cli -u "$REDIS_URL" --scan --pattern "dati_bench_$$:*" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null
fi
[ "$QUICK" = 1 ] || persistence

MACHINE="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(uname -r)"
COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')"
BLOCK="$OUT/block.md"
{
  echo "<!-- bench:begin (written by bench/run.sh; do not edit by hand) -->"
  echo "### Latest bench/run.sh: $(date -u +%Y-%m-%d), commit $COMMIT"
  echo
  echo "Machine: $MACHINE. Server on core 0, \`dati load\` on core 1."
  cat "$ROWS"
  echo "<!-- bench:end -->"
} >"$BLOCK"
if [ "$QUICK" = 0 ]; then
  awk -v block="$BLOCK" '
    /<!-- bench:begin/ { while ((getline line < block) > 0) print line; skip = 1; next }
    /<!-- bench:end/ { skip = 0; next }
    !skip { print }
  ' docs/performance.md >"$OUT/performance.md"
  mv "$OUT/performance.md" docs/performance.md
  echo "docs/performance.md updated"
fi
cat "$BLOCK"
