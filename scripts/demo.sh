#!/usr/bin/env bash
# The main job on a fresh clone: build tmc, generate the example model with
# tmc's own flatbuffer writer, and inspect it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTMC_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
model=build/examples/tiny_cnn.tflite
echo "== tmc inspect $model"
build/tmc inspect "$model"
