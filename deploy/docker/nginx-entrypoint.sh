#!/bin/bash
# Container start of the EchoChat edge: renders deploy/nginx.conf (the template)
# from the environment, then runs nginx in the foreground as this (non-root) user.
set -euo pipefail

# config.md P4: the unprefixed name wins over DJANGO_UPLOAD_MAX_MB; keep equal to the gateway's.
UPLOAD_MAX_MB=${UPLOAD_MAX_MB:-${DJANGO_UPLOAD_MAX_MB:-20}}
case $UPLOAD_MAX_MB in
  '' | *[!0-9]*) echo "nginx-entrypoint: UPLOAD_MAX_MB must be a whole number of MiB, got '$UPLOAD_MAX_MB'" >&2; exit 1 ;;
esac
export UPLOAD_MAX_MB
export GATEWAY_HOST=${GATEWAY_HOST:-gateway}
export GATEWAY_HTTP_PORT=${GATEWAY_HTTP_PORT:-8000}
export GATEWAY_WS_PORT=${GATEWAY_WS_PORT:-8001}
export NGINX_HTTP_PORT=${NGINX_HTTP_PORT:-8080}
export NGINX_HTTPS_PORT=${NGINX_HTTPS_PORT:-8443}
export NGINX_RUN_DIR=${NGINX_RUN_DIR:-/tmp/echochat-nginx}
export NGINX_CERT_DIR=${NGINX_CERT_DIR:-/etc/echochat/certs}
export SPA_ROOT=${SPA_ROOT:-/usr/share/echochat/spa}
NGINX_TEMPLATE=${NGINX_TEMPLATE:-/etc/echochat/nginx.conf.template}

# The port clients use for HTTPS (the host side of the port mapping), for redirects.
PUBLIC_HTTPS_PORT=${PUBLIC_HTTPS_PORT:-443}
if [ "$PUBLIC_HTTPS_PORT" = 443 ]; then HTTPS_PORT_SUFFIX=; else HTTPS_PORT_SUFFIX=":$PUBLIC_HTTPS_PORT"; fi
export HTTPS_PORT_SUFFIX

# The container's own DNS server knows the compose service names (Docker's
# embedded DNS, or Podman's aardvark-dns); IPv6 servers need brackets.
if [ -z "${NGINX_RESOLVER:-}" ]; then
  NGINX_RESOLVER=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)
  case $NGINX_RESOLVER in *:*) NGINX_RESOLVER="[$NGINX_RESOLVER]" ;; esac
fi
if [ -z "$NGINX_RESOLVER" ]; then
  echo "nginx-entrypoint: no nameserver in /etc/resolv.conf; set NGINX_RESOLVER" >&2
  exit 1
fi
export NGINX_RESOLVER

for f in fullchain.pem privkey.pem; do
  if [ ! -r "$NGINX_CERT_DIR/$f" ]; then
    echo "nginx-entrypoint: cannot read $NGINX_CERT_DIR/$f as uid $(id -u) (see docs/deploy.md, TLS certificates)" >&2
    exit 1
  fi
done

# envsubst gets the list of names to replace, so nginx's own $variables survive.
# shellcheck disable=SC2016
vars='${UPLOAD_MAX_MB} ${GATEWAY_HOST} ${GATEWAY_HTTP_PORT} ${GATEWAY_WS_PORT} ${NGINX_RESOLVER}
${NGINX_HTTP_PORT} ${NGINX_HTTPS_PORT} ${HTTPS_PORT_SUFFIX} ${NGINX_RUN_DIR} ${NGINX_CERT_DIR} ${SPA_ROOT}'
mkdir -p "$NGINX_RUN_DIR"
envsubst "$vars" < "$NGINX_TEMPLATE" > "$NGINX_RUN_DIR/nginx.conf"

if [ "${1:-}" = nginx ]; then
  shift
  exec nginx -e stderr -c "$NGINX_RUN_DIR/nginx.conf" -g 'daemon off;' "$@"
fi
exec "$@"
