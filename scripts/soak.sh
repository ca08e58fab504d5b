#!/usr/bin/env bash
# Soak test: SOAK_MINUTES (default 30) of mixed load against a stack of the
# ASan + UBSan daemons (build-asan/), then a clean SIGTERM shutdown.
#
#   scripts/soak.sh                  # or: make soak; SOAK_MINUTES=3 for a trial
#
# Load (loopback only, every loop bounded by the deadline):
#   chat      bench/loadgen --mode chat, SOAK_SUBS subscribers and SOAK_PUBS
#             publishers in the public room at SOAK_RATE msg/s, in segments of
#             at most 300 s (loadgen's own cap is 600 s)
#   presence  churn, logins, history reads: tests/fault/soak_clients.py
#
# Checks (exit 1 if any fails):
#   rss       every daemon's RSS, sampled every SOAK_SAMPLE_S (30) s, may not
#             grow after warm-up (the first third, at most 5 min) by more than
#             max(SOAK_RSS_SLACK_MB (16) MiB, 10 %): median of the last 5 samples
#             against the median of the 5 up to warm-up end. In 25 min after
#             warm-up at the default load 16 MiB is ~220 bytes per message posted
#             (75 000), ~1 byte per frame delivered (15 M), ~7 KiB per login and
#             ~4 KiB per presence connection: a leak of one object per request shows.
#   sanitizer no AddressSanitizer / LeakSanitizer / UBSan report in RUN/logs/*.err
#             after the SIGTERM shutdown (every daemon must stop within 10 s)
#   logs      no "level":"error" line in RUN/logs/*.log outside SOAK_ALLOW
#             (an extended regex; default: none allowed)
#   load      loadgen: lost=0 dup=0 reorder=0 in every segment; soak_clients:
#             no unexpected answer
#
# Runs in $SOAK_RUN_DIR (default .run/soak; wiped first), never touching other
# stacks. The RSS samples are left in RUN/soak-rss.csv, the summary in
# RUN/soak-summary.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_SAMPLE_S=${SOAK_SAMPLE_S:-30}
SOAK_RSS_SLACK_MB=${SOAK_RSS_SLACK_MB:-16}
SOAK_SUBS=${SOAK_SUBS:-200}
SOAK_PUBS=${SOAK_PUBS:-10}
SOAK_RATE=${SOAK_RATE:-50}
SOAK_ALLOW=${SOAK_ALLOW:-}
RUN_DIR=${SOAK_RUN_DIR:-$ROOT/.run/soak}
BUILD_DIR=${SOAK_BUILD_DIR:-$ROOT/build-asan}
PYTHON=${PYTHON:-/usr/bin/python3}
DAEMONS=(auth chat presence gateway)

say() { printf '[soak] %s\n' "$*"; }
die() { printf '[soak] ERROR: %s\n' "$*" >&2; exit 2; }

if ! [[ $SOAK_MINUTES =~ ^[0-9]+$ ]] || [ "$SOAK_MINUTES" -lt 1 ]; then
  die "SOAK_MINUTES must be a whole number >= 1"
fi
[ -x "$BUILD_DIR/bin/echochat-gateway" ] || scripts/build.sh asan "$BUILD_DIR"
LOADGEN=${LOADGEN:-}
if [ -z "$LOADGEN" ]; then
  for c in "$ROOT/build/bin/echochat-loadgen" "$BUILD_DIR/bin/echochat-loadgen"; do
    if [ -x "$c" ]; then LOADGEN=$c; break; fi
  done
fi
[ -n "$LOADGEN" ] || { cmake --build "$BUILD_DIR" --target echochat-loadgen >/dev/null; LOADGEN=$BUILD_DIR/bin/echochat-loadgen; }

TOTAL_S=$((SOAK_MINUTES * 60))
WARMUP_S=$((TOTAL_S / 3 < 300 ? TOTAL_S / 3 : 300))

stack() { ECHOCHAT_RUN_DIR="$RUN_DIR" BUILD_DIR="$BUILD_DIR" STACK_TIMEOUT=180 scripts/stack.sh "$@"; }

