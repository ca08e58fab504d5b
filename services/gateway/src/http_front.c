/* HTTP front: libmicrohttpd (epoll, a pool of two threads). It owns every
 * client HTTP connection: Host allow-list, HTTPS redirect, body cap (413),
 * client IP (P12), CSRF verdict, session resolution, request ids, and the
 * forwarding of /api and /media requests to the owning daemon over NATS
 * (docs/architecture.md "HTTP over NATS"). GET /api/auth/session/ is the one
 * auth endpoint answered here, from the session cache (the page-load and
 * polling hot path; docs/architecture.md "GET session/ in the gateway"). A
 * request waiting for NATS is suspended and resumed from the reply
 * callback, so HTTP threads never block on a daemon. History pages chat
 * marks as public are answered from the page cache (history_cache.c) on the
 * HTTP thread when the cache has them. */
#include "http_front.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "allowed_hosts.h"
#include "client_ip.h"
#include "csrf_guard.h"
#include "history_cache.h"
#include "echo/cookie.h"
#include "echo/csrf.h"
#include "echo/http_route.h"
#include "echo/json.h"
#include "echo/log.h"
#include "echo/metrics.h"
#include "echo/subjects.h"
#include "echo/text.h"
#include "echo/user_view.h"
#include "session_cache.h"

struct http_front {
    struct MHD_Daemon *mhd;
    gateway_t *gw;
    client_ip_net_t *trusted;
    atomic_int in_flight;
    metric_counter_t *requests;
    metric_counter_t *upstream_failures;
    metric_histogram_t *latency;
};

typedef enum { ROUTE_NONE, ROUTE_ROOT, ROUTE_HEALTH, ROUTE_SESSION, ROUTE_FORWARD } route_kind_t;

/* One per HTTP request (MHD's *req_cls), created by the URI log callback. */
struct http_pending {
    http_front_t *front;
    struct MHD_Connection *conn;
    pthread_mutex_t lock; /* guards suspended, done, status, response */
    bool suspended;
    bool done;
    unsigned status;
    struct MHD_Response *response;

    bool started; /* first handler call seen */
    route_kind_t route;
    const char *subject;
    bool to_auth;
    bool admin; /* /api/admin/…: staff only, checked once here */
    bool audit; /* /api/admin/audit/: answered by auth and chat, merged here */
    char *raw_path;
    char *query;
    char method[16];
    char *body;
    size_t body_len, body_cap;
    bool too_large;
    bool guest_cookie; /* a sessionid cookie that resolved to nobody */
    bool session_started;   /* ROUTE_SESSION: answer_session ran */
    bool to_auth_after_all; /* ROUTE_SESSION whose auth sent no profile: forwarded */
    char base_url[512];     /* ROUTE_SESSION: for the avatar URL */
    char csrf_secret[CSRF_SECRET_LEN + 1]; /* ROUTE_SESSION: csrftoken to (re-)issue */
    char request_id[17];
    char sid[33]; /* the request's sessionid cookie, when plausible */
    double started_at;
    natsMsg *envelope; /* the forwarded request being built */
    bool flush_history; /* an unsafe chat or admin request: drop cached pages on its answer */
    /* History page cache, set only for candidates (history_cache_candidate). */
    char *hc_key; /* raw path, query and base URL, NUL-separated */
    size_t hc_key_len;
    history_stamp_t hc_stamp; /* taken before chat is asked */
    char hc_token[64];
    bool hc_tried; /* looked up already, with the caller's identity known */
};

static const char JSON[] = "application/json";

static void pending_free(http_pending_t *p)
{
    if (p->response)
        MHD_destroy_response(p->response);
    natsMsg_Destroy(p->envelope);
    pthread_mutex_destroy(&p->lock);
    free(p->hc_key);
    free(p->raw_path);
    free(p->query);
    free(p->body);
    free(p);
}

static enum MHD_Result queue_json(http_pending_t *p, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", JSON);
    MHD_add_response_header(r, "X-Request-Id", p->request_id);
    enum MHD_Result ret = MHD_queue_response(p->conn, status, r);
    MHD_destroy_response(r);
    metric_inc(p->front->requests);
    return ret;
}

/* Adds "Name: value" headers (NULL-terminated list) to r. */
static void add_response_headers(struct MHD_Response *r, const char *const *headers)
{
    for (const char *const *h = headers; h && *h; h++) {
        const char *colon = strchr(*h, ':');
        if (!colon)
            continue;
        char name[128];
        size_t n = (size_t)(colon - *h);
        if (n == 0 || n >= sizeof name)
            continue;
        memcpy(name, *h, n);
        name[n] = '\0';
        const char *value = colon + 1;
        while (*value == ' ')
            value++;
        MHD_add_response_header(r, name, value);
    }
}

