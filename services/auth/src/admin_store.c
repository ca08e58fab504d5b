/* Admin writes on auth.users. Runs on the echochat.auth.http workers. */
#include "admin_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/audit_log.h"
#include "auth.h"
#include "echo/db.h"
#include "media.h"

void admin_result_free(admin_result_t *r)
{
    user_free(&r->before);
    user_free(&r->after);
    memset(r, 0, sizeof *r);
}

bool admin_may_write(const admin_actor_t *actor, const user_t *target)
{
    return actor->is_superuser || actor->id == target->id || !(target->is_staff || target->is_superuser);
}

static bool exec_ok(const char *sql, int n, const char *const *params)
{
    PGresult *r = db_query(sql, n, params);
    if (!r)
        return false;
    PQclear(r);
    return true;
}

/* Starts the transaction, takes the admin lock and locks the target row. */
static admin_status_t begin_on(int64_t id, user_t *out)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)id);
    if (!db_begin())
        return ADMIN_ERROR;
    if (!audit_log_lock("auth")) {
        db_rollback();
        return ADMIN_ERROR;
    }
    const char *params[] = {uid};
    PGresult *r = db_query("SELECT " USER_COLUMNS " FROM auth.users WHERE id = $1 FOR UPDATE", 1, params);
    if (!r) {
        db_rollback();
        return ADMIN_ERROR;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        db_rollback();
        return ADMIN_NOT_FOUND;
    }
    memset(out, 0, sizeof *out);
    user_from_row(r, 0, out);
    PQclear(r);
    return ADMIN_OK;
}

/* True when removing u's active-superuser standing leaves nobody with it
 * (the admin lock is held, so the count cannot change under us). */
static admin_status_t last_superuser_check(const user_t *u)
{
    if (!(u->is_superuser && u->is_active))
        return ADMIN_OK;
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)u->id);
    const char *params[] = {uid};
    PGresult *r = db_query("SELECT count(*) FROM auth.users WHERE is_superuser AND is_active AND id <> $1",
                           1, params);
    if (!r)
        return ADMIN_ERROR;
    long others = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return others > 0 ? ADMIN_OK : ADMIN_LAST_SUPERUSER;
}

static admin_status_t finish(admin_status_t st)
{
    if (st != ADMIN_OK) {
        db_rollback();
        return st;
    }
    if (!db_commit()) {
        db_rollback();
        return ADMIN_ERROR;
    }
    return ADMIN_OK;
}

static void change_str(cJSON *changes, const char *field, const char *before, const char *after)
{
    if (strcmp(before, after) == 0)
        return;
    audit_log_change(changes, field, cJSON_CreateString(before), cJSON_CreateString(after));
}

static void change_bool(cJSON *changes, const char *field, bool before, bool after)
{
    if (before == after)
        return;
    audit_log_change(changes, field, cJSON_CreateBool(before), cJSON_CreateBool(after));
}

admin_status_t admin_create_user(const admin_actor_t *actor, const char *username, const char *hash,
                                 const char *email, user_t *out)
{
    memset(out, 0, sizeof *out);
    if (!db_begin())
        return ADMIN_ERROR;
    if (!audit_log_lock("auth"))
        return finish(ADMIN_ERROR);
    const char *params[] = {username, hash, email};
    PGresult *r = db_query("INSERT INTO auth.users (username, password, email) VALUES ($1, $2, $3)"
                           " RETURNING " USER_COLUMNS,
                           3, params);
    if (!r)
        return finish(strcmp(db_last_sqlstate(), "23505") == 0 ? ADMIN_NAME_TAKEN : ADMIN_ERROR);
    user_from_row(r, 0, out);
    PQclear(r);
    cJSON *changes = cJSON_CreateObject();
    change_str(changes, "username", "", out->username);
    change_str(changes, "email", "", out->email);
    bool ok = audit_log_record("auth", actor->id, actor->username, "create", "user", out->id, out->username, changes);
    cJSON_Delete(changes);
    admin_status_t st = finish(ok ? ADMIN_OK : ADMIN_ERROR);
    if (st != ADMIN_OK)
        user_free(out);
    return st;
}

