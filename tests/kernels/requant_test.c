/* requant_test.c - kernels/requant.h and plan/quant.c: hand-computed values for the
 * fixed-point primitives and tmc_quantize_multiplier, edge cases (ties of
 * both signs, saturation, INT32_MIN^2, flush below 2^-31, q rounding to
 * 2^31), and random agreement with the independent 64-bit reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/quant.h"
#include "kernels/requant.h"
#include "ktest.h"

static void test_srdhm_hand(void **state) {
  (void)state;
  /* exact products */
  assert_int_equal(tmc_srdhm(1 << 30, 1 << 30), 1 << 29);
  assert_int_equal(tmc_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
  assert_int_equal(tmc_srdhm(INT32_MIN, INT32_MAX), -INT32_MAX);
  assert_int_equal(tmc_srdhm(INT32_MAX, INT32_MAX), INT32_MAX - 1);
  assert_int_equal(tmc_srdhm(0, INT32_MIN), 0);
  /* +0.5 tie rounds up: a*b = 2^30 -> 1 */
  assert_int_equal(tmc_srdhm(1 << 15, 1 << 15), 1);
  assert_int_equal(tmc_srdhm(3 << 14, 1 << 15), 1);       /* 0.75 -> 1 */
  assert_int_equal(tmc_srdhm(1 << 14, 1 << 15), 0);       /* 0.25 -> 0 */
  /* -0.5 tie rounds toward +inf (gemmlowp's nudge 1 - 2^30, truncation) */
  assert_int_equal(tmc_srdhm(-(1 << 15), 1 << 15), 0);
  assert_int_equal(tmc_srdhm(-(3 << 14), 1 << 15), -1);   /* -0.75 */
  assert_int_equal(tmc_srdhm(-(1 << 16), 3 << 14), -1);   /* -1.5 -> -1 */
  assert_int_equal(tmc_srdhm(1 << 16, 3 << 14), 2);       /* +1.5 -> 2 */
}

static void test_rdbp_hand(void **state) {
  (void)state;
  assert_int_equal(tmc_rdbp(5, 1), 3);   /* 2.5 -> 3 */
  assert_int_equal(tmc_rdbp(-5, 1), -3); /* -2.5 -> -3 */
  assert_int_equal(tmc_rdbp(3, 1), 2);   /* 1.5 -> 2 */
  assert_int_equal(tmc_rdbp(-3, 1), -2);
  assert_int_equal(tmc_rdbp(-1, 1), -1); /* -0.5 -> -1 */
  assert_int_equal(tmc_rdbp(1, 1), 1);
  assert_int_equal(tmc_rdbp(6, 2), 2);   /* 1.5 */
  assert_int_equal(tmc_rdbp(-6, 2), -2);
  assert_int_equal(tmc_rdbp(-7, 2), -2); /* -1.75 */
  assert_int_equal(tmc_rdbp(-5, 2), -1); /* -1.25 */
  assert_int_equal(tmc_rdbp(12345, 0), 12345);
  assert_int_equal(tmc_rdbp(INT32_MAX, 31), 1);
  assert_int_equal(tmc_rdbp(INT32_MIN, 31), -1);
  assert_int_equal(tmc_rdbp(-(1 << 30), 31), -1); /* -0.5 -> -1 */
  assert_int_equal(tmc_rdbp((1 << 30) - 1, 31), 0);
}

static void test_mbqm_hand(void **state) {
  (void)state;
  /* multiplier 0.5 (q = 2^30, shift 0) */
  assert_int_equal(tmc_mbqm(100, 1 << 30, 0), 50);
  assert_int_equal(tmc_mbqm(-101, 1 << 30, 0), -50); /* -50.5: high mul */
  assert_int_equal(tmc_mbqm(101, 1 << 30, 0), 51);
  /* 0.5 * 2^-1 = 0.25: high mul exact, then round shift with ties */
  assert_int_equal(tmc_mbqm(6, 1 << 30, -1), 2);   /* 1.5 -> 2 */
  assert_int_equal(tmc_mbqm(-6, 1 << 30, -1), -2); /* -1.5 -> -2 */
  /* left shift (multiplier 2.0 = 2^30 with shift 2) */
  assert_int_equal(tmc_mbqm(7, 1 << 30, 2), 14);
  assert_int_equal(tmc_mbqm(-7, 1 << 30, 2), -14);
  /* zero multiplier (flushed channel) */
  assert_int_equal(tmc_mbqm(123456, 0, 0), 0);
  /* saturating extremes */
  assert_int_equal(tmc_mbqm(INT32_MIN, INT32_MIN, 0), INT32_MAX);
  assert_int_equal(tmc_mbqm_smaller_than_one(100, 1 << 30, -2), 13);
  assert_int_equal(tmc_mbqm_greater_than_one(3, 1 << 30, 3), 12);
}

