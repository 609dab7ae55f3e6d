/* dequantize.c - DEQUANTIZE int8 -> float32 as TFLite's reference_ops::
 * Dequantize: (float)(scale * (q - zero_point)) evaluated in double. */
#include "kernels.h"

void tmc_dequantize_s8_f32(const tmc_dequantize_params *p, int32_t size,
                           const int8_t *x, float *y) {
  int32_t i;
  for (i = 0; i < size; ++i)
    y[i] = (float)(p->scale * (double)(x[i] - p->zero_point));
}

void tmc_dequantize_s16_f32(const tmc_dequantize_params *p, int32_t size,
                            const int16_t *x, float *y) {
  int32_t i;
  for (i = 0; i < size; ++i)
    y[i] = (float)(p->scale * (double)(x[i] - p->zero_point));
}
