"""Isolated WebSocket clusters for presence/chat system tests.

A ``Cluster`` is a private nats-server plus extra instances of the stack's
daemons attached to it (same PostgreSQL, so sessions and rooms are shared with
the main stack). Presence instances elsewhere never see its reports, so a test
can run presence with a short PRESENCE_TTL / PRESENCE_GRACE, several gateways,
or kill -9 a gateway, without disturbing anyone.

    with Cluster(stack, presence_env={"PRESENCE_TTL": 3}) as c:
        gw = c.gateway()              # started and ready
        ws = c.connect(gw, "/ws/presence/", ip="10.0.0.7")

``ip`` sets X-Forwarded-For: the test client connects from 127.0.0.1, which
is a trusted proxy by default, so the gateway takes that address as the
client IP (P12).
"""

import os
import signal
import subprocess
import time

from lib.stack import free_port, wait_until
from lib import ws as wslib


class Cluster:
    def __init__(self, stack, presence_env=None, presences=1, auth=False, chats=0, chat_env=None):
        self.stack = stack
        self.instances = []
        self.gateways = []
        self.port = free_port()
        self.nats = subprocess.Popen(
            ["nats-server", "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.nats_url = f"nats://127.0.0.1:{self.port}"
        try:
            wait_until(self._nats_up, 10, what="private nats-server")
            self.presences = [self.start("presence", **(presence_env or {})) for _ in range(presences)]
            if auth:
                self.start("auth")
            self.chats = [self.start("chat", **(chat_env or {})) for _ in range(chats)]
        except Exception:
            self.close()
            raise

    def _nats_up(self):
        import socket
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self, name, **env):
        inst = self.stack.extra(name, NATS_URL=self.nats_url, **env)
        self.instances.append(inst)
        inst.start()
        inst.wait_ready()
        return inst

    def gateway(self, **env):
        gw = self.start("gateway", **env)
        self.gateways.append(gw)
        return gw

    def connect(self, gw, path, ip=None, origin=None, cookie=None, headers=None):
        h = list(headers or [])
        if ip:
            h.append(f"X-Forwarded-For: {ip}")
        return wslib.connect(gw.ws_url + path, origin=origin or self.stack.public_url,
                             cookie=cookie, headers=h)

    def kill9(self, inst):
        os.killpg(inst.proc.pid, signal.SIGKILL)
        inst.proc.wait()

    def close(self):
        for inst in reversed(self.instances):
            try:
                inst.stop()
            except Exception:
                pass
        if self.nats.poll() is None:
            self.nats.terminate()
            try:
                self.nats.wait(5)
            except subprocess.TimeoutExpired:
                self.nats.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def drop(ws):
    """Abnormal end: the TCP connection goes away without a close frame (1006)."""
    import socket
    try:
        ws.conn.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    ws.conn.sock.close()


class Watcher:
    """Keeps the latest presence frame of a socket; pings so it stays live."""

    def __init__(self, ws):
        self.ws = ws
        self.last = None

    def until(self, predicate, timeout=5.0, ping_every=None):
        deadline = time.monotonic() + timeout
        next_ping = time.monotonic() + (ping_every or 1e9)
        while True:
            if self.last is not None and predicate(self.last):
                return self.last
            now = time.monotonic()
            if now >= deadline:
                raise TimeoutError(f"presence never matched; last frame {self.last!r}")
            if now >= next_ping:
                self.ws.send_json({"type": "ping"})
                next_ping = now + ping_every
            try:
                self.last = self.ws.recv_json(min(0.2, deadline - now))
            except TimeoutError:
                pass


_ip_counter = [0]


def register(stack, username=None, password="pass12345"):
    """A freshly registered, logged-in user: (username, lib.rawhttp.Client).
    Each user registers from its own X-Forwarded-For address so the auth rate
    limit (10 per IP per minute) never trips."""
    import random
    import string
    from lib.rawhttp import Client
    _ip_counter[0] += 1
    ip = f"10.{random.randint(100, 250)}.{_ip_counter[0] // 250}.{_ip_counter[0] % 250 + 1}"
    name = username or "ws" + "".join(random.choices(string.ascii_lowercase + string.digits, k=10))
    c = Client(stack.public_url, forwarded_for=ip)
    c.csrf()
    r = c.post("/api/auth/register/", json={"username": name, "password1": password,
                                             "password2": password})
    assert r.status == 201, r
    assert "sessionid" in c.cookies, r
    return name, c


def oversize_close_code(ws_url, path, origin, size=64 * 1024 + 1):
    """Sends one text frame of `size` bytes over a raw socket and returns the
    close code the server answers with (None if it just drops the TCP
    connection). websocket-client may report 1006 when the server closes
    while its send is still in flight, so this reads the wire directly."""
    import base64
    import os
    import socket
    import struct
    host, port = ws_url.split("//", 1)[1].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(4096)
        assert head.startswith(b"HTTP/1.1 101"), head
        rest = head.split(b"\r\n\r\n", 1)[1]
        mask = b"\x01\x02\x03\x04"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(b"x" * size))
        try:
            s.sendall(b"\x81\xff" + struct.pack(">Q", size) + mask + payload)
        except OSError:
            pass
        data = rest
        while True:  # skip data frames (e.g. presence views) until the close frame
            while len(data) < 2:
                chunk = s.recv(4096)
                if not chunk:
                    return None
                data += chunk
            op, ln = data[0] & 0x0F, data[1] & 0x7F
            hl = 2 + (2 if ln == 126 else 8 if ln == 127 else 0)
            while len(data) < hl:
                data += s.recv(4096)
            if ln == 126:
                ln = struct.unpack(">H", data[2:4])[0]
            elif ln == 127:
                ln = struct.unpack(">Q", data[2:10])[0]
            while len(data) < hl + ln:
                chunk = s.recv(4096)
                if not chunk:
                    return None
                data += chunk
            if op == 0x8:
                return struct.unpack(">H", data[hl:hl + 2])[0] if ln >= 2 else 1005
            data = data[hl + ln:]
    finally:
        s.close()
