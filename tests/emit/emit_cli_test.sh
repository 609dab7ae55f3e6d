#!/bin/sh
# emit_cli_test.sh CASE TMC ARG: one check of 'tmc compile' (src/cli/cmd_compile.c,
# src/emit), run by CTest (tests/emit/CMakeLists.txt registers one test per
# case). Exits 0 when the check passes, 1 when it fails (saying what), 77
# when it cannot run here (CTest's skip: a model, ../shared or a tool absent).
#
# Cases (ARG: the example model for the first three, the shared folder for
# the others):
#   usage MODEL        usage errors exit 2 and create nothing: no -o, no model,
#                      --name 9abc / a-b / '' / 41 characters / tmc / tmc_* in
#                      any case (the kernels' prefix), options without
#                      a value, unknown options and values, two models;
#                      --help exits 0; a valid odd name (_x9) is accepted
#   errors MODEL       errors exit 1 and leave nothing in DIR: --limit below
#                      the arena (DIR new, empty, or holding an unrelated file),
#                      -o a regular file or below one, a file of the output
#                      already present as a directory (first or last written);
#                      --limit equal to the arena succeeds; no temporary files
#                      are left after a success
#   example MODEL      the example model end to end: 'cc -c DIR/*.c' with the
#                      strict flags needs nothing else; with --main (int8 and
#                      float I/O) make builds NAME_run (gcc, clang when
#                      present) whose outputs equal 'tmc run' on the same
#                      input; the compile report names arena, flash, largest layer
#   report SHARED      vww --io int8: NAME_report.json is JSON (python3 when
#                      present) with name, io_int8, flash.{weights,params,
#                      constants}_bytes and plan.arena_bytes; these equal the
#                      printed figures and NAME_ARENA_BYTES; the constants are
#                      within 5% of the compiled objects' read-only data
#   arena SHARED       NAME_ARENA_BYTES equals 'tmc plan's arena for the four
#                      models, float and --io int8, best and first-fit;
#                      --limit ARENA succeeds, --limit ARENA-1 fails (nothing left)
#   no_float SHARED    --io int8 models (vww, lenet, detection, mcunetv2_large):
#                      no NAME_detect.c, NAME_quantize.c, NAME_dequantize.c,
#                      NAME_softmax_f32.c among the files; NAME.c, NAME_weights.c
#                      and the kernels compile
#                      with gcc -mgeneral-regs-only and need no symbol besides
#                      memcpy/memset and no soft-float helper; with
#                      arm-none-eabi-gcc -mfloat-abi=soft, no __aeabi float
#                      helper either. A float-I/O model's model_quantize.c is the
#                      positive control (the method does see floating point).
#   detect_errors SHARED  --detect configs that don't fit: unknown tensor,
#                      wrong class count, not JSON, missing file, another
#                      model: exit 1, a named error, nothing left in DIR
#   constants_used SHARED  every const array of NAME_weights.c is used by
#                      NAME.c (vww, lenet, detection, mcunetv2_large --io int8;
#                      lenet float): no flash spent on data the invoke never reads
#   fixtures DIR       the single-op fixture models (tests/fixtures, written
#                      by emit_write_fixtures): conv, depthwise, fully
#                      connected and add variants compile with --main, build
#                      (gcc, clang) and give 'tmc run's outputs byte for byte
#                      on deterministic int8 inputs; LSTM and a custom op exit
#                      1 with a named error and leave nothing
#   patch_fixture DIR  the MobileNetV2-style fixture from NCHW (224x224, a
#                      leading TRANSPOSE, a residual block): --patch auto at
#                      least 4x below layer by layer, the stage from op 1,
#                      the residual ADD strided; the generated C (gcc, clang)
#                      gives layer-by-layer 'tmc run's output byte for byte
#   two_models DIR     (DIR: the fixture models) conv_default, fc_batch3_per_channel_relu
#                      and dw_mult2_stride compiled as conv, fc and dw go into ONE
#                      host program (and their files into one folder without a
#                      clash): gcc/clang -Werror -pedantic, every defined global
#                      symbol begins with its model's name, each model's outputs
#                      equal 'tmc run's
#   two_models_golden SHARED  the same with lenet and vww (--io int8) against the
#                      goldens (seeds 1..3)
#   two_models_mcu SHARED  lenet and vww (--io int8) in one Cortex-M7 image built
#                      with the bench's startup, syscalls and linker script
#                      (SHARED/bench/mcu), -Werror -pedantic; run under QEMU by
#                      its run.sh: both outputs equal the goldens (seed 1) and
#                      the stack painted inside each invoke is within its
#                      NAME_STACK_BYTES. Links only and skips (77) when QEMU or
#                      the bench's plugin is not set up; skips without
#                      arm-none-eabi-gcc
#   hostile DIR        hostile_names.model (tensor names with */ /* newline " \
#                      ??/ control bytes, non-UTF-8) under a file name with * " \
#                      ??= a newline and 0xff: compile --main --profile; the C
#                      builds with gcc/clang -Werror -pedantic and runs bit-exact
#                      against 'tmc run'; the names appear escaped in the header
#                      comments, no generated C or header holds a byte >= 0x80,
#                      a control character or "??"; NAME_report.json and 'tmc plan
#                      --json' are UTF-8 JSON that tmc's reader parses and give
#                      the names back (invalid bytes as U+FFFD); the SVG is UTF-8
#   terminal DIR       terminal_names.model (tensor names with ANSI escapes,
#                      an OSC title sequence, newline, CR, DEL, backspace) under
#                      a file name with an escape, and terminal_custom.model (a
#                      custom op whose code holds them): the text of inspect,
#                      plan, run, compile and their error messages holds no
#                      control byte but newline, and the names appear as \xNN
#   library_names MODEL  --name kernels / requant / kutil / fixedpoint / detect /
#                      conv2d (a model named like a kernel library file): builds
#                      with --main and equals 'tmc run'; with TMC_SHARED_DIR, also
#                      detection --detect --name detect
#   reproducible MODEL  compiling twice (different folders, different working
#                      directories, --main --profile, and --patch auto for
#                      another model) gives byte-identical folders; the report
#                      has no code_bytes and no compiler without --measure-code
#   cmake MODEL        a CMake project written here does add_subdirectory(gen),
#                      links the library target NAME into its own main, builds
#                      (-Werror -pedantic) and runs bit-exact against 'tmc run';
#                      the generated folder alone (cmake -S gen) builds NAME_run
#   measure_code SHARED  --measure-code (vww, lenet, detection --detect, vww
#                      --patch auto; skips without arm-none-eabi-gcc): NAME.h's
#                      NAME_STACK_BYTES is the measured chain and within the
#                      static bound; the report names the compiler (its --version
#                      line) and flags and has code_bytes and the stack per level
#   cortex_m SHARED    every generated .c of vww, lenet, detection (--io int8;
#                      detection also with --detect and --profile) compiles with
#                      arm-none-eabi-gcc -std=c11 -Wall -Wextra -Werror -pedantic
#                      -O2 for Cortex-M4 (fpv4-sp-d16) and Cortex-M7 (fpv5-d16);
#                      skips without arm-none-eabi-gcc
set -u

case_name=${1:?case}
tmc=${2:?path of tmc}
arg=${3:-}

. "$(dirname "$0")/../testlib.sh"
unset CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS

STRICT="-std=c11 -Wall -Wextra -Werror -pedantic"

# note_fail MESSAGE: a failure that lets the case go on to report the rest
# (the case ends with 'exit $failed').
failed=0
note_fail() {
  echo "FAIL [$case_name]: $*" >&2
  failed=1
}


need_file() { [ -f "$1" ] || skip "$1 is absent"; }

# nothing_in DIR [KEEP...]: DIR is absent, or holds nothing but the KEEP names.
nothing_in() {
  ni_dir=$1
  shift
  [ -e "$ni_dir" ] || return 0
  [ -d "$ni_dir" ] || fail "$ni_dir is not a folder any more"
  ls -A "$ni_dir" >"$tmp/left"
  for ni_keep in "$@"; do
    grep -v -x -F -e "$ni_keep" "$tmp/left" >"$tmp/left2"
    mv "$tmp/left2" "$tmp/left"
  done
  [ -s "$tmp/left" ] && fail "files left in $ni_dir after an error: $(tr '\n' ' ' <"$tmp/left")"
  return 0
}

# arena_h FILE NAME: the value of NAME_ARENA_BYTES in FILE.
arena_h() {
  ah_up=$(echo "$2" | tr '[:lower:]' '[:upper:]')
  sed -n "s/^#define ${ah_up}_ARENA_BYTES \([0-9][0-9]*\).*/\1/p" "$1"
}

