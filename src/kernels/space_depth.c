/* space_depth.c - int8 DEPTH_TO_SPACE and SPACE_TO_DEPTH (TFLite's
 * reference DepthToSpace / SpaceToDepth, DCR order): pure data movement,
 * one contiguous run of channels per pixel. */
#include <string.h>

#include "kernels.h"

void tmc_depth_to_space_s8(const tmc_space_depth_params *p, const tmc_dims4 *in,
                           const int8_t *x, const tmc_dims4 *out, int8_t *y) {
  const int32_t b = p->block_size, c = out->c;
  int32_t n, oy, ox;
  for (n = 0; n < out->n; ++n)
    for (oy = 0; oy < out->h; ++oy)
      for (ox = 0; ox < out->w; ++ox) {
        const int8_t *src =
            x + (((size_t)n * in->h + oy / b) * in->w + ox / b) * in->c +
            (size_t)((oy % b) * b + ox % b) * c;
        memcpy(y, src, (size_t)c);
        y += c;
      }
}

void tmc_space_to_depth_s8(const tmc_space_depth_params *p, const tmc_dims4 *in,
                           const int8_t *x, const tmc_dims4 *out, int8_t *y) {
  const int32_t b = p->block_size, c = in->c;
  int32_t n, iy, ix;
  for (n = 0; n < in->n; ++n)
    for (iy = 0; iy < in->h; ++iy)
      for (ix = 0; ix < in->w; ++ix) {
        int8_t *dst =
            y + (((size_t)n * out->h + iy / b) * out->w + ix / b) * out->c +
            (size_t)((iy % b) * b + ix % b) * c;
        memcpy(dst, x, (size_t)c);
        x += c;
      }
}
