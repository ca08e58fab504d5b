# nats-server with JetStream for EchoChat, from Debian's package.
#
#   docker build -f deploy/docker/nats.Dockerfile -t echochat-nats .
#
# nats-server is one Go binary: the first stage installs Debian's package, the
# runtime stage keeps only the binary. The configuration is mounted at
# /etc/echochat/nats-server.conf (deploy/nats/nats-server.conf by default).

FROM debian:bookworm-slim AS package
RUN apt-get update \
    && apt-get install -y --no-install-recommends nats-server \
    && rm -rf /var/lib/apt/lists/* \
    && nats-server --version

FROM debian:bookworm-slim
RUN groupadd --system --gid 10042 nats \
    && useradd --system --uid 10042 --gid nats --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin nats \
    && install -d -o nats -g nats -m 0750 /data
COPY --from=package /usr/sbin/nats-server /usr/local/bin/nats-server
COPY deploy/nats/nats-server.conf /etc/echochat/nats-server.conf
COPY deploy/docker/http-probe.sh /usr/local/bin/http-probe
VOLUME ["/data"]
USER 10042:10042
EXPOSE 4222 8222 6222
ENV NATS_SERVER_NAME=echochat-nats
# nats-server exits 0 on SIGINT (1 on SIGTERM); both shut down cleanly.
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/http-probe", "8222", "/healthz", "200"]
ENTRYPOINT ["/usr/local/bin/nats-server"]
CMD ["--config", "/etc/echochat/nats-server.conf"]
