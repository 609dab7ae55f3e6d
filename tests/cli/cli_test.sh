#!/bin/sh
# cli_test.sh CASE TMC [ARG...]: one check of the tmc command line, run by
# CTest (tests/cli/CMakeLists.txt registers one test per case). Exits 0 when
# the check passes, 1 when it fails (printing what and the command's output),
# 77 when it cannot run here (a model file is missing): CTest's SKIP code.
#
# Cases:
#   help                      tmc --help / -h / help: exit 0, usage on stdout
#   version VERSION           tmc --version prints "tmc VERSION", exit 0
#   no_args                   tmc: exit 2, usage on stderr
#   unknown_command           tmc frobnicate: exit 2, names the command
#   inspect_usage             tmc inspect (no model), two models, --help
#   unknown_option            tmc inspect --bogus MODEL: exit 2, names the option
#   missing_file              tmc inspect <missing file> or <folder>: exit 1,
#                             names the file
#   bad_model MODEL           truncations and a text file: exit 1, message
#                             names the file and the element
#   example MODEL             inspect and inspect --json of the example model;
#                             a failed write (>/dev/full) exits 1
#   json_names MODEL          --json of a copy of MODEL whose tensor name
#                             'input_int8' holds a control byte and a
#                             non-UTF-8 byte still parses (needs python3)
#   vww_text VWW              op rows 0..3 QUANTIZE PAD CONV_2D DEPTHWISE_CONV_2D,
#                             63 op rows, totals 11578816 MACs
#   vww_json VWW              --json parses (python3, when present), 63 ops,
#                             totals.macs 11578816
#   shared_models DIR         the four models of DIR: op sequences the issue
#                             names (done-when list)
#   run_errors MODEL          tmc run: usage errors exit 2; an input file of the
#                             wrong size exits 1 naming the tensor and the
#                             expected bytes; an unwritable --out leaves nothing
#   detect_unreadable MODEL   --detect with a missing file, a folder, an empty
#                             file and a file of the wrong kind, for tmc run
#                             and tmc compile: exit 1 naming the file, nothing
#                             written (the detection config is zeroed before
#                             it is read, so no garbage head count is used)
#   run_seed MODEL            tmc run --seed 1 writes output0.bin of the output's
#                             size and prints the arena and the top 5
#   numbers MODEL             integer options (--seed, --limit, --patch) take
#                             decimal digits only, in range (no wrap-around):
#                             exit 2 naming the flag and the value; --score and
#                             --nms-iou likewise
#   twice MODEL               every option of inspect and run given twice: exit
#                             2 naming it (--input repeats: one per input)
#   stdout_full MODEL         inspect, plan, run, compile, --help and --version
#                             with standard output on /dev/full: exit 1, "cannot
#                             write standard output: " and the reason
#   folder_input MODEL        a folder as the model, as --input or as --detect:
#                             exit 1, the message says it is a directory
#   help_options              each command's --help lists every option it takes
#   run_golden SHARED M       tmc run on golden/M/seed1.input.bin (float) and
#                             seed1.input.int8.bin (--io int8, both planners)
#                             writes the golden outputs byte for byte
#   run_invokes SHARED M      tmc run --invokes 3 of the sequence model M:
#                             --seed S (the stream continues) and the golden
#                             input files give output0.bin and
#                             invoke<j>.output0.bin of every seed; --invokes 0,
#                             twice, or too few --input files exit 2 naming it
#   output_links MODEL        tmc compile -o DIR where DIR/model.c is a link
#                             (relative, to another folder): written through,
#                             the link stays, its target holds what a plain
#                             compile writes; a dangling one creates its
#                             target; DIR/model.h a link to /dev/null: exit 0,
#                             still a device; to /dev/full: exit 1 naming
#                             model.h, no space, every other file of DIR as it
#                             was (the renamed ones taken back); tmc run
#                             --out DIR with DIR/output0.bin a link: written
#                             through. Nothing else changes
set -u

case_name=${1:?case}
tmc=${2:?path of tmc}
shift 2

. "$(dirname "$0")/../testlib.sh"

