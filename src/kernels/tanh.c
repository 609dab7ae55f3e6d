/* tanh.c - int8 TANH, bit-exact with TFLite's reference_integer_ops::Tanh:
 * as LOGISTIC but through gemmlowp's fixed-point tanh. Output scale 1/128,
 * zero point 0. */
#include "fixedpoint.h"
#include "kernels.h"

void tmc_tanh_s8(const tmc_sigmoid_params *p, int32_t size, const int8_t *x,
                 int8_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = x[i] - p->input_zero_point;
    if (v <= -p->input_range_radius) {
      y[i] = -128;
    } else if (v >= p->input_range_radius) {
      y[i] = 127;
    } else {
      const int32_t q4 =
          tmc_mbqm(v, p->input_multiplier, p->input_left_shift);
      const int32_t q0 = tmc_fp_tanh(q4, 4);
      y[i] = tmc_sat_s8(tmc_rdbp(q0, 31 - 7));
    }
  }
}
