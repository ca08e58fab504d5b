"""Auth: several instances share sessions and rate limits; createsuperuser
resets a password and revokes sessions (behaviours B.2 item 33, P11, P14, P16)."""

import os
import secrets
import signal

import pytest

from lib.stack import wait_until


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def uname(prefix="i"):
    return f"{prefix}{secrets.token_hex(5)}"


def stop_main_auth(stack):
    pid = stack.pid("auth")
    os.kill(pid, signal.SIGTERM)

    def gone():
        try:
            return open(f"/proc/{pid}/stat").read().split()[2] == "Z"
        except FileNotFoundError:
            return True
    wait_until(gone, 15, what="auth stop")


def restore(stack):
    res = stack.stack_sh("up")
    assert res.returncode == 0, res.stderr
    stack.reload()


def test_two_instances_share_sessions_and_rate_limits(stack, extra, new_client):
    second = extra("auth")
    addr = ip()
    c = new_client(forwarded_for=addr)
    c.csrf()
    name = uname()
    assert c.post("/api/auth/register/", json={"username": name, "password1": "pass12345",
                                               "password2": "pass12345"}).status == 201
    for i in range(5):
        assert c.post("/api/auth/login/", json={"username": f"x{i}", "password": "x"}).status == 400
    stop_main_auth(stack)
    try:
        # Only the second instance answers now: same session, same counters.
        assert c.get("/api/auth/session/").json()["user"]["username"] == name
        for i in range(5, 10):
            assert c.post("/api/auth/login/", json={"username": f"x{i}", "password": "x"}).status == 400
        assert c.post("/api/auth/login/", json={"username": "x", "password": "x"}).status == 429
    finally:
        second.stop()
        restore(stack)


def test_b2_item33_password_reset_revokes_sessions(stack, extra, new_client):
    c = new_client(forwarded_for=ip())
    c.csrf()
    name = uname("admin")
    assert c.post("/api/auth/register/", json={"username": name, "password1": "pass12345",
                                               "password2": "pass12345"}).status == 201
    assert c.get("/api/auth/session/").json()["authenticated"] is True
    cli = extra("auth", start=False)
    cli.start("createsuperuser", "--username", name, "--password", "n3w-Passw0rd!")
    assert cli.wait_exit(60) == 0, cli.output()
    wait_until(lambda: c.get("/api/auth/session/").json()["authenticated"] is False, 10,
               what="session revoked")
    # The new password works and the account is now staff (P3).
    c2 = new_client(forwarded_for=ip())
    c2.csrf()
    r = c2.post("/api/auth/login/", json={"username": name, "password": "n3w-Passw0rd!"})
    assert r.status == 200 and r.json()["user"]["is_staff"] is True and r.json()["user"]["is_superuser"]


def test_createsuperuser_from_env_creates_account(stack, extra, new_client):
    name = uname("root")
    cli = extra("auth", start=False, ECHOCHAT_SUPERUSER_USERNAME=name, ECHOCHAT_SUPERUSER_PASSWORD="s3cret-pass",
                ECHOCHAT_SUPERUSER_EMAIL="root@example.com")
    cli.start("createsuperuser")
    assert cli.wait_exit(60) == 0, cli.output()
    c = new_client(forwarded_for=ip())
    c.csrf()
    r = c.post("/api/auth/login/", json={"username": name, "password": "s3cret-pass"})
    assert r.status == 200 and r.json()["user"]["email"] == "root@example.com"


def test_missing_secret_refuses_to_start(stack, extra):
    inst = extra("auth", start=False, DJANGO_SECRET_KEY="")
    inst.start()
    assert inst.wait_exit(10) == 2
    assert "DJANGO_SECRET_KEY" in inst.output()
