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

static const db_stmt_t st_lock = {"post_lock", "SELECT pg_advisory_lock($1::int8)", 1};
static const db_stmt_t st_unlock = {"post_unlock", "SELECT pg_advisory_unlock($1::int8)", 1};
/* P7: claims (user, client_id) unless claimed within the last 10 minutes.
 * A concurrent duplicate waits on the row lock, then sees the claim. */
static const db_stmt_t st_claim = {
    "post_claim",
    "INSERT INTO chat.client_ids AS c (user_id, client_id) VALUES ($1, $2) "
    "ON CONFLICT (user_id, client_id) DO UPDATE SET message_id = NULL, created_at = now() "
    "WHERE c.created_at < now() - interval '10 minutes' RETURNING 1",
    2};
static const db_stmt_t st_claimed = {
    "post_claimed",
    "SELECT m.id, m.username, m.avatar, m.content, "
    "(extract(epoch FROM m.created_at) * 1000000)::int8, m.room "
    "FROM chat.client_ids c JOIN chat.messages m ON m.id = c.message_id "
    "WHERE c.user_id = $1 AND c.client_id = $2",
    2};
static const db_stmt_t st_claim_set = {
    "post_claim_set",
    "UPDATE chat.client_ids SET message_id = $3 WHERE user_id = $1 AND client_id = $2", 3};
/* §2.4 fixed window: a new window when the old one is over, else count up
 * while under the limit; no row back = rejected (not counted, not extended). */
static const db_stmt_t st_rate = {
    "post_rate",
    "INSERT INTO chat.rate_limits AS r (user_id, window_start, count) VALUES ($1, now(), 1) "
    "ON CONFLICT (user_id) DO UPDATE SET "
    "window_start = CASE WHEN r.window_start + make_interval(secs => $2::float8) <= now() "
    "THEN now() ELSE r.window_start END, "
    "count = CASE WHEN r.window_start + make_interval(secs => $2::float8) <= now() "
    "THEN 1 ELSE r.count + 1 END "
    "WHERE r.window_start + make_interval(secs => $2::float8) <= now() OR r.count < $3::int4 "
    "RETURNING 1",
    3};
static const db_stmt_t st_retry_after = {
    "post_retry_after",
    "SELECT greatest(1, ceil(extract(epoch FROM "
    "r.window_start + make_interval(secs => $2::float8) - now())))::int8 "
    "FROM chat.rate_limits r WHERE r.user_id = $1",
    2};
/* Locks the author row (a concurrent rename waits for this commit, then
 * rewrites this message too) and yields the author's current name (W7). */
static const db_stmt_t st_author = {
    "post_author",
    "INSERT INTO chat.authors AS a (user_id, username, avatar) VALUES ($1, $2, $3) "
    "ON CONFLICT (user_id) DO UPDATE SET user_id = a.user_id RETURNING username, avatar",
    3};
static const db_stmt_t st_insert = {
    "post_insert",
    "INSERT INTO chat.messages (room, user_id, username, avatar, content, client_id) "
    "VALUES ($1, $2, $3, $4, $5, $6) "
    "RETURNING id, (extract(epoch FROM created_at) * 1000000)::int8",
    6};
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
    bool in_tx;
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

/* Runs st; false (after logging in db_stmt) on failure. */
static bool exec_ok(const db_stmt_t *st, const char *const *params, PGresult **out)
{
    PGresult *r = db_stmt_exec(st, params);
    if (!r)
        return false;
    if (out)
        *out = r;
    else
        PQclear(r);
    return true;
}

/* Ends the transaction (if any) and the room lock, whatever happened before. */
static void post_release(post_t *p)
{
    if (p->in_tx)
        db_rollback();
    p->in_tx = false;
    if (p->locked) {
        const char *params[] = {p->lock_key};
        if (!exec_ok(&st_unlock, params, NULL)) {
            /* A session lock left behind would block the room for everyone:
             * dropping the connection releases it for sure. */
            log_error("post: cannot release the room lock; closing the connection");
            db_thread_done();
        }
    }
    p->locked = false;
}

/* Publishes the frame under the room lock (see the ordering note at the
 * top). A failure is counted: the message is committed. */
static void publish_frame(post_t *p, const char *room, const cJSON *frame)
{
    if (!room_event_publish(p->bus, room, frame))
        metric_inc(m_publish_failed);
}

/* P7: answers with the original message when (user, client_id) was seen
 * within 10 minutes. Returns 1 when answered, 0 to go on, -1 on error. */
