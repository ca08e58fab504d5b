"""Chat REST, rooms: GET /api/chat/public-room/ and /api/chat/rooms/<slug>/
(api.md 4.11, 4.12; behaviours.md B.7 items 74-82; D5, D6, D7).

Requests go to chat's HTTP-over-NATS subject with the envelope the gateway
sends (docs/architecture.md), so the session user is set exactly as the
gateway would after resolving a cookie.
"""

import threading

import pytest

from chat_nats import Nats, psql, slug, user

PUBLIC = "/api/chat/public-room/"


@pytest.fixture
def nats(stack):
    with Nats(stack["NATS_URL"]) as n:
        yield n


@pytest.fixture
def db(stack):
    return stack["DATABASE_URL"]


def room_path(s):
    return f"/api/chat/rooms/{s}/"


def test_public_room_guest_item4(nats):
    """item 4: public-room as guest -> 200, slug public; additive slugRegex/messageMaxLength."""
    status, body = nats.http("GET", PUBLIC)
    assert status == 200
    assert body["slug"] == "public"
    assert body["slugRegex"] == "^[A-Za-z0-9_-]{3,50}$"
    assert body["messageMaxLength"] == 1000


def test_public_room_recreated_and_renamed_item74(nats, db):
    """item 74: public-room creates the public room if missing and reflects an admin rename."""
    try:
        psql(db, "DELETE FROM chat.rooms WHERE slug = 'public';")
        status, body = nats.http("GET", PUBLIC)
        assert (status, body["name"]) == (200, "Public Chat")
        assert psql(db, "SELECT name FROM chat.rooms WHERE slug = 'public';") == [["Public Chat"]]
        psql(db, "UPDATE chat.rooms SET name = 'Лобби' WHERE slug = 'public';")
        assert nats.http("GET", PUBLIC)[1]["name"] == "Лобби"
    finally:
        psql(db, "UPDATE chat.rooms SET name = 'Public Chat' WHERE slug = 'public';")


def test_public_details_guest_item75(nats):
    """item 75: rooms/public/ as guest -> 200 created false."""
    status, body = nats.http("GET", room_path("public"))
    assert status == 200
    assert body["slug"] == "public" and body["created"] is False
    assert set(body) >= {"slug", "name", "created", "createdBy"}


@pytest.mark.parametrize("bad", ["ab", "%D0%BA%D0%BE%D0%BC%D0%BD%D0%B0%D1%82%D0%B0", "a" * 51,
                                 "abc%0A", "%0Aabc", "ab%20c", "abc%7F", "abc%C3%A9", "%FF%FE%FD",
                                 "abc%09"])
def test_invalid_slug_before_auth_items76_77(nats, bad):
    """items 76, 77 (D5): invalid slugs -> 400 for guests and users alike (full match)."""
    for u in (None, user()):
        status, body = nats.http("GET", room_path(bad), user=u)
        assert status == 400, (bad, status, body)
        assert body["error"] == "Invalid room slug"


def test_nul_in_slug_is_not_found(nats):
    """A %00 segment cannot be a room: 404 JSON, never a crash."""
    status, body = nats.http("GET", room_path("abc%00def"), user=user())
    assert status == 404
    assert body["error"] == "Not found"


def test_guest_private_room_item5(nats):
    """item 5: rooms/private123/ as guest -> 401."""
    status, body = nats.http("GET", room_path("private123"))
    assert status == 401
    assert body["error"] == "Требуется авторизация"


def test_create_then_reopen_then_taken_items78_79(nats, db):
    """items 78, 79: A creates (created true, name = createdBy = A); A again -> created
    false; B -> 409."""
    a, b, s = user(), user(), slug()
    status, body = nats.http("GET", room_path(s), user=a)
    assert status == 200
    assert body == {"slug": s, "name": a["username"], "created": True,
                    "createdBy": a["username"]}
    status, body = nats.http("GET", room_path(s), user=a)
    assert status == 200 and body["created"] is False and body["createdBy"] == a["username"]
    status, body = nats.http("GET", room_path(s), user=b)
    assert status == 409
    assert body["error"] == "Room slug is already taken"
    assert psql(db, "SELECT count(*) FROM chat.rooms WHERE slug = :'s';", s=s) == [["1"]]


