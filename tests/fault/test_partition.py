"""Fault 7: a network partition between a chat instance and NATS (issue 9).

A second chat instance runs in a network namespace this test creates; it
reaches NATS and PostgreSQL through a veth pair (forwarded to the stack's
127.0.0.1 listeners). Under chat load, iptables inside the namespace silently
drops its NATS traffic — packets vanish, nothing is reset, so neither side
learns of it except by its own keep-alive — then the rule is removed.

Asserted: the partitioned instance's /readyz says "nats: not connected"
within nats.c's ping window (bus.c: 5 s interval, 2 outstanding); messages
keep being acknowledged by the healthy instance meanwhile (a sender whose post
went to the partitioned side retries its client_id); every acknowledged
message is stored exactly once; after healing the instance reconnects by
itself and stores messages again; room subscribers never see a message twice
or out of id order.
"""

import os
import re
import subprocess
import time

import urllib.request

import pytest

from faultlib import Subscriber, get_json, history, readyz_reason, wait_for
from test_faults import recovered

# nats.c notices a silent server after PingInterval x (MaxPingsOut + 1) at most.
NATS_STALE_DETECT_S = 5 * 3
ROOT_NEEDED = os.getuid() == 0


def stored_total(ops_url):
    try:
        text = urllib.request.urlopen(ops_url + "/metrics", timeout=2).read().decode()
    except OSError:
        return None
    m = re.search(r"^echochat_chat_messages_stored_total(?:\{[^}]*\})? (\d+)", text, re.M)
    return int(m.group(1)) if m else 0


@pytest.mark.skipif(not ROOT_NEEDED, reason="network namespaces need root")
def test_partition_chat_from_nats(scenario):
    from netns import Forwarder, Netns
    sc, st = scenario, scenario.stack
    ns = Netns()
    sc.cleanups.append(ns.close)
    nats_port = int(st.env["NATS_URL"].rsplit(":", 1)[1])
    pg_port = int(st.env["PGPORT"])
    fwd_nats, fwd_pg = Forwarder(ns.host_ip, nats_port), Forwarder(ns.host_ip, pg_port)
    sc.cleanups += [fwd_nats.close, fwd_pg.close]

    env = dict(st.daemon_env("chat"))
    env.update(NATS_URL=f"nats://{ns.host_ip}:{fwd_nats.port}",
               DATABASE_URL=f"postgres://postgres@{ns.host_ip}:{fwd_pg.port}/echochat",
               OPS_HOST=ns.ns_ip, OPS_PORT="9102")
    log = open(st.run_dir / "logs" / "chat-netns.log", "ab")
    proc = subprocess.Popen(ns.exec_prefix() + [str(st.binary("chat"))],
                            env={"PATH": os.environ["PATH"], **env}, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, cwd=str(st.run_dir),
                            start_new_session=True)

    def stop_chat2():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
    sc.cleanups.append(stop_chat2)
    ops2 = f"http://{ns.ns_ip}:9102"
    wait_for(lambda: get_json(ops2 + "/readyz")[0] == 200, 30, what="chat in the namespace ready")

    sub = Subscriber(st.gateway_ws_url, sc.room, sc.origin, sc.users[2][1])
    sc.cleanups.append(sub.stop)
    obs = sc.presence(2)
    sc.presence(0)
    load = sc.load()
    load.wait_flowing(10, 15)
    # Both chat instances take posts (one NATS queue group).
    wait_for(lambda: (stored_total(ops2) or 0) >= 3, 15, what="the namespaced chat to store posts")

    ns.block(fwd_nats.port)
    t = time.monotonic()
    try:
        got, took = wait_for(lambda: (r := readyz_reason(ops2)) and r[0] == 503 and r,
                             NATS_STALE_DETECT_S + 5, interval=0.2,
                             what="partitioned chat /readyz to report it")
        assert "nats" in got[1], got
        print(f"[fault] partitioned chat reported '{got[1]}' after {took:.1f}s")
        # The healthy instance keeps the room going meanwhile — at reduced
        # rate: nats-server keeps routing half the posts to the silent
        # member until its own keep-alive drops it (tests/fault/README.md).
        time.sleep(2)
        acks = load.acks_since(t)
        assert acks > 0, "no message acknowledged during the partition"
        errs = load.errors()
    finally:
        ns.unblock(fwd_nats.port)
    healed = time.monotonic()
    print("[fault] timeline", load.timeline(t - 3))
    _, back = wait_for(lambda: get_json(ops2 + "/readyz")[0] == 200, 30, interval=0.2,
                       what="the namespaced chat to reconnect")
    print(f"[fault] partition lasted {healed - t:.1f}s; {acks} acknowledged, errors {errs}; "
          f"reconnected {back:.1f}s after healing")
    before = stored_total(ops2)
    wait_for(lambda: stored_total(ops2) > before, 20,
             what="the reconnected chat to store posts again")
    recovered(sc, load, obs, present=(0, 2))
    # Not asserted: a message the cut instance committed but could not
    # broadcast reaches other readers only when they resync, and nothing
    # tells them to (tests/fault/README.md, "Found, not fixed" 1).
    sub.check(history(sc.reader, sc.room), complete=False)