# rss_verdict CSV WARMUP_S SLACK_MB: one line per daemon; exit 1 if one grew
# too much. Medians of 5 samples, so a transient peak (auth's 19 MiB argon2
# buffer per login, several at once when loadgen registers its publishers)
# does not count as growth; the max is shown for information.
rss_verdict() {
  awk -F, -v w="$2" -v slack="$3" '
    function median(arr, n,   i, j, t, c) {
      for (i = 1; i <= n; i++) c[i] = arr[i]
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (c[j] < c[i]) { t = c[i]; c[i] = c[j]; c[j] = t }
      return n ? c[int((n + 1) / 2)] : 0
    }
    NR == 1 { next }
    {
      d = $2
      if (!(d in seen)) { seen[d] = 1; order[++nd] = d }
      if ($1 <= w) { nb[d]++; b[d, nb[d]] = $3 }
      else { na[d]++; a[d, na[d]] = $3; if ($3 > mx[d]) mx[d] = $3 }
      if ($3 == 0) dead[d] = 1
    }
    END {
      bad = 0
      for (i = 1; i <= nd; i++) {
        d = order[i]; k = 0
        for (j = (nb[d] > 5 ? nb[d] - 4 : 1); j <= nb[d]; j++) x[++k] = b[d, j]
        base = median(x, k); k = 0
        for (j = (na[d] > 5 ? na[d] - 4 : 1); j <= na[d]; j++) x[++k] = a[d, j]
        last = median(x, k)
        bound = slack * 1024; if (base * 0.10 > bound) bound = base * 0.10
        g = last - base
        ok = base > 0 && na[d] > 0 && !(d in dead) && g <= bound
        if (!ok) bad = 1
        printf "%-9s %9d %9d %+9d %9d %9d  %s\n", d, base, last, g, bound, mx[d], ok ? "ok" : "FAIL"
      }
      exit bad
    }' "$1"
}

# ------------------------------------------------------------------ stack ----
stack down >/dev/null 2>&1 || true
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
printf '%s\n' CHAT_MESSAGE_RATE_LIMIT=1000000 AUTH_RATE_LIMIT=1000000 >"$RUN_DIR/extra.env"
# ASan keeps freed memory in a quarantine (default 256 MiB, plus up to 1 MiB
# per thread) to catch use-after-free; while it fills, RSS grows linearly with
# the allocation rate (a first 30-min run: presence +31 MiB in 17 min under
# ASan, flat +0.1 MiB in the Release build under the same load). A 2 MiB
# quarantine with 64 KiB per thread fills within the warm-up, so growth after
# it is the daemons' own.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=2:thread_local_quarantine_size_kb=64:malloc_context_size=20}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LOG_LEVEL=${LOG_LEVEL:-warn}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
stack up >"$RUN_DIR/stack-up.log" 2>&1 || { tail -40 "$RUN_DIR/stack-up.log"; die "stack did not come up"; }
# shellcheck disable=SC1091
source "$RUN_DIR/stack.env"
say "$(date -u +%FT%TZ) $SOAK_MINUTES min on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "stack $RUN_DIR from $BUILD_DIR; warm-up ${WARMUP_S}s; chat $SOAK_SUBS subs / $SOAK_PUBS pubs / $SOAK_RATE msg/s"

PIDS=("$PID_AUTH" "$PID_CHAT" "$PID_PRESENCE" "$PID_GATEWAY")
START=$SECONDS
DEADLINE=$((START + TOTAL_S))

# ------------------------------------------------------------- samplers ----
RSS_CSV="$RUN_DIR/soak-rss.csv"
echo "t_s,name,rss_kib" >"$RSS_CSV"
sample() {
  local i t=$((SECONDS - START))
  for i in "${!DAEMONS[@]}"; do
    printf '%s,%s,%s\n' "$t" "${DAEMONS[$i]}" \
      "$(awk '/^VmRSS:/ {print $2}' "/proc/${PIDS[$i]}/status" 2>/dev/null || echo 0)" >>"$RSS_CSV"
  done
}
(
  while [ $SECONDS -lt $DEADLINE ]; do
    sample
    sleep "$SOAK_SAMPLE_S"
  done
  sample
) &
SAMPLER=$!

"$PYTHON" tests/fault/soak_clients.py "$RUN_DIR/stack.env" "$TOTAL_S" >"$RUN_DIR/soak-clients.json" \
  2>"$RUN_DIR/soak-clients.err" &
CLIENTS=$!

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  kill "$SAMPLER" "$CLIENTS" 2>/dev/null || true
}
trap cleanup EXIT

