-- Admin API (docs/admin-api.md): the audit log of admin writes on rooms and
-- messages, and the index the admin message list sorts by.
--
-- Entries outlive what they name: actor and object are kept by id and by the
-- label they had at the time, without foreign keys. `at` is unique so it can
-- serve as the page cursor on its own; writers serialise on an advisory lock
-- and stamp max(at) + 1 µs when the clock has not moved on. object_id is
-- null for bulk deletes (many objects).
CREATE TABLE chat.audit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor_id     bigint,
    actor        text COLLATE "C",
    action       text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'bulk_delete')),
    object_type  text NOT NULL CHECK (object_type IN ('room', 'message')),
    object_id    bigint,
    object_label text NOT NULL,
    changes      jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX audit_at_key ON chat.audit (at);
CREATE INDEX audit_object_idx ON chat.audit (object_id, at);
CREATE INDEX audit_actor_idx ON chat.audit (actor, at);

-- The admin message list pages through every room in (created_at, id) order.
-- Search (q) is a plain ILIKE scan: pg_trgm would need CREATE EXTENSION,
-- which a non-owner production role may not run, and it is one extension per
-- database shared by every schema.
CREATE INDEX messages_created_id ON chat.messages (created_at, id);
