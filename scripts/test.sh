#!/usr/bin/env bash
# Run EchoChat's test suites and print one combined line `N passed, N failed`.
#
#   scripts/test.sh all                  every suite below, in this order
#   scripts/test.sh SUITE [SUITE...]     some of them:
#     unit       ctest in the Release build (build, or BUILD_DIR)
#     unit-asan  ctest in the ASan+UBSan build (build-asan)
#     proto      npm test in proto/ (skipped if proto/package.json is absent)
#     system     pytest tests/system against a dedicated test stack
#     e2e        browser scenarios (npm run e2e in frontend/, Chromium) against the
#                nginx front of a stack of their own ($TEST_RUN_DIR/e2e, fresh each
#                run: clean screens, counters untouched by the system tests);
#                screenshots land in $TEST_RUN_DIR/logs/screenshots/, or with
#                UPDATE_SCREENSHOTS=1 in docs/screenshots/ (skipped without frontend/)
#     frontend   npm run test:all in frontend/ (skipped if frontend/package.json is absent)
#     fuzz       every libFuzzer target for FUZZ_SECONDS (default 30) each (scripts/fuzz.sh)
#     fault      kill -9, restarts and a network partition under chat load, on a
#                stack of its own (tests/fault; ~1.5 min)
#     deploy     static checks of the production files (tests/deploy/static_checks.sh)
#     container  the production compose stack in Podman, smoke-tested over HTTPS
#                (tests/deploy/container_test.sh; root; ~1 min warm, ~8 min cold)
#
# Environment:
#   SANITIZE=1          the test stack runs the ASan+UBSan daemons (build-asan)
#   BUILD_DIR           build dir the test stack runs from (default build, build-asan with SANITIZE=1)
#   TEST_RUN_DIR        test stack run dir (default .run/test); its data is wiped at start
#                       unless TEST_KEEP_DATA=1
#   PYTHON              interpreter for pytest (default /usr/bin/python3, Debian's)
#   PYTEST_ARGS         extra pytest arguments, shell-quoted (e.g. "-k 'ws_chat or presence' -x")
#
# A suite that cannot run at all (build failed, stack did not come up) counts as
# one failure. Logs: $TEST_RUN_DIR/logs/test-<suite>.log. Exit status is non-zero
# iff anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
SANITIZE=${SANITIZE:-0}
ASAN_DIR=build-asan
if [ "$SANITIZE" = 1 ]; then
  BUILD_DIR=${BUILD_DIR:-$ASAN_DIR}   # the stack runs the sanitized daemons
  REL_DIR=build
else
  BUILD_DIR=${BUILD_DIR:-build}
  REL_DIR=$BUILD_DIR
fi
TEST_RUN_DIR=${TEST_RUN_DIR:-$ROOT/.run/test}
PYTHON=${PYTHON:-/usr/bin/python3}
LOGS="$TEST_RUN_DIR/logs"
E2E_RUN_DIR="$TEST_RUN_DIR/e2e"
export ECHOCHAT_RUN_DIR="$TEST_RUN_DIR"
export ECHOCHAT_STACK_ENV="$TEST_RUN_DIR/stack.env"
# Sanitizer reports must fail the test that triggers them.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
[ "$SANITIZE" = 1 ] && export STACK_TIMEOUT=${STACK_TIMEOUT:-180}

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(all)
[ "${suites[0]}" = all ] && suites=(unit unit-asan proto system e2e frontend fuzz fault deploy container)

RESULTS=()      # "suite|passed|failed|note"
TOTAL_P=0
TOTAL_F=0
STACK_UP=0

note() { printf '\n=== %s ===\n' "$*"; }

record() {  # record SUITE PASSED FAILED NOTE
  RESULTS+=("$1|$2|$3|$4")
  TOTAL_P=$((TOTAL_P + $2))
  TOTAL_F=$((TOTAL_F + $3))
}

# run_logged LOG CMD...: run CMD, output to the terminal and LOG.
run_logged() {
  local log=$1
  shift
  "$@" </dev/null 2>&1 | tee "$log"
  return "${PIPESTATUS[0]}"
}

