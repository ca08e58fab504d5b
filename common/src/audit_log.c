/* The audit log of admin writes, shared by auth and chat: the same table
 * shape in each daemon's own schema (their migrations create it), recorded
 * in the write's transaction and read newest first with an `at` cursor. */
#include "echo/audit_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/db.h"
#include "echo/isotime.h"
#include "echo/json.h"
#include "echo/log.h"

/* The schema is spliced into SQL text, so only a daemon's own names pass. */
static bool schema_ok(const char *schema)
{
    if (strcmp(schema, "auth") == 0 || strcmp(schema, "chat") == 0)
        return true;
    log_error("audit: no audit log in schema \"%s\"", schema);
    return false;
}

bool audit_log_lock(const char *schema)
{
    if (!schema_ok(schema))
        return false;
    char key[64];
    snprintf(key, sizeof key, "echochat.audit.%s", schema);
    const char *params[] = {key};
    PGresult *r = db_query("SELECT pg_advisory_xact_lock(hashtext($1))", 1, params);
    if (!r)
        return false;
    PQclear(r);
    return true;
}

void audit_log_change(cJSON *changes, const char *field, cJSON *before, cJSON *after)
{
    cJSON *pair = cJSON_CreateArray();
    cJSON_AddItemToArray(pair, before);
    cJSON_AddItemToArray(pair, after);
    cJSON_AddItemToObject(changes, field, pair);
}

bool audit_log_record(const char *schema, int64_t actor_id, const char *actor, const char *action,
                      const char *object_type, int64_t object_id, const char *object_label,
                      const cJSON *changes)
{
    if (!audit_log_lock(schema))
        return false;
    char aid[24], oid[24], sql[512];
    snprintf(aid, sizeof aid, "%" PRId64, actor_id);
    snprintf(oid, sizeof oid, "%" PRId64, object_id);
    char *json = changes ? json_print_compact(changes, NULL) : NULL;
    const char *params[] = {aid, actor, action, object_type, object_id >= 0 ? oid : NULL,
                            object_label, json ? json : "{}"};
    /* `at` strictly increases under the lock, so it alone is a cursor. */
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.audit (at, actor_id, actor, action, object_type, object_id,"
             " object_label, changes)"
             " SELECT greatest(clock_timestamp(),"
             "  coalesce((SELECT max(at) FROM %s.audit), '-infinity') + interval '1 microsecond'),"
             " $1, $2, $3, $4, $5, $6, $7::jsonb",
             schema, schema);
    PGresult *r = db_query(sql, 7, params);
    free(json);
    if (!r)
        return false;
    PQclear(r);
    return true;
}

#define AT_FROM_US(n) "('epoch'::timestamptz + $" #n "::int8 * interval '1 microsecond')"

static void add_int_or_null(cJSON *o, const char *key, PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, (double)strtoll(PQgetvalue(r, row, col), NULL, 10));
}

bool audit_log_query(const char *schema, const audit_filter_t *f, cJSON **results,
                     char next_before[AUDIT_AT_LEN])
{
    if (!schema_ok(schema))
        return false;
    char oid[24], since[24], until[24], before[24], limit[16], sql[1024];
    snprintf(oid, sizeof oid, "%" PRId64, f->object_id);
    snprintf(since, sizeof since, "%" PRId64, f->since_us);
    snprintf(until, sizeof until, "%" PRId64, f->until_us);
    snprintf(before, sizeof before, "%" PRId64, f->before_us);
    snprintf(limit, sizeof limit, "%d", f->limit + 1); /* one more tells whether more follow */
    const char *params[] = {f->actor, f->object_type, f->action,
                            f->has_object_id ? oid : NULL, f->has_since ? since : NULL,
                            f->has_until ? until : NULL, f->has_before ? before : NULL,
                            limit};
    snprintf(sql, sizeof sql,
             "SELECT id, floor(extract(epoch FROM at) * 1000000)::int8, actor_id, actor, action,"
             " object_type, object_id, object_label, changes::text"
             " FROM %s.audit"
             " WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR object_type = $2)"
             "  AND ($3::text IS NULL OR action = $3) AND ($4::int8 IS NULL OR object_id = $4)"
             "  AND ($5::int8 IS NULL OR at >= " AT_FROM_US(5) ")"
             "  AND ($6::int8 IS NULL OR at <= " AT_FROM_US(6) ")"
             "  AND ($7::int8 IS NULL OR at < " AT_FROM_US(7) ")"
             " ORDER BY at DESC LIMIT $8",
             schema);
    PGresult *r = db_query(sql, 8, params);
    if (!r)
        return false;
    int n = PQntuples(r);
    bool more = n > f->limit;
    if (more)
        n = f->limit;
    cJSON *list = cJSON_CreateArray();
    next_before[0] = '\0';
    for (int i = 0; i < n; i++) {
        char at[AUDIT_AT_LEN];
        isotime_format(strtoll(PQgetvalue(r, i, 1), NULL, 10), at, sizeof at);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "id", (double)strtoll(PQgetvalue(r, i, 0), NULL, 10));
        cJSON_AddStringToObject(e, "at", at);
        add_int_or_null(e, "actor_id", r, i, 2);
        if (PQgetisnull(r, i, 3))
            cJSON_AddNullToObject(e, "actor");
        else
            cJSON_AddStringToObject(e, "actor", PQgetvalue(r, i, 3));
        cJSON_AddStringToObject(e, "action", PQgetvalue(r, i, 4));
        cJSON_AddStringToObject(e, "object_type", PQgetvalue(r, i, 5));
        add_int_or_null(e, "object_id", r, i, 6);
        cJSON_AddStringToObject(e, "object_label", PQgetvalue(r, i, 7));
        const char *ch = PQgetvalue(r, i, 8);
        cJSON *changes = json_parse(ch, strlen(ch));
        cJSON_AddItemToObject(e, "changes", changes ? changes : cJSON_CreateObject());
        cJSON_AddItemToArray(list, e);
        if (more && i == n - 1)
            snprintf(next_before, AUDIT_AT_LEN, "%s", at);
    }
    PQclear(r);
    *results = list;
    return true;
}
