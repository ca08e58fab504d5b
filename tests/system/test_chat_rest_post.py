"""Chat posting as the gateway's WebSocket side drives it: the NATS requests
echochat.chat.message.post and echochat.chat.room.access, their replies, the
room events they publish, and what REST history then shows (websocket.md
§2.2-2.5, W2, W3, W9, W10, P6, P7; behaviours.md items 101-102, 105-108,
112-115, 99-100 at the chat level).
"""

import json
import threading
import time

import pytest

from chat_nats import Nats, psql, slug, user


@pytest.fixture
def nats(stack):
    with Nats(stack["NATS_URL"]) as n:
        yield n


@pytest.fixture
def db(stack):
    return stack["DATABASE_URL"]


def history(nats, room, u, query="limit=200"):
    status, body = nats.http("GET", f"/api/chat/rooms/{room}/messages/", query=query, user=u)
    assert status == 200, body
    return body["messages"]


def test_frame_published_after_commit_item101(nats):
    """item 101 + W9/P7: the reply and the room event carry the frame
    {message, username, profile_pic, room, id, createdAt, client_id}; the row is
    already in history when the event arrives."""
    room, u = slug(), user(avatar="profile_pics/x.png")
    nats.subscribe(f"echochat.chat.room_event.{room}")
    reply = nats.post(room, u, "hi", client_id="abc-1", base_url="https://chat.example")
    assert reply["ok"] is True
    frame = reply["message"]
    assert list(frame) == ["message", "username", "profile_pic", "room", "id", "createdAt",
                           "client_id"]
    assert frame["message"] == "hi" and frame["username"] == u["username"]
    assert frame["profile_pic"] == "https://chat.example/media/profile_pics/x.png"
    assert frame["room"] == room and frame["client_id"] == "abc-1"
    ev = nats.next_msg(subject_prefix="echochat.chat.room_event.")
    assert json.loads(ev.data) == frame
    assert ev.data.startswith(b'{"message": "hi", ')  # reference JSON format, ready to forward
    assert [m["id"] for m in history(nats, room, u)] == [frame["id"]]


def test_profile_pic_rules_items6_8(nats):
    """items 6-8 (chat side): profile_pic = base_url + /media/ + stored path, not
    encoded; absolute http(s) avatars unchanged; null without an avatar."""
    room = slug()
    r = nats.post(room, user(avatar="profile_pics/a.jpg"), "x", base_url="http://80.253.249.107")
    assert r["message"]["profile_pic"] == "http://80.253.249.107/media/profile_pics/a.jpg"
    r = nats.post(room, user(avatar="https://cdn.example.com/a.jpg"), "x")
    assert r["message"]["profile_pic"] == "https://cdn.example.com/a.jpg"
    r = nats.post(room, user(avatar=None), "x")
    assert r["message"]["profile_pic"] is None


def test_trim_and_empty_item102(nats):
    """item 102: "  hi  " stored as "hi"; blank text, non-string text -> ignored."""
    room, u = slug(), user()
    assert nats.post(room, u, "  hi  ")["message"]["message"] == "hi"
    assert nats.post(room, u, " \t\u3000\n") == {"ok": False, "error": "ignored"}
    raw = json.dumps({"room": room, "user": u, "text": 5, "base_url": ""})
    assert nats.post(room, u, None, raw=raw) == {"ok": False, "error": "ignored"}
    assert nats.post(room, u, None, raw="[]") == {"ok": False, "error": "ignored"}
    assert nats.post(room, u, None, raw="not json") == {"ok": False, "error": "ignored"}
    assert [m["content"] for m in history(nats, room, u)] == ["hi"]


def test_length_in_code_points_item105(nats):
    """item 105: 1000 code points (emoji included) accepted, 1001 -> message_too_long."""
    room, u = slug(), user()
    assert nats.post(room, u, "😀" * 1000)["ok"] is True
    assert nats.post(room, u, "😀" * 1001) == {"ok": False, "error": "message_too_long"}
    assert nats.post(room, u, "  " + "a" * 1000 + "  ")["ok"] is True
    assert len(history(nats, room, u)) == 2


def test_guest_item106(nats):
    """item 106: guest: 1001 chars -> message_too_long; "hi" -> ignored, nothing stored."""
    assert nats.post("public", None, "x" * 1001) == {"ok": False, "error": "message_too_long"}
    before = history(nats, "public", None, "limit=1")
    assert nats.post("public", None, "guest says hi") == {"ok": False, "error": "ignored"}
    assert history(nats, "public", None, "limit=1") == before


