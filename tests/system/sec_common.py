"""Helpers shared by the security system tests (tests/system/test_security_*.py):
accounts of each role, raw requests from a chosen loopback source address, and
a database snapshot to prove that refused requests changed nothing."""

import hashlib
import http.client
import json
import secrets
import subprocess
from urllib.parse import urlsplit

from lib.rawhttp import Client, Response

PASSWORD = "pass12345"


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def uname(prefix="s"):
    return prefix + secrets.token_hex(5)


def psql(stack, sql, **params):
    args = ["psql", stack["DATABASE_URL"], "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    for k, v in params.items():
        args += ["-v", f"{k}={v}"]
    out = subprocess.run(args, input=sql, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def sha256_hex(s):
    return hashlib.sha256(s.encode()).hexdigest()


def register(stack, name=None, password=PASSWORD, role="user"):
    """A signed-in client for a new account; role "staff" or "superuser" is
    granted in SQL, then the account signs in again (a fresh session).
    Returns (client, username)."""
    name = name or uname()
    c = Client(stack.public_url, forwarded_for=ip())
    c.csrf()
    r = c.post("/api/auth/register/", json={"username": name, "password1": password,
                                            "password2": password})
    assert r.status == 201, r
    if role != "user":
        su = "true" if role == "superuser" else "false"
        psql(stack, "UPDATE auth.users SET is_staff = true, is_superuser = :'su' "
                    "WHERE username = :'n';", su=su, n=name)
        c = Client(stack.public_url, forwarded_for=ip())
        c.csrf()
        r = c.post("/api/auth/login/", json={"username": name, "password": password})
        assert r.status == 200 and r.json()["user"]["is_staff"] is True, r
    c.csrf()
    return c, name


def request_from(url, method="GET", path="/", headers=(), body=None, source="127.0.0.1"):
    """One HTTP request whose TCP source address is `source` (any 127.0.0.0/8
    address works on Linux), so a test owns the client IP the gateway sees."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10, source_address=(source, 0))
    try:
        hdrs = dict(headers)
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        return Response(r.status, r.reason, r.getheaders(), r.read())
    finally:
        conn.close()


def counts(stack):
    """Row counts of the tables a refused request must leave alone."""
    return psql(stack, "SELECT (SELECT count(*) FROM auth.users), (SELECT count(*) FROM auth.sessions),"
                       " (SELECT count(*) FROM chat.rooms), (SELECT count(*) FROM chat.messages),"
                       " (SELECT md5(string_agg(username || is_staff::text || is_superuser::text"
                       "  || is_active::text, ',' ORDER BY id)) FROM auth.users);")[0]
