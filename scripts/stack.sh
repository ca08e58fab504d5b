#!/usr/bin/env bash
# EchoChat local stack: PostgreSQL + NATS (JetStream) + the four daemons.
#
#   scripts/stack.sh up       start what is not running (idempotent), wait until ready
#   scripts/stack.sh down     stop everything (data kept)
#   scripts/stack.sh run      up in the foreground, follow the logs, Ctrl-C stops all
#   scripts/stack.sh status   show each piece; exit 0 iff all are running and ready
#   scripts/stack.sh exec NAME [ARGS...]
#                             run $BUILD_DIR/bin/echochat-NAME ARGS with NAME's env
#                             (e.g. `exec auth createsuperuser ...`)
#
# Environment:
#   ECHOCHAT_RUN_DIR  run directory (default: $PWD/.run); everything lives there
#   BUILD_DIR         where bin/echochat-* are (default: build)
#   STACK_TIMEOUT     seconds to wait for readiness (default 60)
#   LOG_LEVEL         passed to the daemons (default info)
#
# Several stacks may run at once on one machine, one per run directory: ports
# are picked free on first start and remembered in RUN/ports.env.
# See docs/running.md for the run directory layout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${ECHOCHAT_RUN_DIR:-$PWD/.run}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
STACK_TIMEOUT=${STACK_TIMEOUT:-60}
LOG_LEVEL=${LOG_LEVEL:-info}

PG_BIN=${PG_BIN:-$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)}
DAEMONS=(auth chat presence gateway)
PORT_MIN=20000   # below the kernel's ephemeral range (32768+)
PORT_SPAN=12000

LOGS="$RUN_DIR/logs"
PIDS="$RUN_DIR/pids"
ENVD="$RUN_DIR/env"
PORTS_FILE="$RUN_DIR/ports.env"
STACK_ENV="$RUN_DIR/stack.env"

say() { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers ----

upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }

# Run a command as the postgres OS user when we are root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_busy() { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }

# All ports remembered in ports.env (so two pieces never get the same one).
known_ports() { sed -n 's/^[A-Z_]*PORT=\([0-9]*\)$/\1/p' "$PORTS_FILE" 2>/dev/null || true; }

pick_port() {
  local p i taken
  taken=" $(known_ports | tr '\n' ' ') "
  for i in $(seq 1 200); do
    p=$((PORT_MIN + (RANDOM * 32768 + RANDOM) % PORT_SPAN))
    case "$taken" in *" $p "*) continue ;; esac
    port_busy "$p" || { echo "$p"; return 0; }
  done
  die "no free port found after $i tries"
}

get_port() {
  if [ -f "$PORTS_FILE" ]; then sed -n "s/^$1=//p" "$PORTS_FILE" | tail -n1; fi
}

set_port() {
  local tmp="$PORTS_FILE.tmp.$$"
  { grep -v "^$1=" "$PORTS_FILE" 2>/dev/null || true; echo "$1=$2"; } >"$tmp"
  mv -f "$tmp" "$PORTS_FILE"
}

# ensure_port VAR RUNNING: remembered port, or a new free one if none is
# remembered or the remembered one is taken by someone else (RUNNING=1 means our
# own process holds it).
ensure_port() {
  local var=$1 running=$2 p
  p=$(get_port "$var")
  if [ -z "$p" ] || { [ "$running" != 1 ] && port_busy "$p"; }; then
    [ -n "$p" ] && warn "$var $p is taken by another process; picking a new port"
    p=$(pick_port)
    set_port "$var" "$p"
  fi
  echo "$p"
}

# pid_alive PID EXE-BASENAME: PID runs (not a zombie) and its executable is EXE.
pid_alive() {
  local pid=$1 name=$2 exe state
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  exe=${exe% (deleted)}
  [ "$(basename "$exe")" = "$name" ]
}

read_pid() {
  if [ -f "$1" ]; then head -n1 "$1" 2>/dev/null | tr -dc '0-9'; fi
}

# stop_pid PID NAME [TIMEOUT]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 timeout=${3:-10} i
  pid_alive "$pid" "$name" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" "$name" || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" "$name" || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) still alive after SIGKILL"
}

http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

show_tail() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 30 "$f" >&2
  done
}

# Single-quote a value for a shell-sourceable KEY='VALUE' line.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# ------------------------------------------------------------------ locks ----
# op.lock serialises up/down on one run dir; run.lock is held for the whole life
# of a foreground `run`. Both fds are closed in every process we start.

take_op_lock() {
  exec 8>"$RUN_DIR/op.lock"
  if ! flock -n 8; then
    say "another stack.sh is working on $RUN_DIR; waiting for it"
    flock -w 300 8 || die "timed out waiting for the lock on $RUN_DIR/op.lock"
  fi
}

