/* The auth half of the admin API (docs/admin-api.md "Users and profiles",
 * "Audit log"; decision P16, admin.md M2, M4, M5). The gateway already
 * refuses guests and non-staff; every handler checks again against the
 * session as auth resolves it from the database, which also sees a staff
 * flag removed a moment ago. Runs on the echochat.auth.http workers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_store.h"
#include "echo/audit_log.h"
#include "body.h"
#include "echo/db.h"
#include "echo/isotime.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/text.h"
#include "echo/user_view.h"
#include "events.h"
#include "http.h"
#include "last_seen.h"
#include "password.h"
#include "user.h"
#include "username.h"

#define PAGE_SIZE_DEFAULT 50
#define PAGE_SIZE_MAX 200
#define PAGE_MAX 1000000L
#define BIO_MAX 1000
#define EMAIL_MAX 254

/* ---------------------------------------------------------------- access */

static bool gate(call_t *c)
{
    if (c->session == SESSION_ERROR) {
        http_unavailable(c);
        return false;
    }
    if (c->session != SESSION_FOUND) {
        http_error(c, 401, "auth_required", "Требуется авторизация");
        return false;
    }
    if (!c->user.is_staff) {
        http_error(c, 403, "staff_required", "Forbidden");
        return false;
    }
    return true;
}

static admin_actor_t actor_of(const call_t *c)
{
    return (admin_actor_t){.id = c->user.id,
                           .username = c->user.username,
                           .is_superuser = c->user.is_superuser,
                           .session_hash = c->cookie_hashed ? c->cookie_hash : NULL};
}

/* The <id> path segment: a positive decimal integer, else 404 like any
 * path that names nothing. */
static bool path_id(call_t *c, int64_t *id)
{
    const char *s = c->req->params[0];
    char *end = NULL;
    errno = 0;
    long long v = *s >= '1' && *s <= '9' ? strtoll(s, &end, 10) : 0;
    if (v <= 0 || errno || !end || *end) {
        http_error(c, 404, "not_found", "Not found");
        return false;
    }
    *id = v;
    return true;
}

static void reply_status(call_t *c, admin_status_t st)
{
    switch (st) {
    case ADMIN_NOT_FOUND:
        http_error(c, 404, "not_found", "Not found");
        break;
    case ADMIN_SUPERUSER_REQUIRED:
        http_error(c, 403, "superuser_required", "Forbidden");
        break;
    case ADMIN_LAST_SUPERUSER:
        http_error(c, 409, "last_superuser",
                   "Нельзя понизить, отключить или удалить последнего активного суперпользователя");
        break;
    default:
        http_unavailable(c);
        break;
    }
}

static void reply_ok(call_t *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", true);
    http_resp_json(c->resp, 200, o);
}

/* {"errors": {...}, "code": code} (docs/admin-api.md); takes errors. */
static void reply_errors(call_t *c, cJSON *errors, const char *code)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "errors", errors);
    cJSON_AddStringToObject(o, "code", code);
    http_resp_json(c->resp, 400, o);
}

static void add_error(cJSON *errors, const char *field, const char *msg)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(errors, field);
    if (!list)
        list = cJSON_AddArrayToObject(errors, field);
    cJSON_AddItemToArray(list, cJSON_CreateString(msg));
}

/* ---------------------------------------------------------------- views */

static cJSON *admin_user_json(const user_t *u, const char *base_url, const cJSON *seen)
{
    char joined[48], login[48];
    isotime_format(u->date_joined_us, joined, sizeof joined);
    char *url = user_view_media_url(base_url ? base_url : "", u->avatar);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)u->id);
    cJSON_AddStringToObject(o, "username", u->username);
    cJSON_AddStringToObject(o, "email", u->email);
    cJSON_AddStringToObject(o, "bio", u->bio);
    cJSON_AddStringToObject(o, "profileImage", url);
    cJSON_AddBoolToObject(o, "is_active", u->is_active);
    cJSON_AddBoolToObject(o, "is_staff", u->is_staff);
    cJSON_AddBoolToObject(o, "is_superuser", u->is_superuser);
    cJSON_AddStringToObject(o, "date_joined", joined);
    if (u->has_last_login) {
        isotime_format(u->last_login_us, login, sizeof login);
        cJSON_AddStringToObject(o, "last_login", login);
    } else {
        cJSON_AddNullToObject(o, "last_login");
    }
    cJSON_AddItemToObject(o, "last_seen", last_seen_value(seen, u->username));
    free(url);
    return o;
}

