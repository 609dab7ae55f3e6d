/* maximum_minimum.c - int8 MAXIMUM / MINIMUM on raw values (TFLite requires
 * equal quantization of inputs and output), with broadcasting. */
#include "kernels.h"
#include "kutil.h"

static void max_min(const tmc_broadcast *b, const int8_t *x1,
                    const int8_t *x2, int8_t *y, int is_max) {
  TMC_BCAST_EACH(b, x1, x2, y,
                 *out = (int8_t)(is_max ? (u > v ? u : v) : (u < v ? u : v)));
}

void tmc_maximum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  max_min(b, input1, input2, output, 1);
}

void tmc_minimum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  max_min(b, input1, input2, output, 0);
}
