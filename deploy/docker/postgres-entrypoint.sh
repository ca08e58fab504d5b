#!/bin/bash
# Container start of EchoChat's PostgreSQL (runs as the postgres user):
#  1. first start: initdb with POSTGRES_USER/POSTGRES_PASSWORD as the superuser,
#     scram-sha-256 for every TCP client, trust only on the container-local socket;
#  2. every start: a socket-only server creates POSTGRES_DB if missing and runs
#     /etc/echochat/postgres-init.d/*.sh (idempotent), so the per-daemon roles and
#     their passwords follow the environment (a changed password in .env takes
#     effect at the next restart);
#  3. exec postgres listening on all addresses of the container.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=chatapp}"
: "${POSTGRES_DB:=chatapp}"
export PGDATA POSTGRES_USER POSTGRES_DB

fail() { echo "postgres-entrypoint: $*" >&2; exit 1; }

if [ "${1:-}" != postgres ]; then
  exec "$@"
fi
shift

[ -n "${POSTGRES_PASSWORD:-}" ] || fail "POSTGRES_PASSWORD is required (example.env)"
case $POSTGRES_USER$POSTGRES_DB in
  *[!A-Za-z0-9_]*) fail "POSTGRES_USER and POSTGRES_DB may contain only letters, digits and _" ;;
esac

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres-entrypoint: initialising a new cluster in $PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" \
    --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  {
    echo "local all all trust"
    echo "host all all all scram-sha-256"
  } > "$PGDATA/pg_hba.conf"
fi

sockdir=$(mktemp -d)
pg_ctl --pgdata="$PGDATA" --wait --silent --log="$sockdir/setup.log" \
  -o "-c listen_addresses='' -c unix_socket_directories=$sockdir" start ||
  { cat "$sockdir/setup.log" >&2; fail "the set-up server did not start"; }
export PGHOST=$sockdir PGUSER=$POSTGRES_USER
stop_setup() { pg_ctl --pgdata="$PGDATA" --wait --silent --mode=fast stop || true; }
trap stop_setup EXIT

# POSTGRES_DB was checked above to be a plain identifier.
if [ -z "$(psql -d postgres -XAtq -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'")" ]; then
  psql -d postgres -XAq -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$POSTGRES_DB\""
fi
for script in /etc/echochat/postgres-init.d/*.sh; do
  [ -e "$script" ] || continue
  echo "postgres-entrypoint: running $(basename "$script")"
  bash "$script"
done

stop_setup
trap - EXIT
rm -rf "$sockdir"
echo "postgres-entrypoint: ready to serve"
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp "$@"
