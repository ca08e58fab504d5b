/* Fuzzes the gateway's WebSocket inputs through the handlers' own parse
 * steps (services/gateway/src/ws_policy.c): chat frames (§2.2), presence
 * frames (§3.3), auth's session_revoked / user_updated events, and the
 * handshake's path, Origin and base-URL rules. The first byte picks the
 * mode; the rest is the payload (for mode 4: "PATH\nORIGIN\nXF-HOST\nXF-PROTO\nHOST"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "echo/text.h"
#include "fuzz_lines.h"
#include "ws_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    char *msg = malloc(len ? len : 1);
    if (!msg)
        abort();
    memcpy(msg, data + 1, len);
    switch (data[0] % 5) {
    case 0: {
        const char *text, *cid;
        cJSON *doc = ws_chat_frame_parse(msg, len, &text, &cid);
        /* P7: a kept client_id is text of at most 64 characters. */
        if ((cid && (!text || !text_valid_utf8(cid, strlen(cid)) ||
                     text_codepoints(cid, strlen(cid)) > 64)) ||
            (text && !doc))
            abort();
        cJSON_Delete(doc);
        break;
    }
    case 1:
        (void)ws_presence_frame_is_ping(msg, len);
        break;
    case 2:
    case 3: {
        bool need = data[0] % 5 == 3;
        ws_user_event_t e;
        cJSON *doc = ws_user_event_parse(msg, len, need, &e);
        if (doc && need && !e.username)
            abort();
        if (!doc && (e.username || e.user_id || e.session_hash))
            abort();
        cJSON_Delete(doc);
        break;
    }
    case 4: {
        const uint8_t *p = data + 1, *end = data + size;
        char *path = fuzz_take_line(&p, end), *origin = fuzz_take_line(&p, end);
        char *xf_host = fuzz_take_line(&p, end), *xf_proto = fuzz_take_line(&p, end);
        char *host = fuzz_take_line(&p, end);
        static char *hosts[] = {"localhost", ".example.com", "chat.example", NULL};
        char *room = NULL;
        size_t room_len = 0;
        if (ws_path_parse(path, len % 2, &room, &room_len) == WS_PATH_CHAT &&
            (!room || memchr(room, '/', room_len) || strlen(room) != room_len))
            abort(); /* a room name is one segment without '/' or NUL */
        free(room);
        (void)ws_origin_allowed(hosts, *origin ? origin : NULL);
        char *base = ws_base_url("", len % 3 == 0, xf_host, xf_proto, origin, host);
        char *url = base ? ws_avatar_url(base, "profile_pics/x.png") : NULL;
        free(url);
        free(base);
        free(path);
        free(origin);
        free(xf_host);
        free(xf_proto);
        free(host);
        break;
    }
    }
    free(msg);
    return 0;
}
