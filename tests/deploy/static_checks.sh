#!/usr/bin/env bash
# Fast checks of the production deployment files (no containers; a few seconds):
# the compose file (validity, scaling and secret policy), example.env, the nginx
# template (nginx -t and a routing test against a fake gateway), the NATS
# configs, the Dockerfiles (tests/deploy/dockerfile_lint.py) and shellcheck.
#
#   tests/deploy/static_checks.sh
#
# Prints PASS/FAIL per check, then one line "N passed, N failed"; exits non-zero
# on any failure. Installs docker-compose (Debian's, without recommends) if it
# is missing; every other tool comes from scripts/deps.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
HERE=tests/deploy
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/echochat-deploy-static.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

PASSED=0
FAILED=0

# check NAME CMD...: runs CMD; PASS if it exits 0, else FAIL with its output.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    PASSED=$((PASSED + 1))
    printf 'PASS %s\n' "$name"
  else
    FAILED=$((FAILED + 1))
    printf 'FAIL %s\n' "$name"
    printf '%s\n' "$out" | sed 's/^/    /' | tail -n 40
  fi
}

need_tools() {
  local missing=()
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v nginx >/dev/null || missing+=(nginx-light)
  command -v nats-server >/dev/null || missing+=(nats-server)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v envsubst >/dev/null || missing+=(gettext-base)
  "$PY" -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    # A fresh machine may have no package lists yet.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
  fi
}

# A project directory with a generated .env, so the real .env (if any) is never
# read or touched; relative paths of the compose file resolve against it.
make_project() {
  mkdir -p "$WORK/project"
  ln -sfn "$ROOT/deploy" "$WORK/project/deploy"
  cat > "$WORK/project/.env" <<EOF
DJANGO_SECRET_KEY=$(openssl rand -hex 32)
POSTGRES_PASSWORD=$(openssl rand -hex 16)
AUTH_DB_PASSWORD=$(openssl rand -hex 16)
CHAT_DB_PASSWORD=$(openssl rand -hex 16)
PRESENCE_DB_PASSWORD=$(openssl rand -hex 16)
DJANGO_ALLOWED_HOSTS=chat.example.com
EOF
}

compose() {  # compose ARGS...: docker-compose on the prod file in the test project
  docker-compose --project-directory "$WORK/project" -f docker-compose.prod.yml "$@"
}

compose_valid() { compose config -q; }

compose_cluster_valid() {
  compose -f deploy/nats/cluster/docker-compose.nats-cluster.yml config -q
}

compose_policy() {
  compose config > "$WORK/resolved.yml" && "$PY" "$HERE/compose_policy.py" compose "$WORK/resolved.yml"
}

compose_needs_secrets() {
  local saved
  saved=$(cat "$WORK/project/.env")
  grep -v '^AUTH_DB_PASSWORD=' <<<"$saved" > "$WORK/project/.env"
  local out rc
  out=$(compose config -q 2>&1)
  rc=$?
  printf '%s\n' "$saved" > "$WORK/project/.env"
  if [ $rc -eq 0 ]; then
    echo "config accepted a .env without AUTH_DB_PASSWORD"
    return 1
  fi
  grep -q 'AUTH_DB_PASSWORD' <<<"$out" || { echo "unclear error: $out"; return 1; }
}

envdoc() { "$PY" "$HERE/compose_policy.py" envdoc "$ROOT"; }

nginx_syntax() {
  local d="$WORK/nginx"
  mkdir -p "$d/certs" "$d/spa"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$d/certs/privkey.pem" -out "$d/certs/fullchain.pem" 2>/dev/null || return 1
  echo '<!doctype html>' > "$d/spa/index.html"
  NGINX_TEMPLATE=deploy/nginx.conf NGINX_RUN_DIR="$d/run" NGINX_CERT_DIR="$d/certs" \
    SPA_ROOT="$d/spa" NGINX_RESOLVER=127.0.0.1 NGINX_HTTP_PORT=18080 NGINX_HTTPS_PORT=18443 \
    PUBLIC_HTTPS_PORT=443 deploy/docker/nginx-entrypoint.sh true || return 1
  nginx -t -q -e stderr -c "$d/run/nginx.conf"
}

nginx_routing() { "$PY" "$HERE/nginx_routing.py" "$ROOT"; }

nats_configs() {
  (cd "$WORK" && NATS_SERVER_NAME=n1 nats-server -t --config "$ROOT/deploy/nats/nats-server.conf" &&
    NATS_SERVER_NAME=nats-1 nats-server -t --config "$ROOT/deploy/nats/cluster/nats-cluster.conf")
}

dockerfile_lint() { "$PY" "$HERE/dockerfile_lint.py" deploy/docker/*.Dockerfile; }

# The linter must be able to fail: the fixtures break every rule.
dockerfile_lint_selftest() {
  local out rule missing=()
  out=$("$PY" "$HERE/dockerfile_lint.py" "$HERE"/fixtures/*.Dockerfile) && {
    echo "the bad fixtures passed the lint"
    return 1
  }
  for rule in DL-BASE DL-STAGES DL-USER DL-HEALTH DL-APT DL-EXEC DL-FETCH DL-SECRET DL-FROM; do
    grep -q " $rule " <<<"$out" || missing+=("$rule")
  done
  [ ${#missing[@]} -eq 0 ] || { echo "rules never reported: ${missing[*]}"; return 1; }
}

shell_lint() {
  shellcheck -x "$HERE"/*.sh deploy/docker/*.sh deploy/postgres/initdb.d/*.sh
}

python_syntax() { "$PY" -m py_compile "$HERE"/*.py; }

need_tools
make_project
check "compose: docker-compose.prod.yml is valid (docker-compose $(docker-compose version --short 2>/dev/null))" compose_valid
check "compose: the 3-node NATS override is valid" compose_cluster_valid
check "compose: scalable, per-daemon DB roles, no foreign DB secrets, healthy deps" compose_policy
check "compose: a missing required secret stops it with the variable's name" compose_needs_secrets
check "example.env: names and comments every variable the stack reads" envdoc
check "nginx: rendered deploy/nginx.conf passes nginx -t" nginx_syntax
check "nginx: routing, headers, body cap and WebSocket upgrade (fake gateway)" nginx_routing
check "nats: deploy/nats configs pass nats-server -t" nats_configs
check "docker: Dockerfiles follow the lint rules" dockerfile_lint
check "docker: the linter reports every rule on the bad fixtures" dockerfile_lint_selftest
check "shell: shellcheck on tests/deploy and deploy scripts" shell_lint
check "python: tests/deploy/*.py compile" python_syntax

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
