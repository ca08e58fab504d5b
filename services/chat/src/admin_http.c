/* Shared plumbing of chat's admin API (docs/admin-api.md): the staff check,
 * ids, single-row answers, JSON bodies and errors, and GET /api/admin/audit/ (query parameters
 * and list pages are common/admin_query's, shared with auth).
 * Runs on echochat.chat.http worker threads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "echo/admin_query.h"
#include "echo/db.h"
#include "echo/json.h"

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

bool admin_path_id(http_req_t *req, http_resp_t *resp, char id[ADMIN_ID_LEN])
{
    int64_t v;
    if (!admin_id_parse(req->params[0], &v)) {
        admin_not_found(resp);
        return false;
    }
    snprintf(id, ADMIN_ID_LEN, "%" PRId64, v);
    return true;
}

void admin_reply_row(http_resp_t *resp, const char *sql, const char *id, int status,
                     cJSON *(*to_json)(PGresult *r, int row))
{
    const char *params[] = {id};
    PGresult *r = db_query(sql, 1, params);
    if (!r)
        admin_unavailable(resp);
    else if (PQntuples(r) == 0)
        admin_not_found(resp);
    else
        http_resp_json(resp, status, to_json(r, 0));
    PQclear(r);
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

void admin_msg_filter_free(admin_msg_filter_t *f)
{
    free(f->room);
    free(f->author);
    free(f->q_pattern);
    memset(f, 0, sizeof *f);
}

/* GET /api/admin/audit/: chat's half of the audit log, read as auth reads its own. */
void admin_audit(http_req_t *req, http_resp_t *resp, void *ctx)
{
    admin_actor_t actor;
    if (admin_gate(req, resp, &actor))
        admin_query_audit("chat", req, resp);
}