# op_rows: "index kind" for each row of the op table in $tmp/out.
op_rows() {
  awk '/^ *op +kind/ { t = 1; next }
       t && /^$/ { exit }
       t && $1 ~ /^[0-9]+$/ { print $1, $2 }' "$tmp/out"
}

# expect_rows FIRST_INDEX KIND...: consecutive op rows from FIRST_INDEX.
expect_rows() {
  er_i=$1
  shift
  for er_kind in "$@"; do
    er_row=$(op_rows | awk -v i="$er_i" '$1 == i { print $2 }')
    [ "$er_row" = "$er_kind" ] || fail "op $er_i is '$er_row', expected $er_kind"
    er_i=$((er_i + 1))
  done
}

op_count() { op_rows | wc -l | tr -d ' '; }

# same_outputs DIR GOLDEN SUFFIX WHAT: DIR holds output<k>.bin for exactly
# the golden's GOLDEN.output<k>SUFFIX.bin (k = 0, 1, ...; at least one), each
# byte for byte: an output tmc left out or added fails too.
same_outputs() {
  so_k=0
  while [ -f "$2.output$so_k$3.bin" ]; do
    [ -f "$1/output$so_k.bin" ] || fail "$4: tmc wrote no output$so_k.bin"
    cmp -s "$1/output$so_k.bin" "$2.output$so_k$3.bin" ||
      fail "$4: output$so_k differs from the golden"
    so_k=$((so_k + 1))
  done
  [ "$so_k" -gt 0 ] || fail "$4: no golden $2.output0$3.bin"
  [ ! -e "$1/output$so_k.bin" ] || fail "$4: tmc wrote more outputs than the golden's $so_k"
}

case "$case_name" in
  help)
    for h in --help -h help; do
      run 0 "$h"
      out_has "usage: tmc <command> [options]"
      out_has "inspect MODEL [--json]"
      out_has "exit codes: 0 ok, 1 bad input or model, 2 usage error"
      err_empty
    done
    ;;
  version)
    want=${1:?expected version}
    run 0 --version
    [ "$(cat "$tmp/out")" = "tmc $want" ] || fail "version output is not 'tmc $want'"
    err_empty
    ;;
  no_args)
    run 2
    err_has "usage: tmc <command> [options]"
    out_empty
    ;;
  unknown_command)
    run 2 frobnicate
    err_has "unknown command 'frobnicate'"
    err_has "usage: tmc"
    out_empty
    ;;
  inspect_usage)
    run 2 inspect
    err_has "tmc inspect: no model given"
    err_has "usage: tmc inspect MODEL [--json]"
    out_empty
    run 2 inspect a.tflite b.tflite
    err_has "one model at a time ('a.tflite' and 'b.tflite')"
    run 0 inspect --help
    out_has "usage: tmc inspect MODEL [--json]"
    err_empty
    ;;
  unknown_option)
    run 2 inspect --bogus model.tflite
    err_has "tmc inspect: unknown option '--bogus'"
    err_has "usage: tmc inspect"
    out_empty
    run 2 inspect model.tflite -x
    err_has "unknown option '-x'"
    ;;
  missing_file)
    missing="$tmp/no_such_dir/missing_model.tflite"
    run 1 inspect "$missing"
    err_has "tmc: missing_model.tflite: cannot open '$missing'"
    out_empty
    run 1 inspect --json "$missing"
    err_has "missing_model.tflite"
    out_empty
    mkdir "$tmp/a_folder.tflite"
    run 1 inspect "$tmp/a_folder.tflite"
    err_has "tmc: a_folder.tflite: "
    out_empty
    ;;
  bad_model)
    model=${1:?model}
    need_file "$model"
    size=$(wc -c <"$model" | tr -d ' ')
    for cut in 4 100 $((size / 2)) $((size - 1)); do
      dd if="$model" of="$tmp/cut_$cut.tflite" bs="$cut" count=1 2>/dev/null
      [ "$(wc -c <"$tmp/cut_$cut.tflite" | tr -d ' ')" -eq "$cut" ] || fail "dd did not cut"
      run 1 inspect "$tmp/cut_$cut.tflite"
      out_empty
      err_has "tmc: cut_$cut.tflite: "
      if [ "$cut" -gt 8 ]; then
        # the element: a table of the model, with its index
        grep -E -q "tmc: cut_$cut\.tflite: (model|buffer [0-9]+|subgraph [0-9]+|operator code [0-9]+|metadata [0-9]+|signature [0-9]+)(: | )" \
          "$tmp/err" || fail "message does not name an element"
      else
        err_has "file is $cut bytes, too short for a flatbuffer"
      fi
      run 1 inspect --json "$tmp/cut_$cut.tflite"
      out_empty
    done
    printf 'not a model, just some text\n' >"$tmp/text.tflite"
    run 1 inspect "$tmp/text.tflite"
    err_has "tmc: text.tflite: file identifier is"
    err_has "expected 'TFL3'"
    ;;
  example)
    model=${1:?model}
    need_file "$model"
    run 0 inspect "$model"
    out_has "model tiny_cnn.tflite:"
    out_has "totals: "
    [ "$(op_count)" -gt 0 ] || fail "no op rows"
    err_empty
    run 0 inspect "$model" --json
    out_has '"ops": ['
    if command -v python3 >/dev/null 2>&1; then
      python3 -m json.tool "$tmp/out" >/dev/null 2>"$tmp/err" || fail "--json output is not JSON"
    fi
    # A failed write of the output is an error, not a silent success.
    if [ -w /dev/full ]; then
      for j in "" --json; do
        "$tmc" inspect $j "$model" >/dev/full 2>"$tmp/err"
        full_rc=$?
        [ "$full_rc" -eq 1 ] || fail "inspect $j >/dev/full exited $full_rc, expected 1"
        err_has "tmc: cannot write standard output: "
      done
    fi
    ;;
  json_names)
    model=${1:?model}
    need_file "$model"
    command -v python3 >/dev/null 2>&1 || skip "python3 absent"
    python3 - "$model" "$tmp/names.tflite" <<'EOF' || fail "cannot patch $model"
