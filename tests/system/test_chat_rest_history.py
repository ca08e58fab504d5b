"""Chat REST, history: GET /api/chat/rooms/<slug>/messages/ (api.md 4.13,
behaviours.md B.8 items 83-92, D4, P8 `after`, additive hasMore/nextBefore).

Messages are seeded straight into chat.messages with psql (fast, and lets a
test set timestamps and authors), or posted through echochat.chat.message.post.
"""

import json
import re
import time

import pytest

from chat_nats import Nats, insert_messages, psql, slug, user


@pytest.fixture
def nats(stack):
    with Nats(stack["NATS_URL"]) as n:
        yield n


@pytest.fixture
def db(stack):
    return stack["DATABASE_URL"]


def hist(nats, room, query="", u=None, base_url="http://testserver"):
    return nats.http("GET", f"/api/chat/rooms/{room}/messages/", query=query, user=u,
                     base_url=base_url)


def ids(body):
    return [m["id"] for m in body["messages"]]


def test_access_rules_item83(nats):
    """item 83: guest: public -> 200, other valid slug -> 401, invalid slug -> 400."""
    assert hist(nats, "public")[0] == 200
    status, body = hist(nats, slug())
    assert status == 401 and body["error"] == "Требуется авторизация"
    status, body = hist(nats, "ab")
    assert status == 400 and body["error"] == "Invalid room slug"
    assert hist(nats, "abc%0A", u=user())[0] == 400


def test_latest_50_ascending_item84(nats, db):
    """item 84: no params -> the latest 50 messages in ascending id order."""
    room = slug()
    seeded = insert_messages(db, room, 60)
    status, body = hist(nats, room, u=user())
    assert status == 200
    assert ids(body) == seeded[-50:]
    m = body["messages"][0]
    assert list(m) == ["id", "username", "content", "profilePic", "createdAt"]
    assert body["hasMore"] is True and body["nextBefore"] == seeded[10]


@pytest.mark.parametrize("query,count", [
    ("limit=0", 1), ("limit=-5", 1), ("limit=500", 200), ("limit=1000000000", 200),
    ("limit=abc", 50), ("limit=", 50), ("limit=1.5", 50), ("limit=%204%20", 4),
    ("limit=-0", 1), ("limit=99999999999999999999999999", 200),
])
def test_limit_parsing_item85(nats, db, query, count):
    """item 85: limit clamps to [1, 200]; non-integers mean 50."""
    room = slug()
    seeded = insert_messages(db, room, 210)
    status, body = hist(nats, room, query, u=user())
    assert status == 200
    assert ids(body) == seeded[-count:]


def test_before_item86(nats, db):
    """item 86: before=<id> -> only smaller ids; before=0 -> []; before=abc ignored."""
    room = slug()
    seeded = insert_messages(db, room, 10)
    u = user()
    body = hist(nats, room, f"before={seeded[5]}", u=u)[1]
    assert ids(body) == seeded[:5]
    assert body["hasMore"] is False and body["nextBefore"] == seeded[0]
    assert hist(nats, room, "before=0", u=u)[1]["messages"] == []
    assert hist(nats, room, "before=-3", u=u)[1]["messages"] == []
    assert ids(hist(nats, room, "before=abc", u=u)[1]) == seeded
    assert ids(hist(nats, room, "before=", u=u)[1]) == seeded


def test_paging_backwards_with_next_before(nats, db):
    """hasMore/nextBefore walk the whole history back without gaps or repeats."""
    room = slug()
    seeded = insert_messages(db, room, 23)
    u, got, query = user(), [], "limit=5"
    for _ in range(10):
        body = hist(nats, room, query, u=u)[1]
        got = ids(body) + got
        if not body["hasMore"]:
            break
        assert body["nextBefore"] == ids(body)[0]
        query = f"limit=5&before={body['nextBefore']}"
    assert got == seeded


