/* conv_dsp.c - int8 CONV_2D (one group) and FULLY_CONNECTED for the
 * cores with the DSP extension (dsp.h), bit for bit TFLite's
 * reference_integer_ops::ConvPerChannel and FullyConnected. Below, the
 * 1x1 convolution with no padding (any stride); a k x k window (any
 * stride, dilation, padding: tmc_conv2d_s8_dsp) first copies each
 * pixel's window into the scratch as a row of kh * kw * in.c int8 values,
 * the input zero point for taps outside the input (w * zp cancels that
 * tap's share of the folded bias: the reference skips it), and then runs
 * as the 1x1 convolution of that row.
 *
 * The input zero point is folded into the bias at compile time (rq_bias[c]
 * = bias[c] + input_offset * sum of filter row c: a 1x1 window has no tap
 * outside the input), so every product is w * x of raw int8 values.
 * Output pixels go in pairs (raster order). A pair's two input pixels are
 * first widened into the scratch, interleaved per quad of channels k..k+3
 * as four words: pixel a's (x[k], x[k+2]) and (x[k+1], x[k+3]) as int16
 * pairs, then pixel b's; the last in.c % 4 channels follow as int16 (a's,
 * then b's). Then each pair of filter rows is read once for the pair of
 * pixels: a word of 4 weights gives (w[k], w[k+2]) by SXTB16 and
 * (w[k+1], w[k+3]) by SXTB16 of the word rotated by 8, and 8 SMLADs make
 * the 16 products of a 2 x 2 (pixels x channels) register tile: 4 loads, 4
 * extensions and 8 SMLADs per 16 multiply-accumulates. An odd last pixel
 * runs alone (its quads as two words each, then its tail; 1 x 2 tiles);
 * an odd last channel runs alone. FULLY_CONNECTED (tmc_fully_connected_s8_dsp)
 * is the same with its batch rows as the pixels. Integer sums in any order are
 * the reference's sums (no partial sum wraps: the lowering bounds them),
 * and tmc_rq_dsp (dsp.h) its requantization (every shift of the layer a right
 * shift: the lowering's condition). All input of a pair is read before any
 * of its outputs is written (the planner's overlap rule for the fast
 * convolution, WINDOW_COPIED, holds). */
#include <stddef.h>
#include <string.h>

#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

size_t tmc_conv2d_1x1_s8_dsp_scratch_bytes(const tmc_dims4 *input, const tmc_dims4 *output) {
  const size_t pixels = (size_t)output->n * output->h * output->w;
  return (size_t)input->c * 2 * (pixels > 1 ? 2 : 1); /* one or two pixels, int16 */
}

size_t tmc_conv2d_s8_dsp_scratch_bytes(const tmc_dims4 *filter, const tmc_dims4 *output) {
  const size_t pixels = (size_t)output->n * output->h * output->w;
  const size_t k = (size_t)filter->h * filter->w * filter->c, n = pixels > 1 ? 2 : 1;
  return n * 2 * k + (n * k + 3) / 4 * 4; /* widened rows, then the int8 windows */
}

size_t tmc_fully_connected_s8_dsp_scratch_bytes(int32_t batches, int32_t accum_depth) {
  return (size_t)accum_depth * 2 * (batches > 1 ? 2 : 1);
}

/* Pixel x (ic_n channels) widened into slot `slot` of a layout of `slots`
 * pixels (2: the pair layout of the header; 1: one pixel's quads and then
 * its tail). */
static void widen_pixel(const int8_t *x, int32_t ic_n, int slot, int slots, uint32_t *w) {
  const int32_t q = ic_n >> 2, t = ic_n & 3;
  int16_t *tail = (int16_t *)(w + 2 * (size_t)slots * (size_t)q) + slot * t;
  int32_t i;
  w += 2 * slot;
  for (i = 0; i < q; ++i, x += 4, w += 2 * slots) {
    const uint32_t v = tmc_dsp_load(x);
    w[0] = tmc_sxtb16(v);
    w[1] = tmc_sxtb16_ror8(v);
  }
  for (i = 0; i < t; ++i) tail[i] = x[i];
}