admin_status_t admin_update_user(const admin_actor_t *actor, int64_t id, const admin_patch_t *p,
                                 admin_result_t *res)
{
    memset(res, 0, sizeof *res);
    admin_status_t st = begin_on(id, &res->before);
    if (st != ADMIN_OK)
        return st;
    const user_t *b = &res->before;
    bool active = p->is_active < 0 ? b->is_active : p->is_active;
    bool staff = p->is_staff < 0 ? b->is_staff : p->is_staff;
    bool super = p->is_superuser < 0 ? b->is_superuser : p->is_superuser;
    const char *username = p->username ? p->username : b->username;
    const char *email = p->email ? p->email : b->email;
    const char *bio = p->bio ? p->bio : b->bio;
    bool flags_changed = staff != b->is_staff || super != b->is_superuser;
    if (!admin_may_write(actor, b) || (flags_changed && !actor->is_superuser))
        return finish(ADMIN_SUPERUSER_REQUIRED);
    if ((!super || !active) && (st = last_superuser_check(b)) != ADMIN_OK)
        return finish(st);

    cJSON *changes = cJSON_CreateObject();
    change_str(changes, "username", b->username, username);
    change_str(changes, "email", b->email, email);
    change_str(changes, "bio", b->bio, bio);
    change_bool(changes, "is_active", b->is_active, active);
    change_bool(changes, "is_staff", b->is_staff, staff);
    change_bool(changes, "is_superuser", b->is_superuser, super);
    res->changed = changes->child != NULL;
    res->deactivated = b->is_active && !active;
    if (res->changed) {
        char uid[24];
        snprintf(uid, sizeof uid, "%lld", (long long)id);
        const char *up[] = {uid, username, email, bio, active ? "t" : "f", staff ? "t" : "f", super ? "t" : "f"};
        PGresult *r = db_query("UPDATE auth.users SET username = $2, email = $3, bio = $4, is_active = $5,"
                               " is_staff = $6, is_superuser = $7 WHERE id = $1",
                               7, up);
        if (!r) {
            st = strcmp(db_last_sqlstate(), "23505") == 0 ? ADMIN_NAME_TAKEN : ADMIN_ERROR;
        } else {
            PQclear(r);
            const char *del[] = {uid};
            if ((res->deactivated && !exec_ok("DELETE FROM auth.sessions WHERE user_id = $1", 1, del)) ||
                !audit_log_record("auth", actor->id, actor->username, "update", "user", id, username, changes))
                st = ADMIN_ERROR;
        }
    }
    cJSON_Delete(changes);
    if ((st = finish(st)) != ADMIN_OK)
        return st;
    return user_by_id(id, &res->after) == USER_FOUND ? ADMIN_OK : ADMIN_ERROR;
}

/* Drops a media row unless it is the default or another account uses it. */
static bool drop_avatar(const char *name)
{
    if (strcmp(name, AUTH_DEFAULT_AVATAR) == 0)
        return true;
    const char *params[] = {name};
    return exec_ok("DELETE FROM auth.media m WHERE m.name = $1"
                   " AND NOT EXISTS (SELECT 1 FROM auth.users u WHERE u.avatar = m.name)",
                   1, params);
}