# Build once per kind and remember the outcome.
declare -A BUILT=()
ensure_build() {  # ensure_build KIND DIR
  local key="$1:$2"
  if [ -z "${BUILT[$key]:-}" ]; then
    note "build $1 ($2)"
    if run_logged "$LOGS/build-$1.log" scripts/build.sh "$1" "$2"; then
      BUILT[$key]=ok
    else
      BUILT[$key]=failed
      echo "build $1 failed; see $LOGS/build-$1.log"
    fi
  fi
  [ "${BUILT[$key]}" = ok ]
}

# Counts from a log: a plain "N passed, N failed" line wins, then the formats of
# ctest, pytest, vitest and node's test runner. Prints "P F" or nothing.
parse_counts() {
  "$PYTHON" - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], errors="replace").read()
text = re.sub(r"\x1b\[[0-9;]*m", "", text)
def last(pattern, flags=re.M):
    m = re.findall(pattern, text, flags)
    return m[-1] if m else None
m = last(r"^(?:\w+:\s*)?(\d+) passed, (\d+) failed\b")
if m:
    print(m[0], m[1]); sys.exit()
m = last(r"\d+% tests passed, (\d+) tests? failed out of (\d+)")
if m:
    print(int(m[1]) - int(m[0]), m[0]); sys.exit()
m = last(r"^\s*Tests\s+(.*)\(\d+\)\s*$")          # vitest: "Tests  2 failed | 10 passed (12)"
if m:
    p = re.search(r"(\d+) passed", m); f = re.search(r"(\d+) failed", m)
    print(p and p[1] or 0, f and f[1] or 0); sys.exit()
p, f = last(r"^# pass (\d+)"), last(r"^# fail (\d+)")  # node --test
if p is not None and f is not None:
    print(p, f); sys.exit()
line = last(r"^=+ (.*(?:passed|failed|error).*) in [\d.]+s")  # pytest
if line:
    n = lambda w: sum(int(x) for x in re.findall(r"(\d+) " + w, line))
    print(n("passed"), n("failed") + n("errors?")); sys.exit()
EOF
}

# record_from_log SUITE LOG STATUS: counts from the log, else from the exit status.
record_from_log() {
  local suite=$1 log=$2 status=$3 counts p f
  counts=$(parse_counts "$log")
  if [ -n "$counts" ]; then
    read -r p f <<<"$counts"
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
      record "$suite" "$p" 1 "exit status $status"
    else
      record "$suite" "$p" "$f" ""
    fi
  elif [ "$status" -eq 0 ]; then
    record "$suite" 1 0 "no counts found; judged by exit status"
  else
    record "$suite" 0 1 "no counts found; exit status $status"
  fi
}

ctest_suite() {  # ctest_suite SUITE KIND DIR
  local suite=$1 kind=$2 dir=$3 status
  if ! ensure_build "$kind" "$dir"; then
    record "$suite" 0 1 "build failed (see $LOGS/build-$kind.log)"
    return
  fi
  note "$suite: ctest in $dir"
  run_logged "$LOGS/test-$suite.log" ctest --test-dir "$dir" --output-on-failure -j2 --timeout 600
  status=$?
  if grep -q "No tests were found" "$LOGS/test-$suite.log"; then
    record "$suite" 0 0 "no unit tests registered"
  else
    record_from_log "$suite" "$LOGS/test-$suite.log" "$status"
  fi
}

npm_suite() {  # npm_suite SUITE DIR SCRIPT...
  local suite=$1 dir=$2 status
  shift 2
  if [ ! -f "$dir/package.json" ]; then
    RESULTS+=("$suite|0|0|skipped: no $dir/package.json")
    return
  fi
  note "$suite: npm in $dir"
  if ! run_logged "$LOGS/npm-ci-$suite.log" npm --prefix "$dir" ci --no-audit --no-fund; then
    record "$suite" 0 1 "npm ci failed (see $LOGS/npm-ci-$suite.log)"
    return
  fi
  run_logged "$LOGS/test-$suite.log" timeout 1800 npm --prefix "$dir" "$@"
  status=$?
  record_from_log "$suite" "$LOGS/test-$suite.log" "$status"
}

