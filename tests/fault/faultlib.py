"""Load, presence and verification helpers for the fault suite (tests/fault).

``Publisher``   a registered user on /ws/chat/<room>/ that sends one message at a
                time with a fresh client_id and records it as *acknowledged* once
                its own broadcast frame (same client_id) comes back. On an error
                frame, a timeout or a dropped socket it reconnects if needed and
                retries the *same* client_id (P7), so a message committed whose
                reply was lost is stored once, not twice.
``PresenceClient``  a user on /ws/presence/ that pings every 2 s (inside any TTL
                the suite uses) and keeps the latest view it received.
``history()``   the whole room through GET .../messages/?after=<id>&limit=200 (P8).
``check_history()``  every acknowledged message is stored, with its id, exactly once.

Everything here talks only to 127.0.0.1 (and, in the partition test, to the
network namespace the test created itself).
"""

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter

import websocket  # websocket-client

from lib import ws as wslib
from lib.rawhttp import Client


def get_json(url, timeout=3.0):
    """(status, parsed JSON or None); status None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    except (OSError, ValueError):
        return None, None
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Poll predicate() until truthy; returns (value, seconds taken)."""
    start = time.monotonic()
    while True:
        value = predicate()
        if value:
            return value, time.monotonic() - start
        if time.monotonic() - start >= timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def readyz_reason(ops_url):
    """None when /readyz is 200, else (status, reason) — status None = not answering."""
    status, body = get_json(ops_url + "/readyz", timeout=2.0)
    if status == 200:
        return None
    return status, (body or {}).get("reason")


class Publisher(threading.Thread):
    def __init__(self, name, client, ws_urls, room, origin, tag, pause=0.05, ack_timeout=3.0):
        super().__init__(daemon=True, name=f"pub-{name}")
        self.username, self.client = name, client
        self.ws_urls = list(ws_urls)  # tried in order on every (re)connect
        self.room, self.origin, self.tag = room, origin, tag
        self.pause, self.ack_timeout = pause, ack_timeout
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.acked = {}          # client_id -> (id, content)
        self.ack_times = []      # monotonic time of each acknowledgement
        self.sent = {}           # client_id -> content, every message ever sent
        self.errors = Counter()  # error frame / timeout / disconnect counts
        self.error_times = []    # (monotonic time, kind) of each of them
        self.connected_to = None
        self.ws = None
        self.failure = None

    def _err(self, kind):
        with self.lock:
            self.errors[kind] += 1
            self.error_times.append((time.monotonic(), kind))

    # -- connection ----------------------------------------------------------
    def _connect(self):
        for url in self.ws_urls:
            try:
                self.ws = wslib.connect(f"{url}/ws/chat/{self.room}/", origin=self.origin,
                                        cookie=self.client.cookie_header(), timeout=2.0)
                self.connected_to = url
                return True
            except (OSError, websocket.WebSocketException):
                self._err("connect_failed")
        self.ws, self.connected_to = None, None
        return False

    def _drop(self):
        if self.ws is not None:
            self.ws.close()
        self.ws, self.connected_to = None, None

    # -- the send loop ---------------------------------------------------------
    def run(self):
        seq = 0
        try:
            while not self.stop_event.is_set():
                content = f"{self.tag} {self.username} {seq}"
                cid = uuid.uuid4().hex
                with self.lock:
                    self.sent[cid] = content
                while not self.stop_event.is_set():  # retry this client_id until acknowledged
                    if self.ws is None and not self._connect():
                        time.sleep(0.2)
                        continue
                    if self._send_and_wait(content, cid):
                        break
                    time.sleep(0.1)
                seq += 1
                time.sleep(self.pause)
        except Exception as e:  # surfaced by stop()
            self.failure = e
        finally:
            self._drop()

    def _send_and_wait(self, content, cid):
        try:
            self.ws.send_json({"message": content, "client_id": cid})
        except (OSError, websocket.WebSocketException):
            self._err("send_failed")
            self._drop()
            return False
        deadline = time.monotonic() + self.ack_timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._err("ack_timeout")
                return False
            try:
                frame = self.ws.recv_json(left)
            except TimeoutError:
                continue
            except (ConnectionError, OSError, websocket.WebSocketException, ValueError):
                self._err("disconnected")
                self._drop()
                return False
            if frame.get("client_id") == cid and "id" in frame:
                with self.lock:
                    self.acked[cid] = (frame["id"], frame["message"])
                    self.ack_times.append(time.monotonic())
                return True
            if "error" in frame:
                self._err("error:" + str(frame["error"]))
                return False
            # someone else's message, or an older attempt's late frame: keep reading

    # -- observations ------------------------------------------------------------
    def acks_since(self, t):
        with self.lock:
            return sum(1 for a in self.ack_times if a >= t)

    def stop(self):
        self.stop_event.set()
        self.join(10)
        assert not self.is_alive(), f"{self.name} did not stop"
        if self.failure:
            raise self.failure


