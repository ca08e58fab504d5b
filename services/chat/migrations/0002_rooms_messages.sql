-- Rooms, messages and the state the message pipeline needs (rate limits,
-- idempotent client ids, current author names). Everything lives in schema
-- chat; users belong to auth and are referenced by id only (no foreign keys
-- across schemas: a deleted account leaves its messages with the stored name).

CREATE TABLE chat.rooms (
    id             bigserial PRIMARY KEY,
    slug           text NOT NULL UNIQUE,
    name           varchar(150) NOT NULL,          -- D7: usernames are up to 150 chars
    owner_id       bigint,                         -- NULL: owner-less, anyone may open it
    owner_username varchar(150),                   -- kept current by user_updated events
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rooms_owner_id ON chat.rooms (owner_id) WHERE owner_id IS NOT NULL;

CREATE TABLE chat.messages (
    id         bigserial PRIMARY KEY,
    room       text NOT NULL,                      -- exact room name; no room row needed
    user_id    bigint,                             -- NULL once the account is gone
    username   varchar(150) NOT NULL,              -- author name, kept current (W7)
    avatar     varchar(255),                       -- author avatar path, kept current
    content    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    client_id  varchar(64)                         -- P7, informational
);
-- History pages are "newest N with id < X in room R" and "id > X in room R":
-- one range scan over (room, id). The message text cannot be an INCLUDE
-- column (1000 code points can exceed the 2.7 kB btree tuple limit), so the
-- rows are fetched from the heap; a page is ~1 heap page for busy rooms.
CREATE INDEX messages_room_id ON chat.messages (room, id);
-- Renames rewrite the author columns of that user's messages.
CREATE INDEX messages_user_id ON chat.messages (user_id) WHERE user_id IS NOT NULL;

-- Current name and avatar of every author chat has seen, from the posts
-- themselves and from auth's user_updated events. The post path locks the
-- row, so a rename and a concurrent post cannot leave a stale name behind.
CREATE TABLE chat.authors (
    user_id    bigint PRIMARY KEY,
    username   varchar(150) NOT NULL,
    avatar     varchar(255),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Fixed-window message rate limit per user, shared by every chat instance
-- (websocket.md §2.4, W9).
CREATE TABLE chat.rate_limits (
    user_id      bigint PRIMARY KEY,
    window_start timestamptz NOT NULL,
    count        integer NOT NULL
);

-- P7: (user, client_id) seen within the last 10 minutes → the stored message.
CREATE TABLE chat.client_ids (
    user_id    bigint NOT NULL,
    client_id  varchar(64) NOT NULL,
    message_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, client_id)
);
CREATE INDEX client_ids_created_at ON chat.client_ids (created_at);

INSERT INTO chat.rooms (slug, name) VALUES ('public', 'Public Chat') ON CONFLICT (slug) DO NOTHING;