stack_up() {
  [ "$STACK_UP" = 1 ] && return 0
  local kind=release
  [ "$SANITIZE" = 1 ] && kind=asan
  ensure_build "$kind" "$BUILD_DIR" || return 1
  note "test stack up ($TEST_RUN_DIR, $BUILD_DIR)"
  if BUILD_DIR="$BUILD_DIR" run_logged "$LOGS/stack-up.log" scripts/stack.sh up; then
    STACK_UP=1
    return 0
  fi
  return 1
}

stack_down() {
  [ -d "$TEST_RUN_DIR" ] || return 0
  scripts/stack.sh down >>"$LOGS/stack-down.log" 2>&1 || true
  if [ -d "$E2E_RUN_DIR" ]; then
    ECHOCHAT_RUN_DIR="$E2E_RUN_DIR" scripts/stack.sh down >>"$LOGS/stack-down.log" 2>&1 || true
  fi
}

system_suite() {
  if ! stack_up; then
    record system 0 1 "test stack did not come up (see $LOGS/stack-up.log)"
    return
  fi
  note "system: pytest tests/system"
  local status extra=()
  # Parsed like a shell command line, so a -k expression may hold spaces.
  eval "extra=(${PYTEST_ARGS:-})"
  run_logged "$LOGS/test-system.log" timeout 2400 "$PYTHON" -m pytest tests/system \
    -p no:cacheprovider -ra --junitxml="$LOGS/test-system.xml" "${extra[@]}"
  status=$?
  case $status in
    5) record system 0 0 "no tests collected" ;;
    *) record_from_log system "$LOGS/test-system.log" "$status" ;;
  esac
}

# The SPA in Chromium through the nginx front (the one origin serving the SPA,
# /api, /media and /ws) of a fresh stack of its own: the screenshots show only
# the scenarios' data, and the browser's client IP (127.0.0.1) starts with
# fresh rate-limit counters. stack.sh up builds the SPA and installs
# frontend/node_modules (playwright-core drives Debian's chromium).
e2e_suite() {
  if [ ! -f frontend/package.json ]; then
    RESULTS+=("e2e|0|0|skipped: no frontend/package.json")
    return
  fi
  if ! scripts/deps.sh --browser >"$LOGS/deps-browser.log" 2>&1; then
    record e2e 0 1 "chromium could not be installed (see $LOGS/deps-browser.log)"
    return
  fi
  local kind=release public status shots env="$E2E_RUN_DIR/stack.env"
  [ "$SANITIZE" = 1 ] && kind=asan
  if ! ensure_build "$kind" "$BUILD_DIR"; then
    record e2e 0 1 "build failed (see $LOGS/build-$kind.log)"
    return
  fi
  note "e2e stack up ($E2E_RUN_DIR, $BUILD_DIR)"
  rm -rf "$E2E_RUN_DIR"
  if ! ECHOCHAT_RUN_DIR="$E2E_RUN_DIR" BUILD_DIR="$BUILD_DIR" \
      run_logged "$LOGS/stack-up-e2e.log" scripts/stack.sh up; then
    record e2e 0 1 "the e2e stack did not come up (see $LOGS/stack-up-e2e.log)"
    return
  fi
  public=$(sed -n "s/^PUBLIC_URL='\(.*\)'\$/\1/p" "$env")
  if grep -q '^PID_NGINX=[0-9]' "$env"; then
    note "e2e: npm run e2e against $public (stack logs: $E2E_RUN_DIR/logs)"
    # The committed screens change only on request (make screenshots), so a
    # test run leaves the worktree clean.
    shots="$LOGS/screenshots"
    [ "${UPDATE_SCREENSHOTS:-0}" = 1 ] && shots="$ROOT/docs/screenshots"
    run_logged "$LOGS/test-e2e.log" env PUBLIC_URL="$public" CHROMIUM_PATH=/usr/bin/chromium \
      SCREENSHOTS_DIR="$shots" timeout 1200 npm --prefix frontend run e2e
    status=$?
    record_from_log e2e "$LOGS/test-e2e.log" "$status"
    # The admin screens need a superuser: created the way an operator does.
    local admin_pw
    admin_pw="e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    if ECHOCHAT_RUN_DIR="$E2E_RUN_DIR" scripts/stack.sh exec auth createsuperuser \
        --username e2eadmin --password "$admin_pw" >"$LOGS/e2e-createsuperuser.log" 2>&1; then
      note "e2e-admin: npm run e2e:admin against $public"
      run_logged "$LOGS/test-e2e-admin.log" env PUBLIC_URL="$public" CHROMIUM_PATH=/usr/bin/chromium \
        SCREENSHOTS_DIR="$shots" E2E_SCREENSHOTS_DIR="$shots" ADMIN_USERNAME=e2eadmin ADMIN_PASSWORD="$admin_pw" \
        timeout 900 npm --prefix frontend run e2e:admin
      record_from_log e2e-admin "$LOGS/test-e2e-admin.log" $?
    else
      record e2e-admin 0 1 "createsuperuser failed (see $LOGS/e2e-createsuperuser.log)"
    fi
  else
    record e2e 0 1 "the e2e stack has no nginx front (see $LOGS/stack-up-e2e.log)"
  fi
  ECHOCHAT_RUN_DIR="$E2E_RUN_DIR" scripts/stack.sh down >>"$LOGS/stack-down.log" 2>&1 || true
}

