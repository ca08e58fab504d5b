/* NATS plumbing: the daemon's connection (reconnect forever, publishes buffered
 * while disconnected, replies sent at once), queue-group responders with one
 * delivery thread per worker, and the non-blocking request path used by event
 * loops: one wildcard inbox subscription, correlation by reply token, and a
 * timer thread that fails overdue requests. */
#include "echo/clock.h"
#include "echo/bus.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "echo/log.h"
#include "echo/metrics.h"

#define PENDING_BUCKETS 4096

typedef struct pending {
    uint64_t id;
    int64_t deadline_ms;
    bus_reply_fn cb;
    void *ctx;
    struct pending *next; /* bucket chain */
} pending_t;

typedef struct serve_ctx {
    bus_t *bus;
    bus_handler_fn fn;
    void *ctx;
    natsSubscription *sub;
    struct serve_ctx *next;
} serve_ctx_t;

struct bus {
    natsConnection *nc;
    natsOptions *opts;
    char inbox_prefix[96];
    natsSubscription *inbox_sub;
    pthread_mutex_t lock; /* guards pending, next_id, serves */
    pending_t *pending[PENDING_BUCKETS];
    size_t pending_count;
    int64_t earliest_deadline_ms; /* no pending request is due before this */
    uint64_t next_id;
    serve_ctx_t *serves;
    void **owned;
    size_t nowned;
    pthread_t timer;
    bool timer_started;
    metric_counter_t *handled;
    metric_histogram_t *handle_time;
    metric_counter_t *request_failures;
    volatile bool stopping;
    pthread_cond_t closed_cv; /* with lock: nats.c's closed callback has run */
    bool closed;
};

/* Connection callbacks run on nats.c's internal threads. */
static void on_disconnected(natsConnection *nc, void *closure)
{
    bus_t *bus = closure;
    if (!bus->stopping)
        log_warn("nats: disconnected, reconnecting");
}

/* Runs last on nats.c's callback thread: after it, no callback touches bus. */
static void on_closed(natsConnection *nc, void *closure)
{
    bus_t *bus = closure;
    pthread_mutex_lock(&bus->lock);
    bus->closed = true;
    pthread_cond_broadcast(&bus->closed_cv);
    pthread_mutex_unlock(&bus->lock);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    log_info("nats: reconnected to %s", url);
}

static void on_connected(natsConnection *nc, void *closure)
{
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    log_info("nats: connected to %s", url);
}

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    const char *subj = sub ? natsSubscription_GetSubject(sub) : NULL;
    log_error("nats: async error on %s: %s", subj ? subj : "connection", natsStatus_GetText(err));
}

/* Inbox delivery thread: completes the pending request named by the token. */
static void on_inbox_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    bus_t *bus = closure;
    const char *subj = natsMsg_GetSubject(msg);
    const char *dot = strrchr(subj, '.');
    uint64_t id = dot ? strtoull(dot + 1, NULL, 10) : 0;
    pending_t *p = NULL;
    pthread_mutex_lock(&bus->lock);
    pending_t **pp = &bus->pending[id % PENDING_BUCKETS];
    while (*pp && (*pp)->id != id)
        pp = &(*pp)->next;
    if (*pp) {
        p = *pp;
        *pp = p->next;
        bus->pending_count--;
    }
    pthread_mutex_unlock(&bus->lock);
    if (!p) { /* late reply after a timeout */
        natsMsg_Destroy(msg);
        return;
    }
    if (natsMsg_IsNoResponders(msg)) {
        metric_inc(bus->request_failures);
        natsMsg_Destroy(msg);
        p->cb(BUS_NO_RESPONDERS, NULL, p->ctx);
    } else {
        p->cb(BUS_OK, msg, p->ctx);
    }
    free(p);
}

/* Timer thread: fails requests past their deadline. The buckets are only
 * scanned once the earliest known deadline has passed. */
