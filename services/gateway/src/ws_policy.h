/* Handshake rules of the WebSocket front that do not depend on libwebsockets:
 * endpoint paths, the Origin check (websocket.md §1), the base URL used for
 * avatar URLs (api.md §5.1 third row, W5) and the avatar URL itself. Pure
 * functions so they can be unit-tested; any thread. */
#ifndef GATEWAY_WS_POLICY_H
#define GATEWAY_WS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef enum { WS_PATH_NONE = 0, WS_PATH_CHAT, WS_PATH_PRESENCE } ws_path_kind_t;

/* Classifies a request path (query string, if present, is ignored). For
 * chat, *room receives the percent-decoded room name (heap; may contain any
 * byte except '/' and NUL) and *room_len its length. Anything else is
 * WS_PATH_NONE (→ 404). `decoded` says whether the server already
 * percent-decoded the path (then no second decoding happens). */
ws_path_kind_t ws_path_parse(const char *path, bool decoded, char **room, size_t *room_len);

/* websocket.md §1 Origin check. origin NULL = header absent. */
bool ws_origin_allowed(char *const *allowed_hosts, const char *origin);

/* "scheme://host[:port]" used to build absolute URLs, or "" when no host is
 * known. public_base_url wins; forwarded host/proto are honoured only when
 * from_trusted_proxy (W5); then Origin; then Host. Heap string. */
char *ws_base_url(const char *public_base_url, bool from_trusted_proxy, const char *xf_host,
                  const char *xf_proto, const char *origin, const char *host);

/* Absolute avatar URL for a stored media name (NULL/"" → NULL): names that
 * already are http(s) URLs are returned unchanged. Heap string or NULL. */
char *ws_avatar_url(const char *base_url, const char *avatar);

/* Inbound frames and consumed events, parsed without touching sockets (so
 * fuzz/fuzz_gateway_ws.c reaches the same code). Borrowed strings point into
 * the returned document, which the caller frees with cJSON_Delete. */

/* websocket.md §2.2 steps 1–3: a JSON object whose "message" is a string.
 * *text is NULL when the frame is to be ignored; *client_id is NULL when
 * absent or over 64 bytes (P7: the message then goes without it). */
cJSON *ws_chat_frame_parse(const char *data, size_t len, const char **text,
                           const char **client_id);

/* websocket.md §3.3: only {"type": "ping"} counts. */
bool ws_presence_frame_is_ping(const char *data, size_t len);

/* auth's session_revoked ({"user_id", "session_hash"?}) and user_updated
 * ({"user_id", "username", "avatar"?}) events; NULL when malformed (no
 * integer user_id, or no username when need_username). */
typedef struct {
    int64_t user_id;
    const char *username;     /* user_updated */
    const char *avatar;       /* user_updated, may be NULL */
    const char *session_hash; /* session_revoked; NULL = every session */
} ws_user_event_t;
cJSON *ws_user_event_parse(const char *data, size_t len, bool need_username,
                           ws_user_event_t *out);

#endif
