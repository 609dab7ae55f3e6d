#!/bin/sh
# emit_ops_test.sh SUITE TMC SHARED: every case of the operator suite
# SHARED/golden/SUITE (ops; for ops-v2 those tests/golden/ops_v2_scope.txt
# does not leave out, as tests/golden/golden_ops_test.c runs on the host
# runner) through the
# generated C: tmc compile --main, gcc -std=c11 -O1 -Wall -Wextra -Werror
# -pedantic, run on seed1's inputs, every output byte for byte against
# TFLite Micro's (the stateful cases: every invoke, on one state). Cases run in parallel (nproc). Exits 0 when all match, 1
# naming each case that does not, 77 (skip) when the suite or gcc is absent.
set -u

if [ "${1:-}" = "--case" ]; then
  # One case (the worker xargs runs): --case OPS NAME TMC OUT
  ops=$2
  name=$3
  tmc=$4
  d=$5/$name
  mkdir -p "$d"
  if ! "$tmc" compile "$ops/$name.tflite" -o "$d/c" --name m --main >"$d/log" 2>&1; then
    echo "$name: tmc compile failed: $(head -n 3 "$d/log")"
    exit 0
  fi
  if ! gcc -std=c11 -O1 -Wall -Wextra -Werror -pedantic -o "$d/run" "$d"/c/*.c -lm \
      >"$d/log" 2>&1; then
    echo "$name: the generated C does not build: $(head -n 3 "$d/log")"
    exit 0
  fi
  # Stateful cases (meta.txt "invokes: N"): N sets of inputs, one state;
  # invoke j >= 1's files are seed1.invoke<j>.*.
  invokes=$(sed -n 's/^invokes: \([0-9]*\).*/\1/p' "$ops/$name/meta.txt" 2>/dev/null)
  invokes=${invokes:-1}
  ins=""
  j=0
  while [ "$j" -lt "$invokes" ]; do
    tag=""
    [ "$j" -gt 0 ] && tag="invoke$j."
    [ -f "$ops/$name/seed1.${tag}input.bin" ] || { echo "$name: no seed1.${tag}input.bin"; exit 0; }
    ins="$ins $ops/$name/seed1.${tag}input.bin"
    k=1
    while [ -f "$ops/$name/seed1.${tag}input$k.bin" ]; do
      ins="$ins $ops/$name/seed1.${tag}input$k.bin"
      k=$((k + 1))
    done
    j=$((j + 1))
  done
  mkdir -p "$d/o"
  # shellcheck disable=SC2086
  if ! "$d/run" $ins "$d/o" >"$d/log" 2>&1; then
    echo "$name: m_run failed: $(head -n 3 "$d/log")"
    exit 0
  fi
  j=0
  while [ "$j" -lt "$invokes" ]; do
    tag=""
    [ "$j" -gt 0 ] && tag="invoke$j."
    k=0
    while [ -f "$ops/$name/seed1.${tag}output$k.bin" ]; do
      cmp -s "$ops/$name/seed1.${tag}output$k.bin" "$d/o/${tag}output$k.bin" ||
        { echo "$name: ${tag}output $k differs from TFLite Micro's"; exit 0; }
      k=$((k + 1))
    done
    [ "$k" -gt 0 ] || echo "$name: no golden ${tag}output"
    [ -f "$d/o/${tag}output$k.bin" ] && echo "$name: ${tag}output $k was written but has no golden"
    j=$((j + 1))
  done
  rm -rf "$d"
  exit 0
fi

suite=${1:?suite}
tmc=${2:?path of tmc}
shared=${3:?shared folder}
case_name=ops_$suite
. "$(dirname "$0")/../testlib.sh"
unset CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS

ops=$shared/golden/$suite
[ -f "$ops/index.txt" ] || skip "$ops/index.txt is absent"
command -v gcc >/dev/null 2>&1 || skip "gcc is absent"

# The cases in scope (testlib.sh's suite_cases: tests/golden/ops_v2_scope.txt);
# the ones left out are printed.
suite_cases "$suite" "$ops/index.txt" "$tmp/left_out" >"$tmp/cases"
cat "$tmp/left_out"
n=$(wc -l <"$tmp/cases")
[ "$n" -gt 0 ] || fail "$ops/index.txt lists no case in scope"
jobs=$(nproc 2>/dev/null || echo 2)
xargs -P "$jobs" -I{} sh "$0" --case "$ops" {} "$tmc" "$tmp" <"$tmp/cases" >"$tmp/problems"
bad=$(wc -l <"$tmp/problems")
echo "operator suite $suite through the generated C: $n cases, $bad not matching"
if [ "$bad" -gt 0 ]; then
  head -n 40 "$tmp/problems" >&2
  exit 1
fi
exit 0