/* Any thread: the answer is ready; hands it to the MHD thread (resuming the
 * connection if it was suspended). Takes ownership of r. */
static void complete_response(http_pending_t *p, unsigned status, struct MHD_Response *r)
{
    pthread_mutex_lock(&p->lock);
    p->status = status;
    p->response = r;
    p->done = true;
    bool resume = p->suspended;
    p->suspended = false;
    pthread_mutex_unlock(&p->lock);
    if (resume)
        MHD_resume_connection(p->conn);
}

void http_front_complete(http_pending_t *p, unsigned status, const char *content_type,
                         const char *body, size_t len, const char *const *headers)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (content_type)
        MHD_add_response_header(r, "Content-Type", content_type);
    MHD_add_response_header(r, "X-Request-Id", p->request_id);
    add_response_headers(r, headers);
    complete_response(p, status, r);
}

static void complete_json(http_pending_t *p, unsigned status, const char *body)
{
    http_front_complete(p, status, JSON, body, strlen(body), NULL);
}

static void forward(http_pending_t *p);

/* MHD thread: queues the answer at once when it is already there (a cache
 * hit), else suspends the connection until a NATS thread completes it. A
 * session/ whose auth sent no profile is forwarded from here instead. */
static enum MHD_Result queue_or_suspend(http_pending_t *p)
{
    pthread_mutex_lock(&p->lock);
    struct MHD_Response *ready = p->done ? p->response : NULL;
    unsigned status = p->status;
    bool to_auth = !p->done && p->route == ROUTE_SESSION && p->to_auth_after_all;
    if (ready) {
        p->response = NULL;
    } else if (!p->done && !to_auth) {
        p->suspended = true;
        MHD_suspend_connection(p->conn);
    }
    pthread_mutex_unlock(&p->lock);
    if (to_auth) {
        p->route = ROUTE_FORWARD;
        forward(p);
        return queue_or_suspend(p);
    }
    if (!ready)
        return MHD_YES;
    enum MHD_Result ret = MHD_queue_response(p->conn, status, ready);
    MHD_destroy_response(ready);
    metric_inc(p->front->requests);
    return ret;
}

/* MHD thread: suspends the connection unless the answer already arrived. */
static void suspend_unless_done(http_pending_t *p)
{
    pthread_mutex_lock(&p->lock);
    if (!p->done) {
        p->suspended = true;
        MHD_suspend_connection(p->conn);
    }
    pthread_mutex_unlock(&p->lock);
}

/* libmicrohttpd's free callback of a cached body: the response (on whichever
 * MHD thread destroys it last) drops its page reference. */
static void page_release(void *cls)
{
    history_page_unref(cls);
}

/* MHD or NATS thread, once the caller's identity is known: answers a history
 * candidate from the page cache. guest_cookie: the request carried a
 * sessionid that resolves to nobody, so the answer expires it (api.md §2.1),
 * exactly as a forwarded one would. The body is shared with the cache, not
 * copied. */
static bool answer_from_cache(http_pending_t *p, bool guest_cookie)
{
    history_cache_t *hc = p->front->gw->history;
    history_page_t *page = history_cache_get(hc, &p->hc_stamp, p->hc_key, p->hc_key_len);
    if (!page)
        return false;
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
        page->body_len, page->body, page_release, page);
    if (!r) {
        history_page_unref(page);
        return false;
    }
    MHD_add_response_header(r, "Content-Type", page->content_type);
    MHD_add_response_header(r, "X-Request-Id", p->request_id);
    add_response_headers(r, (const char *const *)page->headers);
    if (guest_cookie) {
        const char *const expire[] = {"Set-Cookie: " COOKIE_SESSION_EXPIRED, NULL};
        add_response_headers(r, expire);
    }
    complete_response(p, 200, r);
    return true;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static route_kind_t route_of(const char *path, const char **subject, bool *to_auth)
{
    *to_auth = false;
    if (strcmp(path, "/") == 0)
        return ROUTE_ROOT;
    if (strcmp(path, "/api/health/") == 0)
        return ROUTE_HEALTH;
    if (strcmp(path, "/api/auth/session/") == 0) {
        /* GET only (the caller checks); other methods go to auth for 405. */
        *subject = SUBJ_AUTH_HTTP;
        *to_auth = true;
        return ROUTE_SESSION;
    }
    static const struct {
        const char *prefix;
        const char *subject;
    } table[] = {
        {"/api/auth/", SUBJ_AUTH_HTTP},         {"/api/auth", SUBJ_AUTH_HTTP},
        {"/media/", SUBJ_AUTH_HTTP},            {"/api/admin/users", SUBJ_AUTH_HTTP},
        {"/api/admin/audit", SUBJ_AUTH_HTTP},   {"/api/chat/", SUBJ_CHAT_HTTP},
        {"/api/chat", SUBJ_CHAT_HTTP},          {"/api/admin/rooms", SUBJ_CHAT_HTTP},
        {"/api/admin/messages", SUBJ_CHAT_HTTP},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strncmp(path, table[i].prefix, strlen(table[i].prefix)) == 0) {
            *subject = table[i].subject;
            *to_auth = strcmp(table[i].subject, SUBJ_AUTH_HTTP) == 0;
            return ROUTE_FORWARD;
        }
    }
    return ROUTE_NONE;
}

