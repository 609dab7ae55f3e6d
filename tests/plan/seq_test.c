/* The sequence operators in the plan (label unit): SVDF and
 * UNIDIRECTIONAL_SEQUENCE_LSTM models built with tmc_mb.
 * - the persistent region: the variable tensors at the arena's start, live at
 *   every step, nothing else placed over them; models without state keep
 *   none (persist_bytes 0);
 * - the state carries across invokes and tmc_host_reset restores it (an
 *   int8 state to its zero point): invoking the same input twice differs,
 *   a reset gives the first invoke's bytes again (in an exact, malloc'd
 *   arena: ASan catches a byte outside);
 * - the refusals, each naming the operator and the element: LSTM with
 *   projection, peephole, layer norm or CIFG, another cell gate activation,
 *   int16 activations with int32 biases; a state that is a graph input, not
 *   a variable; SVDF with weights_time and state of different types, a bias
 *   scale TFLM rejects, filters not a multiple of rank. (Arithmetic: the ops-v2 suite's 70
 *   stateful cases, tests/golden.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

#include "ir/build.h"
#include "plan_test_util.h"

#define SUBJECT "seq.tflite"

typedef struct sq {
  tmc_arena a;
  tmc_mb b;
} sq;

static void sq_init(sq *w) {
  tmc_arena_init(&w->a);
  tmc_mb_init(&w->b, &w->a, "sequence operators");
}

#define SHAPE(...) (const int32_t[]){__VA_ARGS__}, (int32_t)(sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t))

/* A quantized tensor of type ty (data: n bytes, or NULL for an activation). */
static int32_t qt(sq *w, const char *name, int32_t ty, const int32_t *shape, int32_t rank,
                  float scale, int32_t zp, const void *data, size_t n) {
  uint32_t buf = data ? (uint32_t)tmc_mb_buffer(&w->b, data, n) : 0;
  int32_t t = tmc_mb_tensor(&w->b, name, ty, shape, rank, buf);
  const int64_t z = zp;
  tmc_mb_quant(&w->b, t, 1, &scale, &z, 0);
  return t;
}

static void variable(sq *w, int32_t t) { w->b.sg->tensors[t].is_variable = true; }

/* Deterministic small weights. */
static void fill8(int8_t *v, size_t n, int seed) {
  for (size_t i = 0; i < n; i++) v[i] = (int8_t)((int)((i * 37 + (size_t)seed * 11) % 61) - 30);
}

/* SVDF variants. */
enum { SV_OK, SV_NOT_VARIABLE, SV_MIXED_TYPES, SV_BIAS_SCALE, SV_RANK };

/* x [1,6] int8 -> SVDF (4 filters, rank 2, memory 3, int16 state) -> y [1,2].
 * Tensors: x 0, weights_feature 1, weights_time 2, bias 3, state 4, y 5. */
static void svdf(sq *w, int variant) {
  int8_t wf[24];
  int16_t wt[12];
  int8_t wt8[12];
  int32_t bias[2] = {100, -50};
  fill8(wf, 24, 1);
  for (int i = 0; i < 12; i++) wt[i] = (int16_t)(i * 41 % 97 - 48), wt8[i] = (int8_t)wt[i];
  const float sx = 0.05f, swf = 0.01f, swt = 0.002f, ss = 0.004f, sy = 0.02f;
  int32_t x = qt(w, "x", TMC_TFL_INT8, SHAPE(1, 6), sx, 3, NULL, 0);
  int32_t f = qt(w, "svdf/weights_feature", TMC_TFL_INT8, SHAPE(4, 6), swf, 0, wf, sizeof wf);
  int32_t t = variant == SV_MIXED_TYPES
                  ? qt(w, "svdf/weights_time", TMC_TFL_INT8, SHAPE(4, 3), swt, 0, wt8, sizeof wt8)
                  : qt(w, "svdf/weights_time", TMC_TFL_INT16, SHAPE(4, 3), swt, 0, wt, sizeof wt);
  int32_t b = qt(w, "svdf/bias", TMC_TFL_INT32, SHAPE(2),
                 variant == SV_BIAS_SCALE ? 1.0f : ss * swt, 0, bias, sizeof bias);
  int32_t s = qt(w, "svdf/state", TMC_TFL_INT16, SHAPE(1, 12), ss, 0, NULL, 0);
  if (variant != SV_NOT_VARIABLE) variable(w, s);
  int32_t y = qt(w, "y", TMC_TFL_INT8, SHAPE(1, 2), sy, -1, NULL, 0);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_svdf;
  o.decoded = true;
  o.u.svdf.rank = variant == SV_RANK ? 3 : 2;
  const int32_t in[5] = {x, f, t, b, s};
  tmc_mb_op(&w->b, TMC_TFL_OP_SVDF, 3, in, 5, &y, 1, &o);
  const int32_t ins[2] = {x, s}; /* SV_NOT_VARIABLE: the state a graph input */
  tmc_mb_io(&w->b, ins, variant == SV_NOT_VARIABLE ? 2 : 1, &y, 1);
}