def test_after_resync_p8(nats, db):
    """P8: after=<id> -> messages with id > after, ascending, paged with nextAfter."""
    room = slug()
    seeded = insert_messages(db, room, 12)
    u = user()
    body = hist(nats, room, f"after={seeded[3]}&limit=5", u=u)[1]
    assert ids(body) == seeded[4:9]
    assert body["hasMore"] is True and body["nextAfter"] == seeded[8]
    body = hist(nats, room, f"after={body['nextAfter']}&limit=5", u=u)[1]
    assert ids(body) == seeded[9:]
    assert body["hasMore"] is False and body["nextAfter"] == seeded[-1]
    body = hist(nats, room, f"after={seeded[-1]}", u=u)[1]
    assert body["messages"] == [] and body["nextAfter"] is None and body["nextBefore"] is None
    assert ids(hist(nats, room, "after=abc&limit=3", u=u)[1]) == seeded[-3:]
    assert ids(hist(nats, room, "after=0", u=u)[1]) == seeded


def test_unknown_room_with_messages_item87(nats, db):
    """item 87: a slug nobody created but with messages returns them; otherwise [];
    no room row is created."""
    room, empty = slug(), slug()
    seeded = insert_messages(db, room, 3)
    assert ids(hist(nats, room, u=user())[1]) == seeded
    assert hist(nats, empty, u=user())[1]["messages"] == []
    assert psql(db, "SELECT count(*) FROM chat.rooms WHERE slug IN (:'a', :'b');",
                a=room, b=empty) == [["0"]]


def test_other_users_room_is_409_d4(nats, db):
    """item 88 (D4): user B reading user A's room history -> 409; A and an owner-less
    room are fine."""
    a, b, room = user(), user(), slug()
    assert nats.http("GET", f"/api/chat/rooms/{room}/", user=a)[1]["created"] is True
    insert_messages(db, room, 2)
    status, body = hist(nats, room, u=b)
    assert status == 409 and body["error"] == "Room slug is already taken"
    assert hist(nats, room, u=a)[0] == 200
    psql(db, "UPDATE chat.rooms SET owner_id = NULL WHERE slug = :'s';", s=room)
    assert hist(nats, room, u=b)[0] == 200


def test_author_renamed_and_deleted_item89(nats, db):
    """item 89: author renamed -> new name on old messages; account deleted -> the
    stored name stays."""
    a, room = user(), slug()
    r = nats.post(room, a, "before rename")
    assert r["ok"], r
    nats.publish("echochat.auth.event.user_updated",
                 '{"user_id": %d, "username": "new%d", "avatar": "profile_pics/n.png", '
                 '"old_username": "%s"}' % (a["id"], a["id"], a["username"]))
    nats.flush()
    deadline = time.time() + 5
    while time.time() < deadline:
        m = hist(nats, room, u=a)[1]["messages"][0]
        if m["username"] == f"new{a['id']}":
            break
        time.sleep(0.05)
    assert m["username"] == f"new{a['id']}"
    assert m["profilePic"] == "http://testserver/media/profile_pics/n.png"
    # a new post uses the current name too (W7), even if the gateway's copy is stale
    r = nats.post(room, a, "after rename")
    assert r["message"]["username"] == f"new{a['id']}"
    # deletion: the author link is cleared, the stored name remains
    psql(db, "UPDATE chat.messages SET user_id = NULL WHERE user_id = :'u';", u=a["id"])
    assert [m["username"] for m in hist(nats, room, u=a)[1]["messages"]] == [f"new{a['id']}"] * 2


def test_profile_pic_urls_item90(nats, db):
    """item 90 / api.md 5.1: unknown avatar -> default.jpg; stored paths are
    percent-encoded under the request's base URL."""
    room = slug()
    insert_messages(db, room, 1, avatar=None)
    insert_messages(db, room, 1, avatar="profile_pics/a b.png")
    body = hist(nats, room, u=user(), base_url="https://chat.example")[1]
    assert [m["profilePic"] for m in body["messages"]] == [
        "https://chat.example/media/default.jpg",
        "https://chat.example/media/profile_pics/a%20b.png"]