/* The requantization and stores: channel oc's multiplier and shift at
 * oc * pc (pc 0: one for all, a per-tensor FULLY_CONNECTED). The tile
 * functions copy it into locals (their int8 stores could alias it for the
 * compiler) and take the shift table (rq_s) apart: inlined once with it
 * NULL (packed into the bias words) and once set, so neither tests it. */
typedef struct rq_ctx {
  const int32_t *bias, *mult;
  const int8_t *shift;
  int32_t pc, off2, lo, hi, narrow; /* tmc_rq_dsp's off2; narrow: clamp to [lo, hi] */
} rq_ctx;

#define RQ_LOCALS(r)                                                            \
  const int32_t *const rq_b = (r)->bias, *const rq_m = (r)->mult;               \
  const int32_t rq_pc = (r)->pc, rq_off2 = (r)->off2

/* Channel oc of one pixel (store1) or two (store2, its constants once). */
#define STORE1(oc, a, y)                                                        \
  do {                                                                          \
    const int32_t q_ = rq_m[(oc) * rq_pc];                                      \
    const int32_t r_ = tmc_rq_rm1(rq_b, rq_s, (size_t)(oc), (size_t)((oc) * rq_pc)); \
    (y)[oc] = tmc_rq_dsp(a, q_, r_, rq_off2);                                    \
  } while (0)
#define STORE2(oc, a0, a1, ya, yb)                                              \
  do {                                                                          \
    const int32_t q_ = rq_m[(oc) * rq_pc];                                      \
    const int32_t r_ = tmc_rq_rm1(rq_b, rq_s, (size_t)(oc), (size_t)((oc) * rq_pc)); \
    (ya)[oc] = tmc_rq_dsp(a0, q_, r_, rq_off2);                                  \
    (yb)[oc] = tmc_rq_dsp(a1, q_, r_, rq_off2);                                  \
  } while (0)

/* Every output channel of the pixel pair widened at xs (slots 2), to ya
 * and yb. */
TMC_INLINE void pair_channels(const uint32_t *xs, int32_t ic_n, const int8_t *w, int32_t oc_n,
                              const rq_ctx *r, const int8_t *rq_s, int8_t *ya, int8_t *yb) {
  const int32_t q = ic_n >> 2, t = ic_n & 3;
  const int16_t *tail = (const int16_t *)(xs + 4 * (size_t)q);
  int32_t oc, i, k;
  RQ_LOCALS(r);
  for (oc = 0; oc + 2 <= oc_n; oc += 2, w += 2 * (size_t)ic_n) {
    const int8_t *w0 = w, *w1 = w + ic_n;
    const uint32_t *xp = xs;
    int32_t a0 = tmc_rq_bias(rq_b, rq_s, (size_t)oc), b0 = a0,
            a1 = tmc_rq_bias(rq_b, rq_s, (size_t)oc + 1), b1 = a1;
    for (i = 0; i < q; ++i, xp += 4) {
      const uint32_t u = tmc_dsp_load(w0 + 4 * i), v = tmc_dsp_load(w1 + 4 * i);
      const uint32_t ue = tmc_sxtb16(u), uo = tmc_sxtb16_ror8(u);
      const uint32_t ve = tmc_sxtb16(v), vo = tmc_sxtb16_ror8(v);
      a0 = tmc_smlad(xp[0], ue, a0);
      a0 = tmc_smlad(xp[1], uo, a0);
      b0 = tmc_smlad(xp[2], ue, b0);
      b0 = tmc_smlad(xp[3], uo, b0);
      a1 = tmc_smlad(xp[0], ve, a1);
      a1 = tmc_smlad(xp[1], vo, a1);
      b1 = tmc_smlad(xp[2], ve, b1);
      b1 = tmc_smlad(xp[3], vo, b1);
    }
    for (k = 0; k < t; ++k) {
      const int32_t xa = tail[k], xb = tail[t + k];
      const int32_t u = w0[4 * q + k], v = w1[4 * q + k];
      a0 = tmc_wrap_add(a0, u * xa);
      b0 = tmc_wrap_add(b0, u * xb);
      a1 = tmc_wrap_add(a1, v * xa);
      b1 = tmc_wrap_add(b1, v * xb);
    }
    STORE2(oc, a0, b0, ya, yb);
    STORE2(oc + 1, a1, b1, ya, yb);
  }
  if (oc < oc_n) { /* the odd last channel */
    const uint32_t *xp = xs;
    int32_t a0 = tmc_rq_bias(rq_b, rq_s, (size_t)oc), b0 = a0;
    for (i = 0; i < q; ++i, xp += 4) {
      const uint32_t u = tmc_dsp_load(w + 4 * i);
      const uint32_t ue = tmc_sxtb16(u), uo = tmc_sxtb16_ror8(u);
      a0 = tmc_smlad(xp[0], ue, a0);
      a0 = tmc_smlad(xp[1], uo, a0);
      b0 = tmc_smlad(xp[2], ue, b0);
      b0 = tmc_smlad(xp[3], uo, b0);
    }
    for (k = 0; k < t; ++k) {
      a0 = tmc_wrap_add(a0, w[4 * q + k] * tail[k]);
      b0 = tmc_wrap_add(b0, w[4 * q + k] * tail[t + k]);
    }
    STORE2(oc, a0, b0, ya, yb);
  }
}

