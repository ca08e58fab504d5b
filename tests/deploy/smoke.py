#!/usr/bin/python3
"""Smoke flow against a running production stack, through nginx over HTTPS.

  smoke.py --https-port P --http-port P flow     what a new user does: open the
      SPA, register, log in, post in the public room over /ws/ and see the echo,
      read it back from history, upload an avatar and fetch it from /media/
      (behaviours.md: register/login, chat echo, history, avatar)
  smoke.py --https-port P --http-port P fanout   with several chat and gateway
      instances: two users on separate sockets (nginx spreads them over the
      gateways) each receive every message of the other exactly once, and the
      history holds each exactly once

Certificates are self-signed in the test: TLS verification is off. Prints PASS/FAIL
per step; exits 1 on the first failed step (the later ones depend on it).
"""

import argparse
import http.client
import json
import os
import ssl
import struct
import sys
import time
import uuid
import zlib

import websocket  # python3-websocket (websocket-client)

TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE
HOST = "localhost"


class Step(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Step(msg)


class Client:
    """A browser-like client: cookies, CSRF header, Origin, HTTPS through nginx."""

    def __init__(self, port):
        self.port = port
        self.origin = "https://%s:%d" % (HOST, port)
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=15, context=TLS)
        h = {"Host": "%s:%d" % (HOST, self.port), "Accept": "application/json"}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if method not in ("GET", "HEAD"):
            h["Origin"] = self.origin
            h["Referer"] = self.origin + "/"
            if self.csrf:
                h["X-CSRFToken"] = self.csrf
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if value and "Max-Age=0" not in v:
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
        return r, data

    def json(self, method, path, payload=None):
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        r, data = self.request(method, path, body, headers)
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = None
        return r, doc, data

    def fetch_csrf(self):
        r, doc, raw = self.json("GET", "/api/auth/csrf/")
        expect(r.status == 200 and doc and doc.get("csrfToken"), "csrf: %d %r" % (r.status, raw[:200]))
        expect("csrftoken" in self.cookies, "csrf: no csrftoken cookie")
        self.csrf = doc["csrfToken"]

    def register(self, username, password):
        self.fetch_csrf()
        r, doc, raw = self.json("POST", "/api/auth/register/",
                                {"username": username, "password1": password, "password2": password})
        expect(r.status == 201 and doc and (doc.get("user") or {}).get("username") == username,
               "register: %d %r" % (r.status, raw[:300]))

    def login(self, username, password):
        self.fetch_csrf()
        r, doc, raw = self.json("POST", "/api/auth/login/", {"username": username, "password": password})
        expect(r.status == 200 and doc and (doc.get("user") or {}).get("username") == username,
               "login: %d %r" % (r.status, raw[:300]))
        expect("sessionid" in self.cookies, "login: no sessionid cookie")

    def ws(self, path):
        url = "wss://%s:%d%s" % (HOST, self.port, path)
        cookie = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        return websocket.create_connection(url, timeout=10, origin=self.origin, cookie=cookie,
                                           sslopt={"cert_reqs": ssl.CERT_NONE, "check_hostname": False})

    def history(self, room="public", limit=200):
        r, doc, raw = self.json("GET", "/api/chat/rooms/%s/messages/?limit=%d" % (room, limit))
        expect(r.status == 200 and doc and isinstance(doc.get("messages"), list),
               "history: %d %r" % (r.status, raw[:300]))
        return doc["messages"]


def recv_json(ws, deadline):
    ws.settimeout(max(0.1, deadline - time.time()))
    while True:
        raw = ws.recv()
        if isinstance(raw, bytes):
            continue
        try:
            return json.loads(raw)
        except ValueError:
            continue


