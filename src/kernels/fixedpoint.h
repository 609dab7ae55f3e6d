/* fixedpoint.h - gemmlowp's scalar int32 fixed-point functions used by TFLite's
 * int8 SOFTMAX, LOG_SOFTMAX, LOGISTIC and TANH (exp, 1/(1+x), tanh, logistic,
 * log), bit-exact. A value is a raw int32 plus a count of integer bits ib:
 * real = raw / 2^(31 - ib). Products are SaturatingRoundingDoublingHighMul
 * (integer bits add up); sums wrap like gemmlowp's plain int32 add. */
#ifndef TMC_KERNELS_FIXEDPOINT_H
#define TMC_KERNELS_FIXEDPOINT_H

#include <stdint.h>

#include "kernels.h"
#include "requant.h"

#define TMC_FP_ONE_Q0 INT32_MAX /* One() for 0 integer bits */

/* Count leading zeros of a uint32; 32 for 0 (TFLite CountLeadingZeros). */
static inline int tmc_clz32(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
#if defined(__GNUC__)
  n = __builtin_clz(x);
#else
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
#endif
  return n;
}

/* gemmlowp RoundingHalfSum: (a + b) / 2 rounded half away from zero. */
static inline int32_t tmc_fp_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

/* gemmlowp SaturatingRoundingMultiplyByPOT<e> / TFLite
 * SaturatingRoundingMultiplyByPOTParam: e > 0 saturating left shift,
 * e < 0 rounding right shift. */
static inline int32_t tmc_fp_mul_pot(int32_t x, int e) {
  if (e == 0) return x;
  if (e < 0) return tmc_rdbp(x, -e);
  {
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - e)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return tmc_wrap_shl(x, e);
  }
}

/* gemmlowp Rescale<dst>(x with src integer bits). */
static inline int32_t tmc_fp_rescale(int32_t x, int src_bits, int dst_bits) {
  return tmc_fp_mul_pot(x, src_bits - dst_bits);
}

/* exp(a) for a in [-1/4, 0), Q0 in and out. */
static inline int32_t tmc_fp_exp_quarter(int32_t a) {
  const int32_t constant_term = 1895147668;    /* exp(-1/8) */
  const int32_t constant_1_over_3 = 715827883; /* 1/3 */
  const int32_t x = tmc_wrap_add(a, 1 << 28);  /* a + 1/8 */
  const int32_t x2 = tmc_srdhm(x, x);
  const int32_t x3 = tmc_srdhm(x2, x);
  const int32_t x4 = tmc_srdhm(x2, x2);
  const int32_t x4_over_4 = tmc_rdbp(x4, 2);
  const int32_t poly = tmc_rdbp(
      tmc_wrap_add(tmc_srdhm(tmc_wrap_add(x4_over_4, x3), constant_1_over_3),
                   x2),
      1);
  return tmc_wrap_add(constant_term,
                      tmc_srdhm(constant_term, tmc_wrap_add(x, poly)));
}

/* gemmlowp exp_on_negative_values: exp(a) for a <= 0 given with ib integer
 * bits (0 < ib < 31); result in Q0 (0 integer bits). */