/* Every output channel of the one pixel widened at xs (slots 1), to y:
 * channels in pairs (1 x 2 tiles), the odd last alone. */
TMC_INLINE void one_channels(const uint32_t *xs, int32_t ic_n, const int8_t *w, int32_t oc_n,
                             const rq_ctx *r, const int8_t *rq_s, int8_t *y) {
  const int32_t q = ic_n >> 2, t = ic_n & 3;
  const int16_t *tail = (const int16_t *)(xs + 2 * (size_t)q);
  int32_t oc, i, k;
  RQ_LOCALS(r);
  for (oc = 0; oc + 2 <= oc_n; oc += 2, w += 2 * (size_t)ic_n) {
    const int8_t *w0 = w, *w1 = w + ic_n;
    const uint32_t *xp = xs;
    int32_t a0 = tmc_rq_bias(rq_b, rq_s, (size_t)oc), a1 = tmc_rq_bias(rq_b, rq_s, (size_t)oc + 1);
    for (i = 0; i < q; ++i, xp += 2) {
      const uint32_t u = tmc_dsp_load(w0 + 4 * i), v = tmc_dsp_load(w1 + 4 * i);
      a0 = tmc_smlad(xp[0], tmc_sxtb16(u), a0);
      a0 = tmc_smlad(xp[1], tmc_sxtb16_ror8(u), a0);
      a1 = tmc_smlad(xp[0], tmc_sxtb16(v), a1);
      a1 = tmc_smlad(xp[1], tmc_sxtb16_ror8(v), a1);
    }
    for (k = 0; k < t; ++k) {
      a0 = tmc_wrap_add(a0, w0[4 * q + k] * tail[k]);
      a1 = tmc_wrap_add(a1, w1[4 * q + k] * tail[k]);
    }
    STORE1(oc, a0, y);
    STORE1(oc + 1, a1, y);
  }
  if (oc < oc_n) {
    const uint32_t *xp = xs;
    int32_t a0 = tmc_rq_bias(rq_b, rq_s, (size_t)oc);
    for (i = 0; i < q; ++i, xp += 2) {
      const uint32_t u = tmc_dsp_load(w + 4 * i);
      a0 = tmc_smlad(xp[0], tmc_sxtb16(u), a0);
      a0 = tmc_smlad(xp[1], tmc_sxtb16_ror8(u), a0);
    }
    for (k = 0; k < t; ++k) a0 = tmc_wrap_add(a0, w[4 * q + k] * tail[k]);
    STORE1(oc, a0, y);
  }
}

