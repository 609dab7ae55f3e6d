/* Allocation-failure sweeps (SQLite's fault simulation, tmc_arena.fail_at):
 * count the arena allocations of a clean run, then run again with allocation
 * k made to fail for k = 0, 1, 2, ... Every failing run must end in
 * TMC_ERR_NOMEM with an "out of memory" message naming the file, nothing may
 * crash, and the first success must come exactly at k = the clean run's
 * count (the failure points are deterministic). The test build runs under
 * AddressSanitizer, whose LeakSanitizer checks at exit that every run freed
 * what it allocated.
 *
 * Two stages are swept:
 *   - graph loading (tmc_graph_load: reader and IR);
 *   - planning (tmc_plan_build: passes, lowering, patches, memory layout),
 *     on a graph loaded cleanly into its own arena each time, with both
 *     planners, layer by layer, with a forced patch split and with
 *     --patch auto. The auto search plans its candidates in private scratch
 *     arenas (src/plan/patch_search.c) that fail_at cannot reach; only its
 *     allocations in the plan's arena (the chosen patch stage, the final
 *     layout) are swept.
 * Code generation (tmc_emit) allocates with plain malloc, out of reach of
 * fail_at: not swept here.
 *
 * Groups (tt_start in tests/testlib.h):
 *   (none)  alloc_sweep_test: every fixture of tests/fixtures (loading; the
 *           supported ones planning too) and a conv -> depthwise -> pool
 *           chain (planning, with patches);
 *   shared  alloc_sweep_shared_test (label golden): lenet and vww from
 *           $TMC_SHARED_DIR, loading and planning; skipped when absent.
 * Every allocation point is tried (stride 1); the figures are printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/status.h"
#include "ir/build.h"
#include "ir/graph.h"
#include "plan/patch.h"
#include "plan/plan.h"
#include "plan/plan_test_util.h"
#include "reader/fixture_bytes.h"
#include "reader/shared_models.h"
#include "reader/tflite_write.h"
#include "testlib.h"

/* Whether a failed run ended as it must: TMC_ERR_NOMEM, recorded in the
 * diagnostic, with an "out of memory" message naming the file. */
static bool clean_nomem(tmc_status s, const tmc_diag *d, const char *name) {
  return s == TMC_ERR_NOMEM && d->status == TMC_ERR_NOMEM &&
         strncmp(d->msg, name, strlen(name)) == 0 && strstr(d->msg, "out of memory") != NULL;
}

/* ---- graph loading -------------------------------------------------------- */

/* Sweeps tmc_graph_load on one model; returns the number of allocation
 * points tried. */
static long sweep_load(const char *name, const uint8_t *bytes, size_t len) {
  tmc_arena a;
  tmc_graph g;
  tmc_diag d;
  tmc_arena_init(&a);
  tmc_diag_init(&d, name);
  tmc_status s = tmc_graph_load(bytes, len, name, &a, &g, &d);
  if (s != TMC_OK) print_error("%s: %s\n", name, d.msg);
  assert_int_equal(s, TMC_OK);
  long clean = a.allocs;
  tmc_arena_free(&a);
  assert_true(clean > 0);

  for (long k = 0;; k++) {
    tmc_arena_init(&a);
    a.fail_at = k;
    tmc_diag_init(&d, name);
    s = tmc_graph_load(bytes, len, name, &a, &g, &d);
    if (s == TMC_OK) {
      /* The graph is whole: every op and tensor built. */
      tmc_diag d2;
      tmc_diag_init(&d2, name);
      tmc_status cs = tmc_graph_check_supported(&g, &d2);
      assert_true(cs == TMC_OK || cs == TMC_ERR_UNSUPPORTED);
      tmc_arena_free(&a);
      if (k != clean)
        print_error("%s: first success with allocation %ld failing, clean run made %ld\n",
                    name, k, clean);
      assert_int_equal(k, clean);
      return k;
    }
    bool ok = clean_nomem(s, &d, name);
    if (!ok)
      print_error("%s: allocation %ld of %ld failing: %s '%s'\n", name, k, clean,
                  tmc_status_str(s), d.msg);
    tmc_arena_free(&a);
    assert_true(ok);
    assert_true(k <= clean);
  }
}

/* ---- planning --------------------------------------------------------------- */

typedef struct plan_case {
  const char *what;   /* for messages: "best", "first-fit, patch 1:2x2" ... */
  tmc_plan_options opts;
} plan_case;

/* Loads the graph into ga (no failures) and plans it in pa; the status. */
static tmc_status load_and_plan(const char *name, const uint8_t *bytes, size_t len,
                                const tmc_plan_options *opts, tmc_arena *ga, tmc_arena *pa,
                                tmc_graph *g, tmc_plan *plan, tmc_diag *d) {
  tmc_diag_init(d, name);
  tmc_status s = tmc_graph_load(bytes, len, name, ga, g, d);
  if (s != TMC_OK) {
    print_error("%s: loading: %s\n", name, d->msg);
    return s;
  }
  return tmc_plan_build(g, opts, pa, plan, d);
}

