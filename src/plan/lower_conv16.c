/* Lowering of the int16 (16x8) forms of CONV_2D, DEPTHWISE_CONV_2D,
 * TRANSPOSE_CONV, FULLY_CONNECTED and the pools: lower_conv.c hands an
 * int16 layer here once it has checked and set the window (its checks of
 * the window geometry serve both element types).
 *
 * TFLite's 16x8 arithmetic (kernels.h, tmc_conv_s16_params): an int64 bias
 * makes the accumulator int64 and the requantization TFLite's 64-bit
 * MultiplyByQuantizedMultiplier, whose input must stay within |x| < 2^47
 * and whose shift within [-31, 7] (TFLite's debug checks): both are
 * checked here per channel, from the constant weights and bias, so every
 * accepted layer is in the range TFLite's kernel is defined on. An int32
 * bias, or none, keeps TFLite's int32 accumulator, which wraps as TFLite's
 * does (the kernel reduces the exact sum modulo 2^32); no bias is TFLM's
 * int64 form. */
#include <stdio.h>
#include <string.h>

#include "ir/geometry.h"
#include "lower.h"
#include "quant.h"

#define ACC64_LIMIT ((int64_t)1 << 47)

/* Input, output (and weight) types and quantization of a 16x8 layer. */
static tmc_status check_16x8(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *x,
                             int x_k, const tmc_tensor *w, const tmc_tensor *y) {
  char role[16];
  snprintf(role, sizeof role, "input %d", x_k);
  if (x->type != TMC_I16 || y->type != TMC_I16)
    return tmc_lower_unsupported(l, op, "%s is %s and output 0 is %s; tmc's 16x8 kernels take "
                                 "int16 for both", role, tmc_dtype_name(x->type),
                                 tmc_dtype_name(y->type));
  if (w && w->type != TMC_I8)
    return tmc_lower_unsupported(l, op, "weights (tensor %d '%s') are %s, the 16x8 kernels "
                                 "take INT8", w->id, w->name, tmc_dtype_name(w->type));
  TMC_TRY(tmc_lower_need_quant(l, op, x, role));
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  TMC_TRY(tmc_lower_zero_zp(l, op, x, role));
  return tmc_lower_zero_zp(l, op, y, "output 0");
}

/* The bias table of the params (bias32 or bias64 as b's type; without a
 * bias TFLM takes its int64 form, with bias64 zeros here) and the
 * per-channel range checks of the int64 form: channels channels, channel c
 * summing taps weights w[c * ch_step + k * tap_step]. */
static tmc_status bias_16x8(tmc_lowerer *l, const tmc_op *op, tmc_step *st,
                            tmc_conv_s16_params *p, const tmc_tensor *w,
                            const tmc_tensor *b, bool int32_ok, int32_t channels,
                            int32_t taps, size_t ch_step, size_t tap_step) {
  if (b && b->elems != channels)
    return tmc_lower_fail(l, op, "bias (tensor %d '%s') has %lld values, expected %d", b->id,
                          b->name, (long long)b->elems, channels);
  if (b && !(b->type == TMC_I64 || (int32_ok && b->type == TMC_I32)))
    return tmc_lower_unsupported(l, op, "bias (tensor %d '%s') is %s; TFLM's 16x8 kernel for "
                                 "this operator reads an INT64%s bias", b->id, b->name,
                                 tmc_dtype_name(b->type), int32_ok ? " or INT32" : "");
  for (int32_t c = 0; c < channels; c++)
    if (p->shift[c] > 7)
      return tmc_lower_fail(l, op, "the quantization scales of channel %d give a rescale by "
                            "2^%d, beyond TFLite's 16x8 requantization (shift at most 7)", c,
                            p->shift[c]);
  if (b && b->type == TMC_I32) {
    p->bias32 = tmc_lower_const_i32(l, b);
    if (p->bias32 == NULL || !tmc_step_add_array(st, p->bias32, channels))
      return tmc_lower_fail(l, op, "out of step tables for the bias");
    return TMC_OK;
  }
  int64_t *v = tmc_lower_table(l, st, (size_t)channels, sizeof *v);
  if (v == NULL) return TMC_ERR_NOMEM;
  const int8_t *wd = (const int8_t *)w->data;
  for (int32_t c = 0; c < channels; c++) {
    v[c] = b ? tmc_tensor_int(b, c) : 0;
    int64_t ws = 0;
    for (int32_t k = 0; k < taps; k++) {
      const int32_t q = wd[(size_t)c * ch_step + (size_t)k * tap_step];
      ws += q < 0 ? -q : q;
    }
    const int64_t bm = v[c] < 0 ? -v[c] : v[c];
    if (bm >= ACC64_LIMIT || ws * 32768 >= ACC64_LIMIT - bm)
      return tmc_lower_fail(l, op, "output channel %d (weights tensor %d '%s', bias tensor %d "
                            "'%s'): |bias| %lld + sum |weight| %lld x 32768 reaches 2^47, "
                            "beyond TFLite's 16x8 requantization", c, w->id, w->name,
                            b ? b->id : -1, b ? b->name : "", (long long)bm, (long long)ws);
  }
  p->bias64 = v;
  return TMC_OK;
}

