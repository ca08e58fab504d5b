/* Internals shared by the WebSocket front's modules (ws_server.c: lws
 * plumbing and connection lifecycle; ws_fanout.c: frames, send queues, room
 * subscriptions; ws_chat.c: chat frames; ws_presence.c: presence; ws_session.c:
 * identity and room-access caches). Everything here is owned by the lws
 * service thread unless a comment says otherwise: other threads only append
 * to the inbox (ws_post_event) and wake the loop with lws_cancel_service(). */
#ifndef GATEWAY_WS_H
#define GATEWAY_WS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>
#include <nats/nats.h>

#include "client_ip.h"
#include "echo/clock.h"
#include "echo/metrics.h"
#include "gateway.h"
#include "ws_policy.h"

#define WS_RX_MAX (64 * 1024)    /* incoming frame cap (W6): close 1009 above */
#define WS_QUEUE_MAX 256         /* frames queued per socket before it is cut (1008) */
#define WS_MAX_AGE_S (24 * 3600) /* connection age cap (config.md §3) */
#define WS_POST_TIMEOUT_MS 2000  /* chat post budget before {"error": "unavailable"} */
#define WS_POST_QUEUE_MAX 256    /* posts waiting per socket; more get rate_limited */
#define WS_FLOOD_BURST 200.0     /* inbound frames a socket may send at once ... */
#define WS_FLOOD_RATE 100.0      /* ... refilled per second; excess frames are dropped */
#define WS_CLOSE_REVOKED 4401
#define WS_CLOSE_RESYNC 1012 /* Service Restart: reconnect and resync with ?after= (P8) */

/* An encoded frame shared by every socket it is queued on: encoded once,
 * refcounted, LWS_PRE bytes of headroom in front of the payload for lws. */
typedef struct {
    int refs;
    size_t len;
    unsigned char buf[]; /* LWS_PRE + len + 1 */
} ws_frame_t;

ws_frame_t *ws_frame_new(const char *data, size_t len);
void ws_frame_unref(ws_frame_t *f);
static inline void ws_frame_ref(ws_frame_t *f)
{
    f->refs++;
}

/* A resolved session user (NULL means guest). Shared by the session cache
 * and every socket opened with that session. */
typedef struct {
    int refs;
    long long id;
    char *username;
    char *avatar; /* stored media name, may be NULL */
    bool is_staff, is_superuser;
    char *json; /* compact User object for NATS requests */
} ws_identity_t;

ws_identity_t *ws_identity_new(long long id, const char *username, const char *avatar,
                               bool is_staff, bool is_superuser);
void ws_identity_unref(ws_identity_t *u);
/* Replaces username/avatar in place (user_updated); rebuilds json. */
int ws_identity_update(ws_identity_t *u, const char *username, const char *avatar);

struct ws_room;
struct ws_post;
struct ws_pkey;
typedef struct ws_server ws_server_t;

typedef struct ws_conn {
    struct lws *wsi;
    ws_server_t *srv;
    uint64_t id;
    ws_path_kind_t kind;
    bool established;
    ws_identity_t *user;
    char session_hash[65]; /* SHA-256 hex of the raw sessionid, "" for none */
    char ip[64];           /* client IP per P12, "" when unknown */
    char *base_url;
    char *room; /* chat: exact decoded room name */
    size_t room_len;
    int64_t created_ms;
    /* chat */
    struct ws_room *room_ref;
    struct ws_conn *room_prev, *room_next;
    /* One post in flight per socket, the rest queued: chat answers posts
     * concurrently, and a sender's messages must keep their order. */
    struct ws_post *posts_head, *posts_tail;
    int posts_queued;
    bool post_inflight;
    /* presence */
    struct ws_pkey *pkey;
    struct ws_conn *pres_prev, *pres_next;
    bool awaiting_view;
    int64_t joined_ms;
    /* outbound queue: ring grown on demand up to WS_QUEUE_MAX */
    ws_frame_t **q;
    uint16_t q_cap, q_head, q_len;
    int close_code; /* non-zero: close with it at the next WRITEABLE */
    bool closing;
    int peer_close_code; /* 0 = peer sent no close frame */
    /* inbound */
    char *rx;
    size_t rx_len;
    double tokens;
    int64_t tokens_ms;
    /* registries */
    struct ws_conn *id_next;
    struct ws_conn *all_prev, *all_next;
} ws_conn_t;

/* Work handed to the service thread by NATS threads. */
typedef enum {
    WS_EV_ROOM_FRAME,    /* token + frame */
    WS_EV_POST_REPLY,    /* conn_id + status + data */
    WS_EV_PRESENCE_VIEW, /* data */
    WS_EV_SESSION_REVOKED,
    WS_EV_USER_UPDATED,
    WS_EV_EVENTS_RECONNECTED, /* room events of the outage are lost */
    WS_EV_ADOPT,              /* fd: a connection ws_front.c accepted */
} ws_event_kind_t;

typedef struct ws_event {
    ws_event_kind_t kind;
    struct ws_event *next;
    uint64_t conn_id;
    int status;
    char *token;
    ws_frame_t *frame;
    char *data;
    size_t len;
    int fd;
} ws_event_t;

typedef struct ws_uring ws_uring_t;
typedef struct ws_session_cache ws_session_cache_t;
typedef struct ws_rooms ws_rooms_t;
typedef struct ws_presence ws_presence_t;

#define WS_ID_BUCKETS 16384

#define WS_MAX_SHARDS WS_THREADS_MAX

