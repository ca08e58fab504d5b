/* The audit log of admin writes (decision P16, docs/admin-api.md): each
 * daemon keeps the entries of its own writes in <schema>.audit, recorded in
 * the write's transaction, and answers the newest-first page the gateway
 * merges by `at`. Every function runs on the calling thread's PostgreSQL
 * connection; schema is the daemon's own ("auth", "chat"). */
#ifndef ECHO_AUDIT_LOG_H
#define ECHO_AUDIT_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define AUDIT_AT_LEN 48

typedef struct {
    const char *actor;       /* exact username at the time, or NULL */
    const char *object_type; /* or NULL */
    const char *action;      /* or NULL */
    bool has_object_id, has_since, has_until, has_before;
    int64_t object_id;
    int64_t since_us, until_us, before_us; /* unix microseconds */
    int limit;
} audit_filter_t;

/* Serialises the schema's admin writes until the transaction ends: `at`
 * stays unique (it is the page cursor) and rules such as "never remove the
 * last superuser" can be checked race-free after taking it. */
bool audit_log_lock(const char *schema);

/* Records one entry in the current transaction (takes the lock). object_id
 * < 0 means none (bulk actions); changes maps field → [before, after] and is
 * not consumed. */
bool audit_log_record(const char *schema, int64_t actor_id, const char *actor, const char *action,
                      const char *object_type, int64_t object_id, const char *object_label,
                      const cJSON *changes);

/* Adds field: [before, after] to changes, the shape every entry's changes
 * take; takes ownership of before and after. */
void audit_log_change(cJSON *changes, const char *field, cJSON *before, cJSON *after);

/* Newest first. *results is a new JSON array; next_before gets the `at` of
 * the last entry when more entries follow, else "". */
bool audit_log_query(const char *schema, const audit_filter_t *f, cJSON **results,
                     char next_before[AUDIT_AT_LEN]);

#endif
