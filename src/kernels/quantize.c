/* quantize.c - QUANTIZE: float32 -> int8 (TFLite AffineQuantize: float
 * division by the scale, roundf ties away from zero, + zero point, clamp)
 * and int8 -> int8 (TFLite Requantize: integer multiplier). */
#include <math.h>

#include "kernels.h"
#include "requant.h"

/* round(x / scale) + zero point, clamped to [lo, hi]. */
static inline int32_t quantize_one(const tmc_quantize_params *p, float x, int32_t lo,
                                   int32_t hi) {
  float r = roundf(x / p->scale);
  /* TFLite converts to int32 unchecked (undefined beyond 2^31); clamp
   * first so out-of-range values saturate and NaN gives the zero point. */
  if (!(r > -1.0e6f)) r = (r != r) ? 0.0f : -1.0e6f;
  if (r > 1.0e6f) r = 1.0e6f;
  return tmc_clamp_i32((int32_t)r + p->zero_point, lo, hi);
}

void tmc_quantize_f32_s8(const tmc_quantize_params *p, int32_t size,
                         const float *x, int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = (int8_t)quantize_one(p, x[i], -128, 127);
}

void tmc_quantize_f32_s16(const tmc_quantize_params *p, int32_t size,
                          const float *x, int16_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = (int16_t)quantize_one(p, x[i], -32768, 32767);
}

/* TFLite's Requantize of one element: (x - input zp) rescaled, plus the
 * output zp (both wrapping in int32, as TFLite's int32 arithmetic), clamped
 * to the output type's range [lo, hi]. */
static inline int32_t requantize_one(const tmc_requantize_params *p, int32_t x, int32_t lo,
                                     int32_t hi) {
  const int32_t v = tmc_wrap_add(
      tmc_mbqm(tmc_wrap_sub(x, p->input_zero_point), p->multiplier, p->shift),
      p->output_zero_point);
  return tmc_clamp_i32(v, lo, hi);
}

void tmc_requantize_s8(const tmc_requantize_params *p, int32_t size,
                       const int8_t *x, int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = (int8_t)requantize_one(p, x[i], -128, 127);
}

void tmc_requantize(const tmc_requantize_wide_params *p, int32_t size, const void *x,
                    void *y) {
  const tmc_requantize_params r = {p->input_zero_point, p->output_zero_point, p->multiplier,
                                   p->shift};
  const int32_t lo = p->out_bytes == 1 ? -128 : p->out_bytes == 2 ? -32768 : INT32_MIN;
  const int32_t hi = p->out_bytes == 1 ? 127 : p->out_bytes == 2 ? 32767 : INT32_MAX;
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = p->in_bytes == 1   ? ((const int8_t *)x)[i]
                      : p->in_bytes == 2 ? ((const int16_t *)x)[i]
                                         : ((const int32_t *)x)[i];
    const int32_t o = requantize_one(&r, v, lo, hi);
    if (p->out_bytes == 1)
      ((int8_t *)y)[i] = (int8_t)o;
    else if (p->out_bytes == 2)
      ((int16_t *)y)[i] = (int16_t)o;
    else
      ((int32_t *)y)[i] = o;
  }
}
