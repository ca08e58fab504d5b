/* echochat.chat.message.post: the send pipeline of websocket.md §2.2 with
 * W9, W10 and P6/P7, from the raw frame text to a committed row and its
 * broadcast on echochat.chat.room_event.<token>.
 *
 * Ordering across instances. Every chat instance may post into the same room
 * at once, yet sockets must see a room's frames in id order. Each post holds
 * a per-room PostgreSQL session advisory lock from before its INSERT (so ids
 * in a room are handed out in lock order) until after COMMIT *and* a NATS
 * flush of the frame (a PING/PONG round trip, so nats-server has processed
 * the PUB before the next poster of that room can publish from any other
 * connection). NATS delivers one publisher's messages in order to a
 * subscriber, and the flush extends that to publishers on different
 * connections. A session lock (not a transaction lock) is what lets the
 * publish happen after COMMIT (P6: broadcast only what is durable) and still
 * inside the critical section. Rooms are independent: different rooms never
 * wait for each other (a hash collision only serialises two rooms).
 *
 * Durability: the reply says ok only after COMMIT. If the publish fails the
 * row is still in history and clients resync with `?after=<last id>` (P8).
 *
 * Handlers run on the subscription's worker threads (CHAT_POST_WORKERS), each
 * with its own PostgreSQL connection. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/db.h"
#include "echo/db_stmt.h"
#include "echo/isotime.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/metrics.h"
#include "echo/subjects.h"
#include "echo/text.h"

static const chat_config_t *g_cfg;
static metric_counter_t *m_stored, *m_rejected, *m_duplicates, *m_publish_failed;
static metric_histogram_t *m_latency;

/* The whole pipeline is one statement (migrations/0005_post_function.sql):
 * it takes the room lock, runs the checks, stores and commits; the lock is
 * released here, after the publish. */
static const db_stmt_t st_post = {
    "post_message",
    "SELECT o_status, o_id, o_created_us, o_username, o_avatar, o_content, o_room, o_retry_after "
    "FROM chat.post_message($1::int8, $2, $3::int8, $4, $5, $6, $7, $8::float8, $9::int4)",
    9};
static const db_stmt_t st_unlock = {"post_unlock", "SELECT pg_advisory_unlock($1::int8)", 1};
static const db_stmt_t st_gc_client_ids = {
    "gc_client_ids", "DELETE FROM chat.client_ids WHERE created_at < now() - interval '10 minutes'",
    0};
static const db_stmt_t st_gc_rate = {
    "gc_rate",
    "DELETE FROM chat.rate_limits WHERE window_start < now() - make_interval(secs => $1::float8)", 1};

typedef struct {
    bus_t *bus;
    natsMsg *msg;
    const char *base_url;
    const char *client_id; /* NULL when absent or unusable */
    chat_user_t user;
    char uid[24];
    char lock_key[24];
    bool locked;
} post_t;

static void reply_json(post_t *p, cJSON *o)
{
    size_t len;
    char *body = json_print_compact(o, &len);
    bus_respond(p->bus, p->msg, body, len);
    free(body);
    cJSON_Delete(o);
}

static void reply_error(post_t *p, const char *error, int64_t retry_after)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", false);
    cJSON_AddStringToObject(o, "error", error);
    if (retry_after > 0)
        cJSON_AddNumberToObject(o, "retry_after", (double)retry_after);
    reply_json(p, o);
    metric_inc(m_rejected);
}

/* Frame (a) of websocket.md §2.3 plus id, createdAt (W9) and client_id (P7). */
static cJSON *frame_new(const char *content, const char *username, const char *avatar,
                        const char *room, const char *id, const char *epoch_us,
                        const char *base_url, const char *client_id)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "message", content);
    cJSON_AddStringToObject(f, "username", username);
    char *pic = chat_frame_avatar_url(base_url, avatar);
    if (pic)
        cJSON_AddStringToObject(f, "profile_pic", pic);
    else
        cJSON_AddNullToObject(f, "profile_pic");
    free(pic);
    cJSON_AddStringToObject(f, "room", room);
    cJSON_AddNumberToObject(f, "id", (double)strtoll(id, NULL, 10));
    char ts[ISOTIME_LEN];
    isotime_format(strtoll(epoch_us, NULL, 10), ts, sizeof ts);
    cJSON_AddStringToObject(f, "createdAt", ts);
    if (client_id)
        cJSON_AddStringToObject(f, "client_id", client_id);
    return f;
}

static void reply_frame(post_t *p, cJSON *frame, bool duplicate)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", true);
    if (duplicate)
        cJSON_AddBoolToObject(o, "duplicate", true);
    cJSON_AddItemToObject(o, "message", frame);
    reply_json(p, o);
}

/* Releases the room lock, whatever happened before. */
static void post_release(post_t *p)
{
    if (!p->locked) return;
    p->locked = false;
    const char *params[] = {p->lock_key};
    PGresult *r = db_stmt_exec(&st_unlock, params);
    if (!r) {
        /* A session lock left behind would block the room for everyone:
         * dropping the connection releases it for sure. */
        log_error("post: cannot release the room lock; closing the connection");
        db_thread_done();
    }
    PQclear(r);
}

