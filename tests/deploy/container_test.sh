#!/usr/bin/env bash
# End-to-end test of the production deployment: builds every image from
# deploy/docker/, starts docker-compose.prod.yml, waits for health, runs a smoke
# flow through nginx over HTTPS (tests/deploy/smoke.py), scales chat and gateway
# to 2 and checks fan-out, stops the stack (each daemon must exit 0 on SIGTERM)
# and leaves the machine as it found it.
#
#   tests/deploy/container_test.sh            (root; several minutes cold, see docs/deploy.md)
#
# No Docker engine and no registry are reachable here, so everything
# engine-specific lives in this script, never in the Dockerfiles or the compose
# file (shared/notes/containers.md):
#   - Podman + Debian's docker-compose 1.29 through `podman system service`;
#   - debian:bookworm-slim is made locally with debootstrap (rootfs cached in
#     $CACHE_DIR) and tagged under the name the Dockerfiles use;
#   - a containers.conf with runc, cgroupfs, file events and the machine's ulimits,
#     and netavark + aardvark-dns so containers resolve service names (Podman
#     falls back to CNI without them, where names do not resolve);
#   - images built with `podman build --format docker --pull=never` (HEALTHCHECK kept);
#   - health checks run by a loop calling `podman healthcheck run` every 2 s
#     (Podman schedules them through systemd, which is absent).
# Podman's storage lives in $CACHE_DIR too, so re-runs reuse base image and build
# layers; `CLEAN=1` wipes the cache first. Cleanup on any exit: compose down -v,
# the podman service and the health loop stopped, ip_forward restored.
#
# Environment: CACHE_DIR (default /var/cache/echochat-deploy-test), CLEAN=1,
# KEEP_STACK=1 (leave the stack running for inspection; cleanup is then manual:
# see the printed commands), SMOKE_ARGS (extra arguments for smoke.py).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
CACHE_DIR=${CACHE_DIR:-/var/cache/echochat-deploy-test}
PROJECT=echochat-deploy-test
TAG="test"
PY=/usr/bin/python3
T0=$(date +%s)

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }
phase() { printf '\n=== [%4ss] %s ===\n' "$(($(date +%s) - T0))" "$*"; }
die() {
  fail "$*"
  finish
}

if [ "$(id -u)" -ne 0 ]; then
  echo "container_test.sh must run as root (podman, debootstrap, sysctl)" >&2
  exit 2
fi

WORK=$(mktemp -d /tmp/echochat-deploy-test.XXXXXX)
SOCK="$WORK/podman.sock"
SERVICE_PID=
HEALTH_PID=
STACK_STARTED=0
IPV4_FWD=$(sysctl -n net.ipv4.ip_forward 2>/dev/null || echo "")
IPV6_FWD=$(sysctl -n net.ipv6.conf.all.forwarding 2>/dev/null || echo "")
NFT_TAKEN=0   # 1 once NFT_BEFORE holds the nftables tables found before Podman ran
NFT_BEFORE=

export CONTAINERS_CONF="$WORK/containers.conf"
export CONTAINERS_STORAGE_CONF="$WORK/storage.conf"
export DOCKER_HOST="unix://$SOCK"
export COMPOSE_HTTP_TIMEOUT=300

compose() {
  docker-compose -p "$PROJECT" --project-directory "$WORK/project" -f "$ROOT/docker-compose.prod.yml" "$@"
}

