/* sigmoid_s16.c - int16 LOGISTIC and TANH, bit-exact with TFLite's
 * reference_integer_ops int16 forms; the element arithmetic (input
 * rescaling, the interpolated sigmoid table) is sigmoid16.h, which the
 * LSTM's gates share. Output scale 1/32768, zero point 0. */
#include "kernels.h"
#include "sigmoid16.h"

void tmc_logistic_s16(const tmc_sigmoid_s16_params *p, int32_t size, const int16_t *x,
                      int16_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i)
    y[i] = tmc_logistic16(p->table, p->input_multiplier, p->input_right_bits, x[i]);
}

void tmc_tanh_s16(const tmc_sigmoid_s16_params *p, int32_t size, const int16_t *x,
                  int16_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i)
    y[i] = tmc_tanh16(p->table, p->input_multiplier, p->input_right_bits, x[i]);
}
