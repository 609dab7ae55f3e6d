/* conv2d.c - int8 CONV_2D, bit-exact with TFLite's reference_integer_ops::
 * ConvPerChannel: int32 accumulation of w * (x + input_offset) over the taps
 * inside the input, + bias, per-channel requantization, + output offset,
 * activation clamp. Explicit per-side padding; grouped filters supported.
 *
 * Fast path (one group, p->rq_bias set): the weights are the model's own
 * int8 OHWI bytes, read in place (nothing re-laid out, no extra flash).
 * Output pixels go in raster order in groups of TMC_CONV2D_PIXELS (4): each
 * pixel's window is widened into an int16 row of the scratch (x +
 * input_offset; taps outside the input are 0, so they add nothing, as in
 * the reference; zero tail up to a multiple of TMC_CONV_KPAD), then each
 * filter row (K = kh*kw*in_c int8 weights) is read once for the whole
 * group: every widened weight meets 4 window rows (8 with two filter rows
 * per pass, TMC_CONV_PAIRS), in a loop over a multiple of 16 that compilers
 * vectorize (x86: pmaddwd), so the cost of widening the int8 weights is
 * shared. A filter row's dot product runs over the padded length, reading
 * up to TMC_CONV_KPAD - 1 bytes of the next row, which meet the zeros of
 * the window's tail and add nothing; the last rows, where that would leave
 * the filter array, stop at K and take the remainder one term at a time.
 * Integer sums in any order are the same, so the result is the reference's
 * bit for bit. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* Vector targets: window rows padded to a multiple of 16 int16 (the vector
 * loop of conv_dot then covers whole rows) and two filter rows per pass (8
 * accumulators fit in 16 vector registers). Scalar targets: no padding and
 * one row per pass (8 scalar accumulators plus 6 pointers would spill on a
 * 16-register core). tmc_conv2d_s8_scratch_bytes assumes the largest
 * padding, so a host compiler sizes the scratch for any target. */
#if defined(__SSE2__) || defined(__ARM_NEON) || defined(__ARM_FEATURE_MVE) || \
    defined(__wasm_simd128__) || defined(__riscv_vector) || defined(__ALTIVEC__)
#define TMC_CONV_KPAD 16
#define TMC_CONV_PAIRS 1
#else
#define TMC_CONV_KPAD 1
#define TMC_CONV_PAIRS 0
#endif

static int32_t pad_depth(int32_t k, int32_t to) { return (k + to - 1) / to * to; }

size_t tmc_conv2d_s8_scratch_bytes(const tmc_dims4 *input,
                                   const tmc_dims4 *filter,
                                   const tmc_dims4 *output) {
  const int64_t pixels = (int64_t)output->n * output->h * output->w;
  const int64_t rows = pixels < TMC_CONV2D_PIXELS ? pixels : TMC_CONV2D_PIXELS;
  if (filter->c != input->c) return 0; /* grouped: plain path */
  return (size_t)rows *
         (size_t)pad_depth(filter->h * filter->w * filter->c, 16) *
         sizeof(int16_t);
}

static inline void zero_s16(int16_t *d, int32_t n) {
  int32_t i;
  for (i = 0; i < n; ++i) d[i] = 0;
}

/* Four multiply-accumulates of weight wv with term k of the four rows
 * into a0..a3 (the inner step of conv_dot and conv_dot2). */
#define CONV_MAC4(a0, a1, a2, a3, wv, k) \
  do {                                   \
    a0 += (wv) * x0[k];                  \
    a1 += (wv) * x1[k];                  \
    a2 += (wv) * x2[k];                  \
    a3 += (wv) * x3[k];                  \
  } while (0)

/* acc[i] = sum over k < len of w[k] * x_i[k], i < 4: the first len & ~15
 * terms in a loop compilers vectorize (the mask tells them the count is a
 * multiple of 16: no scalar epilogue), the rest one by one. */
