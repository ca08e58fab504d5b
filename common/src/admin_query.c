/* Reading the admin API's query parameters and answering the bad ones with
 * 400 invalid_filter (docs/admin-api.md "Lists"), and the audit page each
 * daemon serves: the parts of the admin API that auth and chat must answer
 * alike (the list pages themselves are admin_list.c's). */
#include "echo/admin_query.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/audit_log.h"
#include "echo/isotime.h"
#include "echo/text.h"

#define MSG_UNAVAILABLE "Сервис временно недоступен, попробуйте позже"

char *admin_query_get(const http_req_t *req, const char *key)
{
    char *v = http_form_get(req->query, strlen(req->query), key);
    if (v && !*v) {
        free(v);
        return NULL;
    }
    return v;
}

void admin_query_invalid(http_resp_t *resp, const char *param, const char *why)
{
    char text[160];
    snprintf(text, sizeof text, "Неверное значение параметра %s", param);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", text);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "errors"), param),
                         cJSON_CreateString(why));
    cJSON_AddStringToObject(o, "code", "invalid_filter");
    cJSON_AddStringToObject(o, "param", param);
    http_resp_json(resp, 400, o);
}

/* Digits only: a sign, spaces or an overflow make the value invalid rather
 * than something strtol would half-read. */
static bool parse_digits(const char *s, int64_t *out)
{
    int64_t n = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        int d = *s - '0';
        if (n > (INT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *out = n;
    return true;
}

bool admin_id_parse(const char *segment, int64_t *out)
{
    return segment[0] >= '1' && segment[0] <= '9' && parse_digits(segment, out);
}

bool admin_query_int(const http_req_t *req, http_resp_t *resp, const char *key, int64_t def,
                     int64_t min, int64_t max, int64_t *out)
{
    char *v = admin_query_get(req, key);
    int64_t n = 0;
    *out = def;
    if (!v)
        return true;
    bool ok = parse_digits(v, &n) && n >= min && n <= max;
    free(v);
    if (!ok) {
        char why[96];
        snprintf(why, sizeof why, "Ожидается целое число от %" PRId64 " до %" PRId64, min, max);
        admin_query_invalid(resp, key, why);
        return false;
    }
    *out = n;
    return true;
}

bool admin_query_bool(const http_req_t *req, http_resp_t *resp, const char *key,
                      const char **out)
{
    char *v = admin_query_get(req, key);
    *out = NULL;
    if (!v)
        return true;
    if (strcmp(v, "true") == 0)
        *out = "t";
    else if (strcmp(v, "false") == 0)
        *out = "f";
    free(v);
    if (!*out) {
        admin_query_invalid(resp, key, "Ожидается true или false");
        return false;
    }
    return true;
}

bool admin_query_time(const http_req_t *req, http_resp_t *resp, const char *key, bool *has,
                      int64_t *us)
{
    char *v = admin_query_get(req, key);
    *has = false;
    if (!v)
        return true;
    *has = isotime_parse(v, us);
    free(v);
    if (!*has) {
        admin_query_invalid(resp, key,
                            "Ожидается дата ISO-8601 (YYYY-MM-DD или YYYY-MM-DDTHH:MM:SS±HH:MM)");
        return false;
    }
    return true;
}

bool admin_query_text(const http_req_t *req, http_resp_t *resp, const char *key, char **out)
{
    *out = admin_query_get(req, key);
    if (*out && !text_valid_utf8(*out, strlen(*out))) {
        free(*out);
        *out = NULL;
        admin_query_invalid(resp, key, "Некорректная кодировка текста");
        return false;
    }
    return true;
}

bool admin_query_enum(const http_req_t *req, http_resp_t *resp, const char *key,
                      const char *const *allowed, const char **out)
{
    char *v = admin_query_get(req, key);
    *out = NULL;
    if (!v)
        return true;
    for (const char *const *a = allowed; *a && !*out; a++)
        if (strcmp(v, *a) == 0)
            *out = *a;
    free(v);
    if (!*out) {
        admin_query_invalid(resp, key, "Недопустимое значение");
        return false;
    }
    return true;
}

bool admin_query_page(const http_req_t *req, http_resp_t *resp, int64_t page_max,
                      admin_page_t *out)
{
    return admin_query_int(req, resp, "page", 1, 1, page_max, &out->page) &&
           admin_query_int(req, resp, "page_size", ADMIN_PAGE_SIZE_DEFAULT, 1, ADMIN_PAGE_SIZE_MAX,
                           &out->page_size);
}

static const char *const AUDIT_ACTIONS[] = {"create", "update", "delete", "password",
                                            "bulk_delete", NULL};
static const char *const AUDIT_TYPES[] = {"user", "room", "message", NULL};

void admin_query_audit(const char *schema, const http_req_t *req, http_resp_t *resp)
{
    audit_filter_t f = {0};
    int64_t limit = 0;
    char *actor = NULL, *oid = NULL;
    cJSON *results = NULL;
    char next[AUDIT_AT_LEN];

    oid = admin_query_get(req, "object_id");
    f.has_object_id = oid != NULL;
    free(oid);
    if (!admin_query_enum(req, resp, "object_type", AUDIT_TYPES, &f.object_type) ||
        !admin_query_enum(req, resp, "action", AUDIT_ACTIONS, &f.action) ||
        !admin_query_int(req, resp, "object_id", 0, 1, INT64_MAX, &f.object_id) ||
        !admin_query_time(req, resp, "since", &f.has_since, &f.since_us) ||
        !admin_query_time(req, resp, "until", &f.has_until, &f.until_us) ||
        !admin_query_time(req, resp, "before", &f.has_before, &f.before_us) ||
        !admin_query_int(req, resp, "limit", ADMIN_PAGE_SIZE_DEFAULT, 1, ADMIN_PAGE_SIZE_MAX,
                         &limit) ||
        !admin_query_text(req, resp, "actor", &actor))
        goto cleanup;
    f.actor = actor;
    f.limit = (int)limit;
    if (!audit_log_query(schema, &f, &results, next)) {
        http_resp_error(resp, 503, "unavailable", MSG_UNAVAILABLE);
        goto cleanup;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "results", results);
    if (next[0])
        cJSON_AddStringToObject(o, "nextBefore", next);
    else
        cJSON_AddNullToObject(o, "nextBefore");
    http_resp_json(resp, 200, o);
cleanup:
    free(actor);
}
