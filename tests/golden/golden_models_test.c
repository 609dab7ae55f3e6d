/* Golden test of the shared models (the two sequence models: three invokes): for every seed, the host runner's
 * outputs (float and the int8 tensors behind them) equal TFLite Micro's byte
 * for byte, and every intermediate tensor tmc computes hashes as in
 * seed<S>.tensors.txt; a failure names the first operator that differs. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "golden_util.h"
#include "plan/patch.h"
#include "testlib.h"

#define MAX_LINES 1024

typedef struct expected {
  int n;
  int op[MAX_LINES], tensor[MAX_LINES];
  uint64_t hash[MAX_LINES];
  int checked[MAX_LINES];
} expected;

#define MAX_KEEP 8

typedef struct hook_state {
  expected *e;
  /* Tensors to copy when written (they may be overwritten later). */
  int n_keep;
  int32_t keep[MAX_KEEP];
  uint8_t *kept[MAX_KEEP];
  int first_bad_op;   /* -1 while none */
  char what[512];
  int compared;
} hook_state;

/* Reads seed<S>.tensors.txt: one "op N KIND tensor T ... fnv1a64=H" line per
 * tensor. -1 when the file is missing, holds a line of another form (blank
 * lines and # comments aside) or more than MAX_LINES lines: a file that
 * parses only partly must not pass for one that compared everything. */
static int read_expected(const char *path, expected *e) {
  FILE *f = fopen(path, "r");
  char line[1024];
  if (f == NULL) return -1;
  e->n = 0;
  int bad = 0, lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    int op, tensor;
    const char *h = strstr(line, "fnv1a64=");
    if (line[0] == '\n' || line[0] == '#') continue;
    char *end = NULL;
    unsigned long long v = h ? strtoull(h + 8, &end, 16) : 0;
    if (sscanf(line, "op %d %*s tensor %d", &op, &tensor) != 2 || h == NULL ||
        end == h + 8 || e->n == MAX_LINES) {
      if (!bad++) print_error("%s:%d: not an 'op N KIND tensor T ... fnv1a64=H' line%s\n",
                              path, lineno, e->n == MAX_LINES ? " (or too many)" : "");
      continue;
    }
    e->op[e->n] = op;
    e->tensor[e->n] = tensor;
    e->hash[e->n] = v;
    e->checked[e->n] = 0;
    e->n++;
  }
  fclose(f);
  return bad ? -1 : 0;
}

static void check_step(void *ctx, const tmc_plan *plan, int32_t s, uint8_t *arena) {
  hook_state *hs = ctx;
  const tmc_step *st = &plan->steps[s];
  for (int k = 0; k < st->n_out; k++) {
    int32_t t = st->out[k];
    const tmc_tensor *x = &plan->g->tensors[t];
    uint64_t h = golden_fnv1a64(tmc_host_tensor(plan, arena, t), (size_t)x->bytes);
    for (int i = 0; i < hs->n_keep; i++)
      if (hs->keep[i] == t) memcpy(hs->kept[i], tmc_host_tensor(plan, arena, t), (size_t)x->bytes);
    for (int i = 0; i < hs->e->n; i++) {
      if (hs->e->op[i] != st->op || hs->e->tensor[i] != t) continue;
      hs->e->checked[i] = 1;
      hs->compared++;
      if (h != hs->e->hash[i] && hs->first_bad_op < 0) {
        hs->first_bad_op = st->op;
        snprintf(hs->what, sizeof hs->what,
                 "first difference at op %d %s, output tensor %d '%s' (hash %016llx, "
                 "expected %016llx)", st->op, plan->g->ops[st->op].name, t, x->name,
                 (unsigned long long)h, (unsigned long long)hs->e->hash[i]);
      }
    }
  }
}

/* The int8 tensor behind output k: walk back through DEQUANTIZE (and the
 * float ops after it) to the last int8 tensor. */
static int32_t int8_behind(const tmc_graph *g, int32_t t) {
  while (t >= 0 && g->tensors[t].type != TMC_I8) {
    int32_t p = g->tensors[t].producer;
    if (p < 0) return -1;
    t = g->ops[p].in[0];
  }
  return t;
}

