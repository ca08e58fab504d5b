/* echochat-gateway: the only process clients talk to. HTTP (libmicrohttpd)
 * and WebSocket (libwebsockets) fronts on their own ports, routing to the
 * daemons over NATS. Owns no schema. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <nats/nats.h>

#include "echo/log.h"
#include "gateway.h"
#include "history_cache.h"
#include "session_cache.h"

/* Set once both fronts listen: /readyz (the container's health check, a
 * load balancer) must not send clients before there is anyone to answer. */
static atomic_bool g_serving;

/* Ops thread. */
static bool gateway_ready(char *reason, size_t reason_len, void *ctx)
{
    (void)ctx;
    if (atomic_load(&g_serving)) return true;
    snprintf(reason, reason_len, "gateway: HTTP and WebSocket fronts not started yet");
    return false;
}

int main(int argc, char **argv)
{
    daemon_t d;
    gateway_t gw = {.daemon = &d};
    http_front_t *http = NULL;
    ws_front_t *ws = NULL;
    int rc = 1;
    /* nats.c spins 2000 times on a busy lock before sleeping by default;
     * with more threads than cores that spinning only steals CPU from the
     * thread holding the lock. */
    nats_Open(0);

    daemon_init(&d, argc, argv, "gateway", 9104, false);
    gateway_config_load(&d.cfgr, &gw.cfg, d.cfg.debug);
    daemon_config_done(&d);
    d.extra_ready = gateway_ready;

    if (daemon_start(&d, NULL) != 0)
        goto cleanup;
    gw.bus = d.bus;
    gw.sessions = session_cache_new(gw.bus, 10000, 2000);
    if (!gw.sessions) {
        log_error("cannot set up the session cache");
        goto cleanup;
    }
    gw.history = history_cache_new(gw.bus, gw.cfg.history_cache_ms);
    if (!gw.history)
        goto cleanup;
    if (http_front_start(&http, &gw) != 0)
        goto cleanup;
    if (ws_front_start(&ws, &gw) != 0)
        goto cleanup;
    atomic_store(&g_serving, true);

    daemon_wait(&d);
    rc = 0;
cleanup:
    /* Stop taking new clients first, then drain NATS in daemon_shutdown. */
    ws_front_stop(ws);
    http_front_stop(http);
    session_cache_free(gw.sessions);
    gateway_config_free(&gw.cfg);
    daemon_shutdown(&d);
    /* After the bus is closed: its event handlers use the cache until then. */
    history_cache_free(gw.history);
    return rc;
}