import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"input_int8")
assert i > 0, "no tensor named input_int8"
open(sys.argv[2], "wb").write(d[:i] + b"input\xff\x01nt8" + d[i + 10:])
EOF
    run 0 inspect --json "$tmp/names.tflite"
    python3 -m json.tool "$tmp/out" >/dev/null 2>"$tmp/err" ||
      fail "--json output is not JSON (a tensor name holds bytes 0xff 0x01)"
    ;;
  vww_text)
    model=${1:?model}
    need_file "$model"
    run 0 inspect "$model"
    err_empty
    out_has "model vww.tflite: schema version 3, 1 subgraph"
    expect_rows 0 QUANTIZE PAD CONV_2D DEPTHWISE_CONV_2D
    n=$(op_count)
    [ "$n" -eq 63 ] || fail "$n op rows, expected 63"
    grep -q '^totals: 11578816 MACs, ' "$tmp/out" || fail "no 'totals: 11578816 MACs' line"
    out_has "63 of 63 operators compilable"
    ;;
  vww_json)
    model=${1:?model}
    need_file "$model"
    run 0 inspect --json "$model"
    err_empty
    if command -v python3 >/dev/null 2>&1; then
      python3 -m json.tool "$tmp/out" >/dev/null 2>"$tmp/err" || fail "--json output is not JSON"
      python3 - "$tmp/out" <<'EOF' || fail "JSON content"
