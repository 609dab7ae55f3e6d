/* The constant-folding pass (src/passes/fold_constants.c), one test per FOLD
 * evaluator (shape, copy, concat, unpack, gather, strided_slice, transpose):
 * small integer and int8 constants in, the folded bytes checked element by
 * element; then what is not folded (computed inputs, graph outputs, kinds
 * without an evaluator) and the errors an inconsistent op gives. Every model
 * also has a RELU of its input x as the graph output, so the folded chains
 * are side branches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "ir/build.h"
#include "ir/geometry.h"
#include "pass_test_util.h"
#include "passes/passes.h"

static const int32_t X_SHAPE[4] = {1, 2, 3, 4};

typedef struct fold_fx {
  ps_fx f;
  int32_t x, y; /* the graph input and output */
} fold_fx;

static void start(fold_fx *t) {
  ps_init(&t->f);
  t->x = tmc_mb_act_s8(&t->f.b, "x", X_SHAPE, 4, 0.1f, 0);
  t->y = tmc_mb_act_s8(&t->f.b, "y", X_SHAPE, 4, 0.1f, 0);
  ps_op(&t->f.b, TMC_TFL_OP_RELU, &t->x, 1, t->y, NULL);
}

/* Builds the graph (x in; y and `extra`, when >= 0, out) and folds. */
static tmc_status fold_with(fold_fx *t, int32_t extra) {
  int32_t out[2] = {t->y, extra};
  ps_build(&t->f, &t->x, 1, out, extra >= 0 ? 2 : 1);
  return tmc_pass_fold_constants(&t->f.g, &t->f.arena, &t->f.d);
}

static void fold(fold_fx *t) {
  tmc_status s = fold_with(t, -1);
  if (s != TMC_OK) fail_msg("fold: %s", t->f.d.msg);
}

static void expect_error(fold_fx *t, const char *sub) {
  assert_int_equal(fold_with(t, -1), TMC_ERR_MODEL);
  if (strstr(t->f.d.msg, sub) == NULL) fail_msg("'%s' lacks '%s'", t->f.d.msg, sub);
}

/* The graph build itself refuses the model (the IR's shape checks). */
static void expect_build_error(fold_fx *t, const char *sub) {
  tmc_mb_io(&t->f.b, &t->x, 1, &t->y, 1);
  tmc_tfl_model *m = NULL;
  tmc_status s = tmc_mb_finish(&t->f.b, &m, &t->f.d);
  if (s == TMC_OK) s = tmc_graph_from_tflite(m, "passes", &t->f.arena, &t->f.g, &t->f.d);
  assert_int_equal(s, TMC_ERR_MODEL);
  if (strstr(t->f.d.msg, sub) == NULL) fail_msg("'%s' lacks '%s'", t->f.d.msg, sub);
}

static int32_t i32(fold_fx *t, const char *name, const int32_t *shape, int32_t rank) {
  return tmc_mb_tensor(&t->f.b, name, TMC_TFL_INT32, shape, rank, 0);
}

static int32_t ci32(fold_fx *t, const char *name, const int32_t *shape, int32_t rank,
                    const int32_t *v) {
  return tmc_mb_const_i32(&t->f.b, name, shape, rank, v);
}

static void expect_folded(fold_fx *t, int32_t op, bool folded) {
  if (t->f.g.ops[op].folded != folded)
    fail_msg("op %d %s: folded %d, expected %d", op, t->f.g.ops[op].name,
             t->f.g.ops[op].folded, folded);
}

static void expect_s8(fold_fx *t, int32_t tensor, const int8_t *want, int64_t n) {
  const tmc_tensor *x = &t->f.g.tensors[tensor];
  assert_true(x->is_const);
  assert_int_equal(x->elems, n);
  for (int64_t i = 0; i < n; i++) assert_int_equal((int8_t)x->data[i], want[i]);
}

/* ---- shape ---------------------------------------------------------------- */

