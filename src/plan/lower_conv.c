/* Lowering of windows and matrix products: CONV_2D, DEPTHWISE_CONV_2D,
 * TRANSPOSE_CONV, FULLY_CONNECTED, AVERAGE_POOL_2D, MAX_POOL_2D. A fast
 * path (kernels.h) is chosen here when the kernel will take it; then its
 * per-channel tables (rq_bias, rq_mult, rq_shift) replace bias, multiplier
 * and shift, which are left NULL. */
#include <stdio.h>

#include "base/limits.h"
#include "ir/geometry.h"
#include "lower.h"
#include "quant.h"

/* ---- arithmetic ranges ------------------------------------------------------
 * Checked here, at compile time, so the kernels (and the generated C) run
 * without overflow for every layer tmc accepts:
 * 1. window geometry, per axis (check_extent before TFLite's padding is
 *    computed, check_span after): the filter's extent (k-1)*dilation+1
 *    (TRANSPOSE_CONV, which steps through its taps by the stride: plus the
 *    stride), then pad_before + in + dilation - 1 (the largest
 *    numerator of tmc_tap_range), pad_before + in + pad_after, and
 *    (out-1)*stride + extent (the last window's end from the first window's
 *    origin) all stay within TMC_MAX_WINDOW_SPAN (base/limits.h). With these
 *    the window origins, tap ranges and tap indices of kernels/kutil.h,
 *    conv2d.c, depthwise_conv2d.c, pooling.c and transpose_conv.c fit int32;
 *    TFLite's padding is at most extent - 1 per side, so it fits too.
 * 2. accumulators (check_acc): TFLite's int8 kernels add bias and every
 *    tap's (w + filter_offset) * (x + input_offset) in int32 (no int64 path:
 *    tmc compiles int8 activations only, and TFLite's int8 reference
 *    kernels accumulate in int32). Per output channel, from the constant
 *    weights and bias, |bias| + sum |w + filter_offset| * max |x +
 *    input_offset| must fit int32: it bounds every partial sum in any order
 *    and the bias add, so neither the plain nor the fast paths wrap. The
 *    fast paths' own folded sums are bounded again by tmc_fast_rq_prepare.
 *    AVERAGE_POOL_2D sums count = the product of min(filter, input) per
 *    axis int8 values, then adds or subtracts count / 2 to round: 128 *
 *    count + count / 2 must fit int32. */

/* The attribute and dimension names of one window axis, for messages. */
typedef struct axis_names {
  const char *dilation, *stride, *filter, *pad_before, *pad_after, *extent, *units;
} axis_names;

static const axis_names conv_h = {"dilation_h_factor", "stride_h", "filter height",
                                  "pad_top", "pad_bottom", "height", "rows"};
static const axis_names conv_w = {"dilation_w_factor", "stride_w", "filter width",
                                  "pad_left", "pad_right", "width", "columns"};
static const axis_names pool_h = {"", "stride_h", "filter_height",
                                  "pad_top", "pad_bottom", "height", "rows"};
static const axis_names pool_w = {"", "stride_w", "filter_width",
                                  "pad_left", "pad_right", "width", "columns"};

#define SPAN_MAX ((int64_t)TMC_MAX_WINDOW_SPAN)

/* Step 1 of the window checks: the extent (plus the stride when the kernel
 * steps through the taps by it: strided), before the padding. */
static tmc_status check_extent(tmc_lowerer *l, const tmc_op *op, const axis_names *n,
                               int32_t k, int32_t stride, int32_t dilation, bool strided) {
  const int64_t ext = (int64_t)(k > 0 ? k - 1 : 0) * dilation + 1;
  if (ext > SPAN_MAX)
    return tmc_lower_fail(l, op, "%s %d with a %s of %d spans %lld input %s "
                          "((k-1)*dilation+1), beyond the kernels' int32 window "
                          "arithmetic (TMC_MAX_WINDOW_SPAN %lld)", n->dilation, dilation,
                          n->filter, k, (long long)ext, n->units, (long long)SPAN_MAX);
  if (strided && ext + stride - 1 > SPAN_MAX)
    return tmc_lower_fail(l, op, "%s %d with a window of %lld input %s reaches %lld, beyond "
                          "the kernels' int32 window arithmetic (TMC_MAX_WINDOW_SPAN %lld)",
                          n->stride, stride, (long long)ext, n->units,
                          (long long)(ext + stride - 1), (long long)SPAN_MAX);
  return TMC_OK;
}