static void reply_user(call_t *c, int status, const user_t *u)
{
    const char *names[] = {u->username};
    cJSON *seen = last_seen_lookup(c->app->bus, names, 1);
    http_resp_json(c->resp, status, admin_user_json(u, c->req->base_url, seen));
    cJSON_Delete(seen);
}

/* ---------------------------------------------------------------- query filters */

/* One query parameter; an empty value counts as absent. */
static char *query_param(call_t *c, const char *key)
{
    char *v = http_form_get(c->req->query, strlen(c->req->query), key);
    if (v && !*v) {
        free(v);
        return NULL;
    }
    return v;
}

static void invalid_filter(call_t *c, const char *param, const char *why)
{
    char text[160];
    snprintf(text, sizeof text, "Неверное значение параметра %s", param);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", text);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "errors"), param),
                         cJSON_CreateString(why));
    cJSON_AddStringToObject(o, "code", "invalid_filter");
    cJSON_AddStringToObject(o, "param", param);
    http_resp_json(c->resp, 400, o);
}

/* Integer parameter in [min, max]; absent → def. False after replying 400. */
static bool int_param(call_t *c, const char *key, long def, long min, long max, long *out)
{
    char *v = query_param(c, key);
    *out = def;
    if (!v)
        return true;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    bool ok = (*v >= '0' && *v <= '9') && !errno && end && !*end && n >= min && n <= max;
    free(v);
    if (!ok) {
        char why[96];
        snprintf(why, sizeof why, "Ожидается целое число от %ld до %ld", min, max);
        invalid_filter(c, key, why);
        return false;
    }
    *out = n;
    return true;
}

/* "true"/"false" → "t"/"f"; absent → NULL. */
static bool bool_param(call_t *c, const char *key, const char **out)
{
    char *v = query_param(c, key);
    *out = NULL;
    if (!v)
        return true;
    if (strcmp(v, "true") == 0)
        *out = "t";
    else if (strcmp(v, "false") == 0)
        *out = "f";
    free(v);
    if (!*out) {
        invalid_filter(c, key, "Ожидается true или false");
        return false;
    }
    return true;
}

static bool time_param(call_t *c, const char *key, bool *has, int64_t *us)
{
    char *v = query_param(c, key);
    *has = false;
    if (!v)
        return true;
    *has = isotime_parse(v, us);
    free(v);
    if (!*has) {
        invalid_filter(c, key, "Ожидается дата ISO-8601 (YYYY-MM-DD или YYYY-MM-DDTHH:MM:SS±HH:MM)");
        return false;
    }
    return true;
}

