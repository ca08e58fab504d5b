/* Presence sockets on the gateway side (websocket.md §3, W4, W8).
 *
 * The gateway does not decide who is online: it keeps per-key counts of its
 * own sockets (users by username, guests by client IP per P12) and reports
 * to the presence daemons per gateway, not per socket: deltas (join, leave
 * with clean/abnormal close, ping) batched every tick, plus a compact
 * snapshot every WS_SNAPSHOT_MS carrying each key's count and time since its
 * last ping, so a daemon that missed deltas or restarted converges, and a
 * gateway that dies stops refreshing its contribution (expires within TTL).
 * The daemons answer with the view on echochat.presence.view; the gateway
 * renders the two frames once per change and queues them, shared, on every
 * presence socket. Several presence instances may publish: the gateway
 * follows the longest-running live one so views never flap between them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/clock.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"
#include "ws.h"

#define WS_PKEY_BUCKETS 8192
#define WS_SNAPSHOT_MS 2000
#define WS_SNAPSHOT_CHUNK 1000
#define WS_FIRST_VIEW_WAIT_MS 1500 /* new socket: wait this long for a view with itself */
#define WS_INSTANCE_STALE_MS 6000  /* a presence instance silent this long is not followed */
#define WS_MAX_INSTANCES 8

typedef struct ws_pkey {
    char *key; /* "u:<username>" or "g:<ip>" */
    bool user;
    long long uid;
    char *username;
    char *img; /* absolute avatar URL of the latest connection, may be NULL */
    int count;
    int64_t last_seen_ms; /* monotonic: connect or ping */
    int64_t first_ms;     /* monotonic: the key's first socket here connected */
    uint64_t ping_batch;
    uint64_t created_view; /* views received before the key existed */
    struct ws_pkey *next;
} ws_pkey_t;

typedef struct {
    char id[64];
    int64_t started;
    int64_t heard_ms;
} ws_instance_t;

struct ws_presence {
    ws_pkey_t *buckets[WS_PKEY_BUCKETS];
    size_t nkeys;
    ws_conn_t *conns;
    size_t awaiting;
    cJSON *batch; /* array of pending delta events */
    uint64_t batch_no;
    uint64_t seq;
    uint64_t snapshot_gen;
    int64_t last_snapshot_ms;
    /* current view */
    bool have_view;
    uint64_t views; /* changed views received */
    ws_frame_t *guest_frame, *user_frame;
    char **view_users;
    size_t n_view_users;
    ws_instance_t inst[WS_MAX_INSTANCES];
};

static ws_pkey_t **ws_pkey_slot(ws_presence_t *p, const char *key)
{
    ws_pkey_t **pp = &p->buckets[hash_str(key) % WS_PKEY_BUCKETS];
    while (*pp && strcmp((*pp)->key, key) != 0)
        pp = &(*pp)->next;
    return pp;
}

static void ws_pkey_free(ws_pkey_t *k)
{
    free(k->key);
    free(k->username);
    free(k->img);
    free(k);
}

int ws_presence_init(ws_server_t *srv)
{
    ws_presence_t *p = calloc(1, sizeof *p);
    if (!p || !(p->batch = cJSON_CreateArray())) {
        free(p);
        return -1;
    }
    srv->presence = p;
    return 0;
}

static void ws_view_clear(ws_presence_t *p)
{
    ws_frame_unref(p->guest_frame);
    ws_frame_unref(p->user_frame);
    p->guest_frame = p->user_frame = NULL;
    for (size_t i = 0; i < p->n_view_users; i++)
        free(p->view_users[i]);
    free(p->view_users);
    p->view_users = NULL;
    p->n_view_users = 0;
}

void ws_presence_free(ws_server_t *srv)
{
    ws_presence_t *p = srv->presence;
    if (!p) return;
    for (int b = 0; b < WS_PKEY_BUCKETS; b++)
        while (p->buckets[b]) {
            ws_pkey_t *k = p->buckets[b];
            p->buckets[b] = k->next;
            ws_pkey_free(k);
        }
    ws_view_clear(p);
    cJSON_Delete(p->batch);
    free(p);
    srv->presence = NULL;
}

/* Adds the identifying fields of k to a report item. "since" (ms the key has
 * been connected here, as of sending) lets presence order the view by when
 * keys really connected rather than by when each gateway's (or shard's)
 * batch happened to arrive (websocket.md §3.4: insertion order). Delta items
 * carry first_ms until their batch is sent (ws_presence_batch_since). */
