/* tanh.c - int8 TANH, bit-exact with TFLite's reference_integer_ops::Tanh:
 * as LOGISTIC but through gemmlowp's fixed-point tanh. Output scale 1/128,
 * zero point 0. */
#include "fixedpoint.h"
#include "kernels.h"

void tmc_tanh_s8(const tmc_sigmoid_params *p, int32_t size, const int8_t *x,
                 int8_t *y) {
  tmc_sigmoid_like_s8(p, size, x, y, tmc_fp_tanh, 7, 0);
}
