/* resize_nearest.c - int8 RESIZE_NEAREST_NEIGHBOR, bit-exact with TFLite's
 * reference_ops::ResizeNearestNeighbor; the source index is computed in
 * float exactly as TFLite's GetNearestNeighbor. */
#include <math.h>
#include <string.h>

#include "kernels.h"

static int32_t nearest(int32_t v, int32_t in_size, int32_t out_size,
                       int32_t align_corners, int32_t half_pixel_centers) {
  const float scale = (align_corners && out_size > 1)
                          ? (float)(in_size - 1) / (float)(out_size - 1)
                          : (float)in_size / (float)out_size;
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  const float s = ((float)v + offset) * scale;
  int32_t r = align_corners ? (int32_t)roundf(s) : (int32_t)floorf(s);
  if (r > in_size - 1) r = in_size - 1;
  if (half_pixel_centers && r < 0) r = 0;
  return r;
}

void tmc_resize_nearest_s8(const tmc_resize_params *p, const tmc_dims4 *in,
                           const int8_t *x, const tmc_dims4 *out, int8_t *y) {
  const size_t depth = (size_t)in->c;
  int32_t b, oy, ox;
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in->h * in->w * depth;
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy = nearest(oy, in->h, out->h, p->align_corners,
                                 p->half_pixel_centers);
      for (ox = 0; ox < out->w; ++ox) {
        const int32_t ix = nearest(ox, in->w, out->w, p->align_corners,
                                   p->half_pixel_centers);
        memcpy(y, xb + ((size_t)iy * in->w + ix) * depth, depth);
        y += depth;
      }
    }
  }
}
