/* The auth HTTP surface (api.md endpoints 2–11 and /media/): one call
 * context per forwarded request, shared response helpers and the handlers,
 * split by topic over http_auth.c, http_profile.c and http_media.c. */
#ifndef AUTH_HTTP_H
#define AUTH_HTTP_H

#include <stdbool.h>
#include <time.h>

#include "admin_store.h"
#include "auth.h"
#include "avatar.h"
#include "echo/multipart.h"
#include "echo/http_route.h"
#include "session.h"
#include "user.h"

typedef struct {
    auth_t *app;
    http_req_t *req;
    http_resp_t *resp;
    session_status_t session; /* identity from the sessionid cookie */
    session_user_t user;      /* valid when session == SESSION_FOUND */
    user_t account;           /* the same account in full (password left empty) */
    bool cookie_hashed;       /* the request carried a well-formed sessionid */
    char cookie_hash[SESSION_HASH_HEX + 1];
    bool session_cookie_written; /* a handler set or expired sessionid itself */
    time_t now;
} call_t;

/* Serves the route table on echochat.auth.http, POSTs on the slow lane. */
int http_start(auth_t *app);
/* Finishes the slow lane's queued requests (before the bus closes); POSTs
 * arriving later are answered on the NATS workers. */
void http_stop(auth_t *app);
/* Frees the slow lane (after the bus closed: no handler runs any more). */
void http_free(auth_t *app);

/* Error bodies (P2: every one has "code"). */
void http_error(call_t *c, int status, const char *code, const char *text);
/* {"error": text, "errors": {field: [msg]}, "code": code} */
void http_field_error(call_t *c, int status, const char *code, const char *error, const char *field,
                      const char *msg);
void http_unavailable(call_t *c);
void http_body_error(call_t *c);
/* {"errors": {field: [msg, …]}, "code": code}; takes errors. */
void http_errors(call_t *c, int status, const char *code, cJSON *errors);
/* 413 file_too_large naming the upload limit under errors.image. */
void http_file_too_large(call_t *c);
/* Re-issues csrftoken: the incoming secret when well-formed, else a new one. */
int http_issue_csrf(call_t *c, char *secret_out);

/* The reference EmailValidator, simplified (http_profile.c). */
bool http_email_valid(const char *e);
/* Validates and processes an uploaded avatar as the profile endpoint does;
 * true with *img ready, else false with a message under errors.image. */
bool http_image_field(call_t *c, const multipart_part_t *f, cJSON *errors, avatar_image_t *img);

/* Handlers (bus worker threads). */
void h_csrf(call_t *c);
void h_session(call_t *c);
void h_login(call_t *c);
void h_logout(call_t *c);
void h_register(call_t *c);
void h_password_rules(call_t *c);
void h_profile(call_t *c);
void h_public_user(call_t *c);
void h_admin_users(call_t *c);
void h_admin_user(call_t *c);
void h_admin_password(call_t *c);
void h_admin_avatar(call_t *c);
void h_admin_audit(call_t *c);
void h_media(http_req_t *req, http_resp_t *resp, void *ctx);

/* The parse/validate step of PATCH /api/admin/users/<id>/ (http_admin.c):
 * fills p or answers 400 on c->resp and returns false; free p with
 * admin_patch_free either way. */
bool admin_read_patch(call_t *c, admin_patch_t *p);
void admin_patch_free(admin_patch_t *p);

#endif
