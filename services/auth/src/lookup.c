/* {"username"} → {"user": User|null}, or {"error": "unavailable"} when the
 * database is out, so chat never mistakes an outage for an unknown user.
 * Active or not: ownership is about the account, not about signing in. */
#include "lookup.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "echo/json.h"
#include "echo/subjects.h"
#include "echo/text.h"
#include "user.h"

#define LOOKUP_WORKERS 1

/* Bus worker thread (subject echochat.auth.user.lookup). */
static void on_lookup(bus_t *bus, natsMsg *msg, void *ctx)
{
    (void)ctx;
    cJSON *req = json_parse(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    const char *name = json_str(req, "username");
    user_t u = {0};
    user_status_t st = name && *name && text_valid_utf8(name, strlen(name))
                           ? user_by_username(name, &u)
                           : USER_MISSING;
    cJSON *o = cJSON_CreateObject();
    if (st == USER_ERROR) {
        cJSON_AddStringToObject(o, "error", "unavailable");
    } else if (st == USER_FOUND) {
        user_json_add_daemon(o, u.id, u.username, u.is_staff, u.is_superuser, u.avatar);
    } else {
        cJSON_AddNullToObject(o, "user");
    }
    size_t len = 0;
    char *body = json_print_compact(o, &len);
    bus_respond(bus, msg, body, len);
    free(body);
    cJSON_Delete(o);
    cJSON_Delete(req);
    user_free(&u);
}

int lookup_start(auth_t *app)
{
    return bus_serve(app->bus, SUBJ_AUTH_USER_LOOKUP, QUEUE_AUTH, LOOKUP_WORKERS, on_lookup, app);
}
