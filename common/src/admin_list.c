/* One page of an admin list: the page query, the total count and the list
 * envelope (docs/admin-api.md "Lists"). The callers own the SQL and the row
 * views; this file owns how a page is asked for and answered, so auth's users
 * and chat's rooms and messages page alike. */
#include "echo/admin_list.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/db.h"
#include "echo/log.h"

#define MSG_UNAVAILABLE "Сервис временно недоступен, попробуйте позже"

void admin_page_reply(http_resp_t *resp, cJSON *results, int64_t count, const admin_page_t *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "results", results);
    cJSON_AddNumberToObject(o, "count", (double)count);
    cJSON_AddNumberToObject(o, "page", (double)p->page);
    cJSON_AddNumberToObject(o, "page_size", (double)p->page_size);
    http_resp_json(resp, 200, o);
}

void admin_list_answer(http_resp_t *resp, const char *rows_sql, const char *count_sql,
                       const char *const *filter, int nfilter, const admin_page_t *page,
                       admin_list_json_fn to_json, void *ctx)
{
    const char *params[ADMIN_LIST_FILTERS_MAX + 2];
    char limit[24], offset[24];
    PGresult *rows = NULL, *count = NULL;

    if (nfilter < 0 || nfilter > ADMIN_LIST_FILTERS_MAX) {
        /* A programming error, not a client's: say so and answer like any
         * other failure to read the list. */
        log_error("admin_list: %d filter parameters (at most %d)", nfilter,
                  ADMIN_LIST_FILTERS_MAX);
        goto unavailable;
    }
    if (nfilter > 0)
        memcpy(params, filter, (size_t)nfilter * sizeof *params);
    snprintf(limit, sizeof limit, "%" PRId64, page->page_size);
    snprintf(offset, sizeof offset, "%" PRId64, (page->page - 1) * page->page_size);
    params[nfilter] = limit;
    params[nfilter + 1] = offset;
    rows = db_query(rows_sql, nfilter + 2, params);
    if (!rows)
        goto unavailable;
    count = db_query(count_sql, nfilter, params);
    if (!count)
        goto unavailable;
    admin_page_reply(resp, to_json(rows, ctx), strtoll(PQgetvalue(count, 0, 0), NULL, 10), page);
    goto cleanup;
unavailable:
    http_resp_error(resp, 503, "unavailable", MSG_UNAVAILABLE);
cleanup:
    PQclear(rows);
    PQclear(count);
}
