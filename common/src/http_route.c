/* HTTP-over-NATS, daemon side: envelope decoding, routing with the reference
 * framework's rules, and reply encoding. Handlers run on bus worker threads. */
#include "echo/http_route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/json.h"
#include "echo/log.h"
#include "echo/room_token.h"

typedef struct {
    const http_route_t *routes;
    void *ctx;
} serve_t;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *http_unescape(const char *s, size_t len, bool plus_is_space)
{
    char *out = malloc(len + 1);
    if (!out)
        abort();
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') {
            free(out);
            return NULL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

char *http_form_get(const char *data, size_t len, const char *key)
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
            return http_unescape(v, (size_t)(pair_end - v), true);
        }
        p = pair_end + 1;
    }
    return NULL;
}

/* Matches a decoded path against a pattern; fills params on success. */
static bool match_pattern(const char *pattern, const char *path, http_req_t *req)
{
    int np = 0;
    char *params[4] = {0};
    const char *p = pattern, *s = path;
    while (*p) {
        if (p[0] == '<' && p[1] == '>') {
            const char *seg_end = strchr(s, '/');
            size_t n = seg_end ? (size_t)(seg_end - s) : strlen(s);
            if (n == 0 || np >= 4)
                goto fail;
            params[np] = strndup(s, n);
            if (!params[np++])
                abort();
            s += n;
            p += 2;
            continue;
        }
        if (*p != *s)
            goto fail;
        p++;
        s++;
    }
    if (*s)
        goto fail;
    if (req) {
        for (int i = 0; i < np; i++)
            req->params[i] = params[i];
        req->nparams = np;
    } else {
        for (int i = 0; i < np; i++)
            free(params[i]);
    }
    return true;
fail:
    for (int i = 0; i < np; i++)
        free(params[i]);
    return false;
}

static bool method_allowed(const char *allow, const char *method)
{
    size_t mlen = strlen(method);
    for (const char *p = allow; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        if ((size_t)(e - p) == mlen && memcmp(p, method, mlen) == 0)
            return true;
        p = e;
    }
    return false;
}

static bool is_safe_method(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS") || !strcmp(m, "TRACE");
}

void http_resp_header(http_resp_t *resp, const char *name, const char *value)
{
    if (resp->nheaders >= HTTP_MAX_HEADERS) {
        log_error("http: too many response headers, dropping %s", name);
        return;
    }
    size_t n = strlen(name) + strlen(value) + 3;
    char *h = malloc(n);
    if (!h)
        abort();
    snprintf(h, n, "%s: %s", name, value);
    resp->headers[resp->nheaders++] = h;
}

void http_resp_bytes(http_resp_t *resp, int status, const char *content_type, const void *data,
                     size_t len)
{
    free(resp->body);
    resp->status = status;
    resp->body = malloc(len + 1);
    if (!resp->body)
        abort();
    if (len)
        memcpy(resp->body, data, len);
    resp->body[len] = '\0';
    resp->body_len = len;
    if (content_type)
        http_resp_header(resp, "Content-Type", content_type);
}

void http_resp_json(http_resp_t *resp, int status, cJSON *body)
{
    free(resp->body);
    resp->status = status;
    resp->body = json_print_compat(body, &resp->body_len);
    cJSON_Delete(body);
}

void http_resp_error(http_resp_t *resp, int status, const char *code, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", text);
    cJSON_AddStringToObject(o, "code", code);
    http_resp_json(resp, status, o);
}

void http_resp_cache_public(http_resp_t *resp, const char *room)
{
    free(resp->cache_public_room);
    resp->cache_public_room = room_token(room, strlen(room));
    if (!resp->cache_public_room)
        abort();
}

void http_resp_free(http_resp_t *resp)
{
    free(resp->body);
    free(resp->cache_public_room);
    for (int i = 0; i < resp->nheaders; i++)
        free(resp->headers[i]);
    memset(resp, 0, sizeof *resp);
}