# ------------------------------------------------------------- chat load ----
LG_LOG="$RUN_DIR/soak-loadgen.log"
: >"$LG_LOG"
segments=0
while :; do
  left=$((DEADLINE - SECONDS - 15)) # loadgen drains 10 s after its last send
  [ "$left" -ge 10 ] || break
  seg=$((left < 300 ? left : 300))
  echo "## segment $((segments + 1)): ${seg}s" >>"$LG_LOG"
  "$LOADGEN" --ws "$GATEWAY_WS_URL" --http "$GATEWAY_HTTP_URL" --mode chat --subs "$SOAK_SUBS" \
    --pubs "$SOAK_PUBS" --rate "$SOAK_RATE" --duration "$seg" >>"$LG_LOG" 2>&1 ||
    echo "loadgen exited with $?" >>"$LG_LOG"
  segments=$((segments + 1))
done
while [ $SECONDS -lt $DEADLINE ]; do sleep 1; done

clients_rc=0
wait "$CLIENTS" || clients_rc=$?
wait "$SAMPLER" || true
trap - EXIT

# --------------------------------------------------------------- shutdown ----
down_out=$(stack down 2>&1) || true
echo "$down_out" >"$RUN_DIR/stack-down.log"

# ---------------------------------------------------------------- verdict ----
fail=0
SUMMARY="$RUN_DIR/soak-summary.txt"
{
  echo "# soak $(date -u +%FT%TZ): ${SOAK_MINUTES} min, warm-up ${WARMUP_S}s, samples every ${SOAK_SAMPLE_S}s"
  echo "## RSS (KiB): median of the 5 samples to warm-up end, of the last 5, growth, bound, max after warm-up"
} >"$SUMMARY"
if ! rss_verdict "$RSS_CSV" "$WARMUP_S" "$SOAK_RSS_SLACK_MB" >>"$SUMMARY"; then
  fail=1
fi

echo "## chat load (bench/loadgen, $segments segments)" >>"$SUMMARY"
grep -E '^(sent|delivered|latency_ms|loadgen exited)' "$LG_LOG" >>"$SUMMARY" || true
if [ "$segments" -eq 0 ] || grep -qE 'loadgen exited|lost=[1-9-]|dup=[1-9]|reorder=[1-9]' "$LG_LOG"; then
  echo "FAIL: loadgen lost, duplicated or reordered messages, or did not run" >>"$SUMMARY"
  fail=1
fi

echo "## presence churn, logins, history reads" >>"$SUMMARY"
cat "$RUN_DIR/soak-clients.json" >>"$SUMMARY" 2>/dev/null || true
if [ "$clients_rc" -ne 0 ]; then
  echo "FAIL: soak_clients exited $clients_rc (unexpected answers; see soak-clients.err)" >>"$SUMMARY"
  tail -5 "$RUN_DIR/soak-clients.err" >>"$SUMMARY" 2>/dev/null || true
  fail=1
fi

echo "## shutdown (SIGTERM)" >>"$SUMMARY"
if grep -q 'ignored SIGTERM\|still alive' <<<"$down_out"; then
  grep 'ignored SIGTERM\|still alive' <<<"$down_out" >>"$SUMMARY"
  fail=1
else
  echo "every daemon stopped on SIGTERM" >>"$SUMMARY"
fi

echo "## sanitizer reports in logs/*.err" >>"$SUMMARY"
san=$(grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' \
  "$RUN_DIR"/logs/*.err 2>/dev/null || true)
if [ -n "$san" ]; then
  for f in $san; do
    echo "FAIL: $f"
    grep -m5 -E 'ERROR:|runtime error:|SUMMARY:' "$f"
  done >>"$SUMMARY"
  fail=1
else
  echo "none" >>"$SUMMARY"
fi

echo "## error-level log lines (allow-list: ${SOAK_ALLOW:-none})" >>"$SUMMARY"
errs=$(grep -h '"level":"error"' "$RUN_DIR"/logs/*.log 2>/dev/null || true)
if [ -n "$SOAK_ALLOW" ] && [ -n "$errs" ]; then errs=$(grep -vE "$SOAK_ALLOW" <<<"$errs" || true); fi
if [ -n "$errs" ]; then
  echo "FAIL: $(wc -l <<<"$errs") lines, first ones:" >>"$SUMMARY"
  head -5 <<<"$errs" >>"$SUMMARY"
  fail=1
else
  echo "none" >>"$SUMMARY"
fi
echo "warn lines: $(cat "$RUN_DIR"/logs/*.log 2>/dev/null | grep -c '"level":"warn"' || true)" >>"$SUMMARY"

if [ "$fail" -eq 0 ]; then echo "SOAK PASSED" >>"$SUMMARY"; else echo "SOAK FAILED" >>"$SUMMARY"; fi
cat "$SUMMARY"
exit "$fail"
