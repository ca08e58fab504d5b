#!/usr/bin/env bash
# Runs the WebSocket benchmark set against a running stack (bench/README.md).
# Usage: bench/run.sh [STACK_ENV]   (default .run/stack.env). Loopback only.
set -euo pipefail
ENV_FILE=${1:-.run/stack.env}
# shellcheck disable=SC1090
source "$ENV_FILE"
LG=${LOADGEN:-build/bin/echochat-loadgen}
[ -x "$LG" ] || { echo "build $LG first (cmake --build build --target echochat-loadgen)" >&2; exit 2; }
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## chat S=1000 P=10, 100 msg/s (target >= 100k frames/s)"
"$LG" --ws "$GATEWAY_WS_URL" --http "$GATEWAY_HTTP_URL" --mode chat --subs 1000 --pubs 10 --rate 100 --duration 10
echo "## chat S=1000 P=10, 200 msg/s"
"$LG" --ws "$GATEWAY_WS_URL" --http "$GATEWAY_HTTP_URL" --mode chat --subs 1000 --pubs 10 --rate 200 --duration 10
echo "## chat S=1000 P=10, 50 msg/s (target p99 <= 10 ms)"
"$LG" --ws "$GATEWAY_WS_URL" --http "$GATEWAY_HTTP_URL" --mode chat --subs 1000 --pubs 10 --rate 50 --duration 10
echo "## idle: 10 000 sockets (target <= 4 KiB RSS each)"
"$LG" --ws "$GATEWAY_WS_URL" --http "$GATEWAY_HTTP_URL" --mode idle --idle 10000 --pids "$PID_GATEWAY" --duration 5
echo "## presence: 2000 guests + 500 users, no client pings (target <= 2 s)"
"$LG" --ws "$GATEWAY_WS_URL" --http "$GATEWAY_HTTP_URL" --mode presence --guests 2000 --users 500 --duration 30
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
