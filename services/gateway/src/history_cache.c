/* Rendered history pages kept by the gateway (history_cache.h), so that the
 * hot page of a room full of readers costs one hash lookup on the HTTP thread
 * instead of the gateway → NATS → chat → NATS → gateway round trip.
 *
 * What may be cached is chat's decision, not ours: only a 200 carrying
 * Http-Cache-Public (today the public room, which every caller incl. guests
 * may read and whose body depends on nothing per user) is stored, so a page
 * is never served to someone chat would have answered differently.
 *
 * Correctness rests on versions, like chat's own cache: each room maps (by a
 * hash of its token) to a version counter, and one global epoch covers
 * everything. A request records the stamp before it asks chat and the answer
 * is stored under that stamp; a lookup only accepts an entry whose stamp is
 * still current. Versions are bumped by every room event (a wildcard
 * subscription here, and ws_fanout.c before it delivers a frame to a local
 * socket), by the WebSocket front when chat answers a post of a local socket
 * (read-your-writes); the epoch by admin and other unsafe chat requests the
 * HTTP front relays and by chat's authors_updated (names and avatars in every
 * page), which chat publishes once it has committed a rename or deletion that
 * auth announced: flushing on auth's own events could run before chat's
 * update and let the old page be cached again. NATS core may lose events, so an entry also
 * dies after the TTL (1 s), which bounds staleness in that case.
 *
 * Bounded: a direct-mapped table of SLOTS entries (a colliding key replaces
 * the old one), bodies of at most MAX_BODY bytes, and at most MAX_BYTES of
 * bodies in total. One mutex guards the table; pages are reference-counted
 * so a hit copies nothing and the lock is held only for the lookup. */
#include "history_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "echo/clock.h"
#include "echo/log.h"
#include "echo/metrics.h"
#include "echo/room_token.h"
#include "echo/subjects.h"

#define SLOTS 1024
#define VERSION_BUCKETS 4096
#define MAX_BODY (256 * 1024)
#define MAX_BYTES (32 * 1024 * 1024)

typedef struct {
    char *key;
    size_t key_len;
    history_page_t *page;
    size_t bucket;
    uint64_t version;
    uint64_t epoch;
    int64_t born_ns;
} slot_t;

struct history_cache {
    int64_t ttl_ns;
    pthread_mutex_t lock; /* guards slots, bytes, entries */
    slot_t slots[SLOTS];
    size_t bytes, entries;
    _Atomic uint64_t versions[VERSION_BUCKETS];
    _Atomic uint64_t epoch;
    metric_counter_t *m_hits, *m_misses, *m_stored, *m_flushes;
    metric_gauge_t *m_bytes, *m_entries;
};

static size_t bucket_of(const char *token)
{
    return (size_t)(hash_bytes(token, strlen(token)) % VERSION_BUCKETS);
}

