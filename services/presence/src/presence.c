/* Presence daemon runtime.
 *
 * Reports arrive on echochat.presence.report without a queue group, so every
 * presence instance holds the full state and computes the same view; the
 * gateways follow the longest-running live instance (ws_presence.c), so
 * instances are hot standbys without any coordination. We do not use NATS KV:
 * per-key TTL needs nats-server ≥ 2.11 (toolchain.md), and the view must be
 * recomputed on expiry anyway, which a local timer does exactly.
 *
 * Threads: the report and user_updated handlers run on their own bus delivery
 * threads, last_seen requests on responder workers, and the timer thread
 * sweeps, publishes and writes last_seen. `lock` guards the state; PostgreSQL
 * is only used outside it. */
#include "presence.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "echo/clock.h"
#include "echo/db.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/metrics.h"
#include "echo/subjects.h"
#include "echo/text.h"
#include "presence_state.h"

#define PRESENCE_TICK_MS 50
#define PRESENCE_MIN_PUBLISH_MS 500 /* coalescing window: ≤ 2 views/s, so ≤ 2 frames/s per socket */
#define PRESENCE_HEARTBEAT_MS 2000  /* unchanged view repeated: gateways' liveness signal */
#define PRESENCE_LAST_SEEN_MAX 500  /* usernames per last_seen request */

struct presence {
    daemon_t *d;
    pthread_mutex_t lock;
    pstate_t *state;
    char *view_json; /* last published {"online", "guests"} part, compact */
    char instance[48];
    int64_t started_ms;
    uint64_t seq;
    int64_t last_publish;
    pthread_t timer;
    bool timer_started;
    volatile bool stopping;
    metric_counter_t *m_reports, *m_bad_reports, *m_views;
    metric_gauge_t *m_online, *m_guests;
};

void presence_config_load(cfg_t *c, presence_config_t *cfg)
{
    cfg->ttl_s = (int)cfg_int(c, "PRESENCE_TTL", 40, 1, 86400);
    cfg->grace_s = (int)cfg_int(c, "PRESENCE_GRACE", 5, -86400, 86400);
}

/* Report delivery thread. */
static void presence_on_report(bus_t *bus, natsMsg *msg, void *ctx)
{
    presence_t *p = ctx;
    cJSON *r = json_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    pthread_mutex_lock(&p->lock);
    bool ok = r && pstate_apply(p->state, r, clock_mono_ms());
    pthread_mutex_unlock(&p->lock);
    metric_inc(ok ? p->m_reports : p->m_bad_reports);
    if (!ok) log_warn("presence: malformed report ignored");
    cJSON_Delete(r);
}

static void presence_write_last_seen(pstate_transition_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].uid <= 0) continue;
        char uid[32];
        snprintf(uid, sizeof uid, "%lld", t[i].uid);
        const char *params[] = {uid, t[i].username};
        PGresult *res = db_query("INSERT INTO presence.last_seen (user_id, username, last_seen) "
                                 "VALUES ($1, $2, now()) ON CONFLICT (user_id) DO UPDATE "
                                 "SET username = EXCLUDED.username, last_seen = now()",
                                 2, params);
        PQclear(res); /* failure is logged by db_query; last_seen is best effort */
    }
}

/* Timer thread: sweep expiries, publish the view when it changed (coalesced)
 * or as heartbeat, persist last_seen transitions. */