static int compare_file(const char *path, const uint8_t *got, size_t n, const char *what) {
  size_t len;
  uint8_t *want = golden_read(path, &len);
  if (want == NULL) {
    print_error("missing %s\n", path);
    return 1;
  }
  int bad = 0;
  if (len != n) {
    print_error("%s: %zu bytes, golden has %zu\n", what, n, len);
    bad = 1;
  } else {
    long i = golden_first_diff(got, want, n);
    if (i >= 0) {
      size_t diffs = 0;
      for (size_t j = 0; j < n; j++) diffs += got[j] != want[j];
      print_error("%s: %zu of %zu bytes differ, first at byte %ld (got %d, want %d)\n",
                  what, diffs, n, i, got[i], want[i]);
      bad = 1;
    }
  }
  free(want);
  return bad;
}

/* Patch configurations the golden runs cover besides layer by layer. */
typedef struct patch_cfg {
  int mode;            /* TMC_PATCH_NONE, _AUTO or _FORCE */
  int32_t op, rows, cols;
} patch_cfg;

static void run_model_target(const char *name, bool io_int8, patch_cfg pc, tmc_target target) {
  const char *shared = golden_shared_dir();
  assert_non_null(shared); /* main() skipped the binary otherwise */
  char path[1024];
  snprintf(path, sizeof path, "%s/models/%s.tflite", shared, name);
  golden_model m;
  tmc_plan_options opts = {.io_int8 = io_int8, .target = target};
  opts.patch_mode = pc.mode;
  opts.patch_op = pc.op;
  opts.patch_rows = pc.rows;
  opts.patch_cols = pc.cols;
  if (golden_load(&m, path, &opts) != 0) fail_msg("%s", m.diag.msg);
  const tmc_graph *g = &m.graph;
  /* The arenas tmc chooses are at most TFLM's (a forced split may be
   * worse: it tests the patch stage, not a choice). */
  snprintf(path, sizeof path, "%s/golden/%s/meta.txt", shared, name);
  int failures = pc.mode == TMC_PATCH_FORCE ? 0 : golden_check_arena(&m, path, name);
  for (int seed = 1; seed <= 3; seed++) {
    char what[256];
    size_t len;
    snprintf(path, sizeof path, "%s/golden/%s/seed%d.input%s.bin", shared, name, seed,
             io_int8 ? ".int8" : "");
    uint8_t *in = golden_read(path, &len);
    assert_non_null(in);
    const tmc_tensor *x = &g->tensors[g->inputs[0]];
    assert_int_equal(len, (size_t)x->bytes);
    memcpy(tmc_host_tensor(&m.plan, m.mem, x->id), in, len);
    free(in);
    static expected e;
    snprintf(path, sizeof path, "%s/golden/%s/seed%d.tensors.txt", shared, name, seed);
    /* A hash file that parses to nothing would compare nothing. */
    bool read_ok = read_expected(path, &e) == 0;
    if (!read_ok || e.n == 0) {
      print_error("%s: %s\n", path, read_ok ? "no 'op N KIND tensor T ... fnv1a64=H' lines"
                                             : "missing or not a hash list");
      failures++;
      continue;
    }
    hook_state hs = {&e, 0, {0}, {0}, -1, "", 0};
    for (int k = 0; k < g->n_outputs && k < MAX_KEEP; k++) {
      int32_t q = int8_behind(g, g->outputs[k]);
      assert_true(q >= 0);
      hs.keep[hs.n_keep] = q;
      hs.kept[hs.n_keep++] = malloc((size_t)g->tensors[q].bytes);
    }
    tmc_host_invoke(&m.plan, m.mem, check_step, &hs);
    if (hs.first_bad_op >= 0) {
      print_error("%s seed %d: %s\n", name, seed, hs.what);
      failures++;
    }
    /* Every hashed tensor that tmc materialises must have been compared. */
    int unchecked = 0;
    /* Inside a patch stage only the split tensor exists whole. */
    bool *in_stage = calloc((size_t)g->n_ops + 1, sizeof *in_stage);
    assert_non_null(in_stage);
    if (m.plan.patch)
      for (int32_t s = m.plan.patch->start_step; s < m.plan.patch->split_step; s++)
        in_stage[m.plan.steps[s].op] = true;
    for (int i = 0; i < e.n; i++) {
      if (e.op[i] < 0 || e.op[i] >= g->n_ops) {
        print_error("%s seed %d: the hashes name op %d, the graph has %d ops\n", name, seed,
                    e.op[i], g->n_ops);
        failures++;
        continue;
      }
      if (!e.checked[i] && tmc_op_runs(&g->ops[e.op[i]]) && !in_stage[e.op[i]] &&
          g->ops[e.op[i]].kind != TMC_OP_RESHAPE && g->ops[e.op[i]].kind != TMC_OP_SQUEEZE)
        unchecked++;
    }
    free(in_stage);
    if (unchecked) {
      print_error("%s seed %d: %d intermediate tensors were not compared\n", name, seed,
                  unchecked);
      failures++;
    }
    /* Every run compares tensors: at least the outputs' producers' hashes. */
    if (hs.compared == 0) {
      print_error("%s seed %d: no intermediate tensor was compared (%d hashes read)\n",
                  name, seed, e.n);
      failures++;
    }
    for (int k = 0; k < g->n_outputs; k++) {
      const tmc_tensor *y = &g->tensors[g->outputs[k]];
      snprintf(path, sizeof path, "%s/golden/%s/seed%d.output%d%s.bin", shared, name, seed,
               k, io_int8 ? ".int8" : "");
      snprintf(what, sizeof what, "%s%s seed %d output %d", name, io_int8 ? " (--io int8)" : "",
               seed, k);
      failures += compare_file(path, tmc_host_tensor(&m.plan, m.mem, y->id),
                               (size_t)y->bytes, what);
      if (io_int8) {
        if (y->type != TMC_I8) {
          print_error("%s: output %d is %s with --io int8\n", name, k, tmc_dtype_name(y->type));
          failures++;
        }
        continue;
      }
      snprintf(path, sizeof path, "%s/golden/%s/seed%d.output%d.int8.bin", shared, name,
               seed, k);
      snprintf(what, sizeof what, "%s seed %d output %d (int8)", name, seed, k);
      failures += compare_file(path, hs.kept[k], (size_t)g->tensors[hs.keep[k]].bytes, what);
    }
    for (int k = 0; k < hs.n_keep; k++) free(hs.kept[k]);
    if (m.plan.patch)
      print_message("%s%s patches %dx%d split at op %d, seed %d: %d intermediate tensors "
                    "compared\n", name, io_int8 ? " (--io int8)" : "", m.plan.patch->rows,
                    m.plan.patch->cols, m.plan.steps[m.plan.patch->split_step].op, seed,
                    hs.compared);
    else
      print_message("%s%s seed %d: %d intermediate tensors compared\n", name,
                    io_int8 ? " (--io int8)" : "", seed, hs.compared);
  }
  golden_free(&m);
  if (failures) print_error("%s: --target %s\n", name, tmc_target_name(target));
  assert_int_equal(failures, 0);
}

