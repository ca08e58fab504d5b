/* Room token: the NATS subject element naming a chat room (architecture.md,
 * W1). The room name itself when it matches ^[A-Za-z0-9_-]+$, else "~"
 * followed by the lowercase hex of its UTF-8 bytes, so two distinct rooms
 * never share a subject and no name can inject subject syntax (".", "*", ">"). */
#ifndef ECHO_ROOM_TOKEN_H
#define ECHO_ROOM_TOKEN_H

#include <stddef.h>

/* Bytes room_token() needs for a room of room_len bytes, NUL included. */
size_t room_token_size(size_t room_len);
/* Writes the token of room (room_len bytes, may contain any byte) into out.
 * Returns the token length, or -1 when out_size is too small or the room
 * is empty (an empty name has no token). */
int room_token(const char *room, size_t room_len, char *out, size_t out_size);

#endif
