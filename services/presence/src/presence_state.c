/* Presence state machine: gateways' contributions per key, liveness, grace,
 * TTL and the merged view (see presence_state.h for the rules). */
#include "presence_state.h"

#include <stdlib.h>
#include <string.h>

#include "echo/clock.h"
#include "echo/json.h"

#define PS_BUCKETS 8192

typedef struct ps_gateway {
    char *id;
    int64_t last_ms;
    int64_t every_ms; /* snapshot interval it announced */
    struct ps_gateway *next;
} ps_gateway_t;

typedef struct ps_contrib {
    ps_gateway_t *gw;
    int count;
    int64_t last_seen;
    int64_t grace_until; /* 0 = none */
    uint64_t snap_gen;
    struct ps_contrib *next;
} ps_contrib_t;

typedef struct ps_key {
    char *key;
    bool user;
    long long uid;
    char *username;
    char *img;
    ps_contrib_t *contribs;
    int64_t at; /* when it first connected anywhere (now − "since") */
    struct ps_key *hnext;
    struct ps_key *prev, *next; /* insertion order: by at, then arrival */
} ps_key_t;

struct pstate {
    int64_t ttl, grace;
    ps_gateway_t *gateways;
    ps_key_t *buckets[PS_BUCKETS];
    ps_key_t *first, *last;
    size_t guests;
    bool changed;
    pstate_transition_t *trans;
    size_t ntrans, cap_trans;
};

pstate_t *pstate_new(int64_t ttl_ms, int64_t grace_ms)
{
    pstate_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->ttl = ttl_ms;
    p->grace = grace_ms;
    p->changed = true;
    return p;
}

static void ps_note(pstate_t *p, const ps_key_t *k, bool online)
{
    if (!k->user) return;
    if (p->ntrans == p->cap_trans) {
        size_t cap = p->cap_trans ? p->cap_trans * 2 : 16;
        pstate_transition_t *t = realloc(p->trans, cap * sizeof *t);
        if (!t) return; /* last_seen is best effort; the live view is not affected */
        p->trans = t;
        p->cap_trans = cap;
    }
    char *name = strdup(k->username);
    if (!name) return;
    p->trans[p->ntrans++] = (pstate_transition_t){k->uid, name, online};
}

static void ps_key_free(ps_key_t *k)
{
    while (k->contribs) {
        ps_contrib_t *c = k->contribs;
        k->contribs = c->next;
        free(c);
    }
    free(k->key);
    free(k->username);
    free(k->img);
    free(k);
}

static void ps_key_unlink(pstate_t *p, ps_key_t *k)
{
    if (k->prev)
        k->prev->next = k->next;
    else
        p->first = k->next;
    if (k->next)
        k->next->prev = k->prev;
    else
        p->last = k->prev;
    k->prev = k->next = NULL;
}

/* The view lists users "in the order they were first inserted" (websocket.md
 * §3.4). Reports of different gateways (and of a gateway's shards) arrive in
 * 50 ms batches in any order, so a key is placed by when it connected, walking
 * back from the end past keys that connected later. The walk is bounded: keys
 * arrive within a batch or two of connecting, so only the last few can be
 * later; a snapshot after a presence restart just appends the rest. */
#define PS_ORDER_WALK 256

static void ps_key_place(pstate_t *p, ps_key_t *k)
{
    ps_key_t *after = p->last;
    for (int i = 0; after && after->at > k->at && i < PS_ORDER_WALK; i++)
        after = after->prev;
    k->prev = after;
    k->next = after ? after->next : p->first;
    if (k->next)
        k->next->prev = k;
    else
        p->last = k;
    if (after)
        after->next = k;
    else
        p->first = k;
}

/* When the item's key connected, on this instance's clock: now − "since";
 * an item without "since" (an older gateway) counts as connecting now. */
static int64_t ps_item_at(const cJSON *item, int64_t now)
{
    int64_t since = 0;
    if (!json_int(item, "since", &since) || since < 0 || since > now) return now;
    return now - since;
}

/* A contribution that connected well before the key's recorded time (another
 * gateway's older socket) moves the key back to where it belongs. The margin
 * keeps the few ms of transit jitter between reports from reordering keys. */
