/* profile/ (GET, POST: full replace with avatar upload) and users/<name>/
 * (api.md §4.8–4.10, D8, P13). Validation errors come back as
 * {"errors": {field: [msg]}} without an "error" key, like the reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avatar.h"
#include "body.h"
#include "echo/log.h"
#include "echo/text.h"
#include "events.h"
#include "http.h"
#include "last_seen.h"
#include "user.h"
#include "username.h"

#define MSG_AUTH_REQUIRED "Требуется авторизация"
#define MSG_NUL "Данные содержат запрещённый символ: ноль-байт"
#define MSG_EMAIL "Введите правильный адрес электронной почты."
#define MSG_NOT_STRING "Ожидается строка"
#define MSG_IMAGE_INVALID                                                                          \
    "Загрузите правильное изображение. Файл, который вы загрузили, поврежден или не является "      \
    "изображением."
#define MSG_IMAGE_EMPTY "Отправленный файл пуст."
#define BIO_MAX 1000
#define EMAIL_MAX 254
#define FILENAME_MAX_CHARS 100

static void require_login(call_t *c)
{
    http_error(c, 401, "auth_required", MSG_AUTH_REQUIRED);
}

void h_public_user(call_t *c)
{
    user_t u = {0};
    const char *name = c->req->params[0];
    user_status_t us = text_valid_utf8(name, strlen(name)) ? user_by_username(name, &u) : USER_MISSING;
    if (us == USER_ERROR) {
        http_unavailable(c);
    } else if (us == USER_MISSING) {
        http_error(c, 404, "not_found", "Not found");
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON *pub = user_json_public(&u, c->req->base_url);
        const char *names[] = {u.username};
        cJSON *seen = last_seen_lookup(c->app->bus, names, 1);
        cJSON_ReplaceItemInObjectCaseSensitive(pub, "lastSeen", last_seen_value(seen, u.username));
        cJSON_Delete(seen);
        cJSON_AddItemToObject(o, "user", pub);
        http_resp_json(c->resp, 200, o);
    }
    user_free(&u);
}

static void reply_own(call_t *c)
{
    user_t u = {0};
    user_status_t us = user_by_id(c->user.id, &u);
    if (us == USER_FOUND) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "user", user_json_own(&u, c->req->base_url));
        http_resp_json(c->resp, 200, o);
    } else if (us == USER_MISSING) {
        require_login(c); /* deleted between resolve and read */
    } else {
        http_unavailable(c);
    }
    user_free(&u);
}

static void add_error(cJSON *errors, const char *field, const char *msg)
{
    cJSON_AddItemToArray(cJSON_AddArrayToObject(errors, field), cJSON_CreateString(msg));
}

/* The reference EmailValidator, simplified: dot-atom local part, and a
 * domain of LDH labels (Unicode letters allowed, as IDNA would encode them)
 * ending in a TLD of at least two characters, or "localhost". */
bool http_email_valid(const char *e)
{
    const char *at = strrchr(e, '@');
    if (!at || at == e || !at[1])
        return false;
    static const char local_ok[] = "!#$%&'*+/=?^_`{|}~-";
    bool prev_dot = true;
    for (const char *p = e; p < at; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '.') {
            if (prev_dot)
                return false;
            prev_dot = true;
            continue;
        }
        prev_dot = false;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr(local_ok, ch)))
            return false;
    }
    if (prev_dot)
        return false;
    const char *domain = at + 1;
    if (strcmp(domain, "localhost") == 0)
        return true;
    size_t label = 0, labels = 0;
    bool label_has_alpha = false;
    unsigned char last = 0;
    for (const char *p = domain;; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '.' || ch == '\0') {
            if (label == 0 || label > 63 || last == '-')
                return false;
            labels++;
            if (ch == '\0')
                break;
            label = 0;
            label_has_alpha = false;
            continue;
        }
        if (label == 0 && ch == '-')
            return false;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch >= 0x80))
            return false;
        if (!(ch >= '0' && ch <= '9'))
            label_has_alpha = true;
        label++;
        last = ch;
    }
    /* the last label is the TLD */
    return labels >= 2 && label_has_alpha && label >= 2;
}

