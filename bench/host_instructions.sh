#!/usr/bin/env bash
# x86-64 instructions per inference of `tmc run` on the shared models, counted
# by valgrind's callgrind (repeatable, unlike wall time): the whole process
# and the inference alone (tmc_host_invoke), as ratios to TFLM's figures in
# ../shared/bench/anchors.md. Prints a table; never asserts.
# Usage: bench/host_instructions.sh [MODEL...]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${TMC_SHARED_DIR:-../shared}
command -v valgrind >/dev/null || { echo "bench: valgrind is not installed"; exit 0; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DTMC_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target tmc >/dev/null

# TFLM x86-64 instructions per Invoke() (anchors.md): reference, CMSIS-NN.
declare -A ref=([vww]=225.0 [mcunetv2_large]=3456 [detection]=381.1 [lenet]=2.46)
declare -A cmsis=([vww]=85.9 [mcunetv2_large]=1619 [detection]=128.0 [lenet]=1.29)

models=("$@")
[ ${#models[@]} -gt 0 ] || models=(vww mcunetv2_large detection lenet)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-16s %14s %14s %10s %10s\n' model "process (M)" "invoke (M)" "/TFLM ref" "/CMSIS-NN"
for m in "${models[@]}"; do
  model="$shared/models/$m.tflite"
  [ -f "$model" ] || { echo "bench: $model not found"; continue; }
  count() { grep -E '^summary:|^totals:' "$1" | awk '{print $2}' | head -1; }
  valgrind --tool=callgrind --callgrind-out-file="$out/all" \
    build-bench/tmc run "$model" --seed 1 --out "$out/o" >/dev/null 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$out/inv" --collect-atstart=no \
    --toggle-collect=tmc_host_invoke \
    build-bench/tmc run "$model" --seed 1 --out "$out/o" >/dev/null 2>&1
  all=$(count "$out/all")
  inv=$(count "$out/inv")
  awk -v m="$m" -v a="$all" -v i="$inv" -v r="${ref[$m]}" -v c="${cmsis[$m]}" 'BEGIN {
    printf "%-16s %14.2f %14.2f %10.3f %10.3f\n", m, a / 1e6, i / 1e6, i / 1e6 / r, i / 1e6 / c }'
done
echo "(TFLM figures: instructions per Invoke(), g++ -O2 -DNDEBUG, ../shared/bench/anchors.md)"
