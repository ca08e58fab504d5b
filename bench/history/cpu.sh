#!/usr/bin/env bash
# Prints the CPU time (user+system, in clock ticks summed over threads) used
# so far by the processes on the history read path: nginx (master and
# workers, when the stack runs it: PUBLIC_URL is then nginx's), gateway, chat,
# nats-server and PostgreSQL with all its backends, one "name ticks" line
# each. run.sh diffs two samples around each wrk run to get the CPU cost per
# request, which a busy shared machine distorts far less than throughput.
set -euo pipefail
# shellcheck disable=SC1091
source "$ECHOCHAT_RUN_DIR/stack.env"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
if [ -n "${PID_NGINX:-}" ]; then
  ng=0
  for p in "$PID_NGINX" $(pgrep -P "$PID_NGINX"); do
    ng=$((ng + $(ticks "$p")))
  done
  echo "NGINX $ng"
fi
for name in GATEWAY CHAT NATS; do
  pid_var=PID_$name
  echo "$name $(ticks "${!pid_var}")"
done
pg=0
for p in "$PID_POSTGRES" $(pgrep -P "$PID_POSTGRES"); do
  pg=$((pg + $(ticks "$p")))
done
echo "POSTGRES $pg"
