/* echochat-chat: settings and the modules of the chat daemon. */
#ifndef CHAT_H
#define CHAT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "echo/audit_log.h"
#include "echo/bus.h"
#include "echo/config.h"

#define CHAT_PUBLIC_SLUG "public"
#define CHAT_PUBLIC_NAME "Public Chat"
#define CHAT_DEFAULT_SLUG_REGEX "^[A-Za-z0-9_-]{3,50}$"
#define CHAT_CLIENT_ID_MAX 64

typedef struct {
    long max_length;      /* CHAT_MESSAGE_MAX_LENGTH, code points */
    long rate_limit;      /* CHAT_MESSAGE_RATE_LIMIT, messages per window */
    long rate_window;     /* CHAT_MESSAGE_RATE_WINDOW, seconds */
    char *slug_regex_src; /* CHAT_ROOM_SLUG_REGEX as given */
    regex_t slug_regex;   /* compiled POSIX ERE; regexec is thread-safe in glibc */
    bool slug_regex_ok;
    long http_workers;    /* CHAT_HTTP_WORKERS */
    long post_workers;    /* CHAT_POST_WORKERS */
} chat_config_t;

/* chat_config.c */
void chat_config_load(cfg_t *c, chat_config_t *out);
void chat_config_free(chat_config_t *cfg);
/* Compiles src as a POSIX extended regex; false (with a reason) if invalid. */
bool chat_slug_regex_compile(regex_t *re, const char *src, char *err, size_t errlen);
/* D5: the whole slug must match (no partial or trailing-newline match). */
bool chat_slug_matches(const regex_t *re, const char *slug, size_t len);
/* `public`, or a full match of the slug regex. */
bool chat_room_name_allowed(const chat_config_t *cfg, const char *room, size_t len);

/* chat_format.c: pure formatting and parsing rules (unit-tested). */
/* History profilePic (api.md §5.1): base + "/media/" + percent-encoded path;
 * default.jpg when the avatar is unknown; absolute http(s) values unchanged. Heap. */
char *chat_history_avatar_url(const char *base_url, const char *avatar);
/* WebSocket profile_pic: base + "/media/" + path verbatim; absolute http(s)
 * values unchanged; NULL when there is no avatar. Heap or NULL. */
char *chat_frame_avatar_url(const char *base_url, const char *avatar);
/* Python int() on a query value: surrounding whitespace, one sign, digits
 * with single underscores between them. Saturates at ±INT64_MAX. */
bool chat_parse_int(const char *s, int64_t *out);

typedef struct {
    int limit;          /* 1..200 */
    bool has_before;
    int64_t before;
    bool has_after;
    int64_t after;
} chat_page_t;
/* api.md 4.13 + P8: limit absent/invalid → 50, clamped to [1, 200]; before
 * and after ignored when absent/invalid (after wins when both are given).
 * query is the raw query string. */
void chat_page_parse(const char *query, chat_page_t *out);

typedef enum {
    CHAT_TEXT_OK = 0,
    CHAT_TEXT_EMPTY,     /* nothing left after trimming → ignored */
    CHAT_TEXT_TOO_LONG,  /* > max code points → message_too_long */
    CHAT_TEXT_INVALID,   /* NUL, invalid UTF-8, surrogates → ignored (W10) */
} chat_text_status_t;
/* websocket.md §2.2 steps 4–5 and W10 on the raw text; *out (heap, trimmed)
 * is set only for CHAT_TEXT_OK. */
chat_text_status_t chat_text_check(const char *text, size_t len, long max_length, char **out);
/* True when a JSON document contains a \u0000 escape inside a string: cJSON
 * would cut the string there, so the decoded value would not be the text
 * the client sent. */
bool chat_json_has_nul_escape(const char *json, size_t len);
/* ILIKE pattern matching q as a substring: '%' + q with '\\', '%' and '_'
 * escaped + '%' (PostgreSQL's default escape character). Heap. */
char *chat_like_pattern(const char *q);
/* Admin list label: the first max code points of valid UTF-8 text, plus
 * "..." when it was longer (admin.md §5). Heap. */
char *chat_label(const char *text, size_t max);

/* chat_http.c: /api/chat/ and /api/admin/ routes on echochat.chat.http. */
int chat_http_start(bus_t *bus, const chat_config_t *cfg);

/* room_events.c: the per-room ordering lock and room event publishing (see
 * the header of message_post.c). */
/* 64-bit FNV-1a of the room name: the room's PostgreSQL advisory lock key. */
int64_t room_lock_key(const char *room);
/* Publishes frame on the room's event subject and waits until nats-server has
 * processed it. False (logged) on failure. */
bool room_event_publish(bus_t *bus, const char *room, const cJSON *frame);
/* Session advisory locks on several rooms, taken in key order (so two
 * holders never deadlock; posts hold one room at a time). */
typedef struct {
    int64_t *keys;
    size_t n;
    size_t held;
    void *conn; /* PGconn the locks live on */
    int pid;
} room_locks_t;
/* Locks every room of rooms[0..n) (duplicates allowed). False on error,
 * with whatever was taken released. */
bool room_locks_take(room_locks_t *l, const char *const *rooms, size_t n);
/* True while the calling thread's connection is the one holding the locks
 * (check after db_begin, which may reconnect). */
