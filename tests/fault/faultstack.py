"""The fault suite's own stack: run dir, build dir, scripts/stack.sh wrapper."""

import os
import subprocess
from pathlib import Path

from lib.stack import ROOT

PRESENCE_TTL = 6
EXTRA_ENV = {
    "PRESENCE_TTL": PRESENCE_TTL,
    "PRESENCE_GRACE": 1,
    "CHAT_MESSAGE_RATE_LIMIT": 1000000,
    "AUTH_RATE_LIMIT": 100000,
}


def run_dir():
    return Path(os.environ.get("ECHOCHAT_FAULT_RUN_DIR", ROOT / ".run/fault")).resolve()


def build_dir():
    if os.environ.get("BUILD_DIR"):
        return os.environ["BUILD_DIR"]
    return "build-asan" if os.environ.get("SANITIZE") == "1" else "build"


def stack_sh(*args, timeout=300):
    env = dict(os.environ, ECHOCHAT_RUN_DIR=str(run_dir()), BUILD_DIR=build_dir())
    env.setdefault("STACK_TIMEOUT", "120")
    r = subprocess.run([str(ROOT / "scripts/stack.sh"), *args], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=timeout)
    return r


def stack_up():
    """scripts/stack.sh up: restarts whatever is down, keeps the rest."""
    r = stack_sh("up")
    assert r.returncode == 0, f"stack.sh up failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout
