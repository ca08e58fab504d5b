"""Auth: login, rate limits and the per-account throttle (behaviours B.3
items 35-43, D1, D3; api.md §6)."""

import secrets
import subprocess

import pytest


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def uname(prefix="u"):
    return f"{prefix}{secrets.token_hex(5)}"


def psql(stack, sql):
    out = subprocess.run(["psql", stack["DATABASE_URL"], "-Atqc", sql], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


@pytest.fixture
def fresh(new_client):
    return lambda addr=None: new_client(forwarded_for=addr or ip())


@pytest.fixture
def account(fresh):
    c = fresh()
    name = uname("Login")
    c.csrf()
    r = c.post("/api/auth/register/", json={"username": name, "password1": "pass12345", "password2": "pass12345"})
    assert r.status == 201
    return name



def test_b3_item35_ip_window_limits_login(fresh, stack):
    addr = ip()
    c = fresh(addr)
    c.csrf()
    for i in range(10):
        r = c.post("/api/auth/login/", json={"username": f"nobody{i}", "password": "x"})
        assert r.status == 400, (i, r)
    r = c.post("/api/auth/login/", json={"username": "nobody", "password": "x"})
    assert r.status == 429
    assert r.json()["error"] == "Too many attempts" and r.json()["code"] == "rate_limited"
    assert int(r.header("Retry-After")) >= 1
    # the window ends (moved back in the database instead of waiting 60 s)
    psql(stack, f"UPDATE auth.rate_windows SET window_start = window_start - interval '61 seconds' "
                f"WHERE action = 'login' AND key = '{addr}'")
    r = c.post("/api/auth/login/", json={"username": "nobody", "password": "x"})
    assert r.status == 400


def test_b3_item36_separate_counters_and_csrf_rejections_not_counted(fresh):
    c = fresh()
    c.csrf()
    for _ in range(15):  # CSRF rejections never reach auth
        assert c.post("/api/auth/login/", csrf=False, json={"username": "a", "password": "b"}).status == 403
    for _ in range(10):
        assert c.post("/api/auth/login/", json={}).status == 400  # malformed bodies count
    assert c.post("/api/auth/login/", json={}).status == 429
    r = c.post("/api/auth/register/", json={})
    assert r.status == 400, r  # register has its own counter


@pytest.mark.parametrize("body", [b"", b"not json", b"null", b"{}"])
def test_b3_item38_empty_or_invalid_body(fresh, body):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/login/", body=body, headers={"Content-Type": "application/json"})
    assert r.status == 400
    assert r.json()["errors"] == {"body": ["Пустое тело запроса"]}
    assert r.json()["error"] == "Неверное тело запроса" and r.json()["code"] == "invalid_body"


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"0", b"false", b"\xff\xfe", b'{"username": "\\u0000"}'])
def test_b3_item39_non_object_json_is_400(fresh, body):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/login/", body=body, headers={"Content-Type": "application/json"})
    assert r.status == 400
    assert "body" in r.json()["errors"]


@pytest.mark.parametrize("body", [{"username": "a"}, {"password": "b"}, {"username": "", "password": "x"},
                                  {"username": None, "password": "x"}])
def test_b3_item40_missing_credentials(fresh, body):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/login/", json=body)
    assert r.status == 400
    assert r.json()["errors"] == {"credentials": ["Укажите логин и пароль"]}


def test_wrong_types_are_400(fresh):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/login/", json={"username": ["a"], "password": "x"})
    assert r.status == 400 and r.json()["code"] == "invalid_body"


def test_b3_item41_wrong_password_unknown_or_inactive(fresh, account, stack):
    c = fresh()
    c.csrf()
    for body in ({"username": account, "password": "wrong-pass"}, {"username": uname(), "password": "x"}):
        r = c.post("/api/auth/login/", json=body)
        assert r.status == 400
        assert r.json()["errors"] == {"credentials": ["Неверный логин или пароль"]}
        assert r.json()["code"] == "invalid_credentials"
    psql(stack, f"UPDATE auth.users SET is_active = false WHERE username = '{account}'")
    r = c.post("/api/auth/login/", json={"username": account, "password": "pass12345"})
    assert r.status == 400


def test_b3_item42_case_sensitive_no_trim(fresh, account):
    c = fresh()
    c.csrf()
    for name in (account.lower(), account.upper(), f" {account}", f"{account} "):
        assert c.post("/api/auth/login/", json={"username": name, "password": "pass12345"}).status == 400
    assert c.post("/api/auth/login/", json={"username": account, "password": "pass12345"}).status == 200


def test_b3_item43_form_encoded_login(fresh, account):
    c = fresh()
    c.csrf()
    r = c.post("/api/auth/login/", body=f"username={account}&password=pass12345",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r
    assert r.json()["user"]["username"] == account


def test_account_throttle_locks_attacker_ip_not_owner(fresh, account, stack):
    attacker = fresh()
    attacker.csrf()
    for _ in range(10):  # THROTTLE_PAIR_MAX (the IP window also allows 10 per minute)
        r = attacker.post("/api/auth/login/", json={"username": account, "password": "guess"})
        assert r.status == 400
    # the attacking address is locked, even with the right password (and in a new IP window)
    psql(stack, "UPDATE auth.rate_windows SET window_start = window_start - interval '61 seconds' "
                "WHERE action = 'login'")
    r = attacker.post("/api/auth/login/", json={"username": account, "password": "pass12345"})
    assert r.status == 429 and r.json()["code"] == "rate_limited"
    # the owner, from an address that has not failed, still logs in
    owner = fresh()
    owner.csrf()
    assert owner.post("/api/auth/login/", json={"username": account, "password": "pass12345"}).status == 200


def test_account_wide_lock_spares_clean_addresses(fresh, account, stack):
    """Distributed guessing: after 50 failures from many addresses, addresses
    that failed are refused, a clean one still gets its password checked."""
    for i in range(50):
        c = fresh()
        c.csrf()
        assert c.post("/api/auth/login/", json={"username": account, "password": f"g{i}"}).status == 400
    again = c.post("/api/auth/login/", json={"username": account, "password": "pass12345"})
    assert again.status == 429
    owner = fresh()
    owner.csrf()
    assert owner.post("/api/auth/login/", json={"username": account, "password": "pass12345"}).status == 200
