/* --limit (tmc_plan_options.limit, TinyEngine's memory_limit): a plan
 * larger than the limit fails with TMC_ERR_LIMIT and a message naming the
 * operator at the peak ("op N KIND") and every buffer live there with its
 * size; a limit equal to the arena (or above) succeeds with the same plan.
 * Both planners, on hand-built graphs (no group: plan_limit_test) and on vww
 * (group shared: plan_limit_vww_test, skipped without $TMC_SHARED_DIR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "golden/golden_util.h"
#include "ir/build.h"
#include "plan_test_util.h"
#include "testlib.h"

typedef struct ctx {
  tmc_arena arena;
  tmc_tfl_model *model;
  uint8_t *bytes; /* a model file's bytes (vww) */
  size_t len;
  pt_built free_plan, limited;
} ctx;

static int setup(void **state) {
  ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return -1;
  tmc_arena_init(&c->arena);
  *state = c;
  return 0;
}

static int teardown(void **state) {
  ctx *c = *state;
  tmc_arena_free(&c->arena);
  free(c->bytes);
  free(c);
  return 0;
}

/* Builds a plan from the model (c->model, or c->bytes when set). */
static tmc_status build(ctx *c, const char *name, const tmc_plan_options *o, pt_built *out) {
  if (c->model) return pt_plan(c->model, name, o, &c->arena, out);
  memset(out, 0, sizeof *out);
  tmc_diag_init(&out->diag, name);
  tmc_status s = tmc_graph_load(c->bytes, c->len, name, &c->arena, &out->graph, &out->diag);
  if (s != TMC_OK) return s;
  return tmc_plan_build(&out->graph, o, &c->arena, &out->plan, &out->diag);
}

static bool live_at(const tmc_block *b, int32_t s) { return b->first <= s && s <= b->last; }

/* Checks the limit error of c->limited against the unlimited plan. */
static void check_limit_message(ctx *c, const char *name, int64_t limit) {
  const tmc_plan *p = &c->free_plan.plan;
  const tmc_mem *m = &p->mem;
  const char *msg = c->limited.diag.msg;
  char want[512];
  int32_t ps = m->peak_step;
  assert_true(ps >= 0 && ps < p->n_steps);
  const tmc_op *op = &p->g->ops[p->steps[ps].op];
  /* The peak is where the placed arena reaches arena_bytes. */
  int64_t top = 0;
  for (int32_t i = 0; i < m->n_blocks; i++)
    if (live_at(&m->blocks[i], ps) && m->blocks[i].offset + m->blocks[i].size > top)
      top = m->blocks[i].offset + m->blocks[i].size;
  assert_int_equal(top, m->arena_bytes);
  /* The failed plan was laid out the same way. */
  assert_int_equal(c->limited.plan.mem.arena_bytes, m->arena_bytes);
  assert_int_equal(c->limited.plan.mem.peak_step, ps);

  snprintf(want, sizeof want, "op %d %s", op->id, op->name);
  if (strstr(msg, want) == NULL) fail_msg("%s: the message does not name '%s':\n%s", name, want, msg);
  snprintf(want, sizeof want, "%lld", (long long)m->arena_bytes);
  if (strstr(msg, want) == NULL) fail_msg("%s: the message lacks the arena size %s:\n%s", name, want, msg);
  snprintf(want, sizeof want, "limit of %lld", (long long)limit);
  if (strstr(msg, want) == NULL) fail_msg("%s: the message lacks '%s':\n%s", name, want, msg);
  /* Every buffer live at the peak, with its size, and nothing else. */
  int live = 0;
  for (int32_t i = 0; i < m->n_blocks; i++) {
    const tmc_block *b = &m->blocks[i];
    if (!live_at(b, ps)) continue;
    live++;
    if (b->tensor >= 0) {
      const tmc_tensor *t = &p->g->tensors[b->tensor];
      snprintf(want, sizeof want, "'%s': %lld bytes", t->name, (long long)b->size);
    } else {
      snprintf(want, sizeof want, "scratch of op %d: %lld bytes", p->steps[b->step].op,
               (long long)b->size);
    }
    if (strstr(msg, want) == NULL) fail_msg("%s: the message does not list \"%s\":\n%s", name, want, msg);
  }
  int listed = 0;
  for (const char *q = msg; (q = strstr(q, "\n  ")) != NULL; q += 3) listed++;
  assert_int_equal(listed, live);
}

/* For both planners: no limit, limit = arena - 1 (fails), = 1 (fails),
 * = arena and arena + 1 (succeed, same arena). */
static void check_limits(ctx *c, const char *name) {
  for (int pl = 0; pl < 2; pl++) {
    tmc_plan_options o = {.planner = pl ? TMC_PLANNER_FIRST_FIT : TMC_PLANNER_BEST};
    if (build(c, name, &o, &c->free_plan) != TMC_OK)
      fail_msg("%s: %s", name, c->free_plan.diag.msg);
    int64_t arena = c->free_plan.plan.mem.arena_bytes;
    assert_true(arena > 1);
    const int64_t bad[2] = {arena - 1, 1};
    for (int k = 0; k < 2; k++) {
      o.limit = bad[k];
      tmc_status s = build(c, name, &o, &c->limited);
      if (s != TMC_ERR_LIMIT)
        fail_msg("%s (%s): limit %lld below the arena %lld gave status %d (%s)", name,
                 pl ? "first-fit" : "best", (long long)o.limit, (long long)arena, (int)s,
                 c->limited.diag.msg);
      check_limit_message(c, name, o.limit);
      if (k == 0)
        print_message("%s, %s planner, --limit %lld:\n%s\n", name, pl ? "first-fit" : "best",
                      (long long)o.limit, c->limited.diag.msg);
    }
    const int64_t ok[2] = {arena, arena + 1};
    for (int k = 0; k < 2; k++) {
      o.limit = ok[k];
      if (build(c, name, &o, &c->limited) != TMC_OK)
        fail_msg("%s: limit %lld (arena %lld) failed: %s", name, (long long)o.limit,
                 (long long)arena, c->limited.diag.msg);
      assert_int_equal(c->limited.plan.mem.arena_bytes, arena);
      tmc_diag d;
      tmc_diag_init(&d, name);
      if (tmc_plan_validate(&c->limited.plan, &d) != TMC_OK) fail_msg("%s", d.msg);
    }
  }
}

