#!/usr/bin/env bash
# Builds tmc with AddressSanitizer + UndefinedBehaviorSanitizer and runs every
# test (unit, golden on ../shared, a bounded fuzz pass); then checks that a
# clang build is warning-free, that a plain build is clean under valgrind,
# and that the build configures and builds tmc without cmocka.
#
# TMC_SHARED_DIR=DIR takes the models and goldens from DIR instead.
#
# Tests that cannot run here (../shared, flatc, arm-none-eabi-gcc or a model
# absent) exit 77 and CTest reports them skipped; this script lists them with
# the reason each gave. With CI=true a skipped test labelled golden, flatc or
# arm fails the run: CI always has ../shared, flatc and the arm toolchain, so
# such a skip means a broken setup, not a test that passed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
jobs=$(nproc)
# The folder of models and goldens (TMC_SHARED_DIR overrides ../shared).
shared=${TMC_SHARED_DIR:-$PWD/../shared}
# Labels of the tests CI can always run (see tests/CMakeLists.txt).
ci_labels='^(golden|flatc|arm)$'
skipped_total=0 # tests skipped so far, over every ctest run

# run_ctest DIR ARGS...: ctest in DIR; then the skipped tests and why. Exits
# on failures, and with CI=true on skips of tests CI can always run.
run_ctest() {
  local dir=$1 rc=0
  shift
  (cd "$dir" && ctest "$@" --output-on-failure) 2>&1 | tee "$dir/ctest.out" || rc=$?
  # Every ctest call rewrites LastTest.log (even ctest -N): keep this run's.
  cp "$dir/Testing/Temporary/LastTest.log" "$dir/ctest.log"
  report_skips "$dir" || rc=1
  return $rc
}

# report_skips DIR: prints each test the last ctest run in DIR skipped, with
# its "SKIP ..." line (from the run's LastTest.log); returns 1 when
# CI=true and one of them carries a label of $ci_labels.
report_skips() {
  local dir=$1 t why
  local -a skipped=() required=() broken=()
  local -A needs_ci=()
  mapfile -t skipped < <(sed -n 's/^[[:space:]]*[0-9][0-9]* - \(.*\) (Skipped)$/\1/p' \
    "$dir/ctest.out")
  [ ${#skipped[@]} -gt 0 ] || return 0
  skipped_total=$((skipped_total + ${#skipped[@]}))
  mapfile -t required < <(cd "$dir" && ctest -N -L "$ci_labels" |
    sed -n 's/^[[:space:]]*Test[[:space:]]*#[0-9]*: //p')
  for t in "${required[@]}"; do needs_ci[$t]=1; done
  echo "== ${#skipped[@]} tests skipped (they did not run):"
  for t in "${skipped[@]}"; do
    why=$(awk -v t="$t" '
      $2 == "Testing:" && $1 ~ /^[0-9]+\/[0-9]+$/ { cur = $3; next }
      cur == t && /^SKIP / { print; exit }' "$dir/ctest.log")
    echo "  $t: ${why:-no SKIP line in its output}"
    if [ -n "${needs_ci[$t]:-}" ]; then broken+=("$t"); fi
  done
  if [ "${CI:-}" = true ] && [ ${#broken[@]} -gt 0 ]; then
    echo "test.sh: CI=true, but ${#broken[@]} tests needing ../shared, flatc or the arm" \
      "toolchain were skipped (reasons above); CI always has them, so the setup is" \
      "broken (TMC_SHARED_DIR=$(sed -n 's/^TMC_SHARED_DIR:PATH=//p' "$dir/CMakeCache.txt")):" \
      "${broken[*]}" >&2
    return 1
  fi
  return 0
}

echo "== sanitizer build (gcc, ASan + UBSan)"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTMC_SANITIZE=ON \
  -DTMC_REQUIRE_CMOCKA=ON -DTMC_SHARED_DIR="$shared" >/dev/null
cmake --build build-test -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_ctest build-test -j"$jobs"

if command -v clang >/dev/null; then
  echo "== clang build (-Werror)"
  CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-clang -j"$jobs" >/dev/null
fi

if command -v valgrind >/dev/null; then
  echo "== valgrind (plain build, unit tests and the CLI)"
  cmake -S . -B build-vg -DCMAKE_BUILD_TYPE=Debug -DTMC_SANITIZE=OFF \
    -DTMC_SHARED_DIR="$shared" >/dev/null
  cmake --build build-vg -j"$jobs" >/dev/null
  run_ctest build-vg -j"$jobs" -L valgrind
fi

# The README's own-model build on a machine without cmocka: configure (the
# tests are left out with a message) and build tmc. cmocka is hidden by
# ignoring the folder its header was found in.
echo "== plain build without cmocka (configure, tmc only)"
# zlib's header may live in the same folder (/usr/include): its path is
# passed on as found, so that only cmocka goes missing.
cmocka_inc=$(sed -n 's/^CMOCKA_INCLUDE_DIR:PATH=//p' build-test/CMakeCache.txt)
zlib_inc=$(sed -n 's/^ZLIB_INCLUDE_DIR:PATH=//p' build-test/CMakeCache.txt)
rm -rf build-nocmocka
mkdir build-nocmocka
log=build-nocmocka/configure.log
if ! cmake -S . -B build-nocmocka -DCMAKE_IGNORE_PATH="$cmocka_inc" \
  -DZLIB_INCLUDE_DIR="$zlib_inc" >"$log" 2>&1; then
  cat "$log" >&2
  echo "test.sh: the build does not configure without cmocka" >&2
  exit 1
fi
if ! grep -q "tests: cmocka not found" "$log"; then
  echo "test.sh: with $cmocka_inc ignored, the configure step still found cmocka" \
    "(no 'tests: cmocka not found' message)" >&2
  exit 1
fi
cmake --build build-nocmocka --target tmc -j"$jobs" >/dev/null
build-nocmocka/tmc --version >/dev/null
if [ "$skipped_total" -gt 0 ]; then
  echo "== all tests that ran passed; $skipped_total were skipped (listed above)"
else
  echo "== all tests passed (none skipped)"
fi