/* rows[0..n) (n 1 or 2) through the channels: the outputs to ys[i]. */
static void rows_channels(const int8_t *const *rows, int n, int32_t ic_n, const int8_t *w,
                          int32_t oc_n, const rq_ctx *r, uint32_t *xs, int8_t *const *ys) {
  if (n == 2) {
    widen_pixel(rows[0], ic_n, 0, 2, xs);
    widen_pixel(rows[1], ic_n, 1, 2, xs);
    if (r->shift)
      pair_channels(xs, ic_n, w, oc_n, r, r->shift, ys[0], ys[1]);
    else
      pair_channels(xs, ic_n, w, oc_n, r, NULL, ys[0], ys[1]);
  } else {
    widen_pixel(rows[0], ic_n, 0, 1, xs);
    if (r->shift)
      one_channels(xs, ic_n, w, oc_n, r, r->shift, ys[0]);
    else
      one_channels(xs, ic_n, w, oc_n, r, NULL, ys[0]);
  }
  if (r->narrow)
    for (int i = 0; i < n; ++i) tmc_clamp_run_s8(ys[i], (size_t)oc_n, r->lo, r->hi);
}

void tmc_conv2d_1x1_s8_dsp(const tmc_conv2d_params *p, const tmc_dims4 *in, const int8_t *x,
                           const tmc_dims4 *f, const int8_t *w, const int32_t *bias,
                           const tmc_dims4 *out, int8_t *y, void *scratch) {
  const int32_t ic_n = in->c, oc_n = out->c;
  const rq_ctx r = {p->rq_bias, p->rq_mult, p->rq_shift, 1, 2 * p->output_offset + 1,
                    p->act_min, p->act_max, p->act_min > -128 || p->act_max < 127};
  const size_t pixels = (size_t)out->n * out->h * out->w;
  const int8_t *src[2];
  int8_t *dst[2];
  int32_t b = 0, oy = 0, ox = 0;
  size_t p0;
  int i;
  (void)f;
  (void)bias;
  for (p0 = 0; p0 < pixels; p0 += 2) {
    const int n = pixels - p0 < 2 ? 1 : 2;
    for (i = 0; i < n; ++i) {
      src[i] = x + (((size_t)b * in->h + (size_t)oy * p->stride_h) * in->w +
                    (size_t)ox * p->stride_w) * ic_n;
      dst[i] = y + (p0 + (size_t)i) * (size_t)oc_n;
      if (++ox == out->w) {
        ox = 0;
        if (++oy == out->h) {
          oy = 0;
          ++b;
        }
      }
    }
    rows_channels(src, n, ic_n, w, oc_n, &r, (uint32_t *)scratch, dst);
  }
}

/* n bytes from s to d, or of value v: a call for long runs, a loop for
 * the few channels of a first layer (a library call per tap would cost
 * more than the copy). */
static inline void copy_s8(int8_t *d, const int8_t *s, int32_t n) {
  if (n >= 16) {
    memcpy(d, s, (size_t)n);
    return;
  }
  for (int32_t i = 0; i < n; ++i) d[i] = s[i];
}
static inline void fill_s8(int8_t *d, int8_t v, int32_t n) {
  if (n >= 16) {
    memset(d, v, (size_t)n);
    return;
  }
  for (int32_t i = 0; i < n; ++i) d[i] = v;
}

/* The window of output pixel (oy, ox) of batch xb as kh * kw * in.c int8
 * values at d, zp for the taps outside the input. */
