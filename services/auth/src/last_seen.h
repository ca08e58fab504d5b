/* "Last seen" comes from the presence daemon (echochat.presence.last_seen).
 * Profiles must not fail or stall because presence is slow or down: the
 * answer is bounded in time and every failure reads as "unknown" (null). */
#ifndef AUTH_LAST_SEEN_H
#define AUTH_LAST_SEEN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "echo/bus.h"

#define LAST_SEEN_TIMEOUT_MS 300

/* Asks presence about names[0..n). Returns a new object name → ISO string
 * or null, or NULL when presence did not answer usefully in time. Blocks the
 * calling worker thread for at most LAST_SEEN_TIMEOUT_MS. */
cJSON *last_seen_lookup(bus_t *bus, const char *const *names, size_t n);

/* A new JSON value for name from a lookup result: its string, else null. */
cJSON *last_seen_value(const cJSON *lookup, const char *name);

#endif
