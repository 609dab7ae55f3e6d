#!/bin/sh
# plan_cli_test.sh CASE TMC [ARG...]: one check of `tmc plan`, run by CTest
# (tests/plan/CMakeLists.txt registers one test per case). Exits 0 when the
# check passes, 1 when it fails (printing what and the command's output),
# 77 when it cannot run here (a model file is missing): CTest's SKIP code.
#
# Cases:
#   example MODEL   the example model (tiny_cnn.tflite), both planners,
#                   float and --io int8: exit 0, the text names the arena,
#                   the bounds and the peak; --json - is JSON (python3, when
#                   present) with arena_bytes, lower_bound_bytes, planner and
#                   tensors[] name/offset/size/first_op/last_op, consistent
#                   with the text; --svg FILE starts with "<svg" (well-formed
#                   XML when python3 is present); --limit 1 exits 1 naming
#                   the peak op and its tensors, writing no JSON; --limit
#                   equal to the arena exits 0
#   errors MODEL    usage errors exit 2 (bad --planner, --io, --limit values,
#                   --patch values out of range or malformed, options given
#                   twice, options without a value, no model, two models);
#                   a failed write of standard output exits 1; an
#                   unwritable --json or --svg path exits 1 and leaves no
#                   file behind (not even the other output's)
#   vww VWW         the example checks on vww, plus: --io int8 drops the
#                   QUANTIZE (fewer steps), first fit is never below the
#                   no-overlap floor, best <= first fit
#   outputs MODEL   --json / --svg onto what is not a plain file never
#                   replace it: a link (also a chain, a link to a link) is
#                   written through (the link stays, its target holds the
#                   JSON), a dangling link creates its target, one into a
#                   missing folder exits 1; a FIFO is written in place (read
#                   by cat), /dev/null stays a character device, /dev/full
#                   (and a link to it) exits 1 saying no space is left, a
#                   folder (and a link to one) exits 1 naming it, a socket
#                   exits 1 (python3 makes it); each time nothing else in
#                   the folder changes and no temporary file is left
set -u

case_name=${1:?case}
tmc=${2:?path of tmc}
shift 2

. "$(dirname "$0")/../testlib.sh"

have_python() { command -v python3 >/dev/null 2>&1; }

# text_arena: the arena bytes of the text output ("NAME: arena N bytes ...").
text_arena() { sed -n 's/^.*: arena \([0-9][0-9]*\) bytes.*$/\1/p' "$tmp/out" | head -n 1; }

# check_json FILE PLANNER ARENA: the JSON's keys and consistency.
check_json() {
  cj_file=$1
  cj_planner=$2
  cj_arena=$3
  if have_python; then
    python3 -m json.tool "$cj_file" >/dev/null 2>"$tmp/err" || fail "--json output is not JSON"
    python3 - "$cj_file" "$cj_planner" "$cj_arena" <<'EOF' || fail "JSON content ($cj_file)"
import json, sys
d = json.load(open(sys.argv[1]))
planner, arena = sys.argv[2], int(sys.argv[3])
# The keys at the top level, or in the "plan" object tmc nests them in.
p = d if "arena_bytes" in d else d.get("plan")
assert isinstance(p, dict), "no arena_bytes at the top level nor a 'plan' object: %s" % list(d)
for k in ("arena_bytes", "lower_bound_bytes", "planner", "tensors"):
    assert k in p, "missing key %s (have %s)" % (k, sorted(p))
assert p["planner"] == planner, p["planner"]
assert p["arena_bytes"] == arena, (p["arena_bytes"], arena)
assert 0 < p["lower_bound_bytes"] <= p["arena_bytes"], (p["lower_bound_bytes"], p["arena_bytes"])
if "lower_bound_no_overlap_bytes" in p:
    assert p["lower_bound_no_overlap_bytes"] >= p["lower_bound_bytes"]
ts = p["tensors"]
assert isinstance(ts, list) and ts, "empty tensors array"
top = 0
for t in ts:
    for k in ("name", "offset", "size", "first_op", "last_op"):
        assert k in t, "tensor lacks %s: %s" % (k, t)
    assert isinstance(t["name"], str) and t["name"], t
    assert t["offset"] >= 0 and t["size"] > 0, t
    assert t["offset"] % 4 == 0, t
    assert t["offset"] + t["size"] <= p["arena_bytes"], t
    assert 0 <= t["first_op"] <= t["last_op"], t
    top = max(top, t["offset"] + t["size"])
assert top == p["arena_bytes"], "no buffer reaches the arena's end (%d < %d)" % (top, p["arena_bytes"])
EOF
  else
    echo "python3 absent: JSON syntax not checked"
    for k in arena_bytes lower_bound_bytes planner tensors name offset size first_op last_op; do
      grep -q "\"$k\"" "$cj_file" || fail "JSON lacks \"$k\""
    done
  fi
}

