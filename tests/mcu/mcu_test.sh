#!/bin/sh
# mcu_test.sh CASE TMC SHARED: the C that 'tmc compile' generates, built for
# Cortex-M and run under QEMU with the shared MCU bench (SHARED/bench/mcu:
# arm-none-eabi-gcc, mps2-an500 Cortex-M7 / mps2-an386 Cortex-M4), every
# output byte compared with the goldens. CTest runs one test per case
# (tests/mcu/CMakeLists.txt, label mcu). Exits 0 when all match, 1 naming
# each model or op case and core that does not, 77 (skip) when the bench,
# its tools or SHARED are absent; with CI=true such a skip is a failure.
#
# Cases (CORE: m7 = -mcpu=cortex-m7 -mfpu=fpv5-d16, m4 = -mcpu=cortex-m4
# -mfpu=fpv4-sp-d16, both -mfloat-abi=hard; -O2 -std=c11 -Wall -Wextra
# -Werror -pedantic):
#   models_CORE   the shared int8 models (--io int8; MODELS below) in one
#                 image, golden seed 1 (input and every int8 output), and
#                 the sequence models (SEQ_MODELS: raw I/O, three invokes on
#                 one state, every invoke's output); a model in
#                 SHARED/models on neither list fails the test
#   ops_CORE      SHARED/golden/ops: every TMC_MCU_OPS_EVERY-th case
#                 (default 1: all of them)
#   opsv2_CORE    ops-v2's cases in scope, int8 and int16, the stateful
#                 ones on every invoke (as emit_ops_test.sh): every
#                 TMC_MCU_OPSV2_EVERY-th (default 12); m4 starts one case
#                 after m7, so that the two cores cover different cases
#                 Op cases are compiled without --io int8 (as emit_ops_test.sh)
#                 and batched TMC_MCU_BATCH (default 40) cases per image.
# tmc compile gets --target cortex-m7 / cortex-m4 for the runs.
#   fixtures_CORE the MLPerf Tiny-shaped fixture models (FIXTURES below,
#                 written by the 4th argument, emit_write_fixtures DIR
#                 mlperf; no
#                 golden): each one's output for a deterministic input
#                 (input_bytes.sh, seed 1) from 'tmc run' on the host, the
#                 same bytes from 'tmc run --target cortex-m7/m4', and under
#                 QEMU from the C compiled with --target cortex-m7/m4 and
#                 (m7 only) --target generic, all models in one image
#   compile       (--target cortex-m55: the DSP kernels) every generated .c
#                 of the models and of every
#                 TMC_MCU_COMPILE_EVERY-th ops case (default 3) compiles with
#                 -std=c11 -Wall -Wextra -Werror -pedantic -O2 for Cortex-M0
#                 (-mthumb, soft float), Cortex-M33 (fpv5-sp-d16) and
#                 Cortex-M55 (-mfpu=auto: MVE and FPU), warning-free; not run
#                 (the bench's boards emulate the M4 and M7 only)
set -u

case_name=mcu_${1:?case}
tmc=${2:?path of tmc}
shared=${3:?shared folder}
writer=${4:-}
. "$(dirname "$0")/../testlib.sh"
here=$(cd "$(dirname "$0")" && pwd)
unset CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS

# Models run (their int8 golden seed 1) and the sequence models (raw I/O,
# three invokes of seed 1).
MODELS="vww lenet detection mcunetv2_large"
SEQ_MODELS="keyword_scrambled trained_lstm_int8"
# Fixture models (tests/fixtures/net_fixtures.h) of the fixtures cases.
FIXTURES="net_mlperf_kws net_mlperf_resnet8 net_mlperf_autoencoder net_mlperf_vww"
STRICT="-std=c11 -Wall -Wextra -Werror -pedantic"
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -le 2 ] || jobs=2

# absent WHAT: skip (77), or fail under CI=true, where the setup installs
# everything (scripts/setup.sh --tests) and a test that did not run is a
# broken setup.
absent() {
  if [ "${CI:-}" = true ]; then
    fail "CI=true, but $*: CI always has ../shared and what scripts/setup.sh --tests installs, so a skip is a failure"
  fi
  skip "$*"
}

