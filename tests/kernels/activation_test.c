/* activation_test.c - SOFTMAX, LOG_SOFTMAX, LOGISTIC, TANH and HARD_SWISH
 * against float math (TFLite's fixed-point approximations stay within one
 * or two steps of it; bit-exactness is the golden suite's job), and RELU,
 * RELU6, LEAKY_RELU, QUANTIZE (float and requantize) and DEQUANTIZE exactly
 * against ktest.h's requantization. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernels/kernels.h"
#include "plan/quant.h"
#include "ktest.h"

static int8_t q8(double v) {
  const double r = v < 0 ? -floor(-v + 0.5) : floor(v + 0.5);
  return (int8_t)(r < -128 ? -128 : (r > 127 ? 127 : r));
}

static void test_softmax(void **state) {
  int it;
  (void)state;
  kt_seed(71);
  for (it = 0; it < 300; ++it) {
    const int32_t outer = kt_range(1, 3), depth = kt_range(1, 300);
    const float scale = kt_logf(0.005f, 0.5f);
    const float beta = it % 3 ? 1.0f : kt_logf(0.2f, 3.0f);
    const size_t n = (size_t)outer * depth;
    int8_t *x = malloc(n), *y = malloc(n), *want = malloc(n);
    int32_t o, c;
    tmc_softmax_params p;
    kt_fill_s8(x, n);
    if (it % 4 == 0) /* narrow range: many near-equal logits */
      for (c = 0; c < (int32_t)n; ++c) x[c] = (int8_t)(x[c] / 16);
    assert_int_equal(tmc_softmax_prepare(beta, scale, &p), 0);
    for (o = 0; o < outer; ++o) {
      const int8_t *r = x + (size_t)o * depth;
      double mx = -1e30, sum = 0;
      for (c = 0; c < depth; ++c)
        if (r[c] > mx) mx = r[c];
      for (c = 0; c < depth; ++c)
        sum += exp((double)beta * scale * (r[c] - mx));
      for (c = 0; c < depth; ++c)
        want[(size_t)o * depth + c] =
            q8(exp((double)beta * scale * (r[c] - mx)) / sum * 256.0 - 128.0);
    }
    tmc_softmax_s8(&p, outer, depth, x, y);
    if (kt_diff_tol("softmax", y, want, n, 1)) fail();
    free(x);
    free(y);
    free(want);
  }
}

static void test_softmax_hand(void **state) {
  /* all equal: 1/n each; n = 4 -> 64/256 -> -64; one dominant -> 127 */
  tmc_softmax_params p;
  const int8_t x[4] = {5, 5, 5, 5};
  const int8_t x2[4] = {127, -128, -128, -128};
  int8_t y[4];
  (void)state;
  assert_int_equal(tmc_softmax_prepare(1.0f, 0.1f, &p), 0);
  tmc_softmax_s8(&p, 1, 4, x, y);
  assert_int_equal(y[0], -64);
  assert_int_equal(y[3], -64);
  tmc_softmax_s8(&p, 1, 4, x2, y);
  assert_int_equal(y[0], 127);
  assert_int_equal(y[1], -128);
}

static void test_log_softmax(void **state) {
  int it;
  (void)state;
  kt_seed(72);
  for (it = 0; it < 300; ++it) {
    const int32_t outer = kt_range(1, 3), depth = kt_range(1, 200);
    const float scale = kt_logf(0.01f, 0.3f);
    const size_t n = (size_t)outer * depth;
    int8_t *x = malloc(n), *y = malloc(n), *want = malloc(n);
    int32_t o, c;
    tmc_log_softmax_params p;
    kt_fill_s8(x, n);
    assert_int_equal(tmc_log_softmax_prepare(scale, &p), 0);
    for (o = 0; o < outer; ++o) {
      const int8_t *r = x + (size_t)o * depth;
      double mx = -1e30, sum = 0;
      for (c = 0; c < depth; ++c)
        if (r[c] > mx) mx = r[c];
      for (c = 0; c < depth; ++c) sum += exp((double)scale * (r[c] - mx));
      for (c = 0; c < depth; ++c)
        want[(size_t)o * depth + c] =
            q8(((double)scale * (r[c] - mx) - log(sum)) / (16.0 / 256) + 127);
    }
    tmc_log_softmax_s8(&p, outer, depth, x, y);
    if (kt_diff_tol("log_softmax", y, want, n, 1)) fail();
    free(x);
    free(y);
    free(want);
  }
}

