/* Account rows and their JSON views. Runs on bus worker threads. */
#include "user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "echo/db.h"
#include "echo/isotime.h"
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

/* Python's urllib.parse.quote with safe "/": unreserved characters and "/"
 * stay, everything else is %XX. */
char *user_media_url(const char *base_url, const char *name)
{
    size_t blen = strlen(base_url), nlen = strlen(name);
    char *out = malloc(blen + 7 + 3 * nlen + 1);
    if (!out)
        abort();
    memcpy(out, base_url, blen);
    memcpy(out + blen, "/media/", 7);
    size_t o = blen + 7;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("_.-~/", c)) {
            out[o++] = (char)c;
        } else {
            o += (size_t)sprintf(out + o, "%%%02X", c);
        }
    }
    out[o] = '\0';
    return out;
}

static cJSON *user_json(const user_t *u, const char *base_url, bool own)
{
    char joined[ISOTIME_LEN];
    isotime_format(u->date_joined_us, joined, sizeof joined);
    char *url = user_media_url(base_url ? base_url : "", u->avatar);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "username", u->username);
    cJSON_AddStringToObject(o, "email", own ? u->email : "");
    cJSON_AddStringToObject(o, "profileImage", url);
    cJSON_AddStringToObject(o, "bio", u->bio);
    cJSON_AddStringToObject(o, "registeredAt", joined);
    if (own) {
        cJSON_AddBoolToObject(o, "is_staff", u->is_staff);
        cJSON_AddBoolToObject(o, "is_superuser", u->is_superuser);
    } else {
        /* Presence owns "last seen" (filled in by the caller); the key is
         * always present so clients can rely on it. */
        cJSON_AddNullToObject(o, "lastSeen");
    }
    free(url);
    return o;
}

cJSON *user_json_own(const user_t *u, const char *base_url)
{
    return user_json(u, base_url, true);
}

cJSON *user_json_public(const user_t *u, const char *base_url)
{
    return user_json(u, base_url, false);
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
