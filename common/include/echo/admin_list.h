/* A page of an admin list (docs/admin-api.md "Lists"): the page query, the
 * count of everything the filters match, and the {"results", "count",
 * "page", "page_size"} envelope, the same for users, rooms and messages.
 * Runs on the calling thread's PostgreSQL connection. */
#ifndef ECHO_ADMIN_LIST_H
#define ECHO_ADMIN_LIST_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "echo/admin_query.h"
#include "echo/http_route.h"

/* The most filter parameters a list may bind before its LIMIT and OFFSET. */
#define ADMIN_LIST_FILTERS_MAX 14

/* The page's rows as a new JSON array; rows stay the caller's. */
typedef cJSON *(*admin_list_json_fn)(PGresult *rows, void *ctx);

/* Runs rows_sql with filter[0..nfilter) as $1…$n, the page size as $n+1
 * and the offset as $n+2, and count_sql ("SELECT count(*) …") with the
 * filters alone; answers 200 with the envelope, or 503 unavailable when
 * either query fails. */
void admin_list_answer(http_resp_t *resp, const char *rows_sql, const char *count_sql,
                       const char *const *filter, int nfilter, const admin_page_t *page,
                       admin_list_json_fn to_json, void *ctx);

/* 200 {"results": [...], "count", "page", "page_size"}; takes results. */
void admin_page_reply(http_resp_t *resp, cJSON *results, int64_t count, const admin_page_t *p);

#endif
