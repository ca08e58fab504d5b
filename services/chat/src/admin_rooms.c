/* /api/admin/rooms/: list, create, read, edit (name, owner) and delete a
 * room with its messages (docs/admin-api.md, M3, M6). Owners are given by
 * username: chat knows the authors it has seen (chat.authors, kept current
 * by auth's events); anyone else is looked up on echochat.auth.user.lookup,
 * since an account that never posted is still a valid owner. Runs on
 * echochat.chat.http worker threads; reads never create anything (M6). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "echo/admin_list.h"
#include "echo/db.h"
#include "echo/isotime.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"
#include "echo/text.h"

#define ROOM_NAME_MAX 150
#define LOOKUP_TIMEOUT_MS 2000

#define ROOM_COLS                                                                          \
    "SELECT r.id, r.slug, r.name, r.owner_id, r.owner_username, "                          \
    "(extract(epoch FROM r.created_at) * 1000000)::int8, "                                 \
    "(SELECT count(*) FROM chat.messages m WHERE m.room = r.slug) FROM chat.rooms r "
#define ROOM_FILTER \
    "WHERE ($1::text IS NULL OR r.slug ILIKE $1 OR r.name ILIKE $1) " \
    "AND ($2::text IS NULL OR r.owner_username = $2) "

static cJSON *room_json(PGresult *r, int row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)strtoll(PQgetvalue(r, row, 0), NULL, 10));
    cJSON_AddStringToObject(o, "slug", PQgetvalue(r, row, 1));
    cJSON_AddStringToObject(o, "name", PQgetvalue(r, row, 2));
    if (PQgetisnull(r, row, 3))
        cJSON_AddNullToObject(o, "owner");
    else
        cJSON_AddStringToObject(o, "owner", PQgetisnull(r, row, 4) ? "" : PQgetvalue(r, row, 4));
    char ts[ISOTIME_LEN];
    isotime_format(strtoll(PQgetvalue(r, row, 5), NULL, 10), ts, sizeof ts);
    cJSON_AddStringToObject(o, "created_at", ts);
    cJSON_AddNumberToObject(o, "message_count", (double)strtoll(PQgetvalue(r, row, 6), NULL, 10));
    return o;
}

/* Answers the room with id as AdminRoom (status 200 or 201), 404 when gone. */
static void reply_room(http_resp_t *resp, const char *id, int status)
{
    admin_reply_row(resp, ROOM_COLS "WHERE r.id = $1", id, status, room_json);
}

static cJSON *rooms_json(PGresult *r, void *ctx)
{
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(r); i++)
        cJSON_AddItemToArray(list, room_json(r, i));
    return list;
}

static void rooms_list(http_req_t *req, http_resp_t *resp)
{
    char *q = NULL, *owner = NULL, *pattern = NULL;
    admin_page_t page;
    if (!admin_query_text(req, resp, "q", &q) || !admin_query_text(req, resp, "owner", &owner) ||
        !admin_query_page(req, resp, ADMIN_PAGE_MAX, &page))
        goto cleanup;
    pattern = q ? chat_like_pattern(q) : NULL;
    const char *filter[] = {pattern, owner};
    admin_list_answer(resp, ROOM_COLS ROOM_FILTER "ORDER BY r.id LIMIT $3 OFFSET $4",
                      "SELECT count(*) FROM chat.rooms r " ROOM_FILTER, filter, 2, &page,
                      rooms_json, NULL);
cleanup:
    free(q);
    free(owner);
    free(pattern);
}

typedef enum { OWNER_OK, OWNER_UNKNOWN, OWNER_UNAVAILABLE } owner_status_t;

/* Auth's answer to echochat.auth.user.lookup. */
static owner_status_t owner_from_auth(const char *username, int64_t *id, char **name)
{
    cJSON *q = cJSON_CreateObject();
    cJSON_AddStringToObject(q, "username", username);
    size_t len;
    char *body = json_print_compact(q, &len);
    cJSON_Delete(q);
    natsMsg *reply = NULL;
    int rc = bus_request(g_admin_bus, SUBJ_AUTH_USER_LOOKUP, body, len, LOOKUP_TIMEOUT_MS, &reply);
    free(body);
    if (rc != BUS_OK) {
        log_warn("admin: auth did not answer %s (%s)", SUBJ_AUTH_USER_LOOKUP,
                 rc == BUS_NO_RESPONDERS ? "no responders" : rc == BUS_TIMEOUT ? "timeout" : "error");
        return OWNER_UNAVAILABLE;
    }
    owner_status_t st = OWNER_UNAVAILABLE;
    const char *data = natsMsg_GetData(reply);
    cJSON *a = data ? json_parse(data, (size_t)natsMsg_GetDataLength(reply)) : NULL;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(a, "user");
    chat_user_t user;
    if (cJSON_IsNull(u)) {
        st = OWNER_UNKNOWN;
    } else if (chat_user_from_json(u, &user) && user.id > 0 && *user.username) {
        *id = user.id;
        *name = strdup(user.username);
        if (!*name)
            abort();
        st = OWNER_OK;
    } else {
        log_warn("admin: unusable %s reply", SUBJ_AUTH_USER_LOOKUP);
    }
    cJSON_Delete(a);
    natsMsg_Destroy(reply);
    return st;
}

