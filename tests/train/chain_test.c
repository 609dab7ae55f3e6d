/* The trainer on a small conv chain built here (tests/fixtures):
 *   x [1,7,6,2] -> CONV_2D 3x3 /2 SAME ReLU -> a [1,4,3,4]
 *   a -> DEPTHWISE_CONV_2D 3x3 SAME ReLU6 -> b;  c = ADD(a, b)
 *   c -> AVERAGE_POOL_2D 2x2 /2 -> p [1,2,1,4] -> RESHAPE [1,8] -> FULLY_CONNECTED -> [1,3]
 * Every layer trained: the trainer's gradients (its plan's geometry, masks
 * from the forward hook, ADD's fan-out, the view) against a reference
 * computed here from the forward tensors of an independent `tmc run`-style
 * plan, with the padding worked out by hand; after an update the forward of
 * the trainer and that of the exported model agree byte for byte. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/file.h"
#include "fixtures/model_builder.h"
#include "host/run.h"
#include "ir/build.h"
#include "reader/tflite_write.h"
#include "testlib.h"
#include "kernels/backward.h"
#include "train/train.h"

static char path[64];

enum { T_X, T_A, T_B, T_C, T_P, T_R, T_Y, T_N };
static int32_t tid[T_N];

static float *rnd(tmc_arena *a, size_t n, float r, uint32_t *s) {
  float *v = tmc_arena_array(a, n, sizeof *v);
  for (size_t i = 0; i < n; i++) {
    *s = *s * 1664525u + 1013904223u;
    v[i] = r * ((float)(*s >> 8) / (float)(1u << 23) - 1.0f);
  }
  return v;
}

static void write_model(void) {
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_mb b;
  uint32_t s = 99;
  tmc_mb_init(&b, &a, "train chain fixture");
  tid[T_X] = tmc_mb_act_s8(&b, "x", (int32_t[]){1, 7, 6, 2}, 4, 0.02f, -3);
  tid[T_A] = tmc_mb_act_s8(&b, "a", (int32_t[]){1, 4, 3, 4}, 4, 0.01f, -128);
  tid[T_B] = tmc_mb_act_s8(&b, "b", (int32_t[]){1, 4, 3, 4}, 4, 0.01f, -128);
  tid[T_C] = tmc_mb_act_s8(&b, "c", (int32_t[]){1, 4, 3, 4}, 4, 0.02f, -100);
  tid[T_P] = tmc_mb_act_s8(&b, "p", (int32_t[]){1, 2, 1, 4}, 4, 0.02f, -100);
  tid[T_R] = tmc_mb_act_s8(&b, "r", (int32_t[]){1, 8}, 2, 0.02f, -100);
  tid[T_Y] = tmc_mb_act_s8(&b, "y", (int32_t[]){1, 3}, 2, 0.05f, 0);
  float ws0[4], ws1[4], ws5[1];
  const int32_t w0 = tmc_mb_const_s8(&b, "w0", (int32_t[]){4, 3, 3, 2}, 4, 0, true,
                                     rnd(&a, 72, 0.5f, &s), ws0);
  const int32_t b0 = tmc_mb_const_bias_s32(&b, "b0", 4, rnd(&a, 4, 0.1f, &s), 0.02f, ws0, 4);
  const int32_t w1 = tmc_mb_const_s8(&b, "w1", (int32_t[]){1, 3, 3, 4}, 4, 3, true,
                                     rnd(&a, 36, 0.5f, &s), ws1);
  const int32_t b1 = tmc_mb_const_bias_s32(&b, "b1", 4, rnd(&a, 4, 0.1f, &s), 0.01f, ws1, 4);
  const int32_t w5 = tmc_mb_const_s8(&b, "w5", (int32_t[]){3, 8}, 2, 0, false,
                                     rnd(&a, 24, 0.5f, &s), ws5);
  const int32_t b5 = tmc_mb_const_bias_s32(&b, "b5", 3, rnd(&a, 3, 0.1f, &s), 0.02f, ws5, 1);
  const int32_t shape = tmc_mb_const_i32(&b, "shape", (int32_t[]){2}, 1, (int32_t[]){1, 8});
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_conv2d;
  o.u.conv2d = (tmc_tfl_conv2d){.padding = TMC_TFL_PAD_SAME, .stride_w = 2, .stride_h = 2,
                                .fused_activation_function = TMC_TFL_ACT_RELU,
                                .dilation_w_factor = 1, .dilation_h_factor = 1};
  tmc_mb_op(&b, TMC_TFL_OP_CONV_2D, 3, (int32_t[]){tid[T_X], w0, b0}, 3, &tid[T_A], 1, &o);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_depthwise_conv2d;
  o.u.depthwise_conv2d = (tmc_tfl_depthwise_conv2d){
      .padding = TMC_TFL_PAD_SAME, .stride_w = 1, .stride_h = 1, .depth_multiplier = 1,
      .fused_activation_function = TMC_TFL_ACT_RELU6, .dilation_w_factor = 1,
      .dilation_h_factor = 1};
  tmc_mb_op(&b, TMC_TFL_OP_DEPTHWISE_CONV_2D, 3, (int32_t[]){tid[T_A], w1, b1}, 3, &tid[T_B],
            1, &o);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_add;
  tmc_mb_op(&b, TMC_TFL_OP_ADD, 2, (int32_t[]){tid[T_A], tid[T_B]}, 2, &tid[T_C], 1, &o);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_pool2d;
  o.u.pool2d = (tmc_tfl_pool2d){.padding = TMC_TFL_PAD_VALID, .stride_w = 2, .stride_h = 2,
                                .filter_width = 2, .filter_height = 2};
  tmc_mb_op(&b, TMC_TFL_OP_AVERAGE_POOL_2D, 2, &tid[T_C], 1, &tid[T_P], 1, &o);
  tmc_mb_op(&b, TMC_TFL_OP_RESHAPE, 1, (int32_t[]){tid[T_P], shape}, 2, &tid[T_R], 1, NULL);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_fully_connected;
  tmc_mb_op(&b, TMC_TFL_OP_FULLY_CONNECTED, 1, (int32_t[]){tid[T_R], w5, b5}, 3, &tid[T_Y], 1,
            &o);
  tmc_mb_io(&b, &tid[T_X], 1, &tid[T_Y], 1);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  uint8_t *bytes = NULL;
  size_t len;
  if (tmc_mb_finish(&b, &m, &d) != TMC_OK || tmc_tfl_write(m, &bytes, &len, &d) != TMC_OK ||
      tmc_file_write_atomic(path, bytes, len, &d) != TMC_OK)
    fail_msg("%s", d.msg);
  free(bytes);
  tmc_arena_free(&a);
}

/* The forward tensors of a model file, as `tmc run` computes them. */
typedef struct fwd {
  tmc_arena a;
  uint8_t *bytes;
  tmc_graph g;
  tmc_plan plan;
  uint8_t *arena;
  int8_t *t[T_N]; /* copies, taken after each step */
} fwd;

