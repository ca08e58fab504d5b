/* Accounts in auth.users and the User JSON objects of api.md §3 / P3. */
#ifndef AUTH_USER_H
#define AUTH_USER_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "avatar.h"

typedef struct {
    int64_t id;
    char *username;
    char *password; /* encoded hash */
    char *email;
    char *bio;
    char *avatar;   /* media name */
    bool is_active;
    bool is_staff;
    bool is_superuser;
    int64_t date_joined_us; /* unix microseconds */
    int64_t last_login_us;  /* valid when has_last_login */
    bool has_last_login;
} user_t;

/* The columns user_from_row reads, in order. */
#define USER_COLUMNS                                                                               \
    "id, username, password, email, bio, avatar, is_active, is_staff, is_superuser,"              \
    " floor(extract(epoch FROM date_joined) * 1000000)::bigint,"                                  \
    " floor(extract(epoch FROM last_login) * 1000000)::bigint"

/* Fills out (heap strings) from row `row` of a SELECT USER_COLUMNS result. */
void user_from_row(PGresult *r, int row, user_t *out);

typedef enum { USER_FOUND = 0, USER_MISSING = 1, USER_ERROR = -1 } user_status_t;

user_status_t user_by_username(const char *username, user_t *out);
user_status_t user_by_id(int64_t id, user_t *out);
void user_free(user_t *u);

/* Inserts an active, non-staff account with the default avatar. Returns
 * USER_FOUND with out filled, USER_MISSING when the name is taken (unique
 * violation), USER_ERROR otherwise. */
user_status_t user_create(const char *username, const char *password_hash, bool staff, bool superuser,
                          const char *email, user_t *out);

/* The User object (own view: email and, P3, is_staff/is_superuser), built by
 * common/src/user_view.c like the gateway's session/ answer. */
cJSON *user_json_own(const user_t *u, const char *base_url);
/* The identity other daemons are told (proto/schemas/user.json), as "user" of o:
 * the session resolve and the lookup by name answer the same shape. */
void user_json_add_daemon(cJSON *o, int64_t id, const char *username, bool is_staff,
                          bool is_superuser, const char *avatar);
/* Public profile (api.md §4.10): email always "". */
cJSON *user_json_public(const user_t *u, const char *base_url);

typedef enum { PROFILE_SAVED = 0, PROFILE_NAME_TAKEN = 1, PROFILE_ERROR = -1 } profile_status_t;

/* Full-replace profile save in one transaction. When avatar is set it is
 * stored, the account switches to it and the previous avatar is removed
 * unless it is the default or still used. *old_username / *old_avatar
 * (heap) get the previous values. */
profile_status_t user_save_profile(int64_t id, const char *username, const char *email, const char *bio,
                                   const avatar_image_t *avatar, char **old_username, char **old_avatar);

#endif