import json, sys
d = json.load(open(sys.argv[1]))
ops = d["ops"]
assert len(ops) == 63, "%d ops" % len(ops)
kinds = [o["kind"] for o in ops[:4]]
assert kinds == ["QUANTIZE", "PAD", "CONV_2D", "DEPTHWISE_CONV_2D"], kinds
assert [o["index"] for o in ops] == list(range(63))
assert d["totals"]["macs"] == 11578816, d["totals"]["macs"]
assert sum(o["macs"] for o in ops) == 11578816
assert d["totals"]["compilable_ops"] == 63
assert len(d["inputs"]) == 1 and len(d["outputs"]) == 1
EOF
    else
      echo "python3 absent: JSON syntax not checked"
      n=$(grep -c '"builtin_code":' "$tmp/out")
      [ "$n" -eq 63 ] || fail "$n ops in the JSON, expected 63"
      grep -q '"macs": 11578816' "$tmp/out" || fail "no total of 11578816 MACs"
    fi
    ;;
  shared_models)
    dir=${1:?models folder}
    for m in vww mcunetv2_large detection lenet; do need_file "$dir/$m.tflite"; done
    run 0 inspect "$dir/mcunetv2_large.tflite"
    op_rows | awk '{ print $2 }' >"$tmp/kinds"
    grep -q '^MEAN$' "$tmp/kinds" || fail "mcunetv2_large: no MEAN"
    grep -q '^MUL$' "$tmp/kinds" || fail "mcunetv2_large: no MUL"
    grep -q '^!' "$tmp/kinds" && fail "mcunetv2_large: ops marked not compilable"
    run 0 inspect "$dir/detection.tflite"
    out_has "output 2: tensor "
    grep -q '^output 3: ' "$tmp/out" && fail "detection: more than 3 outputs"
    op_rows | awk '{ print $2 }' | grep -q '^RESIZE_NEAREST_NEIGHBOR$' ||
      fail "detection: no RESIZE_NEAREST_NEIGHBOR"
    run 0 inspect "$dir/lenet.tflite"
    n=$(op_count)
    expect_rows $((n - 2)) DEQUANTIZE LOG_SOFTMAX
    run 0 inspect "$dir/vww.tflite"
    expect_rows 0 QUANTIZE PAD CONV_2D DEPTHWISE_CONV_2D
    ;;
  run_invokes)
    shared=${1:?shared folder}
    m=${2:?model}
    model=$shared/models/$m.tflite
    need_file "$model"
    g=$shared/golden/$m
    for seed in 1 2 3; do
      rm -rf "$tmp/s" "$tmp/f"
      run 0 run "$model" --invokes 3 --seed "$seed" --out "$tmp/s"
      run 0 run "$model" --invokes 3 --input "$g/seed$seed.input.bin" \
        --input "$g/seed$seed.invoke1.input.bin" --input "$g/seed$seed.invoke2.input.bin" \
        --out "$tmp/f"
      for f in output0 invoke1.output0 invoke2.output0; do
        cmp -s "$tmp/s/$f.bin" "$g/seed$seed.$f.bin" || fail "$m --seed $seed: $f.bin differs"
        cmp -s "$tmp/f/$f.bin" "$g/seed$seed.$f.bin" || fail "$m --input (seed $seed): $f.bin differs"
      done
      [ ! -e "$tmp/s/invoke3.output0.bin" ] || fail "a fourth invoke was written"
    done
    # The plan names the persistent state (these models name no tensor of it).
    run 0 plan "$model"
    out_has "(state, persistent)"
    grep -q '[0-9]  *$' "$tmp/out" && fail "tmc plan prints a buffer without a name"
    run 2 run "$model" --invokes 0 --seed 1 --out "$tmp/o"
    err_has "--invokes"
    run 2 run "$model" --invokes 2 --invokes 2 --seed 1 --out "$tmp/o"
    err_has "--invokes"
    run 2 run "$model" --invokes 2 --input "$g/seed1.input.bin" --out "$tmp/o"
    err_has "1 --input file given, the model has 1 input (2 invokes)"
    [ ! -e "$tmp/o" ] || fail "--out written after a usage error"
    ;;
  run_errors)
    model=${1:?model}
    need_file "$model"
    run 2 run "$model" --seed 1
    err_has "--out"
    run 2 run "$model" --out "$tmp/o"
    run 2 run "$model" --seed 1 --input "$model" --out "$tmp/o"
    run 2 run "$model" --seed x1 --out "$tmp/o"
    run 2 run "$model" --seed 1 --out "$tmp/o" --io int16
    run 2 run "$model" --seed 1 --out "$tmp/o" --planner magic
    run 2 run "$model" --input "$model" --input "$model" --out "$tmp/o"
    err_has "2 --input files given, the model has 1 input"
    printf 'abc' >"$tmp/short.bin"
    run 1 run "$model" --input "$tmp/short.bin" --out "$tmp/o"
    err_has "input 0 (tensor "
    err_has "expected 12288"
    [ ! -e "$tmp/o/output0.bin" ] || fail "output written after a bad input"
    : >"$tmp/file"
    run 1 run "$model" --seed 1 --out "$tmp/file/sub"
    run 1 run "$model" --seed 1 --out "$tmp/o" --limit 100
    err_has "more than the limit of 100"
    err_has "the peak is at op "
    [ ! -e "$tmp/o/output0.bin" ] || fail "output written despite the limit"
    ;;
  detect_unreadable)
    model=${1:?model}
    need_file "$model"
    mkdir "$tmp/folder.json"
    : >"$tmp/empty.json"
    printf '\377\376 not json' >"$tmp/binary.json"
    printf '{"output1": {"input_id": "0", "num_class": 1, "anchors": [1, 2], "stride": 8}}' \
      >"$tmp/wrong.json"
    for spec in missing:"cannot open" folder:"folder.json" empty:"detection config" \
      binary:"detection config" wrong:"detection config"; do
      c=${spec%%:*}
      msg=${spec#*:}
      cfg="$tmp/$c.json"
      rm -rf "$tmp/o" "$tmp/c"
      run 1 run "$model" --seed 1 --out "$tmp/o" --detect "$cfg"
      err_has "$msg"
      err_has "$c.json"
      [ -e "$tmp/o" ] && fail "tmc run --detect $c.json: wrote $tmp/o"
      run 1 compile "$model" -o "$tmp/c" --detect "$cfg" --main
      err_has "$msg"
      [ -e "$tmp/c" ] && fail "tmc compile --detect $c.json: created $tmp/c"
      grep -q -i -e "AddressSanitizer" -e "runtime error" "$tmp/err" &&
        fail "--detect $c.json: a sanitizer report"
    done
    ;;
  run_seed)
    model=${1:?model}
    need_file "$model"
    run 0 run "$model" --seed 1 --out "$tmp/o"
    out_has "arena"
    out_has "top 5:"
    [ "$(wc -c <"$tmp/o/output0.bin" | tr -d ' ')" -eq 40 ] || fail "output0.bin is not 40 bytes"
    run 0 run "$model" --seed 1 --out "$tmp/o8" --io int8
    out_has "INT8 [1,10] scale 0.00390625 zero point -128"
    [ "$(wc -c <"$tmp/o8/output0.bin" | tr -d ' ')" -eq 10 ] || fail "int8 output0.bin is not 10 bytes"
    ;;
  numbers)
    model=${1:?model}
    need_file "$model"
    o="$tmp/o"
    for bad in 4294967296 99999999999999999999999 -1; do
      run 2 run "$model" --seed "$bad" --out "$o"
      err_has "tmc run: --seed '$bad' is not a 32-bit number (out of range 0 to 4294967295)"
    done
    for bad in "" " 1" "1 " +1 0x10 1.5; do
      run 2 run "$model" --seed "$bad" --out "$o"
      err_has "tmc run: --seed '$bad' is not a 32-bit number (decimal digits)"
    done
    run 2 run "$model" --seed 1 --out "$o" --limit 99999999999999999999
    err_has "tmc run: --limit '99999999999999999999' is not a positive number of bytes"
    run 2 run "$model" --seed 1 --out "$o" --patch 4294967301:2x2
    err_has "tmc run: --patch '4294967301:2x2': the split op is out of range"
    run 2 run "$model" --seed 1 --out "$o" --patch 5:100x100
    err_has "the rows are out of range (1 to 64)"
    for f in --score --nms-iou; do
      for bad in "" " 0.5" 0x0.8 nan inf 2 -0.1 0.5x; do
        run 2 run "$model" --seed 1 --out "$o" --detect x.json $f "$bad"
        err_has "tmc run: $f '$bad' is not a number in [0, 1]"
      done
    done
    [ -e "$o" ] && fail "a usage error wrote $o"
    run 0 run "$model" --seed 4294967295 --out "$o"
    ;;
  twice)
    model=${1:?model}
    need_file "$model"
    run 2 inspect "$model" --json --json
    err_has "tmc inspect: --json given twice"
    out_empty
    o="$tmp/o"
    for twice in "--out $o" "--seed 1" "--io int8" "--planner best" "--limit 100000" \
      "--patch none" "--detect x.json" "--score 0.5" "--nms-iou 0.5"; do
      # shellcheck disable=SC2086
      run 2 run "$model" --seed 2 --out "$tmp/p" $twice $twice
      err_has "tmc run: ${twice%% *} given twice"
      out_empty
    done
    run 2 run "$model" --out "$o" --out "$tmp/p" --seed 1
    err_has "tmc run: --out given twice"
    [ -e "$o" ] || [ -e "$tmp/p" ] && fail "a usage error wrote output"
    # --input is repeated by design (here one too many for the model).
    run 2 run "$model" --input "$model" --input "$model" --out "$o"
    err_has "2 --input files given, the model has 1 input"
    ;;
  stdout_full)
    model=${1:?model}
    need_file "$model"
    [ -w /dev/full ] || skip "no /dev/full"
    for cmd in "inspect $model" "inspect --json $model" "plan $model" \
      "plan $model --json -" "run $model --seed 1 --out $tmp/r" \
      "compile $model -o $tmp/c" "--help" "--version" "plan --help"; do
      # shellcheck disable=SC2086
      "$tmc" $cmd >/dev/full 2>"$tmp/err"
      full_rc=$?
      [ "$full_rc" -eq 1 ] || fail "tmc $cmd >/dev/full exited $full_rc, expected 1"
      err_has "tmc: cannot write standard output: No space left on device"
    done
    ;;
  folder_input)
    model=${1:?model}
    need_file "$model"
    mkdir "$tmp/dir.bin" "$tmp/dir.tflite" "$tmp/dir.json"
    run 1 run "$model" --input "$tmp/dir.bin" --out "$tmp/o"
    err_has "cannot read '$tmp/dir.bin': Is a directory"
    [ -e "$tmp/o" ] && fail "a folder as --input wrote $tmp/o"
    run 1 inspect "$tmp/dir.tflite"
    err_has "tmc: dir.tflite: cannot read '$tmp/dir.tflite': Is a directory"
    run 1 plan "$tmp/dir.tflite"
    err_has "Is a directory"
    run 1 run "$model" --seed 1 --out "$tmp/o" --detect "$tmp/dir.json"
    err_has "cannot read '$tmp/dir.json': Is a directory"
    ;;
  help_options)
    for spec in "inspect:--json -h --help" \
      "plan:--io --planner --limit --patch --json --svg -h --help" \
      "run:--input --seed --out --io --planner --limit --patch --detect --score --nms-iou -h --help" \
      "compile:-o --name --io --limit --planner --patch --profile --main --detect --measure-code -h --help"; do
      c=${spec%%:*}
      run 0 "$c" --help
      for opt in ${spec#*:}; do
        case $opt in
          -h | --help) continue ;; # the help itself
        esac
        grep -q -e "^ *$opt " -e "[[(|]$opt[] )]" "$tmp/out" || fail "tmc $c --help lacks $opt"
      done
    done
    ;;
  run_golden)
    shared=${1:?shared folder}
    m=${2:?model name}
    need_file "$shared/models/$m.tflite"
    g="$shared/golden/$m/seed1"
    run 0 run "$shared/models/$m.tflite" --input "$g.input.bin" --out "$tmp/f"
    same_outputs "$tmp/f" "$g" "" "$m"
    for p in best first-fit; do
      run 0 run "$shared/models/$m.tflite" --io int8 --planner $p \
        --input "$g.input.int8.bin" --out "$tmp/i$p"
      same_outputs "$tmp/i$p" "$g" .int8 "$m (--io int8, $p)"
    done
    ;;
  output_links)
    model=${1:?model}
    need_file "$model"
    run 0 compile "$model" -o "$tmp/ref"
    mkdir "$tmp/c" "$tmp/keep"
    cp "$tmp/ref"/* "$tmp/c/"
    echo old >"$tmp/keep/model.c"
    echo keep >"$tmp/keep/notes.txt"
    rm "$tmp/c/model.c"
    ln -s ../keep/model.c "$tmp/c/model.c"
    tree_state "$tmp/c" >"$tmp/before.c"
    tree_state "$tmp/keep" >"$tmp/before.keep"
    run 0 compile "$model" -o "$tmp/c"
    err_empty
    [ -L "$tmp/c/model.c" ] && [ "$(readlink "$tmp/c/model.c")" = ../keep/model.c ] ||
      fail "model.c is no longer the link"
    cmp -s "$tmp/keep/model.c" "$tmp/ref/model.c" || fail "the link's target lacks model.c"
    same_state "compile, model.c a link" "$tmp/before.c" "$tmp/c"
    same_state "compile, model.c a link (its folder)" "$tmp/before.keep" "$tmp/keep" model.c
    # Dangling: the target is created.
    rm "$tmp/keep/model.c"
    tree_state "$tmp/keep" >"$tmp/before.keep"
    run 0 compile "$model" -o "$tmp/c"
    [ -L "$tmp/c/model.c" ] || fail "model.c is no longer a link"
    cmp -s "$tmp/keep/model.c" "$tmp/ref/model.c" || fail "the dangling link's target lacks model.c"
    same_state "compile, model.c a dangling link" "$tmp/before.c" "$tmp/c"
    same_state "compile, model.c a dangling link (its folder)" "$tmp/before.keep" "$tmp/keep" model.c
    # model.h onto /dev/null: written in place.
    if [ -c /dev/null ]; then
      rm "$tmp/c/model.h"
      ln -s /dev/null "$tmp/c/model.h"
      tree_state "$tmp/c" >"$tmp/before.c"
      run 0 compile "$model" -o "$tmp/c"
      [ -c /dev/null ] || fail "/dev/null is no longer a character device"
      same_state "compile, model.h a link to /dev/null" "$tmp/before.c" "$tmp/c"
    fi
    # model.h onto /dev/full: exit 1, and the files already renamed into
    # place are taken back (older contents here, so that shows).
    if [ -c /dev/full ] && [ -w /dev/full ]; then
      rm -f "$tmp/c/model.h"
      ln -s /dev/full "$tmp/c/model.h"
      echo old >"$tmp/c/model_weights.c"
      echo old >"$tmp/keep/model.c"
      tree_state "$tmp/c" >"$tmp/before.c"
      tree_state "$tmp/keep" >"$tmp/before.keep"
      run 1 compile "$model" -o "$tmp/c"
      err_has "cannot write '$tmp/c/model.h' (a link to '/dev/full'): No space left on device"
      [ -c /dev/full ] || fail "/dev/full is no longer a character device"
      same_state "compile, model.h a link to /dev/full" "$tmp/before.c" "$tmp/c"
      same_state "compile, model.h a link to /dev/full (model.c's folder)" \
        "$tmp/before.keep" "$tmp/keep"
    fi
    # A folder at model.c's target: exit 1, named, nothing changed.
    rm "$tmp/keep/model.c"
    mkdir "$tmp/keep/model.c"
    rm -f "$tmp/c/model.h"
    cp "$tmp/ref/model.h" "$tmp/c/model.h"
    tree_state "$tmp/c" >"$tmp/before.c"
    tree_state "$tmp/keep" >"$tmp/before.keep"
    run 1 compile "$model" -o "$tmp/c"
    err_has "cannot write '$tmp/c/model.c' (a link to '"
    err_has "/keep/model.c'): Is a directory"
    same_state "compile, model.c a link to a folder" "$tmp/before.c" "$tmp/c"
    same_state "compile, model.c a link to a folder (its folder)" "$tmp/before.keep" "$tmp/keep"
    # tmc run --out: output0.bin a link.
    run 0 run "$model" --seed 1 --out "$tmp/r0"
    mkdir "$tmp/r"
    echo old >"$tmp/keep/o.bin"
    ln -s ../keep/o.bin "$tmp/r/output0.bin"
    tree_state "$tmp/r" >"$tmp/before.r"
    tree_state "$tmp/keep" >"$tmp/before.keep"
    run 0 run "$model" --seed 1 --out "$tmp/r"
    [ -L "$tmp/r/output0.bin" ] || fail "output0.bin is no longer a link"
    cmp -s "$tmp/keep/o.bin" "$tmp/r0/output0.bin" || fail "the link's target lacks output0.bin"
    same_state "run, output0.bin a link" "$tmp/before.r" "$tmp/r"
    same_state "run, output0.bin a link (its folder)" "$tmp/before.keep" "$tmp/keep" o.bin
    ;;
  *)
    echo "cli_test.sh: unknown case '$case_name'" >&2
    exit 1
    ;;
esac
exit 0
