/* softmax.c - int8 SOFTMAX over the last dim, bit-exact with TFLite's
 * reference_ops::Softmax (int8 in, int8 out): differences to the row max are
 * scaled to Q5.26, exp'd with gemmlowp's fixed-point exp, summed in Q12.19,
 * and each exp is multiplied by the fixed-point reciprocal of the sum.
 * Output scale 1/256, zero point -128. */
#include "fixedpoint.h"
#include "kernels.h"

void tmc_softmax_s8(const tmc_softmax_params *p, int32_t outer,
                    int32_t depth, const int8_t *x, int8_t *y) {
  enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };
  int32_t i, c;
  for (i = 0; i < outer; ++i, x += depth, y += depth) {
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
    exponent = num_bits_over_unit + 31 - 8;
    for (c = 0; c < depth; ++c) {
      const int32_t diff = x[c] - max_in_row;
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
        y[c] = tmc_sat_s8(unsat - 128);
      } else {
        y[c] = -128;
      }
    }
  }
}