# check_svg FILE
check_svg() {
  [ -s "$1" ] || fail "no SVG written to $1"
  head -c 4 "$1" | grep -q '^<svg' || fail "SVG does not start with <svg: $(head -c 40 "$1")"
  tail -n 1 "$1" | grep -q '</svg>' || fail "SVG does not end with </svg>"
  grep -q 'peak' "$1" || fail "SVG does not mark the peak"
  [ "$(grep -c '<rect' "$1")" -ge 3 ] || fail "SVG has no buffer rectangles"
  if have_python; then
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1" \
      2>"$tmp/err" || fail "SVG is not well-formed XML"
  fi
}

# plan_checks MODEL: the checks every model gets.
plan_checks() {
  pc_model=$1
  for pc_io in "" "--io int8"; do
    for pc_planner in best first-fit; do
      # shellcheck disable=SC2086
      run 0 plan "$pc_model" $pc_io --planner "$pc_planner"
      err_empty
      out_has "arena"
      out_has "($pc_planner planner)"
      out_has "lower bound"
      out_has "peak at step"
      pc_arena=$(text_arena)
      [ -n "$pc_arena" ] || fail "no 'arena N bytes' in the text"
      pc_peak=$(sed -n 's/^peak at step [0-9]*: \(op [0-9]* [A-Z_0-9]*\)$/\1/p' "$tmp/out")
      [ -n "$pc_peak" ] || fail "no 'peak at step S: op N KIND' line"
      # shellcheck disable=SC2086
      run 0 plan "$pc_model" $pc_io --planner "$pc_planner" --json -
      err_empty
      cp "$tmp/out" "$tmp/plan.json"
      check_json "$tmp/plan.json" "$pc_planner" "$pc_arena"
      # shellcheck disable=SC2086
      run 0 plan "$pc_model" $pc_io --planner "$pc_planner" --json "$tmp/f.json" --svg "$tmp/f.svg"
      out_has "arena $pc_arena bytes"
      check_json "$tmp/f.json" "$pc_planner" "$pc_arena"
      check_svg "$tmp/f.svg"
      rm -f "$tmp/f.json" "$tmp/f.svg"
      # The limit: one byte fails naming the peak; the arena itself passes.
      # shellcheck disable=SC2086
      run 1 plan "$pc_model" $pc_io --planner "$pc_planner" --limit 1 --json "$tmp/l.json"
      out_empty
      err_has "more than the limit of 1"
      err_has "the peak is at $pc_peak"
      err_has " bytes at offset "
      grep -q "^  tensor [0-9]* '.*': [0-9]* bytes" "$tmp/err" || fail "no tensor listed at the peak"
      [ ! -e "$tmp/l.json" ] || fail "--json file written although the limit failed"
      # shellcheck disable=SC2086
      run 1 plan "$pc_model" $pc_io --planner "$pc_planner" --limit $((pc_arena - 1))
      err_has "arena needs $pc_arena bytes, more than the limit of $((pc_arena - 1))"
      # shellcheck disable=SC2086
      run 0 plan "$pc_model" $pc_io --planner "$pc_planner" --limit "$pc_arena"
      out_has "arena $pc_arena bytes"
      eval "arena_${pc_planner%%-*}_${pc_io:+int8}=$pc_arena"
    done
  done
  # best <= first fit, float and int8.
  # shellcheck disable=SC2154
  [ "$arena_best_" -le "$arena_first_" ] || fail "best $arena_best_ > first-fit $arena_first_"
  # shellcheck disable=SC2154
  [ "$arena_best_int8" -le "$arena_first_int8" ] ||
    fail "best $arena_best_int8 > first-fit $arena_first_int8 (--io int8)"
  # nothing left behind in the folder (no temporary files)
  leftover=$(ls "$tmp" | grep -v -e '^out$' -e '^err$' -e '^plan.json$')
  [ -z "$leftover" ] || fail "files left behind: $leftover"
}

