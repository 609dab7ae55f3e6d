/* depthwise_conv2d.c - int8 DEPTHWISE_CONV_2D, bit-exact with TFLite's
 * reference_integer_ops::DepthwiseConvPerChannel: output channel
 * oc = ic * depth_multiplier + m accumulates w[ky][kx][oc] * (x[ic] + offset)
 * over in-bounds taps, + bias, per-channel requantization, clamp. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

void tmc_depthwise_conv2d_s8(const tmc_depthwise_conv2d_params *p,
                             const tmc_dims4 *in, const int8_t *x,
                             const tmc_dims4 *f, const int8_t *w,
                             const int32_t *bias, const tmc_dims4 *out,
                             int8_t *y, void *scratch) {
  const int32_t dm = p->depth_multiplier, off = p->input_offset;
  const int32_t oc_n = out->c;
  int32_t b, oy, ox, ic, m;
  (void)scratch;
  for (b = 0; b < out->n; ++b) {
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
      for (ox = 0; ox < out->w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
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
            if (bias) acc += bias[oc];
            acc = tmc_mbqm(acc, p->multiplier[oc], p->shift[oc]) +
                  p->output_offset;
            y[(((size_t)b * out->h + oy) * out->w + ox) * oc_n + oc] =
                (int8_t)tmc_clamp_i32(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}

size_t tmc_depthwise_conv2d_s8_inplace_scratch_bytes(const tmc_dims4 *input) {
  return (size_t)input->h * (size_t)input->w;
}

void tmc_depthwise_conv2d_s8_inplace(const tmc_depthwise_conv2d_params *p,
                                     const tmc_dims4 *in, const int8_t *x,
                                     const tmc_dims4 *f, const int8_t *w,
                                     const int32_t *bias,
                                     const tmc_dims4 *out, int8_t *y,
                                     void *scratch) {
  int8_t *plane = (int8_t *)scratch;
  const int32_t c_n = in->c, off = p->input_offset;
  int32_t b, c, i, oy, ox;
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in->h * in->w * c_n;
    int8_t *yb = y + (size_t)b * out->h * out->w * c_n;
    for (c = 0; c < c_n; ++c) {
      /* 1. save input channel c (its bytes are about to be overwritten) */
      for (i = 0; i < in->h * in->w; ++i) plane[i] = xb[(size_t)i * c_n + c];
      /* 2. compute output channel c from the saved plane */
      for (oy = 0; oy < out->h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        int32_t ky0, ky1;
        tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
        for (ox = 0; ox < out->w; ++ox) {
          const int32_t ix0 = ox * p->stride_w - p->pad_left;
          int32_t kx0, kx1, ky, kx, acc = 0;
          tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *row =
                plane + (size_t)(iy0 + ky * p->dilation_h) * in->w;
            const int8_t *wrow = w + (size_t)ky * f->w * c_n + c;
            for (kx = kx0; kx < kx1; ++kx)
              acc += wrow[(size_t)kx * c_n] *
                     (row[ix0 + kx * p->dilation_w] + off);
          }
          if (bias) acc += bias[c];
          acc = tmc_mbqm(acc, p->multiplier[c], p->shift[c]) +
                p->output_offset;
          yb[((size_t)oy * out->w + ox) * c_n + c] =
              (int8_t)tmc_clamp_i32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}
