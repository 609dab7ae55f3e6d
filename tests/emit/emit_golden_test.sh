#!/bin/sh
# emit_golden_test.sh CASE TMC SHARED: the generated C of the shared models,
# built with its own Makefile and run, against the TFLite Micro goldens in
# SHARED/golden, byte for byte. Run by CTest (tests/emit/CMakeLists.txt, one
# test per case, label golden). Exits 0 on success, 1 on failure (saying
# what), 77 (CTest's skip) when SHARED or a model is absent.
#
# Every build uses the generated Makefile's default CFLAGS (checked to hold
# -std=c11 -Wall -Wextra -Werror -pedantic) with CC=gcc and, when present,
# CC=clang; NAME_run runs on every golden seed (1, 2, 3).
#
# Cases:
#   vww | mcunetv2_large | detection | lenet
#       tmc compile --main --name M, float I/O: seed<S>.input.bin gives
#       seed<S>.output<k>.bin; --io int8: seed<S>.input.int8.bin gives
#       seed<S>.output<k>.int8.bin; both with gcc and clang. vww also with
#       --planner first-fit (gcc). Checks NAME_invoke has one
#       "/* op N KIND -> [shape][, M MACs] */" comment per layer.
#   profile
#       --profile --main builds of the four models (lenet and mcunetv2_large
#       with float I/O, vww and detection --io int8; gcc): outputs still
#       match the goldens and NAME_run prints the per-layer table, one row
#       per layer, and a total.
#   detect_main
#       detection --detect detection_config.json --main (--io int8 and float
#       I/O, gcc): outputs match, and the boxes NAME_run prints equal those
#       of 'tmc run --detect' on the same input.
#   arena_exact
#       the generated C of the four models (--io int8, layer by layer,
#       --patch auto, and but for mcunetv2_large --target cortex-m7: the
#       DSP kernels' scratch use) built with -fsanitize=address,undefined and run in a
#       malloc'd arena of exactly NAME_ARENA_BYTES: outputs match, and an
#       arena one byte short is refused (NAME_ERR_ARENA_SIZE).
#   sequence
#       keyword_scrambled and trained_lstm_int8 (state across invokes):
#       NAME_run on three sets of inputs per seed (NAME_reset once, then
#       three NAME_invoke) gives seed<S>.output0.bin and
#       seed<S>.invoke<j>.output0.bin, with gcc and clang, and built with
#       -fsanitize=address,undefined (gcc); NAME.h declares NAME_reset and
#       NAME_STATE_BYTES.
#   patches
#       --patch auto and a forced uneven grid (vww 7:3x3, mcunetv2_large
#       11:3x5, detection 5:5x3; lenet auto only), float and --io int8 (gcc):
#       outputs match the goldens on every seed.
set -u

case_name=${1:?case}
tmc=${2:?path of tmc}
shared=${3:?shared folder}

. "$(dirname "$0")/../testlib.sh"

# The generated Makefile's defaults, not the caller's environment.
unset CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS

[ -d "$shared/golden" ] || skip "$shared/golden is absent"

compilers="gcc"
command -v gcc >/dev/null 2>&1 || skip "gcc is absent"
command -v clang >/dev/null 2>&1 && compilers="gcc clang"

# compile DIR NAME MODEL ARGS...: tmc compile MODEL -o DIR --name NAME --main ARGS
compile() {
  c_dir=$1
  c_name=$2
  c_model=$3
  shift 3
  [ -f "$shared/models/$c_model.tflite" ] || skip "$shared/models/$c_model.tflite is absent"
  "$tmc" compile "$shared/models/$c_model.tflite" -o "$c_dir" --name "$c_name" --main "$@" \
    >"$tmp/out" 2>"$tmp/err" || fail "tmc compile $c_model -o $c_dir --name $c_name $* failed"
  [ -f "$c_dir/Makefile" ] || fail "no Makefile in $c_dir"
  for flag in -std=c11 -Wall -Wextra -Werror -pedantic; do
    grep -E "^CFLAGS .*(^|[ ])$flag([ ]|\$)" "$c_dir/Makefile" >/dev/null ||
      fail "the generated Makefile's CFLAGS lack $flag"
  done
}

# build DIR NAME CC: make -C DIR with CC; DIR/NAME_run must exist.
build() {
  rm -f "$1/$2_run"
  make -s -B -C "$1" CC="$3" >"$tmp/out" 2>"$tmp/err" || fail "make -C $1 CC=$3 failed"
  [ -s "$tmp/err" ] && fail "make -C $1 CC=$3 printed warnings or errors"
  [ -x "$1/$2_run" ] || fail "make -C $1 CC=$3 did not build $2_run"
}

