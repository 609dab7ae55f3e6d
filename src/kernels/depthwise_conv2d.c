/* depthwise_conv2d.c - int8 DEPTHWISE_CONV_2D, bit-exact with TFLite's
 * reference_integer_ops::DepthwiseConvPerChannel: output channel
 * oc = ic * depth_multiplier + m accumulates w[ky][kx][oc] * (x[ic] + offset)
 * over in-bounds taps, + bias, per-channel requantization, clamp.
 *
 * Packed path (depth_multiplier 1, p->packed_filter set): per output pixel,
 * channels in blocks of 16 (then 8, then single channels) are accumulated
 * in int32 over the in-bounds taps with channel-innermost loops of constant
 * length that compilers vectorize. Each product w * (x + offset) fits in
 * int16 (|w| <= 128, |x + offset| <= 255), so it is formed in 16 bits and
 * widened; the sums are the reference's. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* Output channels [c, c + n) of one output pixel; n is a constant after
 * inlining (16, 8 or 1). */
static inline void dw_block(const tmc_depthwise_conv2d_params *p,
                            const int8_t *xb, int32_t in_w, int32_t c_n,
                            int32_t f_w, int32_t iy0, int32_t ky0,
                            int32_t ky1, int32_t ix0, int32_t kx0,
                            int32_t kx1, int32_t c, int32_t n,
                            int8_t *yp) {
  const int32_t off = p->input_offset, out_off = p->output_offset;
  const int16_t *wc = p->packed_filter + c;
  const tmc_requant_ch *rq = p->requant + c;
  int32_t acc[16];
  int32_t ky, kx, j;
  for (j = 0; j < n; ++j) acc[j] = 0;
  for (ky = ky0; ky < ky1; ++ky) {
    const int8_t *row =
        xb + (size_t)(iy0 + ky * p->dilation_h) * in_w * c_n + c;
    const int16_t *wrow = wc + (size_t)ky * f_w * c_n;
    for (kx = kx0; kx < kx1; ++kx) {
      const int8_t *xp = row + (ptrdiff_t)(ix0 + kx * p->dilation_w) * c_n;
      const int16_t *wp = wrow + (size_t)kx * c_n;
      for (j = 0; j < n; ++j)
        acc[j] += (int16_t)(wp[j] * (int16_t)(xp[j] + off));
    }
  }
  for (j = 0; j < n; ++j)
    yp[j] = (int8_t)tmc_clamp_i32(tmc_requant_apply(&rq[j], acc[j]) + out_off,
                                  p->act_min, p->act_max);
}

static void dw_packed(const tmc_depthwise_conv2d_params *p,
                      const tmc_dims4 *in, const int8_t *x,
                      const tmc_dims4 *f, const tmc_dims4 *out, int8_t *y) {
  const int32_t c_n = in->c;
  int32_t b, oy, ox, c;
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in->h * in->w * c_n;
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
      for (ox = 0; ox < out->w; ++ox, y += c_n) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
        for (c = 0; c + 16 <= c_n; c += 16)
          dw_block(p, xb, in->w, c_n, f->w, iy0, ky0, ky1, ix0, kx0, kx1, c,
                   16, y + c);
        if (c + 8 <= c_n) {
          dw_block(p, xb, in->w, c_n, f->w, iy0, ky0, ky1, ix0, kx0, kx1, c,
                   8, y + c);
          c += 8;
        }
        for (; c < c_n; ++c)
          dw_block(p, xb, in->w, c_n, f->w, iy0, ky0, ky1, ix0, kx0, kx1, c,
                   1, y + c);
      }
    }
  }
}

void tmc_depthwise_conv2d_s8(const tmc_depthwise_conv2d_params *p,
                             const tmc_dims4 *in, const int8_t *x,
                             const tmc_dims4 *f, const int8_t *w,
                             const int32_t *bias, const tmc_dims4 *out,
                             int8_t *y, void *scratch) {
  const int32_t dm = p->depth_multiplier, off = p->input_offset;
  const int32_t oc_n = out->c;
  int32_t b, oy, ox, ic, m;
  (void)scratch;
  if (p->packed_filter != NULL && dm == 1) {
    dw_packed(p, in, x, f, out, y);
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
