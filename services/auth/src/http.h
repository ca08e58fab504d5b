/* The auth HTTP surface (api.md endpoints 2–11 and /media/): one call
 * context per forwarded request, shared response helpers and the handlers,
 * split by topic over http_auth.c, http_profile.c and http_media.c. */
#ifndef AUTH_HTTP_H
#define AUTH_HTTP_H

#include <stdbool.h>
#include <time.h>

#include "auth.h"
#include "echo/http_route.h"
#include "session.h"

typedef struct {
    auth_t *app;
    http_req_t *req;
    http_resp_t *resp;
    session_status_t session; /* identity from the sessionid cookie */
    session_user_t user;      /* valid when session == SESSION_FOUND */
    bool cookie_hashed;       /* the request carried a well-formed sessionid */
    char cookie_hash[SESSION_HASH_HEX + 1];
    bool session_cookie_written; /* a handler set or expired sessionid itself */
    time_t now;
} call_t;

/* Serves the route table on echochat.auth.http. */
int http_start(auth_t *app);

/* Error bodies (P2: every one has "code"). */
void http_error(call_t *c, int status, const char *code, const char *text);
/* {"error": text, "errors": {field: [msg]}, "code": code} */
void http_field_error(call_t *c, int status, const char *code, const char *error, const char *field,
                      const char *msg);
void http_unavailable(call_t *c);
void http_body_error(call_t *c);
/* Re-issues csrftoken: the incoming secret when well-formed, else a new one. */
int http_issue_csrf(call_t *c, char *secret_out);

/* Handlers (bus worker threads). */
void h_csrf(call_t *c);
void h_session(call_t *c);
void h_login(call_t *c);
void h_logout(call_t *c);
void h_register(call_t *c);
void h_password_rules(call_t *c);
void h_profile(call_t *c);
void h_public_user(call_t *c);
void h_media(http_req_t *req, http_resp_t *resp, void *ctx);

#endif
