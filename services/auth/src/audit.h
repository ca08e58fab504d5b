/* The audit log of admin writes on accounts (decision P16): recorded in the
 * same transaction as the write, read by GET /api/admin/audit/. */
#ifndef AUTH_AUDIT_H
#define AUTH_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Serialises admin writes (and audit stamps) for the current transaction:
 * the last-superuser rule and the unique `at` cursor rely on it. */
bool audit_lock(void);

/* Records one entry in the current transaction (after audit_lock). changes
 * maps field → [before, after]; it is not consumed. */
bool audit_record(int64_t actor_id, const char *actor, const char *action, int64_t object_id,
                  const char *object_label, const cJSON *changes);

typedef struct {
    const char *actor;       /* exact username at the time, or NULL */
    const char *object_type; /* or NULL */
    const char *action;      /* or NULL */
    bool has_object_id, has_since, has_until, has_before;
    int64_t object_id;
    int64_t since_us, until_us, before_us; /* unix microseconds */
    int limit;
} audit_filter_t;

/* Newest first. *results is a new JSON array; next_before[48] gets the
 * `at` of the last entry when more entries follow, else "". */
bool audit_query(const audit_filter_t *f, cJSON **results, char *next_before);

#endif
