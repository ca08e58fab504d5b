/* Handshake policy of the WebSocket front: paths, Origin, base/avatar URLs
 * (see ws_policy.h). Mirrors the reference's rules with W2/W5 applied. */
#define _GNU_SOURCE /* asprintf */
#include "ws_policy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "echo/json.h"
#include "echo/text.h"

static int ws_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

ws_path_kind_t ws_path_parse(const char *path, bool decoded, char **room, size_t *room_len)
{
    static const char chat[] = "/ws/chat/";
    size_t len = strcspn(path, "?");
    if (len == strlen("/ws/presence/") && strncmp(path, "/ws/presence/", len) == 0)
        return WS_PATH_PRESENCE;
    size_t plen = sizeof chat - 1;
    if (len <= plen + 1 || strncmp(path, chat, plen) != 0 || path[len - 1] != '/')
        return WS_PATH_NONE;
    const char *seg = path + plen;
    size_t seg_len = len - plen - 1;
    if (memchr(seg, '/', seg_len)) return WS_PATH_NONE;
    char *out = malloc(seg_len + 1);
    if (!out) return WS_PATH_NONE;
    size_t n = 0;
    for (size_t i = 0; i < seg_len; i++) {
        char c = seg[i];
        if (!decoded && c == '%') {
            int hi = i + 2 < seg_len ? ws_hexval(seg[i + 1]) : -1;
            int lo = i + 2 < seg_len ? ws_hexval(seg[i + 2]) : -1;
            if (hi < 0 || lo < 0) goto bad;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '/' || c == '\0') goto bad;
        out[n++] = c;
    }
    if (n == 0) goto bad;
    out[n] = '\0';
    *room = out;
    *room_len = n;
    return WS_PATH_CHAT;
bad:
    free(out);
    return WS_PATH_NONE;
}

typedef struct {
    char scheme[16];
    char host[256]; /* lowercase, IPv6 without brackets */
    int port;       /* -1 when absent */
} ws_url_t;

/* Parses "scheme://host[:port][/...]" or, with no_scheme, "host[:port]". */
static bool ws_url_parse(const char *s, bool no_scheme, ws_url_t *u)
{
    memset(u, 0, sizeof *u);
    u->port = -1;
    const char *p = s;
    if (!no_scheme) {
        const char *sep = strstr(s, "://");
        if (!sep || sep == s || (size_t)(sep - s) >= sizeof u->scheme) return false;
        for (size_t i = 0; i < (size_t)(sep - s); i++)
            u->scheme[i] = (char)tolower((unsigned char)s[i]);
        p = sep + 3;
    }
    size_t auth_len = strcspn(p, "/?#");
    const char *host = p, *hend;
    if (*p == '[') {
        hend = memchr(p, ']', auth_len);
        if (!hend) return false;
        host = p + 1;
        p = hend + 1;
    } else {
        const char *colon = memchr(p, ':', auth_len);
        hend = colon ? colon : p + auth_len;
        p = hend;
    }
    size_t hlen = (size_t)(hend - host);
    if (hlen == 0 || hlen >= sizeof u->host) return false;
    for (size_t i = 0; i < hlen; i++)
        u->host[i] = (char)tolower((unsigned char)host[i]);
    if (*p == ':') {
        char *end = NULL;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 0 || port > 65535) return false;
        u->port = (int)port;
    }
    return true;
}

static int ws_default_port(const char *scheme)
{
    if (!strcmp(scheme, "https") || !strcmp(scheme, "wss")) return 443;
    if (!strcmp(scheme, "http") || !strcmp(scheme, "ws")) return 80;
    return -1;
}

/* Django's is_same_domain: exact, or ".example.com" = the domain and its
 * subdomains. Both lowercase. */
static bool ws_same_domain(const char *host, const char *pattern)
{
    if (pattern[0] == '.') {
        size_t hl = strlen(host), pl = strlen(pattern);
        return !strcmp(host, pattern + 1) || (hl > pl && !strcmp(host + hl - pl, pattern));
    }
    return !strcmp(host, pattern);
}

bool ws_origin_allowed(char *const *allowed_hosts, const char *origin)
{
    for (size_t i = 0; allowed_hosts && allowed_hosts[i]; i++)
        if (!strcmp(allowed_hosts[i], "*")) return true;
    if (!origin || !*origin || !strcasecmp(origin, "null")) return false;
    ws_url_t o;
    if (!ws_url_parse(origin, false, &o)) return false;
    for (size_t i = 0; allowed_hosts && allowed_hosts[i]; i++) {
        const char *entry = allowed_hosts[i];
        bool has_scheme = strstr(entry, "://") != NULL;
        ws_url_t pat;
        if (entry[0] == '.' && !has_scheme) {
            char low[256];
            size_t n = strlen(entry);
            if (n >= sizeof low) continue;
            for (size_t k = 0; k <= n; k++)
                low[k] = (char)tolower((unsigned char)entry[k]);
            char *colon = strchr(low, ':');
            if (colon) *colon = '\0';
            if (ws_same_domain(o.host, low)) return true;
            continue;
        }
        if (!ws_url_parse(entry, !has_scheme, &pat)) continue;
        if (!ws_same_domain(o.host, pat.host)) continue;
        if (!has_scheme) return true;
        if (strcmp(o.scheme, pat.scheme) != 0) continue;
        int op = o.port >= 0 ? o.port : ws_default_port(o.scheme);
        int pp = pat.port >= 0 ? pat.port : ws_default_port(pat.scheme);
        if (op == pp) return true;
    }
    return false;
}