static void run_model_patch(const char *name, bool io_int8, patch_cfg pc) {
  run_model_target(name, io_int8, pc, TMC_TARGET_GENERIC);
}

/* The DSP cores' kernels (M4, M7, M33, M55 pick the same ones), on the
 * host through dsp.h's portable forms: layer by layer and --patch auto. */
static void run_dsp(const char *name) {
  patch_cfg none = {TMC_PATCH_NONE, 0, 0, 0}, automatic = {TMC_PATCH_AUTO, 0, 0, 0};
  run_model_target(name, true, none, TMC_TARGET_CORTEX_M7);
  run_model_target(name, false, automatic, TMC_TARGET_CORTEX_M4);
}

static void run_model(const char *name, bool io_int8) {
  patch_cfg none = {TMC_PATCH_NONE, 0, 0, 0};
  run_model_patch(name, io_int8, none);
}

/* --patch auto, and forced splits with uneven grids that do not divide the
 * split tensor, float and int8 I/O. */
static void run_patches(const char *name, const patch_cfg *forced, int n_forced) {
  patch_cfg automatic = {TMC_PATCH_AUTO, 0, 0, 0};
  run_model_patch(name, false, automatic);
  run_model_patch(name, true, automatic);
  for (int i = 0; i < n_forced; i++) run_model_patch(name, i % 2 == 0, forced[i]);
}