static bool ws_pkey_describe(cJSON *o, const ws_pkey_t *k, int64_t since)
{
    if (!cJSON_AddStringToObject(o, "k", k->key) || !cJSON_AddNumberToObject(o, "n", k->count) ||
        !cJSON_AddNumberToObject(o, "since", (double)since))
        return false;
    if (!k->user) return true;
    return cJSON_AddStringToObject(o, "user", k->username) &&
           cJSON_AddNumberToObject(o, "uid", (double)k->uid) &&
           (k->img ? cJSON_AddStringToObject(o, "img", k->img) != NULL
                   : cJSON_AddNullToObject(o, "img") != NULL);
}

static void ws_presence_event(ws_presence_t *p, const ws_pkey_t *k, const char *op, int clean)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "op", op) || !ws_pkey_describe(o, k, k->first_ms) ||
        (clean >= 0 && !cJSON_AddBoolToObject(o, "clean", clean))) {
        cJSON_Delete(o);
        log_error("ws: out of memory, presence event lost (next snapshot repairs it)");
        return;
    }
    cJSON_AddItemToArray(p->batch, o);
}

static bool ws_view_has_user(ws_presence_t *p, const char *name)
{
    for (size_t i = 0; i < p->n_view_users; i++)
        if (!strcmp(p->view_users[i], name)) return true;
    return false;
}

static void ws_presence_send_view(ws_presence_t *p, ws_conn_t *c)
{
    ws_send(c, c->user ? p->user_frame : p->guest_frame);
    if (c->awaiting_view) {
        c->awaiting_view = false;
        p->awaiting--;
    }
}

void ws_presence_join(ws_conn_t *c)
{
    ws_presence_t *p = c->srv->presence;
    char key[320];
    int64_t now = clock_mono_ms();
    int before = 0;
    c->pres_prev = NULL;
    c->pres_next = p->conns;
    if (p->conns) p->conns->pres_prev = c;
    p->conns = c;
    if (c->user)
        snprintf(key, sizeof key, "u:%s", c->user->username);
    else
        snprintf(key, sizeof key, "g:%s", c->ip);
    /* websocket.md §3.1: a guest without an IP is not counted. */
    if (c->user || c->ip[0]) {
        ws_pkey_t **slot = ws_pkey_slot(p, key);
        ws_pkey_t *k = *slot;
        if (!k) {
            k = calloc(1, sizeof *k);
            if (!k || !(k->key = strdup(key)) ||
                (c->user && !(k->username = strdup(c->user->username)))) {
                if (k) ws_pkey_free(k);
                log_error("ws: out of memory joining presence");
                return;
            }
            k->user = c->user != NULL;
            k->first_ms = now;
            k->created_view = p->views;
            *slot = k;
            p->nkeys++;
        }
        before = k->count;
        k->count++;
        k->last_seen_ms = now;
        if (c->user) {
            k->uid = c->user->id;
            free(k->img); /* the newest connection's avatar wins (§3.2) */
            k->img = ws_avatar_url(c->base_url, c->user->avatar);
        }
        c->pkey = k;
        ws_presence_event(p, k, "join", -1);
    }
    /* The first frame must show the socket itself (items 116, 117): send the
     * current view when it already does, else wait for the next one. */
    bool shown = c->user ? ws_view_has_user(p, c->user->username)
                         : !c->pkey || (before > 0 && p->views > c->pkey->created_view + 1);
    if (p->have_view && shown) {
        ws_presence_send_view(p, c);
    } else {
        c->awaiting_view = true;
        c->joined_ms = now;
        p->awaiting++;
    }
}

void ws_presence_leave(ws_conn_t *c, bool clean)
{
    ws_presence_t *p = c->srv->presence;
    if (c->pres_prev)
        c->pres_prev->pres_next = c->pres_next;
    else if (p->conns == c)
        p->conns = c->pres_next;
    if (c->pres_next) c->pres_next->pres_prev = c->pres_prev;
    c->pres_prev = c->pres_next = NULL;
    if (c->awaiting_view) {
        c->awaiting_view = false;
        p->awaiting--;
    }
    ws_pkey_t *k = c->pkey;
    c->pkey = NULL;
    if (!k) return;
    k->count--;
    ws_presence_event(p, k, "leave", clean);
    if (k->count <= 0) {
        ws_pkey_t **slot = ws_pkey_slot(p, k->key);
        *slot = k->next;
        p->nkeys--;
        ws_pkey_free(k);
    }
}