static void test_shape(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s4[1] = {4}, s2[1] = {2};
  int32_t sh32 = i32(&t, "shape32", s4, 1);
  int32_t sh64 = tmc_mb_tensor(&t.f.b, "shape64", TMC_TFL_INT64, s4, 1, 0);
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_shape);
  o.u.shape.out_type = TMC_TFL_INT32;
  int32_t op32 = ps_op(&t.f.b, TMC_TFL_OP_SHAPE, &t.x, 1, sh32, &o);
  o.u.shape.out_type = TMC_TFL_INT64;
  int32_t op64 = ps_op(&t.f.b, TMC_TFL_OP_SHAPE, &t.x, 1, sh64, &o);
  /* A chain: GATHER(SHAPE(x), [3, 1]) = [4, 2], folded after the SHAPE. */
  int32_t iv[2] = {3, 1};
  int32_t gi[2] = {sh32, ci32(&t, "idx", s2, 1, iv)};
  int32_t g = i32(&t, "gathered", s2, 1);
  tmc_tfl_options go = ps_opts(TMC_TFL_OPTIONS_gather);
  int32_t opg = ps_op(&t.f.b, TMC_TFL_OP_GATHER, gi, 2, g, &go);
  fold(&t);
  /* x is an activation: SHAPE needs only its static shape. */
  expect_folded(&t, op32, true);
  expect_folded(&t, op64, true);
  expect_folded(&t, opg, true);
  expect_folded(&t, 0, false); /* the RELU */
  const int64_t dims[4] = {1, 2, 3, 4}, picked[2] = {4, 2};
  ps_expect_ints(&t.f.g, sh32, dims, 4);
  ps_expect_ints(&t.f.g, sh64, dims, 4);
  ps_expect_ints(&t.f.g, g, picked, 2);
  ps_free(&t.f);
}

/* ---- copy: RESHAPE, SQUEEZE ----------------------------------------------- */

static void test_copy(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s23[2] = {2, 3}, s32[2] = {3, 2}, s2[1] = {2}, s13[2] = {1, 3}, s3[1] = {3};
  int8_t v[6] = {1, -2, 3, -4, 5, -6};
  int32_t shape_v[2] = {3, 2};
  int32_t ri[2] = {ps_const_s8(&t.f.b, "c", s23, 2, v), ci32(&t, "shape", s2, 1, shape_v)};
  int32_t r = tmc_mb_act_s8(&t.f.b, "reshaped", s32, 2, 0.5f, 0);
  tmc_tfl_options ro = ps_opts(TMC_TFL_OPTIONS_reshape);
  int32_t opr = ps_op(&t.f.b, TMC_TFL_OP_RESHAPE, ri, 2, r, &ro);
  int32_t sv[3] = {7, 8, 9};
  int32_t si = ci32(&t, "row", s13, 2, sv);
  int32_t sq = i32(&t, "squeezed", s3, 1);
  tmc_tfl_options so = ps_opts(TMC_TFL_OPTIONS_squeeze);
  int32_t ops = ps_op(&t.f.b, TMC_TFL_OP_SQUEEZE, &si, 1, sq, &so);
  fold(&t);
  expect_folded(&t, opr, true);
  expect_folded(&t, ops, true);
  expect_s8(&t, r, v, 6);
  assert_int_equal(t.f.g.tensors[r].rank, 2);
  assert_int_equal(t.f.g.tensors[r].dims[0], 3);
  const int64_t want[3] = {7, 8, 9};
  ps_expect_ints(&t.f.g, sq, want, 3);
  ps_free(&t.f);
}

/* ---- concat: CONCATENATION, PACK ------------------------------------------ */

