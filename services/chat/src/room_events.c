/* The per-room ordering lock and room event publishing, shared by the post
 * pipeline and the admin writes. Sockets must see a room's frames in commit
 * order (see the header of message_post.c): whoever changes a room's
 * messages holds the room's session advisory lock from before its
 * transaction until its frames are flushed to nats-server. An admin edit or
 * delete therefore waits for any post still publishing, so a
 * message_deleted frame can never overtake the frame of the message it
 * deletes. Called on bus worker threads, each with its own connection. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/db.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/room_token.h"

/* Every chat instance of a cluster must derive the same key for a room, so
 * this stays as first shipped: FNV-1a's multiplier with a seed that is not
 * FNV's offset basis (a digit short). Changing it would let a chat of the old
 * and one of the new version post into a room concurrently during a rolling
 * upgrade, breaking the room's order. */
int64_t room_lock_key(const char *room)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = "echochat.chat.room:"; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    for (const char *p = room; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return (int64_t)h;
}

bool room_event_publish(bus_t *bus, const char *room, const cJSON *frame)
{
    size_t len;
    char *body = json_print_compat(frame, &len);
    char *subject = room_event_subject(room, strlen(room));
    natsMsg *m = bus_msg_new(subject, body, len);
    int rc = m ? bus_publish_msg(bus, m) : BUS_ERR;
    natsStatus fs = NATS_OK;
    if (rc == BUS_OK)
        fs = natsConnection_FlushTimeout(bus_conn(bus), 2000);
    bool ok = rc == BUS_OK && fs == NATS_OK;
    if (!ok)
        log_warn("room event on %s failed (%s); the change is stored, clients resync", subject,
                 rc != BUS_OK ? "publish" : natsStatus_GetText(fs));
    free(subject);
    free(body);
    return ok;
}

static int cmp_key(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static bool lock_call(const char *fn, int64_t key)
{
    char k[24], sql[64];
    snprintf(k, sizeof k, "%" PRId64, key);
    snprintf(sql, sizeof sql, "SELECT %s($1::int8)", fn);
    const char *params[] = {k};
    PGresult *r = db_query(sql, 1, params);
    PQclear(r);
    return r != NULL;
}

bool room_locks_take(room_locks_t *l, const char *const *rooms, size_t n)
{
    memset(l, 0, sizeof *l);
    if (n == 0)
        return true;
    l->keys = malloc(n * sizeof *l->keys);
    if (!l->keys)
        abort();
    for (size_t i = 0; i < n; i++)
        l->keys[i] = room_lock_key(rooms[i]);
    qsort(l->keys, n, sizeof *l->keys, cmp_key);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || l->keys[u - 1] != l->keys[i])
            l->keys[u++] = l->keys[i];
    l->n = u;
    PGconn *c = db_conn();
    if (!c)
        return false;
    l->conn = c;
    l->pid = PQbackendPID(c);
    for (; l->held < l->n; l->held++) {
        if (!lock_call("pg_advisory_lock", l->keys[l->held]) || !room_locks_valid(l)) {
            room_locks_release(l);
            return false;
        }
    }
    return true;
}

bool room_locks_valid(const room_locks_t *l)
{
    if (l->n == 0)
        return true;
    PGconn *c = db_conn();
    return c && (void *)c == l->conn && PQbackendPID(c) == l->pid;
}

void room_locks_release(room_locks_t *l)
{
    bool ok = true;
    if (l->held && room_locks_valid(l)) {
        for (size_t i = l->held; i-- > 0;)
            ok = lock_call("pg_advisory_unlock", l->keys[i]) && ok;
    }
    if (!ok) {
        /* A lock left behind would block the room for everyone: dropping
         * the connection releases it for sure. */
        log_error("admin: cannot release room locks; closing the connection");
        db_thread_done();
    }
    free(l->keys);
    memset(l, 0, sizeof *l);
}
