#!/bin/sh
# bench/scaling.sh BUILD_DIR [N ...]: seconds taken by `tmc plan`, `tmc plan
# --patch auto`, `tmc compile` and `tmc run` on an N-operator conv/depthwise
# chain (examples/make_chain.c), default N = 1000 and 3000. Prints, never
# asserts. TIMEOUT (seconds, default 300) bounds each command; a command
# that runs out prints ">TIMEOUT".
set -eu
build=${1:?usage: bench/scaling.sh BUILD_DIR [N ...]}
shift
[ $# -gt 0 ] || set -- 1000 3000
tmc=$build/tmc
gen=$build/examples/tmc_make_chain
limit=${TIMEOUT:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seconds (3 decimals) running "$@" with the output discarded.
seconds() {
  start=$(date +%s.%N)
  if timeout "$limit" "$@" >/dev/null 2>&1; then rc=0; else rc=$?; fi
  end=$(date +%s.%N)
  if [ "$rc" = 124 ]; then echo ">$limit"; return; fi
  [ "$rc" = 0 ] || { echo "failed($rc)"; return; }
  echo "$start $end" | awk '{ printf "%.3f", $2 - $1 }'
}

printf '%8s %10s %12s %10s %10s\n' ops plan plan-auto compile run
for n in "$@"; do
  model=$work/chain$n.tflite
  "$gen" "$n" "$model" >/dev/null
  p=$(seconds "$tmc" plan "$model")
  a=$(seconds "$tmc" plan "$model" --patch auto)
  c=$(seconds "$tmc" compile "$model" -o "$work/gen$n" --name chain)
  r=$(seconds "$tmc" run "$model" --seed 1 --out "$work/out$n")
  printf '%8s %10s %12s %10s %10s\n' "$n" "$p" "$a" "$c" "$r"
done
