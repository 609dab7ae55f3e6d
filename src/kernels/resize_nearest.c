/* resize_nearest.c - int8 RESIZE_NEAREST_NEIGHBOR, bit-exact with TFLite's
 * reference_ops::ResizeNearestNeighbor: a copy of whole pixels through the
 * source-index tables tmc_resize_nearest_prepare computed at compile time. */
#include <string.h>

#include "kernels.h"

void tmc_resize_nearest_s8(const tmc_resize_nearest_params *p, const tmc_dims4 *in,
                           const int8_t *x, const tmc_dims4 *out, int8_t *y) {
  const size_t depth = (size_t)in->c;
  int32_t b, oy, ox;
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in->h * in->w * depth;
    for (oy = 0; oy < out->h; ++oy) {
      const int8_t *row = xb + (size_t)p->src_y[oy] * in->w * depth;
      for (ox = 0; ox < out->w; ++ox) {
        memcpy(y, row + (size_t)p->src_x[ox] * depth, depth);
        y += depth;
      }
    }
  }
}