#define PS_ORDER_MARGIN_MS 100

static void ps_key_reorder(pstate_t *p, ps_key_t *k, int64_t at)
{
    if (at >= k->at - PS_ORDER_MARGIN_MS) return;
    k->at = at;
    ps_key_unlink(p, k);
    ps_key_place(p, k);
    p->changed = true;
}

static void ps_key_delete(pstate_t *p, ps_key_t *k)
{
    ps_key_t **pp = &p->buckets[hash_str(k->key) % PS_BUCKETS];
    while (*pp != k)
        pp = &(*pp)->hnext;
    *pp = k->hnext;
    ps_key_unlink(p, k);
    if (!k->user) p->guests--;
    ps_note(p, k, false);
    p->changed = true;
    ps_key_free(k);
}

void pstate_free(pstate_t *p)
{
    if (!p) return;
    while (p->first) {
        ps_key_t *k = p->first;
        p->first = k->next;
        ps_key_free(k);
    }
    while (p->gateways) {
        ps_gateway_t *g = p->gateways;
        p->gateways = g->next;
        free(g->id);
        free(g);
    }
    pstate_transitions_free(p->trans, p->ntrans);
    free(p);
}

static ps_key_t *ps_key_find(pstate_t *p, const char *key)
{
    for (ps_key_t *k = p->buckets[hash_str(key) % PS_BUCKETS]; k; k = k->hnext)
        if (!strcmp(k->key, key)) return k;
    return NULL;
}

/* Finds or creates key; a user key takes name/uid/img from the item. */
static ps_key_t *ps_key_get(pstate_t *p, const cJSON *item, const char *key, int64_t now)
{
    ps_key_t *k = ps_key_find(p, key);
    if (k) {
        ps_key_reorder(p, k, ps_item_at(item, now));
        return k;
    }
    bool user = key[0] == 'u';
    const char *name = json_str(item, "user");
    /* The view lists names and last_seen looks keys up by name: a user key
     * whose name is not its own would show someone who never counts as live. */
    if (user && (!name || strcmp(name, key + 2) != 0)) return NULL;
    k = calloc(1, sizeof *k);
    if (!k || !(k->key = strdup(key)) || (user && !(k->username = strdup(name)))) {
        if (k) ps_key_free(k);
        return NULL;
    }
    k->user = user;
    k->at = ps_item_at(item, now);
    unsigned b = hash_str(key) % PS_BUCKETS;
    k->hnext = p->buckets[b];
    p->buckets[b] = k;
    ps_key_place(p, k);
    if (!user) p->guests++;
    ps_note(p, k, true);
    p->changed = true;
    return k;
}

/* Newest connection's avatar wins (§3.2); uid is kept for last_seen. */
static void ps_key_describe(pstate_t *p, ps_key_t *k, const cJSON *item)
{
    if (!k->user) return;
    int64_t uid;
    if (json_int(item, "uid", &uid)) k->uid = (long long)uid;
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(item, "img");
    const char *s = cJSON_IsString(img) ? img->valuestring : NULL;
    if ((s == NULL) != (k->img == NULL) || (s && strcmp(s, k->img) != 0)) {
        char *copy = s ? strdup(s) : NULL;
        if (s && !copy) return;
        free(k->img);
        k->img = copy;
        p->changed = true;
    }
}

static ps_contrib_t *ps_contrib_find(ps_key_t *k, ps_gateway_t *gw)
{
    for (ps_contrib_t *c = k->contribs; c; c = c->next)
        if (c->gw == gw) return c;
    return NULL;
}

static ps_contrib_t *ps_contrib_get(ps_key_t *k, ps_gateway_t *gw)
{
    ps_contrib_t *c = ps_contrib_find(k, gw);
    if (c) return c;
    c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->gw = gw;
    c->next = k->contribs;
    k->contribs = c;
    return c;
}

static void ps_contrib_remove(ps_key_t *k, ps_contrib_t *c)
{
    ps_contrib_t **pp = &k->contribs;
    while (*pp != c)
        pp = &(*pp)->next;
    *pp = c->next;
    free(c);
}

