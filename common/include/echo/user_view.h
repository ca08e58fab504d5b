/* The User object of api.md §3 as clients see it (own and public views):
 * key order, the absolute avatar URL (§5.1) and the timestamp format. One
 * implementation for auth (session/, login/, profile/, public profiles) and
 * the gateway, which answers session/ itself from its session cache and
 * must say byte for byte what auth would have said. */
#ifndef ECHO_USER_VIEW_H
#define ECHO_USER_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* The account fields the views show (borrowed strings). */
typedef struct {
    const char *username;
    const char *email;
    const char *avatar; /* stored media name, e.g. "default.jpg" */
    const char *bio;
    int64_t date_joined_us; /* unix microseconds */
    bool is_staff;
    bool is_superuser;
} user_view_t;

/* Absolute media URL: base_url + "/media/" + name percent-encoded like
 * Python's urllib.parse.quote with safe "/". Heap string. */
char *user_view_media_url(const char *base_url, const char *name);

/* {"username", "email", "profileImage", "bio", "registeredAt", "is_staff",
 * "is_superuser"}: the signed-in user's own view (P3). */
cJSON *user_view_own(const user_view_t *u, const char *base_url);
/* {"username", "email": "", "profileImage", "bio", "registeredAt",
 * "lastSeen": null}: a public profile (api.md §4.10). */
cJSON *user_view_public(const user_view_t *u, const char *base_url);

#endif