cleanup() {
  trap - EXIT INT TERM
  if [ "${KEEP_STACK:-0}" = 1 ] && [ "$STACK_STARTED" = 1 ]; then
    echo "KEEP_STACK=1: stack left running. Clean up with:"
    echo "  DOCKER_HOST=$DOCKER_HOST CONTAINERS_CONF=$CONTAINERS_CONF CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF \\"
    echo "    docker-compose -p $PROJECT --project-directory $WORK/project -f $ROOT/docker-compose.prod.yml down -v"
    echo "  kill $HEALTH_PID $SERVICE_PID; sysctl -w net.ipv4.ip_forward=$IPV4_FWD"
    return
  fi
  if [ "$STACK_STARTED" = 1 ]; then
    compose down -v --remove-orphans -t 15 >"$WORK/down.log" 2>&1 || cat "$WORK/down.log"
  fi
  [ -n "$HEALTH_PID" ] && kill "$HEALTH_PID" 2>/dev/null
  if [ -n "$SERVICE_PID" ]; then
    kill "$SERVICE_PID" 2>/dev/null
    wait "$SERVICE_PID" 2>/dev/null
  fi
  # netavark switches forwarding on for container networks; put it back.
  [ -n "$IPV4_FWD" ] && sysctl -qw net.ipv4.ip_forward="$IPV4_FWD"
  [ -n "$IPV6_FWD" ] && sysctl -qw net.ipv6.conf.all.forwarding="$IPV6_FWD"
  # netavark leaves the iptables (nf_tables) tables it created behind; their
  # NAT hooks switch connection tracking on for every packet, loopback
  # included (a quarter more CPU per frame in bench/). Tables that were there
  # before the test are left as they are.
  if [ "$NFT_TAKEN" = 1 ]; then
    comm -13 <(echo "$NFT_BEFORE") <(nft list tables 2>/dev/null | sort) |
      while read -r _ family name; do nft delete table "$family" "$name"; done
  fi
  rm -rf "$WORK"
}

finish() {
  cleanup
  printf '\ncontainer test took %ss\n' "$(($(date +%s) - T0))"
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ] && exit 0
  exit 1
}
trap finish EXIT
trap 'echo interrupted; exit 130' INT TERM

# --------------------------------------------------------------------- tools
phase "tools"
missing=()
# netavark runs iptables for every container network it sets up ("netavark: No
# such file or directory" at `up` when it is missing); nothing declares that.
for t in podman runc netavark /usr/lib/podman/aardvark-dns iptables nft docker-compose debootstrap curl openssl; do
  command -v "$t" >/dev/null || missing+=("$t")
done
"$PY" -c 'import websocket' 2>/dev/null || missing+=(python3-websocket)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  pkgs=(podman runc netavark aardvark-dns iptables nftables docker-compose debootstrap curl openssl python3-websocket)
  # A fresh machine may have no package lists yet.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >"$WORK/apt.log" 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      "${pkgs[@]}" >"$WORK/apt.log" 2>&1; } ||
    { cat "$WORK/apt.log"; die "install ${pkgs[*]}"; }
fi
[ "${CLEAN:-0}" = 1 ] && rm -rf "$CACHE_DIR"
mkdir -p "$CACHE_DIR/storage" "$CACHE_DIR/run"
NFT_BEFORE=$(nft list tables 2>/dev/null | sort)
NFT_TAKEN=1

# The machine's hard limits (higher values fail with setrlimit EPERM); crun
# cannot run on hybrid cgroups and there is no systemd for cgroups or events.
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
[ "$nofile" -gt 20000 ] && nofile=20000
nproc=$(ulimit -Hu)
[ "$nproc" = unlimited ] && nproc=32768
[ "$nproc" -gt 32768 ] && nproc=32768
cat > "$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[network]
network_backend = "netavark"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat > "$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$CACHE_DIR/storage"
runroot = "$CACHE_DIR/run"
EOF

podman --version
podman system service --time=0 "unix://$SOCK" >"$WORK/podman-service.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 100); do
  [ -S "$SOCK" ] && break
  sleep 0.1
done
[ -S "$SOCK" ] || { cat "$WORK/podman-service.log"; die "podman system service did not start"; }

# ----------------------------------------------------------------- base image
phase "base image debian:bookworm-slim (debootstrap minbase)"
ROOTFS_TAR="$CACHE_DIR/debian-bookworm-minbase.tar"
if [ ! -s "$ROOTFS_TAR" ]; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs="$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; die "debootstrap"; }
  # Same apt sources as the official image (updates and security included).
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    rm -f "$rootfs/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$rootfs"
  podman rmi -f localhost/debian-rootfs:bookworm >/dev/null 2>&1
fi
if ! podman image exists localhost/debian-rootfs:bookworm; then
  podman import --change 'CMD ["bash"]' "$ROOTFS_TAR" localhost/debian-rootfs:bookworm >/dev/null 2>&1 ||
    die "podman import of the rootfs"
