/* mul.c - int8 MUL, bit-exact with TFLite's reference_integer_ops::Mul /
 * BroadcastMul4DSlow: (x1 + o1) * (x2 + o2) requantized with one
 * multiplier, + output offset, clamped. Broadcasting via tmc_broadcast. */
#include <stdbool.h>

#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* One element type's loop (T int8_t or int16_t). */
#define MUL(T)                                                                  \
  TMC_BCAST_EACH_T(T, b, x1, x2, y, {                                           \
    const int32_t prod = (u + p->input1_offset) * (v + p->input2_offset);       \
    const int32_t o = tmc_mbqm(prod, p->output_multiplier, p->output_shift) +   \
                      p->output_offset;                                         \
    *out = (T)tmc_clamp_i32(o, p->act_min, p->act_max);                         \
  })

/* A right shift (-31 <= output_shift <= -1, a multiplier below 0.5: the
 * usual case) in tmc_rq_dsp_x2's fewer instructions (dsp.h; the same bits
 * on every target), the doubled product (u + o1) * (2 v + 2 o2) formed
 * directly, and each row of the broadcast in a loop of its own: both
 * operands advancing (the squeeze-and-excite MUL, [H*W][C] x [C], reuses
 * the per-channel row for every pixel), or one of them fixed. A narrow
 * activation range is clamped after each row (tmc_clamp_run_s8). */
static void mul_right(const tmc_mul_params *p, const tmc_broadcast *b, const int8_t *x1,
                      const int8_t *x2, int8_t *y) {
  const int32_t rows = tmc_bcast_rows(b), n = b->dims[b->rank - 1];
  const int32_t s1 = b->stride1[b->rank - 1], s2 = b->stride2[b->rank - 1];
  const int32_t q = p->output_multiplier, rm1 = -p->output_shift - 1,
                off2 = 2 * p->output_offset + 1, o1 = p->input1_offset,
                o2x2 = 2 * p->input2_offset;
  const bool narrow = p->act_min > -128 || p->act_max < 127;
  int32_t idx[TMC_MAX_DIMS] = {0}, off1 = 0, offb = 0, r, i;
  for (r = 0; r < rows; ++r, y += n) {
    const int8_t *a = x1 + off1, *c = x2 + offb;
    if (s1 == 1 && s2 == 1) {
      for (i = 0; i < n; ++i)
        y[i] = tmc_rq_dsp_x2((a[i] + o1) * (2 * c[i] + o2x2), q, rm1, off2);
    } else if (s2 == 0) {
      const int32_t cv = 2 * c[0] + o2x2;
      for (i = 0; i < n; ++i) y[i] = tmc_rq_dsp_x2((a[i * s1] + o1) * cv, q, rm1, off2);
    } else if (s1 == 0) {
      const int32_t av = a[0] + o1;
      for (i = 0; i < n; ++i) y[i] = tmc_rq_dsp_x2(av * (2 * c[i * s2] + o2x2), q, rm1, off2);
    } else {
      for (i = 0; i < n; ++i)
        y[i] = tmc_rq_dsp_x2((a[i * s1] + o1) * (2 * c[i * s2] + o2x2), q, rm1, off2);
    }
    if (narrow) tmc_clamp_run_s8(y, (size_t)n, p->act_min, p->act_max);
    tmc_bcast_next(b, idx, &off1, &offb);
  }
}

void tmc_mul_s8(const tmc_mul_params *p, const tmc_broadcast *b,
                const int8_t *x1, const int8_t *x2, int8_t *y) {
  if (p->output_shift <= -1 && p->output_shift >= -31 && p->output_multiplier >= 0) {
    mul_right(p, b, x1, x2, y);
    return;
  }
  if (p->output_shift <= 14) {
    /* tmc_rq (requant.h) with the constants taken once: |product| <=
     * 255 * 255 < 2^16, so |product| * 2^(shift + 1) < 2^31 */
    const tmc_rq_ch c = tmc_rq_ch_of(p->output_multiplier, p->output_shift);
    const int32_t o1 = p->input1_offset, o2 = p->input2_offset, off = p->output_offset;
    const int32_t lo = p->act_min - off, hi = p->act_max - off;
    TMC_BCAST_EACH(b, x1, x2, y, { *out = tmc_rq_s8(&c, (u + o1) * (v + o2), off, lo, hi); });
    return;
  }
  MUL(int8_t);
}

/* int16 products reach 2^30: TFLite's arithmetic step by step. */
void tmc_mul_s16(const tmc_mul_params *p, const tmc_broadcast *b,
                 const int16_t *x1, const int16_t *x2, int16_t *y) {
  MUL(int16_t);
}
