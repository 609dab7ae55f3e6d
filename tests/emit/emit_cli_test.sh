#!/bin/sh
# emit_cli_test.sh CASE TMC ARG: one check of 'tmc compile' (src/cli/cmd_compile.c,
# src/emit), run by CTest (tests/emit/CMakeLists.txt registers one test per
# case). Exits 0 when the check passes, 1 when it fails (saying what), 77
# when it cannot run here (CTest's skip: a model, ../shared or a tool absent).
#
# Cases (ARG: the example model for the first three, the shared folder for
# the others):
#   usage MODEL        usage errors exit 2 and create nothing: no -o, no model,
#                      --name 9abc / a-b / '' / 41 characters, options without
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
#                      no detect.c, quantize.c, dequantize.c, softmax_f32.c among
#                      the files; NAME.c, NAME_weights.c and the kernels compile
#                      with gcc -mgeneral-regs-only and need no symbol besides
#                      memcpy/memset and no soft-float helper; with
#                      arm-none-eabi-gcc -mfloat-abi=soft, no __aeabi float
#                      helper either. A float-I/O model's quantize.c is the
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
    for bad in 9abc a-b "" "a b" x.y "é" abcdefghijabcdefghijabcdefghijabcdefghijk; do
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
    run 0 compile "$model" -o "$o" --name _x9
    [ -f "$o/_x9.h" ] && [ -f "$o/_x9.c" ] && [ -f "$o/_x9_report.json" ] ||
      fail "--name _x9 did not write _x9.h, _x9.c, _x9_report.json"
    grep -q '^int _x9_invoke(void \*arena);' "$o/_x9.h" || fail "_x9.h lacks _x9_invoke"
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
          main.c) ;;
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
        [ -e "$tmp/$m/$f" ] && note_fail "$m --io int8: $f was copied (float code)"
      done
      float_free "$tmp/$m" "$m --io int8" &&
        echo "$m --io int8: no floating point in $(find "$tmp/$m" -name '*.c' | wc -l | tr -d ' ') .c files" \
          "(main.c excepted)${arm:+, also on arm-none-eabi -mfloat-abi=soft}"
      rm -rf "${tmp:?}/$m"
    done
    # The positive control: a float-I/O model's QUANTIZE is float code.
    run 0 compile "$shared/models/lenet.tflite" -o "$tmp/flt"
    [ -f "$tmp/flt/quantize.c" ] || fail "float lenet: no quantize.c"
    if gcc -std=c11 -O2 -mgeneral-regs-only -c "$tmp/flt/quantize.c" -o "$tmp/q.o" 2>/dev/null &&
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
  *)
    echo "emit_cli_test.sh: unknown case '$case_name'" >&2
    exit 1
    ;;
esac
exit 0
