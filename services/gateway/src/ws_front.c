/* WebSocket front: the listening socket, the acceptor thread and the shards.
 *
 * Debian's libwebsockets is built with LWS_MAX_SMP=1: a context is served by
 * one thread, so a single context caps fan-out at one core (one send(2) per
 * socket per frame). The front therefore runs GATEWAY_WS_THREADS contexts
 * (ws_server.c, "shards"), each with its own service thread, and owns the
 * listening socket itself: the acceptor thread accepts and hands each
 * connection to the next shard round-robin, which adopts it on its own
 * service thread. Binding here, without SO_REUSEPORT, keeps a busy port an
 * error at start-up rather than a silently shared one.
 *
 * Each shard is a complete front of its own towards the rest of the system:
 * its own NATS event connection, room subscriptions and presence gateway id,
 * exactly as if the process were several gateways (which the system already
 * supports), so no state is shared between service threads. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo/log.h"
#include "ws.h"

struct ws_front {
    int listen_fd;
    pthread_t acceptor;
    bool acceptor_started;
    atomic_bool stop;
    int nshards;
    ws_server_t *shards[WS_MAX_SHARDS];
    unsigned next;
};

/* Binds cfg's host:port like lws did (IPv4, SO_REUSEADDR for quick restarts). */
static int ws_front_listen(const gateway_config_t *cfg)
{
    struct addrinfo hints = {
        .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%d", cfg->ws_port);
    int rc = getaddrinfo(cfg->listen_host, port, &hints, &res);
    if (rc != 0) {
        log_error("ws: cannot resolve GATEWAY_HOST '%s': %s", cfg->listen_host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
            break;
        log_error("ws: cannot listen on %s:%d: %s (port in use?)", cfg->listen_host, cfg->ws_port,
                  strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Acceptor thread: blocks in poll/accept; the service threads never see the
 * listening socket. */
static void *ws_front_accept_main(void *arg)
{
    ws_front_t *front = arg;
    while (!atomic_load(&front->stop)) {
        struct pollfd p = {.fd = front->listen_fd, .events = POLLIN};
        /* A timeout instead of a wake-up pipe: stopping waits ≤ 200 ms. */
        if (poll(&p, 1, 200) <= 0) continue;
        int fd = accept4(front->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                log_warn("ws: accept: %s; pausing 100 ms", strerror(errno));
                usleep(100 * 1000);
            }
            continue;
        }
        ws_server_adopt(front->shards[front->next++ % (unsigned)front->nshards], fd);
    }
    return NULL;
}

int ws_front_start(ws_front_t **out, gateway_t *gw)
{
    ws_front_t *front = calloc(1, sizeof *front);
    if (!front) return -1;
    front->listen_fd = ws_front_listen(&gw->cfg);
    if (front->listen_fd < 0) goto fail;
    for (int i = 0; i < gw->cfg.ws_threads; i++) {
        if (ws_server_start(&front->shards[i], gw, i) != 0) goto fail;
        front->nshards++;
    }
    if (pthread_create(&front->acceptor, NULL, ws_front_accept_main, front) != 0) goto fail;
    front->acceptor_started = true;
    metric_gauge_set(
        metrics_gauge("echochat_gateway_ws_threads", NULL, "WebSocket service threads (shards)"),
        front->nshards);
    log_info("ws: listening on %s:%d with %d service threads", gw->cfg.listen_host, gw->cfg.ws_port,
             front->nshards);
    *out = front;
    return 0;
fail:
    ws_front_stop(front);
    return -1;
}

void ws_front_stop(ws_front_t *front)
{
    if (!front) return;
    atomic_store(&front->stop, true);
    if (front->acceptor_started) pthread_join(front->acceptor, NULL);
    if (front->listen_fd >= 0) close(front->listen_fd);
    for (int i = 0; i < front->nshards; i++)
        ws_server_stop(front->shards[i]);
    free(front);
}
