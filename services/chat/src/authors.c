/* Authors as auth announces them. echochat.auth.event.user_updated (rename,
 * new avatar; api.md 4.13, W7): recorded in chat.authors and copied into the
 * author columns of that user's messages and rooms, so history never has to
 * ask auth. echochat.auth.event.user_deleted (admin.md §2, item 129): the
 * messages keep their stored name but lose the author link, the user's rooms
 * become owner-less. One instance handles each event (queue group chat);
 * handlers run on the subscriptions' delivery threads. After committing, that
 * instance announces echochat.chat.event.authors_updated, on which every chat
 * instance and gateway drops its cached history pages: a flush on auth's
 * event alone may run before this commit and re-cache the old names. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/db.h"
#include "echo/db_stmt.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"
#include "echo/text.h"

/* $4 = '1' when the event carries an avatar key (a null avatar clears it). */
static const db_stmt_t st_author_set = {
    "author_set",
    "INSERT INTO chat.authors AS a (user_id, username, avatar) VALUES ($1, $2, $3) "
    "ON CONFLICT (user_id) DO UPDATE SET username = EXCLUDED.username, "
    "avatar = CASE WHEN $4 = '1' THEN EXCLUDED.avatar ELSE a.avatar END, updated_at = now() "
    "RETURNING avatar",
    4};
static const db_stmt_t st_messages_set = {
    "author_messages",
    "UPDATE chat.messages SET username = $2, avatar = $3 WHERE user_id = $1 "
    "AND (username, avatar) IS DISTINCT FROM ($2, $3)",
    3};
static const db_stmt_t st_rooms_set = {
    "author_rooms",
    "UPDATE chat.rooms SET owner_username = $2 WHERE owner_id = $1 "
    "AND owner_username IS DISTINCT FROM $2",
    2};

static const db_stmt_t st_deleted_messages = {
    "author_deleted_messages", "UPDATE chat.messages SET user_id = NULL WHERE user_id = $1", 1};
static const db_stmt_t st_deleted_rooms = {
    "author_deleted_rooms",
    "UPDATE chat.rooms SET owner_id = NULL, owner_username = NULL WHERE owner_id = $1", 1};
static const db_stmt_t st_deleted_author = {
    "author_deleted", "DELETE FROM chat.authors WHERE user_id = $1", 1};

static bus_t *g_bus;

/* Delivery thread of an auth event, after commit: every cached page of every
 * instance and gateway may show the old name or avatar. A lost announcement
 * leaves them stale for at most their TTL (1 s). */
static void announce(const char *uid)
{
    char body[64];
    int n = snprintf(body, sizeof body, "{\"user_id\": %s}", uid);
    if (bus_publish(g_bus, SUBJ_CHAT_EVENT_AUTHORS_UPDATED, body, (size_t)n) != BUS_OK)
        log_warn("authors: could not announce the update of user %s (caches expire in 1 s)", uid);
}

static bool apply(const char *uid, const char *username, const char *avatar, bool has_avatar)
{
    PGresult *r = NULL;
    bool ok = false;
    if (!db_begin())
        return false;
    const char *p1[] = {uid, username, avatar, has_avatar ? "1" : "0"};
    if (!(r = db_stmt_exec(&st_author_set, p1)))
        goto done;
    const char *cur_avatar = PQgetisnull(r, 0, 0) ? NULL : PQgetvalue(r, 0, 0);
    const char *p2[] = {uid, username, cur_avatar};
    PGresult *r2 = db_stmt_exec(&st_messages_set, p2);
    if (!r2)
        goto done;
    PQclear(r2);
    const char *p3[] = {uid, username};
    if (!(r2 = db_stmt_exec(&st_rooms_set, p3)))
        goto done;
    PQclear(r2);
    ok = db_commit();
    if (ok) {
        history_cache_flush();
        announce(uid);
    }
done:
    PQclear(r);
    if (!ok)
        db_rollback();
    return ok;
}

/* user_updated delivery thread. */
static void on_user_updated(bus_t *bus, natsMsg *msg, void *arg)
{
    chat_user_event_t ev;
    if (!chat_user_event_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg), true,
                               &ev)) {
        log_warn("authors: malformed user_updated event ignored");
        goto cleanup;
    }
    char uid[24];
    snprintf(uid, sizeof uid, "%" PRId64, ev.user_id);
    /* One retry covers a connection that dropped since the last event. */
    if (!apply(uid, ev.username, ev.avatar, ev.has_avatar) &&
        !apply(uid, ev.username, ev.avatar, ev.has_avatar))
        log_error("authors: user %s renamed to %s but history could not be updated", uid,
                  ev.username);
cleanup:
    chat_user_event_free(&ev);
}

static bool apply_deleted(const char *uid)
{
    static const db_stmt_t *const steps[] = {&st_deleted_messages, &st_deleted_rooms,
                                             &st_deleted_author};
    const char *params[] = {uid};
    if (!db_begin())
        return false;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        PGresult *r = db_stmt_exec(steps[i], params);
        if (!r) {
            db_rollback();
            return false;
        }
        PQclear(r);
    }
    if (!db_commit())
        return false;
    history_cache_flush();
    announce(uid);
    return true;
}

/* user_deleted delivery thread. */
static void on_user_deleted(bus_t *bus, natsMsg *msg, void *arg)
{
    chat_user_event_t ev;
    if (!chat_user_event_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg), false,
                               &ev)) {
        log_warn("authors: malformed user_deleted event ignored");
        goto cleanup;
    }
    char uid[24];
    snprintf(uid, sizeof uid, "%" PRId64, ev.user_id);
    if (!apply_deleted(uid) && !apply_deleted(uid))
        log_error("authors: user %s deleted but their rooms and messages keep the link", uid);
cleanup:
    chat_user_event_free(&ev);
}

int chat_authors_start(bus_t *bus)
{
    g_bus = bus;
    if (bus_serve(bus, SUBJ_AUTH_EVENT_USER_UPDATED, QUEUE_CHAT, 1, on_user_updated, NULL) != 0)
        return -1;
    return bus_serve(bus, SUBJ_AUTH_EVENT_USER_DELETED, QUEUE_CHAT, 1, on_user_deleted, NULL);
}
