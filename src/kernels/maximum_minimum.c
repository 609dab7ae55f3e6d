/* maximum_minimum.c - int8 MAXIMUM / MINIMUM on raw values (TFLite requires
 * equal quantization of inputs and output), with broadcasting. */
#include "kernels.h"
#include "kutil.h"

static void max_min(const tmc_broadcast *b, const int8_t *x1,
                    const int8_t *x2, int8_t *y, int is_max) {
  const int32_t rows = tmc_bcast_rows(b);
  const int32_t n = b->dims[b->rank - 1];
  const int32_t s1 = b->stride1[b->rank - 1], s2 = b->stride2[b->rank - 1];
  int32_t idx[TMC_MAX_DIMS] = {0};
  int32_t off1 = 0, off2 = 0, r, i;
  for (r = 0; r < rows; ++r) {
    const int8_t *a = x1 + off1, *c = x2 + off2;
    for (i = 0; i < n; ++i) {
      const int8_t u = a[i * s1], v = c[i * s2];
      *y++ = is_max ? (u > v ? u : v) : (u < v ? u : v);
    }
    tmc_bcast_next(b, idx, &off1, &off2);
  }
}

void tmc_maximum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  max_min(b, input1, input2, output, 1);
}

void tmc_minimum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output) {
  max_min(b, input1, input2, output, 0);
}
