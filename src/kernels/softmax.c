/* softmax.c - SOFTMAX of int8 over the last dim, bit-exact with TFLite's
 * reference_ops::Softmax (int8 in; int8 or int16 out): differences to the
 * row max are scaled to Q5.26, exp'd with gemmlowp's fixed-point exp,
 * summed in Q12.19, and each exp is multiplied by the fixed-point
 * reciprocal of the sum. Output scale 1/256, zero point -128 (int8) or
 * 1/65536, -32768 (int16: wide, 8 more bits of the same quotient). */
#include "fixedpoint.h"
#include "kernels.h"

static inline void softmax(const tmc_softmax_params *p, int32_t outer, int32_t depth,
                           const int8_t *x, void *output, int wide) {
  enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };
  const int32_t out_min = wide ? -32768 : -128, out_max = wide ? 32767 : 127;
  int8_t *y8 = (int8_t *)output;
  int16_t *y16 = (int16_t *)output;
  int32_t i, c;
  size_t o = 0;
  for (i = 0; i < outer; ++i, x += depth) {
    int32_t max_in_row = -128, sum_of_exps = 0, shifted_scale, exponent;
    int num_bits_over_unit;
    for (c = 0; c < depth; ++c)
      if (x[c] > max_in_row) max_in_row = x[c];
    for (c = 0; c < depth; ++c) {
      const int32_t diff = x[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t rescaled = tmc_mbqm_greater_than_one(
            diff, p->input_multiplier, p->input_left_shift);
        sum_of_exps = tmc_wrap_add(
            sum_of_exps,
            tmc_fp_rescale(
                tmc_fp_exp_on_negative_values(rescaled, kScaledDiffIntegerBits),
                0, kAccumulationIntegerBits));
      }
    }
    shifted_scale = tmc_fp_reciprocal(sum_of_exps, kAccumulationIntegerBits,
                                      &num_bits_over_unit);
    exponent = num_bits_over_unit + 31 - (wide ? 16 : 8);
    for (c = 0; c < depth; ++c, ++o) {
      const int32_t diff = x[c] - max_in_row;
      int32_t v = out_min;
      if (diff >= p->diff_min) {
        const int32_t rescaled = tmc_mbqm_greater_than_one(
            diff, p->input_multiplier, p->input_left_shift);
        const int32_t e =
            tmc_fp_exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
        /* From a sum of 2^9 on the exponent passes 31, beyond
         * RoundingDivideByPOT's range (TFLite shifts by it all the same):
         * the product is below 2^31, so the exact quotient rounds to 0. */
        const int32_t unsat =
            exponent > 31 ? 0 : tmc_rdbp(tmc_srdhm(shifted_scale, e), (int)exponent);
        v = tmc_clamp_i32(unsat + out_min, out_min, out_max);
      }
      if (wide)
        y16[o] = (int16_t)v;
      else
        y8[o] = (int8_t)v;
    }
  }
}

void tmc_softmax_s8(const tmc_softmax_params *p, int32_t outer,
                    int32_t depth, const int8_t *x, int8_t *y) {
  softmax(p, outer, depth, x, y, 0);
}

void tmc_softmax_s8_s16(const tmc_softmax_params *p, int32_t outer,
                        int32_t depth, const int8_t *x, int16_t *y) {
  softmax(p, outer, depth, x, y, 1);
}