/* websocket.md §3.3: only {"type": "ping"} counts; everything else (non-JSON,
 * non-object (W6), other types) is ignored and the socket stays open. */
void ws_presence_receive(ws_conn_t *c, const char *data, size_t len)
{
    ws_presence_t *p = c->srv->presence;
    if (c->pkey && ws_presence_frame_is_ping(data, len)) {
        ws_pkey_t *k = c->pkey;
        k->last_seen_ms = clock_mono_ms();
        if (k->ping_batch != p->batch_no + 1) { /* one ping per key per batch */
            k->ping_batch = p->batch_no + 1;
            ws_presence_event(p, k, "ping", -1);
        }
    }
}

static void ws_presence_publish(ws_server_t *srv, cJSON *report)
{
    size_t len = 0;
    char *body = json_print_compact(report, &len);
    if (body)
        bus_publish(srv->gw->bus, SUBJ_PRESENCE_REPORT, body, len);
    else
        log_error("ws: out of memory, presence report lost");
    free(body);
}

/* The batch's items hold each key's first_ms: "since" as of now. */
static void ws_presence_batch_since(cJSON *batch, int64_t now)
{
    cJSON *e;
    cJSON_ArrayForEach(e, batch)
    {
        cJSON *since = cJSON_GetObjectItemCaseSensitive(e, "since");
        if (cJSON_IsNumber(since)) {
            double v = (double)now - since->valuedouble;
            cJSON_SetNumberValue(since, v > 0 ? v : 0);
        }
    }
}

static cJSON *ws_report_new(ws_server_t *srv)
{
    cJSON *r = cJSON_CreateObject();
    if (r && cJSON_AddStringToObject(r, "gw", srv->gateway_id) &&
        cJSON_AddNumberToObject(r, "seq", (double)++srv->presence->seq))
        return r;
    cJSON_Delete(r);
    return NULL;
}

/* Every key of this gateway with its count and ms since its last ping, in
 * chunks; the last chunk says final so daemons can retire missing keys. */
static void ws_presence_snapshot(ws_server_t *srv, int64_t now)
{
    ws_presence_t *p = srv->presence;
    uint64_t gen = ++p->snapshot_gen;
    int b = 0;
    ws_pkey_t *k = NULL;
    do {
        cJSON *r = ws_report_new(srv);
        cJSON *keys = r ? cJSON_AddArrayToObject(r, "keys") : NULL;
        if (!keys || !cJSON_AddNumberToObject(r, "snapshot", (double)gen) ||
            !cJSON_AddNumberToObject(r, "every", WS_SNAPSHOT_MS)) {
            cJSON_Delete(r);
            return;
        }
        int n = 0;
        while (n < WS_SNAPSHOT_CHUNK) {
            while (!k && b < WS_PKEY_BUCKETS)
                k = p->buckets[b++];
            if (!k) break;
            cJSON *o = cJSON_CreateObject();
            if (o && ws_pkey_describe(o, k, now - k->first_ms) &&
                cJSON_AddNumberToObject(o, "age", (double)(now - k->last_seen_ms)))
                cJSON_AddItemToArray(keys, o);
            else
                cJSON_Delete(o);
            n++;
            k = k->next;
        }
        while (!k && b < WS_PKEY_BUCKETS)
            k = p->buckets[b++];
        cJSON_AddBoolToObject(r, "final", !k);
        ws_presence_publish(srv, r);
        cJSON_Delete(r);
    } while (k);
}

void ws_presence_tick(ws_server_t *srv, int64_t now)
{
    ws_presence_t *p = srv->presence;
    if (cJSON_GetArraySize(p->batch) > 0) {
        cJSON *r = ws_report_new(srv);
        ws_presence_batch_since(p->batch, now);
        if (r) {
            cJSON_AddItemToObject(r, "ev", p->batch);
            ws_presence_publish(srv, r);
            cJSON_Delete(r);
        } else {
            cJSON_Delete(p->batch);
        }
        p->batch = cJSON_CreateArray();
        p->batch_no++;
    }
    if (now - p->last_snapshot_ms >= WS_SNAPSHOT_MS) {
        p->last_snapshot_ms = now;
        ws_presence_snapshot(srv, now);
    }
    if (p->awaiting && p->have_view) {
        for (ws_conn_t *c = p->conns; c; c = c->pres_next)
            if (c->awaiting_view && now - c->joined_ms >= WS_FIRST_VIEW_WAIT_MS)
                ws_presence_send_view(p, c);
    }
}