/* One text field of the form: strips, checks NUL/UTF-8/length. Returns the
 * heap cleaned value, or NULL with an error added. Absent/falsy → "". */
static char *text_field(const body_t *b, cJSON *errors, const char *field, size_t max, bool required)
{
    char *raw = NULL, *out = NULL;
    size_t len = 0;
    field_kind_t k = body_field(b, field, &raw, &len);
    char msg[256];
    if (k == FIELD_BAD_TYPE) {
        add_error(errors, field, MSG_NOT_STRING);
    } else if (k != FIELD_STRING) {
        if (required)
            add_error(errors, field, "Обязательное поле.");
        else
            out = strdup("");
    } else if (memchr(raw, '\0', len)) {
        add_error(errors, field, MSG_NUL);
    } else if (!text_valid_utf8(raw, len)) {
        add_error(errors, field, strcmp(field, "email") == 0 ? MSG_EMAIL : "Некорректная кодировка текста.");
    } else {
        out = text_strip(raw, len);
        size_t n = text_codepoints(out, strlen(out));
        if (max && n > max) {
            snprintf(msg, sizeof msg, "Убедитесь, что это значение содержит не более %zu символов (сейчас %zu).",
                     max, n);
            add_error(errors, field, msg);
            free(out);
            out = NULL;
        }
    }
    free(raw);
    return out;
}

/* The uploaded image: validated and processed in the reference's order
 * (empty, name length, decodable, extension). Returns true when an image
 * is ready in *img. */