/* The account called username: chat's authors first, else auth. */
static owner_status_t owner_resolve(const char *username, int64_t *id, char **name)
{
    const char *params[] = {username};
    PGresult *r = db_query("SELECT user_id, username FROM chat.authors WHERE username = $1 LIMIT 2",
                           1, params);
    if (!r)
        return OWNER_UNAVAILABLE;
    bool known = PQntuples(r) == 1; /* two rows: a rename event was missed; ask auth */
    if (known) {
        *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        *name = strdup(PQgetvalue(r, 0, 1));
        if (!*name)
            abort();
    }
    PQclear(r);
    return known ? OWNER_OK : owner_from_auth(username, id, name);
}

/* Reads "owner" from body when present: *set tells whether it was given;
 * null clears. False after replying (400 / 503). */
static bool owner_field(const cJSON *body, http_resp_t *resp, bool *set, bool *has_owner,
                        int64_t *id, char **name)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(body, "owner");
    *set = o != NULL;
    *has_owner = false;
    if (!o || cJSON_IsNull(o))
        return true;
    if (!cJSON_IsString(o) || !*o->valuestring ||
        !text_valid_utf8(o->valuestring, strlen(o->valuestring))) {
        admin_field_error(resp, "owner", "Ожидается имя пользователя или null.");
        return false;
    }
    switch (owner_resolve(o->valuestring, id, name)) {
    case OWNER_OK:
        *has_owner = true;
        return true;
    case OWNER_UNKNOWN:
        admin_field_error(resp, "owner", "Пользователь не найден.");
        return false;
    case OWNER_UNAVAILABLE:
        break;
    }
    admin_unavailable(resp);
    return false;
}

/* Reads "name" (API rule: 1..150 code points after trimming); *out heap. */
static bool name_field(const cJSON *body, http_resp_t *resp, char **out)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(body, "name");
    *out = NULL;
    if (!n)
        return true;
    if (!cJSON_IsString(n) || !text_valid_utf8(n->valuestring, strlen(n->valuestring))) {
        admin_field_error(resp, "name", "Ожидается строка.");
        return false;
    }
    char *t = text_strip(n->valuestring, strlen(n->valuestring));
    if (!t || !*t) {
        free(t);
        admin_field_error(resp, "name", "Обязательное поле.");
        return false;
    }
    if (text_codepoints(t, strlen(t)) > ROOM_NAME_MAX) {
        free(t);
        admin_field_error(resp, "name", "Не более 150 символов.");
        return false;
    }
    *out = t;
    return true;
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* POST /api/admin/rooms/ {"slug", "name"?, "owner"?}: the slug follows the
 * API's rule (M3); the name defaults to the owner's username, as rooms
 * created through the API are named, else to the slug. */