case "$case_name" in
  example)
    model=${1:?model}
    need_file "$model"
    plan_checks "$model"
    run 0 plan --help
    out_has "usage: tmc plan MODEL"
    ;;
  errors)
    model=${1:?model}
    need_file "$model"
    run 2 plan "$model" --planner magic
    err_has "--planner takes best or first-fit, not 'magic'"
    out_empty
    run 2 plan "$model" --planner
    err_has "--planner needs a value"
    run 2 plan "$model" --io int16
    err_has "--io takes int8 or float"
    for bad in 0 -5 abc 12x ""; do
      run 2 plan "$model" --limit "$bad"
      err_has "--limit '$bad' is not a positive number of bytes"
      out_empty
    done
    run 2 plan "$model" --limit 99999999999999999999
    err_has "--limit '99999999999999999999' is not a positive number of bytes (out of range"
    for bad in " 5" +5 5x; do
      run 2 plan "$model" --limit "$bad"
      err_has "--limit '$bad' is not a positive number of bytes (decimal digits)"
    done
    # --patch: no wrap-around of big numbers, the grid's limit named.
    for bad in 4294967301:2x2 99999999999:2x2 2147483648:1x1; do
      run 2 plan "$model" --patch "$bad"
      err_has "tmc plan: --patch '$bad': the split op is out of range (0 to 2147483647)"
      out_empty
    done
    run 2 plan "$model" --patch 5:100x100
    err_has "--patch '5:100x100': the rows are out of range (1 to 64)"
    run 2 plan "$model" --patch 1:2x65
    err_has "--patch '1:2x65': the columns are out of range (1 to 64)"
    run 2 plan "$model" --patch 1:4294967297x2
    err_has "the rows are out of range (1 to 64)"
    for bad in 1:2x x "1: 2x2" 1:2x2x -1:2x2; do
      run 2 plan "$model" --patch "$bad"
      err_has "--patch '$bad': not none, auto or SPLIT:RxC"
    done
    # Each option at most once.
    for twice in "--io int8" "--planner best" "--limit 100000" "--patch none" \
      "--json $tmp/a.json" "--svg $tmp/a.svg"; do
      # shellcheck disable=SC2086
      run 2 plan "$model" $twice $twice
      err_has "tmc plan: ${twice%% *} given twice"
      out_empty
    done
    run 2 plan "$model" --io int8 --io float
    err_has "tmc plan: --io given twice"
    # Standard output that cannot be written: exit 1 (text and --json -).
    if [ -w /dev/full ]; then
      for j in "" "--json -"; do
        # shellcheck disable=SC2086
        "$tmc" plan "$model" $j >/dev/full 2>"$tmp/err"
        full_rc=$?
        [ "$full_rc" -eq 1 ] || fail "plan $j >/dev/full exited $full_rc, expected 1"
        err_has "tmc: cannot write standard output: "
      done
    fi
    run 2 plan "$model" --json
    err_has "--json needs a file"
    run 2 plan "$model" --svg
    err_has "--svg needs a file"
    run 2 plan
    err_has "tmc plan: no model given"
    run 2 plan "$model" "$model"
    err_has "one model at a time"
    run 2 plan "$model" --bogus
    err_has "unknown option '--bogus'"
    # Unwritable outputs: exit 1, message names the file, nothing left.
    run 1 plan "$model" --json /nonexistent/x.json
    err_has "/nonexistent/x.json"
    out_empty
    [ ! -e /nonexistent/x.json ] || fail "/nonexistent/x.json exists"
    run 1 plan "$model" --json "$tmp/ok.json" --svg /nonexistent/x.svg
    err_has "/nonexistent/x.svg"
    out_empty
    [ ! -e "$tmp/ok.json" ] || fail "the JSON was written although the SVG could not be"
    run 1 plan "$model" --svg "$tmp/ok.svg" --json /nonexistent/x.json
    [ ! -e "$tmp/ok.svg" ] || fail "the SVG was written although the JSON could not be"
    # A device that fails only when written (/dev/full: no space): the other
    # output, a plain file, is not committed either.
    if [ -c /dev/full ] && [ -w /dev/full ]; then
      run 1 plan "$model" --json /dev/full --svg "$tmp/ok.svg"
      err_has "cannot write '/dev/full'"
      [ ! -e "$tmp/ok.svg" ] || fail "the SVG was written although the JSON could not be"
      run 1 plan "$model" --svg /dev/full --json "$tmp/ok.json"
      [ ! -e "$tmp/ok.json" ] || fail "the JSON was written although the SVG could not be"
    fi
    leftover=$(ls "$tmp" | grep -v -e '^out$' -e '^err$')
    [ -z "$leftover" ] || fail "files left behind: $leftover"
    # A missing model: exit 1.
    run 1 plan "$tmp/missing.tflite"
    err_has "missing.tflite"
    ;;
  outputs)
    model=${1:?model}
    need_file "$model"
    run 0 plan "$model" --json -
    cp "$tmp/out" "$tmp/want.json"
    run 0 plan "$model" --svg "$tmp/want.svg"
    w="$tmp/w"
    mkdir "$w" "$w/sub"
    echo keep >"$w/keep.txt"
    echo keep >"$w/sub/keep.txt"
    # A link to a regular file, relative: written through.
    echo old >"$w/sub/t.json"
    ln -s sub/t.json "$w/l.json"
    ln -s l.json "$w/l2.json"
    tree_state "$w" >"$tmp/before"
    run 0 plan "$model" --json "$w/l.json"
    err_empty
    out_has "arena"
    [ -L "$w/l.json" ] && [ "$(readlink "$w/l.json")" = sub/t.json ] || fail "l.json is no longer the link"
    cmp -s "$w/sub/t.json" "$tmp/want.json" || fail "the link's target does not hold the JSON"
    same_state "--json LINK" "$tmp/before" "$w" sub/t.json
    # A chain of two links, and --svg: the last target gets it.
    echo old >"$w/sub/t.json"
    tree_state "$w" >"$tmp/before"
    run 0 plan "$model" --json "$w/l2.json" --svg "$w/l.json"
    err_empty
    [ -L "$w/l2.json" ] && [ -L "$w/l.json" ] || fail "a link of the chain was replaced"
    cmp -s "$w/sub/t.json" "$tmp/want.svg" || fail "the chain's target does not hold the SVG"
    # (both outputs went to the same file: the later one, the SVG, is what stays)
    same_state "--json LINK2 --svg LINK" "$tmp/before" "$w" sub/t.json
    # An absolute link from another folder.
    echo old >"$w/sub/t.json"
    ln -s "$w/sub/t.json" "$tmp/abs.json"
    tree_state "$w" >"$tmp/before"
    run 0 plan "$model" --json "$tmp/abs.json"
    [ -L "$tmp/abs.json" ] || fail "abs.json is no longer a link"
    cmp -s "$w/sub/t.json" "$tmp/want.json" || fail "the absolute link's target lacks the JSON"
    same_state "--json ABSOLUTE-LINK" "$tmp/before" "$w" sub/t.json
    rm "$tmp/abs.json"
    # A dangling link: its target is created.
    ln -s sub/new.json "$w/d.json"
    tree_state "$w" >"$tmp/before"
    run 0 plan "$model" --json "$w/d.json"
    err_empty
    [ -L "$w/d.json" ] && [ "$(readlink "$w/d.json")" = sub/new.json ] || fail "d.json is no longer the link"
    cmp -s "$w/sub/new.json" "$tmp/want.json" || fail "the dangling link's target lacks the JSON"
    same_state "--json DANGLING-LINK" "$tmp/before" "$w" sub/new.json
    rm "$w/sub/new.json"
    # A dangling link into a missing folder: exit 1, named, nothing created.
    ln -s nowhere/x.json "$w/bad.json"
    tree_state "$w" >"$tmp/before"
    run 1 plan "$model" --json "$w/bad.json"
    out_empty
    err_has "cannot write '$w/bad.json' (a link to '"
    err_has "/nowhere/x.json'): No such file or directory"
    same_state "--json LINK-INTO-NOTHING" "$tmp/before" "$w"
    # A folder, and a link to a folder: exit 1, named.
    run 1 plan "$model" --json "$w/sub"
    out_empty
    err_has "cannot write '$w/sub': Is a directory"
    same_state "--json FOLDER" "$tmp/before" "$w"
    ln -s sub "$w/dl"
    tree_state "$w" >"$tmp/before"
    run 1 plan "$model" --svg "$w/dl"
    out_empty
    err_has "cannot write '$w/dl' (a link to '$(cd "$w/sub" && pwd -P)'): Is a directory"
    same_state "--svg LINK-TO-FOLDER" "$tmp/before" "$w"
    # A FIFO: written in place, read concurrently.
    mkfifo "$w/p" || fail "mkfifo"
    tree_state "$w" >"$tmp/before"
    cat "$w/p" >"$tmp/fifo.out" 2>/dev/null </dev/null &
    cat_pid=$!
    "$tmc" plan "$model" --json "$w/p" >"$tmp/out" 2>"$tmp/err"
    fifo_rc=$?
    if [ "$fifo_rc" -ne 0 ]; then
      kill "$cat_pid" 2>/dev/null
      fail "'tmc plan --json FIFO' exited $fifo_rc, expected 0"
    fi
    wait "$cat_pid"
    err_empty
    out_has "arena"
    [ -p "$w/p" ] || fail "the FIFO was replaced"
    cmp -s "$tmp/fifo.out" "$tmp/want.json" || fail "the FIFO's reader did not get the JSON"
    same_state "--json FIFO" "$tmp/before" "$w"
    # /dev/null: stays a character device.
    if [ -c /dev/null ]; then
      run 0 plan "$model" --json /dev/null --svg /dev/null
      err_empty
      out_has "arena"
      [ -c /dev/null ] || fail "/dev/null is no longer a character device"
    fi
    # /dev/full, directly and through a link: exit 1, no space.
    if [ -c /dev/full ] && [ -w /dev/full ]; then
      run 1 plan "$model" --json /dev/full
      err_has "cannot write '/dev/full': No space left on device"
      [ -c /dev/full ] || fail "/dev/full is no longer a character device"
      ln -s /dev/full "$w/full.json"
      tree_state "$w" >"$tmp/before"
      run 1 plan "$model" --svg "$w/full.json"
      err_has "cannot write '$w/full.json' (a link to '/dev/full'): No space left on device"
      [ -c /dev/full ] || fail "/dev/full is no longer a character device"
      same_state "--svg LINK-TO-/dev/full" "$tmp/before" "$w"
    fi
    # A socket: cannot be opened, exit 1, named, left alone.
    if have_python && python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' "$w/sock" 2>/dev/null; then
      tree_state "$w" >"$tmp/before"
      run 1 plan "$model" --json "$w/sock"
      out_empty
      err_has "cannot write '$w/sock': "
      [ -S "$w/sock" ] || fail "the socket was replaced"
      same_state "--json SOCKET" "$tmp/before" "$w"
    fi
    # The plain file case still replaces the file, nothing left behind.
    echo old >"$w/plain.json"
    tree_state "$w" >"$tmp/before"
    run 0 plan "$model" --json "$w/plain.json"
    cmp -s "$w/plain.json" "$tmp/want.json" || fail "plain.json lacks the JSON"
    same_state "--json FILE" "$tmp/before" "$w" plain.json
    ;;
  vww)
    model=${1:?model}
    need_file "$model"
    plan_checks "$model"
    run 0 plan "$model" --json -
    n_float=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan"]["steps"])' \
      "$tmp/out" 2>/dev/null || echo "")
    run 0 plan "$model" --io int8 --json -
    n_int8=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan"]["steps"])' \
      "$tmp/out" 2>/dev/null || echo "")
    if [ -n "$n_float" ] && [ -n "$n_int8" ]; then
      [ "$n_int8" -lt "$n_float" ] || fail "--io int8 has $n_int8 steps, float $n_float"
    fi
    # Figures for the log.
    for io in "" "--io int8"; do
      for p in best first-fit; do
        # shellcheck disable=SC2086
        run 0 plan "$model" $io --planner $p
        head -n 3 "$tmp/out"
      done
    done
    ;;
  *)
    echo "plan_cli_test.sh: unknown case '$case_name'" >&2
    exit 1
    ;;
esac
exit 0
