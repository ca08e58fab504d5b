"""The gateway's history page cache (services/gateway/src/history_cache.c,
docs/architecture.md "History page cache"): what it may serve, and that every
change shows in the very next GET.

Most tests run on a private cluster (tests/lib/wscluster.py) whose gateways keep
pages for 60 s (GATEWAY_HISTORY_CACHE_MS), so only the event-driven
invalidation can make a change visible in time: a missing invalidation fails
deterministically instead of hiding behind the 1 s default TTL. Pages are
primed (read twice, the second a counted cache hit) before each change.

Behaviours: items 83 (guest reads public, 401 elsewhere), 84 (the latest page),
88/D4 (another user's room → 409), 90 and api.md §5.1 (absolute avatar URLs
per Host and scheme), 92 / docs/admin-api.md (timestamp edits); api.md §2.1 (a
sessionid that resolves to nobody is expired in every answer); P7 (client_id).
"""

import json
import re
import secrets
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chat_nats import Nats, psql
from lib.rawhttp import Client, request
from lib.stack import http_status, wait_until
from lib.wscluster import Cluster, register

HIST = "/api/chat/rooms/{}/messages/"


@pytest.fixture(scope="module")
def cluster(stack):
    with Cluster(stack, auth=True, chats=1,
                 chat_env={"CHAT_MESSAGE_RATE_LIMIT": 1000000}) as c:
        c.g1 = c.gateway(GATEWAY_HISTORY_CACHE_MS=60000)
        c.g2 = c.gateway(GATEWAY_HISTORY_CACHE_MS=60000)
        yield c


def on(gw, client):
    """The client, talking HTTP to this cluster gateway."""
    c = Client(gw.http_url)
    c.cookies = dict(client.cookies)
    return c


def hits(gw):
    text = request(gw.ops_url + "/metrics").text
    m = re.search(r'^echochat_gateway_history_cache_total\{result="hit"\} (\d+)', text, re.M)
    assert m, "no history cache metric on /metrics"
    return int(m.group(1))


def history(gw, room="public", query="limit=50", headers=()):
    r = request(f"{gw.http_url}{HIST.format(room)}?{query}", headers=list(headers))
    return r


def page(gw, room="public", query="limit=50", headers=()):
    r = history(gw, room, query, headers)
    assert r.status == 200, r
    return r.json()


def prime(gw, room="public", query="limit=50"):
    """Reads the page until it comes from the gateway's cache."""
    before = hits(gw)
    for _ in range(3):
        page(gw, room, query)
    assert hits(gw) > before, "the page was never served from the cache"


def by_id(body):
    return {m["id"]: m for m in body["messages"]}


def post(ws, text):
    """Sends a message over the socket and returns its frame (P7: matched by
    client_id), which is the sender's acknowledgement."""
    cid = uuid.uuid4().hex
    ws.send_json({"message": text, "client_id": cid})
    return ws.recv_until(lambda f: f.get("client_id") == cid, 10)


def staff(stack):
    """A staff account, signed in again after promotion (a fresh session)."""
    name, c = register(stack)
    psql(stack["DATABASE_URL"], "UPDATE auth.users SET is_staff = true WHERE username = :'n';",
         n=name)
    c2 = Client(stack.public_url, forwarded_for=c.headers["X-Forwarded-For"])
    c2.csrf()
    r = c2.post("/api/auth/login/", json={"username": name, "password": "pass12345"})
    assert r.status == 200 and r.json()["user"]["is_staff"] is True, r
    return c2


def test_only_public_pages_are_marked_cacheable(stack):
    """Chat, not the gateway, decides what is the same for everyone: the public
    room's 200 carries Http-Cache-Public (item 83: guests read it); a private
    room's page (D4: depends on who asks) and refusals never do."""
    def ask(path, user=None):
        headers = [("Echo-Request-Id", secrets.token_hex(8)), ("Http-Method", "GET"),
                   ("Http-Path", path), ("Http-Query", "limit=5"),
                   ("Http-Base-Url", "http://testserver"), ("Http-Host", "testserver")]
        if user:
            headers.append(("Http-User", json.dumps(user, separators=(",", ":"))))
        with Nats(stack["NATS_URL"]) as n:
            m = n.request("echochat.chat.http", b"", headers=headers)
        return int(m.headers["Http-Status"][0]), m.headers.get("Http-Cache-Public")

    assert ask(HIST.format("public")) == (200, ["public"])
    owner = {"id": 990000 + secrets.randbelow(9999), "username": "o" + secrets.token_hex(4),
             "is_staff": False, "is_superuser": False, "avatar": "default.jpg"}
    room = "pv" + secrets.token_hex(6)
    assert ask(HIST.format(room), owner) == (200, None)
    assert ask(HIST.format(room)) == (401, None)          # guest
    assert ask("/api/chat/rooms/public/messages")[1] is None  # 301
    assert ask("/api/chat/rooms/public/")[1] is None      # room details


