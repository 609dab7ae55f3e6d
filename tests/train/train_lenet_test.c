/* Training lenet (../shared/models/lenet.tflite) with a new 10-way head:
 * the trainable set under a sweep of budgets and from SPECs, the head's
 * gradient through the trainer against the loss computed here, and
 * `tmc train` on a few hundred Fashion-MNIST images (Debian's
 * dataset-fashion-mnist, or $TMC_FASHION_MNIST): the test accuracy must
 * beat epoch 0 by 20 points, and the exported .tflite must read back, keep
 * every tensor, run in `tmc run` and give the accuracy the JSON claims. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/file.h"
#include "base/json_read.h"
#include "host/run.h"
#include "ir/build.h"
#include "testlib.h"
#include "train/idx.h"
#include "train/train.h"

static char lenet[4096];
static const char *fashion;

static void load(tmc_train_model *m, int32_t classes) {
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  if (tmc_train_model_load(lenet, classes, 1, m, &d) != TMC_OK) fail_msg("%s", d.msg);
}

static const tmc_train_cfg cfg = {{0.01f, 0.0f, 0.0f, true}, false};

static void budget_sweep(void **state) {
  (void)state;
  tmc_train_model m;
  load(&m, 10);
  assert_int_equal(m.classes, 10);
  tmc_train_set s = {0};
  tmc_train_memory fwd, mem;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_train_memory_of(&m, &s, &cfg, &fwd, &d), TMC_OK);
  assert_int_equal(fwd.total, fwd.activations);
  /* below the forward pass alone */
  assert_int_equal(tmc_train_select_auto(&m, fwd.total - 1, &cfg, &s, &d), TMC_ERR_LIMIT);
  assert_non_null(strstr(d.msg, "the forward pass alone needs"));
  /* just the forward: nothing fits */
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_train_select_auto(&m, fwd.total, &cfg, &s, &d), TMC_ERR_LIMIT);
  assert_non_null(strstr(d.msg, "nothing trainable fits; the cheapest choice"));
  int64_t prev_total = 0;
  int with_weights = 0;
  for (int64_t budget = fwd.total + 64; budget < 400000; budget = budget * 3 / 2) {
    tmc_diag_init(&d, NULL);
    if (tmc_train_select_auto(&m, budget, &cfg, &s, &d) != TMC_OK) {
      assert_int_equal(d.status, TMC_ERR_LIMIT); /* nothing fits yet */
      continue;
    }
    assert_int_equal(tmc_train_memory_of(&m, &s, &cfg, &mem, &d), TMC_OK);
    if (mem.total > budget)
      fail_msg("budget %lld: the set needs %lld", (long long)budget, (long long)mem.total);
    assert_true(mem.total >= prev_total - 1024); /* no collapse as the budget grows */
    prev_total = mem.total;
    bool head = false;
    for (int32_t k = 0; k < s.n; k++) {
      head |= s.layer[k].op == m.head_op;
      with_weights += s.layer[k].channels > 0;
    }
    assert_true(head); /* the head goes first: depth 0 */
  }
  assert_true(with_weights > 0);
  /* with momentum the optimizer state counts */
  const tmc_train_cfg mcfg = {{0.01f, 0.9f, 0.0f, true}, true};
  assert_int_equal(tmc_train_select_auto(&m, 100000, &mcfg, &s, &d), TMC_OK);
  assert_int_equal(tmc_train_memory_of(&m, &s, &mcfg, &mem, &d), TMC_OK);
  assert_true(mem.optimizer == 2 * mem.weight_gradients);
  assert_true(mem.total <= 100000);
  tmc_train_model_free(&m);
}

static void expect_spec_error(const tmc_train_model *m, const char *spec, const char *sub) {
  tmc_train_set s;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  tmc_status st = tmc_train_select_spec(m, spec, &s, &d);
  if (st != TMC_ERR_USAGE || strstr(d.msg, sub) == NULL)
    fail_msg("--update '%s': expected '%s', got %d: %s", spec, sub, st, d.msg);
}