static int post_dedup(post_t *p)
{
    const char *params[] = {p->uid, p->client_id};
    PGresult *r;
    if (!exec_ok(&st_claim, params, &r))
        return -1;
    bool claimed = PQntuples(r) == 1;
    PQclear(r);
    if (claimed)
        return 0;
    if (!exec_ok(&st_claimed, params, &r))
        return -1;
    if (PQntuples(r) == 1) {
        cJSON *frame =
            frame_new(PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 1),
                      PQgetisnull(r, 0, 2) ? NULL : PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 5),
                      PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 4), p->base_url, p->client_id);
        post_release(p);
        reply_frame(p, frame, true);
        metric_inc(m_duplicates);
    } else {
        /* The original was deleted (admin) since: nothing to return, nothing to store. */
        post_release(p);
        reply_error(p, "ignored", 0);
    }
    PQclear(r);
    return 1;
}

/* Everything after the stateless checks: lock, transaction, broadcast. */
static void post_store(post_t *p, const char *room, const char *content)
{
    PGresult *r = NULL;
    room_t owner = {0};
    snprintf(p->uid, sizeof p->uid, "%" PRId64, p->user.id);
    snprintf(p->lock_key, sizeof p->lock_key, "%" PRId64, room_lock_key(room));

    const char *lock_params[] = {p->lock_key};
    if (!exec_ok(&st_lock, lock_params, NULL))
        goto unavailable;
    p->locked = true;
    PGconn *locked_on = db_conn();
    int locked_pid = locked_on ? PQbackendPID(locked_on) : 0;
    if (!db_begin())
        goto unavailable;
    p->in_tx = true;
    /* db_begin retries on a fresh connection if the old one dropped, and
     * that one does not hold the room lock: give up rather than break order. */
    if (db_conn() != locked_on || PQbackendPID(locked_on) != locked_pid)
        goto unavailable;

    if (p->client_id) {
        int d = post_dedup(p);
        if (d < 0)
            goto unavailable;
        if (d > 0)
            goto cleanup;
    }

    /* W3 on every post: the room may have been created by its owner after
     * this socket joined while it did not exist yet. */
    room_status_t rs = room_get(room, &owner);
    if (rs == ROOM_DB_ERROR)
        goto unavailable;
    if (rs == ROOM_OK && owner.has_owner && owner.owner_id != p->user.id) {
        post_release(p);
        reply_error(p, "forbidden", 0);
        goto cleanup;
    }

    char window[24], limit[24];
    snprintf(window, sizeof window, "%ld", g_cfg->rate_window);
    snprintf(limit, sizeof limit, "%ld", g_cfg->rate_limit);
    const char *rate_params[] = {p->uid, window, limit};
    if (!exec_ok(&st_rate, rate_params, &r))
        goto unavailable;
    bool allowed = PQntuples(r) == 1;
    PQclear(r);
    r = NULL;
    if (!allowed) {
        const char *ra_params[] = {p->uid, window};
        if (!exec_ok(&st_retry_after, ra_params, &r))
            goto unavailable;
        int64_t retry = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 1;
        post_release(p);
        reply_error(p, "rate_limited", retry < 1 ? 1 : retry);
        goto cleanup;
    }

    const char *author_params[] = {p->uid, p->user.username, p->user.avatar};
    if (!exec_ok(&st_author, author_params, &r))
        goto unavailable;
    char *username = strdup(PQgetvalue(r, 0, 0));
    char *avatar = PQgetisnull(r, 0, 1) ? NULL : strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    r = NULL;

    const char *ins_params[] = {room, p->uid, username, avatar, content, p->client_id};
    bool stored = exec_ok(&st_insert, ins_params, &r);
    if (stored && p->client_id) {
        const char *set_params[] = {p->uid, p->client_id, PQgetvalue(r, 0, 0)};
        stored = exec_ok(&st_claim_set, set_params, NULL);
    }
    if (stored) {
        p->in_tx = false;
        stored = db_commit();
    }
    if (!stored) {
        free(username);
        free(avatar);
        goto unavailable;
    }
    metric_inc(m_stored);
    history_cache_touch_room(room);
    cJSON *frame = frame_new(content, username, avatar, room, PQgetvalue(r, 0, 0),
                             PQgetvalue(r, 0, 1), p->base_url, p->client_id);
    free(username);
    free(avatar);
    publish_frame(p, room, frame);
    post_release(p);
    reply_frame(p, frame, false);
    goto cleanup;

unavailable:
    post_release(p);
    reply_error(p, "unavailable", 0);
cleanup:
    PQclear(r);
    room_free(&owner);
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
