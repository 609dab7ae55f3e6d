/* softmax_f32.c - float32 SOFTMAX and LOG_SOFTMAX as TFLite's reference
 * kernels compute them (expf/logf of the C library, float accumulation). */
#include <math.h>

#include "kernels.h"

static float row_max(const float *x, int32_t depth) {
  float m = -HUGE_VALF;
  for (int32_t c = 0; c < depth; c++)
    if (x[c] > m) m = x[c];
  return m;
}

void tmc_softmax_f32(const tmc_softmax_f32_params *p, int32_t outer, int32_t depth,
                     const float *input, float *output) {
  const float beta = p->beta;
  for (int32_t i = 0; i < outer; i++) {
    const float *x = input + (size_t)i * depth;
    float *y = output + (size_t)i * depth;
    float max = row_max(x, depth), sum = 0.0f;
    for (int32_t c = 0; c < depth; c++) {
      float e = expf((x[c] - max) * beta);
      y[c] = e;
      sum += e;
    }
    for (int32_t c = 0; c < depth; c++) y[c] = y[c] / sum;
  }
}

void tmc_log_softmax_f32(int32_t outer, int32_t depth, const float *input,
                         float *output) {
  for (int32_t i = 0; i < outer; i++) {
    const float *x = input + (size_t)i * depth;
    float *y = output + (size_t)i * depth;
    float max = row_max(x, depth), sum = 0.0f;
    for (int32_t c = 0; c < depth; c++) sum += expf(x[c] - max);
    float log_sum = logf(sum);
    for (int32_t c = 0; c < depth; c++) y[c] = x[c] - max - log_sum;
  }
}
