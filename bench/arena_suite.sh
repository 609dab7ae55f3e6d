#!/bin/sh
# bench/arena_suite.sh BUILD_DIR [SUITE_DIR ...]: per operator category of
# the shared operator suites (default ../shared/golden/ops and ops-v2), tmc's
# arena (`tmc plan`, best planner) against TFLM's arena_used_bytes (each
# case's meta.txt) and against the activation-only floor. Prints, never
# asserts. Columns: cases; sums of tmc's arena, of the floor and of TFLM's
# arena_used_bytes; the largest tmc/TFLM and arena/floor of a case; the
# cases where tmc needs more than TFLM (named below the table).
set -eu
build=${1:?usage: bench/arena_suite.sh BUILD_DIR [SUITE_DIR ...]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${TMC_SHARED_DIR:-$here/../shared}
[ $# -gt 0 ] || set -- "$shared/golden/ops" "$shared/golden/ops-v2"
tmc=$build/tmc
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for suite in "$@"; do
  for meta in "$suite"/*/meta.txt; do
    dir=${meta%/meta.txt}
    case=${dir##*/}
    tflm=$(sed -n 's/^arena_used_bytes: \([0-9]*\).*/\1/p' "$meta")
    [ -n "$tflm" ] || continue
    json=$("$tmc" plan "$dir.tflite" --json - 2>/dev/null) || { echo "${suite##*/} $case refused"; continue; }
    arena=$(printf '%s\n' "$json" | sed -n 's/.*"arena_bytes": *\([0-9]*\).*/\1/p' | head -1)
    floor=$(printf '%s\n' "$json" | sed -n 's/.*"activation_floor_bytes": *\([0-9]*\).*/\1/p' | head -1)
    echo "${suite##*/} $case $arena $floor $tflm"
  done
done >"$rows"
awk '
  $3 == "refused" { refused[$1 " " $2] = 1; next }
  {
    cat = $2; sub(/_[0-9]+$/, "", cat); k = $1 " " cat
    if (!(k in n)) order[++nk] = k
    n[k]++; a[k] += $3; f[k] += $4; t[k] += $5
    r = $5 > 0 ? $3 / $5 : 0; if (r > rmax[k]) rmax[k] = r
    q = $4 > 0 ? $3 / $4 : 1; if (q > qmax[k]) qmax[k] = q
    if ($3 > $5) { over[k]++; worse = worse "  " $1 "/" $2 ": tmc " $3 " B, TFLM " $5 " B\n" }
    N++; A += $3; T += $5; if ($3 > $5) O++
  }
  END {
    printf "%-7s %-28s %5s %11s %11s %11s %8s %8s %5s\n", "suite", "category", "cases",
      "tmc arena", "act floor", "TFLM arena", "max t/T", "max a/f", "over"
    for (i = 1; i <= nk; i++) {
      k = order[i]; split(k, p, " ")
      printf "%-7s %-28s %5d %11d %11d %11d %8.3f %8.3f %5d\n", p[1], p[2], n[k], a[k], f[k],
        t[k], rmax[k], qmax[k], over[k]
    }
    printf "all: %d cases, tmc %d B, TFLM %d B (ratio %.3f), %d cases above TFLM\n", N, A, T,
      T ? A / T : 0, O
    if (worse != "") printf "cases where tmc needs more than TFLM:\n%s", worse
    for (c in refused) printf "refused: %s\n", c
  }' "$rows"
