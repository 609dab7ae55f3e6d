/* relu.c - int8 RELU (TFLM ReluQuantized: requantize then clamp to
 * [act_min, act_max]) and the raw clamp TFLM uses for RELU6. */
#include "kernels.h"
#include "requant.h"

void tmc_relu_s8(const tmc_relu_params *p, int32_t size, const int8_t *x,
                 int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = p->output_zero_point +
                      tmc_mbqm(x[i] - p->input_zero_point, p->multiplier,
                               p->shift);
    y[i] = (int8_t)tmc_clamp_i32(v, p->act_min, p->act_max);
  }
}

void tmc_clamp_s8(const tmc_clamp_params *p, int32_t size, const int8_t *x,
                  int8_t *y) {
  const int32_t lo = p->lo, hi = p->hi;
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = x[i];
    y[i] = (int8_t)(v > hi ? hi : (v < lo ? lo : v));
  }
}
