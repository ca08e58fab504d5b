/* Route table and the per-request wrapper: resolves the sessionid cookie
 * once, runs the handler, and expires a cookie that named no live session
 * (api.md §2.1, item 31). Runs on the echochat.auth.http worker threads. */
#include "http.h"

#include <stdio.h>
#include <string.h>

#include "cookie.h"
#include "echo/csrf.h"
#include "echo/log.h"
#include "echo/subjects.h"

typedef void (*call_fn)(call_t *c);

static void run(http_req_t *req, http_resp_t *resp, void *ctx, call_fn fn)
{
    call_t c = {.app = ctx, .req = req, .resp = resp, .session = SESSION_NONE, .now = time(NULL)};
    const char *sid = req->session_id;
    if (sid && *sid) {
        if (session_id_well_formed(sid)) {
            c.cookie_hashed = session_hash(sid, c.cookie_hash) == 0;
            c.session = session_resolve(sid, &c.user, NULL);
        }
    }
    fn(&c);
    if (sid && *sid && c.session != SESSION_FOUND && c.session != SESSION_ERROR &&
        !c.session_cookie_written)
        cookie_expire_session(resp);
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

static const http_route_t ROUTES[] = {
    {"/api/auth/csrf/", "GET", r_csrf},
    {"/api/auth/session/", "GET", r_session},
    {"/api/auth/login/", "POST", r_login},
    {"/api/auth/logout/", "POST", r_logout},
    {"/api/auth/register/", "GET, POST", r_register},
    {"/api/auth/password-rules/", "GET", r_password_rules},
    {"/api/auth/profile/", "GET, POST", r_profile},
    {"/api/auth/users/<>/", "GET", r_public_user},
    {"/media/default.jpg", "GET, HEAD", h_media},
    {"/media/profile_pics/<>", "GET, HEAD", h_media},
    {NULL, NULL, NULL},
};

int http_start(auth_t *app)
{
    return http_serve(app->bus, SUBJ_AUTH_HTTP, QUEUE_AUTH, app->cfg.http_workers, ROUTES, app);
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
    cookie_set_csrf(c->resp, secret_out, c->app->cfg.csrf_cookie_secure, c->now);
    return 0;
}
