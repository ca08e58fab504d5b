/* The slow lane: requests that hash a password (~20 ms of CPU with argon2id
 * at the default cost) or process an image run on their own threads, at a
 * lower CPU priority, so they never sit in front of the fast requests
 * (session checks, profile reads) that share the echochat.auth.http queue
 * group. NATS spreads a queue group's messages over its subscriptions
 * blindly: a session check handed to a worker busy hashing would wait for
 * the whole hash. */
#ifndef AUTH_SLOW_LANE_H
#define AUTH_SLOW_LANE_H

#include <stdbool.h>

#include "echo/bus.h"

typedef struct slow_lane slow_lane_t;

/* Runs fn(bus, msg, ctx) for pushed messages on `threads` threads niced by
 * `nice` (0 = not). NULL on failure. */
slow_lane_t *slow_lane_start(bus_t *bus, int threads, int nice, bus_handler_fn fn, void *ctx);
/* Queues a copy of msg (subject, reply subject, headers, body). False when
 * the lane is full or stopping: the caller then handles msg itself. */
bool slow_lane_push(slow_lane_t *lane, natsMsg *msg);
/* Lets the threads finish what is queued and joins them; later pushes
 * return false. The lane stays valid for pushers still running. */
void slow_lane_stop(slow_lane_t *lane);
/* Frees a stopped lane once nothing can push any more (bus closed). */
void slow_lane_free(slow_lane_t *lane);

#endif