/* Picks a value from a fixed list; absent → NULL. */
static bool enum_param(call_t *c, const char *key, const char *const *allowed, const char **out)
{
    char *v = query_param(c, key);
    *out = NULL;
    if (!v)
        return true;
    for (const char *const *a = allowed; *a; a++)
        if (strcmp(v, *a) == 0)
            *out = *a;
    free(v);
    if (!*out) {
        invalid_filter(c, key, "Недопустимое значение");
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- users list */

static const char *const USER_SORTS[] = {"date_joined", "-date_joined", "username", "-username",
                                         "last_login",  "-last_login",  NULL};
/* ORDER BY per sort key; id breaks ties so pages never overlap. */
static const char *const USER_ORDER[] = {
    "date_joined ASC, id ASC",           "date_joined DESC, id DESC",
    "username ASC, id ASC",              "username DESC, id DESC",
    "last_login ASC NULLS FIRST, id ASC", "last_login DESC NULLS LAST, id DESC",
};

#define USERS_WHERE                                                                                \
    " FROM auth.users WHERE ($1::text IS NULL"                                                     \
    "  OR strpos(lower(username COLLATE \"und-x-icu\"), lower($1 COLLATE \"und-x-icu\")) > 0"      \
    "  OR strpos(lower(email COLLATE \"und-x-icu\"), lower($1 COLLATE \"und-x-icu\")) > 0)"        \
    " AND ($2::boolean IS NULL OR is_active = $2) AND ($3::boolean IS NULL OR is_staff = $3)"      \
    " AND ($4::boolean IS NULL OR is_superuser = $4)"                                              \
    " AND ($5::bigint IS NULL OR date_joined >= 'epoch'::timestamptz + $5::bigint * interval '1 microsecond')" \
    " AND ($6::bigint IS NULL OR date_joined < 'epoch'::timestamptz + $6::bigint * interval '1 microsecond')"

static void users_list(call_t *c)
{
    const char *active, *staff, *super, *sort;
    bool has_after, has_before;
    int64_t after_us = 0, before_us = 0;
    long page, page_size;
    char *q = NULL;
    if (!bool_param(c, "is_active", &active) || !bool_param(c, "is_staff", &staff) ||
        !bool_param(c, "is_superuser", &super) || !time_param(c, "joined_after", &has_after, &after_us) ||
        !time_param(c, "joined_before", &has_before, &before_us) ||
        !enum_param(c, "sort", USER_SORTS, &sort) || !int_param(c, "page", 1, 1, PAGE_MAX, &page) ||
        !int_param(c, "page_size", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX, &page_size))
        return;
    q = query_param(c, "q");
    if (q && !text_valid_utf8(q, strlen(q))) {
        free(q);
        invalid_filter(c, "q", "Некорректная кодировка текста");
        return;
    }
    int order = 1;
    for (int i = 0; sort && USER_SORTS[i]; i++)
        if (strcmp(sort, USER_SORTS[i]) == 0)
            order = i;
    char after[24], before[24], limit[24], offset[24];
    snprintf(after, sizeof after, "%lld", (long long)after_us);
    snprintf(before, sizeof before, "%lld", (long long)before_us);
    snprintf(limit, sizeof limit, "%ld", page_size);
    snprintf(offset, sizeof offset, "%ld", (page - 1) * page_size);
    const char *params[] = {q, active, staff, super, has_after ? after : NULL, has_before ? before : NULL,
                            limit, offset};
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT " USER_COLUMNS USERS_WHERE " ORDER BY %s LIMIT $7 OFFSET $8",
             USER_ORDER[order]);
    PGresult *rows = db_query(sql, 8, params);
    PGresult *count = rows ? db_query("SELECT count(*)" USERS_WHERE, 6, params) : NULL;
    free(q);
    if (!rows || !count) {
        if (rows)
            PQclear(rows);
        http_unavailable(c);
        return;
    }
    int n = PQntuples(rows);
    user_t *users = calloc((size_t)n + 1, sizeof *users);
    const char **names = calloc((size_t)n + 1, sizeof *names);
    if (!users || !names)
        abort();
    for (int i = 0; i < n; i++) {
        user_from_row(rows, i, &users[i]);
        names[i] = users[i].username;
    }
    cJSON *seen = last_seen_lookup(c->app->bus, names, (size_t)n);
    cJSON *o = cJSON_CreateObject();
    cJSON *results = cJSON_AddArrayToObject(o, "results");
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(results, admin_user_json(&users[i], c->req->base_url, seen));
        user_free(&users[i]);
    }
    cJSON_AddNumberToObject(o, "count", (double)strtoll(PQgetvalue(count, 0, 0), NULL, 10));
    cJSON_AddNumberToObject(o, "page", (double)page);
    cJSON_AddNumberToObject(o, "page_size", (double)page_size);
    http_resp_json(c->resp, 200, o);
    cJSON_Delete(seen);
    free(users);
    free(names);
    PQclear(rows);
    PQclear(count);
}

/* ---------------------------------------------------------------- create */

/* Body fields as strings; true with *out heap (or NULL when absent). */
static bool string_field(const body_t *b, cJSON *errors, const char *field, char **out, size_t *len)
{
    field_kind_t k = body_field(b, field, out, len);
    if (k == FIELD_BAD_TYPE) {
        free(*out);
        *out = NULL;
        add_error(errors, field, "Ожидается строка");
        return false;
    }
    if (k != FIELD_STRING) {
        free(*out);
        *out = NULL;
    }
    return true;
}

/* Cleans an email: stripped, valid or empty, ≤ 254 chars. Heap or NULL
 * with an error added. */
static char *clean_email(cJSON *errors, const char *raw, size_t len)
{
    if (memchr(raw, '\0', len) || !text_valid_utf8(raw, len)) {
        add_error(errors, "email", "Введите правильный адрес электронной почты.");
        return NULL;
    }
    char *e = text_strip(raw, len);
    size_t n = text_codepoints(e, strlen(e));
    if (*e && (!http_email_valid(e) || n > EMAIL_MAX)) {
        add_error(errors, "email", "Введите правильный адрес электронной почты.");
        free(e);
        return NULL;
    }
    return e;
}