static ps_gateway_t *ps_gateway_get(pstate_t *p, const char *id, int64_t now)
{
    ps_gateway_t *g;
    for (g = p->gateways; g; g = g->next)
        if (!strcmp(g->id, id)) break;
    if (!g) {
        g = calloc(1, sizeof *g);
        if (!g || !(g->id = strdup(id))) {
            free(g);
            return NULL;
        }
        g->every_ms = 2000;
        g->next = p->gateways;
        p->gateways = g;
    }
    g->last_ms = now;
    return g;
}

static bool ps_gateway_alive(const pstate_t *p, const ps_gateway_t *g, int64_t now)
{
    int64_t limit = p->ttl > g->every_ms * 5 / 2 ? p->ttl : g->every_ms * 5 / 2;
    return now - g->last_ms <= limit;
}

static bool ps_contrib_live(const pstate_t *p, const ps_contrib_t *c, int64_t now)
{
    if (!ps_gateway_alive(p, c->gw, now) || now - c->last_seen > p->ttl) return false;
    return c->count > 0 || c->grace_until > now;
}

/* Abnormal end of a key's last socket on a gateway: grace (or gone). */
static void ps_contrib_grace(pstate_t *p, ps_key_t *k, ps_contrib_t *c, int64_t now)
{
    if (p->grace <= 0) {
        ps_contrib_remove(k, c);
        return;
    }
    c->count = 0;
    c->last_seen = now;
    c->grace_until = now + p->grace;
}

static void ps_apply_event(pstate_t *p, ps_gateway_t *gw, const cJSON *e, int64_t now)
{
    const char *op = json_str(e, "op"), *key = json_str(e, "k");
    int64_t n = 0;
    if (!op || !key || (key[0] != 'u' && key[0] != 'g') || key[1] != ':' || !json_int(e, "n", &n) ||
        n < 0)
        return;
    bool clean = false;
    json_bool(e, "clean", &clean);
    if (!strcmp(op, "leave") && n == 0 && clean) {
        ps_key_t *k = ps_key_find(p, key);
        ps_contrib_t *c = k ? ps_contrib_find(k, gw) : NULL;
        if (c) ps_contrib_remove(k, c); /* the sweep drops the key if it was the last */
        return;
    }
    if (strcmp(op, "join") && strcmp(op, "ping") && strcmp(op, "leave")) return;
    ps_key_t *k = ps_key_get(p, e, key, now);
    ps_contrib_t *c = k ? ps_contrib_get(k, gw) : NULL;
    if (!c) return;
    if (!strcmp(op, "join"))
        ps_key_describe(p, k, e);
    else if (!k->img && k->user)
        ps_key_describe(p, k, e); /* re-created by a ping or leave */
    if (!strcmp(op, "leave") && n == 0) {
        ps_contrib_grace(p, k, c, now);
        return;
    }
    /* join, ping, or a leave with sockets remaining (§3.3) */
    c->count = (int)(n > 0 ? n : 1);
    c->last_seen = now;
    c->grace_until = 0;
}

static void ps_apply_snapshot_item(pstate_t *p, ps_gateway_t *gw, uint64_t gen, const cJSON *e,
                                   int64_t now)
{
    const char *key = json_str(e, "k");
    int64_t n = 0, age = 0;
    if (!key || (key[0] != 'u' && key[0] != 'g') || key[1] != ':' || !json_int(e, "n", &n) ||
        n <= 0 || !json_int(e, "age", &age) || age < 0)
        return;
    int64_t seen = now - age;
    ps_key_t *k = ps_key_find(p, key);
    ps_contrib_t *c = k ? ps_contrib_find(k, gw) : NULL;
    if (!c && now - seen > p->ttl)
        return; /* a silent socket past TTL is not resurrected by snapshots */
    if (!k && !(k = ps_key_get(p, e, key, now))) return;
    ps_key_reorder(p, k, ps_item_at(e, now));
    if (!c && !(c = ps_contrib_get(k, gw))) return;
    if (!k->img && k->user) ps_key_describe(p, k, e);
    c->count = (int)n;
    if (seen > c->last_seen) c->last_seen = seen;
    c->grace_until = 0;
    c->snap_gen = gen;
}