static inline int32_t tmc_fp_exp_on_negative_values(int32_t a, int ib) {
  static const int32_t barrel[7] = {
      1672461947, /* exp(-1/4) */
      1302514674, /* exp(-1/2) */
      790015084,  /* exp(-1)   */
      290630308,  /* exp(-2)   */
      39332535,   /* exp(-4)   */
      720401,     /* exp(-8)   */
      242,        /* exp(-16)  */
  };
  const int fb = 31 - ib;
  const int32_t one_quarter = (int32_t)1 << (fb - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter =
      tmc_wrap_sub(a & mask, one_quarter);
  int32_t result = tmc_fp_exp_quarter(
      tmc_fp_rescale(a_mod_quarter_minus_one_quarter, ib, 0));
  const int32_t remainder = tmc_wrap_sub(a_mod_quarter_minus_one_quarter, a);
  int e;
  for (e = -2; e <= 4; ++e) {
    if (ib > e) {
      const int shift = fb + e;
      if (remainder & ((int32_t)1 << shift))
        result = tmc_srdhm(result, barrel[e + 2]);
    }
  }
  if (ib > 5) {
    const int32_t clamp = -((int32_t)1 << (36 - ib)); /* -32.0 */
    if (a < clamp) result = 0;
  }
  if (a == 0) result = TMC_FP_ONE_Q0;
  return result;
}

/* Newton-Raphson core shared by 1/(1+x) and (1-x)/(1+x), x in [0, 1) Q0;
 * returns the Q2 estimate of 1/((1+x)/2). */
static inline int32_t tmc_fp_nr_reciprocal_q2(int32_t a) {
  const int32_t half_denominator = tmc_fp_rounding_half_sum(a, TMC_FP_ONE_Q0);
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  int32_t x = tmc_wrap_add(constant_48_over_17,
                           tmc_srdhm(half_denominator, constant_neg_32_over_17));
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tmc_srdhm(half_denominator, x);
    const int32_t one_minus = tmc_wrap_sub((int32_t)1 << 29 /* One in Q2 */,
                                           half_denominator_times_x);
    x = tmc_wrap_add(x, tmc_fp_rescale(tmc_srdhm(x, one_minus), 4, 2));
  }
  return x;
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0 in, Q0 out. */
static inline int32_t tmc_fp_one_over_one_plus_x(int32_t a) {
  /* ExactMulByPot<-1> (Q2 -> Q1, same raw), then Rescale<0> from 1 bit. */
  return tmc_fp_rescale(tmc_fp_nr_reciprocal_q2(a), 1, 0);
}

/* gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: Q0 in, Q0 out. */
static inline int32_t tmc_fp_one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t x = tmc_fp_nr_reciprocal_q2(a);
  return tmc_fp_rescale(tmc_wrap_sub(x, (int32_t)1 << 29), 2, 0);
}

/* gemmlowp logistic(a) for a with ib integer bits; Q0 result. */
static inline int32_t tmc_fp_logistic(int32_t a, int ib) {
  const int32_t abs_input = a > 0 ? a : tmc_wrap_neg(a);
  const int32_t result_if_positive = tmc_fp_one_over_one_plus_x(
      tmc_fp_exp_on_negative_values(tmc_wrap_neg(abs_input), ib));
  if (a == 0) return (int32_t)1 << 30; /* 0.5 */
  if (a > 0) return result_if_positive;
  return tmc_wrap_sub(TMC_FP_ONE_Q0, result_if_positive);
}

/* gemmlowp tanh(a) for a with ib integer bits; Q0 result. */
static inline int32_t tmc_fp_tanh(int32_t a, int ib) {
  const int32_t n = a < 0 ? a : tmc_wrap_neg(a);
  /* neg_tanh_on_negative_values: exp of 2n (ExactMulByPot<1>: ib + 1). */
  const int32_t t = tmc_fp_one_minus_x_over_one_plus_x(
      tmc_fp_exp_on_negative_values(n, ib + 1));
  if (a == 0) return 0;
  return a < 0 ? tmc_wrap_neg(t) : t;
}

/* TFLite SaturatingAddNonGemmlowp / SaturatingSub for int32. */
static inline int32_t tmc_sat_add_i32(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a + (int64_t)b;
  return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}
static inline int32_t tmc_sat_sub_i32(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a - (int64_t)b;
  return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}

/* TFLite log_x_for_x_greater_than_or_equal_to_1_impl<out_ib, in_ib>(x):
 * log(x) for x >= 1 given with in_ib integer bits, result with out_ib. */