/* Publishes the frame under the room lock (see the ordering note at the
 * top). A failure is counted: the message is committed. */
static void publish_frame(post_t *p, const char *room, const cJSON *frame)
{
    if (!room_event_publish(p->bus, room, frame))
        metric_inc(m_publish_failed);
}

/* The frame of a stored or duplicate row of st_post's result. */
static cJSON *post_result_frame(post_t *p, const PGresult *r)
{
    return frame_new(PQgetvalue(r, 0, 5), PQgetvalue(r, 0, 3),
                     PQgetisnull(r, 0, 4) ? NULL : PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 6),
                     PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), p->base_url, p->client_id);
}

/* Everything after the stateless checks: the statement, the broadcast and
 * the answer. */
static void post_store(post_t *p, const char *room, const char *content)
{
    snprintf(p->uid, sizeof p->uid, "%" PRId64, p->user.id);
    snprintf(p->lock_key, sizeof p->lock_key, "%" PRId64, room_lock_key(room));
    char window[24], limit[24];
    snprintf(window, sizeof window, "%ld", g_cfg->rate_window);
    snprintf(limit, sizeof limit, "%ld", g_cfg->rate_limit);
    const char *params[] = {p->lock_key,       room,      p->uid, p->user.username,
                            p->user.avatar,    content,   p->client_id, window, limit};
    /* The lock may be held even when the statement fails after taking it. */
    p->locked = true;
    PGresult *r = db_stmt_exec_once(&st_post, params);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        post_release(p);
        reply_error(p, "unavailable", 0);
        return;
    }
    const char *status = PQgetvalue(r, 0, 0);
    if (!strcmp(status, "stored")) {
        metric_inc(m_stored);
        history_cache_touch_room(room);
        cJSON *frame = post_result_frame(p, r);
        publish_frame(p, room, frame);
        post_release(p);
        reply_frame(p, frame, false);
    } else if (!strcmp(status, "duplicate")) {
        post_release(p);
        reply_frame(p, post_result_frame(p, r), true);
        metric_inc(m_duplicates);
    } else if (!strcmp(status, "rate_limited")) {
        int64_t retry = PQgetisnull(r, 0, 7) ? 1 : strtoll(PQgetvalue(r, 0, 7), NULL, 10);
        post_release(p);
        reply_error(p, "rate_limited", retry < 1 ? 1 : retry);
    } else {
        /* "forbidden" (W3), or "ignored": a duplicate whose original an admin
         * deleted since, so there is nothing to return and nothing to store. */
        post_release(p);
        reply_error(p, status, 0);
    }
    PQclear(r);
}

/* Bus worker thread (queue group chat): one chat frame sent by a socket. */
static void on_post(bus_t *bus, natsMsg *msg, void *arg)
{
    double t0 = metrics_now();
    post_t p = {.bus = bus, .msg = msg};
    chat_post_request_t req;
    switch (chat_post_request_parse(g_cfg, natsMsg_GetData(msg),
                                    (size_t)natsMsg_GetDataLength(msg), &req)) {
    case CHAT_POST_OK:
        p.base_url = req.base_url;
        p.client_id = req.client_id;
        p.user = req.user;
        post_store(&p, req.room, req.content);
        break;
    case CHAT_POST_IGNORED:
        p.base_url = req.base_url;
        reply_error(&p, "ignored", 0);
        break;
    case CHAT_POST_TOO_LONG:
        p.base_url = req.base_url;
        reply_error(&p, "message_too_long", 0);
        break;
    case CHAT_POST_FORBIDDEN:
        p.base_url = req.base_url;
        reply_error(&p, "forbidden", 0);
        break;
    }
    metric_observe(m_latency, metrics_now() - t0);
    chat_post_request_free(&req);
}

void chat_post_housekeeping(void)
{
    PGresult *r = db_stmt_exec(&st_gc_client_ids, NULL);
    PQclear(r);
    char window[24];
    snprintf(window, sizeof window, "%ld", g_cfg->rate_window);
    const char *params[] = {window};
    r = db_stmt_exec(&st_gc_rate, params);
    PQclear(r);
}

void chat_post_init(const chat_config_t *cfg)
{
    g_cfg = cfg;
    m_stored = metrics_counter("echochat_chat_messages_stored_total", NULL,
                               "Messages committed to PostgreSQL");
    m_rejected = metrics_counter("echochat_chat_messages_rejected_total", NULL,
                                 "Posts answered with an error (ignored, too long, rate limited, ...)");
    m_duplicates = metrics_counter("echochat_chat_messages_duplicate_total", NULL,
                                   "Posts answered with the original message of their client_id");
    m_publish_failed = metrics_counter("echochat_chat_broadcast_failures_total", NULL,
                                       "Committed messages whose room event could not be published");
    m_latency = metrics_histogram("echochat_chat_post_duration_seconds", NULL,
                                  "Time to handle one message.post request");
}

int chat_post_start(bus_t *bus)
{
    return bus_serve(bus, SUBJ_CHAT_MESSAGE_POST, QUEUE_CHAT, (int)g_cfg->post_workers, on_post,
                     NULL);
}
