/* GET /api/admin/audit/: each daemon keeps the audit log of its own admin
 * writes (docs/admin-api.md), so the gateway asks auth and chat with the same
 * filters and merges the two newest-first lists by time. Both answers carry
 * `at` timestamps in one UTC format, so they compare as strings. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "echo/http_route.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"
#include "http_front.h"

#define SOURCES 2

typedef struct {
    http_pending_t *pending;
    pthread_mutex_t lock;
    int outstanding;
    int limit;
    int status[SOURCES];
    cJSON *body[SOURCES];
} merge_t;

typedef struct {
    merge_t *m;
    int index;
} part_t;

static int cmp_at_desc(const void *a, const void *b)
{
    const char *x = json_str(*(cJSON *const *)a, "at");
    const char *y = json_str(*(cJSON *const *)b, "at");
    return strcmp(y ? y : "", x ? x : "");
}

/* Runs on the NATS thread that delivered the last answer. */
static void finish(merge_t *m)
{
    static const char unavailable[] =
        "{\"error\": \"Service unavailable\", \"code\": \"service_unavailable\"}";
    for (int i = 0; i < SOURCES; i++) {
        if (m->status[i] != 200) {
            /* A daemon's own refusal (e.g. invalid_filter) is the answer. */
            if (m->status[i] >= 400 && m->status[i] < 500 && m->body[i]) {
                size_t len = 0;
                char *text = json_print_compat(m->body[i], &len);
                http_front_complete(m->pending, (unsigned)m->status[i], "application/json", text,
                                    len, NULL);
                free(text);
            } else {
                http_front_complete(m->pending, 503, "application/json", unavailable,
                                    sizeof unavailable - 1, NULL);
            }
            return;
        }
    }
    size_t n = 0, cap = 0;
    cJSON **rows = NULL;
    bool more = false;
    for (int i = 0; i < SOURCES; i++) {
        cJSON *results = cJSON_GetObjectItemCaseSensitive(m->body[i], "results");
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(m->body[i], "nextBefore");
        more = more || (next && !cJSON_IsNull(next));
        cJSON *row;
        cJSON_ArrayForEach(row, results)
        {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                rows = realloc(rows, cap * sizeof *rows);
                if (!rows)
                    abort();
            }
            rows[n++] = row;
        }
    }
    if (n)
        qsort(rows, n, sizeof *rows, cmp_at_desc);
    size_t take = n < (size_t)m->limit ? n : (size_t)m->limit;
    cJSON *out = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(out, "results");
    for (size_t i = 0; i < take; i++)
        cJSON_AddItemToArray(list, cJSON_Duplicate(rows[i], true));
    const char *last_at = take ? json_str(rows[take - 1], "at") : NULL;
    if ((n > take || more) && last_at)
        cJSON_AddStringToObject(out, "nextBefore", last_at);
    else
        cJSON_AddNullToObject(out, "nextBefore");
    size_t len = 0;
    char *text = json_print_compat(out, &len);
    http_front_complete(m->pending, 200, "application/json", text, len, NULL);
    free(text);
    cJSON_Delete(out);
    free(rows);
}

/* NATS inbox or timer thread. */
static void on_part(int status, natsMsg *reply, void *ctx)
{
    part_t *part = ctx;
    merge_t *m = part->m;
    int code = 0;
    cJSON *body = NULL;
    if (status == BUS_OK) {
        const char *st = bus_header(reply, HTTP_HDR_STATUS);
        code = st ? atoi(st) : 0;
        body = json_parse(natsMsg_GetData(reply), (size_t)natsMsg_GetDataLength(reply));
        natsMsg_Destroy(reply);
    } else {
        log_warn("audit: %s did not answer", part->index == 0 ? "auth" : "chat");
    }
    pthread_mutex_lock(&m->lock);
    m->status[part->index] = cJSON_IsObject(body) ? code : 0;
    m->body[part->index] = body;
    bool last = --m->outstanding == 0;
    pthread_mutex_unlock(&m->lock);
    free(part);
    if (!last)
        return;
    finish(m);
    for (int i = 0; i < SOURCES; i++)
        cJSON_Delete(m->body[i]);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void admin_audit_forward(gateway_t *gw, http_pending_t *p, natsMsg *envelope)
{
    merge_t *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->pending = p;
    m->outstanding = SOURCES;
    m->limit = 50;
    const char *query = bus_header(envelope, HTTP_HDR_QUERY);
    if (query) {
        char *limit = http_form_get(query, strlen(query), "limit");
        if (limit && atoi(limit) >= 1 && atoi(limit) <= 200)
            m->limit = atoi(limit);
        free(limit);
    }
    pthread_mutex_init(&m->lock, NULL);
    const char *subjects[SOURCES] = {SUBJ_AUTH_HTTP, SUBJ_CHAT_HTTP};
    natsMsg *msgs[SOURCES];
    for (int i = 0; i < SOURCES; i++)
        msgs[i] = bus_msg_copy(envelope, subjects[i], NULL);
    /* chat never sees the raw session cookie */
    if (msgs[1])
        natsMsgHeader_Delete(msgs[1], HTTP_HDR_SESSION_ID);
    natsMsg_Destroy(envelope);
    for (int i = 0; i < SOURCES; i++) {
        part_t *part = calloc(1, sizeof *part);
        if (!part)
            abort();
        part->m = m;
        part->index = i;
        if (!msgs[i] ||
            bus_request_async(gw->bus, msgs[i], gw->cfg.request_timeout_ms, on_part, part) != BUS_OK)
            on_part(BUS_ERR, NULL, part);
    }
}