# printed_arena: the arena figure of tmc compile's output in $tmp/out.
printed_arena() { sed -n 's/^arena (SRAM): \([0-9][0-9]*\) bytes.*/\1/p' "$tmp/out"; }

# bytes FILE N SEED KIND: N deterministic bytes (int8: any byte; float32:
# little-endian values of magnitude in [0.125, 0.5)).
bytes() {
  awk -v n="$2" -v x="$3" -v kind="$4" 'BEGIN {
    for (i = 0; i < n; i++) {
      x = (x * 75 + 74) % 65537
      b = x % 256
      if (kind == "float" && i % 4 == 3) b = (b % 2) ? 190 : 62
      printf "\\%03o", b
    }
  }' >"$tmp/bytes.fmt"
  # shellcheck disable=SC2059
  printf "$(cat "$tmp/bytes.fmt")" >"$1"
  [ "$(wc -c <"$1" | tr -d ' ')" -eq "$2" ] || fail "could not write $2 bytes to $1"
}

compilers="gcc"
command -v clang >/dev/null 2>&1 && compilers="gcc clang"

case "$case_name" in
  usage)
    model=${arg:?model}
    need_file "$model"
    o="$tmp/o"
    run 2 compile
    err_has "usage: tmc compile"
    run 2 compile "$model"
    err_has "-o"
    err_has "usage: tmc compile"
    run 2 compile -o "$o"
    err_has "no model given"
    for bad in 9abc a-b "" "a b" x.y "é" abcdefghijabcdefghijabcdefghijabcdefghijk \
      tmc TMC Tmc tmc_net TMC_X tMc_; do
      run 2 compile "$model" -o "$o" --name "$bad"
      err_has "--name '$bad' is not a C identifier"
      [ -e "$o" ] && fail "--name '$bad': $o was created"
    done
    for opt in -o --name --detect --io --planner --limit; do
      run 2 compile "$model" "$opt"
      [ -e "$o" ] && fail "$opt without a value: $o was created"
    done
    run 2 compile "$model" -o "$o" --bogus
    err_has "unknown option '--bogus'"
    run 2 compile "$model" -o "$o" --io int16
    run 2 compile "$model" -o "$o" --planner magic
    run 2 compile "$model" -o "$o" --limit 12abc
    run 2 compile "$model" "$model" -o "$o"
    err_has "one model at a time"
    [ -e "$o" ] && fail "a usage error created $o"
    run 0 compile --help
    out_has "usage: tmc compile MODEL -o DIR"
    # Every option compile takes is in its --help.
    for opt in -o --name --io --limit --planner --patch --profile --main --detect \
      --measure-code; do
      grep -q -e "^ *$opt " -e "\[$opt[] ]" "$tmp/out" || fail "compile --help lacks $opt"
    done
    # Each option at most once: a usage error naming it, nothing written.
    for twice in "-o $o" "--name a" "--io int8" "--planner best" "--limit 100000" \
      "--patch none" "--detect x.json" "--profile" "--main" "--measure-code"; do
      # shellcheck disable=SC2086
      run 2 compile "$model" -o "$o" $twice $twice
      err_has "tmc compile: ${twice%% *} given twice"
      [ -e "$o" ] && fail "'$twice' twice: $o was created"
    done
    for bad in 4294967301:2x2 99999999999:2x2; do
      run 2 compile "$model" -o "$o" --patch "$bad"
      err_has "--patch '$bad': the split op is out of range"
    done
    run 2 compile "$model" -o "$o" --limit 99999999999999999999
    err_has "--limit '99999999999999999999' is not a positive number of bytes (out of range"
    [ -e "$o" ] && fail "a usage error created $o"
    # Standard output that cannot be written: exit 1, the files are written.
    if [ -w /dev/full ]; then
      "$tmc" compile "$model" -o "$o" >/dev/full 2>"$tmp/err"
      full_rc=$?
      [ "$full_rc" -eq 1 ] || fail "compile >/dev/full exited $full_rc, expected 1"
      err_has "tmc: cannot write standard output: "
      rm -rf "$o"
    fi
    run 0 compile "$model" -o "$o" --name tmcnet
    run 0 compile "$model" -o "$o" --name _x9
    [ -f "$o/_x9.h" ] && [ -f "$o/_x9.c" ] && [ -f "$o/_x9_report.json" ] ||
      fail "--name _x9 did not write _x9.h, _x9.c, _x9_report.json"
    grep -q '^_x9_status _x9_invoke(void \*arena, size_t arena_bytes);' "$o/_x9.h" || fail "_x9.h lacks _x9_invoke"
    grep -q '_X9_ARENA_BYTES' "$o/_x9.h" || fail "_x9.h lacks _X9_ARENA_BYTES"
    ;;
  errors)
    model=${arg:?model}
    need_file "$model"
    run 0 compile "$model" -o "$tmp/ok"
    arena=$(printed_arena)
    [ -n "$arena" ] || fail "tmc compile printed no 'arena (SRAM): N bytes'"
    for f in "$tmp"/ok/.* "$tmp"/ok/*; do
      case "$f" in *tmc-tmp*) fail "temporary file $f left after a success" ;; esac
    done
    # A limit that cannot be met: a new DIR, an empty DIR, a DIR with a file.
    run 1 compile "$model" -o "$tmp/new" --limit 100
    err_has "more than the limit of 100"
    nothing_in "$tmp/new"
    mkdir "$tmp/empty" "$tmp/other"
    echo keep >"$tmp/other/notes.txt"
    run 1 compile "$model" -o "$tmp/empty" --limit $((arena - 1))
    err_has "more than the limit of $((arena - 1))"
    nothing_in "$tmp/empty"
    run 1 compile "$model" -o "$tmp/other" --limit 100 --main
    nothing_in "$tmp/other" notes.txt
    [ "$(cat "$tmp/other/notes.txt")" = keep ] || fail "an unrelated file was changed"
    run 0 compile "$model" -o "$tmp/exact" --limit "$arena"
    # Unwritable output: a regular file, a path below a regular file.
    echo data >"$tmp/file"
    run 1 compile "$model" -o "$tmp/file"
    err_has "$tmp/file"
    [ "$(cat "$tmp/file")" = data ] || fail "-o FILE changed the file"
    run 1 compile "$model" -o "$tmp/file/sub"
    [ -e "$tmp/file/sub" ] && fail "-o FILE/sub created something"
    if [ "$(id -u)" -ne 0 ]; then
      mkdir "$tmp/ro"
      chmod 555 "$tmp/ro"
      run 1 compile "$model" -o "$tmp/ro"
      nothing_in "$tmp/ro"
      run 1 compile "$model" -o "$tmp/ro/sub"
      chmod 755 "$tmp/ro"
    fi
    # One output name already taken by a folder: writing fails at that file,
    # whether it is the first file renamed into place or the last; every
    # other file must be gone too.
    for taken in model.h model_report.json; do
      rm -rf "$tmp/taken"
      mkdir -p "$tmp/taken/$taken"
      run 1 compile "$model" -o "$tmp/taken"
      err_has "$taken"
      nothing_in "$tmp/taken" "$taken"
    done
    ;;
  example)
    model=${arg:?model}
    need_file "$model"
    # 'cc -c DIR/*.c' needs nothing else.
    run 0 compile "$model" -o "$tmp/plain"
    out_has "arena (SRAM): "
    out_has "flash constants: "
    out_has "largest layer: op "
    mkdir "$tmp/objs"
    for cc in $compilers; do
      for f in "$tmp"/plain/*.c; do
        # shellcheck disable=SC2086
        (cd "$tmp/objs" && $cc $STRICT -O2 -c "$f" -o "$(basename "$f").o") \
          >"$tmp/out" 2>"$tmp/err" || fail "$cc -c $(basename "$f") failed"
        [ -s "$tmp/err" ] && fail "$cc -c $(basename "$f") printed warnings"
      done
    done
    for io in int8 float; do
      d="$tmp/main-$io"
      if [ "$io" = int8 ]; then
        run 0 compile "$model" -o "$d" --main --name tiny --io int8
        flag="--io int8"
      else
        run 0 compile "$model" -o "$d" --main --name tiny
        flag=""
      fi
      n=$(sed -n 's/^#define TINY_INPUT0_BYTES \([0-9][0-9]*\).*/\1/p' "$d/tiny.h")
      [ -n "$n" ] || fail "tiny.h has no TINY_INPUT0_BYTES"
      for seed in 1 2; do
        bytes "$tmp/in$seed.bin" "$n" "$seed" "$io"
      done
      for cc in $compilers; do
        make -s -B -C "$d" CC="$cc" >"$tmp/out" 2>"$tmp/err" || fail "make CC=$cc failed ($io I/O)"
        [ -s "$tmp/err" ] && fail "make CC=$cc printed warnings ($io I/O)"
        for seed in 1 2; do
          rm -rf "$tmp/g" "$tmp/h"
          mkdir "$tmp/g"
          "$d/tiny_run" "$tmp/in$seed.bin" "$tmp/g" >"$tmp/out" 2>"$tmp/err" ||
            fail "tiny_run ($io I/O, $cc) failed"
          # shellcheck disable=SC2086
          run 0 run "$model" $flag --input "$tmp/in$seed.bin" --out "$tmp/h"
          for f in "$tmp"/h/output*.bin; do
            cmp -s "$f" "$tmp/g/$(basename "$f")" ||
              fail "tiny_run's $(basename "$f") ($io I/O, $cc, input $seed) differs from tmc run's"
          done
        done
      done
      # A wrong-sized input is refused.
      printf 'abc' >"$tmp/short.bin"
      "$d/tiny_run" "$tmp/short.bin" "$tmp/g" >"$tmp/out" 2>"$tmp/err" &&
        fail "tiny_run accepted a 3-byte input"
    done
    ;;
  report)
    shared=${arg:?shared}
    need_file "$shared/models/vww.tflite"
    d="$tmp/r"
    run 0 compile "$shared/models/vww.tflite" -o "$d" --io int8 --name vww
    [ -f "$d/vww_report.json" ] || fail "no vww_report.json"
    arena=$(printed_arena)
    flash=$(sed -n 's/^flash constants: \([0-9][0-9]*\) bytes.*/\1/p' "$tmp/out")
    [ -n "$arena" ] && [ -n "$flash" ] || fail "compile printed no arena or flash figure"
    [ "$(arena_h "$d/vww.h" vww)" = "$arena" ] ||
      fail "VWW_ARENA_BYTES $(arena_h "$d/vww.h" vww) differs from the printed arena $arena"
    (cd "$d" && gcc -std=c11 -O2 -c vww.c vww_weights.c) >"$tmp/out" 2>"$tmp/err" ||
      fail "cannot compile vww.c vww_weights.c"
    ro=$(size -A "$d/vww.o" "$d/vww_weights.o" 2>/dev/null |
      awk '$1 ~ /^\.(rodata|data)/ { s += $2 } END { print s + 0 }')
    if command -v python3 >/dev/null 2>&1; then
      python3 - "$d/vww_report.json" "$arena" "$flash" "$ro" <<'EOF' >"$tmp/out" 2>"$tmp/err" ||
