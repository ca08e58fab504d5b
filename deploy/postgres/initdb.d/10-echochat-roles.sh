#!/bin/bash
# One login role per daemon, owning only its own schema (P14):
#   echochat_auth -> auth, echochat_chat -> chat, echochat_presence -> presence.
# The gateway has no database role. Run by deploy/docker/postgres-entrypoint.sh
# at every start against a socket-only server as the superuser, so it is
# idempotent: missing roles and schemas are created, passwords are (re)set from
# AUTH_DB_PASSWORD, CHAT_DB_PASSWORD and PRESENCE_DB_PASSWORD.
set -euo pipefail

for var in AUTH_DB_PASSWORD CHAT_DB_PASSWORD PRESENCE_DB_PASSWORD; do
  value=${!var:-}
  if [ -z "$value" ]; then
    echo "10-echochat-roles: $var is required (example.env)" >&2
    exit 1
  fi
  # The daemons receive it inside DATABASE_URL, where other characters need escaping.
  if [[ ! $value =~ ^[A-Za-z0-9._~-]+$ ]]; then
    echo "10-echochat-roles: $var may contain only letters, digits and . _ ~ - (it goes into a URL)" >&2
    exit 1
  fi
done

# psql variables (:"name" identifiers, :'value' literals) quote everything
# that comes from the environment.
psql -d "$POSTGRES_DB" -X -q -v ON_ERROR_STOP=1 \
  -v db="$POSTGRES_DB" \
  -v auth_pw="$AUTH_DB_PASSWORD" -v chat_pw="$CHAT_DB_PASSWORD" -v presence_pw="$PRESENCE_DB_PASSWORD" <<'SQL'
-- Nobody but the owner gets anything by default: no CREATE/TEMP on the
-- database, nothing in the public schema.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(ARRAY['echochat_auth', 'echochat_chat', 'echochat_presence']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec

ALTER ROLE echochat_auth     LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'auth_pw';
ALTER ROLE echochat_chat     LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'chat_pw';
ALTER ROLE echochat_presence LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'presence_pw';

GRANT CONNECT ON DATABASE :"db" TO echochat_auth, echochat_chat, echochat_presence;
-- No CREATE on the database: the schemas are made here for their roles, and
-- the migration runner (common/src/migrate.c) only creates a schema that does
-- not exist yet.
REVOKE CREATE ON DATABASE :"db" FROM echochat_auth, echochat_chat, echochat_presence;

CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION echochat_auth;
CREATE SCHEMA IF NOT EXISTS chat AUTHORIZATION echochat_chat;
CREATE SCHEMA IF NOT EXISTS presence AUTHORIZATION echochat_presence;
ALTER SCHEMA auth OWNER TO echochat_auth;
ALTER SCHEMA chat OWNER TO echochat_chat;
ALTER SCHEMA presence OWNER TO echochat_presence;

ALTER ROLE echochat_auth     IN DATABASE :"db" SET search_path = auth;
ALTER ROLE echochat_chat     IN DATABASE :"db" SET search_path = chat;
ALTER ROLE echochat_presence IN DATABASE :"db" SET search_path = presence;
SQL