/* LSTM variants. */
enum { LS_OK, LS_PROJECTION, LS_PEEPHOLE, LS_LAYER_NORM, LS_CIFG, LS_RELU, LS_INT16 };

/* x [1,3,4] int8 (batch major) -> UNIDIRECTIONAL_SEQUENCE_LSTM (5 units,
 * int8 hidden state with zero point 2, int16 cell 2^-12) -> y [1,3,5]. */
static void lstm(sq *w, int variant) {
  static const char *const gates[4] = {"input", "forget", "cell", "output"};
  const int32_t ty = variant == LS_INT16 ? TMC_TFL_INT16 : TMC_TFL_INT8;
  int32_t in[24];
  for (int i = 0; i < 24; i++) in[i] = -1;
  in[0] = qt(w, "x", ty, SHAPE(1, 3, 4), 0.03f, variant == LS_INT16 ? 0 : -3, NULL, 0);
  int8_t wi[20], wr[25];
  int32_t bias[5] = {10, -20, 30, 0, 5};
  for (int g = 0; g < 4; g++) {
    char name[64];
    fill8(wi, 20, g);
    fill8(wr, 25, g + 4);
    snprintf(name, sizeof name, "lstm/input_to_%s", gates[g]);
    in[1 + g] = qt(w, name, TMC_TFL_INT8, SHAPE(5, 4), 0.01f, 0, wi, sizeof wi);
    snprintf(name, sizeof name, "lstm/recurrent_to_%s", gates[g]);
    in[5 + g] = qt(w, name, TMC_TFL_INT8, SHAPE(5, 5), 0.012f, 0, wr, sizeof wr);
    snprintf(name, sizeof name, "lstm/%s_bias", gates[g]);
    in[12 + g] = qt(w, name, TMC_TFL_INT32, SHAPE(5), 0.0003f, 0, bias, sizeof bias);
  }
  if (variant == LS_CIFG) in[1] = in[5] = in[12] = -1;
  if (variant == LS_PEEPHOLE) in[9] = in[6];
  if (variant == LS_PROJECTION) in[16] = in[6];
  if (variant == LS_LAYER_NORM) in[21] = in[13];
  in[18] = qt(w, "lstm/output_state", ty, SHAPE(1, 5), 0.008f, variant == LS_INT16 ? 0 : 2,
              NULL, 0);
  in[19] = qt(w, "lstm/cell_state", TMC_TFL_INT16, SHAPE(1, 5), 1.0f / 4096, 0, NULL, 0);
  variable(w, in[18]);
  variable(w, in[19]);
  int32_t y = qt(w, "y", ty, SHAPE(1, 3, 5), 0.008f, variant == LS_INT16 ? 0 : 2, NULL, 0);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_unidirectional_sequence_lstm;
  o.decoded = true;
  o.u.unidirectional_sequence_lstm.fused_activation_function =
      variant == LS_RELU ? TMC_TFL_ACT_RELU : TMC_TFL_ACT_TANH;
  o.u.unidirectional_sequence_lstm.cell_clip = 10.0f;
  tmc_mb_op(&w->b, TMC_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, 1, in, 24, &y, 1, &o);
  tmc_mb_io(&w->b, &in[0], 1, &y, 1);
}

