"""GET /api/auth/session/ is answered by the gateway from its session cache
(docs/architecture.md, "GET session/ in the gateway"); these tests fail when
that answer drifts from auth's own h_session (api.md §2.1, §4.2; behaviours
B.2 items 18-34, P3) or from a change made through any other route.

Where possible the gateway's answer is compared byte for byte with what auth
says to the same request sent straight to echochat.auth.http (the envelope
the gateway used to forward)."""

import re
import secrets
import urllib.parse
import uuid

import pytest

from chat_nats import Nats

PASSWORD = "adm1n-Passw0rd!"
SESSION = "/api/auth/session/"


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def uname(prefix="g"):
    return f"{prefix}{secrets.token_hex(5)}"


def register(new_client, name=None, password="pass12345"):
    name = name or uname()
    c = new_client(forwarded_for=ip())
    c.csrf()
    r = c.post("/api/auth/register/", json={"username": name, "password1": password, "password2": password})
    assert r.status == 201, r
    c.name = name
    return c


def auth_says(stack, client, cookies=None):
    """What auth answers to the client's GET session/ when asked directly:
    (status, body bytes, [Set-Cookie values])."""
    cookies = client.cookies if cookies is None else cookies
    host = urllib.parse.urlsplit(client.base_url).netloc
    headers = [("Echo-Request-Id", uuid.uuid4().hex[:16]), ("Http-Method", "GET"), ("Http-Path", SESSION),
               ("Http-Host", host), ("Http-Base-Url", f"http://{host}"), ("Http-Secure", "0"),
               ("Http-Client-Ip", "10.0.0.1")]
    if cookies.get("csrftoken"):
        headers.append(("Http-Csrf-Cookie", cookies["csrftoken"]))
    if cookies.get("sessionid"):
        headers.append(("Http-Session-Id", cookies["sessionid"]))
    with Nats(stack["NATS_URL"]) as n:
        m = n.request("echochat.auth.http", b"", headers=headers)
    status = int(m.headers["Http-Status"][0])
    set_cookies = [h.split(": ", 1)[1] for h in m.headers.get("Http-Header", []) if h.startswith("Set-Cookie: ")]
    return status, m.data, set_cookies


def undated(set_cookie):
    """A Set-Cookie value without its expires date (the two answers may be a
    second apart) and, for csrftoken, without its value (random for guests)."""
    return re.sub(r"expires=[^;]*;", "expires=…;", set_cookie)


def gateway_says(client, headers=None):
    r = client.get(SESSION, headers=headers)
    return r, r.status, r.body, r.header_all("Set-Cookie")


def test_signed_in_answer_is_auths_byte_for_byte(stack, new_client):
    c = register(new_client)
    r = c.post("/api/auth/profile/", json={"username": c.name, "email": "a@example.com", "bio": "Привет \"x\""})
    assert r.status == 200, r
    c.get(SESSION)  # now cached in the gateway
    r, status, body, cookies = gateway_says(c)
    a_status, a_body, a_cookies = auth_says(stack, c)
    assert (status, body) == (a_status, a_body)
    assert [undated(x) for x in cookies] == [undated(x) for x in a_cookies]
    assert r.header("Content-Type") == "application/json"
    user = r.json()["user"]
    assert list(user) == ["username", "email", "profileImage", "bio", "registeredAt", "is_staff", "is_superuser"]
    assert user["email"] == "a@example.com" and user["bio"] == "Привет \"x\""
    assert b"\\u041f" in body  # the reference format: ASCII only


def test_guest_answers_match_auths(stack, new_client):
    # no cookie at all: a new csrftoken, no sessionid line
    c = new_client(forwarded_for=ip())
    r, status, body, cookies = gateway_says(c)
    a_status, a_body, a_cookies = auth_says(stack, c)
    assert (status, body) == (a_status, a_body) == (200, b'{"authenticated": false, "user": null}')
    assert len(cookies) == len(a_cookies) == 1
    assert re.sub(r"csrftoken=\w+", "", undated(cookies[0])) == re.sub(r"csrftoken=\w+", "", undated(a_cookies[0]))
    # a well-formed but unknown sessionid and an implausible one: expired by both
    for sid in ("a" * 32, "not-a-session-id"):
        c = new_client(forwarded_for=ip())
        c.get("/api/auth/csrf/")
        c.cookies["sessionid"] = sid
        jar = dict(c.cookies)
        r, status, body, cookies = gateway_says(c)
        a_status, a_body, a_cookies = auth_says(stack, c, jar)
        assert (status, body) == (a_status, a_body)
        assert [undated(x) for x in cookies] == [undated(x) for x in a_cookies]
        assert r.cookie("sessionid").expired
        assert cookies[-1] == 'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax'