static void grab(void *ctx, const tmc_plan *plan, int32_t s, uint8_t *arena) {
  fwd *f = ctx;
  const int32_t *out = plan->steps[s].out;
  for (int k = 0; k < T_N; k++) {
    const tmc_tensor *x = &f->g.tensors[tid[k]];
    if (tid[k] == out[0] || (k == T_R && out[0] == tid[T_P]))
      memcpy(f->t[k], tmc_host_tensor(plan, arena, tid[k]), (size_t)x->bytes);
  }
}

static void run_file(const char *file, const int8_t *x, fwd *f) {
  memset(f, 0, sizeof *f);
  tmc_arena_init(&f->a);
  size_t len;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  if (tmc_file_read(file, 1 << 20, &f->bytes, &len, &d) != TMC_OK ||
      tmc_graph_load(f->bytes, len, "chain", &f->a, &f->g, &d) != TMC_OK ||
      tmc_plan_build(&f->g, NULL, &f->a, &f->plan, &d) != TMC_OK)
    fail_msg("%s", d.msg);
  f->arena = calloc(1, (size_t)f->plan.mem.arena_bytes + 1);
  for (int k = 0; k < T_N; k++) f->t[k] = tmc_arena_alloc(&f->a, 64 * 4);
  memcpy(f->t[T_X], x, 84);
  memcpy(tmc_host_tensor(&f->plan, f->arena, tid[T_X]), x, 84);
  tmc_host_invoke(&f->plan, f->arena, grab, f);
}

static void fwd_free(fwd *f) {
  free(f->arena);
  free(f->bytes);
  tmc_arena_free(&f->a);
}

static void real(const tmc_tensor *t, const int8_t *q, float *v) {
  for (int64_t i = 0; i < t->elems; i++) v[i] = t->q.scale[0] * (float)(q[i] - t->q.zero_point[0]);
}

