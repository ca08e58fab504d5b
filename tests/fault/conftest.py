"""Fixtures of the fault suite: a dedicated stack, users, load, presence.

The suite brings up its own stack with scripts/stack.sh in $ECHOCHAT_FAULT_RUN_DIR
(default .run/fault, wiped first unless FAULT_KEEP_DATA=1) and tears it down at
the end (kept up with FAULT_KEEP_UP=1), so the stack other tests use is never touched. BUILD_DIR (default
build/, or build-asan/ with SANITIZE=1) selects the daemons.

Settings of that stack (RUN/extra.env): a short PRESENCE_TTL so presence
convergence is checked in seconds, PRESENCE_GRACE 1 s, and chat/auth rate
limits out of the way of the load.
"""

import os
import shutil
import time

import pytest

from lib.stack import Stack, http_status
from faultlib import Load, PresenceClient, Publisher, new_user, wait_for
from faultstack import EXTRA_ENV, run_dir, stack_sh, stack_up


@pytest.fixture(scope="session")
def stack():
    rd = run_dir()
    stack_sh("down")
    if os.environ.get("FAULT_KEEP_DATA") != "1" and rd.exists():
        shutil.rmtree(rd)
    rd.mkdir(parents=True, exist_ok=True)
    (rd / "extra.env").write_text("".join(f"{k}={v}\n" for k, v in EXTRA_ENV.items()))
    stack_up()
    s = Stack(rd / "stack.env")
    yield s
    if os.environ.get("FAULT_KEEP_UP") == "1":  # for post-mortems
        return
    r = stack_sh("down")
    assert r.returncode == 0, r.stderr


class Scenario:
    """One fault's world: a fresh room, two publishers, an observer on presence."""

    def __init__(self, stack):
        self.stack = stack
        self.origin = stack.public_url
        self.room = "f" + os.urandom(5).hex()
        self.users = [new_user(stack.public_url) for _ in range(3)]
        self.reader = self.users[0][1]  # reads history at the end
        self.cleanups = []

    def load(self, ws_urls_per_pub=None, n=2, tag=None):
        ws_urls_per_pub = ws_urls_per_pub or [[self.stack.gateway_ws_url]] * n
        pubs = [Publisher(name, c, urls, self.room, self.origin, tag or self.room)
                for (name, c), urls in zip(self.users[:n], ws_urls_per_pub)]
        ld = Load(pubs).start()
        self.cleanups.append(ld.stop)
        return ld

    def presence(self, user_index, ws_urls=None, reconnect=True):
        name, c = self.users[user_index]
        p = PresenceClient(name, c, ws_urls or [self.stack.gateway_ws_url], self.origin,
                           reconnect=reconnect)
        p.start()
        assert p.connected.wait(5), f"presence socket for {name} did not open"
        self.cleanups.append(p.stop)
        return p

    def names(self, *idx):
        return {self.users[i][0] for i in idx}

    def close(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:
                pass


def stack_healthy(stack):
    stack.reload()
    return http_status(stack.public_url + "/api/health/") == 200


@pytest.fixture
def scenario(stack):
    # Every fault starts from (and leaves) a healthy stack.
    if not stack_healthy(stack):
        stack_up()
    wait_for(lambda: stack_healthy(stack), 60, what="a healthy fault stack")
    sc = Scenario(stack)
    t0 = time.monotonic()
    yield sc
    sc.close()
    stack_up()
    stack.reload()
    print(f"[fault] scenario took {time.monotonic() - t0:.1f}s")
