#!/bin/bash
# Prints the Debian packages that provide the shared libraries the given binaries
# link, one per line, so a runtime stage installs exactly what the build stage
# linked (no hand-kept list that drifts as daemons gain libraries). Runs in the
# build stage of deploy/docker/daemon.Dockerfile; fails if a library has no owner.
set -euo pipefail
libs=$(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
for lib in $libs; do
  real=$(readlink -f "$lib")
  # dpkg records the path it unpacked, which may be the /usr-merged or the /lib one.
  owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null ||
    dpkg -S "${lib#/usr}" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || true)
  if [ -z "$owner" ]; then
    echo "runtime-packages: no package owns $lib" >&2
    exit 1
  fi
  echo "${owner%%:*}"
  # libwebsockets loads its libev glue as a plugin (dlopen), which ldd
  # cannot see: a binary that runs lws on libev loops (the gateway) needs it.
  case $lib in */libev.so.*) echo libwebsockets-evlib-ev ;; esac
done | sort -u | { grep -vx 'libc6' || true; }