frontend_suite() {
  if [ -f frontend/package.json ]; then
    scripts/deps.sh --browser >"$LOGS/deps-browser.log" 2>&1 || echo "deps --browser failed; see $LOGS/deps-browser.log"
    stack_up || echo "frontend: the test stack is not up; tests that need it will fail"
    export CHROMIUM_PATH=/usr/bin/chromium
  fi
  npm_suite frontend frontend run test:all
}

# ------------------------------------------------------------------ main ----

mkdir -p "$TEST_RUN_DIR"
stack_down
if [ "${TEST_KEEP_DATA:-0}" != 1 ]; then
  rm -rf "$TEST_RUN_DIR/pg" "$TEST_RUN_DIR/nats" "$TEST_RUN_DIR/logs"
fi
mkdir -p "$LOGS"
trap 'stack_down' EXIT
trap 'echo "interrupted"; exit 130' INT TERM

for s in "${suites[@]}"; do
  case $s in
    unit) ctest_suite unit release "$REL_DIR" ;;
    unit-asan) ctest_suite unit-asan asan "$ASAN_DIR" ;;
    proto) npm_suite proto proto test ;;
    system) system_suite ;;
    e2e) e2e_suite ;;
    frontend) frontend_suite ;;
    fuzz)
      note "fuzz: scripts/fuzz.sh (${FUZZ_SECONDS:-30}s per target)"
      run_logged "$LOGS/test-fuzz.log" scripts/fuzz.sh
      record_from_log fuzz "$LOGS/test-fuzz.log" $? ;;
    fault)
      note "fault: pytest tests/fault (own stack in .run/fault)"
      run_logged "$LOGS/test-fault.log" timeout 900 env BUILD_DIR="$BUILD_DIR" \
        "$PYTHON" -m pytest tests/fault -p no:cacheprovider -ra
      record_from_log fault "$LOGS/test-fault.log" $? ;;
    deploy)
      note "deploy: tests/deploy/static_checks.sh"
      run_logged "$LOGS/test-deploy.log" tests/deploy/static_checks.sh
      record_from_log deploy "$LOGS/test-deploy.log" $? ;;
    container)
      note "container: tests/deploy/container_test.sh"
      run_logged "$LOGS/test-container.log" timeout 1800 tests/deploy/container_test.sh
      record_from_log container "$LOGS/test-container.log" $? ;;
    *) echo "unknown suite '$s' (unit unit-asan proto system e2e frontend fuzz fault deploy container all)"; record "$s" 0 1 "unknown suite" ;;
  esac
done

if [ "$STACK_UP" = 1 ]; then
  note "test stack down"
  stack_down
fi

note "summary (logs in $LOGS)"
for r in "${RESULTS[@]}"; do
  IFS='|' read -r s p f n <<<"$r"
  printf '  %-10s passed %-5s failed %-4s %s\n' "$s" "$p" "$f" "$n"
done
echo
echo "$TOTAL_P passed, $TOTAL_F failed"
[ "$TOTAL_F" -eq 0 ]