static bool is_unsafe(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0 && strcmp(method, "TRACE") != 0;
}

/* First value of X-Forwarded-Proto, honoured only from a trusted proxy. */
static bool request_secure(http_pending_t *p, const char *peer)
{
    const char *xfp = header(p->conn, "X-Forwarded-Proto");
    if (!xfp || !client_ip_trusted(p->front->trusted, peer))
        return false;
    size_t n = strcspn(xfp, ", ");
    return n == 5 && strncasecmp(xfp, "https", 5) == 0;
}

static void peer_address(struct MHD_Connection *c, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !client_ip_from_sockaddr(ci->client_addr, out, len))
        snprintf(out, len, "unknown");
}

static void add_header(natsMsg *m, const char *key, const char *value)
{
    /* Header values must not carry line breaks into the NATS framing, and
     * nats.c mis-parses the header after an empty one, so empties are left out. */
    if (value && *value && !strpbrk(value, "\r\n"))
        natsMsgHeader_Set(m, key, value);
}

/* NATS thread: the owning daemon's answer. */
static void on_forward_reply(int status, natsMsg *reply, void *ctx)
{
    http_pending_t *p = ctx;
    http_front_t *front = p->front;
    metric_observe(front->latency, metrics_now() - p->started_at);
    /* No answer: an unsafe chat or admin request may still have landed. */
    if (p->flush_history && status != BUS_OK)
        history_cache_flush(front->gw->history);
    if (status != BUS_OK) {
        metric_inc(front->upstream_failures);
        log_warn("http: %s %s: %s", p->method, p->raw_path,
                 status == BUS_TIMEOUT ? "upstream timeout" : "no upstream available");
        complete_json(p, status == BUS_TIMEOUT ? 504 : 503,
                      status == BUS_TIMEOUT
                          ? "{\"error\": \"Upstream timeout\", \"code\": \"upstream_timeout\"}"
                          : "{\"error\": \"Service unavailable\", \"code\": \"service_unavailable\"}");
        return;
    }
    const char *st = bus_header(reply, HTTP_HDR_STATUS);
    int code = st ? atoi(st) : 0;
    /* Before the client can see the answer: an admin or other unsafe chat
     * request may have changed any page, and the next GET on this gateway
     * must show it. A 4xx refused it before writing anything, so refusals
     * (e.g. a flood of POSTs without a CSRF token) never empty the cache. */
    if (p->flush_history && !(code >= 400 && code < 500))
        history_cache_flush(front->gw->history);
    if (code < 100 || code > 599) {
        log_error("http: %s %s: malformed reply from %s", p->method, p->raw_path, p->subject);
        natsMsg_Destroy(reply);
        complete_json(p, 502, "{\"error\": \"Bad gateway\", \"code\": \"bad_gateway\"}");
        return;
    }
    const char **vals = NULL;
    int nvals = 0;
    natsMsgHeader_Values(reply, HTTP_HDR_HEADER, &vals, &nvals);
    const char *content_type = JSON;
    bool sets_session = false, has_cookie = false;
    const char *headers[HTTP_MAX_HEADERS + 2];
    int nh = 0;
    for (int i = 0; i < nvals && nh < HTTP_MAX_HEADERS; i++) {
        if (strncasecmp(vals[i], "Content-Type:", 13) == 0) {
            content_type = vals[i] + 13;
            while (*content_type == ' ')
                content_type++;
            continue;
        }
        if (strncasecmp(vals[i], "Set-Cookie: sessionid=", 22) == 0)
            sets_session = true;
        if (strncasecmp(vals[i], "Set-Cookie:", 11) == 0)
            has_cookie = true;
        headers[nh++] = vals[i];
    }
    if (sets_session && p->sid[0])
        session_cache_forget_sid(front->gw->sessions, p->sid);
    /* auth changed this user (profile, admin edit, password): drop the cached
     * sessions before the client sees the answer, so its next session/ from
     * this gateway cannot show the old state even if auth's event is late. */
    const char *forget = bus_header(reply, HTTP_HDR_FORGET_USER);
    int64_t forget_id = forget ? strtoll(forget, NULL, 10) : 0;
    if (forget_id > 0)
        session_cache_forget_user(front->gw->sessions, forget_id);
    headers[nh] = NULL;
    /* Chat vouches that this page is the same for every caller (public
     * room) and names its room; a page that sets a cookie never is. */
    const char *cache_room = bus_header(reply, HTTP_HDR_CACHE_PUBLIC);
    if (p->hc_key && code == 200 && cache_room && strcmp(cache_room, p->hc_token) == 0 &&
        !has_cookie)
        history_cache_put(front->gw->history, &p->hc_stamp, p->hc_key, p->hc_key_len,
                          content_type, natsMsg_GetData(reply),
                          (size_t)natsMsg_GetDataLength(reply), headers);
    /* api.md §2.1: a sessionid that resolves to nobody is expired in the answer. */
    if (p->guest_cookie && !sets_session)
        headers[nh++] = "Set-Cookie: " COOKIE_SESSION_EXPIRED;
    headers[nh] = NULL;
    http_front_complete(p, (unsigned)code, code == 301 || code == 304 ? NULL : content_type,
                        natsMsg_GetData(reply), (size_t)natsMsg_GetDataLength(reply), headers);
    free((void *)vals);
    natsMsg_Destroy(reply);
}

