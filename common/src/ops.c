/* The ops HTTP endpoint (libmicrohttpd, one internal thread): /livez,
 * /readyz and /metrics for orchestrators and Prometheus. */
#include "echo/ops.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "echo/log.h"
#include "echo/metrics.h"

struct ops_server {
    struct MHD_Daemon *mhd;
    ops_ready_fn ready;
    void *ctx;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             const char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Runs on the ops server's internal thread. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    ops_server_t *ops = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(conn, 405, "application/json", "{\"error\":\"method not allowed\"}", 30);
    if (strcmp(url, "/livez") == 0)
        return reply(conn, 200, "application/json", "{\"status\":\"ok\"}", 15);
    if (strcmp(url, "/readyz") == 0) {
        char reason[256] = "";
        bool ok = ops->ready ? ops->ready(reason, sizeof reason, ops->ctx) : true;
        char body[400];
        int n = ok ? snprintf(body, sizeof body, "{\"status\":\"ready\"}")
                   : snprintf(body, sizeof body, "{\"status\":\"not ready\",\"reason\":\"%s\"}",
                              reason);
        return reply(conn, ok ? 200 : 503, "application/json", body, (size_t)n);
    }
    if (strcmp(url, "/metrics") == 0) {
        size_t len = 0;
        char *text = metrics_render(&len);
        enum MHD_Result ret = reply(conn, 200, "text/plain; version=0.0.4", text, len);
        free(text);
        return ret;
    }
    return reply(conn, 404, "application/json", "{\"error\":\"not found\"}", 21);
}

int ops_start(ops_server_t **out, const char *host, int port, ops_ready_fn ready, void *ctx)
{
    ops_server_t *ops = calloc(1, sizeof *ops);
    if (!ops)
        return -1;
    ops->ready = ready;
    ops->ctx = ctx;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        log_error("ops: OPS_HOST must be an IPv4 address, got \"%s\"", host);
        free(ops);
        return -1;
    }
    ops->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port,
                                NULL, NULL, on_request, ops, MHD_OPTION_SOCK_ADDR, &addr,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
    if (!ops->mhd) {
        log_error("ops: cannot listen on %s:%d (port in use?)", host, port);
        free(ops);
        return -1;
    }
    *out = ops;
    return 0;
}

void ops_stop(ops_server_t *ops)
{
    if (!ops)
        return;
    MHD_stop_daemon(ops->mhd);
    free(ops);
}

int ops_healthcheck(const char *host, int port)
{
    /* A wildcard listen address is checked through loopback. */
    const char *target = strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 1;
    struct timeval tv = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int rc = 1;
    if (inet_pton(AF_INET, target, &addr.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        goto cleanup;
    const char req[] = "GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
        goto cleanup;
    char buf[64] = "";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n > 12 && strncmp(buf + 9, "200", 3) == 0)
        rc = 0;
cleanup:
    close(fd);
    return rc;
}
