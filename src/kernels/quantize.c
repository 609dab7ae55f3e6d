/* quantize.c - QUANTIZE: float32 -> int8 (TFLite AffineQuantize: float
 * division by the scale, roundf ties away from zero, + zero point, clamp)
 * and int8 -> int8 (TFLite Requantize: integer multiplier). */
#include <math.h>

#include "kernels.h"
#include "requant.h"

void tmc_quantize_f32_s8(const tmc_quantize_params *p, int32_t size,
                         const float *x, int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    float r = roundf(x[i] / p->scale);
    /* TFLite converts to int32 unchecked (undefined beyond 2^31); clamp
     * first so out-of-range values saturate and NaN gives the zero point. */
    if (!(r > -1.0e6f)) r = (r != r) ? 0.0f : -1.0e6f;
    if (r > 1.0e6f) r = 1.0e6f;
    y[i] = tmc_sat_s8((int32_t)r + p->zero_point);
  }
}

void tmc_requantize_s8(const tmc_requantize_params *p, int32_t size,
                       const int8_t *x, int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = tmc_mbqm(x[i] - p->input_zero_point, p->multiplier,
                               p->shift) +
                      p->output_zero_point;
    y[i] = tmc_sat_s8(v);
  }
}
