/* /api/admin/messages/: list with filters and search (M1), read, edit text
 * and timestamp, delete one, bulk delete by filter (docs/admin-api.md).
 * Every write holds the room lock of the rooms it touches (room_events.c)
 * from before its transaction until its frames (message_updated,
 * message_deleted) are flushed, is audited in the same transaction and
 * invalidates the history cache. Runs on echochat.chat.http workers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "echo/admin_list.h"
#include "echo/db.h"
#include "echo/isotime.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/text.h"

/* Accepted clock skew for an edited timestamp ahead of the server's clock. */
#define FUTURE_SKEW_US (60LL * 1000000)

#define MSG_COLS                                                                           \
    "SELECT m.id, m.room, m.username, m.user_id, m.content, "                              \
    "(extract(epoch FROM m.created_at) * 1000000)::int8, m.avatar FROM chat.messages m "
#define US_TS(n) "('epoch'::timestamptz + $" #n "::int8 * interval '1 microsecond')"
/* $1 room, $2 author (stored username), $3 since, $4 until (µs, inclusive),
 * $5 ILIKE pattern over text, stored username and room. */
#define MSG_FILTER                                                                         \
    "WHERE ($1::text IS NULL OR m.room = $1) AND ($2::text IS NULL OR m.username = $2) "    \
    "AND ($3::int8 IS NULL OR m.created_at >= " US_TS(3) ") "                              \
    "AND ($4::int8 IS NULL OR m.created_at <= " US_TS(4) ") "                              \
    "AND ($5::text IS NULL OR m.content ILIKE $5 OR m.username ILIKE $5 OR m.room ILIKE $5) "

static cJSON *message_json(PGresult *r, int row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)strtoll(PQgetvalue(r, row, 0), NULL, 10));
    cJSON_AddStringToObject(o, "room", PQgetvalue(r, row, 1));
    cJSON_AddStringToObject(o, "username", PQgetvalue(r, row, 2));
    if (PQgetisnull(r, row, 3))
        cJSON_AddNullToObject(o, "user_id");
    else
        cJSON_AddNumberToObject(o, "user_id", (double)strtoll(PQgetvalue(r, row, 3), NULL, 10));
    cJSON_AddStringToObject(o, "content", PQgetvalue(r, row, 4));
    char ts[ISOTIME_LEN];
    isotime_format(strtoll(PQgetvalue(r, row, 5), NULL, 10), ts, sizeof ts);
    cJSON_AddStringToObject(o, "created_at", ts);
    return o;
}

/* The filter's SQL params $1..$5. */
static void filter_params(const admin_msg_filter_t *f, char since[24], char until[24],
                          const char *out[5])
{
    snprintf(since, 24, "%" PRId64, f->since_us);
    snprintf(until, 24, "%" PRId64, f->until_us);
    out[0] = f->room;
    out[1] = f->author;
    out[2] = f->has_since ? since : NULL;
    out[3] = f->has_until ? until : NULL;
    out[4] = f->q_pattern;
}

static cJSON *messages_json(PGresult *r, void *ctx)
{
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(r); i++)
        cJSON_AddItemToArray(list, message_json(r, i));
    return list;
}

