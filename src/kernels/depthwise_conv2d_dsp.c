/* depthwise_conv2d_dsp.c - int8 DEPTHWISE_CONV_2D with depth_multiplier 1
 * (any window, stride, dilation, padding up to TMC_DW_MAX_TAPS taps) for
 * the cores with the DSP extension (dsp.h), bit for bit TFLite's
 * reference_integer_ops::DepthwiseConvPerChannel.
 *
 * The input offset is folded into rq_bias at compile time (as the portable
 * fast path does, tmc_depthwise_conv2d_s8_fold_bias), so a tap adds w * x
 * of raw int8 values, and a tap outside the input reads a row of the
 * input zero point (w * zp cancels that tap's share of the folded term,
 * exactly the reference's skipping of it). Per output pixel a table of
 * tap pointers is built once; channels go in blocks of 4: per tap one word
 * of 4 inputs and one of 4 weights (1HWC: adjacent channels), SXTB16 of
 * each and of each rotated by 8 give the even and odd channels as int16
 * halves, and SMLABB / SMLATT add the 4 products to 4 accumulators: 2
 * loads, 4 extensions and 4 multiply-accumulates per 4 channels and tap.
 * The last in.c % 4 channels go one at a time. Channel c of pixel p is
 * written once channel c (and the block's others) of p's window is read:
 * the planner's WINDOW_CHANNEL rule holds (writes reach p * C + c + 4 when
 * the lowest input still needed is start(p) + c + 4). */
#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

size_t tmc_depthwise_conv2d_s8_dsp_scratch_bytes(const tmc_dims4 *input) {
  return (size_t)input->c; /* the row of the input zero point */
}

/* The per-channel tables and output constants, copied out of the params
 * (the int8 output stores could alias them for the compiler): off2 for
 * tmc_rq_dsp; narrow when the activation range is inside int8, [lo, hi]. */
typedef struct dw_ctx {
  const int32_t *bias, *mult;
  const int8_t *shift;
  int32_t off2, lo, hi, narrow;
} dw_ctx;

/* The locals the pixel functions work from (not through k: the output
 * stores and the asm blocks' memory clobber would reload them). */
#define DW_LOCALS(k)                                                      \
  const int32_t *const rq_b = (k)->bias, *const rq_m = (k)->mult;         \
  const int32_t rq_off2 = (k)->off2
#define out_of(k, rs, c, acc) tmc_rq_dsp((acc), rq_m[c], tmc_rq_rm1(rq_b, (rs), (c), (c)), rq_off2)

/* One tap of a 4-channel block: the products of the words at xp and wp. */
#define DW_TAP(xp, wp)                                             \
  do {                                                             \
    const uint32_t xv = tmc_dsp_load(xp), wv = tmc_dsp_load(wp);   \
    TMC_DSP_MAC4(xv, wv, a0, a1, a2, a3);                          \
  } while (0)

/* All channels of one output pixel whose taps are taps[0..nt) (wb: the
 * filter as _arrange wrote it); a 3x3 window has its tap loop written
 * out. rs: the shift table (NULL: packed). */
TMC_INLINE void dw_pixel(const dw_ctx *k, const int8_t *rs, const int8_t *const *taps,
                         int32_t nt, const int8_t *wb, size_t c_n, int8_t *y) {
  DW_LOCALS(k);
  size_t c;
  int32_t t;
  for (c = 0; c + 4 <= c_n; c += 4) {
    int32_t a0 = tmc_rq_bias(rq_b, rs, c), a1 = tmc_rq_bias(rq_b, rs, c + 1),
            a2 = tmc_rq_bias(rq_b, rs, c + 2), a3 = tmc_rq_bias(rq_b, rs, c + 3);
    const int8_t *wt = wb + c * (size_t)nt;
    for (t = 0; t < nt; ++t) DW_TAP(taps[t] + c, wt + 4 * t);
    y[c] = out_of(k, rs, c, a0);
    y[c + 1] = out_of(k, rs, c + 1, a1);
    y[c + 2] = out_of(k, rs, c + 2, a2);
    y[c + 3] = out_of(k, rs, c + 3, a3);
  }
  for (; c < c_n; ++c) {
    int32_t a = tmc_rq_bias(rq_b, rs, c);
    const int8_t *wt = wb + c * (size_t)nt;
    for (t = 0; t < nt; ++t) a = tmc_wrap_add(a, taps[t][c] * wt[t]);
    y[c] = out_of(k, rs, c, a);
  }
  if (k->narrow) tmc_clamp_run_s8(y, c_n, k->lo, k->hi);
}

/* All channels of one output pixel whose window lies inside the input:
 * its first tap at x0, taps cs apart in a row and rows xr apart (no
 * table); a 3x3 window is written out (the block's 9 weight words at
 * constant offsets). */
