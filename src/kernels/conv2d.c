/* conv2d.c - int8 CONV_2D, bit-exact with TFLite's reference_integer_ops::
 * ConvPerChannel: int32 accumulation of w * (x + input_offset) over the taps
 * inside the input, + bias, per-channel requantization, + output offset,
 * activation clamp. Explicit per-side padding; grouped filters supported.
 *
 * Packed path (one group, p->packed_filter set): per output pixel, the
 * window is widened into an int16 row of the scratch (x + input_offset;
 * taps outside the input are 0, so they add nothing, as in the reference;
 * zero tail up to a multiple of 8), then each group of 4 output channels is
 * 4 dot products of that row with int16 filter rows: one loop over a
 * multiple of 8 that compilers vectorize (x86: pmaddwd). Integer sums in any
 * order are the same, so the result is the reference's bit for bit. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

static int32_t packed_depth(const tmc_dims4 *filter) {
  return (filter->h * filter->w * filter->c + 7) & ~7;
}

size_t tmc_conv2d_s8_scratch_bytes(const tmc_dims4 *input,
                                   const tmc_dims4 *filter,
                                   const tmc_dims4 *output) {
  (void)output;
  if (filter->c != input->c) return 0; /* grouped: plain path */
  return (size_t)packed_depth(filter) * sizeof(int16_t);
}

static inline void zero_s16(int16_t *d, int32_t n) {
  int32_t i;
  for (i = 0; i < n; ++i) d[i] = 0;
}

/* acc[j] = sum over k < len of w[j*stride + k] * x[k], j < 4; len is a
 * multiple of 8 (the mask tells the compiler so: no scalar epilogue). */
static inline void dot4_s16(const int16_t *restrict w, size_t stride,
                            const int16_t *restrict x, size_t len,
                            int32_t *restrict acc) {
  const int16_t *w0 = w, *w1 = w + stride, *w2 = w1 + stride,
                *w3 = w2 + stride;
  const size_t n = len & ~(size_t)7;
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t k;
  for (k = 0; k < n; ++k) {
    const int32_t xv = x[k];
    s0 += w0[k] * xv;
    s1 += w1[k] * xv;
    s2 += w2[k] * xv;
    s3 += w3[k] * xv;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

/* The window of output pixel (b, oy, ox) as int16 x + off, zero-padded. */
static void im2col_row(const tmc_conv2d_params *p, const tmc_dims4 *in,
                       const int8_t *xb, const tmc_dims4 *f, int32_t iy0,
                       int32_t ky0, int32_t ky1, int32_t ix0, int32_t kx0,
                       int32_t kx1, int16_t *d) {
  const int32_t c = in->c, off = p->input_offset, row_n = f->w * c;
  const int32_t k = f->h * row_n;
  int32_t ky, kx;
  if (ky0 == 0 && ky1 == f->h && kx0 == 0 && kx1 == f->w &&
      p->dilation_w == 1) { /* interior: kh contiguous runs */
    const int8_t *row = xb + ((size_t)iy0 * in->w + ix0) * c;
    const size_t row_step = (size_t)p->dilation_h * in->w * c;
    for (ky = 0; ky < f->h; ++ky, d += row_n, row += row_step)
      tmc_widen_s8(d, row, row_n, off);
    if (packed_depth(f) > k) zero_s16(d, packed_depth(f) - k);
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
  zero_s16(d, packed_depth(f) - k);
}

static void conv_packed(const tmc_conv2d_params *p, const tmc_dims4 *in,
                        const int8_t *x, const tmc_dims4 *f,
                        const tmc_dims4 *out, int8_t *y, int16_t *xs) {
  const int32_t oc_n = out->c, kd = packed_depth(f);
  const int32_t out_off = p->output_offset, lo = p->act_min - out_off,
                hi = p->act_max - out_off;
  const tmc_requant_ch *rq = p->requant;
  int32_t b, oy, ox, oc;
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in->h * in->w * in->c;
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
      for (ox = 0; ox < out->w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        const int16_t *w = p->packed_filter;
        int32_t kx0, kx1;
        tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
        im2col_row(p, in, xb, f, iy0, ky0, ky1, ix0, kx0, kx1, xs);
        for (oc = 0; oc + 4 <= oc_n; oc += 4, w += 4 * (size_t)kd) {
          int32_t acc[4];
          dot4_s16(w, (size_t)kd, xs, (size_t)kd, acc);
          y[oc] = tmc_requant_s8(&rq[oc], acc[0], out_off, lo, hi);
          y[oc + 1] = tmc_requant_s8(&rq[oc + 1], acc[1], out_off, lo, hi);
          y[oc + 2] = tmc_requant_s8(&rq[oc + 2], acc[2], out_off, lo, hi);
          y[oc + 3] = tmc_requant_s8(&rq[oc + 3], acc[3], out_off, lo, hi);
        }
        if (oc < oc_n) { /* last 1..3 channels: rows padded to 4 */
          int32_t acc[4], j;
          dot4_s16(w, (size_t)kd, xs, (size_t)kd, acc);
          for (j = 0; oc + j < oc_n; ++j)
            y[oc + j] = tmc_requant_s8(&rq[oc + j], acc[j], out_off, lo, hi);
        }
        y += oc_n;
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
          if (bias) acc += bias[oc];
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
  int32_t b, oy, ox, oc;

  if (p->packed_filter != NULL && groups == 1) {
    conv_packed(p, in, x, f, out, y, (int16_t *)scratch);
    return;
  }

  if (f->h == 1 && f->w == 1 && groups == 1 && p->pad_top == 0 &&
      p->pad_left == 0 &&
      (out->h - 1) * p->stride_h < in->h && (out->w - 1) * p->stride_w < in->w) {
    conv_pointwise(p, in, x, f, w, bias, out, y);
    return;
  }

  for (b = 0; b < out->n; ++b) {
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
      for (ox = 0; ox < out->w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
        for (oc = 0; oc < out->c; ++oc) {
          const int32_t c0 = (oc / per_group) * fc;
          int32_t acc = 0, ky, kx, ic;
          for (ky = ky0; ky < ky1; ++ky) {
            const int32_t iy = iy0 + ky * p->dilation_h;
            for (kx = kx0; kx < kx1; ++kx) {
              const int32_t ix = ix0 + kx * p->dilation_w;
              const int8_t *px =
                  x + (((size_t)b * in->h + iy) * in->w + ix) * in->c + c0;
              const int8_t *pw =
                  w + (((size_t)oc * f->h + ky) * f->w + kx) * fc;
              for (ic = 0; ic < fc; ++ic) acc += pw[ic] * (px[ic] + off);
            }
          }
          if (bias) acc += bias[oc];
          *y++ = requant_out(p, acc, oc);
        }
      }
    }
  }
}
