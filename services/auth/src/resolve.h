/* The session.resolve responder (docs/architecture.md, NATS subjects). */
#ifndef AUTH_RESOLVE_H
#define AUTH_RESOLVE_H

#include "auth.h"

int resolve_start(auth_t *app);

#endif
