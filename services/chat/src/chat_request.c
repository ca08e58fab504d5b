/* The pure parse-and-validate step of chat's NATS requests and the auth
 * events it consumes: everything a handler decides from the message bytes
 * alone, before any database or bus work. Kept apart from the handlers so
 * the same code is unit-tested and fuzzed (fuzz/fuzz_chat_nats.c). Called on
 * bus worker threads; no shared state. */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/json.h"
#include "echo/text.h"

bool chat_user_from_json(const cJSON *user, chat_user_t *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(user) || !json_int(user, "id", &out->id))
        return false;
    out->username = json_str(user, "username");
    if (!out->username)
        return false;
    out->avatar = json_str(user, "avatar");
    return true;
}

/* W10: a NUL in a string is not storable; cJSON would silently cut it. */
static cJSON *parse_object(const char *data, size_t len)
{
    cJSON *doc = NULL;
    if (!data || chat_json_has_nul_escape(data, len) || !(doc = json_parse(data, len)))
        return NULL;
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

/* Usable P7 client id: a non-empty string of at most 64 code points. */
static const char *client_id_of(const cJSON *req)
{
    const char *cid = json_str(req, "client_id");
    if (!cid || !*cid)
        return NULL;
    size_t len = strlen(cid);
    if (!text_valid_utf8(cid, len) || text_codepoints(cid, len) > CHAT_CLIENT_ID_MAX)
        return NULL;
    return cid;
}

chat_post_verdict_t chat_post_request_parse(const chat_config_t *cfg, const char *data,
                                            size_t len, chat_post_request_t *out)
{
    memset(out, 0, sizeof *out);
    out->base_url = "";
    if (!(out->doc = parse_object(data, len)))
        return CHAT_POST_IGNORED;
    const char *room = json_str(out->doc, "room");
    const char *text = json_str(out->doc, "text");
    const char *base_url = json_str(out->doc, "base_url");
    if (base_url)
        out->base_url = base_url;
    if (!room || !text || !text_valid_utf8(room, strlen(room)))
        return CHAT_POST_IGNORED;
    switch (chat_text_check(text, strlen(text), cfg->max_length, &out->content)) {
    case CHAT_TEXT_OK:
        break;
    case CHAT_TEXT_TOO_LONG: /* guests get this one too (§2.2 step 5) */
        return CHAT_POST_TOO_LONG;
    case CHAT_TEXT_EMPTY:
    case CHAT_TEXT_INVALID:
        return CHAT_POST_IGNORED;
    }
    if (!chat_user_from_json(cJSON_GetObjectItemCaseSensitive(out->doc, "user"), &out->user) ||
        !text_valid_utf8(out->user.username, strlen(out->user.username)))
        return CHAT_POST_IGNORED; /* guests: silently dropped (step 6) */
    if (!chat_room_name_allowed(cfg, room, strlen(room)))
        return CHAT_POST_FORBIDDEN; /* the gateway refuses such sockets (W2) */
    out->room = room;
    out->client_id = client_id_of(out->doc);
    return CHAT_POST_OK;
}

void chat_post_request_free(chat_post_request_t *r)
{
    free(r->content);
    cJSON_Delete(r->doc);
    memset(r, 0, sizeof *r);
}

chat_access_verdict_t chat_access_request_parse(const chat_config_t *cfg, const char *data,
                                                size_t len, chat_access_request_t *out)
{
    memset(out, 0, sizeof *out);
    if (!(out->doc = parse_object(data, len)))
        return CHAT_ACCESS_BAD_REQUEST;
    const char *name = json_str(out->doc, "room");
    if (!name || !text_valid_utf8(name, strlen(name)))
        return CHAT_ACCESS_BAD_REQUEST;
    if (strcmp(name, CHAT_PUBLIC_SLUG) == 0)
        return CHAT_ACCESS_PUBLIC;
    if (!chat_slug_matches(&cfg->slug_regex, name, strlen(name)))
        return CHAT_ACCESS_INVALID_ROOM;
    if (!chat_user_from_json(cJSON_GetObjectItemCaseSensitive(out->doc, "user"), &out->user))
        return CHAT_ACCESS_LOGIN_REQUIRED;
    out->room = name;
    return CHAT_ACCESS_LOOKUP;
}

void chat_access_request_free(chat_access_request_t *r)
{
    cJSON_Delete(r->doc);
    memset(r, 0, sizeof *r);
}

bool chat_user_event_parse(const char *data, size_t len, bool need_username,
                           chat_user_event_t *out)
{
    memset(out, 0, sizeof *out);
    if (!data || !(out->doc = json_parse(data, len)))
        return false;
    if (!cJSON_IsObject(out->doc) || !json_int(out->doc, "user_id", &out->user_id))
        return false;
    const char *username = json_str(out->doc, "username");
    if (need_username && (!username || !*username || !text_valid_utf8(username, strlen(username))))
        return false;
    out->username = username;
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(out->doc, "avatar");
    out->has_avatar = av && (cJSON_IsString(av) || cJSON_IsNull(av));
    out->avatar = cJSON_IsString(av) ? av->valuestring : NULL;
    return true;
}

void chat_user_event_free(chat_user_event_t *e)
{
    cJSON_Delete(e->doc);
    memset(e, 0, sizeof *e);
}
