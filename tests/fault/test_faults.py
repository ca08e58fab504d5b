"""Fault injection under steady chat load (issue 9): kill -9 of each daemon,
a second gateway killed, nats-server and PostgreSQL restarted.

For every fault: no acknowledged message is lost and none is stored twice
(P6, P7), the fault is reported by /readyz or /api/health/ while it lasts,
sockets on a dead gateway are closed, presence converges within PRESENCE_TTL
(websocket.md §3.2), and the stack recovers through `scripts/stack.sh up`
alone, with new messages flowing end to end afterwards.
"""

import os
import signal
import subprocess
import time

from faultstack import PRESENCE_TTL, stack_up
from faultlib import Subscriber, check_history, get_json, history, new_user, readyz_reason, wait_for

# The gateway closes a socket after 50 s without a valid frame (docs/websocket.md);
# no client may believe it is connected to a dead gateway for longer than that.
GATEWAY_KEEPALIVE_S = 50
# A fault must show in /readyz or /api/health/ within this (health probes time out at 2 s).
REPORT_WITHIN_S = 10


def health_reports(stack, service):
    """The gateway's /api/health/ is 503 and names `service` as not ready: its reason."""
    status, body = get_json(stack.public_url + "/api/health/", timeout=5)
    if status != 503 or not body:
        return None
    entry = body.get("services", {}).get(service, {})
    return entry.get("reason") if entry.get("ready") is False else None


def kill9(pid):
    os.kill(pid, signal.SIGKILL)
    t = time.monotonic()
    wait_for(lambda: not os.path.exists(f"/proc/{pid}") or _zombie(pid), 5, what=f"pid {pid} gone")
    return t


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] == "Z"
    except OSError:
        return True


def assert_outage(load, since, seconds, expect_acks):
    """Over `seconds` from now, the load either keeps being acknowledged (a fault
    the chat path does not depend on) or is not (chat unreachable)."""
    time.sleep(seconds)
    n = load.acks_since(since)
    if expect_acks:
        assert n > 0, "chat stopped although the fault does not touch the chat path"
    else:
        assert n == 0, f"{n} messages acknowledged while chat could not store them"


def recovered(sc, load, obs, present, absent=()):
    """New messages flow end to end and presence shows exactly the expected users."""
    took = load.wait_flowing(n=10, timeout=30, what="messages to flow after recovery")
    want, gone = sc.names(*present), sc.names(*absent)
    conv = obs.wait_online(lambda s: want <= s and not (gone & s), PRESENCE_TTL,
                           f"{sorted(want)} online, {sorted(gone)} not")
    load.stop()
    stats = check_history(sc.reader, sc.room, load)
    print(f"[fault] flow back in {took:.1f}s, presence converged in {conv:.1f}s, "
          f"history {stats}, client-side errors {load.errors()}")
    return stats


def test_kill9_chat(scenario):
    sc, st = scenario, scenario.stack
    obs = sc.presence(2)
    sc.presence(0)
    load = sc.load()
    load.wait_flowing(10, 15)
    t = kill9(st.pid("chat"))
    reason, _ = wait_for(lambda: health_reports(st, "chat"), REPORT_WITHIN_S,
                         what="/api/health/ to report chat")
    assert readyz_reason(st.ops_url("chat")) == (None, None)
    print(f"[fault] health during the outage: chat: {reason}")
    # In-flight posts end within the gateway's 2 s post timeout; after that none
    # can be acknowledged until chat is back.
    assert_outage(load, t + 2.5, 3, expect_acks=False)
    stack_up()
    recovered(sc, load, obs, present=(0, 2))


def test_kill9_auth(scenario):
    sc, st = scenario, scenario.stack
    obs = sc.presence(2)
    sc.presence(0)
    load = sc.load()
    load.wait_flowing(10, 15)
    t = kill9(st.pid("auth"))
    reason, _ = wait_for(lambda: health_reports(st, "auth"), REPORT_WITHIN_S,
                         what="/api/health/ to report auth")
    print(f"[fault] health during the outage: auth: {reason}")
    # Open sockets keep chatting (their sessions are resolved already) ...
    assert_outage(load, t, 2, expect_acks=True)
    # ... while what needs auth fails fast with a server error, not a hang or a 500 page.
    c = sc.users[2][1]
    start = time.monotonic()
    r = c.post("/api/auth/login/", json={"username": sc.users[2][0], "password": "pass12345"})
    assert r.status in (502, 503, 504), r
    assert time.monotonic() - start < GATEWAY_KEEPALIVE_S
    stack_up()
    r = c.post("/api/auth/login/", json={"username": sc.users[2][0], "password": "pass12345"})
    assert r.status == 200, r
    recovered(sc, load, obs, present=(0, 2))


