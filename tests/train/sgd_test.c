/* QAS factors and the SGD arithmetic (src/kernels/train_sgd.c) on hand-computed
 * values: rounding, saturation, momentum, weight decay, float masters,
 * the weights' residuals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testlib.h"
#include "kernels/train_sgd.h"

static void qas_factors(void **state) {
  (void)state;
  assert_true(tmc_qas_weight_factor(0.5f) == 4.0f);
  assert_true(tmc_qas_weight_factor(0.25f) == 16.0f);
  /* s_w^-2 s_x^-2 = 1 / (0.25 * 0.0625) */
  assert_true(tmc_qas_bias_factor(0.5f, 0.25f) == 64.0f);
  assert_true(tmc_qas_bias_factor(0.125f, 2.0f) == 16.0f);
}

static void weights_qas_vs_plain(void **state) {
  (void)state;
  tmc_sgd_opts o = {.lr = 0.125f, .qas = true};
  /* s_w 0.25: int8 gradient 0.25 * g, times 16: 4 g; lr 1/8: g / 2 */
  const float g[4] = {6.0f, -6.0f, 5.0f, -5.0f};
  int8_t w[4] = {10, 10, 10, 10};
  tmc_sgd_weights(&o, 4, 0.25f, g, w, NULL, NULL, NULL);
  assert_int_equal(w[0], 7);  /* 10 - 3 */
  assert_int_equal(w[1], 13); /* 10 + 3 */
  assert_int_equal(w[2], 7);  /* 10 - 2.5: ties away from zero, 3 */
  assert_int_equal(w[3], 13);
  /* without QAS the step is s_w^2 = 1/16 of it: 3/16 rounds to 0 */
  o.qas = false;
  int8_t v[4] = {10, 10, 10, 10};
  tmc_sgd_weights(&o, 4, 0.25f, g, v, NULL, NULL, NULL);
  for (int i = 0; i < 4; i++) assert_int_equal(v[i], 10);
  /* a large enough step moves: lr 8, g 6: 0.25 * 6 * 8 = 12 */
  o.lr = 8.0f;
  tmc_sgd_weights(&o, 1, 0.25f, g, v, NULL, NULL, NULL);
  assert_int_equal(v[0], -2);
}

static void weights_saturate(void **state) {
  (void)state;
  const tmc_sgd_opts o = {.lr = 1.0f, .qas = true};
  const float g[2] = {-10.0f, 10.0f};
  int8_t w[2] = {120, -120};
  tmc_sgd_weights(&o, 2, 0.5f, g, w, NULL, NULL, NULL); /* steps of 20 */
  assert_int_equal(w[0], 127);
  assert_int_equal(w[1], -127); /* symmetric: never -128 */
}

static void momentum_and_decay(void **state) {
  (void)state;
  tmc_sgd_opts o = {.lr = 1.0f, .momentum = 0.5f, .qas = true};
  const float g[1] = {0.5f}; /* s_w 0.5: QAS step g / s_w = 1 */
  int8_t w[1] = {0};
  float mom[1] = {0};
  tmc_sgd_weights(&o, 1, 0.5f, g, w, mom, NULL, NULL);
  assert_int_equal(w[0], -1);
  assert_true(mom[0] == 1.0f);
  tmc_sgd_weights(&o, 1, 0.5f, g, w, mom, NULL, NULL); /* v = 0.5 + 1 = 1.5: rounds to 2 */
  assert_true(mom[0] == 1.5f);
  assert_int_equal(w[0], -3);
  /* decay: d/dw of wd/2 (s_w w)^2 = wd s_w^2 w, QAS'd: wd w */
  o = (tmc_sgd_opts){.lr = 1.0f, .weight_decay = 0.25f, .qas = true};
  const float z[1] = {0};
  int8_t u[1] = {8};
  tmc_sgd_weights(&o, 1, 0.5f, z, u, NULL, NULL, NULL);
  assert_int_equal(u[0], 6);
}

