"""Chat's half of the admin API (docs/admin-api.md; P16, admin.md M1, M3, M6):
rooms and messages through the gateway with real staff sessions, chat's own
staff re-check and its audit log over HTTP-over-NATS (the gateway merges the
audit answers of auth and chat; that merge is not chat's), history order and
cursors after a timestamp edit (admin-api.md supersedes behaviours.md item 92),
and the message_updated / message_deleted room events."""

import json
import secrets
import subprocess
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chat_nats import Nats, insert_messages, psql, room_token, slug, user
from lib.stack import wait_until


def uname(prefix="a"):
    return prefix + secrets.token_hex(5)


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def uid_of(stack, name):
    return int(psql(stack["DATABASE_URL"], "SELECT id FROM auth.users WHERE username = :'n';",
                    n=name)[0][0])


def register(new_client, stack, staff=False):
    """A signed-in client; staff=True promotes the account via SQL and signs in again
    (a fresh session, so no cached user is involved). Returns (client, user dict)."""
    c = new_client(forwarded_for=ip())
    c.csrf()
    name = uname()
    r = c.post("/api/auth/register/", json={"username": name, "password1": "pass12345",
                                            "password2": "pass12345"})
    assert r.status == 201, r
    uid = uid_of(stack, name)
    if staff:
        psql(stack["DATABASE_URL"], "UPDATE auth.users SET is_staff = true WHERE id = :'id';", id=uid)
        c = new_client(forwarded_for=ip())
        c.csrf()
        r = c.post("/api/auth/login/", json={"username": name, "password": "pass12345"})
        assert r.status == 200 and r.json()["user"]["is_staff"] is True, r
        c.csrf()
    return c, {"id": uid, "username": name, "is_staff": staff, "is_superuser": False,
               "avatar": "default.jpg"}


@pytest.fixture(scope="module")
def superuser(stack):
    """A superuser made by `echochat-auth createsuperuser`, signed in through the gateway."""
    from lib.rawhttp import Client
    name = uname("root")
    cli = stack.extra("auth")
    cli.start("createsuperuser", "--username", name, "--password", "Sup3r-secret!")
    assert cli.wait_exit(60) == 0, cli.output()
    cli.stop()
    c = Client(stack.public_url, forwarded_for=ip())
    c.csrf()
    r = c.post("/api/auth/login/", json={"username": name, "password": "Sup3r-secret!"})
    assert r.status == 200 and r.json()["user"]["is_superuser"] is True, r
    c.csrf()
    return c, {"id": uid_of(stack, name), "username": name, "is_staff": True,
               "is_superuser": True, "avatar": "default.jpg"}


@pytest.fixture
def nats(stack):
    with Nats(stack["NATS_URL"]) as n:
        yield n


def audit(nats, as_user, **filters):
    q = "&".join(f"{k}={v}" for k, v in filters.items())
    status, body = nats.http("GET", "/api/admin/audit/", q, user=as_user)
    assert status == 200, body
    return body


def history(client, room, query=""):
    r = client.get(f"/api/chat/rooms/{room}/messages/{query}")
    assert r.status == 200, r
    return [m["id"] for m in r.json()["messages"]]


# --------------------------------------------------------------------------- access

def test_access_guest_401_non_staff_403_in_gateway_and_chat(stack, new_client, nats):
    """P16: guests 401 auth_required, signed-in non-staff 403 staff_required, both
    at the gateway and (re-checked from Http-User) in chat itself."""
    guest = new_client(forwarded_for=ip())
    for path in ("/api/admin/rooms/", "/api/admin/messages/", "/api/admin/rooms/1/",
                 "/api/admin/messages/1/"):
        r = guest.get(path)
        assert r.status == 401 and r.json()["code"] == "auth_required", (path, r)
    plain, pu = register(new_client, stack)
    for path in ("/api/admin/rooms/", "/api/admin/messages/"):
        r = plain.get(path)
        assert r.status == 403 and r.json()["code"] == "staff_required", (path, r)
    r = plain.post("/api/admin/messages/bulk-delete/", json={"room": "public"})
    assert r.status == 403
    for method, path in (("GET", "/api/admin/rooms/"), ("GET", "/api/admin/audit/"),
                         ("DELETE", "/api/admin/messages/1/"),
                         ("POST", "/api/admin/messages/bulk-delete/")):
        status, body = nats.http(method, path, body={"room": "public"} if method == "POST" else None)
        assert status == 401 and body["code"] == "auth_required", (method, path)
        status, body = nats.http(method, path, user=pu,
                                 body={"room": "public"} if method == "POST" else None)
        assert status == 403 and body["code"] == "staff_required", (method, path)