static bool body_usable(call_t *c, const body_t *b)
{
    if (b->status == BODY_OK || b->status == BODY_EMPTY)
        return true;
    if (b->status == BODY_FILE_TOO_LARGE)
        http_error(c, 413, "file_too_large", "Файл слишком большой");
    else
        http_body_error(c);
    return false;
}

static void users_create(call_t *c)
{
    body_t b;
    char *username = NULL, *pw1 = NULL, *pw2 = NULL, *email_raw = NULL, *norm = NULL, *email = NULL,
         *hash = NULL;
    size_t ulen = 0, l1 = 0, l2 = 0, elen = 0, count = 0;
    user_t u = {0};
    cJSON *errors = cJSON_CreateObject();
    const char *code = "validation_failed";
    body_parse(c->req, c->app->cfg.upload_max_bytes, &b);
    if (!body_usable(c, &b))
        goto done;
    string_field(&b, errors, "username", &username, &ulen);
    string_field(&b, errors, "password1", &pw1, &l1);
    string_field(&b, errors, "password2", &pw2, &l2);
    string_field(&b, errors, "email", &email_raw, &elen);
    if (!cJSON_GetObjectItemCaseSensitive(errors, "username")) {
        username_status_t ust = username ? username_clean(username, ulen, &norm, &count) : USERNAME_REQUIRED;
        if (ust != USERNAME_OK) {
            char msg[512];
            username_message(ust, count, msg, sizeof msg);
            add_error(errors, "username", msg);
        }
    }
    if (email_raw)
        email = clean_email(errors, email_raw, elen);
    bool fields_bad = errors->child != NULL;
    if (!cJSON_GetObjectItemCaseSensitive(errors, "password1") && !pw1)
        add_error(errors, "password1", "Обязательное поле.");
    if (!cJSON_GetObjectItemCaseSensitive(errors, "password2") && !pw2)
        add_error(errors, "password2", "Обязательное поле.");
    if (pw1 && pw2) {
        if (l1 != l2 || memcmp(pw1, pw2, l1) != 0) {
            add_error(errors, "password2", "Пароли не совпадают");
            if (!fields_bad)
                code = "password_mismatch";
        } else if (!password_acceptable(c->app->cfg.relax_passwords, pw1, l1, norm, email)) {
            add_error(errors, "password1", "Пароль слишком слабый");
            if (!fields_bad)
                code = "password_too_weak";
        }
    }
    if (errors->child) {
        reply_errors(c, errors, code);
        errors = NULL;
        goto done;
    }
    hash = malloc(PASSWORD_ENCODED_MAX);
    if (!hash || password_hash(&c->app->cfg, pw1, l1, hash) != 0) {
        http_unavailable(c);
        goto done;
    }
    admin_actor_t actor = actor_of(c);
    admin_status_t st = admin_create_user(&actor, norm, hash, email ? email : "", &u);
    if (st == ADMIN_NAME_TAKEN) {
        add_error(errors, "username", USERNAME_MSG_TAKEN);
        reply_errors(c, errors, "username_taken");
        errors = NULL;
        goto done;
    }
    if (st != ADMIN_OK) {
        reply_status(c, st);
        goto done;
    }
    log_info("admin: %s created account %lld", c->user.username, (long long)u.id);
    reply_user(c, 201, &u);
done:
    cJSON_Delete(errors);
    user_free(&u);
    free(username);
    free(pw1);
    free(pw2);
    free(email_raw);
    free(norm);
    free(email);
    free(hash);
    body_free(&b);
}

void h_admin_users(call_t *c)
{
    if (!gate(c))
        return;
    if (strcmp(c->req->method, "POST") == 0)
        users_create(c);
    else
        users_list(c);
}

/* ---------------------------------------------------------------- one user */

