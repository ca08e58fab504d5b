/* The query strings of the admin API (docs/admin-api.md): one reading of
 * the list and audit parameters for every daemon that serves admin routes,
 * so a bad value gets the same 400 invalid_filter answer from auth and chat.
 * Handlers call these on their own bus worker threads; nothing is shared. */
#ifndef ECHO_ADMIN_QUERY_H
#define ECHO_ADMIN_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "echo/http_route.h"

#define ADMIN_PAGE_SIZE_DEFAULT 50
#define ADMIN_PAGE_SIZE_MAX 200

/* One query value, decoded; an empty value (`?q=`) counts as absent (NULL). */
char *admin_query_get(const http_req_t *req, const char *key);

/* 400 {"error", "errors": {param: [why]}, "code": "invalid_filter", "param"}. */
void admin_query_invalid(http_resp_t *resp, const char *param, const char *why);

/* Each reader below leaves the default when the parameter is absent, and on
 * a bad value answers invalid_filter naming it and returns false. */

/* Plain decimal digits (no sign, no spaces) in [min, max]; absent → def. */
bool admin_query_int(const http_req_t *req, http_resp_t *resp, const char *key, int64_t def,
                     int64_t min, int64_t max, int64_t *out);
/* "true"/"false" → "t"/"f" (PostgreSQL boolean text); absent → NULL. */
bool admin_query_bool(const http_req_t *req, http_resp_t *resp, const char *key,
                      const char **out);
/* An ISO-8601 date or date-time (isotime_parse); *has tells whether given. */
bool admin_query_time(const http_req_t *req, http_resp_t *resp, const char *key, bool *has,
                      int64_t *us);
/* Valid UTF-8 text, heap or NULL when absent. */
bool admin_query_text(const http_req_t *req, http_resp_t *resp, const char *key, char **out);
/* One of allowed (NULL-terminated): *out points into allowed; absent → NULL. */
bool admin_query_enum(const http_req_t *req, http_resp_t *resp, const char *key,
                      const char *const *allowed, const char **out);

/* The <id> segment of an admin path (/api/admin/users/<id>/, rooms, messages):
 * a positive decimal integer in its one canonical spelling - no sign, space
 * or leading zero - that fits int64. False for anything else, which the
 * daemons answer with 404 like any path that names nothing. */
bool admin_id_parse(const char *segment, int64_t *out);

/* A list's `page` (1…page_max, default 1) and `page_size` (1…200, default 50). */
typedef struct {
    int64_t page, page_size;
} admin_page_t;
bool admin_query_page(const http_req_t *req, http_resp_t *resp, int64_t page_max,
                      admin_page_t *out);

/* GET /api/admin/audit/ of one daemon, after its staff check: reads the
 * filters (actor, object_type, object_id, action, since, until, before,
 * limit), asks audit_log_query on schema and answers {"results",
 * "nextBefore"}; 503 unavailable when the database does not answer. */
void admin_query_audit(const char *schema, const http_req_t *req, http_resp_t *resp);

#endif
