/* Room token encoding (see room_token.h): shared by chat (publisher of room
 * events) and the gateway (subscriber), which must agree byte for byte. */
#include "echo/room_token.h"

#include <stdbool.h>

static bool room_token_plain(const char *room, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)room[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

size_t room_token_size(size_t room_len)
{
    return 1 + 2 * room_len + 1;
}

int room_token(const char *room, size_t room_len, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    if (room_len == 0)
        return -1;
    if (room_token_plain(room, room_len)) {
        if (out_size < room_len + 1)
            return -1;
        for (size_t i = 0; i < room_len; i++)
            out[i] = room[i];
        out[room_len] = '\0';
        return (int)room_len;
    }
    if (out_size < room_token_size(room_len))
        return -1;
    size_t n = 0;
    out[n++] = '~';
    for (size_t i = 0; i < room_len; i++) {
        unsigned char c = (unsigned char)room[i];
        out[n++] = hex[c >> 4];
        out[n++] = hex[c & 15];
    }
    out[n] = '\0';
    return (int)n;
}
