/* chat.audit: one entry per admin write on rooms and messages, recorded in
 * the write's own transaction, and the filtered newest-first page that
 * GET /api/admin/audit/ answers (docs/admin-api.md; the gateway merges it
 * with auth's by `at`). Runs on echochat.chat.http worker threads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/db.h"
#include "echo/json.h"

/* Arbitrary, fixed (auth's differs): serialises audit stamps so `at` stays
 * unique and can serve as the page cursor on its own. */
#define AUDIT_LOCK_KEY "4407230620"

bool audit_record(int64_t actor_id, const char *actor, const char *action,
                  const char *object_type, int64_t object_id, const char *object_label,
                  const cJSON *changes)
{
    PGresult *r = db_query("SELECT pg_advisory_xact_lock(" AUDIT_LOCK_KEY ")", 0, NULL);
    if (!r)
        return false;
    PQclear(r);
    char aid[24], oid[24];
    snprintf(aid, sizeof aid, "%" PRId64, actor_id);
    snprintf(oid, sizeof oid, "%" PRId64, object_id);
    char *json = changes ? json_print_compact(changes, NULL) : NULL;
    const char *params[] = {aid, actor, action, object_type, object_id >= 0 ? oid : NULL,
                            object_label, json ? json : "{}"};
    r = db_query("INSERT INTO chat.audit (at, actor_id, actor, action, object_type, object_id,"
                 " object_label, changes)"
                 " SELECT greatest(clock_timestamp(),"
                 "  coalesce((SELECT max(at) FROM chat.audit), '-infinity') + interval '1 microsecond'),"
                 " $1, $2, $3, $4, $5, $6, $7::jsonb",
                 7, params);
    free(json);
    PQclear(r);
    return r != NULL;
}

#define AT_FROM_US(n) "('epoch'::timestamptz + $" #n "::int8 * interval '1 microsecond')"

bool audit_query(const audit_filter_t *f, cJSON **results, char next_before[CHAT_TIME_LEN])
{
    char oid[24], since[24], until[24], before[24], limit[16];
    snprintf(oid, sizeof oid, "%" PRId64, f->object_id);
    snprintf(since, sizeof since, "%" PRId64, f->since_us);
    snprintf(until, sizeof until, "%" PRId64, f->until_us);
    snprintf(before, sizeof before, "%" PRId64, f->before_us);
    snprintf(limit, sizeof limit, "%d", f->limit + 1); /* one more tells whether a page follows */
    const char *params[] = {f->actor,
                            f->object_type,
                            f->action,
                            f->has_object_id ? oid : NULL,
                            f->has_since ? since : NULL,
                            f->has_until ? until : NULL,
                            f->has_before ? before : NULL,
                            limit};
    PGresult *r = db_query(
        "SELECT id, (extract(epoch FROM at) * 1000000)::int8, actor_id, actor, action,"
        " object_type, object_id, object_label, changes::text"
        " FROM chat.audit"
        " WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR object_type = $2)"
        "  AND ($3::text IS NULL OR action = $3) AND ($4::int8 IS NULL OR object_id = $4)"
        "  AND ($5::int8 IS NULL OR at >= " AT_FROM_US(5) ")"
        "  AND ($6::int8 IS NULL OR at <= " AT_FROM_US(6) ")"
        "  AND ($7::int8 IS NULL OR at < " AT_FROM_US(7) ")"
        " ORDER BY at DESC LIMIT $8",
        8, params);
    if (!r)
        return false;
    int n = PQntuples(r);
    bool more = n > f->limit;
    if (more)
        n = f->limit;
    cJSON *list = cJSON_CreateArray();
    next_before[0] = '\0';
    for (int i = 0; i < n; i++) {
        char at[CHAT_TIME_LEN];
        chat_format_time(strtoll(PQgetvalue(r, i, 1), NULL, 10), at);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "id", (double)strtoll(PQgetvalue(r, i, 0), NULL, 10));
        cJSON_AddStringToObject(e, "at", at);
        if (PQgetisnull(r, i, 2))
            cJSON_AddNullToObject(e, "actor_id");
        else
            cJSON_AddNumberToObject(e, "actor_id", (double)strtoll(PQgetvalue(r, i, 2), NULL, 10));
        if (PQgetisnull(r, i, 3))
            cJSON_AddNullToObject(e, "actor");
        else
            cJSON_AddStringToObject(e, "actor", PQgetvalue(r, i, 3));
        cJSON_AddStringToObject(e, "action", PQgetvalue(r, i, 4));
        cJSON_AddStringToObject(e, "object_type", PQgetvalue(r, i, 5));
        if (PQgetisnull(r, i, 6))
            cJSON_AddNullToObject(e, "object_id");
        else
            cJSON_AddNumberToObject(e, "object_id", (double)strtoll(PQgetvalue(r, i, 6), NULL, 10));
        cJSON_AddStringToObject(e, "object_label", PQgetvalue(r, i, 7));
        const char *ch = PQgetvalue(r, i, 8);
        cJSON *changes = json_parse(ch, strlen(ch));
        cJSON_AddItemToObject(e, "changes", changes ? changes : cJSON_CreateObject());
        cJSON_AddItemToArray(list, e);
        if (more && i == n - 1)
            memcpy(next_before, at, strlen(at) + 1);
    }
    PQclear(r);
    *results = list;
    return true;
}