import json, sys
d = json.load(open(sys.argv[1]))
arena, flash, ro = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
assert d["name"] == "vww", d["name"]
assert d["io_int8"] is True, d["io_int8"]
assert d["model"] == "vww.tflite", d["model"]
f = d["flash"]
for k in ("weights_bytes", "params_bytes", "constants_bytes"):
    assert isinstance(f[k], int) and f[k] > 0, (k, f[k])
assert f["constants_bytes"] == f["weights_bytes"] + f["params_bytes"], f
assert f["constants_bytes"] == flash, (f["constants_bytes"], flash)
p = d["plan"]
assert p["arena_bytes"] == arena, (p["arena_bytes"], arena)
assert p["lower_bound_bytes"] <= p["arena_bytes"], p["lower_bound_bytes"]
assert p["steps"] > 0 and len(p["tensors"]) > 0, (p["steps"], len(p["tensors"]))
if ro:
    assert abs(ro - flash) <= 0.05 * flash, ("object read-only data", ro, "report", flash)
print("report ok: arena", arena, "constants", flash, "objects' rodata+data", ro)
EOF
        fail "vww_report.json: $(tail -n 1 "$tmp/err")"
      cat "$tmp/out"
    else
      echo "python3 absent: JSON syntax not checked"
      grep -q '"arena_bytes": '"$arena" "$d/vww_report.json" || fail "no arena_bytes $arena"
      grep -q '"constants_bytes": '"$flash" "$d/vww_report.json" || fail "no constants_bytes"
    fi
    ;;
  arena)
    shared=${arg:?shared}
    for m in vww lenet detection mcunetv2_large; do
      need_file "$shared/models/$m.tflite"
      for io in "" "--io int8"; do
        for p in best first-fit; do
          # shellcheck disable=SC2086
          run 0 plan "$shared/models/$m.tflite" $io --planner $p
          want=$(sed -n 's/^[^ ]*: arena \([0-9][0-9]*\) bytes.*/\1/p' "$tmp/out" | head -n 1)
          [ -n "$want" ] || fail "tmc plan printed no 'arena N bytes'"
          rm -rf "$tmp/a"
          # shellcheck disable=SC2086
          run 0 compile "$shared/models/$m.tflite" -o "$tmp/a" $io --planner $p --name net
          got=$(arena_h "$tmp/a/net.h" net)
          [ "$got" = "$want" ] ||
            fail "$m $io $p: NET_ARENA_BYTES is $got, tmc plan says $want"
          [ "$(printed_arena)" = "$want" ] || fail "$m $io $p: printed arena $(printed_arena) != $want"
          echo "$m ${io:-float} $p: arena $got"
        done
      done
    done
    # --limit at the arena succeeds, one byte less fails and leaves nothing.
    run 0 plan "$shared/models/vww.tflite" --io int8
    a=$(sed -n 's/^[^ ]*: arena \([0-9][0-9]*\) bytes.*/\1/p' "$tmp/out" | head -n 1)
    run 0 compile "$shared/models/vww.tflite" -o "$tmp/l1" --io int8 --limit "$a"
    run 1 compile "$shared/models/vww.tflite" -o "$tmp/l2" --io int8 --limit $((a - 1)) --main
    err_has "the peak is at op "
    nothing_in "$tmp/l2"
    ;;
  no_float)
    shared=${arg:?shared}
    command -v gcc >/dev/null 2>&1 || skip "gcc absent"
    command -v nm >/dev/null 2>&1 || skip "nm absent"
    # Does gcc -mgeneral-regs-only see floating point? (x86: an error, or a
    # call of a soft-float helper such as __fixsfsi.)
    printf 'int f(int a, int b) { float x = (float)a * 0.5f; return (int)(x * (float)b); }\n' \
      >"$tmp/probe.c"
    if ! gcc -std=c11 -O2 -mgeneral-regs-only -c "$tmp/probe.c" -o "$tmp/probe.o" 2>/dev/null; then
      :
    elif nm -u "$tmp/probe.o" | grep -q -E '__[a-z]+[sd]f'; then
      :
    else
      skip "gcc -mgeneral-regs-only accepts floating point silently here"
    fi
    arm=""
    command -v arm-none-eabi-gcc >/dev/null 2>&1 && command -v arm-none-eabi-nm >/dev/null 2>&1 &&
      arm=yes
    # float_free DIR WHAT: the invoke path of DIR has no floating point.
    float_free() {
      ff_srcs=""
      for f in "$1"/*.c; do
        case "$(basename "$f")" in
          *_main.c) ;;
          *) ff_srcs="$ff_srcs $f" ;;
        esac
      done
      rm -rf "$tmp/obj"
      mkdir "$tmp/obj"
      for f in $ff_srcs; do
        if ! gcc -std=c11 -O2 -mgeneral-regs-only -c "$f" -o "$tmp/obj/$(basename "$f").o" \
          >"$tmp/out" 2>"$tmp/err"; then
          note_fail "$2: $(basename "$f") does not compile with -mgeneral-regs-only (floating point):
$(grep -m 2 -E 'error' "$tmp/err")"
          return 1
        fi
      done
      nm -u "$tmp"/obj/*.o | awk 'NF == 2 { print $2 }' | sort -u >"$tmp/undef"
      nm --defined-only "$tmp"/obj/*.o | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/def"
      comm -23 "$tmp/undef" "$tmp/def" | grep -v -x -e memcpy -e memset >"$tmp/ext"
      if [ -s "$tmp/ext" ]; then
        note_fail "$2: the invoke path calls more than memcpy/memset: $(tr '\n' ' ' <"$tmp/ext")"
        return 1
      fi
      if [ -n "$arm" ]; then
        rm -rf "$tmp/aobj"
        mkdir "$tmp/aobj"
        for f in $ff_srcs; do
          arm-none-eabi-gcc -std=c11 -O2 -mcpu=cortex-m4 -mthumb -mfloat-abi=soft \
            -c "$f" -o "$tmp/aobj/$(basename "$f").o" >"$tmp/out" 2>"$tmp/err" ||
            fail "$2: arm-none-eabi-gcc -mfloat-abi=soft -c $(basename "$f") failed"
        done
        arm-none-eabi-nm -u "$tmp"/aobj/*.o | awk 'NF == 2 { print $2 }' |
          grep -E '^__aeabi_(u?[il]2[fd]|[fd])|^__[a-z]+[sd]f[0-9]?$' | sort -u >"$tmp/fl"
        if [ -s "$tmp/fl" ]; then
          note_fail "$2: soft-float helpers on Cortex-M (floating point): $(tr '\n' ' ' <"$tmp/fl")"
          return 1
        fi
      fi
      return 0
    }
    for m in vww lenet detection mcunetv2_large; do
      need_file "$shared/models/$m.tflite"
      rm -rf "${tmp:?}/$m"
      run 0 compile "$shared/models/$m.tflite" -o "$tmp/$m" --io int8 --main
      for f in detect.c quantize.c dequantize.c softmax_f32.c; do
        [ -e "$tmp/$m/model_$f" ] && note_fail "$m --io int8: model_$f was copied (float code)"
      done
      float_free "$tmp/$m" "$m --io int8" &&
        echo "$m --io int8: no floating point in $(find "$tmp/$m" -name '*.c' | wc -l | tr -d ' ') .c files" \
          "(model_main.c excepted)${arm:+, also on arm-none-eabi -mfloat-abi=soft}"
      rm -rf "${tmp:?}/$m"
    done
    # The positive control: a float-I/O model's QUANTIZE is float code.
    run 0 compile "$shared/models/lenet.tflite" -o "$tmp/flt"
    [ -f "$tmp/flt/model_quantize.c" ] || fail "float lenet: no model_quantize.c"
    if gcc -std=c11 -O2 -mgeneral-regs-only -c "$tmp/flt/model_quantize.c" -o "$tmp/q.o" 2>/dev/null &&
      ! nm -u "$tmp/q.o" | grep -q -E '__[a-z]+[sd]f|lrintf|roundf|floorf'; then
      fail "control: float quantize.c passed the -mgeneral-regs-only check"
    fi
    exit $failed
    ;;
  detect_errors)
    shared=${arg:?shared}
    model="$shared/models/detection.tflite"
    cfg="$shared/models/detection_config.json"
    need_file "$model"
    need_file "$cfg"
    run 0 compile "$model" -o "$tmp/good" --detect "$cfg"
    sed 's/"input_id": "36"/"input_id": "9999"/' "$cfg" >"$tmp/tensor.json"
    sed 's/"num_class": 1,/"num_class": 2,/' "$cfg" >"$tmp/classes.json"
    printf '{ "output1": { "input_id": "175", ' >"$tmp/broken.json"
    printf '{}' >"$tmp/empty.json"
    cmp -s "$cfg" "$tmp/tensor.json" && fail "could not patch the config's tensor id"
    cmp -s "$cfg" "$tmp/classes.json" && fail "could not patch the config's class count"
    for spec in tensor:"tensor 9999 does not exist" classes:"expected [1,H,W," \
      broken:"detection config" empty:"detection config" missing:"missing.json"; do
      c=${spec%%:*}
      msg=${spec#*:}
      rm -rf "$tmp/d"
      mkdir "$tmp/d"
      run 1 compile "$model" -o "$tmp/d" --detect "$tmp/$c.json" --main
      err_has "$msg"
      nothing_in "$tmp/d"
      rm -rf "$tmp/d"
      run 1 compile "$model" -o "$tmp/d" --io int8 --detect "$tmp/$c.json"
      nothing_in "$tmp/d"
    done
    need_file "$shared/models/vww.tflite"
    run 1 compile "$shared/models/vww.tflite" -o "$tmp/v" --detect "$cfg"
    err_has "detection config"
    nothing_in "$tmp/v"
    ;;
  two_models | two_models_golden)
    # Several different models in one host program.
    if [ "$case_name" = two_models ]; then
      fx=${arg:?fixture folder}
      [ -f "$fx/conv_default.tflite" ] || skip "no fixture models in $fx"
      specs="conv:$fx/conv_default.tflite fc:$fx/fc_batch3_per_channel_relu.tflite dw:$fx/dw_mult2_stride.tflite"
      flags=""
    else
      shared=${arg:?shared}
      need_file "$shared/models/lenet.tflite"
      need_file "$shared/models/vww.tflite"
      specs="lenet:$shared/models/lenet.tflite vww:$shared/models/vww.tflite"
      flags="--io int8"
    fi
    names=""
    for spec in $specs; do
      n=${spec%%:*}
      # shellcheck disable=SC2086
      run 0 compile "${spec#*:}" -o "$tmp/gen_$n" --name "$n" $flags
      names="$names $n"
    done
    # All files in one folder: no name is shared.
    mkdir "$tmp/all"
    total=0
    for n in $names; do
      for f in "$tmp/gen_$n"/*; do
        case "$(basename "$f")" in CMakeLists.txt) continue ;; esac
        [ -e "$tmp/all/$(basename "$f")" ] && fail "two models both write $(basename "$f")"
        cp "$f" "$tmp/all/"
        total=$((total + 1))
      done
    done
    # The program: every model's input 0 from a file, all invoked, each
    # output 0 written.
    {
      printf '#include <stdio.h>\n#include <string.h>\n\n'
      for n in $names; do
        N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
        printf '#define %s_DEFAULT_ARENA\n#include "%s.h"\n' "$N" "$n"
        printf '_Static_assert(%s_NUM_INPUTS == 1 && %s_NUM_OUTPUTS == 1, "one input, one output");\n' "$N" "$N"
      done
      cat <<'CEOF'

static int load(const char *path, void *dst, long n) {
  FILE *f = fopen(path, "rb");
  int ok = f != NULL && (long)fread(dst, 1, (size_t)n, f) == n;
  if (f) fclose(f);
  return !ok;
}

static int save(const char *path, const void *src, long n) {
  FILE *f = fopen(path, "wb");
  int ok = f != NULL && (long)fwrite(src, 1, (size_t)n, f) == n;
  if (f) ok = fclose(f) == 0 && ok;
  return !ok;
}

int main(int argc, char **argv) {
  int i = 1;
CEOF
      k=0
      for n in $names; do k=$((k + 2)); done
      printf '  if (argc != %d) return 2;\n' $((k + 1))
      for n in $names; do
        N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
        printf '  if (load(argv[i++], %s_input0(%s_arena), %s_INPUT0_BYTES)) return 3;\n  i++;\n' "$n" "$n" "$N"
      done
      for n in $names; do
        N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
        printf '  {\n    %s_status s = %s_invoke(%s_arena, sizeof %s_arena);\n' "$n" "$n" "$n" "$n"
        printf '    if (s != %s_OK) {\n      fprintf(stderr, "%s: %%s\\n", %s_status_str(s));\n      return 4;\n    }\n  }\n' "$N" "$n" "$n"
      done
      printf '  i = 2;\n'
      for n in $names; do
        N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
        printf '  if (save(argv[i], %s_output0(%s_arena), %s_OUTPUT0_BYTES)) return 5;\n  i += 2;\n' "$n" "$n" "$N"
      done
      printf '  return 0;\n}\n'
    } >"$tmp/all/both_main.c"
    for cc in $compilers; do
      rm -rf "$tmp/obj"
      mkdir "$tmp/obj"
      for f in "$tmp"/all/*.c; do
        # shellcheck disable=SC2086
        $cc $STRICT -O2 -c "$f" -o "$tmp/obj/$(basename "$f" .c).o" >"$tmp/out" 2>"$tmp/err" ||
          fail "$cc: $(basename "$f") does not compile next to the other model"
        [ -s "$tmp/err" ] && fail "$cc: $(basename "$f") printed warnings"
      done
      $cc -o "$tmp/both" "$tmp"/obj/*.o -lm >"$tmp/out" 2>"$tmp/err" ||
        fail "$cc: the models do not link into one program: $(grep -m 3 -i -e 'multiple definition' -e error "$tmp/err")"
      # Every defined global symbol but main belongs to one model.
      nm -g --defined-only "$tmp"/obj/*.o | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/syms"
      for n in $names; do grep -v -e "^${n}_" "$tmp/syms" >"$tmp/syms2"; mv "$tmp/syms2" "$tmp/syms"; done
      grep -v -x main "$tmp/syms" >"$tmp/stray"
      [ -s "$tmp/stray" ] && fail "$cc: global symbols without a model prefix: $(tr '\n' ' ' <"$tmp/stray")"
      for seed in 1 2 3; do
        set --
        for spec in $specs; do
          n=${spec%%:*}
          N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
          if [ "$case_name" = two_models ]; then
            nb=$(sed -n "s/^#define ${N}_INPUT0_BYTES \([0-9][0-9]*\).*/\1/p" "$tmp/all/$n.h")
            bytes "$tmp/$n.in$seed" "$nb" $((seed + 5)) int8
          else
            cp "$shared/golden/$n/seed$seed.input.int8.bin" "$tmp/$n.in$seed"
          fi
          rm -rf "$tmp/out_$n"
          mkdir "$tmp/out_$n"
          set -- "$@" "$tmp/$n.in$seed" "$tmp/out_$n/output0.bin"
        done
        "$tmp/both" "$@" >"$tmp/out" 2>"$tmp/err" || fail "$cc: the two-model program exited $?"
        for spec in $specs; do
          n=${spec%%:*}
          if [ "$case_name" = two_models ]; then
            # shellcheck disable=SC2086
            run 0 run "${spec#*:}" $flags --input "$tmp/$n.in$seed" --out "$tmp/h_$n"
            want="$tmp/h_$n/output0.bin"
          else
            want="$shared/golden/$n/seed$seed.output0.int8.bin"
          fi
          cmp -s "$tmp/out_$n/output0.bin" "$want" ||
            fail "$cc, input $seed: model $n in the shared program differs from $want"
        done
      done
    done
    echo "models$names: $total files in one folder, one program (gcc${compilers#gcc}), outputs bit-exact"
    ;;
  two_models_mcu)
    shared=${arg:?shared}
    mcu="$shared/bench/mcu"
    command -v arm-none-eabi-gcc >/dev/null 2>&1 ||
      skip "arm-none-eabi-gcc absent (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    [ -f "$mcu/harness/mps2_an500.ld" ] || skip "$mcu (the MCU bench) is absent"
    command -v bash >/dev/null 2>&1 || skip "bash absent (the bench's scripts)"
    for m in lenet vww; do
      need_file "$shared/models/$m.tflite"
      need_file "$shared/golden/$m/seed1.input.int8.bin"
      run 0 compile "$shared/models/$m.tflite" -o "$tmp/$m" --io int8 --name "$m"
    done
    # The main (tests/mcu/mcu_main.sh): golden seed 1 embedded, one bench
    # region per invoke, exit 0 only when both outputs match.
    main="$tmp/mcu_main.c"
    sh "$(dirname "$0")/../mcu/mcu_main.sh" \
      -m lenet -i "$shared/golden/lenet/seed1.input.int8.bin" \
      -o "$shared/golden/lenet/seed1.output0.int8.bin" \
      -m vww -i "$shared/golden/vww/seed1.input.int8.bin" \
      -o "$shared/golden/vww/seed1.output0.int8.bin" >"$main" 2>"$tmp/err" ||
      fail "tests/mcu/mcu_main.sh failed"
    srcs="$main"
    for m in lenet vww; do srcs="$srcs $(ls "$tmp/$m"/*.c | tr '\n' ' ')"; done
    ready=$(bash -c 'BENCH_DIR=$(cd "$1" && pwd) && . "$BENCH_DIR/harness/common.sh" && for t in arm-none-eabi-gcc arm-none-eabi-size arm-none-eabi-nm "$(bench_qemu)"; do command -v "$t" >/dev/null || exit 1; done && bench_plugin_ready && echo yes' sh "$mcu" 2>/dev/null)
    if [ "$ready" != yes ]; then
      # Link only: the bench's startup, syscalls and linker script.
      hf="-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16"
      mkdir "$tmp/o"
      for f in "$mcu/harness/startup.c" "$mcu/harness/syscalls.c" "$mcu/harness/bench.c"; do
        # shellcheck disable=SC2086
        arm-none-eabi-gcc $hf -O2 -std=gnu11 -ffunction-sections -fdata-sections -I"$mcu" \
          -c "$f" -o "$tmp/o/h_$(basename "$f" .c).o" >"$tmp/out" 2>"$tmp/err" ||
          fail "the bench's $(basename "$f") does not compile"
      done
      for f in $srcs; do
        # shellcheck disable=SC2086
        arm-none-eabi-gcc $hf -O2 $STRICT -ffunction-sections -fdata-sections -I"$mcu" \
          -I"$tmp/lenet" -I"$tmp/vww" -c "$f" -o "$tmp/o/$(basename "$f" .c).o" \
          >"$tmp/out" 2>"$tmp/err" || fail "arm-none-eabi-gcc: $(basename "$f")"
      done
      # shellcheck disable=SC2086
      arm-none-eabi-gcc $hf -nostartfiles --specs=nano.specs --specs=nosys.specs \
        -T "$mcu/harness/mps2_an500.ld" -Wl,--defsym=__flash_size=4194304 \
        -Wl,--defsym=__ram_size=4194304 -Wl,--defsym=__stack_size=32768 \
        -Wl,--defsym=__psram_origin=0x60000000 -Wl,--gc-sections "$tmp"/o/*.o -lm \
        -o "$tmp/both.elf" >"$tmp/out" 2>"$tmp/err" ||
        fail "lenet and vww do not link into one Cortex-M7 image"
      skip "linked lenet + vww into one Cortex-M7 ELF; QEMU or the bench plugin is not set up ($mcu/setup.sh), so it was not run"
    fi
    # shellcheck disable=SC2086
    CFLAGS="-O2 $STRICT" "$mcu/run.sh" --timeout 300 -I "$tmp/lenet" -I "$tmp/vww" $srcs \
      >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "the Cortex-M7 image with lenet and vww exited $rc"
    out_has "lenet: 1 output(s) equal the golden"
    out_has "vww: 1 output(s) equal the golden"
    pairs=$(awk '$1 == "INSNS_REGION_PAIRS" { print $2 }' "$tmp/out")
    [ "$pairs" = 2 ] || fail "expected 2 bench regions, got '$pairs'"
    stack=$(awk '$1 == "STACK_REGION_BYTES" { print $2 }' "$tmp/out")
    [ -n "$stack" ] || fail "run.sh printed no STACK_REGION_BYTES"
    for m in lenet vww; do
      M=$(echo $m | tr '[:lower:]' '[:upper:]')
      bound=$(sed -n "s/^#define ${M}_STACK_BYTES \([0-9][0-9]*\).*/\1/p" "$tmp/$m/$m.h")
      [ -n "$bound" ] || fail "$m.h has no ${M}_STACK_BYTES"
      [ "$stack" -le "$bound" ] ||
        fail "the invokes used $stack bytes of stack, more than ${M}_STACK_BYTES $bound"
    done
    echo "lenet + vww in one Cortex-M7 image (QEMU): both outputs equal the goldens;" \
      "stack inside the invokes $stack bytes (bounds $(grep -h '_STACK_BYTES [0-9]' "$tmp"/lenet/lenet.h "$tmp"/vww/vww.h | awk '{ printf "%s ", $3 }'))," \
      "$(awk '$1 == "FLASH_BYTES" { print "flash " $2 " bytes" }' "$tmp/out")"
    ;;
  hostile)
    fx=${arg:?fixture folder}
    [ -f "$fx/hostile_names.model" ] || skip "no hostile_names.model in $fx"
    jc=${TMC_JSON_CHECK:-}
    [ -n "$jc" ] && [ -x "$jc" ] || fail "TMC_JSON_CHECK (emit_json_check) is not set or not built"
    nl='
