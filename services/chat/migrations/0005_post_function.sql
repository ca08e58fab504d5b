-- The send pipeline of message_post.c (websocket.md §2.2, W3, W7, W9, P7) as
-- one statement: the room lock, the client_id claim, the owner check, the
-- rate limit, the author row and the INSERT used to be eight round trips
-- (nine with a client_id, BEGIN and COMMIT included); now they are one, and
-- the statement commits on its own. What is left of a post's time is mostly
-- the commit's fsync (P6; docs/benchmarks.md).
--
-- p_lock_key is the room's session-level advisory lock (room_lock_key() in
-- room_events.c). It is taken first, before any id is drawn, and is NOT
-- released here: the caller publishes the committed message and only then
-- unlocks, so the room's frames leave in id order across chat instances.
-- A session lock outlives a failed statement too; the caller unlocks on every
-- path.
--
-- Rejections (forbidden, rate_limited) leave nothing behind: the rate counter
-- is not advanced and the client_id claim made for this post is removed,
-- exactly as the rolled-back transaction did before. A claim row that is
-- removed here was either new or older than ten minutes, which P7 treats the
-- same as no row.
--
-- o_status: 'stored' (o_* describe the new row), 'duplicate' (the original
-- message of this client_id), 'ignored' (a duplicate whose original was
-- deleted), 'forbidden', 'rate_limited' (o_retry_after in seconds).
CREATE FUNCTION chat.post_message(
    p_lock_key bigint, p_room text, p_user_id bigint, p_username text, p_avatar text,
    p_content text, p_client_id text, p_window_s float8, p_limit integer,
    OUT o_status text, OUT o_id bigint, OUT o_created_us bigint, OUT o_username text,
    OUT o_avatar text, OUT o_content text, OUT o_room text, OUT o_retry_after bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_window interval := make_interval(secs => p_window_s);
    v_owner bigint;
BEGIN
    PERFORM pg_advisory_lock(p_lock_key);

    IF p_client_id IS NOT NULL THEN
        -- A concurrent duplicate waits on the row lock, then sees the claim.
        INSERT INTO chat.client_ids AS c (user_id, client_id) VALUES (p_user_id, p_client_id)
        ON CONFLICT (user_id, client_id) DO UPDATE SET message_id = NULL, created_at = now()
        WHERE c.created_at < now() - interval '10 minutes';
        IF NOT FOUND THEN
            SELECT m.id, (extract(epoch FROM m.created_at) * 1000000)::int8, m.username,
                   m.avatar, m.content, m.room
              INTO o_id, o_created_us, o_username, o_avatar, o_content, o_room
              FROM chat.client_ids c JOIN chat.messages m ON m.id = c.message_id
             WHERE c.user_id = p_user_id AND c.client_id = p_client_id;
            o_status := CASE WHEN FOUND THEN 'duplicate' ELSE 'ignored' END;
            RETURN;
        END IF;
    END IF;

    -- W3 on every post: the room may have been created by its owner after
    -- the socket joined while it did not exist yet.
    SELECT r.owner_id INTO v_owner FROM chat.rooms r WHERE r.slug = p_room;
    IF v_owner IS NOT NULL AND v_owner <> p_user_id THEN
        o_status := 'forbidden';
    ELSE
        -- §2.4 fixed window: a new window when the old one is over, else count
        -- up while under the limit; no row touched = rejected.
        INSERT INTO chat.rate_limits AS r (user_id, window_start, count) VALUES (p_user_id, now(), 1)
        ON CONFLICT (user_id) DO UPDATE SET
            window_start = CASE WHEN r.window_start + v_window <= now()
                                THEN now() ELSE r.window_start END,
            count = CASE WHEN r.window_start + v_window <= now() THEN 1 ELSE r.count + 1 END
        WHERE r.window_start + v_window <= now() OR r.count < p_limit;
        IF NOT FOUND THEN
            o_status := 'rate_limited';
            SELECT greatest(1, ceil(extract(epoch FROM r.window_start + v_window - now())))::int8
              INTO o_retry_after FROM chat.rate_limits r WHERE r.user_id = p_user_id;
        END IF;
    END IF;
    IF o_status IS NOT NULL THEN
        IF p_client_id IS NOT NULL THEN
            DELETE FROM chat.client_ids c WHERE c.user_id = p_user_id AND c.client_id = p_client_id;
        END IF;
        RETURN;
    END IF;

    -- Locks the author row (a concurrent rename waits for this commit, then
    -- rewrites this message too) and yields the author's current name (W7).
    INSERT INTO chat.authors AS a (user_id, username, avatar) VALUES (p_user_id, p_username, p_avatar)
    ON CONFLICT (user_id) DO UPDATE SET user_id = a.user_id
    RETURNING a.username, a.avatar INTO o_username, o_avatar;

    INSERT INTO chat.messages AS m (room, user_id, username, avatar, content, client_id)
    VALUES (p_room, p_user_id, o_username, o_avatar, p_content, p_client_id)
    RETURNING m.id, (extract(epoch FROM m.created_at) * 1000000)::int8 INTO o_id, o_created_us;

    IF p_client_id IS NOT NULL THEN
        UPDATE chat.client_ids c SET message_id = o_id
         WHERE c.user_id = p_user_id AND c.client_id = p_client_id;
    END IF;
    o_status := 'stored';
    o_content := p_content;
    o_room := p_room;
END $$;