/* NATS or MHD thread: the session is known; send the envelope. */
static void on_session(bool ok, session_user_t *user, void *ctx)
{
    http_pending_t *p = ctx;
    if (!ok) {
        complete_json(p, 503, "{\"error\": \"Service unavailable\", \"code\": \"service_unavailable\"}");
        return;
    }
    if (p->admin) {
        const char *deny = NULL;
        unsigned code = 0;
        if (!user->user_json) {
            code = 401;
            deny = "{\"error\": \"\\u0422\\u0440\\u0435\\u0431\\u0443\\u0435\\u0442\\u0441\\u044f "
                   "\\u0430\\u0432\\u0442\\u043e\\u0440\\u0438\\u0437\\u0430\\u0446\\u0438\\u044f\", "
                   "\"code\": \"auth_required\"}";
        } else if (!user->is_staff) {
            code = 403;
            deny = "{\"error\": \"Forbidden\", \"code\": \"staff_required\"}";
        }
        if (deny) {
            session_user_clear(user);
            complete_json(p, code, deny);
            return;
        }
    }
    natsMsg *m = p->envelope;
    p->envelope = NULL;
    if (user->user_json)
        add_header(m, HTTP_HDR_USER, user->user_json);
    else if (bus_header(m, HTTP_HDR_SESSION_ID))
        p->guest_cookie = true;
    session_user_clear(user);
    /* A history candidate whose caller needed auth's word (a session cookie
     * not in the session cache): the page may be cached meanwhile. */
    if (p->hc_key && !p->hc_tried && answer_from_cache(p, p->guest_cookie)) {
        natsMsg_Destroy(m);
        return;
    }
    if (p->audit) {
        admin_audit_forward(p->front->gw, p, m);
        return;
    }
    if (!p->to_auth)
        natsMsgHeader_Delete(m, HTTP_HDR_SESSION_ID);
    if (bus_request_async(p->front->gw->bus, m, p->front->gw->cfg.request_timeout_ms,
                          on_forward_reply, p) != BUS_OK)
        on_forward_reply(BUS_ERR, NULL, p);
}

/* MHD thread, or a NATS thread after a cache miss: GET session/ answered
 * here exactly as auth's h_session (services/auth/src/http_auth.c) would:
 * the own User view of common/src/user_view.c, csrftoken re-issued (or a
 * fresh one for a missing or malformed cookie, api.md §2.1), and sessionid
 * expired when the cookie named nobody. */