static void test_concatenation(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s21[2] = {2, 1}, s22[2] = {2, 2}, s12[2] = {1, 2}, s23[2] = {2, 3}, s32[2] = {3, 2};
  int32_t a[2] = {1, 2}, b[4] = {3, 4, 5, 6};
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_concatenation);
  /* Along axis 1: each row of a, then of b. */
  o.u.concatenation.axis = 1;
  int32_t in1[2] = {ci32(&t, "a", s21, 2, a), ci32(&t, "b", s22, 2, b)};
  int32_t c1 = i32(&t, "c1", s23, 2);
  int32_t op1 = ps_op(&t.f.b, TMC_TFL_OP_CONCATENATION, in1, 2, c1, &o);
  /* Along axis -2 (= 0): a's rows, then b's. */
  o.u.concatenation.axis = -2;
  int32_t in0[2] = {ci32(&t, "a0", s12, 2, a), in1[1]};
  int32_t c0 = i32(&t, "c0", s32, 2);
  int32_t op0 = ps_op(&t.f.b, TMC_TFL_OP_CONCATENATION, in0, 2, c0, &o);
  fold(&t);
  expect_folded(&t, op1, true);
  expect_folded(&t, op0, true);
  const int64_t want1[6] = {1, 3, 4, 2, 5, 6}, want0[6] = {1, 2, 3, 4, 5, 6};
  ps_expect_ints(&t.f.g, c1, want1, 6);
  ps_expect_ints(&t.f.g, c0, want0, 6);
  ps_free(&t.f);
}

static void test_pack(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s2[1] = {2}, s22[2] = {2, 2}, s0[1] = {1};
  int32_t a[2] = {1, 2}, b[2] = {3, 4}, one[1] = {5}, two[1] = {6};
  int32_t in[2] = {ci32(&t, "a", s2, 1, a), ci32(&t, "b", s2, 1, b)};
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_pack);
  o.u.pack.values_count = 2;
  int32_t p0 = i32(&t, "p0", s22, 2), p1 = i32(&t, "p1", s22, 2), ps = i32(&t, "ps", s2, 1);
  int32_t op0 = ps_op(&t.f.b, TMC_TFL_OP_PACK, in, 2, p0, &o); /* rows a, b */
  o.u.pack.axis = 1;
  int32_t op1 = ps_op(&t.f.b, TMC_TFL_OP_PACK, in, 2, p1, &o); /* columns a, b */
  o.u.pack.axis = 0;
  int32_t sc[2] = {ci32(&t, "five", s0, 0, one), ci32(&t, "six", s0, 0, two)};
  int32_t ops = ps_op(&t.f.b, TMC_TFL_OP_PACK, sc, 2, ps, &o); /* scalars */
  fold(&t);
  expect_folded(&t, op0, true);
  expect_folded(&t, op1, true);
  expect_folded(&t, ops, true);
  const int64_t w0[4] = {1, 2, 3, 4}, w1[4] = {1, 3, 2, 4}, wsc[2] = {5, 6};
  ps_expect_ints(&t.f.g, p0, w0, 4);
  ps_expect_ints(&t.f.g, p1, w1, 4);
  ps_expect_ints(&t.f.g, ps, wsc, 2);
  ps_free(&t.f);
}

/* ---- unpack --------------------------------------------------------------- */

static void test_unpack(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s23[2] = {2, 3}, s2[1] = {2}, s3[1] = {3}, s32[2] = {3, 2};
  int32_t v[6] = {1, 2, 3, 4, 5, 6};
  int32_t c = ci32(&t, "c", s23, 2, v);
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_unpack);
  /* Axis 1: output k is column k. */
  o.u.unpack.num = 3;
  o.u.unpack.axis = 1;
  int32_t cols[3] = {i32(&t, "col0", s2, 1), i32(&t, "col1", s2, 1), i32(&t, "col2", s2, 1)};
  int32_t op1 = tmc_mb_op(&t.f.b, TMC_TFL_OP_UNPACK, 1, &c, 1, cols, 3, &o);
  /* Axis -2 (= 0): output k is row k. */
  o.u.unpack.num = 2;
  o.u.unpack.axis = -2;
  int32_t rows[2] = {i32(&t, "row0", s3, 1), i32(&t, "row1", s3, 1)};
  int32_t op0 = tmc_mb_op(&t.f.b, TMC_TFL_OP_UNPACK, 1, &c, 1, rows, 2, &o);
  /* int8 data, axis 0 of [3, 2]. */
  int8_t sv[6] = {-1, -2, -3, -4, -5, -6};
  int32_t c8 = ps_const_s8(&t.f.b, "c8", s32, 2, sv);
  o.u.unpack.num = 3;
  o.u.unpack.axis = 0;
  int32_t r8[3] = {tmc_mb_act_s8(&t.f.b, "r0", s2, 1, 0.5f, 0),
                   tmc_mb_act_s8(&t.f.b, "r1", s2, 1, 0.5f, 0),
                   tmc_mb_act_s8(&t.f.b, "r2", s2, 1, 0.5f, 0)};
  int32_t op8 = tmc_mb_op(&t.f.b, TMC_TFL_OP_UNPACK, 1, &c8, 1, r8, 3, &o);
  fold(&t);
  expect_folded(&t, op1, true);
  expect_folded(&t, op0, true);
  expect_folded(&t, op8, true);
  const int64_t col[3][2] = {{1, 4}, {2, 5}, {3, 6}}, row[2][3] = {{1, 2, 3}, {4, 5, 6}};
  for (int k = 0; k < 3; k++) ps_expect_ints(&t.f.g, cols[k], col[k], 2);
  for (int k = 0; k < 2; k++) ps_expect_ints(&t.f.g, rows[k], row[k], 3);
  for (int k = 0; k < 3; k++) expect_s8(&t, r8[k], sv + 2 * k, 2);
  ps_free(&t.f);
}