static void close_all(const float *got, const float *want, int n, const char *what) {
  int nonzero = 0;
  for (int i = 0; i < n; i++) {
    if (fabsf(got[i] - want[i]) > 1e-5f + 1e-4f * fabsf(want[i]))
      fail_msg("%s[%d]: trainer %.7g, reference %.7g", what, i, got[i], want[i]);
    nonzero += want[i] != 0;
  }
  if (nonzero == 0) fail_msg("%s: every gradient is 0 (the case tests nothing)", what);
}

static void gradients_and_export(void **state) {
  (void)state;
  write_model();
  tmc_train_model m;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  if (tmc_train_model_load(path, 0, 1, &m, &d) != TMC_OK) fail_msg("%s", d.msg);
  assert_int_equal(m.head_op, 5);
  assert_int_equal(m.classes, 3);
  tmc_train_set s;
  assert_int_equal(tmc_train_select_spec(&m, "0:bw,1:bw,-1:bw", &s, &d), TMC_OK);
  const tmc_train_cfg cfg = {{0.05f, 0.0f, 0.0f, true, NULL}, false, 2, TMC_TARGET_GENERIC, false};
  tmc_trainer *t;
  if (tmc_trainer_new(&m, &s, &cfg, &t, &d) != TMC_OK) fail_msg("%s", d.msg);
  int8_t x[84];
  uint32_t r = 5;
  for (int i = 0; i < 84; i++) x[i] = (int8_t)((r = r * 1103515245u + 12345u) >> 24);
  memcpy(tmc_trainer_input(t), x, 84);
  float loss;
  int32_t pred;
  const int32_t label = 1;
  /* the reference, from the forward of the file as `tmc run` runs it: the
   * trainer's forward gives the same logits (read before the step: its
   * backward may reuse their bytes once the loss has read them) */
  fwd f;
  run_file(path, x, &f);
  const tmc_graph *g = &f.g;
  (void)tmc_trainer_predict(t);
  assert_memory_equal(tmc_trainer_tensor(t, tid[T_Y]), f.t[T_Y], 3); /* same forward */
  memcpy(tmc_trainer_input(t), x, 84);
  assert_int_equal(tmc_trainer_step(t, label, &loss, &pred, &d), TMC_OK);
  float xr[84], ar[48], rr[8], dz[3], z[3];
  real(&g->tensors[tid[T_X]], f.t[T_X], xr);
  real(&g->tensors[tid[T_A]], f.t[T_A], ar);
  real(&g->tensors[tid[T_R]], f.t[T_R], rr);
  real(&g->tensors[tid[T_Y]], f.t[T_Y], z);
  double mx = z[0], sum = 0;
  for (int k = 1; k < 3; k++) mx = z[k] > mx ? z[k] : mx;
  for (int k = 0; k < 3; k++) sum += exp(z[k] - mx);
  for (int k = 0; k < 3; k++) dz[k] = (float)(exp(z[k] - mx) / sum - (k == label));
  const tmc_tensor *w[3] = {tmc_op_input(g, &g->ops[0], 1), tmc_op_input(g, &g->ops[1], 1),
                            tmc_op_input(g, &g->ops[5], 1)};
  const tmc_bw_weights bw0 = {(const int8_t *)w[0]->data, w[0]->q.scale, 1},
                       bw1 = {(const int8_t *)w[1]->data, w[1]->q.scale, 1},
                       bw5 = {(const int8_t *)w[2]->data, w[2]->q.scale, 0};
  float gw5[24] = {0}, gb5[3] = {0}, gr[8] = {0};
  tmc_bw_fc(1, 8, 3, rr, &bw5, dz, gr, gw5, gb5, 3);
  /* the view: gp = gr; the pool: 2x2 windows of c, stride 2, no padding */
  float gc[48] = {0}, ga[48] = {0}, gb[48] = {0};
  const tmc_dims4 dc = {1, 4, 3, 4}, dp = {1, 2, 1, 4};
  tmc_bw_avg_pool(&dc, &dp, 2, 2, &(tmc_bw_window){2, 2, 1, 1, 0, 0}, gr, gc);
  tmc_bw_copy(48, gc, ga);
  tmc_bw_copy(48, gc, gb);
  /* ReLU6 of b: s 0.01, zero point -128: clamp at -128 and -128 + 600 -> 127 */
  uint8_t mb[6], ma[6];
  tmc_bw_mask_make(48, f.t[T_B], -128, 127, mb);
  tmc_bw_mask(48, mb, gb);
  float gw1[36] = {0}, gb1[4] = {0};
  tmc_bw_depthwise(&dc, &(tmc_dims4){1, 3, 3, 4}, &dc, &(tmc_bw_window){1, 1, 1, 1, 1, 1}, 1,
                   ar, &bw1, gb, ga, gw1, gb1, 4);
  tmc_bw_mask_make(48, f.t[T_A], -128, 128, ma); /* ReLU: no upper clamp */
  tmc_bw_mask(48, ma, ga);
  /* SAME, 3x3 /2 on 7x6: padding (1, 1) rows, (0, 1) columns */
  float gw0[72] = {0}, gb0[4] = {0};
  tmc_bw_conv2d(&(tmc_dims4){1, 7, 6, 2}, &(tmc_dims4){4, 3, 3, 2}, &dc,
                &(tmc_bw_window){2, 2, 1, 1, 1, 0}, xr, &bw0, ga, NULL, gw0, gb0, 4);
  close_all(tmc_trainer_weight_grad(t, 2), gw5, 24, "fc weights");
  close_all(tmc_trainer_bias_grad(t, 2), gb5, 3, "fc bias");
  close_all(tmc_trainer_weight_grad(t, 1), gw1, 36, "depthwise weights");
  close_all(tmc_trainer_bias_grad(t, 1), gb1, 4, "depthwise bias");
  close_all(tmc_trainer_weight_grad(t, 0), gw0, 72, "conv weights");
  close_all(tmc_trainer_bias_grad(t, 0), gb0, 4, "conv bias");
  fwd_free(&f);

  /* a second step completes the batch: the update, then the export runs
   * exactly as the trainer's forward does */
  for (int i = 0; i < 40; i++) {
    assert_int_equal(tmc_trainer_step(t, label, &loss, &pred, &d), TMC_OK);
    memcpy(tmc_trainer_input(t), x, 84);
  }
  const int32_t p2 = tmc_trainer_predict(t);
  assert_int_equal(p2, label); /* 40 steps on one sample learn it */
  char out[80];
  snprintf(out, sizeof out, "%s.out", path);
  uint8_t *bytes = NULL;
  size_t len;
  assert_int_equal(tmc_train_model_write(&m, &bytes, &len, &d), TMC_OK);
  assert_int_equal(tmc_file_write_atomic(out, bytes, len, &d), TMC_OK);
  free(bytes);
  run_file(out, x, &f);
  assert_memory_equal(tmc_trainer_tensor(t, tid[T_Y]), f.t[T_Y], 3);
  fwd_free(&f);
  tmc_trainer_free(t);
  /* batch 1: each layer updated during the backward; another label learnt */
  const tmc_train_cfg one = {{0.05f, 0.0f, 0.0f, true, NULL}, false, 1, TMC_TARGET_GENERIC, false};
  if (tmc_trainer_new(&m, &s, &one, &t, &d) != TMC_OK) fail_msg("%s", d.msg);
  for (int i = 0; i < 40; i++) {
    memcpy(tmc_trainer_input(t), x, 84);
    assert_int_equal(tmc_trainer_step(t, 2, &loss, &pred, &d), TMC_OK);
  }
  memcpy(tmc_trainer_input(t), x, 84);
  assert_int_equal(tmc_trainer_predict(t), 2);
  assert_int_equal(tmc_train_model_write(&m, &bytes, &len, &d), TMC_OK);
  assert_int_equal(tmc_file_write_atomic(out, bytes, len, &d), TMC_OK);
  free(bytes);
  run_file(out, x, &f);
  assert_memory_equal(tmc_trainer_tensor(t, tid[T_Y]), f.t[T_Y], 3);
  fwd_free(&f);
  unlink(out);
  tmc_trainer_free(t);
  tmc_train_model_free(&m);
}

