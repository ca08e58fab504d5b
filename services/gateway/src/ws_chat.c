/* Chat sockets: client frames → echochat.chat.message.post (non-blocking),
 * replies → error frames to the sender only. Delivery to everyone, sender
 * included, comes from the room event subject (ws_fanout.c), never from the
 * reply, so each message reaches each socket exactly once. The exception is
 * a P7 repeat (same client_id): chat stores and broadcasts nothing new and
 * answers with the original, which goes back to the sender alone — it is the
 * only way a client that lost the first broadcast (reconnect, NATS restart)
 * learns that its message was stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"
#include "history_cache.h"
#include "ws.h"

typedef struct {
    ws_server_t *srv;
    uint64_t conn_id;
} ws_post_ctx_t;

typedef struct ws_post {
    char *body;
    size_t len;
    struct ws_post *next;
} ws_post_t;

/* Bus inbox or timer thread: hand the outcome to the service thread. */
static void ws_chat_on_reply(int status, natsMsg *reply, void *arg)
{
    ws_post_ctx_t *ctx = arg;
    ws_event_t *ev = calloc(1, sizeof *ev);
    if (ev) {
        ev->kind = WS_EV_POST_REPLY;
        ev->conn_id = ctx->conn_id;
        ev->status = status;
        if (reply) {
            size_t len = (size_t)natsMsg_GetDataLength(reply);
            ev->data = malloc(len + 1);
            if (ev->data) {
                memcpy(ev->data, natsMsg_GetData(reply), len);
                ev->data[len] = '\0';
                ev->len = len;
            }
        }
        ws_post_event(ctx->srv, ev);
    }
    natsMsg_Destroy(reply);
    free(ctx);
}

/* Sends the oldest queued post unless one is in flight. */
static void ws_chat_send_next(ws_conn_t *c)
{
    ws_server_t *srv = c->srv;
    ws_post_t *post = c->posts_head;
    if (c->post_inflight || !post) return;
    c->posts_head = post->next;
    if (!c->posts_head) c->posts_tail = NULL;
    c->posts_queued--;
    char rid[48];
    snprintf(rid, sizeof rid, "ws-%s-%llu", srv->gateway_id + strlen(srv->gateway_id) - 8,
             (unsigned long long)c->id);
    log_set_request_id(rid);
    natsMsg *msg = bus_msg_new_request(srv->gw->bus, SUBJ_CHAT_MESSAGE_POST, post->body, post->len);
    log_set_request_id(NULL);
    free(post->body);
    free(post);
    ws_post_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!msg || !ctx) {
        natsMsg_Destroy(msg);
        free(ctx);
        ws_send_text(c, "{\"error\": \"unavailable\"}");
        return;
    }
    ctx->srv = srv;
    ctx->conn_id = c->id;
    c->post_inflight = true;
    metric_inc(srv->m_posts);
    /* cb runs exactly once, also when sending fails. */
    bus_request_async(srv->gw->bus, msg, WS_POST_TIMEOUT_MS, ws_chat_on_reply, ctx);
}

void ws_chat_drop_posts(ws_conn_t *c)
{
    while (c->posts_head) {
        ws_post_t *post = c->posts_head;
        c->posts_head = post->next;
        free(post->body);
        free(post);
    }
    c->posts_tail = NULL;
    c->posts_queued = 0;
}

/* websocket.md §2.2 steps 1–3 here (invalid JSON, non-object (W6), message
 * not a string → ignored); trimming, length, guest, rate limit and storage
 * are chat's. */
