"""Presence over /ws/presence/ for guests (behaviours C.4: 116, 118, 119,
120-126 with guests; websocket.md §3, W4, W6, W8). Each test runs an isolated
cluster (private NATS, own presence with a short TTL/grace, own gateways) so
timings are short and nothing else's presence interferes."""

import time

import pytest

from lib.wscluster import Cluster, Watcher, drop, oversize_close_code

TTL, GRACE = 3, 1


@pytest.fixture
def cluster(stack):
    with Cluster(stack, presence_env={"PRESENCE_TTL": TTL, "PRESENCE_GRACE": GRACE}) as c:
        yield c


def guests(n):
    return lambda f: f.get("guests") == n


def test_116_guest_first_frame_counts_itself(cluster):
    gw = cluster.gateway()
    with cluster.connect(gw, "/ws/presence/?auth=0", ip="10.0.0.1") as ws:
        first = ws.recv_json(3)
        assert first == {"guests": 1}  # never "online" for guests


def test_118_two_tabs_one_ip_count_once(cluster):
    gw = cluster.gateway()
    a = cluster.connect(gw, "/ws/presence/", ip="10.0.0.1")
    assert a.recv_json(3) == {"guests": 1}
    b = cluster.connect(gw, "/ws/presence/", ip="10.0.0.1")
    assert b.recv_json(3) == {"guests": 1}
    c = cluster.connect(gw, "/ws/presence/", ip="10.0.0.2")
    assert c.recv_json(3) == {"guests": 2}
    Watcher(a).until(guests(2), 3)
    for w in (a, b, c):
        w.close()


def test_119_client_ip_headers_are_not_trusted(cluster):
    """W4: CF-Connecting-IP / X-Real-IP never count; X-Forwarded-For only from
    a trusted proxy (here: none, so the socket peer is the client)."""
    gw = cluster.gateway(TRUSTED_PROXIES="192.0.2.1/32")
    socks = [cluster.connect(gw, "/ws/presence/", headers=[h])
             for h in ("CF-Connecting-IP: 1.1.1.1", "X-Real-IP: 2.2.2.2",
                       "X-Forwarded-For: 3.3.3.3", "X-Forwarded-For: 4.4.4.4")]
    # every socket shares the one peer address: each first frame says 1
    for s in socks:
        assert s.recv_json(3) == {"guests": 1}
    for s in socks:
        s.close()


def test_120_clean_close_of_last_socket_removes_at_once(cluster):
    gw = cluster.gateway()
    obs = Watcher(cluster.connect(gw, "/ws/presence/", ip="10.0.0.9"))
    t1 = cluster.connect(gw, "/ws/presence/", ip="10.0.0.1")
    t2 = cluster.connect(gw, "/ws/presence/", ip="10.0.0.1")
    obs.until(guests(2), 3)
    t1.close(1001)
    time.sleep(0.5)
    assert obs.until(lambda f: True, 1) == {"guests": 2}  # one tab remains
    start = time.monotonic()
    t2.close(1000)
    obs.until(guests(1), 2)
    assert time.monotonic() - start < 1.0, "a clean close must show well within 1 s"


def test_121_122_abnormal_close_keeps_grace_then_pushes_expiry(cluster):
    gw = cluster.gateway()
    obs = Watcher(cluster.connect(gw, "/ws/presence/", ip="10.0.0.9"))
    t = cluster.connect(gw, "/ws/presence/", ip="10.0.0.1")
    obs.until(guests(2), 3)
    start = time.monotonic()
    drop(t)  # 1006: no close frame
    obs.until(guests(1), GRACE + 2)  # W8: the expiry itself is pushed (item 122)
    elapsed = time.monotonic() - start
    assert elapsed >= GRACE * 0.8, f"grace not honoured ({elapsed:.2f}s)"


def test_121_close_without_code_gets_grace(cluster):
    gw = cluster.gateway()
    obs = Watcher(cluster.connect(gw, "/ws/presence/", ip="10.0.0.9"))
    t = cluster.connect(gw, "/ws/presence/", ip="10.0.0.1")
    obs.until(guests(2), 3)
    start = time.monotonic()
    t.conn.send(b"", opcode=0x8)  # close frame without a code (1005)
    obs.until(guests(1), GRACE + 2)
    assert time.monotonic() - start >= GRACE * 0.8