static void *presence_timer_main(void *arg)
{
    presence_t *p = arg;
    while (!p->stopping) {
        usleep(PRESENCE_TICK_MS * 1000);
        int64_t now = clock_mono_ms();
        char *body = NULL;
        size_t len = 0;
        pstate_transition_t *trans = NULL;
        size_t ntrans;
        pthread_mutex_lock(&p->lock);
        bool changed = pstate_sweep(p->state, now);
        bool due = (changed && now - p->last_publish >= PRESENCE_MIN_PUBLISH_MS) ||
                   now - p->last_publish >= PRESENCE_HEARTBEAT_MS;
        if (due) {
            cJSON *v = pstate_view(p->state);
            char *vj = v ? json_print_compact(v, NULL) : NULL;
            if (vj && (!p->view_json || strcmp(vj, p->view_json) != 0)) {
                free(p->view_json);
                p->view_json = vj;
                vj = NULL;
                metric_inc(p->m_views);
            }
            free(vj);
            if (v && cJSON_AddStringToObject(v, "instance", p->instance) &&
                cJSON_AddNumberToObject(v, "started", (double)p->started_ms) &&
                cJSON_AddNumberToObject(v, "seq", (double)++p->seq)) {
                const cJSON *online = cJSON_GetObjectItemCaseSensitive(v, "online");
                int64_t guests = 0;
                json_int(v, "guests", &guests);
                metric_gauge_set(p->m_online, cJSON_GetArraySize(online));
                metric_gauge_set(p->m_guests, guests);
                body = json_print_compact(v, &len);
            }
            cJSON_Delete(v);
            p->last_publish = now;
        }
        ntrans = pstate_take_transitions(p->state, &trans);
        pthread_mutex_unlock(&p->lock);
        if (body) bus_publish(p->d->bus, SUBJ_PRESENCE_VIEW, body, len);
        free(body);
        presence_write_last_seen(trans, ntrans);
        pstate_transitions_free(trans, ntrans);
    }
    db_thread_done();
    return NULL;
}

static void presence_iso(int64_t epoch_ms, char *out, size_t len)
{
    time_t s = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%03d000+00:00", base, (int)(epoch_ms % 1000));
}

/* Responder worker: {"usernames": [...]} → {"last_seen": {name: iso|null}}.
 * Online users answer "now"; others the stored time; unknown → null. */
static void presence_on_last_seen(bus_t *bus, natsMsg *msg, void *ctx)
{
    presence_t *p = ctx;
    cJSON *req = json_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    const cJSON *names =
        cJSON_IsObject(req) ? cJSON_GetObjectItemCaseSensitive(req, "usernames") : NULL;
    cJSON *ans = cJSON_CreateObject();
    cJSON *map = ans ? cJSON_AddObjectToObject(ans, "last_seen") : NULL;
    char *body = NULL;
    size_t len = 0;
    if (!map) goto done;
    if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) > PRESENCE_LAST_SEEN_MAX) {
        cJSON_AddStringToObject(ans, "error", "bad_request");
        goto reply;
    }
    char now_iso[48];
    presence_iso(clock_wall_ms(), now_iso, sizeof now_iso);
    const cJSON *n;
    cJSON_ArrayForEach(n, names)
    {
        if (!cJSON_IsString(n) || cJSON_GetObjectItemCaseSensitive(map, n->valuestring)) continue;
        pthread_mutex_lock(&p->lock);
        bool live = pstate_user_live(p->state, n->valuestring);
        pthread_mutex_unlock(&p->lock);
        if (live) {
            cJSON_AddStringToObject(map, n->valuestring, now_iso);
            continue;
        }
        const char *params[] = {n->valuestring};
        PGresult *res = db_query("SELECT to_char(last_seen AT TIME ZONE 'UTC', "
                                 "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') "
                                 "FROM presence.last_seen WHERE username = $1 "
                                 "ORDER BY last_seen DESC LIMIT 1",
                                 1, params);
        if (res && PQntuples(res) == 1)
            cJSON_AddStringToObject(map, n->valuestring, PQgetvalue(res, 0, 0));
        else
            cJSON_AddNullToObject(map, n->valuestring);
        PQclear(res);
    }
reply:
    body = json_print_compact(ans, &len);
    if (body) bus_respond(bus, msg, body, len);
done:
    free(body);
    cJSON_Delete(ans);
    cJSON_Delete(req);
}

