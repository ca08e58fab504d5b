-- Audit log of admin writes on accounts (decision P16, docs/admin-api.md).
-- Entries outlive the accounts they name: actor and object are kept by id
-- and by the name they had at the time, without foreign keys.
-- `at` is unique so it can serve as the page cursor on its own (the
-- gateway merges auth's and chat's pages by `at`); writers take the admin
-- lock and stamp max(at) + 1 µs when the clock has not moved on.
CREATE TABLE auth.audit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor_id     bigint,
    actor        text COLLATE "C",
    action       text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'password')),
    object_type  text NOT NULL CHECK (object_type = 'user'),
    object_id    bigint NOT NULL,
    object_label text NOT NULL,
    changes      jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX audit_at_key ON auth.audit (at);
CREATE INDEX audit_object_idx ON auth.audit (object_id, at);
CREATE INDEX audit_actor_idx ON auth.audit (actor, at);
