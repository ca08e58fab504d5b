/* NATS subjects and queue groups of the EchoChat contract. Source of truth:
 * proto/asyncapi.yaml; tests/proto checks this header against it. */
#ifndef ECHO_SUBJECTS_H
#define ECHO_SUBJECTS_H

/* Every daemon answers its readiness on echochat.<service>.ping. */
#define SUBJ_PING_AUTH "echochat.auth.ping"
#define SUBJ_PING_CHAT "echochat.chat.ping"
#define SUBJ_PING_PRESENCE "echochat.presence.ping"

/* HTTP requests forwarded by the gateway (see proto: HttpRequest/HttpResponse). */
#define SUBJ_AUTH_HTTP "echochat.auth.http"
#define SUBJ_CHAT_HTTP "echochat.chat.http"

/* auth requests and events */
#define SUBJ_AUTH_SESSION_RESOLVE "echochat.auth.session.resolve"
#define SUBJ_AUTH_EVENT_SESSION_REVOKED "echochat.auth.event.session_revoked"
#define SUBJ_AUTH_EVENT_USER_UPDATED "echochat.auth.event.user_updated"
#define SUBJ_AUTH_EVENT_USER_DELETED "echochat.auth.event.user_deleted"
/* Own-profile fields only (email, bio): the gateways' session caches. */
#define SUBJ_AUTH_EVENT_PROFILE_UPDATED "echochat.auth.event.profile_updated"
/* chat asks auth for an account by username (admin room owners). */
#define SUBJ_AUTH_USER_LOOKUP "echochat.auth.user.lookup"

/* chat requests and events */
#define SUBJ_CHAT_ROOM_ACCESS "echochat.chat.room.access"
#define SUBJ_CHAT_MESSAGE_POST "echochat.chat.message.post"
/* Room events: prefix + room token (proto: RoomToken). */
#define SUBJ_CHAT_ROOM_EVENT_PREFIX "echochat.chat.room_event."
/* After chat applied an auth user event to stored history (every instance and gateway flush). */
#define SUBJ_CHAT_EVENT_AUTHORS_UPDATED "echochat.chat.event.authors_updated"

/* presence */
#define SUBJ_PRESENCE_REPORT "echochat.presence.report"
#define SUBJ_PRESENCE_VIEW "echochat.presence.view"
#define SUBJ_PRESENCE_LAST_SEEN "echochat.presence.last_seen"

/* Queue groups: one per service so each request reaches one instance. */
#define QUEUE_AUTH "auth"
#define QUEUE_CHAT "chat"
#define QUEUE_PRESENCE "presence"

#endif