foreground_owner() {
  # Prints the pid of a foreground `stack.sh run` holding RUN, if any.
  local pid
  pid=$(read_pid "$RUN_DIR/run.pid")
  [ -e "$RUN_DIR/run.lock" ] || return 1
  if flock -n "$RUN_DIR/run.lock" true 2>/dev/null; then
    return 1
  fi
  echo "${pid:-?}"
}

# ------------------------------------------------------------- postgres ----

PG_DATA="$RUN_DIR/pg"

pg_sock_dir() {
  # Unix socket paths are limited to 107 bytes; fall back to /tmp for deep run dirs.
  local d="$RUN_DIR/pgsock"
  if [ $((${#d} + 20)) -gt 100 ]; then
    d="/tmp/echochat-pg-$(printf '%s' "$RUN_DIR" | cksum | cut -d' ' -f1)"
  fi
  echo "$d"
}

pg_pid() { read_pid "$PG_DATA/postmaster.pid"; }
pg_running() { pid_alive "$(pg_pid)" postgres; }

start_postgres() {
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found (PG_BIN=$PG_BIN); run scripts/deps.sh"
  local sock port running=0
  sock=$(pg_sock_dir)
  pg_running && running=1
  port=$(ensure_port PG_PORT "$running")
  PG_PORT=$port PG_SOCK=$sock
  if [ "$running" = 1 ]; then
    # Running, but on the remembered port? (ports.env could have been edited.)
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      say "postgres: running (pid $(pg_pid), port $port)"
      return 0
    fi
    warn "postgres (pid $(pg_pid)) is not answering on port $port; restarting it"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$RUN_DIR"; then
    die "the postgres user cannot reach $RUN_DIR (a parent directory lacks o+x); use another ECHOCHAT_RUN_DIR"
  fi
  mkdir -p "$sock"
  touch "$LOGS/postgres.log"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$sock" "$LOGS/postgres.log"; fi
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    say "postgres: initdb in $PG_DATA"
    rm -rf "$PG_DATA"
    mkdir -p "$PG_DATA"
    chmod 700 "$PG_DATA"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DATA"; fi
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
      >>"$LOGS/postgres.log" 2>&1 || { show_tail "$LOGS/postgres.log"; die "initdb failed"; }
  fi
  if ! as_pg setsid "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgres.log" -w -t 60 \
      -o "-p $port -k $sock -c listen_addresses=127.0.0.1" start >/dev/null 8>&- 9>&-; then
    show_tail "$LOGS/postgres.log"
    die "postgres failed to start on port $port"
  fi
  say "postgres: started (pid $(pg_pid), port $port)"
}

ensure_database() {
  local psql=("$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
  if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'echochat'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE echochat" >/dev/null
    say "postgres: created database echochat"
  fi
}

stop_postgres() {
  pg_running || return 0
  local pid
  pid=$(pg_pid)
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 stop >/dev/null 2>&1 ||
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  stop_pid "$pid" postgres 5
  say "postgres: stopped"
}

# ----------------------------------------------------------------- nats ----

NATS_PIDFILE="$RUN_DIR/nats.pid"
nats_pid() { read_pid "$NATS_PIDFILE"; }
nats_running() { pid_alive "$(nats_pid)" nats-server; }

nats_ready() {
  # The server greets every client with an INFO line.
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && read -r l <&3 && [[ $l == INFO* ]]' _ "$1" \
    2>/dev/null 8>&- 9>&-
}

start_nats() {
  command -v nats-server >/dev/null || die "nats-server not found; run scripts/deps.sh"
  local port running=0 conf="$RUN_DIR/nats.conf" i
  nats_running && running=1
  port=$(ensure_port NATS_PORT "$running")
  NATS_PORT=$port
  local want
  want=$(cat <<EOF
# generated by scripts/stack.sh; edits are overwritten
listen: "127.0.0.1:$port"
max_payload: 33554432
max_pending: 67108864
pid_file: "$NATS_PIDFILE"
jetstream {
  store_dir: "$RUN_DIR/nats"
}
EOF
)
  if [ "$running" = 1 ]; then
    if [ "$want" = "$(cat "$conf" 2>/dev/null)" ] && nats_ready "$port"; then
      say "nats: running (pid $(nats_pid), port $port)"
      return 0
    fi
    warn "nats (pid $(nats_pid)) has another config or does not answer; restarting it"
    stop_pid "$(nats_pid)" nats-server 10
  fi
  printf '%s\n' "$want" >"$conf"
  mkdir -p "$RUN_DIR/nats"
  rm -f "$NATS_PIDFILE"
  setsid nats-server -c "$conf" </dev/null >>"$LOGS/nats.log" 2>&1 8>&- 9>&- &
  for ((i = 0; i < 100; i++)); do
    nats_running && nats_ready "$port" && break
    if ! kill -0 $! 2>/dev/null; then
      show_tail "$LOGS/nats.log"
      die "nats-server exited at start"
    fi
    sleep 0.1
  done
  nats_ready "$port" || { show_tail "$LOGS/nats.log"; die "nats-server not ready on port $port after 10s"; }
  say "nats: started (pid $(nats_pid), port $port)"
}

stop_nats() {
  nats_running || return 0
  stop_pid "$(nats_pid)" nats-server 10
  say "nats: stopped"
}

# -------------------------------------------------------------- daemons ----

secret() {
  local f="$RUN_DIR/secret"
  if [ ! -s "$f" ]; then
    (umask 077; openssl rand -hex 32 >"$f")
  fi
  cat "$f"
}

daemon_bin() { echo "$BUILD_DIR/bin/echochat-$1"; }
daemon_pid() { read_pid "$PIDS/$1.pid"; }
daemon_alive() { pid_alive "$(daemon_pid "$1")" "echochat-$1"; }

# daemon_current NAME: alive AND running the binary at $BUILD_DIR (not an older
# build: a rebuilt binary shows as "(deleted)" in /proc/PID/exe).
daemon_current() {
  local pid exe
  pid=$(daemon_pid "$1")
  daemon_alive "$1" || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [ "$exe" = "$(readlink -f "$(daemon_bin "$1")")" ]
}

# The env file of one daemon (KEY='VALUE' lines; sourceable and what tests read).
daemon_env() {
  local name=$1 ops_port=$2 kv
  # The public origin (nginx, or the gateway without a frontend), the
  # gateway's own, and the Vite dev server's, each as 127.0.0.1 and localhost.
  local gw="http://127.0.0.1:$GATEWAY_HTTP_PORT" origins u
  origins=""
  for u in "$PUBLIC_URL" "$gw" http://127.0.0.1:5173; do
    case ",$origins," in *",$u,"*) continue ;; esac
    origins+="${origins:+,}$u,${u/127.0.0.1/localhost}"
  done
  local -a env=(
    "NATS_URL=nats://127.0.0.1:$NATS_PORT"
    "OPS_HOST=127.0.0.1"
    "OPS_PORT=$ops_port"
    "LOG_LEVEL=$LOG_LEVEL"
    "DJANGO_SECRET_KEY=$SECRET"
    "DJANGO_DEBUG=0"
    "DJANGO_SESSION_COOKIE_SECURE=0"
    "DJANGO_CSRF_COOKIE_SECURE=0"
    "DJANGO_SECURE_SSL_REDIRECT=0"
    "DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1"
    "DJANGO_CSRF_TRUSTED_ORIGINS=$origins"
    "DJANGO_RELAX_PASSWORDS=1"
    "DJANGO_UPLOAD_MAX_MB=$(upload_max_mb)"
  )
  case $name in
    auth|chat|presence) env+=("DATABASE_URL=$DATABASE_URL") ;;
    gateway) env+=(
      "GATEWAY_HOST=127.0.0.1"
      "GATEWAY_HTTP_PORT=$GATEWAY_HTTP_PORT"
      "GATEWAY_WS_PORT=$GATEWAY_WS_PORT") ;;
  esac
  # Sanitizer settings pass through so ASan/UBSan daemons report usefully.
  for kv in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    if [ -n "${!kv:-}" ]; then env+=("$kv=${!kv}"); fi
  done
  echo "# echochat-$name environment, generated by scripts/stack.sh"
  for kv in "${env[@]}"; do
    printf '%s=%s\n' "${kv%%=*}" "$(shq "${kv#*=}")"
  done
  # Local overrides for every daemon: RUN/extra.env (KEY=VALUE lines).
  if [ -f "$RUN_DIR/extra.env" ]; then
    echo "# from $RUN_DIR/extra.env"
    grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$RUN_DIR/extra.env" || true
  fi
}

# launch NAME ENVFILE: start the daemon in its own session, env = ENVFILE only
# (plus PATH/HOME), stdout -> logs/NAME.log (JSON lines), stderr -> logs/NAME.err.
launch() {
  local name=$1 envfile=$2 bin
  bin=$(daemon_bin "$name")
  (
    cd "$RUN_DIR"
    # shellcheck disable=SC2016  # expanded by the inner bash
    exec setsid env -i PATH="$PATH" HOME="${HOME:-/root}" \
      bash -c 'set -a; . "$1"; set +a; exec "$2"' _ "$envfile" "$bin" \
      </dev/null >>"$LOGS/$name.log" 2>>"$LOGS/$name.err" 8>&- 9>&-
  ) &
  local pid=$! i
  echo "$pid" >"$PIDS/$name.pid"
  # Wait for the exec chain (setsid, env, bash) to reach the daemon itself.
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" "echochat-$name" && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.02
  done
}

stop_daemon() {
  local name=$1 pid
  pid=$(daemon_pid "$name")
  if pid_alive "$pid" "echochat-$name"; then
    stop_pid "$pid" "echochat-$name" 10
    say "$name: stopped"
  fi
  rm -f "$PIDS/$name.pid"
}

start_daemons() {
  local name ops running want envfile
  # Ports first, so env files are complete before anything starts.
  for name in "${DAEMONS[@]}"; do
    running=0
    daemon_alive "$name" && running=1
    ops=$(ensure_port "OPS_PORT_$(upper "$name")" "$running")
    printf -v "OPS_PORT_$(upper "$name")" '%s' "$ops"
  done
  running=0
  daemon_alive gateway && running=1
  GATEWAY_HTTP_PORT=$(ensure_port GATEWAY_HTTP_PORT "$running")
  GATEWAY_WS_PORT=$(ensure_port GATEWAY_WS_PORT "$running")
  PUBLIC_URL="http://127.0.0.1:$GATEWAY_HTTP_PORT"
  if front_enabled; then nginx_port; fi

  for name in "${DAEMONS[@]}"; do
    envfile="$ENVD/$name.env"
    ops=OPS_PORT_$(upper "$name")
    want=$(daemon_env "$name" "${!ops}")
    if daemon_current "$name" && [ "$want" = "$(cat "$envfile" 2>/dev/null)" ]; then
      say "$name: running (pid $(daemon_pid "$name"))"
      continue
    fi
    if daemon_alive "$name"; then
      say "$name: binary or settings changed; restarting"
      stop_daemon "$name"
    fi
    printf '%s\n' "$want" >"$envfile"
    chmod 600 "$envfile"
    launch "$name" "$envfile"
    say "$name: started (pid $(daemon_pid "$name"), ops port ${!ops})"
  done
}

# Wait until every daemon's /readyz is 200; on failure show the log tail.
wait_ready() {
  local deadline=$((SECONDS + STACK_TIMEOUT)) name ops code pending
  while :; do
    pending=()
    for name in "${DAEMONS[@]}"; do
      ops=OPS_PORT_$(upper "$name")
      if ! daemon_alive "$name"; then
        show_tail "$LOGS/$name.log" "$LOGS/$name.err"
        die "$name exited during start-up (see $LOGS/$name.log and $LOGS/$name.err)"
      fi
      code=$(http_code "http://127.0.0.1:${!ops}/readyz")
      [ "$code" = 200 ] || pending+=("$name")
    done
    [ ${#pending[@]} -eq 0 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      for name in "${pending[@]}"; do
        ops=OPS_PORT_$(upper "$name")
        printf '[stack] %s /readyz: %s %s\n' "$name" \
          "$(http_code "http://127.0.0.1:${!ops}/readyz")" \
          "$(curl -s --max-time 2 "http://127.0.0.1:${!ops}/readyz" 2>/dev/null | head -c 400)" >&2
        show_tail "$LOGS/$name.log" "$LOGS/$name.err"
      done
      die "not ready after ${STACK_TIMEOUT}s: ${pending[*]}"
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- nginx ----
# When frontend/ exists, nginx is the one origin a browser talks to
# (PUBLIC_URL): it serves the built SPA (index.html for unknown paths, which
# are client-side routes) and proxies /api/ and /media/ to the gateway's HTTP
# port and /ws/ to its WebSocket port. It overwrites X-Forwarded-For with the
# client address, so a client cannot choose the IP the gateway (which trusts
# loopback proxies) uses for rate limits and guest presence (D1, W4). nginx
# applies the gateway's own trust list (TRUSTED_PROXIES): a peer the gateway
# would trust may name the client in X-Forwarded-For here too, so a client's
# IP is the same through nginx as straight at the gateway; any other peer's
# header is replaced.

FRONT="$ROOT/frontend"
NGINX_DIR="$RUN_DIR/nginx"
NGINX_CONF="$NGINX_DIR/nginx.conf"
NGINX_PIDFILE="$NGINX_DIR/nginx.pid"
NGINX_PID=""

front_enabled() { [ -f "$FRONT/package.json" ]; }
nginx_pid() { read_pid "$NGINX_PIDFILE"; }
nginx_running() { pid_alive "$(nginx_pid)" nginx; }

# The gateway's TRUSTED_PROXIES (RUN/extra.env, else its default), one a line.
trusted_proxies() {
  local v=""
  if [ -f "$RUN_DIR/extra.env" ]; then
    v=$(sed -n 's/^TRUSTED_PROXIES=["'\'']\{0,1\}\([^"'\'']*\).*$/\1/p' "$RUN_DIR/extra.env" | tail -n1)
  fi
  printf '%s\n' "${v:-127.0.0.1/32,::1/128}" | tr -s ', ' '\n'
}

# The request body limit: DJANGO_UPLOAD_MAX_MB from RUN/extra.env, else 20.
# nginx and the daemons get the same value (config.md: keep both equal).
upload_max_mb() {
  local v=""
  if [ -f "$RUN_DIR/extra.env" ]; then
    v=$(sed -n 's/^DJANGO_UPLOAD_MAX_MB=["'\'']\{0,1\}\([0-9]*\).*$/\1/p' "$RUN_DIR/extra.env" | tail -n1)
  fi
  echo "${v:-20}"
}

# build_spa: `npm ci` when node_modules is missing or older than
# package-lock.json, `npm run build` when a source is newer than dist/. One
# build at a time per checkout (several run dirs share frontend/dist).
build_spa() {
  local log="$LOGS/frontend-build.log" newer
  exec 7>"/tmp/echochat-spa-$(printf '%s' "$FRONT" | cksum | cut -d' ' -f1).lock"
  flock -w 600 7 || die "timed out waiting for another SPA build of $FRONT"
  if [ ! -x "$FRONT/node_modules/.bin/vite" ] ||
     [ "$FRONT/package-lock.json" -nt "$FRONT/node_modules/.package-lock.json" ]; then
    say "frontend: npm ci (log: $log)"
    npm --prefix "$FRONT" ci --no-audit --no-fund </dev/null >>"$log" 2>&1 7>&- 8>&- 9>&- ||
      { show_tail "$log"; die "npm ci in $FRONT failed"; }
  fi
  newer=""
  if [ -s "$FRONT/dist/index.html" ]; then
    newer=$(find "$FRONT/src" "$FRONT/public" "$FRONT/index.html" "$FRONT/package.json" \
      "$FRONT/package-lock.json" "$FRONT"/vite.config.* "$FRONT"/tsconfig*.json \
      -newer "$FRONT/dist/index.html" -print -quit 2>/dev/null || true)
  fi
  if [ ! -s "$FRONT/dist/index.html" ] || [ -n "$newer" ]; then
    say "frontend: npm run build (log: $log)"
    npm --prefix "$FRONT" run build </dev/null >>"$log" 2>&1 7>&- 8>&- 9>&- ||
      { show_tail "$log"; die "the SPA build failed"; }
  fi
  exec 7>&-
}

nginx_config() {
  local user="" max_mb=$1 proxy
  # As root, workers drop to www-data when it can read the SPA; a checkout
  # under a private home (mode 700) leaves root workers, on loopback only.
  if [ "$(id -u)" -eq 0 ]; then
    if runuser -u www-data -- test -r "$FRONT/dist/index.html" 2>/dev/null &&
       runuser -u www-data -- test -x "$NGINX_DIR/tmp" 2>/dev/null; then
      user="user www-data;"
    else
      user="user root;"
    fi
  fi
  # Repeated in each proxied location: a location with its own
  # proxy_set_header inherits none from the server level. Client-supplied
  # X-Real-IP / CF-Connecting-IP / X-Forwarded-Host are dropped (W4, W5).
  # shellcheck disable=SC2016  # nginx variables, not shell ones
  proxy='proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $forwarded_proto;
      proxy_set_header X-Forwarded-Host "";
      proxy_set_header X-Real-IP "";
      proxy_set_header CF-Connecting-IP "";'
  cat <<CONF
# generated by scripts/stack.sh; edits are overwritten
$user
worker_processes 1;
pid $NGINX_PIDFILE;
error_log $LOGS/nginx-error.log warn;

events {
  worker_connections 1024;
}

http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $LOGS/nginx-access.log;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  sendfile on;
  server_tokens off;

  # The client address (\$remote_addr) as the gateway would derive it, and
  # X-Forwarded-Proto as a trusted peer (a proxy in front) sent it, else ours.
$(trusted_proxies | sed 's/.*/  set_real_ip_from &;/')
  real_ip_header X-Forwarded-For;
  real_ip_recursive on;
  geo \$realip_remote_addr \$peer_trusted {
    default 0;
$(trusted_proxies | sed 's/.*/    & 1;/')
  }
  map "\$peer_trusted:\$http_x_forwarded_proto" \$forwarded_proto {
    default \$scheme;
    "~^1:(?<proto>.+)\$" \$proto;
  }

  map \$http_upgrade \$connection_upgrade {
    default upgrade;
    ''      close;
  }

  upstream gateway_http {
    server 127.0.0.1:$GATEWAY_HTTP_PORT;
    keepalive 16;
  }

  server {
    listen 127.0.0.1:$NGINX_PORT;
    server_name _;
    root $FRONT/dist;
    client_max_body_size ${max_mb}m;

    # Dot-files (/.env, /.git/...) never leave the server.
    location ~ /\\. {
      return 404;
    }

    location / {
      try_files \$uri /index.html;
    }
    location = /index.html {
      add_header Cache-Control "no-cache";
    }
    # Hashed file names: cache forever; a missing chunk is a 404, not the SPA.
    location /assets/ {
      add_header Cache-Control "public, max-age=31536000, immutable";
      try_files \$uri =404;
    }

    location /api/ {
      $proxy
      proxy_set_header Connection "";
      proxy_pass http://gateway_http;
      error_page 413 = @too_large;
    }
    location /media/ {
      $proxy
      proxy_set_header Connection "";
      proxy_pass http://gateway_http;
    }
    location /ws/ {
      $proxy
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 600s;
      proxy_send_timeout 600s;
      proxy_buffering off;
      proxy_pass http://127.0.0.1:$GATEWAY_WS_PORT;
    }
    # The gateway's own 413 body, for bodies nginx refuses first.
    location @too_large {
      default_type application/json;
      return 413 '{"error": "Request body too large", "code": "body_too_large"}';
    }
  }
}
CONF
}

# Picks the nginx port and sets PUBLIC_URL (before the daemons' env is made).
nginx_port() {
  local running=0
  nginx_running && running=1
  NGINX_PORT=$(ensure_port NGINX_PORT "$running")
  PUBLIC_URL="http://127.0.0.1:$NGINX_PORT"
}

start_nginx() {
  command -v nginx >/dev/null || die "nginx not found; run scripts/deps.sh"
  local want i out
  mkdir -p "$NGINX_DIR"/tmp/{body,proxy,fastcgi,uwsgi,scgi}
  if [ "$(id -u)" -eq 0 ]; then chown -R www-data: "$NGINX_DIR/tmp" 2>/dev/null || true; fi
  want=$(nginx_config "$(upload_max_mb)")
  if nginx_running; then
    if [ "$want" = "$(cat "$NGINX_CONF" 2>/dev/null)" ] &&
       [ "$(http_code "$PUBLIC_URL/")" = 200 ]; then
      NGINX_PID=$(nginx_pid)
      say "nginx: running (pid $NGINX_PID, $PUBLIC_URL)"
      return 0
    fi
    say "nginx: settings changed; restarting"
    stop_pid "$(nginx_pid)" nginx 10
  fi
  printf '%s\n' "$want" >"$NGINX_CONF"
  rm -f "$NGINX_PIDFILE"
  # nginx daemonises itself once its sockets are bound; errors come out here.
  if ! out=$(nginx -q -p "$NGINX_DIR/" -c "$NGINX_CONF" -e "$LOGS/nginx-error.log" \
      </dev/null 2>&1 7>&- 8>&- 9>&-); then
    printf '%s\n' "$out" >&2
    die "nginx failed to start on port $NGINX_PORT (config: $NGINX_CONF)"
  fi
  for ((i = 0; i < 50; i++)); do
    nginx_running && break
    sleep 0.1
  done
  nginx_running || { show_tail "$LOGS/nginx-error.log"; die "nginx did not write $NGINX_PIDFILE"; }
  NGINX_PID=$(nginx_pid)
  say "nginx: started (pid $NGINX_PID, $PUBLIC_URL)"
}

stop_nginx() {
  nginx_running || return 0
  stop_pid "$(nginx_pid)" nginx 10
  say "nginx: stopped"
}

# ------------------------------------------------------------ stack.env ----

write_stack_env() {
  local tmp="$STACK_ENV.tmp.$$" name N
  {
    echo "# EchoChat stack in $RUN_DIR, written by scripts/stack.sh up ($(date -u +%FT%TZ))"
    echo "RUN_DIR=$(shq "$RUN_DIR")"
    echo "BUILD_DIR=$(shq "$BUILD_DIR")"
    echo "PUBLIC_URL=$(shq "$PUBLIC_URL")"
    echo "GATEWAY_HTTP_URL=$(shq "http://127.0.0.1:$GATEWAY_HTTP_PORT")"
    echo "GATEWAY_WS_URL=$(shq "ws://127.0.0.1:$GATEWAY_WS_PORT")"
    echo "NATS_URL=$(shq "nats://127.0.0.1:$NATS_PORT")"
    echo "DATABASE_URL=$(shq "$DATABASE_URL")"
    echo "PGHOST=$(shq "$PG_SOCK")"
    echo "PGPORT=$PG_PORT"
    for name in "${DAEMONS[@]}"; do
      N=$(upper "$name")
      local ops="OPS_PORT_$N"
      echo "OPS_URL_$N=$(shq "http://127.0.0.1:${!ops}")"
    done
    for name in "${DAEMONS[@]}"; do
      echo "PID_$(upper "$name")=$(daemon_pid "$name")"
    done
    echo "PID_NATS=$(nats_pid)"
    echo "PID_POSTGRES=$(pg_pid)"
    if [ -n "$NGINX_PID" ]; then echo "PID_NGINX=$NGINX_PID"; fi
    for name in "${DAEMONS[@]}"; do
      echo "ENV_FILE_$(upper "$name")=$(shq "$ENVD/$name.env")"
    done
  } >"$tmp"
  mv -f "$tmp" "$STACK_ENV"
}

# ------------------------------------------------------------- commands ----

init_dirs() {
  mkdir -p "$LOGS" "$PIDS" "$ENVD"
  chmod 700 "$ENVD"
}

cmd_up() {
  local owner name
  if [ "${1:-}" != --foreground ] && owner=$(foreground_owner); then
    die "a foreground 'stack.sh run' (pid $owner) owns $RUN_DIR; use it, or stop it (Ctrl-C or 'stack.sh down')"
  fi
  for name in "${DAEMONS[@]}"; do
    [ -x "$(daemon_bin "$name")" ] || die "$(daemon_bin "$name") not found: build first (make build, or BUILD_DIR=...)"
  done
  init_dirs
  take_op_lock
  SECRET=$(secret)
  local pg_port_before nats_port_before
  pg_port_before=$(get_port PG_PORT)
  nats_port_before=$(get_port NATS_PORT)
  start_postgres
  ensure_database
  start_nats
  DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/echochat"
  [ -n "$pg_port_before" ] && [ "$pg_port_before" != "$PG_PORT" ] && say "postgres moved to port $PG_PORT; daemons will be restarted"
  [ -n "$nats_port_before" ] && [ "$nats_port_before" != "$NATS_PORT" ] && say "nats moved to port $NATS_PORT; daemons will be restarted"
  if front_enabled; then build_spa; fi
  start_daemons
  if front_enabled; then start_nginx; fi
  wait_ready
  write_stack_env
  flock -u 8
  say "ready: $PUBLIC_URL   (env: $STACK_ENV)"
}

cmd_down() {
  local owner i
  init_dirs
  if owner=$(foreground_owner) && [ "$owner" != "?" ]; then
    say "stopping the foreground 'stack.sh run' (pid $owner)"
    kill -TERM "$owner" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
      foreground_owner >/dev/null || break
      sleep 0.1
    done
  fi
  down_all
}

# Stop everything in RUN_DIR, newest first.
down_all() {
  local name
  take_op_lock
  stop_nginx
  for name in gateway presence chat auth; do stop_daemon "$name"; done
  stop_nats
  stop_postgres
  rm -f "$RUN_DIR"/.dead-*
  flock -u 8
  say "down ($RUN_DIR; data kept)"
}

cmd_status() {
  local ok=0 name pid ops code owner
  printf '%-10s %-8s %-8s %-6s %s\n' PIECE STATE PID PORT READY
  pid=$(pg_pid)
  if pg_running; then
    printf '%-10s %-8s %-8s %-6s %s\n' postgres up "$pid" "$(get_port PG_PORT)" -
  else
    printf '%-10s %-8s %-8s %-6s %s\n' postgres down - "$(get_port PG_PORT)" -; ok=1
  fi
  if nats_running; then
    printf '%-10s %-8s %-8s %-6s %s\n' nats up "$(nats_pid)" "$(get_port NATS_PORT)" -
  else
    printf '%-10s %-8s %-8s %-6s %s\n' nats down - "$(get_port NATS_PORT)" -; ok=1
  fi
  for name in "${DAEMONS[@]}"; do
    ops=$(get_port "OPS_PORT_$(upper "$name")")
    if daemon_alive "$name"; then
      code=$(http_code "http://127.0.0.1:$ops/readyz")
      printf '%-10s %-8s %-8s %-6s %s\n' "$name" up "$(daemon_pid "$name")" "$ops" "$code"
      [ "$code" = 200 ] || ok=1
    else
      printf '%-10s %-8s %-8s %-6s %s\n' "$name" down - "${ops:--}" -; ok=1
    fi
  done
  if front_enabled; then
    if nginx_running; then
      code=$(http_code "http://127.0.0.1:$(get_port NGINX_PORT)/")
      printf '%-10s %-8s %-8s %-6s %s\n' nginx up "$(nginx_pid)" "$(get_port NGINX_PORT)" "$code"
      [ "$code" = 200 ] || ok=1
    else
      printf '%-10s %-8s %-8s %-6s %s\n' nginx down - "$(get_port NGINX_PORT)" -; ok=1
    fi
  fi
  if owner=$(foreground_owner); then echo "foreground 'stack.sh run': pid $owner"; fi
  [ -f "$STACK_ENV" ] && echo "PUBLIC_URL: $(sed -n "s/^PUBLIC_URL='\(.*\)'$/\1/p" "$STACK_ENV")"
  echo "run dir: $RUN_DIR"
  return $ok
}

cmd_run() {
  init_dirs
  exec 9>"$RUN_DIR/run.lock"
  if ! flock -n 9; then
    die "a foreground 'stack.sh run' (pid $(read_pid "$RUN_DIR/run.pid")) already owns $RUN_DIR"
  fi
  local name any=0
  for name in "${DAEMONS[@]}"; do
    if daemon_alive "$name"; then any=1; fi
  done
  if [ "$any" = 1 ]; then
    die "a stack is already running in $RUN_DIR (started by 'up'); see 'stack.sh status', or 'stack.sh down' first"
  fi
  echo $$ >"$RUN_DIR/run.pid"
  TAIL_PID=""
  STOPPING=0
  # Any exit (Ctrl-C, SIGTERM from 'stack.sh down', a failed start) stops all.
  trap 'run_stop 0' INT TERM HUP
  trap 'run_stop $?' EXIT
  cmd_up --foreground
  echo
  say "EchoChat is running at $PUBLIC_URL  (Ctrl-C stops everything)"
  echo
  local -a files=()
  for name in "${DAEMONS[@]}"; do
    touch "$LOGS/$name.log" "$LOGS/$name.err"
    files+=("$LOGS/$name.log" "$LOGS/$name.err")
  done
  if front_enabled; then
    touch "$LOGS/nginx-error.log"
    files+=("$LOGS/nginx-error.log")
  fi
  # One tail for all logs; awk prefixes each line with the daemon's name.
  tail -n 0 -F "${files[@]}" 2>/dev/null 8>&- 9>&- > >(awk '
      /^==> .* <==$/ { f = $2; sub(/.*\//, "", f); sub(/\.(log|err)$/, "", f); next }
      length($0) { print "[" f "] " $0; fflush() }' 8>&- 9>&-) &
  TAIL_PID=$!
  while :; do
    sleep 2 8>&- 9>&- &
    wait $! || true
    for name in "${DAEMONS[@]}"; do
      if ! daemon_alive "$name" && [ ! -e "$RUN_DIR/.dead-$name" ]; then
        say "$name exited (see $LOGS/$name.err); Ctrl-C and run again to restart it"
        touch "$RUN_DIR/.dead-$name"
      fi
    done
  done
}

run_stop() {
  local code=$1
  [ "$STOPPING" = 1 ] && return
  STOPPING=1
  trap '' INT TERM HUP
  echo
  say "stopping..."
  down_all
  if [ -n "$TAIL_PID" ]; then sleep 0.3; kill "$TAIL_PID" 2>/dev/null || true; fi
  rm -f "$RUN_DIR/run.pid"
  exit "$code"
}

cmd_exec() {
  local name=${1:-}
  [ -n "$name" ] || die "usage: stack.sh exec NAME [ARGS...]"
  shift
  local envfile="$ENVD/$name.env" bin
  bin=$(daemon_bin "$name")
  [ -f "$envfile" ] || die "$envfile not found: bring the stack up first (make up)"
  [ -x "$bin" ] || die "$bin not found: build first"
  # shellcheck disable=SC2016  # expanded by the inner bash
  exec env -i PATH="$PATH" HOME="${HOME:-/root}" TERM="${TERM:-dumb}" \
    bash -c 'set -a; . "$1"; set +a; shift; exec "$@"' _ "$envfile" "$bin" "$@"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  run) cmd_run ;;
  status) cmd_status ;;
  exec) shift; cmd_exec "$@" ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
