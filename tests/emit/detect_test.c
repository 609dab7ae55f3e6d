/* detect_test.c - tmc_yolo_detect (src/kernels/detect.{h,c}): YOLOv3
 * decoding and per-class NMS.
 *
 * Built twice (tests/emit/CMakeLists.txt):
 * - emit_detect_test (label unit): hand-computed single-cell cases with
 *   int8 values whose dequantized value is 0 (sigmoid 1/2, exp 1) or
 *   +-ln 3 (sigmoid 3/4 or 1/4, exp 3 or 1/3), the score threshold exactly
 *   at a score, and NMS edge cases: ties in score (head, cell, anchor order
 *   kept), IoU exactly at the threshold (kept), zero-area boxes (IoU 0),
 *   boxes touching at an edge, classes not suppressing each other,
 *   max_boxes truncation (counting kept boxes), and more candidates than
 *   TMC_DETECT_MAX_CANDIDATES (the best are kept);
 * - emit_detect_golden_test (DETECT_GOLDEN, label golden): an independent,
 *   straightforward decode in double precision on the goldens' head outputs
 *   (detection seeds 1..3), compared with tmc_yolo_detect at several score
 *   thresholds: the same boxes in the same order, coordinates and scores
 *   within a tolerance. Skips (exit 77) when $TMC_SHARED_DIR has no models/.
 *
 * Boxes are exactly representable here (dyadic centers and sizes), so most
 * comparisons are exact. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "kernels/detect.h"
#include "testlib.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static int near(double got, double want, double tol) {
  return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

#ifndef DETECT_GOLDEN

/* A head over its own buffer, every value 'fill' (background). */
typedef struct test_head {
  int8_t data[4096];
  float anchors[32];
  tmc_yolo_head h;
} test_head;

static void head_init(test_head *t, int32_t h, int32_t w, int32_t na, int32_t nc, float stride,
                      float scale, int32_t zp, int8_t fill) {
  const size_t n = (size_t)h * (size_t)w * (size_t)na * (size_t)(5 + nc);
  assert_true(n <= sizeof t->data);
  memset(t->data, (unsigned char)fill, sizeof t->data);
  memset(t->anchors, 0, sizeof t->anchors);
  t->h.data = t->data;
  t->h.h = h;
  t->h.w = w;
  t->h.num_anchors = na;
  t->h.num_class = nc;
  t->h.anchors = t->anchors;
  t->h.stride = stride;
  t->h.scale = scale;
  t->h.zero_point = zp;
}

/* The values of (row, col, anchor): tx, ty, tw, th, objectness, classes. */
static int8_t *cell(test_head *t, int32_t row, int32_t col, int32_t a) {
  const int32_t index = (row * t->h.w + col) * t->h.num_anchors + a;
  return t->data + (size_t)index * (size_t)(5 + t->h.num_class);
}

static void set_cell(test_head *t, int32_t row, int32_t col, int32_t a, int8_t tx, int8_t ty,
                     int8_t tw, int8_t th, int8_t obj) {
  int8_t *v = cell(t, row, col, a);
  v[0] = tx;
  v[1] = ty;
  v[2] = tw;
  v[3] = th;
  v[4] = obj;
}

static void set_anchor(test_head *t, int a, float w, float h) {
  t->anchors[2 * a] = w;
  t->anchors[2 * a + 1] = h;
}

static void expect_box(const tmc_box *b, double x1, double y1, double x2, double y2,
                       double score, int32_t cls, double tol) {
  if (!near(b->x1, x1, tol) || !near(b->y1, y1, tol) || !near(b->x2, x2, tol) ||
      !near(b->y2, y2, tol) || !near(b->score, score, tol) || b->cls != cls)
    fail_msg("box [%.7g, %.7g, %.7g, %.7g] score %.7g class %d, expected [%.7g, %.7g, %.7g, "
             "%.7g] score %.7g class %d",
             (double)b->x1, (double)b->y1, (double)b->x2, (double)b->y2, (double)b->score,
             (int)b->cls, x1, y1, x2, y2, score, (int)cls);
}

/* Fills boxes with a recognizable pattern, to see what was written. */
static void poison(tmc_box *b, int n) {
  for (int i = 0; i < n; i++) {
    b[i].x1 = b[i].y1 = b[i].x2 = b[i].y2 = -12345.0f;
    b[i].score = -1.0f;
    b[i].cls = -7;
  }
}

static int is_poison(const tmc_box *b) { return b->cls == -7 && b->score == -1.0f; }


/* ------------------------------------------------------------------ */
/* Hand-computed single-cell cases                                      */

