/* depthwise_conv2d.c - int8 DEPTHWISE_CONV_2D, bit-exact with TFLite's
 * reference_integer_ops::DepthwiseConvPerChannel: output channel
 * oc = ic * depth_multiplier + m accumulates w[ky][kx][oc] * (x[ic] + offset)
 * over in-bounds taps, + bias, per-channel requantization, clamp.
 *
 * Fast path (depth_multiplier 1, at most TMC_DW_MAX_TAPS taps, p->rq_bias
 * set; folding in kernels.h): the weights are the model's own int8 1HWC
 * bytes, read in place.
 * - The input offset is folded into the bias at compile time
 *   (bias + offset * sum of the channel's weights, an exact int32 value or
 *   the plain path is used), so every tap adds w * x. Taps outside the
 *   input read a row of the input zero point kept in the scratch: there
 *   w * zp = -offset * w cancels that tap's share of the folded term,
 *   which is exactly the reference's skipping of the tap.
 * - The filter holds no -128 (tmc_depthwise_conv2d_s8_fold_bias refuses
 *   it; TFLite's symmetric weights lie in [-127, 127]): w * x then lies in
 *   [-16256, 16256], so the sum of two such products fits in int16. Taps
 *   are taken in pairs, their two products summed in 16 bits, widened once
 *   and added to the int32 accumulator.
 * - Per output pixel, a table of tap pointers (input or zero-point row) is
 *   built once; channels go in blocks of 16, then 8, then single channels,
 *   with channel-innermost loops of constant length that compilers
 *   vectorize. All sums are integer sums of the reference's terms, so the
 *   result is the reference's bit for bit. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

size_t tmc_depthwise_conv2d_s8_scratch_bytes(const tmc_dims4 *input) {
  return (size_t)input->c;
}

/* Output channels [c, c + n) of one output pixel; n is a constant after
 * inlining (16, 8 or 1). taps[t]: channel 0 of tap t's input pixel; w:
 * the weights [taps][c_n]. lo, hi: activation range minus the output
 * offset. */
static inline void dw_block(const int8_t *const *taps, int32_t nt,
                            const int8_t *w, size_t c_n,
                            const tmc_depthwise_conv2d_params *p, int32_t out_off,
                            int32_t lo, int32_t hi, size_t c, int32_t n,
                            int8_t *yp) {
  int32_t acc[16];
  int32_t t, j;
  const int8_t *wt = w + c;
  for (j = 0; j < n; ++j) acc[j] = tmc_rq_bias(p->rq_bias, p->rq_shift, c + (size_t)j);
  for (t = 0; t + 2 <= nt; t += 2, wt += 2 * c_n) {
    const int8_t *xa = taps[t] + c, *xb = taps[t + 1] + c;
    const int8_t *wa = wt, *wb = wt + c_n;
    for (j = 0; j < n; ++j)
      acc[j] += (int16_t)(wa[j] * xa[j] + wb[j] * xb[j]);
  }
  if (t < nt) {
    const int8_t *xa = taps[t] + c;
    for (j = 0; j < n; ++j) acc[j] += wt[j] * xa[j];
  }
  for (j = 0; j < n; ++j) {
    const tmc_rq_ch r = tmc_rq_ch_of(
        p->rq_mult[c + j], tmc_rq_shift(p->rq_bias, p->rq_shift, c + (size_t)j, c + (size_t)j));
    yp[c + j] = tmc_rq_s8(&r, acc[j], out_off, lo, hi);
  }
}

static void dw_fast(const tmc_depthwise_conv2d_params *p,
                    const tmc_dims4 *in, const int8_t *x, const tmc_dims4 *f,
                    const int8_t *w, const tmc_dims4 *out, int8_t *y,
                    int8_t *zrow) {
  const size_t c_n = (size_t)in->c;
  const int32_t nt = f->h * f->w;
  const int32_t out_off = p->output_offset, lo = p->act_min - out_off,
                hi = p->act_max - out_off;
  const int8_t *taps[TMC_DW_MAX_TAPS];
  size_t c;
  for (c = 0; c < c_n; ++c) zrow[c] = (int8_t)-p->input_offset;
  TMC_DW_EACH_PIXEL(p, in, x, f, out, zrow, taps, y, {
    for (c = 0; c + 16 <= c_n; c += 16)
      dw_block(taps, nt, w, c_n, p, out_off, lo, hi, c, 16, y);
    if (c + 8 <= c_n) {
      dw_block(taps, nt, w, c_n, p, out_off, lo, hi, c, 8, y);
      c += 8;
    }
    for (; c < c_n; ++c) dw_block(taps, nt, w, c_n, p, out_off, lo, hi, c, 1, y);
  });
}

void tmc_depthwise_conv2d_s8(const tmc_depthwise_conv2d_params *p,
                             const tmc_dims4 *in, const int8_t *x,
                             const tmc_dims4 *f, const int8_t *w,
                             const int32_t *bias, const tmc_dims4 *out,
                             int8_t *y, void *scratch) {
  const int32_t dm = p->depth_multiplier, off = p->input_offset;
  const int32_t oc_n = out->c;
  int32_t ic, m;
  if (p->rq_bias != NULL && dm == 1 && f->h * f->w <= TMC_DW_MAX_TAPS) {
    dw_fast(p, in, x, f, w, out, y, (int8_t *)scratch);
    return;
  }
  TMC_WINDOW_EACH(p, in, f, out, {
    for (ic = 0; ic < in->c; ++ic) {
      for (m = 0; m < dm; ++m) {
        const int32_t oc = ic * dm + m;
        int32_t acc = 0, ky, kx;
        for (ky = ky0; ky < ky1; ++ky) {
          const int32_t iy = iy0 + ky * p->dilation_h;
          const int8_t *row = x + ((size_t)b * in->h + iy) * in->w * in->c;
          const int8_t *wrow = w + (size_t)ky * f->w * oc_n;
          for (kx = kx0; kx < kx1; ++kx) {
            const int32_t ix = ix0 + kx * p->dilation_w;
            acc += wrow[(size_t)kx * oc_n + oc] *
                   (row[(size_t)ix * in->c + ic] + off);
          }
        }
        if (bias) acc = tmc_wrap_add(acc, bias[oc]); /* TFLite's int32 add, wrapping */
        acc = tmc_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
        y[(((size_t)b * out->h + oy) * out->w + ox) * oc_n + oc] =
            (int8_t)tmc_clamp_i32(acc, p->act_min, p->act_max);
      }
    }
  });
}