/* Plans w's model: TMC_OK into *out, or the failure. */
static tmc_status plan(sq *w, pt_built *out) {
  tmc_tfl_model *m = NULL;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_mb_finish(&w->b, &m, &d), TMC_OK);
  return pt_plan(m, SUBJECT, NULL, &w->a, out);
}

/* The model fails to plan with want and every substring. */
static void expect(void (*build)(sq *, int), int variant, tmc_status want,
                   const char *const *subs) {
  sq w;
  sq_init(&w);
  build(&w, variant);
  pt_built p;
  tmc_status s = plan(&w, &p);
  if (!tt_diag_has(&p.diag, s, want, SUBJECT, subs)) {
    tt_diag_report("tmc_plan_build", s, &p.diag, want, subs);
    fail();
  }
  tmc_arena_free(&w.a);
}
#define EXPECT(build, variant, want, ...) \
  expect(build, variant, want, (const char *const[]){__VA_ARGS__, NULL})

/* Persistent region: the state blocks first, at [0, persist_bytes), live
 * at every step; every other block above it; validated. Then three
 * invokes on one input differ from a fresh start only through the state,
 * and a reset repeats invoke 0. */
static void check_state(void (*build)(sq *, int), int32_t n_state) {
  sq w;
  sq_init(&w);
  build(&w, 0);
  pt_built p;
  tmc_status s = plan(&w, &p);
  if (s != TMC_OK) fail_msg("%s", p.diag.msg);
  const tmc_mem *m = &p.plan.mem;
  assert_int_equal(m->n_persist, n_state);
  int64_t want = 0;
  for (int32_t i = m->n_blocks - m->n_persist; i < m->n_blocks; i++) {
    const tmc_block *b = &m->blocks[i];
    assert_true(b->tensor >= 0 && p.graph.tensors[b->tensor].is_variable);
    assert_int_equal(b->offset, want);
    assert_int_equal(b->first, 0);
    assert_int_equal(b->last, p.plan.n_steps - 1);
    want += b->size;
  }
  assert_int_equal(m->persist_bytes, want);
  for (int32_t i = 0; i < m->n_blocks - m->n_persist; i++)
    assert_true(m->blocks[i].offset >= m->persist_bytes);
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_plan_validate(&p.plan, &d), TMC_OK);

  const tmc_tensor *x = &p.graph.tensors[p.graph.inputs[0]];
  const tmc_tensor *y = &p.graph.tensors[p.graph.outputs[0]];
  uint8_t *arena = malloc((size_t)m->arena_bytes);
  uint8_t *out[3];
  assert_non_null(arena);
  memset(arena, 0xA5, (size_t)m->arena_bytes); /* reset, not the allocation, sets the state */
  tmc_host_reset(&p.plan, arena);
  for (int32_t t = 0; t < p.graph.n_tensors; t++) {
    const tmc_tensor *v = &p.graph.tensors[t];
    if (!v->is_variable) continue;
    for (int64_t i = 0; i < v->bytes; i++)
      assert_int_equal(arena[m->offset[t] + i], tmc_plan_reset_byte(v));
  }
  for (int j = 0; j < 3; j++) {
    uint8_t *in = tmc_host_tensor(&p.plan, arena, x->id);
    for (int64_t i = 0; i < x->bytes; i++) in[i] = (uint8_t)(i * 29 + 7);
    tmc_host_invoke(&p.plan, arena, NULL, NULL);
    out[j] = malloc((size_t)y->bytes);
    assert_non_null(out[j]);
    memcpy(out[j], tmc_host_tensor(&p.plan, arena, y->id), (size_t)y->bytes);
  }
  /* the same input, another state: another output */
  assert_true(memcmp(out[0], out[1], (size_t)y->bytes) != 0);
  tmc_host_reset(&p.plan, arena);
  uint8_t *in = tmc_host_tensor(&p.plan, arena, x->id);
  for (int64_t i = 0; i < x->bytes; i++) in[i] = (uint8_t)(i * 29 + 7);
  tmc_host_invoke(&p.plan, arena, NULL, NULL);
  assert_memory_equal(tmc_host_tensor(&p.plan, arena, y->id), out[0], (size_t)y->bytes);
  for (int j = 0; j < 3; j++) free(out[j]);
  free(arena);
  tmc_arena_free(&w.a);
}