mcu=$shared/bench/mcu
# The image's file lists are split on blanks.
case "$shared$tmp" in
  *[[:space:]]*) fail "$shared or $tmp holds a blank; this script cannot pass such paths on" ;;
esac
[ -d "$shared/golden" ] || absent "$shared/golden is absent"
command -v arm-none-eabi-gcc >/dev/null 2>&1 ||
  absent "arm-none-eabi-gcc is absent (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
printf '#include <string.h>\n#include <stdint.h>\n#include <stdio.h>\n' >"$tmp/p.c"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -c "$tmp/p.c" -o "$tmp/p.o" 2>/dev/null ||
  absent "arm-none-eabi-gcc has no C library headers (libnewlib-arm-none-eabi)"

kind=${case_name#mcu_}
core=${kind##*_}
kind=${kind%_*}
case $kind in
  models | ops | opsv2 | fixtures) ;;
  compile) core="" ;;
  *) fail "unknown case '$1'" ;;
esac
# --target of tmc compile: the core's own (the compile case: the DSP
# kernels, also built for the M0, where dsp.h takes its portable forms).
case $core in
  m7) cpu_flags="-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16" target=cortex-m7 ;;
  m4) cpu_flags="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16" target=cortex-m4 ;;
  "") cpu_flags="" target=cortex-m55 ;;
  *) fail "unknown core '$core'" ;;
esac
core_name=$(echo "$core" | sed 's/^m/Cortex-M/')