/* Strides, dilations, padding of w, and the depth multiplier. */
static void set_window(tmc_conv_s16_params *p, const tmc_step_window *w,
                       int32_t depth_multiplier) {
  p->stride_h = w->sh;
  p->stride_w = w->sw;
  p->dilation_h = w->dh;
  p->dilation_w = w->dw;
  p->pad_top = w->pad_top;
  p->pad_bottom = w->pad_bottom;
  p->pad_left = w->pad_left;
  p->pad_right = w->pad_right;
  p->depth_multiplier = depth_multiplier;
}

tmc_status tmc_lower_conv_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const bool dw = op->kind == TMC_OP_DEPTHWISE_CONV_2D;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *b = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  TMC_TRY(check_16x8(l, op, x, 0, w, y));
  /* lower_conv.c set the dims and checked the window st->win */
  st->kernel = dw ? TMC_K_DEPTHWISE_CONV2D_S16 : TMC_K_CONV2D_S16;
  st->weights = (const int8_t *)w->data;
  tmc_conv_s16_params *p = TMC_PARAMS(st, tmc_conv_s16_params);
  const int32_t cout = y->dims[3];
  set_window(p, &st->win, dw ? cout / x->dims[3] : 1);
  TMC_TRY(tmc_lower_act_range(l, op, op->attr.conv.act, y, &p->act_min, &p->act_max));
  TMC_TRY(conv_quant(l, op, st, x, w, y, cout, &p->multiplier, &p->shift));
  if (dw) /* TFLM reads a depthwise 16x8 bias as int64 whatever its type */
    return bias_16x8(l, op, st, p, w, b, false, cout, w->dims[1] * w->dims[2], 1,
                     (size_t)cout);
  return bias_16x8(l, op, st, p, w, b, true, cout, w->dims[1] * w->dims[2] * w->dims[3],
                   (size_t)w->dims[1] * w->dims[2] * w->dims[3], 1);
}

tmc_status tmc_lower_transpose_conv_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *w = tmc_op_input(g, op, 1), *x = tmc_op_input(g, op, 2);
  const tmc_tensor *b = tmc_op_input(g, op, 3), *y = tmc_op_output(g, op, 0);
  TMC_TRY(check_16x8(l, op, x, 2, w, y));
  /* lower_conv.c set the dims and checked the window into the int8 params:
   * their pads and strides are this kernel's */
  const tmc_transpose_conv_params t = *TMC_CPARAMS(st, tmc_transpose_conv_params);
  st->kernel = TMC_K_TRANSPOSE_CONV_S16;
  st->weights = (const int8_t *)w->data;
  const tmc_step_window win = {0, 0, t.stride_h, t.stride_w, 1, 1,
                               t.pad_top, t.pad_bottom, t.pad_left, t.pad_right};
  tmc_conv_s16_params *p = TMC_PARAMS(st, tmc_conv_s16_params);
  memset(p, 0, sizeof *p);
  set_window(p, &win, 1);
  TMC_TRY(tmc_lower_act_range(l, op, op->attr.conv.act, y, &p->act_min, &p->act_max));
  TMC_TRY(conv_quant(l, op, st, x, w, y, y->dims[3], &p->multiplier, &p->shift));
  /* TFLM accumulates a 16x8 transpose conv in int64 always (int64 bias) */
  return bias_16x8(l, op, st, p, w, b, false, w->dims[0],
                   w->dims[1] * w->dims[2] * w->dims[3],
                   (size_t)w->dims[1] * w->dims[2] * w->dims[3], 1);
}

tmc_status tmc_lower_fc_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *b = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  TMC_TRY(check_16x8(l, op, x, 0, w, y));
  st->kernel = TMC_K_FULLY_CONNECTED_S16;
  st->units = w->dims[0];
  st->depth = w->dims[1];
  st->outer = (int32_t)(x->elems / st->depth);
  st->weights = (const int8_t *)w->data;
  tmc_conv_s16_params *p = TMC_PARAMS(st, tmc_conv_s16_params);
  const tmc_step_window one = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
  set_window(p, &one, 1);
  TMC_TRY(tmc_lower_act_range(l, op, op->attr.fc.act, y, &p->act_min, &p->act_max));
  /* per tensor: one scale broadcast over the units */
  TMC_TRY(conv_quant(l, op, st, x, w, y, st->units, &p->multiplier, &p->shift));
  return bias_16x8(l, op, st, p, w, b, true, st->units, st->depth, (size_t)st->depth, 1);
}

tmc_status tmc_lower_pool_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0);
  TMC_TRY(tmc_lower_zero_zp(l, op, x, "input 0"));
  if (op->kind == TMC_OP_MAX_POOL_2D) {
    st->kernel = TMC_K_MAX_POOL_S16;
    return TMC_OK;
  }
  st->kernel = TMC_K_AVG_POOL_S16;
  /* TFLite sums a window of int16 values in int32, then +- count / 2 */
  const tmc_pool_attr *c = &op->attr.pool;
  const int64_t rows = c->filter_h < x->dims[1] ? c->filter_h : x->dims[1];
  const int64_t cols = c->filter_w < x->dims[2] ? c->filter_w : x->dims[2];
  const int64_t count = rows * cols;
  if (count * 32768 + count / 2 > INT32_MAX)
    return tmc_lower_fail(l, op, "a filter_height %d x filter_width %d window over a %d x %d "
                          "input averages up to %lld int16 values, beyond the int32 "
                          "accumulator of TFLite's int16 kernel", c->filter_h, c->filter_w,
                          x->dims[1], x->dims[2], (long long)count);
  return TMC_OK;
}
