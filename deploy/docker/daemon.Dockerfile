# One EchoChat daemon per image: auth, chat, presence or gateway (P14).
#
#   docker build -f deploy/docker/daemon.Dockerfile --build-arg SERVICE=chat -t echochat-chat .
#
# The build stage is identical for the four daemons up to the final cmake call,
# so its layers are built once and shared. The runtime stage installs exactly
# the Debian packages whose libraries the binary links (runtime-packages.sh),
# runs as an unprivileged user and reports health with the daemon's own
# `--healthcheck` (its /readyz, which checks PostgreSQL and NATS): no curl.

FROM debian:bookworm-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config \
        libnats-dev libmicrohttpd-dev libwebsockets-dev libpq-dev libcjson-dev \
        libargon2-dev libvips-dev libunistring-dev libssl-dev liburing-dev \
        python3-django \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the C build configures and compiles, so a change to the SPA, the
# docs or the tests keeps this cache (bench/ is configured by CMakeLists.txt).
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY common/ common/
COPY services/ services/
COPY bench/ bench/
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=auth|chat|presence|gateway" >&2; exit 1; }
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DECHOCHAT_TESTS=OFF \
    && cmake --build build -j"$(nproc)" --target "echochat-$SERVICE" \
    && install -D -m 0755 "build/bin/echochat-$SERVICE" "/out/echochat-$SERVICE" \
    && strip "/out/echochat-$SERVICE"
COPY deploy/docker/runtime-packages.sh /usr/local/bin/
RUN runtime-packages.sh "/out/echochat-$SERVICE" > /out/runtime-packages.txt \
    && cat /out/runtime-packages.txt

FROM debian:bookworm-slim
ARG SERVICE
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
    && groupadd --system --gid 10001 echochat \
    && useradd --system --uid 10001 --gid echochat --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin echochat
COPY --from=build /out/echochat-${SERVICE} /usr/local/bin/
# A fixed name lets ENTRYPOINT and HEALTHCHECK (which cannot expand build args)
# stay the same for every daemon; `echochat-<svc>` remains callable by its name.
RUN ln -s "echochat-$SERVICE" /usr/local/bin/echochat-daemon
ENV ECHOCHAT_SERVICE=${SERVICE} \
    OPS_HOST=0.0.0.0
LABEL org.opencontainers.image.title="echochat-${SERVICE}" \
      org.opencontainers.image.description="EchoChat ${SERVICE} daemon"
USER 10001:10001
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/echochat-daemon", "--healthcheck"]
ENTRYPOINT ["/usr/local/bin/echochat-daemon"]