/* Sweeps tmc_plan_build on one model with one set of options; returns the
 * number of allocation points tried. */
static long sweep_plan(const char *name, const uint8_t *bytes, size_t len,
                       const plan_case *pc) {
  tmc_arena ga, pa;
  tmc_graph g;
  tmc_plan plan;
  tmc_diag d;
  tmc_arena_init(&ga);
  tmc_arena_init(&pa);
  tmc_status s = load_and_plan(name, bytes, len, &pc->opts, &ga, &pa, &g, &plan, &d);
  if (s != TMC_OK) print_error("%s (%s): %s\n", name, pc->what, d.msg);
  assert_int_equal(s, TMC_OK);
  long clean = pa.allocs;
  int64_t arena_bytes = plan.mem.arena_bytes;
  bool patched = plan.patch != NULL;
  tmc_arena_free(&pa);
  tmc_arena_free(&ga);
  assert_true(clean > 0);
  /* A patch case must plan with patches, or it sweeps nothing new. */
  if (pc->opts.patch_mode != TMC_PATCH_NONE && !patched)
    fail_msg("%s (%s): the plan has no patch stage", name, pc->what);

  for (long k = 0;; k++) {
    tmc_arena_init(&ga);
    tmc_arena_init(&pa);
    pa.fail_at = k;
    s = load_and_plan(name, bytes, len, &pc->opts, &ga, &pa, &g, &plan, &d);
    if (s == TMC_OK) {
      bool same = plan.mem.arena_bytes == arena_bytes && (plan.patch != NULL) == patched;
      tmc_arena_free(&pa);
      tmc_arena_free(&ga);
      if (k != clean)
        print_error("%s (%s): first success with allocation %ld failing, clean run made "
                    "%ld\n", name, pc->what, k, clean);
      assert_int_equal(k, clean);
      assert_true(same);
      return k;
    }
    bool ok = clean_nomem(s, &d, name);
    if (!ok)
      print_error("%s (%s): allocation %ld of %ld failing: %s '%s'\n", name, pc->what, k,
                  clean, tmc_status_str(s), d.msg);
    tmc_arena_free(&pa);
    tmc_arena_free(&ga);
    assert_true(ok);
    assert_true(k <= clean);
  }
}

/* Plans one model layer by layer with both planners, then (patch_op >= 0)
 * with a forced patch split at patch_op and with --patch auto. Returns the
 * allocation points tried in all. */
static long sweep_plans(const char *name, const uint8_t *bytes, size_t len, int32_t patch_op,
                        int32_t rows, int32_t cols) {
  plan_case cases[5];
  int n = 0;
  char forced[2][64];
  for (int pl = 0; pl < 2; pl++) {
    tmc_planner planner = pl ? TMC_PLANNER_FIRST_FIT : TMC_PLANNER_BEST;
    cases[n++] = (plan_case){pl ? "first-fit" : "best", {.planner = planner}};
    if (patch_op < 0) continue;
    snprintf(forced[pl], sizeof forced[pl], "%s, patch %d:%dx%d", pl ? "first-fit" : "best",
             patch_op, rows, cols);
    cases[n++] = (plan_case){forced[pl], {.planner = planner, .patch_mode = TMC_PATCH_FORCE,
                                          .patch_op = patch_op, .patch_rows = rows,
                                          .patch_cols = cols}};
  }
  if (patch_op >= 0)
    cases[n++] = (plan_case){"best, patch auto", {.patch_mode = TMC_PATCH_AUTO}};
  long total = 0;
  for (int i = 0; i < n; i++) {
    clock_t t0 = clock();
    long k = sweep_plan(name, bytes, len, &cases[i]);
    print_message("%s planning (%s): %ld allocation failure points, each a clean error "
                  "(%.2f s)\n", name, cases[i].what, k,
                  (double)(clock() - t0) / CLOCKS_PER_SEC);
    total += k;
  }
  return total;
}

/* ---- models -------------------------------------------------------------------- */

static void test_fixture_sweeps(void **state) {
  (void)state;
  for (int i = 0; i < TT_FX_COUNT; i++) {
    size_t len;
    uint8_t *bytes = tt_fixture_bytes((tt_fixture)i, &len);
    assert_non_null(bytes);
    char name[64];
    snprintf(name, sizeof name, "%s.tflite", tt_fixture_names[i]);
    long n = sweep_load(name, bytes, len);
    print_message("%s loading: %ld allocation failure points, each a clean error\n", name, n);
    /* The LSTM and the custom op are refused before planning allocates. */
    if (i != TT_FX_LSTM && i != TT_FX_CUSTOM) sweep_plans(name, bytes, len, -1, 0, 0);
    free(bytes);
  }
}

