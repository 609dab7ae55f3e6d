/* add.c - int8 ADD and SUB, bit-exact with TFLite's AddFunc / SubFunc:
 * both inputs are offset, shifted left by left_shift (20), rescaled to a
 * common scale, added (subtracted), rescaled to the output, offset, clamped.
 * Broadcasting through per-dim strides (tmc_broadcast). */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

static inline int32_t scaled(int32_t v, int32_t offset, int32_t left_shift,
                             int32_t m, int32_t s) {
  return tmc_mbqm_smaller_than_one(tmc_wrap_shl(v + offset, (int)left_shift),
                                   m, s);
}

static void add_sub(const tmc_add_params *p, const tmc_broadcast *b,
                    const int8_t *x1, const int8_t *x2, int8_t *y,
                    int negate) {
  const int32_t rows = tmc_bcast_rows(b);
  const int32_t n = b->dims[b->rank - 1];
  const int32_t s1 = b->stride1[b->rank - 1], s2 = b->stride2[b->rank - 1];
  int32_t idx[TMC_MAX_DIMS] = {0};
  int32_t off1 = 0, off2 = 0, r, i;
  for (r = 0; r < rows; ++r) {
    const int8_t *a = x1 + off1, *c = x2 + off2;
    for (i = 0; i < n; ++i) {
      const int32_t v1 = scaled(a[i * s1], p->input1_offset, p->left_shift,
                                p->input1_multiplier, p->input1_shift);
      const int32_t v2 = scaled(c[i * s2], p->input2_offset, p->left_shift,
                                p->input2_multiplier, p->input2_shift);
      const int32_t raw = negate ? v1 - v2 : v1 + v2;
      const int32_t out = tmc_mbqm_smaller_than_one(raw, p->output_multiplier,
                                                    p->output_shift) +
                          p->output_offset;
      *y++ = (int8_t)tmc_clamp_i32(out, p->act_min, p->act_max);
    }
    tmc_bcast_next(b, idx, &off1, &off2);
  }
}

void tmc_add_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
  add_sub(p, b, input1, input2, output, 0);
}

void tmc_sub_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
  add_sub(p, b, input1, input2, output, 1);
}
