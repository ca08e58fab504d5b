#!/usr/bin/python3
"""A small Dockerfile linter for EchoChat's images (hadolint is not in Debian).

Rules (each finding names its rule):
  DL-BASE     every FROM is debian:bookworm-slim / debian:bookworm or an earlier
              stage of the same file; no other registry image, no untagged or
              `latest` image (nothing can be pulled in the test environment, and
              one base keeps every image on Debian's security updates)
  DL-STAGES   a file that compiles or bundles (cmake, make, gcc, npm ci/run) is
              multi-stage, and its final stage neither builds nor installs a
              toolchain (build-essential, cmake, compilers, nodejs/npm, -dev packages)
  DL-USER     the final stage's last USER is set and is not root / 0
  DL-HEALTH   the final stage has a HEALTHCHECK (not NONE)
  DL-APT      a RUN with `apt-get install` also runs `apt-get update`, uses -y and
              --no-install-recommends, and removes /var/lib/apt/lists/* in the same RUN
  DL-EXEC     ENTRYPOINT, CMD and HEALTHCHECK CMD use the exec (JSON array) form,
              so signals reach the process
  DL-FETCH    no ADD of URLs, no curl/wget piped into a shell
  DL-SECRET   no ENV/ARG whose name looks secret gets a literal value
  DL-FROM     COPY --from names an earlier stage

Usage: dockerfile_lint.py FILE...   (prints findings; exit 1 if any)
"""

import json
import re
import sys

BASES = {"debian:bookworm-slim", "debian:bookworm"}
BUILD_RE = re.compile(r"\b(cmake|make|gcc|cc|g\+\+|npm\s+(ci|install|run))\b")
TOOLCHAIN_RE = re.compile(r"\b(build-essential|cmake|gcc|g\+\+|clang|nodejs|npm|[a-z0-9.+-]+-dev)\b")
SECRET_NAME_RE = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY)", re.I)


def instructions(text):
    """(lineno, KEYWORD, args) with continuation lines joined and comments dropped."""
    out, buf, start = [], "", 0
    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction
        if not buf:
            start = no
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        kw, _, args = buf.partition(" ")
        out.append((start, kw.upper(), args.strip()))
        buf = ""
    if buf:
        kw, _, args = buf.partition(" ")
        out.append((start, kw.upper(), args.strip()))
    return out


def is_exec_form(args):
    try:
        return isinstance(json.loads(args), list)
    except ValueError:
        return False


def lint(path):
    findings = []

    def bad(no, rule, msg):
        findings.append("%s:%d: %s %s" % (path, no, rule, msg))

    with open(path) as f:
        ins = instructions(f.read())
    stages = []  # each: {"name", "line", "ins": [...]}
    for no, kw, args in ins:
        if kw == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            image = words[0] if words else ""
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            known = {s["name"] for s in stages if s["name"]}
            if image not in known:
                if image not in BASES:
                    bad(no, "DL-BASE", "base image %r is not one of %s" % (image, sorted(BASES)))
                if ":" not in image or image.endswith(":latest"):
                    bad(no, "DL-BASE", "base image %r has no fixed tag" % image)
            stages.append({"name": name, "line": no, "ins": []})
        elif not stages:
            if kw != "ARG":
                bad(no, "DL-BASE", "%s before the first FROM" % kw)
        else:
            stages[-1]["ins"].append((no, kw, args))
    if not stages:
        bad(1, "DL-BASE", "no FROM")
        return findings

    def runs(stage):
        """RUN commands with their apt-get install segments cut out (package names are not builds)."""
        return [(no, " && ".join(seg for seg in re.split(r"&&|;", args)
                                 if not re.search(r"\bapt-get\b.*\binstall\b", seg)))
                for no, kw, args in stage["ins"] if kw == "RUN"]

    def installs(stage):
        return [(no, args) for no, kw, args in stage["ins"] if kw == "RUN" and "apt-get install" in args]

    builds = any(BUILD_RE.search(a) for s in stages for _, a in runs(s))
    final = stages[-1]
    if builds:
        if len(stages) < 2:
            bad(final["line"], "DL-STAGES", "builds code but is single-stage")
        for no, args in runs(final):
            if BUILD_RE.search(args):
                bad(no, "DL-STAGES", "the final stage builds: %s" % BUILD_RE.search(args).group(0))
        for no, args in installs(final):
            m = TOOLCHAIN_RE.search(args.split("apt-get install", 1)[1])
            if m:
                bad(no, "DL-STAGES", "the final stage installs %s" % m.group(0))

    users = [(no, args) for no, kw, args in final["ins"] if kw == "USER"]
    if not users:
        bad(final["line"], "DL-USER", "the final stage has no USER (runs as root)")
    else:
        no, user = users[-1]
        if user.split(":")[0] in ("root", "0"):
            bad(no, "DL-USER", "the final stage runs as %s" % user)

    checks = [(no, args) for no, kw, args in final["ins"] if kw == "HEALTHCHECK"]
    if not checks or checks[-1][1].upper() == "NONE":
        bad(final["line"], "DL-HEALTH", "the final stage has no HEALTHCHECK")

    known = set()
    for s in stages:
        for no, kw, args in s["ins"]:
            installs = [seg for seg in re.split(r"&&|;|\|\|", args)
                        if re.search(r"\bapt-get\b.*\binstall\b", seg)]
            if kw == "RUN" and installs:
                if "apt-get update" not in args:
                    bad(no, "DL-APT", "apt-get install without apt-get update in the same RUN")
                for seg in installs:
                    if "--no-install-recommends" not in seg:
                        bad(no, "DL-APT", "apt-get install without --no-install-recommends")
                    if not re.search(r"\s(-[a-z]*y[a-z]*|--yes|--assume-yes)\b", seg):
                        bad(no, "DL-APT", "apt-get install without -y")
                if "rm -rf /var/lib/apt/lists/*" not in args:
                    bad(no, "DL-APT", "apt lists not removed in the same RUN")
            if kw in ("ENTRYPOINT", "CMD") and not is_exec_form(args):
                bad(no, "DL-EXEC", "%s in shell form" % kw)
            if kw == "HEALTHCHECK" and args.upper() != "NONE":
                cmd = re.split(r"\bCMD\b", args, maxsplit=1)
                if len(cmd) < 2 or not is_exec_form(cmd[1].strip()):
                    bad(no, "DL-EXEC", "HEALTHCHECK CMD in shell form")
            if kw == "ADD" and re.search(r"https?://", args):
                bad(no, "DL-FETCH", "ADD of a URL")
            if kw == "RUN" and re.search(r"\b(curl|wget)\b[^|;&]*\|\s*(ba|da)?sh\b", args):
                bad(no, "DL-FETCH", "download piped into a shell")
            if kw in ("ENV", "ARG"):
                for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", args):
                    if SECRET_NAME_RE.search(m.group(1)) and m.group(2) not in ('""', "''"):
                        bad(no, "DL-SECRET", "%s %s has a literal value" % (kw, m.group(1)))
            if kw == "COPY":
                m = re.search(r"--from=(\S+)", args)
                if m and m.group(1) not in known:
                    bad(no, "DL-FROM", "COPY --from=%s names no earlier stage" % m.group(1))
        if s["name"]:
            known.add(s["name"])
    return findings


def main(paths):
    if not paths:
        print("usage: dockerfile_lint.py FILE...", file=sys.stderr)
        return 2
    findings = []
    for p in paths:
        findings += lint(p)
    for f in findings:
        print(f)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