# outputs MODEL: how many golden outputs the model has.
outputs() {
  o_n=0
  while [ -f "$shared/golden/$1/seed1.output$o_n.bin" ]; do o_n=$((o_n + 1)); done
  [ "$o_n" -gt 0 ] || fail "no golden outputs for $1"
  echo "$o_n"
}

# check_seeds DIR NAME MODEL IO [WHAT]: runs DIR/NAME_run on seeds 1..3 (IO:
# float or int8) and compares every output with the golden.
check_seeds() {
  cs_n=$(outputs "$3")
  cs_in=""
  cs_out=""
  if [ "$4" = int8 ]; then
    cs_in=".int8"
    cs_out=".int8"
  fi
  for seed in 1 2 3; do
    cs_input="$shared/golden/$3/seed$seed.input$cs_in.bin"
    [ -f "$cs_input" ] || fail "$cs_input is absent"
    rm -rf "$tmp/o"
    mkdir "$tmp/o"
    "$1/$2_run" "$cs_input" "$tmp/o" >"$tmp/out" 2>"$tmp/err" ||
      fail "$2_run on seed $seed ($4 I/O${5:+, $5}) exited non-zero"
    k=0
    while [ "$k" -lt "$cs_n" ]; do
      cs_want="$shared/golden/$3/seed$seed.output$k$cs_out.bin"
      [ -f "$tmp/o/output$k.bin" ] || fail "$2_run wrote no output$k.bin (seed $seed, $4 I/O)"
      cmp "$tmp/o/output$k.bin" "$cs_want" >"$tmp/cmp" 2>&1 ||
        fail "$3 seed $seed output $k ($4 I/O${5:+, $5}) differs from $cs_want: $(cat "$tmp/cmp")"
      k=$((k + 1))
    done
    [ -f "$tmp/o/output$cs_n.bin" ] && fail "$2_run wrote more outputs than the golden has"
  done
}

# layer_comments DIR NAME: one "/* op N KIND -> [shape][, M MACs] */" comment
# per layer ("N layers" in tmc compile's first output line).
layer_comments() {
  lc_n=$(sed -n 's/.*: \([0-9][0-9]*\) layers, .*/\1/p' "$tmp/out" | head -n 1)
  [ -n "$lc_n" ] || fail "tmc compile did not print the number of layers"
  lc_c=$(sed -n "/^$2_status $2_invoke(void \*arena, size_t arena_bytes)/,/^}/p" "$1/$2.c" |
    grep -c -E '^ */\* op [0-9]+ [A-Z_0-9]+ -> \[[0-9,]+\](, [0-9]+ MACs)? \*/$')
  [ "$lc_c" -eq "$lc_n" ] ||
    fail "$2_invoke has $lc_c layer comments '/* op N KIND -> [shape][, M MACs] */', expected $lc_n"
}

# check_invokes DIR NAME MODEL [WHAT]: DIR/NAME_run on seeds 1..3, three
# invokes each, every output against the golden.
check_invokes() {
  for seed in 1 2 3; do
    g="$shared/golden/$3/seed$seed"
    for f in "$g.input.bin" "$g.invoke1.input.bin" "$g.invoke2.input.bin"; do
      [ -f "$f" ] || fail "$f is absent"
    done
    rm -rf "$tmp/o"
    mkdir "$tmp/o"
    "$1/$2_run" "$g.input.bin" "$g.invoke1.input.bin" "$g.invoke2.input.bin" "$tmp/o" \
      >"$tmp/out" 2>"$tmp/err" || fail "$2_run on seed $seed (${4:-}) exited non-zero: $(head -n 3 "$tmp/err")"
    for f in output0 invoke1.output0 invoke2.output0; do
      cmp "$tmp/o/$f.bin" "$g.$f.bin" >"$tmp/cmp" 2>&1 ||
        fail "$3 seed $seed $f (${4:-}) differs from the golden: $(cat "$tmp/cmp")"
    done
    [ -f "$tmp/o/invoke3.output0.bin" ] && fail "$2_run wrote a fourth invoke"
  done
}

