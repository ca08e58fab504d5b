"""Client side of scripts/soak.sh besides the chat load (which is bench/loadgen):
presence churn, logins and history reads against one stack, for a bounded time.

    soak_clients.py STACK_ENV SECONDS

Loopback only (the stack's URLs). Prints one JSON object of counts at the end
and exits 1 if any request got an unexpected answer.

* presence churn: 4 workers, each opening /ws/presence/ as a guest (its own
  X-Forwarded-For) or as one of 8 users, holding it 0.5-3 s (one ping),
  then closing it cleanly (1000) or dropping the TCP connection (1006);
* logins: one worker, a fresh client logging one of the users in, ~2/s;
* history: 2 workers reading the public room (latest page, or ?after= a
  random id), ~50/s each.
"""

import json
import random
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import websocket  # noqa: E402

from lib import ws as wslib  # noqa: E402
from lib.rawhttp import Client  # noqa: E402
from lib.stack import Stack  # noqa: E402

PASSWORD = "soak-pass-12345"


def register(base, i):
    name = f"soak{int(time.time())}x{i}"
    c = Client(base, forwarded_for=f"127.7.0.{i + 1}")
    c.csrf()
    r = c.post("/api/auth/register/", json={"username": name, "password1": PASSWORD,
                                             "password2": PASSWORD})
    assert r.status == 201, r
    return name, c


def main():
    st = Stack(sys.argv[1])
    deadline = time.monotonic() + float(sys.argv[2])
    base, ws_url, origin = st.public_url, st.gateway_ws_url, st.public_url
    users = [register(base, i) for i in range(8)]
    counts, bad = Counter(), Counter()
    lock = threading.Lock()

    def count(key, ok=True):
        with lock:
            (counts if ok else bad)[key] += 1

    def presence_worker(k):
        rnd = random.Random(k)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            as_user = rnd.random() < 0.5
            headers = [] if as_user else [f"X-Forwarded-For: 127.6.{k}.{n % 250 + 1}"]
            cookie = rnd.choice(users)[1].cookie_header() if as_user else None
            try:
                ws = wslib.connect(ws_url + "/ws/presence/", origin=origin, cookie=cookie,
                                   headers=headers, timeout=5)
            except (OSError, websocket.WebSocketException):
                count("presence_connect", ok=False)
                time.sleep(0.5)
                continue
            count("presence_connect")
            try:
                ws.recv_json(3)  # the first view
                ws.send_json({"type": "ping"})
                end = time.monotonic() + rnd.uniform(0.5, 3)
                while time.monotonic() < end:
                    try:
                        ws.recv_json(0.2)
                    except TimeoutError:
                        pass
            except (TimeoutError, ConnectionError, OSError, websocket.WebSocketException):
                count("presence_no_view", ok=False)
            if rnd.random() < 0.5:
                ws.close(1000)
            else:  # abnormal end: no close frame
                try:
                    ws.conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                ws.conn.sock.close()

    def login_worker():
        while time.monotonic() < deadline:
            name, _ = random.choice(users)
            c = Client(base, forwarded_for="127.5.0.1")
            try:
                c.csrf()
                r = c.post("/api/auth/login/", json={"username": name, "password": PASSWORD})
                count("login", r.status == 200)
            except (OSError, AssertionError):
                count("login", ok=False)
            time.sleep(0.5)

    def history_worker(k):
        c = users[k][1]
        rnd = random.Random(100 + k)
        while time.monotonic() < deadline:
            q = "limit=50" if rnd.random() < 0.7 else f"after={rnd.randint(0, 100000)}&limit=50"
            try:
                r = c.get(f"/api/chat/rooms/public/messages/?{q}")
                count("history", r.status == 200)
            except OSError:
                count("history", ok=False)
            time.sleep(0.02)

    threads = [threading.Thread(target=presence_worker, args=(k,)) for k in range(4)]
    threads.append(threading.Thread(target=login_worker))
    threads += [threading.Thread(target=history_worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"ok": dict(counts), "bad": dict(bad)}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
