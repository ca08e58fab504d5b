"""Foundation: the stack is up, every daemon answers its ops endpoints, the
gateway answers health, a killed daemon comes back with `stack.sh up`, and a
second instance on a busy ops port fails clearly."""

import os
import re
import signal
import socket

import pytest

from lib.rawhttp import request
from lib.stack import DAEMONS, wait_until

BACKENDS = ("auth", "chat", "presence")


# ------------------------------------------------------------------ gateway --

def test_root_is_health_ok(stack):
    """behaviours item 15: GET / on the backend -> 200 {"status": "ok"}."""
    r = request(stack.gateway_http_url + "/")
    assert r.status == 200, r
    assert r.header("Content-Type", "").startswith("application/json")
    assert r.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/api/nope/", "/nope", "/api/chat/nope/", "/api/auth/nope/"])
def test_13_unknown_path_is_json_404(stack, path):
    """behaviours items 13 and 17 (D9): unknown paths → 404 with a JSON body, for paths
    the gateway routes itself and for paths a daemon routes."""
    r = request(stack.gateway_http_url + path)
    assert r.status == 404, r
    assert r.header("Content-Type", "").startswith("application/json")
    assert r.json()["error"] == "Not found"


def _service_ready(doc, name):
    """Is `name` reported ready in a /api/health/ document? Accepts the service
    at top level or under "services"/"checks", as true, "ok"/"ready", or an
    object with "ready": true or "status": "ok"/"ready"."""
    for container in (doc, doc.get("services"), doc.get("checks")):
        if isinstance(container, dict) and name in container:
            v = container[name]
            if isinstance(v, dict):
                return v.get("ready") is True or v.get("status") in ("ok", "ready")
            return v is True or v in ("ok", "ready")
    return False


def test_api_health_reports_backends_ready(stack):
    r = request(stack.gateway_http_url + "/api/health/")
    assert r.status == 200, r
    doc = r.json()
    assert isinstance(doc, dict), doc
    for name in BACKENDS:
        assert _service_ready(doc, name), f"{name} not ready in {doc}"


# ------------------------------------------------------------- ops endpoints --

@pytest.mark.parametrize("name", DAEMONS)
def test_livez(stack, name):
    r = request(stack.ops_url(name) + "/livez")
    assert r.status == 200, r


@pytest.mark.parametrize("name", DAEMONS)
def test_readyz(stack, name):
    r = request(stack.ops_url(name) + "/readyz")
    assert r.status == 200, r


METRIC_LINE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfNa]+( -?\d+)?$")


@pytest.mark.parametrize("name", DAEMONS)
def test_metrics_prometheus_text(stack, name):
    r = request(stack.ops_url(name) + "/metrics")
    assert r.status == 200, r
    assert r.header("Content-Type", "").startswith("text/plain"), r.headers
    lines = [ln for ln in r.text.splitlines() if ln.strip()]
    samples = [ln for ln in lines if not ln.startswith("#")]
    bad = [ln for ln in samples if not METRIC_LINE.match(ln)]
    assert not bad, f"not Prometheus text format: {bad[:5]}"
    assert any(ln.startswith("echochat_") for ln in samples), f"no echochat_ metric in:\n{r.text[:1000]}"
    for ln in lines:
        if ln.startswith("# "):
            assert re.match(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ", ln), ln


def test_readyz_is_503_json_when_not_ready(stack, extra):
    """An extra auth instance whose database is unreachable is alive but not ready:
    /livez 200, /readyz 503 with a JSON body."""
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    inst = extra("auth", start=False, DATABASE_URL=f"postgres://postgres@127.0.0.1:{dead_port}/echochat")
    inst.start()

    def probe():
        if inst.proc.poll() is not None:
            return "exited"
        try:
            return request(inst.ops_url + "/livez", timeout=2).status == 200 and "live"
        except OSError:
            return None

    if wait_until(probe, 30, what="extra auth /livez") == "exited":
        pytest.skip("auth exits when PostgreSQL is unreachable at start-up (allowed: fail fast)")
    r = request(inst.ops_url + "/readyz")
    assert r.status == 503, r
    assert isinstance(r.json(), dict), r


# ------------------------------------------------------------------- faults --

@pytest.mark.parametrize("name", DAEMONS)
def test_kill9_then_stack_up_restores(stack, name):
    """kill -9 a daemon; `scripts/stack.sh up` restarts only that one and the
    stack is ready again (so later tests see a whole stack)."""
    stack.reload()
    old_pid = stack.pid(name)
    others = {n: stack.pid(n) for n in DAEMONS if n != name}
    assert old_pid, f"no PID_{name.upper()} in {stack.path}"
    os.kill(old_pid, signal.SIGKILL)
    wait_until(lambda: not _alive(old_pid), 10, what=f"{name} to die")

    result = stack.stack_sh("up")
    assert result.returncode == 0, result.stdout + result.stderr
    stack.reload()
    new_pid = stack.pid(name)
    assert new_pid and new_pid != old_pid
    assert _alive(new_pid)
    assert {n: stack.pid(n) for n in others} == others, "healthy daemons were restarted"
    for n in DAEMONS:
        assert request(stack.ops_url(n) + "/readyz").status == 200, n
    assert request(stack.gateway_http_url + "/").status == 200


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("name", DAEMONS)
def test_second_instance_on_busy_ops_port_fails_clearly(stack, extra, name):
    busy_port = stack.ops_url(name).rsplit(":", 1)[1]
    inst = extra(name, start=False, OPS_PORT=busy_port)
    inst.start()
    try:
        code = inst.wait_exit(timeout=30)
    except Exception:
        pytest.fail(f"{name} kept running with its ops port {busy_port} taken:\n{inst.output()[-2000:]}")
    out = inst.output()
    assert code != 0, out
    assert busy_port in out or re.search(r"in use|bind|listen", out, re.I), \
        f"error does not say what failed:\n{out[-2000:]}"
    # the stack's own instance is unaffected
    assert request(stack.ops_url(name) + "/readyz").status == 200


@pytest.mark.parametrize("name", BACKENDS)
def test_two_instances_started_at_once_apply_migrations_once(stack, extra, name):
    """issue 2 (done when): two instances of one daemon starting together on an
    empty database both come up, and each migration is recorded exactly once
    (the runner holds an advisory lock per schema)."""
    import subprocess
    import uuid
    from urllib.parse import urlsplit, urlunsplit
    db = "mig_" + uuid.uuid4().hex[:10]
    base = stack["DATABASE_URL"]
    subprocess.run(["psql", base, "-qc", f"CREATE DATABASE {db}"], check=True)
    u = urlsplit(base)
    url = urlunsplit((u.scheme, u.netloc, "/" + db, u.query, u.fragment))
    try:
        a = extra(name, start=False, DATABASE_URL=url)
        b = extra(name, start=False, DATABASE_URL=url)
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        out = subprocess.run(["psql", url, "-Atc",
                              f"SELECT version, count(*) FROM {name}.schema_migrations GROUP BY version"],
                             check=True, capture_output=True, text=True).stdout.split()
        versions = [line.split("|") for line in out]
        assert versions and all(count == "1" for _, count in versions), versions
        applied = sum(1 for o in (a.output(), b.output()) for line in o.splitlines()
                      if "migrate: applied" in line)
        assert applied == len(versions), (a.output(), b.output())
    finally:
        for inst in (a, b) if "b" in locals() else ():
            inst.stop()
        subprocess.run(["psql", base, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])
