/* Blocking request to presence from a bus worker thread. */
#include "last_seen.h"

#include <stdlib.h>

#include "echo/json.h"
#include "echo/log.h"
#include "echo/subjects.h"

cJSON *last_seen_lookup(bus_t *bus, const char *const *names, size_t n)
{
    if (n == 0)
        return NULL;
    cJSON *req = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(req, "usernames");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(names[i]));
    size_t len = 0;
    char *body = json_print_compact(req, &len);
    cJSON_Delete(req);
    natsMsg *reply = NULL;
    int st = bus_request(bus, SUBJ_PRESENCE_LAST_SEEN, body, len, LAST_SEEN_TIMEOUT_MS, &reply);
    free(body);
    if (st != BUS_OK) {
        /* No responder is the normal state of a stack without presence. */
        if (st != BUS_NO_RESPONDERS)
            log_warn("last_seen: presence did not answer (%d)", st);
        return NULL;
    }
    cJSON *o = json_parse(natsMsg_GetData(reply), (size_t)natsMsg_GetDataLength(reply));
    natsMsg_Destroy(reply);
    cJSON *map = cJSON_DetachItemFromObjectCaseSensitive(o, "last_seen");
    cJSON_Delete(o);
    if (!cJSON_IsObject(map)) {
        log_warn("last_seen: malformed answer from presence");
        cJSON_Delete(map);
        return NULL;
    }
    return map;
}

cJSON *last_seen_value(const cJSON *lookup, const char *name)
{
    const cJSON *v = lookup ? cJSON_GetObjectItemCaseSensitive(lookup, name) : NULL;
    return cJSON_IsString(v) ? cJSON_CreateString(v->valuestring) : cJSON_CreateNull();
}