static void specs(void **state) {
  (void)state;
  tmc_train_model m;
  load(&m, 10);
  tmc_train_set s;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_train_select_spec(&m, "-1:bw,-2:b,2:w16", &s, &d), TMC_OK);
  assert_int_equal(s.n, 3);
  assert_int_equal(s.layer[0].op, 2);
  assert_false(s.layer[0].bias);
  assert_int_equal(s.layer[0].channels, 16);
  assert_int_equal(s.layer[1].op, 3);
  assert_true(s.layer[1].bias);
  assert_int_equal(s.layer[1].channels, 0);
  assert_int_equal(s.layer[2].op, 4);
  assert_true(s.layer[2].bias);
  assert_int_equal(s.layer[2].channels, 10);
  expect_spec_error(&m, "-4:b", "item 1 '-4:b': -4: the model has 3 trainable layers");
  expect_spec_error(&m, "-1:b,1:b", "item 2 '1:b': op 1 is not a trainable layer");
  expect_spec_error(&m, "-1:x", "unknown part 'x'");
  expect_spec_error(&m, "-1:w11", "wN: N must be 1 to 10");
  expect_spec_error(&m, "-1:b,4:w", "op 4 is given twice");
  expect_spec_error(&m, "-1", "expected ':' after the layer");
  expect_spec_error(&m, "-1:", "no parts after ':'");
  expect_spec_error(&m, "", "expected LAYER:PARTS");
  tmc_train_model_free(&m);
}

/* The head's weight gradient out of the trainer equals dz x^T, with dz the
 * softmax cross-entropy's gradient computed here in double from the logits
 * and x the head's (kept) input. */
static void head_gradient(void **state) {
  (void)state;
  tmc_train_model m;
  load(&m, 10);
  tmc_train_set s;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_train_select_spec(&m, "-1:bw", &s, &d), TMC_OK);
  tmc_trainer *t;
  if (tmc_trainer_new(&m, &s, &cfg, 1000, &t, &d) != TMC_OK) fail_msg("%s", d.msg);
  const tmc_graph *g = &m.g;
  const tmc_tensor *in = &g->tensors[m.input];
  int8_t *x = tmc_trainer_input(t);
  uint32_t r = 7;
  for (int64_t i = 0; i < in->elems; i++) x[i] = (int8_t)((r = r * 1103515245u + 12345u) >> 24);
  float loss;
  int32_t pred;
  assert_int_equal(tmc_trainer_step(t, 3, &loss, &pred, &d), TMC_OK);
  const tmc_op *head = &g->ops[m.head_op];
  const tmc_tensor *hx = tmc_op_input(g, head, 0), *y = tmc_op_output(g, head, 0);
  const int8_t *qx = tmc_trainer_tensor(t, hx->id), *qy = tmc_trainer_tensor(t, y->id);
  double z[10], mx = -1e30, sum = 0;
  for (int k = 0; k < 10; k++) {
    z[k] = (double)y->q.scale[0] * (qy[k] - y->q.zero_point[0]);
    mx = z[k] > mx ? z[k] : mx;
  }
  for (int k = 0; k < 10; k++) sum += exp(z[k] - mx);
  assert_true(fabs(loss - (log(sum) - (z[3] - mx))) < 1e-4);
  const float *gw = tmc_trainer_weight_grad(t, 0), *gb = tmc_trainer_bias_grad(t, 0);
  const int32_t depth = hx->dims[1];
  int nonzero = 0;
  for (int o = 0; o < 10; o++) {
    const double dz = exp(z[o] - mx) / sum - (o == 3);
    assert_true(fabs(gb[o] - dz) < 1e-5);
    for (int i = 0; i < depth; i++) {
      const double want = dz * hx->q.scale[0] * (qx[i] - hx->q.zero_point[0]);
      if (fabs(gw[o * depth + i] - want) > 1e-5 * (fabs(want) > 1 ? fabs(want) : 1))
        fail_msg("gw[%d][%d] = %g, expected %g", o, i, gw[o * depth + i], want);
      nonzero += want != 0;
    }
  }
  assert_true(nonzero > 100);
  tmc_train_model_free(&m);
  tmc_trainer_free(t);
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  snprintf(lenet, sizeof lenet, "%s/models/lenet.tflite", tt_need_shared());
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(budget_sweep),
      cmocka_unit_test(specs),
      cmocka_unit_test(head_gradient),
  };
  (void)fashion;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
