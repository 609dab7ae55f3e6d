#!/usr/bin/env bash
# The main job on a fresh clone: build tmc, generate the example int8 CNN with
# tmc's own flatbuffer writer, compile it to C, build and run that C, and
# print the result and the memory report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTMC_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
model=build/examples/tiny_cnn.tflite
out=build/demo
rm -rf "$out"
mkdir -p "$out"

echo "== tmc inspect $model"
build/tmc inspect "$model" | sed -n '1,/^$/p;/^ *op  kind/,/^$/p'
echo "== tmc plan $model --io int8 (memory report)"
build/tmc plan "$model" --io int8 --svg "$out/arena.svg"
echo
echo "== tmc compile $model -o $out/gen --name tiny --io int8 --main"
build/tmc compile "$model" -o "$out/gen" --name tiny --io int8 --main
make -s -C "$out/gen"
echo
echo "== run the generated C on the golden-pattern input (seed 1)"
build/tmc run "$model" --io int8 --seed 1 --out "$out/host" >/dev/null
# The same input for the generated program: the golden test pattern (a 32-bit
# LCG, ../shared/golden/README.md), computed in 16-bit halves so awk's doubles
# stay exact.
LC_ALL=C awk 'BEGIN {
  x = 1; al = 1103515245 % 65536; ah = int(1103515245 / 65536)
  for (i = 0; i < 3072; i++) {
    xl = x % 65536; xh = int(x / 65536)
    x = (xl * al + ((xh * al + xl * ah) % 65536) * 65536 + 12345) % 4294967296
    printf "%c", int(x / 65536) % 256
  } }' >"$out/input.bin"
"$out/gen/tiny_run" "$out/input.bin" "$out"
echo "output (10 classes, int8, scale 1/256):"
od -An -v -tu1 "$out/output0.bin" | awk '{ for (i = 1; i <= NF; i++) printf "%d ", ($i > 127 ? $i - 256 : $i) } END { print "" }'
if cmp -s "$out/output0.bin" "$out/host/output0.bin"; then
  echo "the generated C and the host runner agree byte for byte"
else
  echo "the generated C and the host runner DIFFER" >&2
  exit 1
fi
echo "arena SVG: $out/arena.svg"
