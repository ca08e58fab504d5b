/* Sessions (api.md §2.1, §2.4; decision P11): random 32-char ids handed to
 * the browser, stored only as their SHA-256, absolute 14-day lifetime. */
#ifndef AUTH_SESSION_H
#define AUTH_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "user.h"

#define SESSION_ID_LEN 32
#define SESSION_HASH_HEX 64

/* The user a session resolves to (what the gateway caches). */
typedef struct {
    int64_t id;
    char username[1024];
    char avatar[256];
    bool is_staff;
    bool is_superuser;
    int64_t expires_at; /* unix seconds */
} session_user_t;

/* out[SESSION_ID_LEN + 1]: 32 chars of [a-z0-9] from the CSPRNG. */
int session_new_id(char *out);
/* True when s has the shape of an id we issue (anything else is unknown
 * without a database round trip). */
bool session_id_well_formed(const char *s);
/* hex[SESSION_HASH_HEX + 1] = lowercase hex SHA-256 of s. */
int session_hash(const char *s, char *hex);

typedef enum { SESSION_FOUND = 0, SESSION_NONE = 1, SESSION_ERROR = -1 } session_status_t;

/* Resolves a raw cookie value to an active user with an unexpired session,
 * stamping the user's last_seen (at most once per 10 s) in the same
 * statement. SESSION_NONE for unknown, expired or inactive. When full is
 * non-NULL it also gets the whole account (password left empty; free with
 * user_free) from the same row. */
session_status_t session_resolve(const char *raw_id, session_user_t *out, char *hash_hex, user_t *full);

/* Creates a session for user_id; fills id_out[SESSION_ID_LEN + 1]. When
 * replaced_hash is non-NULL that session is deleted in the same transaction
 * (login always cycles the id). Also records last_login. */
int session_create(int64_t user_id, const char *replaced_hash, char *id_out);
/* Deletes one session; returns the number deleted (0/1) or -1. */
int session_delete(const char *hash_hex);
/* Deletes every session of a user; returns the count or -1. */
int session_delete_user(int64_t user_id);

#endif
