/* csrf/, session/, login/, logout/, register/ and password-rules/ (api.md
 * §4.1–4.7 with D2, D3 and the rate limits of §6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "echo/cookie.h"
#include "echo/csrf.h"
#include "echo/db.h"
#include "echo/log.h"
#include "echo/text.h"
#include "events.h"
#include "http.h"
#include "password.h"
#include "rate_limit.h"
#include "user.h"
#include "username.h"

#define MSG_WRONG_CREDENTIALS "Неверный логин или пароль"
#define MSG_TOO_MANY "Too many attempts"

void h_csrf(call_t *c)
{
    char secret[CSRF_SECRET_LEN + 1], token[CSRF_TOKEN_LEN + 1];
    if (http_issue_csrf(c, secret) != 0 || csrf_mask(secret, token) != 0) {
        http_unavailable(c);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "csrfToken", token);
    http_resp_json(c->resp, 200, o);
}

void h_session(call_t *c)
{
    char secret[CSRF_SECRET_LEN + 1];
    if (c->session == SESSION_ERROR || http_issue_csrf(c, secret) != 0) {
        http_unavailable(c);
        return;
    }
    bool found = c->session == SESSION_FOUND;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "authenticated", found);
    if (found)
        cJSON_AddItemToObject(o, "user", user_json_own(&c->account, c->req->base_url));
    else
        cJSON_AddNullToObject(o, "user");
    http_resp_json(c->resp, 200, o);
}

/* §6, step 1 of login and register: counted before the body is read. */
static bool rate_limited(call_t *c, const char *action)
{
    long retry = 0;
    rate_result_t r = rate_limit_hit(action, c->req->client_ip, c->app->cfg.rate_window,
                                     c->app->cfg.rate_limit, &retry);
    if (r == RATE_ERROR) {
        http_unavailable(c);
        return true;
    }
    if (r == RATE_LIMITED) {
        char buf[24];
        snprintf(buf, sizeof buf, "%ld", retry);
        http_error(c, 429, "rate_limited", MSG_TOO_MANY);
        http_resp_header(c->resp, "Retry-After", buf);
        return true;
    }
    return false;
}

/* Replies for a body that is not a usable object; true when replied. */
static bool body_rejected(call_t *c, const body_t *b)
{
    switch (b->status) {
    case BODY_OK:
        return false;
    case BODY_FILE_TOO_LARGE:
        http_error(c, 413, "file_too_large", "Файл слишком большой");
        return true;
    case BODY_FIELDS_TOO_LARGE:
        http_field_error(c, 400, "invalid_body", "Неверное тело запроса", "body",
                         "Слишком большое тело запроса");
        return true;
    default:
        http_body_error(c);
        return true;
    }
}

static void bad_type(call_t *c, const char *field)
{
    http_field_error(c, 400, "invalid_body", "Неверное тело запроса", field, "Ожидается строка");
}

/* Starts a session for u (cycling any previous id of this cookie) and
 * writes the cookies; D2: the CSRF secret is kept, only re-sent. */
static int log_in(call_t *c, const user_t *u)
{
    char sid[SESSION_ID_LEN + 1], secret[CSRF_SECRET_LEN + 1];
    const char *old = c->cookie_hashed ? c->cookie_hash : NULL;
    if (session_create(u->id, old, sid) != 0)
        return -1;
    if (c->session == SESSION_FOUND) /* the replaced id stops resolving */
        events_session_revoked(c->app->bus, c->user.id, c->cookie_hash, "login");
    char line[COOKIE_VALUE_MAX];
    cookie_session(line, sizeof line, sid, c->app->cfg.session_cookie_secure, c->now);
    http_resp_header(c->resp, "Set-Cookie", line);
    c->session_cookie_written = true;
    return http_issue_csrf(c, secret);
}

static void reply_logged_in(call_t *c, int status, const user_t *u)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "authenticated", true);
    cJSON_AddItemToObject(o, "user", user_json_own(u, c->req->base_url));
    http_resp_json(c->resp, status, o);
}

