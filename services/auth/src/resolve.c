/* echochat.auth.session.resolve: the gateway's hot path. One SHA-256 and
 * one indexed statement per call; served by its own workers so logins,
 * which spend ~20 ms hashing, never queue in front of it. The answer also
 * carries the own-profile fields ("profile"), so the gateway can answer
 * GET /api/auth/session/ from its cache without asking auth again. */
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"
#include "session.h"
#include "user.h"

static void reply(bus_t *bus, natsMsg *msg, cJSON *o)
{
    size_t len = 0;
    char *body = json_print_compact(o, &len);
    if (body) bus_respond(bus, msg, body, len);
    free(body);
    cJSON_Delete(o);
}

/* Bus worker thread (subject echochat.auth.session.resolve). */
static void on_resolve(bus_t *bus, natsMsg *msg, void *ctx)
{
    cJSON *req = json_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    const char *sid = json_str(req, "session_id");
    cJSON *o = cJSON_CreateObject();
    session_user_t u;
    user_t account = {0};
    session_status_t st = sid ? session_resolve(sid, &u, NULL, &account) : SESSION_NONE;
    if (st == SESSION_ERROR) {
        /* Not "guest": a database outage must not look like a logout. */
        cJSON_AddStringToObject(o, "error", "unavailable");
    } else if (st == SESSION_FOUND) {
        user_json_add_daemon(o, u.id, u.username, u.is_staff, u.is_superuser, u.avatar);
        cJSON *profile = cJSON_AddObjectToObject(o, "profile");
        cJSON_AddStringToObject(profile, "email", account.email);
        cJSON_AddStringToObject(profile, "bio", account.bio);
        cJSON_AddNumberToObject(profile, "date_joined_us", (double)account.date_joined_us);
        cJSON_AddNumberToObject(o, "expires_at", (double)u.expires_at);
    } else {
        cJSON_AddNullToObject(o, "user");
    }
    reply(bus, msg, o);
    user_free(&account);
    cJSON_Delete(req);
}

int resolve_start(auth_t *app)
{
    return bus_serve(app->bus, SUBJ_AUTH_SESSION_RESOLVE, QUEUE_AUTH, app->cfg.resolve_workers,
                     on_resolve, app);
}