static void test_mbqm_random(void **state) {
  int i;
  (void)state;
  kt_seed(1);
  for (i = 0; i < 200000; ++i) {
    int32_t q, s, x;
    kt_multiplier(&q, &s, -31, 0);
    if (i % 7 == 0) q = -q;
    x = (int32_t)kt_u32();
    if (i % 3 == 0) x >>= kt_range(0, 30);
    if (tmc_mbqm(x, q, s) != ref_mbqm(x, q, s)) {
      printf("x=%d q=%d s=%d got %d want %d\n", x, q, s, tmc_mbqm(x, q, s),
             ref_mbqm(x, q, s));
      fail();
    }
    /* left shifts on values small enough not to overflow */
    s = kt_range(1, 10);
    x = kt_range(-(1 << 20), 1 << 20);
    assert_int_equal(tmc_mbqm(x, q, s), ref_mbqm(x, q, s));
  }
  /* every tie of the rounding shift, both signs */
  for (i = 1; i < 31; ++i) {
    const int32_t half = (int32_t)1 << (i - 1);
    assert_int_equal(tmc_rdbp(half, i), 1);
    assert_int_equal(tmc_rdbp(-half, i), -1);
    assert_int_equal(tmc_rdbp(3 * half, i), i < 31 ? 2 : 2);
    assert_int_equal(tmc_rdbp(-3 * half, i), -2);
    assert_int_equal(tmc_rdbp(half - 1, i), 0);
    assert_int_equal(tmc_rdbp(-half + 1, i), 0);
  }
}

static void test_mbqm64(void **state) {
  (void)state;
  /* q = 2^30 (0.5) reduces to 2^14; 1000 * 2^14 / 2^15 = 500 */
  assert_int_equal(tmc_mbqm64(1000, 1 << 30, 0), 500);
  assert_int_equal(tmc_mbqm64(-1001, 1 << 30, 0), -500); /* -500.5 floors+1 */
  assert_int_equal(tmc_mbqm64((int64_t)1 << 40, 1 << 30, -10), 1 << 29);
  assert_int_equal(tmc_mbqm64(5, 0x7FFF8000, 0), 5); /* reduced to 0x7FFF */
}

static void expect_qm(double m, int32_t q, int shift) {
  int32_t gq;
  int gs;
  tmc_quantize_multiplier(m, &gq, &gs);
  if (gq != q || gs != shift) {
    printf("quantize_multiplier(%.17g): got (%d, %d) want (%d, %d)\n", m, gq,
           gs, q, shift);
    fail();
  }
}

static void test_quantize_multiplier(void **state) {
  (void)state;
  expect_qm(0.0, 0, 0);
  expect_qm(0.5, 1 << 30, 0);
  expect_qm(1.0, 1 << 30, 1);
  expect_qm(0.75, 3 << 29, 0);
  expect_qm(0.25, 1 << 30, -1);
  expect_qm(2.0, 1 << 30, 2);
  expect_qm(3.0, 3 << 29, 2);
  expect_qm(-0.5, -(1 << 30), 0);
  expect_qm(1.0 / 3.0, 1431655765, -1); /* round(2/3 * 2^31) */
  expect_qm(0.1, 1717986918, -3);       /* round(0.8 * 2^31) */
  /* frac * 2^31 rounds up to 2^31: halved, shift + 1 */
  expect_qm(1.0 - 1e-12, 1 << 30, 1);
  expect_qm(0.5 - 1e-12, 1 << 30, 0);
  /* smallest kept: 2^-32 = 0.5 * 2^-31 -> shift -31 */
  expect_qm(1.0 / 4294967296.0, 1 << 30, -31);
  /* below 2^-32: shift -32 < -31 flushes to zero */
  expect_qm(1.0 / 8589934592.0, 0, 0);
  expect_qm(1e-12, 0, 0);
  /* large: 1000 = 0.9765625 * 2^10 */
  expect_qm(1000.0, 2097152000, 10);
}

