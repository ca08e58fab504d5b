/* Identity of WebSocket clients: sessions resolved through the gateway's
 * shared session cache (session_cache.c), the chat room access cache, and the
 * auth events that act on open sockets (session revoked: close with 4401,
 * P11/W7; user updated: new name/avatar, W7).
 *
 * Why blocking calls here: lws 4.1 cannot suspend an upgrade, so the handshake
 * must decide synchronously on the service thread. Misses cost one NATS round
 * trip (~0.1 ms with SendAsap) bounded by WS_RESOLVE_TIMEOUT_MS; hits cost
 * nothing, and the SPA resolves its session over HTTP before it opens sockets,
 * so handshakes mostly hit. The revocation handler empties the user's cache
 * entries on this thread before closing sockets, so a revoked session can
 * never open a socket from the cache. Guests without a cookie and the public
 * room never cause a call. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/clock.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/room_token.h"
#include "echo/subjects.h"
#include "echo/text.h"
#include "session_cache.h"
#include "ws.h"

#define WS_RESOLVE_TIMEOUT_MS 500
#define WS_ACCESS_TTL_MS 2000
#define WS_CACHE_BUCKETS 4096
#define WS_CACHE_MAX 50000

/* Room access answers, keyed by room token and user id. */
typedef struct ws_centry {
    char *key;
    int allowed, status;
    int64_t expires_ms;
    struct ws_centry *next;
} ws_centry_t;

typedef struct {
    ws_centry_t *buckets[WS_CACHE_BUCKETS];
    size_t count;
} ws_cache_t;

struct ws_session_cache {
    ws_cache_t access;
};

ws_identity_t *ws_identity_new(long long id, const char *username, const char *avatar,
                               bool is_staff, bool is_superuser)
{
    ws_identity_t *u = calloc(1, sizeof *u);
    if (!u) return NULL;
    u->refs = 1;
    u->id = id;
    u->is_staff = is_staff;
    u->is_superuser = is_superuser;
    if (ws_identity_update(u, username, avatar) != 0) {
        ws_identity_unref(u);
        return NULL;
    }
    return u;
}

void ws_identity_unref(ws_identity_t *u)
{
    if (!u || --u->refs > 0) return;
    free(u->username);
    free(u->avatar);
    free(u->json);
    free(u);
}

int ws_identity_update(ws_identity_t *u, const char *username, const char *avatar)
{
    char *name = strdup(username ? username : "");
    char *av = avatar && *avatar ? strdup(avatar) : NULL;
    cJSON *o = cJSON_CreateObject();
    char *json = NULL;
    if (o && cJSON_AddNumberToObject(o, "id", (double)u->id) &&
        cJSON_AddStringToObject(o, "username", username ? username : "") &&
        cJSON_AddBoolToObject(o, "is_staff", u->is_staff) &&
        cJSON_AddBoolToObject(o, "is_superuser", u->is_superuser) &&
        (av ? cJSON_AddStringToObject(o, "avatar", av) : cJSON_AddNullToObject(o, "avatar")))
        json = json_print_compact(o, NULL);
    cJSON_Delete(o);
    if (!name || (avatar && *avatar && !av) || !json) {
        free(name);
        free(av);
        free(json);
        return -1;
    }
    free(u->username);
    free(u->avatar);
    free(u->json);
    u->username = name;
    u->avatar = av;
    u->json = json;
    return 0;
}

static void ws_centry_free(ws_centry_t *e)
{
    free(e->key);
    free(e);
}

static ws_centry_t *ws_cache_get(ws_cache_t *c, const char *key, int64_t now)
{
    ws_centry_t **pp = &c->buckets[hash_str(key) % WS_CACHE_BUCKETS];
    while (*pp) {
        ws_centry_t *e = *pp;
        if (!strcmp(e->key, key)) {
            if (e->expires_ms > now) return e;
            *pp = e->next;
            c->count--;
            ws_centry_free(e);
            return NULL;
        }
        pp = &e->next;
    }
    return NULL;
}

/* Takes ownership of e; a full cache just does not remember. */
static void ws_cache_put(ws_cache_t *c, ws_centry_t *e)
{
    if (c->count >= WS_CACHE_MAX) {
        ws_centry_free(e);
        return;
    }
    unsigned b = hash_str(e->key) % WS_CACHE_BUCKETS;
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->count++;
}

/* Drops entries that expired by now. */
static void ws_cache_sweep(ws_cache_t *c, int64_t now)
{
    for (int b = 0; b < WS_CACHE_BUCKETS; b++) {
        ws_centry_t **pp = &c->buckets[b];
        while (*pp) {
            ws_centry_t *e = *pp;
            if (e->expires_ms <= now) {
                *pp = e->next;
                c->count--;
                ws_centry_free(e);
            } else {
                pp = &e->next;
            }
        }
    }
}

static void ws_cache_clear(ws_cache_t *c)
{
    ws_cache_sweep(c, INT64_MAX);
}

int ws_session_init(ws_server_t *srv)
{
    srv->sessions = calloc(1, sizeof *srv->sessions);
    return srv->sessions ? 0 : -1;
}

void ws_session_free(ws_server_t *srv)
{
    if (!srv->sessions) return;
    ws_cache_clear(&srv->sessions->access);
    free(srv->sessions);
    srv->sessions = NULL;
}

