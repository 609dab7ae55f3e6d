#!/usr/bin/env bash
# Cortex-M7 instructions per inference, flash and RAM of the C that
# `tmc compile --io int8` generates, counted with ../shared/bench/mcu (QEMU
# 7.2 mps2-an500 + an instruction-counting plugin; its README.md), next to
# TFLM + CMSIS-NN on the same harness (../shared/bench/anchors.md).
# Prints a table. A wrong output shows as MISMATCH and, like a model that
# cannot be compiled, built or run, makes the script exit 1 after the whole
# table (0 when every model ran and matched; tests/mcu asserts the same
# under CTest, label mcu).
#
# For each model: tmc compile (no --main) into a temporary folder; a bench
# main (tests/mcu/mcu_main.sh) that copies the golden seed-1 int8 input
# (embedded as a const array) into a static arena, calls NAME_invoke between
# bench_begin()/bench_end(), and compares every output with the golden int8
# output (embedded the same way), returning 0 or 1; run.sh builds it with
# arm-none-eabi-gcc -O2 for -mcpu=cortex-m7 -mfpu=fpv5-d16 and runs it.
#
# Columns: instructions between the markers; MACs (tmc inspect); their
# ratio; flash of the generated code as linked (its objects' .text, .rodata
# and .data input sections in the link map, weights included; the notes
# add the size as compiled and the whole image); RAM = NAME_ARENA_BYTES + the stack used
# inside the invoke (STACK_REGION_BYTES); TFLM + CMSIS-NN's instructions over
# ours (> 1: tmc executes fewer).
#
# --layers adds, per model, the instructions of every layer (a second build
# with --profile whose hook opens a bench region around each layer; 64
# layers per run) and their sum per operator kind with instructions per MAC.
# --cpu m4 counts on the Cortex-M4 (mps2-an386) instead; TFLM's figures are
# the M7's.
#
# A MODEL that names a file (holds a '/' or ends in .tflite; e.g. the
# MLPerf Tiny-shaped fixtures that tests/emit's emit_write_fixtures DIR
# mlperf writes as DIR/net_mlperf_*.tflite) has no golden: its int8 inputs come
# from tests/mcu/input_bytes.sh (seed 1, input k seed k + 1) and the
# expected outputs from 'tmc run' on the host; its name is the file's base
# name (without .tflite and a net_ prefix); no TFLM figure.
#
# Usage: bench/mcu_instructions.sh [--layers] [--cpu m7|m4] [--target T] [MODEL...]
#        (default models: vww lenet detection; T is tmc compile --target)
# Environment: TMC_SHARED_DIR (default ../shared), BENCH_MCU (default
# $TMC_SHARED_DIR/bench/mcu), CFLAGS for run.sh (default -O2).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
shared=${TMC_SHARED_DIR:-../shared}
mcu=${BENCH_MCU:-$shared/bench/mcu}
[ -x "$mcu/run.sh" ] || { echo "bench: $mcu/run.sh not found"; exit 1; }

echo "bench: building tmc (build-bench, Release)"
if ! { cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DTMC_TESTS=OFF >/dev/null &&
  cmake --build build-bench -j"$(nproc)" --target tmc >/dev/null; }; then
  echo "bench: cannot build tmc"
  exit 1
fi
tmc=build-bench/tmc

# TFLM + CMSIS-NN on the same harness (anchors.md): instructions per Invoke(),
# flash of its image, arena_used_bytes.
declare -A tflm=([vww]=47455471 [mcunetv2_large]=842017761 [detection]=72720134 [lenet]=521750)
declare -A tflm_flash=([vww]=719420 [mcunetv2_large]=2399752 [detection]=387060 [lenet]=313548)
declare -A tflm_arena=([vww]=219684 [mcunetv2_large]=2601988 [detection]=379740 [lenet]=2388)

per_layer=0
cpu=m7
target=()
while [ $# -gt 0 ]; do
  case $1 in
    --layers) per_layer=1 ;;
    --cpu) cpu=$2; shift ;;
    --target) target=(--target "$2"); shift ;;
    *) break ;;
  esac
  shift
done
cpu_args=()
[ "$cpu" = m7 ] || cpu_args=(--cpu "$cpu")
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(vww lenet detection)
work=$(mktemp -d "${TMPDIR:-/tmp}/tmc-bench-mcu.XXXXXX")
trap 'rm -rf "$work"' EXIT