void h_login(call_t *c)
{
    body_t b;
    char *username = NULL, *password = NULL;
    size_t ulen = 0, plen = 0;
    user_t u = {0};
    if (rate_limited(c, "login"))
        return;
    body_parse(c->req, c->app->cfg.upload_max_bytes, &b);
    if (body_rejected(c, &b))
        goto done;
    field_kind_t uk = body_field(&b, "username", &username, &ulen);
    field_kind_t pk = body_field(&b, "password", &password, &plen);
    if (uk == FIELD_BAD_TYPE || pk == FIELD_BAD_TYPE) {
        bad_type(c, uk == FIELD_BAD_TYPE ? "username" : "password");
        goto done;
    }
    if (uk != FIELD_STRING || pk != FIELD_STRING) {
        http_field_error(c, 400, "credentials_required", "Требуются логин и пароль", "credentials",
                         "Укажите логин и пароль");
        goto done;
    }
    /* A name that cannot be stored cannot exist; it still costs a hash. */
    bool plausible = text_valid_utf8(username, ulen);
    if (plausible) {
        rate_result_t t = rate_login_check(username, c->req->client_ip);
        if (t == RATE_ERROR) {
            http_unavailable(c);
            goto done;
        }
        if (t == RATE_LIMITED) {
            http_error(c, 429, "rate_limited", MSG_TOO_MANY);
            goto done;
        }
    }
    user_status_t us = plausible ? user_by_username(username, &u) : USER_MISSING;
    if (us == USER_ERROR) {
        http_unavailable(c);
        goto done;
    }
    bool ok = password_verify(us == USER_FOUND ? u.password : NULL, password, plen);
    if (!ok || !u.is_active) {
        if (plausible)
            rate_login_failed(username, c->req->client_ip);
        http_field_error(c, 400, "invalid_credentials", MSG_WRONG_CREDENTIALS, "credentials",
                         MSG_WRONG_CREDENTIALS);
        goto done;
    }
    rate_login_succeeded(username, c->req->client_ip);
    if (log_in(c, &u) != 0) {
        http_unavailable(c);
        goto done;
    }
    reply_logged_in(c, 200, &u);
done:
    user_free(&u);
    free(username);
    free(password);
    body_free(&b);
}