'
    model="$tmp/m*\"\\??=${nl}$(printf '\377')x.tflite"
    cp "$fx/hostile_names.model" "$model"
    d="$tmp/h"
    run 0 compile "$model" -o "$d" --main --profile --name hx
    # Every generated C file and header: no byte >= 0x80, no control
    # character but newline, no "??" (trigraphs), and it all builds.
    for f in "$d"/*.c "$d"/*.h; do
      LC_ALL=C grep -n -e "$(printf '[\200-\377]')" "$f" >/dev/null &&
        fail "$(basename "$f") holds a byte >= 0x80"
      LC_ALL=C tr -d '\n\t' <"$f" | LC_ALL=C grep -q "$(printf '[\001-\037\177]')" &&
        fail "$(basename "$f") holds a control character"
      grep -q -F '??' "$f" && fail "$(basename "$f") holds '??' (a trigraph)"
    done
    # The names, escaped, in NAME.h's I/O comments and the model name in
    # every preamble.
    grep -q -F "/* input 0: tensor 0 'in* /a\\x0Ab\"c\\x5Cd\\x3F\\x3F/e', INT8 [1,4,4,3] */" "$d/hx.h" ||
      fail "hx.h: input 0's name is not escaped as expected: $(grep -a 'input 0:' "$d/hx.h")"
    grep -q -F "/* input 1: tensor 1 '\\xFF\\xFE/ *x* /\\x01\\x7F', INT8" "$d/hx.h" ||
      fail "hx.h: input 1's name is not escaped as expected: $(grep -a 'input 1:' "$d/hx.h")"
    grep -q -F "/* output 0: tensor 3 'out\\xC3\\xA9\"* /\\x5C* '" "$d/hx.h" ||
      fail "hx.h: output 0's name is not escaped as expected: $(grep -a 'output 0:' "$d/hx.h")"
    for f in hx.h hx.c hx_weights.c; do
      grep -q -F 'generated by tmc from m*"\x5C\x3F\x3F=\x0A\xFFx.tflite. Do not edit.' "$d/$f" ||
        fail "$f: the model name is not escaped as expected: $(head -n 1 "$d/$f")"
    done
    for cc in $compilers; do
      make -s -B -C "$d" CC="$cc" >"$tmp/out" 2>"$tmp/err" || fail "make CC=$cc failed"
      [ -s "$tmp/err" ] && fail "make CC=$cc printed warnings"
      bytes "$tmp/a.bin" 48 3 int8
      bytes "$tmp/b.bin" 48 4 int8
      rm -rf "$tmp/g"
      mkdir "$tmp/g"
      "$d/hx_run" "$tmp/a.bin" "$tmp/b.bin" "$tmp/g" >"$tmp/out" 2>"$tmp/err" ||
        fail "hx_run ($cc) failed"
      grep -q -E '^ *1 +RELU ' "$tmp/out" || fail "hx_run --profile: no RELU row"
      run 0 run "$model" --input "$tmp/a.bin" --input "$tmp/b.bin" --out "$tmp/r"
      cmp -s "$tmp/g/output0.bin" "$tmp/r/output0.bin" || fail "hx_run ($cc) differs from tmc run"
    done
    # JSON: the report and tmc plan --json parse and give the names back
    # (bytes that are not UTF-8 as U+FFFD: ef bf bd).
    n0="69 6e 2a 2f 61 0a 62 22 63 5c 64 3f 3f 2f 65"
    n1="ef bf bd ef bf bd 2f 2a 78 2a 2f 01 7f"
    n2="6d 69 64 09 ef bf bd ef bf bd 28 ef bf bd ef bf bd ef bf bd 29 3f 3f 3d"
    n3="6f 75 74 c3 a9 22 2a 2f 5c 2a"
    mn="6d 2a 22 5c 3f 3f 3d 0a ef bf bd 78 2e 74 66 6c 69 74 65"
    "$jc" "$d/hx_report.json" model plan.tensors.*.name >"$tmp/names" 2>"$tmp/err" ||
      fail "hx_report.json: $(cat "$tmp/err")"
    [ "$(head -n 1 "$tmp/names")" = "$mn" ] || fail "hx_report.json: model is $(head -n 1 "$tmp/names")"
    for want in "$n0" "$n1" "$n2" "$n3"; do
      grep -q -x -F "$want" "$tmp/names" || fail "hx_report.json lacks the tensor name $want"
    done
    run 0 plan "$model" --json "$tmp/plan.json"
    "$jc" "$tmp/plan.json" plan.tensors.*.name >"$tmp/names" 2>"$tmp/err" ||
      "$jc" "$tmp/plan.json" tensors.*.name >"$tmp/names" 2>"$tmp/err" ||
      fail "tmc plan --json: $(cat "$tmp/err")"
    grep -q -x -F "$n1" "$tmp/names" || fail "tmc plan --json lacks the tensor name $n1"
    run 0 plan "$model" --svg "$tmp/plan.svg"
    "$jc" "$tmp/plan.svg" --utf8 2>"$tmp/err" || fail "tmc plan --svg: $(cat "$tmp/err")"
    echo "hostile names: escaped in C comments, C builds -Werror (gcc${compilers#gcc}) and runs bit-exact; JSON and SVG valid UTF-8"
    ;;
  terminal)
    fx=${arg:?fixture folder}
    [ -f "$fx/terminal_names.model" ] || skip "no terminal_names.model in $fx"
    esc=$(printf '\033')
    model="$tmp/m${esc}[1mx.tflite"
    cp "$fx/terminal_names.model" "$model"
    # no_ctl FILE WHAT: FILE holds no control byte but newline (and tab).
    no_ctl() {
      LC_ALL=C tr -d '\n\t' <"$1" | LC_ALL=C grep -q "$(printf '[\001-\037\177]')" &&
        fail "$2 prints a control byte: $(od -c "$1" | head -n 20)"
      return 0
    }
    both_clean() { no_ctl "$tmp/out" "$1 (stdout)"; no_ctl "$tmp/err" "$1 (stderr)"; }
    n0='in\x1B[31mred\x0A  line'
    n1='b\x1B]0;pwned\x07'
    n2='mid\x1B[2J\x0D'
    n3='out\x7F\x08end'
    mn='m\x1B[1mx.tflite'
    run 0 inspect "$model"
    both_clean "tmc inspect"
    for want in "model $mn:" "tensor 0 '$n0'" "tensor 1 '$n1'" "$n2" "tensor 3 '$n3'"; do
      out_has "$want"
    done
    run 0 plan "$model"
    both_clean "tmc plan"
    out_has "$mn: arena "
    out_has "$n0"
    out_has "$n2"
    bytes "$tmp/a.bin" 48 3 int8
    bytes "$tmp/b.bin" 48 4 int8
    run 0 run "$model" --input "$tmp/a.bin" --input "$tmp/b.bin" --out "$tmp/r"
    both_clean "tmc run"
    out_has "$mn: "
    out_has "output 0: tensor 3 '$n3' INT8"
    run 0 compile "$model" -o "$tmp/c" --name tx
    both_clean "tmc compile"
    out_has "$mn -> "
    # Messages quoting the names: the input count, an input of the wrong
    # size, a limit naming the tensors at the peak.
    run 2 run "$model" --input "$tmp/a.bin" --out "$tmp/r2"
    both_clean "tmc run (one --input)"
    err_has "tmc run: $mn: 1 --input file given"
    printf 'abc' >"$tmp/short.bin"
    run 1 run "$model" --input "$tmp/short.bin" --input "$tmp/b.bin" --out "$tmp/r2"
    both_clean "tmc run (short input)"
    err_has "(tensor 0 '$n0', INT8 tensor)"
    run 1 plan "$model" --limit 1
    both_clean "tmc plan --limit 1"
    err_has "tmc: $mn: "
    err_has "$n0"
    # A custom op's code is the op's name.
    cm="$tmp/custom${esc}[2J.tflite"
    cp "$fx/terminal_custom.model" "$cm"
    run 0 inspect "$cm"
    both_clean "tmc inspect (custom op)"
    out_has '!Op\x1B[31m\x0Ared'
    run 1 compile "$cm" -o "$tmp/c2"
    both_clean "tmc compile (custom op)"
    err_has 'custom\x1B[2J.tflite'
    # --json keeps the names (JSON escapes them itself).
    run 0 inspect --json "$model"
    grep -q -F '\u001b[31m' "$tmp/out" || fail "inspect --json lost the name's escape"
    ;;
  library_names)
    model=${arg:?model}
    need_file "$model"
    for n in kernels requant kutil fixedpoint detect conv2d; do
      d="$tmp/$n"
      run 0 compile "$model" -o "$d" --io int8 --main --name "$n"
      make -s -B -C "$d" >"$tmp/out" 2>"$tmp/err" || fail "--name $n: make failed: $(head -n 3 "$tmp/err")"
      N=$(echo "$n" | tr '[:lower:]' '[:upper:]')
      nb=$(sed -n "s/^#define ${N}_INPUT0_BYTES \([0-9][0-9]*\).*/\1/p" "$d/$n.h")
      bytes "$tmp/in.bin" "$nb" 7 int8
      rm -rf "$tmp/g"
      mkdir "$tmp/g"
      "$d/${n}_run" "$tmp/in.bin" "$tmp/g" >"$tmp/out" 2>"$tmp/err" || fail "--name $n: ${n}_run failed"
      run 0 run "$model" --io int8 --input "$tmp/in.bin" --out "$tmp/h"
      cmp -s "$tmp/g/output0.bin" "$tmp/h/output0.bin" || fail "--name $n: differs from tmc run"
    done
    shared=${TMC_SHARED_DIR:-}
    if [ -n "$shared" ] && [ -f "$shared/models/detection_config.json" ]; then
      run 0 compile "$shared/models/detection.tflite" -o "$tmp/det" --io int8 --main \
        --name detect --detect "$shared/models/detection_config.json"
      [ -f "$tmp/det/detect.h" ] && [ -f "$tmp/det/detect_detect.h" ] ||
        fail "--name detect --detect: detect.h and detect_detect.h expected"
      make -s -B -C "$tmp/det" >"$tmp/out" 2>"$tmp/err" || fail "--name detect --detect: make failed"
      echo "detection --detect --name detect: builds"
    fi
    echo "models named like kernel files build and run"
    ;;
  reproducible)
    model=${arg:?model}
    need_file "$model"
    mkdir "$tmp/w1" "$tmp/w2"
    for w in w1 w2; do
      (cd "$tmp/$w" && "$tmc" compile "$model" -o "out_$w" --main --profile --name rep) \
        >"$tmp/out" 2>"$tmp/err" || fail "tmc compile in $w failed"
    done
    diff -r "$tmp/w1/out_w1" "$tmp/w2/out_w2" >"$tmp/diff" 2>&1 ||
      fail "two compiles differ: $(head -n 5 "$tmp/diff")"
    grep -q -e '"code_bytes"' -e '"compiler"' -e 'arm-none-eabi' "$tmp/w1/out_w1/rep_report.json" &&
      fail "the report names a code size or a compiler without --measure-code"
    grep -q '"method": "static bound"' "$tmp/w1/out_w1/rep_report.json" ||
      fail "the report does not say the stack is the static bound"
    # A patch-stage compile of a second model, twice.
    shared=${TMC_SHARED_DIR:-}
    if [ -n "$shared" ] && [ -f "$shared/models/vww.tflite" ]; then
      for w in p1 p2; do
        run 0 compile "$shared/models/vww.tflite" -o "$tmp/$w" --io int8 --patch auto --name v
      done
      diff -r "$tmp/p1" "$tmp/p2" >"$tmp/diff" 2>&1 || fail "two vww --patch auto compiles differ"
      echo "vww --patch auto: compiled twice, identical"
    fi
    echo "$(ls "$tmp/w1/out_w1" | wc -l | tr -d ' ') files, byte-identical over two compiles"
    ;;
  cmake)
    model=${arg:?model}
    need_file "$model"
    command -v cmake >/dev/null 2>&1 || skip "cmake absent"
    p="$tmp/proj"
    mkdir -p "$p"
    run 0 compile "$model" -o "$p/gen" --name tiny --io int8 --main
    [ -f "$p/gen/CMakeLists.txt" ] || fail "no CMakeLists.txt next to the Makefile"
    cat >"$p/CMakeLists.txt" <<'CEOF'