static void *timer_main(void *arg)
{
    bus_t *bus = arg;
    while (!bus->stopping) {
        usleep(20 * 1000);
        int64_t now = clock_mono_ms();
        pending_t *expired = NULL;
        pthread_mutex_lock(&bus->lock);
        if (bus->pending_count && bus->earliest_deadline_ms <= now) {
            int64_t earliest = INT64_MAX;
            for (int b = 0; b < PENDING_BUCKETS; b++) {
                pending_t **pp = &bus->pending[b];
                while (*pp) {
                    if ((*pp)->deadline_ms <= now) {
                        pending_t *p = *pp;
                        *pp = p->next;
                        bus->pending_count--;
                        p->next = expired;
                        expired = p;
                    } else {
                        if ((*pp)->deadline_ms < earliest)
                            earliest = (*pp)->deadline_ms;
                        pp = &(*pp)->next;
                    }
                }
            }
            bus->earliest_deadline_ms = earliest;
        }
        pthread_mutex_unlock(&bus->lock);
        while (expired) {
            pending_t *p = expired;
            expired = p->next;
            metric_inc(bus->request_failures);
            p->cb(BUS_TIMEOUT, NULL, p->ctx);
            free(p);
        }
    }
    return NULL;
}

int bus_open(bus_t **out, const char *url, const char *client_name)
{
    bus_t *bus = calloc(1, sizeof *bus);
    if (!bus)
        return BUS_ERR;
    pthread_mutex_init(&bus->lock, NULL);
    pthread_cond_init(&bus->closed_cv, NULL);
    bus->handled = metrics_counter("echochat_nats_messages_handled_total", NULL,
                                   "NATS requests and events handled by this process.");
    bus->handle_time = metrics_histogram("echochat_nats_handler_duration_seconds", NULL,
                                         "Time spent handling one NATS message.");
    bus->request_failures = metrics_counter("echochat_nats_request_failures_total", NULL,
                                            "Outgoing NATS requests that got no answer.");
    natsStatus s = natsOptions_Create(&bus->opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(bus->opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetName(bus->opts, client_name);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(bus->opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(bus->opts, 250);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectJitter(bus->opts, 100, 1000);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectBufSize(bus->opts, 64 * 1024 * 1024);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(bus->opts, 2000);
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(bus->opts, true);
    if (s == NATS_OK)
        s = natsOptions_SetPingInterval(bus->opts, 5000);
    if (s == NATS_OK)
        s = natsOptions_SetMaxPingsOut(bus->opts, 2);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(bus->opts, on_disconnected, bus);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(bus->opts, on_reconnected, bus);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(bus->opts, on_closed, bus);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(bus->opts, on_error, bus);
    if (s == NATS_OK)
        s = natsOptions_SetRetryOnFailedConnect(bus->opts, true, on_connected, bus);
    if (s != NATS_OK) {
        log_error("nats: bad options for %s: %s", url, natsStatus_GetText(s));
        goto fail;
    }
    s = natsConnection_Connect(&bus->nc, bus->opts);
    if (s == NATS_NOT_YET_CONNECTED) {
        log_warn("nats: %s not reachable yet, retrying in the background", url);
    } else if (s != NATS_OK) {
        log_error("nats: cannot connect to %s: %s", url, natsStatus_GetText(s));
        goto fail;
    }

    natsInbox *inbox = NULL;
    if (natsInbox_Create(&inbox) != NATS_OK)
        goto fail;
    snprintf(bus->inbox_prefix, sizeof bus->inbox_prefix, "%s", (const char *)inbox);
    natsInbox_Destroy(inbox);
    char wildcard[128];
    snprintf(wildcard, sizeof wildcard, "%s.*", bus->inbox_prefix);
    s = natsConnection_Subscribe(&bus->inbox_sub, bus->nc, wildcard, on_inbox_msg, bus);
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(bus->inbox_sub, -1, 512 * 1024 * 1024);
    if (s != NATS_OK) {
        log_error("nats: cannot subscribe the reply inbox: %s", natsStatus_GetText(s));
        goto fail;
    }
    if (pthread_create(&bus->timer, NULL, timer_main, bus) != 0)
        goto fail;
    bus->timer_started = true;
    *out = bus;
    return BUS_OK;
fail:
    bus_close(bus);
    return BUS_ERR;
}

void bus_close(bus_t *bus)
{
    if (!bus)
        return;
    bus->stopping = true;
    if (bus->timer_started)
        pthread_join(bus->timer, NULL);
    if (bus->nc) {
        /* Drain lets in-flight handlers finish and flushes what they publish. */
        if (natsConnection_DrainTimeout(bus->nc, 5000) == NATS_OK) {
            for (int i = 0; i < 600 && !natsConnection_IsClosed(bus->nc); i++)
                usleep(10 * 1000);
        }
        natsConnection_Close(bus->nc);
        /* Callbacks (disconnected, closed) run later on nats.c's own thread
         * and would otherwise see bus freed; the closed one comes last. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 5;
        pthread_mutex_lock(&bus->lock);
        while (!bus->closed)
            if (pthread_cond_timedwait(&bus->closed_cv, &bus->lock, &until) != 0)
                break;
        pthread_mutex_unlock(&bus->lock);
    }
    /* Requests still pending never get an answer: fail them once. */
    for (int b = 0; b < PENDING_BUCKETS; b++) {
        while (bus->pending[b]) {
            pending_t *p = bus->pending[b];
            bus->pending[b] = p->next;
            p->cb(BUS_ERR, NULL, p->ctx);
            free(p);
        }
    }
    for (serve_ctx_t *sc = bus->serves; sc;) {
        serve_ctx_t *next = sc->next;
        natsSubscription_Destroy(sc->sub);
        free(sc);
        sc = next;
    }
    for (size_t i = 0; i < bus->nowned; i++)
        free(bus->owned[i]);
    free(bus->owned);
    natsSubscription_Destroy(bus->inbox_sub);
    natsConnection_Destroy(bus->nc);
    natsOptions_Destroy(bus->opts);
    pthread_mutex_destroy(&bus->lock);
    pthread_cond_destroy(&bus->closed_cv);
    free(bus);
}

void bus_own(bus_t *bus, void *ptr)
{
    pthread_mutex_lock(&bus->lock);
    void **grown = realloc(bus->owned, (bus->nowned + 1) * sizeof *grown);
    if (!grown)
        abort();
    bus->owned = grown;
    bus->owned[bus->nowned++] = ptr;
    pthread_mutex_unlock(&bus->lock);
}

bool bus_connected(bus_t *bus)
{
    return bus && bus->nc && natsConnection_Status(bus->nc) == NATS_CONN_STATUS_CONNECTED;
}

natsConnection *bus_conn(bus_t *bus)
{
    return bus->nc;
}

const char *bus_header(natsMsg *msg, const char *key)
{
    const char *v = NULL;
    if (natsMsgHeader_Get(msg, key, &v) != NATS_OK)
        return NULL;
    return v;
}

natsMsg *bus_msg_new(const char *subject, const char *data, size_t len)
{
    natsMsg *msg = NULL;
    if (natsMsg_Create(&msg, subject, NULL, data, (int)len) != NATS_OK)
        return NULL;
    const char *rid = log_request_id();
    if (rid)
        natsMsgHeader_Set(msg, BUS_HDR_REQUEST_ID, rid);
    return msg;
}

/* Worker delivery thread of a bus_serve subscription. */
static void on_served_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    serve_ctx_t *sc = closure;
    double start = metrics_now();
    log_set_request_id(bus_header(msg, BUS_HDR_REQUEST_ID));
    sc->fn(sc->bus, msg, sc->ctx);
    log_set_request_id(NULL);
    metric_inc(sc->bus->handled);
    metric_observe(sc->bus->handle_time, metrics_now() - start);
    natsMsg_Destroy(msg);
}

int bus_serve(bus_t *bus, const char *subject, const char *queue, int workers, bus_handler_fn fn,
              void *ctx)
{
    for (int i = 0; i < workers; i++) {
        serve_ctx_t *sc = calloc(1, sizeof *sc);
        if (!sc)
            return BUS_ERR;
        sc->bus = bus;
        sc->fn = fn;
        sc->ctx = ctx;
        natsStatus s = queue ? natsConnection_QueueSubscribe(&sc->sub, bus->nc, subject, queue,
                                                             on_served_msg, sc)
                             : natsConnection_Subscribe(&sc->sub, bus->nc, subject, on_served_msg, sc);
        if (s == NATS_OK)
            s = natsSubscription_SetPendingLimits(sc->sub, -1, 256 * 1024 * 1024);
        if (s != NATS_OK) {
            log_error("nats: cannot subscribe %s: %s", subject, natsStatus_GetText(s));
            natsSubscription_Destroy(sc->sub);
            free(sc);
            return BUS_ERR;
        }
        pthread_mutex_lock(&bus->lock);
        sc->next = bus->serves;
        bus->serves = sc;
        pthread_mutex_unlock(&bus->lock);
    }
    return BUS_OK;
}

int bus_respond(bus_t *bus, natsMsg *request, const char *data, size_t len)
{
    const char *reply = natsMsg_GetReply(request);
    if (!reply || !*reply)
        return BUS_OK;
    natsMsg *msg = bus_msg_new(reply, data, len);
    if (!msg)
        return BUS_ERR;
    return bus_publish_msg(bus, msg);
}

int bus_respond_msg(bus_t *bus, natsMsg *request, natsMsg *reply)
{
    const char *to = natsMsg_GetReply(request);
    if (!to || !*to) {
        natsMsg_Destroy(reply);
        return BUS_OK;
    }
    /* Replies are built before the reply subject is known: re-address. */
    natsMsg *out = bus_msg_copy(reply, to, NULL);
    if (!out) {
        natsMsg_Destroy(reply);
        return BUS_ERR;
    }
    natsMsg_Destroy(reply);
    return bus_publish_msg(bus, out);
}

int bus_publish(bus_t *bus, const char *subject, const char *data, size_t len)
{
    natsMsg *msg = bus_msg_new(subject, data, len);
    if (!msg)
        return BUS_ERR;
    return bus_publish_msg(bus, msg);
}

int bus_publish_msg(bus_t *bus, natsMsg *msg)
{
    const char *rid = log_request_id();
    if (rid && !bus_header(msg, BUS_HDR_REQUEST_ID))
        natsMsgHeader_Set(msg, BUS_HDR_REQUEST_ID, rid);
    natsStatus s = natsConnection_PublishMsg(bus->nc, msg);
    if (s != NATS_OK)
        log_warn("nats: publish to %s failed: %s", natsMsg_GetSubject(msg), natsStatus_GetText(s));
    natsMsg_Destroy(msg);
    return s == NATS_OK ? BUS_OK : BUS_ERR;
}

static int map_status(natsStatus s)
{
    switch (s) {
    case NATS_OK: return BUS_OK;
    case NATS_TIMEOUT: return BUS_TIMEOUT;
    case NATS_NO_RESPONDERS: return BUS_NO_RESPONDERS;
    default: return BUS_ERR;
    }
}

int bus_request_msg(bus_t *bus, natsMsg *msg, int timeout_ms, natsMsg **reply)
{
    *reply = NULL;
    const char *rid = log_request_id();
    if (rid && !bus_header(msg, BUS_HDR_REQUEST_ID))
        natsMsgHeader_Set(msg, BUS_HDR_REQUEST_ID, rid);
    natsStatus s = natsConnection_RequestMsg(reply, bus->nc, msg, timeout_ms);
    natsMsg_Destroy(msg);
    if (s != NATS_OK || (*reply && natsMsg_IsNoResponders(*reply)))
        metric_inc(bus->request_failures);
    if (s == NATS_OK && *reply && natsMsg_IsNoResponders(*reply)) {
        natsMsg_Destroy(*reply);
        *reply = NULL;
        return BUS_NO_RESPONDERS;
    }
    return map_status(s);
}

int bus_request(bus_t *bus, const char *subject, const char *data, size_t len, int timeout_ms,
                natsMsg **reply)
{
    natsMsg *msg = bus_msg_new(subject, data, len);
    if (!msg)
        return BUS_ERR;
    return bus_request_msg(bus, msg, timeout_ms, reply);
}

natsMsg *bus_msg_copy(natsMsg *src, const char *subject, const char *reply)
{
    natsMsg *out = NULL;
    if (natsMsg_Create(&out, subject, reply, natsMsg_GetData(src), natsMsg_GetDataLength(src)) !=
        NATS_OK)
        return NULL;
    const char **keys = NULL;
    int nkeys = 0;
    if (natsMsgHeader_Keys(src, &keys, &nkeys) == NATS_OK) {
        for (int i = 0; i < nkeys; i++) {
            const char **vals = NULL;
            int nvals = 0;
            if (natsMsgHeader_Values(src, keys[i], &vals, &nvals) == NATS_OK) {
                for (int j = 0; j < nvals; j++)
                    natsMsgHeader_Add(out, keys[i], vals[j]);
                free((void *)vals);
            }
        }
        free((void *)keys);
    }
    return out;
}

natsMsg *bus_msg_new_request(bus_t *bus, const char *subject, const char *data, size_t len)
{
    pthread_mutex_lock(&bus->lock);
    uint64_t id = ++bus->next_id;
    pthread_mutex_unlock(&bus->lock);
    char reply[128];
    snprintf(reply, sizeof reply, "%s.%" PRIu64, bus->inbox_prefix, id);
    natsMsg *msg = NULL;
    if (natsMsg_Create(&msg, subject, reply, data, (int)len) != NATS_OK)
        return NULL;
    const char *rid = log_request_id();
    if (rid)
        natsMsgHeader_Set(msg, BUS_HDR_REQUEST_ID, rid);
    return msg;
}

/* The correlation id of a message addressed to this bus's inbox, or 0. */
static uint64_t inbox_id(bus_t *bus, natsMsg *msg)
{
    const char *reply = natsMsg_GetReply(msg);
    size_t plen = strlen(bus->inbox_prefix);
    if (!reply || strncmp(reply, bus->inbox_prefix, plen) != 0 || reply[plen] != '.')
        return 0;
    return strtoull(reply + plen + 1, NULL, 10);
}

int bus_request_async(bus_t *bus, natsMsg *msg, int timeout_ms, bus_reply_fn cb, void *ctx)
{
    pending_t *p = calloc(1, sizeof *p);
    if (!p) {
        natsMsg_Destroy(msg);
        return BUS_ERR;
    }
    p->cb = cb;
    p->ctx = ctx;
    p->deadline_ms = clock_mono_ms() + timeout_ms;
    uint64_t id = inbox_id(bus, msg);
    if (!id) {
        /* natsMsg has no reply setter: re-create it addressed to our inbox. */
        pthread_mutex_lock(&bus->lock);
        id = ++bus->next_id;
        pthread_mutex_unlock(&bus->lock);
        char reply[128];
        snprintf(reply, sizeof reply, "%s.%" PRIu64, bus->inbox_prefix, id);
        natsMsg *addressed = bus_msg_copy(msg, natsMsg_GetSubject(msg), reply);
        natsMsg_Destroy(msg);
        msg = addressed;
        if (!msg) {
            free(p);
            return BUS_ERR;
        }
    }
    const char *rid = log_request_id();
    if (rid && !bus_header(msg, BUS_HDR_REQUEST_ID))
        natsMsgHeader_Set(msg, BUS_HDR_REQUEST_ID, rid);
    pthread_mutex_lock(&bus->lock);
    p->id = id;
    p->next = bus->pending[id % PENDING_BUCKETS];
    bus->pending[id % PENDING_BUCKETS] = p;
    if (bus->pending_count++ == 0 || p->deadline_ms < bus->earliest_deadline_ms)
        bus->earliest_deadline_ms = p->deadline_ms;
    pthread_mutex_unlock(&bus->lock);

    natsStatus s = natsConnection_PublishMsg(bus->nc, msg);
    natsMsg_Destroy(msg);
    if (s != NATS_OK) {
        /* The timer may already have completed and freed the entry if the
         * publish stalled past the deadline: look it up by id, not pointer. */
        bool found = false;
        pthread_mutex_lock(&bus->lock);
        pending_t **pp = &bus->pending[id % PENDING_BUCKETS];
        while (*pp && (*pp)->id != id)
            pp = &(*pp)->next;
        if (*pp) {
            p = *pp;
            *pp = p->next;
            bus->pending_count--;
            found = true;
        }
        pthread_mutex_unlock(&bus->lock);
        if (found) {
            free(p);
            return BUS_ERR;
        }
    }
    return BUS_OK;
}