static void on_session_local(bool ok, session_user_t *user, void *ctx)
{
    http_pending_t *p = ctx;
    if (!ok) {
        complete_json(p, 503, "{\"error\": \"Service unavailable\", \"code\": \"service_unavailable\"}");
        return;
    }
    if (user->user_json && !user->has_profile) {
        /* An auth that predates the profile in resolve answers: let it
         * answer, on the MHD thread (the envelope reads the connection). */
        session_user_clear(user);
        pthread_mutex_lock(&p->lock);
        p->to_auth_after_all = true;
        bool resume = p->suspended;
        p->suspended = false;
        pthread_mutex_unlock(&p->lock);
        if (resume)
            MHD_resume_connection(p->conn);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "authenticated", user->user_json != NULL);
    if (user->user_json) {
        user_view_t v = {.username = user->username,
                         .email = user->email,
                         .avatar = user->avatar,
                         .bio = user->bio,
                         .date_joined_us = user->date_joined_us,
                         .is_staff = user->is_staff,
                         .is_superuser = user->is_superuser};
        cJSON_AddItemToObject(o, "user", user_view_own(&v, p->base_url));
    } else {
        cJSON_AddNullToObject(o, "user");
        p->guest_cookie = p->guest_cookie || p->sid[0];
    }
    size_t len = 0;
    char *body = json_print_compat(o, &len);
    cJSON_Delete(o);
    char csrf_line[COOKIE_VALUE_MAX + 16];
    char value[COOKIE_VALUE_MAX];
    cookie_csrf(value, sizeof value, p->csrf_secret, p->front->gw->cfg.csrf_cookie_secure, time(NULL));
    snprintf(csrf_line, sizeof csrf_line, "Set-Cookie: %s", value);
    const char *headers[] = {csrf_line, p->guest_cookie ? "Set-Cookie: " COOKIE_SESSION_EXPIRED : NULL,
                             NULL};
    session_user_clear(user);
    if (body)
        http_front_complete(p, 200, JSON, body, len, headers);
    else
        complete_json(p, 500, "{\"error\": \"Internal error\", \"code\": \"internal\"}");
    free(body);
}

/* MHD thread: GET /api/auth/session/. Everything the answer needs from the
 * connection is read here; the session may resolve on a NATS thread. */
static void answer_session(http_pending_t *p)
{
    http_front_t *front = p->front;
    gateway_t *gw = front->gw;
    struct MHD_Connection *c = p->conn;
    char peer[64];
    peer_address(c, peer, sizeof peer);
    bool secure = request_secure(p, peer);
    const char *host = header(c, "Host");
    if (gw->cfg.public_base_url)
        snprintf(p->base_url, sizeof p->base_url, "%s", gw->cfg.public_base_url);
    else
        snprintf(p->base_url, sizeof p->base_url, "%s://%s", secure ? "https" : "http",
                 host ? host : "");
    const char *csrf_cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "csrftoken");
    if (!csrf_cookie_secret(csrf_cookie, p->csrf_secret) && csrf_new_secret(p->csrf_secret) != 0) {
        complete_json(p, 503, "{\"error\": \"Service unavailable\", \"code\": \"service_unavailable\"}");
        return;
    }
    const char *sid = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "sessionid");
    if (session_id_plausible(sid))
        memcpy(p->sid, sid, sizeof p->sid);
    /* An implausible cookie is a guest without asking auth, and expired
     * like an unknown one (auth's http.c does the same). */
    p->guest_cookie = sid && *sid && !p->sid[0];
    if (p->sid[0])
        session_cache_resolve(gw->sessions, p->sid, on_session_local, p);
    else
        on_session_local(true, &(session_user_t){0}, p);
}

/* MHD thread: api.md §1 item 1 — POST / needs CSRF like every unsafe
 * method. The root's body is not kept, so the token comes from the header. */
static bool root_csrf_ok(http_pending_t *p)
{
    struct MHD_Connection *c = p->conn;
    char peer[64];
    peer_address(c, peer, sizeof peer);
    csrf_request_t cr = {
        .secure = request_secure(p, peer),
        .host = header(c, "Host"),
        .origin = header(c, "Origin"),
        .referer = header(c, "Referer"),
        .cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "csrftoken"),
        .token = header(c, "X-CSRFToken"),
    };
    return csrf_guard_check(p->front->gw->cfg.csrf_trusted_origins, &cr) == NULL;
}

