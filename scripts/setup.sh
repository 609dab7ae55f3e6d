#!/usr/bin/env bash
# Installs what tmc's build and tests need on Debian 12 (only what is missing).
# Usage: scripts/setup.sh [--tests]
set -euo pipefail

pkgs=(cmake make gcc zlib1g-dev)
if [ "${1:-}" = "--tests" ]; then
  pkgs+=(libcmocka-dev flatbuffers-compiler clang valgrind gcc-arm-none-eabi libnewlib-arm-none-eabi
         python3 dataset-fashion-mnist)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || true
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The tests run generated code for Cortex-M7 and Cortex-M4 under QEMU with
# the shared MCU bench (../shared/bench/mcu; tests/mcu, label mcu): its setup
# installs qemu-system-arm and builds its instruction-counting plugin (Debian
# packages only; cheap when done). Without it those tests skip, which fails
# the run under CI=true: there the bench's absence or a failed setup is an
# error here already.
if [ "${1:-}" = "--tests" ]; then
  bench=${TMC_SHARED_DIR:-$(cd "$(dirname "$0")/.." && pwd)/../shared}/bench/mcu
  if [ -x "$bench/setup.sh" ]; then
    if ! bash "$bench/setup.sh" >/dev/null 2>&1; then
      echo "setup: $bench/setup.sh failed; the Cortex-M tests under QEMU will skip" >&2
      [ "${CI:-}" != true ] || exit 1
    fi
  elif [ "${CI:-}" = true ]; then
    echo "setup: CI=true, but $bench/setup.sh (the MCU bench) is absent" >&2
    exit 1
  fi
fi