static void test_quantize_multiplier_variants(void **state) {
  int32_t q;
  int s;
  (void)state;
  assert_int_equal(tmc_quantize_multiplier_smaller_than_one_exp(0.3, &q, &s),
                   0);
  assert_true(s <= 0);
  assert_int_equal(tmc_quantize_multiplier_smaller_than_one_exp(1.0, &q, &s),
                   -1);
  assert_int_equal(tmc_quantize_multiplier_smaller_than_one_exp(0.0, &q, &s),
                   -1);
  assert_int_equal(tmc_quantize_multiplier_greater_than_one(1.5, &q, &s), 0);
  assert_int_equal(q, 3 << 29);
  assert_int_equal(s, 1);
  assert_int_equal(tmc_quantize_multiplier_greater_than_one(0.5, &q, &s), -1);
  assert_int_equal(tmc_downscale_multiplier_int16(1 << 30), 1 << 14);
  assert_int_equal(tmc_downscale_multiplier_int16(INT32_MAX), INT16_MAX);
  assert_int_equal(tmc_downscale_multiplier_int16((1 << 30) + (1 << 15)),
                   (1 << 14) + 1);
}

static void test_input_radius(void **state) {
  (void)state;
  /* (2^5 - 1) * 2^26 / 2^s, floored */
  assert_int_equal(tmc_calculate_input_radius(5, 0, 31), 31 * (1 << 26));
  assert_int_equal(tmc_calculate_input_radius(5, 20, 31), 31 * 64);
  assert_int_equal(tmc_calculate_input_radius(5, 27, 31), 15); /* 15.5 */
  assert_int_equal(tmc_calculate_input_radius(4, 22, 31), 15 * 32);
  assert_int_equal(tmc_calculate_input_radius(4, 31, 31), 0); /* 0.9375 */
}

static void test_softmax_scaling(void **state) {
  int32_t q, rq;
  int s, rs;
  (void)state;
  /* beta 1, scale 2^-4: 2^-4 * 2^26 = 2^22 -> q 2^30, shift 23 */
  assert_int_equal(tmc_preprocess_softmax_scaling(1.0, 1.0 / 16, 5, &q, &s),
                   0);
  assert_int_equal(q, 1 << 30);
  assert_int_equal(s, 23);
  /* capped at 2^31 - 1 */
  assert_int_equal(tmc_preprocess_softmax_scaling(1.0, 1e6, 5, &q, &s), 0);
  assert_int_equal(s, 31);
  assert_int_equal(tmc_preprocess_log_softmax_scaling_exp(1.0, 1.0 / 16, 5, &q,
                                                          &s, &rq, &rs),
                   0);
  /* 2^(31-23) / 2^30 = 2^-22 -> (2^30, -21) */
  assert_int_equal(rq, 1 << 30);
  assert_int_equal(rs, -21);
}

static void test_activation_range(void **state) {
  int32_t lo, hi;
  (void)state;
  tmc_activation_range_s8(TMC_ACT_NONE, 0.1f, 3, &lo, &hi);
  assert_int_equal(lo, -128);
  assert_int_equal(hi, 127);
  tmc_activation_range_s8(TMC_ACT_RELU, 0.1f, 3, &lo, &hi);
  assert_int_equal(lo, 3);
  assert_int_equal(hi, 127);
  tmc_activation_range_s8(TMC_ACT_RELU6, 0.1f, -100, &lo, &hi);
  assert_int_equal(lo, -100);
  assert_int_equal(hi, -40);
  tmc_activation_range_s8(TMC_ACT_RELU6, 0.01f, 0, &lo, &hi);
  assert_int_equal(hi, 127); /* 6.0 outside the int8 range */
  tmc_activation_range_s8(TMC_ACT_RELU_N1_TO_1, 0.25f, 10, &lo, &hi);
  assert_int_equal(lo, 6);
  assert_int_equal(hi, 14);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_srdhm_hand),
      cmocka_unit_test(test_rdbp_hand),
      cmocka_unit_test(test_mbqm_hand),
      cmocka_unit_test(test_mbqm_random),
      cmocka_unit_test(test_mbqm64),
      cmocka_unit_test(test_quantize_multiplier),
      cmocka_unit_test(test_quantize_multiplier_variants),
      cmocka_unit_test(test_input_radius),
      cmocka_unit_test(test_softmax_scaling),
      cmocka_unit_test(test_activation_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