static void test_svdf_state(void **state) {
  (void)state;
  check_state(svdf, 1);
}

static void test_lstm_state(void **state) {
  (void)state;
  check_state(lstm, 2);
}

/* A model without variable tensors has no persistent region. */
static void test_no_state(void **state) {
  (void)state;
  sq w;
  sq_init(&w);
  int32_t x = qt(&w, "x", TMC_TFL_INT8, SHAPE(1, 8), 0.05f, 0, NULL, 0);
  int32_t y = pt_unary(&w.b, TMC_TFL_OP_RELU, x, "y", SHAPE(1, 8), 0.05f, 0, NULL);
  tmc_mb_io(&w.b, &x, 1, &y, 1);
  pt_built p;
  assert_int_equal(plan(&w, &p), TMC_OK);
  assert_int_equal(p.plan.mem.n_persist, 0);
  assert_int_equal(p.plan.mem.persist_bytes, 0);
  tmc_arena_free(&w.a);
}

static void test_svdf_refusals(void **state) {
  (void)state;
  EXPECT(svdf, SV_NOT_VARIABLE, TMC_ERR_MODEL, "op 0 SVDF: input 4 (tensor 4 'svdf/state') "
         "holds the state: it must be a variable tensor (is_variable), neither constant, a "
         "graph input nor computed");
  EXPECT(svdf, SV_MIXED_TYPES, TMC_ERR_UNSUPPORTED, "op 0 SVDF: input 4 (tensor 4 "
         "'svdf/state') is INT16, TFLM's integer kernel takes INT8 here");
  EXPECT(svdf, SV_BIAS_SCALE, TMC_ERR_MODEL, "op 0 SVDF: input 3 (tensor 3 'svdf/bias', "
         "bias): scale 1, expected the state's times weights_time's");
  EXPECT(svdf, SV_RANK, TMC_ERR_MODEL, "op 0 SVDF: input 1 (tensor 1 'svdf/weights_feature'): "
         "4 filters are not a multiple of rank 3");
}

static void test_lstm_refusals(void **state) {
  (void)state;
  EXPECT(lstm, LS_PROJECTION, TMC_ERR_UNSUPPORTED, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM",
         "with projection (inputs 16, 17): TFLM has no integer kernel for it");
  EXPECT(lstm, LS_PEEPHOLE, TMC_ERR_UNSUPPORTED, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM",
         "with peephole weights (inputs 9-11)");
  EXPECT(lstm, LS_LAYER_NORM, TMC_ERR_UNSUPPORTED, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM",
         "with layer normalization (inputs 20-23)");
  EXPECT(lstm, LS_CIFG, TMC_ERR_UNSUPPORTED, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM",
         "coupled input and forget gates (CIFG");
  EXPECT(lstm, LS_RELU, TMC_ERR_UNSUPPORTED, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM: cell gate "
         "activation 1", "takes TANH (4) or SIGMOID (6)");
  /* int16 activations are TFLM's 16x8 form (lstm16_test.c), whose biases are int64 */
  EXPECT(lstm, LS_INT16, TMC_ERR_UNSUPPORTED, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM: input 12",
         "the input gate bias) is INT32, TFLM's 16x8->16 LSTM takes INT64");
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_svdf_state),   cmocka_unit_test(test_lstm_state),
      cmocka_unit_test(test_no_state),     cmocka_unit_test(test_svdf_refusals),
      cmocka_unit_test(test_lstm_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