/* GET /api/admin/messages/ */
static void messages_list(http_req_t *req, http_resp_t *resp)
{
    static const char *const SORTS[] = {"created_at", "-created_at", NULL};
    admin_msg_filter_t f = {0};
    char *q = NULL;
    const char *sort;
    admin_page_t page;
    if (!admin_query_text(req, resp, "room", &f.room) ||
        !admin_query_text(req, resp, "author", &f.author) ||
        !admin_query_text(req, resp, "q", &q) ||
        !admin_query_time(req, resp, "since", &f.has_since, &f.since_us) ||
        !admin_query_time(req, resp, "until", &f.has_until, &f.until_us) ||
        !admin_query_enum(req, resp, "sort", SORTS, &sort) ||
        !admin_query_page(req, resp, ADMIN_PAGE_MAX, &page))
        goto cleanup;
    f.q_pattern = q ? chat_like_pattern(q) : NULL;
    char since[24], until[24];
    const char *filter[5];
    filter_params(&f, since, until, filter);
    bool desc = sort && sort[0] == '-';
    admin_list_answer(resp,
                      desc ? MSG_COLS MSG_FILTER "ORDER BY m.created_at DESC, m.id DESC LIMIT $6 OFFSET $7"
                           : MSG_COLS MSG_FILTER "ORDER BY m.created_at, m.id LIMIT $6 OFFSET $7",
                      "SELECT count(*) FROM chat.messages m " MSG_FILTER, filter, 5, &page,
                      messages_json, NULL);
cleanup:
    free(q);
    admin_msg_filter_free(&f);
}

static void publish_deleted(const char *room, const char *id)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "type", "message_deleted");
    cJSON_AddNumberToObject(f, "id", (double)strtoll(id, NULL, 10));
    room_event_publish(g_admin_bus, room, f);
    cJSON_Delete(f);
}

/* Takes the lock of the message's room and opens a transaction. 1 = go on
 * (*room set, heap), 0 = answered (404 / 503). */
static int lock_message_room(http_resp_t *resp, const char *id, room_locks_t *locks, char **room)
{
    const char *params[] = {id};
    PGresult *r = db_query("SELECT room FROM chat.messages WHERE id = $1", 1, params);
    if (!r) {
        admin_unavailable(resp);
        return 0;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        admin_not_found(resp);
        return 0;
    }
    *room = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!*room)
        abort();
    const char *rooms[] = {*room};
    if (!room_locks_take(locks, rooms, 1) || !db_begin() || !room_locks_valid(locks)) {
        db_rollback();
        room_locks_release(locks);
        admin_unavailable(resp);
        return 0;
    }
    return 1;
}

/* DELETE /api/admin/messages/<id>/ */
static void message_delete(http_resp_t *resp, const admin_actor_t *actor, const char *id)
{
    room_locks_t locks = {0};
    char *room = NULL, *label = NULL;
    cJSON *changes = NULL;
    PGresult *r = NULL;
    if (!lock_message_room(resp, id, &locks, &room))
        return;
    const char *params[] = {id};
    r = db_query("DELETE FROM chat.messages m WHERE m.id = $1 RETURNING m.id, m.room, m.username, "
                 "m.user_id, m.content, (extract(epoch FROM m.created_at) * 1000000)::int8",
                 1, params);
    if (!r)
        goto unavailable;
    if (PQntuples(r) == 0) {
        db_rollback();
        admin_not_found(resp);
        goto cleanup;
    }
    cJSON *m = message_json(r, 0);
    changes = cJSON_CreateObject();
    static const char *const fields[] = {"room", "username", "user_id", "content", "created_at"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        audit_log_change(changes, fields[i],
                         cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, fields[i]), 1),
                         cJSON_CreateNull());
    cJSON_Delete(m);
    label = chat_label(PQgetvalue(r, 0, 4), ADMIN_LABEL_MAX);
    if (!audit_log_record("chat", actor->id, actor->username, "delete", "message", strtoll(id, NULL, 10), label,
                      changes) ||
        !db_commit())
        goto unavailable;
    history_cache_flush();
    publish_deleted(room, id);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", true);
    http_resp_json(resp, 200, o);
    goto cleanup;
unavailable:
    db_rollback();
    admin_unavailable(resp);
cleanup:
    room_locks_release(&locks);
    PQclear(r);
    cJSON_Delete(changes);
    free(room);
    free(label);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Reads content / created_at of a PATCH body; false after replying 400. */