static void test_vww_patches(void **state) {
  (void)state;
  const patch_cfg f[] = {{TMC_PATCH_FORCE, 7, 3, 3}, {TMC_PATCH_FORCE, 8, 2, 5},
                         {TMC_PATCH_FORCE, 4, 7, 3}, {TMC_PATCH_FORCE, 2, 1, 1}};
  run_patches("vww", f, 4);
}
static void test_mcunetv2_large_patches(void **state) {
  (void)state;
  const patch_cfg f[] = {{TMC_PATCH_FORCE, 11, 3, 5}, {TMC_PATCH_FORCE, 6, 4, 4}};
  run_patches("mcunetv2_large", f, 2);
}
static void test_detection_patches(void **state) {
  (void)state;
  const patch_cfg f[] = {{TMC_PATCH_FORCE, 5, 5, 3}, {TMC_PATCH_FORCE, 3, 2, 2}};
  run_patches("detection", f, 2);
}
static void test_lenet_patches(void **state) {
  (void)state;
  run_patches("lenet", NULL, 0);
}

/* The sequence models (../shared/golden/README.md): per seed three invokes
 * on one state, reset once; invoke 0's intermediate tensors hash as in
 * seed<S>.tensors.txt, every invoke's output equals TFLM's. Their inputs
 * and outputs are raw (int16 / int8 in, int32 / int8 out). */
static void run_seq_model(const char *name, patch_cfg pc, tmc_target target) {
  const char *shared = golden_shared_dir();
  assert_non_null(shared);
  char path[1024], what[256];
  snprintf(path, sizeof path, "%s/models/%s.tflite", shared, name);
  golden_model m;
  tmc_plan_options opts = {.target = target, .patch_mode = pc.mode};
  if (golden_load(&m, path, &opts) != 0) fail_msg("%s", m.diag.msg);
  const tmc_graph *g = &m.graph;
  assert_true(m.plan.mem.n_persist > 0); /* the state has its region */
  assert_int_equal(g->n_inputs, 1);
  snprintf(path, sizeof path, "%s/golden/%s/meta.txt", shared, name);
  int failures = golden_check_arena(&m, path, name); /* at most TFLM's */
  for (int seed = 1; seed <= 3; seed++) {
    static expected e;
    snprintf(path, sizeof path, "%s/golden/%s/seed%d.tensors.txt", shared, name, seed);
    if (read_expected(path, &e) != 0 || e.n == 0) {
      print_error("%s: missing, empty or not a hash list\n", path);
      failures++;
      continue;
    }
    tmc_host_reset(&m.plan, m.mem);
    for (int j = 0; j < 3; j++) {
      char tag[32] = "";
      size_t len;
      if (j > 0) snprintf(tag, sizeof tag, "invoke%d.", j);
      snprintf(path, sizeof path, "%s/golden/%s/seed%d.%sinput.bin", shared, name, seed, tag);
      uint8_t *in = golden_read(path, &len);
      const tmc_tensor *x = &g->tensors[g->inputs[0]];
      assert_non_null(in);
      assert_int_equal(len, (size_t)x->bytes);
      memcpy(tmc_host_tensor(&m.plan, m.mem, x->id), in, len);
      free(in);
      hook_state hs = {&e, 0, {0}, {0}, -1, "", 0};
      tmc_host_invoke(&m.plan, m.mem, j == 0 ? check_step : NULL, &hs);
      if (j == 0) {
        int unchecked = 0;
        for (int i = 0; i < e.n; i++)
          if (!e.checked[i] && e.op[i] >= 0 && e.op[i] < g->n_ops &&
              tmc_op_runs(&g->ops[e.op[i]]) && g->ops[e.op[i]].kind != TMC_OP_RESHAPE)
            unchecked++;
        if (hs.first_bad_op >= 0 || unchecked || hs.compared == 0) {
          print_error("%s seed %d: %s (%d compared, %d not compared)\n", name, seed,
                      hs.first_bad_op >= 0 ? hs.what : "hashes", hs.compared, unchecked);
          failures++;
        }
      }
      for (int k = 0; k < g->n_outputs; k++) {
        const tmc_tensor *y = &g->tensors[g->outputs[k]];
        snprintf(path, sizeof path, "%s/golden/%s/seed%d.%soutput%d.bin", shared, name, seed,
                 tag, k);
        snprintf(what, sizeof what, "%s seed %d invoke %d output %d", name, seed, j, k);
        failures += compare_file(path, tmc_host_tensor(&m.plan, m.mem, y->id),
                                 (size_t)y->bytes, what);
      }
    }
    print_message("%s seed %d: 3 invokes, %d intermediate tensors of invoke 0 compared\n",
                  name, seed, e.n);
  }
  golden_free(&m);
  if (failures) print_error("%s: --target %s\n", name, tmc_target_name(target));
  assert_int_equal(failures, 0);
}

