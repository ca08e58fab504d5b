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
import tempfile
import time

from lib.stack import free_port, wait_until
from lib import ws as wslib


class Cluster:
    def __init__(self, stack, presence_env=None, presences=1, auth=False, chats=0):
        self.stack = stack
        self.instances = []
        self.gateways = []
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="echochat-cluster-")
        self.nats = subprocess.Popen(
            ["nats-server", "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.nats_url = f"nats://127.0.0.1:{self.port}"
        try:
            wait_until(self._nats_up, 10, what="private nats-server")
            self.presences = [self.start("presence", **(presence_env or {})) for _ in range(presences)]
            if auth:
                self.start("auth")
            self.chats = [self.start("chat") for _ in range(chats)]
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