bool room_locks_valid(const room_locks_t *l);
/* Releases the locks (drops the connection if that fails). */
void room_locks_release(room_locks_t *l);

/* rooms.c: room rows and echochat.chat.room.access. */
typedef enum { ROOM_OK = 0, ROOM_MISSING, ROOM_DB_ERROR } room_status_t;
typedef struct {
    char *slug;
    char *name;
    bool has_owner;
    int64_t owner_id;
    char *owner_username; /* NULL when no owner */
} room_t;
void room_free(room_t *r);
room_status_t room_get(const char *slug, room_t *out);
/* Creates the room if missing (created_out tells whether this call did). */
room_status_t room_get_or_create(const char *slug, const char *name, const int64_t *owner_id,
                                 const char *owner_username, room_t *out, bool *created_out);
int chat_rooms_start(bus_t *bus, const chat_config_t *cfg);

/* message_post.c: echochat.chat.message.post. */
/* Registers the metrics; call before daemon_start (before threads exist). */
void chat_post_init(const chat_config_t *cfg);
int chat_post_start(bus_t *bus);
/* Drops expired client ids and rate windows (housekeeping thread). */
void chat_post_housekeeping(void);

/* history_cache.c: rendered history pages, invalidated by room versions. */
typedef struct {
    size_t bucket;
    uint64_t version;
    uint64_t epoch;
} history_stamp_t;
/* Registers the cache metrics; call before daemon_start. */
void history_cache_init(void);
/* Reads the room's version; call before querying PostgreSQL. */
void history_cache_stamp(const char *room, history_stamp_t *out);
/* Heap copy of the cached body for key when still valid under st, else NULL. */
char *history_cache_get(const history_stamp_t *st, const char *key, size_t key_len,
                        size_t *body_len);
void history_cache_put(const history_stamp_t *st, const char *key, size_t key_len,
                       const char *body, size_t body_len);
/* The room's messages changed (call after COMMIT, before publishing). */
void history_cache_touch_room(const char *room);
/* Everything may have changed (author renames). */
void history_cache_flush(void);
/* Subscribes to every room event and to user_updated (no queue group). */
int history_cache_start(bus_t *bus);

/* authors.c: user_updated / user_deleted events → author names, links, owners. */
int chat_authors_start(bus_t *bus);

/* Session user as passed by the gateway; false when absent or malformed. */
typedef struct {
    int64_t id;
    const char *username;
    const char *avatar; /* may be NULL */
} chat_user_t;
bool chat_user_from_json(const cJSON *user, chat_user_t *out);

/* chat_request.c: the pure parse/validate step of chat's NATS requests and
 * consumed events (fuzzed by fuzz/fuzz_chat_nats.c). Borrowed strings point
 * into doc; free with the matching _free even when parsing failed. */
typedef enum {
    CHAT_POST_OK = 0,
    CHAT_POST_IGNORED,   /* malformed, empty text, guest → "ignored" */
    CHAT_POST_TOO_LONG,  /* → "message_too_long" */
    CHAT_POST_FORBIDDEN, /* room name the gateway would refuse → "forbidden" */
} chat_post_verdict_t;
typedef struct {
    cJSON *doc;
    const char *room;      /* set on CHAT_POST_OK */
    const char *base_url;  /* "" when absent */
    const char *client_id; /* NULL when absent or unusable (P7) */
    char *content;         /* trimmed text (heap), set on CHAT_POST_OK */
    chat_user_t user;
} chat_post_request_t;
/* echochat.chat.message.post: websocket.md §2.2 steps 4–6, W2, W10, P7. */
chat_post_verdict_t chat_post_request_parse(const chat_config_t *cfg, const char *data,
                                            size_t len, chat_post_request_t *out);
void chat_post_request_free(chat_post_request_t *r);

typedef enum {
    CHAT_ACCESS_LOOKUP = 0,     /* a signed-in user and a valid private slug: ask the db */
    CHAT_ACCESS_PUBLIC,         /* the public room: allowed */
    CHAT_ACCESS_BAD_REQUEST,    /* 400 bad_request */
    CHAT_ACCESS_INVALID_ROOM,   /* 403 invalid_room */
    CHAT_ACCESS_LOGIN_REQUIRED, /* 403 login_required */
} chat_access_verdict_t;
typedef struct {
    cJSON *doc;
    const char *room; /* set on CHAT_ACCESS_LOOKUP */
    chat_user_t user;
} chat_access_request_t;
/* echochat.chat.room.access (W2, W3). */
chat_access_verdict_t chat_access_request_parse(const chat_config_t *cfg, const char *data,
                                                size_t len, chat_access_request_t *out);
void chat_access_request_free(chat_access_request_t *r);

/* auth's user_updated (need_username) and user_deleted events. */
typedef struct {
    cJSON *doc;
    int64_t user_id;
    const char *username; /* valid UTF-8, non-empty when need_username */
    const char *avatar;   /* NULL when absent or null */
    bool has_avatar;      /* "avatar" present as a string or null */
} chat_user_event_t;
bool chat_user_event_parse(const char *data, size_t len, bool need_username,
                           chat_user_event_t *out);
void chat_user_event_free(chat_user_event_t *e);

#endif
