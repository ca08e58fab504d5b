"""The local one-origin front: nginx in front of the gateway (scripts/stack.sh).

nginx serves the SPA (index.html for client-side routes), proxies /api/ and
/media/ to the gateway's HTTP port and /ws/ to its WebSocket port, and
overwrites X-Forwarded-For with the client address. The gateway trusts
loopback proxies (TRUSTED_PROXIES, decisions.md P12), so through nginx a client
cannot pick the IP used for rate limits (D1, behaviours item 37) and guest
presence (W4, item 119). nginx trusts the same peers as the gateway (127.0.0.1
by default), so the client IP is the same on both paths; the D1/W4 tests
connect from another loopback address, as a real client would.

Every test here runs only when the stack has the front (frontend/ present).
"""

import re
import secrets
from urllib.parse import urlsplit

import pytest

from lib.rawhttp import Client, raw_request, request
from lib.stack import loopback_ip
from lib.ws import connect, handshake_status


@pytest.fixture
def front(stack):
    if not stack.env.get("PID_NGINX"):
        pytest.skip("this stack has no nginx front (no frontend/)")
    assert stack.public_url != stack.gateway_http_url
    return stack.public_url


def _ws_url(http_url):
    return "ws://" + urlsplit(http_url).netloc


def _is_spa_index(r):
    return (r.status == 200 and r.header("Content-Type", "").startswith("text/html")
            and b'<div id="root">' in r.body)


# ----------------------------------------------------------------- SPA ----

def test_spa_index_served(front):
    r = request(front + "/")
    assert _is_spa_index(r), r
    assert re.search(rb'src="/assets/[^"]+\.js"', r.body), r.body


@pytest.mark.parametrize("path", ["/rooms/abc", "/login", "/users/someone", "/no/such/page"])
def test_client_side_routes_get_index_html(front, path):
    """Deep links are client-side routes: same index.html, 200, text/html."""
    index = request(front + "/")
    r = request(front + path)
    assert _is_spa_index(r), r
    assert r.body == index.body


def test_hashed_assets_are_served_and_a_missing_one_is_404(front):
    index = request(front + "/").text
    js = re.search(r'src="(/assets/[^"]+\.js)"', index).group(1)
    r = request(front + js)
    assert r.status == 200
    assert "javascript" in r.header("Content-Type", "")
    missing = request(front + "/assets/no-such-chunk.js")
    assert missing.status == 404, missing
    assert b'<div id="root">' not in missing.body


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/rooms/.env", "/assets/.hidden", "/api/.env"])
def test_dot_files_are_404(front, path):
    """config.md nginx routes: any path containing /.env -> 404 (all dot-files here)."""
    r = request(front + path)
    assert r.status == 404, r


# ------------------------------------------------------------ proxying ----

def test_api_health_through_nginx(front, stack):
    r = request(front + "/api/health/")
    assert r.status == 200, r
    assert r.header("Content-Type", "").startswith("application/json")
    direct = request(stack.gateway_http_url + "/api/health/")
    assert set(r.json()) == set(direct.json())


def test_unknown_api_path_is_the_gateways_answer_not_the_spa(front):
    r = request(front + "/api/no-such-endpoint/")
    assert not _is_spa_index(r), r
    assert r.header("Content-Type", "").startswith("application/json"), r


def test_media_goes_to_the_gateway(front, stack):
    """/media/ is the gateway's (avatars live in the auth daemon, P13), never the SPA."""
    r = request(front + "/media/default.jpg")
    direct = request(stack.gateway_http_url + "/media/default.jpg")
    assert not _is_spa_index(r), r
    assert r.status == direct.status


def test_body_over_upload_limit_is_json_413(front, stack):
    """api.md: bodies > DJANGO_UPLOAD_MAX_MB -> 413; nginx answers with the gateway's JSON."""
    mb = int(stack.daemon_env("gateway").get("DJANGO_UPLOAD_MAX_MB", "20"))
    host = urlsplit(front).netloc
    head = (f"POST /api/auth/profile/ HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {mb * 1024 * 1024 + 1}\r\n"
            "Connection: close\r\n\r\n").encode()
    r = raw_request(front, head + b"x" * 1024)
    assert r is not None and r.status == 413, r
    assert r.json() == {"error": "Request body too large", "code": "body_too_large"}


def test_host_header_reaches_the_gateway_as_sent(front):
    """Host is passed as the client sent it, so the gateway's allow-list applies."""
    port = urlsplit(front).port
    ok = request(front + "/api/health/", headers={"Host": f"localhost:{port}"})
    assert ok.status == 200, ok
    bad = request(front + "/api/health/", headers={"Host": "evil.example"})
    assert bad.status == 400, bad


