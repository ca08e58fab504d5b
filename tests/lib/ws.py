"""WebSocket helper for system tests, on websocket-client (Debian python3-websocket).

    ws = connect(stack.gateway_ws_url + "/ws/presence/", origin=stack.public_url)
    ws.send_json({"type": "ping"})
    frame = ws.recv_json(timeout=5)     # raises TimeoutError if nothing comes
    code = ws.wait_closed(timeout=5)    # the server's close code
    ws.close()

``handshake_status()`` tells what an upgrade attempt got (101, 403, ...)
without raising. ``source_ip=`` (lib.stack.loopback_ip()) makes the socket a
distinct client IP, through nginx too (guest presence counts per IP).
"""

import json
import time
import socket
from urllib.parse import urlsplit

import websocket  # websocket-client


class WS:
    def __init__(self, conn):
        self.conn = conn

    def send_json(self, obj):
        self.conn.send(json.dumps(obj))

    def send_text(self, text):
        self.conn.send(text)

    def send_bytes(self, data):
        self.conn.send_binary(data)

    def recv(self, timeout=5.0):
        """Next data frame (str for text, bytes for binary). Raises TimeoutError
        if none arrives in time, ConnectionError if the socket closes instead."""
        self.conn.settimeout(timeout)
        try:
            opcode, data = self.conn.recv_data(control_frame=False)
        except (websocket.WebSocketTimeoutException, socket.timeout):
            raise TimeoutError(f"no frame within {timeout}s") from None
        except websocket.WebSocketConnectionClosedException:
            raise ConnectionError(f"closed (code {self.close_code})") from None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self._remember_close(data)
            raise ConnectionError(f"closed (code {self.close_code})")
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return data.decode("utf-8")
        return data

    def recv_json(self, timeout=5.0):
        return json.loads(self.recv(timeout))

    def recv_until(self, predicate, timeout=5.0):
        """Skip JSON frames until predicate(frame) holds; return that frame."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching frame within {timeout}s")
            frame = self.recv_json(left)
            if predicate(frame):
                return frame

    def expect_silence(self, seconds=1.0):
        """Assert that no data frame arrives for `seconds`."""
        try:
            frame = self.recv(seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame: {frame!r}")

    close_code = None

    def _remember_close(self, payload):
        if payload and len(payload) >= 2:
            self.close_code = int.from_bytes(payload[:2], "big")
        else:
            self.close_code = 1005  # no status received

    def wait_closed(self, timeout=5.0):
        """Read (and drop) frames until the server closes; return its close code."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"socket not closed within {timeout}s")
            self.conn.settimeout(left)
            try:
                opcode, data = self.conn.recv_data(control_frame=True)
            except (websocket.WebSocketTimeoutException, socket.timeout):
                continue
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                return self.close_code if self.close_code is not None else 1006
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                self._remember_close(data)
                return self.close_code

    def close(self, code=1000):
        try:
            self.conn.close(status=code, timeout=1)
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _headers(origin, cookie, headers):
    h = list(headers or [])
    if cookie:
        h.append(f"Cookie: {cookie}")
    return h


def _bound_socket(url, source_ip, timeout):
    u = urlsplit(url)
    if u.scheme != "ws":
        raise ValueError("source_ip needs a ws:// URL")
    return socket.create_connection((u.hostname, u.port or 80), timeout=timeout,
                                    source_address=(source_ip, 0))


def connect(url, origin=None, cookie=None, headers=None, timeout=5.0, source_ip=None):
    """Open a WebSocket. `origin` is sent as the Origin header (None: none at
    all); `cookie` a Cookie header value (e.g. Client.cookie_header());
    `headers` extra "Name: value" strings; `source_ip` binds the local end.
    Raises on a failed handshake."""
    conn = websocket.WebSocket(enable_multithread=True)
    sock = _bound_socket(url, source_ip, timeout) if source_ip else None
    try:
        conn.connect(url, header=_headers(origin, cookie, headers), origin=origin,
                     suppress_origin=origin is None, timeout=timeout, socket=sock)
    except BaseException:
        if sock is not None:
            sock.close()
        raise
    return WS(conn)


def handshake_status(url, origin=None, cookie=None, headers=None, timeout=5.0, source_ip=None):
    """HTTP status of an upgrade attempt: 101 on success, else the refusal's
    status (e.g. 403), or None if the connection failed outright."""
    try:
        ws = connect(url, origin=origin, cookie=cookie, headers=headers, timeout=timeout,
                     source_ip=source_ip)
    except websocket.WebSocketBadStatusException as e:
        return e.status_code
    except (OSError, websocket.WebSocketException):
        return None
    ws.close()
    return 101
