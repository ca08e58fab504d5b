"""A raw HTTP client for system tests (http.client / socket, no magic).

* ``request()`` sends exactly the headers given, in order (Host included, none
  added but Content-Length), with a bytes/str/JSON body.
* ``raw_request()`` writes arbitrary bytes on a socket (invalid UTF-8 in the
  request line, broken framing, ...) and parses whatever comes back.
* ``Response`` keeps every header, including repeated ``Set-Cookie`` ones.
* ``Client`` adds a cookie jar, default headers (Origin, X-Forwarded-For, ...)
  and the CSRF dance: ``csrf()`` calls GET /api/auth/csrf/ and later unsafe
  requests send ``X-CSRFToken``.
* ``source_ip`` (e.g. lib.stack.loopback_ip()) binds the client socket to that
  127/8 address: the server sees it as the client IP, through nginx too.
"""

import http.client
import io
import json as jsonlib
import socket
from urllib.parse import urlsplit


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) in arrival order
        self.body = body  # bytes

    def header(self, name, default=None):
        """First value of header `name` (case-insensitive)."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return jsonlib.loads(self.body)

    @property
    def set_cookies(self):
        """Every Set-Cookie header parsed: list of Cookie."""
        return [parse_set_cookie(v) for v in self.header_all("Set-Cookie")]

    def cookie(self, name):
        """The last Set-Cookie for `name`, or None."""
        found = [c for c in self.set_cookies if c.name == name]
        return found[-1] if found else None

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


class Cookie:
    """One Set-Cookie: name, value and attributes (lower-cased keys; flags map to True)."""

    def __init__(self, name, value, attrs, raw):
        self.name, self.value, self.attrs, self.raw = name, value, attrs, raw

    def __repr__(self):
        return f"<Cookie {self.raw}>"

    @property
    def expired(self):
        max_age = self.attrs.get("max-age")
        if max_age is not None:
            try:
                return int(max_age) <= 0
            except ValueError:
                return False
        return "1970" in str(self.attrs.get("expires", ""))


def parse_set_cookie(raw):
    parts = [p.strip() for p in raw.split(";")]
    name, _, value = parts[0].partition("=")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    attrs = {}
    for p in parts[1:]:
        if not p:
            continue
        k, eq, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if eq else True
    return Cookie(name.strip(), value, attrs, raw)


def _body_bytes(body, json, headers):
    if json is not None:
        body = jsonlib.dumps(json).encode()
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/json"))
    if isinstance(body, str):
        body = body.encode()
    return body


def request(url, method="GET", headers=(), body=None, json=None, timeout=10.0, source_ip=None):
    """Send one request to an absolute URL. `headers` is a list of (name, value)
    pairs or a dict; values may be bytes. Host defaults to the URL's netloc
    unless given. `source_ip` binds the local end. Returns a Response."""
    u = urlsplit(url)
    headers = list(headers.items()) if isinstance(headers, dict) else list(headers)
    body = _body_bytes(body, json, headers)
    path = (u.path or "/") + (("?" + u.query) if u.query else "")
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout,
                                      source_address=(source_ip, 0) if source_ip else None)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if not any(k.lower() == "host" for k, _ in headers):
            conn.putheader("Host", u.netloc)
        for k, v in headers:
            conn.putheader(k, v)
        if body is not None and not any(k.lower() == "content-length" for k, _ in headers):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        return Response(r.status, r.reason, r.getheaders(), r.read())
    finally:
        conn.close()


class _FakeSock:
    def __init__(self, data):
        self._f = io.BytesIO(data)

    def makefile(self, *a, **k):
        return self._f


def raw_request(url, data, timeout=10.0, half_close=False, source_ip=None):
    """Write `data` (bytes, sent as is) to the URL's host:port and read until the
    server closes, a whole Content-Length response arrived, or `timeout`; parse
    the first HTTP response. `half_close` shuts our sending side after `data`.
    Returns a Response, or None if the server closed without answering."""
    u = urlsplit(url)
    chunks = []
    with socket.create_connection((u.hostname, u.port or 80), timeout=timeout,
                                  source_address=(source_ip, 0) if source_ip else None) as s:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if _complete(b"".join(chunks)):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
    raw = b"".join(chunks)
    if not raw:
        return None
    r = http.client.HTTPResponse(_FakeSock(raw))
    r.begin()
    return Response(r.status, r.reason, r.getheaders(), r.read())


def _complete(raw):
    """True once `raw` holds a whole response with a Content-Length body."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return len(rest) >= int(v.strip() or 0)
    return False


class Client:
    """HTTP client with a cookie jar and CSRF support.

        c = Client(stack.public_url)
        c.csrf()                                   # GET /api/auth/csrf/
        r = c.post("/api/auth/login/", json={...}) # sends X-CSRFToken + cookies
    """

    def __init__(self, base_url, origin=None, forwarded_for=None, headers=None, source_ip=None):
        self.base_url = base_url.rstrip("/")
        self.source_ip = source_ip
        self.cookies = {}  # name -> value
        self.csrf_token = None
        self.headers = dict(headers or {})
        if origin is not None:
            self.headers["Origin"] = origin
        if forwarded_for is not None:
            self.headers["X-Forwarded-For"] = forwarded_for

    @property
    def origin(self):
        u = urlsplit(self.base_url)
        return f"{u.scheme}://{u.netloc}"

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def update_cookies(self, response):
        for c in response.set_cookies:
            if c.expired:
                self.cookies.pop(c.name, None)
            else:
                self.cookies[c.name] = c.value

    def request(self, method, path, headers=None, body=None, json=None, csrf=True, timeout=10.0):
        """`headers` override the client defaults (value None drops a default).
        Unsafe methods get X-CSRFToken (token from csrf(), else the csrftoken
        cookie) and a same-origin Origin unless `csrf=False`."""
        merged = dict(self.headers)
        if self.cookies:
            merged["Cookie"] = self.cookie_header()
        if csrf and method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            token = self.csrf_token or self.cookies.get("csrftoken")
            if token:
                merged["X-CSRFToken"] = token
            merged.setdefault("Origin", self.origin)
        for k, v in (headers or {}).items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
        r = request(self.base_url + path, method, list(merged.items()), body=body, json=json, timeout=timeout,
                    source_ip=self.source_ip)
        self.update_cookies(r)
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def csrf(self):
        """GET /api/auth/csrf/; remember and return the masked token."""
        r = self.get("/api/auth/csrf/")
        assert r.status == 200, r
        self.csrf_token = r.json()["csrfToken"]
        return self.csrf_token