void h_logout(call_t *c)
{
    if (c->session == SESSION_ERROR) {
        http_unavailable(c);
        return;
    }
    if (c->session == SESSION_FOUND) {
        if (session_delete(c->cookie_hash) < 0) {
            http_unavailable(c);
            return;
        }
        char uid[24];
        snprintf(uid, sizeof uid, "%lld", (long long)c->user.id);
        const char *params[] = {uid};
        PGresult *r = db_query("UPDATE auth.users SET last_seen = now() - interval '5 minutes'"
                               " WHERE id = $1",
                               1, params);
        if (r)
            PQclear(r);
        events_session_revoked(c->app->bus, c->user.id, c->cookie_hash, "logout");
        http_resp_header(c->resp, "Set-Cookie", COOKIE_SESSION_EXPIRED);
        c->session_cookie_written = true;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", true);
    http_resp_json(c->resp, 200, o);
}

void h_password_rules(call_t *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    for (const char *const *r = password_rules(c->app->cfg.relax_passwords); *r; r++)
        cJSON_AddItemToArray(rules, cJSON_CreateString(*r));
    http_resp_json(c->resp, 200, o);
}

static void register_hint(call_t *c)
{
    cJSON *o = cJSON_CreateObject();
    /* The "c" after POST is the Latin letter, as in the reference. */
    cJSON_AddStringToObject(o, "detail", "Используйте POST c полями username, password1, password2");
    http_resp_json(c->resp, 200, o);
}

void h_register(call_t *c)
{
    if (strcmp(c->req->method, "GET") == 0) {
        register_hint(c);
        return;
    }
    body_t b;
    char *username = NULL, *pw1 = NULL, *pw2 = NULL, *norm = NULL, *hash = NULL;
    size_t ulen = 0, l1 = 0, l2 = 0, count = 0;
    user_t u = {0};
    if (rate_limited(c, "register"))
        return;
    body_parse(c->req, c->app->cfg.upload_max_bytes, &b);
    if (body_rejected(c, &b))
        goto done;
    field_kind_t uk = body_field(&b, "username", &username, &ulen);
    field_kind_t k1 = body_field(&b, "password1", &pw1, &l1);
    field_kind_t k2 = body_field(&b, "password2", &pw2, &l2);
    if (uk == FIELD_BAD_TYPE || k1 == FIELD_BAD_TYPE || k2 == FIELD_BAD_TYPE) {
        bad_type(c, uk == FIELD_BAD_TYPE ? "username" : k1 == FIELD_BAD_TYPE ? "password1" : "password2");
        goto done;
    }
    if (uk != FIELD_STRING) {
        http_field_error(c, 400, "username_required", "Требуется имя пользователя", "username",
                         "Укажите имя пользователя");
        goto done;
    }
    /* Step 4: the raw value, exactly (invalid UTF-8 cannot be stored). */
    if (text_valid_utf8(username, ulen)) {
        user_status_t us = user_by_username(username, &u);
        user_free(&u);
        if (us == USER_ERROR) {
            http_unavailable(c);
            goto done;
        }
        if (us == USER_FOUND) {
            http_field_error(c, 400, "username_taken", "Имя пользователя уже занято", "username",
                             "Это имя уже используется");
            goto done;
        }
    }
    if (k1 != FIELD_STRING || k2 != FIELD_STRING) {
        http_field_error(c, 400, "password_required", "Требуется пароль", "password", "Укажите пароль");
        goto done;
    }
    if (l1 != l2 || memcmp(pw1, pw2, l1) != 0) {
        http_field_error(c, 400, "password_mismatch", "Пароли не совпадают", "password",
                         "Пароли не совпадают");
        goto done;
    }

    /* Step 7: username rules and password rules, reported together. */
    char umsg[512] = "";
    const char *ucode = "validation_failed";
    username_status_t ust = username_clean(username, ulen, &norm, &count);
    if (ust != USERNAME_OK) {
        username_message(ust, count, umsg, sizeof umsg);
    } else {
        user_status_t us = user_by_username(norm, &u);
        user_free(&u);
        if (us == USER_ERROR) {
            http_unavailable(c);
            goto done;
        }
        if (us == USER_FOUND) {
            snprintf(umsg, sizeof umsg, "%s", USERNAME_MSG_TAKEN);
            ucode = "username_taken";
        }
    }
    bool weak = !password_acceptable(c->app->cfg.relax_passwords, pw1, l1, umsg[0] ? NULL : norm, NULL);
    if (weak || umsg[0]) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "error", weak ? "Пароль слишком слабый" : umsg);
        cJSON *errors = cJSON_AddObjectToObject(o, "errors");
        if (umsg[0])
            cJSON_AddItemToArray(cJSON_AddArrayToObject(errors, "username"), cJSON_CreateString(umsg));
        if (weak)
            cJSON_AddItemToArray(cJSON_AddArrayToObject(errors, "password"),
                                 cJSON_CreateString("Пароль слишком слабый"));
        cJSON_AddStringToObject(o, "code", weak ? "password_too_weak" : ucode);
        http_resp_json(c->resp, 400, o);
        goto done;
    }

    hash = malloc(PASSWORD_ENCODED_MAX);
    if (!hash || password_hash(&c->app->cfg, pw1, l1, hash) != 0) {
        http_unavailable(c);
        goto done;
    }
    user_status_t cs = user_create(norm, hash, false, false, NULL, &u);
    if (cs == USER_MISSING) { /* lost a race for the name */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "error", USERNAME_MSG_TAKEN);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "errors"), "username"),
                             cJSON_CreateString(USERNAME_MSG_TAKEN));
        cJSON_AddStringToObject(o, "code", "username_taken");
        http_resp_json(c->resp, 400, o);
        goto done;
    }
    if (cs != USER_FOUND) {
        http_unavailable(c);
        goto done;
    }
    log_info("register: account %lld created", (long long)u.id);
    /* Step 8': the reference logs in with the raw name, which only works
     * when validation did not change it. */
    if (strcmp(norm, username) != 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "ok", true);
        http_resp_json(c->resp, 201, o);
        goto done;
    }
    if (log_in(c, &u) != 0) {
        http_unavailable(c);
        goto done;
    }
    reply_logged_in(c, 201, &u);
done:
    user_free(&u);
    free(username);
    free(pw1);
    free(pw2);
    free(norm);
    free(hash);
    body_free(&b);
}
