/* leaky_relu.c - int8 LEAKY_RELU, bit-exact with TFLite's
 * reference_ops::QuantizeLeakyRelu: non-negative inputs (after removing the
 * zero point) use the identity multiplier, negative ones the alpha one. */
#include "kernels.h"
#include "requant.h"

/* The output before the clamp to the output type. */
static inline int32_t leaky_one(const tmc_leaky_relu_params *p, int32_t x) {
  const int32_t v = x - p->input_zero_point;
  return p->output_zero_point +
         (v >= 0 ? tmc_mbqm(v, p->multiplier_identity, p->shift_identity)
                 : tmc_mbqm(v, p->multiplier_alpha, p->shift_alpha));
}

void tmc_leaky_relu_s8(const tmc_leaky_relu_params *p, int32_t size,
                       const int8_t *x, int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = tmc_sat_s8(leaky_one(p, x[i]));
}

void tmc_leaky_relu_s16(const tmc_leaky_relu_params *p, int32_t size,
                        const int16_t *x, int16_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) y[i] = (int16_t)tmc_clamp_i32(leaky_one(p, x[i]), -32768, 32767);
}
