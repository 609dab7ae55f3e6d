#!/usr/bin/env bash
# The main job on a fresh clone: build tmc, generate the example int8 CNN with
# tmc's own flatbuffer writer, inspect it, and run it on the host with the
# int8 kernels in one static arena (printing the result and the arena size).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTMC_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
model=build/examples/tiny_cnn.tflite
echo "== tmc inspect $model"
build/tmc inspect "$model"
echo
echo "== tmc run $model --seed 1 --out build/demo-out"
build/tmc run "$model" --seed 1 --out build/demo-out
