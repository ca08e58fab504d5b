/* Shared plumbing of chat's admin API (docs/admin-api.md): the staff check,
 * ids, query filters, JSON bodies, list pages, and GET /api/admin/audit/.
 * Runs on echochat.chat.http worker threads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "echo/isotime.h"
#include "echo/json.h"
#include "echo/text.h"

const chat_config_t *g_admin_cfg;
bus_t *g_admin_bus;

bool admin_gate(http_req_t *req, http_resp_t *resp, admin_actor_t *actor)
{
    chat_user_t u;
    if (!chat_user_from_json(req->user, &u)) {
        http_resp_error(resp, 401, "auth_required", "Требуется авторизация");
        return false;
    }
    bool staff = false;
    if (!json_bool(req->user, "is_staff", &staff) || !staff) {
        http_resp_error(resp, 403, "staff_required", "Forbidden");
        return false;
    }
    actor->id = u.id;
    actor->username = u.username;
    return true;
}

void admin_not_found(http_resp_t *resp)
{
    http_resp_error(resp, 404, "not_found", "Not found");
}

void admin_unavailable(http_resp_t *resp)
{
    http_resp_error(resp, 503, "unavailable", "Сервис временно недоступен, попробуйте позже");
}

bool admin_path_id(http_req_t *req, http_resp_t *resp, int64_t *id)
{
    const char *s = req->params[0];
    int64_t v = 0;
    bool ok = *s && strlen(s) <= 18;
    for (const char *p = s; ok && *p; p++) {
        ok = *p >= '0' && *p <= '9';
        v = v * 10 + (*p - '0');
    }
    if (!ok || v < 1) {
        admin_not_found(resp);
        return false;
    }
    *id = v;
    return true;
}

char *admin_query(http_req_t *req, const char *key)
{
    char *v = http_form_get(req->query, strlen(req->query), key);
    if (v && !*v) {
        free(v);
        return NULL;
    }
    return v;
}

void admin_invalid_filter(http_resp_t *resp, const char *param, const char *why)
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

bool admin_int_param(http_req_t *req, http_resp_t *resp, const char *key, int64_t def,
                     int64_t min, int64_t max, int64_t *out)
{
    char *v = admin_query(req, key);
    *out = def;
    if (!v)
        return true;
    int64_t n = 0;
    bool ok = *v != '\0' && strlen(v) <= 18;
    for (const char *p = v; ok && *p; p++) {
        ok = *p >= '0' && *p <= '9';
        n = n * 10 + (*p - '0');
    }
    free(v);
    if (!ok || n < min || n > max) {
        char why[96];
        snprintf(why, sizeof why, "Ожидается целое число от %" PRId64 " до %" PRId64, min, max);
        admin_invalid_filter(resp, key, why);
        return false;
    }
    *out = n;
    return true;
}

bool admin_time_param(http_req_t *req, http_resp_t *resp, const char *key, bool *has,
                      int64_t *us)
{
    char *v = admin_query(req, key);
    *has = false;
    if (!v)
        return true;
    *has = isotime_parse(v, us);
    free(v);
    if (!*has) {
        admin_invalid_filter(resp, key,
                             "Ожидается дата ISO-8601 (YYYY-MM-DD или YYYY-MM-DDTHH:MM:SS±HH:MM)");
        return false;
    }
    return true;
}

bool admin_text_param(http_req_t *req, http_resp_t *resp, const char *key, char **out)
{
    *out = admin_query(req, key);
    if (*out && !text_valid_utf8(*out, strlen(*out))) {
        free(*out);
        *out = NULL;
        admin_invalid_filter(resp, key, "Некорректная кодировка текста");
        return false;
    }
    return true;
}

bool admin_enum_param(http_req_t *req, http_resp_t *resp, const char *key,
                      const char *const *allowed, const char **out)
{
    char *v = admin_query(req, key);
    *out = NULL;
    if (!v)
        return true;
    for (const char *const *a = allowed; *a; a++)
        if (strcmp(v, *a) == 0)
            *out = *a;
    free(v);
    if (!*out) {
        admin_invalid_filter(resp, key, "Недопустимое значение");
        return false;
    }
    return true;
}

cJSON *admin_body(http_req_t *req, http_resp_t *resp)
{
    cJSON *o = NULL;
    const char *why = "Ожидается JSON-объект";
    if (req->body_len == 0)
        why = "Пустое тело запроса";
    else if (!chat_json_has_nul_escape(req->body, req->body_len))
        o = json_parse(req->body, req->body_len);
    if (cJSON_IsObject(o))
        return o;
    cJSON_Delete(o);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "error", "Неверное тело запроса");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(e, "errors"), "body"),
                         cJSON_CreateString(why));
    cJSON_AddStringToObject(e, "code", "invalid_body");
    http_resp_json(resp, 400, e);
    return NULL;
}

void admin_field_error(http_resp_t *resp, const char *field, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "errors"), field),
                         cJSON_CreateString(text));
    cJSON_AddStringToObject(o, "code", "validation_failed");
    http_resp_json(resp, 400, o);
}

void admin_page_reply(http_resp_t *resp, cJSON *results, int64_t count, int64_t page,
                      int64_t page_size)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "results", results);
    cJSON_AddNumberToObject(o, "count", (double)count);
    cJSON_AddNumberToObject(o, "page", (double)page);
    cJSON_AddNumberToObject(o, "page_size", (double)page_size);
    http_resp_json(resp, 200, o);
}

void admin_msg_filter_free(admin_msg_filter_t *f)
{
    free(f->room);
    free(f->author);
    free(f->q_pattern);
    memset(f, 0, sizeof *f);
}

static const char *const AUDIT_ACTIONS[] = {"create", "update", "delete", "password",
                                            "bulk_delete", NULL};
static const char *const AUDIT_TYPES[] = {"user", "room", "message", NULL};

/* GET /api/admin/audit/: chat's half of the audit log, same filters as auth's. */
void admin_audit(http_req_t *req, http_resp_t *resp, void *ctx)
{
    admin_actor_t actor;
    audit_filter_t f = {0};
    int64_t limit, object_id;
    char *who = NULL;
    if (!admin_gate(req, resp, &actor))
        return;
    char *oid = admin_query(req, "object_id");
    f.has_object_id = oid != NULL;
    free(oid);
    if (!admin_enum_param(req, resp, "object_type", AUDIT_TYPES, &f.object_type) ||
        !admin_enum_param(req, resp, "action", AUDIT_ACTIONS, &f.action) ||
        !admin_int_param(req, resp, "object_id", 0, 1, INT64_MAX, &object_id) ||
        !admin_time_param(req, resp, "since", &f.has_since, &f.since_us) ||
        !admin_time_param(req, resp, "until", &f.has_until, &f.until_us) ||
        !admin_time_param(req, resp, "before", &f.has_before, &f.before_us) ||
        !admin_int_param(req, resp, "limit", ADMIN_PAGE_SIZE_DEFAULT, 1, ADMIN_PAGE_SIZE_MAX,
                         &limit) ||
        !admin_text_param(req, resp, "actor", &who))
        return;
    f.actor = who;
    f.object_id = object_id;
    f.limit = (int)limit;
    cJSON *results = NULL;
    char next[AUDIT_AT_LEN];
    if (!audit_log_query("chat", &f, &results, next)) {
        admin_unavailable(resp);
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
    free(who);
}