static void float_master(void **state) {
  (void)state;
  const tmc_sgd_opts o = {.lr = 0.25f, .qas = true};
  const float g[1] = {0.5f}; /* s_w 0.5: QAS gradient 1, step 0.25 */
  int8_t w[1] = {10};
  float master[1] = {10.0f};
  tmc_sgd_weights(&o, 1, 0.5f, g, w, NULL, master, NULL);
  assert_int_equal(w[0], 10); /* 9.75 */
  tmc_sgd_weights(&o, 1, 0.5f, g, w, NULL, master, NULL);
  assert_int_equal(w[0], 10); /* 9.5 rounds away from zero */
  tmc_sgd_weights(&o, 1, 0.5f, g, w, NULL, master, NULL);
  assert_int_equal(w[0], 9); /* 9.25 */
  assert_true(master[0] == 9.25f);
  /* without a master each 0.25 step rounds to nothing */
  int8_t v[1] = {10};
  for (int i = 0; i < 3; i++) tmc_sgd_weights(&o, 1, 0.5f, g, v, NULL, NULL, NULL);
  assert_int_equal(v[0], 10);
}

static void biases(void **state) {
  (void)state;
  const tmc_sgd_opts o = {.lr = 0.5f, .qas = true};
  /* QAS gradient s_b g / s_b^2 = g / s_b: 256 and -128; lr 0.5 */
  const float s_b[2] = {1.0f / 1024, 1.0f / 512};
  const float g[2] = {0.25f, -0.25f};
  int32_t b[2] = {100, 100};
  tmc_sgd_bias(&o, 2, s_b, 1, g, b, NULL, NULL);
  assert_int_equal(b[0], 100 - 128);
  assert_int_equal(b[1], 100 + 64);
  /* per tensor: s_b[0] for both */
  int32_t c[2] = {0, 0};
  tmc_sgd_bias(&o, 2, s_b, 0, g, c, NULL, NULL);
  assert_int_equal(c[0], -128);
  assert_int_equal(c[1], 128);
  /* saturation at the int32 limits */
  const float big[2] = {-1e6f, 1e6f};
  int32_t e[2] = {INT32_MAX - 5, INT32_MIN + 5};
  tmc_sgd_bias(&o, 2, s_b, 1, big, e, NULL, NULL);
  assert_int_equal(e[0], INT32_MAX);
  assert_int_equal(e[1], INT32_MIN);
  /* without QAS: s_b g = 2^-12, times lr: nothing moves */
  const tmc_sgd_opts p = {.lr = 0.5f, .qas = false};
  int32_t f[1] = {7};
  tmc_sgd_bias(&p, 1, s_b, 0, g, f, NULL, NULL);
  assert_int_equal(f[0], 7);
}

/* The int32 biases saturate, never wrap: steps that pass the limits, however
 * large (1e30, infinite), by momentum, with a float master; repeated steps
 * at the limit stay there; a step that comes back from the limit moves
 * exactly; NaN moves nothing. */
