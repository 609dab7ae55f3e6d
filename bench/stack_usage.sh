#!/usr/bin/env bash
# The stack NAME_invoke needs on Cortex-M, per CPU and optimisation level:
# how the static bound of the generated header (NAME_STACK_BYTES, see
# src/emit/header.c) was obtained, and a way to check it again after the
# kernels change. Prints a table; never asserts.
#
# For each shared model (--io int8, layer by layer and with --patch auto):
# tmc compile into a temporary folder; arm-none-eabi-gcc -fcallgraph-info=su
# of NAME.c and the kernels for Cortex-M0+, M4, M7 and M33 at -O0, -O1, -O2,
# -O3, -Os and -Oz; the deepest call chain from NAME_invoke in GCC's call
# graph (a function's own frame plus its deepest callee; C library calls
# count 64 bytes, as tmc compile --measure-code counts them). The last
# column is the header's static NAME_STACK_BYTES.
#
# Usage: bench/stack_usage.sh [MODEL...]   (default: vww lenet detection mcunetv2_large)
# Environment: TMC_SHARED_DIR (default ../shared).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 0
shared=${TMC_SHARED_DIR:-../shared}
command -v arm-none-eabi-gcc >/dev/null 2>&1 || { echo "bench: arm-none-eabi-gcc absent"; exit 0; }

echo "bench: building tmc (build-bench, Release)"
if ! { cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DTMC_TESTS=OFF >/dev/null &&
  cmake --build build-bench -j2 --target tmc >/dev/null; }; then
  echo "bench: cannot build tmc"
  exit 0
fi
tmc=build-bench/tmc
work=$(mktemp -d "${TMPDIR:-/tmp}/tmc-bench-stack.XXXXXX")
trap 'rm -rf "$work"' EXIT

# deepest CI_FILES...: the deepest chain from net_invoke, "BYTES CHAIN".
deepest() {
  awk '
    function field(key,   p, s) {
      p = index($0, key ": \"")
      if (!p) return ""
      s = substr($0, p + length(key) + 3)
      return substr(s, 1, index(s, "\"") - 1)
    }
    FNR == 1 { file++ }
    /^node:/ {
      t = field("title"); l = field("label")
      if (match(l, /[0-9]+ bytes \(/)) {
        own[file, t] = substr(l, RSTART, RLENGTH) + 0
        defined[file, t] = 1; where[t] = file
      }
    }
    /^edge:/ { s = field("sourcename"); n = ++ne[file, s]; callee[file, s, n] = field("targetname") }
    function depth(f, t,   i, best, d, tf, path, c) {
      if ((f, t) in memo) return memo[f, t]
      best = 0; path = ""
      for (i = 1; i <= ne[f, t]; i++) {
        c = callee[f, t, i]
        if ((f, c) in defined) { tf = f } else if (c in where) { tf = where[c] } else {
          d = 64; if (d > best) { best = d; path = " -> " c " (libc 64)" }
          continue
        }
        d = depth(tf, c)
        if (d > best) { best = d; path = " -> " chain[tf, c] }
      }
      memo[f, t] = own[f, t] + best
      chain[f, t] = t " " own[f, t] path
      return memo[f, t]
    }
    END {
      if (!("net_invoke" in where)) { print "0 no net_invoke"; exit }
      f = where["net_invoke"]; d = depth(f, "net_invoke"); print d, chain[f, "net_invoke"]
    }' "$@"
}

models=("$@")
[ ${#models[@]} -gt 0 ] || models=(vww lenet detection mcunetv2_large)
levels=(-O0 -O1 -O2 -O3 -Os -Oz)
declare -A cpus=([m0plus]="-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft"
  [m4]="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
  [m7]="-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16"
  [m33]="-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16")
printf '%-24s %-7s' model cpu
for l in "${levels[@]}"; do printf ' %6s' "$l"; done
printf ' %8s  %s\n' static "deepest chain (worst level)"
worst_all=0
for m in "${models[@]}"; do
  [ -f "$shared/models/$m.tflite" ] || { echo "$m: model not found"; continue; }
  for patch in none auto; do
    d="$work/$m-$patch"
    if ! "$tmc" compile "$shared/models/$m.tflite" -o "$d" --io int8 --name net --patch "$patch" \
      >/dev/null 2>&1; then
      echo "$m --patch $patch: tmc compile failed"
      continue
    fi
    bound=$(sed -n 's/^#define NET_STACK_BYTES \([0-9]*\).*/\1/p' "$d/net.h")
    srcs=()
    for f in "$d"/*.c; do
      case "$(basename "$f")" in net_weights.c | net_main.c) ;; *) srcs+=("$(basename "$f")") ;; esac
    done
    for cpu in m0plus m4 m7 m33; do
      label=$m
      [ "$patch" = auto ] && label="$m --patch auto"
      printf '%-24s %-7s' "$label" "$cpu"
      worst=0
      wchain=""
      for l in "${levels[@]}"; do
        rm -f "$d"/*.ci
        # shellcheck disable=SC2086
        if ! (cd "$d" && arm-none-eabi-gcc ${cpus[$cpu]} -std=c11 $l -fcallgraph-info=su -c \
          "${srcs[@]}" 2>/dev/null); then
          printf ' %6s' fail
          continue
        fi
        read -r bytes chain < <(deepest "$d"/*.ci)
        printf ' %6s' "$bytes"
        if [ "$bytes" -gt "$worst" ]; then
          worst=$bytes
          wchain="$l: $chain"
        fi
      done
      [ "$worst" -gt "$worst_all" ] && worst_all=$worst
      flag=""
      [ "$worst" -gt "$bound" ] && flag=" EXCEEDS"
      printf ' %8s  %s%s\n' "$bound" "$wchain" "$flag"
      rm -f "$d"/*.o "$d"/*.ci
    done
  done
done
echo
echo "arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion): deepest chain over all rows $worst_all bytes"
echo "(own frames from -fcallgraph-info=su, C library calls 64 bytes each; 'static' is NAME_STACK_BYTES)"
exit 0