static void test_unpack_mismatch(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s23[2] = {2, 3}, s2[1] = {2};
  int32_t v[6] = {0};
  int32_t c = ci32(&t, "c", s23, 2, v);
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_unpack);
  o.u.unpack.num = 2;
  o.u.unpack.axis = 1; /* axis 1 has 3 entries, not 2 */
  int32_t out[2] = {i32(&t, "u0", s2, 1), i32(&t, "u1", s2, 1)};
  tmc_mb_op(&t.f.b, TMC_TFL_OP_UNPACK, 1, &c, 1, out, 2, &o);
  expect_build_error(&t, "op 1 UNPACK: input 0 (tensor 2 'c'): dim 1 has size 3, but there "
                     "are 2 outputs");
  ps_free(&t.f);
}

/* ---- gather --------------------------------------------------------------- */

static void test_gather(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s32[2] = {3, 2}, s2[1] = {2}, s1[1] = {1}, s3[1] = {3}, s31[2] = {3, 1},
          s22[2] = {2, 2};
  int32_t v[6] = {10, 11, 20, 21, 30, 31};
  int32_t params = ci32(&t, "params", s32, 2, v);
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_gather);
  /* Axis 0: rows 2 and 0. */
  int32_t iv0[2] = {2, 0};
  int32_t in0[2] = {params, ci32(&t, "idx0", s2, 1, iv0)};
  int32_t g0 = i32(&t, "g0", s22, 2);
  int32_t op0 = ps_op(&t.f.b, TMC_TFL_OP_GATHER, in0, 2, g0, &o);
  /* Axis 1: column 1 of each row. */
  o.u.gather.axis = 1;
  int32_t iv1[1] = {1};
  int32_t in1[2] = {params, ci32(&t, "idx1", s1, 1, iv1)};
  int32_t g1 = i32(&t, "g1", s31, 2);
  int32_t op1 = ps_op(&t.f.b, TMC_TFL_OP_GATHER, in1, 2, g1, &o);
  /* INT64 indices, repeated. */
  o.u.gather.axis = 0;
  const int64_t iv2[3] = {1, 1, 0};
  int32_t in2[2] = {params, ps_const_i64(&t.f.b, "idx2", s3, 1, iv2)};
  int32_t g2 = i32(&t, "g2", s32, 2);
  int32_t op2 = ps_op(&t.f.b, TMC_TFL_OP_GATHER, in2, 2, g2, &o);
  fold(&t);
  expect_folded(&t, op0, true);
  expect_folded(&t, op1, true);
  expect_folded(&t, op2, true);
  const int64_t w0[4] = {30, 31, 10, 11}, w1[3] = {11, 21, 31}, w2[6] = {20, 21, 20, 21, 10, 11};
  ps_expect_ints(&t.f.g, g0, w0, 4);
  ps_expect_ints(&t.f.g, g1, w1, 3);
  ps_expect_ints(&t.f.g, g2, w2, 6);
  ps_free(&t.f);
}