const http_route_t *http_dispatch(const http_route_t *routes, http_req_t *req,
                                  const char *csrf_verdict, http_resp_t *resp, void *ctx)
{
    const http_route_t *route = NULL;
    for (const http_route_t *r = routes; r->pattern && !route; r++)
        if (match_pattern(r->pattern, req->path, req))
            route = r;

    if (!route) {
        size_t plen = strlen(req->path);
        bool safe_get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
        if (safe_get && plen && req->path[plen - 1] != '/') {
            char *slashed = malloc(plen + 2);
            if (!slashed)
                abort();
            memcpy(slashed, req->path, plen);
            memcpy(slashed + plen, "/", 2);
            bool found = false;
            for (const http_route_t *r = routes; r->pattern && !found; r++)
                found = match_pattern(r->pattern, slashed, NULL);
            free(slashed);
            if (found) {
                size_t n = strlen(req->raw_path) + strlen(req->query) + 3;
                char *loc = malloc(n);
                if (!loc)
                    abort();
                snprintf(loc, n, "%s/%s%s", req->raw_path, *req->query ? "?" : "", req->query);
                resp->status = 301;
                http_resp_header(resp, "Location", loc);
                free(loc);
                return NULL;
            }
        }
        http_resp_error(resp, 404, "not_found", "Not found");
        return NULL;
    }

    if (!is_safe_method(req->method) && (!csrf_verdict || strcmp(csrf_verdict, "ok") != 0)) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "detail", "CSRF verification failed.");
        cJSON_AddStringToObject(o, "code", "csrf_failed");
        cJSON_AddStringToObject(o, "reason", csrf_verdict ? csrf_verdict : "CSRF not checked.");
        http_resp_json(resp, 403, o);
        return route;
    }
    if (!method_allowed(route->allow, req->method)) {
        cJSON *o = cJSON_CreateObject();
        char detail[64];
        snprintf(detail, sizeof detail, "Method \"%.16s\" not allowed.", req->method);
        cJSON_AddStringToObject(o, "detail", detail);
        cJSON_AddStringToObject(o, "code", "method_not_allowed");
        http_resp_json(resp, 405, o);
        http_resp_header(resp, "Allow", route->allow);
        return route;
    }
    route->fn(req, resp, ctx);
    return route;
}

static const char *hdr_or(natsMsg *msg, const char *key, const char *def)
{
    const char *v = bus_header(msg, key);
    return v ? v : def;
}

void http_handle(bus_t *bus, natsMsg *msg, const http_route_t *routes, void *ctx)
{
    http_req_t req = {0};
    http_resp_t resp = {.status = 500};
    cJSON *user = NULL;
    char *path = NULL;

    req.msg = msg;
    req.method = hdr_or(msg, HTTP_HDR_METHOD, "GET");
    req.raw_path = hdr_or(msg, HTTP_HDR_PATH, "/");
    req.query = hdr_or(msg, HTTP_HDR_QUERY, "");
    req.content_type = hdr_or(msg, HTTP_HDR_CONTENT_TYPE, "");
    req.host = hdr_or(msg, HTTP_HDR_HOST, "");
    req.base_url = hdr_or(msg, HTTP_HDR_BASE_URL, "");
    req.secure = strcmp(hdr_or(msg, HTTP_HDR_SECURE, "0"), "1") == 0;
    req.client_ip = hdr_or(msg, HTTP_HDR_CLIENT_IP, "");
    req.csrf_cookie = bus_header(msg, HTTP_HDR_CSRF_COOKIE);
    req.session_id = bus_header(msg, HTTP_HDR_SESSION_ID);
    req.body = natsMsg_GetData(msg);
    req.body_len = (size_t)natsMsg_GetDataLength(msg);
    const char *user_json = bus_header(msg, HTTP_HDR_USER);
    if (user_json) {
        user = json_parse(user_json, strlen(user_json));
        if (!cJSON_IsObject(user)) {
            cJSON_Delete(user);
            user = NULL;
        }
    }
    req.user = user;

    path = http_unescape(req.raw_path, strlen(req.raw_path), false);
    if (!path) {
        http_resp_error(&resp, 404, "not_found", "Not found");
    } else {
        req.path = path;
        http_dispatch(routes, &req, bus_header(msg, HTTP_HDR_CSRF), &resp, ctx);
    }

    natsMsg *reply = NULL;
    if (natsMsg_Create(&reply, "_", NULL, resp.body, (int)resp.body_len) == NATS_OK) {
        char status[8];
        snprintf(status, sizeof status, "%d", resp.status);
        natsMsgHeader_Set(reply, HTTP_HDR_STATUS, status);
        for (int i = 0; i < resp.nheaders; i++)
            natsMsgHeader_Add(reply, HTTP_HDR_HEADER, resp.headers[i]);
        if (resp.cache_public_room && resp.status == 200)
            natsMsgHeader_Set(reply, HTTP_HDR_CACHE_PUBLIC, resp.cache_public_room);
        if (resp.forget_user > 0) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)resp.forget_user);
            natsMsgHeader_Set(reply, HTTP_HDR_FORGET_USER, id);
        }
        bus_respond_msg(bus, msg, reply);
    }
    if (resp.status >= 500)
        log_error("http: %s %s answered %d", req.method, req.raw_path, resp.status);
    http_resp_free(&resp);
    for (int i = 0; i < req.nparams; i++)
        free(req.params[i]);
    free(path);
    cJSON_Delete(user);
}

/* Bus worker thread: one forwarded HTTP request. */
static void on_http(bus_t *bus, natsMsg *msg, void *cls)
{
    serve_t *sv = cls;
    http_handle(bus, msg, sv->routes, sv->ctx);
}

int http_serve(bus_t *bus, const char *subject, const char *queue, int workers,
               const http_route_t *routes, void *ctx)
{
    serve_t *sv = calloc(1, sizeof *sv);
    if (!sv)
        return BUS_ERR;
    sv->routes = routes;
    sv->ctx = ctx;
    bus_own(bus, sv);
    return bus_serve(bus, subject, queue, workers, on_http, sv);
}
