/* The memory plan on the four shared models ($TMC_SHARED_DIR/models: vww,
 * mcunetv2_large, detection, lenet), float and --io int8, both planners:
 * the validator passes, lower_bound <= arena_bytes <= what first fit needs
 * (best), bound_no_overlap >= lower_bound, and the host runner in an arena
 * of exactly arena_bytes (malloc'd, garbage-filled; ASan catches any byte
 * outside) gives the golden outputs of seed 1 byte for byte
 * (seed1.input.bin -> seed1.output<k>.bin; with --io int8
 * seed1.input.int8.bin -> seed1.output<k>.int8.bin). Prints the arena table
 * with both floors and the anchors (../shared/bench/anchors.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

#include "golden/golden_util.h"
#include "plan/report.h"

typedef struct row {
  bool done;
  int64_t arena[2], lower, no_overlap; /* arena: best, first-fit */
  int32_t peak_op[2];
  char peak_kind[2][32];
} row;

typedef struct model_info {
  const char *name;
  int64_t tflm, tinyengine, target; /* anchors.md; target = 0.85 x TinyEngine */
} model_info;

static const model_info models[] = {
    {"vww", 224704, 93992, 79900},
    {"mcunetv2_large", 2613792, 1431784, 1217000},
    {"detection", 386032, 257448, 218800},
    {"lenet", 5488, 0, 0},
};

#define N_MODELS (sizeof models / sizeof models[0])

static row rows[N_MODELS][2]; /* [model][io_int8] */

static uint8_t *memory_for(const tmc_plan *p) {
  size_t n = (size_t)p->mem.arena_bytes;
  uint8_t *a = malloc(n ? n : 1);
  if (a) memset(a, 0x5A, n);
  return a;
}

static int compare(const char *path, const uint8_t *got, size_t n, const char *what) {
  size_t len;
  uint8_t *want = golden_read(path, &len);
  if (want == NULL) {
    print_error("%s: missing %s\n", what, path);
    return 1;
  }
  int bad = 0;
  if (len != n) {
    print_error("%s: %zu bytes, the golden has %zu\n", what, n, len);
    bad = 1;
  } else {
    long i = golden_first_diff(got, want, n);
    if (i >= 0) {
      print_error("%s: differs from %s first at byte %ld (%u, want %u)\n", what, path, i,
                  got[i], want[i]);
      bad = 1;
    }
  }
  free(want);
  return bad;
}

static void run_model(size_t mi, bool io_int8) {
  const char *shared = golden_shared_dir();
  assert_non_null(shared); /* main() skipped the binary otherwise */
  const char *name = models[mi].name;
  char path[1024], what[256];
  snprintf(path, sizeof path, "%s/models/%s.tflite", shared, name);
  row *r = &rows[mi][io_int8];
  int failures = 0;
  for (int pl = 0; pl < 2; pl++) {
    tmc_plan_options o = {.io_int8 = io_int8,
                          .planner = pl ? TMC_PLANNER_FIRST_FIT : TMC_PLANNER_BEST};
    golden_model m;
    if (golden_load(&m, path, &o) != 0) {
      static char msg[sizeof m.diag.msg];
      memcpy(msg, m.diag.msg, sizeof msg);
      golden_free(&m);
      fail_msg("%s: %s", name, msg);
    }
    const tmc_plan *p = &m.plan;
    const tmc_mem *mem = &p->mem;
    const tmc_graph *g = &m.graph;
    snprintf(what, sizeof what, "%s%s (%s)", name, io_int8 ? " --io int8" : "",
             tmc_planner_name(mem->planner));
    tmc_diag d;
    tmc_diag_init(&d, what);
    if (tmc_plan_validate(p, &d) != TMC_OK) {
      print_error("%s: %s\n", what, d.msg);
      failures++;
    }
    if (!(mem->lower_bound > 0 && mem->lower_bound <= mem->arena_bytes &&
          mem->bound_no_overlap >= mem->lower_bound)) {
      print_error("%s: arena %lld, lower bound %lld, no-overlap bound %lld out of order\n",
                  what, (long long)mem->arena_bytes, (long long)mem->lower_bound,
                  (long long)mem->bound_no_overlap);
      failures++;
    }
    if (pl == 1 && mem->arena_bytes < mem->bound_no_overlap) {
      print_error("%s: first fit (no overlaps) below the no-overlap floor\n", what);
      failures++;
    }
    r->arena[pl] = mem->arena_bytes;
    r->lower = mem->lower_bound;
    r->no_overlap = mem->bound_no_overlap;
    r->peak_op[pl] = p->n_steps ? p->steps[mem->peak_step].op : -1;
    snprintf(r->peak_kind[pl], sizeof r->peak_kind[pl], "%s",
             r->peak_op[pl] >= 0 ? g->ops[r->peak_op[pl]].name : "?");

    /* Run in exactly arena_bytes. */
    uint8_t *arena = memory_for(p);
    assert_non_null(arena);
    snprintf(path, sizeof path, "%s/golden/%s/seed1.input%s.bin", shared, name,
             io_int8 ? ".int8" : "");
    size_t len;
    uint8_t *in = golden_read(path, &len);
    assert_non_null(in);
    const tmc_tensor *x = &g->tensors[g->inputs[0]];
    if (len != (size_t)x->bytes) {
      print_error("%s: input file %zu bytes, tensor %lld\n", what, len, (long long)x->bytes);
      failures++;
    } else {
      memcpy(tmc_host_tensor(p, arena, x->id), in, len);
      tmc_host_invoke(p, arena, NULL, NULL);
      for (int k = 0; k < g->n_outputs; k++) {
        const tmc_tensor *y = &g->tensors[g->outputs[k]];
        char w[300];
        snprintf(path, sizeof path, "%s/golden/%s/seed1.output%d%s.bin", shared, name, k,
                 io_int8 ? ".int8" : "");
        snprintf(w, sizeof w, "%s output %d", what, k);
        failures += compare(path, tmc_host_tensor(p, arena, y->id), (size_t)y->bytes, w);
      }
    }
    free(in);
    free(arena);
    snprintf(path, sizeof path, "%s/models/%s.tflite", shared, name);
    golden_free(&m);
  }
  r->done = true;
  if (r->arena[0] > r->arena[1]) {
    print_error("%s%s: best %lld is larger than first fit %lld\n", name,
                io_int8 ? " --io int8" : "", (long long)r->arena[0], (long long)r->arena[1]);
    failures++;
  }
  print_message("%s%s: best %lld, first-fit %lld, lower bound %lld, no-overlap bound %lld\n",
                name, io_int8 ? " --io int8" : "", (long long)r->arena[0],
                (long long)r->arena[1], (long long)r->lower, (long long)r->no_overlap);
  assert_int_equal(failures, 0);
}