void ws_chat_receive(ws_conn_t *c, const char *data, size_t len)
{
    ws_server_t *srv = c->srv;
    const char *text, *client_id;
    cJSON *in = ws_chat_frame_parse(data, len, &text, &client_id);
    cJSON *req = NULL;
    char *body = NULL;
    size_t blen = 0;
    if (!text) goto done;
    if (c->posts_queued >= WS_POST_QUEUE_MAX) { /* chat is behind: ask the client to wait */
        metric_inc(srv->m_flood_dropped);
        ws_send_text(c, "{\"error\": \"rate_limited\", \"retry_after\": 1}");
        goto done;
    }
    req = cJSON_CreateObject();
    if (!req || !cJSON_AddStringToObject(req, "room", c->room)) goto done;
    cJSON *u = c->user ? cJSON_Parse(c->user->json) : cJSON_CreateNull();
    if (!u || !cJSON_AddItemToObject(req, "user", u)) {
        cJSON_Delete(u);
        goto done;
    }
    if (!cJSON_AddStringToObject(req, "text", text) ||
        (client_id && !cJSON_AddStringToObject(req, "client_id", client_id)) ||
        !cJSON_AddStringToObject(req, "base_url", c->base_url))
        goto done;
    body = json_print_compact(req, &blen);
    ws_post_t *post = body ? calloc(1, sizeof *post) : NULL;
    if (!post) goto done;
    post->body = body;
    post->len = blen;
    body = NULL;
    if (c->posts_tail)
        c->posts_tail->next = post;
    else
        c->posts_head = post;
    c->posts_tail = post;
    c->posts_queued++;
    ws_chat_send_next(c);
done:
    cJSON_Delete(in);
    cJSON_Delete(req);
    free(body);
}

/* Service thread: chat's answer (or its absence) for one post. */
void ws_chat_post_reply(ws_server_t *srv, ws_event_t *ev)
{
    ws_conn_t *c = ws_conn_find(srv, ev->conn_id);
    if (!c) return; /* socket gone meanwhile */
    c->post_inflight = false;
    ws_chat_send_next(c);
    cJSON *ans = ev->status == BUS_OK && ev->data ? json_parse(ev->data, ev->len) : NULL;
    bool ok = false;
    const char *error = NULL;
    if (cJSON_IsObject(ans) && json_bool(ans, "ok", &ok)) {
        if (!ok) error = json_str(ans, "error");
    } else {
        if (ev->status == BUS_OK) log_warn("ws: malformed chat post reply");
        error = "unavailable";
    }
    /* Before the sender hears anything (a P7 repeat's original, an error):
     * whatever chat stored must show in this gateway's next history page.
     * A stored message or an unknown outcome (no answer: it may have
     * committed) counts; chat's refusals (rate limit, too long) wrote
     * nothing, so a flood of them cannot keep the room's pages uncached. */
    if (ok || (error && !strcmp(error, "unavailable")))
        history_cache_touch_room(srv->gw->history, c->room);
    bool duplicate = false;
    cJSON *original = cJSON_GetObjectItemCaseSensitive(ans, "message");
    if (ok && json_bool(ans, "duplicate", &duplicate) && duplicate && cJSON_IsObject(original)) {
        size_t len = 0;
        char *frame = json_print_compat(original, &len);
        if (frame)
            ws_send_text(c, frame);
        free(frame);
    }
    if (ok || !error || !strcmp(error, "ignored")) {
        cJSON_Delete(ans);
        return;
    }
    if (!strcmp(error, "message_too_long")) {
        ws_send_text(c, "{\"error\": \"message_too_long\"}");
    } else if (!strcmp(error, "rate_limited")) {
        int64_t retry = 0;
        char frame[64];
        if (json_int(ans, "retry_after", &retry) && retry >= 1)
            snprintf(frame, sizeof frame, "{\"error\": \"rate_limited\", \"retry_after\": %lld}",
                     (long long)retry);
        else
            snprintf(frame, sizeof frame, "{\"error\": \"rate_limited\"}");
        ws_send_text(c, frame);
    } else {
        metric_inc(srv->m_post_unavailable);
        ws_send_text(c, "{\"error\": \"unavailable\"}");
    }
    cJSON_Delete(ans);
}
