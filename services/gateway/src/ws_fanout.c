/* Fan-out of the WebSocket front: shared frames, per-socket bounded send
 * queues, room membership and the gateway's own NATS connection for events
 * (room events, presence views, session revocations, user updates).
 *
 * Why a second NATS connection: nats.c gives every async subscription its own
 * delivery thread unless the connection uses global message delivery, and a
 * gateway subscribes one subject per room with local members. This connection
 * uses one global delivery thread whose callbacks only copy the payload into
 * a shared frame and queue it for the service thread; heavy subscribing also
 * stays off the request/reply connection (toolchain.md: slow consumers).
 *
 * Slow sockets: each socket has its own queue of up to WS_QUEUE_MAX frames;
 * a socket whose queue is full is closed with 1008 and never delays others. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/clock.h"
#include "echo/log.h"
#include "echo/room_token.h"
#include "echo/subjects.h"
#include "history_cache.h"
#include "ws.h"

#define WS_ROOM_BUCKETS 4096

typedef struct ws_room {
    char *token;
    ws_conn_t *members;
    size_t count;
    natsSubscription *sub;
    struct ws_room *next;
} ws_room_t;

struct ws_rooms {
    ws_room_t *buckets[WS_ROOM_BUCKETS];
};

ws_frame_t *ws_frame_new(const char *data, size_t len)
{
    ws_frame_t *f = malloc(sizeof *f + LWS_PRE + len + 1);
    if (!f) return NULL;
    f->refs = 1;
    f->len = len;
    memcpy(f->buf + LWS_PRE, data, len);
    f->buf[LWS_PRE + len] = '\0';
    return f;
}

void ws_frame_unref(ws_frame_t *f)
{
    if (f && --f->refs == 0) free(f);
}

/* Service thread: a frame lws accepted for c; a short one (the socket took
 * only part of it, lws keeps the rest) is counted as well. */
void ws_count_write(ws_conn_t *c)
{
    metric_inc(c->srv->m_frames_out);
    if (lws_partial_buffered(c->wsi)) metric_inc(c->srv->m_short_writes);
}

void ws_send(ws_conn_t *c, ws_frame_t *f)
{
    if (c->closing || !f) return;
    if (c->q_len == c->q_cap) {
        if (c->q_cap >= WS_QUEUE_MAX) {
            metric_inc(c->srv->m_dropped_slow);
            log_info("ws: socket %llu does not keep up, closing 1008", (unsigned long long)c->id);
            ws_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION);
            return;
        }
        uint16_t cap = c->q_cap ? (uint16_t)(c->q_cap * 2) : 4;
        ws_frame_t **q = malloc(cap * sizeof *q);
        if (!q) {
            ws_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
            return;
        }
        for (uint16_t i = 0; i < c->q_len; i++)
            q[i] = c->q[(c->q_head + i) % c->q_cap];
        free(c->q);
        c->q = q;
        c->q_cap = cap;
        c->q_head = 0;
    }
    ws_frame_ref(f);
    c->q[(c->q_head + c->q_len) % c->q_cap] = f;
    if (c->q_len++ == 0) lws_callback_on_writable(c->wsi);
}

void ws_send_text(ws_conn_t *c, const char *text)
{
    ws_frame_t *f = ws_frame_new(text, strlen(text));
    ws_send(c, f);
    ws_frame_unref(f);
}

void ws_conn_drop_queue(ws_conn_t *c)
{
    for (uint16_t i = 0; i < c->q_len; i++)
        ws_frame_unref(c->q[(c->q_head + i) % c->q_cap]);
    free(c->q);
    c->q = NULL;
    c->q_cap = c->q_len = c->q_head = 0;
}

/* SERVER_WRITEABLE: writes queued frames while the kernel takes them. lws
 * allows a further lws_write in the same callback only when
 * lws_send_pipe_choked() says the socket can take it; a fixed budget keeps
 * one busy socket from monopolising the service thread. */
#define WS_WRITES_PER_CALLBACK 16

