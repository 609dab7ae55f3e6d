/* conv_s16.c - the 16x8 conv-like kernels (kernels.h): CONV_2D,
 * DEPTHWISE_CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED with int16
 * activations and int8 weights, bit-exact with TFLite's reference
 * 16-bit kernels. Plain loops: the exact int64 sum of a channel's taps is
 * formed first, then finish() adds the bias and requantizes. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* Output channel c from the exact sum of its taps' products. The int32
 * form reduces the sum modulo 2^32 first, which is what TFLite's wrapping
 * int32 accumulator holds after the same additions. */
static int16_t finish(const tmc_conv_s16_params *p, int32_t c, int64_t sum) {
  int32_t v;
  if (p->bias64) {
    v = tmc_mbqm64(sum + p->bias64[c], p->multiplier[c], p->shift[c]);
  } else {
    uint32_t a = (uint32_t)(uint64_t)sum;
    if (p->bias32) a += (uint32_t)p->bias32[c];
    v = tmc_mbqm((int32_t)a, p->multiplier[c], p->shift[c]);
  }
  return (int16_t)tmc_clamp_i32(v, p->act_min, p->act_max);
}

void tmc_conv2d_s16(const tmc_conv_s16_params *p, const tmc_dims4 *in,
                    const int16_t *x, const tmc_dims4 *f, const int8_t *w,
                    const tmc_dims4 *out, int16_t *y) {
  TMC_WINDOW_EACH(p, in, f, out, {
    int32_t oc, ky, kx, ic;
    for (oc = 0; oc < out->c; ++oc) {
      int64_t sum = 0;
      for (ky = ky0; ky < ky1; ++ky)
        for (kx = kx0; kx < kx1; ++kx) {
          const int16_t *px = x + (((size_t)b * in->h + (size_t)(iy0 + ky * p->dilation_h)) *
                                       in->w + (size_t)(ix0 + kx * p->dilation_w)) * in->c;
          const int8_t *pw = w + (((size_t)oc * f->h + (size_t)ky) * f->w + (size_t)kx) * f->c;
          for (ic = 0; ic < f->c; ++ic) sum += (int32_t)pw[ic] * px[ic];
        }
      *y++ = finish(p, oc, sum);
    }
  });
}

void tmc_depthwise_conv2d_s16(const tmc_conv_s16_params *p, const tmc_dims4 *in,
                              const int16_t *x, const tmc_dims4 *f, const int8_t *w,
                              const tmc_dims4 *out, int16_t *y) {
  TMC_WINDOW_EACH(p, in, f, out, {
    int32_t oc, ky, kx;
    for (oc = 0; oc < out->c; ++oc) {
      const int32_t ic = oc / p->depth_multiplier;
      int64_t sum = 0;
      for (ky = ky0; ky < ky1; ++ky)
        for (kx = kx0; kx < kx1; ++kx) {
          const size_t at = (((size_t)b * in->h + (size_t)(iy0 + ky * p->dilation_h)) * in->w +
                             (size_t)(ix0 + kx * p->dilation_w)) * in->c + (size_t)ic;
          sum += (int32_t)w[((size_t)ky * f->w + (size_t)kx) * f->c + (size_t)oc] * x[at];
        }
      *y++ = finish(p, oc, sum);
    }
  });
}

void tmc_transpose_conv_s16(const tmc_conv_s16_params *p, const tmc_dims4 *in,
                            const int16_t *x, const tmc_dims4 *f, const int8_t *w,
                            const tmc_dims4 *out, int16_t *y) {
  int32_t b, oy, ox, oc, ky, kx, ic;
  for (b = 0; b < out->n; ++b)
    for (oy = 0; oy < out->h; ++oy)
      for (ox = 0; ox < out->w; ++ox)
        for (oc = 0; oc < out->c; ++oc) {
          int64_t sum = 0;
          /* input pixel (iy, ix) reaches output (iy * stride - pad + ky, ...) */
          for (ky = 0; ky < f->h; ++ky) {
            const int32_t ty = oy + p->pad_top - ky;
            if (ty < 0 || ty % p->stride_h != 0 || ty / p->stride_h >= in->h) continue;
            for (kx = 0; kx < f->w; ++kx) {
              const int32_t tx = ox + p->pad_left - kx;
              if (tx < 0 || tx % p->stride_w != 0 || tx / p->stride_w >= in->w) continue;
              const int16_t *px = x + (((size_t)b * in->h + (size_t)(ty / p->stride_h)) *
                                           in->w + (size_t)(tx / p->stride_w)) * in->c;
              const int8_t *pw =
                  w + (((size_t)oc * f->h + (size_t)ky) * f->w + (size_t)kx) * f->c;
              for (ic = 0; ic < f->c; ++ic) sum += (int32_t)pw[ic] * px[ic];
            }
          }
          *y++ = finish(p, oc, sum);
        }
}

void tmc_fully_connected_s16(const tmc_conv_s16_params *p, int32_t outer, int32_t depth,
                             const int16_t *x, int32_t units, const int8_t *w,
                             int16_t *y) {
  int32_t r, u, d;
  for (r = 0; r < outer; ++r)
    for (u = 0; u < units; ++u) {
      int64_t sum = 0;
      for (d = 0; d < depth; ++d)
        sum += (int32_t)w[(size_t)u * depth + (size_t)d] * x[(size_t)r * depth + (size_t)d];
      *y++ = finish(p, u, sum);
    }
}
