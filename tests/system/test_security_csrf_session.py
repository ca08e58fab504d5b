"""Security: CSRF on every unsafe route, session fixation, session id quality
and hashed storage, and cookie attributes in production mode (api.md §2,
decisions P11, P12; behaviours B.2 items 18-30 cover the login form of these
rules, this file covers every other route and the attacker's side).

What is NOT repeated here: the login/logout CSRF cases and the development
cookie attributes (tests/system/test_auth_session.py)."""

import collections
import re
import subprocess

import pytest

from lib.rawhttp import Client
from lib.wscluster import Cluster
from sec_common import PASSWORD, counts, ip, psql, register, request_from, sha256_hex, uname

# ------------------------------------------------------------------ CSRF

EVIL_ORIGINS = ["http://evil.example", "null", "http://127.0.0.1.evil.example",
                "https://127.0.0.1"]  # right host, wrong scheme


@pytest.fixture(scope="module")
def su(stack):
    return register(stack, role="superuser")


@pytest.fixture(scope="module")
def targets(stack, su):
    """Real object ids, so a missing CSRF check would visibly change data."""
    c, name = su
    uid = psql(stack, "SELECT id FROM auth.users WHERE username = :'n';", n=name)[0][0]
    room = "csrf" + uname("")
    r = c.post("/api/admin/rooms/", json={"slug": room})
    assert r.status == 201, r
    rid = r.json()["id"]
    psql(stack, "INSERT INTO chat.messages (room, username, content) VALUES (:'r', 'x', 'keep me');",
         r=room)
    mid = psql(stack, "SELECT max(id) FROM chat.messages WHERE room = :'r';", r=room)[0][0]
    return {"uid": uid, "rid": rid, "mid": mid, "room": room}


def unsafe_routes(t):
    """Every unsafe method the API and the admin API answer (api.md §1,
    docs/admin-api.md), plus unsafe methods on GET-only routes (CSRF runs first)."""
    return [
        ("POST", "/api/auth/login/", {"username": "x", "password": "y"}),
        ("POST", "/api/auth/logout/", {}),
        ("POST", "/api/auth/register/", {"username": uname(), "password1": PASSWORD,
                                         "password2": PASSWORD}),
        ("POST", "/api/auth/profile/", {"bio": "csrf was here"}),
        ("POST", "/api/auth/csrf/", {}),
        ("DELETE", "/api/auth/session/", {}),
        ("PUT", "/api/chat/public-room/", {}),
        ("POST", f"/api/chat/rooms/{t['room']}/", {}),
        ("POST", "/api/admin/users/", {"username": uname(), "password1": PASSWORD,
                                       "password2": PASSWORD}),
        ("PATCH", f"/api/admin/users/{t['uid']}/", {"bio": "csrf"}),
        ("DELETE", f"/api/admin/users/{t['uid']}/", {}),
        ("POST", f"/api/admin/users/{t['uid']}/password/", {"password1": "x" * 9,
                                                            "password2": "x" * 9}),
        ("POST", f"/api/admin/users/{t['uid']}/avatar/", {}),
        ("POST", "/api/admin/rooms/", {"slug": "csrf" + uname("")}),
        ("PATCH", f"/api/admin/rooms/{t['rid']}/", {"name": "csrf"}),
        ("DELETE", f"/api/admin/rooms/{t['rid']}/?confirm=true", {}),
        ("PATCH", f"/api/admin/messages/{t['mid']}/", {"content": "csrf"}),
        ("DELETE", f"/api/admin/messages/{t['mid']}/", {}),
        ("POST", "/api/admin/messages/bulk-delete/", {"room": t["room"]}),
    ]