def test_ownerless_room_item80(nats, db):
    """item 80: an owner-less room -> 200 for any user, createdBy null."""
    s = slug()
    psql(db, "INSERT INTO chat.rooms (slug, name) VALUES (:'s', 'Old room');", s=s)
    for u in (user(), user()):
        status, body = nats.http("GET", room_path(s), user=u)
        assert status == 200
        assert body == {"slug": s, "name": "Old room", "created": False, "createdBy": None}


def test_slugs_case_sensitive_item81(nats):
    """item 81: ABC123 and abc123 are distinct rooms; rooms/Public/ is an ordinary room."""
    a, b = user(), user()
    suffix = slug("")
    upper, lower = "ABC" + suffix.upper(), "abc" + suffix
    assert nats.http("GET", room_path(upper), user=a)[1]["created"] is True
    status, body = nats.http("GET", room_path(lower), user=b)
    assert status == 200 and body["created"] is True and body["createdBy"] == b["username"]
    # "Public" is a private room of whoever opens it first (not the public room).
    status, body = nats.http("GET", room_path("Public"), user=a)
    assert status in (200, 409)
    if status == 200:
        assert body["slug"] == "Public"


def test_long_username_creates_room_item82(nats):
    """item 82 (D7): a 150-char username creates a room (name and createdBy are 150 chars)."""
    u = user(username="ю" * 150)
    status, body = nats.http("GET", room_path(slug()), user=u)
    assert status == 200
    assert body["created"] is True and body["name"] == "ю" * 150
    assert body["createdBy"] == "ю" * 150


def test_concurrent_creation_d6(stack):
    """D6: concurrent first visits by two users: exactly one creates the room, the
    other gets the owner's room (409), never a fake created/createdBy null."""
    s = slug()
    users = [user(), user()]
    results = []

    def visit(u):
        with Nats(stack["NATS_URL"]) as n:
            results.append((u["id"], n.http("GET", room_path(s), user=u)))

    threads = [threading.Thread(target=visit, args=(users[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created = [r for r in results if r[1][0] == 200 and r[1][1]["created"]]
    assert len(created) == 1
    owner = created[0][0]
    for uid, (status, body) in results:
        if uid == owner:
            assert status == 200 and body["createdBy"] is not None
        else:
            assert status == 409


def test_rename_updates_created_by(nats, stack):
    """createdBy is the owner's current username (user_updated event from auth)."""
    a, s = user(), slug()
    nats.http("GET", room_path(s), user=a)
    nats.publish("echochat.auth.event.user_updated",
                 '{"user_id": %d, "username": "renamed%d", "avatar": "default.jpg", '
                 '"old_username": "%s"}' % (a["id"], a["id"], a["username"]))
    nats.flush()
    import time
    deadline = time.time() + 5
    while time.time() < deadline:
        body = nats.http("GET", room_path(s), user=a)[1]
        if body["createdBy"] == f"renamed{a['id']}":
            break
        time.sleep(0.05)
    assert body["createdBy"] == f"renamed{a['id']}"
    assert body["name"] == a["username"]  # the room's name is not the owner's name


def test_storage_error_is_503_d6(nats, db):
    """D6: a storage failure is 503 with an error body, never a fake created room.
    The rooms table is briefly renamed away to make every room query fail."""
    s = slug()
    psql(db, "ALTER TABLE chat.rooms RENAME TO rooms_away;")
    try:
        status, body = nats.http("GET", room_path(s), user=user())
        hist_status, hist = nats.http("GET", room_path(s) + "messages/", user=user())
    finally:
        psql(db, "ALTER TABLE chat.rooms_away RENAME TO rooms;")
    assert status == 503 and body["code"] == "unavailable" and "created" not in body
    assert hist_status == 503 and hist["messages"] == []
    # and it recovers at once
    assert nats.http("GET", room_path(s), user=user())[0] == 200
