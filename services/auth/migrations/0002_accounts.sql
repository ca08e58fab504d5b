-- Accounts, sessions, avatars and the counters behind the auth rate limits.
-- Usernames compare byte-exact (COLLATE "C"): they are case-sensitive and
-- already NFKC-normalised by the daemon (api.md §4.6).
CREATE TABLE auth.users (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text COLLATE "C" NOT NULL,
    password     text NOT NULL,            -- argon2id encoded form
    email        text NOT NULL DEFAULT '',
    bio          text NOT NULL DEFAULT '',
    avatar       text NOT NULL DEFAULT 'default.jpg', -- media name
    is_active    boolean NOT NULL DEFAULT true,
    is_staff     boolean NOT NULL DEFAULT false,
    is_superuser boolean NOT NULL DEFAULT false,
    date_joined  timestamptz NOT NULL DEFAULT now(),
    last_login   timestamptz,
    last_seen    timestamptz,
    CONSTRAINT users_username_key UNIQUE (username)
);
CREATE INDEX users_avatar_idx ON auth.users (avatar);

-- A session row lives until logout, revocation or its absolute expiry
-- (created_at + 14 days, checked at read time). Only the SHA-256 of the
-- cookie value is stored.
CREATE TABLE auth.sessions (
    hash       text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON auth.sessions (user_id);

-- Avatars and the default image, content-addressed (decision P13).
CREATE TABLE auth.media (
    name         text PRIMARY KEY,
    content_type text NOT NULL,
    etag         text NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Fixed windows shared by every auth instance: (action, key) → count.
CREATE TABLE auth.rate_windows (
    action       text NOT NULL,
    key          text COLLATE "C" NOT NULL,
    window_start timestamptz NOT NULL,
    count        integer NOT NULL,
    locked_until timestamptz,
    PRIMARY KEY (action, key)
);
CREATE INDEX rate_windows_start_idx ON auth.rate_windows (window_start);
