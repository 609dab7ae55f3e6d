#!/bin/sh
# train_c_test.sh host|m7 TMC SHARED_DIR: the weights `tmc train` gives are
# the ones the generated C of `tmc compile --train` gives, byte for byte.
# host: 100 steps of Fashion-MNIST on lenet (batch 1, sparse layer,
# momentum, weight decay, the weights' residuals; batch 4 with float masters
# and nearest rounding; batch 2 with stochastic rounding and no residual)
# and on vww (--update auto, batch 8, residuals), the generated C built with cc -Werror
# (--main: NAME_run trains on `tmc train --steps-out`'s file). m7: 5 steps
# of each model, compiled --target cortex-m7 with arm-none-eabi-gcc and run
# under QEMU (../shared/bench/mcu), the expected values embedded; prints
# the instructions per training step (INSNS_PAIR_n of the bench). Every
# case also checks that the values moved (0 steps differ from N). Exit 77
# (skip) without the dataset or, for m7, the bench.
set -u
mode=$1 tmc=$2 shared=$3
here=$(cd "$(dirname "$0")" && pwd)
data=${TMC_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
[ -f "$data/train-images-idx3-ubyte.gz" ] || [ -f "$data/train-images-idx3-ubyte" ] ||
  { echo "SKIP: no Fashion-MNIST in $data"; exit 77; }
mcu=$shared/bench/mcu
if [ "$mode" = m7 ]; then
  [ -x "$mcu/run.sh" ] || { echo "SKIP: $mcu/run.sh is absent"; exit 77; }
fi
tmp=$(mktemp -d /tmp/tmc_train_c.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

c_bytes() {
  printf 'static const unsigned char %s[%d] = {\n' "$1" "$(wc -c <"$2" | tr -d ' ')"
  od -An -v -tu1 "$2" | awk '{ s = "  "; for (i = 1; i <= NF; i++) s = s $i ","; print s }'
  printf '};\n'
}

# one NAME MODEL STEPS OPTIONS...: trains with tmc, then with the generated C.
one() {
  name=$1 model=$2 steps=$3
  shift 3
  d=$tmp/$name
  mkdir -p "$d"
  "$tmc" train "$shared/models/$model" --data "$data" --limit-train "$steps" --limit-test 10 \
    --steps-out "$d/steps.bin" --weights-out "$d/want.bin" --json "$d/train.json" "$@" \
    >"$d/train.log" 2>&1 ||
    fail "$name: tmc train: $(tail -n 3 "$d/train.log")"
  target="generic --main"
  [ "$mode" = m7 ] && target=cortex-m7
  # shellcheck disable=SC2086
  "$tmc" compile "$shared/models/$model" -o "$d/g" --name "$name" --target $target \
    --train "$@" >"$d/compile.log" 2>&1 || fail "$name: tmc compile --train: $(tail -n 3 "$d/compile.log")"
  if [ "$mode" = host ]; then
    make -s -C "$d/g" >"$d/make.log" 2>&1 || fail "$name: the generated C does not build: $(head -n 5 "$d/make.log")"
    "$d/g/${name}_run" "$d/steps.bin" "$d/got.bin" >"$d/run.log" || fail "$name: ${name}_run failed"
    "$d/g/${name}_run" "$d/steps.bin" "$d/zero.bin" 0 >/dev/null || fail "$name: ${name}_run 0 failed"
    cmp -s "$d/want.bin" "$d/zero.bin" && fail "$name: $steps steps left the trained values as they were"
    cmp "$d/want.bin" "$d/got.bin" || fail "$name: the generated C's values after $steps steps differ from tmc train's"
    # one plan: tmc train's memory is tmc plan --train's, whose arena NAME.h gives
    "$tmc" plan "$shared/models/$model" --train "$@" --json "$d/plan.json" >/dev/null ||
      fail "$name: tmc plan --train failed"
    mem() { sed -n '/"memory"/,/}/p' "$1" | tr -d ' \n'; }
    [ -n "$(mem "$d/plan.json")" ] && [ "$(mem "$d/plan.json")" = "$(mem "$d/train.json")" ] ||
      fail "$name: tmc train's memory $(mem "$d/train.json") is not tmc plan --train's $(mem "$d/plan.json")"
    total=$(mem "$d/plan.json" | sed 's/.*"total":\([0-9]*\).*/\1/')
    N=$(echo "$name" | tr '[:lower:]' '[:upper:]')
    grep -q "#define ${N}_ARENA_BYTES $total\$" "$d/g/$name.h" ||
      fail "$name: ${N}_ARENA_BYTES is not the training plan's $total"
    echo "$name: $steps steps: $(wc -c <"$d/got.bin" | tr -d ' ') trained bytes identical ($(cat "$d/run.log"))"
    return
  fi
  N=$(echo "$name" | tr '[:lower:]' '[:upper:]')
  {
    printf '#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n#include "bench.h"\n#include "%s.h"\n' "$name"
    c_bytes steps "$d/steps.bin"
    c_bytes want "$d/want.bin"
    cat <<EOC
static _Alignas(${N}_ARENA_ALIGN) unsigned char arena[${N}_ARENA_BYTES];
static unsigned char got[${N}_TRAIN_EXPORT_BYTES], zero[${N}_TRAIN_EXPORT_BYTES];
_Static_assert(sizeof want == ${N}_TRAIN_EXPORT_BYTES, "export size");
_Static_assert(sizeof steps == $steps * (4 + ${N}_INPUT0_BYTES), "steps size");
int main(void) {
  if (${name}_train_init(arena, sizeof arena) != ${N}_OK) return 2;
  ${name}_export(arena, zero, sizeof zero);
  for (int k = 0; k < $steps; k++) {
    const unsigned char *s = steps + (size_t)k * (4 + ${N}_INPUT0_BYTES);
    const int32_t label = (int32_t)((uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
                                    (uint32_t)s[3] << 24);
    bench_begin();
    const float loss = ${name}_train_step(arena, (const int8_t *)(s + 4), label);
    bench_end();
    printf("step %d: loss %a\n", k, (double)loss);
  }
  ${name}_train_flush(arena);
  if (${name}_export(arena, got, sizeof got) != sizeof got) return 2;
  int diff = 0;
  for (size_t i = 0; i < sizeof got; i++) diff += got[i] != want[i];
  printf("$name: %d of %u trained bytes differ from tmc train's%s\n", diff, (unsigned)sizeof got,
         memcmp(got, zero, sizeof got) ? "" : " (and nothing moved)");
  return diff || !memcmp(got, zero, sizeof got);
}
EOC
  } >"$d/main.c"
  CPU_FLAGS="-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16" \
    CFLAGS="-O2 -std=c11 -Wall -Wextra -Werror -pedantic" bash "$mcu/run.sh" --timeout 600 \
    -I "$d/g" "$d/main.c" "$d"/g/*.c -lm >"$d/out" 2>"$d/err"
  rc=$?
  sed '/^---- bench:/,$d' "$d/out" | grep -v '^step '
  [ "$rc" -eq 0 ] || fail "$name: Cortex-M7 run exited $rc: $(head -n 3 "$d/err")"
  awk -v n="$name" '$1 ~ /^INSNS_PAIR_/ { s += $2; k++ } END { if (k) printf "%s: Cortex-M7 instructions per training step: %.0f (mean of %d)\n", n, s / k, k }' "$d/out"
}

case $mode in
  host)
    # named errors: a budget below the forward, options without --train
    "$tmc" plan "$shared/models/lenet.tflite" --train --classes 10 --budget 1000 >"$tmp/e" 2>&1
    [ $? -eq 1 ] && grep -q 'the forward pass alone needs' "$tmp/e" || fail "plan --train --budget 1000: $(cat "$tmp/e")"
    "$tmc" compile "$shared/models/lenet.tflite" -o "$tmp/x" --budget 1000 >"$tmp/e" 2>&1
    [ $? -eq 2 ] && grep -q 'training options need --train' "$tmp/e" && [ ! -e "$tmp/x" ] ||
      fail "compile --budget without --train: $(head -n 2 "$tmp/e")"
    "$tmc" compile "$shared/models/lenet.tflite" -o "$tmp/x" --train --classes 10 --budget 262144 \
      --update -1:bw,-2:bw,-3:bw >"$tmp/e" 2>&1
    [ $? -eq 1 ] && grep -q 'beyond --budget 262144' "$tmp/e" && [ ! -e "$tmp/x" ] ||
      fail "compile --train with a set beyond --budget: $(head -n 2 "$tmp/e")"
    one lenet_b1 lenet.tflite 100 --classes 10 --update -1:bw,-2:bw24,-3:b --batch 1 \
      --momentum 0.5 --weight-decay 0.001 --seed 3
    one lenet_fr lenet.tflite 100 --classes 10 --update -1:bw,-2:b --batch 4 --float-reference \
      --rounding nearest
    one lenet_sr lenet.tflite 100 --classes 10 --update -1:bw,-2:bw40 --batch 2 \
      --rounding stochastic
    one vww vww.tflite 100 --classes 10 --batch 8
    ;;
  m7)
    one lenet lenet.tflite 5 --classes 10 --update -1:bw,-2:bw24,-3:b --batch 1 --momentum 0.5
    one vww vww.tflite 5 --classes 10 --batch 1
    ;;
  *) echo "usage: train_c_test.sh host|m7 TMC SHARED_DIR"; exit 2 ;;
esac
echo "PASS"
