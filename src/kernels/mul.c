/* mul.c - int8 MUL, bit-exact with TFLite's reference_integer_ops::Mul /
 * BroadcastMul4DSlow: (x1 + o1) * (x2 + o2) requantized with one
 * multiplier, + output offset, clamped. Broadcasting via tmc_broadcast. */
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

void tmc_mul_s8(const tmc_mul_params *p, const tmc_broadcast *b,
                const int8_t *x1, const int8_t *x2, int8_t *y) {
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
