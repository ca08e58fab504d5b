/* Route table and the per-request wrapper: resolves the sessionid cookie
 * once, runs the handler, and expires a cookie that named no live session
 * (api.md §2.1, item 31). Runs on the echochat.auth.http worker threads. */
#include "http.h"

#include <stdio.h>
#include <string.h>

#include "echo/cookie.h"
#include "echo/csrf.h"
#include "echo/log.h"
#include "echo/subjects.h"
#include "slow_lane.h"

typedef void (*call_fn)(call_t *c);

static void run(http_req_t *req, http_resp_t *resp, void *ctx, call_fn fn)
{
    call_t c = {.app = ctx, .req = req, .resp = resp, .session = SESSION_NONE, .now = time(NULL)};
    const char *sid = req->session_id;
    if (sid && *sid) {
        if (session_id_well_formed(sid)) {
            c.cookie_hashed = session_hash(sid, c.cookie_hash) == 0;
            c.session = session_resolve(sid, &c.user, NULL, &c.account);
        }
    }
    fn(&c);
    if (sid && *sid && c.session != SESSION_FOUND && c.session != SESSION_ERROR &&
        !c.session_cookie_written)
        http_resp_header(resp, "Set-Cookie", COOKIE_SESSION_EXPIRED);
    user_free(&c.account);
}

#define ROUTE(name)                                                                                \
    static void r_##name(http_req_t *req, http_resp_t *resp, void *ctx)                            \
    {                                                                                              \
        run(req, resp, ctx, h_##name);                                                             \
    }
ROUTE(csrf)
ROUTE(session)
ROUTE(login)
ROUTE(logout)
ROUTE(register)
ROUTE(password_rules)
ROUTE(profile)
ROUTE(public_user)
ROUTE(admin_users)
ROUTE(admin_user)
ROUTE(admin_password)
ROUTE(admin_avatar)
ROUTE(admin_audit)

static const http_route_t ROUTES[] = {
    {"/api/auth/csrf/", "GET", r_csrf},
    {"/api/auth/session/", "GET", r_session},
    {"/api/auth/login/", "POST", r_login},
    {"/api/auth/logout/", "POST", r_logout},
    {"/api/auth/register/", "GET, POST", r_register},
    {"/api/auth/password-rules/", "GET", r_password_rules},
    {"/api/auth/profile/", "GET, POST", r_profile},
    {"/api/auth/users/<>/", "GET", r_public_user},
    {"/api/admin/users/", "GET, POST", r_admin_users},
    {"/api/admin/users/<>/", "GET, PATCH, DELETE", r_admin_user},
    {"/api/admin/users/<>/password/", "POST", r_admin_password},
    {"/api/admin/users/<>/avatar/", "POST", r_admin_avatar},
    {"/api/admin/audit/", "GET", r_admin_audit},
    {"/media/default.jpg", "GET, HEAD", h_media},
    {"/media/profile_pics/<>", "GET, HEAD", h_media},
    {NULL, NULL, NULL},
};

/* Requests that may hash a password or decode an image: every POST but
 * logout (login, register, profile with avatar, admin create, password and
 * avatar). */
static bool is_slow(natsMsg *msg)
{
    const char *method = bus_header(msg, HTTP_HDR_METHOD);
    const char *path = bus_header(msg, HTTP_HDR_PATH);
    return method && path && strcmp(method, "POST") == 0 && strcmp(path, "/api/auth/logout/") != 0;
}

/* Slow-lane thread. */
static void on_slow(bus_t *bus, natsMsg *msg, void *ctx)
{
    http_handle(bus, msg, ROUTES, ctx);
}

/* Bus worker thread (echochat.auth.http): fast requests are answered here,
 * slow ones handed to the lane (or answered here when it is full). */
static void on_request(bus_t *bus, natsMsg *msg, void *ctx)
{
    auth_t *app = ctx;
    if (is_slow(msg) && slow_lane_push(app->slow, msg))
        return;
    http_handle(bus, msg, ROUTES, ctx);
}

int http_start(auth_t *app)
{
    app->slow = slow_lane_start(app->bus, app->cfg.hash_workers, AUTH_SLOW_NICE, on_slow, app);
    if (!app->slow)
        return BUS_ERR;
    return bus_serve(app->bus, SUBJ_AUTH_HTTP, QUEUE_AUTH, app->cfg.http_workers, on_request, app);
}

void http_stop(auth_t *app)
{
    slow_lane_stop(app->slow);
}

void http_free(auth_t *app)
{
    slow_lane_free(app->slow);
    app->slow = NULL;
}

void http_error(call_t *c, int status, const char *code, const char *text)
{
    http_resp_error(c->resp, status, code, text);
}

void http_field_error(call_t *c, int status, const char *code, const char *error, const char *field,
                      const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", error);
    cJSON *errors = cJSON_AddObjectToObject(o, "errors");
    cJSON *list = cJSON_AddArrayToObject(errors, field);
    cJSON_AddItemToArray(list, cJSON_CreateString(msg));
    cJSON_AddStringToObject(o, "code", code);
    http_resp_json(c->resp, status, o);
}

void http_errors(call_t *c, int status, const char *code, cJSON *errors)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "errors", errors);
    cJSON_AddStringToObject(o, "code", code);
    http_resp_json(c->resp, status, o);
}

void http_file_too_large(call_t *c)
{
    char msg[128];
    snprintf(msg, sizeof msg, "Файл слишком большой (не более %zu МБ).",
             c->app->cfg.upload_max_bytes / (1024 * 1024));
    cJSON *errors = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(errors, "image"), cJSON_CreateString(msg));
    http_errors(c, 413, "file_too_large", errors);
}

void http_unavailable(call_t *c)
{
    http_error(c, 503, "unavailable", "Сервис временно недоступен, попробуйте позже");
}

void http_body_error(call_t *c)
{
    http_field_error(c, 400, "invalid_body", "Неверное тело запроса", "body", "Пустое тело запроса");
}

int http_issue_csrf(call_t *c, char *secret_out)
{
    if (!csrf_cookie_secret(c->req->csrf_cookie, secret_out) && csrf_new_secret(secret_out) != 0)
        return -1;
    char line[COOKIE_VALUE_MAX];
    cookie_csrf(line, sizeof line, secret_out, c->app->cfg.csrf_cookie_secure, c->now);
    http_resp_header(c->resp, "Set-Cookie", line);
    return 0;
}
