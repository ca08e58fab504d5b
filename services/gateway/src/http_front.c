/* HTTP front: libmicrohttpd with an internal epoll thread. Requests that need
 * a daemon are suspended while their NATS request is in flight and resumed
 * from the reply callback, so HTTP threads never block on slow work. */
#include "http_front.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "echo/log.h"

struct http_front {
    struct MHD_Daemon *mhd;
    gateway_t *gw;
};

/* One per HTTP request (MHD's *req_cls). */
struct http_pending {
    struct MHD_Connection *conn;
    pthread_mutex_t lock;
    bool suspended;
    bool done;
    unsigned status;
    struct MHD_Response *response;
};

static const char JSON[] = "application/json";

static enum MHD_Result queue_json(struct MHD_Connection *conn, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", JSON);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

void http_front_complete(http_pending_t *p, unsigned status, const char *content_type,
                         const char *body, size_t len, const char *const *headers)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (content_type)
        MHD_add_response_header(r, "Content-Type", content_type);
    for (const char *const *h = headers; h && *h; h++) {
        const char *colon = strchr(*h, ':');
        if (!colon)
            continue;
        char name[128];
        size_t n = (size_t)(colon - *h);
        if (n >= sizeof name)
            continue;
        memcpy(name, *h, n);
        name[n] = '\0';
        const char *value = colon + 1;
        while (*value == ' ')
            value++;
        MHD_add_response_header(r, name, value);
    }
    pthread_mutex_lock(&p->lock);
    p->status = status;
    p->response = r;
    p->done = true;
    bool resume = p->suspended;
    p->suspended = false;
    pthread_mutex_unlock(&p->lock);
    if (resume)
        MHD_resume_connection(p->conn);
}

/* MHD thread: suspends the connection unless the answer already arrived. */
static void suspend_unless_done(http_pending_t *p)
{
    pthread_mutex_lock(&p->lock);
    if (!p->done) {
        p->suspended = true;
        MHD_suspend_connection(p->conn);
    }
    pthread_mutex_unlock(&p->lock);
}

/* Runs on an MHD thread for every request, several times per request. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    http_front_t *front = cls;
    http_pending_t *p = *req_cls;
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p)
            return MHD_NO;
        p->conn = conn;
        pthread_mutex_init(&p->lock, NULL);
        *req_cls = p;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Body accumulation comes with the forwarding routes. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&p->lock);
    struct MHD_Response *ready = p->done ? p->response : NULL;
    unsigned status = p->status;
    p->response = NULL;
    pthread_mutex_unlock(&p->lock);
    if (ready) {
        enum MHD_Result ret = MHD_queue_response(conn, status, ready);
        MHD_destroy_response(ready);
        return ret;
    }
    if (p->done)
        return MHD_NO; /* already answered */

    if (strcmp(url, "/") == 0)
        return queue_json(conn, 200, "{\"status\": \"ok\"}");
    if (strcmp(url, "/api/health/") == 0 && strcmp(method, "GET") == 0) {
        health_start(front->gw, p);
        suspend_unless_done(p);
        return MHD_YES;
    }
    return queue_json(conn, 404, "{\"error\": \"Not found\", \"code\": \"not_found\"}");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_pending_t *p = *req_cls;
    if (!p)
        return;
    /* A request whose client vanished may still be waiting for its reply;
     * the reply path owns it then. Health requests complete within the
     * NATS timeout, so they are always done here. */
    pthread_mutex_lock(&p->lock);
    bool done = p->done;
    pthread_mutex_unlock(&p->lock);
    if (!done)
        return;
    if (p->response)
        MHD_destroy_response(p->response);
    pthread_mutex_destroy(&p->lock);
    free(p);
    *req_cls = NULL;
}

/* Keeps the path exactly as sent (percent-encoded); daemons decode it. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    return strlen(s);
}

int http_front_start(http_front_t **out, gateway_t *gw)
{
    http_front_t *front = calloc(1, sizeof *front);
    if (!front)
        return -1;
    front->gw = gw;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gw->cfg.http_port)};
    if (inet_pton(AF_INET, gw->cfg.listen_host, &addr.sin_addr) != 1) {
        log_error("http: GATEWAY_HOST must be an IPv4 address");
        free(front);
        return -1;
    }
    front->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ERROR_LOG,
        (uint16_t)gw->cfg.http_port, NULL, NULL, on_request, front, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, front, MHD_OPTION_UNESCAPE_CALLBACK,
        keep_escaped, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2, MHD_OPTION_END);
    if (!front->mhd) {
        log_error("http: cannot listen on %s:%d (port in use?)", gw->cfg.listen_host,
                  gw->cfg.http_port);
        free(front);
        return -1;
    }
    log_info("http: listening on %s:%d", gw->cfg.listen_host, gw->cfg.http_port);
    *out = front;
    return 0;
}

void http_front_stop(http_front_t *front)
{
    if (!front)
        return;
    MHD_stop_daemon(front->mhd);
    free(front);
}
