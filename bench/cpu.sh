#!/usr/bin/env bash
# Prints the CPU time (user+system, in clock ticks summed over threads) used so
# far by the bench stack's processes, one "NAME ticks" line each:
#   bench/cpu.sh NGINX GATEWAY CHAT NATS POSTGRES
# NAME is a PID_<NAME> of $ECHOCHAT_RUN_DIR/stack.env; NGINX and POSTGRES count
# their worker/backend children too (NGINX is skipped when the stack runs
# without it). The run.sh scripts diff two samples around a wrk run to get the
# CPU cost per request, which a busy shared machine distorts far less than
# throughput or latency.
set -euo pipefail
# shellcheck disable=SC1091
source "$ECHOCHAT_RUN_DIR/stack.env"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
for name in "$@"; do
  pid_var=PID_$name
  pid=${!pid_var:-}
  if [ -z "$pid" ]; then
    [ "$name" = NGINX ] && continue
    echo "bench/cpu.sh: no PID_$name in stack.env" >&2
    exit 2
  fi
  total=$(ticks "$pid")
  if [ "$name" = NGINX ] || [ "$name" = POSTGRES ]; then
    for child in $(pgrep -P "$pid"); do
      total=$((total + $(ticks "$child")))
    done
  fi
  echo "$name $total"
done