static void ws_sha256_hex(const char *s, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";
    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

/* Parses a User object of the contract; NULL for null/invalid. */
static ws_identity_t *ws_identity_from_json(const cJSON *u)
{
    int64_t id;
    const char *name = json_str(u, "username");
    if (!cJSON_IsObject(u) || !json_int(u, "id", &id) || !name) return NULL;
    bool staff = false, super = false;
    json_bool(u, "is_staff", &staff);
    json_bool(u, "is_superuser", &super);
    return ws_identity_new((long long)id, name, json_str(u, "avatar"), staff, super);
}

int ws_session_resolve(ws_server_t *srv, const char *session_id, ws_identity_t **user,
                       char hash_hex[65])
{
    *user = NULL;
    hash_hex[0] = '\0';
    if (!session_id || !*session_id) return WS_AUTH_OK;
    ws_sha256_hex(session_id, hash_hex);
    session_user_t su;
    if (!session_cache_resolve_sync(srv->gw->sessions, session_id, WS_RESOLVE_TIMEOUT_MS, &su))
        return WS_AUTH_UNAVAILABLE;
    if (su.user_json) {
        cJSON *u = json_parse(su.user_json, strlen(su.user_json));
        *user = ws_identity_from_json(u);
        cJSON_Delete(u);
    }
    session_user_clear(&su);
    return WS_AUTH_OK;
}

int ws_room_access(ws_server_t *srv, const char *room, size_t room_len, ws_identity_t *user,
                   int *status)
{
    char key[300];
    *status = 403;
    /* Names that are not UTF-8 can be no slug; long ones no valid room. */
    if (!text_valid_utf8(room, room_len) || room_len > 100) return 0;
    char *token = room_token(room, room_len);
    snprintf(key, sizeof key, "%s\n%lld", token, user ? user->id : -1LL);
    free(token);
    int64_t now = clock_mono_ms();
    ws_centry_t *e = ws_cache_get(&srv->sessions->access, key, now);
    if (e) {
        *status = e->status;
        return e->allowed;
    }
    cJSON *req = cJSON_CreateObject();
    char *body = NULL;
    size_t len = 0;
    natsMsg *reply = NULL;
    int rc = -1;
    if (!req || !cJSON_AddStringToObject(req, "room", room)) goto done;
    cJSON *u = user ? cJSON_Parse(user->json) : cJSON_CreateNull();
    if (!u || !cJSON_AddItemToObject(req, "user", u)) {
        cJSON_Delete(u);
        goto done;
    }
    if (!(body = json_print_compact(req, &len))) goto done;
    int st =
        bus_request(srv->gw->bus, SUBJ_CHAT_ROOM_ACCESS, body, len, WS_RESOLVE_TIMEOUT_MS, &reply);
    if (st != BUS_OK) {
        log_warn("ws: room access check failed (%d): chat unavailable", st);
        goto done;
    }
    cJSON *ans = json_parse(natsMsg_GetData(reply), (size_t)natsMsg_GetDataLength(reply));
    bool allowed = false;
    int64_t code = 403;
    if (!cJSON_IsObject(ans) || !json_bool(ans, "allowed", &allowed)) {
        log_warn("ws: malformed room access reply");
        cJSON_Delete(ans);
        goto done;
    }
    if (!allowed && json_int(ans, "status", &code) && (code < 400 || code > 499)) code = 403;
    cJSON_Delete(ans);
    rc = allowed ? 1 : 0;
    *status = allowed ? 200 : (int)code;
    e = calloc(1, sizeof *e);
    if (e && (e->key = strdup(key))) {
        e->allowed = rc;
        e->status = *status;
        e->expires_ms = now + WS_ACCESS_TTL_MS;
        ws_cache_put(&srv->sessions->access, e);
    } else {
        free(e);
    }
done:
    natsMsg_Destroy(reply);
    cJSON_Delete(req);
    free(body);
    return rc;
}

void ws_session_tick(ws_server_t *srv, int64_t now_ms)
{
    ws_cache_sweep(&srv->sessions->access, now_ms);
}

/* {"user_id", "session_hash": hex|null, "reason"}: close the sockets of that
 * session (or of every session of the user) with 4401. */
void ws_session_revoked(ws_server_t *srv, const char *data, size_t len)
{
    ws_user_event_t e;
    cJSON *ev = ws_user_event_parse(data, len, false, &e);
    if (!ev) {
        log_warn("ws: malformed session_revoked event ignored");
        return;
    }
    long long uid = (long long)e.user_id;
    const char *hash = e.session_hash;
    session_cache_forget_user(srv->gw->sessions, uid);
    int closed = 0;
    for (ws_conn_t *c = srv->all; c; c = c->all_next) {
        if (c->user && c->user->id == uid && (!hash || !strcmp(c->session_hash, hash))) {
            ws_conn_close(c, WS_CLOSE_REVOKED);
            closed++;
        }
    }
    if (closed)
        log_info("ws: session of user %lld revoked, %d socket(s) closed", uid, closed);
    cJSON_Delete(ev);
}

/* {"user_id", "username", "avatar", "old_username"?}: sockets of that user
 * speak and appear under the new name/avatar from now on (W7). */
void ws_session_user_updated(ws_server_t *srv, const char *data, size_t len)
{
    ws_user_event_t e;
    cJSON *ev = ws_user_event_parse(data, len, true, &e);
    if (!ev) {
        log_warn("ws: malformed user_updated event ignored");
        return;
    }
    long long uid = (long long)e.user_id;
    session_cache_forget_user(srv->gw->sessions, uid);
    for (ws_conn_t *c = srv->all; c; c = c->all_next) {
        if (!c->user || c->user->id != uid) continue;
        bool presence = c->kind == WS_PATH_PRESENCE && !c->closing;
        if (presence) ws_presence_leave(c, true);
        if (ws_identity_update(c->user, e.username, e.avatar) != 0)
            log_error("ws: out of memory updating user %lld", uid);
        if (presence) ws_presence_join(c);
    }
    cJSON_Delete(ev);
}