static bool patch_fields(const cJSON *body, http_resp_t *resp, char **content, bool *has_ts,
                         int64_t *ts)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(body, "content");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "created_at");
    *content = NULL;
    *has_ts = false;
    if (c) {
        if (!cJSON_IsString(c)) {
            admin_field_error(resp, "content", "Ожидается строка.");
            return false;
        }
        char msg[96];
        switch (chat_text_check(c->valuestring, strlen(c->valuestring), g_admin_cfg->max_length,
                                content)) {
        case CHAT_TEXT_OK:
            break;
        case CHAT_TEXT_EMPTY:
            admin_field_error(resp, "content", "Обязательное поле.");
            return false;
        case CHAT_TEXT_TOO_LONG:
            snprintf(msg, sizeof msg, "Не более %ld символов.", g_admin_cfg->max_length);
            admin_field_error(resp, "content", msg);
            return false;
        case CHAT_TEXT_INVALID:
            admin_field_error(resp, "content", "Недопустимые символы в тексте.");
            return false;
        }
    }
    if (t) {
        const char *why = NULL;
        if (!cJSON_IsString(t) || !isotime_parse(t->valuestring, ts))
            why = "Введите правильную дату и время (ISO-8601).";
        else if (*ts < 0)
            why = "Дата не может быть раньше 1970-01-01.";
        else if (*ts > now_us() + FUTURE_SKEW_US)
            why = "Дата не может быть в будущем.";
        if (why) {
            free(*content);
            *content = NULL;
            admin_field_error(resp, "created_at", why);
            return false;
        }
        *has_ts = true;
    }
    return true;
}

/* PATCH /api/admin/messages/<id>/ {"content"?, "created_at"?} */
static void message_patch(http_req_t *req, http_resp_t *resp, const admin_actor_t *actor,
                          const char *id)
{
    cJSON *body = admin_body(req, resp), *changes = NULL, *before = NULL, *after = NULL;
    room_locks_t locks = {0};
    char *room = NULL, *content = NULL, *label = NULL;
    PGresult *r = NULL, *u = NULL;
    bool has_ts;
    int64_t ts = 0;
    if (!body)
        return;
    if (!patch_fields(body, resp, &content, &has_ts, &ts))
        goto cleanup;
    if (!lock_message_room(resp, id, &locks, &room))
        goto cleanup;
    const char *params[] = {id};
    r = db_query(MSG_COLS "WHERE m.id = $1 FOR UPDATE", 1, params);
    if (!r)
        goto unavailable;
    if (PQntuples(r) == 0) {
        db_rollback();
        admin_not_found(resp);
        goto cleanup;
    }
    char tstext[ISOTIME_LEN];
    isotime_format(ts, tstext, sizeof tstext);
    const char *up[] = {id, content, has_ts ? tstext : NULL};
    u = db_query("UPDATE chat.messages m SET content = coalesce($2, m.content), "
                 "created_at = coalesce($3::timestamptz, m.created_at) WHERE m.id = $1 "
                 "RETURNING m.id, m.room, m.username, m.user_id, m.content, "
                 "(extract(epoch FROM m.created_at) * 1000000)::int8, m.avatar",
                 3, up);
    if (!u || PQntuples(u) != 1)
        goto unavailable;
    before = message_json(r, 0);
    after = message_json(u, 0);
    changes = cJSON_CreateObject();
    static const char *const fields[] = {"content", "created_at"};
    for (size_t i = 0; i < 2; i++) {
        cJSON *b = cJSON_GetObjectItemCaseSensitive(before, fields[i]);
        cJSON *a = cJSON_GetObjectItemCaseSensitive(after, fields[i]);
        if (strcmp(b->valuestring, a->valuestring) != 0)
            audit_log_change(changes, fields[i], cJSON_Duplicate(b, 1), cJSON_Duplicate(a, 1));
    }
    bool changed = cJSON_GetArraySize(changes) > 0;
    label = chat_label(PQgetvalue(u, 0, 4), ADMIN_LABEL_MAX);
    if (changed && !audit_log_record("chat", actor->id, actor->username, "update", "message",
                                 strtoll(id, NULL, 10), label, changes))
        goto unavailable;
    if (!db_commit())
        goto unavailable;
    if (changed) {
        history_cache_flush();
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "type", "message_updated");
        cJSON_AddNumberToObject(f, "id", (double)strtoll(id, NULL, 10));
        cJSON_AddStringToObject(f, "message", PQgetvalue(u, 0, 4));
        cJSON_AddStringToObject(f, "username", PQgetvalue(u, 0, 2));
        char *pic = chat_frame_avatar_url(req->base_url, PQgetisnull(u, 0, 6) ? NULL
                                                                              : PQgetvalue(u, 0, 6));
        if (pic)
            cJSON_AddStringToObject(f, "profile_pic", pic);
        else
            cJSON_AddNullToObject(f, "profile_pic");
        free(pic);
        cJSON_AddStringToObject(f, "room", room);
        cJSON_AddStringToObject(f, "createdAt",
                                cJSON_GetObjectItemCaseSensitive(after, "created_at")->valuestring);
        room_event_publish(g_admin_bus, room, f);
        cJSON_Delete(f);
    }
    room_locks_release(&locks);
    http_resp_json(resp, 200, after);
    after = NULL;
    goto cleanup;
