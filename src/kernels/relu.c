/* relu.c - int8 RELU (TFLM ReluQuantized: requantize then clamp to
 * [act_min, act_max]) and the raw clamp TFLM uses for RELU6. */
#include "kernels.h"
#include "requant.h"

static inline int32_t relu_one(const tmc_relu_params *p, int32_t x) {
  const int32_t v = p->output_zero_point +
                    tmc_mbqm(x - p->input_zero_point, p->multiplier, p->shift);
  return tmc_clamp_i32(v, p->act_min, p->act_max);
}

void tmc_relu_s8(const tmc_relu_params *p, int32_t size, const int8_t *x,
                 int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = (int8_t)relu_one(p, x[i]);
}

void tmc_relu_s16(const tmc_relu_params *p, int32_t size, const int16_t *x,
                  int16_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = (int16_t)relu_one(p, x[i]);
}

void tmc_clamp_s8(const tmc_clamp_params *p, int32_t size, const int8_t *x,
                  int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = (int8_t)tmc_clamp_i32(x[i], p->lo, p->hi);
}

void tmc_clamp_s16(const tmc_clamp_params *p, int32_t size, const int16_t *x,
                   int16_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = (int16_t)tmc_clamp_i32(x[i], p->lo, p->hi);
}
