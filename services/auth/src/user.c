/* Account rows and their JSON views. Runs on bus worker threads. */
#include "user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "echo/db.h"
#include "echo/user_view.h"
#include "media.h"

static char *dup_value(PGresult *r, int row, int col)
{
    char *s = strdup(PQgetvalue(r, row, col));
    if (!s)
        abort();
    return s;
}

void user_from_row(PGresult *r, int row, user_t *out)
{
    out->id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    out->username = dup_value(r, row, 1);
    out->password = dup_value(r, row, 2);
    out->email = dup_value(r, row, 3);
    out->bio = dup_value(r, row, 4);
    out->avatar = dup_value(r, row, 5);
    out->is_active = PQgetvalue(r, row, 6)[0] == 't';
    out->is_staff = PQgetvalue(r, row, 7)[0] == 't';
    out->is_superuser = PQgetvalue(r, row, 8)[0] == 't';
    out->date_joined_us = strtoll(PQgetvalue(r, row, 9), NULL, 10);
    out->has_last_login = !PQgetisnull(r, row, 10);
    out->last_login_us = out->has_last_login ? strtoll(PQgetvalue(r, row, 10), NULL, 10) : 0;
}

static user_status_t load(const char *sql, const char *param, user_t *out)
{
    memset(out, 0, sizeof *out);
    const char *params[] = {param};
    PGresult *r = db_query(sql, 1, params);
    if (!r)
        return USER_ERROR;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return USER_MISSING;
    }
    user_from_row(r, 0, out);
    PQclear(r);
    return USER_FOUND;
}

user_status_t user_by_username(const char *username, user_t *out)
{
    return load("SELECT " USER_COLUMNS " FROM auth.users WHERE username = $1", username, out);
}

user_status_t user_by_id(int64_t id, user_t *out)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)id);
    return load("SELECT " USER_COLUMNS " FROM auth.users WHERE id = $1", buf, out);
}

void user_free(user_t *u)
{
    free(u->username);
    free(u->password);
    free(u->email);
    free(u->bio);
    free(u->avatar);
    memset(u, 0, sizeof *u);
}

user_status_t user_create(const char *username, const char *password_hash, bool staff, bool superuser,
                          const char *email, user_t *out)
{
    const char *params[] = {username, password_hash, staff ? "t" : "f", superuser ? "t" : "f",
                            email ? email : ""};
    memset(out, 0, sizeof *out);
    PGresult *r = db_query("INSERT INTO auth.users (username, password, is_staff, is_superuser, email)"
                           " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                           5, params);
    if (!r)
        return strcmp(db_last_sqlstate(), "23505") == 0 ? USER_MISSING : USER_ERROR;
    int64_t id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return user_by_id(id, out);
}

/* The shared views (common/src/user_view.c) over an account row. */
static user_view_t view_of(const user_t *u)
{
    return (user_view_t){.username = u->username,
                         .email = u->email,
                         .avatar = u->avatar,
                         .bio = u->bio,
                         .date_joined_us = u->date_joined_us,
                         .is_staff = u->is_staff,
                         .is_superuser = u->is_superuser};
}

void user_json_add_daemon(cJSON *o, int64_t id, const char *username, bool is_staff,
                          bool is_superuser, const char *avatar)
{
    cJSON *user = cJSON_AddObjectToObject(o, "user");
    cJSON_AddNumberToObject(user, "id", (double)id);
    cJSON_AddStringToObject(user, "username", username);
    cJSON_AddBoolToObject(user, "is_staff", is_staff);
    cJSON_AddBoolToObject(user, "is_superuser", is_superuser);
    cJSON_AddStringToObject(user, "avatar", avatar);
}

cJSON *user_json_own(const user_t *u, const char *base_url)
{
    user_view_t v = view_of(u);
    return user_view_own(&v, base_url);
}

cJSON *user_json_public(const user_t *u, const char *base_url)
{
    user_view_t v = view_of(u);
    return user_view_public(&v, base_url);
}

profile_status_t user_save_profile(int64_t id, const char *username, const char *email, const char *bio,
                                   const avatar_image_t *avatar, char **old_username, char **old_avatar)
{
    const char *avatar_name = avatar ? avatar->name : NULL;
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)id);
    *old_username = *old_avatar = NULL;
    if (!db_begin())
        return PROFILE_ERROR;
    const char *sel[] = {uid};
    PGresult *r = db_query("SELECT username, avatar FROM auth.users WHERE id = $1 FOR UPDATE", 1, sel);
    if (!r || PQntuples(r) != 1) {
        if (r)
            PQclear(r);
        db_rollback();
        return PROFILE_ERROR;
    }
    *old_username = strdup(PQgetvalue(r, 0, 0));
    *old_avatar = strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (avatar && media_put(avatar->name, avatar->content_type, avatar->data, avatar->len) != 0) {
        db_rollback();
        return PROFILE_ERROR;
    }
    const char *up[] = {uid, username, email, bio, avatar_name};
    r = db_query("UPDATE auth.users SET username = $2, email = $3, bio = $4,"
                 " avatar = coalesce($5, avatar) WHERE id = $1",
                 5, up);
    if (!r) {
        bool taken = strcmp(db_last_sqlstate(), "23505") == 0;
        db_rollback();
        return taken ? PROFILE_NAME_TAKEN : PROFILE_ERROR;
    }
    PQclear(r);
    if (avatar_name && strcmp(*old_avatar, avatar_name) != 0 &&
        strcmp(*old_avatar, AUTH_DEFAULT_AVATAR) != 0) {
        const char *del[] = {*old_avatar};
        r = db_query("DELETE FROM auth.media m WHERE m.name = $1"
                     " AND NOT EXISTS (SELECT 1 FROM auth.users u WHERE u.avatar = m.name)",
                     1, del);
        if (!r) {
            db_rollback();
            return PROFILE_ERROR;
        }
        PQclear(r);
    }
    if (!db_commit()) {
        db_rollback();
        return PROFILE_ERROR;
    }
    return PROFILE_SAVED;
}