static inline int32_t tmc_fp_log_x_ge_1(int32_t input, int out_ib, int in_ib) {
  const int accum_ib = out_ib + 1;
  const int32_t log_2 = 1488522236;
  const int32_t sqrt_sqrt_half = 1805811301;
  const int32_t sqrt_half = 1518500250;
  const int32_t one_quarter = 536870912;
  const int32_t alpha_n = 117049297;
  const int32_t alpha_d = 127690142;
  const int32_t alpha_i = 1057819769;
  const int32_t alpha_f = 638450708;
  const int32_t shifted_quarter = tmc_fp_rescale(one_quarter, 0, accum_ib);

  const int32_t z_a = input;
  const int z_a_headroom_plus_1 = tmc_clz32((uint32_t)z_a);
  const int32_t r_a_tmp = tmc_fp_mul_pot(z_a, z_a_headroom_plus_1 - 1);
  const int32_t r_a_raw = tmc_fp_mul_pot(tmc_srdhm(r_a_tmp, sqrt_half), 1);
  const int32_t z_a_pow_2_adj = tmc_sat_add_i32(
      tmc_fp_mul_pot((int32_t)(in_ib - z_a_headroom_plus_1), 31 - accum_ib),
      shifted_quarter);

  const int32_t z_b = tmc_srdhm(z_a, sqrt_half);
  const int z_b_headroom = tmc_clz32((uint32_t)z_b) - 1;
  const int32_t r_b_raw = tmc_fp_mul_pot(z_a, z_b_headroom);
  const int32_t z_b_pow_2_adj = tmc_sat_sub_i32(
      tmc_fp_mul_pot((int32_t)(in_ib - z_b_headroom), 31 - accum_ib),
      shifted_quarter);

  const int32_t r = tmc_min_i32(r_a_raw, r_b_raw);
  const int32_t z_pow_2_adj = tmc_max_i32(z_a_pow_2_adj, z_b_pow_2_adj);

  const int32_t p = tmc_fp_rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = tmc_wrap_sub(r, sqrt_sqrt_half);
  q = tmc_wrap_add(q, q);

  {
    const int32_t common_sq = tmc_srdhm(q, q);
    const int32_t num =
        tmc_wrap_add(tmc_srdhm(q, r),
                     tmc_srdhm(tmc_srdhm(q, common_sq), alpha_n));
    const int32_t denom_minus_one_0 = tmc_wrap_add(
        tmc_srdhm(p, tmc_wrap_add(tmc_wrap_add(alpha_i, q),
                                  tmc_srdhm(alpha_d, common_sq))),
        tmc_srdhm(alpha_f, q));
    const int32_t recip_denom = tmc_fp_one_over_one_plus_x(denom_minus_one_0);
    const int32_t num_scaled = tmc_fp_rescale(num, 0, accum_ib);
    return tmc_fp_rescale(tmc_wrap_add(tmc_srdhm(z_pow_2_adj, log_2),
                                       tmc_srdhm(num_scaled, recip_denom)),
                          accum_ib, out_ib);
  }
}

/* TFLite GetReciprocal: 1/x for x > 0 with x_integer_digits integer bits;
 * returns Q0 scale and the number of bits of x above 1.0. */
static inline int32_t tmc_fp_reciprocal(int32_t x, int x_integer_digits,
                                        int *num_bits_over_unit) {
  const int headroom_plus_one = tmc_clz32((uint32_t)x);
  const int32_t shifted_sum_minus_one =
      (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  return tmc_fp_one_over_one_plus_x(shifted_sum_minus_one);
}

/* LOGISTIC and TANH on int8 (TFLite's reference_integer_ops): inputs
 * beyond +/-input_range_radius saturate, the rest go to Q4.27 and through
 * f (tmc_fp_logistic or tmc_fp_tanh), then to int8 as
 * rdbp(q0, 31 - out_bits) + out_offset. */
static inline void tmc_sigmoid_like_s8(const tmc_sigmoid_params *p,
                                       int32_t size, const int8_t *x,
                                       int8_t *y, int32_t (*f)(int32_t, int),
                                       int out_bits, int32_t out_offset) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = x[i] - p->input_zero_point;
    if (v <= -p->input_range_radius) {
      y[i] = -128;
    } else if (v >= p->input_range_radius) {
      y[i] = 127;
    } else {
      const int32_t q4 =
          tmc_mbqm(v, p->input_multiplier, p->input_left_shift);
      y[i] = tmc_sat_s8(tmc_rdbp(f(q4, 4), 31 - out_bits) + out_offset);
    }
  }
}

#endif /* TMC_KERNELS_FIXEDPOINT_H */