/* user_updated delivery thread: keep the stored name current (renames). The
 * live view follows through the gateways' re-join under the new name. */
static void presence_on_user_updated(bus_t *bus, natsMsg *msg, void *ctx)
{
    cJSON *ev = json_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    int64_t uid;
    const char *name = cJSON_IsObject(ev) ? json_str(ev, "username") : NULL;
    if (name && json_int(ev, "user_id", &uid)) {
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)uid);
        const char *params[] = {id, name};
        PQclear(
            db_query("UPDATE presence.last_seen SET username = $2 WHERE user_id = $1", 2, params));
    }
    cJSON_Delete(ev);
}

/* user_deleted delivery thread: forget the account's last_seen. */
static void presence_on_user_deleted(bus_t *bus, natsMsg *msg, void *ctx)
{
    cJSON *ev = json_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    int64_t uid;
    if (cJSON_IsObject(ev) && json_int(ev, "user_id", &uid)) {
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)uid);
        const char *params[] = {id};
        PQclear(db_query("DELETE FROM presence.last_seen WHERE user_id = $1", 1, params));
    }
    cJSON_Delete(ev);
}

int presence_start(presence_t **out, daemon_t *d, const presence_config_t *cfg)
{
    presence_t *p = calloc(1, sizeof *p);
    if (!p) return -1;
    p->d = d;
    pthread_mutex_init(&p->lock, NULL);
    p->state = pstate_new((int64_t)cfg->ttl_s * 1000, (int64_t)cfg->grace_s * 1000);
    char rnd[13];
    if (!p->state || text_random(rnd, 12, "abcdefghijklmnopqrstuvwxyz0123456789") != 0) goto fail;
    rnd[12] = '\0';
    snprintf(p->instance, sizeof p->instance, "presence-%d-%s", (int)getpid(), rnd);
    p->started_ms = clock_wall_ms();
    p->m_reports =
        metrics_counter("echochat_presence_reports_total", NULL, "Gateway reports applied");
    p->m_bad_reports = metrics_counter("echochat_presence_bad_reports_total", NULL,
                                       "Malformed gateway reports ignored");
    p->m_views = metrics_counter("echochat_presence_view_changes_total", NULL,
                                 "Published views that differed from the previous one");
    p->m_online = metrics_gauge("echochat_presence_online_users", NULL, "Live users");
    p->m_guests = metrics_gauge("echochat_presence_guests", NULL, "Live guest keys");
    if (bus_serve(d->bus, SUBJ_PRESENCE_REPORT, NULL, 1, presence_on_report, p) != BUS_OK ||
        bus_serve(d->bus, SUBJ_PRESENCE_LAST_SEEN, QUEUE_PRESENCE, 2, presence_on_last_seen, p) !=
            BUS_OK ||
        bus_serve(d->bus, SUBJ_AUTH_EVENT_USER_UPDATED, NULL, 1, presence_on_user_updated, p) !=
            BUS_OK ||
        bus_serve(d->bus, SUBJ_AUTH_EVENT_USER_DELETED, NULL, 1, presence_on_user_deleted, p) !=
            BUS_OK)
        goto fail;
    if (pthread_create(&p->timer, NULL, presence_timer_main, p) != 0) goto fail;
    p->timer_started = true;
    log_info("presence: instance %s, TTL %d s, grace %d s", p->instance, cfg->ttl_s, cfg->grace_s);
    *out = p;
    return 0;
fail:
    presence_free(p);
    return -1;
}

/* Called before the bus is drained; handlers may still run until then, so
 * the state is freed by presence_free after daemon_shutdown. */
void presence_stop(presence_t *p)
{
    if (!p) return;
    p->stopping = true;
    if (p->timer_started) pthread_join(p->timer, NULL);
    p->timer_started = false;
}

void presence_free(presence_t *p)
{
    if (!p) return;
    presence_stop(p);
    pstate_free(p->state);
    free(p->view_json);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