static void rooms_create(http_req_t *req, http_resp_t *resp, const admin_actor_t *actor)
{
    cJSON *body = admin_body(req, resp), *changes = NULL;
    char *name = NULL, *owner_name = NULL;
    PGresult *r = NULL;
    bool set, has_owner;
    int64_t owner_id = 0;
    if (!body)
        return;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(body, "slug");
    if (!cJSON_IsString(s) || !*s->valuestring) {
        admin_field_error(resp, "slug", "Обязательное поле.");
        goto cleanup;
    }
    const char *slug = s->valuestring;
    if (!chat_room_name_allowed(g_admin_cfg, slug, strlen(slug))) {
        char why[256];
        snprintf(why, sizeof why, "Slug не соответствует правилу %s.", g_admin_cfg->slug_regex_src);
        admin_field_error(resp, "slug", why);
        goto cleanup;
    }
    if (!name_field(body, resp, &name) ||
        !owner_field(body, resp, &set, &has_owner, &owner_id, &owner_name))
        goto cleanup;
    if (has_owner && strcmp(slug, CHAT_PUBLIC_SLUG) == 0) {
        admin_field_error(resp, "owner", "У общей комнаты не может быть владельца.");
        goto cleanup;
    }
    if (!name && !(name = strdup(has_owner ? owner_name : slug)))
        abort();
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRId64, owner_id);
    const char *params[] = {slug, name, has_owner ? oid : NULL, has_owner ? owner_name : NULL};
    if (!db_begin())
        goto unavailable;
    r = db_query("INSERT INTO chat.rooms (slug, name, owner_id, owner_username) "
                 "VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING RETURNING id",
                 4, params);
    if (!r)
        goto unavailable;
    if (PQntuples(r) == 0) {
        db_rollback();
        http_resp_error(resp, 409, "slug_taken", "Room slug is already taken");
        goto cleanup;
    }
    changes = cJSON_CreateObject();
    audit_log_change(changes, "slug", cJSON_CreateNull(), cJSON_CreateString(slug));
    audit_log_change(changes, "name", cJSON_CreateNull(), cJSON_CreateString(name));
    audit_log_change(changes, "owner", cJSON_CreateNull(), str_or_null(owner_name));
    int64_t id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    if (!audit_log_record("chat", actor->id, actor->username, "create", "room", id, slug, changes) ||
        !db_commit())
        goto unavailable;
    reply_room(resp, PQgetvalue(r, 0, 0), 201);
    goto cleanup;
unavailable:
    db_rollback();
    admin_unavailable(resp);
cleanup:
    PQclear(r);
    cJSON_Delete(changes);
    cJSON_Delete(body);
    free(name);
    free(owner_name);
}

/* PATCH /api/admin/rooms/<id>/ {"name"?, "owner"?}. */
static void room_patch(http_req_t *req, http_resp_t *resp, const admin_actor_t *actor,
                       const char *id)
{
    cJSON *body = admin_body(req, resp), *changes = NULL;
    char *name = NULL, *owner_name = NULL;
    PGresult *r = NULL;
    bool owner_set, has_owner;
    int64_t owner_id = 0;
    if (!body)
        return;
    if (!name_field(body, resp, &name) ||
        !owner_field(body, resp, &owner_set, &has_owner, &owner_id, &owner_name))
        goto cleanup;
    const char *params[] = {id};
    if (!db_begin())
        goto unavailable;
    r = db_query("SELECT slug, name, owner_id, owner_username FROM chat.rooms WHERE id = $1 "
                 "FOR UPDATE", 1, params);
    if (!r)
        goto unavailable;
    if (PQntuples(r) == 0) {
        db_rollback();
        admin_not_found(resp);
        goto cleanup;
    }
    const char *slug = PQgetvalue(r, 0, 0), *old_name = PQgetvalue(r, 0, 1);
    bool had_owner = !PQgetisnull(r, 0, 2);
    const char *old_owner = had_owner ? PQgetvalue(r, 0, 3) : NULL;
    if (has_owner && strcmp(slug, CHAT_PUBLIC_SLUG) == 0) {
        db_rollback();
        admin_field_error(resp, "owner", "У общей комнаты не может быть владельца.");
        goto cleanup;
    }
    changes = cJSON_CreateObject();
    if (name && strcmp(name, old_name) != 0)
        audit_log_change(changes, "name", cJSON_CreateString(old_name), cJSON_CreateString(name));
    bool owner_changed = owner_set && (had_owner != has_owner ||
                                       (has_owner && strtoll(PQgetvalue(r, 0, 2), NULL, 10) != owner_id));
    if (owner_changed)
        audit_log_change(changes, "owner", str_or_null(old_owner), str_or_null(owner_name));
    if (cJSON_GetArraySize(changes) > 0) {
        char oid[24];
        snprintf(oid, sizeof oid, "%" PRId64, owner_id);
        const char *up[] = {id, name, owner_changed ? "1" : "0", has_owner ? oid : NULL,
                            has_owner ? owner_name : NULL};
        PGresult *u = db_query("UPDATE chat.rooms SET name = coalesce($2, name), "
                               "owner_id = CASE WHEN $3 = '1' THEN $4::int8 ELSE owner_id END, "
                               "owner_username = CASE WHEN $3 = '1' THEN $5 ELSE owner_username END "
                               "WHERE id = $1",
                               5, up);
        if (!u)
            goto unavailable;
        PQclear(u);
        if (!audit_log_record("chat", actor->id, actor->username, "update", "room", strtoll(id, NULL, 10),
                          slug, changes))
            goto unavailable;
    }
    if (!db_commit())
        goto unavailable;
    reply_room(resp, id, 200);
    goto cleanup;
unavailable:
    db_rollback();
    admin_unavailable(resp);
cleanup:
    PQclear(r);
    cJSON_Delete(changes);
    cJSON_Delete(body);
    free(name);
    free(owner_name);
}