# linked_flash MAP "NAME...": bytes of .text*, .rodata* and .data* input
# sections from the objects of those sources (N-NAME.o) in a GNU ld map.
linked_flash() {
  awk -v names="$2" '
    function hex(s,   i, c, v) {
      v = 0
      s = tolower(substr(s, 3))
      for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
      return v
    }
    BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) want["-" a[i] ".o"] = 1 }
    /^Linker script and memory map/ { p = 1; next }
    !p { next }
    /^ \.[^ ]+$/ { sec = $1; next }
    /^ \.[^ ]+ +0x[0-9a-f]+ +0x[0-9a-f]+ / { sec = $1; size = $3; file = $4 }
    /^ +0x[0-9a-f]+ +0x[0-9a-f]+ +[^ ]/ { size = $2; file = $3 }
    /^ (\.[^ ]+ +)?0x[0-9a-f]+ +0x[0-9a-f]+ +[^ ]/ || /^ +0x[0-9a-f]+ +0x[0-9a-f]+ +[^ ]/ {
      if (sec !~ /^\.(text|rodata|data)/) next
      base = file
      sub(/.*\//, "", base)
      sub(/^[0-9]+/, "", base)
      if (base in want) total += hex(size)
    }
    END { print total + 0 }' "$1"
}

# layers_report NAME MODEL MAIN-ARGS...: per-layer instructions of NAME
# (a --profile build, 64 layers a run) into $work/NAME.layers, then the
# per-layer and per-kind tables to $work/notes.
layers_report() {
  local m=$1 model=$2 d="$work/$1.prof" lo=0 out
  shift 2
  "$tmc" compile "$model" -o "$d" --io int8 --name "$m" --profile "${target[@]}" \
    >/dev/null 2>&1 || { echo "  (per-layer build failed)" >>"$work/notes"; return; }
  : >"$work/$m.layers"
  while :; do
    MCU_MAIN_LAYERS=$lo sh tests/mcu/mcu_main.sh "$@" >"$d/main_$lo.c" || return
    out="$work/$m.prof$lo"
    "$mcu/run.sh" "${cpu_args[@]}" --timeout 600 -I "$d" "$d/main_$lo.c" "$d"/"$m"*.c \
      >"$out" 2>/dev/null
    # Pair n (1-based) is the n-th "layer" line of this run.
    awk '$1 == "layer" { n++; op[n] = $3; id[n] = $2; mac[n] = $4 }
         $1 ~ /^INSNS_PAIR_/ { k = substr($1, 12) + 0; ins[k] = $2 }
         $1 == "INSNS_REGION" { total = $2 }
         END { if (n == 1) ins[1] = total
               for (i = 1; i <= n; i++) print id[i], op[i], mac[i], ins[i] }' "$out" >>"$work/$m.layers"
    [ "$(grep -c '^layer ' "$out")" -eq 64 ] || break
    lo=$((lo + 64))
  done
  {
    echo "  $m per layer (--profile build; layer op MACs instructions insns/MAC):"
    awk '{ printf "    %4d %-22s %10d %11d %8s\n", $1, $2, $3, $4, $3 ? sprintf("%.2f", $4 / $3) : "-" }' \
      "$work/$m.layers"
    echo "  $m per operator kind (layers, MACs, instructions, insns/MAC, share):"
    awk '{ n[$2]++; mac[$2] += $3; ins[$2] += $4; all += $4 }
         END { for (k in n) printf "    %-22s %4d %11d %11d %8s %6.1f%%\n", k, n[k], mac[k], ins[k],
                 mac[k] ? sprintf("%.2f", ins[k] / mac[k]) : "-", 100 * ins[k] / all }' \
      "$work/$m.layers" | sort -k4 -n -r
  } >>"$work/notes"
}

rows=()
failed=0 # 1 once a model is missing, fails to compile, build or run, or mismatches
header=$(printf '%-18s %12s %11s %9s %10s %17s %10s %9s' model "insns/inf" MACs "insns/MAC" \
  "flash B" "RAM B (arena+stk)" "TFLM/tmc" "flash TF/")