def test_csrftoken_cookie_attributes_for_guests_and_users(new_client):
    guest = new_client(forwarded_for=ip())
    user = register(new_client)
    for c in (guest, user):
        r = c.get(SESSION)
        ck = r.cookie("csrftoken")
        assert re.fullmatch(r"[A-Za-z0-9]{32}", ck.value), ck
        assert re.fullmatch(r"csrftoken=\w{32}; expires=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT; "
                            r"Max-Age=31449600; Path=/; SameSite=Lax", ck.raw), ck.raw  # not HttpOnly, not Secure here
        # the same secret comes back on the next answer (api.md §2.1)
        assert c.get(SESSION).cookie("csrftoken").value == ck.value


def test_masked_and_malformed_csrftoken_cookies(stack, new_client):
    c = register(new_client)
    secret = c.cookies["csrftoken"]
    mask = "b" * 32
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    masked = mask + "".join(alphabet[(alphabet.index(s) + alphabet.index(m)) % 62] for s, m in zip(secret, mask))
    # a 64-char (masked) cookie is re-issued as its secret, as auth does
    jar = {"sessionid": c.cookies["sessionid"], "csrftoken": masked}
    r = c.get(SESSION, headers={"Cookie": f"sessionid={jar['sessionid']}; csrftoken={masked}"})
    assert r.cookie("csrftoken").value == secret
    assert undated(r.header_all("Set-Cookie")[0]) == undated(auth_says(stack, c, jar)[2][0])
    # a malformed one is replaced by a fresh secret
    for bad in ("short", "x" * 33, "!" * 32):
        r = c.get(SESSION, headers={"Cookie": f"sessionid={jar['sessionid']}; csrftoken={bad}"})
        assert r.json()["authenticated"] is True
        new = r.cookie("csrftoken").value
        assert re.fullmatch(r"[A-Za-z0-9]{32}", new) and new != bad


def test_profile_edit_shows_on_the_very_next_session(new_client):
    c = register(new_client)
    assert c.get(SESSION).json()["user"]["email"] == ""  # cached now
    for i in range(3):
        email, bio = f"e{i}@example.com", f"bio {i}"
        r = c.post("/api/auth/profile/", json={"username": c.name, "email": email, "bio": bio})
        assert r.status == 200, r
        user = c.get(SESSION).json()["user"]
        assert (user["email"], user["bio"]) == (email, bio)
        assert user == r.json()["user"]


def test_profile_edit_reaches_the_users_other_sessions(new_client):
    """Another browser of the same user: only auth's event tells the cache."""
    a = register(new_client)
    b = new_client(forwarded_for=ip())
    b.csrf()
    assert b.post("/api/auth/login/", json={"username": a.name, "password": "pass12345"}).status == 200
    assert b.get(SESSION).json()["user"]["bio"] == ""
    assert a.post("/api/auth/profile/", json={"username": a.name, "bio": "from a"}).status == 200
    assert b.get(SESSION).json()["user"]["bio"] == "from a"