/* MHD thread: builds the envelope of api.md-level facts and resolves the
 * session; completion happens on a NATS thread. */
static void forward(http_pending_t *p)
{
    http_front_t *front = p->front;
    gateway_t *gw = front->gw;
    struct MHD_Connection *c = p->conn;
    char peer[64], client[64];
    peer_address(c, peer, sizeof peer);
    client_ip_resolve(front->trusted, peer, header(c, "X-Forwarded-For"), client, sizeof client);
    bool secure = request_secure(p, peer);
    const char *host = header(c, "Host");
    const char *content_type = header(c, "Content-Type");
    const char *csrf_cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "csrftoken");
    const char *sid = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "sessionid");

    session_user_t known = {0}; /* the caller, when the session cache knew it */
    bool known_user = false;
    char base_url[512];
    if (gw->cfg.public_base_url)
        snprintf(base_url, sizeof base_url, "%s", gw->cfg.public_base_url);
    else
        snprintf(base_url, sizeof base_url, "%s://%s", secure ? "https" : "http", host ? host : "");

    p->flush_history = is_unsafe(p->method) && (!p->to_auth || p->admin);
    if (gw->cfg.history_cache_ms > 0 &&
        history_cache_candidate(p->method, p->raw_path, p->hc_token, sizeof p->hc_token)) {
        /* The key is everything a public page depends on: the request line
         * (path and raw query) and the base URL of its absolute avatar URLs
         * (scheme, Host or PUBLIC_BASE_URL). The stamp is taken before chat
         * is asked, so a change racing the answer is never served. */
        size_t pl = strlen(p->raw_path), ql = strlen(p->query), bl = strlen(base_url);
        p->hc_key_len = pl + ql + bl + 2;
        p->hc_key = malloc(p->hc_key_len);
        if (p->hc_key) {
            memcpy(p->hc_key, p->raw_path, pl + 1);
            memcpy(p->hc_key + pl + 1, p->query, ql + 1);
            memcpy(p->hc_key + pl + ql + 2, base_url, bl);
            history_cache_stamp(gw->history, p->hc_token, &p->hc_stamp);
            /* The caller is known without asking auth when it is a guest (no
             * cookie, or one that cannot be a session) or its session is in
             * the session cache: a hit then costs no envelope and no NATS. */
            bool cookie = sid && *sid, plausible = session_id_plausible(sid);
            if (plausible)
                known_user = session_cache_get(gw->sessions, sid, &known);
            if (!plausible || known_user) {
                p->hc_tried = true;
                if (answer_from_cache(p, cookie && !known.user_json)) {
                    session_user_clear(&known);
                    return;
                }
            }
        }
    }

    natsMsg *m = bus_msg_new_request(gw->bus, p->subject, p->body, p->body_len);
    if (!m) {
        session_user_clear(&known);
        complete_json(p, 500, "{\"error\": \"Internal error\", \"code\": \"internal\"}");
        return;
    }
    add_header(m, BUS_HDR_REQUEST_ID, p->request_id);
    add_header(m, HTTP_HDR_METHOD, p->method);
    add_header(m, HTTP_HDR_PATH, p->raw_path);
    if (p->query && *p->query)
        add_header(m, HTTP_HDR_QUERY, p->query);
    add_header(m, HTTP_HDR_CONTENT_TYPE, content_type);
    add_header(m, HTTP_HDR_HOST, host);
    add_header(m, HTTP_HDR_BASE_URL, base_url);
    add_header(m, HTTP_HDR_SECURE, secure ? "1" : "0");
    add_header(m, HTTP_HDR_CLIENT_IP, client);
    add_header(m, HTTP_HDR_CSRF_COOKIE, csrf_cookie);
    add_header(m, HTTP_HDR_SESSION_ID, sid);
    const char *inm = header(c, "If-None-Match");
    if (inm)
        add_header(m, "Http-If-None-Match", inm);

    if (is_unsafe(p->method)) {
        char *form_token = NULL;
        if (content_type &&
            strncasecmp(content_type, "application/x-www-form-urlencoded", 33) == 0)
            form_token = http_form_get(p->body ? p->body : "", p->body_len, "csrfmiddlewaretoken");
        csrf_request_t cr = {
            .secure = secure,
            .host = host,
            .origin = header(c, "Origin"),
            .referer = header(c, "Referer"),
            .cookie = csrf_cookie,
            .token = form_token && *form_token ? form_token : header(c, "X-CSRFToken"),
        };
        const char *why = csrf_guard_check(gw->cfg.csrf_trusted_origins, &cr);
        add_header(m, HTTP_HDR_CSRF, why ? why : "ok");
        free(form_token);
    }
    p->envelope = m;
    if (session_id_plausible(sid))
        memcpy(p->sid, sid, sizeof p->sid);
    if (known_user) /* looked up above: on_session takes it over */
        on_session(true, &known, p);
    else if (sid && *sid)
        session_cache_resolve(gw->sessions, sid, on_session, p);
    else
        on_session(true, &(session_user_t){0}, p);
}

