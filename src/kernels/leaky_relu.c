/* leaky_relu.c - int8 LEAKY_RELU, bit-exact with TFLite's
 * reference_ops::QuantizeLeakyRelu: non-negative inputs (after removing the
 * zero point) use the identity multiplier, negative ones the alpha one. */
#include "kernels.h"
#include "requant.h"

void tmc_leaky_relu_s8(const tmc_leaky_relu_params *p, int32_t size,
                       const int8_t *x, int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = x[i] - p->input_zero_point;
    const int32_t r =
        v >= 0 ? tmc_mbqm(v, p->multiplier_identity, p->shift_identity)
               : tmc_mbqm(v, p->multiplier_alpha, p->shift_alpha);
    y[i] = tmc_sat_s8(p->output_zero_point + r);
  }
}
