#!/usr/bin/python3
"""Routing test of deploy/nginx.conf without containers (runs in static_checks.sh).

Renders the template with the image's own entrypoint (test ports, a temp prefix,
a throw-away certificate, UPLOAD_MAX_MB=2), starts the host's nginx on it, puts a
fake gateway (HTTP and WebSocket ports, both recording what reaches them) behind
it, and checks what a browser and the gateway see: the HTTPS redirect, security
headers, the SPA fallback, dot-file 404s, proxy headers (X-Forwarded-For replaced,
not appended), the body cap and the WebSocket upgrade.

Usage: nginx_routing.py REPO_ROOT   (prints PASS/FAIL per case, exits 1 on failure)
"""

import base64
import hashlib
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
UPLOAD_MAX_MB = 2
HOST = "chat.example"

seen_http = []  # requests that reached the fake gateway's HTTP port
seen_ws = []    # requests that reached its WebSocket port


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeGatewayHTTP(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen_http.append({"method": self.command, "path": self.path,
                          "headers": {k.lower(): v for k, v in self.headers.items()},
                          "body_len": len(body)})
        out = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_HEAD = handle_any

    def log_message(self, *args):
        pass


def fake_ws_server(sock):
    """Answers every upgrade with 101 and records the request it got."""
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            lines = data.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            seen_ws.append({"request_line": lines[0], "headers": headers})
            key = headers.get("sec-websocket-key", "")
            accept = base64.b64encode(hashlib.sha1(
                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
            time.sleep(0.2)


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def case(self, name, fn):
        try:
            fn()
        except AssertionError as e:
            self.failed += 1
            print("FAIL nginx: %s: %s" % (name, e))
        except Exception as e:  # a crash of the case is a failure of the case
            self.failed += 1
            print("FAIL nginx: %s: %s: %s" % (name, type(e).__name__, e))
        else:
            self.passed += 1
            print("PASS nginx: %s" % name)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def main():
    work = tempfile.mkdtemp(prefix="echochat-nginx-test.")
    os.chmod(work, 0o755)  # nginx workers run as nobody
    certs, spa, run = (os.path.join(work, d) for d in ("certs", "spa", "run"))
    for d in (certs, spa, os.path.join(spa, "assets")):
        os.makedirs(d)
        os.chmod(d, 0o755)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + HOST, "-keyout", os.path.join(certs, "privkey.pem"),
                    "-out", os.path.join(certs, "fullchain.pem")],
                   check=True, capture_output=True)
    index = INDEX
    with open(os.path.join(spa, "index.html"), "w") as f:
        f.write(index)
    with open(os.path.join(spa, "assets", "app-0123abcd.js"), "w") as f:
        f.write("console.log('app');")
    for p in ("index.html", "assets/app-0123abcd.js"):
        os.chmod(os.path.join(spa, p), 0o644)

    http_port, https_port, gw_http, gw_ws = (free_port() for _ in range(4))
    gw = http.server.ThreadingHTTPServer(("127.0.0.1", gw_http), FakeGatewayHTTP)
    threading.Thread(target=gw.serve_forever, daemon=True).start()
    ws_sock = socket.socket()
    ws_sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ws_sock.bind(("127.0.0.1", gw_ws))
    ws_sock.listen(8)
    threading.Thread(target=fake_ws_server, args=(ws_sock,), daemon=True).start()

    env = dict(os.environ,
               NGINX_TEMPLATE=os.path.join(ROOT, "deploy/nginx.conf"),
               NGINX_RUN_DIR=run, NGINX_CERT_DIR=certs, SPA_ROOT=spa,
               NGINX_RESOLVER="127.0.0.1", GATEWAY_HOST="127.0.0.1",
               GATEWAY_HTTP_PORT=str(gw_http), GATEWAY_WS_PORT=str(gw_ws),
               NGINX_HTTP_PORT=str(http_port), NGINX_HTTPS_PORT=str(https_port),
               PUBLIC_HTTPS_PORT=str(https_port), UPLOAD_MAX_MB=str(UPLOAD_MAX_MB))
    entry = os.path.join(ROOT, "deploy/docker/nginx-entrypoint.sh")
    subprocess.run([entry, "true"], env=env, check=True)
    conf = os.path.join(run, "nginx.conf")
    nginx = subprocess.Popen(["nginx", "-e", "stderr", "-c", conf, "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                if nginx.poll() is not None or time.time() > deadline:
                    raise RuntimeError("nginx did not start: " + nginx.stderr.read().decode())
                time.sleep(0.05)
        return run_cases(http_port, https_port)
    finally:
        nginx.send_signal(signal.SIGTERM)
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
        gw.shutdown()
        ws_sock.close()
        shutil.rmtree(work, ignore_errors=True)


def run_cases(http_port, https_port):
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    authority = "%s:%d" % (HOST, https_port)

    def get(path, method="GET", headers=None, body=None, plain=False):
        if plain:
            conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        else:
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=10, context=tls)
        h = {"Host": authority}
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r, data

    c = Checker()

    def redirect():
        r, _ = get("/rooms/x?y=1", plain=True, headers={"Host": HOST})
        expect(r.status == 301, "status %d" % r.status)
        want = "https://%s:%d/rooms/x?y=1" % (HOST, https_port)
        expect(r.getheader("Location") == want, "Location %r, want %r" % (r.getheader("Location"), want))
    c.case("plain HTTP answers 301 to the same URL over https", redirect)

    def spa_root():
        r, data = get("/")
        expect(r.status == 200 and data.decode() == INDEX, "status %d body %r" % (r.status, data[:60]))
        hsts = r.getheader("Strict-Transport-Security") or ""
        expect("max-age=" in hsts, "no HSTS header")
        expect(r.getheader("X-Content-Type-Options") == "nosniff", "no nosniff")
        expect(r.getheader("X-Frame-Options") == "DENY", "no X-Frame-Options")
        expect("frame-ancestors 'none'" in (r.getheader("Content-Security-Policy") or ""), "no CSP")
        expect("no-cache" in (r.getheader("Cache-Control") or ""), "index.html is cacheable")
        expect(not (r.getheader("Server") or "").startswith("nginx/"), "Server header shows the version")
    c.case("/ serves the SPA with HSTS and security headers, not cached", spa_root)

    def spa_fallback():
        for path in ("/login", "/rooms/public", "/users/%D0%B8%D0%B2%D0%B0%D0%BD", "/profile"):
            r, data = get(path)
            expect(r.status == 200 and data.decode() == INDEX, "%s: status %d" % (path, r.status))
    c.case("client-side routes fall back to index.html", spa_fallback)

    def assets():
        r, data = get("/assets/app-0123abcd.js")
        expect(r.status == 200 and b"console.log" in data, "status %d" % r.status)
        expect("max-age=31536000" in (r.getheader("Cache-Control") or ""), "hashed asset not cached long")
        expect(r.getheader("Strict-Transport-Security"), "assets lost the security headers")
        r, data = get("/assets/missing.js")
        expect(r.status == 404, "missing asset: status %d (must not be index.html)" % r.status)
    c.case("hashed assets are long-cached; a missing one is 404", assets)

    def dotfiles():
        before = len(seen_http)
        for path in ("/.env", "/.git/config", "/assets/.hidden", "/api/.env", "/media/.env",
                     "/%2eenv", "/ws/.x", "/a/../.env"):
            r, _ = get(path)
            expect(r.status == 404, "%s: status %d" % (path, r.status))
        expect(len(seen_http) == before, "a dot-file request reached the gateway")
    c.case("any path with a dot-file is 404 and never proxied", dotfiles)

    def api_proxy():
        seen_http.clear()
        r, data = get("/api/auth/session/?next=%2Fx", headers={"X-Forwarded-For": "6.6.6.6",
                                                               "X-Real-IP": "6.6.6.6",
                                                               "X-Forwarded-Proto": "http"})
        expect(r.status == 200 and json.loads(data) == {"ok": True}, "status %d" % r.status)
        expect(r.getheader("Strict-Transport-Security"), "proxied response without HSTS")
        expect(len(seen_http) == 1, "gateway saw %d requests" % len(seen_http))
        req = seen_http[0]
        h = req["headers"]
        expect(req["path"] == "/api/auth/session/?next=%2Fx", "path %r" % req["path"])
        expect(h.get("x-forwarded-for") == "127.0.0.1", "X-Forwarded-For %r" % h.get("x-forwarded-for"))
        expect(h.get("x-real-ip") == "127.0.0.1", "X-Real-IP %r" % h.get("x-real-ip"))
        expect(h.get("x-forwarded-proto") == "https", "X-Forwarded-Proto %r" % h.get("x-forwarded-proto"))
        expect(h.get("x-forwarded-host") == authority, "X-Forwarded-Host %r" % h.get("x-forwarded-host"))
        expect(h.get("host") == authority, "Host %r" % h.get("host"))
    c.case("/api/ reaches the gateway with X-Forwarded-For replaced and proto https", api_proxy)

    def media_proxy():
        seen_http.clear()
        r, _ = get("/media/profile_pics/ab12.png")
        expect(r.status == 200, "status %d" % r.status)
        expect(seen_http and seen_http[0]["path"] == "/media/profile_pics/ab12.png", "not proxied")
    c.case("/media/ reaches the gateway's HTTP port", media_proxy)

    def body_cap():
        seen_http.clear()
        small = b"x" * (UPLOAD_MAX_MB * 1024 * 1024 - 4096)
        r, _ = get("/api/auth/profile/", method="POST", body=small,
                   headers={"Content-Type": "application/octet-stream"})
        expect(r.status == 200 and seen_http and seen_http[0]["body_len"] == len(small),
               "body under the cap: status %d" % r.status)
        seen_http.clear()
        big = b"x" * (UPLOAD_MAX_MB * 1024 * 1024 + 1)
        r, _ = get("/api/auth/profile/", method="POST", body=big,
                   headers={"Content-Type": "application/octet-stream"})
        expect(r.status == 413, "body over the cap: status %d" % r.status)
        expect(not seen_http, "an oversized body reached the gateway")
    c.case("request bodies are capped at UPLOAD_MAX_MB (413)", body_cap)

    def websocket():
        seen_ws.clear()
        raw = socket.create_connection(("127.0.0.1", https_port), timeout=10)
        s = tls.wrap_socket(raw, server_hostname=HOST)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(("GET /ws/chat/public/ HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                   "Origin: https://%s\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n" % (authority, key, authority)).encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = s.recv(4096)
            if not chunk:
                break
            resp += chunk
        s.close()
        expect(resp.startswith(b"HTTP/1.1 101"), "answer %r" % resp[:40])
        expect(len(seen_ws) == 1, "WS port saw %d requests" % len(seen_ws))
        req = seen_ws[0]
        h = req["headers"]
        expect(req["request_line"].startswith("GET /ws/chat/public/ "), req["request_line"])
        expect(h.get("upgrade", "").lower() == "websocket", "Upgrade %r" % h.get("upgrade"))
        expect(h.get("connection", "").lower() == "upgrade", "Connection %r" % h.get("connection"))
        expect(h.get("x-forwarded-for") == "127.0.0.1", "X-Forwarded-For %r" % h.get("x-forwarded-for"))
        expect(h.get("x-forwarded-proto") == "https", "X-Forwarded-Proto %r" % h.get("x-forwarded-proto"))
        expect(h.get("origin") == "https://" + authority, "Origin %r" % h.get("origin"))
    c.case("/ws/ upgrades through to the gateway's WebSocket port", websocket)

    print("nginx routing: %d passed, %d failed" % (c.passed, c.failed))
    return 0 if c.failed == 0 else 1


INDEX = "<!doctype html><title>EchoChat test SPA</title>"

if __name__ == "__main__":
    sys.exit(main())