def test_ws_post_is_in_the_very_next_get(stack, cluster):
    """Read-your-writes on one gateway: the sender's frame is its
    acknowledgement; a GET right after it shows the message (item 84)."""
    g = cluster.g1
    _, c = register(stack)
    ws = cluster.connect(g, "/ws/chat/public/", cookie=c.cookie_header())
    prime(g)
    for i in range(15):
        frame = post(ws, f"ryw {i} {uuid.uuid4().hex[:6]}")
        body = page(g)
        assert frame["id"] in by_id(body), f"post {i} missing from the next page"
        assert by_id(body)[frame["id"]]["content"] == frame["message"]
        assert page(g) == body  # and again, now from the cache
    ws.close()


def test_admin_edit_timestamp_and_delete_show_at_once(stack, cluster):
    """Admin writes through a gateway drop its cached pages before the answer
    reaches the admin; the other gateway follows chat's room events (item 92,
    docs/admin-api.md: created_at is editable)."""
    g1, g2 = cluster.g1, cluster.g2
    _, c = register(stack)
    admin = on(g1, staff(stack))
    ws = cluster.connect(g1, "/ws/chat/public/", cookie=c.cookie_header())
    mid = post(ws, "to be moderated")["id"]
    ws.close()

    def both_show(check, what):
        assert check(page(g1)), f"{what}: not on the gateway that relayed the write"
        wait_until(lambda: check(page(g2)), 5, what=f"{what} on the other gateway")

    both_show(lambda b: mid in by_id(b), "the post")
    prime(g1)
    prime(g2)
    r = admin.patch(f"/api/admin/messages/{mid}/", json={"content": "edited by staff"})
    assert r.status == 200, r
    both_show(lambda b: by_id(b)[mid]["content"] == "edited by staff", "the edit")

    prime(g1)
    prime(g2)
    when = (datetime.now(timezone.utc) + timedelta(seconds=30)).replace(microsecond=123456)
    r = admin.patch(f"/api/admin/messages/{mid}/", json={"created_at": when.isoformat()})
    assert r.status == 200, r
    both_show(lambda b: by_id(b)[mid]["createdAt"] == when.isoformat(), "the timestamp edit")

    prime(g1)
    prime(g2)
    r = admin.delete(f"/api/admin/messages/{mid}/")
    assert r.status == 200, r
    both_show(lambda b: mid not in by_id(b), "the delete")


def test_each_host_and_scheme_gets_its_own_avatar_urls(stack, cluster):
    """api.md §5.1: profilePic is absolute, built from the request's scheme and
    Host; a page cached for one Host must never answer another."""
    g = cluster.g1
    _, c = register(stack)
    ws = cluster.connect(g, "/ws/chat/public/", cookie=c.cookie_header())
    post(ws, "avatar url check")
    ws.close()
    port = g.env["GATEWAY_HTTP_PORT"]
    variants = [
        ([("Host", f"localhost:{port}")], f"http://localhost:{port}/media/"),
        ([("Host", f"127.0.0.1:{port}")], f"http://127.0.0.1:{port}/media/"),
        # 127.0.0.1 is a trusted proxy, so its X-Forwarded-Proto counts
        ([("Host", f"127.0.0.1:{port}"), ("X-Forwarded-Proto", "https")],
         f"https://127.0.0.1:{port}/media/"),
    ]
    for _ in range(2):  # the second round is served from the cache
        for headers, prefix in variants:
            for _ in range(2):
                pics = [m["profilePic"] for m in page(g, headers=headers)["messages"]]
                assert pics and all(p.startswith(prefix) for p in pics), (prefix, pics[:3])