for arg in "${models[@]}"; do
  m=$arg
  model="$shared/models/$m.tflite"
  gold="$shared/golden/$m"
  if [[ $arg == */* || $arg == *.tflite ]]; then # a model file, no golden
    model=$arg
    m=$(basename "$arg" .tflite)
    m=${m#net_}
    m=${m//[^A-Za-z0-9_]/_}
    gold=""
    [ -f "$model" ] || { rows+=("$(printf '%-18s %s not found' "$m" "$model")"); failed=1; continue; }
  elif [ ! -f "$model" ] || [ ! -f "$gold/seed1.input.int8.bin" ]; then
    rows+=("$(printf '%-18s model or golden files not found' "$m")")
    failed=1
    continue
  fi
  d="$work/$m"
  if ! "$tmc" compile "$model" -o "$d" --io int8 --name "$m" "${target[@]}" >"$work/$m.compile" 2>&1; then
    rows+=("$(printf '%-18s tmc compile failed: %s' "$m" "$(tail -n 1 "$work/$m.compile")")")
    failed=1
    continue
  fi
  macs=$("$tmc" inspect "$model" | sed -n 's/^totals: \([0-9]*\) MACs.*/\1/p')
  up=$(tr '[:lower:]' '[:upper:]' <<<"$m")
  arena=$(sed -n "s/^#define ${up}_ARENA_BYTES \([0-9]*\).*/\1/p" "$d/$m.h")

  # The bench main (tests/mcu/mcu_main.sh): the golden input and outputs as
  # const arrays, NAME_invoke between the markers, exit 0 only on a match.
  main="$work/${m}_bench_main.c"
  margs=(-m "$m")
  if [ -z "$gold" ]; then # inputs from input_bytes.sh, outputs from tmc run
    runargs=()
    k=0
    while nb=$(sed -n "s/^#define ${up}_INPUT${k}_BYTES \([0-9]*\).*/\1/p" "$d/$m.h") && [ -n "$nb" ]; do
      sh tests/mcu/input_bytes.sh "$nb" $((k + 1)) "$work/$m.in$k" || break
      margs+=(-i "$work/$m.in$k")
      runargs+=(--input "$work/$m.in$k")
      k=$((k + 1))
    done
    if ! "$tmc" run "$model" "${runargs[@]}" --io int8 --out "$work/$m.want" >"$work/$m.err" 2>&1; then
      rows+=("$(printf '%-18s tmc run failed: %s' "$m" "$(tail -n 1 "$work/$m.err")")")
      failed=1
      continue
    fi
    k=0
    while [ -f "$work/$m.want/output$k.bin" ]; do
      margs+=(-o "$work/$m.want/output$k.bin")
      k=$((k + 1))
    done
  else
    margs+=(-i "$gold/seed1.input.int8.bin")
    k=0
    while [ -f "$gold/seed1.output$k.int8.bin" ]; do
      margs+=(-o "$gold/seed1.output$k.int8.bin")
      k=$((k + 1))
    done
  fi
  if ! sh tests/mcu/mcu_main.sh "${margs[@]}" >"$main" 2>"$work/$m.err"; then
    rows+=("$(printf '%-18s mcu_main.sh failed: %s' "$m" "$(tail -n 1 "$work/$m.err")")")
    failed=1
    continue
  fi

  srcs=("$main")
  for f in "$d"/*.c; do srcs+=("$f"); done
  keep="$work/$m.keep"
  "$mcu/run.sh" "${cpu_args[@]}" --keep "$keep" --timeout 600 -I "$d" "${srcs[@]}" >"$work/$m.run" 2>"$work/$m.err"
  rc=$?
  val() { awk -v k="$1" '$1 == k { print $2 }' "$work/$m.run" | tail -n 1; }
  insns=$(val INSNS_REGION)
  image=$(val FLASH_BYTES)
  stack=$(val STACK_REGION_BYTES)
  if [ -z "$insns" ]; then
    rows+=("$(printf '%-18s run.sh failed (exit %s): %s' "$m" "$rc" "$(tail -n 2 "$work/$m.err" | tr '\n' ' ')")")
    failed=1
    continue
  fi
  # Flash of the generated code: its objects (not main's, not the
  # harness's), as linked (the map's .text/.rodata/.data input sections kept
  # by --gc-sections) and as compiled (arm-none-eabi-size text + data).
  objs=()
  names=""
  for f in "$d"/*.c; do
    b=$(basename "${f%.c}")
    names="$names $b"
    o=$(ls "$keep"/obj/*-"$b".o 2>/dev/null | head -n 1)
    [ -n "$o" ] && objs+=("$o")
  done
  flash_obj=$(arm-none-eabi-size -t "${objs[@]}" | awk 'END { print $1 + $2 }')
  flash=$(linked_flash "$keep/program.map" "$names")
  status="ok"
  if [ "$rc" -ne 0 ]; then
    status="MISMATCH (exit $rc): $(sed '/^---- bench:/,$d' "$work/$m.run" | grep -v 'equal the golden$' | head -n 3 | tr '\n' ' ')"
    failed=1
  fi
  rows+=("$(awk -v m="$m" -v i="$insns" -v mac="$macs" -v f="$flash" -v img="$image" \
    -v a="$arena" -v s="${stack:-0}" -v t="${tflm[$m]:-0}" -v tf="${tflm_flash[$m]:-0}" -v st="$status" 'BEGIN {
      printf "%-18s %12d %11d %9.3f %10d %17s %10s %9s  %s\n", m, i, mac, i / mac,
        f, sprintf("%d+%d=%d", a, s, a + s),
        t ? sprintf("%.3f", t / i) : "-", tf ? sprintf("%.2f", tf / f) : "-", st }')")
  # Keep the per-model details for the notes below.
  printf '%s: %s\n' "$m" "$(head -n 1 "$work/$m.compile" | sed 's/^[^:]*: //')" >>"$work/notes"
  bound=$(sed -n "s/^#define ${up}_STACK_BYTES \([0-9]*\).*/\1/p" "$d/$m.h")
  printf '  arena %s B (TFLM arena_used_bytes on 32-bit: %s B); stack in invoke %s B (painted; %s_STACK_BYTES %s)\n' \
    "$arena" "${tflm_arena[$m]:-?}" "${stack:-?}" "$up" "${bound:-?}" >>"$work/notes"
  printf '  flash: generated code linked %s B, as compiled %s B (%s B dropped by --gc-sections: unused constants and functions);\n' \
    "$flash" "$flash_obj" "$((flash_obj - flash))" >>"$work/notes"
  printf '         whole bench image %s B incl. harness and embedded test data (TFLM+CMSIS-NN image: %s B)\n' \
    "$image" "${tflm_flash[$m]:-?}" >>"$work/notes"
  [ "$per_layer" -eq 0 ] || layers_report "$m" "$model" "${margs[@]}"
done

gcc_v=$(arm-none-eabi-gcc -dumpversion 2>/dev/null || echo '?')
echo
echo "Cortex-${cpu^^} instructions per inference of tmc's generated C (--io int8, golden seed 1${target[*]:+, ${target[*]}})"
if [ "$cpu" = m4 ]; then
  echo "QEMU 7.2 mps2-an386 via ../shared/bench/mcu, arm-none-eabi-gcc $gcc_v ${CFLAGS:--O2}, -mcpu=cortex-m4 -mfpu=fpv4-sp-d16"
  echo "(TFLM/tmc compares with TFLM + CMSIS-NN's Cortex-M7 figures: anchors.md has no M4 run)"
else
  echo "QEMU 7.2 mps2-an500 via ../shared/bench/mcu, arm-none-eabi-gcc $gcc_v ${CFLAGS:--O2}, -mcpu=cortex-m7 -mfpu=fpv5-d16"
fi
echo
echo "$header"
for r in "${rows[@]}"; do echo "$r"; done
echo
[ -f "$work/notes" ] && cat "$work/notes"
echo
echo "TFLM/tmc: TFLM + CMSIS-NN instructions per Invoke() on the same harness (anchors.md:"
echo "vww 47,455,471; lenet 521,750; detection 72,720,134) over tmc's; > 1 means tmc executes fewer."
echo "flash TF/: TFLM + CMSIS-NN image flash (anchors.md, incl. ~10 KB harness) over tmc's generated code."
echo "TinyEngine's vww flash (anchors.md): 469,432 B. Instructions, not cycles (see the harness README)."
if [ "$failed" -ne 0 ]; then
  echo "bench: some models did not run or their outputs differ from the goldens (rows above)" >&2
  exit 1
fi
exit 0
