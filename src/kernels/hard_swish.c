/* hard_swish.c - int8 HARD_SWISH, bit-exact with TFLite's
 * reference_ops::HardSwish (quantized): 16-bit fixed-point x * relu6(x+3)/6
 * with an int16 output multiplier and a saturating "reluish" multiplier. */
#include "kernels.h"
#include "requant.h"

/* gemmlowp SaturatingRoundingDoublingHighMul for int16. */
static int16_t srdhm16(int16_t a, int16_t b) {
  int32_t ab, nudge;
  if (a == b && a == INT16_MIN) return INT16_MAX;
  ab = (int32_t)a * (int32_t)b;
  nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return (int16_t)((ab + nudge) / (1 << 15));
}

/* TFLite SaturatingDoublingHighMul (int16, truncating). */
static int16_t sdhm16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

/* TFLite SaturatingLeftShift for int16, 0 <= amount <= 31: in 64 bits, as
 * TFLite's int32 product overflows from amount 16 on for large values. */
static int16_t sat_shl16(int16_t v, int amount) {
  const int64_t r = (int64_t)v * ((int64_t)1 << amount);
  return (int16_t)(r < INT16_MIN ? INT16_MIN : r > INT16_MAX ? INT16_MAX : r);
}

/* gemmlowp RoundingDivideByPOT for int16, 0 <= e <= 31 (its mask is
 * (1ll << e) - 1 cut to 16 bits: all ones from e = 16 on). */
static int16_t rdbp16(int16_t x, int e) {
  const int16_t mask = (int16_t)(((int64_t)1 << e) - 1);
  const int16_t remainder = (int16_t)(x & mask);
  const int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
  return (int16_t)((x >> e) + (remainder > threshold ? 1 : 0));
}

void tmc_hard_swish_s8(const tmc_hard_swish_params *p, int32_t size,
                       const int8_t *x, int8_t *y) {
  const int16_t out_m = (int16_t)p->output_multiplier_fixedpoint_int16;
  const int16_t relu_m = (int16_t)p->reluish_multiplier_fixedpoint_int16;
  const int32_t relu_e = p->reluish_multiplier_exponent;
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int16_t v = (int16_t)(x[i] - p->input_zero_point);
    const int16_t hires = (int16_t)(v * (1 << 7));
    const int16_t preshift_out = srdhm16(hires, out_m);
    int16_t reluish = hires, pre, out16;
    int32_t out;
    if (relu_e > 0) reluish = sat_shl16(reluish, (int)relu_e - 1);
    reluish = srdhm16(reluish, relu_m);
    if (relu_e > 0) reluish = sat_shl16(reluish, 1);
    if (relu_e < 0) reluish = rdbp16(reluish, (int)-relu_e);
    reluish = (int16_t)((reluish + (1 << 15)) >> 1);
    pre = sdhm16(reluish, preshift_out);
    out16 = rdbp16(pre, (int)-p->output_multiplier_exponent);
    out = out16 + p->output_zero_point;
    y[i] = tmc_sat_s8((int16_t)out);
  }
}
