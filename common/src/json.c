/* JSON helpers: typed access over cJSON and the reference output format. */
#include "echo/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *json_parse(const char *data, size_t len)
{
    if (!data || len == 0)
        return NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, false);
    if (!root)
        return NULL;
    /* cJSON stops at the end of the first value; only whitespace may follow. */
    for (const char *p = end; p && p < data + len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            cJSON_Delete(root);
            return NULL;
        }
    }
    return root;
}

const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool json_int(const cJSON *obj, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d) || d < -9007199254740992.0 || d > 9007199254740992.0)
        return false;
    *out = (int64_t)d;
    return true;
}

bool json_bool(const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsBool(v))
        return false;
    *out = cJSON_IsTrue(v);
    return true;
}

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf_t;

static void sb_reserve(sbuf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->buf = realloc(b->buf, cap);
    if (!b->buf)
        abort();
    b->cap = cap;
}

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void sb_puts(sbuf_t *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* Decodes one UTF-8 sequence; returns its length, or 1 with U+FFFD when the
 * bytes are not well-formed UTF-8 (cJSON accepts any bytes in strings):
 * truncated or bad continuations, overlong forms, surrogates, and values
 * above U+10FFFF all become U+FFFD, so the printer never emits an escape the
 * parser would refuse. */
static size_t utf8_next(const unsigned char *p, uint32_t *cp)
{
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    int n = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    *cp = 0xFFFD;
    if (n == 0)
        return 1;
    uint32_t v = p[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min_for_len[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 1;
    *cp = v;
    return (size_t)n;
}

static void put_string_ascii(sbuf_t *b, const char *s)
{
    sb_put(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    char tmp[16];
    while (*p) {
        uint32_t cp;
        size_t n = utf8_next(p, &cp);
        p += n;
        switch (cp) {
        case '"': sb_put(b, "\\\"", 2); break;
        case '\\': sb_put(b, "\\\\", 2); break;
        case '\n': sb_put(b, "\\n", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        case '\b': sb_put(b, "\\b", 2); break;
        case '\f': sb_put(b, "\\f", 2); break;
        default:
            if (cp < 0x20 || (cp >= 0x7F && cp < 0x10000)) {
                snprintf(tmp, sizeof tmp, "\\u%04x", cp);
                sb_puts(b, tmp);
            } else if (cp >= 0x10000) {
                uint32_t v = cp - 0x10000;
                snprintf(tmp, sizeof tmp, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
                sb_puts(b, tmp);
            } else {
                char c = (char)cp;
                sb_put(b, &c, 1);
            }
        }
    }
    sb_put(b, "\"", 1);
}

static void put_number(sbuf_t *b, double d)
{
    char tmp[64];
    if (!isfinite(d))
        snprintf(tmp, sizeof tmp, "null");
    else if (d == floor(d) && fabs(d) < 1e15)
        snprintf(tmp, sizeof tmp, "%.0f", d);
    else
        snprintf(tmp, sizeof tmp, "%.17g", d);
    sb_puts(b, tmp);
}

static void put_value(sbuf_t *b, const cJSON *v)
{
    if (cJSON_IsNull(v) || cJSON_IsInvalid(v)) {
        sb_puts(b, "null");
    } else if (cJSON_IsTrue(v)) {
        sb_puts(b, "true");
    } else if (cJSON_IsFalse(v)) {
        sb_puts(b, "false");
    } else if (cJSON_IsNumber(v)) {
        put_number(b, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        put_string_ascii(b, v->valuestring ? v->valuestring : "");
    } else if (cJSON_IsRaw(v)) {
        sb_puts(b, v->valuestring ? v->valuestring : "null");
    } else if (cJSON_IsArray(v)) {
        sb_put(b, "[", 1);
        for (const cJSON *c = v->child; c; c = c->next) {
            put_value(b, c);
            if (c->next)
                sb_put(b, ", ", 2);
        }
        sb_put(b, "]", 1);
    } else if (cJSON_IsObject(v)) {
        sb_put(b, "{", 1);
        for (const cJSON *c = v->child; c; c = c->next) {
            put_string_ascii(b, c->string ? c->string : "");
            sb_put(b, ": ", 2);
            put_value(b, c);
            if (c->next)
                sb_put(b, ", ", 2);
        }
        sb_put(b, "}", 1);
    }
}

char *json_print_compat(const cJSON *item, size_t *len_out)
{
    sbuf_t b = {0};
    sb_reserve(&b, 64);
    put_value(&b, item);
    if (len_out)
        *len_out = b.len;
    return b.buf;
}

char *json_print_compact(const cJSON *item, size_t *len_out)
{
    char *s = cJSON_PrintUnformatted(item);
    if (!s)
        abort();
    if (len_out)
        *len_out = strlen(s);
    return s;
}
