/* The admin API of chat (docs/admin-api.md: rooms, messages, audit), shared
 * between its handler files. Handlers run on echochat.chat.http workers. */
#ifndef CHAT_ADMIN_H
#define CHAT_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "chat.h"
#include "echo/admin_query.h"
#include "echo/http_route.h"

#define ADMIN_LABEL_MAX 50
/* The last list page chat accepts (auth stops at 1000000: each answers as
 * it always has). */
#define ADMIN_PAGE_MAX 1000000000

/* The acting staff user (from Http-User). */
typedef struct {
    int64_t id;
    const char *username;
} admin_actor_t;

/* Set by chat_http_start before any handler runs. */
extern const chat_config_t *g_admin_cfg;
extern bus_t *g_admin_bus;

/* 401 for guests, 403 for non-staff; true when the caller may go on. */
bool admin_gate(http_req_t *req, http_resp_t *resp, admin_actor_t *actor);
/* The <id> segment as a positive integer, written back in canonical decimal
 * (the SQL parameter); 404 not_found otherwise. */
#define ADMIN_ID_LEN 24
bool admin_path_id(http_req_t *req, http_resp_t *resp, char id[ADMIN_ID_LEN]);
void admin_not_found(http_resp_t *resp);
void admin_unavailable(http_resp_t *resp);
/* Answers the one row sql ($1 = id) selects as to_json makes it, with
 * status; 404 when there is none, 503 when the database does not answer. */
void admin_reply_row(http_resp_t *resp, const char *sql, const char *id, int status,
                     cJSON *(*to_json)(PGresult *r, int row));

/* The JSON object body; 400 invalid_body otherwise. */
cJSON *admin_body(http_req_t *req, http_resp_t *resp);
/* 400 {"errors": {field: [text]}, "code": "validation_failed"}. */
void admin_field_error(http_resp_t *resp, const char *field, const char *text);

/* Message filters shared by the list and the bulk delete. */
typedef struct {
    char *room, *author, *q_pattern;
    bool has_since, has_until;
    int64_t since_us, until_us;
} admin_msg_filter_t;
void admin_msg_filter_free(admin_msg_filter_t *f);

/* Handlers (routes in chat_http.c). */
void admin_rooms_list(http_req_t *req, http_resp_t *resp, void *ctx);
void admin_rooms_create(http_req_t *req, http_resp_t *resp, void *ctx);
void admin_room(http_req_t *req, http_resp_t *resp, void *ctx);
void admin_messages_list(http_req_t *req, http_resp_t *resp, void *ctx);
void admin_messages_bulk_delete(http_req_t *req, http_resp_t *resp, void *ctx);
void admin_message(http_req_t *req, http_resp_t *resp, void *ctx);
void admin_audit(http_req_t *req, http_resp_t *resp, void *ctx);

#endif
