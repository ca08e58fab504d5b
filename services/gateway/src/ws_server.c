/* One shard of the WebSocket front (ws_front.c): a libwebsockets context
 * served by its own thread, adopting the sockets the front accepts; the
 * handshake (path, Origin, identity, room access: websocket.md §1, W2–W5),
 * connection lifecycle and the inbox through which NATS threads hand work
 * to the service thread. All lws and connection state is touched only on
 * the service thread; other threads call ws_post_event(), which queues under
 * a lock and wakes the loop with lws_cancel_service() (toolchain.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "echo/clock.h"
#include "echo/log.h"
#include "echo/text.h"
#include "ws.h"

static void ws_event_free(ws_event_t *ev)
{
    if (ev->kind == WS_EV_ADOPT && ev->fd >= 0) close(ev->fd); /* never adopted */
    if (ev->frame) ws_frame_unref(ev->frame);
    free(ev->token);
    free(ev->data);
    free(ev);
}

/* The running shards, for completions that may fire after one stopped (the
 * daemon's bus outlives them: late chat replies are failed in bus_close). */
static pthread_mutex_t ws_alive_lock = PTHREAD_MUTEX_INITIALIZER;
static ws_server_t *ws_alive[WS_MAX_SHARDS];

static bool ws_alive_has(const ws_server_t *srv)
{
    for (int i = 0; i < WS_MAX_SHARDS; i++)
        if (ws_alive[i] == srv) return true;
    return false;
}

static void ws_alive_set(ws_server_t *srv, bool alive)
{
    pthread_mutex_lock(&ws_alive_lock);
    for (int i = 0; i < WS_MAX_SHARDS; i++) {
        if (alive && !ws_alive[i]) {
            ws_alive[i] = srv;
            break;
        }
        if (!alive && ws_alive[i] == srv) ws_alive[i] = NULL;
    }
    pthread_mutex_unlock(&ws_alive_lock);
}

/* Any thread. Wakes the loop only when the inbox was empty: one wake-up
 * drains everything queued meanwhile. Events for a stopped server are freed. */
void ws_post_event(ws_server_t *srv, ws_event_t *ev)
{
    ev->next = NULL;
    pthread_mutex_lock(&ws_alive_lock);
    if (!ws_alive_has(srv)) {
        pthread_mutex_unlock(&ws_alive_lock);
        ws_event_free(ev);
        return;
    }
    bool was_empty = srv->inbox_head == NULL;
    if (srv->inbox_tail)
        srv->inbox_tail->next = ev;
    else
        srv->inbox_head = ev;
    srv->inbox_tail = ev;
    if (was_empty) lws_cancel_service(srv->ctx);
    pthread_mutex_unlock(&ws_alive_lock);
}

/* Service thread. */
static void ws_inbox_drain(ws_server_t *srv)
{
    pthread_mutex_lock(&ws_alive_lock);
    ws_event_t *ev = srv->inbox_head;
    srv->inbox_head = srv->inbox_tail = NULL;
    pthread_mutex_unlock(&ws_alive_lock);
    while (ev) {
        ws_event_t *next = ev->next;
        switch (ev->kind) {
        case WS_EV_ROOM_FRAME:
            ws_room_deliver(srv, ev->token, ev->frame);
            break;
        case WS_EV_POST_REPLY:
            ws_chat_post_reply(srv, ev);
            break;
        case WS_EV_PRESENCE_VIEW:
            ws_presence_view(srv, ev->data, ev->len);
            break;
        case WS_EV_SESSION_REVOKED:
            ws_session_revoked(srv, ev->data, ev->len);
            break;
        case WS_EV_USER_UPDATED:
            ws_session_user_updated(srv, ev->data, ev->len);
            break;
        case WS_EV_EVENTS_RECONNECTED:
            ws_rooms_resync(srv);
            break;
        case WS_EV_ADOPT:
            /* lws owns the socket from here, and closes it on failure. */
            if (!lws_adopt_socket(srv->ctx, ev->fd))
                log_warn("ws: shard %d could not adopt a connection", srv->shard);
            ev->fd = -1;
            break;
        }
        ws_event_free(ev);
        ev = next;
    }
}

ws_conn_t *ws_conn_find(ws_server_t *srv, uint64_t id)
{
    for (ws_conn_t *c = srv->by_id[id % WS_ID_BUCKETS]; c; c = c->id_next)
        if (c->id == id) return c;
    return NULL;
}