int ws_conn_writable(ws_conn_t *c)
{
    if (c->close_code) {
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, NULL, 0);
        return -1;
    }
    for (int i = 0; c->q_len && i < WS_WRITES_PER_CALLBACK; i++) {
        if (i > 0 && lws_send_pipe_choked(c->wsi))
            break;
        ws_frame_t *f = c->q[c->q_head];
        c->q_head = (uint16_t)((c->q_head + 1) % c->q_cap);
        c->q_len--;
        /* lws writes the frame header into the headroom: identical for every
         * socket of a shared frame, and sockets are written one at a time. */
        int n = lws_write(c->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
        bool ok = n >= (int)f->len;
        ws_frame_unref(f);
        if (!ok) return -1;
        ws_count_write(c);
    }
    if (c->q_len)
        lws_callback_on_writable(c->wsi);
    else if (c->q_cap > 4) { /* give memory of a past burst back */
        free(c->q);
        c->q = NULL;
        c->q_cap = c->q_head = 0;
    }
    return 0;
}

static ws_room_t **ws_room_slot(ws_rooms_t *rooms, const char *token)
{
    ws_room_t **pp = &rooms->buckets[hash_str(token) % WS_ROOM_BUCKETS];
    while (*pp && strcmp((*pp)->token, token) != 0)
        pp = &(*pp)->next;
    return pp;
}

/* Global delivery thread of the event connection: hand over to the loop.
 * The room's cached history pages are invalidated first: the page cache's
 * own wildcard subscription runs on another thread and may lag, and a client
 * that saw this frame must not then read a page without it (read-your-writes
 * for the sender, whose only acknowledgement is this frame). */
static void ws_on_room_event(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    ws_server_t *srv = closure;
    const char *subject = natsMsg_GetSubject(msg);
    size_t plen = strlen(SUBJ_CHAT_ROOM_EVENT_PREFIX);
    if (strncmp(subject, SUBJ_CHAT_ROOM_EVENT_PREFIX, plen) == 0)
        history_cache_touch(srv->gw->history, subject + plen);
    ws_event_t *ev = calloc(1, sizeof *ev);
    if (ev && strlen(subject) > plen) {
        ev->kind = WS_EV_ROOM_FRAME;
        ev->token = strdup(subject + plen);
        ev->frame = ws_frame_new(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
        if (ev->token && ev->frame) {
            ws_post_event(srv, ev);
            ev = NULL;
        }
    }
    if (ev) {
        if (ev->frame) ws_frame_unref(ev->frame);
        free(ev->token);
        free(ev);
        log_error("ws: out of memory, room event on %s lost", subject);
    }
    natsMsg_Destroy(msg);
}

/* Global delivery thread: presence views and auth events, raw to the loop. */
static void ws_on_event(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    ws_server_t *srv = closure;
    ws_event_t *ev = calloc(1, sizeof *ev);
    size_t len = (size_t)natsMsg_GetDataLength(msg);
    if (ev) ev->data = malloc(len + 1);
    if (!ev || !ev->data) {
        free(ev);
        natsMsg_Destroy(msg);
        return;
    }
    memcpy(ev->data, natsMsg_GetData(msg), len);
    ev->data[len] = '\0';
    ev->len = len;
    if (sub == srv->sub_view)
        ev->kind = WS_EV_PRESENCE_VIEW;
    else if (sub == srv->sub_revoked)
        ev->kind = WS_EV_SESSION_REVOKED;
    else
        ev->kind = WS_EV_USER_UPDATED;
    ws_post_event(srv, ev);
    natsMsg_Destroy(msg);
}

int ws_room_join(ws_server_t *srv, ws_conn_t *c)
{
    char *token = room_token(c->room, c->room_len);
    ws_room_t **slot = ws_room_slot(srv->rooms, token);
    ws_room_t *r = *slot;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) {
            free(token);
            return -1;
        }
        r->token = token;
        token = NULL;
        char *subject = room_event_subject(c->room, c->room_len);
        natsStatus s = natsConnection_Subscribe(&r->sub, srv->nc, subject, ws_on_room_event, srv);
        if (s == NATS_OK) s = natsSubscription_SetPendingLimits(r->sub, -1, 256 * 1024 * 1024);
        if (s != NATS_OK) {
            log_error("ws: cannot subscribe %s: %s", subject, natsStatus_GetText(s));
            natsSubscription_Destroy(r->sub);
            free(subject);
            free(r->token);
            free(r);
            return -1;
        }
        free(subject);
        /* The SUB travels on this connection, the socket's posts on the
         * request connection: without a round trip the server may route the
         * room's next event before it knows this gateway wants it, and the
         * first sender would miss its own message. One bounded ping, only when
         * this gateway opens the room, on the service thread. */
        if (natsConnection_Status(srv->nc) == NATS_CONN_STATUS_CONNECTED &&
            natsConnection_FlushTimeout(srv->nc, 200) != NATS_OK)
            log_warn("ws: room subscription not confirmed within 200 ms");
        *slot = r;
    }
    free(token);
    c->room_ref = r;
    c->room_prev = NULL;
    c->room_next = r->members;
    if (r->members) r->members->room_prev = c;
    r->members = c;
    r->count++;
    return 0;
}