class Subscriber(threading.Thread):
    """A reader in the room behaving like the frontend: on any close it
    reconnects and fetches what it missed with ?after=<last id> (P8)."""

    def __init__(self, url, room, origin, client):
        super().__init__(daemon=True)
        self.url = f"{url}/ws/chat/{room}/"
        self.room, self.origin, self.client = room, origin, client
        self.seen = set()
        self.live = [[]]        # ids received live, one list per connection
        self.live_dups = []     # ids received live more than once
        self.close_codes = []   # how each connection ended
        self.resynced = 0       # messages learnt from history after a reconnect
        self.stop_event = threading.Event()
        self.ws = wait_for(self._try_connect, 15, interval=0.3,
                           what="the room reader's socket to open")[0]
        self.start()

    def _try_connect(self):
        try:
            return self._connect()
        except (OSError, websocket.WebSocketException):  # a busy gateway may time out
            return None

    def _connect(self):
        return wslib.connect(self.url, origin=self.origin, cookie=self.client.cookie_header(),
                             timeout=2.0)

    def _resync(self):
        after = max(self.seen, default=0)
        for m in history(self.client, self.room, after=after):
            if m["id"] not in self.seen:
                self.seen.add(m["id"])
                self.resynced += 1

    def run(self):
        while not self.stop_event.is_set():
            if self.ws is None:
                try:
                    self.ws = self._connect()
                except (OSError, websocket.WebSocketException):
                    time.sleep(0.3)
                    continue
                self.live.append([])
                self._resync()
            try:
                f = self.ws.recv_json(0.2)
            except TimeoutError:
                continue
            except (ConnectionError, OSError, websocket.WebSocketException):
                self.close_codes.append(self.ws.close_code or 1006)
                self.ws = None
                continue
            if "id" in f and "message" in f:
                if f["id"] in self.live[-1]:
                    self.live_dups.append(f["id"])
                self.live[-1].append(f["id"])
                self.seen.add(f["id"])

    def stop(self):
        self.stop_event.set()
        self.join(5)
        if self.ws is not None:
            self.ws.close()

    def check(self, stored, complete=True):
        """Nothing received live twice or out of id order on one connection,
        and (if `complete`) every stored message reached this reader, live or
        by resync. Returns the ids it never got."""
        time.sleep(1)  # let the last frames arrive
        out_of_order = [(a, b) for seg in self.live for a, b in zip(seg, seg[1:]) if b <= a]
        missed = sorted({m["id"] for m in stored} - self.seen)
        print(f"[fault] room reader: {sum(map(len, self.live))} frames live on "
              f"{len(self.live)} connection(s) (closed with {self.close_codes}), "
              f"{self.resynced} by resync, {len(missed)} never {missed[:10]}")
        assert not self.live_dups, f"room reader got messages twice: {self.live_dups[:10]}"
        assert not out_of_order, f"room reader got frames out of id order: {out_of_order[:10]}"
        if complete:
            assert not missed, f"stored messages the room reader never got: {missed[:10]}"
        return missed


class Load:
    """Several publishers into one room; the unit the fault tests reason about."""

    def __init__(self, publishers):
        self.publishers = publishers

    def start(self):
        for p in self.publishers:
            p.start()
        return self

    def acks_since(self, t):
        return sum(p.acks_since(t) for p in self.publishers)

    def wait_flowing(self, n=10, timeout=30.0, what="messages to flow"):
        """Waits until every publisher had n acknowledgements after now."""
        t = time.monotonic()
        try:
            return wait_for(lambda: all(p.acks_since(t) >= n for p in self.publishers), timeout,
                            what=f"{what} ({n} acknowledged per publisher)")[1]
        except AssertionError as e:
            state = [(p.username, p.acks_since(t), dict(p.errors), p.connected_to)
                     for p in self.publishers]
            raise AssertionError(f"{e}; publishers (name, acks, errors, gateway): {state}") from None

    def stop(self):
        for p in self.publishers:
            p.stop_event.set()
        for p in self.publishers:
            p.stop()

    @property
    def acked(self):
        out = {}
        for p in self.publishers:
            out.update(p.acked)
        return out

    @property
    def sent(self):
        out = {}
        for p in self.publishers:
            out.update(p.sent)
        return out

    def timeline(self, t0):
        """Acknowledgements and errors of every publisher, in seconds since t0."""
        ev = []
        for p in self.publishers:
            with p.lock:
                ev += [(round(a - t0, 1), "ack") for a in p.ack_times if a >= t0]
                ev += [(round(a - t0, 1), k) for a, k in p.error_times if a >= t0]
        return sorted(ev)

    def errors(self):
        total = Counter()
        for p in self.publishers:
            total.update(p.errors)
        return dict(total)