/* Every value at the zero point: sigmoid(0) = 1/2, exp(0) = 1, all exact in
 * float. Anchor 10x20, stride 8: center (4, 4), box [-1, -6, 9, 14], score
 * 1/2 * 1/2 = 1/4. Zero point 7 so that only q - zp matters. */
static void test_single_cell_zero(void **state) {
  (void)state;
  static test_head t;
  tmc_box b[4];
  head_init(&t, 1, 1, 1, 1, 8.0f, 0.37f, 7, 7);
  set_anchor(&t, 0, 10.0f, 20.0f);
  poison(b, 4);
  int n = tmc_yolo_detect(&t.h, 1, 0.2f, 0.45f, b, 4);
  assert_int_equal(n, 1);
  expect_box(&b[0], -1, -6, 9, 14, 0.25, 0, 0);
  assert_true(is_poison(&b[1]));
}

/* Scale ln 3, zero point 3: q 4 -> +ln 3 (sigmoid 3/4, exp 3), q 2 -> -ln 3
 * (sigmoid 1/4, exp 1/3), q 5 -> ln 9 (sigmoid 9/10), q 3 -> 0.
 * Head 2x3, 2 anchors (5x5, 12x9), 2 classes, stride 16; only (row 1,
 * col 2, anchor 1) scores: tx 3/4, ty 1/4, w 12 * 3 = 36, h 9 / 3 = 3,
 * center ((3/4 + 2) * 16, (1/4 + 1) * 16) = (44, 20): box [26, 18.5, 62,
 * 21.5]; objectness 9/10, class 0 sigmoid(-big) ~ 0, class 1 3/4: score
 * 0.675 for class 1. Background objectness -128: score 0. */
static void test_single_cell_ln3(void **state) {
  (void)state;
  static test_head t;
  tmc_box b[4];
  head_init(&t, 2, 3, 2, 2, 16.0f, logf(3.0f), 3, -128);
  set_anchor(&t, 0, 5.0f, 5.0f);
  set_anchor(&t, 1, 12.0f, 9.0f);
  set_cell(&t, 1, 2, 1, 4, 2, 4, 2, 5);
  cell(&t, 1, 2, 1)[5] = -128;
  cell(&t, 1, 2, 1)[6] = 4;
  poison(b, 4);
  int n = tmc_yolo_detect(&t.h, 1, 0.5f, 0.45f, b, 4);
  assert_int_equal(n, 1);
  expect_box(&b[0], 26, 18.5, 62, 21.5, 0.675, 1, 1e-5);
  assert_true(is_poison(&b[1]));

  /* The same values at (row 0, col 0, anchor 0): anchor 5x5, center
   * (3/4 * 16, 1/4 * 16) = (12, 4), w 15, h 5/3. */
  memset(t.data, -128, sizeof t.data);
  set_cell(&t, 0, 0, 0, 4, 2, 4, 2, 5);
  cell(&t, 0, 0, 0)[5] = 4;
  cell(&t, 0, 0, 0)[6] = 2; /* class 1: 9/10 * 1/4 = 0.225, below 0.5 */
  n = tmc_yolo_detect(&t.h, 1, 0.5f, 0.45f, b, 4);
  assert_int_equal(n, 1);
  expect_box(&b[0], 12 - 7.5, 4 - 5.0 / 6, 12 + 7.5, 4 + 5.0 / 6, 0.675, 0, 1e-5);
  /* At threshold 0.2 both classes pass: the same box twice, best first. */
  n = tmc_yolo_detect(&t.h, 1, 0.2f, 0.45f, b, 4);
  assert_int_equal(n, 2);
  expect_box(&b[0], 12 - 7.5, 4 - 5.0 / 6, 12 + 7.5, 4 + 5.0 / 6, 0.675, 0, 1e-5);
  expect_box(&b[1], 12 - 7.5, 4 - 5.0 / 6, 12 + 7.5, 4 + 5.0 / 6, 0.225, 1, 1e-5);
}

/* Threshold exactly at a score (1/4, exact in float) keeps it; the next
 * float above drops it. */
static void test_threshold_at_score(void **state) {
  (void)state;
  static test_head t;
  tmc_box b[2];
  head_init(&t, 1, 1, 1, 1, 8.0f, 1.0f, 0, 0);
  set_anchor(&t, 0, 4.0f, 4.0f);
  assert_int_equal(tmc_yolo_detect(&t.h, 1, 0.25f, 0.45f, b, 2), 1);
  assert_true(b[0].score == 0.25f);
  assert_int_equal(tmc_yolo_detect(&t.h, 1, nextafterf(0.25f, 1.0f), 0.45f, b, 2), 0);
  assert_int_equal(tmc_yolo_detect(&t.h, 1, nextafterf(0.25f, 0.0f), 0.45f, b, 2), 1);
}

