/* resize_bilinear.c - int8 RESIZE_BILINEAR, bit-exact with TFLite's
 * reference_ops::ResizeBilinearInteger (the path TFLM takes for int8):
 * source coordinates in 10-bit fixed point, four-tap weights, 20-bit
 * product rounded half away from zero (double-rounding build). */
#include "kernels.h"

static void coord(int32_t v, int32_t scale_10, int32_t half_pixel_centers,
                  int32_t in_size, int32_t *scaled, int32_t *lo,
                  int32_t *hi) {
  int32_t s, l, h;
  if (half_pixel_centers)
    s = v * scale_10 + scale_10 / 2 - (1 << 9);
  else
    s = v * scale_10;
  l = s / (1 << 10);
  if (l < 0) l = 0;
  h = (s + (1 << 10) - 1) / (1 << 10);
  if (h > in_size - 1) h = in_size - 1;
  *scaled = s;
  *lo = l;
  *hi = h;
}

void tmc_resize_bilinear_s8(const tmc_resize_params *p, const tmc_dims4 *in,
                            const int8_t *x, const tmc_dims4 *out,
                            int8_t *y) {
  int32_t hs = ((1 << 10) * in->h + out->h / 2) / out->h;
  int32_t ws = ((1 << 10) * in->w + out->w / 2) / out->w;
  const int32_t c_n = in->c;
  int32_t b, oy, ox, c;
  if (p->align_corners && out->h > 1)
    hs = ((1 << 10) * (in->h - 1) + (out->h - 1) / 2) / (out->h - 1);
  if (p->align_corners && out->w > 1)
    ws = ((1 << 10) * (in->w - 1) + (out->w - 1) / 2) / (out->w - 1);
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in->h * in->w * c_n;
    for (oy = 0; oy < out->h; ++oy) {
      int32_t sy, y0, y1, wy1, wy0;
      coord(oy, hs, p->half_pixel_centers, in->h, &sy, &y0, &y1);
      wy1 = sy - (1 << 10) * y0;
      wy0 = (1 << 10) - wy1;
      for (ox = 0; ox < out->w; ++ox) {
        int32_t sx, x0, x1, wx1, wx0;
        const int8_t *p00, *p10, *p01, *p11;
        coord(ox, ws, p->half_pixel_centers, in->w, &sx, &x0, &x1);
        wx1 = sx - (1 << 10) * x0;
        wx0 = (1 << 10) - wx1;
        p00 = xb + ((size_t)y0 * in->w + x0) * c_n;
        p10 = xb + ((size_t)y1 * in->w + x0) * c_n;
        p01 = xb + ((size_t)y0 * in->w + x1) * c_n;
        p11 = xb + ((size_t)y1 * in->w + x1) * c_n;
        for (c = 0; c < c_n; ++c) {
          const int64_t o20 = (int64_t)p00[c] * wy0 * wx0 +
                              (int64_t)p10[c] * wy1 * wx0 +
                              (int64_t)p01[c] * wy0 * wx1 +
                              (int64_t)p11[c] * wy1 * wx1;
          const int64_t round = o20 > 0 ? (1 << 19) : -(1 << 19);
          *y++ = (int8_t)((o20 + round) / (1 << 20));
        }
      }
    }
  }
}