def history(client, room, page=200, after=0):
    """Every message of `room` with id > after, in id order, paging with ?after= (P8)."""
    out = []
    while True:
        r = client.get(f"/api/chat/rooms/{room}/messages/?after={after}&limit={page}")
        assert r.status == 200, r
        msgs = r.json()["messages"]
        out.extend(msgs)
        if len(msgs) < page:
            return out
        after = msgs[-1]["id"]


def check_history(client, room, load):
    """No acknowledged message lost, none stored twice, nothing stored that was not sent."""
    msgs = history(client, room)
    by_content = Counter(m["content"] for m in msgs)
    dups = {c: n for c, n in by_content.items() if n > 1}
    assert not dups, f"messages stored more than once: {dups}"
    ids = [m["id"] for m in msgs]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), "history not in strict id order"
    stored = {m["content"]: m["id"] for m in msgs}
    acked = load.acked
    lost = [(cid, v) for cid, v in acked.items() if stored.get(v[1]) != v[0]]
    assert not lost, f"{len(lost)} acknowledged messages missing or with another id: {lost[:5]}"
    sent = set(load.sent.values())
    strays = [c for c in stored if c not in sent]
    assert not strays, f"stored messages nobody sent: {strays[:5]}"
    return {"acked": len(acked), "stored": len(msgs), "sent": len(sent),
            "unacked_stored": len(stored) - len(acked)}


class PresenceClient(threading.Thread):
    """A user's presence socket; reconnects through ws_urls unless reconnect=False."""

    def __init__(self, name, client, ws_urls, origin, ping_every=2.0, reconnect=True):
        super().__init__(daemon=True, name=f"presence-{name}")
        self.username, self.client = name, client
        self.ws_urls, self.origin = list(ws_urls), origin
        self.ping_every, self.reconnect = ping_every, reconnect
        self.stop_event = threading.Event()
        self.view = None          # latest {"online": [...], "guests": N}
        self.closed_at = None     # monotonic time the socket was seen closed
        self.connected = threading.Event()
        self.ws = None

    def run(self):
        while not self.stop_event.is_set():
            if self.ws is None:
                if not self._connect():
                    # Without reconnect, only the first connection is retried
                    # (a busy fresh gateway may refuse a handshake with 503).
                    if not self.reconnect and self.closed_at is not None:
                        return
                    time.sleep(0.3)
                    continue
            try:
                frame = self.ws.recv_json(0.2)
                if "online" in frame:
                    self.view = frame
            except TimeoutError:
                pass
            except (ConnectionError, OSError, websocket.WebSocketException, ValueError):
                self.closed_at = time.monotonic()
                self.connected.clear()
                self.ws = None
                if not self.reconnect:
                    return
                continue
            if time.monotonic() >= self._next_ping:
                try:
                    self.ws.send_json({"type": "ping"})
                except (OSError, websocket.WebSocketException):
                    pass
                self._next_ping = time.monotonic() + self.ping_every
        if self.ws is not None:
            self.ws.close(1000)

    def _connect(self):
        for url in self.ws_urls:
            try:
                self.ws = wslib.connect(f"{url}/ws/presence/", origin=self.origin,
                                        cookie=self.client.cookie_header(), timeout=2.0)
                self._next_ping = time.monotonic() + self.ping_every
                self.connected.set()
                return True
            except (OSError, websocket.WebSocketException):
                pass
        return False

    def online(self):
        v = self.view
        return {u["username"] for u in v["online"]} if v else set()

    def wait_online(self, pred, timeout, what):
        """Waits until pred(set of online usernames) holds; returns seconds taken."""
        return wait_for(lambda: pred(self.online()), timeout, interval=0.05,
                        what=f"presence: {what} (last view {self.online()})")[1]

    def stop(self):
        self.stop_event.set()
        self.join(5)


def new_user(base_url, counter=[0]):
    """A registered, logged-in user: (username, Client). Distinct X-Forwarded-For
    per user keeps the auth rate limit out of the way."""
    counter[0] += 1
    name = "f" + uuid.uuid4().hex[:12]
    c = Client(base_url, forwarded_for=f"127.9.{counter[0] // 250}.{counter[0] % 250 + 1}")
    c.csrf()
    r = c.post("/api/auth/register/", json={"username": name, "password1": "pass12345",
                                             "password2": "pass12345"})
    assert r.status == 201, r
    return name, c


def on(base_url, client):
    """The same logged-in user, talking to another HTTP front."""
    c = Client(base_url)
    c.cookies = dict(client.cookies)
    return c
