"""Chat socket handshake (behaviours C.1: 93-100; websocket.md §1, W2, W3)."""

import pytest

from lib import ws as wslib
from lib.wscluster import register


@pytest.fixture
def url(stack):
    return stack.gateway_ws_url


def status(stack, path, origin="default", cookie=None, headers=None):
    o = stack.public_url if origin == "default" else origin
    return wslib.handshake_status(stack.gateway_ws_url + path, origin=o, cookie=cookie,
                                  headers=headers)


def test_93_origin_not_allowed_or_missing_is_403(stack):
    assert status(stack, "/ws/chat/public/", origin="http://evil.example") == 403
    assert status(stack, "/ws/chat/public/", origin=None) == 403
    assert status(stack, "/ws/presence/", origin="null") == 403
    assert status(stack, "/ws/presence/", origin="http://localhost.evil.example") == 403


def test_94_allowed_host_on_another_port(stack):
    assert status(stack, "/ws/chat/public/", origin="http://localhost:5173") == 101
    assert status(stack, "/ws/presence/", origin="http://127.0.0.1:1") == 101


def test_95_query_string_ignored(stack):
    assert status(stack, "/ws/presence/?auth=1") == 101
    assert status(stack, "/ws/chat/public/?x=y") == 101


def test_96_guest_public_accepted(stack):
    assert status(stack, "/ws/chat/public/") == 101


def test_97_guest_private_room_403(stack):
    assert status(stack, "/ws/chat/abc123/") == 403


def test_98_unknown_paths_404_never_500(stack):
    for path in ("/ws/presence", "/ws/chat/public", "/ws/chat/", "/ws/", "/ws/chat/a/b/",
                 "/nope/", "/ws/presence/x/"):
        assert status(stack, path) == 404, path


def test_99_invalid_room_names_refused_for_users(stack):
    _, c = register(stack)
    cookie = c.cookie_header()
    for room in ("x", "%D0%BA%D0%BE%D0%BC%D0%BD%D0%B0%D1%82%D0%B0", "my%20room", "a" * 51):
        assert status(stack, f"/ws/chat/{room}/", cookie=cookie) == 403, room
    assert status(stack, "/ws/chat/valid_room-1/", cookie=cookie) == 101


def test_100_someone_elses_room_403(stack):
    _, alice = register(stack)
    _, bob = register(stack)
    slug = "wsroom" + alice.cookies["sessionid"][:8].lower()
    r = alice.get(f"/api/chat/rooms/{slug}/")
    assert r.status == 200 and r.json()["created"] is True, r
    assert status(stack, f"/ws/chat/{slug}/", cookie=alice.cookie_header()) == 101
    assert status(stack, f"/ws/chat/{slug}/", cookie=bob.cookie_header()) == 403
    # a room that does not exist yet may be joined (created in parallel by REST)
    assert status(stack, f"/ws/chat/{slug}x/", cookie=bob.cookie_header()) == 101


def test_unknown_session_cookie_is_a_guest(stack):
    cookie = "sessionid=" + "z" * 32
    assert status(stack, "/ws/chat/public/", cookie=cookie) == 101
    assert status(stack, "/ws/chat/abc123/", cookie=cookie) == 403