def test_kill9_presence(scenario):
    sc, st = scenario, scenario.stack
    obs = sc.presence(2)
    sc.presence(0)
    leaver = sc.presence(1)
    obs.wait_online(lambda s: sc.names(0, 1, 2) <= s, PRESENCE_TTL, "everyone online")
    load = sc.load()
    load.wait_flowing(10, 15)
    t = kill9(st.pid("presence"))
    reason, _ = wait_for(lambda: health_reports(st, "presence"), REPORT_WITHIN_S,
                         what="/api/health/ to report presence")
    print(f"[fault] health during the outage: presence: {reason}")
    leaver.stop()  # leaves while nobody keeps presence state
    assert_outage(load, t, 2, expect_acks=True)
    stack_up()
    recovered(sc, load, obs, present=(0, 2), absent=(1,))


def test_kill9_one_of_two_gateways(scenario):
    sc, st = scenario, scenario.stack
    gw1 = st.gateway_ws_url
    gw2 = st.extra("gateway")
    gw2.start()
    sc.cleanups.append(gw2.stop)
    gw2.wait_ready()
    obs = sc.presence(2, [gw1])
    sc.presence(0, [gw1])
    on_gw2 = sc.presence(1, [gw2.ws_url], reconnect=False)
    obs.wait_online(lambda s: sc.names(0, 1, 2) <= s, PRESENCE_TTL, "everyone online")
    # Publisher 0 on gateway 1; publisher 1 on gateway 2, failing over to gateway 1.
    load = sc.load([[gw1], [gw2.ws_url, gw1]])
    load.wait_flowing(10, 15)
    pub2 = load.publishers[1]
    assert pub2.connected_to == gw2.ws_url
    os.killpg(gw2.proc.pid, signal.SIGKILL)
    t = time.monotonic()
    gw2.proc.wait(5)
    # The sockets on the dead gateway are closed, not left believing they are live.
    closed, _ = wait_for(lambda: on_gw2.closed_at, GATEWAY_KEEPALIVE_S,
                         what="the presence socket on the dead gateway to close")
    print(f"[fault] socket on the dead gateway closed after {closed - t:.2f}s")
    assert http_status_none(gw2.ops_url + "/readyz")
    wait_for(lambda: pub2.connected_to == gw1, 10, what="publisher 1 to fail over to gateway 1")
    # Its user disappears from presence within the TTL (the dead gateway's
    # contribution expires; websocket.md: max(TTL, 2.5 x snapshot interval)).
    gone = obs.wait_online(lambda s: not (sc.names(1) & s), PRESENCE_TTL + 1,
                           "the dead gateway's user gone")
    print(f"[fault] dead gateway's user left presence after {gone:.1f}s")
    assert get_json(st.public_url + "/api/health/")[0] == 200
    recovered(sc, load, obs, present=(0, 2), absent=(1,))


def http_status_none(url):
    return get_json(url, timeout=2)[0] is None


def test_restart_nats(scenario):
    sc, st = scenario, scenario.stack
    obs = sc.presence(2)
    sc.presence(0)
    leaver = sc.presence(1)
    obs.wait_online(lambda s: sc.names(0, 1, 2) <= s, PRESENCE_TTL, "everyone online")
    sub = Subscriber(st.gateway_ws_url, sc.room, sc.origin, sc.users[2][1])
    sc.cleanups.append(sub.stop)
    load = sc.load()
    load.wait_flowing(10, 15)
    nats = st.pid("nats")
    os.kill(nats, signal.SIGTERM)
    t = time.monotonic()
    wait_for(lambda: _zombie(nats), 10, what="nats-server to exit")
    # Every daemon reports it lost NATS.
    for name in ("auth", "chat", "presence", "gateway"):
        got, _ = wait_for(lambda: readyz_reason(st.ops_url(name)), REPORT_WITHIN_S,
                          what=f"{name} /readyz to report nats")
        assert got[0] == 503 and "nats" in got[1], (name, got)
    leaver.stop()
    assert_outage(load, t + 2.5, 2, expect_acks=False)
    stack_up()
    recovered(sc, load, obs, present=(0, 2), absent=(1,))
    # A message stored while NATS was away never travels as a room event: the
    # gateway closes chat sockets (1012) once its events connection is back,
    # and a reader that resyncs like the frontend (P8) misses nothing.
    sub.check(history(sc.reader, sc.room))
    assert sub.close_codes, "the room reader's socket was not closed to resync"


def test_restart_postgres(scenario):
    sc, st = scenario, scenario.stack
    obs = sc.presence(2)
    sc.presence(0)
    load = sc.load()
    load.wait_flowing(10, 15)
    pg_ctl = sorted(p for p in os.listdir("/usr/lib/postgresql"))[-1]
    cmd = [f"/usr/lib/postgresql/{pg_ctl}/bin/pg_ctl", "-D", str(st.run_dir / "pg"), "-m", "fast",
           "-w", "stop"]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    t = time.monotonic()
    for name in ("auth", "chat", "presence"):
        got, _ = wait_for(lambda: readyz_reason(st.ops_url(name)), REPORT_WITHIN_S,
                          what=f"{name} /readyz to report postgres")
        assert got[0] == 503 and "postgres" in got[1], (name, got)
    assert_outage(load, t + 2.5, 2, expect_acks=False)
    stack_up()
    # Sessions, logins and registrations need auth's database again.
    new_user(st.public_url)
    recovered(sc, load, obs, present=(0, 2))