def test_private_room_history_never_comes_from_the_cache(stack, cluster):
    """D4 / item 88: a private room's page depends on who asks, so the gateway
    never caches it: the owner reads it, another user gets 409 and a guest 401
    however often the owner read it before, and no read counts as a hit."""
    g = cluster.g1
    _, owner = register(stack)
    _, other = register(stack)
    room = "pv" + secrets.token_hex(6)
    o = on(g, owner)
    assert o.get(f"/api/chat/rooms/{room}/").status == 200  # creates it, owned
    ws = cluster.connect(g, f"/ws/chat/{room}/", cookie=owner.cookie_header())
    mid = post(ws, "secret")["id"]
    ws.close()
    before = hits(g)
    for _ in range(4):
        r = o.get(HIST.format(room) + "?limit=50")
        assert r.status == 200 and mid in by_id(r.json()), r
        r = on(g, other).get(HIST.format(room) + "?limit=50")
        assert r.status == 409 and "messages" not in r.json(), r
        r = history(g, room)
        assert r.status == 401 and "messages" not in r.json(), r
    assert hits(g) == before


def test_stale_session_cookie_is_expired_on_cached_pages(stack, cluster):
    """api.md §2.1: an answer to a sessionid that resolves to nobody expires
    the cookie, also when the page comes from the cache; a page cached for
    such a caller carries no cookie to the next one."""
    g = cluster.g1
    prime(g)
    bogus = [("Cookie", "sessionid=" + "0" * 32)]
    before = hits(g)
    for _ in range(2):
        r = history(g, headers=bogus)
        assert r.status == 200
        assert any(c.name == "sessionid" and c.expired for c in r.set_cookies), r.headers
    assert hits(g) > before
    r = history(g)
    assert r.status == 200 and not r.set_cookies


def test_signed_in_readers_share_the_public_page(stack, cluster):
    """item 83: the public page is the same for guests and signed-in users, so
    a signed-in reader (session already known to the gateway) is served the
    cached page too, and its answer sets no cookie."""
    g = cluster.g1
    _, c = register(stack)
    me = on(g, c)
    assert me.get("/api/auth/session/").json()["user"] is not None  # session now cached
    prime(g)
    guest = page(g)
    before = hits(g)
    for _ in range(3):
        r = me.get(HIST.format("public") + "?limit=50")
        assert r.status == 200 and r.json() == guest and not r.set_cookies, r
    assert hits(g) >= before + 3


def test_two_gateways_stay_consistent(stack, cluster):
    """A post through one gateway shows on another that has no socket in the
    room (its room event subscription covers every room); a delete through the
    second shows on the first."""
    g1, g2 = cluster.g1, cluster.g2
    _, c = register(stack)
    admin = on(g2, staff(stack))
    prime(g1)
    prime(g2)
    ws = cluster.connect(g1, "/ws/chat/public/", cookie=c.cookie_header())
    mid = post(ws, "seen everywhere")["id"]
    ws.close()
    assert mid in by_id(page(g1))
    wait_until(lambda: mid in by_id(page(g2)), 5, what="the post on the other gateway")
    prime(g1)
    prime(g2)
    assert admin.delete(f"/api/admin/messages/{mid}/").status == 200
    assert mid not in by_id(page(g2))
    wait_until(lambda: mid not in by_id(page(g1)), 5, what="the delete on the other gateway")


def test_rename_shows_on_every_gateway(stack, cluster):
    """item 89 / item 70: after a rename, history shows the new name. Chat
    applies auth's user_updated asynchronously and announces authors_updated
    after commit; the gateways drop their pages then (flushing on auth's event
    alone could cache the old name again, here for the 60 s TTL)."""
    g1, g2 = cluster.g1, cluster.g2
    name, c = register(stack)
    ws = cluster.connect(g1, "/ws/chat/public/", cookie=c.cookie_header())
    mid = post(ws, "before my rename")["id"]
    ws.close()
    new = "rn" + secrets.token_hex(5)
    me = on(g1, c)
    me.csrf()
    for round_ in range(2):
        prime(g1)
        prime(g2)
        r = me.post("/api/auth/profile/", json={"username": new})
        assert r.status == 200, r
        for g in (g1, g2):
            # keep reading while chat applies the rename: a page cached
            # meanwhile must not outlive chat's announcement
            wait_until(lambda: by_id(page(g))[mid]["username"] == new, 5,
                       interval=0.01, what=f"the new name on {g.http_url}")
        new, name = name, new  # and back again


def test_refused_writes_do_not_empty_the_cache(stack, cluster):
    """Unsafe chat requests drop every cached page on their answer (they may
    have written), except a 4xx, which chat gives only before writing: a flood
    of POSTs without a CSRF token (403, api.md §2.2) or with a wrong method
    (405) cannot keep the cache empty."""
    g = cluster.g1
    prime(g)
    for method in ("POST", "DELETE"):
        r = request(f"{g.http_url}{HIST.format('public')}", method=method, body=b"{}")
        assert r.status in (403, 405), r
    before = hits(g)
    page(g)
    assert hits(g) == before + 1