/* A second chain, through the ops that need their own backward and are
 * not folded: x [1,7,6,2] -> CONV_2D 3x3 SAME ReLU -> a [1,7,6,4] -> PAD
 * (1 row before, 1 column after) -> p [1,8,7,4] -> MAX_POOL_2D 2x2 /2 ->
 * m [1,4,3,4] -> RESHAPE [1,48] -> FULLY_CONNECTED -> [1,3]. The slots of
 * tid: T_X x, T_A a, T_B p, T_C and T_P m, T_R the reshape, T_Y y. */
static void write_pool_model(void) {
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_mb b;
  uint32_t s = 41;
  tmc_mb_init(&b, &a, "train pad + max pool fixture");
  tid[T_X] = tmc_mb_act_s8(&b, "x", (int32_t[]){1, 7, 6, 2}, 4, 0.02f, -3);
  tid[T_A] = tmc_mb_act_s8(&b, "a", (int32_t[]){1, 7, 6, 4}, 4, 0.01f, -128);
  tid[T_B] = tmc_mb_act_s8(&b, "p", (int32_t[]){1, 8, 7, 4}, 4, 0.01f, -128);
  tid[T_C] = tid[T_P] = tmc_mb_act_s8(&b, "m", (int32_t[]){1, 4, 3, 4}, 4, 0.01f, -128);
  tid[T_R] = tmc_mb_act_s8(&b, "r", (int32_t[]){1, 48}, 2, 0.01f, -128);
  tid[T_Y] = tmc_mb_act_s8(&b, "y", (int32_t[]){1, 3}, 2, 0.05f, 0);
  float ws0[4], ws5[1];
  const int32_t w0 = tmc_mb_const_s8(&b, "w0", (int32_t[]){4, 3, 3, 2}, 4, 0, true,
                                     rnd(&a, 72, 0.5f, &s), ws0);
  const int32_t b0 = tmc_mb_const_bias_s32(&b, "b0", 4, rnd(&a, 4, 0.3f, &s), 0.02f, ws0, 4);
  const int32_t w5 = tmc_mb_const_s8(&b, "w5", (int32_t[]){3, 48}, 2, 0, false,
                                     rnd(&a, 144, 0.5f, &s), ws5);
  const int32_t b5 = tmc_mb_const_bias_s32(&b, "b5", 3, rnd(&a, 3, 0.1f, &s), 0.01f, ws5, 1);
  const int32_t pads = tmc_mb_const_i32(&b, "pads", (int32_t[]){4, 2}, 2,
                                        (int32_t[]){0, 0, 1, 0, 0, 1, 0, 0});
  const int32_t shape = tmc_mb_const_i32(&b, "shape", (int32_t[]){2}, 1, (int32_t[]){1, 48});
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_conv2d;
  o.u.conv2d = (tmc_tfl_conv2d){.padding = TMC_TFL_PAD_SAME, .stride_w = 1, .stride_h = 1,
                                .fused_activation_function = TMC_TFL_ACT_RELU,
                                .dilation_w_factor = 1, .dilation_h_factor = 1};
  tmc_mb_op(&b, TMC_TFL_OP_CONV_2D, 3, (int32_t[]){tid[T_X], w0, b0}, 3, &tid[T_A], 1, &o);
  tmc_mb_op(&b, TMC_TFL_OP_PAD, 1, (int32_t[]){tid[T_A], pads}, 2, &tid[T_B], 1, NULL);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_pool2d;
  o.u.pool2d = (tmc_tfl_pool2d){.padding = TMC_TFL_PAD_VALID, .stride_w = 2, .stride_h = 2,
                                .filter_width = 2, .filter_height = 2};
  tmc_mb_op(&b, TMC_TFL_OP_MAX_POOL_2D, 1, &tid[T_B], 1, &tid[T_C], 1, &o);
  tmc_mb_op(&b, TMC_TFL_OP_RESHAPE, 1, (int32_t[]){tid[T_C], shape}, 2, &tid[T_R], 1, NULL);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_fully_connected;
  tmc_mb_op(&b, TMC_TFL_OP_FULLY_CONNECTED, 1, (int32_t[]){tid[T_R], w5, b5}, 3, &tid[T_Y], 1,
            &o);
  tmc_mb_io(&b, &tid[T_X], 1, &tid[T_Y], 1);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  uint8_t *bytes = NULL;
  size_t len;
  if (tmc_mb_finish(&b, &m, &d) != TMC_OK || tmc_tfl_write(m, &bytes, &len, &d) != TMC_OK ||
      tmc_file_write_atomic(path, bytes, len, &d) != TMC_OK)
    fail_msg("%s", d.msg);
  free(bytes);
  tmc_arena_free(&a);
}