/* A GATHER of one index from params [3] = {1, 2, 3}: the graph build fails
 * with sub; or, with `computed`, the index comes out of a CONCATENATION the
 * pass folds first and the pass fails so (its recheck of the GATHER). */
static void gather_error(const int32_t *index, int32_t batch_dims, bool computed,
                         const char *sub) {
  fold_fx t;
  start(&t);
  int32_t s3[1] = {3}, s1[1] = {1};
  int32_t v[3] = {1, 2, 3};
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_gather);
  o.u.gather.batch_dims = batch_dims;
  int32_t idx = ci32(&t, "idx", s1, 1, index);
  if (computed) {
    tmc_tfl_options oc = ps_opts(TMC_TFL_OPTIONS_concatenation);
    int32_t part = idx;
    idx = i32(&t, "idx_computed", s1, 1);
    ps_op(&t.f.b, TMC_TFL_OP_CONCATENATION, &part, 1, idx, &oc);
  }
  int32_t in[2] = {ci32(&t, "params", s3, 1, v), idx};
  ps_op(&t.f.b, TMC_TFL_OP_GATHER, in, 2, i32(&t, "g", s1, 1), &o);
  if (computed)
    expect_error(&t, sub);
  else
    expect_build_error(&t, sub);
  ps_free(&t.f);
}

static void test_gather_errors(void **state) {
  (void)state;
  const int32_t three[1] = {3}, minus[1] = {-1}, zero[1] = {0};
  gather_error(three, 0, false, "op 1 GATHER: input 1 (tensor 2 'idx'): index 0 is 3, "
               "expected 0..2");
  gather_error(minus, 0, false, "op 1 GATHER: input 1 (tensor 2 'idx'): index 0 is -1");
  gather_error(three, 0, true, "op 2 GATHER: input 1 (tensor 3 'idx_computed'): index 0 is "
               "3, expected 0..2");
  gather_error(zero, 1, false, "op 1 GATHER: batch_dims 1 is out of range (0..0 for axis 0 "
               "and 1-dim indices)");
}

/* ---- strided_slice -------------------------------------------------------- */

typedef struct slice_case {
  int32_t begin[2], end[2], strides[2];
  int32_t begin_mask, end_mask, shrink_mask;
  int32_t out_rank, out_dims[2];
  int64_t want[12];
} slice_case;

