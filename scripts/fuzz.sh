#!/usr/bin/env bash
# A long fuzzing run of the reader and IR builder (tests/fuzz/fuzz_reader.c)
# over the shared models, the golden op models, the example model and
# tests/fuzz/crashes/. Uses clang + libFuzzer when clang can link it, else the
# gcc replay driver with seeded mutations; both under ASan + UBSan. An input
# that crashes is written to tests/fuzz/crashes/, where CTest replays it.
# Usage: scripts/fuzz.sh [SECONDS]   (default 600; TMC_SHARED_DIR overrides
#        the shared folder; FUZZ_ENGINE=replay forces the gcc driver,
#        FUZZ_SEED sets its seed)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shared=${TMC_SHARED_DIR:-../shared}
crashes=tests/fuzz/crashes
jobs=$(nproc)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

seeds=()
for p in "$shared/models" "$shared/golden/ops"; do
  if [ -d "$p" ]; then seeds+=("$p"); fi
done
if [ ${#seeds[@]} -eq 0 ]; then echo "fuzz: $shared absent; fuzzing from $crashes only"; fi

libfuzzer=0
if [ "${FUZZ_ENGINE:-auto}" != replay ] && command -v clang >/dev/null; then
  CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTMC_SANITIZE=ON \
    -DTMC_SHARED_DIR="$shared" >/dev/null
  if grep -q '^TMC_HAVE_LIBFUZZER:INTERNAL=1' build-fuzz/CMakeCache.txt; then libfuzzer=1; fi
fi

# Inputs already in crashes/ must pass first: a known crash would stop the run
# at once (and libFuzzer would save a duplicate of it).
check_known() {
  if ! "$1/tests/fuzz/fuzz_replay" "$crashes" >/dev/null 2>"$1/known-crash.log"; then
    grep -E 'ERROR|SUMMARY|CRASH|broken contract' "$1/known-crash.log" >&2 || true
    echo "fuzz: an input in $crashes/ still crashes (log: $1/known-crash.log); fix it first" >&2
    exit 1
  fi
}

if [ $libfuzzer = 1 ]; then
  build=build-fuzz
  cmake --build $build -j"$jobs" --target fuzz_reader_libfuzzer fuzz_replay >/dev/null
  cmake --build $build -j"$jobs" --target example_model >/dev/null 2>&1 || true
  check_known $build
  example=$build/examples/tiny_cnn.tflite
  # New interesting inputs go to the first folder (kept between runs,
  # ignored by git); the others are read only.
  work=tests/fuzz/corpus-work
  mkdir -p "$work/example"
  if [ -f "$example" ]; then cp "$example" "$work/example/"; fi
  echo "== libFuzzer for $secs s (crashes go to $crashes/)"
  status=0
  $build/tests/fuzz/fuzz_reader_libfuzzer -max_total_time="$secs" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$work" "$work/example" "${seeds[@]}" "$crashes" || status=$?
  if [ $status -ne 0 ]; then
    echo "fuzz: libFuzzer found a crash (saved in $crashes/, see the report above);"
    echo "fuzz: reproduce with $build/tests/fuzz/fuzz_reader_libfuzzer $crashes/<file>"
    exit 1
  fi
else
  build=build-fuzz-gcc
  echo "fuzz: using the gcc replay driver (no clang with libFuzzer, or FUZZ_ENGINE=replay)"
  cmake -S . -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTMC_SANITIZE=ON \
    -DTMC_SHARED_DIR="$shared" >/dev/null
  cmake --build $build -j"$jobs" --target fuzz_replay >/dev/null
  cmake --build $build -j"$jobs" --target example_model >/dev/null 2>&1 || true
  check_known $build
  seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
  echo "== fuzz_replay for $secs s, seed $seed (crashes go to $crashes/)"
  if ! $build/tests/fuzz/fuzz_replay --skip-missing --truncations 1000 --mutate \
      --seconds "$secs" --seed "$seed" --crash-dir "$crashes" \
      "$crashes" "${seeds[@]}" "$build/examples/tiny_cnn.tflite"; then
    echo "fuzz: crash found (input saved in $crashes/, see the report above)"
    exit 1
  fi
fi
echo "fuzz: no crash in $secs s"

# The whole pipeline (tests/fuzz/fuzz_pipeline.c): structure-aware mutations
# of the operator suites and the shared models, under ASan + UBSan; every
# FUZZ_COMPILE_EVERY-th accepted model (default 1000) also has its generated C
# built with cc under ASan + UBSan and compared with the host runner. The
# committed recipes (tests/fuzz/pipeline-cases/) must replay clean first. A
# finding's recipe goes to tests/fuzz/pipeline-found/ (ignored by git) with
# the mutated model; reduce the recipe by hand, then move it to
# tests/fuzz/pipeline-cases/ (never the .tflite: it derives from ../shared).
pbuild=build-fuzz-pipeline
found=tests/fuzz/pipeline-found
cmake -S . -B $pbuild -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTMC_SANITIZE=ON \
  -DTMC_SHARED_DIR="$shared" >/dev/null
cmake --build $pbuild -j"$jobs" --target fuzz_pipeline example_model >/dev/null
if ! $pbuild/tests/fuzz/fuzz_pipeline --shared "$shared" --cases tests/fuzz/pipeline-cases \
    >"$pbuild/cases.log" 2>&1; then
  tail -n 40 "$pbuild/cases.log"
  echo "fuzz: a recipe in tests/fuzz/pipeline-cases/ does not replay clean; fix it first" >&2
  exit 1
fi
mkdir -p "$found"
pseed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "== fuzz_pipeline for $secs s, seed $pseed (findings go to $found/)"
if ! $pbuild/tests/fuzz/fuzz_pipeline --seconds "$secs" --seed "$pseed" --shared "$shared" \
    --save-dir "$found" --compile-every "${FUZZ_COMPILE_EVERY:-1000}" \
    "$shared/golden/ops" "$shared/golden/ops-v2" "$shared/models" \
    "$pbuild/examples/tiny_cnn.tflite" 2>"$pbuild/progress.log"; then
  tr '\r' '\n' <"$pbuild/progress.log" | tail -n 60
  echo "fuzz: the pipeline fuzzer found a problem: its recipe is printed above and saved in"
  echo "fuzz: $found/; $pbuild/tests/fuzz/fuzz_pipeline --shared $shared --case FILE replays it"
  exit 1
fi
tr '\r' '\n' <"$pbuild/progress.log" | tail -n 1
echo "fuzz: the pipeline fuzzer found nothing in $secs s"
