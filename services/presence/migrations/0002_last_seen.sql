-- When each user was last online (written by the presence daemon when a user
-- appears or disappears); answers echochat.presence.last_seen for profiles.
CREATE TABLE last_seen (
    user_id   bigint PRIMARY KEY,
    username  text NOT NULL,
    last_seen timestamptz NOT NULL
);
CREATE INDEX last_seen_username ON last_seen (username);