static void test_logistic_tanh(void **state) {
  int it, i;
  (void)state;
  kt_seed(73);
  for (it = 0; it < 200; ++it) {
    const float scale = kt_logf(0.002f, 0.5f);
    const int32_t zp = kt_range(-128, 127);
    int8_t x[256], y[256], want[256];
    tmc_sigmoid_params p;
    for (i = 0; i < 256; ++i) x[i] = (int8_t)(i - 128);
    tmc_sigmoid_prepare(scale, zp, &p);
    for (i = 0; i < 256; ++i)
      want[i] = q8(256.0 / (1.0 + exp(-(double)scale * (x[i] - zp))) - 128.0);
    tmc_logistic_s8(&p, 256, x, y);
    if (kt_diff_tol("logistic", y, want, 256, 1)) fail();
    for (i = 0; i < 256; ++i)
      want[i] = q8(128.0 * tanh((double)scale * (x[i] - zp)));
    tmc_tanh_s8(&p, 256, x, y);
    if (kt_diff_tol("tanh", y, want, 256, 1)) fail();
  }
}

static void test_sigmoid_hand(void **state) {
  tmc_sigmoid_params p;
  const int8_t x[3] = {0, 127, -128};
  int8_t y[3];
  (void)state;
  tmc_sigmoid_prepare(0.1f, 0, &p);
  tmc_logistic_s8(&p, 3, x, y);
  assert_int_equal(y[0], 0);   /* 0.5 * 256 - 128 */
  assert_int_equal(y[1], 127); /* sigmoid(12.7) saturates */
  assert_int_equal(y[2], -128);
  tmc_tanh_s8(&p, 3, x, y);
  assert_int_equal(y[0], 0);
  assert_int_equal(y[1], 127);
  assert_int_equal(y[2], -128);
}

static void test_hard_swish(void **state) {
  int it, i;
  (void)state;
  kt_seed(74);
  for (it = 0; it < 200; ++it) {
    const float si = kt_logf(0.01f, 0.1f);
    const float so = kt_logf(0.01f, 0.1f);
    const int32_t zi = kt_range(-128, 127), zo = kt_range(-128, 127);
    int8_t x[256], y[256], want[256];
    tmc_hard_swish_params p;
    if (tmc_hard_swish_prepare(si, zi, so, zo, &p) != 0) continue;
    for (i = 0; i < 256; ++i) {
      const double v = (double)si * (i - 128 - zi);
      double r = v + 3;
      r = r < 0 ? 0 : (r > 6 ? 6 : r);
      x[i] = (int8_t)(i - 128);
      want[i] = q8(v * r / 6.0 / so + zo);
    }
    tmc_hard_swish_s8(&p, 256, x, y);
    if (kt_diff_tol("hard_swish", y, want, 256, 2)) fail();
  }
}

