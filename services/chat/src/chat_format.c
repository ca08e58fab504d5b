/* Pure rules of the chat contract: avatar URLs, history paging parameters
 * and message text checks (timestamps are common/isotime's). No I/O, so all
 * of it is unit-tested. */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/http_route.h"
#include "echo/text.h"

static bool is_absolute_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static char *join3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *out = malloc(la + lb + lc + 1);
    if (!out)
        abort();
    memcpy(out, a, la);
    memcpy(out + la, b, lb);
    memcpy(out + la + lb, c, lc + 1);
    return out;
}

/* Django's filepath_to_uri: quote(path, safe="/~!*()'"). */
static char *percent_encode_path(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(s);
    char *out = malloc(len * 3 + 1);
    if (!out)
        abort();
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("_.-/~!*()'", c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

char *chat_history_avatar_url(const char *base_url, const char *avatar)
{
    if (!avatar || !*avatar)
        avatar = "default.jpg";
    if (is_absolute_url(avatar))
        return strdup(avatar);
    char *enc = percent_encode_path(avatar);
    char *url = join3(base_url ? base_url : "", "/media/", enc);
    free(enc);
    return url;
}

char *chat_frame_avatar_url(const char *base_url, const char *avatar)
{
    if (!avatar || !*avatar)
        return NULL;
    if (is_absolute_url(avatar))
        return strdup(avatar);
    return join3(base_url ? base_url : "", "/media/", avatar);
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

bool chat_parse_int(const char *s, int64_t *out)
{
    if (!s)
        return false;
    while (is_space(*s))
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (*s < '0' || *s > '9')
        return false;
    int64_t v = 0;
    bool prev_digit = false;
    for (; *s && !is_space(*s); s++) {
        if (*s == '_' && prev_digit && s[1] >= '0' && s[1] <= '9') {
            prev_digit = false;
            continue;
        }
        if (*s < '0' || *s > '9')
            return false;
        int d = *s - '0';
        v = v > (INT64_MAX - d) / 10 ? INT64_MAX : v * 10 + d;
        prev_digit = true;
    }
    while (is_space(*s))
        s++;
    if (*s)
        return false;
    *out = neg ? -v : v;
    return true;
}

static bool query_int(const char *query, const char *key, int64_t *out)
{
    char *v = http_form_get(query, strlen(query), key);
    bool ok = v && chat_parse_int(v, out);
    free(v);
    return ok;
}

void chat_page_parse(const char *query, chat_page_t *out)
{
    memset(out, 0, sizeof *out);
    int64_t v;
    out->limit = 50;
    if (query_int(query, "limit", &v))
        out->limit = v < 1 ? 1 : v > 200 ? 200 : (int)v;
    out->has_before = query_int(query, "before", &out->before);
    out->has_after = query_int(query, "after", &out->after);
    if (out->has_after)
        out->has_before = false;
}

chat_text_status_t chat_text_check(const char *text, size_t len, long max_length, char **out)
{
    *out = NULL;
    if (!text_valid_utf8(text, len))
        return CHAT_TEXT_INVALID;
    char *trimmed = text_strip(text, len);
    if (!trimmed)
        return CHAT_TEXT_INVALID;
    size_t tlen = strlen(trimmed);
    if (tlen == 0) {
        free(trimmed);
        return CHAT_TEXT_EMPTY;
    }
    if (text_codepoints(trimmed, tlen) > (size_t)max_length) {
        free(trimmed);
        return CHAT_TEXT_TOO_LONG;
    }
    *out = trimmed;
    return CHAT_TEXT_OK;
}

bool chat_json_has_nul_escape(const char *json, size_t len)
{
    if (memchr(json, '\0', len))
        return true;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (!in_string) {
            in_string = c == '"';
            continue;
        }
        if (c == '"') {
            in_string = false;
        } else if (c == '\\' && i + 1 < len) {
            if (json[i + 1] == 'u' && i + 5 < len && memcmp(json + i + 2, "0000", 4) == 0)
                return true;
            i++; /* skip the escaped character (a backslash or a quote included) */
        }
    }
    return false;
}

char *chat_like_pattern(const char *q)
{
    size_t len = strlen(q);
    char *out = malloc(len * 2 + 3);
    if (!out)
        abort();
    size_t o = 0;
    out[o++] = '%';
    for (size_t i = 0; i < len; i++) {
        if (q[i] == '\\' || q[i] == '%' || q[i] == '_')
            out[o++] = '\\';
        out[o++] = q[i];
    }
    out[o++] = '%';
    out[o] = '\0';
    return out;
}

char *chat_label(const char *text, size_t max)
{
    size_t len = strlen(text), cut = 0, cps = 0;
    while (cut < len && cps < max) {
        cut++;
        while (cut < len && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut++;
        cps++;
    }
    bool longer = cut < len;
    char *out = malloc(cut + 4);
    if (!out)
        abort();
    memcpy(out, text, cut);
    memcpy(out + cut, longer ? "..." : "", longer ? 4 : 1);
    return out;
}
