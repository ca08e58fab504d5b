"""Chat fan-out across instances: two gateways and two chat daemons deliver
every message exactly once and in each sender's order (P14, W1); a socket
that stops reading is cut without delaying the others; a reconnecting client
resyncs with ?after= (P8)."""

import threading
import time
import urllib.request
import uuid

import pytest

from lib.rawhttp import Client
from lib.wscluster import Cluster, register


@pytest.fixture
def cluster(stack):
    with Cluster(stack, auth=True, chats=2,
                 chat_env={"CHAT_MESSAGE_RATE_LIMIT": 1000000}) as c:
        yield c


def on(gw, client):
    """The client, talking HTTP to this cluster gateway."""
    c = Client(gw.http_url)
    c.cookies = dict(client.cookies)
    return c


def test_two_gateways_two_chats_exactly_once_in_order(cluster):
    g1, g2 = cluster.gateway(), cluster.gateway()
    room = "cl" + uuid.uuid4().hex[:10]
    senders = [register(cluster.stack) for _ in range(2)]
    receivers = [cluster.connect(g, f"/ws/chat/{room}/", cookie=senders[0][1].cookie_header())
                 for g in (g1, g2, g1, g2)]
    pubs = [cluster.connect(g, f"/ws/chat/{room}/", cookie=c.cookie_header())
            for g, (_, c) in zip((g1, g2), senders)]
    n = 100
    for i in range(n):
        for k, p in enumerate(pubs):
            p.send_json({"message": f"{k}:{i}"})
    expected = {f"{k}:{i}" for k in range(2) for i in range(n)}
    for r in receivers + pubs:
        got = []
        while len(got) < 2 * n:
            f = r.recv_json(10)
            if "message" in f and f.get("room") == room:
                got.append(f["message"])
        assert set(got) == expected and len(got) == 2 * n  # exactly once
        for k in range(2):
            mine = [int(m.split(":")[1]) for m in got if m.startswith(f"{k}:")]
            assert mine == list(range(n))  # each sender's order
        r.expect_silence(0.5)


def io_uring_supported():
    """Whether this kernel lets a process set up an io_uring (it may be
    switched off by sysctl, or refused by a seccomp profile)."""
    try:
        with open("/proc/sys/kernel/io_uring_disabled") as f:
            return f.read().strip() == "0"
    except FileNotFoundError:
        return True  # kernels before 6.6 have no such switch


# Both ways a shard writes a room frame to an idle socket: batched in io_uring
# (ws_uring.c) and one lws_write each, the path containers take by default.
WRITE_PATHS = [pytest.param("1", id="io_uring"), pytest.param("0", id="lws_write")]


def gauge(gw, name):
    metrics = urllib.request.urlopen(gw.ops_url + "/metrics").read().decode()
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    raise AssertionError(f"no {name} in {metrics}")


def shards_with_io_uring(gw):
    return gauge(gw, "echochat_gateway_ws_io_uring_shards")


@pytest.mark.parametrize("io_uring", WRITE_PATHS)
def test_shards_of_one_gateway_deliver_exactly_once_in_order(cluster, io_uring):
    """GATEWAY_WS_THREADS: sockets spread round-robin over the shards each get
    every frame once, in order, whichever shard the sender is on; with the
    frames batched in io_uring (GATEWAY_WS_IO_URING=1) or written one by one."""
    if io_uring == "1" and not io_uring_supported():
        pytest.skip("io_uring is switched off on this machine")
    gw = cluster.gateway(GATEWAY_WS_THREADS=3, GATEWAY_WS_IO_URING=io_uring)
    metrics = urllib.request.urlopen(gw.ops_url + "/metrics").read().decode()
    assert "echochat_gateway_ws_threads 3" in metrics, metrics
    assert shards_with_io_uring(gw) == (3 if io_uring == "1" else 0)
    room = "sh" + uuid.uuid4().hex[:10]
    _, c = register(cluster.stack)
    socks = [cluster.connect(gw, f"/ws/chat/{room}/", cookie=c.cookie_header()) for _ in range(7)]
    n = 60
    for i in range(n):
        socks[i % 3].send_json({"message": f"s{i % 3}:{i}"})
    for s in socks:
        got = []
        while len(got) < n:
            f = s.recv_json(10)
            if "message" in f and f.get("room") == room:
                got.append(f["message"])
        for k in range(3):
            mine = [int(m.split(":")[1]) for m in got if m.startswith(f"s{k}:")]
            assert mine == list(range(k, n, 3))  # each sender's order, exactly once
        s.expect_silence(0.5)
    for s in socks:
        s.close()