unavailable:
    db_rollback();
    admin_unavailable(resp);
cleanup:
    room_locks_release(&locks);
    PQclear(r);
    PQclear(u);
    cJSON_Delete(body);
    cJSON_Delete(changes);
    cJSON_Delete(before);
    cJSON_Delete(after);
    free(room);
    free(content);
    free(label);
}

/* Body filter value: a string, "" = absent; false after replying 400. */
static bool body_text(const cJSON *body, http_resp_t *resp, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsString(v) || !text_valid_utf8(v->valuestring, strlen(v->valuestring))) {
        admin_query_invalid(resp, key, "Ожидается строка");
        return false;
    }
    if (*v->valuestring) {
        *out = strdup(v->valuestring);
        if (!*out)
            abort();
    }
    return true;
}

static bool body_time(const cJSON *body, http_resp_t *resp, const char *key, bool *has,
                      int64_t *us)
{
    char *s;
    *has = false;
    if (!body_text(body, resp, key, &s))
        return false;
    if (!s)
        return true;
    *has = isotime_parse(s, us);
    free(s);
    if (!*has)
        admin_query_invalid(resp, key,
                             "Ожидается дата ISO-8601 (YYYY-MM-DD или YYYY-MM-DDTHH:MM:SS±HH:MM)");
    return *has;
}