def test_unstorable_text_w10(nats):
    """W10: NUL, lone surrogates and invalid UTF-8 -> ignored, nothing stored."""
    room, u = slug(), user()
    base = {"room": room, "user": u, "base_url": ""}
    for text_json in ('"a\\u0000b"', '"\\ud800"', '"x\\udc00y"'):
        raw = json.dumps(base)[:-1] + ', "text": ' + text_json + "}"
        assert nats.post(room, u, None, raw=raw) == {"ok": False, "error": "ignored"}, text_json
    raw = (json.dumps(base)[:-1] + ', "text": "\xff\xfe"}').encode("latin-1")
    assert nats.post(room, u, None, raw=raw) == {"ok": False, "error": "ignored"}
    # an escaped backslash followed by u0000 is ordinary text
    assert nats.post(room, u, "a\\u0000b")["message"]["message"] == "a\\u0000b"
    assert [m["content"] for m in history(nats, room, u)] == ["a\\u0000b"]


def test_identity_from_request_only_item107(nats):
    """item 107: the author comes from the session user, not from the text."""
    room, u = slug(), user()
    text = json.dumps({"message": "x", "username": "admin", "room": "public"})
    frame = nats.post(room, u, text)["message"]
    assert frame["username"] == u["username"] and frame["room"] == room


def test_rate_limit_items112_114_w9(nats, db):
    """items 112-115 + W9: 20 per 10 s window; the 21st -> rate_limited with
    retry_after in [1, 10], not stored; shared across rooms; other users unaffected;
    rejected posts do not extend the window; after the window, posts pass again."""
    u, other = user(), user()
    rooms = [slug(), slug()]
    for i in range(20):
        assert nats.post(rooms[i % 2], u, f"m{i}")["ok"] is True, i
    window = psql(db, "SELECT window_start FROM chat.rate_limits WHERE user_id = :'u';", u=u["id"])
    r = nats.post(rooms[0], u, "one too many")
    assert r["ok"] is False and r["error"] == "rate_limited"
    assert 1 <= r["retry_after"] <= 10
    assert nats.post(rooms[1], u, "another room")["error"] == "rate_limited"
    assert nats.post(rooms[0], other, "someone else")["ok"] is True
    assert psql(db, "SELECT window_start FROM chat.rate_limits WHERE user_id = :'u';",
                u=u["id"]) == window
    assert len(history(nats, rooms[0], u)) == 11  # 10 + the other user's
    # end the window (as if 10 s had passed) -> a new window opens
    psql(db, "UPDATE chat.rate_limits SET window_start = window_start - interval '11 seconds' "
         "WHERE user_id = :'u';", u=u["id"])
    assert nats.post(rooms[0], u, "new window")["ok"] is True


def test_client_id_idempotent_p7(nats, db):
    """P7: the same (user, client_id) within 10 minutes stores nothing new and returns
    the original; another user's identical client_id is independent; an over-long
    client_id is not used."""
    room, u, v = slug(), user(), user()
    first = nats.post(room, u, "hello", client_id="cid-1")
    again = nats.post(room, u, "hello (retry)", client_id="cid-1")
    assert again["ok"] is True and again["duplicate"] is True
    assert again["message"] == first["message"]
    assert nats.post(room, v, "hello", client_id="cid-1")["message"]["id"] != first["message"]["id"]
    long = nats.post(room, u, "long id", client_id="x" * 65)
    assert long["ok"] is True and "client_id" not in long["message"]
    assert len(history(nats, room, u)) == 3
    # after 10 minutes the id may be reused
    psql(db, "UPDATE chat.client_ids SET created_at = now() - interval '11 minutes' "
         "WHERE user_id = :'u';", u=u["id"])
    later = nats.post(room, u, "hello again", client_id="cid-1")
    assert later["ok"] is True and "duplicate" not in later
    assert later["message"]["id"] > long["message"]["id"]


def test_duplicates_do_not_count_against_rate_limit(nats):
    """A retried client_id is answered from storage and not rate-limited again."""
    room, u = slug(), user()
    for i in range(20):
        assert nats.post(room, u, f"m{i}", client_id=f"c{i}")["ok"]
    assert nats.post(room, u, "m0", client_id="c0")["duplicate"] is True


