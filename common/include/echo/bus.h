/* NATS plumbing: one connection per daemon that reconnects forever, queue-group
 * responders with worker threads, blocking requests, and the non-blocking
 * request path (one inbox subscription + correlation) for event loops. */
#ifndef ECHO_BUS_H
#define ECHO_BUS_H

#include <stdbool.h>
#include <stddef.h>

#include <nats/nats.h>

#define BUS_HDR_REQUEST_ID "Echo-Request-Id"

typedef struct bus bus_t;

typedef enum { BUS_OK = 0, BUS_ERR = -1, BUS_TIMEOUT = -2, BUS_NO_RESPONDERS = -3 } bus_status_t;

/* Connects to url (comma-separated list allowed). Never fails because the
 * server is unreachable: the connection keeps retrying in the background and
 * bus_connected() says when it is up. Returns BUS_ERR on bad options only. */
int bus_open(bus_t **out, const char *url, const char *client_name);
/* Drains subscriptions (in-flight handlers finish) and closes. */
void bus_close(bus_t *bus);
bool bus_connected(bus_t *bus);
natsConnection *bus_conn(bus_t *bus);

/* Handler for a request or event. Runs on one of the subscription's worker
 * threads (several run concurrently); the log request id is already set from
 * the message header. The handler does not own msg. */
typedef void (*bus_handler_fn)(bus_t *bus, natsMsg *msg, void *ctx);

/* Subscribes `workers` times to subject in queue group `queue` (NULL: no
 * group, every instance gets each message). Each subscription has its own
 * delivery thread, so up to `workers` handlers run at once. */
int bus_serve(bus_t *bus, const char *subject, const char *queue, int workers, bus_handler_fn fn,
              void *ctx);

/* Hands ptr to the bus, which frees it in bus_close() after every handler
 * has finished (for contexts shared by bus_serve workers). */
void bus_own(bus_t *bus, void *ptr);

/* Replies to a request message; a no-op when msg has no reply subject. */
int bus_respond(bus_t *bus, natsMsg *request, const char *data, size_t len);
/* Replies with a prepared message (headers + body); takes ownership of reply. */
int bus_respond_msg(bus_t *bus, natsMsg *request, natsMsg *reply);

int bus_publish(bus_t *bus, const char *subject, const char *data, size_t len);
/* Publishes msg (subject set by the caller); takes ownership. Adds the calling
 * thread's request id header when it has one and msg lacks it. */
int bus_publish_msg(bus_t *bus, natsMsg *msg);

/* Blocking request; *reply is owned by the caller (natsMsg_Destroy). */
int bus_request(bus_t *bus, const char *subject, const char *data, size_t len, int timeout_ms,
                natsMsg **reply);
/* Blocking request with a prepared message (subject set); takes ownership of msg. */
int bus_request_msg(bus_t *bus, natsMsg *msg, int timeout_ms, natsMsg **reply);

/* Completion of a non-blocking request. Runs on the bus's inbox delivery
 * thread or its timer thread, never on the caller's. reply is NULL unless
 * status is BUS_OK and is owned by the callee (natsMsg_Destroy). */
typedef void (*bus_reply_fn)(int status, natsMsg *reply, void *ctx);

/* Sends msg and returns at once; cb is called exactly once. Takes ownership
 * of msg. A message from bus_msg_new_request() is sent as is; any other is
 * copied once to address it to the bus's reply inbox. */
int bus_request_async(bus_t *bus, natsMsg *msg, int timeout_ms, bus_reply_fn cb, void *ctx);

/* A message already addressed to this bus's reply inbox, for
 * bus_request_async() without a copy (large bodies). */
natsMsg *bus_msg_new_request(bus_t *bus, const char *subject, const char *data, size_t len);
/* Copy of src (headers and payload) to another subject/reply. */
natsMsg *bus_msg_copy(natsMsg *src, const char *subject, const char *reply);
/* Creates a message with the calling thread's request id header. */
natsMsg *bus_msg_new(const char *subject, const char *data, size_t len);
/* Header value or NULL. */
const char *bus_header(natsMsg *msg, const char *key);

#endif