static void test_vww(void **s) { (void)s; run_model(0, false); }
static void test_vww_int8(void **s) { (void)s; run_model(0, true); }
static void test_mcunetv2_large(void **s) { (void)s; run_model(1, false); }
static void test_mcunetv2_large_int8(void **s) { (void)s; run_model(1, true); }
static void test_detection(void **s) { (void)s; run_model(2, false); }
static void test_detection_int8(void **s) { (void)s; run_model(2, true); }
static void test_lenet(void **s) { (void)s; run_model(3, false); }
static void test_lenet_int8(void **s) { (void)s; run_model(3, true); }

static void fmt(char *buf, size_t n, int64_t v) {
  if (v > 0)
    snprintf(buf, n, "%lld", (long long)v);
  else
    snprintf(buf, n, "-");
}

/* The table (informational: the targets are not asserted here). */
static int table(void **state) {
  (void)state;
  print_message("\n%-16s %-5s %10s %10s %10s %10s %10s %10s %8s %s\n", "model", "io", "TFLM",
                "TinyEng", "first-fit", "best", "lower", "no-overl", "best/lb",
                "target (<=0.85 TE, <=1.05 lb)");
  for (size_t i = 0; i < N_MODELS; i++)
    for (int io = 0; io < 2; io++) {
      const row *r = &rows[i][io];
      if (!r->done) continue;
      char tflm[32], te[32];
      fmt(tflm, sizeof tflm, models[i].tflm);
      fmt(te, sizeof te, models[i].tinyengine);
      double ratio = r->lower ? (double)r->arena[0] / (double)r->lower : 0.0;
      char verdict[64] = "";
      if (io == 1 && models[i].target > 0)
        snprintf(verdict, sizeof verdict, "%s (<= %lld)",
                 r->arena[0] <= models[i].target && ratio <= 1.05 ? "met" : "not yet",
                 (long long)models[i].target);
      print_message("%-16s %-5s %10s %10s %10lld %10lld %10lld %10lld %8.3f %s\n",
                    models[i].name, io ? "int8" : "float", tflm, te, (long long)r->arena[1],
                    (long long)r->arena[0], (long long)r->lower, (long long)r->no_overlap,
                    ratio, verdict);
    }
  print_message("peaks (best / first-fit):\n");
  for (size_t i = 0; i < N_MODELS; i++)
    for (int io = 0; io < 2; io++) {
      const row *r = &rows[i][io];
      if (!r->done) continue;
      print_message("  %-16s %-5s op %d %s / op %d %s\n", models[i].name, io ? "int8" : "float",
                    r->peak_op[0], r->peak_kind[0], r->peak_op[1], r->peak_kind[1]);
    }
  return 0;
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  tt_need_shared();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vww),
      cmocka_unit_test(test_vww_int8),
      cmocka_unit_test(test_mcunetv2_large),
      cmocka_unit_test(test_mcunetv2_large_int8),
      cmocka_unit_test(test_detection),
      cmocka_unit_test(test_detection_int8),
      cmocka_unit_test(test_lenet),
      cmocka_unit_test(test_lenet_int8),
  };
  return cmocka_run_group_tests(tests, NULL, table);
}