/* Step 1 of the window checks for both axes. */
static tmc_status check_extents(tmc_lowerer *l, const tmc_op *op, const axis_names *nh,
                                const axis_names *nw, int32_t kh, int32_t kw, int32_t sh,
                                int32_t sw, int32_t dh, int32_t dw, bool strided) {
  TMC_TRY(check_extent(l, op, nh, kh, sh, dh, strided));
  return check_extent(l, op, nw, kw, sw, dw, strided);
}

/* Step 2 of the window checks along one axis: in input elements (of what:
 * "input", or "output" for TRANSPOSE_CONV's conv view), out windows. */
static tmc_status check_span(tmc_lowerer *l, const tmc_op *op, const axis_names *n,
                             const char *what, int64_t in, int64_t out, int32_t k,
                             int32_t stride, int32_t dilation, int32_t before,
                             int32_t after) {
  const int64_t ext = (int64_t)(k > 0 ? k - 1 : 0) * dilation + 1;
  if (before < 0 || after < 0)
    return tmc_lower_fail(l, op, "%s %d, %s %d: expected >= 0", n->pad_before, before,
                          n->pad_after, after);
  if (before + in + dilation - 1 > SPAN_MAX || before + in + after > SPAN_MAX) {
    char dil[80] = "";
    if (dilation > 1) snprintf(dil, sizeof dil, " (%s %d)", n->dilation, dilation);
    return tmc_lower_fail(l, op, "%s %d and %s %d around an %s %s of %lld%s reach %lld, "
                          "beyond the kernels' int32 window arithmetic (TMC_MAX_WINDOW_SPAN "
                          "%lld)", n->pad_before, before, n->pad_after, after, what, n->extent,
                          (long long)in, dil,
                          (long long)(before + in + (after > dilation - 1 ? after
                                                                          : dilation - 1)),
                          (long long)SPAN_MAX);
  }
  if (out > 0 && (out - 1) * stride + ext > SPAN_MAX)
    return tmc_lower_fail(l, op, "%s %d over %lld windows of %lld input %s spans %lld, "
                          "beyond the kernels' int32 window arithmetic (TMC_MAX_WINDOW_SPAN "
                          "%lld)", n->stride, stride, (long long)out, (long long)ext, n->units,
                          (long long)((out - 1) * stride + ext), (long long)SPAN_MAX);
  return TMC_OK;
}

/* Step 2 for a conv or pool window of x (NHWC) onto y. */
static tmc_status check_window(tmc_lowerer *l, const tmc_op *op, const axis_names *nh,
                               const axis_names *nw, const tmc_tensor *x, const tmc_tensor *y,
                               const tmc_step_window *w) {
  TMC_TRY(check_span(l, op, nh, "input", x->dims[1], y->dims[1], w->kh, w->sh, w->dh,
                     w->pad_top, w->pad_bottom));
  return check_span(l, op, nw, "input", x->dims[2], y->dims[2], w->kw, w->sw, w->dw,
                    w->pad_left, w->pad_right);
}

/* Step 2 of the accumulator checks: channels output channels, channel c
 * summing taps weights w[c * ch_step + k * tap_step] of tensor wt (bias b
 * decoded as bias, or none). */