fi
# This machine reaches the npm registry through a TLS-inspecting egress proxy
# whose CA the host trusts (/usr/local/share/ca-certificates). The stand-in base
# image carries the same local CAs, so update-ca-certificates in the images puts
# them into the system store, as it would for a company proxy's CA.
mkdir -p "$WORK/base"
cp /usr/local/share/ca-certificates/*.crt "$WORK/base/" 2>/dev/null
printf 'FROM localhost/debian-rootfs:bookworm\nCOPY . /usr/local/share/ca-certificates/\n' > "$WORK/base/Containerfile"
podman build --format docker --pull=never -f "$WORK/base/Containerfile" -t localhost/debian:bookworm-slim \
  "$WORK/base" >"$WORK/build-base.log" 2>&1 || { cat "$WORK/build-base.log"; die "base image with local CAs"; }
podman tag localhost/debian:bookworm-slim docker.io/library/debian:bookworm-slim || die "tag base image"
pass "base image docker.io/library/debian:bookworm-slim from debootstrap"

# --------------------------------------------------------------------- images
phase "images"
build() {  # build NAME DOCKERFILE [BUILD-ARG...]
  local name=$1 file=$2 start
  shift 2
  start=$(date +%s)
  if podman build --format docker --pull=never --network=host -f "$file" "$@" \
      -t "echochat-$name:$TAG" "$ROOT" >"$WORK/build-$name.log" 2>&1; then
    pass "image echochat-$name built ($(($(date +%s) - start))s, $(podman image inspect --format '{{.Size}}' "echochat-$name:$TAG" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
  else
    tail -30 "$WORK/build-$name.log"
    die "image echochat-$name"
  fi
}
build nats deploy/docker/nats.Dockerfile
build postgres deploy/docker/postgres.Dockerfile
for svc in auth chat presence gateway; do
  build "$svc" deploy/docker/daemon.Dockerfile --build-arg "SERVICE=$svc"
done
if [ -f frontend/package.json ]; then
  build nginx deploy/docker/nginx.Dockerfile
else
  die "frontend/package.json is missing: the nginx image builds the SPA"
fi
# No `podman image prune`: the build stages' layers are dangling images, and
# they are the cache that makes the next run fast.

for name in nats postgres auth chat presence gateway nginx; do
  hc=$(podman image inspect --format '{{if .HealthCheck}}{{.HealthCheck.Test}}{{end}}' "echochat-$name:$TAG")
  user=$(podman image inspect --format '{{.Config.User}}' "echochat-$name:$TAG")
  if [ -n "$hc" ] && [ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ]; then
    pass "image echochat-$name has a HEALTHCHECK and runs as $user"
  else
    fail "image echochat-$name: HEALTHCHECK '$hc', USER '$user'"
  fi
done

# ---------------------------------------------------------------- the project
phase "stack"
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
mkdir -p "$WORK/project/deploy/certs"
cp -r deploy/nats "$WORK/project/deploy/nats"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/project/deploy/certs/privkey.pem" -out "$WORK/project/deploy/certs/fullchain.pem" 2>/dev/null ||
  die "test certificate"
# As docs/deploy.md says: the key belongs to the nginx image's user (uid 10080).
chown 10080:10080 "$WORK/project/deploy/certs/privkey.pem"
chmod 600 "$WORK/project/deploy/certs/privkey.pem"
cat > "$WORK/project/.env" <<EOF
DJANGO_SECRET_KEY=$(openssl rand -hex 32)
POSTGRES_PASSWORD=$(openssl rand -hex 16)
AUTH_DB_PASSWORD=$(openssl rand -hex 16)
CHAT_DB_PASSWORD=$(openssl rand -hex 16)
PRESENCE_DB_PASSWORD=$(openssl rand -hex 16)
DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1
HTTP_PORT=$HTTP_PORT
HTTPS_PORT=$HTTPS_PORT
ECHOCHAT_TAG=$TAG
EOF

# Podman runs no health checks by itself; compose waits on them for depends_on.
# Like an engine with a start interval: every 2 s until a container is first
# healthy, then at the interval its image declares, so that its retries mean
# what they say (a 10 s blip must not fail three 2-second checks in a row).
(
  declare -A next=()
  while sleep 2; do
    now=$(date +%s)
    for c in $(podman ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.ID}}'); do
      [ "${next[$c]:-0}" -gt "$now" ] && continue
      read -r status interval < <(podman inspect --format '{{.State.Health.Status}} {{.Config.Healthcheck.Interval}}' "$c" 2>/dev/null)
      # The interval prints as a Go duration: 10s, 1m, 1m30s.
      secs=0
      [[ ${interval:-} =~ ^(([0-9]+)m)?(([0-9]+)s)?$ ]] &&
        secs=$((${BASH_REMATCH[2]:-0} * 60 + ${BASH_REMATCH[4]:-0}))
      [ "${status:-}" = healthy ] && [ "$secs" -gt 2 ] && next[$c]=$((now + secs))
      podman healthcheck run "$c" >/dev/null 2>&1 &
    done
    wait
  done
) &
HEALTH_PID=$!

STACK_STARTED=1
start=$(date +%s)
if compose up -d >"$WORK/up.log" 2>&1; then
  pass "docker-compose up -d ($(($(date +%s) - start))s)"
else
  compose ps
  compose logs --tail=30
  # Last, so the reason is in the tail of the log that CI shows.
  echo "--- docker-compose up -d said:"
  cat "$WORK/up.log"
  die "docker-compose up -d"
fi

# wait_healthy SECONDS: every container of the project reports healthy.
wait_healthy() {
  local deadline=$(($(date +%s) + $1)) names states bad
  while :; do
    names=$(podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}')
    bad=
    for c in $names; do
      states=$(podman inspect --format '{{.State.Status}}/{{.State.Health.Status}}' "$c")
      [ "$states" = running/healthy ] || bad="$bad $c=$states"
    done
    [ -n "$names" ] && [ -z "$bad" ] && return 0
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "not healthy:$bad"
      return 1
    fi
    sleep 1
  done
}
if wait_healthy 180; then
  pass "every container healthy: $(podman ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}' | sort | tr '\n' ' ')"
else
  compose ps
  compose logs --tail=40
  die "stack healthy"
fi

for svc in auth chat presence gateway; do
  line=$(compose logs --no-color "$svc" 2>/dev/null | sed -n 's/^[^|]*| //p' | grep -m1 '^{')
  if [ -n "$line" ] && "$PY" -c 'import json, sys; d = json.loads(sys.argv[1]); assert "level" in d and "msg" in d' "$line" 2>/dev/null; then
    pass "$svc logs JSON lines on stdout"
  else
    fail "$svc logs JSON lines on stdout (first line: ${line:-none})"
  fi
done

# ------------------------------------------------------------------ smoke flow
phase "smoke flow through nginx (https://localhost:$HTTPS_PORT)"
# shellcheck disable=SC2086  # SMOKE_ARGS is a list of arguments
if "$PY" tests/deploy/smoke.py --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" flow ${SMOKE_ARGS:-}; then
  pass "smoke flow"
else
  compose logs --tail=30 nginx gateway auth chat
  fail "smoke flow"
fi

# ------------------------------------------------------------------- scaling
phase "scale chat=2 gateway=2"
start=$(date +%s)
if compose up -d --no-recreate --scale chat=2 --scale gateway=2 >"$WORK/scale.log" 2>&1 && wait_healthy 120; then
  pass "scaled to chat=2 gateway=2 ($(($(date +%s) - start))s)"
  # shellcheck disable=SC2086
  if "$PY" tests/deploy/smoke.py --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" fanout ${SMOKE_ARGS:-}; then
    pass "messages arrive exactly once with 2 chat and 2 gateway instances"
  else
    compose logs --tail=30 gateway chat
    fail "fan-out with 2 chat and 2 gateway instances"
  fi
else
  cat "$WORK/scale.log"
  compose ps
  fail "scale chat=2 gateway=2"
fi

# -------------------------------------------------------------------- stop
phase "stop"
start=$(date +%s)
compose stop -t 15 >"$WORK/stop.log" 2>&1 || cat "$WORK/stop.log"
stop_secs=$(($(date +%s) - start))
codes=
for c in $(podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}'); do
  code=$(podman inspect --format '{{.State.ExitCode}}' "$c")
  [ "$code" = 0 ] || codes="$codes $c=$code"
done
if [ -z "$codes" ] && [ "$stop_secs" -lt 15 ]; then
  pass "stack stopped in ${stop_secs}s, every service exited 0"
else
  compose logs --tail=20
  fail "stop: ${stop_secs}s, non-zero exits:${codes:- none}"
fi
