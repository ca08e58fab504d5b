/* Daemon lifecycle: the start-up order every service follows and graceful
 * shutdown. Signals are blocked before any thread exists and taken only by
 * daemon_wait() on the main thread. */
#include "echo/daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "echo/clock.h"
#include "echo/db.h"
#include "echo/json.h"
#include "echo/metrics.h"
#include "echo/migrate.h"

static bool g_healthcheck;

void daemon_init(daemon_t *d, int argc, char **argv, const char *service, int default_ops_port,
                 bool needs_db)
{
    memset(d, 0, sizeof *d);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--healthcheck") == 0) {
            g_healthcheck = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: echochat-%s [--healthcheck]\n"
                   "Configuration comes from the environment; see docs/architecture.md.\n",
                   service);
            exit(0);
        }
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    common_config_load(&d->cfgr, &d->cfg, service, default_ops_port, needs_db);
    log_init(service, d->cfg.log_level);
}

void daemon_config_done(daemon_t *d)
{
    if (d->cfgr.failed) {
        fprintf(stderr, "echochat-%s: configuration error: %s\n", d->cfg.service, d->cfgr.error);
        exit(2);
    }
    if (g_healthcheck)
        exit(ops_healthcheck(d->cfg.ops_host, d->cfg.ops_port));
    if (getenv("REDIS_URL"))
        log_info("REDIS_URL is ignored: events travel over NATS and shared state lives in "
                 "PostgreSQL or NATS");
}

bool daemon_ready(daemon_t *d, char *reason, size_t reason_len)
{
    if (!bus_connected(d->bus)) {
        snprintf(reason, reason_len, "nats: not connected");
        return false;
    }
    if (d->cfg.db_conninfo && !db_ping()) {
        snprintf(reason, reason_len, "postgres: unreachable");
        return false;
    }
    if (d->extra_ready && !d->extra_ready(reason, reason_len, d->extra_ready_ctx))
        return false;
    return true;
}

static bool ops_ready(char *reason, size_t reason_len, void *ctx)
{
    return daemon_ready(ctx, reason, reason_len);
}

/* Ping responder: runs on a bus worker thread. */
static void on_ping(bus_t *bus, natsMsg *msg, void *ctx)
{
    daemon_t *d = ctx;
    char reason[256] = "";
    bool ready = daemon_ready(d, reason, sizeof reason);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "service", d->cfg.service);
    cJSON_AddBoolToObject(o, "ready", ready);
    if (!ready)
        cJSON_AddStringToObject(o, "reason", reason);
    cJSON_AddNumberToObject(o, "pid", (double)getpid());
    size_t len = 0;
    char *body = json_print_compact(o, &len);
    bus_respond(bus, msg, body, len);
    free(body);
    cJSON_Delete(o);
}

int daemon_start(daemon_t *d, const char *schema)
{
    d->schema = schema;
    char labels[64];
    snprintf(labels, sizeof labels, "service=\"%s\"", d->cfg.service);
    metric_gauge_set(metrics_gauge("echochat_build_info", labels, "Always 1; labels name the daemon."), 1);
    if (ops_start(&d->ops, d->cfg.ops_host, d->cfg.ops_port, ops_ready, d) != 0)
        return -1;
    char name[64];
    snprintf(name, sizeof name, "echochat-%s-%d", d->cfg.service, (int)getpid());
    if (bus_open(&d->bus, d->cfg.nats_url, name) != BUS_OK)
        return -1;

    if (d->cfg.db_conninfo) {
        db_init(d->cfg.db_conninfo);
        PGconn *conn = NULL;
        for (int attempt = 0; !(conn = db_conn()); attempt++) {
            if (attempt % 10 == 0)
                log_warn("postgres: waiting for the database before applying migrations");
            sigset_t pending;
            sigpending(&pending);
            if (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT))
                return -1;
            sleep(1);
        }
        int n = migrate_apply(conn, schema, service_migrations, service_migrations_count);
        if (n < 0)
            return -1;
        log_info("migrate: schema %s up to date (%d applied now)", schema, n);
        db_thread_done();
    }

    char subject[64];
    snprintf(subject, sizeof subject, "echochat.%s.ping", d->cfg.service);
    if (strcmp(d->cfg.service, "gateway") != 0 &&
        bus_serve(d->bus, subject, d->cfg.service, 1, on_ping, d) != BUS_OK)
        return -1;
    log_info("started: ops on %s:%d", d->cfg.ops_host, d->cfg.ops_port);
    return 0;
}

void daemon_wait(daemon_t *d)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

void daemon_shutdown(daemon_t *d)
{
    int64_t t0 = clock_mono_ms();
    bus_close(d->bus);
    d->bus = NULL;
    int64_t t1 = clock_mono_ms();
    /* Joins nats.c's own threads so their per-thread resources are released. */
    nats_CloseAndWait(2000);
    int64_t t2 = clock_mono_ms();
    ops_stop(d->ops);
    d->ops = NULL;
    /* Orchestrators kill after a grace period (compose: 10-30 s): a slow step
     * is named so the next such stop says where the time went. */
    if (t2 - t0 > 1000)
        log_warn("slow shutdown: NATS drain and close %lld ms, nats.c threads %lld ms",
                 (long long)(t1 - t0), (long long)(t2 - t1));
    log_info("stopped");
    common_config_free(&d->cfg);
}