/* DELETE /api/admin/rooms/<id>/?confirm=true: the room and its messages,
 * under the room lock so the deletions reach sockets after every frame
 * already committed for the room. */
static void room_delete(http_req_t *req, http_resp_t *resp, const admin_actor_t *actor,
                        const char *id)
{
    char *confirm = admin_query_get(req, "confirm");
    bool confirmed = confirm && strcmp(confirm, "true") == 0;
    free(confirm);
    PGresult *r = NULL, *del = NULL;
    room_locks_t locks = {0};
    cJSON *changes = NULL;
    const char *params[] = {id};
    if (!confirmed) {
        http_resp_error(resp, 400, "confirm_required",
                        "Подтвердите удаление комнаты и её сообщений: confirm=true");
        return;
    }
    r = db_query("SELECT slug FROM chat.rooms WHERE id = $1", 1, params);
    if (!r)
        goto unavailable;
    if (PQntuples(r) == 0) {
        admin_not_found(resp);
        goto cleanup;
    }
    const char *slug = PQgetvalue(r, 0, 0);
    if (strcmp(slug, CHAT_PUBLIC_SLUG) == 0) {
        http_resp_error(resp, 409, "public_room", "Общую комнату удалить нельзя");
        goto cleanup;
    }
    const char *rooms[] = {slug};
    if (!room_locks_take(&locks, rooms, 1) || !db_begin() || !room_locks_valid(&locks))
        goto unavailable;
    PGresult *row = db_query("DELETE FROM chat.rooms WHERE id = $1 AND slug = $2 "
                             "RETURNING name, owner_id, owner_username",
                             2, (const char *const[]){id, slug});
    if (!row)
        goto unavailable;
    if (PQntuples(row) == 0) { /* deleted meanwhile */
        PQclear(row);
        db_rollback();
        admin_not_found(resp);
        goto cleanup;
    }
    changes = cJSON_CreateObject();
    audit_log_change(changes, "slug", cJSON_CreateString(slug), cJSON_CreateNull());
    audit_log_change(changes, "name", cJSON_CreateString(PQgetvalue(row, 0, 0)),
                     cJSON_CreateNull());
    audit_log_change(changes, "owner",
                     str_or_null(PQgetisnull(row, 0, 1) ? NULL : PQgetvalue(row, 0, 2)),
                     cJSON_CreateNull());
    PQclear(row);
    del = db_query("DELETE FROM chat.messages WHERE room = $1 RETURNING id", 1, rooms);
    if (!del)
        goto unavailable;
    int n = PQntuples(del);
    audit_log_change(changes, "message_count", cJSON_CreateNumber(n), cJSON_CreateNumber(0));
    if (!audit_log_record("chat", actor->id, actor->username, "delete", "room", strtoll(id, NULL, 10), slug,
                      changes) ||
        !db_commit())
        goto unavailable;
    history_cache_flush();
    for (int i = 0; i < n; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "type", "message_deleted");
        cJSON_AddNumberToObject(f, "id", (double)strtoll(PQgetvalue(del, i, 0), NULL, 10));
        room_event_publish(g_admin_bus, slug, f);
        cJSON_Delete(f);
    }
    room_locks_release(&locks);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", true);
    cJSON_AddNumberToObject(o, "deleted_messages", n);
    http_resp_json(resp, 200, o);
    goto cleanup;
unavailable:
    db_rollback();
    admin_unavailable(resp);
cleanup:
    room_locks_release(&locks);
    cJSON_Delete(changes);
    PQclear(del);
    PQclear(r);
}

void admin_rooms_list(http_req_t *req, http_resp_t *resp, void *ctx)
{
    admin_actor_t actor;
    if (!admin_gate(req, resp, &actor))
        return;
    if (strcmp(req->method, "POST") == 0)
        rooms_create(req, resp, &actor);
    else
        rooms_list(req, resp);
}

void admin_room(http_req_t *req, http_resp_t *resp, void *ctx)
{
    admin_actor_t actor;
    char ids[ADMIN_ID_LEN];
    if (!admin_gate(req, resp, &actor) || !admin_path_id(req, resp, ids))
        return;
    if (strcmp(req->method, "PATCH") == 0)
        room_patch(req, resp, &actor, ids);
    else if (strcmp(req->method, "DELETE") == 0)
        room_delete(req, resp, &actor, ids);
    else
        reply_room(resp, ids, 200);
}
