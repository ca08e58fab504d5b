"""Shared pytest fixtures for EchoChat's system tests.

The stack under test is described by a stack.env file written by
``scripts/stack.sh up``: $ECHOCHAT_STACK_ENV, else .run/test/stack.env (the
stack ``make test`` brings up), else .run/stack.env (a dev stack from ``make up``).

Fixtures:
  stack      lib.stack.Stack for that file (session-wide; call .reload() after changing it)
  base_url   the public URL (what a browser would use)
  client     a fresh lib.rawhttp.Client on base_url, same-origin, from its own
             loopback address (lib.stack.loopback_ip()): its own client IP, so
             rate-limit counters of different tests never mix
  new_client factory: new_client(origin=..., source_ip=..., base_url=...) -> Client
             from its own loopback address; new_client(forwarded_for="10.1.2.3")
             -> Client from 127.0.0.1 whose client IP is 10.1.2.3

The client IP: 127.0.0.1 is a trusted proxy (TRUSTED_PROXIES), for the gateway
and for nginx alike, so a client connecting from 127.0.0.1 names its IP with
X-Forwarded-For (forwarded_for=). From any other address (source_ip=, any
127/8 address; what client and new_client() use) X-Forwarded-For is ignored
and that address is the client IP: a real client, whose header cannot change
its IP (D1, W4).
  extra      factory for extra daemon instances, stopped at test end:
             extra("chat") -> started and ready; extra("auth", start=False, OPS_PORT=...)

Helpers live in tests/lib (rawhttp, ws, stack).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib.rawhttp import Client  # noqa: E402
from lib.stack import Stack, loopback_ip, stack_env_path  # noqa: E402


@pytest.fixture(scope="session")
def stack():
    path = stack_env_path()
    if not path.exists():
        pytest.fail(f"no stack env file at {path}: bring a stack up (make up, or make test-system)",
                    pytrace=False)
    return Stack(path)


@pytest.fixture
def base_url(stack):
    return stack.public_url


@pytest.fixture
def client(stack):
    return Client(stack.public_url, source_ip=loopback_ip())


@pytest.fixture
def new_client(stack):
    def make(base_url=None, **kw):
        if kw.get("forwarded_for") is None:
            kw.setdefault("source_ip", loopback_ip())
        return Client(base_url or stack.public_url, **kw)
    return make


@pytest.fixture
def extra(stack):
    instances = []

    def make(name, start=True, **overrides):
        inst = stack.extra(name, **overrides)
        instances.append(inst)
        if start:
            inst.start()
            inst.wait_ready()
        return inst

    yield make
    for inst in instances:
        inst.stop()