def test_csrf_post_root_on_the_gateway(stack):
    """api.md §1 endpoint 1: POST / needs CSRF like every unsafe method. Sent to
    the gateway itself: behind the nginx front, / is the SPA."""
    c = Client(stack.gateway_http_url, forwarded_for=ip())
    c.csrf()
    assert c.request("POST", "/", csrf=False, headers={"Origin": c.origin}).status == 403
    assert c.request("POST", "/", headers={"Origin": "http://evil.example"}).status == 403
    r = c.request("POST", "/")
    assert r.status == 200 and r.json() == {"status": "ok"}, r


@pytest.mark.parametrize("group", ["api", "admin-chat", "admin-auth"])
def test_csrf_every_unsafe_route_refused_without_token_wrong_token_or_origin(stack, su, targets, group):
    """Signed in as a superuser (so nothing but CSRF stands in the way), every
    unsafe route answers 403 without a token, with a well-formed token of
    another secret, with the other secret itself, and with a valid token
    from a foreign Origin; the data is unchanged afterwards."""
    c, _ = su
    routes = [rt for rt in unsafe_routes(targets)
              if group == "api" and not rt[1].startswith("/api/admin/")
              or group == "admin-chat" and rt[1].startswith(("/api/admin/rooms", "/api/admin/messages"))
              or group == "admin-auth" and rt[1].startswith("/api/admin/users")]
    if group == "admin-auth" and c.get("/api/admin/users/").status == 404:
        pytest.skip("auth's admin API (/api/admin/users/) is not served by this build")
    before = counts(stack)
    other = Client(stack.public_url, forwarded_for=ip())
    foreign_token = other.csrf()  # well-formed, masks a different secret
    failures = []
    for method, path, body in routes:
        cases = {
            "no token": dict(csrf=False, headers={"Origin": c.origin}),
            "wrong token": dict(headers={"X-CSRFToken": foreign_token}),
            "raw other secret": dict(headers={"X-CSRFToken": other.cookies["csrftoken"]}),
        }
        for o in EVIL_ORIGINS:
            cases[f"origin {o}"] = dict(headers={"Origin": o})
        for what, kw in cases.items():
            r = c.request(method, path, json=body, **kw)
            if r.status != 403:
                failures.append(f"{method} {path} ({what}): {r.status} {r.body[:120]!r}")
            else:
                assert r.json().get("code") == "csrf_failed", r
    assert not failures, "\n".join(failures)
    assert counts(stack) == before
    if group == "admin-chat":
        # control: the same client with its token passes CSRF
        r = c.patch(f"/api/admin/rooms/{targets['rid']}/", json={"name": "csrf-ok"})
        assert r.status == 200, r
        assert psql(stack, "SELECT count(*) FROM chat.messages WHERE id = :'m';",
                    m=targets["mid"]) == [["1"]]


def test_csrf_cookie_of_another_user_cannot_be_replayed(stack):
    """A token only works with the cookie it was minted for: the victim's
    token paired with the attacker's own cookie fails, and vice versa."""
    victim = Client(stack.public_url, forwarded_for=ip())
    attacker = Client(stack.public_url, forwarded_for=ip())
    vt = victim.csrf()
    attacker.csrf()
    r = attacker.post("/api/auth/logout/", headers={"X-CSRFToken": vt})
    assert r.status == 403, r


# ------------------------------------------------------------------ session fixation

def test_preset_session_cookie_is_never_adopted(stack):
    """An attacker plants a well-formed sessionid in the victim's browser; the
    victim's login issues a different id, and the planted id never becomes
    the victim's session."""
    victim_c, victim = register(stack)
    victim_c.post("/api/auth/logout/")
    planted = "a" * 32
    c = Client(stack.public_url, forwarded_for=ip())
    c.cookies["sessionid"] = planted
    c.csrf()
    r = c.post("/api/auth/login/", json={"username": victim, "password": PASSWORD})
    assert r.status == 200, r
    issued = r.cookie("sessionid")
    assert issued and issued.value != planted
    probe = Client(stack.public_url, forwarded_for=ip())
    probe.cookies["sessionid"] = planted
    assert probe.get("/api/auth/session/").json()["user"] is None


