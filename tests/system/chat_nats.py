"""A minimal synchronous NATS client for chat system tests.

Speaks just enough of the NATS text protocol (CONNECT, SUB, PUB, HPUB, MSG,
HMSG, PING/PONG) to call chat's request subjects the way the gateway does,
and to watch room events, without a third-party NATS package. Also sends
HTTP-over-NATS requests straight to echochat.chat.http (the envelope of
docs/architecture.md), which lets tests reach chat when no gateway route
exists yet and set headers (Http-User) a client could never set.
"""

import json
import socket
import time
import urllib.parse
import uuid


class NatsMsg:
    def __init__(self, subject, reply, headers, data):
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.data = data

    def json(self):
        return json.loads(self.data)


class Nats:
    def __init__(self, url, timeout=5.0):
        u = urllib.parse.urlparse(url.split(",")[0])
        self.sock = socket.create_connection((u.hostname, u.port or 4222), timeout=timeout)
        self.buf = b""
        self.sid = 0
        self.subs = {}
        self.pending = []
        self._line()  # INFO
        self._send(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,'
                   b'"no_responders":true,"protocol":1,"name":"chat-tests"}\r\n')
        self.flush()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("nats: timed out")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("nats: timed out") from None
        if not chunk:
            raise ConnectionError("nats: connection closed")
        self.buf += chunk

    def _line(self, deadline=None):
        deadline = deadline or time.monotonic() + 5
        while b"\r\n" not in self.buf:
            self._fill(deadline)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def _bytes(self, n, deadline):
        while len(self.buf) < n + 2:
            self._fill(deadline)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _next(self, deadline):
        """Next MSG/HMSG (as NatsMsg) or the string 'PONG'."""
        while True:
            line = self._line(deadline)
            op = line.split(" ", 1)[0].upper()
            if op == "PING":
                self._send(b"PONG\r\n")
            elif op == "PONG":
                return "PONG"
            elif op in ("+OK", "INFO", ""):
                continue
            elif op == "-ERR":
                raise RuntimeError("nats: " + line)
            elif op == "MSG":
                parts = line.split(" ")
                subject, sid = parts[1], parts[2]
                reply = parts[3] if len(parts) == 5 else None
                data = self._bytes(int(parts[-1]), deadline)
                return NatsMsg(subject, reply, {}, data)
            elif op == "HMSG":
                parts = line.split(" ")
                subject = parts[1]
                reply = parts[3] if len(parts) == 6 else None
                hlen, total = int(parts[-2]), int(parts[-1])
                raw = self._bytes(total, deadline)
                headers = {}
                for h in raw[:hlen].decode().split("\r\n")[1:]:
                    if ":" in h:
                        k, v = h.split(":", 1)
                        headers.setdefault(k.strip(), []).append(v.strip())
                return NatsMsg(subject, reply, headers, raw[hlen:])

    def flush(self, timeout=5.0):
        self._send(b"PING\r\n")
        deadline = time.monotonic() + timeout
        while True:
            m = self._next(deadline)
            if m == "PONG":
                return
            self.pending.append(m)

    def subscribe(self, subject):
        self.sid += 1
        self.subs[subject] = self.sid
        self._send(f"SUB {subject} {self.sid}\r\n".encode())
        self.flush()
        return self.sid

    def publish(self, subject, data, headers=None, reply=None):
        if isinstance(data, str):
            data = data.encode()
        r = f" {reply}" if reply else ""
        if headers:
            hdr = "NATS/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
            hdr = hdr.encode()
            self._send(f"HPUB {subject}{r} {len(hdr)} {len(hdr) + len(data)}\r\n".encode()
                       + hdr + data + b"\r\n")
        else:
            self._send(f"PUB {subject}{r} {len(data)}\r\n".encode() + data + b"\r\n")

    def next_msg(self, timeout=5.0, subject_prefix=None):
        deadline = time.monotonic() + timeout
        for i, m in enumerate(self.pending):
            if subject_prefix is None or m.subject.startswith(subject_prefix):
                return self.pending.pop(i)
        while True:
            m = self._next(deadline)
            if m == "PONG":
                continue
            if subject_prefix is None or m.subject.startswith(subject_prefix):
                return m
            self.pending.append(m)

    def request(self, subject, data, headers=None, timeout=5.0):
        inbox = "_INBOX.tests." + uuid.uuid4().hex
        self.subscribe(inbox)
        self.publish(subject, data, headers=headers, reply=inbox)
        return self.next_msg(timeout, subject_prefix=inbox)

    # --- chat subjects -------------------------------------------------------------

    def post(self, room, user, text, client_id=None, base_url="http://testserver", raw=None):
        body = raw if raw is not None else json.dumps(
            {"room": room, "user": user, "text": text, "client_id": client_id,
             "base_url": base_url})
        return self.request("echochat.chat.message.post", body).json()

    def access(self, room, user):
        return self.request("echochat.chat.room.access",
                            json.dumps({"room": room, "user": user})).json()

    def http(self, method, path, query="", user=None, base_url="http://testserver", body=None):
        """One HTTP request through chat's HTTP-over-NATS envelope: (status, json).
        body (a dict, or raw bytes) is sent as JSON; unsafe methods carry a passing
        CSRF verdict, as the gateway sends after its check."""
        headers = [("Echo-Request-Id", uuid.uuid4().hex), ("Http-Method", method),
                   ("Http-Path", path), ("Http-Query", query), ("Http-Base-Url", base_url),
                   ("Http-Host", "testserver")]
        if method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            headers.append(("Http-Csrf", "ok"))
        if body is not None:
            headers.append(("Http-Content-Type", "application/json"))
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
        # nats.c mis-reads a header with an empty value (the next one is lost).
        headers = [(k, v) for k, v in headers if v != ""]
        if user is not None:
            headers.append(("Http-User", json.dumps(user, separators=(",", ":"))))
        m = self.request("echochat.chat.http", body if body is not None else b"", headers=headers)
        status = int(m.headers.get("Http-Status", ["0"])[0])
        return status, (json.loads(m.data) if m.data else None)


def room_token(room):
    """docs/architecture.md room token."""
    import re
    if re.fullmatch(r"[A-Za-z0-9_-]+", room):
        return room
    return "~" + room.encode().hex()


# --- helpers shared by the chat system tests ----------------------------------------

def user(uid=None, username=None, avatar="default.jpg"):
    """A session user as the gateway passes it (unique id/name by default)."""
    import random
    uid = uid if uid is not None else random.randint(10**9, 2**52)
    return {"id": uid, "username": username or f"u{uid}", "is_staff": False,
            "is_superuser": False, "avatar": avatar}


def slug(prefix="r"):
    return prefix + uuid.uuid4().hex[:12]


def psql(database_url, sql, **params):
    """Runs sql with psql (params as :'name' literals); returns rows as lists of strings."""
    import subprocess
    args = ["psql", database_url, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    for k, v in params.items():
        args += ["-v", f"{k}={v}"]
    out = subprocess.run(args, input=sql, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def insert_messages(database_url, room, n, username="seed", user_id=None, avatar=None):
    """n messages in room straight into chat.messages; returns their ids ascending."""
    rows = psql(database_url,
                "INSERT INTO chat.messages (room, user_id, username, avatar, content) "
                "SELECT :'room', NULLIF(:'uid', '')::int8, :'name', NULLIF(:'avatar', ''), "
                "'m' || g FROM generate_series(1, :n) g RETURNING id;",
                room=room, n=n, name=username, uid=user_id or "", avatar=avatar or "")
    return sorted(int(r[0]) for r in rows)
