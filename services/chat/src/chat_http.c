/* The /api/chat/ REST endpoints (api.md 4.11–4.13, D4–D7, P8) and the
 * routes of the admin API (admin_*.c), served on echochat.chat.http.
 * Handlers run on bus worker threads, each with its own PostgreSQL
 * connection and prepared statements. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "chat.h"
#include "echo/db_stmt.h"
#include "echo/http_route.h"
#include "echo/isotime.h"
#include "echo/log.h"
#include "echo/subjects.h"

#define MSG_UNAUTHORIZED "Требуется авторизация"
#define MSG_UNAVAILABLE "Сервис временно недоступен"

static const chat_config_t *g_cfg;

/* History order is (created_at, id) (docs/admin-api.md). Every query asks
 * for limit + 1 rows to learn hasMore, and yields the wanted page first. */
#define HIST_COLS \
    "SELECT id, username, avatar, content, (extract(epoch FROM created_at) * 1000000)::int8 " \
    "FROM chat.messages "
static const db_stmt_t st_hist_latest = {
    "hist_latest", HIST_COLS "WHERE room = $1 ORDER BY created_at DESC, id DESC LIMIT $2", 2};
/* A cursor is a message id; its position is (created_at, id) when it exists
 * in the room, else (deleted) the cursor falls back to id order. One
 * statement does both: the first branch finds nothing when the cursor is
 * missing (a NULL position compares as unknown), the second runs only then
 * (a one-time filter), so there is a single round trip per page. */
#define HIST_CURSOR_TS "(SELECT c.created_at FROM chat.messages c WHERE c.id = $2 AND c.room = $1)"
#define HIST_CURSOR_GONE \
    "NOT EXISTS (SELECT 1 FROM chat.messages c WHERE c.id = $2 AND c.room = $1)"
static const db_stmt_t st_hist_before = {
    "hist_before",
    "(" HIST_COLS "WHERE room = $1 AND (created_at, id) < (" HIST_CURSOR_TS ", $2::int8) "
    "ORDER BY created_at DESC, id DESC LIMIT $3) UNION ALL "
    "(" HIST_COLS "WHERE room = $1 AND id < $2::int8 AND " HIST_CURSOR_GONE " "
    "ORDER BY created_at DESC, id DESC LIMIT $3)",
    3};
static const db_stmt_t st_hist_after = {
    "hist_after",
    "(" HIST_COLS "WHERE room = $1 AND (created_at, id) > (" HIST_CURSOR_TS ", $2::int8) "
    "ORDER BY created_at, id LIMIT $3) UNION ALL "
    "(" HIST_COLS "WHERE room = $1 AND id > $2::int8 AND " HIST_CURSOR_GONE " "
    "ORDER BY created_at, id LIMIT $3)",
    3};

/* Runs the page query for page on room; NULL on a storage error. */
static PGresult *history_query(const char *room, const chat_page_t *page)
{
    char lim[16], cur[24];
    snprintf(lim, sizeof lim, "%d", page->limit + 1);
    if (!page->has_after && !page->has_before) {
        const char *params[] = {room, lim};
        return db_stmt_exec(&st_hist_latest, params);
    }
    snprintf(cur, sizeof cur, "%" PRId64, page->has_after ? page->after : page->before);
    const char *params[] = {room, cur, lim};
    return db_stmt_exec(page->has_after ? &st_hist_after : &st_hist_before, params);
}

static bool slug_ok(const char *slug)
{
    return chat_room_name_allowed(g_cfg, slug, strlen(slug));
}

static void add_room_fields(cJSON *o, const room_t *room, bool created)
{
    cJSON_AddStringToObject(o, "slug", room->slug);
    cJSON_AddStringToObject(o, "name", room->name);
    cJSON_AddBoolToObject(o, "created", created);
    if (room->has_owner)
        cJSON_AddStringToObject(o, "createdBy", room->owner_username);
    else
        cJSON_AddNullToObject(o, "createdBy");
}

