/* Lowering of windows and matrix products: CONV_2D, DEPTHWISE_CONV_2D,
 * TRANSPOSE_CONV, FULLY_CONNECTED, AVERAGE_POOL_2D, MAX_POOL_2D. A fast
 * path (kernels.h) is chosen here when the kernel will take it; then its
 * requant table replaces bias, multiplier and shift, which are left NULL. */
#include "ir/geometry.h"
#include "lower.h"
#include "quant.h"

/* Per-channel multipliers and shifts of a conv-like op (channels entries,
 * tables of the step). */
static tmc_status conv_quant(tmc_lowerer *l, const tmc_op *op, tmc_step *st,
                             const tmc_tensor *x, const tmc_tensor *w, const tmc_tensor *y,
                             int32_t channels, const int32_t **mult, const int32_t **shift) {
  if (w->q.n != 1 && w->q.n != channels)
    return tmc_lower_fail(l, op, "weights (tensor %d '%s') have %d scales, expected 1 or %d",
                          w->id, w->name, w->q.n, channels);
  for (int32_t c = 0; c < w->q.n; c++)
    if (w->q.zero_point[c] != 0)
      return tmc_lower_fail(l, op, "weights (tensor %d '%s') zero point %d, expected 0 "
                            "(symmetric)", w->id, w->name, w->q.zero_point[c]);
  int32_t *m = tmc_lower_table(l, st, (size_t)channels, sizeof *m);
  int32_t *s = tmc_lower_table(l, st, (size_t)channels, sizeof *s);
  if (m == NULL || s == NULL) return TMC_ERR_NOMEM;
  tmc_conv_quant_prepare(tmc_lower_scale(x), w->q.scale, w->q.n, tmc_lower_scale(y), channels,
                         m, s);
  *mult = m;
  *shift = s;
  return TMC_OK;
}

/* The raster window of a conv or pool: TFLite's padding rule
 * (tmc_window_geometry) unless a pass made the padding explicit. */
static tmc_step_window conv_window(const tmc_tensor *x, int32_t kh, int32_t kw, int32_t sh,
                                   int32_t sw, int32_t dh, int32_t dw, tmc_padding padding,
                                   const tmc_conv_attr *explicit_pad) {
  tmc_window wh = tmc_window_geometry(x->dims[1], kh, sh, dh, padding);
  tmc_window ww = tmc_window_geometry(x->dims[2], kw, sw, dw, padding);
  tmc_step_window w = {kh, kw, sh, sw, dh, dw, wh.before, wh.after, ww.before, ww.after};
  if (explicit_pad && explicit_pad->explicit_pad) {
    w.pad_top = explicit_pad->pad_top;
    w.pad_bottom = explicit_pad->pad_bottom;
    w.pad_left = explicit_pad->pad_left;
    w.pad_right = explicit_pad->pad_right;
  }
  return w;
}

/* The fields CONV_2D and DEPTHWISE_CONV_2D params share (a macro: two
 * distinct struct types with the same member names). */
#define CONV_FIELDS(p)                                                       \
  do {                                                                       \
    (p)->stride_h = st->win.sh;                                              \
    (p)->stride_w = st->win.sw;                                              \
    (p)->dilation_h = st->win.dh;                                            \
    (p)->dilation_w = st->win.dw;                                            \
    (p)->pad_top = st->win.pad_top;                                          \
    (p)->pad_bottom = st->win.pad_bottom;                                    \
    (p)->pad_left = st->win.pad_left;                                        \
    (p)->pad_right = st->win.pad_right;                                      \
    (p)->input_offset = -tmc_lower_zp(x);                                    \
    (p)->output_offset = tmc_lower_zp(y);                                    \
    (p)->act_min = lo;                                                       \
    (p)->act_max = hi;                                                       \
    (p)->multiplier = mult;                                                  \
    (p)->shift = shift;                                                      \
  } while (0)