def test_attackers_live_session_is_not_handed_to_the_victim(stack):
    """The planted id is the attacker's own valid session: the victim's login
    still gets a new id and the attacker's id never resolves to the victim."""
    attacker_c, attacker = register(stack)
    planted = attacker_c.cookies["sessionid"]
    _, victim = register(stack)
    c = Client(stack.public_url, forwarded_for=ip())
    c.cookies["sessionid"] = planted
    c.csrf()
    r = c.post("/api/auth/login/", json={"username": victim, "password": PASSWORD})
    assert r.status == 200 and r.json()["user"]["username"] == victim
    assert r.cookie("sessionid").value != planted
    probe = Client(stack.public_url, forwarded_for=ip())
    probe.cookies["sessionid"] = planted
    user = probe.get("/api/auth/session/").json()["user"]
    assert user is None or user["username"] == attacker


def test_login_twice_rotates_the_id_and_kills_the_old_one(stack):
    c, name = register(stack)
    first = c.cookies["sessionid"]
    c.csrf()
    r = c.post("/api/auth/login/", json={"username": name, "password": PASSWORD})
    assert r.status == 200
    second = c.cookies["sessionid"]
    assert second != first
    old = Client(stack.public_url, forwarded_for=ip())
    old.cookies["sessionid"] = first
    assert old.get("/api/auth/session/").json()["user"] is None


# ------------------------------------------------------------------ session ids