static void bias_clamp(void **state) {
  (void)state;
  const float s_b[1] = {1.0f};
  /* s_b 1: the QAS step is lr * g exactly */
  tmc_sgd_opts o = {.lr = 1.0f, .qas = true};
  const float huge[4] = {-1e30f, 1e30f, -INFINITY, INFINITY};
  int32_t b[4] = {0, 0, INT32_MAX - 1, INT32_MIN + 1};
  for (int k = 0; k < 3; k++) { /* a second and third step at the limit stay there */
    tmc_sgd_bias(&o, 4, s_b, 0, huge, b, NULL, NULL);
    assert_int_equal(b[0], INT32_MAX);
    assert_int_equal(b[1], INT32_MIN);
    assert_int_equal(b[2], INT32_MAX);
    assert_int_equal(b[3], INT32_MIN);
  }
  /* just past the limit by one: saturates; back by 1000: exact */
  const float one[2] = {-2.0f, 2.0f};
  int32_t c[2] = {INT32_MAX - 1, INT32_MIN + 1};
  tmc_sgd_bias(&o, 2, s_b, 0, one, c, NULL, NULL);
  assert_int_equal(c[0], INT32_MAX);
  assert_int_equal(c[1], INT32_MIN);
  const float back[2] = {1000.0f, -1000.0f};
  tmc_sgd_bias(&o, 2, s_b, 0, back, c, NULL, NULL);
  assert_int_equal(c[0], INT32_MAX - 1000);
  assert_int_equal(c[1], INT32_MIN + 1000);
  /* momentum grows the step past any int32: still saturates */
  o.momentum = 0.9f;
  float mom[2] = {0, 0};
  const float g[2] = {-3e38f, 3e38f};
  int32_t e[2] = {5, -5};
  for (int k = 0; k < 4; k++) { /* the momentum overflows to infinity */
    tmc_sgd_bias(&o, 2, s_b, 0, g, e, mom, NULL);
    assert_int_equal(e[0], INT32_MAX);
    assert_int_equal(e[1], INT32_MIN);
  }
  assert_true(isinf(mom[0]) && mom[0] < 0);
  /* a float master (in bias units) clamps to the int32 range too */
  o.momentum = 0.0f;
  float master[2] = {2147483000.0f, -2147483000.0f};
  int32_t f[2] = {2147483000, -2147483000};
  const float push[2] = {-1e9f, 1e9f};
  tmc_sgd_bias(&o, 2, s_b, 0, push, f, NULL, master);
  assert_int_equal(f[0], INT32_MAX);
  assert_int_equal(f[1], INT32_MIN);
  assert_true(master[0] == (float)INT32_MAX && master[1] == (float)INT32_MIN);
  /* without QAS and per channel: the same limits */
  const tmc_sgd_opts p = {.lr = 1e6f, .qas = false};
  const float sc[2] = {1e-3f, 1e-3f};
  int32_t h[2] = {INT32_MAX - 10, INT32_MIN + 10};
  tmc_sgd_bias(&p, 2, sc, 1, huge, h, NULL, NULL);
  assert_int_equal(h[0], INT32_MAX);
  assert_int_equal(h[1], INT32_MIN);
  /* NaN: nothing moves (bias, master, weight, stochastic weight) */
  const float nan[1] = {NAN};
  int32_t n[1] = {1234};
  float nm[1] = {1234.0f};
  tmc_sgd_bias(&o, 1, s_b, 0, nan, n, NULL, NULL);
  tmc_sgd_bias(&o, 1, s_b, 0, nan, n, NULL, nm);
  assert_int_equal(n[0], 1234);
  assert_true(nm[0] == 1234.0f);
  int8_t w[1] = {-7};
  uint32_t rng = 5;
  tmc_sgd_weights(&o, 1, 0.5f, nan, w, NULL, NULL, NULL);
  const tmc_sgd_opts so = {.lr = 1.0f, .qas = true, .rng = &rng};
  tmc_sgd_weights(&so, 1, 0.5f, nan, w, NULL, NULL, NULL);
  assert_int_equal(w[0], -7);
  /* an infinite weight step saturates at the symmetric limits */
  int8_t x[2] = {3, -3};
  const float inf[2] = {-INFINITY, INFINITY};
  tmc_sgd_weights(&so, 2, 0.5f, inf, x, NULL, NULL, NULL);
  assert_int_equal(x[0], 127);
  assert_int_equal(x[1], -127);
}

static void stochastic(void **state) {
  (void)state;
  /* steps of 0.25 (s_w 0.5, QAS gradient 1, lr 0.25): nearest loses them
   * all, stochastic rounding takes about a quarter of them, the same ones
   * for the same generator state */
  uint32_t rng = 1;
  const tmc_sgd_opts o = {.lr = 0.25f, .qas = true, .rng = &rng};
  float g[1000];
  int8_t w[1000], v[1000];
  for (int i = 0; i < 1000; i++) g[i] = 0.5f, w[i] = v[i] = 0;
  tmc_sgd_weights(&o, 1000, 0.5f, g, w, NULL, NULL, NULL);
  int moved = 0;
  for (int i = 0; i < 1000; i++) {
    assert_true(w[i] == 0 || w[i] == -1);
    moved += w[i] == -1;
  }
  assert_in_range(moved, 200, 300);
  rng = 1;
  tmc_sgd_weights(&o, 1000, 0.5f, g, v, NULL, NULL, NULL);
  assert_memory_equal(w, v, sizeof w);
  /* whole steps stay whole: 2.0 gives exactly 2 */
  const float g2[1] = {4.0f};
  int8_t u[1] = {5};
  tmc_sgd_weights(&o, 1, 0.5f, g2, u, NULL, NULL, NULL);
  assert_int_equal(u[0], 3);
  /* biases keep nearest rounding */
  const float s_b[1] = {1.0f};
  const float gb[1] = {0.25f};
  int32_t b[1] = {9};
  tmc_sgd_bias(&o, 1, s_b, 0, gb, b, NULL, NULL);
  assert_int_equal(b[0], 9);
}

