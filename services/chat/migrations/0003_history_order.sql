-- History is ordered by (created_at, id) (docs/admin-api.md: an edited
-- timestamp moves the message); live messages get clock_timestamp() under the
-- per-room lock, so for unedited history this equals id order. The index
-- serves "newest N before (ts, id)" and "oldest N after (ts, id)" in a room as
-- one range scan.
DROP INDEX chat.messages_room_id;
CREATE INDEX messages_room_created_id ON chat.messages (room, created_at, id);