/* STRIDED_SLICE of the INT32 [3, 4] matrix 0..11 (row-major). */
static void test_strided_slice(void **state) {
  (void)state;
  static const slice_case cases[] = {
      /* rows 2, 1 backward; columns 0, 2 */
      {{2, 0}, {0, 4}, {-1, 2}, 0, 0, 0, 2, {2, 2}, {8, 10, 4, 6}},
      /* begin_mask on rows (from 0), end_mask on columns (to the end) */
      {{1, 1}, {2, 0}, {1, 1}, 1, 2, 0, 2, {2, 3}, {1, 2, 3, 5, 6, 7}},
      /* row 1, shrunk away */
      {{1, 0}, {2, 4}, {1, 1}, 0, 0, 1, 1, {4, 0}, {4, 5, 6, 7}},
      /* negative indices: the last row, columns 1 and 2 */
      {{-1, -3}, {3, -1}, {1, 1}, 0, 0, 0, 2, {1, 2}, {9, 10}},
      /* out-of-range bounds clamp; the whole matrix reversed in both dims */
      {{9, 9}, {-9, -9}, {-1, -1}, 0, 0, 0, 2, {3, 4}, {11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
  };
  fold_fx t;
  start(&t);
  int32_t s34[2] = {3, 4}, s2[1] = {2};
  int32_t v[12];
  for (int i = 0; i < 12; i++) v[i] = i;
  int32_t m = ci32(&t, "m", s34, 2, v);
  int n = (int)(sizeof cases / sizeof cases[0]);
  int32_t outs[8], ops[8]; /* one per case */
  for (int c = 0; c < n; c++) {
    const slice_case *k = &cases[c];
    tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_strided_slice);
    o.u.strided_slice.begin_mask = k->begin_mask;
    o.u.strided_slice.end_mask = k->end_mask;
    o.u.strided_slice.shrink_axis_mask = k->shrink_mask;
    int32_t in[4] = {m, ci32(&t, "begin", s2, 1, k->begin), ci32(&t, "end", s2, 1, k->end),
                     ci32(&t, "strides", s2, 1, k->strides)};
    outs[c] = i32(&t, "slice", k->out_dims, k->out_rank);
    ops[c] = ps_op(&t.f.b, TMC_TFL_OP_STRIDED_SLICE, in, 4, outs[c], &o);
  }
  fold(&t);
  for (int c = 0; c < n; c++) {
    expect_folded(&t, ops[c], true);
    const tmc_tensor *y = &t.f.g.tensors[outs[c]];
    for (int64_t i = 0; i < y->elems; i++)
      if (tmc_tensor_int(y, i) != cases[c].want[i])
        fail_msg("case %d element %lld: %lld, expected %lld", c, (long long)i,
                 (long long)tmc_tensor_int(y, i), (long long)cases[c].want[i]);
  }
  ps_free(&t.f);
}

static void test_strided_slice_errors(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s4[1] = {4}, s1[1] = {1}, s3[1] = {3};
  int32_t v[4] = {1, 2, 3, 4}, b[1] = {0}, e[1] = {4}, s[1] = {2};
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_strided_slice);
  int32_t in[4] = {ci32(&t, "v", s4, 1, v), ci32(&t, "begin", s1, 1, b),
                   ci32(&t, "end", s1, 1, e), ci32(&t, "strides", s1, 1, s)};
  ps_op(&t.f.b, TMC_TFL_OP_STRIDED_SLICE, in, 4, i32(&t, "wrong", s3, 1), &o); /* 2 picked */
  expect_build_error(&t, "op 1 STRIDED_SLICE: output 0 (tensor 6 'wrong'): shape [3], "
                     "expected [2]");
  ps_free(&t.f);

  start(&t);
  int32_t zero[1] = {0};
  int32_t in0[4] = {ci32(&t, "v", s4, 1, v), ci32(&t, "begin", s1, 1, b),
                    ci32(&t, "end", s1, 1, e), ci32(&t, "strides", s1, 1, zero)};
  ps_op(&t.f.b, TMC_TFL_OP_STRIDED_SLICE, in0, 4, i32(&t, "y", s4, 1), &o);
  expect_build_error(&t, "op 1 STRIDED_SLICE: input 3 (tensor 5 'strides'): a stride is 0");
  ps_free(&t.f);
}

/* ---- transpose ------------------------------------------------------------ */

static void test_transpose(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s23[2] = {2, 3}, s32[2] = {3, 2}, s2[1] = {2}, s213[3] = {2, 1, 3},
          s321[3] = {3, 2, 1}, s3[1] = {3};
  int32_t v[6] = {0, 1, 2, 3, 4, 5}, p10[2] = {1, 0}, p201[3] = {2, 0, 1};
  int32_t in2[2] = {ci32(&t, "m", s23, 2, v), ci32(&t, "perm", s2, 1, p10)};
  int32_t t2 = i32(&t, "t2", s32, 2);
  tmc_tfl_options o = ps_opts(TMC_TFL_OPTIONS_transpose);
  int32_t op2 = ps_op(&t.f.b, TMC_TFL_OP_TRANSPOSE, in2, 2, t2, &o);
  int32_t in3[2] = {ci32(&t, "c", s213, 3, v), ci32(&t, "perm3", s3, 1, p201)};
  int32_t t3 = i32(&t, "t3", s321, 3);
  int32_t op3 = ps_op(&t.f.b, TMC_TFL_OP_TRANSPOSE, in3, 2, t3, &o);
  fold(&t);
  expect_folded(&t, op2, true);
  expect_folded(&t, op3, true);
  /* out[i][j] = in[j][i]; out[k][i][0] = in[i][0][k] */
  const int64_t w2[6] = {0, 3, 1, 4, 2, 5}, w3[6] = {0, 3, 1, 4, 2, 5};
  ps_expect_ints(&t.f.g, t2, w2, 6);
  ps_expect_ints(&t.f.g, t3, w3, 6);
  ps_free(&t.f);

  /* A perm computed at compile time (a constant one the IR checks, see
   * ir_errors_test): {0} ++ {2} is not a permutation of 0..1. */
  start(&t);
  int32_t s1[1] = {1}, p0[1] = {0}, p2[1] = {2};
  int32_t parts[2] = {ci32(&t, "p0", s1, 1, p0), ci32(&t, "p2", s1, 1, p2)};
  int32_t perm = i32(&t, "perm", s2, 1);
  tmc_tfl_options oc = ps_opts(TMC_TFL_OPTIONS_concatenation);
  ps_op(&t.f.b, TMC_TFL_OP_CONCATENATION, parts, 2, perm, &oc);
  int32_t inb[2] = {ci32(&t, "m", s23, 2, v), perm};
  ps_op(&t.f.b, TMC_TFL_OP_TRANSPOSE, inb, 2, i32(&t, "tb", s32, 2), &o);
  expect_error(&t, "op 2 TRANSPOSE: input 1 (tensor 4 'perm'): not a permutation of 0..1 "
               "(entry 1 is 2)");
  ps_free(&t.f);
}

