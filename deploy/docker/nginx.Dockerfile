# The EchoChat edge: nginx with TLS, the built SPA, and the proxy to the gateway(s).
#
#   docker build -f deploy/docker/nginx.Dockerfile -t echochat-nginx .
#
# Node for the SPA build: Vite needs Node >= 20.19, Debian 12 ships Node 18.
# The npm registry carries the official Node binaries as the `node-linux-<arch>`
# packages, so Debian's own node+npm install a pinned Node 22 and npm 10 from
# there and the SPA is built with those. Only Debian and the npm registry are
# needed: no third-party apt repository, no download outside a package client.

FROM debian:bookworm-slim AS spa
ARG NODE_VERSION=22.23.3
ARG NPM_VERSION=10.9.9
# Node trusts only its built-in CA list; let it also trust
# the system store (Debian's, plus any CA the base image adds for a proxy).
ENV PATH=/opt/node/bin:$PATH \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
    && arch=$(dpkg --print-architecture) \
    && case "$arch" in amd64) node_arch=x64 ;; arm64) node_arch=arm64 ;; \
         *) echo "no Node binary package for $arch" >&2; exit 1 ;; esac \
    && npm install --global --prefix /opt/node \
        "node-linux-$node_arch@$NODE_VERSION" "npm@$NPM_VERSION" \
    && apt-get purge -y --auto-remove nodejs npm \
    && rm -rf /var/lib/apt/lists/* /root/.npm
RUN node --version && npm --version
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci
COPY frontend/ ./
RUN npm run build \
    && test -f dist/index.html

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx gettext-base \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled /etc/nginx/conf.d \
    && groupadd --system --gid 10080 echochat-nginx \
    && useradd --system --uid 10080 --gid echochat-nginx --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin echochat-nginx \
    && install -d -m 0755 /etc/echochat/certs
COPY deploy/nginx.conf /etc/echochat/nginx.conf.template
COPY deploy/docker/nginx-entrypoint.sh /usr/local/bin/echochat-nginx-entrypoint
COPY deploy/docker/http-probe.sh /usr/local/bin/http-probe
COPY --from=spa /src/frontend/dist/ /usr/share/echochat/spa/
USER 10080:10080
EXPOSE 8080 8443
STOPSIGNAL SIGQUIT
# nginx is up when its plain-HTTP server answers with the HTTPS redirect (the
# container-side port is fixed at 8080). The gateway behind it has its own check.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/http-probe", "8080", "/", "301"]
ENTRYPOINT ["/usr/local/bin/echochat-nginx-entrypoint"]
CMD ["nginx"]
