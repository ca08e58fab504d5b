#!/usr/bin/env bash
# History benchmark: GET /api/chat/rooms/public/messages/?limit=50 at PUBLIC_URL (nginx in
# front of the gateway, as in production, when the stack serves the SPA) with
# wrk (Debian package), 16 connections. Two runs:
#   hot   - the same page every time (what a room full of readers does; chat
#           serves it from its history cache)
#   cold  - a random `before` cursor per request, so nearly every request
#           misses the cache and runs the PostgreSQL range scan
# It brings up its own stack in $ECHOCHAT_RUN_DIR (default .run/bench, Release
# build), seeds the public room, and prints the figures plus the machine, the
# load average and the server-side CPU time per request of each run
# (bench/cpu.sh; wrk's own CPU not counted), which a busy shared
# machine distorts far less than throughput.
# Usage: bench/history/run.sh   (DURATION=10s CONNS=16 THREADS=2 SEED=2000)
set -euo pipefail
cd "$(dirname "$0")/../.."
export ECHOCHAT_RUN_DIR=${ECHOCHAT_RUN_DIR:-$PWD/.run/bench}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
SEED=${SEED:-2000}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
make -s up >/dev/null
# shellcheck disable=SC1091
source "$ECHOCHAT_RUN_DIR/stack.env"

have=$(psql "$DATABASE_URL" -XAtq -c "SELECT count(*) FROM chat.messages WHERE room = 'public'")
if [ "$have" -lt "$SEED" ]; then
  psql "$DATABASE_URL" -XAtq -v n="$((SEED - have))" <<'SQL'
INSERT INTO chat.messages (room, user_id, username, avatar, content)
SELECT 'public', NULL, 'bench' || (g % 50), 'profile_pics/bench' || (g % 50) || '.png',
       'benchmark message number ' || g || ' with some ordinary chat text in it'
FROM generate_series(1, :n) g;
SQL
fi
read -r lo hi < <(psql "$DATABASE_URL" -XAtq -F ' ' \
  -c "SELECT min(id) + 50, max(id) FROM chat.messages WHERE room = 'public'")

url="$PUBLIC_URL/api/chat/rooms/public/messages/?limit=50"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -fsS "$url" >/dev/null  # warm up: connections, prepared statements
# Runs wrk with the given arguments, prints its report and the CPU per
# request of each server process over the run.
run_wrk() {
  local before after res n
  before=$(bench/cpu.sh NGINX GATEWAY CHAT NATS POSTGRES)
  res=$(wrk "$@")
  after=$(bench/cpu.sh NGINX GATEWAY CHAT NATS POSTGRES)
  echo "$res"
  n=$(echo "$res" | awk '/requests in/ {print $1}')
  paste <(echo "$before") <(echo "$after") | awk -v n="$n" -v hz="$(getconf CLK_TCK)" -v c="$(nproc)" '
    { d = ($4 - $2) * 1e6 / hz / n; t += d; printf "cpu/request %s %.0f us\n", $1, d }
    END { printf "cpu/request total %.0f us (ceiling on %d idle cores: %.0f req/s)\n", t, c, c * 1e6 / t }'
}

echo "## hot: wrk -t$THREADS -c$CONNS -d$DURATION --latency '$url'"
run_wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url"
echo "## cold: random before in [$lo, $hi]"
BENCH_LO=$lo BENCH_HI=$hi run_wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency \
  -s bench/history/random_before.lua "$url"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