/* ---- what is not folded --------------------------------------------------- */

static void test_not_folded(void **state) {
  (void)state;
  fold_fx t;
  start(&t);
  int32_t s2[1] = {2}, s24[2] = {6, 4}, s4[4] = {1, 2, 3, 4};
  /* RESHAPE of the activation x: a view at run time, not a constant. */
  int32_t shape_v[2] = {6, 4};
  int32_t ri[2] = {t.x, ci32(&t, "shape", s2, 1, shape_v)};
  int32_t r = tmc_mb_act_s8(&t.f.b, "r", s24, 2, 0.1f, 0);
  tmc_tfl_options ro = ps_opts(TMC_TFL_OPTIONS_reshape);
  int32_t opr = ps_op(&t.f.b, TMC_TFL_OP_RESHAPE, ri, 2, r, &ro);
  /* A graph output is computed at run time even from constants. */
  int32_t a[2] = {1, 2};
  int32_t pin[2] = {ci32(&t, "a", s2, 1, a), ci32(&t, "b", s2, 1, a)};
  tmc_tfl_options po = ps_opts(TMC_TFL_OPTIONS_concatenation);
  int32_t s4v[1] = {4};
  int32_t cat = i32(&t, "cat", s4v, 1);
  int32_t opc = ps_op(&t.f.b, TMC_TFL_OP_CONCATENATION, pin, 2, cat, &po);
  /* A kind without an evaluator (ADD) of two constants. */
  int8_t k[24] = {1};
  int32_t ai[2] = {ps_const_s8(&t.f.b, "k1", s4, 4, k), ps_const_s8(&t.f.b, "k2", s4, 4, k)};
  int32_t sum = tmc_mb_act_s8(&t.f.b, "sum", s4, 4, 0.5f, 0);
  tmc_tfl_options ao = ps_opts(TMC_TFL_OPTIONS_add);
  int32_t opa = ps_op(&t.f.b, TMC_TFL_OP_ADD, ai, 2, sum, &ao);
  assert_int_equal(fold_with(&t, cat), TMC_OK);
  expect_folded(&t, opr, false);
  expect_folded(&t, opc, false);
  expect_folded(&t, opa, false);
  assert_false(t.f.g.tensors[r].is_const);
  assert_false(t.f.g.tensors[cat].is_const);
  assert_false(t.f.g.tensors[sum].is_const);
  assert_false(tmc_pass_fold_evaluates(TMC_OP_ADD));
  assert_true(tmc_pass_fold_evaluates(TMC_OP_UNPACK));
  ps_free(&t.f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shape),           cmocka_unit_test(test_copy),
      cmocka_unit_test(test_concatenation),   cmocka_unit_test(test_pack),
      cmocka_unit_test(test_unpack),          cmocka_unit_test(test_unpack_mismatch),
      cmocka_unit_test(test_gather),          cmocka_unit_test(test_gather_errors),
      cmocka_unit_test(test_strided_slice),   cmocka_unit_test(test_strided_slice_errors),
      cmocka_unit_test(test_transpose),       cmocka_unit_test(test_not_folded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
