/* The gateway's shared context: its configuration and the handles every
 * front (HTTP, WebSocket) uses. Filled once in main() before threads start. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stdbool.h>

#include "echo/bus.h"
#include "echo/daemon.h"

#define WS_THREADS_MAX 64 /* upper bound of GATEWAY_WS_THREADS */

typedef struct {
    char *listen_host;      /* GATEWAY_HOST */
    int http_port;          /* GATEWAY_HTTP_PORT */
    int ws_port;            /* GATEWAY_WS_PORT */
    int ws_threads;         /* GATEWAY_WS_THREADS: lws contexts (shards), one thread each */
    bool ws_io_uring;       /* GATEWAY_WS_IO_URING: batched fan-out writes (ws_uring.c) */
    int request_timeout_ms; /* GATEWAY_REQUEST_TIMEOUT_MS: NATS round trip budget */
    int history_cache_ms;   /* GATEWAY_HISTORY_CACHE_MS: page cache TTL, 0 = off */
    long upload_max_bytes;  /* DJANGO_UPLOAD_MAX_MB in bytes: request body cap (413) */
    char **allowed_hosts;   /* DJANGO_ALLOWED_HOSTS */
    char **csrf_trusted_origins;
    char **trusted_proxies; /* TRUSTED_PROXIES: CIDR list (P12) */
    bool ssl_redirect;      /* DJANGO_SECURE_SSL_REDIRECT */
    char *public_base_url;  /* PUBLIC_BASE_URL: overrides forwarded host/proto (W5) */
    bool csrf_cookie_secure; /* DJANGO_CSRF_COOKIE_SECURE (csrftoken on session/ answers) */
} gateway_config_t;

typedef struct session_cache session_cache_t;
typedef struct history_cache history_cache_t;

typedef struct {
    daemon_t *daemon;
    bus_t *bus;
    gateway_config_t cfg;
    session_cache_t *sessions; /* sessionid → user, shared by both fronts */
    history_cache_t *history;  /* public history pages; the WebSocket front invalidates */
} gateway_t;

void gateway_config_load(cfg_t *c, gateway_config_t *cfg, bool debug);
void gateway_config_free(gateway_config_t *cfg);

/* HTTP front (libmicrohttpd) on cfg.http_port. */
typedef struct http_front http_front_t;
int http_front_start(http_front_t **out, gateway_t *gw);
void http_front_stop(http_front_t *front);

/* WebSocket front (libwebsockets) on cfg.ws_port: an acceptor thread and
 * cfg.ws_threads shards, each with its own service thread. */
typedef struct ws_front ws_front_t;
int ws_front_start(ws_front_t **out, gateway_t *gw);
void ws_front_stop(ws_front_t *front);

#endif
