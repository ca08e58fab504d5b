#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs each
# for FUZZ_SECONDS (default 30) from its committed seed corpus and dictionary.
# New inputs go to a scratch corpus under .run/fuzz/ (not committed).
# Prints one line per target with its executions, and a final summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
out=.run/fuzz
mkdir -p "$out"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DECHOCHAT_FUZZ=ON \
  -DECHOCHAT_SANITIZE=ON -DECHOCHAT_TESTS=OFF >"$out/cmake.log"
targets=$(sed -n 's/^echochat_fuzz_target(\([a-z_]*\).*/\1/p' fuzz/CMakeLists.txt)
# shellcheck disable=SC2086
cmake --build build-fuzz -j2 --target $targets >"$out/build.log"
passed=0 failed=0
for t in $targets; do
  work="$out/corpus/$t"
  mkdir -p "$work"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$out/$t-")
  [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds+=("fuzz/corpus/$t")
  if build-fuzz/bin/"$t" "${args[@]}" "$work" "${seeds[@]}" >"$out/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
    echo "fuzz $t: ok, ${runs:-?} executions in ${seconds}s"
    passed=$((passed + 1))
  else
    echo "fuzz $t: FAILED (see $out/$t.log and $out/$t-*)"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
