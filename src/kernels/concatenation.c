/* concatenation.c - int8 CONCATENATION (and SPLIT / SPLIT_V, its inverse):
 * for each outer index, parts are copied in order. All parts share the
 * output's quantization (TFLM refuses otherwise), so bytes are copied. */
#include <string.h>

#include "kernels.h"

void tmc_concatenation_s8(const tmc_concat_params *p,
                          const int8_t *const *inputs, int8_t *output) {
  int32_t o, k;
  for (o = 0; o < p->outer; ++o) {
    for (k = 0; k < p->count; ++k) {
      const size_t n = (size_t)p->part_size[k];
      memcpy(output, inputs[k] + (size_t)o * n, n);
      output += n;
    }
  }
}

void tmc_split_s8(const tmc_concat_params *p, const int8_t *input,
                  int8_t *const *outputs) {
  int32_t o, k;
  for (o = 0; o < p->outer; ++o) {
    for (k = 0; k < p->count; ++k) {
      const size_t n = (size_t)p->part_size[k];
      memcpy(outputs[k] + (size_t)o * n, input, n);
      input += n;
    }
  }
}