static inline void conv_dot(const int8_t *restrict w,
                            const int16_t *restrict x0,
                            const int16_t *restrict x1,
                            const int16_t *restrict x2,
                            const int16_t *restrict x3, size_t len,
                            int32_t *restrict acc) {
  const size_t n = len & ~(size_t)15;
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t k;
  for (k = 0; k < n; ++k) CONV_MAC4(s0, s1, s2, s3, (int32_t)w[k], k);
  for (; k < len; ++k) CONV_MAC4(s0, s1, s2, s3, (int32_t)w[k], k);
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

/* conv_dot for two filter rows, w and w + ws (acc[0..3], acc[4..7]), over
 * len terms, a multiple of 16 (the vector loop alone). */
static inline void conv_dot2(const int8_t *restrict w, size_t ws,
                             const int16_t *restrict x0,
                             const int16_t *restrict x1,
                             const int16_t *restrict x2,
                             const int16_t *restrict x3, size_t len,
                             int32_t *restrict acc) {
  const int8_t *v = w + ws;
  const size_t n = len & ~(size_t)15; /* == len; tells the compiler */
  int32_t s[8] = {0};
  size_t k;
  for (k = 0; k < n; ++k) {
    const int32_t wa = w[k], wb = v[k];
    CONV_MAC4(s[0], s[1], s[2], s[3], wa, k);
    CONV_MAC4(s[4], s[5], s[6], s[7], wb, k);
  }
  for (k = 0; k < 8; ++k) acc[k] = s[k];
}
#undef CONV_MAC4

/* The window of output pixel (oy, ox) of batch xb as int16 x + off, zero
 * for taps outside the input and up to kp. */
static void im2col_row(const tmc_conv2d_params *p, const tmc_dims4 *in,
                       const int8_t *xb, const tmc_dims4 *f, int32_t oy,
                       int32_t ox, int32_t kp, int16_t *d) {
  const int32_t c = in->c, off = p->input_offset, row_n = f->w * c;
  const int32_t k = f->h * row_n;
  const int32_t iy0 = oy * p->stride_h - p->pad_top;
  const int32_t ix0 = ox * p->stride_w - p->pad_left;
  int32_t ky0, ky1, kx0, kx1, ky, kx;
  tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
  tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
  if (ky0 == 0 && ky1 == f->h && kx0 == 0 && kx1 == f->w &&
      p->dilation_w == 1) { /* interior: kh contiguous runs */
    const int8_t *row = xb + ((size_t)iy0 * in->w + ix0) * c;
    const size_t row_step = (size_t)p->dilation_h * in->w * c;
    for (ky = 0; ky < f->h; ++ky, d += row_n) /* no pointer past the last row */
      tmc_widen_s8(d, row + (size_t)ky * row_step, row_n, off);
    zero_s16(d, kp - k);
    return;
  }
  for (ky = 0; ky < f->h; ++ky, d += row_n) {
    const int8_t *row;
    if (ky < ky0 || ky >= ky1) {
      zero_s16(d, row_n);
      continue;
    }
    row = xb + (size_t)(iy0 + ky * p->dilation_h) * in->w * c;
    if (p->dilation_w == 1) {
      zero_s16(d, kx0 * c);
      tmc_widen_s8(d + kx0 * c, row + (ptrdiff_t)(ix0 + kx0) * c,
                   (kx1 - kx0) * c, off);
      zero_s16(d + kx1 * c, (f->w - kx1) * c);
    } else {
      for (kx = 0; kx < f->w; ++kx) {
        if (kx < kx0 || kx >= kx1)
          zero_s16(d + kx * c, c);
        else
          tmc_widen_s8(d + kx * c,
                       row + (ptrdiff_t)(ix0 + kx * p->dilation_w) * c, c,
                       off);
      }
    }
  }
  zero_s16(d, kp - k);
}

/* The per-channel tables of the fast path (kernels.h). */
typedef struct conv_rq {
  const int32_t *bias, *mult;
  const int8_t *shift;
  int32_t out_off, lo, hi;
} conv_rq;

/* y[i * step] = the requantized acc[i] of channel oc, i < n (n <= 4); the
 * channel's constants are read once (the int8 stores could alias them for
 * the compiler). */
static inline void requant_n(const conv_rq *r, int32_t oc, const int32_t *acc, int32_t n,
                             int8_t *y, size_t step) {
  const int32_t b = tmc_rq_bias(r->bias, r->shift, (size_t)oc);
  const tmc_rq_ch c =
      tmc_rq_ch_of(r->mult[oc], tmc_rq_shift(r->bias, r->shift, (size_t)oc, (size_t)oc));
  const int32_t out_off = r->out_off, lo = r->lo, hi = r->hi;
  int32_t i;
  if (n == 4) { /* unrolled: no counter, acc[] in registers */
    const int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    y[0] = tmc_rq_s8(&c, tmc_wrap_add(a0, b), out_off, lo, hi);
    y[step] = tmc_rq_s8(&c, tmc_wrap_add(a1, b), out_off, lo, hi);
    y[2 * step] = tmc_rq_s8(&c, tmc_wrap_add(a2, b), out_off, lo, hi);
    y[3 * step] = tmc_rq_s8(&c, tmc_wrap_add(a3, b), out_off, lo, hi);
    return;
  }
  for (i = 0; i < n; ++i)
    y[(size_t)i * step] = tmc_rq_s8(&c, tmc_wrap_add(acc[i], b), out_off, lo, hi);
}

/* All output channels of np <= 4 pixels whose windows are x[0..3] (x[i]
 * for i >= np is a valid row whose results are dropped), to
 * y[i * oc_n + oc]. With TMC_CONV_PAIRS, full groups take filter rows in
 * pairs while both may run kp terms (conv_dot2: each widened weight serves
 * 8 products); then single rows. */
static void conv_pixels(const int8_t *w, int32_t k, int32_t kp,
                        int32_t oc_n, int32_t oc_full,
                        const int16_t *const *x, int32_t np,
                        const conv_rq *rq, int8_t *y) {
  const int16_t *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
  const size_t step = (size_t)oc_n;
  int32_t oc = 0;
  if (TMC_CONV_PAIRS && np == 4)
    for (; oc + 2 <= oc_full; oc += 2, w += 2 * (size_t)k) {
      int32_t acc[8];
      conv_dot2(w, (size_t)k, x0, x1, x2, x3, (size_t)kp, acc);
      requant_n(rq, oc, acc, 4, y + oc, step);
      requant_n(rq, oc + 1, acc + 4, 4, y + oc + 1, step);
    }
  for (; oc < oc_n; ++oc, w += k) {
    int32_t acc[4];
    conv_dot(w, x0, x1, x2, x3, (size_t)(oc < oc_full ? kp : k), acc);
    requant_n(rq, oc, acc, np, y + oc, step);
  }
}

static void conv_fast(const tmc_conv2d_params *p, const tmc_dims4 *in,
                      const int8_t *x, const tmc_dims4 *f, const int8_t *w,
                      const tmc_dims4 *out, int8_t *y, int16_t *xs) {
  const int32_t k = f->h * f->w * f->c, kp = pad_depth(k, TMC_CONV_KPAD);
  const int32_t oc_n = out->c;
  const size_t in_batch = (size_t)in->h * in->w * in->c;
  const size_t pixels = (size_t)out->n * out->h * out->w;
  const size_t w_n = (size_t)oc_n * (size_t)k;
  /* rows oc < oc_full can run kp terms from their start inside w */
  const int32_t oc_full =
      w_n >= (size_t)kp ? (int32_t)((w_n - (size_t)kp) / (size_t)k) + 1 : 0;
  const conv_rq rq = {p->rq_bias, p->rq_mult, p->rq_shift, p->output_offset,
                      p->act_min - p->output_offset, p->act_max - p->output_offset};
  int32_t b = 0, oy = 0, ox = 0, i;
  size_t p0;
  for (p0 = 0; p0 < pixels; p0 += TMC_CONV2D_PIXELS) {
    const int32_t np = pixels - p0 < TMC_CONV2D_PIXELS
                           ? (int32_t)(pixels - p0)
                           : TMC_CONV2D_PIXELS;
    const int16_t *r[TMC_CONV2D_PIXELS];
    for (i = 0; i < TMC_CONV2D_PIXELS; ++i) /* missing pixels: row 0 */
      r[i] = xs + (size_t)(i < np ? i : 0) * (size_t)kp;
    for (i = 0; i < np; ++i) {
      im2col_row(p, in, x + (size_t)b * in_batch, f, oy, ox, kp,
                 xs + (size_t)i * (size_t)kp);
      if (++ox == out->w) {
        ox = 0;
        if (++oy == out->h) {
          oy = 0;
          ++b;
        }
      }
    }
    conv_pixels(w, k, kp, oc_n, oc_full, r, np, &rq, y + p0 * (size_t)oc_n);
  }
}

/* acc[j] += sum over i < n of w_j[i] * (x[i] + off), j < 4 (filter rows
 * w, w + ws, w + 2ws, w + 3ws): the direct kernel's run of contiguous
 * taps, x + off formed once for the four rows. */
static inline void direct_run4(const int8_t *restrict w, size_t ws, const int8_t *restrict x,
                               int32_t n, int32_t off, int32_t *restrict acc) {
  const int8_t *w1 = w + ws, *w2 = w1 + ws, *w3 = w2 + ws;
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3], i;
  for (i = 0; i < n; ++i) {
    const int32_t xv = x[i] + off;
    s0 += w[i] * xv;
    s1 += w1[i] * xv;
    s2 += w2[i] * xv;
    s3 += w3[i] * xv;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

static inline int32_t direct_run1(const int8_t *restrict w, const int8_t *restrict x, int32_t n,
                                  int32_t off) {
  int32_t s = 0, i;
  for (i = 0; i < n; ++i) s += w[i] * (x[i] + off);
  return s;
}

/* The fast path's arithmetic without scratch (kernels.h): per output
 * pixel, the in-bounds taps of its window are read in place, in runs of
 * contiguous bytes (a filter row's columns inside the input, all
 * channels; one tap at a time when dilated), four output channels at a
 * time. All channels of a pixel are written after its whole window has
 * been read for each group of four (the planner's overlap rule:
 * WINDOW_PIXEL). */
void tmc_conv2d_s8_direct(const tmc_conv2d_params *p, const tmc_dims4 *in, const int8_t *x,
                          const tmc_dims4 *f, const int8_t *w, const int32_t *bias,
                          const tmc_dims4 *out, int8_t *y) {
  const int32_t c = in->c, off = p->input_offset, oc_n = out->c;
  const size_t k = (size_t)f->h * f->w * c, in_batch = (size_t)in->h * in->w * c;
  const conv_rq rq = {p->rq_bias, p->rq_mult, p->rq_shift, p->output_offset,
                      p->act_min - p->output_offset, p->act_max - p->output_offset};
  int32_t b, oy, ox, oc, ky, kx, ky0, ky1, kx0, kx1;
  (void)bias;
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in_batch;
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
      for (ox = 0; ox < out->w; ++ox, y += oc_n) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
        for (oc = 0; oc < oc_n; oc += 4) {
          const int32_t n_oc = oc_n - oc < 4 ? oc_n - oc : 4;
          const int8_t *wo = w + (size_t)oc * k;
          int32_t acc[4] = {0, 0, 0, 0}, j;
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *row = xb + (size_t)(iy0 + ky * p->dilation_h) * in->w * c;
            const int32_t run = p->dilation_w == 1 ? (kx1 - kx0) * c : c;
            const int32_t step = p->dilation_w == 1 ? (kx1 > kx0 ? kx1 - kx0 : 1) : 1;
            for (kx = kx0; kx < kx1; kx += step) {
              const int8_t *xs = row + (ptrdiff_t)(ix0 + kx * p->dilation_w) * c;
              const size_t wk = ((size_t)ky * f->w + (size_t)kx) * (size_t)c;
              if (n_oc == 4) {
                direct_run4(wo + wk, k, xs, run, off, acc);
              } else {
                for (j = 0; j < n_oc; ++j) acc[j] += direct_run1(wo + (size_t)j * k + wk, xs, run, off);
              }
            }
          }
          for (j = 0; j < n_oc; ++j) requant_n(&rq, oc + j, &acc[j], 1, y + oc + j, 1);
        }
      }
    }
  }
}

