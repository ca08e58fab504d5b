/* Session cache: an open hash of sessionid → resolved user with a short TTL,
 * filled from echochat.auth.session.resolve and emptied per user by auth's
 * revocation and update events (which run on NATS delivery threads). An
 * entry holds the daemon-facing user JSON and the own-profile fields that
 * GET /api/auth/session/ shows. */
#include "session_cache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <pthread.h>

#include "echo/clock.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/metrics.h"
#include "echo/subjects.h"

#define BUCKETS 8192
#define MAX_ENTRIES 200000

typedef struct entry {
    char sid[33];
    session_user_t user; /* owned copy */
    int64_t expires_ms;  /* monotonic */
    struct entry *next;
} entry_t;

struct session_cache {
    bus_t *bus;
    int ttl_ms, timeout_ms;
    pthread_mutex_t lock;
    entry_t *buckets[BUCKETS];
    size_t count;
    metric_counter_t *hits, *misses;
};

typedef struct {
    session_cache_t *cache;
    char sid[33];
    session_resolved_fn cb;
    void *ctx;
} lookup_t;

static unsigned hash_sid(const char *s)
{
    return hash_str(s) % BUCKETS;
}

bool session_id_plausible(const char *sid)
{
    if (!sid || strlen(sid) != 32)
        return false;
    for (const char *p = sid; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

void session_user_clear(session_user_t *u)
{
    free(u->user_json);
    free(u->username);
    free(u->avatar);
    free(u->email);
    free(u->bio);
    memset(u, 0, sizeof *u);
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static void user_copy(session_user_t *dst, const session_user_t *src)
{
    *dst = *src;
    dst->user_json = dup_or_null(src->user_json);
    dst->username = dup_or_null(src->username);
    dst->avatar = dup_or_null(src->avatar);
    dst->email = dup_or_null(src->email);
    dst->bio = dup_or_null(src->bio);
}

static void entry_free(entry_t *e)
{
    session_user_clear(&e->user);
    free(e);
}

static void drop_all_locked(session_cache_t *c)
{
    for (int b = 0; b < BUCKETS; b++) {
        while (c->buckets[b]) {
            entry_t *e = c->buckets[b];
            c->buckets[b] = e->next;
            entry_free(e);
        }
    }
    c->count = 0;
}

void session_cache_forget_sid(session_cache_t *c, const char *sid)
{
    pthread_mutex_lock(&c->lock);
    entry_t **pp = &c->buckets[hash_sid(sid)];
    while (*pp && strcmp((*pp)->sid, sid) != 0)
        pp = &(*pp)->next;
    if (*pp) {
        entry_t *e = *pp;
        *pp = e->next;
        entry_free(e);
        c->count--;
    }
    pthread_mutex_unlock(&c->lock);
}

void session_cache_forget_user(session_cache_t *c, int64_t user_id)
{
    pthread_mutex_lock(&c->lock);
    for (int b = 0; b < BUCKETS; b++) {
        entry_t **pp = &c->buckets[b];
        while (*pp) {
            if ((*pp)->user.user_id == user_id) {
                entry_t *e = *pp;
                *pp = e->next;
                entry_free(e);
                c->count--;
            } else {
                pp = &(*pp)->next;
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
}

/* NATS delivery thread: auth revoked sessions or changed a user. */
static void on_user_event(bus_t *bus, natsMsg *msg, void *ctx)
{
    session_cache_t *c = ctx;
    cJSON *o = json_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    int64_t user_id = 0;
    if (json_int(o, "user_id", &user_id) && user_id > 0)
        session_cache_forget_user(c, user_id);
    else
        log_warn("session cache: ignoring malformed event on %s", natsMsg_GetSubject(msg));
    cJSON_Delete(o);
}

session_cache_t *session_cache_new(bus_t *bus, int ttl_ms, int timeout_ms)
{
    session_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->bus = bus;
    c->ttl_ms = ttl_ms;
    c->timeout_ms = timeout_ms;
    pthread_mutex_init(&c->lock, NULL);
    c->hits = metrics_counter("echochat_gateway_session_cache_total", "result=\"hit\"",
                              "Session lookups by cache result.");
    c->misses = metrics_counter("echochat_gateway_session_cache_total", "result=\"miss\"",
                                "Session lookups by cache result.");
    if (bus_serve(bus, SUBJ_AUTH_EVENT_SESSION_REVOKED, NULL, 1, on_user_event, c) != BUS_OK ||
        bus_serve(bus, SUBJ_AUTH_EVENT_USER_UPDATED, NULL, 1, on_user_event, c) != BUS_OK ||
        bus_serve(bus, SUBJ_AUTH_EVENT_PROFILE_UPDATED, NULL, 1, on_user_event, c) != BUS_OK) {
        session_cache_free(c);
        return NULL;
    }
    return c;
}

void session_cache_free(session_cache_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    drop_all_locked(c);
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

bool session_cache_get(session_cache_t *c, const char *sid, session_user_t *out)
{
    int64_t now = clock_mono_ms();
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    for (entry_t *e = c->buckets[hash_sid(sid)]; e; e = e->next) {
        if (strcmp(e->sid, sid) == 0 && e->expires_ms > now) {
            user_copy(out, &e->user);
            hit = true;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    metric_inc(hit ? c->hits : c->misses);
    return hit;
}

static void store(session_cache_t *c, const char *sid, const session_user_t *u, int64_t ttl_ms)
{
    entry_t *ne = calloc(1, sizeof *ne);
    if (!ne)
        abort();
    memcpy(ne->sid, sid, 33);
    user_copy(&ne->user, u);
    ne->expires_ms = clock_mono_ms() + ttl_ms;
    unsigned b = hash_sid(sid);
    pthread_mutex_lock(&c->lock);
    if (c->count >= MAX_ENTRIES)
        drop_all_locked(c); /* crude but bounded: the cache refills within a TTL */
    entry_t **pp = &c->buckets[b];
    while (*pp && strcmp((*pp)->sid, sid) != 0)
        pp = &(*pp)->next;
    if (*pp) {
        entry_t *old = *pp;
        *pp = old->next;
        entry_free(old);
        c->count--;
    }
    ne->next = c->buckets[b];
    c->buckets[b] = ne;
    c->count++;
    pthread_mutex_unlock(&c->lock);
}

/* The own-profile part of a resolve answer (auth ≥ this version); without
 * it has_profile stays false and session/ goes to auth as before. */
static void take_profile(const cJSON *answer, const cJSON *user, session_user_t *u)
{
    const cJSON *profile = cJSON_GetObjectItemCaseSensitive(answer, "profile");
    const char *email = json_str(profile, "email"), *bio = json_str(profile, "bio");
    const char *avatar = json_str(user, "avatar");
    int64_t joined = 0;
    if (!email || !bio || !avatar || !json_int(profile, "date_joined_us", &joined))
        return;
    u->username = dup_or_null(json_str(user, "username"));
    u->avatar = dup_or_null(avatar);
    u->email = dup_or_null(email);
    u->bio = dup_or_null(bio);
    u->date_joined_us = joined;
    json_bool(user, "is_superuser", &u->is_superuser);
    u->has_profile = true;
}

/* Interprets auth's answer to a resolve request and caches it. False when
 * auth could not tell (an outage must look neither like a guest nor be cached). */
static bool take_answer(session_cache_t *c, const char *sid, natsMsg *reply, session_user_t *u)
{
    bool ok = false;
    cJSON *o = json_parse(natsMsg_GetData(reply), (size_t)natsMsg_GetDataLength(reply));
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(o, "user");
    if (cJSON_IsObject(user)) {
        int64_t id = 0;
        if (json_int(user, "id", &id) && id > 0 && json_str(user, "username")) {
            u->user_id = id;
            json_bool(user, "is_staff", &u->is_staff);
            u->user_json = json_print_compact(user, NULL);
            take_profile(o, user, u);
            ok = true;
        }
    } else if (cJSON_IsNull(user)) {
        ok = true;
    }
    if (!ok && json_str(o, "error"))
        log_warn("session cache: auth cannot resolve sessions now (%s)", json_str(o, "error"));
    else if (!ok)
        log_error("session cache: malformed answer from auth");
    int64_t expires_at = 0;
    int64_t ttl = c->ttl_ms;
    if (ok && u->user_id && json_int(o, "expires_at", &expires_at)) {
        int64_t left_ms = (expires_at - (int64_t)time(NULL)) * 1000;
        if (left_ms < ttl)
            ttl = left_ms > 0 ? left_ms : 0;
    }
    if (ok && ttl > 0)
        store(c, sid, u, ttl);
    cJSON_Delete(o);
    return ok;
}

static void log_unavailable(int status)
{
    log_warn("session cache: auth unavailable (%s)",
             status == BUS_TIMEOUT ? "timeout" : status == BUS_NO_RESPONDERS ? "no responders"
                                                                           : "error");
}

static natsMsg *resolve_request(bus_t *bus, const char *sid, bool addressed)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "session_id", sid);
    size_t len = 0;
    char *body = json_print_compact(req, &len);
    cJSON_Delete(req);
    natsMsg *msg = addressed ? bus_msg_new_request(bus, SUBJ_AUTH_SESSION_RESOLVE, body, len)
                             : bus_msg_new(SUBJ_AUTH_SESSION_RESOLVE, body, len);
    free(body);
    return msg;
}

/* NATS inbox or timer thread: auth's answer to one resolve request. */
static void on_resolved(int status, natsMsg *reply, void *ctx)
{
    lookup_t *l = ctx;
    session_user_t u = {0};
    bool ok = false;
    if (status == BUS_OK) {
        ok = take_answer(l->cache, l->sid, reply, &u);
        natsMsg_Destroy(reply);
    } else {
        log_unavailable(status);
    }
    l->cb(ok, &u, l->ctx);
    free(l);
}

bool session_cache_resolve_sync(session_cache_t *c, const char *sid, int timeout_ms,
                                session_user_t *out)
{
    memset(out, 0, sizeof *out);
    if (!session_id_plausible(sid) || session_cache_get(c, sid, out))
        return true;
    natsMsg *msg = resolve_request(c->bus, sid, false);
    natsMsg *reply = NULL;
    int status = msg ? bus_request_msg(c->bus, msg, timeout_ms, &reply) : BUS_ERR;
    if (status != BUS_OK) {
        log_unavailable(status);
        return false;
    }
    bool ok = take_answer(c, sid, reply, out);
    natsMsg_Destroy(reply);
    return ok;
}

void session_cache_resolve(session_cache_t *c, const char *sid, session_resolved_fn cb, void *ctx)
{
    session_user_t u = {0};
    if (!session_id_plausible(sid)) {
        cb(true, &u, ctx);
        return;
    }
    if (session_cache_get(c, sid, &u)) {
        cb(true, &u, ctx);
        return;
    }
    lookup_t *l = calloc(1, sizeof *l);
    if (!l)
        abort();
    l->cache = c;
    memcpy(l->sid, sid, 33);
    l->cb = cb;
    l->ctx = ctx;
    natsMsg *msg = resolve_request(c->bus, sid, true);
    if (!msg || bus_request_async(c->bus, msg, c->timeout_ms, on_resolved, l) != BUS_OK)
        on_resolved(BUS_ERR, NULL, l);
}