static void ws_room_free(ws_room_t *r)
{
    if (r->sub) {
        natsSubscription_Unsubscribe(r->sub);
        natsSubscription_Destroy(r->sub);
    }
    free(r->token);
    free(r);
}

void ws_room_leave(ws_server_t *srv, ws_conn_t *c)
{
    ws_room_t *r = c->room_ref;
    if (!r) return;
    if (c->room_prev)
        c->room_prev->room_next = c->room_next;
    else
        r->members = c->room_next;
    if (c->room_next) c->room_next->room_prev = c->room_prev;
    c->room_ref = NULL;
    if (--r->count == 0) { /* last local member: stop hearing the room */
        ws_room_t **slot = ws_room_slot(srv->rooms, r->token);
        *slot = r->next;
        ws_room_free(r);
    }
}

/* Service thread: back to one lws_write per frame (a failed ring, or the end). */
static void ws_fanout_drop_uring(ws_server_t *srv)
{
    if (!srv->uring) return;
    ws_uring_free(srv->uring);
    srv->uring = NULL;
    metric_gauge_add(srv->m_uring, -1);
}

/* Service thread, from the inbox drain (outside every socket's own
 * callbacks). A socket with nothing queued and no partial write held by lws
 * gets the frame at once, without the POLLOUT toggle, poll round and
 * WRITEABLE dispatch a queued frame costs: in the shard's io_uring batch
 * (ws_uring.c, flushed by ws_room_deliver) or else with lws_write. That is
 * safe for plain WebSocket (no extension is offered): a short write's tail is
 * kept by lws, which writes nothing ahead of it. Anything else takes the
 * queue, which keeps order and the slow-socket bound. */
