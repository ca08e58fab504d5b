/* The gateway's cache of rendered history pages (api.md 4.13), so a hot page
 * is answered from the HTTP thread without the NATS round trip to chat.
 * Only pages chat marks as the same for every caller (HTTP_HDR_CACHE_PUBLIC)
 * are kept; invalidation is by per-room versions and a global epoch, with a
 * short TTL as the bound if NATS drops an event (docs/architecture.md,
 * "History page cache"). Every function is thread-safe. */
#ifndef HISTORY_CACHE_H
#define HISTORY_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "echo/bus.h"

typedef struct history_cache history_cache_t;

/* One cached answer, immutable once stored and shared by reference: a hit
 * hands the body to libmicrohttpd without copying and drops its reference in
 * the response's free callback (history_page_unref). */
typedef struct history_page {
    atomic_int refs;
    char *content_type;
    char **headers; /* "Name: value", chat's other response headers */
    int nheaders;
    size_t body_len;
    char body[];
} history_page_t;

/* Which room version and cache epoch a request saw before it asked chat: an
 * answer is stored under the stamp taken *before* the request, so a change
 * that lands meanwhile makes the entry stale instead of hiding the change. */
typedef struct {
    size_t bucket;
    uint64_t version;
    uint64_t epoch;
} history_stamp_t;

/* bus: subscribes to every room event subject and to chat's authors_updated
 * (NULL in unit tests: no subscriptions). ttl_ms bounds an entry's life. */
history_cache_t *history_cache_new(bus_t *bus, int ttl_ms);
void history_cache_free(history_cache_t *hc);

/* True when a request may be answered from the cache: GET of
 * /api/chat/rooms/<room>/messages/ where <room> is a plain room token
 * ([A-Za-z0-9_-]+, so the raw segment is the room name and its token); the
 * token is copied to token[cap]. Anything else always goes to chat. */
bool history_cache_candidate(const char *method, const char *raw_path, char *token, size_t cap);

void history_cache_stamp(history_cache_t *hc, const char *token, history_stamp_t *out);

/* A page stored under key whose stamp is still current and younger than the
 * TTL, with a reference for the caller (history_page_unref); NULL otherwise. */
history_page_t *history_cache_get(history_cache_t *hc, const history_stamp_t *st, const char *key,
                                  size_t key_len);

/* Stores chat's answer under key and the stamp taken before asking. Skipped
 * when the stamp is already stale, the body too large, or the memory budget
 * full of live entries. headers: NULL-terminated "Name: value" list. */
void history_cache_put(history_cache_t *hc, const history_stamp_t *st, const char *key,
                       size_t key_len, const char *content_type, const char *body, size_t body_len,
                       const char *const *headers);

void history_page_unref(history_page_t *page);

/* The room changed (room event, or a post this gateway relayed): every page
 * of the room cached so far is stale. token is the room token. */
void history_cache_touch(history_cache_t *hc, const char *token);
/* Same, by room name (the WebSocket front knows names). */
void history_cache_touch_room(history_cache_t *hc, const char *room);

/* Anything may have changed (admin write, author rename): drop every page. */
void history_cache_flush(history_cache_t *hc);

#endif
