"""Security: admin authorisation on every admin route and method (P16,
docs/admin-api.md "Access"): guest 401, signed-in user 403 even with a valid
CSRF token, staff allowed except superuser-only actions; and the internal
envelope headers (Http-User, Http-Csrf, Http-Client-Ip, ...) cannot be
injected by a client. test_admin_chat.py checks a few GET routes per role;
this file walks the whole route table with every method."""

import json

import pytest

from lib.rawhttp import Client
from sec_common import counts, ip, psql, register, uname


def admin_routes(uid, rid, mid):
    return [
        ("GET", "/api/admin/users/"), ("POST", "/api/admin/users/"),
        ("GET", f"/api/admin/users/{uid}/"), ("PATCH", f"/api/admin/users/{uid}/"),
        ("DELETE", f"/api/admin/users/{uid}/"), ("POST", f"/api/admin/users/{uid}/password/"),
        ("POST", f"/api/admin/users/{uid}/avatar/"),
        ("GET", "/api/admin/rooms/"), ("POST", "/api/admin/rooms/"),
        ("GET", f"/api/admin/rooms/{rid}/"), ("PATCH", f"/api/admin/rooms/{rid}/"),
        ("DELETE", f"/api/admin/rooms/{rid}/?confirm=true"),
        ("GET", "/api/admin/messages/"), ("GET", f"/api/admin/messages/{mid}/"),
        ("PATCH", f"/api/admin/messages/{mid}/"), ("DELETE", f"/api/admin/messages/{mid}/"),
        ("POST", "/api/admin/messages/bulk-delete/"),
        ("GET", "/api/admin/audit/"),
    ]


BODIES = {"POST": {"slug": "x" + uname(""), "room": "public", "username": uname(),
                   "password1": "pass12345", "password2": "pass12345"},
          "PATCH": {"name": "pwned", "content": "pwned", "is_staff": True, "is_superuser": True}}


@pytest.fixture(scope="module")
def objects(stack):
    su_c, _ = register(stack, role="superuser")
    _, victim = register(stack)
    uid = psql(stack, "SELECT id FROM auth.users WHERE username = :'n';", n=victim)[0][0]
    room = "adm" + uname("")
    r = su_c.post("/api/admin/rooms/", json={"slug": room})
    assert r.status == 201, r
    psql(stack, "INSERT INTO chat.messages (room, username, content) VALUES (:'r', 'x', 'keep');", r=room)
    mid = psql(stack, "SELECT max(id) FROM chat.messages WHERE room = :'r';", r=room)[0][0]
    return {"uid": uid, "rid": r.json()["id"], "mid": mid, "su": su_c}


def test_guest_401_and_user_403_on_every_admin_route(stack, objects):
    guest = Client(stack.public_url, forwarded_for=ip())
    guest.csrf()
    user, _ = register(stack)
    before = counts(stack)
    problems = []
    for method, path in admin_routes(objects["uid"], objects["rid"], objects["mid"]):
        body = BODIES.get(method)
        r = guest.request(method, path, json=body)
        if r.status != 401 or r.json().get("code") != "auth_required":
            problems.append(f"guest {method} {path}: {r.status} {r.body[:100]!r}")
        r = user.request(method, path, json=body)
        if r.status != 403 or r.json().get("code") != "staff_required":
            problems.append(f"user {method} {path}: {r.status} {r.body[:100]!r}")
    assert not problems, "\n".join(problems)
    assert counts(stack) == before


def test_staff_may_use_chat_admin_but_not_superuser_actions(stack, objects):
    staff, staff_name = register(stack, role="staff")
    assert staff.get("/api/admin/rooms/").status == 200
    assert staff.get("/api/admin/messages/").status == 200
    if staff.get("/api/admin/users/").status == 404:
        pytest.skip("auth's admin API (/api/admin/users/) is not served by this build")
    assert staff.get("/api/admin/audit/").status == 200
    uid = objects["uid"]
    before = counts(stack)
    for body in ({"is_staff": True}, {"is_superuser": True}):
        r = staff.patch(f"/api/admin/users/{uid}/", json=body)
        assert r.status == 403 and r.json()["code"] == "superuser_required", r
    r = staff.delete(f"/api/admin/users/{uid}/")
    assert r.status == 403 and r.json()["code"] == "superuser_required", r
    me = psql(stack, "SELECT id FROM auth.users WHERE username = :'n';", n=staff_name)[0][0]
    r = staff.patch(f"/api/admin/users/{me}/", json={"is_superuser": True})
    assert r.status == 403, r  # no self-promotion either
    assert counts(stack) == before


INTERNAL = {
    "Http-User": json.dumps({"id": 1, "username": "root", "is_staff": True, "is_superuser": True,
                             "avatar": "default.jpg"}),
    "Http-Csrf": "ok",
    "Http-Client-Ip": "203.0.113.1",
    "Http-Secure": "1",
    "Http-Session-Id": "a" * 32,
    "Http-Method": "DELETE",
    "Http-Path": "/api/admin/rooms/1/",
    "Echo-Request-Id": "injected",
}


def test_client_cannot_inject_envelope_headers(stack, objects):
    """The gateway builds the HTTP-over-NATS envelope itself (architecture.md):
    a client sending Http-User / Http-Csrf / ... gains nothing."""
    user, _ = register(stack)
    before = counts(stack)
    guest = Client(stack.public_url, forwarded_for=ip(), headers=INTERNAL)
    r = guest.get("/api/admin/rooms/")
    assert r.status == 401, r
    r = guest.post(f"/api/admin/rooms/{objects['rid']}/", csrf=False, json={})
    assert r.status in (401, 403), r
    user.headers.update(INTERNAL)
    r = user.get("/api/admin/rooms/")
    assert r.status == 403, r
    r = user.get("/api/auth/session/")
    assert r.json()["user"]["is_staff"] is False
    r = user.patch(f"/api/admin/rooms/{objects['rid']}/", csrf=False, json={"name": "pwned"})
    assert r.status in (403,), r
    assert r.header("X-Request-Id") != "injected"
    assert counts(stack) == before