/* A PostgreSQL text[] literal of the first column of r. Heap. */
static char *array_literal(PGresult *r)
{
    size_t cap = 3;
    for (int i = 0; i < PQntuples(r); i++)
        cap += (size_t)PQgetlength(r, i, 0) * 2 + 3;
    char *out = malloc(cap), *o = out;
    if (!out)
        abort();
    *o++ = '{';
    for (int i = 0; i < PQntuples(r); i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const char *p = PQgetvalue(r, i, 0); *p; p++) {
            if (*p == '"' || *p == '\\')
                *o++ = '\\';
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return out;
}

/* POST /api/admin/messages/bulk-delete/ {"room"?, "author"?, "since"?, "until"?, "q"?} */
static void messages_bulk_delete(http_req_t *req, http_resp_t *resp, const admin_actor_t *actor)
{
    cJSON *body = admin_body(req, resp), *changes = NULL;
    admin_msg_filter_t f = {0};
    char *q = NULL, *rooms_lit = NULL;
    const char **rooms = NULL;
    PGresult *rr = NULL, *del = NULL;
    room_locks_t locks = {0};
    if (!body)
        return;
    if (!body_text(body, resp, "room", &f.room) || !body_text(body, resp, "author", &f.author) ||
        !body_text(body, resp, "q", &q) ||
        !body_time(body, resp, "since", &f.has_since, &f.since_us) ||
        !body_time(body, resp, "until", &f.has_until, &f.until_us))
        goto cleanup;
    if (!f.room && !f.author && !q && !f.has_since && !f.has_until) {
        http_resp_error(resp, 400, "filter_required",
                        "Задайте хотя бы один фильтр: room, author, since, until или q");
        goto cleanup;
    }
    f.q_pattern = q ? chat_like_pattern(q) : NULL;
    char since[24], until[24];
    const char *params[6];
    filter_params(&f, since, until, params);
    /* The rooms first: their locks must be held before the delete. */
    rr = db_query("SELECT DISTINCT m.room FROM chat.messages m " MSG_FILTER, 5, params);
    if (!rr)
        goto unavailable;
    int nrooms = PQntuples(rr);
    rooms = calloc((size_t)nrooms + 1, sizeof *rooms);
    if (!rooms)
        abort();
    for (int i = 0; i < nrooms; i++)
        rooms[i] = PQgetvalue(rr, i, 0);
    rooms_lit = array_literal(rr);
    params[5] = rooms_lit;
    if (!room_locks_take(&locks, rooms, (size_t)nrooms) || !db_begin() || !room_locks_valid(&locks))
        goto unavailable;
    /* Messages posted meanwhile in other rooms are not locked: left alone. */
    del = db_query("DELETE FROM chat.messages m " MSG_FILTER "AND m.room = ANY($6::text[]) "
                   "RETURNING m.id, m.room",
                   6, params);
    if (!del)
        goto unavailable;
    int n = PQntuples(del);
    cJSON *filter = cJSON_CreateObject();
    static const char *const keys[] = {"room", "author", "since", "until", "q"};
    for (size_t i = 0; i < 5; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, keys[i]);
        if (cJSON_IsString(v) && *v->valuestring)
            cJSON_AddStringToObject(filter, keys[i], v->valuestring);
    }
    changes = cJSON_CreateObject();
    audit_log_change(changes, "filter", cJSON_CreateNull(), filter);
    audit_log_change(changes, "deleted", cJSON_CreateNull(), cJSON_CreateNumber(n));
    char label[64];
    snprintf(label, sizeof label, "%d messages", n);
    if (!audit_log_record("chat", actor->id, actor->username, "bulk_delete", "message", -1, label, changes) ||
        !db_commit())
        goto unavailable;
    history_cache_flush();
    for (int i = 0; i < n; i++)
        publish_deleted(PQgetvalue(del, i, 1), PQgetvalue(del, i, 0));
    room_locks_release(&locks);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", true);
    cJSON_AddNumberToObject(o, "deleted", n);
    http_resp_json(resp, 200, o);
    goto cleanup;
unavailable:
    db_rollback();
    admin_unavailable(resp);
cleanup:
    room_locks_release(&locks);
    PQclear(rr);
    PQclear(del);
    free(rooms);
    free(rooms_lit);
    free(q);
    admin_msg_filter_free(&f);
    cJSON_Delete(changes);
    cJSON_Delete(body);
}

void admin_messages_list(http_req_t *req, http_resp_t *resp, void *ctx)
{
    admin_actor_t actor;
    if (admin_gate(req, resp, &actor))
        messages_list(req, resp);
}

void admin_messages_bulk_delete(http_req_t *req, http_resp_t *resp, void *ctx)
{
    admin_actor_t actor;
    if (admin_gate(req, resp, &actor))
        messages_bulk_delete(req, resp, &actor);
}

void admin_message(http_req_t *req, http_resp_t *resp, void *ctx)
{
    admin_actor_t actor;
    char ids[ADMIN_ID_LEN];
    if (!admin_gate(req, resp, &actor) || !admin_path_id(req, resp, ids))
        return;
    if (strcmp(req->method, "PATCH") == 0) {
        message_patch(req, resp, &actor, ids);
    } else if (strcmp(req->method, "DELETE") == 0) {
        message_delete(resp, &actor, ids);
    } else {
        admin_reply_row(resp, MSG_COLS "WHERE m.id = $1", ids, 200, message_json);
    }
}