def test_created_at_format_item91(nats, db):
    """item 91: createdAt ends with +00:00; a fraction only when microseconds != 0."""
    room = slug()
    a, b = insert_messages(db, room, 2)
    psql(db, "UPDATE chat.messages SET created_at = '2024-03-01 12:00:00+00' WHERE id = :'i';",
         i=a)
    psql(db, "UPDATE chat.messages SET created_at = '2024-03-01 12:00:00.000250+00' "
         "WHERE id = :'i';", i=b)
    got = [m["createdAt"] for m in hist(nats, room, u=user())[1]["messages"]]
    assert got == ["2024-03-01T12:00:00+00:00", "2024-03-01T12:00:00.000250+00:00"]
    live = nats.post(room, user(), "now")["message"]["createdAt"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00", live)


def test_order_follows_edited_timestamps_item92(nats, db):
    """item 92, superseded by docs/admin-api.md: history is ordered by (created_at, id),
    so an edited timestamp moves the message; before/after cursors are positions in
    that order; a cursor that no longer exists falls back to id order."""
    room = slug()
    a, b, c, d = insert_messages(db, room, 4)
    psql(db, "UPDATE chat.messages SET created_at = '2001-01-01 00:00:00+00' WHERE id = :'i';",
         i=c)
    u = user()
    assert ids(hist(nats, room, u=u)[1]) == [c, a, b, d]
    assert ids(hist(nats, room, f"before={a}", u=u)[1]) == [c]
    assert ids(hist(nats, room, f"after={c}", u=u)[1]) == [a, b, d]
    assert ids(hist(nats, room, f"after={a}", u=u)[1]) == [b, d]
    body = hist(nats, room, "limit=2", u=u)[1]
    assert ids(body) == [b, d] and body["hasMore"] is True and body["nextBefore"] == b
    assert ids(hist(nats, room, f"limit=2&before={b}", u=u)[1]) == [c, a]
    psql(db, "DELETE FROM chat.messages WHERE id = :'i';", i=b)
    assert ids(hist(nats, room, f"before={b}", u=u)[1]) == [a]      # id < b
    assert ids(hist(nats, room, f"after={b}", u=u)[1]) == [c, d]    # id > b, in order


def test_deleted_account_item129(nats, db):
    """item 129: deleting a user (auth's user_deleted event) keeps their messages with
    the stored name and makes their rooms owner-less."""
    a, b, room = user(), user(), slug()
    nats.http("GET", f"/api/chat/rooms/{room}/", user=a)
    nats.post(room, a, "still here")
    assert hist(nats, room, u=b)[0] == 409
    nats.publish("echochat.auth.event.user_deleted",
                 json.dumps({"user_id": a["id"], "username": a["username"]}))
    nats.flush()
    deadline = time.time() + 5
    while time.time() < deadline and hist(nats, room, u=b)[0] != 200:
        time.sleep(0.05)
    status, body = hist(nats, room, u=b)
    assert status == 200
    assert [(m["username"], m["content"]) for m in body["messages"]] == [(a["username"],
                                                                         "still here")]
    details = nats.http("GET", f"/api/chat/rooms/{room}/", user=b)[1]
    assert details["createdBy"] is None and details["created"] is False
    assert psql(db, "SELECT count(*) FROM chat.messages WHERE user_id = :'u';",
                u=a["id"]) == [["0"]]


def test_content_verbatim_items102_108(nats):
    """items 102, 108: text is stored trimmed and otherwise verbatim (HTML too)."""
    room, u = slug(), user()
    nats.post(room, u, "  <b>hi</b> & \"x\"\n")
    assert hist(nats, room, u=u)[1]["messages"][-1]["content"] == "<b>hi</b> & \"x\""


def test_guest_public_history(nats):
    """item 83: the public room's history is readable by guests."""
    status, body = hist(nats, "public", "limit=1")
    assert status == 200 and len(body["messages"]) <= 1
