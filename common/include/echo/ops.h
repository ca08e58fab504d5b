/* The ops HTTP endpoint every daemon serves on its own port:
 * GET /livez, /readyz and /metrics. */
#ifndef ECHO_OPS_H
#define ECHO_OPS_H

#include <stdbool.h>
#include <stddef.h>

/* Readiness probe: returns true when ready, else false with a short reason
 * written to reason (e.g. "nats: disconnected"). Runs on an ops thread. */
typedef bool (*ops_ready_fn)(char *reason, size_t reason_len, void *ctx);

typedef struct ops_server ops_server_t;

/* Binds host:port (fails clearly if the port is taken). */
int ops_start(ops_server_t **out, const char *host, int port, ops_ready_fn ready, void *ctx);
void ops_stop(ops_server_t *ops);

/* Healthcheck client for `<daemon> --healthcheck`: 0 iff GET /readyz is 200. */
int ops_healthcheck(const char *host, int port);

#endif