/* x [1,32,32,4] -> CONV 3x3 SAME (16 ch) -> DEPTHWISE 3x3/2 -> MAX_POOL
 * 2x2/2 -> FULLY_CONNECTED 10: small enough to sweep every plan, with a
 * large first activation so that --patch auto splits (at the depthwise,
 * op 1). */
static uint8_t *chain_bytes(size_t *len) {
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_mb b;
  tmc_mb_rng rng = {11};
  tmc_mb_init(&b, &a, "chain");
  int32_t xs[4] = {1, 32, 32, 4};
  int32_t x = tmc_mb_act_s8(&b, "x", xs, 4, 0.05f, -3);
  pt_conv c1 = {1, 32, 32, 4, 16, 3, 3, 1, 1, TMC_TFL_PAD_SAME, TMC_TFL_ACT_RELU6, false,
                0.05f, 0.04f, -128};
  int32_t y1 = pt_conv_op(&b, &rng, x, "conv", &c1);
  pt_conv c2 = {1, 32, 32, 16, 16, 3, 3, 2, 1, TMC_TFL_PAD_SAME, TMC_TFL_ACT_NONE, true,
                0.04f, 0.03f, 5};
  int32_t y2 = pt_conv_op(&b, &rng, y1, "dw", &c2);
  int32_t ps[4] = {1, 16, 16, 16};
  int32_t y3 = pt_pool(&b, TMC_TFL_OP_MAX_POOL_2D, y2, "pool", ps, 2, 2, 2, 2,
                       TMC_TFL_PAD_VALID, 0.03f, 5);
  static float w[10 * 1024];
  float wscale, bias[10];
  tmc_mb_rng_fill(&rng, w, 10 * 1024, 0.5f);
  tmc_mb_rng_fill(&rng, bias, 10, 0.2f);
  int32_t wt = tmc_mb_const_s8(&b, "fc/weights", (const int32_t[]){10, 1024}, 2, 0, false, w,
                               &wscale);
  int32_t bt = tmc_mb_const_bias_s32(&b, "fc/bias", 10, bias, 0.03f, &wscale, 1);
  int32_t y = tmc_mb_act_s8(&b, "fc", (const int32_t[]){1, 10}, 2, 0.1f, 0);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_fully_connected;
  tmc_mb_op(&b, TMC_TFL_OP_FULLY_CONNECTED, 1, (const int32_t[]){y3, wt, bt}, 3, &y, 1, &o);
  tmc_mb_io(&b, &x, 1, &y, 1);
  tmc_tfl_model *m = pt_finish(&b);
  assert_non_null(m);
  uint8_t *bytes = NULL;
  tmc_diag d;
  tmc_diag_init(&d, "chain");
  if (tmc_tfl_write(m, &bytes, len, &d) != TMC_OK) fail_msg("%s", d.msg);
  tmc_arena_free(&a);
  return bytes;
}

static void test_chain_sweeps(void **state) {
  (void)state;
  size_t len;
  uint8_t *bytes = chain_bytes(&len);
  long n = sweep_load("chain.tflite", bytes, len);
  print_message("chain.tflite loading: %ld allocation failure points, each a clean error\n", n);
  sweep_plans("chain.tflite", bytes, len, 1, 2, 2);
  free(bytes);
}

static void sweep_shared(const char *model, int32_t patch_op, int32_t rows, int32_t cols) {
  assert_non_null(tt_shared_dir()); /* main() skipped the group otherwise */
  char path[2048], name[64];
  tt_model_path(model, path, sizeof path);
  snprintf(name, sizeof name, "%s.tflite", model);
  uint8_t *bytes;
  size_t len;
  if (!tt_read_file(path, &bytes, &len)) fail_msg("cannot read %s", path);
  clock_t t0 = clock();
  long n = sweep_load(name, bytes, len);
  print_message("%s loading: %ld allocation failure points, each a clean error (%.2f s)\n",
                name, n, (double)(clock() - t0) / CLOCKS_PER_SEC);
  sweep_plans(name, bytes, len, patch_op, rows, cols);
  free(bytes);
}

/* lenet has no patch stage worth a split (auto keeps layer by layer), so
 * its patch cases are left to vww; vww splits at op 8 (what --patch auto
 * picks, README) with a forced 2x2 grid. */
static void test_lenet_sweep(void **state) {
  (void)state;
  sweep_shared("lenet", -1, 0, 0);
}

static void test_vww_sweep(void **state) {
  (void)state;
  sweep_shared("vww", 8, 2, 2);
}

int main(int argc, char **argv) {
  static const char *const groups[] = {"shared", NULL};
  const char *group = tt_start(argc, argv, groups);
  if (strcmp(group, "shared") == 0) {
    tt_need_shared();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lenet_sweep),
        cmocka_unit_test(test_vww_sweep),
    };
    return cmocka_run_group_tests_name("shared", tests, NULL, NULL);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixture_sweeps),
      cmocka_unit_test(test_chain_sweeps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