struct ws_server {
    gateway_t *gw;
    int shard; /* index in the front, for logs */
    struct lws_context *ctx;
    struct ev_loop *loop; /* the context's (foreign) libev loop */
    pthread_t thread;
    atomic_bool stop;
    client_ip_net_t *trusted; /* TRUSTED_PROXIES */
    char gateway_id[64];

    /* inbox: any thread → service thread (guarded by a lock in ws_server.c) */
    ws_event_t *inbox_head, *inbox_tail;

    /* dedicated NATS connection for events (global delivery thread) */
    natsOptions *nopts;
    natsConnection *nc;
    natsSubscription *sub_view, *sub_revoked, *sub_updated;

    /* service thread state */
    ws_conn_t *by_id[WS_ID_BUCKETS];
    ws_conn_t *all;
    uint64_t next_id;
    size_t nconns;
    ws_session_cache_t *sessions;
    ws_rooms_t *rooms;
    ws_uring_t *uring; /* NULL: frames are written with lws_write one by one */
    ws_presence_t *presence;
    lws_sorted_usec_list_t tick;
    int64_t last_housekeeping_ms;

    metric_gauge_t *m_conns, *m_uring;
    metric_counter_t *m_frames_out, *m_short_writes, *m_dropped_slow, *m_flood_dropped, *m_posts,
        *m_post_unavailable, *m_refused;
};

/* ws_server.c: one shard (lws context + service thread). */
int ws_server_start(ws_server_t **out, gateway_t *gw, int shard);
void ws_server_stop(ws_server_t *srv);
/* Any thread: hands an accepted socket to the shard (it closes fd on failure). */
void ws_server_adopt(ws_server_t *srv, int fd);
void ws_post_event(ws_server_t *srv, ws_event_t *ev); /* any thread */
ws_conn_t *ws_conn_find(ws_server_t *srv, uint64_t id);
/* Asks lws to close c with code at its next WRITEABLE (service thread). */
void ws_conn_close(ws_conn_t *c, int code);
/* A write to c failed (the peer reset it): no close frame can go out, so lws
 * drops it on its next turn. Safe while walking a room's members. */
void ws_conn_kill(ws_conn_t *c);

/* ws_fanout.c */
int ws_fanout_init(ws_server_t *srv);
/* Closes the NATS connection: no event callback runs after it returns. */
void ws_fanout_close(ws_server_t *srv);
/* Frees the room table (after every socket is closed). */
void ws_fanout_free(ws_server_t *srv);
/* Queues f on c (takes a new reference); cuts c with 1008 when full. */
void ws_send(ws_conn_t *c, ws_frame_t *f);
void ws_send_text(ws_conn_t *c, const char *text);
/* Counts a frame lws_write accepted for c (and whether lws kept a tail). */
void ws_count_write(ws_conn_t *c);
/* WRITEABLE: writes one frame; returns -1 when the socket must close. */
int ws_conn_writable(ws_conn_t *c);
void ws_conn_drop_queue(ws_conn_t *c);
int ws_room_join(ws_server_t *srv, ws_conn_t *c);
void ws_room_leave(ws_server_t *srv, ws_conn_t *c);
void ws_room_deliver(ws_server_t *srv, const char *token, ws_frame_t *f);
void ws_rooms_resync(ws_server_t *srv);

/* ws_uring.c: batched frame writes (service thread). ws_uring_new returns
 * NULL where io_uring is unavailable. ws_uring_send queues f for c, which has
 * nothing queued and no partial write in lws; ws_uring_flush writes the batch
 * and settles every send before it returns. Both return -1 once the ring has
 * failed: the caller frees it and goes back to lws_write. */
ws_uring_t *ws_uring_new(int shard);
void ws_uring_free(ws_uring_t *u);
int ws_uring_send(ws_uring_t *u, ws_conn_t *c, ws_frame_t *f);
int ws_uring_flush(ws_uring_t *u);

/* ws_chat.c */
void ws_chat_receive(ws_conn_t *c, const char *data, size_t len);
void ws_chat_drop_posts(ws_conn_t *c);
void ws_chat_post_reply(ws_server_t *srv, ws_event_t *ev);

/* ws_presence.c */
int ws_presence_init(ws_server_t *srv);
void ws_presence_free(ws_server_t *srv);
void ws_presence_join(ws_conn_t *c);
void ws_presence_leave(ws_conn_t *c, bool clean);
void ws_presence_receive(ws_conn_t *c, const char *data, size_t len);
void ws_presence_view(ws_server_t *srv, const char *data, size_t len);
void ws_presence_tick(ws_server_t *srv, int64_t now_ms);

/* ws_session.c */
typedef enum { WS_AUTH_OK = 0, WS_AUTH_UNAVAILABLE = -1 } ws_auth_status_t;
int ws_session_init(ws_server_t *srv);
void ws_session_free(ws_server_t *srv);
/* Resolves a raw session id (NULL/"" = guest). *user gets a new reference
 * or NULL for a guest/unknown session; hash_hex receives SHA-256 hex. May
 * block the service thread for one bounded NATS round trip on a cache miss. */
int ws_session_resolve(ws_server_t *srv, const char *session_id, ws_identity_t **user,
                       char hash_hex[65]);
/* Chat room access for (room, user): 1 allowed, 0 refused (*status: HTTP
 * status to answer), -1 chat unavailable. Cached briefly. */
int ws_room_access(ws_server_t *srv, const char *room, size_t room_len, ws_identity_t *user,
                   int *status);
void ws_session_tick(ws_server_t *srv, int64_t now_ms);
void ws_session_revoked(ws_server_t *srv, const char *data, size_t len);
void ws_session_user_updated(ws_server_t *srv, const char *data, size_t len);

#endif
