/* Golden test of the operator suites (../shared/golden/ops, and the cases
 * of ../shared/golden/ops-v2 that tests/golden/ops_v2_scope.txt does not
 * leave out, int8 and int16): every case runs
 * through the reader, the IR, the passes, the plan and the host runner, and
 * each output must equal TFLite Micro's byte for byte; the stateful cases
 * (SVDF, LSTM) on every one of their three invokes. Failing cases are
 * listed with their first differing byte. The arena must also be at most
 * TFLM's arena_used_bytes (each case's meta.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "golden_util.h"
#include "reader/shared_models.h"
#include "testlib.h"

/* Runs one case for target (the kernels the lowering picks); returns 0
 * when every output matches. */
static int run_case_for(const char *ops, const char *name, tmc_target target) {
  char path[2200];
  golden_model m;
  tmc_plan_options opts = {.target = target};
  snprintf(path, sizeof path, "%s/%s.tflite", ops, name);
  if (golden_load(&m, path, &opts) != 0) {
    print_error("%s (--target %s): %s\n", name, tmc_target_name(target), m.diag.msg);
    golden_free(&m);
    return 1;
  }
  const tmc_graph *g = &m.graph;
  int bad = 0;
  /* The arena is at most TFLM's arena_used_bytes (meta.txt; the cases
   * that record it). */
  snprintf(path, sizeof path, "%s/%s/meta.txt", ops, name);
  char what[160];
  snprintf(what, sizeof what, "%s (--target %s)", name, tmc_target_name(target));
  const int arena_bad = golden_check_arena(&m, path, what);
  /* Stateful cases (variable tensors: SVDF, LSTM) run three invokes on one
   * state, reset once; every invoke's files must be there. */
  const int invokes = m.plan.mem.n_persist > 0 ? 3 : 1;
  char tag[32] = "";
  tmc_host_reset(&m.plan, m.mem);
  for (int j = 0; j < invokes && !bad; j++) {
    if (j > 0) snprintf(tag, sizeof tag, "invoke%d.", j);
    for (int k = 0; k < g->n_inputs && !bad; k++) {
      const tmc_tensor *x = &g->tensors[g->inputs[k]];
      size_t len;
      if (k == 0)
        snprintf(path, sizeof path, "%s/%s/seed1.%sinput.bin", ops, name, tag);
      else
        snprintf(path, sizeof path, "%s/%s/seed1.%sinput%d.bin", ops, name, tag, k);
      uint8_t *in = golden_read(path, &len);
      if (in == NULL || len != (size_t)x->bytes) {
        print_error("%s: input %d: %s has %zu bytes, expected %lld\n", name, k, path,
                    in ? len : 0, (long long)x->bytes);
        bad = 1;
      } else {
        memcpy(tmc_host_tensor(&m.plan, m.mem, x->id), in, len);
      }
      free(in);
    }
    if (!bad) tmc_host_invoke(&m.plan, m.mem, NULL, NULL);
    for (int k = 0; k < g->n_outputs && !bad; k++) {
      const tmc_tensor *y = &g->tensors[g->outputs[k]];
      size_t len;
      snprintf(path, sizeof path, "%s/%s/seed1.%soutput%d.bin", ops, name, tag, k);
      uint8_t *want = golden_read(path, &len);
      const uint8_t *got = tmc_host_tensor(&m.plan, m.mem, y->id);
      if (want == NULL || len != (size_t)y->bytes) {
        print_error("%s: %soutput %d: golden has %zu bytes, tmc %lld\n", name, tag, k,
                    want ? len : 0, (long long)y->bytes);
        bad = 1;
      } else {
        long i = golden_first_diff(got, want, len);
        if (i >= 0) {
          size_t diffs = 0;
          for (size_t q = 0; q < len; q++) diffs += got[q] != want[q];
          print_error("%s (--target %s): %soutput %d: %zu of %zu bytes differ, first at %ld "
                      "(got %d, want %d)\n", name, tmc_target_name(target), tag, k, diffs, len,
                      i, (int8_t)got[i], (int8_t)want[i]);
          bad = 1;
        }
      }
      free(want);
    }
  }
  golden_free(&m);
  return bad | arena_bad;
}

/* The targets whose kernels differ: the portable ones (generic, M0) and
 * the DSP cores' (M4, M7, M33, M55 pick the same kernels), run here on
 * the host through dsp.h's portable forms. */
static const tmc_target targets[] = {TMC_TARGET_GENERIC, TMC_TARGET_CORTEX_M7};