static void test_relu_family(void **state) {
  int it, i;
  (void)state;
  kt_seed(75);
  for (it = 0; it < 200; ++it) {
    const float si = kt_logf(0.005f, 0.2f);
    const float so = it % 3 ? kt_logf(0.005f, 0.2f) : si;
    const int32_t zi = kt_range(-128, 127);
    const int32_t zo = it % 3 ? kt_range(-128, 127) : zi;
    const float alpha = kt_logf(0.01f, 0.5f);
    int8_t x[256], y[256], want[256];
    tmc_relu_params rp;
    tmc_leaky_relu_params lp;
    tmc_requantize_params qp;
    int32_t q, s, qa, sa, lo, hi;
    int e;
    for (i = 0; i < 256; ++i) x[i] = (int8_t)(i - 128);
    /* RELU */
    tmc_relu_prepare(si, zi, so, zo, &rp);
    tmc_quantize_multiplier((double)si / (double)so, &q, &e);
    s = e;
    for (i = 0; i < 256; ++i)
      want[i] = (int8_t)ref_clamp(
          (int64_t)ref_mbqm(x[i] - zi, q, s) + zo, zo, 127);
    tmc_relu_s8(&rp, 256, x, y);
    if (kt_diff("relu", y, want, 256)) fail();
    /* requantizing QUANTIZE */
    tmc_requantize_prepare(si, zi, so, zo, &qp);
    for (i = 0; i < 256; ++i)
      want[i] = (int8_t)ref_clamp((int64_t)ref_mbqm(x[i] - zi, q, s) + zo,
                                  -128, 127);
    tmc_requantize_s8(&qp, 256, x, y);
    if (kt_diff("requantize", y, want, 256)) fail();
    /* LEAKY_RELU: float ratios as TFLM */
    tmc_leaky_relu_prepare(si, zi, so, zo, alpha, &lp);
    tmc_quantize_multiplier((double)(si * alpha / so), &qa, &e);
    sa = e;
    tmc_quantize_multiplier((double)(si / so), &q, &e);
    s = e;
    for (i = 0; i < 256; ++i) {
      const int32_t v = x[i] - zi;
      want[i] = (int8_t)ref_clamp(
          (int64_t)(v >= 0 ? ref_mbqm(v, q, s) : ref_mbqm(v, qa, sa)) + zo,
          -128, 127);
    }
    tmc_leaky_relu_s8(&lp, 256, x, y);
    if (kt_diff("leaky_relu", y, want, 256)) fail();
    /* RELU6: raw clamp */
    tmc_clamp_params cp;
    tmc_relu6_prepare(si, zi, &cp);
    lo = cp.lo;
    hi = cp.hi;
    assert_int_equal(lo, zi);
    for (i = 0; i < 256; ++i)
      want[i] = (int8_t)(x[i] < lo ? lo : (x[i] > hi ? hi : x[i]));
    tmc_clamp_s8(&cp, 256, x, y);
    if (kt_diff("relu6", y, want, 256)) fail();
  }
}

static void test_relu6_bounds(void **state) {
  tmc_clamp_params p;
  (void)state;
  tmc_relu6_prepare(0.1f, -100, &p);
  assert_int_equal(p.lo, -100);
  assert_int_equal(p.hi, -40);
  tmc_relu6_prepare(0.01f, 0, &p); /* 6.0 -> 600: clamped */
  assert_int_equal(p.hi, 127);
}

static void test_quantize_dequantize(void **state) {
  const float in[10] = {0.0f, 0.25f, 0.75f, -0.25f, -0.75f,
                        1.25f, -1.25f, 1000.0f, -1000.0f, 0.2499f};
  /* scale 0.5: x/scale = 0, .5, 1.5, -.5, -1.5, 2.5, -2.5: ties away */
  const int8_t want[10] = {3, 4, 5, 2, 1, 6, 0, 127, -128, 3};
  int8_t y[10];
  float f[10];
  const int8_t q[4] = {-128, 0, 127, 5};
  tmc_quantize_params p = {0.5f, 3};
  tmc_dequantize_params d = {0.1, 5};
  int i;
  (void)state;
  tmc_quantize_f32_s8(&p, 10, in, y);
  assert_memory_equal(y, want, 10);
  tmc_dequantize_s8_f32(&d, 4, q, f);
  for (i = 0; i < 4; ++i) {
    const float w = (float)(0.1 * (double)(q[i] - 5));
    assert_memory_equal(&f[i], &w, sizeof(float));
  }
  /* random float -> int8 against the definition */
  kt_seed(76);
  for (i = 0; i < 100000; ++i) {
    const float s = kt_logf(0.001f, 1.0f);
    const int32_t zp = kt_range(-128, 127);
    const float v = ((float)(int32_t)kt_u32() / 2147483648.0f) * 200.0f * s;
    tmc_quantize_params qp;
    int8_t got, exp_v;
    qp.scale = s;
    qp.zero_point = zp;
    tmc_quantize_f32_s8(&qp, 1, &v, &got);
    exp_v = (int8_t)ref_clamp((int64_t)roundf(v / s) + zp, -128, 127);
    assert_int_equal(got, exp_v);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_softmax),
      cmocka_unit_test(test_softmax_hand),
      cmocka_unit_test(test_log_softmax),
      cmocka_unit_test(test_logistic_tanh),
      cmocka_unit_test(test_sigmoid_hand),
      cmocka_unit_test(test_hard_swish),
      cmocka_unit_test(test_relu_family),
      cmocka_unit_test(test_relu6_bounds),
      cmocka_unit_test(test_quantize_dequantize),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
