/* The presence daemon's runtime: NATS handlers, the sweep/publish timer and
 * last_seen persistence around the pure state machine (presence_state.h). */
#ifndef PRESENCE_H
#define PRESENCE_H

#include "echo/daemon.h"

typedef struct presence presence_t;

typedef struct {
    int ttl_s;   /* PRESENCE_TTL */
    int grace_s; /* PRESENCE_GRACE (≤ 0: no grace) */
} presence_config_t;

void presence_config_load(cfg_t *c, presence_config_t *cfg);
int presence_start(presence_t **out, daemon_t *d, const presence_config_t *cfg);
/* Stops the timer (before the bus drains); presence_free after shutdown. */
void presence_stop(presence_t *p);
void presence_free(presence_t *p);

#endif
