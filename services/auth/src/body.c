/* Body decoding shared by the auth handlers. JSON is validated as UTF-8 and
 * scanned for \u0000 escapes first, because cJSON would silently cut such a
 * string short. Runs on bus worker threads; no shared state. */
#include "body.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "echo/json.h"
#include "echo/text.h"

/* True when the JSON text contains a \u0000 escape outside of an escaped
 * backslash. */
static bool json_has_nul_escape(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0)
            return true;
        i++; /* skip the escaped character */
    }
    return false;
}

static bool ct_is(const char *ct, const char *type)
{
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strlen(type);
    return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

void body_parse(const http_req_t *req, size_t max_bytes, body_t *out)
{
    memset(out, 0, sizeof *out);
    const char *ct = req->content_type ? req->content_type : "";
    if (ct_is(ct, "application/x-www-form-urlencoded")) {
        if (req->body_len > max_bytes) {
            out->status = BODY_FIELDS_TOO_LARGE;
            return;
        }
        out->form = req->body;
        out->form_len = req->body_len;
        /* An empty form (no key at all) is an empty body. */
        out->status = req->body_len == 0 ? BODY_EMPTY : BODY_OK;
        return;
    }
    if (ct_is(ct, "multipart/form-data")) {
        char boundary[MULTIPART_BOUNDARY_MAX + 1];
        if (!multipart_boundary(ct, boundary)) {
            out->status = BODY_MALFORMED;
            return;
        }
        multipart_limits_t lim = {.max_parts = 64, .max_files = 1, .max_field_bytes = max_bytes,
                                  .max_file_bytes = max_bytes};
        multipart_status_t st = multipart_parse(req->body, req->body_len, boundary, &lim, &out->mp);
        out->is_multipart = true;
        switch (st) {
        case MULTIPART_OK:
            out->status = out->mp.nparts ? BODY_OK : BODY_EMPTY;
            break;
        case MULTIPART_FILE_TOO_BIG:
            out->status = BODY_FILE_TOO_LARGE;
            break;
        case MULTIPART_FIELDS_TOO_BIG:
            out->status = BODY_FIELDS_TOO_LARGE;
            break;
        default:
            out->status = BODY_MALFORMED;
            break;
        }
        return;
    }
    if (req->body_len == 0) {
        out->status = BODY_EMPTY;
        return;
    }
    if (req->body_len > max_bytes) {
        out->status = BODY_FIELDS_TOO_LARGE;
        return;
    }
    if (!text_valid_utf8(req->body, req->body_len) || json_has_nul_escape(req->body, req->body_len)) {
        out->status = BODY_MALFORMED;
        return;
    }
    out->json = json_parse(req->body, req->body_len);
    if (!out->json || cJSON_IsNull(out->json)) {
        out->status = BODY_EMPTY;
    } else if (!cJSON_IsObject(out->json)) {
        out->status = BODY_NOT_OBJECT;
    } else {
        out->status = out->json->child ? BODY_OK : BODY_EMPTY;
    }
}

void body_free(body_t *b)
{
    cJSON_Delete(b->json);
    multipart_free(&b->mp);
    memset(b, 0, sizeof *b);
}

static char *copy_bytes(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c)
        abort();
    if (n)
        memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

/* The urlencoded value with its true length (NUL bytes kept, so the caller
 * can report them). */
static bool form_value(const char *data, size_t len, const char *key, char **value, size_t *vlen)
{
    size_t klen = strlen(key);
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pair_end = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pair_end - p));
        const char *name_end = eq ? eq : pair_end;
        char *name = http_unescape(p, (size_t)(name_end - p), true);
        bool match = name && strlen(name) == klen && memcmp(name, key, klen) == 0;
        free(name);
        if (match) {
            const char *v = eq ? eq + 1 : pair_end;
            char *dec = http_unescape(v, (size_t)(pair_end - v), true);
            if (!dec) {
                /* contains %00: keep a marker NUL so the caller reports it */
                *value = copy_bytes("\0", 1);
                *vlen = 1;
            } else {
                *value = dec;
                *vlen = strlen(dec);
            }
            return true;
        }
        p = pair_end + 1;
    }
    return false;
}

field_kind_t body_field(const body_t *b, const char *name, char **value, size_t *len)
{
    *value = NULL;
    *len = 0;
    if (b->status != BODY_OK)
        return FIELD_ABSENT;
    if (b->json) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(b->json, name);
        if (!v)
            return FIELD_ABSENT;
        if (cJSON_IsString(v)) {
            *len = strlen(v->valuestring);
            *value = copy_bytes(v->valuestring, *len);
            return *len ? FIELD_STRING : FIELD_FALSY;
        }
        bool falsy = cJSON_IsNull(v) || cJSON_IsFalse(v) || (cJSON_IsNumber(v) && v->valuedouble == 0) ||
                     ((cJSON_IsArray(v) || cJSON_IsObject(v)) && !v->child);
        return falsy ? FIELD_FALSY : FIELD_BAD_TYPE;
    }
    if (b->is_multipart) {
        const multipart_part_t *p = multipart_get(&b->mp, name);
        if (!p || p->filename)
            return FIELD_ABSENT;
        *value = copy_bytes(p->data, p->len);
        *len = p->len;
        return p->len ? FIELD_STRING : FIELD_FALSY;
    }
    if (!form_value(b->form, b->form_len, name, value, len))
        return FIELD_ABSENT;
    return *len ? FIELD_STRING : FIELD_FALSY;
}

const multipart_part_t *body_file(const body_t *b, const char *name)
{
    if (!b->is_multipart || b->status != BODY_OK)
        return NULL;
    const multipart_part_t *p = multipart_get(&b->mp, name);
    return p && p->filename ? p : NULL;
}
