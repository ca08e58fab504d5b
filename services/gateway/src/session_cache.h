/* Session resolution for the gateway: sessionid cookie → user, asked of the
 * auth daemon over NATS and cached for a few seconds. A session_revoked or
 * user_updated event from auth drops the user's entries at once. One cache
 * serves the HTTP and WebSocket fronts, so the session the SPA resolved over
 * HTTP on page load opens its sockets without another round trip; every
 * function is thread-safe. */
#ifndef SESSION_CACHE_H
#define SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "echo/bus.h"

typedef struct session_cache session_cache_t;

/* The resolved identity. user_json is the compact JSON user object passed to
 * daemons (NULL for guests); user_id is 0 for guests. has_profile says the
 * own-profile fields below are filled (auth sends them with every resolve;
 * an older auth does not, and then GET session/ is forwarded as before):
 * everything the gateway needs to answer GET /api/auth/session/ itself. */
typedef struct {
    char *user_json;
    int64_t user_id;
    bool is_staff;
    bool has_profile;
    bool is_superuser;
    char *username, *avatar, *email, *bio;
    int64_t date_joined_us;
} session_user_t;

session_cache_t *session_cache_new(bus_t *bus, int ttl_ms, int timeout_ms);
void session_cache_free(session_cache_t *cache);

/* A syntactically possible session id (32 chars of [a-z0-9]); anything else
 * is a guest without asking auth. */
bool session_id_plausible(const char *sid);

/* Cache hit: fills *out (caller frees with session_user_clear) and returns
 * true. */
bool session_cache_get(session_cache_t *cache, const char *sid, session_user_t *out);

/* Completion of a lookup; runs on a NATS thread (or the caller's on a hit).
 * ok is false when auth could not be asked (the caller should answer 503);
 * the callee owns user (session_user_clear). */
typedef void (*session_resolved_fn)(bool ok, session_user_t *user, void *ctx);
void session_cache_resolve(session_cache_t *cache, const char *sid, session_resolved_fn cb,
                           void *ctx);

/* Blocking variant for the WebSocket handshake, which lws cannot suspend:
 * a cache hit costs nothing, a miss one NATS round trip of at most
 * timeout_ms. False when auth could not be asked. */
bool session_cache_resolve_sync(session_cache_t *cache, const char *sid, int timeout_ms,
                                session_user_t *out);

/* Drops every cached session of a user (auth revoked or changed them). The
 * cache does this itself on auth's events (session_revoked, user_updated,
 * profile_updated) and the HTTP front when auth's answer names the user in
 * Http-Forget-User; the WebSocket front calls it too so
 * that no handshake on its thread can use an entry its revocation outlived. */
void session_cache_forget_user(session_cache_t *cache, int64_t user_id);

/* Drops one session: called when an answer replaces or expires the client's
 * sessionid cookie (login, logout), so the next request of that client never
 * meets the old identity even before auth's revocation event arrives. */
void session_cache_forget_sid(session_cache_t *cache, const char *sid);

void session_user_clear(session_user_t *u);

#endif
