/* GET /api/health/: asks every daemon's ping subject at once and answers
 * with each one's readiness (200 when all are ready, else 503). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "echo/json.h"
#include "echo/subjects.h"
#include "http_front.h"

static const struct {
    const char *name, *subject;
} targets[] = {{"auth", SUBJ_PING_AUTH}, {"chat", SUBJ_PING_CHAT}, {"presence", SUBJ_PING_PRESENCE}};
enum { NTARGETS = sizeof targets / sizeof targets[0] };

typedef struct {
    http_pending_t *pending;
    pthread_mutex_t lock;
    int outstanding;
    cJSON *services;
    bool all_ready;
} health_t;

typedef struct {
    health_t *h;
    int index;
} probe_t;

/* Bus inbox or timer thread. */
static void on_ping_reply(int status, natsMsg *reply, void *ctx)
{
    probe_t *probe = ctx;
    health_t *h = probe->h;
    cJSON *entry = NULL;
    if (status == BUS_OK)
        entry = json_parse(natsMsg_GetData(reply), (size_t)natsMsg_GetDataLength(reply));
    if (!cJSON_IsObject(entry)) {
        cJSON_Delete(entry);
        entry = cJSON_CreateObject();
        cJSON_AddBoolToObject(entry, "ready", false);
        cJSON_AddStringToObject(entry, "reason",
                                status == BUS_NO_RESPONDERS ? "no instance running"
                                : status == BUS_TIMEOUT     ? "no answer in time"
                                                            : "bad answer");
    }
    natsMsg_Destroy(reply);
    bool ready = false;
    json_bool(entry, "ready", &ready);

    pthread_mutex_lock(&h->lock);
    cJSON_AddItemToObject(h->services, targets[probe->index].name, entry);
    h->all_ready = h->all_ready && ready;
    bool last = --h->outstanding == 0;
    pthread_mutex_unlock(&h->lock);
    free(probe);
    if (!last)
        return;

    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", h->all_ready ? "ok" : "degraded");
    cJSON_AddItemToObject(body, "services", h->services);
    size_t len = 0;
    char *text = json_print_compat(body, &len);
    http_front_complete(h->pending, h->all_ready ? 200 : 503, "application/json", text, len, NULL);
    free(text);
    cJSON_Delete(body);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void health_start(gateway_t *gw, http_pending_t *p)
{
    health_t *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->pending = p;
    h->outstanding = NTARGETS;
    h->services = cJSON_CreateObject();
    h->all_ready = true;
    pthread_mutex_init(&h->lock, NULL);
    for (int i = 0; i < NTARGETS; i++) {
        probe_t *probe = calloc(1, sizeof *probe);
        if (!probe)
            abort();
        probe->h = h;
        probe->index = i;
        natsMsg *msg = bus_msg_new(targets[i].subject, "{}", 2);
        if (!msg || bus_request_async(gw->bus, msg, 2000, on_ping_reply, probe) != BUS_OK)
            on_ping_reply(BUS_ERR, NULL, probe);
    }
}