static void ws_send_now(ws_server_t *srv, ws_conn_t *c, ws_frame_t *f)
{
    if (c->closing) return;
    if (c->q_len || lws_partial_buffered(c->wsi)) {
        ws_send(c, f);
        return;
    }
    if (srv->uring) {
        if (ws_uring_send(srv->uring, c, f) == 0) return;
        ws_fanout_drop_uring(srv);
    }
    if (lws_write(c->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
        ws_conn_kill(c);
    else
        ws_count_write(c);
}

void ws_room_deliver(ws_server_t *srv, const char *token, ws_frame_t *f)
{
    ws_room_t *r = *ws_room_slot(srv->rooms, token);
    if (!r) return; /* the last member left while the event was queued */
    for (ws_conn_t *c = r->members; c; c = c->room_next)
        ws_send_now(srv, c, f);
    if (srv->uring && ws_uring_flush(srv->uring) != 0) ws_fanout_drop_uring(srv);
}

/* Service thread. Core NATS is at-most-once: room events published while
 * the events connection was down (nats-server restart, partition) are gone,
 * though their messages are stored. Chat sockets would never notice, so they
 * are closed with 1012; clients reconnect and fetch ?after=<last id> (P8). */
void ws_rooms_resync(ws_server_t *srv)
{
    int closed = 0;
    for (ws_conn_t *c = srv->all; c; c = c->all_next) {
        if (c->room_ref && !c->closing) {
            ws_conn_close(c, WS_CLOSE_RESYNC);
            closed++;
        }
    }
    log_warn("ws: NATS events connection is back; %d chat socket(s) closed to resync", closed);
}

/* nats.c connection thread. */
static void ws_on_events_disconnected(natsConnection *nc, void *closure)
{
    (void)closure;
    if (!natsConnection_IsClosed(nc)) /* not our own shutdown */
        log_warn("ws: NATS events connection lost; room events are missed until it is back");
}

/* nats.c connection thread: the subscriptions are renewed; hand over the resync. */
static void ws_on_events_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    ws_server_t *srv = closure;
    ws_event_t *ev = calloc(1, sizeof *ev);
    if (!ev) {
        log_error("ws: out of memory; chat sockets not resynced after a NATS outage");
        return;
    }
    ev->kind = WS_EV_EVENTS_RECONNECTED;
    ws_post_event(srv, ev);
}

static natsStatus ws_subscribe(ws_server_t *srv, natsSubscription **sub, const char *subject)
{
    natsStatus s = natsConnection_Subscribe(sub, srv->nc, subject, ws_on_event, srv);
    if (s == NATS_OK) s = natsSubscription_SetPendingLimits(*sub, -1, 256 * 1024 * 1024);
    if (s != NATS_OK) log_error("ws: cannot subscribe %s: %s", subject, natsStatus_GetText(s));
    return s;
}

int ws_fanout_init(ws_server_t *srv)
{
    srv->rooms = calloc(1, sizeof *srv->rooms);
    if (!srv->rooms) return -1;
    if (srv->gw->cfg.ws_io_uring) srv->uring = ws_uring_new(srv->shard);
    if (srv->uring) metric_gauge_add(srv->m_uring, 1);
    natsStatus s = natsOptions_Create(&srv->nopts);
    if (s == NATS_OK) s = natsOptions_SetURL(srv->nopts, srv->gw->daemon->cfg.nats_url);
    if (s == NATS_OK) s = natsOptions_SetName(srv->nopts, "gateway-ws-events");
    if (s == NATS_OK) s = natsOptions_UseGlobalMessageDelivery(srv->nopts, true);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(srv->nopts, -1);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(srv->nopts, 250);
    if (s == NATS_OK) s = natsOptions_SetSendAsap(srv->nopts, true);
    if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(srv->nopts, true, NULL, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(srv->nopts, ws_on_events_disconnected, srv);
    if (s == NATS_OK) s = natsOptions_SetReconnectedCB(srv->nopts, ws_on_events_reconnected, srv);
    if (s != NATS_OK) {
        log_error("ws: bad NATS options: %s", natsStatus_GetText(s));
        return -1;
    }
    s = natsConnection_Connect(&srv->nc, srv->nopts);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
        log_error("ws: cannot connect to NATS: %s", natsStatus_GetText(s));
        return -1;
    }
    if (ws_subscribe(srv, &srv->sub_view, SUBJ_PRESENCE_VIEW) != NATS_OK ||
        ws_subscribe(srv, &srv->sub_revoked, SUBJ_AUTH_EVENT_SESSION_REVOKED) != NATS_OK ||
        ws_subscribe(srv, &srv->sub_updated, SUBJ_AUTH_EVENT_USER_UPDATED) != NATS_OK)
        return -1;
    return 0;
}

void ws_fanout_close(ws_server_t *srv)
{
    if (srv->nc) natsConnection_Close(srv->nc);
}

void ws_fanout_free(ws_server_t *srv)
{
    if (srv->rooms) {
        for (int b = 0; b < WS_ROOM_BUCKETS; b++)
            while (srv->rooms->buckets[b]) {
                ws_room_t *r = srv->rooms->buckets[b];
                srv->rooms->buckets[b] = r->next;
                ws_room_free(r);
            }
        free(srv->rooms);
        srv->rooms = NULL;
    }
    ws_fanout_drop_uring(srv);
    natsSubscription_Destroy(srv->sub_view);
    natsSubscription_Destroy(srv->sub_revoked);
    natsSubscription_Destroy(srv->sub_updated);
    srv->sub_view = srv->sub_revoked = srv->sub_updated = NULL;
    natsConnection_Destroy(srv->nc);
    srv->nc = NULL;
    natsOptions_Destroy(srv->nopts);
    srv->nopts = NULL;
}