/* GET /api/chat/public-room/ (4.11, plus slugRegex and messageMaxLength for the SPA). */
static void h_public_room(http_req_t *req, http_resp_t *resp, void *ctx)
{
    room_t room = {0};
    bool created;
    room_status_t st =
        room_get_or_create(CHAT_PUBLIC_SLUG, CHAT_PUBLIC_NAME, NULL, NULL, &room, &created);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "slug", CHAT_PUBLIC_SLUG);
    /* 4.11: the reference answers with the default name when storage fails. */
    cJSON_AddStringToObject(o, "name", st == ROOM_OK ? room.name : CHAT_PUBLIC_NAME);
    cJSON_AddStringToObject(o, "slugRegex", g_cfg->slug_regex_src);
    cJSON_AddNumberToObject(o, "messageMaxLength", (double)g_cfg->max_length);
    http_resp_json(resp, 200, o);
    room_free(&room);
}

/* Steps 1–2 shared by details and history: slug rule before auth. */
static bool check_slug_and_user(http_req_t *req, http_resp_t *resp, bool *is_public,
                                chat_user_t *user)
{
    const char *slug = req->params[0];
    *is_public = strcmp(slug, CHAT_PUBLIC_SLUG) == 0;
    if (!*is_public && !slug_ok(slug)) {
        http_resp_error(resp, 400, "invalid_slug", "Invalid room slug");
        return false;
    }
    bool logged_in = chat_user_from_json(req->user, user);
    if (!*is_public && !logged_in) {
        http_resp_error(resp, 401, "unauthorized", MSG_UNAUTHORIZED);
        return false;
    }
    if (!logged_in)
        memset(user, 0, sizeof *user);
    return true;
}

/* GET /api/chat/rooms/<slug>/ (4.12, D5, D6, D7). */
static void h_room(http_req_t *req, http_resp_t *resp, void *ctx)
{
    bool is_public;
    chat_user_t user;
    room_t room = {0};
    bool created = false;
    if (!check_slug_and_user(req, resp, &is_public, &user))
        return;
    const char *slug = req->params[0];
    room_status_t st;
    if (is_public)
        st = room_get_or_create(slug, CHAT_PUBLIC_NAME, NULL, NULL, &room, &created);
    else
        st = room_get_or_create(slug, user.username, &user.id, user.username, &room, &created);
    if (st != ROOM_OK) {
        http_resp_error(resp, 503, "unavailable", MSG_UNAVAILABLE);
        goto cleanup;
    }
    if (!is_public && room.has_owner && room.owner_id != user.id) {
        http_resp_error(resp, 409, "slug_taken", "Room slug is already taken");
        goto cleanup;
    }
    cJSON *o = cJSON_CreateObject();
    /* The public room is never reported as created (step 3). */
    add_room_fields(o, &room, created && !is_public);
    http_resp_json(resp, 200, o);
cleanup:
    room_free(&room);
}

static cJSON *message_json(PGresult *res, int row, const char *base_url)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "id", (double)strtoll(PQgetvalue(res, row, 0), NULL, 10));
    cJSON_AddStringToObject(m, "username", PQgetvalue(res, row, 1));
    cJSON_AddStringToObject(m, "content", PQgetvalue(res, row, 3));
    char *pic = chat_history_avatar_url(base_url, PQgetisnull(res, row, 2) ? NULL
                                                                           : PQgetvalue(res, row, 2));
    cJSON_AddStringToObject(m, "profilePic", pic);
    free(pic);
    char ts[ISOTIME_LEN];
    isotime_format(strtoll(PQgetvalue(res, row, 4), NULL, 10), ts, sizeof ts);
    cJSON_AddStringToObject(m, "createdAt", ts);
    return m;
}