bool http_image_field(call_t *c, const multipart_part_t *f, cJSON *errors, avatar_image_t *img)
{
    char msg[512];
    size_t nlen = strlen(f->filename);
    if (f->len == 0) {
        add_error(errors, "image", MSG_IMAGE_EMPTY);
        return false;
    }
    if (!text_valid_utf8(f->filename, nlen)) {
        add_error(errors, "image", MSG_IMAGE_INVALID);
        return false;
    }
    size_t chars = text_codepoints(f->filename, nlen);
    if (chars > FILENAME_MAX_CHARS) {
        snprintf(msg, sizeof msg,
                 "Убедитесь, что это имя файла содержит не более %d символов (сейчас %zu).",
                 FILENAME_MAX_CHARS, chars);
        add_error(errors, "image", msg);
        return false;
    }
    avatar_status_t st = avatar_process(f->data, f->len, AVATAR_MAX_PIXELS, img);
    if (st == AVATAR_TOO_BIG) {
        snprintf(msg, sizeof msg, "Изображение слишком большое: не более %ld мегапикселей.",
                 AVATAR_MAX_PIXELS / 1000000);
        add_error(errors, "image", msg);
        return false;
    }
    if (st == AVATAR_ERROR) {
        log_error("profile: avatar encoding failed");
    }
    if (st != AVATAR_OK) {
        add_error(errors, "image", MSG_IMAGE_INVALID);
        return false;
    }
    const char *slash = strrchr(f->filename, '/');
    const char *base = slash ? slash + 1 : f->filename;
    const char *dot = strrchr(base, '.');
    char ext[128];
    snprintf(ext, sizeof ext, "%s", dot ? dot + 1 : "");
    for (char *p = ext; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (!avatar_ext_allowed(ext)) {
        snprintf(msg, sizeof msg, "Расширение файлов “%s” не поддерживается. Разрешенные расширения: %s.",
                 ext, AVATAR_ALLOWED_EXTS);
        add_error(errors, "image", msg);
        avatar_image_free(img);
        return false;
    }
    return true;
}

static void profile_post(call_t *c)
{
    body_t b;
    char *norm = NULL, *email = NULL, *bio = NULL, *old_name = NULL, *old_avatar = NULL;
    avatar_image_t img = {0};
    bool have_img = false;
    cJSON *errors = cJSON_CreateObject();
    body_parse(c->req, c->app->cfg.upload_max_bytes, &b);
    if (b.status == BODY_FILE_TOO_LARGE) {
        http_file_too_large(c);
        goto done;
    }
    if (b.status == BODY_FIELDS_TOO_LARGE || b.status == BODY_MALFORMED || b.status == BODY_NOT_OBJECT) {
        add_error(errors, "body", b.status == BODY_FIELDS_TOO_LARGE ? "Слишком большое тело запроса"
                                                                   : "Неверное тело запроса");
        http_errors(c, 400, "invalid_body", errors);
        errors = NULL;
        goto done;
    }

    /* username: required, rules of registration, unique among others. */
    char *raw = NULL;
    size_t rlen = 0, count = 0;
    field_kind_t uk = body_field(&b, "username", &raw, &rlen);
    if (uk == FIELD_BAD_TYPE) {
        add_error(errors, "username", MSG_NOT_STRING);
    } else {
        username_status_t ust = uk == FIELD_STRING ? username_clean(raw, rlen, &norm, &count)
                                                   : USERNAME_REQUIRED;
        if (ust != USERNAME_OK) {
            char msg[512];
            username_message(ust, count, msg, sizeof msg);
            add_error(errors, "username", msg);
        } else {
            user_t other = {0};
            user_status_t us = user_by_username(norm, &other);
            bool taken = us == USER_FOUND && other.id != c->user.id;
            user_free(&other);
            if (us == USER_ERROR) {
                free(raw);
                http_unavailable(c);
                goto done;
            }
            if (taken)
                add_error(errors, "username", USERNAME_MSG_TAKEN);
        }
    }
    free(raw);

    email = text_field(&b, errors, "email", 0, false);
    if (email && *email) {
        size_t n = text_codepoints(email, strlen(email));
        if (!http_email_valid(email)) {
            add_error(errors, "email", MSG_EMAIL);
        } else if (n > EMAIL_MAX) {
            char msg[160];
            snprintf(msg, sizeof msg, "Убедитесь, что это значение содержит не более %d символов (сейчас %zu).",
                     EMAIL_MAX, n);
            add_error(errors, "email", msg);
        }
    }
    bio = text_field(&b, errors, "bio", BIO_MAX, false);

    const multipart_part_t *f = body_file(&b, "image");
    if (f && f->filename[0]) /* an empty file input sends filename="" */
        have_img = http_image_field(c, f, errors, &img);

    if (errors->child) {
        http_errors(c, 400, "validation_failed", errors);
        errors = NULL;
        goto done;
    }

    profile_status_t ps = user_save_profile(c->user.id, norm, email, bio, have_img ? &img : NULL,
                                            &old_name, &old_avatar);
    if (ps == PROFILE_NAME_TAKEN) {
        add_error(errors, "username", USERNAME_MSG_TAKEN);
        http_errors(c, 400, "validation_failed", errors);
        errors = NULL;
        goto done;
    }
    if (ps != PROFILE_SAVED) {
        http_unavailable(c);
        goto done;
    }
    bool renamed = strcmp(old_name, norm) != 0;
    bool new_avatar = have_img && strcmp(old_avatar, img.name) != 0;
    if (renamed || new_avatar)
        events_user_updated(c->app->bus, c->user.id, norm, have_img ? img.name : old_avatar,
                            renamed ? old_name : NULL);
    else /* email or bio may have changed: the gateways show them on session/ */
        events_profile_updated(c->app->bus, c->user.id);
    c->resp->forget_user = c->user.id;
    reply_own(c);
done:
    cJSON_Delete(errors);
    avatar_image_free(&img);
    free(norm);
    free(email);
    free(bio);
    free(old_name);
    free(old_avatar);
    body_free(&b);
}

void h_profile(call_t *c)
{
    if (c->session == SESSION_ERROR) {
        http_unavailable(c);
        return;
    }
    if (c->session != SESSION_FOUND) {
        require_login(c);
        return;
    }
    if (strcmp(c->req->method, "GET") == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "user", user_json_own(&c->account, c->req->base_url));
        http_resp_json(c->resp, 200, o);
    } else {
        profile_post(c);
    }
}