/* MHD thread, before headers are parsed: keeps the raw request target. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_pending_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->front = cls;
    p->conn = conn;
    pthread_mutex_init(&p->lock, NULL);
    const char *q = strchr(uri, '?');
    p->raw_path = q ? strndup(uri, (size_t)(q - uri)) : strdup(uri);
    p->query = strdup(q ? q + 1 : "");
    char rid[17];
    if (text_random(rid, 16, "0123456789abcdef") != 0)
        memset(rid, '0', 16);
    rid[16] = '\0';
    memcpy(p->request_id, rid, sizeof rid);
    p->started_at = metrics_now();
    return p;
}

/* MHD thread: every request, several calls (headers, body chunks, final). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    http_front_t *front = cls;
    gateway_t *gw = front->gw;
    http_pending_t *p = *req_cls;
    if (!p || !p->raw_path || !p->query)
        return MHD_NO;

    if (!p->started) {
        p->started = true;
        snprintf(p->method, sizeof p->method, "%s", method);
        log_set_request_id(p->request_id);
        const char *host = header(conn, "Host");
        if (!allowed_hosts_match(gw->cfg.allowed_hosts, host)) {
            log_warn("http: Host \"%.100s\" is not allowed", host ? host : "");
            return queue_json(p, 400, "{\"error\": \"Bad Request\", \"code\": \"host_not_allowed\"}");
        }
        if (gw->cfg.ssl_redirect) {
            char peer[64];
            peer_address(conn, peer, sizeof peer);
            if (!request_secure(p, peer)) {
                char loc[2048];
                snprintf(loc, sizeof loc, "https://%s%s%s%s", host, p->raw_path,
                         *p->query ? "?" : "", p->query);
                struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
                MHD_add_response_header(r, "Location", loc);
                enum MHD_Result ret = MHD_queue_response(conn, 301, r);
                MHD_destroy_response(r);
                return ret;
            }
        }
        p->route = route_of(p->raw_path, &p->subject, &p->to_auth);
        if (p->route == ROUTE_SESSION && strcmp(method, "GET") != 0)
            p->route = ROUTE_FORWARD;
        p->admin = strncmp(p->raw_path, "/api/admin/", 11) == 0;
        p->audit = strcmp(p->raw_path, "/api/admin/audit/") == 0 && strcmp(method, "GET") == 0;
        const char *cl = header(conn, "Content-Length");
        if (cl && strtoll(cl, NULL, 10) > gw->cfg.upload_max_bytes)
            return queue_json(p, 413, "{\"error\": \"Request body too large\", \"code\": \"body_too_large\"}");
        return MHD_YES;
    }

    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (p->too_large || (p->route != ROUTE_FORWARD && p->route != ROUTE_SESSION))
            return MHD_YES;
        if (p->body_len + n > (size_t)gw->cfg.upload_max_bytes) {
            p->too_large = true;
            free(p->body);
            p->body = NULL;
            p->body_len = p->body_cap = 0;
            return MHD_YES;
        }
        if (p->body_len + n + 1 > p->body_cap) {
            size_t cap = p->body_cap ? p->body_cap : 4096;
            while (cap < p->body_len + n + 1)
                cap *= 2;
            char *nb = realloc(p->body, cap);
            if (!nb)
                return MHD_NO;
            p->body = nb;
            p->body_cap = cap;
        }
        memcpy(p->body + p->body_len, upload_data, n);
        p->body_len += n;
        p->body[p->body_len] = '\0';
        return MHD_YES;
    }

    pthread_mutex_lock(&p->lock);
    bool done = p->done; /* a NATS thread sets it */
    struct MHD_Response *ready = done ? p->response : NULL;
    unsigned status = p->status;
    p->response = NULL;
    pthread_mutex_unlock(&p->lock);
    if (ready) {
        enum MHD_Result ret = MHD_queue_response(conn, status, ready);
        MHD_destroy_response(ready);
        metric_inc(front->requests);
        return ret;
    }
    if (done) /* answered once already: the response was queued */
        return MHD_NO;

    log_set_request_id(p->request_id);
    switch (p->route) {
    case ROUTE_ROOT:
        if (is_unsafe(p->method) && !root_csrf_ok(p))
            return queue_json(p, 403, "{\"detail\": \"CSRF verification failed.\", "
                                      "\"code\": \"csrf_failed\"}");
        return queue_json(p, 200, "{\"status\": \"ok\"}");
    case ROUTE_HEALTH:
        atomic_fetch_add(&front->in_flight, 1);
        health_start(gw, p);
        suspend_unless_done(p);
        return MHD_YES;
    case ROUTE_SESSION:
        if (!p->session_started) {
            p->session_started = true;
            atomic_fetch_add(&front->in_flight, 1);
            answer_session(p);
        }
        /* else resumed because auth has to answer after all */
        return queue_or_suspend(p);
    case ROUTE_FORWARD:
        if (p->too_large)
            return queue_json(p, 413, "{\"error\": \"Request body too large\", \"code\": \"body_too_large\"}");
        atomic_fetch_add(&front->in_flight, 1);
        forward(p);
        return queue_or_suspend(p);
    case ROUTE_NONE:
    default:
        return queue_json(p, 404, "{\"error\": \"Not found\", \"code\": \"not_found\"}");
    }
}

