/* conv2d.c - int8 CONV_2D, bit-exact with TFLite's reference_integer_ops::
 * ConvPerChannel: int32 accumulation of w * (x + input_offset) over the taps
 * inside the input, + bias, per-channel requantization, + output offset,
 * activation clamp. Explicit per-side padding; grouped filters supported. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

size_t tmc_conv2d_s8_scratch_bytes(const tmc_dims4 *input,
                                   const tmc_dims4 *filter,
                                   const tmc_dims4 *output) {
  (void)input;
  (void)filter;
  (void)output;
  return 0;
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
  (void)scratch;

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
