/* Presence state: per-gateway contributions merged into one view
 * (websocket.md §3, W8). A key (user "u:<name>" or guest "g:<ip>") is live
 * while any gateway's contribution to it is live:
 *   count > 0 and now − last_seen ≤ TTL, or
 *   count ≤ 0 and grace_until > now and now − last_seen ≤ TTL,
 * and its gateway has reported within max(TTL, 2.5 snapshot intervals).
 * Not thread-safe: the caller serialises access. Times are monotonic ms
 * supplied by the caller, so tests drive the clock. */
#ifndef PRESENCE_STATE_H
#define PRESENCE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct pstate pstate_t;

/* A user whose online state changed (for last_seen bookkeeping). */
typedef struct {
    long long uid;
    char *username;
    bool online;
} pstate_transition_t;

pstate_t *pstate_new(int64_t ttl_ms, int64_t grace_ms);
void pstate_free(pstate_t *p);

/* Applies one gateway report (proto/schemas/presence.report.json). Returns
 * false when the report is malformed (nothing is changed then). */
bool pstate_apply(pstate_t *p, const cJSON *report, int64_t now);

/* Deletes everything that is no longer live at now. True when the visible
 * view changed since the last pstate_view(). */
bool pstate_sweep(pstate_t *p, int64_t now);

/* {"online": [{"username", "profileImage"}...] (first-insertion order),
 * "guests": N}; clears the changed flag. */
cJSON *pstate_view(pstate_t *p);

/* Whether username is live (after the last sweep). */
bool pstate_user_live(pstate_t *p, const char *username);

/* Moves the pending transitions to the caller (free with
 * pstate_transitions_free). */
size_t pstate_take_transitions(pstate_t *p, pstate_transition_t **out);
void pstate_transitions_free(pstate_transition_t *t, size_t n);

#endif