/* ------------------------------------------------------------------ */
/* NMS edge cases (scale 1, zero point 0: q 0 -> sigmoid 1/2, exp 1;
 * objectness q 1, 2 -> sigmoid(1), sigmoid(2): higher scores; background
 * objectness -128 -> score 0).                                         */

/* Ties in score keep head, cell, anchor order. Head A: 1x2 cells (stride
 * 100), anchors 1x1 and 2x2 (same center: IoU 1/4); head B: 1 cell
 * (stride 1000, far away) with a higher score. All of A's four boxes score
 * 1/4: expected B, A(c0,a0), A(c0,a1), A(c1,a0), A(c1,a1). */
static void test_ties_keep_order(void **state) {
  (void)state;
  static test_head t[2];
  tmc_yolo_head heads[2];
  tmc_box b[8];
  head_init(&t[0], 1, 2, 2, 1, 100.0f, 1.0f, 0, 0);
  set_anchor(&t[0], 0, 1.0f, 1.0f);
  set_anchor(&t[0], 1, 2.0f, 2.0f);
  head_init(&t[1], 1, 1, 1, 1, 1000.0f, 1.0f, 0, 0);
  set_anchor(&t[1], 0, 3.0f, 3.0f);
  cell(&t[1], 0, 0, 0)[4] = 1;
  heads[0] = t[0].h;
  heads[1] = t[1].h;
  poison(b, 8);
  int n = tmc_yolo_detect(heads, 2, 0.1f, 0.45f, b, 8);
  assert_int_equal(n, 5);
  const double s1 = 0.5 / (1.0 + exp(-1.0));
  expect_box(&b[0], 498.5, 498.5, 501.5, 501.5, s1, 0, 1e-6);
  expect_box(&b[1], 49.5, 49.5, 50.5, 50.5, 0.25, 0, 0);
  expect_box(&b[2], 49, 49, 51, 51, 0.25, 0, 0);
  expect_box(&b[3], 149.5, 49.5, 150.5, 50.5, 0.25, 0, 0);
  expect_box(&b[4], 149, 49, 151, 51, 0.25, 0, 0);
  assert_true(is_poison(&b[5]));

  /* The same with the heads swapped: B is still first (best score), then
   * A's ties in order. */
  heads[0] = t[1].h;
  heads[1] = t[0].h;
  n = tmc_yolo_detect(heads, 2, 0.1f, 0.45f, b, 8);
  assert_int_equal(n, 5);
  expect_box(&b[0], 498.5, 498.5, 501.5, 501.5, s1, 0, 1e-6);
  expect_box(&b[1], 49.5, 49.5, 50.5, 50.5, 0.25, 0, 0);
  expect_box(&b[4], 149, 49, 151, 51, 0.25, 0, 0);

  /* Two heads whose tied boxes coincide: the first head's box is kept and
   * the second's suppressed (IoU 1), whichever way round. */
  static test_head u[2];
  for (int k = 0; k < 2; k++) {
    head_init(&u[k], 1, 1, 1, 1, 8.0f, 1.0f, 0, 0);
    set_anchor(&u[k], 0, 40.0f, 40.0f);
  }
  /* Head 1's box is shifted by (sigmoid(1) - 1/2) * 8 = 1.85 (IoU 0.91)... */
  cell(&u[1], 0, 0, 0)[0] = 1;
  heads[0] = u[0].h;
  heads[1] = u[1].h;
  n = tmc_yolo_detect(heads, 2, 0.1f, 0.45f, b, 8);
  assert_int_equal(n, 1);
  expect_box(&b[0], -16, -16, 24, 24, 0.25, 0, 0); /* ...and not the one kept */
  heads[0] = u[1].h;
  heads[1] = u[0].h;
  n = tmc_yolo_detect(heads, 2, 0.1f, 0.45f, b, 8);
  assert_int_equal(n, 1);
  assert_true(b[0].x1 > -15.0f); /* now head 0 is the shifted one */
}

/* IoU exactly 1/2: head 1x2, stride 2, anchor 6x4: boxes [-2,-1,4,3] and
 * [0,-1,6,3], intersection 4*4 = 16, union 24 + 24 - 16 = 32 (all exact).
 * nms_iou 0.5 keeps both (IoU equal to the threshold is kept); the float
 * just below 0.5 suppresses the lower-scored one. */
static void test_iou_at_threshold(void **state) {
  (void)state;
  static test_head t;
  tmc_box b[4];
  head_init(&t, 1, 2, 1, 1, 2.0f, 1.0f, 0, 0);
  set_anchor(&t, 0, 6.0f, 4.0f);
  /* Tied scores: cell 0 first. */
  int n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.5f, b, 4);
  assert_int_equal(n, 2);
  expect_box(&b[0], -2, -1, 4, 3, 0.25, 0, 0);
  expect_box(&b[1], 0, -1, 6, 3, 0.25, 0, 0);
  n = tmc_yolo_detect(&t.h, 1, 0.1f, nextafterf(0.5f, 0.0f), b, 4);
  assert_int_equal(n, 1);
  expect_box(&b[0], -2, -1, 4, 3, 0.25, 0, 0);
  /* Cell 1 scores higher: it comes first and, below 0.5, wins. */
  cell(&t, 0, 1, 0)[4] = 1;
  n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.5f, b, 4);
  assert_int_equal(n, 2);
  expect_box(&b[0], 0, -1, 6, 3, 0.5 / (1.0 + exp(-1.0)), 0, 1e-6);
  expect_box(&b[1], -2, -1, 4, 3, 0.25, 0, 0);
  n = tmc_yolo_detect(&t.h, 1, 0.1f, nextafterf(0.5f, 0.0f), b, 4);
  assert_int_equal(n, 1);
  expect_box(&b[0], 0, -1, 6, 3, 0.5 / (1.0 + exp(-1.0)), 0, 1e-6);
  /* And 1/2 exactly: more than the float below, so suppressed at 0.49. */
  n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.49f, b, 4);
  assert_int_equal(n, 1);
}

/* Boxes of zero area have IoU 0 with everything: kept even at nms_iou 0.
 * Head 1x1, 3 anchors of 4x4 at the same center (4, 4), stride 8: anchor 0
 * gets tw -128 (exp(-128) underflows to 0: width 0), anchor 1 th -128
 * (height 0), anchor 2 a normal 4x4 box with the best score. */
static void test_zero_area(void **state) {
  (void)state;
  static test_head t;
  tmc_box b[4];
  head_init(&t, 1, 1, 3, 1, 8.0f, 1.0f, 0, 0);
  for (int a = 0; a < 3; a++) set_anchor(&t, a, 4.0f, 4.0f);
  cell(&t, 0, 0, 0)[2] = -128;
  cell(&t, 0, 0, 1)[3] = -128;
  cell(&t, 0, 0, 2)[4] = 2;
  poison(b, 4);
  for (int k = 0; k < 2; k++) {
    const float nms = k == 0 ? 0.0f : 0.45f;
    int n = tmc_yolo_detect(&t.h, 1, 0.1f, nms, b, 4);
    assert_int_equal(n, 3);
    expect_box(&b[0], 2, 2, 6, 6, 0.5 / (1.0 + exp(-2.0)), 0, 1e-6);
    expect_box(&b[1], 4, 2, 4, 6, 0.25, 0, 0); /* zero width */
    expect_box(&b[2], 2, 4, 6, 4, 0.25, 0, 0); /* zero height */
    assert_true(is_poison(&b[3]));
  }
  /* Two identical zero-area boxes: still IoU 0, both kept. */
  cell(&t, 0, 0, 1)[2] = -128;
  cell(&t, 0, 0, 1)[3] = 0;
  cell(&t, 0, 0, 2)[4] = -128;
  int n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.0f, b, 4);
  assert_int_equal(n, 2);
  expect_box(&b[0], 4, 2, 4, 6, 0.25, 0, 0);
  expect_box(&b[1], 4, 2, 4, 6, 0.25, 0, 0);
}

/* Boxes that only touch along an edge overlap by nothing: IoU 0, kept at
 * nms_iou 0; a real overlap at nms_iou 0 suppresses. */
static void test_touching_boxes(void **state) {
  (void)state;
  static test_head t;
  tmc_box b[4];
  head_init(&t, 1, 2, 1, 1, 4.0f, 1.0f, 0, 0);
  set_anchor(&t, 0, 4.0f, 4.0f); /* [0,0,4,4] and [4,0,8,4] */
  int n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.0f, b, 4);
  assert_int_equal(n, 2);
  expect_box(&b[0], 0, 0, 4, 4, 0.25, 0, 0);
  expect_box(&b[1], 4, 0, 8, 4, 0.25, 0, 0);
  set_anchor(&t, 0, 5.0f, 4.0f); /* [-0.5,0,4.5,4] and [3.5,0,8.5,4] */
  n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.0f, b, 4);
  assert_int_equal(n, 1);
  n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.2f, b, 4); /* IoU 4 / 36 */
  assert_int_equal(n, 2);
}

/* NMS is per class: the same box in two classes is kept twice; a lower
 * box of class 0 at the same place is suppressed by class 0's box only.
 * Head 1x1, 2 anchors 4x4 (identical boxes), 2 classes: anchor 0 objectness
 * q 1, both classes q 0 (score sigmoid(1) / 2 each); anchor 1 objectness 0,
 * class 0 q 0 (1/4), class 1 q -128 (0). */
static void test_classes_separate(void **state) {
  (void)state;
  static test_head t;
  tmc_box b[4];
  head_init(&t, 1, 1, 2, 2, 8.0f, 1.0f, 0, 0);
  set_anchor(&t, 0, 4.0f, 4.0f);
  set_anchor(&t, 1, 4.0f, 4.0f);
  cell(&t, 0, 0, 0)[4] = 1;
  cell(&t, 0, 0, 1)[6] = -128;
  poison(b, 4);
  int n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.45f, b, 4);
  assert_int_equal(n, 2);
  const double s1 = 0.5 / (1.0 + exp(-1.0));
  /* Equal scores in two classes: both, in either order. */
  assert_true(b[0].cls != b[1].cls);
  for (int k = 0; k < 2; k++) expect_box(&b[k], 2, 2, 6, 6, s1, b[k].cls, 1e-6);
  assert_true(is_poison(&b[2]));
  /* Anchor 0 only in class 0, anchor 1 only in class 1: the identical
   * boxes don't suppress each other across classes. */
  cell(&t, 0, 0, 0)[6] = -128;
  cell(&t, 0, 0, 1)[5] = -128;
  cell(&t, 0, 0, 1)[6] = 0;
  n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.45f, b, 4);
  assert_int_equal(n, 2);
  expect_box(&b[0], 2, 2, 6, 6, s1, 0, 1e-6);
  expect_box(&b[1], 2, 2, 6, 6, 0.25, 1, 0);
}

/* max_boxes counts kept boxes: head 1x3 (stride 10), 2 identical anchors
 * 2x2. Cell 0 anchor 0 is best (objectness 3), cell 0 anchor 1 second (2,
 * suppressed by the first), cell 1 anchor 0 third (1), cell 2 anchor 0
 * fourth (0); the rest background. */
static void test_max_boxes(void **state) {
  (void)state;
  static test_head t;
  tmc_box b[6];
  head_init(&t, 1, 3, 2, 1, 10.0f, 1.0f, 0, 0);
  set_anchor(&t, 0, 2.0f, 2.0f);
  set_anchor(&t, 1, 2.0f, 2.0f);
  cell(&t, 0, 0, 0)[4] = 3;
  cell(&t, 0, 0, 1)[4] = 2;
  cell(&t, 0, 1, 0)[4] = 1;
  cell(&t, 0, 1, 1)[4] = -128;
  cell(&t, 0, 2, 1)[4] = -128;
  poison(b, 6);
  int n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.45f, b, 6);
  assert_int_equal(n, 3);
  assert_true(b[0].x1 == 4.0f && b[1].x1 == 14.0f && b[2].x1 == 24.0f);
  assert_true(is_poison(&b[3]));
  poison(b, 6);
  n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.45f, b, 2);
  assert_int_equal(n, 2);
  assert_true(b[0].x1 == 4.0f && b[1].x1 == 14.0f);
  assert_true(is_poison(&b[2]));
  poison(b, 6);
  n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.45f, b, 1);
  assert_int_equal(n, 1);
  assert_true(b[0].x1 == 4.0f);
  assert_true(is_poison(&b[1]));
  n = tmc_yolo_detect(&t.h, 1, 0.1f, 0.45f, b, 0);
  assert_int_equal(n, 0);
  assert_true(is_poison(&b[1]));
  /* No candidate at all: 0. */
  assert_int_equal(tmc_yolo_detect(&t.h, 1, 0.99f, 0.45f, b, 6), 0);
  assert_int_equal(tmc_yolo_detect(&t.h, 0, 0.1f, 0.45f, b, 6), 0);
}

/* More candidates than TMC_DETECT_MAX_CANDIDATES: the best ones by score
 * (ties in cell order) enter NMS. Head 1 x N cells, stride 8, anchor 1x1
 * (disjoint boxes), objectness from a fixed pseudo-random sequence in
 * [-60, 60] (scale 0.05: many ties), class q 0. */
#define MANY (TMC_DETECT_MAX_CANDIDATES + 60)
static int cmp_rank(const void *pa, const void *pb) {
  const int *a = pa, *b = pb; /* {q, cell} */
  if (a[0] != b[0]) return a[0] > b[0] ? -1 : 1;
  return a[1] - b[1];
}

static void test_max_candidates(void **state) {
  (void)state;
  static int8_t data[MANY * 6];
  static tmc_box b[MANY];
  static int rank[MANY][2];
  const float anchor[2] = {1.0f, 1.0f};
  uint32_t x = 12345;
  tmc_yolo_head h = {data, 1, MANY, 1, 1, anchor, 8.0f, 0.05f, 0};
  memset(data, 0, sizeof data);
  for (int c = 0; c < MANY; c++) {
    x = x * 1103515245u + 12345u;
    data[c * 6 + 4] = (int8_t)((int)((x >> 16) % 121u) - 60);
    rank[c][0] = data[c * 6 + 4];
    rank[c][1] = c;
  }
  qsort(rank, MANY, sizeof rank[0], cmp_rank);
  poison(b, MANY);
  int n = tmc_yolo_detect(&h, 1, 0.01f, 0.45f, b, MANY);
  assert_int_equal(n, TMC_DETECT_MAX_CANDIDATES);
  for (int i = 0; i < n; i++) {
    const int c = (int)lrintf((b[i].x1 + b[i].x2) / 2.0f / 8.0f - 0.5f);
    if (c != rank[i][1])
      fail_msg("box %d is cell %d (objectness q %d), expected cell %d (q %d)", i, c,
               data[c * 6 + 4], rank[i][1], rank[i][0]);
  }
  assert_true(is_poison(&b[n]));
  /* The same, with the best cells at the end of the head: the list must
   * drop earlier, worse candidates to make room. */
  for (int c = 0; c < MANY; c++) data[c * 6 + 4] = (int8_t)(c >= MANY - 5 ? 100 : -10);
  n = tmc_yolo_detect(&h, 1, 0.01f, 0.45f, b, MANY);
  assert_int_equal(n, TMC_DETECT_MAX_CANDIDATES);
  for (int i = 0; i < 5; i++) {
    const int c = (int)lrintf((b[i].x1 + b[i].x2) / 2.0f / 8.0f - 0.5f);
    assert_int_equal(c, MANY - 5 + i);
  }
  for (int i = 5; i < n; i++) {
    const int c = (int)lrintf((b[i].x1 + b[i].x2) / 2.0f / 8.0f - 0.5f);
    assert_int_equal(c, i - 5);
  }
  /* The best cells first, then ties past the end of the list: the ties
   * that came first stay (the last one kept is cell 255, not a later one
   * that merely equals it). */
  for (int c = 0; c < MANY; c++) data[c * 6 + 4] = (int8_t)(c < 5 ? 100 : -10);
  n = tmc_yolo_detect(&h, 1, 0.01f, 0.45f, b, MANY);
  assert_int_equal(n, TMC_DETECT_MAX_CANDIDATES);
  for (int i = 0; i < n; i++) {
    const int c = (int)lrintf((b[i].x1 + b[i].x2) / 2.0f / 8.0f - 0.5f);
    assert_int_equal(c, i);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_cell_zero),  cmocka_unit_test(test_single_cell_ln3),
      cmocka_unit_test(test_threshold_at_score), cmocka_unit_test(test_ties_keep_order),
      cmocka_unit_test(test_iou_at_threshold),  cmocka_unit_test(test_zero_area),
      cmocka_unit_test(test_touching_boxes),    cmocka_unit_test(test_classes_separate),
      cmocka_unit_test(test_max_boxes),         cmocka_unit_test(test_max_candidates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* DETECT_GOLDEN */

/* ------------------------------------------------------------------ */
/* The goldens' head outputs against an independent decode             */

/* detection.tflite's heads, in the model's output order (golden/README.md:
 * output0 [1,4,5,18], output1 [1,8,10,18], output2 [1,16,20,18]), with
 * their quantization (README table) and detection_config.json's anchors and
 * strides (checked against the file below). */
typedef struct ref_head {
  int tensor;
  int h, w;
  float scale;
  int zp;
  float stride;
  float anchors[6];
} ref_head;

static const ref_head REF[3] = {
    {175, 4, 5, 0.11086385f, 43, 32.0f, {116, 90, 156, 198, 373, 326}},
    {36, 8, 10, 0.127715752f, 49, 16.0f, {30, 61, 62, 45, 59, 119}},
    {5, 16, 20, 0.138574973f, 35, 8.0f, {10, 13, 16, 30, 33, 23}},
};

static const char *shared_dir(void) {
  const char *s = getenv("TMC_SHARED_DIR");
  struct stat st;
  if (s == NULL || *s == '\0' || stat(s, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
  return s;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  assert_non_null(buf);
  size_t r;
  while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      cap *= 2;
      buf = realloc(buf, cap + 1);
      assert_non_null(buf);
    }
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* The config (TinyEngine's format) as written: for each head in file order
 * an "input_id" (a string or a number), "anchors" [..] and "stride". A
 * deliberately small scanner, independent of src/plan/detect.c. */
static void check_config(const char *shared) {
  char path[1024];
  size_t len;
  snprintf(path, sizeof path, "%s/models/detection_config.json", shared);
  char *text = read_all(path, &len);
  if (text == NULL) fail_msg("cannot read %s", path);
  const char *p = text;
  for (int k = 0; k < 3; k++) {
    p = strstr(p, "\"input_id\"");
    assert_non_null(p);
    p = strchr(p, ':') + 1;
    while (*p == ' ' || *p == '"') p++;
    const int id = (int)strtol(p, NULL, 10);
    const ref_head *r = NULL;
    for (int j = 0; j < 3; j++)
      if (REF[j].tensor == id) r = &REF[j];
    if (r == NULL) fail_msg("config head %d: tensor %d is not one of the goldens' outputs", k, id);
    const char *end = strchr(p, '}');
    assert_non_null(end);
    const char *an = strstr(p, "\"anchors\"");
    assert_true(an != NULL && an < end);
    an = strchr(an, '[') + 1;
    for (int j = 0; j < 6; j++) {
      char *e;
      double v = strtod(an, &e);
      assert_true(e != an);
      if (v != r->anchors[j])
        fail_msg("config: tensor %d anchor %d is %g, the test has %g", id, j, v,
                 (double)r->anchors[j]);
      an = e;
      while (*an == ',' || *an == ' ' || *an == '\n') an++;
    }
    assert_true(*an == ']');
    const char *st = strstr(p, "\"stride\"");
    assert_true(st != NULL && st < end);
    double s = strtod(strchr(st, ':') + 1, NULL);
    if (s != r->stride) fail_msg("config: tensor %d stride %g, the test has %g", id, s,
                                 (double)r->stride);
    const char *nc = strstr(p, "\"num_class\"");
    assert_true(nc != NULL && nc < end);
    assert_int_equal(strtol(strchr(nc, ':') + 1, NULL, 10), 1);
    p = end;
  }
  free(text);
}

typedef struct ref_cand {
  double score;
  int head, index, cls;
  int order; /* generation order: head, cell, anchor, class */
} ref_cand;

typedef struct ref_box {
  double x1, y1, x2, y2, score;
  int cls;
} ref_box;

static int cmp_cand(const void *pa, const void *pb) {
  const ref_cand *a = pa, *b = pb;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return a->order - b->order;
}

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

static double ref_iou(const ref_box *a, const ref_box *b) {
  double aa = (a->x2 - a->x1) * (a->y2 - a->y1), ab = (b->x2 - b->x1) * (b->y2 - b->y1);
  if (aa <= 0 || ab <= 0) return 0;
  double iw = fmin(a->x2, b->x2) - fmax(a->x1, b->x1);
  double ih = fmin(a->y2, b->y2) - fmax(a->y1, b->y1);
  if (iw <= 0 || ih <= 0) return 0;
  return iw * ih / (aa + ab - iw * ih);
}

/* Straightforward YOLOv3: score every (cell, anchor, class), sort, keep the
 * best TMC_DETECT_MAX_CANDIDATES, greedy per-class NMS. Fails the test
 * when a score lies within a relative 2e-6 of the threshold or of another
 * score, or an IoU within 1e-5 of nms_iou, where float and double could
 * disagree (choose other thresholds then). */
static int ref_detect(int8_t *const data[3], double thr, double nms, ref_box *out, int max_out) {
  static ref_cand cand[4096];
  int n = 0, order = 0;
  for (int hi = 0; hi < 3; hi++) {
    const ref_head *r = &REF[hi];
    for (int row = 0; row < r->h; row++)
      for (int col = 0; col < r->w; col++)
        for (int a = 0; a < 3; a++) {
          const int index = (row * r->w + col) * 3 + a;
          const int8_t *v = data[hi] + index * 6;
          const double obj = sig(((double)v[4] - r->zp) * r->scale);
          const double s = obj * sig(((double)v[5] - r->zp) * r->scale);
          if (fabs(s - thr) < 2e-6 * thr) fail_msg("score %.9g is too close to threshold %g", s, thr);
          if (s >= thr) cand[n++] = (ref_cand){s, hi, index, 0, order};
          order++;
        }
  }
  qsort(cand, (size_t)n, sizeof cand[0], cmp_cand);
  for (int i = 0; i + 1 < n; i++)
    if (cand[i].score != cand[i + 1].score &&
        cand[i].score - cand[i + 1].score < 2e-6 * cand[i].score)
      fail_msg("scores %.9g and %.9g are too close to order", cand[i].score,
               cand[i + 1].score);
  if (n > TMC_DETECT_MAX_CANDIDATES) n = TMC_DETECT_MAX_CANDIDATES;
  int kept = 0;
  for (int i = 0; i < n && kept < max_out; i++) {
    const ref_head *r = &REF[cand[i].head];
    const int a = cand[i].index % 3, c = cand[i].index / 3;
    const int row = c / r->w, col = c % r->w;
    const int8_t *v = data[cand[i].head] + cand[i].index * 6;
    const double cx = (sig(((double)v[0] - r->zp) * r->scale) + col) * r->stride;
    const double cy = (sig(((double)v[1] - r->zp) * r->scale) + row) * r->stride;
    const double w = r->anchors[2 * a] * exp(((double)v[2] - r->zp) * r->scale);
    const double h = r->anchors[2 * a + 1] * exp(((double)v[3] - r->zp) * r->scale);
    ref_box b = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, cand[i].score, cand[i].cls};
    int keep = 1;
    for (int j = 0; j < kept; j++) {
      if (out[j].cls != b.cls) continue;
      double u = ref_iou(&out[j], &b);
      if (fabs(u - nms) < 1e-5) fail_msg("IoU %.9g is too close to nms_iou %g", u, nms);
      if (u > nms) keep = 0;
    }
    if (keep) out[kept++] = b;
  }
  return kept;
}

static void test_golden_heads(void **state) {
  (void)state;
  const char *shared = shared_dir();
  assert_non_null(shared); /* main() skipped the binary otherwise */
  check_config(shared);
  static const struct {
    float score, nms;
  } cases[] = {{0.3f, 0.45f},  {0.05f, 0.45f}, {0.01f, 0.45f}, {0.01f, 0.9f},
               {0.005f, 0.7f}, {0.001f, 0.45f}, {0.001f, 0.9f}};
  int total = 0;
  for (int seed = 1; seed <= 3; seed++) {
    int8_t *data[3];
    tmc_yolo_head heads[3];
    for (int k = 0; k < 3; k++) {
      char path[1024];
      size_t len;
      snprintf(path, sizeof path, "%s/golden/detection/seed%d.output%d.int8.bin", shared, seed,
               k);
      data[k] = (int8_t *)read_all(path, &len);
      if (data[k] == NULL) fail_msg("cannot read %s", path);
      assert_int_equal(len, (size_t)(REF[k].h * REF[k].w * 18));
      heads[k] = (tmc_yolo_head){data[k],       REF[k].h,     REF[k].w,    3, 1,
                                 REF[k].anchors, REF[k].stride, REF[k].scale, REF[k].zp};
    }
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      static tmc_box got[300];
      static ref_box want[300];
      const int max_boxes = 300;
      int n = tmc_yolo_detect(heads, 3, cases[c].score, cases[c].nms, got, max_boxes);
      int m = ref_detect(data, cases[c].score, cases[c].nms, want, max_boxes);
      printf("seed %d, score >= %g, nms %g: %d boxes (reference %d)\n", seed,
             (double)cases[c].score, (double)cases[c].nms, n, m);
      if (n != m) fail_msg("seed %d score %g: %d boxes, the reference has %d", seed,
                           (double)cases[c].score, n, m);
      for (int i = 0; i < n; i++) {
        const ref_box *w = &want[i];
        if (!near(got[i].x1, w->x1, 1e-5) || !near(got[i].y1, w->y1, 1e-5) ||
            !near(got[i].x2, w->x2, 1e-5) || !near(got[i].y2, w->y2, 1e-5) ||
            !near(got[i].score, w->score, 1e-6) || got[i].cls != w->cls)
          fail_msg("seed %d score %g box %d: [%.6g %.6g %.6g %.6g] %.7g class %d, reference "
                   "[%.6g %.6g %.6g %.6g] %.7g class %d",
                   seed, (double)cases[c].score, i, (double)got[i].x1, (double)got[i].y1,
                   (double)got[i].x2, (double)got[i].y2, (double)got[i].score, (int)got[i].cls,
                   w->x1, w->y1, w->x2, w->y2, w->score, w->cls);
      }
      total += n;
    }
    for (int k = 0; k < 3; k++) free(data[k]);
  }
  /* The cases must exercise NMS on several boxes, not just 0 or 1. */
  assert_true(total > 20);
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  tt_need_shared();
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden_heads)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif /* DETECT_GOLDEN */