cmake_minimum_required(VERSION 3.13)
project(firmware C)
add_subdirectory(gen)
add_executable(app app.c)
target_link_libraries(app PRIVATE tiny)
set_target_properties(app PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
CEOF
    cat >"$p/app.c" <<'CEOF'
/* The application: its own main around the library target tiny. */
#include <stdio.h>

#include "tiny.h"

static _Alignas(TINY_ARENA_ALIGN) unsigned char arena[TINY_ARENA_BYTES];

int main(int argc, char **argv) {
  FILE *f;
  tiny_status s;
  if (argc != 3) return 2;
  f = fopen(argv[1], "rb");
  if (f == NULL || fread(tiny_input0(arena), 1, TINY_INPUT0_BYTES, f) != TINY_INPUT0_BYTES)
    return 3;
  fclose(f);
  s = tiny_invoke(arena, sizeof arena);
  if (s != TINY_OK) {
    fprintf(stderr, "%s\n", tiny_status_str(s));
    return 4;
  }
  f = fopen(argv[2], "wb");
  if (f == NULL || fwrite(tiny_output0(arena), 1, TINY_OUTPUT0_BYTES, f) != TINY_OUTPUT0_BYTES)
    return 5;
  return fclose(f) != 0;
}
CEOF
    cmake -S "$p" -B "$p/build" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS=$STRICT" \
      >"$tmp/out" 2>"$tmp/err" || fail "cmake configure of the project failed"
    cmake --build "$p/build" -j2 >"$tmp/out" 2>"$tmp/err" || fail "cmake --build failed"
    grep -q -i 'warning' "$tmp/out" "$tmp/err" && fail "the CMake build printed warnings"
    [ -x "$p/build/app" ] || fail "no app was built"
    [ -e "$p/build/gen/tiny_run" ] && fail "tiny_run was built in a parent project (not EXCLUDE_FROM_ALL)"
    n=$(sed -n 's/^#define TINY_INPUT0_BYTES \([0-9][0-9]*\).*/\1/p' "$p/gen/tiny.h")
    for seed in 1 2; do
      bytes "$tmp/in$seed.bin" "$n" "$seed" int8
      "$p/build/app" "$tmp/in$seed.bin" "$tmp/app$seed.bin" >"$tmp/out" 2>"$tmp/err" ||
        fail "app exited $?"
      run 0 run "$model" --io int8 --input "$tmp/in$seed.bin" --out "$tmp/h$seed"
      cmp -s "$tmp/app$seed.bin" "$tmp/h$seed/output0.bin" ||
        fail "app (the library target) differs from tmc run on input $seed"
    done
    # The folder alone: its own project, tiny_run built.
    cmake -S "$p/gen" -B "$tmp/alone" "-DCMAKE_C_FLAGS=$STRICT" >"$tmp/out" 2>"$tmp/err" ||
      fail "cmake -S gen failed"
    cmake --build "$tmp/alone" -j2 >"$tmp/out" 2>"$tmp/err" || fail "cmake --build of gen alone failed"
    [ -x "$tmp/alone/tiny_run" ] || fail "cmake -S gen did not build tiny_run"
    mkdir "$tmp/r"
    "$tmp/alone/tiny_run" "$tmp/in1.bin" "$tmp/r" >"$tmp/out" 2>"$tmp/err" || fail "tiny_run failed"
    cmp -s "$tmp/r/output0.bin" "$tmp/h1/output0.bin" || fail "tiny_run (CMake) differs from tmc run"
    echo "add_subdirectory(gen) + target_link_libraries(app tiny): bit-exact; gen alone builds tiny_run"
    ;;
  measure_code)
    shared=${arg:?shared}
    command -v arm-none-eabi-gcc >/dev/null 2>&1 ||
      skip "arm-none-eabi-gcc absent (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    printf '#include <string.h>\n' >"$tmp/p.c"
    arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -c "$tmp/p.c" -o "$tmp/p.o" 2>/dev/null ||
      skip "arm-none-eabi-gcc has no C library headers (libnewlib-arm-none-eabi)"
    version=$(arm-none-eabi-gcc --version | head -n 1)
    for spec in vww: lenet: detection:det vww:patch; do
      m=${spec%%:*}
      x=${spec#*:}
      need_file "$shared/models/$m.tflite"
      set -- --io int8
      [ "$x" = det ] && set -- "$@" --detect "$shared/models/detection_config.json"
      [ "$x" = patch ] && set -- "$@" --patch auto
      rm -rf "$tmp/s" "$tmp/m"
      run 0 compile "$shared/models/$m.tflite" -o "$tmp/s" --name net "$@"
      static=$(sed -n 's/^#define NET_STACK_BYTES \([0-9][0-9]*\).*/\1/p' "$tmp/s/net.h")
      run 0 compile "$shared/models/$m.tflite" -o "$tmp/m" --name net --measure-code "$@"
      out_has "flash code: "
      measured=$(sed -n 's/^#define NET_STACK_BYTES \([0-9][0-9]*\).*/\1/p' "$tmp/m/net.h")
      [ -n "$static" ] && [ -n "$measured" ] || fail "$m: no NET_STACK_BYTES"
      grep -q "Measured by tmc compile --measure-code" "$tmp/m/net.h" ||
        fail "$m: net.h does not say the stack was measured"
      [ "$measured" -le "$static" ] ||
        fail "$m $x: the measured stack $measured exceeds the static bound $static (src/emit/header.c)"
      j="$tmp/m/net_report.json"
      grep -q -F "\"compiler\": \"$version\"" "$j" || fail "$m: the report does not name '$version'"
      grep -q -F '"flags": "-mcpu=cortex-m7' "$j" || fail "$m: the report has no flags"
      grep -q '"code_bytes": [1-9]' "$j" || fail "$m: the report has no code_bytes"
      grep -q "\"invoke_bytes\": $measured" "$j" || fail "$m: the report's stack is not $measured"
      grep -q '"-O0": [1-9]' "$j" || fail "$m: the report has no stack at -O0"
      if [ "$x" = det ]; then
        grep -q '^#define NET_DETECT_STACK_BYTES [0-9]' "$tmp/m/net.h" ||
          fail "detection: no measured NET_DETECT_STACK_BYTES"
      fi
      # Only the stack comment and figure differ from the plain compile.
      diff "$tmp/s/net.c" "$tmp/m/net.c" >/dev/null || fail "$m: --measure-code changed net.c"
      echo "$m ${x:-}: stack measured $measured bytes (static bound $static), $(sed -n 's/^flash code: \([0-9]*\) bytes.*/code \1 bytes/p' "$tmp/out")"
    done
    ;;
  cortex_m)
    shared=${arg:?shared}
    command -v arm-none-eabi-gcc >/dev/null 2>&1 ||
      skip "arm-none-eabi-gcc absent (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    printf '#include <string.h>\n#include <stdint.h>\n#include <math.h>\n' >"$tmp/p.c"
    arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -c "$tmp/p.c" -o "$tmp/p.o" 2>/dev/null ||
      skip "arm-none-eabi-gcc has no C library headers (libnewlib-arm-none-eabi)"
    for spec in vww: lenet: detection: detection:det; do
      m=${spec%%:*}
      need_file "$shared/models/$m.tflite"
      d="$tmp/$m"
      rm -rf "$d"
      if [ "${spec#*:}" = det ]; then
        need_file "$shared/models/detection_config.json"
        run 0 compile "$shared/models/$m.tflite" -o "$d" --io int8 --profile \
          --detect "$shared/models/detection_config.json"
        what="$m --io int8 --detect --profile"
      else
        run 0 compile "$shared/models/$m.tflite" -o "$d" --io int8
        what="$m --io int8"
      fi
      for cpu in "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16" \
        "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16"; do
        rm -rf "$tmp/o"
        mkdir "$tmp/o"
        for f in "$d"/*.c; do
          # shellcheck disable=SC2086
          arm-none-eabi-gcc $STRICT -O2 $cpu -c "$f" -o "$tmp/o/$(basename "$f").o" \
            >"$tmp/out" 2>"$tmp/err" || fail "$what: $(basename "$f") with $cpu"
          [ -s "$tmp/err" ] && fail "$what: $(basename "$f") with $cpu printed warnings"
        done
        sizes=$(arm-none-eabi-size -t "$tmp"/o/*.o | awk 'END { print "text " $1 ", data " $2 ", bss " $3 }')
        echo "$what, ${cpu%% *}: $(find "$d" -name '*.c' | wc -l | tr -d ' ') files compile; $sizes"
      done
    done
    ;;
  constants_used)
    shared=${arg:?shared}
    for spec in vww:int8 lenet:int8 detection:int8 mcunetv2_large:int8 lenet:float; do
      m=${spec%%:*}
      need_file "$shared/models/$m.tflite"
      rm -rf "$tmp/c"
      if [ "${spec#*:}" = int8 ]; then
        run 0 compile "$shared/models/$m.tflite" -o "$tmp/c" --io int8 --name net
      else
        run 0 compile "$shared/models/$m.tflite" -o "$tmp/c" --name net
      fi
      # Each const array of net_weights.c, with its size in bytes.
      sed -n 's/^NET_WEIGHTS_ATTR const \([a-z0-9_]*\) \(net_[A-Za-z0-9_]*\)\[\([0-9]*\)\].*/\1 \2 \3/p' \
        "$tmp/c/net_weights.c" >"$tmp/arrays"
      [ -s "$tmp/arrays" ] || fail "$spec: no 'const TYPE net_NAME[N]' arrays in net_weights.c"
      grep -v '^extern ' "$tmp/c/net.c" >"$tmp/uses"
      : >"$tmp/unused"
      while read -r ty name n; do
        grep -q -w -e "$name" "$tmp/uses" || echo "$ty $name $n" >>"$tmp/unused"
      done <"$tmp/arrays"
      if [ -s "$tmp/unused" ]; then
        bytes=$(awk '{ b = ($1 ~ /32/) ? 4 : ($1 ~ /16/) ? 2 : ($1 ~ /64/) ? 8 : 1; s += b * $3 }
          END { print s }' "$tmp/unused")
        note_fail "$spec: $(wc -l <"$tmp/unused" | tr -d ' ') of $(wc -l <"$tmp/arrays" | tr -d ' ') const arrays of net_weights.c ($bytes bytes) are never used by net.c, e.g. $(head -n 3 "$tmp/unused" | awk '{ printf "%s[%s] ", $2, $3 }')"
      else
        echo "$spec: all $(wc -l <"$tmp/arrays" | tr -d ' ') const arrays of net_weights.c are used"
      fi
    done
    exit $failed
    ;;
  fixtures)
    fx=${arg:?fixture folder}
    [ -f "$fx/conv_default.tflite" ] || skip "no fixture models in $fx"
    n_ok=0
    for model in "$fx"/*.tflite; do
      base=$(basename "$model" .tflite)
      d="$tmp/$base"
      case "$base" in
        unsupported_*)
          mkdir "$d"
          run 1 compile "$model" -o "$d" --main
          grep -q -i -E 'LSTM|MyCustomOp|custom|unsupported|not supported' "$tmp/err" ||
            fail "$base: the error does not name the op"
          nothing_in "$d"
          rm -rf "$d"
          run 1 compile "$model" -o "$d" --io int8
          nothing_in "$d"
          continue
          ;;
      esac
      run 0 compile "$model" -o "$d" --main --name fx
      k=0
      ins=""
      flags=""
      while :; do
        nb=$(sed -n "s/^#define FX_INPUT${k}_BYTES \([0-9][0-9]*\).*/\1/p" "$d/fx.h")
        [ -n "$nb" ] || break
        bytes "$tmp/$base.in$k" "$nb" $((k + 3)) int8
        ins="$ins $tmp/$base.in$k"
        flags="$flags --input $tmp/$base.in$k"
        k=$((k + 1))
      done
      [ "$k" -gt 0 ] || fail "$base: fx.h has no FX_INPUT0_BYTES"
      grep -q 'float' "$d/fx.h" && grep -q -E 'FX_INPUT0.*FLOAT|FLOAT32 \[' "$d/fx.h" &&
        fail "$base: expected int8 inputs"
      # shellcheck disable=SC2086
      run 0 run "$model" $flags --out "$tmp/h"
      for cc in $compilers; do
        make -s -B -C "$d" CC="$cc" >"$tmp/out" 2>"$tmp/err" || fail "$base: make CC=$cc failed"
        [ -s "$tmp/err" ] && fail "$base: make CC=$cc printed warnings"
        rm -rf "$tmp/g"
        mkdir "$tmp/g"
        # shellcheck disable=SC2086
        "$d/fx_run" $ins "$tmp/g" >"$tmp/out" 2>"$tmp/err" || fail "$base: fx_run ($cc) failed"
        for f in "$tmp"/h/output*.bin; do
          cmp -s "$f" "$tmp/g/$(basename "$f")" ||
            fail "$base: fx_run's $(basename "$f") ($cc) differs from tmc run's"
        done
      done
      rm -rf "$d" "$tmp/h"
      n_ok=$((n_ok + 1))
    done
    echo "$n_ok fixture models compiled, built and run; unsupported ones refused"
    [ "$n_ok" -ge 8 ] || fail "only $n_ok fixture models ran"
    ;;
  patch_fixture)
    fx=${arg:?fixture folder}
    model="$fx/net_mobilenetv2_nchw.tflite"
    [ -f "$model" ] || skip "no $model"
    d="$tmp/mbv2"
    run 0 plan "$model" --json "$tmp/lw.json"
    run 0 plan "$model" --patch auto --json "$tmp/pa.json"
    lw=$(sed -n 's/.*"arena_bytes": *\([0-9][0-9]*\).*/\1/p' "$tmp/lw.json" | head -1)
    pa=$(sed -n 's/.*"arena_bytes": *\([0-9][0-9]*\).*/\1/p' "$tmp/pa.json" | head -1)
    [ -n "$lw" ] && [ -n "$pa" ] || fail "no arena_bytes in the plan JSON"
    [ $((pa * 4)) -le "$lw" ] || fail "--patch auto: $pa bytes, not 4x below layer by layer's $lw"
    grep -q '"start_op": *1' "$tmp/pa.json" || fail "the stage does not start after the TRANSPOSE"
    run 0 compile "$model" -o "$d" --main --name fx --patch auto
    grep -q 'patch stage: ops 1\.\.' "$d/fx.c" || fail "fx.c has no patch stage from op 1"
    grep -q 'stride1 = {G\[10\]' "$d/fx.c" || fail "fx.c reads no residual operand strided"
    nb=$(sed -n "s/^#define FX_INPUT0_BYTES \([0-9][0-9]*\).*/\1/p" "$d/fx.h")
    bytes "$tmp/in0" "$nb" 5 int8
    run 0 run "$model" --input "$tmp/in0" --out "$tmp/h"
    for cc in $compilers; do
      make -s -B -C "$d" CC="$cc" >"$tmp/out" 2>"$tmp/err" || fail "make CC=$cc failed"
      [ -s "$tmp/err" ] && fail "make CC=$cc printed warnings"
      rm -rf "$tmp/g"
      mkdir "$tmp/g"
      "$d/fx_run" "$tmp/in0" "$tmp/g" >"$tmp/out" 2>"$tmp/err" || fail "fx_run ($cc) failed"
      cmp -s "$tmp/h/output0.bin" "$tmp/g/output0.bin" ||
        fail "the patched fx_run's output ($cc) differs from layer-by-layer 'tmc run'"
    done
    echo "net_mobilenetv2_nchw: layer by layer $lw bytes, --patch auto $pa; generated C = tmc run"
    ;;
  *)
    echo "emit_cli_test.sh: unknown case '$case_name'" >&2
    exit 1
    ;;
esac
exit 0