/* GET /api/chat/rooms/<slug>/messages/ (4.13, D4, P8). */
static void h_messages(http_req_t *req, http_resp_t *resp, void *ctx)
{
    bool is_public;
    chat_user_t user;
    room_t room = {0};
    PGresult *res = NULL;
    if (!check_slug_and_user(req, resp, &is_public, &user))
        return;
    const char *slug = req->params[0];
    if (!is_public) {
        room_status_t st = room_get(slug, &room);
        if (st == ROOM_DB_ERROR)
            goto unavailable;
        if (st == ROOM_OK && room.has_owner && room.owner_id != user.id) {
            http_resp_error(resp, 409, "slug_taken", "Room slug is already taken");
            goto cleanup;
        }
    }

    chat_page_t page;
    chat_page_parse(req->query, &page);
    /* Cache key: everything the body depends on (room, base URL, page). */
    char key[1024];
    int klen = snprintf(key, sizeof key, "%s%c%s%c%d/%d:%" PRId64 "/%d:%" PRId64, slug, 0,
                        req->base_url, 0, page.limit, page.has_before, page.before,
                        page.has_after, page.after);
    bool cacheable = klen > 0 && (size_t)klen < sizeof key;
    history_stamp_t stamp;
    history_cache_stamp(slug, &stamp);
    if (cacheable) {
        size_t blen;
        char *cached = history_cache_get(&stamp, key, (size_t)klen, &blen);
        if (cached) {
            resp->status = 200;
            resp->body = cached;
            resp->body_len = blen;
            goto public_page;
        }
    }
    res = history_query(slug, &page);
    if (!res)
        goto unavailable;

    int n = PQntuples(res);
    bool has_more = n > page.limit;
    int shown = has_more ? page.limit : n;
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "messages");
    /* Both queries yield the wanted page's rows first; emit ascending ids. */
    for (int i = 0; i < shown; i++) {
        int row = page.has_after ? i : shown - 1 - i;
        cJSON_AddItemToArray(arr, message_json(res, row, req->base_url));
    }
    /* hasMore: more messages exist beyond this page in its direction (older
     * when paging back, newer when resyncing with `after`). nextBefore is the
     * oldest message returned, nextAfter (after-paging) the newest. */
    cJSON_AddBoolToObject(o, "hasMore", has_more);
    int oldest = page.has_after ? 0 : shown - 1, newest = page.has_after ? shown - 1 : 0;
    if (shown > 0)
        cJSON_AddNumberToObject(o, "nextBefore",
                                (double)strtoll(PQgetvalue(res, oldest, 0), NULL, 10));
    else
        cJSON_AddNullToObject(o, "nextBefore");
    if (page.has_after) {
        if (shown > 0)
            cJSON_AddNumberToObject(o, "nextAfter",
                                    (double)strtoll(PQgetvalue(res, newest, 0), NULL, 10));
        else
            cJSON_AddNullToObject(o, "nextAfter");
    }
    http_resp_json(resp, 200, o);
    if (cacheable)
        history_cache_put(&stamp, key, (size_t)klen, resp->body, resp->body_len);
public_page:
    /* The public room is readable by everyone, guests included, and its page
     * depends only on the request line and the base URL: the gateway may
     * cache it for every caller. Private rooms never are (D4: access
     * depends on who asks). */
    if (is_public)
        http_resp_cache_public(resp, slug);
    goto cleanup;

unavailable: {
    /* Not the reference's silent empty 200: a client resyncing with `after`
     * must not conclude it is up to date. The empty list keeps naive clients
     * working. */
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "error", MSG_UNAVAILABLE);
    cJSON_AddStringToObject(e, "code", "unavailable");
    cJSON_AddArrayToObject(e, "messages");
    http_resp_json(resp, 503, e);
}
cleanup:
    PQclear(res);
    room_free(&room);
}

static const http_route_t routes[] = {
    {"/api/chat/public-room/", "GET", h_public_room},
    {"/api/chat/rooms/<>/", "GET", h_room},
    {"/api/chat/rooms/<>/messages/", "GET", h_messages},
    {"/api/admin/rooms/", "GET, POST", admin_rooms_list},
    {"/api/admin/rooms/<>/", "GET, PATCH, DELETE", admin_room},
    {"/api/admin/messages/", "GET", admin_messages_list},
    /* before <>: "bulk-delete" is not an id */
    {"/api/admin/messages/bulk-delete/", "POST", admin_messages_bulk_delete},
    {"/api/admin/messages/<>/", "GET, PATCH, DELETE", admin_message},
    {"/api/admin/audit/", "GET", admin_audit},
    {NULL, NULL, NULL},
};

int chat_http_start(bus_t *bus, const chat_config_t *cfg)
{
    g_cfg = cfg;
    g_admin_cfg = cfg;
    g_admin_bus = bus;
    return http_serve(bus, SUBJ_CHAT_HTTP, QUEUE_CHAT, (int)cfg->http_workers, routes, NULL);
}