static void run_seq(const char *name) {
  patch_cfg none = {TMC_PATCH_NONE, 0, 0, 0}, automatic = {TMC_PATCH_AUTO, 0, 0, 0};
  run_seq_model(name, none, TMC_TARGET_GENERIC);
  run_seq_model(name, automatic, TMC_TARGET_CORTEX_M7);
}

static void test_keyword_scrambled(void **state) { (void)state; run_seq("keyword_scrambled"); }
static void test_trained_lstm_int8(void **state) { (void)state; run_seq("trained_lstm_int8"); }

static void test_vww(void **state) { (void)state; run_model("vww", false); }
static void test_mcunetv2_large(void **state) { (void)state; run_model("mcunetv2_large", false); }
static void test_detection(void **state) { (void)state; run_model("detection", false); }
static void test_lenet(void **state) { (void)state; run_model("lenet", false); }
static void test_vww_int8(void **state) { (void)state; run_model("vww", true); }
static void test_mcunetv2_large_int8(void **state) {
  (void)state;
  run_model("mcunetv2_large", true);
}
static void test_detection_int8(void **state) { (void)state; run_model("detection", true); }
static void test_lenet_int8(void **state) { (void)state; run_model("lenet", true); }
static void test_vww_dsp(void **state) { (void)state; run_dsp("vww"); }
static void test_mcunetv2_large_dsp(void **state) { (void)state; run_dsp("mcunetv2_large"); }
static void test_detection_dsp(void **state) { (void)state; run_dsp("detection"); }
static void test_lenet_dsp(void **state) { (void)state; run_dsp("lenet"); }

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  tt_need_shared();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vww),
      cmocka_unit_test(test_mcunetv2_large),
      cmocka_unit_test(test_detection),
      cmocka_unit_test(test_lenet),
      cmocka_unit_test(test_vww_int8),
      cmocka_unit_test(test_mcunetv2_large_int8),
      cmocka_unit_test(test_detection_int8),
      cmocka_unit_test(test_lenet_int8),
      cmocka_unit_test(test_vww_patches),
      cmocka_unit_test(test_mcunetv2_large_patches),
      cmocka_unit_test(test_detection_patches),
      cmocka_unit_test(test_lenet_patches),
      cmocka_unit_test(test_vww_dsp),
      cmocka_unit_test(test_mcunetv2_large_dsp),
      cmocka_unit_test(test_detection_dsp),
      cmocka_unit_test(test_lenet_dsp),
      cmocka_unit_test(test_keyword_scrambled),
      cmocka_unit_test(test_trained_lstm_int8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
