/* log_softmax.c - int8 LOG_SOFTMAX over the last dim, bit-exact with TFLite's
 * reference_ops::LogSoftmaxQuantized: exp-sum as in softmax (Q5.26 diffs,
 * Q12.19 sum), log of the sum in Q5.26, output = diff - log_sum rescaled to
 * scale 16/256 with zero point 127. */
#include "fixedpoint.h"
#include "kernels.h"

void tmc_log_softmax_s8(const tmc_log_softmax_params *p, int32_t outer,
                        int32_t depth, const int8_t *x, int8_t *y) {
  enum { kInputIntegerBits = 5, kAccumulationIntegerBits = 12,
         kOutputIntegerBits = 4 };
  int32_t i, c;
  for (i = 0; i < outer; ++i, x += depth, y += depth) {
    int32_t max_in_row = -128, sum = 0, log_sum, adjusted_diff_min, t;
    for (c = 0; c < depth; ++c)
      if (x[c] > max_in_row) max_in_row = x[c];
    for (c = 0; c < depth; ++c) {
      const int32_t diff = x[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t q5 =
            tmc_mbqm(diff, p->input_multiplier, p->input_left_shift);
        sum = tmc_wrap_add(
            sum, tmc_fp_rescale(tmc_fp_exp_on_negative_values(q5,
                                                              kInputIntegerBits),
                                0, kAccumulationIntegerBits));
      }
    }
    log_sum = tmc_fp_log_x_ge_1(sum, kInputIntegerBits,
                                kAccumulationIntegerBits);
    t = tmc_mbqm(tmc_wrap_add(log_sum, INT32_MIN), p->reverse_scaling_divisor,
                 -p->reverse_scaling_right_shift);
    adjusted_diff_min = tmc_max_i32(p->diff_min - 1, t);
    for (c = 0; c < depth; ++c) {
      const int32_t diff = x[c] - max_in_row;
      if (diff > adjusted_diff_min) {
        const int32_t q5 =
            tmc_mbqm(diff, p->input_multiplier, p->input_left_shift);
        const int32_t out =
            tmc_rdbp(tmc_wrap_sub(q5, log_sum),
                     31 - kInputIntegerBits - kOutputIntegerBits) +
            127;
        y[c] = tmc_sat_s8(out);
      } else {
        y[c] = -128;
      }
    }
  }
}