/* After a committed write: the gateways and presence follow at once. */
static void publish_changes(call_t *c, const admin_result_t *r)
{
    const user_t *b = &r->before, *a = &r->after;
    c->resp->forget_user = b->id; /* this gateway, before the admin sees the answer */
    if (r->deactivated)
        events_session_revoked(c->app->bus, b->id, NULL, "deactivated");
    if (!a->username)
        return;
    bool renamed = strcmp(b->username, a->username) != 0;
    if (renamed || strcmp(b->avatar, a->avatar) != 0 || b->is_staff != a->is_staff ||
        b->is_superuser != a->is_superuser)
        events_user_updated(c->app->bus, a->id, a->username, a->avatar, renamed ? b->username : NULL);
    else if (strcmp(b->email, a->email) != 0 || strcmp(b->bio, a->bio) != 0)
        events_profile_updated(c->app->bus, a->id);
}

static bool read_patch_fields(call_t *c, cJSON *o, admin_patch_t *p);

/* Reads a PATCH body: a JSON object of the editable fields only. Fills p
 * (heap strings) or replies 400 and returns false. No database work, so
 * fuzz/fuzz_auth_admin.c drives it directly. */
bool admin_read_patch(call_t *c, admin_patch_t *p)
{
    *p = (admin_patch_t){.is_active = -1, .is_staff = -1, .is_superuser = -1};
    if (c->req->body_len == 0)
        return true;
    /* body_parse rejects invalid UTF-8 and \u0000 escapes (which cJSON would
     * silently cut strings at); an empty object is no change. */
    body_t b;
    body_parse(c->req, c->app->cfg.upload_max_bytes, &b);
    bool empty_object = b.status == BODY_EMPTY && cJSON_IsObject(b.json);
    if (empty_object || (b.status == BODY_OK && b.json)) {
        cJSON *o = b.json;
        b.json = NULL;
        body_free(&b);
        return read_patch_fields(c, o, p);
    }
    body_free(&b);
    http_field_error(c, 400, "invalid_body", "Неверное тело запроса", "body", "Ожидается JSON-объект");
    return false;
}

/* The fields of a PATCH object (consumed). */
static bool read_patch_fields(call_t *c, cJSON *o, admin_patch_t *p)
{
    cJSON *errors = cJSON_CreateObject();
    for (cJSON *f = o->child; f; f = f->next) {
        const char *k = f->string;
        int *flag = strcmp(k, "is_active") == 0      ? &p->is_active
                    : strcmp(k, "is_staff") == 0     ? &p->is_staff
                    : strcmp(k, "is_superuser") == 0 ? &p->is_superuser
                                                     : NULL;
        if (flag) {
            if (cJSON_IsBool(f))
                *flag = cJSON_IsTrue(f);
            else
                add_error(errors, k, "Ожидается true или false");
            continue;
        }
        bool is_name = strcmp(k, "username") == 0, is_email = strcmp(k, "email") == 0,
             is_bio = strcmp(k, "bio") == 0;
        if (!is_name && !is_email && !is_bio) {
            add_error(errors, k, "Это поле нельзя изменить");
            continue;
        }
        if (!cJSON_IsString(f)) {
            add_error(errors, k, "Ожидается строка");
            continue;
        }
        const char *v = f->valuestring;
        size_t len = strlen(v);
        if (is_name) {
            size_t count = 0;
            free(p->username);
            p->username = NULL;
            username_status_t ust = username_clean(v, len, &p->username, &count);
            if (ust != USERNAME_OK) {
                char msg[512];
                username_message(ust, count, msg, sizeof msg);
                add_error(errors, k, msg);
            }
        } else if (is_email) {
            free(p->email);
            p->email = clean_email(errors, v, len);
        } else {
            free(p->bio);
            p->bio = text_strip(v, len);
            size_t n = p->bio ? text_codepoints(p->bio, strlen(p->bio)) : 0;
            if (!p->bio || n > BIO_MAX) {
                char msg[160];
                snprintf(msg, sizeof msg,
                         "Убедитесь, что это значение содержит не более %d символов (сейчас %zu).", BIO_MAX, n);
                add_error(errors, k, p->bio ? msg : "Некорректная кодировка текста.");
            }
        }
    }
    cJSON_Delete(o);
    if (errors->child) {
        reply_errors(c, errors, "validation_failed");
        return false;
    }
    cJSON_Delete(errors);
    return true;
}

void admin_patch_free(admin_patch_t *p)
{
    free(p->username);
    free(p->email);
    free(p->bio);
}