/* The conv's gradients through MAX_POOL_2D and PAD (the trainer's) against
 * the kernels composed here on the forward of `tmc run`; then 40 steps on
 * one sample learn its label with only the conv trained below the head. */
static void pad_max_pool(void **state) {
  (void)state;
  write_pool_model();
  tmc_train_model m;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  if (tmc_train_model_load(path, 0, 1, &m, &d) != TMC_OK) fail_msg("%s", d.msg);
  assert_int_equal(m.head_op, 4);
  tmc_train_set s;
  assert_int_equal(tmc_train_select_spec(&m, "0:bw,-1:b", &s, &d), TMC_OK);
  const tmc_train_cfg cfg = {{0.05f, 0.0f, 0.0f, true, NULL}, false, 2, TMC_TARGET_GENERIC, false};
  tmc_trainer *t;
  if (tmc_trainer_new(&m, &s, &cfg, &t, &d) != TMC_OK) fail_msg("%s", d.msg);
  int8_t x[84];
  uint32_t r = 11;
  for (int i = 0; i < 84; i++) x[i] = (int8_t)((r = r * 1103515245u + 12345u) >> 24);
  fwd f;
  run_file(path, x, &f);
  const tmc_graph *g = &f.g;
  memcpy(tmc_trainer_input(t), x, 84);
  (void)tmc_trainer_predict(t);
  assert_memory_equal(tmc_trainer_tensor(t, tid[T_Y]), f.t[T_Y], 3);
  memcpy(tmc_trainer_input(t), x, 84);
  float loss;
  int32_t pred;
  const int32_t label = 2;
  assert_int_equal(tmc_trainer_step(t, label, &loss, &pred, &d), TMC_OK);
  float xr[84], rr[48], z[3], dz[3];
  real(&g->tensors[tid[T_X]], f.t[T_X], xr);
  real(&g->tensors[tid[T_R]], f.t[T_R], rr);
  real(&g->tensors[tid[T_Y]], f.t[T_Y], z);
  double mx = z[0], sum = 0;
  for (int k = 1; k < 3; k++) mx = z[k] > mx ? z[k] : mx;
  for (int k = 0; k < 3; k++) sum += exp(z[k] - mx);
  for (int k = 0; k < 3; k++) dz[k] = (float)(exp(z[k] - mx) / sum - (k == label));
  const tmc_tensor *w0 = tmc_op_input(g, &g->ops[0], 1), *w5 = tmc_op_input(g, &g->ops[4], 1);
  const tmc_bw_weights bw0 = {(const int8_t *)w0->data, w0->q.scale, 1},
                       bw5 = {(const int8_t *)w5->data, w5->q.scale, 0};
  float gr[48] = {0}, gb5[3] = {0}, gp[224] = {0}, ga[168] = {0}, gw0[72] = {0}, gb0[4] = {0};
  tmc_bw_fc(1, 48, 3, rr, &bw5, dz, gr, NULL, gb5, 0);
  const tmc_dims4 da = {1, 7, 6, 4}, dp = {1, 8, 7, 4}, dm = {1, 4, 3, 4};
  tmc_bw_max_pool(&dp, &dm, 2, 2, &(tmc_bw_window){2, 2, 1, 1, 0, 0}, f.t[T_B], gr, gp);
  tmc_bw_pad(&da, &dp, (const int32_t[]){0, 1, 0, 0}, gp, ga);
  uint8_t ma[21];
  tmc_bw_mask_make(168, f.t[T_A], -128, 128, ma);
  tmc_bw_mask(168, ma, ga);
  tmc_bw_conv2d(&(tmc_dims4){1, 7, 6, 2}, &(tmc_dims4){4, 3, 3, 2}, &da,
                &(tmc_bw_window){1, 1, 1, 1, 1, 1}, xr, &bw0, ga, NULL, gw0, gb0, 4);
  close_all(tmc_trainer_bias_grad(t, 1), gb5, 3, "fc bias");
  close_all(tmc_trainer_weight_grad(t, 0), gw0, 72, "conv weights");
  close_all(tmc_trainer_bias_grad(t, 0), gb0, 4, "conv bias");
  fwd_free(&f);
  tmc_trainer_free(t);
  /* batch 1, the conv alone: the loss of one sample falls */
  const tmc_train_cfg one = {{0.05f, 0.0f, 0.0f, true, NULL}, false, 1, TMC_TARGET_GENERIC, false};
  assert_int_equal(tmc_train_select_spec(&m, "0:bw", &s, &d), TMC_OK);
  if (tmc_trainer_new(&m, &s, &one, &t, &d) != TMC_OK) fail_msg("%s", d.msg);
  float first = 0;
  for (int i = 0; i < 40; i++) {
    memcpy(tmc_trainer_input(t), x, 84);
    assert_int_equal(tmc_trainer_step(t, label, &loss, &pred, &d), TMC_OK);
    if (i == 0) first = loss;
  }
  memcpy(tmc_trainer_input(t), x, 84);
  float last;
  (void)tmc_trainer_eval(t, label, &last);
  if (!(last < first * 0.8f)) fail_msg("loss %g -> %g after 40 steps", first, last);
  tmc_trainer_free(t);
  tmc_train_model_free(&m);
}

