# testlib.sh: helpers shared by the shell tests (sourced, POSIX sh). The
# sourcing script sets case_name and tmc first. Provides a private $tmp
# (removed on exit), fail (prints the last command's output, exit 1), skip
# (exit 77, CTest's skip code), run (tmc with an expected exit code, output
# in $tmp/out and $tmp/err) and checks on that output.

tmp="${TMPDIR:-/tmp}/tmc_test.$case_name.$$"
rm -rf "$tmp"
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

fail() {
  echo "FAIL [$case_name]: $*" >&2
  for f in out err; do
    if [ -s "$tmp/$f" ]; then
      echo "--- std$f (first 40 lines):" >&2
      head -n 40 "$tmp/$f" >&2
    fi
  done
  exit 1
}

skip() {
  echo "SKIP [$case_name]: $*"
  exit 77
}

# run WANT_RC ARGS...: runs tmc with ARGS, stdout/stderr to $tmp/out, $tmp/err.
# (POSIX sh has no local variables: helpers use names prefixed with their own.)
run() {
  run_want=$1
  shift
  "$tmc" "$@" >"$tmp/out" 2>"$tmp/err"
  run_rc=$?
  [ "$run_rc" -eq "$run_want" ] || fail "'tmc $*' exited $run_rc, expected $run_want"
}

out_has() { grep -F -q -e "$1" "$tmp/out" || fail "stdout lacks '$1'"; }
err_has() { grep -F -q -e "$1" "$tmp/err" || fail "stderr lacks '$1'"; }
out_empty() { [ ! -s "$tmp/out" ] || fail "stdout is not empty"; }
err_empty() { [ ! -s "$tmp/err" ] || fail "stderr is not empty"; }

need_file() { [ -f "$1" ] || skip "$1 is absent"; }

# tree_state DIR: one line per entry below DIR (sorted): its path, its type
# and, for a link, what it holds, for a regular file, its checksum. Two
# calls compared show whether anything below DIR changed.
tree_state() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r ts_f; do
    if [ -L "$ts_f" ]; then echo "$ts_f link $(readlink "$ts_f")"
    elif [ -d "$ts_f" ]; then echo "$ts_f folder"
    elif [ -p "$ts_f" ]; then echo "$ts_f fifo"
    elif [ -S "$ts_f" ]; then echo "$ts_f socket"
    elif [ -f "$ts_f" ]; then echo "$ts_f file $(cksum <"$ts_f")"
    else echo "$ts_f other"; fi
  done)
}

# same_state WHAT BEFORE DIR [SKIP]: tree_state DIR equals the BEFORE file,
# lines of the path ./SKIP left out of both.
same_state() {
  ss_skip=${4:-}
  tree_state "$3" | grep -v -F -x -e "./$ss_skip" | grep -v "^\./$ss_skip " >"$tmp/state.now"
  grep -v -F -x -e "./$ss_skip" "$2" | grep -v "^\./$ss_skip " >"$tmp/state.was"
  cmp -s "$tmp/state.was" "$tmp/state.now" ||
    fail "$1: something else changed in $3: $(diff "$tmp/state.was" "$tmp/state.now" | tr '\n' ' ')"
}

# suite_cases SUITE INDEX LEFT_OUT: the case names of INDEX (a golden suite's
# index.txt) to run, one a line, on stdout: every case of ops; of ops-v2,
# those tests/golden/ops_v2_scope.txt does not leave out (the host runner's
# tests/golden/golden_ops_test.c reads the same list); the ones left out,
# with the reason, are written to LEFT_OUT ("not run: CASE (OP): REASON").
suite_cases() {
  sc_scope=$(dirname "$0")/../golden/ops_v2_scope.txt
  [ -f "$sc_scope" ] || fail "$sc_scope is absent"
  : >"$3"
  awk -v suite="$1" -v out="$3" '
    FNR == NR { if ($0 !~ /^#/ && NF >= 2) { op = $1; which[op] = $2; $1 = ""; $2 = ""
                                              why[op] = $0 }
                next }
    /^#/ || NF < 2 { next }
    suite == "ops-v2" && ($2 in which) &&
      (which[$2] == "any" || $3 ~ /int16/ || $4 ~ /int16/) {
      print "not run: " $1 " (" $2 "):" why[$2] >out; next }
    { print $1 }' "$sc_scope" "$2"
}
