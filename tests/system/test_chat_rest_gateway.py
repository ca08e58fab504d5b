"""Chat REST end to end: browser-style requests through the gateway, real
accounts from auth (register), sessions resolved by the gateway (behaviours.md
items 4, 5, 10, 12, 70, 78, 79, 83, 88; D4; the 301 rule for chat paths).
Messages are posted through echochat.chat.message.post with the account's
real id, as the gateway's WebSocket side does."""

import secrets
import subprocess
import time

import pytest

from chat_nats import Nats, slug


def uname():
    return "c" + secrets.token_hex(5)


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


@pytest.fixture
def account(stack, new_client):
    """register() -> (client logged in, session user dict as the gateway passes it)."""
    def register():
        c = new_client(forwarded_for=ip())
        name = uname()
        c.csrf()
        r = c.post("/api/auth/register/", json={"username": name, "password1": "pass12345",
                                                "password2": "pass12345"})
        assert r.status == 201, r
        uid = subprocess.run(["psql", stack["DATABASE_URL"], "-XAtqc",
                              f"SELECT id FROM auth.users WHERE username = '{name}'"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return c, {"id": int(uid), "username": name, "is_staff": False, "is_superuser": False,
                   "avatar": "default.jpg"}
    return register


def test_public_room_and_guest_items4_5(client):
    """items 4, 5 through the gateway."""
    r = client.get("/api/chat/public-room/")
    assert r.status == 200 and r.json()["slug"] == "public"
    assert r.header("Content-Type", "").startswith("application/json")
    r = client.get("/api/chat/rooms/private123/")
    assert r.status == 401 and r.json()["error"] == "Требуется авторизация"


def test_missing_slash_redirects_item9(client):
    """item 9 for chat paths: GET without the trailing slash -> 301, query kept."""
    r = client.get("/api/chat/rooms/public/messages?limit=2")
    assert r.status == 301
    assert r.header("Location") == "/api/chat/rooms/public/messages/?limit=2"


def test_wrong_methods_items10_12(client):
    """items 10, 12: HEAD/OPTIONS -> 405 Allow: GET; POST without token -> 403,
    with a valid token -> 405."""
    for m in ("HEAD", "OPTIONS"):
        r = client.request(m, "/api/chat/public-room/")
        assert r.status == 405 and r.header("Allow") == "GET", m
        assert r.header("Access-Control-Allow-Origin") is None
    r = client.post("/api/chat/public-room/", csrf=False)
    assert r.status == 403
    client.csrf()
    r = client.post("/api/chat/public-room/")
    assert r.status == 405 and r.header("Allow") == "GET"


def test_rooms_and_history_with_real_sessions_items78_79_88(account):
    """items 78, 79, 83, 88 (D4) with sessions resolved by the gateway."""
    (a, ua), (b, _) = account(), account()
    s = slug()
    r = a.get(f"/api/chat/rooms/{s}/")
    assert r.status == 200
    assert r.json() == {"slug": s, "name": ua["username"], "created": True,
                        "createdBy": ua["username"]}
    assert a.get(f"/api/chat/rooms/{s}/").json()["created"] is False
    r = b.get(f"/api/chat/rooms/{s}/")
    assert r.status == 409 and r.json()["error"] == "Room slug is already taken"
    assert b.get(f"/api/chat/rooms/{s}/messages/").status == 409
    r = a.get(f"/api/chat/rooms/{s}/messages/")
    assert r.status == 200 and r.json()["messages"] == []


def test_rename_shows_in_history_item70(stack, account):
    """item 70: after a profile rename, history shows the new name for old messages
    (auth's user_updated event reaches chat); profilePic is an absolute URL on the
    request's host."""
    a, ua = account()
    with Nats(stack["NATS_URL"]) as n:
        assert n.post("public", ua, "before my rename")["ok"]
    new = uname()
    a.csrf()
    r = a.post("/api/auth/profile/", json={"username": new})
    assert r.status == 200, r
    deadline = time.time() + 5
    while True:
        msgs = a.get("/api/chat/rooms/public/messages/?limit=200").json()["messages"]
        mine = [m for m in msgs if m["content"] == "before my rename"]
        if mine and mine[-1]["username"] == new or time.time() > deadline:
            break
        time.sleep(0.05)
    assert mine[-1]["username"] == new
    assert mine[-1]["profilePic"] == stack.public_url + "/media/default.jpg"
