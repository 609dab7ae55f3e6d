#!/bin/sh
# lstm16_emit_test.sh WRITER TMC: the integer LSTM models of lstm16_test
# (16x8 and 8x8, one and two stacked LSTMs; written with the reference's
# outputs by 'WRITER DIR') through 'tmc run --invokes 3' and through the
# generated C ('tmc compile --main', built with -fsanitize=address,undefined
# -fno-sanitize-recover): NAME_run on the three inputs (NAME_reset once, three
# NAME_invoke on one state). Every invoke's output equals the reference's,
# byte for byte, in both; and with --profile, the per-layer table after the
# invokes. Exits 0 when all pass, 1 on a failure, 77 without
# a C compiler.
set -u

case_name=lstm16_emit
writer=${1:?path of lstm16_test}
tmc=${2:?path of tmc}

. "$(dirname "$0")/../testlib.sh"
unset CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS

cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc)"
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
echo 'int main(void) { return 0; }' >"$tmp/probe.c"
# shellcheck disable=SC2086
"$cc" $san "$tmp/probe.c" -o "$tmp/probe" >/dev/null 2>&1 || san=""

mkdir "$tmp/models"
"$writer" "$tmp/models" >"$tmp/out" 2>"$tmp/err" || fail "$writer $tmp/models failed"
n=0
for model in "$tmp"/models/*.tflite; do
  [ -f "$model" ] || fail "no models written"
  base=$(basename "$model" .tflite)
  m="$tmp/models/$base"
  d="$tmp/$base"
  run 0 run "$model" --invokes 3 --input "$m.in0" --input "$m.in1" --input "$m.in2" \
    --out "$tmp/h_$base"
  run 0 compile "$model" -o "$d" --main --name ls
  grep -q 'void ls_reset(void \*arena);' "$d/ls.h" || fail "$base: no ls_reset in ls.h"
  # shellcheck disable=SC2086
  "$cc" -std=c11 -Wall -Wextra -Werror -O1 $san "$d"/*.c -o "$d/ls_run" \
    >"$tmp/out" 2>"$tmp/err" || fail "$base: $cc failed"
  mkdir "$tmp/g_$base"
  "$d/ls_run" "$m.in0" "$m.in1" "$m.in2" "$tmp/g_$base" >"$tmp/out" 2>"$tmp/err" ||
    fail "$base: the generated program failed"
  [ -s "$tmp/err" ] && fail "$base: the generated program printed to stderr"
  j=0
  for f in output0 invoke1.output0 invoke2.output0; do
    cmp -s "$tmp/h_$base/$f.bin" "$m.out$j" ||
      fail "$base: tmc run's $f.bin differs from the reference"
    cmp -s "$tmp/g_$base/$f.bin" "$m.out$j" ||
      fail "$base: the generated C's $f.bin differs from the reference"
    j=$((j + 1))
  done
  n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "only $n models ran"

# --profile on a stateful model: the same outputs and the per-layer table
# (one row per layer: the two LSTMs) after the three invokes.
base=lstm16_stacked
m="$tmp/models/$base"
d="$tmp/p_$base"
run 0 compile "$m.tflite" -o "$d" --main --name lp --profile
"$cc" -std=c11 -Wall -Wextra -Werror -O1 "$d"/*.c -o "$d/lp_run" >"$tmp/out" 2>"$tmp/err" ||
  fail "$base --profile: $cc failed"
mkdir "$tmp/pg"
"$d/lp_run" "$m.in0" "$m.in1" "$m.in2" "$tmp/pg" >"$tmp/out" 2>"$tmp/err" ||
  fail "$base --profile: the generated program failed"
j=0
for f in output0 invoke1.output0 invoke2.output0; do
  cmp -s "$tmp/pg/$f.bin" "$m.out$j" || fail "$base --profile: $f.bin differs from the reference"
  j=$((j + 1))
done
grep -q -E '^ *layer +op +MACs' "$tmp/out" || fail "$base --profile: no table header"
rows=$(grep -c -E '^ *[0-9]+ +UNIDIRECTIONAL_SEQUENCE_LSTM +[0-9]+ +[0-9.]+$' "$tmp/out")
[ "$rows" -eq 2 ] || fail "$base --profile: $rows LSTM rows in the table, expected 2"
grep -q -E '^total [0-9.]+ ms' "$tmp/out" || fail "$base --profile: no total line"
echo "$n LSTM models: tmc run --invokes 3 and the generated C${san:+ (ASan, UBSan)} equal the reference"
exit 0
