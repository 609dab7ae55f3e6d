#!/bin/sh
# input_bytes.sh N SEED FILE: writes N pseudo-random bytes (a fixed linear
# congruential stream started at SEED, the same on every host) to FILE: the
# int8 input of a model that has no golden (tests/mcu/mcu_test.sh's fixtures
# cases, bench/mcu_instructions.sh given a model path).
set -u
n=${1:?byte count}
seed=${2:?seed}
file=${3:?output file}
# (x * 75 + 74) mod 65537: exact in awk's doubles. %c of 0 writes a NUL in
# gawk, mawk and busybox awk; LC_ALL=C keeps bytes >= 128 single bytes.
LC_ALL=C awk -v n="$n" -v x="$seed" 'BEGIN {
  for (i = 0; i < n; i++) {
    x = (x * 75 + 74) % 65537
    printf "%c", x % 256
  }
}' </dev/null >"$file" || exit 1
[ "$(wc -c <"$file" | tr -d ' ')" -eq "$n" ] || { echo "input_bytes.sh: could not write $n bytes to $file" >&2; exit 1; }
