/* transpose_conv.c - int8 TRANSPOSE_CONV, bit-exact with TFLite's
 * reference_integer_ops::TransposeConv. TFLite scatters every input pixel
 * into an int32 buffer of the output's size; here each output gathers the
 * inputs that scatter onto it (iy*stride - pad + ky == oy), which sums the
 * same int32 terms, so no scratch is needed. */
#include "kernels.h"
#include "requant.h"

size_t tmc_transpose_conv_s8_scratch_bytes(const tmc_dims4 *output) {
  (void)output;
  return 0;
}

void tmc_transpose_conv_s8(const tmc_transpose_conv_params *p,
                           const tmc_dims4 *in, const int8_t *x,
                           const tmc_dims4 *f, const int8_t *w,
                           const int32_t *bias, const tmc_dims4 *out,
                           int8_t *y, void *scratch) {
  const int32_t off = p->input_offset, ic_n = in->c;
  int32_t b, oy, ox, oc;
  (void)scratch;
  for (b = 0; b < out->n; ++b) {
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t ty = oy + p->pad_top; /* == iy * stride + ky */
      for (ox = 0; ox < out->w; ++ox) {
        const int32_t tx = ox + p->pad_left;
        for (oc = 0; oc < out->c; ++oc) {
          int32_t acc = 0, ky, kx, ic;
          /* ky == ty (mod stride), 0 <= ky < kh, 0 <= iy < in.h */
          /* Each loop stops before its next index would pass ty (tx): a
           * stride near INT32_MAX would overflow the increment. */
          for (ky = ty % p->stride_h; ky < f->h && ky <= ty; ky += p->stride_h) {
            const int32_t iy = (ty - ky) / p->stride_h;
            if (iy < in->h) {
              for (kx = tx % p->stride_w; kx < f->w && kx <= tx; kx += p->stride_w) {
                const int32_t ix = (tx - kx) / p->stride_w;
                if (ix < in->w) {
                  const int8_t *px = x + (((size_t)b * in->h + iy) * in->w + ix) * ic_n;
                  const int8_t *pw = w + (((size_t)oc * f->h + ky) * f->w + kx) * ic_n;
                  for (ic = 0; ic < ic_n; ++ic) acc += (px[ic] + off) * pw[ic];
                }
                if (p->stride_w > tx - kx) break;
              }
            }
            if (p->stride_h > ty - ky) break;
          }
          if (bias) acc = tmc_wrap_add(acc, bias[oc]); /* TFLite's int32 add, wrapping */
          acc = tmc_mbqm(acc, p->multiplier[oc], p->shift[oc]) +
                p->output_offset;
          *y++ = (int8_t)tmc_clamp_i32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}
