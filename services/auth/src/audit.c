/* Audit entries in auth.audit. Runs on the echochat.auth.http workers. */
#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/db.h"
#include "echo/isotime.h"
#include "echo/json.h"
#include "echo/log.h"

/* Arbitrary, fixed: the key of auth's admin write lock. */
#define AUDIT_LOCK_KEY "4407230619"

bool audit_lock(void)
{
    PGresult *r = db_query("SELECT pg_advisory_xact_lock(" AUDIT_LOCK_KEY ")", 0, NULL);
    if (!r)
        return false;
    PQclear(r);
    return true;
}

bool audit_record(int64_t actor_id, const char *actor, const char *action, int64_t object_id,
                  const char *object_label, const cJSON *changes)
{
    char aid[24], oid[24];
    snprintf(aid, sizeof aid, "%lld", (long long)actor_id);
    snprintf(oid, sizeof oid, "%lld", (long long)object_id);
    char *json = changes ? json_print_compact(changes, NULL) : NULL;
    const char *params[] = {aid, actor, action, oid, object_label, json ? json : "{}"};
    PGresult *r = db_query(
        "INSERT INTO auth.audit (at, actor_id, actor, action, object_type, object_id, object_label, changes)"
        " SELECT greatest(clock_timestamp(),"
        "  coalesce((SELECT max(at) FROM auth.audit), '-infinity') + interval '1 microsecond'),"
        " $1, $2, $3, 'user', $4, $5, $6::jsonb",
        6, params);
    free(json);
    if (!r)
        return false;
    PQclear(r);
    return true;
}

#define AT_FROM_US(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"

bool audit_query(const audit_filter_t *f, cJSON **results, char *next_before)
{
    char oid[24], since[24], until[24], before[24], limit[16];
    snprintf(oid, sizeof oid, "%lld", (long long)f->object_id);
    snprintf(since, sizeof since, "%lld", (long long)f->since_us);
    snprintf(until, sizeof until, "%lld", (long long)f->until_us);
    snprintf(before, sizeof before, "%lld", (long long)f->before_us);
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
        "SELECT id, floor(extract(epoch FROM at) * 1000000)::bigint, actor_id, actor, action,"
        " object_type, object_id, object_label, changes::text"
        " FROM auth.audit"
        " WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR object_type = $2)"
        "  AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR object_id = $4)"
        "  AND ($5::bigint IS NULL OR at >= " AT_FROM_US(5) ")"
        "  AND ($6::bigint IS NULL OR at <= " AT_FROM_US(6) ")"
        "  AND ($7::bigint IS NULL OR at < " AT_FROM_US(7) ")"
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
        char at[48];
        isotime_format(strtoll(PQgetvalue(r, i, 1), NULL, 10), at, sizeof at);
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