static inline int8_t requant_out(const tmc_conv2d_params *p, int32_t acc,
                                 int32_t oc) {
  acc = tmc_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
  return (int8_t)tmc_clamp_i32(acc, p->act_min, p->act_max);
}

/* 1x1 kernel, no padding, one group: every output pixel is a dot product of
 * one input pixel with each filter row. */
static void conv_pointwise(const tmc_conv2d_params *p, const tmc_dims4 *in,
                           const int8_t *x, const tmc_dims4 *f,
                           const int8_t *w, const int32_t *bias,
                           const tmc_dims4 *out, int8_t *y) {
  const int32_t ic_n = in->c, oc_n = out->c, off = p->input_offset;
  int32_t b, oy, ox, oc, ic;
  (void)f;
  for (b = 0; b < out->n; ++b) {
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy = oy * p->stride_h;
      for (ox = 0; ox < out->w; ++ox) {
        const int32_t ix = ox * p->stride_w;
        const int8_t *px = x + (((size_t)b * in->h + iy) * in->w + ix) * ic_n;
        const int8_t *pw = w;
        for (oc = 0; oc < oc_n; ++oc, pw += ic_n) {
          int32_t acc = 0;
          for (ic = 0; ic < ic_n; ++ic) acc += pw[ic] * (px[ic] + off);
          if (bias) acc = tmc_wrap_add(acc, bias[oc]); /* TFLite's int32 add, wrapping */
          *y++ = requant_out(p, acc, oc);
        }
      }
    }
  }
}

