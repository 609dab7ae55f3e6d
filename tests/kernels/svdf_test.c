/* The SVDF kernel (src/kernels/svdf.c) on hand-computed cases: identity
 * multipliers (2^30 with shift 1, i.e. 1.0) so that every value below
 * follows from the definition in seq.h by hand: the state moves one element
 * to the front (the whole buffer), the feature products become each
 * filter's newest element (clamped to the state type), the time products
 * and the bias are summed per unit, clamped to int8. Two invokes on one
 * state, int16 and int8 state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/kernels.h"

static const int8_t wf[4] = {1, 2, 3, -1}; /* 2 filters x 2 inputs */
static const int32_t bias[2] = {100, -100};

static tmc_svdf_params params(int bits) {
  tmc_svdf_params p;
  memset(&p, 0, sizeof p);
  p.batch = 1;
  p.input_size = 2;
  p.filters = 2;
  p.rank = 1;
  p.memory = 2;
  p.state_bits = bits;
  p.feature_mult = p.output_mult = 1 << 30;
  p.feature_shift = p.output_shift = 1;
  p.weights_feature = wf;
  p.bias = bias;
  return p;
}

static void test_svdf_int16_state(void **state) {
  (void)state;
  static const int16_t wt[4] = {10, 1, -2, 5}; /* 2 filters x memory 2 */
  tmc_svdf_params p = params(16);
  p.weights_time16 = wt;
  int16_t s[4] = {0, 0, 0, 0};
  int8_t y[2];
  const int8_t x0[2] = {3, 4};
  tmc_svdf_s8(&p, x0, s, y);
  /* features 11, 5; time 1*11, 5*5; + bias */
  const int16_t s0[4] = {0, 11, 0, 5};
  assert_memory_equal(s, s0, sizeof s);
  assert_int_equal(y[0], 111);
  assert_int_equal(y[1], -75);
  const int8_t x1[2] = {1, -1};
  tmc_svdf_s8(&p, x1, s, y);
  /* shifted {11, 0, 5, 5}, features -1, 4; time 10*11 - 1 = 109, -2*5 + 5*4 = 10 */
  const int16_t s1[4] = {11, -1, 5, 4};
  assert_memory_equal(s, s1, sizeof s);
  assert_int_equal(y[0], 127); /* 209, clamped */
  assert_int_equal(y[1], -90);
}

static void test_svdf_int8_state(void **state) {
  (void)state;
  static const int8_t wt[4] = {1, 1, -1, 2};
  tmc_svdf_params p = params(8);
  static const int32_t b8[2] = {-200, -300};
  p.weights_time8 = wt;
  p.bias = b8;
  p.input_offset = 1; /* input zero point -1 */
  p.output_offset = -3;
  int8_t s[4] = {0, 0, 0, 0};
  int8_t y[2];
  const int8_t x0[2] = {99, 99}; /* + 1: 100, 100 */
  tmc_svdf_s8(&p, x0, s, y);
  /* features 300 -> 127 (the int8 state's clamp), 200 -> 127 */
  const int8_t s0[4] = {0, 127, 0, 127};
  assert_memory_equal(s, s0, sizeof s);
  assert_int_equal(y[0], -200 + 127 - 3); /* time 0 * 1 + 127 * 1 */
  assert_int_equal(y[1], -300 + 254 - 3); /* time 0 * -1 + 127 * 2 */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_svdf_int16_state),
                                     cmocka_unit_test(test_svdf_int8_state)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