static tmc_status check_acc(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *wt,
                            const tmc_tensor *b, const int32_t *bias, int32_t channels,
                            int32_t taps, size_t ch_step, size_t tap_step,
                            int32_t input_offset, int32_t filter_offset) {
  const int8_t *w = wt->is_const && wt->data ? (const int8_t *)wt->data : NULL;
  const int64_t xmax = tmc_s8_max_abs_x(input_offset);
  for (int32_t c = 0; c < channels; c++) {
    const int64_t ws = tmc_acc_weight_sum(w, taps, ch_step, tap_step, c, filter_offset);
    const int64_t bv = bias ? bias[c] : 0, bm = bv < 0 ? -bv : bv;
    if (bm + ws * xmax <= INT32_MAX) continue;
    char bias_name[160] = "";
    if (b) snprintf(bias_name, sizeof bias_name, ", bias tensor %d '%s'", b->id, b->name);
    return tmc_lower_fail(l, op, "output channel %d (weights tensor %d '%s'%s): |bias| "
                          "%lld + sum |weight| %lld x %lld (the largest |input - zero "
                          "point|) = %lld, beyond the int32 accumulator of TFLite's int8 "
                          "kernel", c, wt->id, wt->name, bias_name, (long long)bm,
                          (long long)ws, (long long)xmax, (long long)(bm + ws * xmax));
  }
  return TMC_OK;
}

/* Per-channel multipliers and shifts of a conv-like op (channels entries,
 * tables of the step). */
