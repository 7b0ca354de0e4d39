#!/usr/bin/env bash
# Times each statistics endpoint with 1,000,000 recorded answers (issue 5):
# seeds a scratch database with `dati seed`, starts a release server on it,
# signs an organizer in and requests every endpoint 7 times, printing the
# median. Runs on SQLite; with DATABASE_URL set to a PostgreSQL server (and
# psql installed) it also runs on a scratch PostgreSQL database, dropped
# afterwards. Loopback only; stops by itself.
# Usage: bench/stats.sh [ANSWERS] [MEMBERS]
set -euo pipefail
cd "$(dirname "$0")/.."
ANSWERS="${1:-1000000}"
MEMBERS="${2:-20000}"
PORT="${BENCH_PORT:-18520}"
cargo build --release --quiet

DATA="$(mktemp -d)"
JAR="$DATA/cookies"
SERVER=""
PGDB=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  [ -n "$PGDB" ] && psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" || true
  rm -rf "$DATA"
}
trap cleanup EXIT

median_ms() { # URL: 7 timed GETs, the median in ms
  for _ in 1 2 3 4 5 6 7; do
    curl -s -o /dev/null -b "$JAR" -w '%{time_total}\n' "$1"
  done | sort -n | sed -n 4p | awk '{printf "%.1f", $1 * 1000}'
}

run() { # BACKEND DATABASE_URL-or-empty
  local backend="$1" url="$2"
  echo "== $backend: seeding $ANSWERS answers from $MEMBERS members"
  DATABASE_URL="$url" ./target/release/dati seed --members "$MEMBERS" --answers "$ANSWERS" \
    --data-dir "$DATA/$backend" 2>/dev/null
  echo "bench-password" | DATABASE_URL="$url" ./target/release/dati organizer add bench \
    --data-dir "$DATA/$backend" >/dev/null
  DATABASE_URL="$url" DATI_BIND="127.0.0.1:$PORT" DATI_DATA_DIR="$DATA/$backend" RUST_LOG=warn \
    ./target/release/dati serve >"$DATA/$backend.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  curl -sf -c "$JAR" -H 'content-type: application/json' \
    -d '{"name":"bench","password":"bench-password"}' "http://127.0.0.1:$PORT/api/admin/session" >/dev/null
  local base="http://127.0.0.1:$PORT/api/admin"
  printf '%-52s %10s\n' endpoint "median ms"
  for path in stats/overview "stats/questions?per_page=50" "stats/questions?sort=discrimination&per_page=50" \
      "stats/members?per_page=50" "stats/members?sort=accuracy&per_page=50&page=100" stats/districts \
      stats/histories "stats/days?from=2026-09-01&to=2026-11-30" "questions?per_page=50" \
      "stats/members?format=csv" "stats/questions?format=xlsx"; do
    printf '%-52s %10s\n' "$path" "$(median_ms "$base/$path")"
  done
  local refresh
  refresh=$(curl -s -o /dev/null -b "$JAR" -X POST -w '%{time_total}' "$base/stats/refresh")
  printf '%-52s %10.1f\n' "POST stats/refresh (discrimination groups)" "$(echo "$refresh * 1000" | bc)"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
  echo
}

run sqlite ""
if [ -n "${DATABASE_URL:-}" ] && command -v psql >/dev/null; then
  PGDB="dati_bench_$$"
  psql -q "$DATABASE_URL" -c "CREATE DATABASE $PGDB"
  run postgres "${DATABASE_URL%/*}/$PGDB"
fi
echo "machine: $(nproc) cores, $(uname -r); commit $(git rev-parse --short HEAD)"