static int run_case(const char *ops, const char *name) {
  int bad = 0;
  for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++)
    bad |= run_case_for(ops, name, targets[t]);
  return bad;
}

/* The cases of ops-v2 tmc does not compile yet: tests/golden/ops_v2_scope.txt
 * (TMC_OPS_V2_SCOPE), one "OP WHICH REASON" line per operator, WHICH "any"
 * or "int16". Read once. */
#define SCOPE_MAX 64
static struct {
  char op[40], which[8], reason[160];
} scope[SCOPE_MAX];
static int n_scope = -1;

static void read_scope(void) {
  if (n_scope >= 0) return;
  n_scope = 0;
  FILE *f = fopen(TMC_OPS_V2_SCOPE, "r");
  if (f == NULL) fail_msg("cannot read %s", TMC_OPS_V2_SCOPE);
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    if (n_scope == SCOPE_MAX) fail_msg("%s: more than %d lines", TMC_OPS_V2_SCOPE, SCOPE_MAX);
    int at = 0;
    if (sscanf(line, "%39s %7s %n", scope[n_scope].op, scope[n_scope].which, &at) != 2 ||
        (strcmp(scope[n_scope].which, "any") != 0 && strcmp(scope[n_scope].which, "int16") != 0))
      fail_msg("%s: not an 'OP any|int16 REASON' line: %s", TMC_OPS_V2_SCOPE, line);
    snprintf(scope[n_scope].reason, sizeof scope[n_scope].reason, "%s", line + at);
    scope[n_scope].reason[strcspn(scope[n_scope].reason, "\n")] = 0;
    n_scope++;
  }
  fclose(f);
}

/* Whether a case of ops-v2 is one tmc compiles today (none of the scope
 * file's lines names it); a case left out is printed with the reason. */
static bool v2_in_scope(const char *name, const char *op, const char *in_types,
                        const char *out_types) {
  read_scope();
  const bool wide = strstr(in_types, "int16") || strstr(out_types, "int16");
  for (int i = 0; i < n_scope; i++)
    if (strcmp(scope[i].op, op) == 0 && (scope[i].which[0] == 'a' || wide)) {
      print_message("not run: %s (%s%s): %s\n", name, op, wide ? ", int16" : "",
                    scope[i].reason);
      return false;
    }
  return true;
}

/* Runs every case of the suite in <shared>/golden/<suite> that in_scope
 * admits (NULL: all); asserts the index is well formed, lists every model
 * of the folder (ops), and that every admitted case matches. */
static void run_suite(const char *suite,
                      bool (*in_scope)(const char *, const char *, const char *,
                                       const char *)) {
  const char *shared = golden_shared_dir();
  assert_non_null(shared); /* main() skipped the binary otherwise */
  char ops[1024], path[1100], line[512];
  snprintf(ops, sizeof ops, "%s/golden/%s", shared, suite);
  snprintf(path, sizeof path, "%s/index.txt", ops);
  FILE *ix = fopen(path, "r");
  if (ix == NULL) fail_msg("cannot read %s", path);
  int cases = 0, failed = 0, bad_lines = 0, out_of_scope = 0;
  while (fgets(line, sizeof line, ix)) {
    char name[64], op[40], in_types[128] = "", out_types[128] = "";
    if (line[0] == '#' || line[0] == '\n') continue;
    if (sscanf(line, "%63s %39s %127s %127s", name, op, in_types, out_types) < 2) {
      print_error("%s: not a 'case op ...' line: %s", path, line);
      bad_lines++;
      continue;
    }
    if (in_scope && !in_scope(name, op, in_types, out_types)) {
      out_of_scope++;
      continue;
    }
    cases++;
    failed += run_case(ops, name);
  }
  fclose(ix);
  print_message("operator suite %s: %d cases run, %d failed, %d not run (%s)\n", suite,
                cases, failed, out_of_scope, in_scope ? "tests/golden/ops_v2_scope.txt" : "none");
  assert_true(cases > 0);
  assert_int_equal(bad_lines, 0);
  if (in_scope == NULL) {
    /* The index lists every model of the folder: none is left out unseen. */
    char **models;
    size_t n_models = tt_op_model_paths(&models);
    tt_free_paths(models, n_models);
    assert_int_equal((size_t)cases, n_models);
  }
  assert_int_equal(failed, 0);
}

static void test_ops_suite(void **state) {
  (void)state;
  run_suite("ops", NULL);
}

static void test_ops_v2_suite(void **state) {
  (void)state;
  run_suite("ops-v2", v2_in_scope);
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  tt_need_shared();
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_ops_suite),
                                     cmocka_unit_test(test_ops_v2_suite)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