tmc_status conv_quant(tmc_lowerer *l, const tmc_op *op, tmc_step *st,
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

/* The fast path's tables (kernels.h TMC_FAST_RQ_FIELDS) of st into *rb,
 * *rm, *rs from the bias the kernel starts from (folded or the model's;
 * NULL: none): *rb stays NULL (the plain path runs) when
 * tmc_fast_rq_prepare refuses. */
static tmc_status fast_rq(tmc_lowerer *l, tmc_step *st, int32_t channels, const int32_t *mult,
                          const int32_t *shift, int per_channel, const int32_t *bias,
                          int64_t acc_bound, const int32_t **rb, const int32_t **rm,
                          const int8_t **rs) {
  *rb = NULL;
  if (l->plain_op) return TMC_OK; /* weights and bias change at run time (training) */
  int32_t *b = tmc_lower_alloc(l, (size_t)channels, sizeof *b);
  int8_t *s = tmc_lower_alloc(l, per_channel ? (size_t)channels : 1, sizeof *s);
  if (b == NULL || s == NULL) return TMC_ERR_NOMEM;
  if (tmc_fast_rq_prepare(channels, mult, shift, per_channel, bias, acc_bound, b, s) != 0)
    return TMC_OK;
  const bool packed = tmc_fast_rq_pack(channels, per_channel, b, s);
  if (!tmc_step_add_array(st, b, channels) ||
      (!packed && !tmc_step_add_array(st, s, per_channel ? channels : 1)))
    return tmc_fail(l->d, TMC_ERR_UNSUPPORTED, "a step needs more than %d tables (a limit "
                    "of tmc's plan, TMC_STEP_ARRAYS)", TMC_STEP_ARRAYS);
  *rb = b;
  *rm = mult;
  *rs = packed ? NULL : s;
  return TMC_OK;
}

/* The tables of the DSP kernels (conv_dsp.c's CONV2D_1X1_DSP, CONV2D_DSP,
 * FULLY_CONNECTED_DSP; DEPTHWISE_CONV2D_DSP): the shift s = -r of each
 * channel kept as ~s = r - 1 (the operand of their ASR), in the packed bias
 * word's low byte (whose bit 7 is then clear for a right shift: the word's
 * ASR by 7 is twice the bias; set for the depthwise kernel's shifts >= 0)
 * or in the shift table (per_channel 0: one entry). */
static void dsp_rq_tables(int32_t channels, int per_channel, const int32_t *rb,
                          const int8_t *rs) {
  if (rs)
    for (int32_t c = 0; c < (per_channel ? channels : 1); c++)
      ((int8_t *)rs)[c] = (int8_t)~rs[c];
  else
    for (int32_t c = 0; c < channels; c++) ((int32_t *)rb)[c] ^= 255;
}

/* Whether the CONV_2D DSP kernels' requantization (conv_dsp.c), which adds
 * the output offset off2 = 2 zp + 1 times 2^(r-1) to the accumulator of its
 * SMMLAR, stays within int32 for every channel c (bias b[c], right shift
 * r = -shift[c] >= 1): |x| + 1 + |off2| 2^(r-1) <= INT32_MAX for every
 * accumulator |x| <= acc_bound + |b[c]| (|SMMULR(2x, q)| <= |x| + 1 below
 * the offset). */
static bool dsp_conv_rq_fits(int32_t channels, const int32_t *b, const int32_t *shift,
                             int32_t output_offset, int64_t acc_bound) {
  const int64_t off2 = 2 * (int64_t)output_offset + 1, off2m = off2 < 0 ? -off2 : off2;
  for (int32_t c = 0; c < channels; c++) {
    const int64_t bm = b[c] < 0 ? -(int64_t)b[c] : b[c];
    if (shift[c] > -1 || acc_bound + bm + 1 + (off2m << (-shift[c] - 1)) > INT32_MAX)
      return false;
  }
  return true;
}

/* Whether every shift of n (TFLite's convention) is a right shift: the
 * DSP kernels' requantization (kernels/requant.h tmc_rq_right_s8) takes
 * no other; a layer with a multiplier of 0.5 or more keeps the portable
 * kernels. */
static bool right_shifts(const int32_t *shift, int32_t n) {
  for (int32_t c = 0; c < n; c++)
    if (shift[c] > -1) return false;
  return true;
}

/* Whether every multiplier q of n lies in [2^30, 2^31) (all of TFLite's
 * but a zero scale's 0): the DSP depthwise kernel stores 2q - 2^32, whose
 * SMMLAR with the accumulator a added is SMMULR(2a, q) (kernels.h). */
static bool dw_q2_range(const int32_t *q, int32_t n) {
  for (int32_t c = 0; c < n; c++)
    if (q[c] < (1 << 30)) return false;
  return true;
}

/* The raster window of a conv or pool: TFLite's padding rule
 * (tmc_window_geometry) unless a pass made the padding explicit. A
 * one-tap axis has dilation 1: any dilation gives the same window, and 1
 * keeps the kernels' tap arithmetic small. */
static tmc_step_window conv_window(const tmc_tensor *x, int32_t kh, int32_t kw, int32_t sh,
                                   int32_t sw, int32_t dh, int32_t dw, tmc_padding padding,
                                   const tmc_conv_attr *explicit_pad) {
  tmc_window wh = tmc_window_geometry(x->dims[1], kh, sh, dh, padding);
  tmc_window ww = tmc_window_geometry(x->dims[2], kw, sw, dw, padding);
  tmc_step_window w = {kh, kw, sh, sw, kh == 1 ? 1 : dh, kw == 1 ? 1 : dw,
                       wh.before, wh.after, ww.before, ww.after};
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
  TMC_TRY(check_extents(l, op, &conv_h, &conv_w, w->dims[1], w->dims[2], c->stride_h,
                        c->stride_w, w->dims[1] == 1 ? 1 : c->dilation_h,
                        w->dims[2] == 1 ? 1 : c->dilation_w, false));
  st->win = conv_window(x, w->dims[1], w->dims[2], c->stride_h, c->stride_w, c->dilation_h,
                        c->dilation_w, c->padding, c);
  TMC_TRY(check_window(l, op, &conv_h, &conv_w, x, y, &st->win));
  if (x->type == TMC_I16 || y->type == TMC_I16) return tmc_lower_conv_s16(l, op, st);
  int32_t cout = y->dims[3];
  const int32_t *mult, *shift;
  int32_t lo, hi;
  TMC_TRY(conv_quant(l, op, st, x, w, y, cout, &mult, &shift));
  TMC_TRY(tmc_lower_act_range(l, op, c->act, y, &lo, &hi));
  st->weights = (const int8_t *)w->data;
  st->bias = b ? tmc_lower_const_i32(l, b) : NULL;
  if (b && st->bias == NULL) return TMC_ERR_NOMEM;
  if (dw)
    TMC_TRY(check_acc(l, op, w, b, st->bias, cout, w->dims[1] * w->dims[2], 1, (size_t)cout,
                      -tmc_lower_zp(x), 0));
  else
    TMC_TRY(check_acc(l, op, w, b, st->bias, cout, w->dims[1] * w->dims[2] * w->dims[3],
                      (size_t)w->dims[1] * w->dims[2] * w->dims[3], 1, -tmc_lower_zp(x), 0));
  if (dw) {
    st->kernel = TMC_K_DEPTHWISE_CONV2D;
    tmc_depthwise_conv2d_params *p = TMC_PARAMS(st, tmc_depthwise_conv2d_params);
    CONV_FIELDS(p);
    p->depth_multiplier = cout / x->dims[3];
    /* The kernels' own dispatch: multiplier 1, at most TMC_DW_MAX_TAPS taps. */
    const int32_t taps = st->filter_dims.h * st->filter_dims.w;
    const bool fast = p->depth_multiplier == 1 && taps <= TMC_DW_MAX_TAPS;
    if (fast && tmc_target_dsp(l->target)) {
      /* the DSP cores' kernel: the model's bias (each tap adds w * (x +
       * input_offset): |acc| <= taps * 128 * max|x + input_offset|), the
       * shifts kept as ~shift (r - 1 for a right shift r, the operand of
       * its ASR), the filter rearranged */
      TMC_TRY(fast_rq(l, st, cout, mult, shift, 1, st->bias,
                      (int64_t)taps * 128 * tmc_s8_max_abs_x(p->input_offset), &p->rq_bias,
                      &p->rq_mult, &p->rq_shift));
      if (p->rq_bias && !dw_q2_range(mult, cout)) p->rq_bias = NULL;
      if (p->rq_bias) {
        int8_t *wb = tmc_lower_table(l, st, (size_t)w->elems, 1);
        int32_t *q2 = tmc_lower_table(l, st, (size_t)cout, sizeof *q2);
        if (wb == NULL || q2 == NULL) return TMC_ERR_NOMEM;
        tmc_depthwise_conv2d_s8_dsp_arrange(&st->filter_dims, st->weights, wb);
        dsp_rq_tables(cout, 1, p->rq_bias, p->rq_shift);
        for (int32_t ch = 0; ch < cout; ch++) /* 2q - 2^32, as int32 */
          q2[ch] = (int32_t)((uint32_t)mult[ch] << 1);
        p->rq_mult = q2;
        p->w_blocks = wb;
        p->multiplier = p->shift = NULL;
        st->bias = NULL;
        st->kernel = TMC_K_DEPTHWISE_CONV2D_DSP;
        st->scratch_bytes = 0;
      }
    }
    if (fast && p->rq_bias == NULL) {
      int32_t *fb = tmc_lower_alloc(l, (size_t)cout, sizeof *fb);
      if (fb == NULL) return TMC_ERR_NOMEM;
      if (tmc_depthwise_conv2d_s8_fold_bias(&st->filter_dims, st->weights, st->bias,
                                            p->input_offset, fb) == 0)
        TMC_TRY(fast_rq(l, st, cout, mult, shift, 1, fb,
                        tmc_depthwise_conv2d_s8_acc_bound(&st->filter_dims), &p->rq_bias,
                        &p->rq_mult, &p->rq_shift));
      if (p->rq_bias) {
        p->multiplier = p->shift = NULL;
        st->bias = NULL;
        st->scratch_bytes = tmc_depthwise_conv2d_s8_scratch_bytes(&st->in_dims);
      }
    }
  } else {
    st->kernel = TMC_K_CONV2D;
    tmc_conv2d_params *p = TMC_PARAMS(st, tmc_conv2d_params);
    CONV_FIELDS(p);
    if (tmc_target_dsp(l->target) && st->filter_dims.c == st->in_dims.c &&
        right_shifts(shift, cout)) {
      /* the DSP cores' kernels (kernels.h), input offset folded: 1x1
       * without padding reads the input in place, any other window is
       * copied pixel by pixel (and a 1x1 of in.c % 4 != 0 over several
       * pixels too: its copied rows padded to whole quads run in the asm
       * block) */
      const int32_t k = st->filter_dims.h * st->filter_dims.w * st->filter_dims.c;
      const bool pointwise = st->filter_dims.h == 1 && st->filter_dims.w == 1 &&
                             st->win.pad_top == 0 && st->win.pad_left == 0 &&
                             st->win.pad_bottom == 0 && st->win.pad_right == 0 &&
                             ((k & 3) == 0 || (int64_t)st->out_dims.n * st->out_dims.h *
                                                      st->out_dims.w < 2);
      int32_t *fb = tmc_lower_alloc(l, (size_t)cout, sizeof *fb);
      if (fb == NULL) return TMC_ERR_NOMEM;
      tmc_dsp_fold_bias(cout, k, st->weights, st->bias, p->input_offset, fb);
      if (dsp_conv_rq_fits(cout, fb, shift, p->output_offset, tmc_dsp_acc_bound(k)))
        TMC_TRY(fast_rq(l, st, cout, mult, shift, 1, fb, tmc_dsp_acc_bound(k),
                        &p->rq_bias, &p->rq_mult, &p->rq_shift));
      if (p->rq_bias) {
        dsp_rq_tables(cout, 1, p->rq_bias, p->rq_shift);
        st->kernel = pointwise ? TMC_K_CONV2D_1X1_DSP : TMC_K_CONV2D_DSP;
        p->multiplier = p->shift = NULL;
        st->bias = NULL;
        if (!pointwise) { /* the filter rows padded with zeros to a multiple of 4 */
          int8_t *wr = tmc_lower_table(
              l, st, (size_t)cout * (size_t)tmc_conv2d_s8_dsp_row(&st->filter_dims), 1);
          if (wr == NULL) return TMC_ERR_NOMEM;
          tmc_conv2d_s8_dsp_arrange(&st->filter_dims, st->weights, wr);
          TMC_PARAMS(st, tmc_conv2d_dsp_params)->w_rows = wr;
        }
        st->scratch_bytes =
            pointwise ? tmc_conv2d_1x1_s8_dsp_scratch_bytes(&st->in_dims, &st->out_dims)
                      : tmc_conv2d_s8_dsp_scratch_bytes(&st->filter_dims, &st->out_dims);
        /* pixel triples where the asm block runs: packed tables, a channel
         * pair, 3 pixels; a 1x1 (rows of whole quads: pointwise over 3
         * pixels) reads them in place, so a stride-1 layer of the input's
         * size. variants.c: the pairs' kernel is their variant with less
         * scratch */
        const bool in_place = st->win.sh == 1 && st->win.sw == 1 &&
                              st->in_dims.h == st->out_dims.h && st->in_dims.w == st->out_dims.w;
        if (p->rq_shift == NULL && cout >= 2 &&
            (int64_t)st->out_dims.n * st->out_dims.h * st->out_dims.w >= 3 &&
            (!pointwise || in_place)) {
          st->kernel = pointwise ? TMC_K_CONV2D_1X1_DSP3 : TMC_K_CONV2D_DSP3;
          st->scratch_bytes = pointwise
                                  ? tmc_conv2d_1x1_s8_dsp3_scratch_bytes(&st->in_dims)
                                  : tmc_conv2d_s8_dsp3_scratch_bytes(&st->filter_dims);
        }
        return TMC_OK;
      }
    }
    if (st->filter_dims.c == st->in_dims.c) { /* one group: fast path */
      TMC_TRY(fast_rq(l, st, cout, mult, shift, 1, st->bias,
                      tmc_conv2d_s8_acc_bound(&st->filter_dims, p->input_offset),
                      &p->rq_bias, &p->rq_mult, &p->rq_shift));
      if (p->rq_bias) {
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
   * size (dilation 1); its windows are the input's pixels. */
  TMC_TRY(check_extents(l, op, &conv_h, &conv_w, w->dims[1], w->dims[2], c->stride_h,
                        c->stride_w, 1, 1, true));
  tmc_step_window pw = conv_window(y, w->dims[1], w->dims[2], c->stride_h, c->stride_w, 1, 1,
                                   c->padding, NULL);
  TMC_TRY(check_span(l, op, &conv_h, "output", y->dims[1], x->dims[1], pw.kh, pw.sh, 1,
                     pw.pad_top, pw.pad_bottom));
  TMC_TRY(check_span(l, op, &conv_w, "output", y->dims[2], x->dims[2], pw.kw, pw.sw, 1,
                     pw.pad_left, pw.pad_right));
  p->pad_top = pw.pad_top;
  p->pad_bottom = pw.pad_bottom;
  p->pad_left = pw.pad_left;
  p->pad_right = pw.pad_right;
  p->stride_h = c->stride_h;
  p->stride_w = c->stride_w;
  if (x->type == TMC_I16 || y->type == TMC_I16)
    return tmc_lower_transpose_conv_s16(l, op, st);
  p->input_offset = -tmc_lower_zp(x);
  p->output_offset = tmc_lower_zp(y);
  TMC_TRY(tmc_lower_act_range(l, op, c->act, y, &p->act_min, &p->act_max));
  TMC_TRY(conv_quant(l, op, st, x, w, y, y->dims[3], &p->multiplier, &p->shift));
  st->weights = (const int8_t *)w->data;
  st->bias = b ? tmc_lower_const_i32(l, b) : NULL;
  if (b && st->bias == NULL) return TMC_ERR_NOMEM;
  TMC_TRY(check_acc(l, op, w, b, st->bias, w->dims[0], w->dims[1] * w->dims[2] * w->dims[3],
                    (size_t)w->dims[1] * w->dims[2] * w->dims[3], 1, p->input_offset, 0));
  st->scratch_bytes = tmc_transpose_conv_s8_scratch_bytes(&st->out_dims);
  return TMC_OK;
}

/* Whether a DSP FULLY_CONNECTED is better served by the 1x1 convolution's
 * code (tmc_fully_connected_s8_dsp, scratch) than by its own
 * scratch-free kernel (about 1.3 KB of code on the M7): when the layer is
 * small (fewer than FC_ROWS_MIN weights: a few thousand instructions
 * either way) and the graph has a CONV_2D, whose DSP kernels bring that
 * code anyway. */
#define FC_ROWS_MIN 4096
static bool small_fc_beside_conv(const tmc_graph *g, const tmc_step *st) {
  if ((int64_t)st->units * st->depth >= FC_ROWS_MIN) return false;
  for (int32_t i = 0; i < g->n_ops; i++)
    if (g->ops[i].kind == TMC_OP_CONV_2D) return true;
  return false;
}

tmc_status tmc_lower_fc(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *b = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  if (x->type == TMC_I16 || y->type == TMC_I16) return tmc_lower_fc_s16(l, op, st);
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
  TMC_TRY(check_acc(l, op, w, b, st->bias, st->units, st->depth, (size_t)st->depth, 1,
                    p->input_offset, p->filter_offset));
  if (tmc_target_dsp(l->target) && p->filter_offset == 0 &&
      right_shifts(p->shift, p->per_channel ? st->units : 1)) {
    /* the DSP cores' kernel (kernels.h), input offset folded */
    int32_t *fb = tmc_lower_alloc(l, (size_t)st->units, sizeof *fb);
    if (fb == NULL) return TMC_ERR_NOMEM;
    tmc_dsp_fold_bias(st->units, st->depth, st->weights, st->bias, p->input_offset,
                                fb);
    TMC_TRY(fast_rq(l, st, st->units, p->multiplier, p->shift, p->per_channel, fb,
                    tmc_dsp_acc_bound(st->depth), &p->rq_bias, &p->rq_mult,
                    &p->rq_shift));
    if (p->rq_bias && !small_fc_beside_conv(l->g, st)) {
      /* the scratch-free kernel, its weights rearranged (replacing the
       * model's array, which no call then refers to) */
      int32_t *wr = tmc_lower_table(
          l, st, tmc_fully_connected_s8_dsp_rows_words(st->units, st->depth), sizeof *wr);
      if (wr == NULL) return TMC_ERR_NOMEM;
      tmc_fully_connected_s8_dsp_rows_arrange(st->units, st->depth, st->weights, wr);
      p->w_rows = wr;
      st->kernel = TMC_K_FULLY_CONNECTED_DSP_ROWS;
      p->multiplier = p->shift = NULL;
      st->bias = NULL;
      st->scratch_bytes = 0;
      return TMC_OK;
    }
    if (p->rq_bias) {
      dsp_rq_tables(st->units, p->per_channel, p->rq_bias, p->rq_shift);
      st->kernel = TMC_K_FULLY_CONNECTED_DSP;
      p->multiplier = p->shift = NULL;
      st->bias = NULL;
      st->scratch_bytes = tmc_fully_connected_s8_dsp_scratch_bytes(st->outer, st->depth);
      return TMC_OK;
    }
  }
  TMC_TRY(fast_rq(l, st, st->units, p->multiplier, p->shift, p->per_channel, st->bias,
                  tmc_fully_connected_s8_acc_bound(st->depth, p->input_offset,
                                                   p->filter_offset),
                  &p->rq_bias, &p->rq_mult, &p->rq_shift));
  if (p->rq_bias) { /* fast path (kernels.h) */
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
  TMC_TRY(tmc_lower_same_types(l, op));
  if (!tmc_lower_same_quant(x, y))
    return tmc_lower_fail(l, op, "input and output quantization differ (TFLite requires "
                          "them equal)");
  st->kernel = op->kind == TMC_OP_AVERAGE_POOL_2D ? TMC_K_AVG_POOL : TMC_K_MAX_POOL;
  st->in_dims = tmc_lower_dims4(x);
  st->out_dims = tmc_lower_dims4(y);
  TMC_TRY(check_extents(l, op, &pool_h, &pool_w, c->filter_h, c->filter_w, c->stride_h,
                        c->stride_w, 1, 1, false));
  st->win = conv_window(x, c->filter_h, c->filter_w, c->stride_h, c->stride_w, 1, 1,
                        c->padding, NULL);
  TMC_TRY(check_window(l, op, &pool_h, &pool_w, x, y, &st->win));
  if (st->kernel == TMC_K_AVG_POOL) {
    /* the int32 sum of a window clipped to the input, |x| <= 128 each,
     * then -+ count / 2 to round (TFLite's AveragePool) */
    const int64_t rows = c->filter_h < x->dims[1] ? c->filter_h : x->dims[1];
    const int64_t cols = c->filter_w < x->dims[2] ? c->filter_w : x->dims[2];
    const int64_t count = rows * cols;
    if (count * 128 + count / 2 > INT32_MAX)
      return tmc_lower_fail(l, op, "a filter_height %d x filter_width %d window over a %d x %d "
                            "input averages up to %lld int8 values (|sum| up to %lld, %lld with "
                            "the rounding's half count), beyond the int32 accumulator of "
                            "TFLite's int8 kernel", c->filter_h, c->filter_w, x->dims[1],
                            x->dims[2], (long long)count, (long long)(count * 128),
                            (long long)(count * 128 + count / 2));
    /* the DSP targets' kernel: int16 sums of 4 channels a word */
    if (tmc_target_dsp(l->target) && x->type == TMC_I8 && x->dims[3] % 4 == 0 && count <= 256)
      st->kernel = TMC_K_AVG_POOL_DSP;
  }
  tmc_pool_params *p = TMC_PARAMS(st, tmc_pool_params);
  p->stride_h = c->stride_h;
  p->stride_w = c->stride_w;
  p->filter_h = c->filter_h;
  p->filter_w = c->filter_w;
  p->pad_top = st->win.pad_top;
  p->pad_bottom = st->win.pad_bottom;
  p->pad_left = st->win.pad_left;
  p->pad_right = st->win.pad_right;
  TMC_TRY(tmc_lower_act_range(l, op, c->act, y, &p->act_min, &p->act_max));
  return x->type == TMC_I16 ? tmc_lower_pool_s16(l, op, st) : TMC_OK;
}
