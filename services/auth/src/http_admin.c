/* The auth half of the admin API (docs/admin-api.md "Users and profiles",
 * "Audit log"; decision P16, admin.md M2, M4, M5). The gateway already
 * refuses guests and non-staff; every handler checks again against the
 * session as auth resolves it from the database, which also sees a staff
 * flag removed a moment ago. Runs on the echochat.auth.http workers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_store.h"
#include "body.h"
#include "echo/admin_list.h"
#include "echo/admin_query.h"
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

/* The last list page auth accepts (chat's admin lists go further). */
#define PAGE_MAX 1000000
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
    if (admin_id_parse(c->req->params[0], id)) return true;
    http_error(c, 404, "not_found", "Not found");
    return false;
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

/* The page's AdminUser objects; last_seen of the whole page in one request. */
static cJSON *users_json(PGresult *rows, void *ctx)
{
    call_t *c = ctx;
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
    cJSON *results = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(results, admin_user_json(&users[i], c->req->base_url, seen));
        user_free(&users[i]);
    }
    cJSON_Delete(seen);
    free(users);
    free(names);
    return results;
}

static void users_list(call_t *c)
{
    const char *active, *staff, *super, *sort;
    bool has_after, has_before;
    int64_t after_us = 0, before_us = 0;
    admin_page_t page;
    char *q = NULL;
    const http_req_t *req = c->req;
    http_resp_t *resp = c->resp;
    if (!admin_query_bool(req, resp, "is_active", &active) ||
        !admin_query_bool(req, resp, "is_staff", &staff) ||
        !admin_query_bool(req, resp, "is_superuser", &super) ||
        !admin_query_time(req, resp, "joined_after", &has_after, &after_us) ||
        !admin_query_time(req, resp, "joined_before", &has_before, &before_us) ||
        !admin_query_enum(req, resp, "sort", USER_SORTS, &sort) ||
        !admin_query_page(req, resp, PAGE_MAX, &page) || !admin_query_text(req, resp, "q", &q))
        return;
    int order = 1;
    for (int i = 0; sort && USER_SORTS[i]; i++)
        if (strcmp(sort, USER_SORTS[i]) == 0)
            order = i;
    char after[24], before[24];
    snprintf(after, sizeof after, "%lld", (long long)after_us);
    snprintf(before, sizeof before, "%lld", (long long)before_us);
    const char *filter[] = {q, active, staff, super, has_after ? after : NULL, has_before ? before : NULL};
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT " USER_COLUMNS USERS_WHERE " ORDER BY %s LIMIT $7 OFFSET $8",
             USER_ORDER[order]);
    admin_list_answer(resp, sql, "SELECT count(*)" USERS_WHERE, filter, 6, &page, users_json, c);
    free(q);
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
        http_errors(c, 400, code, errors);
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
        http_errors(c, 400, "username_taken", errors);
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
        http_errors(c, 400, "validation_failed", errors);
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
        http_errors(c, 400, "username_taken", errors);
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
        http_errors(c, 400, code, errors);
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
        http_file_too_large(c);
        goto done;
    }
    if (!body_usable(c, &b))
        goto done;
    errors = cJSON_CreateObject();
    const multipart_part_t *f = body_file(&b, "image");
    if (!f || !f->filename[0]) {
        add_error(errors, "image", "Обязательное поле.");
        http_errors(c, 400, "validation_failed", errors);
        errors = NULL;
        goto done;
    }
    if (!http_image_field(c, f, errors, &img)) {
        http_errors(c, 400, "validation_failed", errors);
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

void h_admin_audit(call_t *c)
{
    if (gate(c))
        admin_query_audit("auth", c->req, c->resp);
}
