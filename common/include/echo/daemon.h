/* Daemon lifecycle shared by all four services: configuration, logging, NATS,
 * PostgreSQL with migrations, the ops endpoint, the ping subject and graceful
 * shutdown on SIGTERM/SIGINT. Each main.c calls these in order. */
#ifndef ECHO_DAEMON_H
#define ECHO_DAEMON_H

#include <stdbool.h>

#include "echo/bus.h"
#include "echo/config.h"
#include "echo/ops.h"

typedef struct {
    cfg_t cfgr;              /* collects configuration errors */
    common_config_t cfg;
    bus_t *bus;
    ops_server_t *ops;
    const char *schema;      /* PostgreSQL schema, NULL for the gateway */
    /* Extra readiness condition of the daemon itself (may be NULL). */
    ops_ready_fn extra_ready;
    void *extra_ready_ctx;
} daemon_t;

/* Parses argv (--healthcheck, --help), reads the shared configuration and
 * blocks the shutdown signals in every thread created afterwards. The daemon
 * then reads its own settings with d->cfgr and calls daemon_config_done(). */
void daemon_init(daemon_t *d, int argc, char **argv, const char *service, int default_ops_port,
                 bool needs_db);
/* Exits 2 with the one-line error when any setting was invalid (P5); handles
 * --healthcheck (exit 0 iff this daemon's /readyz answers 200). */
void daemon_config_done(daemon_t *d);
/* Starts the ops endpoint, connects NATS, waits for PostgreSQL (when used)
 * and applies the migrations into `schema`, then answers echochat.<svc>.ping.
 * Returns non-zero on a fatal error (taken port, failed migration). */
int daemon_start(daemon_t *d, const char *schema);
/* True when NATS (and PostgreSQL if used) are reachable. */
bool daemon_ready(daemon_t *d, char *reason, size_t reason_len);
/* Blocks until SIGTERM or SIGINT. */
void daemon_wait(daemon_t *d);
/* Drains NATS, stops the ops endpoint and frees the shared configuration. */
void daemon_shutdown(daemon_t *d);

#endif