bool history_cache_candidate(const char *method, const char *raw_path, char *token, size_t cap)
{
    static const char prefix[] = "/api/chat/rooms/", suffix[] = "/messages/";
    if (strcmp(method, "GET") != 0 || strncmp(raw_path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *seg = raw_path + sizeof prefix - 1;
    size_t n = strspn(seg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
    if (n == 0 || n >= cap || strcmp(seg + n, suffix) != 0)
        return false;
    memcpy(token, seg, n);
    token[n] = '\0';
    return true;
}

void history_cache_stamp(history_cache_t *hc, const char *token, history_stamp_t *out)
{
    out->bucket = bucket_of(token);
    out->version = atomic_load(&hc->versions[out->bucket]);
    out->epoch = atomic_load(&hc->epoch);
}

static bool stamp_current(history_cache_t *hc, size_t bucket, uint64_t version, uint64_t epoch)
{
    return atomic_load(&hc->versions[bucket]) == version && atomic_load(&hc->epoch) == epoch;
}

void history_page_unref(history_page_t *page)
{
    if (!page || atomic_fetch_sub(&page->refs, 1) != 1)
        return;
    free(page->content_type);
    for (int i = 0; i < page->nheaders; i++)
        free(page->headers[i]);
    free(page->headers);
    free(page);
}

/* Caller holds hc->lock. Dropping the table's reference only frees memory
 * (no callback runs), so it is done under the lock. */
static void slot_clear_locked(history_cache_t *hc, slot_t *s)
{
    if (s->page) {
        hc->bytes -= s->page->body_len;
        hc->entries--;
    }
    history_page_unref(s->page);
    free(s->key);
    memset(s, 0, sizeof *s);
}

history_page_t *history_cache_get(history_cache_t *hc, const history_stamp_t *st, const char *key,
                                  size_t key_len)
{
    slot_t *s = &hc->slots[hash_bytes(key, key_len) % SLOTS];
    history_page_t *page = NULL;
    pthread_mutex_lock(&hc->lock);
    if (s->page && s->key_len == key_len && memcmp(s->key, key, key_len) == 0 &&
        s->version == st->version && s->epoch == st->epoch &&
        stamp_current(hc, st->bucket, st->version, st->epoch) &&
        clock_mono_ns() - s->born_ns < hc->ttl_ns) {
        page = s->page;
        atomic_fetch_add(&page->refs, 1);
    }
    pthread_mutex_unlock(&hc->lock);
    metric_inc(page ? hc->m_hits : hc->m_misses);
    return page;
}

static history_page_t *page_new(const char *content_type, const char *body, size_t body_len,
                                const char *const *headers)
{
    history_page_t *p = calloc(1, sizeof *p + body_len + 1);
    if (!p)
        return NULL;
    atomic_init(&p->refs, 1);
    p->body_len = body_len;
    memcpy(p->body, body, body_len);
    p->body[body_len] = '\0';
    int n = 0;
    while (headers && headers[n])
        n++;
    p->content_type = strdup(content_type ? content_type : "application/json");
    p->headers = calloc((size_t)n + 1, sizeof *p->headers);
    if (!p->content_type || !p->headers)
        goto fail;
    for (int i = 0; i < n; i++) {
        if (!(p->headers[i] = strdup(headers[i])))
            goto fail;
        p->nheaders++;
    }
    return p;
fail:
    history_page_unref(p);
    return NULL;
}

/* Caller holds hc->lock: frees every entry that can never be served again
 * (stale stamp or past the TTL), to make room under MAX_BYTES. Runs only when
 * a store would exceed the budget. */
static void sweep_locked(history_cache_t *hc)
{
    int64_t now = clock_mono_ns();
    for (size_t i = 0; i < SLOTS; i++) {
        slot_t *s = &hc->slots[i];
        if (s->page && (!stamp_current(hc, s->bucket, s->version, s->epoch) ||
                        now - s->born_ns >= hc->ttl_ns))
            slot_clear_locked(hc, s);
    }
}

void history_cache_put(history_cache_t *hc, const history_stamp_t *st, const char *key,
                       size_t key_len, const char *content_type, const char *body, size_t body_len,
                       const char *const *headers)
{
    if (body_len > MAX_BODY || !stamp_current(hc, st->bucket, st->version, st->epoch))
        return;
    history_page_t *page = page_new(content_type, body, body_len, headers);
    char *k = malloc(key_len);
    if (!page || !k) {
        history_page_unref(page);
        free(k);
        return; /* out of memory: simply not cached */
    }
    memcpy(k, key, key_len);
    slot_t *s = &hc->slots[hash_bytes(key, key_len) % SLOTS];
    pthread_mutex_lock(&hc->lock);
    slot_clear_locked(hc, s);
    if (hc->bytes + body_len > MAX_BYTES)
        sweep_locked(hc);
    bool fits = hc->bytes + body_len <= MAX_BYTES;
    if (fits) {
        *s = (slot_t){k, key_len, page, st->bucket, st->version, st->epoch, clock_mono_ns()};
        hc->bytes += body_len;
        hc->entries++;
    }
    size_t bytes = hc->bytes, entries = hc->entries;
    pthread_mutex_unlock(&hc->lock);
    if (!fits) {
        history_page_unref(page);
        free(k);
        return;
    }
    metric_inc(hc->m_stored);
    metric_gauge_set(hc->m_bytes, (int64_t)bytes);
    metric_gauge_set(hc->m_entries, (int64_t)entries);
}

void history_cache_touch(history_cache_t *hc, const char *token)
{
    atomic_fetch_add(&hc->versions[bucket_of(token)], 1);
}

void history_cache_touch_room(history_cache_t *hc, const char *room)
{
    char *token = room_token(room, strlen(room));
    if (token)
        history_cache_touch(hc, token);
    else
        history_cache_flush(hc); /* out of memory: be safe, drop everything */
    free(token);
}

void history_cache_flush(history_cache_t *hc)
{
    atomic_fetch_add(&hc->epoch, 1);
    metric_inc(hc->m_flushes);
}

/* Delivery thread of the room-event wildcard subscription (every gateway, no
 * queue group): any frame of a room (message, edit, delete) means its history
 * changed, whether or not this gateway has sockets in it. */
static void on_room_event(bus_t *bus, natsMsg *msg, void *ctx)
{
    history_cache_t *hc = ctx;
    const char *subject = natsMsg_GetSubject(msg);
    size_t plen = strlen(SUBJ_CHAT_ROOM_EVENT_PREFIX);
    if (strncmp(subject, SUBJ_CHAT_ROOM_EVENT_PREFIX, plen) == 0)
        history_cache_touch(hc, subject + plen);
}

/* Delivery thread of the authors_updated subscription: names and avatars in
 * any cached page may have changed. */
static void on_authors_updated(bus_t *bus, natsMsg *msg, void *ctx)
{
    history_cache_flush(ctx);
}

history_cache_t *history_cache_new(bus_t *bus, int ttl_ms)
{
    history_cache_t *hc = calloc(1, sizeof *hc);
    if (!hc)
        return NULL;
    hc->ttl_ns = (int64_t)ttl_ms * 1000000LL;
    pthread_mutex_init(&hc->lock, NULL);
    const char *help = "History pages looked up in the gateway's page cache, by result.";
    hc->m_hits = metrics_counter("echochat_gateway_history_cache_total", "result=\"hit\"", help);
    hc->m_misses = metrics_counter("echochat_gateway_history_cache_total", "result=\"miss\"", help);
    hc->m_stored = metrics_counter("echochat_gateway_history_cache_stored_total", NULL,
                                   "History pages stored in the gateway's page cache.");
    hc->m_flushes = metrics_counter("echochat_gateway_history_cache_flushes_total", NULL,
                                    "Times the whole page cache was invalidated (admin writes, "
                                    "user events).");
    hc->m_bytes = metrics_gauge("echochat_gateway_history_cache_bytes", NULL,
                                "Bytes of page bodies held by the page cache.");
    hc->m_entries = metrics_gauge("echochat_gateway_history_cache_entries", NULL,
                                  "Pages held by the page cache.");
    if (!bus)
        return hc;
    char subject[128];
    snprintf(subject, sizeof subject, "%s>", SUBJ_CHAT_ROOM_EVENT_PREFIX);
    if (bus_serve(bus, subject, NULL, 1, on_room_event, hc) != BUS_OK ||
        bus_serve(bus, SUBJ_CHAT_EVENT_AUTHORS_UPDATED, NULL, 1, on_authors_updated, hc) != BUS_OK) {
        log_error("history cache: cannot subscribe to room and authors events");
        history_cache_free(hc);
        return NULL;
    }
    return hc;
}

/* After the fronts stopped (no lookups left); subscriptions end with the bus. */
void history_cache_free(history_cache_t *hc)
{
    if (!hc)
        return;
    pthread_mutex_lock(&hc->lock);
    for (size_t i = 0; i < SLOTS; i++)
        slot_clear_locked(hc, &hc->slots[i]);
    pthread_mutex_unlock(&hc->lock);
    pthread_mutex_destroy(&hc->lock);
    free(hc);
}
