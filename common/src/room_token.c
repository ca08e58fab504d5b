/* Room name → NATS subject token (see echo/room_token.h). */
#include "echo/room_token.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "echo/subjects.h"

static bool plain_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static size_t token_into(char *out, const char *room, size_t len)
{
    bool plain = len > 0;
    for (size_t i = 0; i < len && plain; i++)
        plain = plain_char((unsigned char)room[i]);
    if (plain) {
        if (out)
            memcpy(out, room, len);
        return len;
    }
    static const char hex[] = "0123456789abcdef";
    if (out) {
        out[0] = '~';
        for (size_t i = 0; i < len; i++) {
            out[1 + 2 * i] = hex[(unsigned char)room[i] >> 4];
            out[2 + 2 * i] = hex[(unsigned char)room[i] & 15];
        }
    }
    return 1 + 2 * len;
}

static char *prefixed(const char *prefix, const char *room, size_t len)
{
    size_t plen = strlen(prefix);
    size_t n = token_into(NULL, room, len);
    char *out = malloc(plen + n + 1);
    if (!out)
        abort();
    memcpy(out, prefix, plen);
    token_into(out + plen, room, len);
    out[plen + n] = '\0';
    return out;
}

char *room_token(const char *room, size_t len)
{
    return prefixed("", room, len);
}

char *room_event_subject(const char *room, size_t len)
{
    return prefixed(SUBJ_CHAT_ROOM_EVENT_PREFIX, room, len);
}
