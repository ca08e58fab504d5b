"""The running stack as tests see it: env files, URLs, pids, extra instances.

``scripts/stack.sh up`` writes RUN/stack.env (URLs, pids, ...) and one env file
per daemon, RUN/env/<name>.env, holding exactly the environment that daemon was
started with. ``Stack`` reads them; ``DaemonInstance`` starts one more copy of a
daemon from its env file on fresh ports (multi-instance and fault tests).
"""

import os
import shlex
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAEMONS = ("auth", "chat", "presence", "gateway")


def read_env_file(path):
    """Parse a KEY=VALUE file (shell quoting allowed, comments skipped) into a dict."""
    env = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        parts = shlex.split(value, posix=True) if value else []
        env[key.strip()] = parts[0] if parts else ""
    return env


def stack_env_path():
    """$ECHOCHAT_STACK_ENV, else .run/test/stack.env, else .run/stack.env."""
    explicit = os.environ.get("ECHOCHAT_STACK_ENV")
    if explicit:
        return Path(explicit)
    for candidate in (ROOT / ".run/test/stack.env", ROOT / ".run/stack.env"):
        if candidate.exists():
            return candidate
    return ROOT / ".run/test/stack.env"


_handed_out = set()


def free_port():
    """A TCP port that is free on 127.0.0.1 right now (below the ephemeral range)
    and was not handed out before by this process: two calls made before either
    port is bound (OPS_PORT and GATEWAY_HTTP_PORT of one instance) never agree."""
    import random
    for _ in range(200):
        port = random.randint(20000, 32000)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port")


_loopback_seq = 0


def loopback_ip():
    """A fresh 127.a.b.c source address (not 127.0.0.x) for one test client.

    Linux accepts any 127/8 address as a local source, so a client bound to
    its own address is a distinct client IP for the gateway and for nginx:
    rate-limit counters and guest presence of different tests stay apart,
    also through nginx, which overwrites X-Forwarded-For with the peer."""
    import random
    global _loopback_seq
    _loopback_seq += 1
    n = (random.randrange(1 << 16) << 8 | _loopback_seq) % (254 * 254 * 254)
    return f"127.{1 + n // (254 * 254)}.{1 + n // 254 % 254}.{1 + n % 254}"


def http_status(url, timeout=2.0):
    """Status code of a GET, or None if nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):
        return None


def wait_until(predicate, timeout=30.0, interval=0.1, what="condition"):
    """Poll predicate() until truthy; return its value or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Stack:
    """A view of stack.env. Re-read with reload() after the stack changed."""

    def __init__(self, path=None):
        self.path = Path(path) if path else stack_env_path()
        self.reload()

    def reload(self):
        self.env = read_env_file(self.path)
        return self

    def __getitem__(self, key):
        return self.env[key]

    @property
    def run_dir(self):
        return Path(self.env["RUN_DIR"])

    @property
    def build_dir(self):
        return Path(self.env["BUILD_DIR"])

    @property
    def public_url(self):
        return self.env["PUBLIC_URL"]

    @property
    def gateway_http_url(self):
        return self.env["GATEWAY_HTTP_URL"]

    @property
    def gateway_ws_url(self):
        return self.env["GATEWAY_WS_URL"]

    def ops_url(self, name):
        return self.env[f"OPS_URL_{name.upper()}"]

    def pid(self, name):
        value = self.env.get(f"PID_{name.upper()}", "")
        return int(value) if value else None

    def daemon_env(self, name):
        """The environment daemon `name` was started with (RUN/env/<name>.env)."""
        return read_env_file(self.run_dir / "env" / f"{name}.env")

    def binary(self, name):
        return self.build_dir / "bin" / f"echochat-{name}"

    def log_path(self, name):
        return self.run_dir / "logs" / f"{name}.log"

    # Settings stack.sh takes from its caller's environment; taken from the
    # running daemons instead, so `up` sees nothing changed and keeps them.
    PASSED_THROUGH = ("LOG_LEVEL", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")

    def stack_sh(self, *args, timeout=300):
        """Run scripts/stack.sh ARGS against this stack's run dir and build dir."""
        env = dict(os.environ, ECHOCHAT_RUN_DIR=str(self.run_dir), BUILD_DIR=str(self.build_dir))
        started_with = self.daemon_env("auth")
        for key in self.PASSED_THROUGH:
            env.pop(key, None)
            if key in started_with:
                env[key] = started_with[key]
        return subprocess.run([str(ROOT / "scripts/stack.sh"), *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)

    def extra(self, name, **overrides):
        """An extra instance of daemon `name` (not started yet); see DaemonInstance."""
        return DaemonInstance(self, name, overrides)


class DaemonInstance:
    """One more copy of a daemon, with the stack's settings and its own ports.

    OPS_PORT (and for the gateway GATEWAY_HTTP_PORT / GATEWAY_WS_PORT) get fresh
    free ports unless given in `overrides`. Output goes to a temporary log file.

        with stack.extra("chat") as chat2:      # started and ready
            ... chat2.ops_url ...
    """

    def __init__(self, stack, name, overrides=None):
        self.stack, self.name = stack, name
        self.env = dict(stack.daemon_env(name))
        self.env["OPS_PORT"] = str(free_port())
        if name == "gateway":
            self.env["GATEWAY_HTTP_PORT"] = str(free_port())
            self.env["GATEWAY_WS_PORT"] = str(free_port())
        self.env.update({k: str(v) for k, v in (overrides or {}).items()})
        self.proc = None
        fd, self.log_path = tempfile.mkstemp(prefix=f"echochat-{name}-", suffix=".log")
        os.close(fd)

    @property
    def ops_url(self):
        return f"http://127.0.0.1:{self.env['OPS_PORT']}"

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.env['GATEWAY_HTTP_PORT']}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.env['GATEWAY_WS_PORT']}"

    def start(self, *args):
        """Start the binary with the env only (plus PATH/HOME); stdout+stderr to log_path."""
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if key in os.environ:
                base[key] = os.environ[key]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(self.stack.binary(self.name)), *args], env={**base, **self.env},
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=str(self.stack.run_dir), start_new_session=True)
        return self

    def wait_ready(self, timeout=60.0):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.output()[-3000:]}")
            return http_status(self.ops_url + "/readyz") == 200
        wait_until(ready, timeout, what=f"extra {self.name} /readyz")
        return self

    def wait_exit(self, timeout=30.0):
        """Wait for the process to end; return its exit code."""
        return self.proc.wait(timeout=timeout)

    def output(self):
        return Path(self.log_path).read_text(errors="replace")

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self.wait_ready()

    def __exit__(self, *exc):
        self.stop()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass
