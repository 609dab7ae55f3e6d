/* tmc_slice_geometry against TFLite's strided-slice semantics (the reference
 * kernel: strided_slice_logic.h StridedSliceStartForAxis / EndForAxis and
 * its loop). Each expectation is worked out by hand from those rules: start
 * (negative from the end, clamped per stride sign, begin_mask), stop
 * (shrink_axis_mask, offset, negative, clamped, end_mask) and the count of
 * the loop's iterations. Also tmc_window_geometry's SAME/VALID padding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ir/geometry.h"

enum { BEGIN = 1, END = 2, SHRINK = 4, OFFSET = 8 }; /* masks on axis 0 */

/* One axis of n elements: returns start and count (step must be the stride). */
typedef struct axis_result {
  int32_t start, count;
} axis_result;

static axis_result axis(int32_t n, int64_t b, int64_t e, int64_t s, int how) {
  tmc_slice_attr attr = {0};
  attr.begin_mask = (how & BEGIN) ? 1 : 0;
  attr.end_mask = (how & END) ? 1 : 0;
  attr.shrink_axis_mask = (how & SHRINK) ? 1 : 0;
  attr.offset = (how & OFFSET) != 0;
  tmc_slice sl;
  assert_true(tmc_slice_geometry(&n, 1, &b, &e, &s, &attr, &sl));
  assert_int_equal(sl.rank, 1);
  axis_result r = {sl.start[0], sl.count[0]};
  return r;
}

#define EXPECT(r, want_start, want_count)          \
  do {                                             \
    axis_result r_ = (r);                          \
    assert_int_equal(r_.count, want_count);        \
    if (want_count > 0) assert_int_equal(r_.start, want_start); \
  } while (0)

static void test_plain(void **state) {
  (void)state;
  EXPECT(axis(10, 2, 8, 1, 0), 2, 6);
  EXPECT(axis(10, 2, 8, 2, 0), 2, 3);  /* 2 4 6 */
  EXPECT(axis(10, 2, 9, 3, 0), 2, 3);  /* 2 5 8: ceil(7 / 3) */
  EXPECT(axis(10, 5, 5, 1, 0), 5, 0);  /* empty */
  EXPECT(axis(10, 7, 3, 1, 0), 7, 0);  /* stop before start */
  EXPECT(axis(10, -3, -1, 1, 0), 7, 2); /* negative: from the end, 7 8 */
  EXPECT(axis(10, 0, 10, 20, 0), 0, 1);
}

static void test_negative_strides(void **state) {
  (void)state;
  EXPECT(axis(10, 8, 2, -1, 0), 8, 6);   /* 8 7 6 5 4 3 */
  EXPECT(axis(10, 8, 2, -3, 0), 8, 2);   /* 8 5 */
  EXPECT(axis(10, 9, 0, -4, 0), 9, 3);   /* 9 5 1 */
  EXPECT(axis(10, -1, -11, -1, 0), 9, 10); /* stop -11 + 10 = -1: down to 0 */
  EXPECT(axis(10, 2, 8, -1, 0), 2, 0);   /* stop after start */
  EXPECT(axis(10, -2, -5, -1, 0), 8, 3); /* 8 7 6 */
}

static void test_out_of_range(void **state) {
  (void)state;
  /* Forward: start and stop clamp to [0, 10]. */
  EXPECT(axis(10, 20, 30, 1, 0), 10, 0);
  EXPECT(axis(10, -20, 3, 1, 0), 0, 3);
  EXPECT(axis(10, 4, 50, 1, 0), 4, 6);
  EXPECT(axis(10, 0, -50, 1, 0), 0, 0);
  /* Backward: start and stop clamp to [-1, 9]. */
  EXPECT(axis(10, 20, 5, -1, 0), 9, 4);   /* 9 8 7 6 */
  EXPECT(axis(10, 3, -50, -1, 0), 3, 4);  /* 3 2 1 0 */
  EXPECT(axis(10, -20, -50, -1, 0), -1, 0);
  EXPECT(axis(10, 20, 50, -1, 0), 9, 0);
}

static void test_begin_mask(void **state) {
  (void)state;
  EXPECT(axis(10, 5, 4, 1, BEGIN), 0, 4);   /* begin ignored: 0 */
  EXPECT(axis(10, -3, 4, 2, BEGIN), 0, 2);  /* 0 2 */
  EXPECT(axis(10, 0, 2, -1, BEGIN), 9, 7);  /* backward: from 9 down to 3 */
  EXPECT(axis(10, 99, 6, -2, BEGIN), 9, 2); /* 9 7 */
}

static void test_end_mask(void **state) {
  (void)state;
  EXPECT(axis(10, 3, 0, 1, END), 3, 7);     /* end ignored: to 10 */
  EXPECT(axis(10, 3, -99, 3, END), 3, 3);   /* 3 6 9 */
  EXPECT(axis(10, 5, 3, -2, END), 5, 3);    /* backward to -1: 5 3 1 */
  EXPECT(axis(10, 0, 0, 1, BEGIN | END), 0, 10);
  EXPECT(axis(10, 0, 0, -1, BEGIN | END), 9, 10); /* the whole axis reversed */
}

static void test_shrink(void **state) {
  (void)state;
  EXPECT(axis(10, 3, 0, 1, SHRINK), 3, 1);   /* end does not matter */
  EXPECT(axis(10, -1, 0, 1, SHRINK), 9, 1);  /* negative index */
  EXPECT(axis(10, 4, 4, 2, SHRINK), 4, 1);   /* any positive stride: one element */
  EXPECT(axis(10, 3, 0, 1, SHRINK | END), 3, 1); /* end_mask does not apply */
  EXPECT(axis(10, 3, 1, 1, SHRINK | OFFSET), 3, 1); /* nor offset */
  EXPECT(axis(10, 7, 0, 1, SHRINK | BEGIN), 0, 1);  /* begin_mask does */
  /* Out of range: clamped, like any start; past the end nothing. */
  EXPECT(axis(10, 10, 11, 1, SHRINK), 10, 0);
  EXPECT(axis(10, 25, 26, 1, SHRINK), 10, 0);
  EXPECT(axis(10, -11, 0, 1, SHRINK), 0, 1);
  /* A negative stride: stop is start + 1 and TFLite's loop runs no
   * iteration. */
  EXPECT(axis(10, 3, 0, -1, SHRINK), 3, 0);
  EXPECT(axis(10, 3, 0, -2, SHRINK), 3, 0);
}

static void test_offset(void **state) {
  (void)state;
  /* end is a size counted from the (normalised) start. */
  EXPECT(axis(10, 2, 3, 1, OFFSET), 2, 3);     /* 2 3 4 */
  EXPECT(axis(10, 2, 5, 2, OFFSET), 2, 3);     /* stop 7: 2 4 6 */
  EXPECT(axis(10, -2, 4, 1, OFFSET), 8, 2);    /* start 8, stop 12 -> 10 */
  EXPECT(axis(10, -4, 2, 1, OFFSET), 6, 2);    /* start 6, stop 8 */
  EXPECT(axis(10, -20, 3, 1, OFFSET), 0, 3);   /* start clamped to 0 first */
  EXPECT(axis(10, 5, 3, 1, OFFSET | BEGIN), 0, 3); /* from the masked start */
  EXPECT(axis(10, 5, 1, 1, OFFSET | END), 5, 5);   /* end_mask wins */
  EXPECT(axis(10, 8, -3, -1, OFFSET), 8, 3);   /* stop 5: 8 7 6 */
  EXPECT(axis(10, 8, -20, -1, OFFSET), 8, 9);  /* stop -12 + 10 -> clamped -1 */
  EXPECT(axis(10, 3, -2, 1, OFFSET), 3, 0);    /* stop 1 */
}

static void test_zero_size_axis(void **state) {
  (void)state;
  EXPECT(axis(0, 0, 0, 1, 0), 0, 0);
  EXPECT(axis(0, 0, 0, -1, 0), 0, 0);
  EXPECT(axis(0, 0, 0, 1, BEGIN | END), 0, 0);
  EXPECT(axis(0, 0, 0, -1, BEGIN | END), 0, 0);
  EXPECT(axis(0, 0, 0, 1, SHRINK), 0, 0);
  EXPECT(axis(0, 3, 2, 1, OFFSET), 0, 0);
}

static void test_stride_zero(void **state) {
  (void)state;
  int32_t dims[2] = {4, 4};
  int64_t b[2] = {0, 0}, e[2] = {4, 4}, s[2] = {1, 0};
  tmc_slice_attr attr = {0};
  tmc_slice sl;
  assert_false(tmc_slice_geometry(dims, 2, b, e, s, &attr, &sl));
  s[1] = 1;
  assert_true(tmc_slice_geometry(dims, 2, b, e, s, &attr, &sl));
}

/* Values beyond int32 (INT64 inputs) saturate without overflow. */
static void test_wide_values(void **state) {
  (void)state;
  EXPECT(axis(10, INT64_MIN, INT64_MAX, 1, 0), 0, 10);
  EXPECT(axis(10, INT64_MAX, INT64_MIN, -1, 0), 9, 10);
  EXPECT(axis(10, 0, 10, INT64_MAX, 0), 0, 1);
  EXPECT(axis(10, INT64_MAX, 0, INT64_MIN, 0), 9, 1);
  EXPECT(axis(10, 3, INT64_MAX, 1, OFFSET), 3, 7);
  EXPECT(axis(10, 3, INT64_MIN, -1, OFFSET), 3, 4);
  EXPECT(axis(10, INT64_MIN, 0, 1, SHRINK), 0, 1);
}

/* Bit d of each mask applies to dim d only; step is the stride. */
static void test_masks_per_axis(void **state) {
  (void)state;
  int32_t dims[4] = {2, 3, 4, 5};
  int64_t b[4] = {1, 1, 3, 4}, e[4] = {2, 2, 0, 0}, s[4] = {1, 1, -1, -2};
  tmc_slice_attr attr = {0};
  attr.begin_mask = 1 << 2;       /* dim 2 backward from 3 */
  attr.end_mask = 1 << 3;         /* dim 3 backward to -1: 4 2 0 */
  attr.shrink_axis_mask = 1 << 0; /* dim 0: element 1 */
  tmc_slice sl;
  assert_true(tmc_slice_geometry(dims, 4, b, e, s, &attr, &sl));
  assert_int_equal(sl.rank, 4);
  int32_t start[4] = {1, 1, 3, 4}, count[4] = {1, 1, 3, 3}, step[4] = {1, 1, -1, -2};
  for (int d = 0; d < 4; d++) {
    assert_int_equal(sl.start[d], start[d]);
    assert_int_equal(sl.count[d], count[d]);
    assert_int_equal(sl.step[d], step[d]);
  }
}

static void test_window(void **state) {
  (void)state;
  tmc_window w = tmc_window_geometry(7, 3, 2, 1, TMC_PAD_SAME); /* out 4: total 2 */
  assert_int_equal(w.out, 4);
  assert_int_equal(w.before, 1);
  assert_int_equal(w.after, 1);
  w = tmc_window_geometry(8, 3, 2, 1, TMC_PAD_SAME); /* out 4: total 1, after gets it */
  assert_int_equal(w.out, 4);
  assert_int_equal(w.before, 0);
  assert_int_equal(w.after, 1);
  w = tmc_window_geometry(8, 3, 1, 2, TMC_PAD_VALID); /* effective 5: out 4, no pad */
  assert_int_equal(w.out, 4);
  assert_int_equal(w.before + w.after, 0);
  w = tmc_window_geometry(2, 5, 1, 1, TMC_PAD_VALID); /* window larger than input */
  assert_int_equal(w.out, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain),          cmocka_unit_test(test_negative_strides),
      cmocka_unit_test(test_out_of_range),   cmocka_unit_test(test_begin_mask),
      cmocka_unit_test(test_end_mask),       cmocka_unit_test(test_shrink),
      cmocka_unit_test(test_offset),         cmocka_unit_test(test_zero_size_axis),
      cmocka_unit_test(test_stride_zero),    cmocka_unit_test(test_wide_values),
      cmocka_unit_test(test_masks_per_axis), cmocka_unit_test(test_window),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
