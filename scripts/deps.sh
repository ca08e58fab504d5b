#!/usr/bin/env bash
# Install the Debian packages EchoChat needs to build, run and test.
#
#   scripts/deps.sh            build + run + system-test packages (always)
#   scripts/deps.sh --browser  also Chromium (browser/end-to-end tests)
#   scripts/deps.sh --bench    also the load tools (wrk)
#   scripts/deps.sh --all      everything
#   scripts/deps.sh --list     print the package list and exit
#
# Only missing packages are installed; `apt-get update` runs only when something
# is missing. Non-interactive, safe to re-run. This file is the one place the
# package list lives.
set -euo pipefail

# --- the list -----------------------------------------------------------------
# Build toolchain and C libraries (see shared/notes/toolchain.md).
PKGS_BUILD=(
  build-essential cmake pkg-config
  libnats-dev libmicrohttpd-dev libwebsockets-dev libpq-dev libcjson-dev
  libargon2-dev libcmocka-dev libvips-dev libunistring-dev libssl-dev zlib1g-dev
  libev-dev  # the gateway's WebSocket shards and bench/loadgen run lws on libev loops
  liburing-dev  # the gateway's batched fan-out writes (ws_uring.c)
  python3-django  # ships Django's common-passwords list, embedded by auth at build time
  clang libclang-rt-14-dev  # libFuzzer targets (make fuzz)
)
# Servers the local stack runs, and tools the scripts call.
PKGS_RUN=(
  nats-server postgresql nginx-light openssl curl jq procps iproute2 util-linux
)
# Test and lint tools (system tests use Debian's /usr/bin/python3).
PKGS_TEST=(
  python3 python3-pytest python3-websocket python3-websockets shellcheck
  docker-compose  # only parses docker-compose.prod.yml (tests/deploy); no engine
  iptables  # the fault suite cuts one port inside a network namespace (tests/fault/netns.py)
)
# Browser tests only.
PKGS_BROWSER=(chromium)
# Benchmarks only.
PKGS_BENCH=(wrk)
# Node 20 + npm are preinstalled on this machine kind; Debian's are a fallback.
PKGS_NODE=(nodejs npm)
# -------------------------------------------------------------------------------

want=("${PKGS_BUILD[@]}" "${PKGS_RUN[@]}" "${PKGS_TEST[@]}")
list_only=0
for arg in "$@"; do
  case "$arg" in
    --browser) want+=("${PKGS_BROWSER[@]}") ;;
    --bench) want+=("${PKGS_BENCH[@]}") ;;
    --all) want+=("${PKGS_BROWSER[@]}" "${PKGS_BENCH[@]}") ;;
    --list) list_only=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "deps.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  want+=("${PKGS_NODE[@]}")
fi

if [ "$list_only" = 1 ]; then
  printf '%s\n' "${want[@]}"
  exit 0
fi

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${want[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "deps: missing packages (${missing[*]}) and not root (no sudo): install them as root" >&2
    exit 1
  fi
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq </dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}" </dev/null
echo "deps: done"
