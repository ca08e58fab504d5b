#!/usr/bin/env bash
# Auth benchmark (issue 3), through the gateway with wrk (Debian package):
#   session  GET /api/auth/session/ with a valid session, 16 keep-alive
#            connections, as fast as possible (target ≥ 10 000 req/s, p99 ≤ 5 ms)
#   login    csrf + POST login (argon2id at the default cost) on LOGIN_CONNS
#            connections, while a paced session-check load runs beside it
#            (target ≥ 60 logins/s with the session checks' p99 ≤ 10 ms)
# It brings up its own Release stack in $ECHOCHAT_RUN_DIR (default .run/bench)
# with RUN_DIR/extra.env raising AUTH_RATE_LIMIT, so the per-address login
# limit (10/min by default) does not decide the result: every request comes
# from 127.0.0.1.
# Usage: bench/auth/run.sh   (DURATION=10s CONNS=16 THREADS=2 LOGIN_CONNS=4
#                             PACED_CONNS=16 BENCH_DELAY_MS=8)
set -euo pipefail
cd "$(dirname "$0")/../.."
export ECHOCHAT_RUN_DIR=${ECHOCHAT_RUN_DIR:-$PWD/.run/bench}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
LOGIN_CONNS=${LOGIN_CONNS:-4}
PACED_CONNS=${PACED_CONNS:-16}
export BENCH_DELAY_MS=${BENCH_DELAY_MS:-8}

command -v wrk >/dev/null || { echo "wrk is missing: scripts/deps.sh --bench (apt-get install wrk)" >&2; exit 1; }
mkdir -p "$ECHOCHAT_RUN_DIR"
# Sets KEY=VALUE in extra.env, keeping the other benches' settings (the chat
# rate limit of the WebSocket bench, say) that share this run dir.
set_extra() {
  local f="$ECHOCHAT_RUN_DIR/extra.env"
  touch "$f"
  sed -i "/^$1=/d" "$f"
  echo "$1=$2" >>"$f"
}
set_extra AUTH_RATE_LIMIT 1000000
set_extra LOG_LEVEL warn
make -s up >/dev/null
# shellcheck disable=SC1091
source "$ECHOCHAT_RUN_DIR/stack.env"
base=$PUBLIC_URL
origin=$base

# A bench account, registered once through the API.
export BENCH_USER=benchuser BENCH_PASSWORD=bench-Passw0rd!
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
token=$(curl -fsS -c "$jar" -b "$jar" "$base/api/auth/csrf/" | sed 's/.*"csrfToken": "\([^"]*\)".*/\1/')
curl -sS -o /dev/null -c "$jar" -b "$jar" -H "X-CSRFToken: $token" -H "Origin: $origin" \
  -H 'Content-Type: application/json' \
  -d "{\"username\": \"$BENCH_USER\", \"password1\": \"$BENCH_PASSWORD\", \"password2\": \"$BENCH_PASSWORD\"}" \
  "$base/api/auth/register/"
code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" -H "X-CSRFToken: $token" \
  -H "Origin: $origin" -H 'Content-Type: application/json' \
  -d "{\"username\": \"$BENCH_USER\", \"password\": \"$BENCH_PASSWORD\"}" "$base/api/auth/login/")
[ "$code" = 200 ] || { echo "bench: login failed ($code)" >&2; exit 1; }
sid=$(awk '$6 == "sessionid" {print $7}' "$jar")
csrf=$(awk '$6 == "csrftoken" {print $7}' "$jar")
cookie="Cookie: sessionid=$sid; csrftoken=$csrf"
curl -fsS -H "$cookie" "$base/api/auth/session/" | grep -q '"authenticated": true' \
  || { echo "bench: the session does not resolve" >&2; exit 1; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## session: wrk -t$THREADS -c$CONNS -d$DURATION --latency -H '<cookie>' $base/api/auth/session/"
wrk -t"$THREADS" -c"$CONNS" -d2s -H "$cookie" "$base/api/auth/session/" >/dev/null  # warm up
before=$(bench/cpu.sh NGINX AUTH GATEWAY NATS POSTGRES)
res=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "$cookie" "$base/api/auth/session/")
after=$(bench/cpu.sh NGINX AUTH GATEWAY NATS POSTGRES)
echo "$res"
# CPU per request of the server side (wrk's own CPU not counted): what the
# throughput would be on otherwise idle cores, whatever else runs here now.
n=$(echo "$res" | awk '/requests in/ {print $1}')
paste <(echo "$before") <(echo "$after") | awk -v n="$n" -v hz="$(getconf CLK_TCK)" '
  { d = ($4 - $2) * 1e6 / hz / n; t += d; printf "cpu/request %s %.0f us\n", $1, d }
  END { printf "cpu/request total %.0f us (ceiling on %d idle cores: %.0f req/s)\n", t, c, c * 1e6 / t }' \
  c="$(nproc)"

echo "## login: wrk -t$LOGIN_CONNS -c$LOGIN_CONNS -d$DURATION -s bench/auth/login.lua $base"
echo "##   beside: wrk -t1 -c$PACED_CONNS -d$DURATION --latency -s bench/auth/paced.lua (delay ${BENCH_DELAY_MS} ms) session checks"
out=$(mktemp)
wrk -t1 -c"$PACED_CONNS" -d"$DURATION" --latency -s bench/auth/paced.lua -H "$cookie" \
  "$base/api/auth/session/" >"$out" &
paced=$!
wrk -t"$LOGIN_CONNS" -c"$LOGIN_CONNS" -d"$DURATION" --latency -s bench/auth/login.lua "$base"
wait "$paced"
echo "## the paced session checks during the logins:"
cat "$out"
rm -f "$out"
