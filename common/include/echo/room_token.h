/* Room tokens: the NATS subject segment naming one chat room, shared by chat
 * (which publishes room events) and the gateway (which subscribes), so both
 * derive it with the same code (docs/architecture.md, W1). */
#ifndef ECHO_ROOM_TOKEN_H
#define ECHO_ROOM_TOKEN_H

#include <stddef.h>

/* The room name itself when it is non-empty and matches ^[A-Za-z0-9_-]+$,
 * else "~" followed by the lowercase hex of its bytes. '~' never occurs in a
 * plain token, so two room names never share a token. Heap string. */
char *room_token(const char *room, size_t len);

/* "echochat.chat.room_event." + room_token(room). Heap string. */
char *room_event_subject(const char *room, size_t len);

#endif