admin_status_t admin_delete_user(const admin_actor_t *actor, int64_t id, admin_result_t *res)
{
    memset(res, 0, sizeof *res);
    admin_status_t st = begin_on(id, &res->before);
    if (st != ADMIN_OK)
        return st;
    const user_t *b = &res->before;
    if (!actor->is_superuser)
        return finish(ADMIN_SUPERUSER_REQUIRED);
    if ((st = last_superuser_check(b)) != ADMIN_OK)
        return finish(st);
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)id);
    const char *params[] = {uid};
    /* The deleted account as it was: field → [value, null]. */
    cJSON *changes = cJSON_CreateObject();
    audit_log_change(changes, "username", cJSON_CreateString(b->username), cJSON_CreateNull());
    audit_log_change(changes, "email", cJSON_CreateString(b->email), cJSON_CreateNull());
    audit_log_change(changes, "is_staff", cJSON_CreateBool(b->is_staff), cJSON_CreateNull());
    audit_log_change(changes, "is_superuser", cJSON_CreateBool(b->is_superuser), cJSON_CreateNull());
    bool ok = exec_ok("DELETE FROM auth.users WHERE id = $1", 1, params) && drop_avatar(b->avatar) &&
              audit_log_record("auth", actor->id, actor->username, "delete", "user", id, b->username, changes);
    cJSON_Delete(changes);
    res->changed = true;
    return finish(ok ? ADMIN_OK : ADMIN_ERROR);
}

admin_status_t admin_set_password(const admin_actor_t *actor, int64_t id, const char *hash,
                                  cJSON **revoked, admin_result_t *res)
{
    memset(res, 0, sizeof *res);
    *revoked = NULL;
    admin_status_t st = begin_on(id, &res->before);
    if (st != ADMIN_OK)
        return st;
    if (!admin_may_write(actor, &res->before))
        return finish(ADMIN_SUPERUSER_REQUIRED);
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)id);
    const char *up[] = {uid, hash};
    const char *keep = actor->id == id ? actor->session_hash : NULL;
    const char *del[] = {uid, keep};
    if (!exec_ok("UPDATE auth.users SET password = $2 WHERE id = $1", 2, up))
        return finish(ADMIN_ERROR);
    PGresult *r = db_query("DELETE FROM auth.sessions WHERE user_id = $1 AND hash IS DISTINCT FROM $2"
                           " RETURNING hash",
                           2, del);
    if (!r)
        return finish(ADMIN_ERROR);
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(r); i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(PQgetvalue(r, i, 0)));
    PQclear(r);
    if (!audit_log_record("auth", actor->id, actor->username, "password", "user", id, res->before.username, NULL)) {
        cJSON_Delete(list);
        return finish(ADMIN_ERROR);
    }
    if ((st = finish(ADMIN_OK)) != ADMIN_OK) {
        cJSON_Delete(list);
        return st;
    }
    res->changed = true;
    *revoked = list;
    return ADMIN_OK;
}

admin_status_t admin_set_avatar(const admin_actor_t *actor, int64_t id, const avatar_image_t *img,
                                admin_result_t *res)
{
    memset(res, 0, sizeof *res);
    admin_status_t st = begin_on(id, &res->before);
    if (st != ADMIN_OK)
        return st;
    const user_t *b = &res->before;
    if (!admin_may_write(actor, b))
        return finish(ADMIN_SUPERUSER_REQUIRED);
    res->changed = strcmp(b->avatar, img->name) != 0;
    if (res->changed) {
        char uid[24];
        snprintf(uid, sizeof uid, "%lld", (long long)id);
        const char *up[] = {uid, img->name};
        cJSON *changes = cJSON_CreateObject();
        change_str(changes, "avatar", b->avatar, img->name);
        bool ok = media_put(img->name, img->content_type, img->data, img->len) == 0 &&
                  exec_ok("UPDATE auth.users SET avatar = $2 WHERE id = $1", 2, up) && drop_avatar(b->avatar) &&
                  audit_log_record("auth", actor->id, actor->username, "update", "user", id, b->username, changes);
        cJSON_Delete(changes);
        st = ok ? ADMIN_OK : ADMIN_ERROR;
    }
    if ((st = finish(st)) != ADMIN_OK)
        return st;
    return user_by_id(id, &res->after) == USER_FOUND ? ADMIN_OK : ADMIN_ERROR;
}
