/* softmax_s16.c - int16 SOFTMAX over the last dim, bit-exact with TFLite's
 * reference_ops::SoftmaxInt16: differences to the row max, rescaled so that
 * [-65535, 0] stands for [-10, 0], give exp() from a 513-entry table with
 * linear interpolation; the sum's reciprocal comes from a 1/(1 + x) table
 * the same way, and each exp times it is the output (scale 1/32768, zero
 * point 0). The exps are kept in the output row between the two passes,
 * as TFLite does (so the output may be the input). */
#include "kernels.h"
#include "requant.h"

/* TFLite's int16 table lookup: 512 segments of 128 over int16, the
 * interpolation rounded to nearest. */
static inline int16_t lookup(const int16_t *lut, int32_t v) {
  const int32_t index = 256 + (v >> 7), offset = v & 0x7f;
  const int32_t base = lut[index];
  const int16_t slope = (int16_t)(lut[index + 1] - base);
  return (int16_t)(base + ((slope * offset + 64) >> 7));
}

/* Leading zeros of a positive int32 (TFLite's CountLeadingZeros). */
static inline int32_t clz32(uint32_t v) {
  int32_t n = 0;
  while (n < 32 && !(v & 0x80000000u)) {
    v <<= 1;
    ++n;
  }
  return n;
}

void tmc_softmax_s16(const tmc_softmax_s16_params *p, int32_t outer, int32_t depth,
                     const int16_t *x, int16_t *y) {
  int32_t i, c;
  for (i = 0; i < outer; ++i, x += depth, y += depth) {
    int32_t max_in_row = -32768, sum = 0;
    for (c = 0; c < depth; ++c)
      if (x[c] > max_in_row) max_in_row = x[c];
    for (c = 0; c < depth; ++c) {
      const int32_t scaled =
          tmc_mbqm(x[c] - max_in_row, p->input_multiplier, p->input_left_shift);
      const int64_t sym = (int64_t)scaled + 32767; /* recentred; int64: no wrap */
      const int16_t e =
          lookup(p->exp_lut, (int32_t)(sym < -32768 ? -32768 : sym > 32767 ? 32767 : sym));
      y[c] = e;
      sum += e;
    }
    {
      const int32_t headroom_plus_one = clz32((uint32_t)sum);
      const int32_t shifted = (int32_t)((((int64_t)sum << (headroom_plus_one - 1)) +
                                         (1 << 13)) >> 14);
      const int16_t recip = lookup(
          p->recip_lut, tmc_clamp_i32(shifted - ((1 << 15) + (1 << 16)), -32768, 32767));
      const int32_t right_shift = 31 - headroom_plus_one;
      const int64_t round = (int64_t)1 << (right_shift - 1);
      for (c = 0; c < depth; ++c) {
        const int32_t r = (int32_t)(((int64_t)y[c] * recip + round) >> right_shift);
        y[c] = (int16_t)tmc_clamp_i32(r, 0, 32767);
      }
    }
  }
}