void tmc_conv2d_s8(const tmc_conv2d_params *p, const tmc_dims4 *in,
                   const int8_t *x, const tmc_dims4 *f, const int8_t *w,
                   const int32_t *bias, const tmc_dims4 *out, int8_t *y,
                   void *scratch) {
  const int32_t fc = f->c; /* input channels per group */
  const int32_t groups = in->c / fc;
  const int32_t per_group = out->c / groups;
  const int32_t off = p->input_offset;
  int32_t oc;

  if (p->rq_bias != NULL && groups == 1) {
    conv_fast(p, in, x, f, w, out, y, (int16_t *)scratch);
    return;
  }

  if (f->h == 1 && f->w == 1 && groups == 1 && p->pad_top == 0 &&
      p->pad_left == 0 &&
      (out->h - 1) * p->stride_h < in->h && (out->w - 1) * p->stride_w < in->w) {
    conv_pointwise(p, in, x, f, w, bias, out, y);
    return;
  }

  TMC_WINDOW_EACH(p, in, f, out, {
    for (oc = 0; oc < out->c; ++oc) {
      const int32_t c0 = (oc / per_group) * fc;
      int32_t acc = 0, ky, kx, ic;
      for (ky = ky0; ky < ky1; ++ky) {
        const int32_t iy = iy0 + ky * p->dilation_h;
        for (kx = kx0; kx < kx1; ++kx) {
          const int32_t ix = ix0 + kx * p->dilation_w;
          const int8_t *px =
              x + (((size_t)b * in->h + iy) * in->w + ix) * in->c + c0;
          const int8_t *pw = w + (((size_t)oc * f->h + ky) * f->w + kx) * fc;
          for (ic = 0; ic < fc; ++ic) acc += pw[ic] * (px[ic] + off);
        }
      }
      if (bias) acc = tmc_wrap_add(acc, bias[oc]); /* TFLite's int32 add, wrapping */
      *y++ = requant_out(p, acc, oc);
    }
  });
}