/* --update auto on the conv chain never exceeds its budget, under every
 * budget from below the forward pass to past the whole model, byte step by
 * byte step, for batch 1 and 8, momentum and float masters: each set chosen
 * is re-measured by the training plan (what the trainer and the generated C
 * allocate) and fits; below the forward alone, or when nothing fits, a
 * named error; a budget past everything takes every layer's bias and all
 * of its weights. */
static void budget_sweep(void **state) {
  (void)state;
  write_model();
  tmc_train_model m;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  if (tmc_train_model_load(path, 0, 1, &m, &d) != TMC_OK) fail_msg("%s", d.msg);
  const tmc_train_cfg cfgs[] = {
      {{0.01f, 0.0f, 0.0f, true, NULL}, false, 1, TMC_TARGET_GENERIC, false},
      {{0.01f, 0.0f, 0.0f, true, NULL}, false, 8, TMC_TARGET_GENERIC, false},
      {{0.01f, 0.9f, 0.0f, true, NULL}, false, 8, TMC_TARGET_GENERIC, false},
      {{0.01f, 0.0f, 0.0f, true, NULL}, true, 4, TMC_TARGET_GENERIC, false},
  };
  int32_t ops[8];
  const int32_t n_layers = tmc_train_layers(&m, ops, 8);
  assert_int_equal(n_layers, 3); /* FULLY_CONNECTED, DEPTHWISE_CONV_2D, CONV_2D */
  for (size_t c = 0; c < sizeof cfgs / sizeof cfgs[0]; c++) {
    tmc_train_set s = {0}, all = {0};
    tmc_train_memory fw, mem, full;
    assert_int_equal(tmc_train_memory_of(&m, &s, &cfgs[c], &fw, &d), TMC_OK);
    all.n = n_layers;
    for (int32_t k = 0; k < n_layers; k++) {
      const int32_t op = ops[n_layers - 1 - k]; /* by op index */
      const tmc_op *o = &m.g.ops[op];
      const tmc_tensor *w = tmc_op_input(&m.g, o, 1);
      all.layer[k] = (tmc_train_layer){op, true,
                                       o->kind == TMC_OP_DEPTHWISE_CONV_2D ? w->dims[3]
                                                                           : w->dims[0]};
    }
    assert_int_equal(tmc_train_memory_of(&m, &all, &cfgs[c], &full, &d), TMC_OK);
    assert_true(full.total > fw.total);
    tmc_diag_init(&d, NULL);
    assert_int_equal(tmc_train_select_auto(&m, fw.total - 1, &cfgs[c], &s, &d), TMC_ERR_LIMIT);
    assert_non_null(strstr(d.msg, "the forward pass alone needs"));
    int fits = 0, limit = 0;
    for (int64_t budget = fw.total; budget <= full.total + 64; budget += 4) {
      tmc_diag_init(&d, NULL);
      const tmc_status st = tmc_train_select_auto(&m, budget, &cfgs[c], &s, &d);
      if (st != TMC_OK) {
        assert_int_equal(st, TMC_ERR_LIMIT);
        assert_non_null(strstr(d.msg, "nothing trainable fits"));
        assert_true(fits == 0); /* once something fits, a larger budget fits it too */
        limit++;
        continue;
      }
      assert_true(s.n > 0);
      assert_int_equal(tmc_train_memory_of(&m, &s, &cfgs[c], &mem, &d), TMC_OK);
      if (mem.total > budget)
        fail_msg("config %zu, budget %lld: the set needs %lld", c, (long long)budget,
                 (long long)mem.total);
      fits++;
    }
    assert_true(fits > 0 && limit > 0);
    /* past everything: the whole model */
    assert_int_equal(tmc_train_select_auto(&m, full.total + 64, &cfgs[c], &s, &d), TMC_OK);
    assert_int_equal(s.n, n_layers);
    for (int32_t k = 0; k < s.n; k++) {
      bool found = false;
      for (int32_t i = 0; i < n_layers; i++)
        found |= all.layer[i].op == s.layer[k].op && s.layer[k].bias &&
                 all.layer[i].channels == s.layer[k].channels;
      if (!found) fail_msg("config %zu: op %d not wholly trained", c, s.layer[k].op);
    }
  }
  tmc_train_model_free(&m);
}