case "$case_name" in
  sequence)
    for m in keyword_scrambled trained_lstm_int8; do
      d="$tmp/$m"
      compile "$d" seq "$m"
      layer_comments "$d" seq
      grep -q 'void seq_reset(void \*arena);' "$d/seq.h" || fail "$m: no seq_reset in seq.h"
      grep -q '#define SEQ_STATE_BYTES [1-9]' "$d/seq.h" || fail "$m: no SEQ_STATE_BYTES"
      for cc in $compilers; do
        build "$d" seq "$cc"
        check_invokes "$d" seq "$m" "$cc"
      done
      rm -f "$d/seq_run"
      make -s -B -C "$d" CC=gcc CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Werror -pedantic \
        -fsanitize=address,undefined -fno-sanitize-recover=all" >"$tmp/out" 2>"$tmp/err" ||
        fail "$m: the generated C does not build with the sanitizers"
      check_invokes "$d" seq "$m" "sanitizers"
      echo "$m: 3 seeds x 3 invokes match ($compilers, sanitizers)"
      rm -rf "$d"
    done
    ;;
  patches)
    # Patch-based inference in the generated C: --patch auto and a forced
    # uneven grid per model, float and int8 I/O, every seed.
    for spec in vww:auto vww:7:3x3 mcunetv2_large:auto mcunetv2_large:11:3x5 \
                detection:auto detection:5:5x3 lenet:auto; do
      m=${spec%%:*}
      pc=${spec#*:}
      for io in float int8; do
        d="$tmp/$m-patch-$io"
        if [ "$io" = int8 ]; then
          compile "$d" net "$m" --io int8 --patch "$pc"
        else
          compile "$d" net "$m" --patch "$pc"
        fi
        layer_comments "$d" net
        build "$d" net gcc
        check_seeds "$d" net "$m" "$io" "--patch $pc"
        rm -rf "$d"
      done
    done
    ;;
  arena_exact)
    # The generated C of every model (--io int8, layer by layer, --patch
    # auto and --target cortex-m7) under AddressSanitizer with an arena of exactly NAME_ARENA_BYTES
    # (malloc'd, so one byte past it is caught): outputs match seed 1's
    # goldens; one byte less is refused with NAME_ERR_ARENA_SIZE.
    command -v gcc >/dev/null 2>&1 || skip "gcc is absent"
    echo 'int main(void) { return 0; }' >"$tmp/probe.c"
    gcc -fsanitize=address -o "$tmp/probe" "$tmp/probe.c" >/dev/null 2>&1 ||
      skip "gcc cannot link with -fsanitize=address here"
    for m in vww mcunetv2_large detection lenet; do
      cfgs="none auto dsp"
      [ "$m" = mcunetv2_large ] && cfgs="none auto" # the largest: its DSP run is the mcu label's
      for pc in $cfgs; do
        d="$tmp/$m-exact-$pc"
        what="--patch $pc"
        if [ "$pc" = dsp ]; then # the DSP cores' kernels (dsp.h's portable forms here)
          what="--target cortex-m7"
          compile "$d" net "$m" --io int8 --target cortex-m7
        else
          compile "$d" net "$m" --io int8 --patch "$pc"
        fi
        cat >"$d/exact_main.c" <<'EOC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