# ------------------------------------------------------------ WebSocket ----

def test_websocket_through_nginx_reaches_the_gateway(front):
    """An upgrade on /ws/ is proxied to the gateway's WebSocket port: a guest's
    presence socket opens (101) and gets its first frame {"guests": N}
    (behaviours item 116), with the nginx origin as Origin."""
    with connect(_ws_url(front) + "/ws/presence/", origin=front, source_ip=loopback_ip()) as ws:
        frame = ws.recv_until(lambda f: "guests" in f, timeout=5)
        assert frame["guests"] >= 1 and "online" not in frame, frame


def test_websocket_refusal_comes_from_the_gateway(front):
    """A foreign Origin is refused by the gateway's handshake check (403),
    proxied as is; outside /ws/ an upgrade just gets the SPA's index.html."""
    assert handshake_status(_ws_url(front) + "/ws/presence/", origin="http://evil.example",
                            source_ip=loopback_ip()) == 403
    assert handshake_status(_ws_url(front) + "/rooms/abc", origin=front) == 200


# ------------------------------------------------- client IP (D1, W4) ----

def _login_statuses(client, n):
    """Statuses of n failing logins, each with its own fresh X-Forwarded-For and
    unknown username (so only the per-IP window can refuse them, not auth's
    per-account throttle)."""
    client.csrf()
    out = []
    for _ in range(n):
        fresh = f"10.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"
        r = client.post("/api/auth/login/", json={"username": f"nobody_{secrets.token_hex(6)}", "password": "x"},
                        headers={"X-Forwarded-For": fresh})
        out.append(r.status)
    return out


def test_d1_spoofed_xff_through_nginx_shares_one_login_counter(front):
    """behaviours item 37 [D-D1]: requests with different first X-Forwarded-For
    entries from one socket address use ONE counter: 10 logins are processed
    (400, bad credentials), the 11th -> 429 (api.md §6)."""
    c = Client(front, source_ip=loopback_ip())  # a fresh client IP: a fresh counter
    statuses = _login_statuses(c, 11)
    assert statuses[:10] == [400] * 10, statuses
    assert statuses[10] == 429, statuses


@pytest.mark.parametrize("via", ["nginx", "gateway"])
def test_d1_control_a_trusted_proxy_names_the_client(stack, front, via):
    """The control for the test above: the same requests from 127.0.0.1, a
    trusted proxy (TRUSTED_PROXIES), through nginx or straight at the gateway,
    are counted per X-Forwarded-For value. So the peer address decides, and
    nginx trusts exactly the peers the gateway trusts."""
    c = Client(front if via == "nginx" else stack.gateway_http_url, source_ip="127.0.0.1")
    statuses = _login_statuses(c, 11)
    assert statuses == [400] * 11, statuses


def _first_guest_count(url, origin, source_ip, headers):
    ws = connect(url, origin=origin, headers=headers, source_ip=source_ip)
    frame = ws.recv_until(lambda f: "guests" in f, timeout=5)
    return ws, frame["guests"]


def test_w4_guest_ip_headers_through_nginx_count_once(front):
    """behaviours item 119 [D-W4]: guests sending different X-Real-IP /
    X-Forwarded-For / CF-Connecting-IP from one socket address count once.

    """
    url = _ws_url(front) + "/ws/presence/"
    ip = loopback_ip()
    first, n1 = _first_guest_count(url, front, ip, ["X-Forwarded-For: 203.0.113.1"])
    try:
        second, n2 = _first_guest_count(url, front, ip, [
            "X-Forwarded-For: 203.0.113.2", "X-Real-IP: 203.0.113.3", "CF-Connecting-IP: 203.0.113.4"])
        second.close()
    finally:
        first.close()
    assert n1 >= 1
    assert n2 == n1, (n1, n2)


def test_forwarded_proto_from_a_client_is_replaced(front):
    """nginx sends its own scheme (http) unless the peer is a trusted proxy: a
    client claiming https gets plain-http CSRF rules (a POST without Origin or
    Referer passes), while a trusted peer's https mark makes the gateway apply
    the https rule (behaviours item 24: no Origin/Referer -> 403)."""
    def logout(source_ip):
        c = Client(front, source_ip=source_ip)
        c.csrf()
        return c.post("/api/auth/logout/", headers={"X-Forwarded-Proto": "https", "Origin": None}).status
    assert logout(loopback_ip()) == 200
    assert logout("127.0.0.1") == 403
