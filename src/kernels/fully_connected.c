/* fully_connected.c - int8 FULLY_CONNECTED, bit-exact with TFLite's
 * reference_integer_ops::FullyConnected (per-tensor: acc += (w + w_off) *
 * (x + x_off)) and FullyConnectedPerChannel (per-output multiplier). */
#include "kernels.h"
#include "requant.h"

void tmc_fully_connected_s8(const tmc_fully_connected_params *p,
                            int32_t batches, int32_t accum_depth,
                            const int8_t *x, int32_t out_depth,
                            const int8_t *w, const int32_t *bias, int8_t *y,
                            void *scratch) {
  const int32_t xo = p->input_offset, wo = p->filter_offset;
  int32_t b, o, d;
  (void)scratch;
  for (b = 0; b < batches; ++b) {
    const int8_t *px = x + (size_t)b * accum_depth;
    for (o = 0; o < out_depth; ++o) {
      const int8_t *pw = w + (size_t)o * accum_depth;
      const int32_t ch = p->per_channel ? o : 0;
      int32_t acc = 0;
      if (wo == 0) {
        for (d = 0; d < accum_depth; ++d) acc += pw[d] * (px[d] + xo);
      } else {
        for (d = 0; d < accum_depth; ++d)
          acc += (pw[d] + wo) * (px[d] + xo);
      }
      if (bias) acc += bias[o];
      acc = tmc_mbqm(acc, p->multiplier[ch], p->shift[ch]) + p->output_offset;
      *y++ = (int8_t)tmc_clamp_i32(acc, p->act_min, p->act_max);
    }
  }
}