static void residual(void **state) {
  (void)state;
  /* steps of 0.1 (s_w 0.5: QAS factor 4, gradient 0.2, lr 0.25): nearest
   * without a residual loses them all; the residual takes each as 26/256
   * (25.6 to nearest), so ten of them make -260/256: w -1, residual -4 */
  const tmc_sgd_opts o = {.lr = 0.25f, .qas = true};
  const float g[1] = {0.2f};
  int8_t w[1] = {0}, res[1] = {0}, v[1] = {0};
  for (int k = 0; k < 10; k++) {
    tmc_sgd_weights(&o, 1, 0.5f, g, w, NULL, NULL, res);
    tmc_sgd_weights(&o, 1, 0.5f, g, v, NULL, NULL, NULL);
    assert_int_equal(256 * w[0] + res[0], -26 * (k + 1));
    assert_true(res[0] >= -128 && res[0] <= 127); /* w the nearest integer */
  }
  assert_int_equal(w[0], -1);
  assert_int_equal(res[0], -4);
  assert_int_equal(v[0], 0);
  /* ties go up: 128/256 is w 1, residual -128 */
  const float up[1] = {-128.0f / 256.0f / 0.5f};
  int8_t t[1] = {0}, rt[1] = {0};
  tmc_sgd_weights(&o, 1, 0.5f, up, t, NULL, NULL, rt);
  assert_int_equal(t[0], 1);
  assert_int_equal(rt[0], -128);
  /* saturation: the value stops at 127 + 0/256, and moves back from there */
  const float huge[1] = {-1000.0f}, back[1] = {0.5f}; /* back: a step of 0.25 */
  int8_t s[1] = {120}, rs[1] = {77};
  tmc_sgd_weights(&o, 1, 0.5f, huge, s, NULL, NULL, rs);
  assert_int_equal(s[0], 127);
  assert_int_equal(rs[0], 0);
  tmc_sgd_weights(&o, 1, 0.5f, back, s, NULL, NULL, rs);
  assert_int_equal(s[0], 127);
  assert_int_equal(rs[0], -64);
  const float down[1] = {1000.0f};
  tmc_sgd_weights(&o, 1, 0.5f, down, s, NULL, NULL, rs);
  assert_int_equal(s[0], -127);
  assert_int_equal(rs[0], 0);
  /* NaN moves nothing, residual included */
  const float nan[1] = {NAN};
  tmc_sgd_weights(&o, 1, 0.5f, nan, s, NULL, NULL, rs);
  assert_int_equal(s[0], -127);
  assert_int_equal(rs[0], 0);
  /* stochastic below 1/256: steps of 0.001 (0.256/256) over 100 updates
   * of 1000 weights move each by 25.6/256 on average, the same moves for
   * the same generator state */
  uint32_t rng = 7;
  const tmc_sgd_opts so = {.lr = 0.0025f, .qas = true, .rng = &rng};
  static float gs[1000];
  static int8_t a[1000], ra[1000], b[1000], rb[1000];
  for (int i = 0; i < 1000; i++) gs[i] = 0.2f, a[i] = ra[i] = b[i] = rb[i] = 0;
  for (int k = 0; k < 100; k++) tmc_sgd_weights(&so, 1000, 0.5f, gs, a, NULL, NULL, ra);
  long sum = 0;
  for (int i = 0; i < 1000; i++) sum += 256 * a[i] + ra[i];
  assert_in_range(-sum, 25000, 26200); /* 25,600 expected, sd about 150 */
  rng = 7;
  for (int k = 0; k < 100; k++) tmc_sgd_weights(&so, 1000, 0.5f, gs, b, NULL, NULL, rb);
  assert_memory_equal(a, b, sizeof a);
  assert_memory_equal(ra, rb, sizeof ra);
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(qas_factors),       cmocka_unit_test(weights_qas_vs_plain),
      cmocka_unit_test(weights_saturate),  cmocka_unit_test(momentum_and_decay),
      cmocka_unit_test(float_master),      cmocka_unit_test(biases),
      cmocka_unit_test(stochastic),        cmocka_unit_test(bias_clamp),
      cmocka_unit_test(residual),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
