/* Allocation-failure sweep of the code generator: for fixture models (one
 * conv, depthwise, fully connected, add, space-to-depth; a conv run patch by
 * patch) and the options that add files (--main, --profile), tmc_emit runs
 * once to count its heap allocations, then once per allocation with that
 * one failing (base/heap.h). Every failing run must return TMC_ERR_NOMEM
 * with a message and hand out no file; LeakSanitizer (under the sanitizer
 * build) and valgrind check that nothing leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/heap.h"
#include "emit/emit.h"
#include "fixtures/op_fixtures.h"
#include "plan/patch.h"
#include "plan/plan_test_util.h"

typedef tmc_status (*fixture_fn)(tmc_arena *a, tmc_tfl_model **m, tmc_diag *d);

static tmc_status fx_conv(tmc_arena *a, tmc_tfl_model **m, tmc_diag *d) {
  tmc_fx_conv c;
  tmc_fx_conv_defaults(&c);
  return tmc_fx_conv2d(a, &c, m, d);
}
static tmc_status fx_dw(tmc_arena *a, tmc_tfl_model **m, tmc_diag *d) {
  tmc_fx_conv c;
  tmc_fx_conv_defaults(&c);
  c.depth_multiplier = 2;
  return tmc_fx_depthwise_conv2d(a, &c, m, d);
}
static tmc_status fx_fc(tmc_arena *a, tmc_tfl_model **m, tmc_diag *d) {
  tmc_fx_fc f;
  tmc_fx_fc_defaults(&f);
  return tmc_fx_fully_connected(a, &f, m, d);
}
static tmc_status fx_add(tmc_arena *a, tmc_tfl_model **m, tmc_diag *d) {
  tmc_fx_add f;
  tmc_fx_add_defaults(&f);
  return tmc_fx_add_model(a, &f, m, d);
}
static tmc_status fx_s2d(tmc_arena *a, tmc_tfl_model **m, tmc_diag *d) {
  return tmc_fx_space_depth(a, false, 1, 4, 6, 3, 2, m, d);
}

/* Sweeps tmc_emit on one plan with one set of options; returns the number
 * of allocations a successful run makes. */
static long sweep(const tmc_plan *plan, const tmc_emit_options *o, const char *what) {
  tmc_emit_result r;
  tmc_diag d;
  tmc_diag_init(&d, what);
  tmc_heap_fail_at(-1);
  assert_int_equal(tmc_emit(plan, o, &r, &d), TMC_OK);
  tmc_emit_free(&r);
  long n = tmc_heap_fail_at(-1);
  assert_true(n > 0);
  for (long k = 0; k < n; k++) {
    tmc_diag_init(&d, what);
    tmc_heap_fail_at(k);
    tmc_status s = tmc_emit(plan, o, &r, &d);
    tmc_heap_fail_at(-1);
    if (s != TMC_ERR_NOMEM || r.n_files != 0 || strstr(d.msg, "out of memory") == NULL)
      print_error("%s: allocation %ld of %ld failing gave status %d, %d files, '%s'\n", what,
                  k, n, (int)s, r.n_files, d.msg);
    assert_int_equal(s, TMC_ERR_NOMEM);
    assert_int_equal(r.n_files, 0);
    assert_non_null(strstr(d.msg, "out of memory"));
    tmc_emit_free(&r);
  }
  return n;
}

static void sweep_fixture(const char *name, fixture_fn make, const tmc_plan_options *po) {
  tmc_arena a;
  tmc_diag d;
  tmc_tfl_model *m = NULL;
  pt_built b;
  tmc_arena_init(&a);
  tmc_diag_init(&d, name);
  assert_int_equal(make(&a, &m, &d), TMC_OK);
  tmc_status s = pt_plan(m, name, po, &a, &b);
  if (s != TMC_OK) print_error("%s: %s\n", name, b.diag.msg);
  assert_int_equal(s, TMC_OK);
  if (po && po->patch_mode) assert_non_null(b.plan.patch);
  tmc_emit_options plain = {.name = "net"};
  tmc_emit_options full = {.name = "net", .main = true, .profile = true};
  long n1 = sweep(&b.plan, &plain, name);
  long n2 = sweep(&b.plan, &full, name);
  print_message("%-28s %4ld allocations swept (%ld with --main --profile)\n", name, n1, n2);
  tmc_arena_free(&a);
}

static void test_layer_by_layer(void **state) {
  (void)state;
  sweep_fixture("conv", fx_conv, NULL);
  sweep_fixture("depthwise", fx_dw, NULL);
  sweep_fixture("fully_connected", fx_fc, NULL);
  sweep_fixture("add", fx_add, NULL);
  sweep_fixture("space_to_depth", fx_s2d, NULL);
}

static void test_patch_stage(void **state) {
  (void)state;
  tmc_plan_options po = {0};
  po.patch_mode = TMC_PATCH_FORCE;
  po.patch_op = 0;
  po.patch_rows = 2;
  po.patch_cols = 3;
  sweep_fixture("conv, patches 2x3", fx_conv, &po);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layer_by_layer),
      cmocka_unit_test(test_patch_stage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