TMC_INLINE void dw_pixel_in(const dw_ctx *k, const int8_t *rs, const int8_t *x0, size_t cs,
                            size_t xr, int32_t kh, int32_t kw, const int8_t *wb, size_t c_n,
                            int8_t *y) {
  const size_t nt = (size_t)kh * (size_t)kw;
  DW_LOCALS(k);
  size_t c;
  int32_t ky, kx;
  for (c = 0; c + 4 <= c_n; c += 4) {
    int32_t a0 = tmc_rq_bias(rq_b, rs, c), a1 = tmc_rq_bias(rq_b, rs, c + 1),
            a2 = tmc_rq_bias(rq_b, rs, c + 2), a3 = tmc_rq_bias(rq_b, rs, c + 3);
    const int8_t *xp = x0 + c, *wt = wb + c * nt;
    if (kh == 3 && kw == 3) {
      TMC_DSP_ROW3(xp, cs, wt, 0, a0, a1, a2, a3);
      TMC_DSP_ROW3(xp + xr, cs, wt, 12, a0, a1, a2, a3);
      TMC_DSP_ROW3(xp + 2 * xr, cs, wt, 24, a0, a1, a2, a3);
    } else {
      for (ky = 0; ky < kh; ++ky, xp += xr)
        for (kx = 0; kx < kw; ++kx, wt += 4) DW_TAP(xp + (size_t)kx * cs, wt);
    }
    y[c] = out_of(k, rs, c, a0);
    y[c + 1] = out_of(k, rs, c + 1, a1);
    y[c + 2] = out_of(k, rs, c + 2, a2);
    y[c + 3] = out_of(k, rs, c + 3, a3);
  }
  for (; c < c_n; ++c) {
    int32_t a = tmc_rq_bias(rq_b, rs, c);
    const int8_t *wt = wb + c * nt;
    for (ky = 0; ky < kh; ++ky)
      for (kx = 0; kx < kw; ++kx, ++wt)
        a = tmc_wrap_add(a, x0[(size_t)ky * xr + (size_t)kx * cs + c] * *wt);
    y[c] = out_of(k, rs, c, a);
  }
  if (k->narrow) tmc_clamp_run_s8(y, c_n, k->lo, k->hi);
}
#undef DW_TAP

void tmc_depthwise_conv2d_s8_dsp_arrange(const tmc_dims4 *f, const int8_t *w, int8_t *out) {
  const size_t c_n = (size_t)f->c, nt = (size_t)f->h * (size_t)f->w;
  size_t c, t, j;
  for (c = 0; c + 4 <= c_n; c += 4)
    for (t = 0; t < nt; ++t)
      for (j = 0; j < 4; ++j) out[c * nt + 4 * t + j] = w[t * c_n + c + j];
  for (; c < c_n; ++c)
    for (t = 0; t < nt; ++t) out[c * nt + t] = w[t * c_n + c];
}

void tmc_depthwise_conv2d_s8_dsp(const tmc_depthwise_conv2d_params *p, const tmc_dims4 *in,
                                 const int8_t *x, const tmc_dims4 *f, const tmc_dims4 *out,
                                 int8_t *y, void *scratch) {
  const int8_t *w = p->w_blocks;
  const size_t c_n = (size_t)in->c;
  const int32_t nt = f->h * f->w;
  const dw_ctx k = {p->rq_bias, p->rq_mult, p->rq_shift, 2 * p->output_offset + 1,
                    p->act_min, p->act_max, p->act_min > -128 || p->act_max < 127};
  const size_t cs = (size_t)p->dilation_w * c_n, xr = (size_t)p->dilation_h * in->w * c_n;
  int8_t *zrow = (int8_t *)scratch;
  const int8_t *taps[TMC_DW_MAX_TAPS];
  size_t c;
  for (c = 0; c < c_n; ++c) zrow[c] = (int8_t)-p->input_offset;
  TMC_WINDOW_EACH(p, in, f, out, {
    const int8_t *xb = x + (size_t)b * in->h * in->w * c_n;
    if (ky0 == 0 && ky1 == f->h && kx0 == 0 && kx1 == f->w) {
      const int8_t *x0 = xb + ((size_t)iy0 * in->w + (size_t)ix0) * c_n;
      if (k.shift) /* specialised: shifts in their table or packed */
        dw_pixel_in(&k, k.shift, x0, cs, xr, f->h, f->w, w, c_n, y);
      else
        dw_pixel_in(&k, NULL, x0, cs, xr, f->h, f->w, w, c_n, y);
    } else {
      tmc_window_taps(xb, in, f->h, f->w, p->dilation_h, p->dilation_w, iy0, ky0, ky1, ix0,
                      zrow, taps);
      dw_pixel(&k, k.shift, taps, nt, w, c_n, y);
    }
    y += out->c;
  });
}