static void user_patch(call_t *c, int64_t id)
{
    admin_patch_t p;
    admin_result_t r = {0};
    if (!admin_read_patch(c, &p))
        goto done;
    admin_actor_t actor = actor_of(c);
    admin_status_t st = admin_update_user(&actor, id, &p, &r);
    if (st == ADMIN_NAME_TAKEN) {
        cJSON *errors = cJSON_CreateObject();
        add_error(errors, "username", USERNAME_MSG_TAKEN);
        reply_errors(c, errors, "username_taken");
        goto done;
    }
    if (st != ADMIN_OK) {
        reply_status(c, st);
        goto done;
    }
    if (r.changed)
        publish_changes(c, &r);
    reply_user(c, 200, &r.after);
done:
    admin_patch_free(&p);
    admin_result_free(&r);
}

static void user_delete(call_t *c, int64_t id)
{
    admin_result_t r = {0};
    admin_actor_t actor = actor_of(c);
    admin_status_t st = admin_delete_user(&actor, id, &r);
    if (st != ADMIN_OK) {
        reply_status(c, st);
        admin_result_free(&r);
        return;
    }
    log_info("admin: %s deleted account %lld", c->user.username, (long long)id);
    events_session_revoked(c->app->bus, id, NULL, "deleted");
    c->resp->forget_user = id;
    events_user_deleted(c->app->bus, id, r.before.username);
    reply_ok(c);
    admin_result_free(&r);
}

void h_admin_user(call_t *c)
{
    int64_t id;
    if (!gate(c) || !path_id(c, &id))
        return;
    if (strcmp(c->req->method, "PATCH") == 0) {
        user_patch(c, id);
    } else if (strcmp(c->req->method, "DELETE") == 0) {
        user_delete(c, id);
    } else {
        user_t u = {0};
        user_status_t us = user_by_id(id, &u);
        if (us == USER_FOUND)
            reply_user(c, 200, &u);
        else
            reply_status(c, us == USER_MISSING ? ADMIN_NOT_FOUND : ADMIN_ERROR);
        user_free(&u);
    }
}

/* ---------------------------------------------------------------- password, avatar */

void h_admin_password(call_t *c)
{
    int64_t id;
    body_t b = {0};
    char *pw1 = NULL, *pw2 = NULL, *hash = NULL;
    size_t l1 = 0, l2 = 0;
    user_t u = {0};
    admin_result_t r = {0};
    cJSON *revoked = NULL, *errors = NULL;
    if (!gate(c) || !path_id(c, &id))
        return;
    user_status_t us = user_by_id(id, &u);
    if (us != USER_FOUND) {
        reply_status(c, us == USER_MISSING ? ADMIN_NOT_FOUND : ADMIN_ERROR);
        goto done;
    }
    admin_actor_t actor = actor_of(c);
    if (!admin_may_write(&actor, &u)) { /* before spending a hash; checked again under lock */
        reply_status(c, ADMIN_SUPERUSER_REQUIRED);
        goto done;
    }
    body_parse(c->req, c->app->cfg.upload_max_bytes, &b);
    if (!body_usable(c, &b))
        goto done;
    errors = cJSON_CreateObject();
    string_field(&b, errors, "password1", &pw1, &l1);
    string_field(&b, errors, "password2", &pw2, &l2);
    const char *code = "validation_failed";
    if (!pw1 && !cJSON_GetObjectItemCaseSensitive(errors, "password1"))
        add_error(errors, "password1", "Обязательное поле.");
    if (!pw2 && !cJSON_GetObjectItemCaseSensitive(errors, "password2"))
        add_error(errors, "password2", "Обязательное поле.");
    if (!errors->child) {
        if (l1 != l2 || memcmp(pw1, pw2, l1) != 0) {
            add_error(errors, "password2", "Пароли не совпадают");
            code = "password_mismatch";
        } else if (!password_acceptable(c->app->cfg.relax_passwords, pw1, l1, u.username, u.email)) {
            add_error(errors, "password1", "Пароль слишком слабый");
            code = "password_too_weak";
        }
    }
    if (errors->child) {
        reply_errors(c, errors, code);
        errors = NULL;
        goto done;
    }
    hash = malloc(PASSWORD_ENCODED_MAX);
    if (!hash || password_hash(&c->app->cfg, pw1, l1, hash) != 0) {
        http_unavailable(c);
        goto done;
    }
    admin_status_t st = admin_set_password(&actor, id, hash, &revoked, &r);
    if (st != ADMIN_OK) {
        reply_status(c, st);
        goto done;
    }
    if (actor.id == id) { /* own password: the other sessions end, this one stays */
        cJSON *h;
        cJSON_ArrayForEach(h, revoked)
        events_session_revoked(c->app->bus, id, h->valuestring, "password_changed");
    } else {
        events_session_revoked(c->app->bus, id, NULL, "password_changed");
    }
    c->resp->forget_user = id;
    reply_ok(c);
done:
    cJSON_Delete(errors);
    cJSON_Delete(revoked);
    admin_result_free(&r);
    user_free(&u);
    free(pw1);
    free(pw2);
    free(hash);
    body_free(&b);
}