def test_refused_post_leaves_its_client_id_unused_p7(nats, db):
    """P7 with W9 and W3: a post refused for the rate limit or for someone else's
    room claims nothing (no client_ids row, no counted post), so the same client_id
    sent again once allowed is stored as a new message, not answered as a duplicate."""
    u, room = user(), slug()
    for i in range(20):
        assert nats.post(room, u, f"m{i}")["ok"] is True, i
    assert nats.post(room, u, "retry me", client_id="cid-rl")["error"] == "rate_limited"
    claims = "SELECT count(*) FROM chat.client_ids WHERE user_id = :'u';"
    assert psql(db, claims, u=u["id"]) == [["0"]]
    psql(db, "UPDATE chat.rate_limits SET window_start = window_start - interval '11 seconds' "
         "WHERE user_id = :'u';", u=u["id"])
    later = nats.post(room, u, "retry me", client_id="cid-rl")
    assert later["ok"] is True and "duplicate" not in later
    assert later["message"]["client_id"] == "cid-rl"

    owner, other, owned = user(), user(), slug()
    nats.http("GET", f"/api/chat/rooms/{owned}/", user=owner)
    assert nats.post(owned, other, "sneaky", client_id="cid-f") == {"ok": False,
                                                                     "error": "forbidden"}
    assert psql(db, claims, u=other["id"]) == [["0"]]
    assert psql(db, "SELECT count FROM chat.rate_limits WHERE user_id = :'u';",
                u=other["id"]) == []
    r = nats.post(slug(), other, "elsewhere", client_id="cid-f")
    assert r["ok"] is True and "duplicate" not in r


def test_room_access_w2_w3(nats):
    """W2, W3: public always; invalid names and guests refused (403); someone else's
    existing room refused; a room that does not exist yet is allowed."""
    a, b, room = user(), user(), slug()
    assert nats.access("public", None) == {"allowed": True}
    for bad in ("x", "комната", "my room", "abc\n", "a" * 51):
        r = nats.access(bad, a)
        assert r["allowed"] is False and r["status"] == 403, bad
    r = nats.access(room, None)
    assert r["allowed"] is False and r["status"] == 403
    assert nats.access(room, a) == {"allowed": True}  # not created by this
    assert nats.http("GET", f"/api/chat/rooms/{room}/", user=a)[1]["created"] is True
    assert nats.access(room, a) == {"allowed": True}
    r = nats.access(room, b)
    assert r["allowed"] is False and r["status"] == 403 and r["reason"] == "room_taken"


def test_post_into_someone_elses_room_refused_w3(nats):
    """W3 on posts too: a socket that joined before the owner created the room cannot post."""
    a, b, room = user(), user(), slug()
    nats.http("GET", f"/api/chat/rooms/{room}/", user=a)
    assert nats.post(room, b, "sneaky") == {"ok": False, "error": "forbidden"}
    assert nats.post("bad room", a, "x") == {"ok": False, "error": "forbidden"}
    assert nats.post(room, a, "mine")["ok"] is True


def test_order_and_rate_limit_across_instances(stack, extra, nats):
    """Two chat instances: concurrent posts in one room reach subscribers exactly
    once and in id order; the rate limit is shared (20 per user across instances)."""
    extra("chat")
    room = slug()
    nats.subscribe(f"echochat.chat.room_event.{room}")
    users = [user() for _ in range(6)]
    replies = []
    lock = threading.Lock()

    def poster(u, n):
        with Nats(stack["NATS_URL"]) as c:
            for i in range(n):
                r = c.post(room, u, f"{u['id']}-{i}")
                with lock:
                    replies.append(r)

    threads = [threading.Thread(target=poster, args=(u, 12)) for u in users[:5]]
    threads.append(threading.Thread(target=poster, args=(users[5], 25)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [r["message"]["id"] for r in replies if r["ok"]]
    limited = [r for r in replies if not r["ok"]]
    assert len(ok) == 5 * 12 + 20
    assert len(limited) == 5 and all(r["error"] == "rate_limited" for r in limited)
    got = []
    while len(got) < len(ok):
        got.append(json.loads(nats.next_msg(timeout=5).data)["id"])
    assert got == sorted(ok)  # each once, in id order
    with pytest.raises(TimeoutError):
        nats.next_msg(timeout=0.3)
    assert [m["id"] for m in history(nats, room, users[0], "limit=200")] == sorted(ok)


def test_history_fresh_after_event_with_cache(stack, extra, nats):
    """§2.5 + P6: a client that receives a frame can fetch it via history at once,
    whichever instance serves the read (history pages are cached in memory and
    invalidated by room events)."""
    extra("chat")
    room, u = slug(), user()
    nats.subscribe(f"echochat.chat.room_event.{room}")
    for i in range(30):
        for _ in range(3):  # warm the caches of both instances
            history(nats, room, u, "limit=50")
        with Nats(stack["NATS_URL"]) as poster:
            poster.post(room, user(), f"m{i}")
        frame = json.loads(nats.next_msg(timeout=5).data)
        for _ in range(3):
            assert history(nats, room, u, "limit=50")[-1]["id"] == frame["id"], i
