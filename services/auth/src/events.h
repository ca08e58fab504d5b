/* Events auth publishes for the gateways and presence (P11, W7). */
#ifndef AUTH_EVENTS_H
#define AUTH_EVENTS_H

#include <stdint.h>

#include "echo/bus.h"

/* session_hash NULL = every session of the user. reason: "logout", "login"
 * (the id was replaced by a new login), "password_changed", "deactivated" or
 * "deleted". */
void events_session_revoked(bus_t *bus, int64_t user_id, const char *session_hash, const char *reason);
/* old_username NULL when the name did not change. */
void events_user_updated(bus_t *bus, int64_t user_id, const char *username, const char *avatar,
                         const char *old_username);

/* Only own-profile fields changed (email, bio): the gateways drop the user's
 * cached sessions, whose GET session/ answers show them. Nobody else cares,
 * so chat is spared user_updated's history rewrite. */
void events_profile_updated(bus_t *bus, int64_t user_id);

/* The account is gone: chat clears author links and room ownership,
 * presence forgets the user. */
void events_user_deleted(bus_t *bus, int64_t user_id, const char *username);

#endif