/* exact_main INPUT OUTDIR: runs net in a heap arena of NET_ARENA_BYTES. */
int main(int argc, char **argv) {
  unsigned char *arena = malloc(NET_ARENA_BYTES);
  FILE *f;
  char path[4096];
  net_status s;
  if (argc != 3 || arena == NULL) return 2;
  if (net_invoke(arena, NET_ARENA_BYTES - 1) != NET_ERR_ARENA_SIZE) {
    fprintf(stderr, "an arena one byte short was not refused\n");
    return 5;
  }
  f = fopen(argv[1], "rb");
  if (f == NULL || fread(net_input0(arena), 1, NET_INPUT0_BYTES, f) != NET_INPUT0_BYTES)
    return 3;
  fclose(f);
  s = net_invoke(arena, NET_ARENA_BYTES);
  if (s != NET_OK) {
    fprintf(stderr, "%s\n", net_status_str(s));
    return 4;
  }
  snprintf(path, sizeof path, "%s/output0.bin", argv[2]);
  f = fopen(path, "wb");
  if (f == NULL || fwrite(net_output0(arena), 1, NET_OUTPUT0_BYTES, f) != NET_OUTPUT0_BYTES)
    return 3;
  fclose(f);
  free(arena);
  return 0;
}
EOC
        rm -f "$d/net_main.c"
        gcc -std=c11 -O1 -g -Wall -Wextra -Werror -pedantic -fsanitize=address,undefined \
          -fno-sanitize-recover=all -o "$d/exact" "$d"/*.c -lm >"$tmp/out" 2>"$tmp/err" ||
          fail "$m $what: the generated C does not build with the sanitizers"
        mkdir -p "$d/o"
        ASAN_OPTIONS=detect_leaks=1 "$d/exact" "$shared/golden/$m/seed1.input.int8.bin" "$d/o" \
          >"$tmp/out" 2>"$tmp/err" || fail "$m $what: exact arena run failed"
        cmp -s "$d/o/output0.bin" "$shared/golden/$m/seed1.output0.int8.bin" ||
          fail "$m $what: output 0 differs from the golden"
        rm -rf "$d"
      done
    done
    ;;
  vww | mcunetv2_large | detection | lenet)
    m=$case_name
    for io in float int8; do
      d="$tmp/$m-$io"
      if [ "$io" = int8 ]; then
        compile "$d" "$m" "$m" --io int8
      else
        compile "$d" "$m" "$m"
      fi
      layer_comments "$d" "$m"
      for cc in $compilers; do
        build "$d" "$m" "$cc"
        check_seeds "$d" "$m" "$m" "$io" "$cc"
      done
      rm -rf "$d"
    done
    if [ "$m" = vww ]; then
      d="$tmp/$m-first-fit"
      compile "$d" net "$m" --io int8 --planner first-fit
      build "$d" net gcc
      check_seeds "$d" net "$m" int8 "first-fit"
    fi
    ;;
  profile)
    for spec in lenet:float vww:int8 detection:int8 mcunetv2_large:float; do
      m=${spec%%:*}
      io=${spec#*:}
      d="$tmp/$m-profile"
      if [ "$io" = int8 ]; then
        compile "$d" "p_$m" "$m" --profile --io int8
      else
        compile "$d" "p_$m" "$m" --profile
      fi
      layers=$(sed -n 's/.*: \([0-9][0-9]*\) layers, .*/\1/p' "$tmp/out" | head -n 1)
      grep -q "p_${m}_layers" "$d/p_$m.c" || fail "$m: no p_${m}_layers[] in p_$m.c"
      grep -q "p_${m}_profile" "$d/p_$m.h" || fail "$m: no p_${m}_profile hook in p_$m.h"
      build "$d" "p_$m" gcc
      check_seeds "$d" "p_$m" "$m" "$io" "--profile"
      # The table: a header, one row per layer "index OP MACs ms", a total.
      grep -q -E '^ *layer +op +MACs' "$tmp/out" || fail "$m --profile: no table header"
      rows=$(grep -c -E '^ *[0-9]+ +[A-Z_0-9]+ +[0-9]+ +[0-9.]+$' "$tmp/out")
      [ "$rows" -eq "$layers" ] || fail "$m --profile: $rows table rows, expected $layers"
      grep -q -E '^total [0-9.]+ ms' "$tmp/out" || fail "$m --profile: no total line"
      echo "--- $m (--profile, $io I/O), first rows of the table:"
      head -n 6 "$tmp/out"
      rm -rf "$d"
    done
    ;;
  detect_main)
    cfg="$shared/models/detection_config.json"
    [ -f "$cfg" ] || skip "$cfg is absent"
    for io in int8 float; do
      d="$tmp/det-$io"
      if [ "$io" = int8 ]; then
        compile "$d" det detection --io int8 --detect "$cfg"
        io_flag="--io int8"
        sfx=".int8"
      else
        compile "$d" det detection --detect "$cfg"
        io_flag=""
        sfx=""
      fi
      grep -q 'det_detect(' "$d/det.h" || fail "no det_detect() in det.h"
      [ -f "$d/det_detect.c" ] || fail "--detect: det_detect.c was not copied"
      build "$d" det gcc
      check_seeds "$d" det detection "$io" "--detect"
      for seed in 1 2 3; do
        in="$shared/golden/detection/seed$seed.input$sfx.bin"
        "$d/det_run" "$in" "$tmp/o" >"$tmp/gen" 2>&1 || fail "det_run seed $seed failed"
        # shellcheck disable=SC2086
        "$tmc" run "$shared/models/detection.tflite" $io_flag --input "$in" --out "$tmp/o2" \
          --detect "$cfg" >"$tmp/host" 2>&1 || fail "tmc run --detect seed $seed failed"
        grep -E '^detections|^  class ' "$tmp/gen" >"$tmp/gen.boxes"
        grep -E '^detections|^  class ' "$tmp/host" >"$tmp/host.boxes"
        [ -s "$tmp/host.boxes" ] || fail "tmc run --detect printed no detections line"
        cmp -s "$tmp/gen.boxes" "$tmp/host.boxes" ||
          fail "seed $seed ($io I/O): det_run's boxes differ from tmc run --detect's:
$(diff "$tmp/gen.boxes" "$tmp/host.boxes")"
        echo "seed $seed ($io I/O): $(head -n 1 "$tmp/gen.boxes")"
      done
      rm -rf "$d"
    done
    ;;
  *)
    echo "emit_golden_test.sh: unknown case '$case_name'" >&2
    exit 1
    ;;
esac
exit 0
