/* Internal interface of the HTTP front: a request suspended while a NATS
 * round trip is in flight is completed from another thread with
 * http_front_complete(), which resumes it. */
#ifndef HTTP_FRONT_H
#define HTTP_FRONT_H

#include <stddef.h>

#include "gateway.h"

typedef struct http_pending http_pending_t;

/* Called from any thread exactly once per suspended request. Copies body;
 * headers is a NULL-terminated list of "Name: value" strings (may be NULL). */
void http_front_complete(http_pending_t *p, unsigned status, const char *content_type,
                         const char *body, size_t len, const char *const *headers);

/* GET /api/admin/audit/: sends the envelope (owned) to auth and chat and
 * completes p with both logs merged newest first. */
void admin_audit_forward(gateway_t *gw, http_pending_t *p, natsMsg *envelope);

/* GET /api/health/: gathers each daemon's readiness over NATS. */
void health_start(gateway_t *gw, http_pending_t *p);

#endif
