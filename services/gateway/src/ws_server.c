/* WebSocket front: one libwebsockets context served by one thread. All lws
 * state is touched only on that thread; other threads hand work over with
 * lws_cancel_service() (see toolchain.md). Endpoints arrive with the chat
 * and presence work; until then every upgrade is refused with 404. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "echo/log.h"
#include "gateway.h"

struct ws_server {
    gateway_t *gw;
    struct lws_context *ctx;
    pthread_t thread;
    atomic_bool stop;
};

/* Service thread. */
static int on_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return -1;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* No WebSocket endpoint yet: refuse every upgrade. */
        return -1;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"http", on_http, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_bridge(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        n--;
    log_write(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "lws: %.*s", (int)n, line);
}

static void *service_main(void *arg)
{
    ws_server_t *ws = arg;
    while (!atomic_load(&ws->stop))
        if (lws_service(ws->ctx, 0) < 0)
            break;
    return NULL;
}

int ws_server_start(ws_server_t **out, gateway_t *gw)
{
    ws_server_t *ws = calloc(1, sizeof *ws);
    if (!ws)
        return -1;
    ws->gw = gw;
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_bridge);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = gw->cfg.ws_port;
    info.iface = gw->cfg.listen_host;
    info.protocols = protocols;
    info.user = ws;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.timeout_secs = 5; /* handshake must complete within 5 s (config.md §3) */
    ws->ctx = lws_create_context(&info);
    if (!ws->ctx) {
        log_error("ws: cannot listen on %s:%d (port in use?)", gw->cfg.listen_host, gw->cfg.ws_port);
        free(ws);
        return -1;
    }
    if (pthread_create(&ws->thread, NULL, service_main, ws) != 0) {
        lws_context_destroy(ws->ctx);
        free(ws);
        return -1;
    }
    log_info("ws: listening on %s:%d", gw->cfg.listen_host, gw->cfg.ws_port);
    *out = ws;
    return 0;
}

void ws_server_stop(ws_server_t *ws)
{
    if (!ws)
        return;
    atomic_store(&ws->stop, true);
    lws_cancel_service(ws->ctx);
    pthread_join(ws->thread, NULL);
    lws_context_destroy(ws->ctx);
    free(ws);
}