/* x [1,8,8,16] -> conv1x1 -> a -> conv1x1 -> b -> ADD(x, b): the peak is
 * the second conv (x, a, b and its scratch live). */
static void test_residual(void **state) {
  ctx *c = *state;
  tmc_mb b;
  tmc_mb_rng rng = {3};
  tmc_mb_init(&b, &c->arena, "residual");
  int32_t sh[4] = {1, 8, 8, 16};
  int32_t in = tmc_mb_act_s8(&b, "x", sh, 4, 0.05f, 3);
  pt_conv cv = {1, 8, 8, 16, 16, 1, 1, 1, 1, TMC_TFL_PAD_VALID, TMC_TFL_ACT_RELU, false,
                0.05f, 0.04f, -128};
  int32_t a = pt_conv_op(&b, &rng, in, "block/a", &cv);
  cv.in_scale = 0.04f;
  cv.act = TMC_TFL_ACT_NONE;
  int32_t bb = pt_conv_op(&b, &rng, a, "block/b", &cv);
  int32_t y = pt_binary(&b, TMC_TFL_OP_ADD, in, bb, "block/add", sh, 4, 0.08f, -5,
                        TMC_TFL_ACT_NONE);
  tmc_mb_io(&b, &in, 1, &y, 1);
  c->model = pt_finish(&b);
  assert_non_null(c->model);
  check_limits(c, "residual");
  /* Without a 1x1 conv rule, the peak is op 1 (the second conv). */
  const tmc_plan *p = &c->free_plan.plan;
  if (tmc_overlap_delta(p, 1, 0, 0) < 0) assert_int_equal(p->steps[p->mem.peak_step].op, 1);
}

/* x [1,16,16,8] -MAX_POOL 2x2/2-> p [1,8,8,8] -RELU-> y: the peak is the
 * pooling (2048 + 512 bytes apart). */
static void test_pool_chain(void **state) {
  ctx *c = *state;
  tmc_mb b;
  tmc_mb_init(&b, &c->arena, "poolchain");
  int32_t sh[4] = {1, 16, 16, 8}, ps[4] = {1, 8, 8, 8};
  int32_t in = tmc_mb_act_s8(&b, "x", sh, 4, 0.05f, 0);
  int32_t p = pt_pool(&b, TMC_TFL_OP_MAX_POOL_2D, in, "pool", sh, 2, 2, 2, 2,
                      TMC_TFL_PAD_VALID, 0.05f, 0);
  int32_t y = pt_unary(&b, TMC_TFL_OP_RELU, p, "relu", ps, 4, 0.03f, -128, NULL);
  tmc_mb_io(&b, &in, 1, &y, 1);
  c->model = pt_finish(&b);
  assert_non_null(c->model);
  check_limits(c, "poolchain");
  const tmc_plan *pl = &c->free_plan.plan;
  assert_int_equal(pl->steps[pl->mem.peak_step].op, 0);
}

static void shared_model(ctx *c, const char *model) {
  const char *shared = golden_shared_dir();
  assert_non_null(shared); /* main() skipped the group otherwise */
  char path[1024];
  snprintf(path, sizeof path, "%s/models/%s.tflite", shared, model);
  c->bytes = golden_read(path, &c->len);
  if (c->bytes == NULL) fail_msg("cannot read %s", path);
}

static void test_vww(void **state) {
  ctx *c = *state;
  shared_model(c, "vww");
  check_limits(c, "vww.tflite");
}

static void test_vww_io_int8(void **state) {
  ctx *c = *state;
  shared_model(c, "vww");
  /* check_limits with --io int8: the same checks on the int8-I/O graph. */
  for (int pl = 0; pl < 2; pl++) {
    tmc_plan_options o = {.io_int8 = true,
                          .planner = pl ? TMC_PLANNER_FIRST_FIT : TMC_PLANNER_BEST};
    if (build(c, "vww.tflite", &o, &c->free_plan) != TMC_OK)
      fail_msg("%s", c->free_plan.diag.msg);
    int64_t arena = c->free_plan.plan.mem.arena_bytes;
    o.limit = arena - 1;
    assert_int_equal(build(c, "vww.tflite", &o, &c->limited), TMC_ERR_LIMIT);
    check_limit_message(c, "vww.tflite --io int8", o.limit);
    o.limit = arena;
    assert_int_equal(build(c, "vww.tflite", &o, &c->limited), TMC_OK);
    print_message("vww --io int8, %s: arena %lld, peak op %d %s\n",
                  pl ? "first-fit" : "best", (long long)arena,
                  c->free_plan.plan.steps[c->free_plan.plan.mem.peak_step].op,
                  c->free_plan.graph.ops[c->free_plan.plan.steps[c->free_plan.plan.mem.peak_step].op].name);
  }
}

int main(int argc, char **argv) {
  static const char *const groups[] = {"shared", NULL};
  const char *group = tt_start(argc, argv, groups);
  if (strcmp(group, "shared") == 0) {
    tt_need_shared();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vww, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vww_io_int8, setup, teardown),
    };
    return cmocka_run_group_tests_name("shared", tests, NULL, NULL);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_residual, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pool_chain, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
