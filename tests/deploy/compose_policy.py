#!/usr/bin/python3
"""Policy checks of docker-compose.prod.yml and example.env (runs in static_checks.sh).

  compose_policy.py compose RESOLVED.yml
      RESOLVED.yml is `docker-compose config` output. Checks that nothing assumes
      one instance (no container_name, no host ports except nginx's), that the
      daemons read .env and start after healthy dependencies, that each daemon
      connects to PostgreSQL as its own role and the gateway not at all, that no
      daemon sees another's database password, and that images have a tag.

  compose_policy.py envdoc REPO_ROOT
      Every variable the daemons read (cfg_*("NAME") / getenv("NAME") in
      common/src and services/*/src), every ${NAME} the compose file interpolates
      and every variable of the nginx and PostgreSQL entrypoints that an operator
      sets is named in example.env, and every NAME= line there has a comment.

Prints one line per finding; exits 1 if any.
"""

import glob
import os
import re
import sys

import yaml

DAEMONS = ("auth", "chat", "presence", "gateway")
DB_ROLE = {"auth": "echochat_auth", "chat": "echochat_chat", "presence": "echochat_presence"}
DB_SECRETS = ("POSTGRES_PASSWORD", "AUTH_DB_PASSWORD", "CHAT_DB_PASSWORD", "PRESENCE_DB_PASSWORD")


def check_compose(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    bad = []
    services = doc.get("services", {})
    for name in DAEMONS + ("nats", "postgres", "nginx"):
        if name not in services:
            bad.append("service %s is missing" % name)
    for name, svc in services.items():
        if "container_name" in svc:
            bad.append("%s: container_name prevents --scale" % name)
        if svc.get("ports") and name != "nginx":
            bad.append("%s: publishes host ports (only nginx may)" % name)
        image = svc.get("image", "")
        if ":" not in image or image.endswith(":latest"):
            bad.append("%s: image %r has no fixed tag" % (name, image))
        if "healthcheck" in svc and svc["healthcheck"].get("disable"):
            bad.append("%s: health check disabled" % name)
    for name in DAEMONS:
        svc = services.get(name)
        if not svc:
            continue
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
        deps = svc.get("depends_on") or {}
        if not isinstance(deps, dict) or "nats" not in deps:
            bad.append("%s: does not depend on nats" % name)
        for dep, cond in (deps.items() if isinstance(deps, dict) else []):
            if (cond or {}).get("condition") != "service_healthy":
                bad.append("%s: depends on %s without condition service_healthy" % (name, dep))
        url = env.get("DATABASE_URL") or ""
        if name in DB_ROLE:
            if not url.startswith("postgres://%s:" % DB_ROLE[name]):
                bad.append("%s: DATABASE_URL does not use role %s" % (name, DB_ROLE[name]))
            if "postgres" not in deps:
                bad.append("%s: does not depend on postgres" % name)
        elif url:
            bad.append("%s: has a DATABASE_URL but owns no schema" % name)
        for secret in DB_SECRETS:
            if env.get(secret) not in ("", None):
                bad.append("%s: sees %s" % (name, secret))
    nginx = services.get("nginx", {})
    if (nginx.get("depends_on") or {}).get("gateway", {}).get("condition") != "service_healthy":
        bad.append("nginx: does not wait for a healthy gateway")
    return bad


SOURCE_VAR_RE = re.compile(
    r'\b(?:cfg_(?:str|int|bool|list|lookup|fail)|getenv|secure_getenv)\s*\(\s*(?:[a-z_]+\s*,\s*)?"([A-Z][A-Z0-9_]+)"')
COMPOSE_VAR_RE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")
# Entrypoint settings that exist for tests or for the image itself, not for .env.
INTERNAL = {"NGINX_TEMPLATE", "NGINX_RUN_DIR", "NGINX_CERT_DIR", "SPA_ROOT", "NGINX_RESOLVER",
            "NGINX_HTTP_PORT", "NGINX_HTTPS_PORT", "PUBLIC_HTTPS_PORT", "GATEWAY_HOST",
            "GATEWAY_HTTP_PORT", "GATEWAY_WS_PORT", "UPLOAD_MAX_MB", "PGDATA"}


def check_envdoc(root):
    bad = []
    with open(os.path.join(root, "example.env")) as f:
        text = f.read()
    wanted = {}
    for src in glob.glob(os.path.join(root, "common/src/*.c")) + \
            glob.glob(os.path.join(root, "services/*/src/*.c")):
        with open(src) as f:
            for m in SOURCE_VAR_RE.finditer(f.read()):
                wanted.setdefault(m.group(1), os.path.relpath(src, root))
    with open(os.path.join(root, "docker-compose.prod.yml")) as f:
        for m in COMPOSE_VAR_RE.finditer(f.read()):
            wanted.setdefault(m.group(1), "docker-compose.prod.yml")
    for name, where in sorted(wanted.items()):
        if name in INTERNAL and where != "docker-compose.prod.yml":
            continue
        if not re.search(r"\b%s\b" % re.escape(name), text):
            bad.append("example.env does not mention %s (read by %s)" % (name, where))
    # Every setting line (commented-out or not) follows a comment block.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^#?([A-Z][A-Z0-9_]*)=", line)
        if not m:
            continue
        j = i - 1
        while j >= 0 and re.match(r"^#?[A-Z][A-Z0-9_]*=", lines[j]):
            j -= 1
        if j < 0 or not lines[j].startswith("# "):
            bad.append("example.env:%d: %s has no comment above it" % (i + 1, m.group(1)))
    return bad


def main(argv):
    if len(argv) != 3 or argv[1] not in ("compose", "envdoc"):
        print(__doc__, file=sys.stderr)
        return 2
    bad = check_compose(argv[2]) if argv[1] == "compose" else check_envdoc(argv[2])
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