void ws_conn_close(ws_conn_t *c, int code)
{
    if (c->closing) return;
    c->closing = true;
    c->close_code = code;
    lws_callback_on_writable(c->wsi);
    /* A peer that does not read never gets WRITEABLE: cut it after 2 s. */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 2);
}

void ws_conn_kill(ws_conn_t *c)
{
    if (c->closing) return;
    c->closing = true;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Answers the upgrade request with an HTTP status instead (never 500). */
static int ws_refuse(ws_server_t *srv, struct lws *wsi, int status)
{
    metric_inc(srv->m_refused);
    lws_return_http_status(wsi, (unsigned int)status, NULL);
    return -1;
}

static int ws_hdr(struct lws *wsi, enum lws_token_indexes h, char *buf, int len)
{
    if (lws_hdr_total_length(wsi, h) <= 0 || lws_hdr_total_length(wsi, h) >= len) return 0;
    return lws_hdr_copy(wsi, buf, len, h) > 0;
}

static int ws_custom_hdr(struct lws *wsi, const char *name, char *buf, int len)
{
    int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));
    if (n <= 0 || n >= len) return 0;
    return lws_hdr_custom_copy(wsi, buf, len, name, (int)strlen(name)) > 0;
}

/* The sessionid cookie value, or "" (RFC 6265 pairs separated by ';'). */
static void ws_cookie_session(const char *cookies, char *out, size_t out_len)
{
    out[0] = '\0';
    const char *p = cookies;
    while (p && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t n = strcspn(p, ";");
        if (n > 10 && !strncmp(p, "sessionid=", 10)) {
            size_t v = n - 10;
            if (v < out_len) {
                memcpy(out, p + 10, v);
                out[v] = '\0';
                while (v && out[v - 1] == ' ')
                    out[--v] = '\0';
            }
        }
        p += n;
    }
}

/* FILTER_PROTOCOL_CONNECTION: decide the upgrade. Returns 0 to accept. */
static int ws_handshake(ws_server_t *srv, struct lws *wsi, ws_conn_t *c)
{
    gateway_config_t *cfg = &srv->gw->cfg;
    char uri[2048], origin[512], peer[64], xff[1024], xfh[300], xfp[32], host[300];
    char cookies[4096], sid[256];
    char *room = NULL;
    size_t room_len = 0;
    ws_identity_t *user = NULL;
    int status = 0;

    memset(c, 0, sizeof *c);
    if (!ws_hdr(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri))
        return ws_refuse(srv, wsi, HTTP_STATUS_NOT_FOUND);
    /* lws has already percent-decoded the URI (and rejects "%2F" tricks). */
    ws_path_kind_t kind = ws_path_parse(uri, true, &room, &room_len);
    if (kind == WS_PATH_NONE) return ws_refuse(srv, wsi, HTTP_STATUS_NOT_FOUND);
    bool has_origin = ws_hdr(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin);
    if (!ws_origin_allowed(cfg->allowed_hosts, has_origin ? origin : NULL)) {
        status = HTTP_STATUS_FORBIDDEN;
        goto refuse;
    }
    peer[0] = '\0';
    lws_get_peer_simple(wsi, peer, sizeof peer);
    bool has_xff = ws_hdr(wsi, WSI_TOKEN_X_FORWARDED_FOR, xff, sizeof xff);
    client_ip_resolve(srv->trusted, peer, has_xff ? xff : NULL, c->ip, sizeof c->ip);
    bool trusted = client_ip_trusted(srv->trusted, peer);

    sid[0] = '\0';
    if (ws_hdr(wsi, WSI_TOKEN_HTTP_COOKIE, cookies, sizeof cookies))
        ws_cookie_session(cookies, sid, sizeof sid);
    if (ws_session_resolve(srv, sid, &user, c->session_hash) != WS_AUTH_OK) {
        status = HTTP_STATUS_SERVICE_UNAVAILABLE;
        goto refuse;
    }
    if (kind == WS_PATH_CHAT) {
        bool is_public = room_len == 6 && !memcmp(room, "public", 6);
        if (!is_public) {
            if (!user) { /* W2: guests only in "public" */
                status = HTTP_STATUS_FORBIDDEN;
                goto refuse;
            }
            int verdict = ws_room_access(srv, room, room_len, user, &status);
            if (verdict < 0) {
                status = HTTP_STATUS_SERVICE_UNAVAILABLE;
                goto refuse;
            }
            if (verdict == 0) goto refuse;
        }
    }
    bool has_host = ws_hdr(wsi, WSI_TOKEN_HOST, host, sizeof host);
    bool has_xfh = trusted && ws_custom_hdr(wsi, "x-forwarded-host:", xfh, sizeof xfh);
    bool has_xfp = trusted && ws_custom_hdr(wsi, "x-forwarded-proto:", xfp, sizeof xfp);
    c->base_url =
        ws_base_url(cfg->public_base_url, trusted, has_xfh ? xfh : NULL, has_xfp ? xfp : NULL,
                    has_origin ? origin : NULL, has_host ? host : NULL);
    if (!c->base_url) {
        status = HTTP_STATUS_SERVICE_UNAVAILABLE;
        goto refuse;
    }
    c->kind = kind;
    c->room = room;
    c->room_len = room_len;
    c->user = user;
    c->srv = srv;
    return 0;
refuse:
    if (status < 400) status = HTTP_STATUS_FORBIDDEN;
    free(room);
    if (user) ws_identity_unref(user);
    memset(c, 0, sizeof *c);
    return ws_refuse(srv, wsi, status);
}

static void ws_established(ws_server_t *srv, struct lws *wsi, ws_conn_t *c)
{
    c->wsi = wsi;
    c->established = true;
    c->id = ++srv->next_id;
    c->created_ms = clock_mono_ms();
    c->tokens = WS_FLOOD_BURST;
    c->tokens_ms = c->created_ms;
    c->id_next = srv->by_id[c->id % WS_ID_BUCKETS];
    srv->by_id[c->id % WS_ID_BUCKETS] = c;
    c->all_next = srv->all;
    if (srv->all) srv->all->all_prev = c;
    srv->all = c;
    srv->nconns++;
    metric_gauge_add(srv->m_conns, 1);
    if (c->kind == WS_PATH_CHAT) {
        if (ws_room_join(srv, c) != 0) ws_conn_close(c, 1011);
    } else {
        ws_presence_join(c);
    }
}

static void ws_closed(ws_server_t *srv, ws_conn_t *c)
{
    if (c->established) {
        if (c->kind == WS_PATH_PRESENCE) {
            /* 1000/1001 from the peer, or our own revocation close: leave at
             * once; anything else (1005, 1006, keep-alive, 1008) → grace. */
            bool clean = c->peer_close_code == 1000 || c->peer_close_code == 1001 ||
                         c->close_code == WS_CLOSE_REVOKED;
            ws_presence_leave(c, clean);
        } else {
            ws_room_leave(srv, c);
        }
        ws_conn_t **pp = &srv->by_id[c->id % WS_ID_BUCKETS];
        while (*pp && *pp != c)
            pp = &(*pp)->id_next;
        if (*pp) *pp = c->id_next;
        if (c->all_prev)
            c->all_prev->all_next = c->all_next;
        else
            srv->all = c->all_next;
        if (c->all_next) c->all_next->all_prev = c->all_prev;
        srv->nconns--;
        metric_gauge_add(srv->m_conns, -1);
    }
    ws_conn_drop_queue(c);
    ws_chat_drop_posts(c);
    if (c->user) ws_identity_unref(c->user);
    free(c->room);
    free(c->base_url);
    free(c->rx);
    memset(c, 0, sizeof *c);
}

/* Token bucket against inbound floods: true when this frame may be handled. */
static bool ws_flood_ok(ws_server_t *srv, ws_conn_t *c)
{
    int64_t now = clock_mono_ms();
    c->tokens += (double)(now - c->tokens_ms) * WS_FLOOD_RATE / 1000.0;
    if (c->tokens > WS_FLOOD_BURST) c->tokens = WS_FLOOD_BURST;
    c->tokens_ms = now;
    if (c->tokens < 1.0) {
        metric_inc(srv->m_flood_dropped);
        return false;
    }
    c->tokens -= 1.0;
    return true;
}

static void ws_dispatch(ws_server_t *srv, ws_conn_t *c, const char *data, size_t len)
{
    if (c->closing || !ws_flood_ok(srv, c)) return;
    if (c->kind == WS_PATH_CHAT)
        ws_chat_receive(c, data, len);
    else
        ws_presence_receive(c, data, len);
}

/* RECEIVE: reassembles fragmented messages up to WS_RX_MAX (W6). Binary
 * messages are read and ignored. Returns -1 to close. */
