#!/usr/bin/env bash
# Builds tmc with AddressSanitizer + UndefinedBehaviorSanitizer and runs every
# test (unit, golden on ../shared when present, a bounded fuzz pass); then
# checks that a clang build is warning-free and that a plain build is clean
# under valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
jobs=$(nproc)

echo "== sanitizer build (gcc, ASan + UBSan)"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTMC_SANITIZE=ON >/dev/null
cmake --build build-test -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-test && ctest -j"$jobs" --output-on-failure)

if command -v clang >/dev/null; then
  echo "== clang build (-Werror)"
  CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-clang -j"$jobs" >/dev/null
fi

if command -v valgrind >/dev/null; then
  echo "== valgrind (plain build, unit tests and the CLI)"
  cmake -S . -B build-vg -DCMAKE_BUILD_TYPE=Debug -DTMC_SANITIZE=OFF >/dev/null
  cmake --build build-vg -j"$jobs" >/dev/null
  (cd build-vg && ctest -j"$jobs" -L valgrind --output-on-failure)
fi
echo "== all tests passed"
