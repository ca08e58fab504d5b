/* In-memory cache of rendered history responses, so a hot room's page is
 * served without a PostgreSQL round trip or JSON rendering.
 *
 * Correctness rests on versions, not on timing. Every room maps (by a hash of
 * its room token) to a version counter, bumped when the room changes: by this
 * instance right after it commits a message, and by every instance when a
 * room event (from any instance; published only after commit) arrives. A
 * renderer reads the version *before* querying PostgreSQL and stores its
 * result under that version, so a change that lands while it renders makes
 * the entry stale instead of hiding the change. Author renames and deletions
 * bump a global epoch that invalidates everything: on auth's user_updated and
 * again on chat's authors_updated, which the instance that applied the change
 * to PostgreSQL publishes after commit (the first flush may come too early). Room events travel over
 * NATS core, which may drop them (disconnects, slow consumers): entries
 * therefore also expire after CACHE_TTL, which bounds staleness in that case.
 *
 * Bounded by construction: a direct-mapped table of CACHE_SLOTS entries, each
 * at most CACHE_MAX_BODY bytes; a colliding key simply replaces the old one.
 * One mutex guards the table; bodies are copied in and out (a page is a few
 * kB, far cheaper than the query it replaces). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat.h"
#include "echo/clock.h"
#include "echo/log.h"
#include "echo/metrics.h"
#include "echo/room_token.h"
#include "echo/subjects.h"

#define CACHE_SLOTS 1024
#define CACHE_VERSION_BUCKETS 4096
#define CACHE_MAX_BODY (64 * 1024)
#define CACHE_TTL_NS (1000LL * 1000 * 1000)

typedef struct {
    char *key;
    size_t key_len;
    char *body;
    size_t body_len;
    uint64_t version;
    uint64_t epoch;
    int64_t born_ns;
} cache_entry_t;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry_t g_slots[CACHE_SLOTS];
static _Atomic uint64_t g_versions[CACHE_VERSION_BUCKETS];
static _Atomic uint64_t g_epoch;
static metric_counter_t *m_hits, *m_misses;

void history_cache_init(void)
{
    m_hits = metrics_counter("echochat_chat_history_cache_hits_total", NULL,
                             "History pages served from the in-memory cache");
    m_misses = metrics_counter("echochat_chat_history_cache_misses_total", NULL,
                               "History pages rendered from PostgreSQL");
}

static size_t bucket_of_token(const char *token, size_t len)
{
    return (size_t)(hash_bytes(token, len) % CACHE_VERSION_BUCKETS);
}

static size_t bucket_of_room(const char *room)
{
    char *token = room_token(room, strlen(room));
    size_t b = bucket_of_token(token, strlen(token));
    free(token);
    return b;
}

void history_cache_stamp(const char *room, history_stamp_t *out)
{
    out->bucket = bucket_of_room(room);
    out->version = atomic_load(&g_versions[out->bucket]);
    out->epoch = atomic_load(&g_epoch);
}

char *history_cache_get(const history_stamp_t *st, const char *key, size_t key_len,
                        size_t *body_len)
{
    cache_entry_t *e = &g_slots[hash_bytes(key, key_len) % CACHE_SLOTS];
    char *out = NULL;
    pthread_mutex_lock(&g_lock);
    if (e->key && e->key_len == key_len && memcmp(e->key, key, key_len) == 0 &&
        e->version == st->version && e->epoch == st->epoch &&
        clock_mono_ns() - e->born_ns < CACHE_TTL_NS) {
        out = malloc(e->body_len + 1);
        if (!out)
            abort();
        memcpy(out, e->body, e->body_len + 1);
        *body_len = e->body_len;
    }
    pthread_mutex_unlock(&g_lock);
    metric_inc(out ? m_hits : m_misses);
    return out;
}

void history_cache_put(const history_stamp_t *st, const char *key, size_t key_len,
                       const char *body, size_t body_len)
{
    if (body_len > CACHE_MAX_BODY)
        return;
    char *k = malloc(key_len), *b = malloc(body_len + 1);
    if (!k || !b)
        abort();
    memcpy(k, key, key_len);
    memcpy(b, body, body_len);
    b[body_len] = '\0';
    cache_entry_t *e = &g_slots[hash_bytes(key, key_len) % CACHE_SLOTS];
    pthread_mutex_lock(&g_lock);
    char *old_k = e->key, *old_b = e->body;
    *e = (cache_entry_t){k, key_len, b, body_len, st->version, st->epoch, clock_mono_ns()};
    pthread_mutex_unlock(&g_lock);
    free(old_k);
    free(old_b);
}

void history_cache_touch_room(const char *room)
{
    atomic_fetch_add(&g_versions[bucket_of_room(room)], 1);
}

void history_cache_flush(void)
{
    atomic_fetch_add(&g_epoch, 1);
}

/* Delivery thread of the room-event subscription (every instance, no queue
 * group): any frame of a room means its history changed. */
static void on_room_event(bus_t *bus, natsMsg *msg, void *arg)
{
    const char *subject = natsMsg_GetSubject(msg);
    size_t plen = strlen(SUBJ_CHAT_ROOM_EVENT_PREFIX);
    if (strncmp(subject, SUBJ_CHAT_ROOM_EVENT_PREFIX, plen) != 0)
        return;
    const char *token = subject + plen;
    atomic_fetch_add(&g_versions[bucket_of_token(token, strlen(token))], 1);
}

/* Delivery thread of the user_updated and authors_updated subscriptions
 * (every instance): names and avatars in any cached page may have changed. */
static void on_user_updated(bus_t *bus, natsMsg *msg, void *arg)
{
    history_cache_flush();
}

int history_cache_start(bus_t *bus)
{
    char subject[128];
    snprintf(subject, sizeof subject, "%s>", SUBJ_CHAT_ROOM_EVENT_PREFIX);
    if (bus_serve(bus, subject, NULL, 1, on_room_event, NULL) != BUS_OK)
        return -1;
    if (bus_serve(bus, SUBJ_AUTH_EVENT_USER_UPDATED, NULL, 1, on_user_updated, NULL) != BUS_OK)
        return -1;
    return bus_serve(bus, SUBJ_CHAT_EVENT_AUTHORS_UPDATED, NULL, 1, on_user_updated, NULL);
}