tmc_status tmc_lower_conv(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  bool dw = op->kind == TMC_OP_DEPTHWISE_CONV_2D;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *b = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  const tmc_conv_attr *c = &op->attr.conv;
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  st->in_dims = tmc_lower_dims4(x);
  st->filter_dims = tmc_lower_dims4(w);
  st->out_dims = tmc_lower_dims4(y);
  st->win = conv_window(x, w->dims[1], w->dims[2], c->stride_h, c->stride_w, c->dilation_h,
                        c->dilation_w, c->padding, c);
  int32_t cout = y->dims[3];
  const int32_t *mult, *shift;
  int32_t lo, hi;
  TMC_TRY(conv_quant(l, op, st, x, w, y, cout, &mult, &shift));
  TMC_TRY(tmc_lower_act_range(l, op, c->act, y, &lo, &hi));
  st->weights = (const int8_t *)w->data;
  st->bias = b ? tmc_lower_const_i32(l, b) : NULL;
  if (b && st->bias == NULL) return TMC_ERR_NOMEM;
  if (dw) {
    st->kernel = TMC_K_DEPTHWISE_CONV2D;
    tmc_depthwise_conv2d_params *p = TMC_PARAMS(st, tmc_depthwise_conv2d_params);
    CONV_FIELDS(p);
    p->depth_multiplier = cout / x->dims[3];
    /* The kernel's own dispatch: multiplier 1, at most TMC_DW_MAX_TAPS taps. */
    if (p->depth_multiplier == 1 &&
        st->filter_dims.h * st->filter_dims.w <= TMC_DW_MAX_TAPS) {
      int32_t *fb = tmc_lower_alloc(l, (size_t)cout, sizeof *fb);
      tmc_requant_ch *rq = tmc_lower_table(l, st, (size_t)cout, sizeof *rq);
      if (fb == NULL || rq == NULL) return TMC_ERR_NOMEM;
      if (tmc_depthwise_conv2d_s8_fold_bias(&st->filter_dims, st->weights, st->bias,
                                            p->input_offset, fb) == 0 &&
          tmc_requant_prepare(cout, mult, shift, 1, fb,
                              tmc_depthwise_conv2d_s8_acc_bound(&st->filter_dims),
                              rq) == 0) {
        p->requant = rq;
        p->multiplier = p->shift = NULL;
        st->bias = NULL;
        st->scratch_bytes = tmc_depthwise_conv2d_s8_scratch_bytes(&st->in_dims);
      }
    }
  } else {
    st->kernel = TMC_K_CONV2D;
    tmc_conv2d_params *p = TMC_PARAMS(st, tmc_conv2d_params);
    CONV_FIELDS(p);
    if (st->filter_dims.c == st->in_dims.c) { /* one group: fast path */
      tmc_requant_ch *rq = tmc_lower_table(l, st, (size_t)cout, sizeof *rq);
      if (rq == NULL) return TMC_ERR_NOMEM;
      if (tmc_requant_prepare(cout, mult, shift, 1, st->bias,
                              tmc_conv2d_s8_acc_bound(&st->filter_dims, p->input_offset),
                              rq) == 0) {
        p->requant = rq;
        p->multiplier = p->shift = NULL;
        st->bias = NULL;
        st->scratch_bytes = tmc_conv2d_s8_scratch_bytes(&st->in_dims, &st->filter_dims,
                                                        &st->out_dims);
      }
    }
  }
  return TMC_OK;
}

