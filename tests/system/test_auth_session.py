"""Auth: CSRF cookie, sessions and cookies (behaviours A.1 items 1-3, B.1 items
9, 11, 16, 17, B.2 items 18-34 with D2 and P3), through the gateway."""

import json
import os
import re
import secrets
import subprocess
import time

import pytest


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def uname(prefix="u"):
    return f"{prefix}{secrets.token_hex(5)}"


def psql(stack, sql):
    out = subprocess.run(["psql", stack["DATABASE_URL"], "-Atqc", sql], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def register(c, username=None, password="pass12345"):
    username = username or uname()
    c.csrf()
    r = c.post("/api/auth/register/", json={"username": username, "password1": password,
                                            "password2": password})
    assert r.status == 201, r
    return username


@pytest.fixture
def fresh(new_client):
    return lambda: new_client(forwarded_for=ip())


def test_a1_item1_csrf_sets_cookie(fresh):
    c = fresh()
    r = c.get("/api/auth/csrf/")
    assert r.status == 200
    ck = r.cookie("csrftoken")
    assert ck is not None and re.fullmatch(r"[A-Za-z0-9]{32}", ck.value)
    assert re.fullmatch(r"[A-Za-z0-9]{64}", r.json()["csrfToken"])


def test_a1_items2_3_register_then_login_with_raw_cookie_token(fresh):
    """Items 2-3: plain HTTP, no Origin/Referer, X-CSRFToken = raw cookie value."""
    c = fresh()
    name = uname("testuser")
    c.get("/api/auth/csrf/")
    tok = c.cookies["csrftoken"]
    r = c.post("/api/auth/register/", csrf=False, headers={"X-CSRFToken": tok},
               json={"username": name, "password1": "pass12345", "password2": "pass12345"})
    assert r.status == 201, r
    c2 = fresh()
    c2.get("/api/auth/csrf/")
    r = c2.post("/api/auth/login/", csrf=False, headers={"X-CSRFToken": c2.cookies["csrftoken"]},
                json={"username": name, "password": "pass12345"})
    assert r.status == 200, r
    assert r.json()["authenticated"] is True


def test_b1_item9_missing_slash_redirects(fresh):
    r = fresh().get("/api/auth/session?x=1")
    assert r.status == 301
    assert r.header("Location") == "/api/auth/session/?x=1"


def test_b1_item11_put_profile_is_405_with_allow(fresh):
    c = fresh()
    c.csrf()
    r = c.put("/api/auth/profile/")
    assert r.status == 405
    assert r.header("Allow") == "GET, POST"


def test_b1_item16_russian_text_is_ascii_escaped(fresh):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/login/", json={"username": "", "password": ""})
    assert r.status == 400
    assert b"\\u0422\\u0440\\u0435\\u0431\\u0443\\u044e\\u0442\\u0441\\u044f" in r.body  # "Требуются"
    assert all(b < 0x80 for b in r.body)


def test_b1_item17_csrf_failure_is_json(fresh):
    r = fresh().post("/api/auth/login/", csrf=False, json={"username": "a", "password": "b"})
    assert r.status == 403
    assert r.json()["detail"] == "CSRF verification failed."


def test_b2_item18_login_without_csrf_cookie_403(fresh):
    c = fresh()
    r = c.post("/api/auth/login/", headers={"X-CSRFToken": "a" * 32}, json={"username": "a", "password": "b"})
    assert r.status == 403


def test_b2_item19_cookie_without_header_403(fresh):
    c = fresh()
    c.get("/api/auth/csrf/")
    r = c.post("/api/auth/login/", csrf=False, json={"username": "a", "password": "b"})
    assert r.status == 403


def test_b2_item20_masked_tokens_differ_and_both_work(fresh):
    c = fresh()
    t1 = c.csrf()
    t2 = c.csrf()
    assert t1 != t2
    for t in (t1, t2):
        r = c.post("/api/auth/logout/", headers={"X-CSRFToken": t})
        assert r.status == 200, r


def test_b2_item21_bad_tokens_403(fresh):
    c = fresh()
    c.csrf()
    other = fresh()
    other_tok = other.csrf()
    for tok in ("short", "a" * 33, "!" * 32, other_tok):
        r = c.post("/api/auth/logout/", headers={"X-CSRFToken": tok})
        assert r.status == 403, (tok, r)


def test_b2_item22_foreign_origin_403(fresh):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/logout/", headers={"Origin": "http://evil.example"})
    assert r.status == 403


def test_b2_item23_vite_origin_accepted(fresh, stack):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/logout/", headers={"Origin": "http://localhost:5173", "Host": "localhost:8000"})
    assert r.status == 200, r


def test_b2_item24_https_without_origin_or_referer_403(fresh):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/logout/", headers={"X-Forwarded-Proto": "https", "Origin": None})
    assert r.status == 403


def test_b2_item25_cookie_attributes(fresh):
    c = fresh()
    r = c.get("/api/auth/csrf/")
    ck = r.cookie("csrftoken")
    assert ck.attrs["max-age"] == "31449600"
    assert ck.attrs["samesite"] == "Lax" and ck.attrs["path"] == "/"
    assert "httponly" not in ck.attrs and "secure" not in ck.attrs
    assert "expires" in ck.attrs
    c.csrf()
    r = c.post("/api/auth/register/", json={"username": uname(), "password1": "pass12345",
                                            "password2": "pass12345"})
    sc = r.cookie("sessionid")
    assert re.fullmatch(r"[a-z0-9]{32}", sc.value)
    assert sc.attrs["httponly"] is True and sc.attrs["samesite"] == "Lax"
    assert sc.attrs["max-age"] == "1209600" and sc.attrs["path"] == "/"


def test_b2_item26_session_always_sets_csrftoken(fresh):
    c = fresh()
    r = c.get("/api/auth/session/")
    first = r.cookie("csrftoken").value
    r = c.get("/api/auth/session/")
    assert r.cookie("csrftoken").value == first
    # a malformed cookie is replaced
    r = c.get("/api/auth/session/", headers={"Cookie": "csrftoken=bad"})
    assert re.fullmatch(r"[A-Za-z0-9]{32}", r.cookie("csrftoken").value)


def test_b2_items27_28_login_cycles_session_keeps_csrf(fresh):
    c = fresh()
    name = register(c)
    before_sid = c.cookies["sessionid"]
    before_csrf = c.cookies["csrftoken"]
    c.csrf()
    r = c.post("/api/auth/login/", json={"username": name, "password": "pass12345"})
    assert r.status == 200
    assert c.cookies["sessionid"] != before_sid
    assert c.cookies["csrftoken"] == before_csrf  # D2
    # the previous session id no longer works
    old = fresh()
    old.cookies["sessionid"] = before_sid
    assert old.get("/api/auth/session/").json()["authenticated"] is False


def test_b2_item29_logout_with_pre_login_token_works(fresh):
    """D2: the token fetched before login still passes logout."""
    c = fresh()
    name = uname()
    c.csrf()
    c.post("/api/auth/register/", json={"username": name, "password1": "pass12345", "password2": "pass12345"})
    r = c.post("/api/auth/logout/")
    assert r.status == 200
    assert c.get("/api/auth/session/").json()["authenticated"] is False


def test_b2_item30_logout(fresh):
    c = fresh()
    c.csrf()
    assert c.post("/api/auth/logout/").json() == {"ok": True}  # guest
    register(c)
    sid = c.cookies["sessionid"]
    r = c.post("/api/auth/logout/")
    assert r.status == 200 and r.json() == {"ok": True}
    assert r.cookie("sessionid").expired
    assert "sessionid" not in c.cookies
    probe = fresh()
    probe.cookies["sessionid"] = sid
    assert probe.get("/api/auth/session/").json() == {"authenticated": False, "user": None}


def test_b2_item31_unknown_session_is_guest_and_expired(fresh):
    c = fresh()
    for sid in ("a" * 32, "nonsense"):
        r = c.get("/api/auth/session/", headers={"Cookie": f"sessionid={sid}"})
        assert r.json()["authenticated"] is False
        assert r.cookie("sessionid").expired
        assert r.cookie("sessionid").raw.startswith('sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT')


def test_b2_item32_session_lifetime_is_14_days(fresh, stack):
    c = fresh()
    name = register(c)
    psql(stack, f"UPDATE auth.sessions SET created_at = now() - interval '13 days' WHERE user_id = "
                f"(SELECT id FROM auth.users WHERE username = '{name}')")
    assert c.get("/api/auth/session/").json()["authenticated"] is True
    psql(stack, f"UPDATE auth.sessions SET created_at = now() - interval '14 days 1 second' WHERE user_id = "
                f"(SELECT id FROM auth.users WHERE username = '{name}')")
    # The gateway answers session/ from its cache, which no event tells about a
    # row edited behind auth's back; auth's own routes resolve afresh.
    assert c.get("/api/auth/profile/").status == 401


def test_b2_item32_gateway_cache_never_outlives_the_session(fresh, stack):
    """The gateway caches a resolved session for at most the time it has left,
    so session/ turns guest when the 14 days end, not a cache TTL later."""
    c = fresh()
    name = register(c)
    psql(stack, f"UPDATE auth.sessions SET created_at = now() - interval '14 days' + interval '2 seconds'"
                f" WHERE user_id = (SELECT id FROM auth.users WHERE username = '{name}')")
    assert c.get("/api/auth/session/").json()["authenticated"] is True
    time.sleep(2.6)
    r = c.get("/api/auth/session/")
    assert r.json() == {"authenticated": False, "user": None}
    assert r.cookie("sessionid").expired


def test_b2_item34_p3_session_user_keys(fresh):
    c = fresh()
    name = register(c)
    user = c.get("/api/auth/session/").json()["user"]
    assert list(user) == ["username", "email", "profileImage", "bio", "registeredAt", "is_staff",
                          "is_superuser"]
    assert user["username"] == name and user["is_staff"] is False and user["is_superuser"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00", user["registeredAt"])


def test_deactivated_user_session_stops_resolving(fresh, stack):
    c = fresh()
    name = register(c)
    psql(stack, f"UPDATE auth.users SET is_active = false WHERE username = '{name}'")
    assert c.get("/api/auth/session/").json()["authenticated"] is False
