#!/usr/bin/env bash
# Configure and build the C daemons with CMake.
#
#   scripts/build.sh release [DIR]   Release build          (default DIR: build)
#   scripts/build.sh debug   [DIR]   Debug build            (default DIR: build-debug)
#   scripts/build.sh asan    [DIR]   Debug + ASan + UBSan   (default DIR: build-asan)
#
# JOBS (default 2) sets the parallelism. Binaries land in DIR/bin/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
kind=${1:-release}
case "$kind" in
  release) dir=${2:-build}; flags=(-DCMAKE_BUILD_TYPE=Release -DECHOCHAT_SANITIZE=OFF) ;;
  debug) dir=${2:-build-debug}; flags=(-DCMAKE_BUILD_TYPE=Debug -DECHOCHAT_SANITIZE=OFF) ;;
  asan) dir=${2:-build-asan}; flags=(-DCMAKE_BUILD_TYPE=Debug -DECHOCHAT_SANITIZE=ON) ;;
  *) echo "usage: scripts/build.sh release|debug|asan [DIR]" >&2; exit 2 ;;
esac

if [ ! -f CMakeLists.txt ]; then
  echo "build: CMakeLists.txt not found in $ROOT (the C sources have not landed yet)" >&2
  exit 1
fi

echo "build: $kind in $dir"
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j "${JOBS:-2}"
