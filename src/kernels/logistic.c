/* logistic.c - int8 LOGISTIC, bit-exact with TFLite's
 * reference_integer_ops::Logistic: inputs beyond +/-input_range_radius
 * saturate, the rest go to Q4.27 and through gemmlowp's fixed-point
 * logistic. Output scale 1/256, zero point -128. */
#include "fixedpoint.h"
#include "kernels.h"

void tmc_logistic_s8(const tmc_sigmoid_params *p, int32_t size,
                     const int8_t *x, int8_t *y) {
  tmc_sigmoid_like_s8(p, size, x, y, tmc_fp_logistic, 8, -128);
}