def test_unknown_routes_and_methods(superuser):
    c, _ = superuser
    assert c.get("/api/admin/rooms/abc/").status == 404
    assert c.get("/api/admin/messages/0/").status == 404
    # one spelling per id, as auth's /api/admin/users/<id>/ (common/admin_query.c)
    for bad in ("01", "+1", "9223372036854775808"):
        r = c.get(f"/api/admin/rooms/{bad}/")
        assert r.status == 404 and r.json()["code"] == "not_found", (bad, r)
    assert c.get("/api/admin/messages/99999999999/").json()["code"] == "not_found"
    r = c.put("/api/admin/rooms/1/", json={})
    assert r.status == 405 and r.header("Allow") == "GET, PATCH, DELETE"
    r = c.get("/api/admin/messages/bulk-delete/")
    assert r.status == 405 and r.header("Allow") == "POST"
    r = c.post("/api/admin/rooms/", json={"slug": slug()}, csrf=False)
    assert r.status == 403  # CSRF


# --------------------------------------------------------------------------- rooms

def test_rooms_create_list_edit_delete_with_audit_m3_m6(stack, superuser, new_client, nats):
    c, su = superuser
    s = slug("adm")
    before = c.get("/api/admin/rooms/?page_size=200").json()["count"]
    # M3: the API's slug rule
    for bad in ("a", "my room", "x" * 51, ""):
        r = c.post("/api/admin/rooms/", json={"slug": bad})
        assert r.status == 400 and "slug" in r.json()["errors"], bad
    r = c.post("/api/admin/rooms/", json={"slug": s, "name": "  Salon  "})
    assert r.status == 201, r
    room = r.json()
    assert room["slug"] == s and room["name"] == "Salon" and room["owner"] is None
    assert room["message_count"] == 0
    assert c.post("/api/admin/rooms/", json={"slug": s}).json()["code"] == "slug_taken"
    assert c.post("/api/admin/rooms/", json={"slug": "public"}).status == 409
    # M6: listing and reading create nothing
    assert c.get("/api/admin/rooms/?page_size=200").json()["count"] == before + 1
    # search, owner filter, paging, bad filters
    found = c.get(f"/api/admin/rooms/?q={s.upper()}").json()
    assert [x["id"] for x in found["results"]] == [room["id"]] and found["count"] == 1
    assert c.get("/api/admin/rooms/?q=sAlOn").json()["count"] >= 1
    assert c.get("/api/admin/rooms/?q=%25%25%25").json()["count"] == 0  # '%' is literal
    p = c.get("/api/admin/rooms/?page_size=1&page=2").json()
    assert p["page"] == 2 and p["page_size"] == 1 and len(p["results"]) == 1
    for q in ("page=0", "page_size=0", "page_size=201", "page=x"):
        r = c.get(f"/api/admin/rooms/?{q}")
        assert r.status == 400 and r.json()["code"] == "invalid_filter", q
        assert r.json()["param"] == q.split("=")[0]

    # owner: an author chat has seen (posted once)
    _, author = register(new_client, stack)
    assert nats.post("public", author, "hello from the future owner")["ok"]
    r = c.patch(f"/api/admin/rooms/{room['id']}/", json={"owner": author["username"]})
    assert r.status == 200 and r.json()["owner"] == author["username"], r
    assert c.get(f"/api/admin/rooms/?owner={author['username']}").json()["count"] == 1
    # the room now belongs to that user for the public API (W3 / item 79)
    assert nats.access(s, user())["allowed"] is False
    assert nats.access(s, author)["allowed"] is True
    for bad, field in (({"name": ""}, "name"), ({"name": "n" * 151}, "name"), ({"name": 5}, "name"),
                       ({"owner": 7}, "owner")):
        r = c.patch(f"/api/admin/rooms/{room['id']}/", json=bad)
        assert r.status == 400 and field in r.json()["errors"], bad
    r = c.patch(f"/api/admin/rooms/{room['id']}/", body=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.json()["code"] == "invalid_body"
    r = c.patch(f"/api/admin/rooms/{room['id']}/", json={"owner": None, "name": "Renamed"})
    assert r.status == 200 and r.json()["owner"] is None and r.json()["name"] == "Renamed"
    assert nats.access(s, user())["allowed"] is True
    public = [x for x in c.get("/api/admin/rooms/?q=public").json()["results"] if x["slug"] == "public"][0]
    r = c.patch(f"/api/admin/rooms/{public['id']}/", json={"owner": author["username"]})
    assert r.status == 400 and "owner" in r.json()["errors"]
    assert c.patch("/api/admin/rooms/99999999/", json={"name": "x"}).status == 404

    # delete: confirm, public room, messages go too
    insert_messages(stack["DATABASE_URL"], s, 3)
    assert c.get(f"/api/admin/rooms/{room['id']}/").json()["message_count"] == 3
    r = c.delete(f"/api/admin/rooms/{room['id']}/")
    assert r.status == 400 and r.json()["code"] == "confirm_required"
    assert c.delete(f"/api/admin/rooms/{room['id']}/?confirm=yes").status == 400
    r = c.delete(f"/api/admin/rooms/{public['id']}/?confirm=true")
    assert r.status == 409 and r.json()["code"] == "public_room"
    r = c.delete(f"/api/admin/rooms/{room['id']}/?confirm=true")
    assert r.status == 200 and r.json() == {"ok": True, "deleted_messages": 3}
    assert c.get(f"/api/admin/rooms/{room['id']}/").status == 404
    assert c.get(f"/api/admin/messages/?room={s}").json()["count"] == 0
    assert c.delete(f"/api/admin/rooms/{room['id']}/?confirm=true").status == 404

    # audit: create, two updates, delete — newest first, with the changes
    entries = audit(nats, su, object_type="room", object_id=room["id"])["results"]
    assert [e["action"] for e in entries] == ["delete", "update", "update", "create"]
    assert all(e["actor"] == su["username"] and e["actor_id"] == su["id"] for e in entries)
    assert entries[3]["changes"]["slug"] == [None, s]
    assert entries[2]["changes"] == {"owner": [None, author["username"]]}
    assert entries[1]["changes"] == {"owner": [author["username"], None], "name": ["Salon", "Renamed"]}
    assert entries[0]["changes"]["message_count"] == [3, 0] and entries[0]["object_label"] == s


def lookup_responders(stack):
    """True when some process answers echochat.auth.user.lookup."""
    with Nats(stack["NATS_URL"]) as n:
        try:
            m = n.request("echochat.auth.user.lookup", json.dumps({"username": "x"}), timeout=1.0)
        except TimeoutError:
            return False
        return bool(m.data)


class FakeAuthLookup:
    """Answers echochat.auth.user.lookup from a dict, on its own connection/thread."""

    def __init__(self, url, users):
        self.n = Nats(url)
        self.users = users
        self.asked = []
        self.n.subscribe("echochat.auth.user.lookup")
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                m = self.n.next_msg(timeout=0.2, subject_prefix="echochat.auth.user.lookup")
            except (TimeoutError, OSError, ConnectionError):
                continue
            name = json.loads(m.data)["username"]
            self.asked.append(name)
            self.n.publish(m.reply, json.dumps({"user": self.users.get(name)}))

    def close(self):
        self.stop = True
        self.t.join(2)
        self.n.close()


def test_owner_never_seen_is_looked_up_in_auth(stack, superuser, new_client):
    """An owner chat has never seen (no post) comes from echochat.auth.user.lookup; no
    answer from auth -> 503 unavailable, an unknown name -> 400 on owner."""
    c, _ = superuser
    s = slug("own")
    room = c.post("/api/admin/rooms/", json={"slug": s}).json()
    _, fresh = register(new_client, stack)
    if lookup_responders(stack):
        r = c.patch(f"/api/admin/rooms/{room['id']}/", json={"owner": fresh["username"]})
        assert r.status == 200 and r.json()["owner"] == fresh["username"], r
        r = c.patch(f"/api/admin/rooms/{room['id']}/", json={"owner": uname("ghost")})
        assert r.status == 400 and "owner" in r.json()["errors"]
        return
    # auth does not implement the lookup yet: chat must say so, not guess
    r = c.patch(f"/api/admin/rooms/{room['id']}/", json={"owner": fresh["username"]})
    assert r.status == 503 and r.json()["code"] == "unavailable", r
    fake = FakeAuthLookup(stack["NATS_URL"], {fresh["username"]: fresh})
    try:
        r = c.patch(f"/api/admin/rooms/{room['id']}/", json={"owner": fresh["username"]})
        assert r.status == 200 and r.json()["owner"] == fresh["username"], r
        ghost = uname("ghost")
        r = c.patch(f"/api/admin/rooms/{room['id']}/", json={"owner": ghost})
        assert r.status == 400 and "owner" in r.json()["errors"]
        assert fake.asked == [fresh["username"], ghost]
    finally:
        fake.close()
    with Nats(stack["NATS_URL"]) as n:
        assert n.access(s, fresh)["allowed"] is True
        assert n.access(s, user())["allowed"] is False


# --------------------------------------------------------------------------- messages

def test_128_message_list_filters_and_search_m1(stack, superuser):
    """M1: q is a case-insensitive substring over text, stored username and room;
    LIKE wildcards match literally; room/author/since/until/sort filters."""
    c, _ = superuser
    db = stack["DATABASE_URL"]
    s = slug("srch")
    tag = secrets.token_hex(4)
    rows = psql(db, "INSERT INTO chat.messages (room, username, content, created_at) VALUES "
                    "(:'r', 'alice', 'Hello ' || :'t' || ' WORLD', '2021-03-01T10:00:00Z'),"
                    "(:'r', 'bob', '100% sure ' || :'t', '2021-03-02T10:00:00Z'),"
                    "(:'r', 'Zoë', 'под_чёркивание ' || :'t', '2021-03-03T10:00:00Z'),"
                    "(:'r', 'bob', 'ПРИВЕТ ' || :'t', '2021-03-04T10:00:00Z') RETURNING id;",
                r=s, t=tag)
    a, b, z, p = (int(x[0]) for x in rows)

    def ids(query):
        r = c.get(f"/api/admin/messages/?room={s}&{query}")
        assert r.status == 200, r
        return [m["id"] for m in r.json()["results"]]

    assert ids("") == [a, b, z, p]
    assert ids("sort=-created_at") == [p, z, b, a]
    assert ids("q=world") == [a]
    assert ids("q=%25") == [b]            # a literal '%'
    assert ids("q=_") == [z]              # a literal '_'
    assert ids("q=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82") == [p]  # 'привет' matches 'ПРИВЕТ'
    assert ids("q=ZO%C3%8B") == [z]       # stored username, case-insensitive
    assert ids("author=bob") == [b, p]
    assert ids("since=2021-03-02&until=2021-03-03T10:00:00Z") == [b, z]
    assert ids("since=2021-03-02T12:00:00%2B03:00") == [b, z, p]  # 09:00Z
    assert ids("since=2021-03-02T12:00:00+03:00") == [b, z, p]    # '+' arriving as a space
    r = c.get(f"/api/admin/messages/?q={s[:6].upper()}{s[6:]}&page_size=2")
    body = r.json()
    assert body["count"] == 4 and len(body["results"]) == 2  # room text is searched too
    m = c.get(f"/api/admin/messages/{a}/").json()
    assert m == {"id": a, "room": s, "username": "alice", "user_id": None,
                 "content": f"Hello {tag} WORLD", "created_at": "2021-03-01T10:00:00+00:00"}
    for q, param in (("since=yesterday", "since"), ("until=2021-02-30", "until"),
                     ("sort=id", "sort"), ("page_size=500", "page_size")):
        r = c.get(f"/api/admin/messages/?{q}")
        assert r.status == 400 and r.json()["code"] == "invalid_filter" and r.json()["param"] == param


def test_timestamp_edit_moves_message_in_history_and_cursors(stack, superuser, nats):
    """admin-api.md: history is (created_at, id) order; an edited timestamp moves the
    message, and before/after cursors are positions in that order (supersedes item 92).
    The cached history page is invalidated by the edit."""
    c, su = superuser
    s = slug("ts")
    a, b, cc, d, e = insert_messages(stack["DATABASE_URL"], s, 5)
    assert history(c, s) == [a, b, cc, d, e]  # fills the history cache
    old = c.get(f"/api/admin/messages/{cc}/").json()["created_at"]
    r = c.patch(f"/api/admin/messages/{cc}/", json={"created_at": "2000-01-01T00:00:00+02:00"})
    assert r.status == 200 and r.json()["created_at"] == "1999-12-31T22:00:00+00:00", r
    assert history(c, s) == [cc, a, b, d, e]
    assert history(c, s, f"?before={a}") == [cc]
    assert history(c, s, f"?before={cc}") == []
    assert history(c, s, f"?before={d}") == [cc, a, b]
    assert history(c, s, f"?after={cc}") == [a, b, d, e]
    assert history(c, s, f"?after={b}") == [d, e]
    assert history(c, s, "?limit=2") == [d, e]
    r = c.get(f"/api/chat/rooms/{s}/messages/?limit=2&before={d}").json()
    assert [m["id"] for m in r["messages"]] == [a, b] and r["hasMore"] is True
    assert r["nextBefore"] == a
    # moved to the newest position (still not in the future)
    now = datetime.now(timezone.utc).isoformat()
    assert c.patch(f"/api/admin/messages/{a}/", json={"created_at": now}).status == 200
    assert history(c, s) == [cc, b, d, e, a]
    assert history(c, s, f"?after={e}") == [a]
    # a deleted cursor falls back to id order
    assert c.delete(f"/api/admin/messages/{b}/").status == 200
    assert history(c, s, f"?before={b}") == [a]        # id < b, whatever the timestamps
    assert b not in history(c, s)

    # refusals change nothing
    future = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()
    for bad in ({"created_at": future}, {"created_at": "1969-12-31T23:59:59Z"},
                {"created_at": "2021-13-01"}, {"created_at": "now"}, {"created_at": 5},
                {"content": "   "}, {"content": "x" * 1001}, {"content": 1}):
        r = c.patch(f"/api/admin/messages/{d}/", json=bad)
        assert r.status == 400 and r.json()["code"] == "validation_failed", (bad, r)
        assert list(r.json()["errors"]) == list(bad)
    skew = (datetime.now(timezone.utc) + timedelta(seconds=30)).isoformat()
    assert c.patch(f"/api/admin/messages/{d}/", json={"created_at": skew}).status == 200
    assert c.patch(f"/api/admin/messages/{d}/", json={"created_at": "1970-01-01T00:00:00Z"}).status == 200
    assert history(c, s)[0] == d
    assert c.patch("/api/admin/messages/99999999999/", json={"content": "x"}).status == 404
    r = c.patch(f"/api/admin/messages/{e}/", json={"content": "  edited text  "})
    assert r.status == 200 and r.json()["content"] == "edited text"
    msgs = c.get(f"/api/chat/rooms/{s}/messages/").json()["messages"]
    assert [m["content"] for m in msgs if m["id"] == e] == ["edited text"]

    entries = audit(nats, su, object_type="message", object_id=cc)["results"]
    assert len(entries) == 1 and entries[0]["action"] == "update"
    assert entries[0]["changes"] == {"created_at": [old, "1999-12-31T22:00:00+00:00"]}
    entries = audit(nats, su, object_type="message", object_id=b, action="delete")["results"]
    assert len(entries) == 1 and entries[0]["changes"]["content"] == ["m2", None]
    entries = audit(nats, su, object_type="message", object_id=e)["results"]
    assert entries[0]["changes"] == {"content": ["m5", "edited text"]}
    assert entries[0]["object_label"] == "edited text"


def test_bulk_delete_removes_exactly_the_matching_messages(stack, superuser, nats):
    c, su = superuser
    db = stack["DATABASE_URL"]
    s1, s2 = slug("bulk"), slug("bulk")
    tag = secrets.token_hex(4)
    keep1 = insert_messages(db, s1, 3, username="keeper")
    spam1 = psql(db, "INSERT INTO chat.messages (room, username, content) SELECT :'r', 'spammer', "
                     "'buy ' || :'t' || g FROM generate_series(1, 4) g RETURNING id;", r=s1, t=tag)
    spam2 = psql(db, "INSERT INTO chat.messages (room, username, content) SELECT :'r', 'spammer', "
                     "'BUY ' || :'t' || g FROM generate_series(1, 2) g RETURNING id;", r=s2, t=tag)
    other = psql(db, "INSERT INTO chat.messages (room, username, content) VALUES "
                     "(:'r', 'spammer', 'legit') RETURNING id;", r=s2)
    for body in ({}, {"room": ""}, {"room": None, "q": ""}):
        r = c.post("/api/admin/messages/bulk-delete/", json=body)
        assert r.status == 400 and r.json()["code"] == "filter_required", body
    r = c.post("/api/admin/messages/bulk-delete/", json={"since": "soon"})
    assert r.status == 400 and r.json()["code"] == "invalid_filter"
    r = c.post("/api/admin/messages/bulk-delete/", body=b"[1]", headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.json()["code"] == "invalid_body"
    r = c.post("/api/admin/messages/bulk-delete/", json={"author": "spammer", "q": f"buy {tag}"})
    assert r.status == 200 and r.json() == {"ok": True, "deleted": 6}, r
    left = {m["id"] for m in c.get(f"/api/admin/messages/?room={s1}").json()["results"]}
    assert left == set(keep1)
    left = [m["id"] for m in c.get(f"/api/admin/messages/?room={s2}").json()["results"]]
    assert left == [int(other[0][0])]
    assert c.post("/api/admin/messages/bulk-delete/", json={"room": s1, "q": "nothing-like-this"}).json()["deleted"] == 0
    e = audit(nats, su, action="bulk_delete", actor=su["username"], limit=2)["results"]
    assert e[1]["changes"] == {"filter": [None, {"author": "spammer", "q": f"buy {tag}"}],
                               "deleted": [None, 6]}
    assert e[1]["object_id"] is None and e[1]["object_type"] == "message"
    assert e[0]["changes"]["deleted"] == [None, 0]
    assert not {int(x[0]) for x in spam1 + spam2} & {
        m["id"] for m in c.get(f"/api/admin/messages/?q={tag}&page_size=200").json()["results"]}


def test_audit_filters_and_cursor(stack, superuser, nats):
    """GET /api/admin/audit/ on chat: filters, newest first, `before` cursor paging."""
    c, su = superuser
    s = slug("aud")
    room = c.post("/api/admin/rooms/", json={"slug": s}).json()
    for i in range(5):
        assert c.patch(f"/api/admin/rooms/{room['id']}/", json={"name": f"n{i}"}).status == 200
    seen = []
    before = None
    while True:
        q = {"object_type": "room", "object_id": room["id"], "limit": 2}
        if before:
            q["before"] = before.replace("+", "%2B")
        page = audit(nats, su, **q)
        seen += page["results"]
        before = page["nextBefore"]
        assert len(page["results"]) <= 2
        if before is None:
            break
        assert before == page["results"][-1]["at"]
    assert [e["action"] for e in seen] == ["update"] * 5 + ["create"]
    ats = [e["at"] for e in seen]
    assert ats == sorted(ats, reverse=True) and len(set(ats)) == 6
    assert audit(nats, su, object_type="room", object_id=room["id"], action="update",
                 since=ats[1].replace("+", "%2B"))["results"] == seen[:2]
    assert audit(nats, su, object_type="room", object_id=room["id"],
                 until=ats[4].replace("+", "%2B"))["results"] == seen[4:]
    assert audit(nats, su, object_type="user")["results"] == []
    assert audit(nats, su, actor=uname("nobody"))["results"] == []
    for q, param in (("action=rename", "action"), ("object_type=group", "object_type"),
                     ("limit=0", "limit"), ("before=x", "before"), ("object_id=-1", "object_id")):
        status, body = nats.http("GET", "/api/admin/audit/", q, user=su)
        assert status == 400 and body["code"] == "invalid_filter" and body["param"] == param, q


# --------------------------------------------------------------------------- live frames

def test_edits_and_deletes_publish_room_events(stack, superuser):
    """message_updated / message_deleted on echochat.chat.room_event.<token> after
    commit (one message_deleted per deleted message, bulk included)."""
    c, _ = superuser
    s = slug("ev")
    ids = insert_messages(stack["DATABASE_URL"], s, 4, username="evy", avatar="profile_pics/e.png")
    with Nats(stack["NATS_URL"]) as n:
        n.subscribe("echochat.chat.room_event." + room_token(s))
        r = c.patch(f"/api/admin/messages/{ids[0]}/",
                    json={"content": "new text", "created_at": "2022-02-02T02:02:02.5Z"})
        assert r.status == 200
        f = n.next_msg(5).json()
        assert f == {"type": "message_updated", "id": ids[0], "message": "new text",
                     "username": "evy", "profile_pic": stack.public_url + "/media/profile_pics/e.png",
                     "room": s, "createdAt": "2022-02-02T02:02:02.500000+00:00"}
        assert c.patch(f"/api/admin/messages/{ids[0]}/", json={"content": "new text"}).status == 200
        assert c.delete(f"/api/admin/messages/{ids[1]}/").status == 200
        assert n.next_msg(5).json() == {"type": "message_deleted", "id": ids[1]}  # no-op edit: no frame
        assert c.post("/api/admin/messages/bulk-delete/", json={"room": s}).json()["deleted"] == 3
        got = sorted(n.next_msg(5).json()["id"] for _ in range(3))
        assert got == [ids[0], ids[2], ids[3]]


def test_websocket_receives_message_updated_and_deleted(stack, superuser, new_client):
    """The same frames reach an open chat socket through the gateway."""
    from lib import ws as wslib
    c, _ = superuser
    url = stack.gateway_ws_url + "/ws/chat/public/"
    if wslib.handshake_status(url, origin=stack.public_url) != 101:
        pytest.skip("the gateway has no /ws/chat/ endpoint in this build (WebSocket side not merged)")
    ids = insert_messages(stack["DATABASE_URL"], "public", 2, username="wsy")
    sock = wslib.connect(url, origin=stack.public_url)
    try:
        assert c.patch(f"/api/admin/messages/{ids[0]}/", json={"content": "fixed"}).status == 200
        f = sock.recv_until(lambda x: x.get("type") == "message_updated", timeout=5)
        assert f["id"] == ids[0] and f["message"] == "fixed" and f["room"] == "public"
        assert c.delete(f"/api/admin/messages/{ids[1]}/").status == 200
        f = sock.recv_until(lambda x: x.get("type") == "message_deleted", timeout=5)
        assert f == {"type": "message_deleted", "id": ids[1]}
    finally:
        sock.close()


def test_audit_through_gateway_includes_chat_entries(stack, superuser):
    """The gateway asks auth and chat and merges; chat's entries must be in the answer."""
    c, su = superuser
    s = slug("gwa")
    room = c.post("/api/admin/rooms/", json={"slug": s}).json()
    r = c.get(f"/api/admin/audit/?object_type=room&object_id={room['id']}")
    if r.status == 404 and c.get("/api/admin/users/").status == 404:
        pytest.skip("auth answers no /api/admin/ routes in this build (auth's admin API not merged)")
    assert r.status == 200, r
    body = r.json()
    assert [(e["action"], e["object_id"], e["object_label"]) for e in body["results"]] == [
        ("create", room["id"], s)]
    assert body["nextBefore"] is None