void h_admin_avatar(call_t *c)
{
    int64_t id;
    body_t b = {0};
    avatar_image_t img = {0};
    admin_result_t r = {0};
    cJSON *errors = NULL;
    if (!gate(c) || !path_id(c, &id))
        return;
    body_parse(c->req, c->app->cfg.upload_max_bytes, &b);
    if (b.status == BODY_FILE_TOO_LARGE) {
        char msg[128];
        snprintf(msg, sizeof msg, "Файл слишком большой (не более %zu МБ).",
                 c->app->cfg.upload_max_bytes / (1024 * 1024));
        errors = cJSON_CreateObject();
        add_error(errors, "image", msg);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "errors", errors);
        cJSON_AddStringToObject(o, "code", "file_too_large");
        http_resp_json(c->resp, 413, o);
        errors = NULL;
        goto done;
    }
    if (!body_usable(c, &b))
        goto done;
    errors = cJSON_CreateObject();
    const multipart_part_t *f = body_file(&b, "image");
    if (!f || !f->filename[0]) {
        add_error(errors, "image", "Обязательное поле.");
        reply_errors(c, errors, "validation_failed");
        errors = NULL;
        goto done;
    }
    if (!http_image_field(c, f, errors, &img)) {
        reply_errors(c, errors, "validation_failed");
        errors = NULL;
        goto done;
    }
    admin_actor_t actor = actor_of(c);
    admin_status_t st = admin_set_avatar(&actor, id, &img, &r);
    if (st != ADMIN_OK) {
        reply_status(c, st);
        goto done;
    }
    if (r.changed)
        publish_changes(c, &r);
    reply_user(c, 200, &r.after);
done:
    cJSON_Delete(errors);
    avatar_image_free(&img);
    admin_result_free(&r);
    body_free(&b);
}

/* ---------------------------------------------------------------- audit */

static const char *const AUDIT_ACTIONS[] = {"create", "update", "delete", "password", "bulk_delete", NULL};
static const char *const AUDIT_TYPES[] = {"user", "room", "message", NULL};

void h_admin_audit(call_t *c)
{
    audit_filter_t f = {0};
    long limit = 0, object_id = 0;
    char *actor = NULL;
    if (!gate(c))
        return;
    char *oid = query_param(c, "object_id");
    f.has_object_id = oid != NULL;
    free(oid);
    if (!enum_param(c, "object_type", AUDIT_TYPES, &f.object_type) ||
        !enum_param(c, "action", AUDIT_ACTIONS, &f.action) ||
        !int_param(c, "object_id", 0, 1, 0x7fffffffffffffffL, &object_id) ||
        !time_param(c, "since", &f.has_since, &f.since_us) || !time_param(c, "until", &f.has_until, &f.until_us) ||
        !time_param(c, "before", &f.has_before, &f.before_us) ||
        !int_param(c, "limit", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX, &limit))
        return;
    actor = query_param(c, "actor");
    if (actor && !text_valid_utf8(actor, strlen(actor))) {
        free(actor);
        invalid_filter(c, "actor", "Некорректная кодировка текста");
        return;
    }
    f.actor = actor;
    f.object_id = object_id;
    f.limit = (int)limit;
    cJSON *results = NULL;
    char next[AUDIT_AT_LEN];
    if (!audit_log_query("auth", &f, &results, next)) {
        free(actor);
        http_unavailable(c);
        return;
    }
    free(actor);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "results", results);
    if (next[0])
        cJSON_AddStringToObject(o, "nextBefore", next);
    else
        cJSON_AddNullToObject(o, "nextBefore");
    http_resp_json(c->resp, 200, o);
}
