/* mul.c - int8 MUL, bit-exact with TFLite's reference_integer_ops::Mul /
 * BroadcastMul4DSlow: (x1 + o1) * (x2 + o2) requantized with one
 * multiplier, + output offset, clamped. Broadcasting via tmc_broadcast. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

void tmc_mul_s8(const tmc_mul_params *p, const tmc_broadcast *b,
                const int8_t *x1, const int8_t *x2, int8_t *y) {
  const int32_t rows = tmc_bcast_rows(b);
  const int32_t n = b->dims[b->rank - 1];
  const int32_t s1 = b->stride1[b->rank - 1], s2 = b->stride2[b->rank - 1];
  int32_t idx[TMC_MAX_DIMS] = {0};
  int32_t off1 = 0, off2 = 0, r, i;
  for (r = 0; r < rows; ++r) {
    const int8_t *a = x1 + off1, *c = x2 + off2;
    for (i = 0; i < n; ++i) {
      const int32_t prod =
          (a[i * s1] + p->input1_offset) * (c[i * s2] + p->input2_offset);
      const int32_t out =
          tmc_mbqm(prod, p->output_multiplier, p->output_shift) +
          p->output_offset;
      *y++ = (int8_t)tmc_clamp_i32(out, p->act_min, p->act_max);
    }
    tmc_bcast_next(b, idx, &off1, &off2);
  }
}
