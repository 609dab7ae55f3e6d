#!/usr/bin/env bash
# On-device training (issue 12) figures; prints, never asserts:
# - SRAM of a training step by part (tmc plan --train: one arena, planned
#   over the forward, the loss and the backward) for lenet and vww with a
#   new 10-way head under the default 256 KiB budget, next to TinyEngine's
#   shipped training example (237,456 B: 189,800 activations + 47,656
#   trainable weights; ../shared/docs/design.md);
# - host images/s of `tmc train` (Release build, 2,000 Fashion-MNIST images,
#   batch 8);
# - Cortex-M7 instructions per training step of the generated C (`tmc
#   compile --train --target cortex-m7`, QEMU + ../shared/bench/mcu; 5 steps,
#   batch 1, checked against tmc train byte for byte by
#   tests/train/train_c_test.sh, which this runs).
# usage: bench/train.sh [BUILD_DIR (default build)] [SHARED_DIR (default ../shared)]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shared=${2:-$root/../shared}
tmc=$build/tmc
data=${TMC_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d /tmp/tmc_bench_train.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "training SRAM by part (bytes; tmc plan --train --classes 10, budget 262144):"
printf '  %-8s %11s %8s %10s %12s %9s %10s %8s %9s\n' model activations saved gradients \
  "weight grads" weights optimizer reused arena
for m in lenet vww; do
  "$tmc" plan "$shared/models/$m.tflite" --train --classes 10 --json "$tmp/$m.json" >/dev/null ||
    { echo "  $m: tmc plan --train failed"; continue; }
  v() { sed -n '/"memory"/,/}/p' "$tmp/$m.json" | tr -d ' \n' | sed "s/.*\"$1\":\([0-9-]*\).*/\1/"; }
  printf '  %-8s %11s %8s %10s %12s %9s %10s %8s %9s\n' "$m" "$(v activations)" "$(v saved)" \
    "$(v gradients)" "$(v weight_gradients)" "$(v weights)" "$(v optimizer)" "$(v reused)" \
    "$(v total)"
done
printf '  %-8s %11s %8s %10s %12s %9s %10s %8s %9s\n' TinyEngine 189800 - - - 47656 - - 237456
echo "host (tmc train, 2000 images, 1 epoch, batch 8):"
for m in lenet vww; do
  "$tmc" train "$shared/models/$m.tflite" --data "$data" --classes 10 --limit-train 2000 \
    --limit-test 100 --json "$tmp/t.json" >/dev/null 2>&1 || { echo "  $m: tmc train failed"; continue; }
  echo "  $m: $(sed -n 's/.*"images_per_second": *\([0-9.]*\).*/\1/p' "$tmp/t.json") images/s"
done
echo "Cortex-M7 (QEMU, instructions per training step):"
sh "$root/tests/train/train_c_test.sh" m7 "$tmc" "$shared" 2>&1 | sed 's/^/  /'