def png(width, height):
    """A valid RGB PNG, large enough that the auth daemon must downscale it."""
    rows = b"".join(
        b"\x00" + b"".join(struct.pack("BBB", (x * 7) % 256, (y * 3) % 256, 90) for x in range(width))
        for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def multipart(fields, files):
    boundary = "----echochat" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    for name, (filename, ctype, data) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def password():
    """Strong under the strict rules: long, mixed, and unlike the user names here."""
    return "Vq%sK!x%s" % (uuid.uuid4().hex[:10], uuid.uuid4().hex[:6].upper())


def run_steps(steps):
    for name, fn in steps:
        t = time.time()
        try:
            fn()
        except Step as e:
            print("FAIL smoke: %s: %s" % (name, e))
            return 1
        except Exception as e:  # a crash of a step is its failure
            print("FAIL smoke: %s: %s: %s" % (name, type(e).__name__, e))
            return 1
        print("PASS smoke: %s (%.2fs)" % (name, time.time() - t))
    return 0


def flow(args):
    c = Client(args.https_port)
    user = "smoke_" + uuid.uuid4().hex[:10]
    pw = password()
    text = "smoke message %s" % uuid.uuid4().hex
    state = {}

    def redirect():
        conn = http.client.HTTPConnection("127.0.0.1", args.http_port, timeout=10)
        conn.request("GET", "/rooms/public?x=1", headers={"Host": HOST})
        r = conn.getresponse()
        r.read()
        want = "https://%s:%d/rooms/public?x=1" % (HOST, args.https_port)
        expect(r.status == 301 and r.getheader("Location") == want,
               "%d Location %r" % (r.status, r.getheader("Location")))

    def spa():
        r, data = c.request("GET", "/rooms/public", headers={"Accept": "text/html"})
        expect(r.status == 200 and b'id="root"' in data, "status %d body %r" % (r.status, data[:120]))
        expect(r.getheader("Strict-Transport-Security"), "no HSTS")
        scripts = [p.split('"')[0] for p in data.decode().split('src="')[1:] if p.startswith("/assets/")]
        expect(scripts, "index.html names no /assets/ script")
        r, js = c.request("GET", scripts[0])
        expect(r.status == 200 and len(js) > 1000, "%s: %d" % (scripts[0], r.status))

    def health():
        r, doc, raw = c.json("GET", "/api/health/")
        expect(r.status == 200, "status %d %r" % (r.status, raw[:200]))

    def dotfile():
        r, _ = c.request("GET", "/.env")
        expect(r.status == 404, "/.env: %d" % r.status)

    def register():
        c.register(user, pw)

    def login():
        c.cookies.clear()
        c.login(user, pw)
        r, doc, raw = c.json("GET", "/api/auth/session/")
        expect(r.status == 200 and (doc.get("user") or {}).get("username") == user,
               "session: %d %r" % (r.status, raw[:200]))

    def post_ws():
        ws = c.ws("/ws/chat/public/")
        try:
            ws.send(json.dumps({"message": text, "client_id": uuid.uuid4().hex}))
            deadline = time.time() + 10
            while True:
                frame = recv_json(ws, deadline)
                if frame.get("message") == text:
                    break
            expect(frame.get("username") == user, "echo username %r" % frame.get("username"))
            expect(frame.get("room") == "public", "echo room %r" % frame.get("room"))
        finally:
            ws.close()

    def history():
        msgs = c.history()
        mine = [m for m in msgs if m.get("content") == text]
        expect(len(mine) == 1, "message found %d times in history" % len(mine))
        expect(mine[0].get("username") == user, "history username %r" % mine[0].get("username"))

    def avatar():
        c.fetch_csrf()
        body, ctype = multipart({"username": user, "email": "", "bio": "smoke test"},
                                {"image": ("avatar.png", "image/png", png(400, 320))})
        r, data = c.request("POST", "/api/auth/profile/", body, {"Content-Type": ctype})
        expect(r.status == 200, "profile POST: %d %r" % (r.status, data[:300]))
        url = (json.loads(data).get("user") or {}).get("profileImage") or ""
        prefix = "https://%s:%d/media/" % (HOST, args.https_port)
        expect(url.startswith(prefix), "profileImage %r does not start with %r" % (url, prefix))
        expect("default" not in url.rsplit("/", 1)[-1], "avatar still the default: %r" % url)
        state["avatar"] = url[len("https://%s:%d" % (HOST, args.https_port)):]

    def media():
        r, data = c.request("GET", state["avatar"])
        expect(r.status == 200, "GET %s: %d" % (state["avatar"], r.status))
        ctype = r.getheader("Content-Type") or ""
        expect(ctype.startswith("image/"), "Content-Type %r" % ctype)
        magic = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpeg", b"RIFF": "webp", b"GIF8": "gif"}
        expect(any(data.startswith(m) for m in magic), "not an image: %r" % data[:8])
        if data.startswith(b"\x89PNG"):
            w, h = struct.unpack(">II", data[16:24])
            expect(w <= 300 and h <= 300, "avatar not downscaled: %dx%d" % (w, h))

    return run_steps([
        ("plain HTTP redirects to HTTPS", redirect),
        ("the SPA and its assets are served", spa),
        ("GET /api/health/ reaches the gateway", health),
        ("/.env is 404", dotfile),
        ("register a new user", register),
        ("log in with a fresh cookie jar", login),
        ("post in public over /ws/ and receive the echo", post_ws),
        ("the message is in the history exactly once", history),
        ("upload an avatar (PNG 400x320)", avatar),
        ("fetch the avatar from /media/", media),
    ])


def fanout(args):
    n = args.messages
    alice, bob = Client(args.https_port), Client(args.https_port)
    names = {}
    sockets = {}
    tag = uuid.uuid4().hex[:8]
    sent = {}

    def users():
        for key, c in (("alice", alice), ("bob", bob)):
            names[key] = "fan_%s_%s" % (key, uuid.uuid4().hex[:8])
            c.register(names[key], password())

    def connect():
        # Several connections each, so that with round-robin in nginx both
        # gateways carry some of them.
        for key, c in (("alice", alice), ("bob", bob)):
            sockets[key] = [c.ws("/ws/chat/public/") for _ in range(2)]

    def exchange():
        for i in range(n):
            for key in ("alice", "bob"):
                text = "fanout %s %s %d" % (tag, key, i)
                sockets[key][i % 2].send(json.dumps({"message": text}))
                sent[text] = names[key]
            time.sleep(0.05)
        deadline = time.time() + 20
        for key, socks in sockets.items():
            for idx, ws in enumerate(socks):
                got = {}
                while sum(got.values()) < len(sent) and time.time() < deadline:
                    try:
                        frame = recv_json(ws, deadline)
                    except websocket.WebSocketTimeoutException:
                        break
                    msg = frame.get("message")
                    if isinstance(msg, str) and tag in msg:
                        got[msg] = got.get(msg, 0) + 1
                    expect(frame.get("error") is None, "%s socket %d got error %r" % (key, idx, frame))
                # Anything still in flight would be a duplicate.
                ws.settimeout(0.5)
                try:
                    while True:
                        raw = ws.recv()
                        frame = json.loads(raw) if isinstance(raw, str) else {}
                        msg = frame.get("message")
                        if isinstance(msg, str) and tag in msg:
                            got[msg] = got.get(msg, 0) + 1
                except (websocket.WebSocketTimeoutException, ValueError):
                    pass
                missing = [t for t in sent if got.get(t, 0) == 0]
                dup = [t for t, k in got.items() if k > 1]
                expect(not missing and not dup, "%s socket %d: %d missing, %d duplicated (of %d)"
                       % (key, idx, len(missing), len(dup), len(sent)))

    def history():
        msgs = alice.history(limit=200)
        counts = {}
        for m in msgs:
            if tag in (m.get("content") or ""):
                counts[m["content"]] = counts.get(m["content"], 0) + 1
        missing = [t for t in sent if counts.get(t, 0) == 0]
        dup = [t for t, k in counts.items() if k > 1]
        expect(not missing and not dup, "history: %d missing, %d duplicated (of %d)"
               % (len(missing), len(dup), len(sent)))
        wrong = [m for m in msgs if m.get("content") in sent and m.get("username") != sent[m["content"]]]
        expect(not wrong, "history: wrong authors %r" % wrong[:2])

    try:
        return run_steps([
            ("register two users", users),
            ("open two sockets each on /ws/chat/public/", connect),
            ("%d messages each: every socket gets every message exactly once" % n, exchange),
            ("the history holds every message exactly once", history),
        ])
    finally:
        for socks in sockets.values():
            for ws in socks:
                try:
                    ws.close()
                except Exception:
                    pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--https-port", type=int, required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--messages", type=int, default=10, help="fanout: messages per user")
    p.add_argument("mode", choices=("flow", "fanout"))
    args = p.parse_args()
    os.environ.setdefault("NO_PROXY", "*")
    return flow(args) if args.mode == "flow" else fanout(args)


if __name__ == "__main__":
    sys.exit(main())
