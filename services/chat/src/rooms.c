/* Room rows (schema chat.rooms) and the echochat.chat.room.access request
 * the gateway sends at WebSocket handshake (websocket.md W2, W3). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/db_stmt.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"
#include "echo/text.h"

static const db_stmt_t st_room_get = {
    "room_get", "SELECT slug, name, owner_id, owner_username FROM chat.rooms WHERE slug = $1", 1};
/* ON CONFLICT DO NOTHING: a concurrent creator wins and we re-read (D6). */
static const db_stmt_t st_room_create = {
    "room_create",
    "INSERT INTO chat.rooms (slug, name, owner_id, owner_username) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (slug) DO NOTHING RETURNING slug, name, owner_id, owner_username",
    4};

static char *dup_or_abort(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

void room_free(room_t *r)
{
    free(r->slug);
    free(r->name);
    free(r->owner_username);
    memset(r, 0, sizeof *r);
}

static void room_from_row(PGresult *res, room_t *out)
{
    memset(out, 0, sizeof *out);
    out->slug = dup_or_abort(PQgetvalue(res, 0, 0));
    out->name = dup_or_abort(PQgetvalue(res, 0, 1));
    out->has_owner = !PQgetisnull(res, 0, 2);
    if (out->has_owner) {
        out->owner_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        out->owner_username = dup_or_abort(PQgetisnull(res, 0, 3) ? "" : PQgetvalue(res, 0, 3));
    }
}

room_status_t room_get(const char *slug, room_t *out)
{
    const char *params[] = {slug};
    PGresult *res = db_stmt_exec(&st_room_get, params);
    if (!res)
        return ROOM_DB_ERROR;
    room_status_t st = ROOM_MISSING;
    if (PQntuples(res) == 1) {
        room_from_row(res, out);
        st = ROOM_OK;
    }
    PQclear(res);
    return st;
}

room_status_t room_get_or_create(const char *slug, const char *name, const int64_t *owner_id,
                                 const char *owner_username, room_t *out, bool *created_out)
{
    *created_out = false;
    room_status_t st = room_get(slug, out);
    if (st != ROOM_MISSING)
        return st;
    char idbuf[24];
    if (owner_id)
        snprintf(idbuf, sizeof idbuf, "%" PRId64, *owner_id);
    const char *params[] = {slug, name, owner_id ? idbuf : NULL, owner_username};
    PGresult *res = db_stmt_exec(&st_room_create, params);
    if (!res)
        return ROOM_DB_ERROR;
    if (PQntuples(res) == 1) {
        room_from_row(res, out);
        *created_out = true;
        PQclear(res);
        return ROOM_OK;
    }
    PQclear(res);
    /* Someone created it between our read and insert: theirs is the room. */
    return room_get(slug, out);
}

typedef struct {
    const chat_config_t *cfg;
} rooms_ctx_t;

static void access_reply(bus_t *bus, natsMsg *msg, int status, const char *reason)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "allowed", status == 0);
    if (status) {
        cJSON_AddNumberToObject(o, "status", status);
        cJSON_AddStringToObject(o, "reason", reason);
    }
    size_t len;
    char *body = json_print_compact(o, &len);
    bus_respond(bus, msg, body, len);
    free(body);
    cJSON_Delete(o);
}

/* Bus worker thread (queue group chat): may this user open a socket on room? */
static void on_access(bus_t *bus, natsMsg *msg, void *arg)
{
    rooms_ctx_t *ctx = arg;
    chat_access_request_t req;
    room_t room = {0};

    switch (chat_access_request_parse(ctx->cfg, natsMsg_GetData(msg),
                                      (size_t)natsMsg_GetDataLength(msg), &req)) {
    case CHAT_ACCESS_BAD_REQUEST:
        access_reply(bus, msg, 400, "bad_request");
        goto cleanup;
    case CHAT_ACCESS_PUBLIC:
        access_reply(bus, msg, 0, NULL);
        goto cleanup;
    case CHAT_ACCESS_INVALID_ROOM:
        access_reply(bus, msg, 403, "invalid_room");
        goto cleanup;
    case CHAT_ACCESS_LOGIN_REQUIRED:
        access_reply(bus, msg, 403, "login_required");
        goto cleanup;
    case CHAT_ACCESS_LOOKUP:
        break;
    }
    switch (room_get(req.room, &room)) {
    case ROOM_DB_ERROR:
        access_reply(bus, msg, 503, "unavailable");
        break;
    case ROOM_MISSING: /* W3: the creating REST call may still be in flight */
        access_reply(bus, msg, 0, NULL);
        break;
    case ROOM_OK:
        if (room.has_owner && room.owner_id != req.user.id)
            access_reply(bus, msg, 403, "room_taken");
        else
            access_reply(bus, msg, 0, NULL);
        break;
    }
cleanup:
    room_free(&room);
    chat_access_request_free(&req);
}

int chat_rooms_start(bus_t *bus, const chat_config_t *cfg)
{
    static rooms_ctx_t ctx;
    ctx.cfg = cfg;
    return bus_serve(bus, SUBJ_CHAT_ROOM_ACCESS, QUEUE_CHAT, 2, on_access, &ctx);
}
