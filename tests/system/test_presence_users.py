"""Presence for signed-in users (behaviours C.4: 117, 120, 121, 127; W7)."""

import time

import pytest

from lib.wscluster import Cluster, Watcher, drop, register

TTL, GRACE = 5, 1


@pytest.fixture
def cluster(stack):
    with Cluster(stack, presence_env={"PRESENCE_TTL": TTL, "PRESENCE_GRACE": GRACE},
                 auth=True) as c:
        yield c


def names(frame):
    return [u["username"] for u in frame.get("online", [])]


def test_117_127_user_first_frame_lists_itself_in_order(cluster):
    gw = cluster.gateway()
    a, ca = register(cluster.stack)
    b, cb = register(cluster.stack)
    wa = cluster.connect(gw, "/ws/presence/?auth=1", cookie=ca.cookie_header())
    fa = wa.recv_json(3)
    assert list(fa) == ["online", "guests"] and names(fa) == [a]
    assert list(fa["online"][0]) == ["username", "profileImage"]
    assert fa["online"][0]["profileImage"].endswith("/media/default.jpg")
    wb = cluster.connect(gw, "/ws/presence/", cookie=cb.cookie_header())
    assert names(wb.recv_json(3)) == [a, b]  # first-insertion order
    assert names(Watcher(wa).until(lambda f: len(names(f)) == 2, 3)) == [a, b]
    # a guest never sees usernames, and a user is never counted as a guest
    g = cluster.connect(gw, "/ws/presence/", ip="10.3.3.3")
    assert g.recv_json(3) == {"guests": 1}


def test_120_multitab_user_clean_close(cluster):
    gw = cluster.gateway()
    u, c = register(cluster.stack)
    obs = Watcher(cluster.connect(gw, "/ws/presence/", ip="10.0.0.9"))
    watcher_user, cw = register(cluster.stack)
    w = Watcher(cluster.connect(gw, "/ws/presence/", cookie=cw.cookie_header()))
    t1 = cluster.connect(gw, "/ws/presence/", cookie=c.cookie_header())
    t2 = cluster.connect(gw, "/ws/presence/", cookie=c.cookie_header())
    w.until(lambda f: names(f) == [watcher_user, u], 3)
    t1.close(1001)
    time.sleep(0.6)
    assert u in names(w.until(lambda f: True, 1))
    t2.close(1000)
    w.until(lambda f: names(f) == [watcher_user], 1.5)
    assert obs.until(lambda f: "guests" in f, 1)["guests"] == 1


def test_121_user_dropped_stays_for_grace(cluster):
    gw = cluster.gateway()
    u, c = register(cluster.stack)
    v, cv = register(cluster.stack)
    w = Watcher(cluster.connect(gw, "/ws/presence/", cookie=cv.cookie_header()))
    t = cluster.connect(gw, "/ws/presence/", cookie=c.cookie_header())
    w.until(lambda f: u in names(f), 3)
    start = time.monotonic()
    drop(t)
    w.until(lambda f: u not in names(f), GRACE + 2)
    assert time.monotonic() - start >= GRACE * 0.8


def test_user_on_two_gateways_counts_once(cluster):
    g1, g2 = cluster.gateway(), cluster.gateway()
    u, c = register(cluster.stack)
    a = cluster.connect(g1, "/ws/presence/", cookie=c.cookie_header())
    b = cluster.connect(g2, "/ws/presence/", cookie=c.cookie_header())
    assert names(a.recv_json(3)) == [u]
    assert names(b.recv_json(3)) == [u]
    a.close(1000)  # still connected through g2
    time.sleep(0.8)
    v, cv = register(cluster.stack)
    w = cluster.connect(g1, "/ws/presence/", cookie=cv.cookie_header())
    assert names(w.recv_json(3)) == [u, v]


def test_w7_logout_closes_presence_and_removes_user(cluster):
    gw = cluster.gateway()
    u, c = register(cluster.stack)
    v, cv = register(cluster.stack)
    w = Watcher(cluster.connect(gw, "/ws/presence/", cookie=cv.cookie_header()))
    t = cluster.connect(gw, "/ws/presence/", cookie=c.cookie_header())
    w.until(lambda f: u in names(f), 3)
    # log out through this cluster's gateway, so its auth publishes the revocation here
    c.base_url = gw.http_url
    c.headers["Origin"] = gw.http_url
    assert c.post("/api/auth/logout/", json={}).status == 200
    assert t.wait_closed(5) == 4401
    w.until(lambda f: u not in names(f), 2)


def test_w7_rename_moves_the_online_entry(cluster):
    """W7 / issue 5: a renamed user shows under the new name at once, not
    twice and not under the old one."""
    gw = cluster.gateway()
    u, c = register(cluster.stack)
    v, cv = register(cluster.stack)
    w = Watcher(cluster.connect(gw, "/ws/presence/", cookie=cv.cookie_header()))
    cluster.connect(gw, "/ws/presence/", cookie=c.cookie_header())
    w.until(lambda f: u in names(f), 3)
    new = u + "_r"
    # renamed through this cluster's gateway, so its auth publishes user_updated here
    c.base_url = gw.http_url
    c.headers["Origin"] = gw.http_url
    c.csrf()
    assert c.post("/api/auth/profile/", json={"username": new}).status == 200
    f = w.until(lambda f: new in names(f), 3)
    assert u not in names(f) and names(f).count(new) == 1