def test_session_ids_unguessable_and_stored_only_hashed(stack):
    """P11: 40 logins give 40 distinct 32-char [a-z0-9] ids (≥ 165 bits each)
    with no shared prefix and a spread alphabet; no raw id appears anywhere
    in auth's data, while its SHA-256 does."""
    _, name = register(stack)
    ids = []
    for _ in range(40):
        c = Client(stack.public_url, forwarded_for=ip())
        c.csrf()
        r = c.post("/api/auth/login/", json={"username": name, "password": PASSWORD})
        assert r.status == 200, r
        ids.append(r.cookie("sessionid").value)
    assert all(re.fullmatch(r"[a-z0-9]{32}", s) for s in ids), ids
    assert len(set(ids)) == len(ids)
    assert len({s[:6] for s in ids}) == len(ids), "ids share prefixes: not random"
    freq = collections.Counter("".join(ids))
    assert len(freq) >= 33, f"only {len(freq)} distinct characters in 1280"
    assert max(freq.values()) < 80, freq.most_common(3)  # expected ~36 per char
    dump = subprocess.run(["pg_dump", stack["DATABASE_URL"], "--data-only", "--schema=auth"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    for s in ids:
        assert s not in dump, "raw session id stored in the auth schema"
    live = [s for s in ids if sha256_hex(s) in dump]
    assert live, "session hashes not found: storage format changed?"


# ------------------------------------------------------------------ production cookies

@pytest.fixture(scope="module")
def prod(stack):
    """An auth + gateway pair in production mode on a private nats-server:
    debug off, secure cookies, SSL redirect; only 127.0.0.1 is a trusted proxy."""
    with Cluster(stack, presences=0) as cl:
        cl.start("auth", DJANGO_DEBUG=0, DJANGO_SESSION_COOKIE_SECURE=1, DJANGO_CSRF_COOKIE_SECURE=1)
        gw = cl.gateway(DJANGO_DEBUG=0, DJANGO_SECURE_SSL_REDIRECT=1, DJANGO_CSRF_COOKIE_SECURE=1,
                        TRUSTED_PROXIES="127.0.0.1/32")
        yield gw


def _https(gw, method, path, cookies=None, token=None, body=None, source="127.0.0.1", extra=()):
    host = gw.http_url.split("//")[1]
    h = [("Host", host), ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", ip())]
    if cookies:
        h.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
    if token:
        h += [("X-CSRFToken", token), ("Origin", f"https://{host}")]
    h += list(extra)
    return request_from(gw.http_url, method, path, h, body, source=source)


def test_production_cookies_secure_httponly_samesite(stack, prod):
    _, name = register(stack)
    r = _https(prod, "GET", "/api/auth/csrf/")
    assert r.status == 200, r
    csrf = r.cookie("csrftoken")
    assert csrf.attrs.get("secure") is True and csrf.attrs.get("samesite", "").lower() == "lax"
    assert "httponly" not in csrf.attrs  # the SPA reads it (api.md §2.1)
    token = r.json()["csrfToken"]
    r = _https(prod, "POST", "/api/auth/login/", {"csrftoken": csrf.value}, token,
               {"username": name, "password": PASSWORD})
    assert r.status == 200, r
    sid = r.cookie("sessionid")
    assert sid.attrs.get("secure") is True and sid.attrs.get("httponly") is True
    assert sid.attrs.get("samesite", "").lower() == "lax" and sid.attrs.get("path") == "/"


def test_production_session_answer_from_the_gateway(stack, prod):
    """GET session/ is answered by the gateway itself: its csrftoken must be
    Secure like auth's, and avatar URLs use the https scheme of the request."""
    _, name = register(stack)
    r = _https(prod, "GET", "/api/auth/session/")
    assert r.status == 200 and r.json() == {"authenticated": False, "user": None}
    csrf = r.cookie("csrftoken")
    assert csrf.attrs.get("secure") is True and "httponly" not in csrf.attrs
    token = _https(prod, "GET", "/api/auth/csrf/", {"csrftoken": csrf.value}).json()["csrfToken"]
    r = _https(prod, "POST", "/api/auth/login/", {"csrftoken": csrf.value}, token,
               {"username": name, "password": PASSWORD})
    assert r.status == 200, r
    jar = {"csrftoken": r.cookie("csrftoken").value, "sessionid": r.cookie("sessionid").value}
    for _ in range(2):  # a miss, then a cache hit
        r = _https(prod, "GET", "/api/auth/session/", jar)
        assert r.status == 200 and r.json()["authenticated"] is True, r
        assert r.cookie("csrftoken").value == jar["csrftoken"] and r.cookie("csrftoken").attrs.get("secure") is True
        host = prod.http_url.split("//")[1]
        assert r.json()["user"]["profileImage"].startswith(f"https://{host}/media/")


def test_production_plain_http_and_spoofed_proto_redirect(stack, prod):
    """SSL redirect: plain HTTP → 301 https; X-Forwarded-Proto from a peer that
    is not a trusted proxy (127.0.0.9 here) does not count as HTTPS (P12)."""
    host = prod.http_url.split("//")[1]
    r = request_from(prod.http_url, "GET", "/api/auth/csrf/", [("Host", host)])
    assert r.status == 301 and r.header("Location", "").startswith("https://"), r
    r = _https(prod, "GET", "/api/auth/csrf/", source="127.0.0.9")
    assert r.status == 301, r


def test_production_https_post_needs_origin_or_referer(stack, prod):
    """Over HTTPS a token alone is not enough: no Origin and no Referer → 403
    (api.md §2.2 step 2); an http:// Referer → 403."""
    r = _https(prod, "GET", "/api/auth/csrf/")
    cookie, token = r.cookie("csrftoken").value, r.json()["csrfToken"]
    host = prod.http_url.split("//")[1]
    base = [("Host", host), ("X-Forwarded-Proto", "https"), ("Cookie", f"csrftoken={cookie}"),
            ("X-CSRFToken", token)]
    r = request_from(prod.http_url, "POST", "/api/auth/logout/", base)
    assert r.status == 403, r
    r = request_from(prod.http_url, "POST", "/api/auth/logout/", base + [("Referer", f"http://{host}/")])
    assert r.status == 403, r
    r = request_from(prod.http_url, "POST", "/api/auth/logout/", base + [("Referer", f"https://{host}/")])
    assert r.status == 200, r
