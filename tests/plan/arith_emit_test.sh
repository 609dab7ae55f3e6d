#!/bin/sh
# arith_emit_test.sh WRITER TMC: the accepted edge models of
# arith_limits_test (accumulators and window geometry at the limits of
# src/plan/lower_conv.c's checks, written by 'WRITER DIR') through the
# generated C: 'tmc compile --main', built with -fsanitize=undefined
# -fno-sanitize-recover (any signed overflow, bad shift or out-of-range
# index aborts), run on the model's input, byte for byte equal to 'tmc run'.
# Exits 0 when all pass, 1 on a failure, 77 without a C compiler.
set -u

case_name=arith_emit
writer=${1:?path of arith_limits_test}
tmc=${2:?path of tmc}

. "$(dirname "$0")/../testlib.sh"
unset CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS

cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc)"
echo 'int main(void) { return 0; }' >"$tmp/probe.c"
"$cc" -fsanitize=undefined -fno-sanitize-recover=all "$tmp/probe.c" -o "$tmp/probe" \
  >/dev/null 2>&1 || skip "$cc cannot build with -fsanitize=undefined"

mkdir "$tmp/models"
"$writer" "$tmp/models" >"$tmp/out" 2>"$tmp/err" || fail "$writer $tmp/models failed"
n=0
for model in "$tmp"/models/*.tflite; do
  [ -f "$model" ] || fail "no models written"
  base=$(basename "$model" .tflite)
  d="$tmp/$base"
  run 0 compile "$model" -o "$d" --main --name ar
  run 0 run "$model" --input "$tmp/models/$base.in" --out "$tmp/h_$base"
  "$cc" -std=c11 -Wall -Wextra -Werror -O1 -fsanitize=undefined -fno-sanitize-recover=all \
    "$d"/*.c -o "$d/ar_ubsan" >"$tmp/out" 2>"$tmp/err" || fail "$base: $cc failed"
  mkdir "$tmp/g_$base"
  "$d/ar_ubsan" "$tmp/models/$base.in" "$tmp/g_$base" >"$tmp/out" 2>"$tmp/err" ||
    fail "$base: the generated program failed (UBSan?)"
  [ -s "$tmp/err" ] && fail "$base: the generated program printed to stderr"
  for f in "$tmp/h_$base"/output*.bin; do
    cmp -s "$f" "$tmp/g_$base/$(basename "$f")" ||
      fail "$base: the generated C's $(basename "$f") differs from tmc run's"
  done
  n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "only $n edge models ran"
echo "$n edge models compiled with UBSan and run, equal to tmc run"
exit 0