/* Keys this gateway no longer has although we think they are open: their
 * leave was lost; treat it as abnormal (grace). */
static void ps_snapshot_final(pstate_t *p, ps_gateway_t *gw, uint64_t gen, int64_t now)
{
    for (ps_key_t *k = p->first; k; k = k->next) {
        ps_contrib_t *c = ps_contrib_find(k, gw);
        if (c && c->count > 0 && c->snap_gen != gen) ps_contrib_grace(p, k, c, now);
    }
}

bool pstate_apply(pstate_t *p, const cJSON *report, int64_t now)
{
    const char *gid = cJSON_IsObject(report) ? json_str(report, "gw") : NULL;
    if (!gid || !*gid) return false;
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(report, "ev");
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(report, "keys");
    int64_t gen = 0, every = 0;
    bool is_snapshot = json_int(report, "snapshot", &gen);
    if ((ev && !cJSON_IsArray(ev)) || (keys && !cJSON_IsArray(keys)) || (is_snapshot && !keys))
        return false;
    ps_gateway_t *gw = ps_gateway_get(p, gid, now);
    if (!gw) return false;
    if (json_int(report, "every", &every) && every >= 100 && every <= 600000) gw->every_ms = every;
    const cJSON *e;
    cJSON_ArrayForEach(e, ev)
    {
        ps_apply_event(p, gw, e, now);
    }
    if (is_snapshot) {
        cJSON_ArrayForEach(e, keys)
        {
            ps_apply_snapshot_item(p, gw, (uint64_t)gen, e, now);
        }
        bool final = false;
        if (json_bool(report, "final", &final) && final)
            ps_snapshot_final(p, gw, (uint64_t)gen, now);
    }
    return true;
}

bool pstate_sweep(pstate_t *p, int64_t now)
{
    for (ps_key_t *k = p->first; k;) {
        ps_key_t *next = k->next;
        for (ps_contrib_t *c = k->contribs; c;) {
            ps_contrib_t *cn = c->next;
            if (!ps_contrib_live(p, c, now)) ps_contrib_remove(k, c);
            c = cn;
        }
        if (!k->contribs) ps_key_delete(p, k);
        k = next;
    }
    /* Forget gateways that are gone and own nothing any more. */
    for (ps_gateway_t **gp = &p->gateways; *gp;) {
        ps_gateway_t *g = *gp;
        if (!ps_gateway_alive(p, g, now)) {
            *gp = g->next;
            free(g->id);
            free(g);
        } else {
            gp = &g->next;
        }
    }
    return p->changed;
}

cJSON *pstate_view(pstate_t *p)
{
    cJSON *v = cJSON_CreateObject();
    cJSON *online = v ? cJSON_AddArrayToObject(v, "online") : NULL;
    if (!online) {
        cJSON_Delete(v);
        return NULL;
    }
    for (ps_key_t *k = p->first; k; k = k->next) {
        if (!k->user) continue;
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "username", k->username) ||
            !(k->img ? cJSON_AddStringToObject(o, "profileImage", k->img)
                     : cJSON_AddNullToObject(o, "profileImage"))) {
            cJSON_Delete(o);
            cJSON_Delete(v);
            return NULL;
        }
        cJSON_AddItemToArray(online, o);
    }
    if (!cJSON_AddNumberToObject(v, "guests", (double)p->guests)) {
        cJSON_Delete(v);
        return NULL;
    }
    p->changed = false;
    return v;
}

bool pstate_user_live(pstate_t *p, const char *username)
{
    /* Usernames reach 150 code points, i.e. up to 600 bytes of UTF-8. */
    size_t n = strlen(username);
    char *key = malloc(n + 3);
    if (!key) return false;
    key[0] = 'u';
    key[1] = ':';
    memcpy(key + 2, username, n + 1);
    bool live = ps_key_find(p, key) != NULL;
    free(key);
    return live;
}

size_t pstate_take_transitions(pstate_t *p, pstate_transition_t **out)
{
    size_t n = p->ntrans;
    *out = p->trans;
    p->trans = NULL;
    p->ntrans = p->cap_trans = 0;
    return n;
}

void pstate_transitions_free(pstate_transition_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].username);
    free(t);
}
