/* Event publishing (best effort: NATS core; the database already holds the
 * truth, events only make caches and open sockets follow it at once). */
#include "events.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"

static void publish(bus_t *bus, const char *subject, cJSON *o)
{
    size_t len = 0;
    char *body = json_print_compact(o, &len);
    if (!body || bus_publish(bus, subject, body, len) != BUS_OK)
        log_warn("events: could not publish %s", subject);
    free(body);
    cJSON_Delete(o);
}

void events_session_revoked(bus_t *bus, int64_t user_id, const char *session_hash, const char *reason)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "user_id", (double)user_id);
    if (session_hash)
        cJSON_AddStringToObject(o, "session_hash", session_hash);
    else
        cJSON_AddNullToObject(o, "session_hash");
    cJSON_AddStringToObject(o, "reason", reason);
    publish(bus, SUBJ_AUTH_EVENT_SESSION_REVOKED, o);
}

void events_user_updated(bus_t *bus, int64_t user_id, const char *username, const char *avatar,
                         const char *old_username)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "user_id", (double)user_id);
    cJSON_AddStringToObject(o, "username", username);
    cJSON_AddStringToObject(o, "avatar", avatar);
    if (old_username)
        cJSON_AddStringToObject(o, "old_username", old_username);
    publish(bus, SUBJ_AUTH_EVENT_USER_UPDATED, o);
}

void events_profile_updated(bus_t *bus, int64_t user_id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "user_id", (double)user_id);
    publish(bus, SUBJ_AUTH_EVENT_PROFILE_UPDATED, o);
}

void events_user_deleted(bus_t *bus, int64_t user_id, const char *username)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "user_id", (double)user_id);
    cJSON_AddStringToObject(o, "username", username);
    publish(bus, SUBJ_AUTH_EVENT_USER_DELETED, o);
}