static void window_row(const tmc_conv2d_params *p, const tmc_dims4 *in, const int8_t *xb,
                       const tmc_dims4 *f, int32_t oy, int32_t ox, int8_t zp, int8_t *d) {
  const int32_t c = in->c, iy0 = oy * p->stride_h - p->pad_top,
                ix0 = ox * p->stride_w - p->pad_left;
  int32_t ky0, ky1, kx0, kx1, ky, kx;
  tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
  tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
  for (ky = 0; ky < f->h; ++ky) {
    if (ky < ky0 || ky >= ky1) {
      fill_s8(d, zp, f->w * c);
      d += (size_t)f->w * (size_t)c;
      continue;
    }
    const int8_t *row = xb + (size_t)(iy0 + ky * p->dilation_h) * in->w * c;
    if (kx0 == 0 && kx1 == f->w && p->dilation_w == 1) { /* one run */
      copy_s8(d, row + (ptrdiff_t)ix0 * c, f->w * c);
      d += (size_t)f->w * (size_t)c;
      continue;
    }
    for (kx = 0; kx < f->w; ++kx, d += c) {
      if (kx < kx0 || kx >= kx1)
        fill_s8(d, zp, c);
      else
        copy_s8(d, row + (ptrdiff_t)(ix0 + kx * p->dilation_w) * c, c);
    }
  }
}

void tmc_conv2d_s8_dsp(const tmc_conv2d_params *p, const tmc_dims4 *in, const int8_t *x,
                       const tmc_dims4 *f, const int8_t *w, const int32_t *bias,
                       const tmc_dims4 *out, int8_t *y, void *scratch) {
  const int32_t k = f->h * f->w * f->c, oc_n = out->c;
  const rq_ctx r = {p->rq_bias, p->rq_mult, p->rq_shift, 1, 2 * p->output_offset + 1,
                    p->act_min, p->act_max, p->act_min > -128 || p->act_max < 127};
  const size_t pixels = (size_t)out->n * out->h * out->w;
  const size_t in_batch = (size_t)in->h * in->w * in->c;
  const size_t n_max = pixels > 1 ? 2 : 1;
  uint32_t *xs = (uint32_t *)scratch;
  int8_t *rows = (int8_t *)scratch + n_max * 2 * (size_t)k;
  const int8_t *src[2];
  int8_t *dst[2];
  int32_t b = 0, oy = 0, ox = 0;
  size_t p0;
  int i;
  (void)bias;
  for (p0 = 0; p0 < pixels; p0 += 2) {
    const int n = pixels - p0 < 2 ? 1 : 2;
    for (i = 0; i < n; ++i) {
      window_row(p, in, x + (size_t)b * in_batch, f, oy, ox, (int8_t)-p->input_offset,
                 rows + (size_t)i * (size_t)k);
      src[i] = rows + (size_t)i * (size_t)k;
      dst[i] = y + (p0 + (size_t)i) * (size_t)oc_n;
      if (++ox == out->w) {
        ox = 0;
        if (++oy == out->h) {
          oy = 0;
          ++b;
        }
      }
    }
    rows_channels(src, n, k, w, oc_n, &r, xs, dst);
  }
}

void tmc_fully_connected_s8_dsp(const tmc_fully_connected_params *p, int32_t batches,
                                int32_t accum_depth, const int8_t *x, int32_t out_depth,
                                const int8_t *w, const int32_t *bias, int8_t *y,
                                void *scratch) {
  const rq_ctx r = {p->rq_bias, p->rq_mult, p->rq_shift, p->per_channel ? 1 : 0,
                    2 * p->output_offset + 1,
                    p->act_min, p->act_max, p->act_min > -128 || p->act_max < 127};
  int32_t b;
  (void)bias;
  for (b = 0; b < batches; b += 2) {
    const int n = batches - b < 2 ? 1 : 2;
    const int8_t *src[2] = {x + (size_t)b * accum_depth,
                            x + (size_t)(b + n - 1) * accum_depth};
    int8_t *dst[2] = {y + (size_t)b * out_depth, y + (size_t)(b + n - 1) * out_depth};
    rows_channels(src, n, accum_depth, w, out_depth, &r, (uint32_t *)scratch, dst);
  }
}
