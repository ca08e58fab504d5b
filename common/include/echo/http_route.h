/* The daemon side of HTTP-over-NATS: the gateway forwards each client HTTP
 * request as one NATS request (metadata in headers, raw body as payload; see
 * proto/asyncapi.yaml "HttpRequest"), and the owning daemon answers with status,
 * headers and body. This module decodes that envelope, routes it with the
 * reference framework's rules (trailing-slash 301, JSON 404, CSRF verdict
 * before 405) and encodes the reply. */
#ifndef ECHO_HTTP_ROUTE_H
#define ECHO_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "echo/bus.h"

/* Request headers set by the gateway (never by clients). */
#define HTTP_HDR_METHOD "Http-Method"
#define HTTP_HDR_PATH "Http-Path"               /* raw path as received, percent-encoded */
#define HTTP_HDR_QUERY "Http-Query"             /* raw query string without '?' */
#define HTTP_HDR_CONTENT_TYPE "Http-Content-Type"
#define HTTP_HDR_HOST "Http-Host"               /* Host header as sent by the client */
#define HTTP_HDR_BASE_URL "Http-Base-Url"       /* scheme://host for absolute URLs */
#define HTTP_HDR_SECURE "Http-Secure"           /* "1" when the request counts as https */
#define HTTP_HDR_CLIENT_IP "Http-Client-Ip"     /* P12: socket or trusted proxy chain */
#define HTTP_HDR_CSRF_COOKIE "Http-Csrf-Cookie" /* raw csrftoken cookie, when sent */
#define HTTP_HDR_SESSION_ID "Http-Session-Id"   /* raw sessionid cookie (auth only) */
#define HTTP_HDR_CSRF "Http-Csrf"               /* "ok" or the failure reason; unsafe methods */
#define HTTP_HDR_USER "Http-User"               /* resolved session user JSON; absent = guest */
/* Reply headers read by the gateway. */
#define HTTP_HDR_STATUS "Http-Status"
#define HTTP_HDR_HEADER "Http-Header"           /* repeated: "Name: value" */
#define HTTP_HDR_FORGET_USER "Http-Forget-User" /* id of a user the answer changed */
/* Set only on a 200 whose body is the same for every caller allowed to send
 * the request, guests included (no Set-Cookie, nothing per user): the gateway
 * may keep it in its page cache (services/gateway/src/history_cache.c). The
 * value is the room token whose room events invalidate the page. */
#define HTTP_HDR_CACHE_PUBLIC "Http-Cache-Public"

typedef struct {
    const char *method;
    const char *path;      /* percent-decoded path (NUL-free) */
    const char *raw_path;
    const char *query;     /* "" when absent */
    const char *content_type;
    const char *host;
    const char *base_url;
    bool secure;
    const char *client_ip;
    const char *csrf_cookie;
    const char *session_id;
    const cJSON *user;     /* {"id", "username", "is_staff", "is_superuser", "avatar"} */
    const char *body;
    size_t body_len;
    char *params[4];       /* decoded `<>` path segments */
    int nparams;
    natsMsg *msg;
} http_req_t;

#define HTTP_MAX_HEADERS 12

typedef struct {
    int status;
    char *body;
    size_t body_len;
    char *headers[HTTP_MAX_HEADERS]; /* "Name: value" */
    int nheaders;
    char *cache_public_room; /* heap room token: see HTTP_HDR_CACHE_PUBLIC */
    /* Set by a handler that changed a user's account or sessions: the
     * gateway drops that user's cached sessions before it answers the
     * client (auth's events reach the other gateways). 0 = none. */
    int64_t forget_user;
} http_resp_t;

typedef void (*http_handler_fn)(http_req_t *req, http_resp_t *resp, void *ctx);

typedef struct {
    const char *pattern; /* e.g. "/api/auth/users/<>/"; `<>` is one non-empty segment */
    const char *allow;   /* e.g. "GET" or "GET, POST" */
    http_handler_fn fn;
} http_route_t;

/* Serves `routes` (terminated by {NULL}) on subject in queue group queue. */
int http_serve(bus_t *bus, const char *subject, const char *queue, int workers,
               const http_route_t *routes, void *ctx);

/* Decodes one forwarded request, routes it and replies: what http_serve's
 * workers do, for daemons that pick the thread a request runs on (e.g.
 * auth keeps password hashing off the threads that answer fast requests).
 * The caller keeps ownership of msg. */
void http_handle(bus_t *bus, natsMsg *msg, const http_route_t *routes, void *ctx);

/* Body as the reference format JSON (api.md §0); takes ownership of body. */
void http_resp_json(http_resp_t *resp, int status, cJSON *body);
/* {"error": text, "code": code} (P2). */
void http_resp_error(http_resp_t *resp, int status, const char *code, const char *text);
void http_resp_bytes(http_resp_t *resp, int status, const char *content_type, const void *data,
                     size_t len);
void http_resp_header(http_resp_t *resp, const char *name, const char *value);
/* Marks a 200 answer as cacheable for everyone (HTTP_HDR_CACHE_PUBLIC); only a
 * handler that knows the body depends on nothing but the request line and the
 * base URL may call it. Ignored on any other status. */
void http_resp_cache_public(http_resp_t *resp, const char *room);

/* First value of key in a urlencoded string (query or form body), decoded;
 * heap string or NULL when absent. '+' decodes to a space. */
char *http_form_get(const char *data, size_t len, const char *key);
/* Percent-decodes s[0..len); NULL if the result contains NUL. */
char *http_unescape(const char *s, size_t len, bool plus_is_space);

/* Routing core, exposed for unit tests and fuzzing: fills resp for a request
 * whose method/path/csrf fields are set. Returns the matched route or NULL. */
const http_route_t *http_dispatch(const http_route_t *routes, http_req_t *req,
                                  const char *csrf_verdict, http_resp_t *resp, void *ctx);
void http_resp_free(http_resp_t *resp);

#endif
