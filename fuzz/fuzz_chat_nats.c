/* Fuzzes chat's NATS inputs through the handlers' own parse step
 * (services/chat/src/chat_request.c): echochat.chat.message.post,
 * echochat.chat.room.access, and auth's user_updated / user_deleted events.
 * The first byte picks the subject; the rest is the message payload.
 * Checks the invariants the handlers rely on after a successful parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/text.h"

static chat_config_t cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[128];
    cfg.max_length = 500;
    if (!chat_slug_regex_compile(&cfg.slug_regex, CHAT_DEFAULT_SLUG_REGEX, err, sizeof err))
        abort();
    cfg.slug_regex_ok = true;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    char *msg = malloc(len ? len : 1); /* not NUL-terminated, like a NATS payload */
    if (!msg)
        abort();
    memcpy(msg, data + 1, len);
    switch (data[0] % 4) {
    case 0: {
        chat_post_request_t r;
        if (chat_post_request_parse(&cfg, msg, len, &r) == CHAT_POST_OK) {
            size_t n = strlen(r.content);
            if (!n || !text_valid_utf8(n ? r.content : "", n) ||
                text_codepoints(r.content, n) > (size_t)cfg.max_length || !r.room ||
                !chat_room_name_allowed(&cfg, r.room, strlen(r.room)) || !r.user.username ||
                (r.client_id && text_codepoints(r.client_id, strlen(r.client_id)) >
                                    CHAT_CLIENT_ID_MAX))
                abort();
        }
        chat_post_request_free(&r);
        break;
    }
    case 1: {
        chat_access_request_t r;
        if (chat_access_request_parse(&cfg, msg, len, &r) == CHAT_ACCESS_LOOKUP &&
            (!r.room || !chat_slug_matches(&cfg.slug_regex, r.room, strlen(r.room)) ||
             !r.user.username))
            abort();
        chat_access_request_free(&r);
        break;
    }
    default: {
        bool need_username = data[0] % 4 == 2;
        chat_user_event_t e;
        if (chat_user_event_parse(msg, len, need_username, &e) && need_username &&
            (!e.username || !*e.username || !text_valid_utf8(e.username, strlen(e.username))))
            abort();
        chat_user_event_free(&e);
        break;
    }
    }
    free(msg);
    return 0;
}
