"""Security: private-room isolation over REST and WebSocket against slug
variants — case, fullwidth and combining characters, %0A, trailing dots,
NUL, percent-encoded spellings of the same slug (P9, D4, D5, W1, W2).
tests/system/test_chat_rest_history.py and test_ws_chat_handshake.py cover
the exact-slug 409/403; this file covers every spelling an attacker might
hope the server folds onto the owner's room."""

import secrets
import time
from urllib.parse import quote

import pytest

from lib import ws as wslib
from sec_common import register


def fullwidth(s):
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in s)


@pytest.fixture(scope="module")
def room(stack):
    """A private room (mixed-case slug) owned by a fresh user, with one stored message."""
    owner_c, owner = register(stack)
    slug = "Priv" + secrets.token_hex(4) + "Xy"
    r = owner_c.get(f"/api/chat/rooms/{slug}/")
    assert r.status == 200 and r.json()["created"] is True, r
    secret = "history-secret-" + secrets.token_hex(6)
    with wslib.connect(f"{stack.gateway_ws_url}/ws/chat/{slug}/", origin=stack.public_url,
                       cookie=owner_c.cookie_header()) as ws:
        ws.send_json({"message": secret})
        ws.recv_until(lambda f: f.get("message") == secret)
    return {"slug": slug, "owner": owner, "owner_c": owner_c, "secret": secret}


def variants(slug):
    """(label, path segment as sent, kind): kind "same" = must be the owner's
    room (refused with 409), "other" = a different valid slug, "invalid" = refused."""
    return [
        ("lower", slug.lower(), "other"),
        ("upper", slug.upper(), "other"),
        ("swapcase", slug.swapcase(), "other"),
        ("percent-encoded same", "%" + format(ord(slug[0]), "02X") + slug[1:], "same"),
        ("fullwidth", quote(fullwidth(slug)), "invalid"),
        ("fullwidth first letter", quote(fullwidth(slug[0])) + slug[1:], "invalid"),
        ("combining acute", quote(slug + "\u0301"), "invalid"),
        ("combining on first", slug[0] + quote("\u0301") + slug[1:], "invalid"),
        ("newline", slug + "%0A", "invalid"),
        ("CRLF", slug + "%0D%0A", "invalid"),
        ("trailing dot", slug + ".", "invalid"),
        ("trailing dots", slug + "..", "invalid"),
        ("trailing space", slug + "%20", "invalid"),
        ("NUL", slug + "%00", "invalid"),
        ("zero-width space", quote(slug + "\u200b"), "invalid"),
        ("cyrillic lookalike", quote(slug.replace("P", "\u0420", 1)), "invalid"),
        ("dotless i / kelvin", quote(slug.replace("i", "\u0131", 1).replace("X", "\u212a")), "invalid"),
    ]


def test_rest_variants_never_reach_the_private_room(stack, room):
    attacker_c, attacker = register(stack)
    problems = []
    for label, seg, kind in variants(room["slug"]):
        d = attacker_c.get(f"/api/chat/rooms/{seg}/")
        h = attacker_c.get(f"/api/chat/rooms/{seg}/messages/")
        if kind == "same":
            ok = d.status == 409 and h.status == 409
        elif kind == "other":
            ok = (d.status == 200 and d.json()["createdBy"] == attacker and h.status == 200
                  and not h.json()["messages"])
        else:
            ok = d.status in (400, 404) and h.status in (400, 404)
        if d.status >= 500 or h.status >= 500:
            ok = False
        if room["secret"].encode() in d.body + h.body:
            ok = False
        if not ok:
            problems.append(f"{label} ({seg}): details {d.status} {d.body[:100]!r}, "
                            f"history {h.status} {h.body[:100]!r}")
    assert not problems, "\n".join(problems)


def test_websocket_variants_never_hear_the_private_room(stack, room):
    """An attacker opens sockets on every spelling the gateway accepts; a
    message posted in the owner's room reaches the owner only."""
    attacker_c, _ = register(stack)
    cookie = attacker_c.cookie_header()
    base = f"{stack.gateway_ws_url}/ws/chat/"
    opened, problems = [], []
    try:
        for label, seg, kind in variants(room["slug"]):
            st = wslib.handshake_status(base + seg + "/", origin=stack.public_url, cookie=cookie)
            # None: libwebsockets drops a request line holding %00 before any answer
            if kind in ("same", "invalid") and st not in (403, 404, None):
                problems.append(f"{label} ({seg}): handshake {st}")
            if st == 101:
                opened.append((label, wslib.connect(base + seg + "/", origin=stack.public_url,
                                                    cookie=cookie)))
        live = "live-secret-" + secrets.token_hex(6)
        with wslib.connect(base + room["slug"] + "/", origin=stack.public_url,
                           cookie=room["owner_c"].cookie_header()) as owner_ws:
            owner_ws.send_json({"message": live})
            owner_ws.recv_until(lambda f: f.get("message") == live)  # control: delivered
        deadline = time.monotonic() + 1.0
        for label, ws in opened:
            try:
                while True:
                    frame = ws.recv(timeout=max(0.05, deadline - time.monotonic()))
                    if live in str(frame):
                        problems.append(f"{label}: received the private room's message")
            except (TimeoutError, ConnectionError):
                pass
    finally:
        for _, ws in opened:
            ws.close()
    assert not problems, "\n".join(problems)
