/* maximum_minimum.c - int8 and int16 MAXIMUM / MINIMUM on raw values
 * (TFLite requires equal quantization of inputs and output), with
 * broadcasting. */
#include "kernels.h"
#include "kutil.h"

#define MAX_MIN(T, is_max) \
  TMC_BCAST_EACH_T(T, b, x1, x2, y, *out = (T)((is_max) ? (u > v ? u : v) : (u < v ? u : v)))

static void max_min(const tmc_broadcast *b, const int8_t *x1,
                    const int8_t *x2, int8_t *y, int is_max) {
  MAX_MIN(int8_t, is_max);
}

static void max_min_s16(const tmc_broadcast *b, const int16_t *x1,
                        const int16_t *x2, int16_t *y, int is_max) {
  MAX_MIN(int16_t, is_max);
}

void tmc_maximum_s16(const tmc_broadcast *b, const int16_t *input1,
                     const int16_t *input2, int16_t *output) {
  max_min_s16(b, input1, input2, output, 1);
}

void tmc_minimum_s16(const tmc_broadcast *b, const int16_t *input1,
                     const int16_t *input2, int16_t *output) {
  max_min_s16(b, input1, input2, output, 0);
}

void tmc_maximum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  max_min(b, input1, input2, output, 1);
}

void tmc_minimum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  max_min(b, input1, input2, output, 0);
}