def tiny_window_socket(cluster, gw, room, client):
    """A chat socket with a 4 KiB receive buffer, for a reader that stalls."""
    import socket
    import websocket
    from lib.ws import WS
    conn = websocket.WebSocket(sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    conn.connect(f"{gw.ws_url}/ws/chat/{room}/", origin=cluster.stack.public_url,
                 header=[f"Cookie: {client.cookie_header()}"])
    return WS(conn)


def drain(ws):
    """Reads and drops frames until the socket goes quiet or closes
    (publishers hear their own messages too; they must keep reading)."""
    try:
        while True:
            ws.recv(20)
    except (TimeoutError, ConnectionError, OSError):
        pass


@pytest.mark.parametrize("io_uring", WRITE_PATHS)
def test_slow_reader_is_cut_without_delaying_others(cluster, io_uring):
    """A socket that stops reading fills its kernel buffer, then its queue,
    and is cut (1008); a reader beside it gets every frame in time. With
    io_uring the stalled socket's short and refused sends go to lws."""
    if io_uring == "1" and not io_uring_supported():
        pytest.skip("io_uring is switched off on this machine")
    gw = cluster.gateway(GATEWAY_WS_IO_URING=io_uring)
    assert shards_with_io_uring(gw) == (gauge(gw, "echochat_gateway_ws_threads") if io_uring == "1" else 0)
    room = "sl" + uuid.uuid4().hex[:10]
    name, c = register(cluster.stack)
    slow = tiny_window_socket(cluster, gw, room, c)  # never reads
    fast = cluster.connect(gw, f"/ws/chat/{room}/", cookie=c.cookie_header())
    pubs = [cluster.connect(gw, f"/ws/chat/{room}/", cookie=c.cookie_header()) for _ in range(4)]
    big = "\u00e9" * 500  # ~3 KB per frame on the wire (\u00e9 escapes)
    n = 2000  # 6 MB: more than the kernel buffers of the stalled socket absorb
    got = []

    def read_fast():
        while len(got) < n:
            f = fast.recv_json(15)
            if f.get("message", "").startswith("m"):
                got.append(f)

    t = threading.Thread(target=read_fast)
    t.start()
    for p in pubs:
        threading.Thread(target=drain, args=(p,), daemon=True).start()
    start = time.monotonic()
    for i in range(n):  # ~400/s over 4 sockets: within each socket's inbound flood guard
        pubs[i % 4].send_json({"message": f"m{i} {big}"})
        if i % 40 == 39:
            time.sleep(0.1)
    t.join(30)
    took = time.monotonic() - start
    assert len(got) == n, "the fast reader lost frames"
    assert took < 20, f"fast reader delayed: {took:.1f}s"
    metrics = urllib.request.urlopen(gw.ops_url + "/metrics").read().decode()
    assert "echochat_gateway_ws_slow_closed_total 1" in metrics, metrics
    assert slow.wait_closed(10) in (1008, 1006)  # cut, not kept forever
    for p in pubs:
        p.close()


@pytest.mark.parametrize("io_uring", WRITE_PATHS)
def test_stalled_reader_that_resumes_gets_every_frame_intact(cluster, io_uring):
    """A reader that stalls until its socket takes frames only in part (the
    tail of a frame stays with lws, the next frames wait in the queue) and then
    reads again gets every frame whole, once, in the room's and each sender's
    order; it is not cut, its queue never filled."""
    if io_uring == "1" and not io_uring_supported():
        pytest.skip("io_uring is switched off on this machine")
    gw = cluster.gateway(GATEWAY_WS_IO_URING=io_uring)
    room = "st" + uuid.uuid4().hex[:10]
    _, c = register(cluster.stack)
    stalled = tiny_window_socket(cluster, gw, room, c)
    pubs = [cluster.connect(gw, f"/ws/chat/{room}/", cookie=c.cookie_header()) for _ in range(4)]
    for p in pubs:
        threading.Thread(target=drain, args=(p,), daemon=True).start()
    big = "\u00e9" * 990  # ~6 KB per frame on the wire (\u00e9 escapes); "m<n> " + 990 ≤ 1000
    short = "echochat_gateway_ws_short_writes_total"
    before, sent = gauge(gw, short), 0

    def send_batch():  # ~400/s over 4 sockets: within each socket's flood guard
        nonlocal sent
        for _ in range(40):
            pubs[sent % 4].send_json({"message": f"m{sent} {big}"})
            sent += 1
        time.sleep(0.1)

    # Until the kernel buffers (several MB on loopback) are full, then a bit
    # more: 40-80 frames queued, far from the 256 that would cut the socket.
    while gauge(gw, short) == before:
        assert sent < 2000, "the stalled socket never refused part of a frame: " + "; ".join(l for l in urllib.request.urlopen(gw.ops_url + "/metrics").read().decode().splitlines() if "_ws_" in l and not l.startswith("#"))
        send_batch()
    send_batch()
    time.sleep(1)  # the last frames reach the gateway while nothing is read
    frames = [stalled.recv_json(15) for _ in range(sent)]
    stalled.expect_silence(0.5)
    assert sorted(f["message"] for f in frames) == sorted(f"m{i} {big}" for i in range(sent))
    ids = [f["id"] for f in frames]
    assert ids == sorted(ids)  # the room's order
    for k in range(4):  # each sender's order
        mine = [n for n in (int(f["message"].split()[0][1:]) for f in frames) if n % 4 == k]
        assert mine == list(range(k, sent, 4))
    for p in pubs:
        p.close()


def test_p8_resync_after_reconnect(cluster):
    gw = cluster.gateway()
    room = "rs" + uuid.uuid4().hex[:10]
    _, c = register(cluster.stack)
    me = cluster.connect(gw, f"/ws/chat/{room}/", cookie=c.cookie_header())
    me.send_json({"message": "before"})
    last = me.recv_json(5)["id"]
    me.close(1001)
    other = cluster.connect(gw, f"/ws/chat/{room}/", cookie=c.cookie_header())
    for i in range(3):
        other.send_json({"message": f"missed {i}"})
        other.recv_json(5)
    r = on(gw, c).get(f"/api/chat/rooms/{room}/messages/?after={last}&limit=50")
    assert r.status == 200, r
    msgs = r.json()["messages"]
    assert [m["content"] for m in msgs] == ["missed 0", "missed 1", "missed 2"]
    assert [m["id"] for m in msgs] == sorted(m["id"] for m in msgs)