tmc_status tmc_lower_transpose_conv(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *w = tmc_op_input(g, op, 1), *x = tmc_op_input(g, op, 2);
  const tmc_tensor *b = tmc_op_input(g, op, 3), *y = tmc_op_output(g, op, 0);
  const tmc_conv_attr *c = &op->attr.conv;
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 2"));
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  if (x->rank != 4 || w->rank != 4 || y->rank != 4)
    return tmc_lower_fail(l, op, "expects 4-D input, weights and output");
  st->kernel = TMC_K_TRANSPOSE_CONV;
  st->in_dims = tmc_lower_dims4(x);
  st->filter_dims = tmc_lower_dims4(w);
  st->out_dims = tmc_lower_dims4(y);
  tmc_transpose_conv_params *p = TMC_PARAMS(st, tmc_transpose_conv_params);
  /* TFLite pads a transpose conv as a conv over an input of its output's
   * size (dilation 1). */
  tmc_step_window pw = conv_window(y, w->dims[1], w->dims[2], c->stride_h, c->stride_w, 1, 1,
                                   c->padding, NULL);
  p->pad_top = pw.pad_top;
  p->pad_bottom = pw.pad_bottom;
  p->pad_left = pw.pad_left;
  p->pad_right = pw.pad_right;
  p->stride_h = c->stride_h;
  p->stride_w = c->stride_w;
  p->input_offset = -tmc_lower_zp(x);
  p->output_offset = tmc_lower_zp(y);
  TMC_TRY(tmc_lower_act_range(l, op, c->act, y, &p->act_min, &p->act_max));
  TMC_TRY(conv_quant(l, op, st, x, w, y, y->dims[3], &p->multiplier, &p->shift));
  st->weights = (const int8_t *)w->data;
  st->bias = b ? tmc_lower_const_i32(l, b) : NULL;
  if (b && st->bias == NULL) return TMC_ERR_NOMEM;
  st->scratch_bytes = tmc_transpose_conv_s8_scratch_bytes(&st->out_dims);
  return TMC_OK;
}

tmc_status tmc_lower_fc(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *b = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  st->kernel = TMC_K_FULLY_CONNECTED;
  st->units = w->dims[0];
  st->depth = w->dims[1];
  st->outer = (int32_t)(x->elems / st->depth);
  tmc_fully_connected_params *p = TMC_PARAMS(st, tmc_fully_connected_params);
  p->input_offset = -tmc_lower_zp(x);
  p->filter_offset = 0;
  p->output_offset = tmc_lower_zp(y);
  p->per_channel = w->q.n > 1;
  TMC_TRY(tmc_lower_act_range(l, op, op->attr.fc.act, y, &p->act_min, &p->act_max));
  TMC_TRY(conv_quant(l, op, st, x, w, y, p->per_channel ? st->units : 1, &p->multiplier,
                     &p->shift));
  st->weights = (const int8_t *)w->data;
  st->bias = b ? tmc_lower_const_i32(l, b) : NULL;
  if (b && st->bias == NULL) return TMC_ERR_NOMEM;
  tmc_requant_ch *rq = tmc_lower_table(l, st, (size_t)st->units, sizeof *rq);
  if (rq == NULL) return TMC_ERR_NOMEM;
  if (tmc_requant_prepare(st->units, p->multiplier, p->shift, p->per_channel, st->bias,
                          tmc_fully_connected_s8_acc_bound(st->depth, p->input_offset,
                                                           p->filter_offset),
                          rq) == 0) { /* fast path (kernels.h) */
    p->requant = rq;
    p->multiplier = p->shift = NULL;
    st->bias = NULL;
    st->scratch_bytes = tmc_fully_connected_s8_scratch_bytes(st->depth);
  }
  return TMC_OK;
}

tmc_status tmc_lower_pool(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *y = tmc_op_output(l->g, op, 0);
  const tmc_pool_attr *c = &op->attr.pool;
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  if (!tmc_lower_same_quant(x, y))
    return tmc_lower_fail(l, op, "input and output quantization differ (TFLite requires "
                          "them equal)");
  st->kernel = op->kind == TMC_OP_AVERAGE_POOL_2D ? TMC_K_AVG_POOL : TMC_K_MAX_POOL;
  st->in_dims = tmc_lower_dims4(x);
  st->out_dims = tmc_lower_dims4(y);
  st->win = conv_window(x, c->filter_h, c->filter_w, c->stride_h, c->stride_w, 1, 1,
                        c->padding, NULL);
  tmc_pool_params *p = TMC_PARAMS(st, tmc_pool_params);
  p->stride_h = c->stride_h;
  p->stride_w = c->stride_w;
  p->filter_h = c->filter_h;
  p->filter_w = c->filter_w;
  p->pad_top = st->win.pad_top;
  p->pad_bottom = st->win.pad_bottom;
  p->pad_left = st->win.pad_left;
  p->pad_right = st->win.pad_right;
  return tmc_lower_act_range(l, op, c->act, y, &p->act_min, &p->act_max);
}