/* MHD thread: the request is over (answered, or the client went away). A
 * request is only ever suspended after its NATS work was started, and it is
 * resumed only once that work completed, so nothing else references p here. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_front_t *front = cls;
    http_pending_t *p = *req_cls;
    if (!p)
        return;
    if (p->route == ROUTE_FORWARD || p->route == ROUTE_HEALTH || p->route == ROUTE_SESSION) {
        pthread_mutex_lock(&p->lock);
        bool done = p->done;
        pthread_mutex_unlock(&p->lock);
        if (done)
            atomic_fetch_sub(&front->in_flight, 1);
    }
    log_set_request_id(NULL);
    pending_free(p);
    *req_cls = NULL;
}

/* Keeps the path and query exactly as sent; daemons decode them. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    return strlen(s);
}

int http_front_start(http_front_t **out, gateway_t *gw)
{
    http_front_t *front = calloc(1, sizeof *front);
    if (!front)
        return -1;
    front->gw = gw;
    const char *bad = NULL;
    front->trusted = client_ip_nets_parse(gw->cfg.trusted_proxies, &bad);
    if (!front->trusted) {
        log_error("TRUSTED_PROXIES: \"%s\" is not an address or CIDR", bad ? bad : "");
        free(front);
        return -1;
    }
    front->requests = metrics_counter("echochat_gateway_http_requests_total", NULL,
                                      "HTTP requests answered by the gateway.");
    front->upstream_failures = metrics_counter("echochat_gateway_http_upstream_failures_total", NULL,
                                               "Forwarded requests without a daemon answer.");
    front->latency = metrics_histogram("echochat_gateway_http_upstream_duration_seconds", NULL,
                                       "Time from request to daemon answer.");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gw->cfg.http_port)};
    if (inet_pton(AF_INET, gw->cfg.listen_host, &addr.sin_addr) != 1) {
        log_error("http: GATEWAY_HOST must be an IPv4 address");
        goto fail;
    }
    front->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ERROR_LOG,
        (uint16_t)gw->cfg.http_port, NULL, NULL, on_request, front, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, front, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        front, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_END);
    if (!front->mhd) {
        log_error("http: cannot listen on %s:%d (port in use?)", gw->cfg.listen_host,
                  gw->cfg.http_port);
        goto fail;
    }
    log_info("http: listening on %s:%d", gw->cfg.listen_host, gw->cfg.http_port);
    *out = front;
    return 0;
fail:
    client_ip_nets_free(front->trusted);
    free(front);
    return -1;
}

void http_front_stop(http_front_t *front)
{
    if (!front)
        return;
    /* Stop accepting, then let suspended requests finish (they all complete
     * within the NATS request timeout) before tearing MHD down. */
    MHD_quiesce_daemon(front->mhd);
    int waited_ms = 0;
    while (atomic_load(&front->in_flight) > 0 && waited_ms < front->gw->cfg.request_timeout_ms + 1000) {
        usleep(10 * 1000);
        waited_ms += 10;
    }
    MHD_stop_daemon(front->mhd);
    client_ip_nets_free(front->trusted);
    free(front);
}