def test_126_silent_socket_expires_after_ttl_and_ping_readds(cluster):
    gw = cluster.gateway()
    obs = Watcher(cluster.connect(gw, "/ws/presence/", ip="10.0.0.9"))
    silent = cluster.connect(gw, "/ws/presence/", ip="10.0.0.1")
    obs.until(guests(2), 3, ping_every=1)
    start = time.monotonic()
    obs.until(guests(1), TTL + 3, ping_every=1)  # TCP still open, no pings
    assert time.monotonic() - start >= TTL - 1.5
    silent.send_json({"type": "ping", "ts": 1})
    obs.until(guests(2), 2, ping_every=1)


def test_124_125_junk_frames_ignored_socket_stays(cluster):
    """W6: non-object JSON, binary, non-JSON and other types change nothing;
    W8: a ping that changes nothing visible sends nothing."""
    gw = cluster.gateway()
    ws = cluster.connect(gw, "/ws/presence/", ip="10.0.0.1")
    assert ws.recv_json(3) == {"guests": 1}
    for junk in ("[]", "5", "null", "\"x\"", "not json", "{\"type\": \"pong\"}", ""):
        ws.send_text(junk)
    ws.send_bytes(b"\x00\x01binary")
    ws.send_json({"type": "ping"})
    ws.expect_silence(1.0)
    other = cluster.connect(gw, "/ws/presence/", ip="10.0.0.2")
    assert other.recv_json(3) == {"guests": 2}
    assert ws.recv_json(2) == {"guests": 2}  # still open and served


def test_oversized_frame_closes_1009(cluster):
    gw = cluster.gateway()
    assert oversize_close_code(gw.ws_url, "/ws/presence/", cluster.stack.public_url) == 1009


def test_two_gateways_one_view(cluster):
    g1, g2 = cluster.gateway(), cluster.gateway()
    a = Watcher(cluster.connect(g1, "/ws/presence/", ip="10.0.0.1"))
    b = Watcher(cluster.connect(g2, "/ws/presence/", ip="10.0.0.2"))
    a.until(guests(2), 3)
    b.until(guests(2), 3)
    # the same IP through both gateways is still one guest
    c = cluster.connect(g2, "/ws/presence/", ip="10.0.0.1")
    assert c.recv_json(3) == {"guests": 2}


def test_kill9_gateway_removes_its_guests(cluster):
    g1, g2 = cluster.gateway(), cluster.gateway()
    obs = Watcher(cluster.connect(g1, "/ws/presence/", ip="10.0.0.1"))
    held = [cluster.connect(g2, "/ws/presence/", ip=f"10.0.1.{i}") for i in range(3)]
    obs.until(guests(4), 3, ping_every=1)
    start = time.monotonic()
    cluster.kill9(g2)
    # a dead gateway's contribution expires after max(TTL, 2.5 snapshot intervals = 5 s)
    obs.until(guests(1), max(TTL, 5) + 3, ping_every=1)
    assert time.monotonic() - start <= max(TTL, 5) + 2.5
    assert len(held) == 3


def test_join_storm_500_sockets_converges(cluster):
    gw = cluster.gateway()
    obs = Watcher(cluster.connect(gw, "/ws/presence/", ip="10.9.9.9"))
    socks = [cluster.connect(gw, "/ws/presence/", ip=f"10.1.{i // 250}.{i % 250}")
             for i in range(500)]
    start = time.monotonic()
    obs.until(guests(501), 5)
    took = time.monotonic() - start
    assert took < 3, f"converged only after {took:.2f}s"
    for s in socks:
        s.close()
    obs.until(guests(1), 5)


def test_restarted_presence_converges_from_snapshots(stack):
    """A presence instance that starts late (or restarts) learns the sockets
    opened before it from the gateways' periodic snapshots."""
    with Cluster(stack, presence_env={"PRESENCE_TTL": 30, "PRESENCE_GRACE": 1}) as cluster:
        gw = cluster.gateway()
        obs = Watcher(cluster.connect(gw, "/ws/presence/", ip="10.0.0.1"))
        second = cluster.connect(gw, "/ws/presence/", ip="10.0.0.2")
        obs.until(guests(2), 3)
        cluster.kill9(cluster.presences[0])
        cluster.start("presence", PRESENCE_TTL=30, PRESENCE_GRACE=1)
        third = cluster.connect(gw, "/ws/presence/", ip="10.0.0.3")
        # followed once the dead instance is stale (6 s); state from snapshots
        obs.until(guests(3), 12)
        assert second.recv_json(1) == {"guests": 2}
        assert third is not None
