"""Auth: registration and password rules (behaviours B.4 items 44-56)."""

import os
import secrets
import signal
import time
from urllib.parse import quote

import pytest

from lib.stack import wait_until

INVALID = "Введите правильное имя пользователя. Оно может содержать только буквы, цифры и знаки @/./+/-/_."


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def uname(prefix="r"):
    return f"{prefix}{secrets.token_hex(5)}"


@pytest.fixture
def c(new_client):
    cl = new_client(forwarded_for=ip())
    cl.csrf()
    return cl


def reg(c, username, p1="pass12345", p2=None):
    return c.post("/api/auth/register/", json={"username": username, "password1": p1,
                                               "password2": p1 if p2 is None else p2})


def test_b4_item44_register_get_hint(c):
    r = c.get("/api/auth/register/")
    assert r.status == 200
    assert r.json() == {"detail": "Используйте POST c полями username, password1, password2"}
    assert r.json()["detail"][17] == "\u0063"  # Latin c


def test_b4_item45_existing_username(c, new_client):
    name = uname()
    assert reg(c, name).status == 201
    other = new_client(forwarded_for=ip())
    other.csrf()
    r = reg(other, name)
    assert r.status == 400
    assert r.json()["error"] == "Имя пользователя уже занято"
    assert r.json()["errors"] == {"username": ["Это имя уже используется"]}


def test_b4_item46_missing_or_mismatched_password(c):
    r = c.post("/api/auth/register/", json={"username": uname(), "password1": "pass12345"})
    assert r.status == 400 and r.json()["errors"] == {"password": ["Укажите пароль"]}
    r = reg(c, uname(), "pass12345", "pass12346")
    assert r.status == 400 and r.json()["errors"] == {"password": ["Пароли не совпадают"]}
    assert r.json()["code"] == "password_mismatch"


def test_b4_item47_relaxed_short_password(c):
    r = reg(c, uname(), "12345")
    assert r.status == 400
    assert r.json()["error"] == "Пароль слишком слабый"
    assert r.json()["errors"] == {"password": ["Пароль слишком слабый"]}


def test_b4_item49_invalid_username(c):
    r = reg(c, "a b")
    assert r.status == 400
    assert r.json()["error"] == INVALID
    assert r.json()["errors"] == {"username": [INVALID]}


def test_b4_item50_too_long_username(c):
    r = reg(c, "x" * 151)
    assert r.status == 400
    msg = "Убедитесь, что это значение содержит не более 150 символов (сейчас 151)."
    assert r.json()["errors"] == {"username": [msg]}


def test_b4_item51_invalid_username_and_weak_password(c):
    r = reg(c, "a b", "123")
    assert r.status == 400
    body = r.json()
    assert body["error"] == "Пароль слишком слабый"
    assert list(body["errors"]) == ["username", "password"]


def test_b4_item52_success(c, base_url):
    name = uname()
    r = reg(c, name)
    assert r.status == 201
    user = r.json()["user"]
    assert r.json()["authenticated"] is True
    assert user["email"] == "" and user["bio"] == ""
    assert user["profileImage"] == base_url + "/media/default.jpg"
    assert c.get("/api/auth/session/").json()["user"]["username"] == name


def test_b4_item53_trimmed_username_not_logged_in(c):
    name = uname()
    r = reg(c, f" {name} ")
    assert r.status == 201 and r.json() == {"ok": True}
    assert "sessionid" not in c.cookies
    assert c.get(f"/api/auth/users/{name}/").status == 200


def test_b4_item54_case_sensitive_usernames(c, new_client):
    name = uname("bob")
    assert reg(c, name).status == 201
    other = new_client(forwarded_for=ip())
    other.csrf()
    assert reg(other, name.capitalize()).status == 201


def test_b4_item55_nfkc_duplicate(c, new_client):
    name = uname("bob")
    assert reg(c, name).status == 201
    full = "".join(chr(ord(ch) + 0xFEE0) for ch in name)  # fullwidth forms
    other = new_client(forwarded_for=ip())
    other.csrf()
    r = reg(other, full)
    assert r.status == 400
    assert r.json()["errors"] == {"username": ["Пользователь с таким именем уже существует."]}


def test_b4_item56_relaxed_rules(c):
    assert c.get("/api/auth/password-rules/").json() == {
        "rules": ["Ваш пароль должен содержать как минимум 6 символов."]}


def test_b4_unicode_username_and_public_profile(c):
    name = "Пётр_" + secrets.token_hex(3)
    assert reg(c, name).status == 201
    assert c.get("/api/auth/users/" + quote(name) + "/").json()["user"]["username"] == name


@pytest.fixture
def strict(stack, extra, new_client):
    """The stack's auth replaced by a strict-mode instance for the test."""
    os.kill(stack.pid("auth"), signal.SIGTERM)
    wait_until(lambda: not os.path.exists(f"/proc/{stack.pid('auth')}") or
               open(f"/proc/{stack.pid('auth')}/stat").read().split()[2] == "Z", 15, what="auth stop")
    inst = extra("auth", DJANGO_RELAX_PASSWORDS="0")
    cl = new_client(forwarded_for=ip())
    time.sleep(0.2)
    yield cl
    inst.stop()
    res = stack.stack_sh("up")
    assert res.returncode == 0, res.stderr
    stack.reload()


def test_b4_items48_56_strict_mode(strict):
    c = strict
    rules = c.get("/api/auth/password-rules/").json()["rules"]
    assert rules == ["Пароль не должен быть слишком похож на другую вашу личную информацию.",
                     "Ваш пароль должен содержать как минимум 8 символов.",
                     "Пароль не должен быть слишком простым и распространенным.",
                     "Пароль не может состоять только из цифр."]
    c.csrf()
    name = uname("alexander")
    for pw in ("12345678", "password", "Password", name + "1", "short7x", "98765432109"):
        r = reg(c, name, pw)
        assert r.status == 400, (pw, r)
        assert r.json()["errors"]["password"] == ["Пароль слишком слабый"]
    assert reg(c, name, "correct horse battery staple").status == 201