static int ws_receive(ws_server_t *srv, struct lws *wsi, ws_conn_t *c, const char *in, size_t len)
{
    if (c->closing) return 0; /* the close frame is on its way; the rest is discarded */
    size_t remaining = lws_remaining_packet_payload(wsi);
    bool final = lws_is_final_fragment(wsi) && remaining == 0;
    if (c->rx_len + len + remaining > WS_RX_MAX) {
        /* Close gracefully (close frame, then the peer's ack) rather than
         * dropping the TCP connection with unread data, which would reset
         * it and lose the 1009 on the way. */
        free(c->rx);
        c->rx = NULL;
        c->rx_len = 0;
        ws_conn_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
        return 0;
    }
    bool binary = lws_frame_is_binary(wsi);
    if (final && c->rx_len == 0) {
        if (!binary) ws_dispatch(srv, c, in, len);
        return 0;
    }
    char *grown = realloc(c->rx, c->rx_len + len + 1);
    if (!grown) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, NULL, 0);
        return -1;
    }
    c->rx = grown;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (final) {
        if (!binary) ws_dispatch(srv, c, c->rx, c->rx_len);
        free(c->rx);
        c->rx = NULL;
        c->rx_len = 0;
    }
    return 0;
}

/* Service thread: every lws callback of the context. */
static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    ws_server_t *srv = lws_context_user(lws_get_context(wsi));
    ws_conn_t *c = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return -1;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (!c) return ws_refuse(srv, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE);
        return ws_handshake(srv, wsi, c);
    case LWS_CALLBACK_ESTABLISHED:
        ws_established(srv, wsi, c);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return c && c->established ? ws_receive(srv, wsi, c, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c && c->established ? ws_conn_writable(c) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c) {
            const unsigned char *p = in;
            c->peer_close_code = len >= 2 ? (p[0] << 8) | p[1] : 1005;
            /* lws answers with its own close frame: nothing may follow it,
             * and the fan-out writes outside WRITEABLE (ws_send_now). */
            c->closing = true;
        }
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (c) ws_closed(srv, c);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        ws_inbox_drain(srv);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols ws_protocols[] = {
    /* rx_buffer_size small on purpose: it is allocated per socket, and
     * larger messages simply arrive in several RECEIVE calls. */
    {"echochat", ws_callback, sizeof(ws_conn_t), 1024, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Ping after 20 s idle, hang up when nothing valid (pong) came for 50 s:
 * websocket.md §1 (20 s idle + 30 s pong timeout). */
static const lws_retry_bo_t ws_keepalive = {
    .secs_since_valid_ping = 20,
    .secs_since_valid_hangup = 50,
};

static void ws_lws_log(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        n--;
    /* Our own refusals (403/404/503) are counted in metrics, not logged
     * once per attempt. */
    if (strstr(line, "User code denied connection"))
        return;
    log_write(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "lws: %.*s", (int)n, line);
}

/* Service thread: 50 ms tick for presence batching, 1 s housekeeping. */
static void ws_tick(lws_sorted_usec_list_t *sul)
{
    ws_server_t *srv = lws_container_of(sul, ws_server_t, tick);
    int64_t now = clock_mono_ms();
    ws_presence_tick(srv, now);
    if (now - srv->last_housekeeping_ms >= 1000) {
        srv->last_housekeeping_ms = now;
        ws_session_tick(srv, now);
        for (ws_conn_t *c = srv->all; c; c = c->all_next)
            if (now - c->created_ms > (int64_t)WS_MAX_AGE_S * 1000)
                ws_conn_close(c, LWS_CLOSE_STATUS_GOINGAWAY);
    }
    lws_sul_schedule(srv->ctx, 0, &srv->tick, ws_tick, 50 * LWS_US_PER_MS);
}

/* The shard's thread. The context runs on a libev loop of its own (epoll):
 * lws's built-in poll(2) loop scans every socket of the shard on each turn,
 * and keep-alive pings alone turn it ~50 times a second per 1000 sockets.
 * One EVRUN_ONCE per turn, so ws_server_stop's wake-up is seen. */
static void *ws_service_main(void *arg)
{
    ws_server_t *srv = arg;
    lws_sul_schedule(srv->ctx, 0, &srv->tick, ws_tick, 50 * LWS_US_PER_MS);
    while (!atomic_load(&srv->stop))
        ev_run(srv->loop, EVRUN_ONCE);
    return NULL;
}

/* After the service thread has stopped (or never started). */
static void ws_server_free(ws_server_t *srv)
{
    ws_alive_set(srv, false);
    ws_fanout_close(srv);                        /* no NATS event reaches us after this */
    if (srv->ctx) lws_context_destroy(srv->ctx); /* CLOSED for every socket, on this thread */
    if (srv->loop) ev_loop_destroy(srv->loop);
    ws_fanout_free(srv);
    ws_presence_free(srv);
    ws_session_free(srv);
    while (srv->inbox_head) {
        ws_event_t *ev = srv->inbox_head;
        srv->inbox_head = ev->next;
        ws_event_free(ev);
    }
    client_ip_nets_free(srv->trusted);
    free(srv);
}

/* Counters are process-wide: metrics_* hands every shard the same series. */
static void ws_metrics_init(ws_server_t *srv)
{
    srv->m_conns = metrics_gauge("echochat_gateway_ws_connections", NULL, "Open WebSockets");
    srv->m_uring = metrics_gauge("echochat_gateway_ws_io_uring_shards", NULL,
                                 "WebSocket shards writing fan-out frames in io_uring batches");
    srv->m_frames_out =
        metrics_counter("echochat_gateway_ws_frames_sent_total", NULL, "WebSocket frames written");
    srv->m_short_writes = metrics_counter(
        "echochat_gateway_ws_short_writes_total", NULL,
        "WebSocket frames a socket took only in part (lws keeps the rest for POLLOUT)");
    srv->m_dropped_slow = metrics_counter("echochat_gateway_ws_slow_closed_total", NULL,
                                          "Sockets closed 1008 for a full send queue");
    srv->m_flood_dropped = metrics_counter("echochat_gateway_ws_flood_dropped_total", NULL,
                                           "Inbound frames dropped by the flood guard");
    srv->m_posts =
        metrics_counter("echochat_gateway_ws_posts_total", NULL, "Chat messages forwarded to chat");
    srv->m_post_unavailable = metrics_counter("echochat_gateway_ws_post_unavailable_total", NULL,
                                              "Chat posts answered with unavailable");
    srv->m_refused =
        metrics_counter("echochat_gateway_ws_refused_total", NULL, "WebSocket handshakes refused");
}

int ws_server_start(ws_server_t **out, gateway_t *gw, int shard)
{
    const char *bad = NULL;
    ws_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) return -1;
    srv->gw = gw;
    srv->shard = shard;
    srv->trusted = client_ip_nets_parse(gw->cfg.trusted_proxies, &bad);
    if (!srv->trusted) {
        log_error("TRUSTED_PROXIES: '%s' is not an address or CIDR", bad ? bad : "?");
        goto fail;
    }
    /* Each shard is a gateway of its own to presence and the event bus. */
    char host[32] = "gw", rnd[9];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    if (text_random(rnd, 8, "abcdefghijklmnopqrstuvwxyz0123456789") != 0) goto fail;
    rnd[8] = '\0';
    snprintf(srv->gateway_id, sizeof srv->gateway_id, "%.24s-%d-%s", host, (int)getpid(), rnd);

    ws_metrics_init(srv);
    if (ws_session_init(srv) != 0 || ws_presence_init(srv) != 0) goto fail;

    lws_set_log_level(LLL_ERR | LLL_WARN, ws_lws_log);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER; /* ws_front.c accepts, we adopt */
    info.protocols = ws_protocols;
    info.user = srv;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.timeout_secs = 5; /* handshake must complete within 5 s (config.md §3) */
    info.retry_and_idle_policy = &ws_keepalive;
    info.fd_limit_per_thread = 0;
    srv->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
    if (!srv->loop) {
        log_error("ws: cannot create the event loop of shard %d", shard);
        goto fail;
    }
    void *loops[1] = {srv->loop};
    info.options |= LWS_SERVER_OPTION_LIBEV;
    info.foreign_loops = loops;
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        log_error("ws: cannot create the lws context of shard %d", shard);
        goto fail;
    }
    ws_alive_set(srv, true);
    if (ws_fanout_init(srv) != 0) goto fail;
    if (pthread_create(&srv->thread, NULL, ws_service_main, srv) != 0) goto fail;
    *out = srv;
    return 0;
fail:
    ws_server_free(srv);
    return -1;
}

void ws_server_adopt(ws_server_t *srv, int fd)
{
    ws_event_t *ev = calloc(1, sizeof *ev);
    if (!ev) {
        close(fd);
        return;
    }
    ev->kind = WS_EV_ADOPT;
    ev->fd = fd;
    ws_post_event(srv, ev);
}

void ws_server_stop(ws_server_t *srv)
{
    if (!srv) return;
    ws_alive_set(srv, false);
    atomic_store(&srv->stop, true);
    lws_cancel_service(srv->ctx);
    pthread_join(srv->thread, NULL);
    ws_server_free(srv);
}