/* First comma-separated value, trimmed, copied into out. */
static bool ws_first_value(const char *v, char *out, size_t out_len)
{
    if (!v) return false;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strcspn(v, ",");
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= out_len) return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

/* Host values end up in every receiver's URLs: refuse anything that is not
 * a plain authority (letters, digits, '.', '-', ':', '[', ']', '_'). */
static bool ws_host_safe(const char *h)
{
    if (!*h) return false;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]_", *p)) return false;
    return true;
}

char *ws_base_url(const char *public_base_url, bool from_trusted_proxy, const char *xf_host,
                  const char *xf_proto, const char *origin, const char *host)
{
    char *out = NULL;
    if (public_base_url && *public_base_url) {
        size_t n = strlen(public_base_url);
        while (n && public_base_url[n - 1] == '/')
            n--;
        return strndup(public_base_url, n);
    }
    char h[300] = "", scheme[16] = "";
    char fv[300];
    bool origin_ok = origin && *origin && strcasecmp(origin, "null") != 0;
    const char *osep = origin_ok ? strstr(origin, "://") : NULL;
    if (from_trusted_proxy && ws_first_value(xf_host, fv, sizeof fv) && ws_host_safe(fv))
        snprintf(h, sizeof h, "%s", fv);
    else if (osep) {
        const char *a = osep + 3;
        size_t n = strcspn(a, "/?#");
        if (n && n < sizeof h) {
            memcpy(h, a, n);
            h[n] = '\0';
            if (!ws_host_safe(h)) h[0] = '\0';
        }
    }
    if (!h[0] && host && ws_host_safe(host)) snprintf(h, sizeof h, "%s", host);
    if (from_trusted_proxy && ws_first_value(xf_proto, fv, sizeof fv) &&
        (!strcasecmp(fv, "http") || !strcasecmp(fv, "https"))) {
        for (size_t i = 0; fv[i] && i < sizeof scheme - 1; i++)
            scheme[i] = (char)tolower((unsigned char)fv[i]);
    } else if (osep && (size_t)(osep - origin) < sizeof scheme) {
        for (size_t i = 0; i < (size_t)(osep - origin); i++)
            scheme[i] = (char)tolower((unsigned char)origin[i]);
        if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
            snprintf(scheme, sizeof scheme, "http");
    } else {
        snprintf(scheme, sizeof scheme, "http");
    }
    if (!h[0]) return strdup("");
    if (asprintf(&out, "%s://%s", scheme, h) < 0) return NULL;
    return out;
}

char *ws_avatar_url(const char *base_url, const char *avatar)
{
    char *out = NULL;
    if (!avatar || !*avatar) return NULL;
    if (!strncmp(avatar, "http://", 7) || !strncmp(avatar, "https://", 8)) return strdup(avatar);
    if (asprintf(&out, "%s/media/%s", base_url ? base_url : "", avatar) < 0) return NULL;
    return out;
}

cJSON *ws_chat_frame_parse(const char *data, size_t len, const char **text,
                           const char **client_id)
{
    cJSON *in = json_parse(data, len);
    *text = cJSON_IsObject(in) ? json_str(in, "message") : NULL;
    *client_id = *text ? json_str(in, "client_id") : NULL;
    /* P7 counts characters, as chat does; an id that is not text is no id. */
    if (*client_id) {
        size_t n = strlen(*client_id);
        if (!text_valid_utf8(*client_id, n) || text_codepoints(*client_id, n) > 64)
            *client_id = NULL;
    }
    return in;
}

bool ws_presence_frame_is_ping(const char *data, size_t len)
{
    cJSON *in = json_parse(data, len);
    const char *type = cJSON_IsObject(in) ? json_str(in, "type") : NULL;
    bool ping = type && !strcmp(type, "ping");
    cJSON_Delete(in);
    return ping;
}

cJSON *ws_user_event_parse(const char *data, size_t len, bool need_username,
                           ws_user_event_t *out)
{
    memset(out, 0, sizeof *out);
    cJSON *ev = json_parse(data, len);
    if (!cJSON_IsObject(ev) || !json_int(ev, "user_id", &out->user_id))
        goto bad;
    out->username = json_str(ev, "username");
    if (need_username && !out->username)
        goto bad;
    out->avatar = json_str(ev, "avatar");
    out->session_hash = json_str(ev, "session_hash");
    return ev;
bad:
    cJSON_Delete(ev);
    memset(out, 0, sizeof *out);
    return NULL;
}
