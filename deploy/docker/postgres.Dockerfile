# PostgreSQL 15 for EchoChat, from Debian's packages.
#
#   docker build -f deploy/docker/postgres.Dockerfile -t echochat-postgres .
#
# Debian's server package has no build step worth a separate stage, so this
# image is single-stage. deploy/docker/postgres-entrypoint.sh initialises the
# cluster on first start and, at every start, runs deploy/postgres/initdb.d/
# (idempotent: the per-daemon roles and schemas, passwords from the environment).

FROM debian:bookworm-slim
# A fixed uid keeps the data volume's owner stable across image rebuilds; the
# Debian package must not create a cluster of its own.
RUN groupadd --system --gid 999 postgres \
    && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres \
    && mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
COPY deploy/docker/postgres-entrypoint.sh /usr/local/bin/echochat-postgres-entrypoint
COPY deploy/postgres/initdb.d/ /etc/echochat/postgres-init.d/
# The server's socket lives in /tmp, the one directory the compose file keeps
# writable on a read-only root; PGHOST points psql & co. inside the container there.
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    PGHOST=/tmp
VOLUME ["/var/lib/postgresql/data"]
USER 999:999
EXPOSE 5432
# Smart shutdown would wait for the daemons' connections to end; fast shutdown
# rolls back open transactions and stops cleanly.
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=5 \
    CMD ["pg_isready", "--host=127.0.0.1", "--port=5432", "--quiet"]
ENTRYPOINT ["/usr/local/bin/echochat-postgres-entrypoint"]
CMD ["postgres"]