@pytest.fixture(scope="module")
def root(stack, new_client):
    name = uname("root")
    res = stack.stack_sh("exec", "auth", "createsuperuser", "--username", name, "--password", PASSWORD,
                         timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    c = new_client(forwarded_for=ip())
    c.csrf()
    assert c.post("/api/auth/login/", json={"username": name, "password": PASSWORD}).status == 200
    return c


@pytest.fixture(scope="module")
def new_client(stack):
    from lib.rawhttp import Client
    from lib.stack import loopback_ip

    def make(**kw):
        if kw.get("forwarded_for") is None:
            kw.setdefault("source_ip", loopback_ip())
        return Client(stack.public_url, **kw)
    return make


def user_id(root, name):
    r = root.get("/api/admin/users/?" + urllib.parse.urlencode({"q": name}))
    assert r.status == 200, r
    return [u for u in r.json()["results"] if u["username"] == name][0]["id"]


def test_admin_edits_show_on_the_users_next_session(root, new_client):
    c = register(new_client)
    uid = user_id(root, c.name)
    assert c.get(SESSION).json()["user"]["is_staff"] is False
    r = root.patch(f"/api/admin/users/{uid}/", json={"email": "adm@example.com", "bio": "set by admin"})
    assert r.status == 200, r
    user = c.get(SESSION).json()["user"]
    assert (user["email"], user["bio"]) == ("adm@example.com", "set by admin")
    assert root.patch(f"/api/admin/users/{uid}/", json={"is_staff": True}).status == 200
    assert c.get(SESSION).json()["user"]["is_staff"] is True


def test_logout_and_admin_password_change_make_the_next_session_a_guest(root, new_client):
    c = register(new_client)
    sid = c.cookies["sessionid"]
    assert c.get(SESSION).json()["authenticated"] is True
    assert c.post("/api/auth/logout/").status == 200
    r = c.get(SESSION, headers={"Cookie": f"sessionid={sid}"})  # the old id, replayed
    assert r.json() == {"authenticated": False, "user": None} and r.cookie("sessionid").expired

    d = register(new_client)
    assert d.get(SESSION).json()["authenticated"] is True
    uid = user_id(root, d.name)
    r = root.post(f"/api/admin/users/{uid}/password/", json={"password1": "n3w-Secret!", "password2": "n3w-Secret!"})
    assert r.status == 200, r
    r = d.get(SESSION)
    assert r.json() == {"authenticated": False, "user": None} and r.cookie("sessionid").expired


def test_admin_deactivation_and_delete_make_the_next_session_a_guest(root, new_client):
    for how in ("deactivate", "delete"):
        c = register(new_client)
        assert c.get(SESSION).json()["authenticated"] is True
        uid = user_id(root, c.name)
        if how == "deactivate":
            r = root.patch(f"/api/admin/users/{uid}/", json={"is_active": False})
        else:
            r = root.delete(f"/api/admin/users/{uid}/")
        assert r.status in (200, 204), r
        assert c.get(SESSION).json() == {"authenticated": False, "user": None}, how


def test_other_methods_still_reach_auth(new_client):
    c = new_client(forwarded_for=ip())
    c.csrf()
    r = c.post(SESSION)
    assert r.status == 405 and r.header("Allow") == "GET"
    r = c.get("/api/auth/session")
    assert r.status == 301 and r.header("Location") == SESSION


def metric(stack, name):
    from lib.rawhttp import request
    text = request(stack.ops_url("gateway") + "/metrics").text
    m = re.search(r"^" + re.escape(name) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_session_checks_never_reach_auth(stack, new_client):
    """The point of it all: a cached session costs auth nothing."""
    c = register(new_client)
    guest = new_client(forwarded_for=ip())
    c.get(SESSION)
    upstream = "echochat_gateway_http_upstream_duration_seconds_count"
    before = metric(stack, upstream)
    for _ in range(5):
        assert c.get(SESSION).json()["authenticated"] is True
        assert guest.get(SESSION).json()["authenticated"] is False
    assert metric(stack, upstream) == before


class OldAuth:
    """An auth from before the profile in resolve answers, on a private
    nats-server: resolves every session to one user without "profile" and
    answers echochat.auth.http with a recognisable body."""

    BODY = b'{"authenticated": true, "user": {"username": "from-old-auth"}}'

    def __init__(self, url):
        import threading
        self.n = Nats(url)
        self.n.subscribe("echochat.auth.session.resolve")
        self.n.subscribe("echochat.auth.http")
        self.http_calls = 0
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        import json
        import time
        while not self.stop:
            try:
                m = self.n.next_msg(timeout=0.2, subject_prefix="echochat.auth.")
            except (TimeoutError, OSError, ConnectionError):
                continue
            if m.subject == "echochat.auth.session.resolve":
                user = {"id": 4242, "username": "old", "is_staff": False, "is_superuser": False,
                        "avatar": "default.jpg"}
                self.n.publish(m.reply, json.dumps({"user": user, "expires_at": int(time.time()) + 3600}))
            else:
                self.http_calls += 1
                self.n.publish(m.reply, self.BODY, headers=[("Http-Status", "200"),
                                                            ("Http-Header", "Set-Cookie: csrftoken=" + "o" * 32)])

    def close(self):
        self.stop = True
        self.t.join(2)
        self.n.close()


def test_an_older_auth_still_answers_session(stack):
    """Mixed versions during an upgrade: a resolve answer without "profile"
    makes the gateway forward session/ (after a cache miss, on a NATS
    thread, and after a hit, on the HTTP thread); guests stay local."""
    from lib.rawhttp import request
    from lib.wscluster import Cluster
    with Cluster(stack, presences=0) as cl:
        old = OldAuth(cl.nats_url)
        try:
            gw = cl.gateway()
            sid = secrets.token_hex(16)
            for _ in range(3):  # miss, hit, hit
                r = request(gw.http_url + SESSION, headers=[("Cookie", f"sessionid={sid}")])
                assert r.status == 200 and r.body == OldAuth.BODY, r
                assert r.cookie("csrftoken").value == "o" * 32
            assert old.http_calls == 3
            r = request(gw.http_url + SESSION)
            assert r.json() == {"authenticated": False, "user": None} and old.http_calls == 3
        finally:
            old.close()