# Running needs the bench, bash (its scripts), QEMU and the plugin.
if [ -n "$core" ]; then
  [ -x "$mcu/run.sh" ] || absent "$mcu/run.sh (the MCU bench) is absent"
  command -v bash >/dev/null 2>&1 || absent "bash is absent (the bench's scripts)"
  ready=$(bash -c 'BENCH_DIR=$(cd "$1" && pwd) && . "$BENCH_DIR/harness/common.sh" &&
    for t in arm-none-eabi-size arm-none-eabi-nm "$(bench_qemu)"; do
      command -v "$t" >/dev/null || exit 1; done && bench_plugin_ready && echo yes' sh "$mcu" 2>/dev/null)
  [ "$ready" = yes ] ||
    absent "QEMU or the bench's plugin is not set up (bash $mcu/setup.sh)"
fi

# ops_cases SUITE EVERY OFFSET: the sample of SUITE's cases in scope
# (testlib.sh's suite_cases: tests/golden/ops_v2_scope.txt), one a line,
# into $tmp/cases.
ops_cases() {
  oc_ix=$shared/golden/$1/index.txt
  [ -f "$oc_ix" ] || absent "$oc_ix is absent"
  suite_cases "$1" "$oc_ix" "$tmp/left_out" |
    awk -v every="$2" -v off="$3" '{ if (n++ % every == off % every) print $1 }' >"$tmp/cases"
}

# gen_op SUITE CASE: tmc compile of one op case into $tmp/g/CASE (name CASE);
# appends its mcu_main.sh arguments to $tmp/args.
gen_op() {
  go_d=$shared/golden/$1
  run 0 compile "$go_d/$2.tflite" -o "$tmp/g/$2" --name "$2" --target "$target"
  printf ' -m %s' "$2" >>"$tmp/args"
  # Stateful cases (meta.txt "invokes: N"): every invoke, on one state.
  go_n=$(sed -n 's/^invokes: \([0-9]*\).*/\1/p' "$go_d/$2/meta.txt" 2>/dev/null)
  go_n=${go_n:-1}
  [ "$go_n" -gt 1 ] && printf ' -n %s' "$go_n" >>"$tmp/args"
  go_j=0
  while [ "$go_j" -lt "$go_n" ]; do
    go_t=""
    [ "$go_j" -gt 0 ] && go_t="invoke$go_j."
    [ -f "$go_d/$2/seed1.${go_t}input.bin" ] &&
      printf ' -i %s' "$go_d/$2/seed1.${go_t}input.bin" >>"$tmp/args"
    go_k=1
    while [ -f "$go_d/$2/seed1.${go_t}input$go_k.bin" ]; do
      printf ' -i %s' "$go_d/$2/seed1.${go_t}input$go_k.bin" >>"$tmp/args"
      go_k=$((go_k + 1))
    done
    go_j=$((go_j + 1))
  done
  go_j=0
  while [ "$go_j" -lt "$go_n" ]; do
    go_t=""
    [ "$go_j" -gt 0 ] && go_t="invoke$go_j."
    go_k=0
    while [ -f "$go_d/$2/seed1.${go_t}output$go_k.bin" ]; do
      printf ' -o %s' "$go_d/$2/seed1.${go_t}output$go_k.bin" >>"$tmp/args"
      go_k=$((go_k + 1))
    done
    [ "$go_k" -gt 0 ] || fail "$1/$2 has no golden ${go_t}output"
    go_j=$((go_j + 1))
  done
}

# gen_seq_model NAME: tmc compile of a sequence model (raw I/O) into
# $tmp/g/NAME; appends its mcu_main.sh arguments (golden seed 1, three
# invokes) to $tmp/args.
gen_seq_model() {
  gs_g=$shared/golden/$1/seed1
  [ -f "$shared/models/$1.tflite" ] || absent "$shared/models/$1.tflite is absent"
  run 0 compile "$shared/models/$1.tflite" -o "$tmp/g/$1" --name "$1" --target "$target"
  printf ' -m %s -n 3' "$1" >>"$tmp/args"
  for gs_t in "" invoke1. invoke2.; do
    [ -f "$gs_g.${gs_t}input.bin" ] || absent "$gs_g.${gs_t}input.bin is absent"
    printf ' -i %s' "$gs_g.${gs_t}input.bin" >>"$tmp/args"
  done
  for gs_t in "" invoke1. invoke2.; do
    [ -f "$gs_g.${gs_t}output0.bin" ] || absent "$gs_g.${gs_t}output0.bin is absent"
    printf ' -o %s' "$gs_g.${gs_t}output0.bin" >>"$tmp/args"
  done
}

# gen_model NAME: tmc compile --io int8 of a shared model into $tmp/g/NAME;
# appends its mcu_main.sh arguments (golden seed 1, int8) to $tmp/args.
gen_model() {
  gm_g=$shared/golden/$1
  [ -f "$shared/models/$1.tflite" ] || absent "$shared/models/$1.tflite is absent"
  [ -f "$gm_g/seed1.input.int8.bin" ] || absent "$gm_g/seed1.input.int8.bin is absent"
  run 0 compile "$shared/models/$1.tflite" -o "$tmp/g/$1" --io int8 --name "$1" \
    --target "$target"
  printf ' -m %s -i %s' "$1" "$gm_g/seed1.input.int8.bin" >>"$tmp/args"
  gm_k=0
  while [ -f "$gm_g/seed1.output$gm_k.int8.bin" ]; do
    printf ' -o %s' "$gm_g/seed1.output$gm_k.int8.bin" >>"$tmp/args"
    gm_k=$((gm_k + 1))
  done
}

# gen_fixture MODEL: tmc compile of fixture MODEL ($tmp/fx/MODEL.tflite,
# name MODEL without net_) for the core's target (m7: also for generic, name
# NAME_generic) into $tmp/g; its input from input_bytes.sh, its expected
# output from 'tmc run' (generic), which 'tmc run --target' must repeat;
# appends the mcu_main.sh arguments to $tmp/args.
gen_fixture() {
  gf_m=$tmp/fx/$1.tflite
  gf_n=${1#net_}
  gf_N=$(echo "$gf_n" | tr '[:lower:]' '[:upper:]')
  [ -f "$gf_m" ] || fail "the fixture writer wrote no $gf_m"
  run 0 compile "$gf_m" -o "$tmp/g/$gf_n" --name "$gf_n" --target "$target"
  gf_b=$(sed -n "s/^#define ${gf_N}_INPUT0_BYTES \([0-9][0-9]*\).*/\1/p" "$tmp/g/$gf_n/$gf_n.h")
  [ -n "$gf_b" ] || fail "$gf_n.h has no ${gf_N}_INPUT0_BYTES"
  sh "$here/input_bytes.sh" "$gf_b" 1 "$tmp/fx/$gf_n.in" || fail "input_bytes.sh failed"
  run 0 run "$gf_m" --input "$tmp/fx/$gf_n.in" --out "$tmp/fx/$gf_n.host"
  run 0 run "$gf_m" --input "$tmp/fx/$gf_n.in" --out "$tmp/fx/$gf_n.target" --target "$target"
  gf_k=0
  while [ -f "$tmp/fx/$gf_n.host/output$gf_k.bin" ]; do
    cmp -s "$tmp/fx/$gf_n.host/output$gf_k.bin" "$tmp/fx/$gf_n.target/output$gf_k.bin" ||
      echo "host: $gf_n: output $gf_k of tmc run --target $target differs from tmc run's" \
        >>"$tmp/problems"
    gf_k=$((gf_k + 1))
  done
  [ "$gf_k" -gt 0 ] || fail "tmc run wrote no output for $gf_n"
  gf_o=$(ls "$tmp/fx/$gf_n.host"/output*.bin | sort -V | sed 's/^/ -o /' | tr -d '\n')
  printf ' -m %s -i %s%s' "$gf_n" "$tmp/fx/$gf_n.in" "$gf_o" >>"$tmp/args"
  if [ "$core" = m7 ]; then
    run 0 compile "$gf_m" -o "$tmp/g/${gf_n}_generic" --name "${gf_n}_generic" --target generic
    printf ' -m %s -i %s%s' "${gf_n}_generic" "$tmp/fx/$gf_n.in" "$gf_o" >>"$tmp/args"
    total=$((total + 1))
  fi
  total=$((total + 1))
}

# run_image WHAT: builds $tmp/g/* with $tmp/args's main for $core and runs
# it under QEMU; records each model that does not match in $tmp/problems.
run_image() {
  # shellcheck disable=SC2046
  sh "$here/mcu_main.sh" $(cat "$tmp/args") >"$tmp/main.c" || fail "mcu_main.sh failed ($1)"
  ri_inc=""
  for ri_d in "$tmp"/g/*; do ri_inc="$ri_inc -I $ri_d"; done
  # shellcheck disable=SC2086
  CPU_FLAGS="$cpu_flags" CFLAGS="-O2 $STRICT" bash "$mcu/run.sh" --cpu "$core" --timeout 600 \
    $ri_inc "$tmp/main.c" "$tmp"/g/*/*.c -lm >"$tmp/out" 2>"$tmp/err"
  ri_rc=$?
  # The program's lines (before the bench's header) that are not a match.
  sed '/^---- bench:/,$d' "$tmp/out" | grep -v ': [0-9]* output(s) equal the golden$' |
    sed "s/^/$core_name: /" >>"$tmp/problems"
  ri_ok=$(grep -c ': [0-9]* output(s) equal the golden$' "$tmp/out")
  passed=$((passed + ri_ok))
  if [ "$ri_rc" -ne 0 ] && [ "$ri_rc" -ne 1 ]; then
    echo "$core_name: $1: run.sh exited $ri_rc: $(grep -v '^[[:space:]]*$' "$tmp/err" | head -n 3 | tr '\n' ' ')" >>"$tmp/problems"
  fi
  ri_i=$(awk '$1 == "INSNS_TOTAL" { print $2 }' "$tmp/out")
  insns=$((insns + ${ri_i:-0}))
  images=$((images + 1))
  rm -rf "$tmp/g" "$tmp/args"
  mkdir "$tmp/g"
  : >"$tmp/args"
}

# compile_all: every generated .c below $tmp/g, for each of the cores not
# run, with -Werror (warnings fail too).
compile_all() {
  for ca_cpu in "-mcpu=cortex-m0 -mthumb -mfloat-abi=soft" \
    "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16" \
    "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard -mfpu=auto"; do
    rm -rf "$tmp/o"
    mkdir "$tmp/o"
    # Basenames are unique: every file carries its model's name.
    # shellcheck disable=SC2086
    (cd "$tmp/o" && find "$tmp/g" -name '*.c' -print0 | xargs -0 -P "$jobs" -n 16 \
      arm-none-eabi-gcc $ca_cpu -O2 $STRICT -c) >"$tmp/out" 2>"$tmp/err" ||
      fail "${ca_cpu%% *}: the generated C does not compile: $(head -n 5 "$tmp/err")"
    [ -s "$tmp/err" ] && fail "${ca_cpu%% *}: the compiler printed: $(head -n 5 "$tmp/err")"
    ca_n=$(find "$tmp/o" -name '*.o' | wc -l | tr -d ' ')
    echo "${ca_cpu%% *} ${ca_cpu#* }: $ca_n files compile ($STRICT -O2)"
  done
}

mkdir "$tmp/g"
: >"$tmp/args"
: >"$tmp/problems"
passed=0
insns=0
images=0
case $kind in
  models)
    # Every model of SHARED/models is on one of the two lists.
    for f in "$shared"/models/*.tflite; do
      [ -f "$f" ] || continue
      n=$(basename "$f" .tflite)
      case " $MODELS $SEQ_MODELS " in
        *" $n "*) ;;
        *) fail "$f is on neither list of mcu_test.sh (MODELS, SEQ_MODELS): add it" ;;
      esac
    done
    total=0
    for m in $MODELS; do gen_model "$m"; total=$((total + 1)); done
    for m in $SEQ_MODELS; do gen_seq_model "$m"; total=$((total + 1)); done
    run_image "$MODELS $SEQ_MODELS"
    echo "$core_name (QEMU): $passed of $total models ($MODELS; $SEQ_MODELS: three" \
      "invokes each) equal the goldens; $insns instructions executed"
    ;;
  ops | opsv2)
    suite=ops
    every=${TMC_MCU_OPS_EVERY:-1}
    if [ "$kind" = opsv2 ]; then
      suite=ops-v2
      every=${TMC_MCU_OPSV2_EVERY:-12}
    fi
    off=0
    [ "$core" = m4 ] && off=1
    batch=${TMC_MCU_BATCH:-40}
    ops_cases "$suite" "$every" "$off"
    total=$(wc -l <"$tmp/cases" | tr -d ' ')
    [ "$total" -gt 0 ] || fail "no case of $suite in scope"
    i=0
    while read -r c; do
      gen_op "$suite" "$c"
      i=$((i + 1))
      [ $((i % batch)) -eq 0 ] && run_image "$suite cases $((i - batch + 1))..$i"
    done <"$tmp/cases"
    [ -s "$tmp/args" ] && run_image "$suite cases ..$i"
    which="all $total cases in scope"
    [ "$every" -gt 1 ] && which="$total cases in scope (every ${every}th, from #$off)"
    echo "$core_name (QEMU): $passed of $which of $suite equal the goldens, in $images" \
      "images; $insns instructions executed"
    ;;
  fixtures)
    [ -x "$writer" ] || fail "the fixtures cases need the fixture writer (4th argument)"
    mkdir "$tmp/fx"
    "$writer" "$tmp/fx" mlperf >"$tmp/out" 2>"$tmp/err" || fail "$writer failed"
    total=0
    for m in $FIXTURES; do gen_fixture "$m"; done
    run_image "$FIXTURES"
    also=""
    [ "$core" = m7 ] && also=" and generic"
    echo "$core_name (QEMU): $passed of $total fixture builds ($FIXTURES; --target" \
      "$target$also) equal tmc run's outputs; $insns instructions executed"
    ;;
  compile)
    for m in $MODELS; do gen_model "$m"; done
    for m in $SEQ_MODELS; do gen_seq_model "$m"; done
    ops_cases ops "${TMC_MCU_COMPILE_EVERY:-3}" 0
    while read -r c; do gen_op ops "$c"; done <"$tmp/cases"
    echo "models $MODELS $SEQ_MODELS and $(wc -l <"$tmp/cases" | tr -d ' ') ops cases:"
    compile_all
    ;;
esac

if [ "$kind" != compile ] && [ "$passed" -ne "$total" ] && [ ! -s "$tmp/problems" ]; then
  echo "$core_name: only $passed of $total matched, with no message naming the others" >>"$tmp/problems"
fi
if [ -s "$tmp/problems" ]; then
  echo "FAIL [$case_name]: $(wc -l <"$tmp/problems" | tr -d ' ') problem(s):" >&2
  head -n 60 "$tmp/problems" >&2
  exit 1
fi
exit 0
