/* Admin writes on accounts (docs/admin-api.md "Users and profiles"): each
 * runs in one transaction under the admin lock, enforces the permission
 * rules against the row as locked, and records its audit entry there, so
 * a write and its audit entry commit together or not at all. */
#ifndef AUTH_ADMIN_STORE_H
#define AUTH_ADMIN_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "avatar.h"
#include "user.h"

typedef struct {
    int64_t id;
    const char *username;
    bool is_superuser;
    const char *session_hash; /* the acting request's session (kept on own password change) */
} admin_actor_t;

typedef enum {
    ADMIN_OK = 0,
    ADMIN_NOT_FOUND,
    ADMIN_SUPERUSER_REQUIRED,
    ADMIN_LAST_SUPERUSER,
    ADMIN_NAME_TAKEN,
    ADMIN_ERROR,
} admin_status_t;

/* -1 = leave unchanged. */
typedef struct {
    char *username, *email, *bio; /* NULL = leave unchanged; already validated */
    int is_active, is_staff, is_superuser;
} admin_patch_t;

/* What a write changed, for the events published after commit. */
typedef struct {
    user_t before, after;
    bool changed;     /* any field differs */
    bool deactivated; /* sessions were deleted */
} admin_result_t;

void admin_result_free(admin_result_t *r);

/* Whether actor may write to target at all: staff and superuser accounts
 * other than one's own are superusers' business. */
bool admin_may_write(const admin_actor_t *actor, const user_t *target);

admin_status_t admin_create_user(const admin_actor_t *actor, const char *username, const char *hash,
                                 const char *email, user_t *out);
admin_status_t admin_update_user(const admin_actor_t *actor, int64_t id, const admin_patch_t *p,
                                 admin_result_t *res);
/* Deletes the account (sessions cascade) and its avatar unless it is the
 * default or still used; res->before holds the deleted row. */
admin_status_t admin_delete_user(const admin_actor_t *actor, int64_t id, admin_result_t *res);
/* Replaces the hash and deletes the user's sessions (all of them, or all
 * but the actor's own when the actor changes their own password). The
 * deleted hashes are returned in *revoked (JSON array of strings). */
admin_status_t admin_set_password(const admin_actor_t *actor, int64_t id, const char *hash,
                                  cJSON **revoked, admin_result_t *res);
admin_status_t admin_set_avatar(const admin_actor_t *actor, int64_t id, const avatar_image_t *img,
                                admin_result_t *res);

#endif