/* A model whose output is not a classifier head, and a head without a
 * bias under --classes: named errors. */
static void no_head(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  for (int k = 0; k < 2; k++) {
    tmc_mb b;
    uint32_t s = 3;
    tmc_mb_init(&b, &a, "no head");
    const int32_t x = tmc_mb_act_s8(&b, "x", (int32_t[]){1, 4, 4, 2}, 4, 0.02f, 0);
    int32_t y;
    float ws[3];
    if (k == 0) { /* a CONV_2D output */
      y = tmc_mb_act_s8(&b, "y", (int32_t[]){1, 4, 4, 3}, 4, 0.05f, 0);
      const int32_t w = tmc_mb_const_s8(&b, "w", (int32_t[]){3, 1, 1, 2}, 4, 0, true,
                                        rnd(&a, 6, 0.5f, &s), ws);
      tmc_tfl_options o;
      memset(&o, 0, sizeof o);
      o.type = TMC_TFL_OPTIONS_conv2d;
      o.u.conv2d = (tmc_tfl_conv2d){.padding = TMC_TFL_PAD_SAME, .stride_w = 1, .stride_h = 1,
                                    .dilation_w_factor = 1, .dilation_h_factor = 1};
      tmc_mb_op(&b, TMC_TFL_OP_CONV_2D, 3, (int32_t[]){x, w, -1}, 3, &y, 1, &o);
    } else { /* a FULLY_CONNECTED without bias */
      const int32_t r = tmc_mb_act_s8(&b, "r", (int32_t[]){1, 32}, 2, 0.02f, 0);
      const int32_t shape = tmc_mb_const_i32(&b, "shape", (int32_t[]){2}, 1, (int32_t[]){1, 32});
      tmc_mb_op(&b, TMC_TFL_OP_RESHAPE, 1, (int32_t[]){x, shape}, 2, &r, 1, NULL);
      y = tmc_mb_act_s8(&b, "y", (int32_t[]){1, 3}, 2, 0.05f, 0);
      const int32_t w = tmc_mb_const_s8(&b, "w", (int32_t[]){3, 32}, 2, 0, false,
                                        rnd(&a, 96, 0.5f, &s), ws);
      tmc_tfl_options o;
      memset(&o, 0, sizeof o);
      o.type = TMC_TFL_OPTIONS_fully_connected;
      tmc_mb_op(&b, TMC_TFL_OP_FULLY_CONNECTED, 1, (int32_t[]){r, w, -1}, 3, &y, 1, &o);
    }
    tmc_mb_io(&b, &x, 1, &y, 1);
    tmc_tfl_model *m;
    uint8_t *bytes = NULL;
    size_t len;
    if (tmc_mb_finish(&b, &m, &d) != TMC_OK || tmc_tfl_write(m, &bytes, &len, &d) != TMC_OK ||
        tmc_file_write_atomic(path, bytes, len, &d) != TMC_OK)
      fail_msg("%s", d.msg);
    free(bytes);
    tmc_train_model tm;
    tmc_diag_init(&d, NULL);
    assert_int_equal(tmc_train_model_load(path, k ? 5 : 0, 1, &tm, &d), TMC_ERR_UNSUPPORTED);
    const char *want = k ? "--classes: the head, op 1 FULLY_CONNECTED, has no bias tensor"
                         : "no classifier head: the output comes from op 0 CONV_2D";
    if (strstr(d.msg, want) == NULL) fail_msg("expected '%s', got: %s", want, d.msg);
    tmc_train_model_free(&tm);
  }
  tmc_arena_free(&a);
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  snprintf(path, sizeof path, "/tmp/tmc_chain_test.%ld.tflite", (long)getpid());
  const struct CMUnitTest tests[] = {cmocka_unit_test(gradients_and_export),
                                     cmocka_unit_test(no_head),
                                     cmocka_unit_test(budget_sweep),
                                     cmocka_unit_test(pad_max_pool)};
  const int rc = cmocka_run_group_tests(tests, NULL, NULL);
  unlink(path);
  return rc;
}