/* Whether a view from instance id (started at `started`) is to be followed. */
static bool ws_presence_follow(ws_presence_t *p, const char *id, int64_t started, int64_t now)
{
    ws_instance_t *slot = NULL;
    for (int i = 0; i < WS_MAX_INSTANCES; i++)
        if (!strcmp(p->inst[i].id, id)) slot = &p->inst[i];
    if (!slot) {
        slot = &p->inst[0];
        for (int i = 1; i < WS_MAX_INSTANCES; i++)
            if (p->inst[i].heard_ms < slot->heard_ms) slot = &p->inst[i];
        snprintf(slot->id, sizeof slot->id, "%s", id);
    }
    slot->started = started;
    slot->heard_ms = now;
    for (int i = 0; i < WS_MAX_INSTANCES; i++) {
        ws_instance_t *o = &p->inst[i];
        if (o == slot || !o->id[0] || now - o->heard_ms > WS_INSTANCE_STALE_MS) continue;
        if (o->started < started || (o->started == started && strcmp(o->id, id) < 0)) return false;
    }
    return true;
}

/* Service thread: a view from a presence daemon. */
void ws_presence_view(ws_server_t *srv, const char *data, size_t len)
{
    ws_presence_t *p = srv->presence;
    cJSON *v = json_parse(data, len);
    cJSON *out = NULL, *gout = NULL;
    char *ujson = NULL, *gjson = NULL;
    size_t ulen = 0, glen = 0;
    const char *inst = cJSON_IsObject(v) ? json_str(v, "instance") : NULL;
    int64_t started = 0, guests = 0;
    cJSON *online = inst ? cJSON_GetObjectItemCaseSensitive(v, "online") : NULL;
    if (!inst || !json_int(v, "started", &started) || !json_int(v, "guests", &guests) ||
        !cJSON_IsArray(online)) {
        log_warn("ws: malformed presence view ignored");
        goto done;
    }
    if (!ws_presence_follow(p, inst, started, clock_mono_ms())) goto done;
    /* Render both frames in the reference format, keys in reference order. */
    out = cJSON_CreateObject();
    cJSON *arr = out ? cJSON_AddArrayToObject(out, "online") : NULL;
    size_t n = (size_t)cJSON_GetArraySize(online);
    char **names = calloc(n ? n : 1, sizeof *names);
    size_t nn = 0;
    if (!arr || !names) {
        free(names);
        goto done;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, online)
    {
        const char *name = json_str(e, "username");
        const char *img = json_str(e, "profileImage");
        cJSON *o = name ? cJSON_CreateObject() : NULL;
        if (!o) continue;
        cJSON_AddStringToObject(o, "username", name);
        if (img)
            cJSON_AddStringToObject(o, "profileImage", img);
        else
            cJSON_AddNullToObject(o, "profileImage");
        cJSON_AddItemToArray(arr, o);
        names[nn] = strdup(name);
        if (names[nn]) nn++;
    }
    cJSON_AddNumberToObject(out, "guests", (double)guests);
    gout = cJSON_CreateObject();
    if (!gout || !cJSON_AddNumberToObject(gout, "guests", (double)guests) ||
        !(ujson = json_print_compat(out, &ulen)) || !(gjson = json_print_compat(gout, &glen))) {
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
        goto done;
    }
    bool changed = !p->have_view || p->user_frame->len != ulen ||
                   memcmp(p->user_frame->buf + LWS_PRE, ujson, ulen) != 0;
    if (changed) {
        p->views++;
        ws_view_clear(p);
        p->user_frame = ws_frame_new(ujson, ulen);
        p->guest_frame = ws_frame_new(gjson, glen);
        p->view_users = names;
        p->n_view_users = nn;
        p->have_view = p->user_frame && p->guest_frame;
        if (!p->have_view) ws_view_clear(p);
    } else {
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
    }
    if (!p->have_view) goto done;
    for (ws_conn_t *c = p->conns; c; c = c->pres_next) {
        /* An awaiting socket waits for a view that shows itself: its user,
         * or for a counted guest at least one guest. */
        if (c->awaiting_view &&
            (c->user ? !ws_view_has_user(p, c->user->username) : c->pkey && guests < 1))
            continue;
        if (changed || c->awaiting_view) ws_presence_send_view(p, c);
    }
done:
    cJSON_Delete(v);
    cJSON_Delete(out);
    cJSON_Delete(gout);
    free(ujson);
    free(gjson);
}
