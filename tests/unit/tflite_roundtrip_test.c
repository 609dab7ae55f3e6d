/* Round trips through the .tflite writer and reader: fixture and hand-made
 * models compare equal field by field after write -> read; every model in
 * $TMC_SHARED_DIR/models compares equal after read -> write -> read, and the
 * writer's output is stable. Also the writer's errors and allocation faults.
 * The shared models are group shared (tflite_roundtrip_shared_test, label
 * golden, skipped without $TMC_SHARED_DIR); the rest needs nothing. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/file.h"
#include "fixtures/model_builder.h"
#include "fixtures/op_fixtures.h"
#include "reader/tflite.h"
#include "reader/tflite_write.h"
#include "testlib.h"

/* ---- field-by-field comparison ---------------------------------------------- */

/* Fails the test naming where and what differs. */
#define EXPECT(cond, where, ...)                       \
  do {                                                 \
    if (!(cond)) {                                     \
      print_error("mismatch at %s: ", where);          \
      print_error(__VA_ARGS__);                        \
      print_error("\n");                               \
      fail();                                          \
    }                                                  \
  } while (0)

/* Strings equal, NULL equal only to NULL. */
static bool str_eq(const char *a, const char *b) {
  if (a == NULL || b == NULL) return a == b;
  return strcmp(a, b) == 0;
}

/* Shows a possibly NULL string. */
static const char *show(const char *s) { return s ? s : "(null)"; }

/* Floats equal bit for bit (the writer copies them exactly). */
static bool f32_same(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Int vectors equal in length and elements. */
static void cmp_ivec(const char *where, const char *field, const tmc_ivec *a,
                     const tmc_ivec *b) {
  EXPECT(a->n == b->n, where, "%s: %d vs %d elements", field, (int)a->n, (int)b->n);
  for (int32_t i = 0; i < a->n; i++)
    EXPECT(a->v[i] == b->v[i], where, "%s[%d]: %d vs %d", field, (int)i, (int)a->v[i],
           (int)b->v[i]);
}

/* Float vectors equal bit for bit. */
static void cmp_fvec(const char *where, const char *field, int32_t na, const float *a,
                     int32_t nb, const float *b) {
  EXPECT(na == nb, where, "%s: %d vs %d elements", field, (int)na, (int)nb);
  for (int32_t i = 0; i < na; i++)
    EXPECT(f32_same(a[i], b[i]), where, "%s[%d]: %g vs %g", field, (int)i, (double)a[i],
           (double)b[i]);
}

/* Quantization parameters equal. */
static void cmp_quant(const char *where, const tmc_tfl_quant *a, const tmc_tfl_quant *b) {
  cmp_fvec(where, "quant.min", a->n_min, a->min, b->n_min, b->min);
  cmp_fvec(where, "quant.max", a->n_max, a->max, b->n_max, b->max);
  cmp_fvec(where, "quant.scale", a->n_scale, a->scale, b->n_scale, b->scale);
  EXPECT(a->n_zero_point == b->n_zero_point, where, "quant.zero_point: %d vs %d",
         (int)a->n_zero_point, (int)b->n_zero_point);
  for (int32_t i = 0; i < a->n_zero_point; i++)
    EXPECT(a->zero_point[i] == b->zero_point[i], where, "quant.zero_point[%d]", (int)i);
  EXPECT(a->quantized_dimension == b->quantized_dimension, where,
         "quant.quantized_dimension: %d vs %d", (int)a->quantized_dimension,
         (int)b->quantized_dimension);
  EXPECT(a->details_type == b->details_type, where, "quant.details_type: %d vs %d",
         a->details_type, b->details_type);
}

/* Per-kind comparison of one decoded options field. */
#define CMP_I8(name) \
  EXPECT(x->name == y->name, where, "options.%s: %d vs %d", #name, (int)x->name, (int)y->name);
#define CMP_I32(name) CMP_I8(name)
#define CMP_BOOL(name) CMP_I8(name)
#define CMP_F32(name)                                                          \
  EXPECT(f32_same(x->name, y->name), where, "options.%s: %g vs %g", #name,      \
         (double)x->name, (double)y->name);
#define CMP_VI32(name) cmp_ivec(where, "options." #name, &x->name, &y->name);

/* Builtin options equal: type, flags, and each decoded field (options.def). */
static void cmp_options(const char *where, const tmc_tfl_options *a,
                        const tmc_tfl_options *b) {
  EXPECT(a->type == b->type, where, "options.type: %d vs %d", a->type, b->type);
  EXPECT(a->decoded == b->decoded, where, "options.decoded: %d vs %d", a->decoded,
         b->decoded);
  EXPECT(a->has_options2 == b->has_options2, where, "options.has_options2");
  if (!a->decoded) return;
  switch (a->type) {
#define TMC_TFL_F(id, kind, name, def) CMP_##kind(name)
#define TMC_TFL_OPT(t, Table, member, fields)  \
  case t: {                                    \
    const tmc_tfl_##member *x = &a->u.member;  \
    const tmc_tfl_##member *y = &b->u.member;  \
    (void)x;                                   \
    (void)y;                                   \
    fields break;                              \
  }
#include "reader/options.def"
#undef TMC_TFL_OPT
#undef TMC_TFL_F
    default:
      break;
  }
}

/* Tensors equal in every field the struct holds. */
static void cmp_tensor(const char *where, const tmc_tfl_tensor *a, const tmc_tfl_tensor *b) {
  EXPECT(str_eq(a->name, b->name), where, "name: '%s' vs '%s'", show(a->name), show(b->name));
  EXPECT(a->type == b->type, where, "type: %d vs %d", (int)a->type, (int)b->type);
  cmp_ivec(where, "shape", &a->shape, &b->shape);
  EXPECT(a->has_shape_signature == b->has_shape_signature, where, "has_shape_signature");
  if (a->has_shape_signature)
    cmp_ivec(where, "shape_signature", &a->shape_signature, &b->shape_signature);
  EXPECT(a->buffer == b->buffer, where, "buffer: %u vs %u", a->buffer, b->buffer);
  EXPECT(a->has_quant == b->has_quant, where, "has_quant: %d vs %d", a->has_quant,
         b->has_quant);
  if (a->has_quant) cmp_quant(where, &a->quant, &b->quant);
  EXPECT(a->is_variable == b->is_variable, where, "is_variable");
  EXPECT(a->has_sparsity == b->has_sparsity, where, "has_sparsity");
  EXPECT(a->has_rank == b->has_rank, where, "has_rank");
  EXPECT(a->external_buffer == b->external_buffer, where, "external_buffer");
}

/* Operators equal in every field the struct holds. */
static void cmp_operator(const char *where, const tmc_tfl_operator *a,
                         const tmc_tfl_operator *b) {
  EXPECT(a->opcode_index == b->opcode_index, where, "opcode_index: %u vs %u",
         a->opcode_index, b->opcode_index);
  cmp_ivec(where, "inputs", &a->inputs, &b->inputs);
  cmp_ivec(where, "outputs", &a->outputs, &b->outputs);
  cmp_ivec(where, "intermediates", &a->intermediates, &b->intermediates);
  cmp_options(where, &a->options, &b->options);
  EXPECT(a->custom_options.size == b->custom_options.size, where,
         "custom_options: %zu vs %zu bytes", a->custom_options.size, b->custom_options.size);
  if (a->custom_options.size)
    EXPECT(memcmp(a->custom_options.data, b->custom_options.data, a->custom_options.size) == 0,
           where, "custom_options bytes");
  EXPECT(a->has_large_custom_options == b->has_large_custom_options, where,
         "has_large_custom_options");
}

/* Subgraph s equal, tensors and operators included. */
static void cmp_subgraph(int32_t s, const tmc_tfl_subgraph *a, const tmc_tfl_subgraph *b) {
  char where[128];
  snprintf(where, sizeof where, "subgraph %d", (int)s);
  EXPECT(str_eq(a->name, b->name), where, "name: '%s' vs '%s'", show(a->name), show(b->name));
  cmp_ivec(where, "inputs", &a->inputs, &b->inputs);
  cmp_ivec(where, "outputs", &a->outputs, &b->outputs);
  EXPECT(a->n_tensors == b->n_tensors, where, "%d vs %d tensors", (int)a->n_tensors,
         (int)b->n_tensors);
  EXPECT(a->n_operators == b->n_operators, where, "%d vs %d operators", (int)a->n_operators,
         (int)b->n_operators);
  for (int32_t i = 0; i < a->n_tensors; i++) {
    snprintf(where, sizeof where, "subgraph %d tensor %d '%s'", (int)s, (int)i,
             show(a->tensors[i].name));
    cmp_tensor(where, &a->tensors[i], &b->tensors[i]);
  }
  for (int32_t i = 0; i < a->n_operators; i++) {
    snprintf(where, sizeof where, "subgraph %d op %d", (int)s, (int)i);
    cmp_operator(where, &a->operators[i], &b->operators[i]);
  }
}

/* b = read(write(a)). Operator codes: the code, custom code and version are
 * kept; the writer stores min(code, 127) and code in the two code fields. */
static void cmp_model(const tmc_tfl_model *a, const tmc_tfl_model *b) {
  char where[128];
  EXPECT(a->version == b->version, "model", "version: %u vs %u", a->version, b->version);
  EXPECT(str_eq(a->description, b->description), "model", "description: '%s' vs '%s'",
         show(a->description), show(b->description));
  EXPECT(a->n_opcodes == b->n_opcodes, "model", "%d vs %d opcodes", (int)a->n_opcodes,
         (int)b->n_opcodes);
  for (int32_t i = 0; i < a->n_opcodes; i++) {
    const tmc_tfl_opcode *x = &a->opcodes[i], *y = &b->opcodes[i];
    snprintf(where, sizeof where, "operator code %d", (int)i);
    EXPECT(x->code == y->code, where, "code: %d vs %d", (int)x->code, (int)y->code);
    EXPECT(y->builtin_code == x->code, where, "builtin_code: %d, expected %d",
           (int)y->builtin_code, (int)x->code);
    EXPECT(y->deprecated_builtin_code == (x->code < 127 ? x->code : 127), where,
           "deprecated_builtin_code: %d for code %d", (int)y->deprecated_builtin_code,
           (int)x->code);
    EXPECT(str_eq(x->custom_code, y->custom_code), where, "custom_code: '%s' vs '%s'",
           show(x->custom_code), show(y->custom_code));
    EXPECT(x->version == y->version, where, "version: %d vs %d", (int)x->version,
           (int)y->version);
  }
  EXPECT(a->n_buffers == b->n_buffers, "model", "%d vs %d buffers", (int)a->n_buffers,
         (int)b->n_buffers);
  for (int32_t i = 0; i < a->n_buffers; i++) {
    const tmc_tfl_buffer *x = &a->buffers[i], *y = &b->buffers[i];
    snprintf(where, sizeof where, "buffer %d", (int)i);
    EXPECT(x->data.size == y->data.size, where, "%zu vs %zu bytes", x->data.size,
           y->data.size);
    if (x->data.size)
      EXPECT(memcmp(x->data.data, y->data.data, x->data.size) == 0, where, "data bytes");
    EXPECT(x->offset == y->offset && x->size == y->size, where, "offset/size");
  }
  EXPECT(a->n_subgraphs == b->n_subgraphs, "model", "%d vs %d subgraphs",
         (int)a->n_subgraphs, (int)b->n_subgraphs);
  for (int32_t i = 0; i < a->n_subgraphs; i++)
    cmp_subgraph(i, &a->subgraphs[i], &b->subgraphs[i]);
  EXPECT(a->n_metadata == b->n_metadata, "model", "%d vs %d metadata", (int)a->n_metadata,
         (int)b->n_metadata);
  for (int32_t i = 0; i < a->n_metadata; i++) {
    snprintf(where, sizeof where, "metadata %d", (int)i);
    EXPECT(str_eq(a->metadata[i].name, b->metadata[i].name), where, "name");
    EXPECT(a->metadata[i].buffer == b->metadata[i].buffer, where, "buffer");
  }
  EXPECT(a->n_signatures == b->n_signatures, "model", "%d vs %d signatures",
         (int)a->n_signatures, (int)b->n_signatures);
  for (int32_t i = 0; i < a->n_signatures; i++) {
    const tmc_tfl_signature *x = &a->signatures[i], *y = &b->signatures[i];
    snprintf(where, sizeof where, "signature %d", (int)i);
    EXPECT(str_eq(x->key, y->key), where, "key: '%s' vs '%s'", show(x->key), show(y->key));
    EXPECT(x->subgraph_index == y->subgraph_index, where, "subgraph_index");
    EXPECT(x->n_inputs == y->n_inputs && x->n_outputs == y->n_outputs, where, "map sizes");
    for (int32_t k = 0; k < x->n_inputs; k++)
      EXPECT(str_eq(x->inputs[k].name, y->inputs[k].name) &&
                 x->inputs[k].tensor_index == y->inputs[k].tensor_index,
             where, "input %d", (int)k);
    for (int32_t k = 0; k < x->n_outputs; k++)
      EXPECT(str_eq(x->outputs[k].name, y->outputs[k].name) &&
                 x->outputs[k].tensor_index == y->outputs[k].tensor_index,
             where, "output %d", (int)k);
  }
  EXPECT(a->has_external_buffers == b->has_external_buffers, "model", "has_external_buffers");
}

/* ---- helpers ---------------------------------------------------------------- */

/* Writes m, asserting success; *bytes is malloc'd. */
static size_t write_ok(const tmc_tfl_model *m, uint8_t **bytes) {
  tmc_diag d;
  size_t len = 0;
  tmc_diag_init(&d, "write");
  tmc_status s = tmc_tfl_write(m, bytes, &len, &d);
  if (s != TMC_OK) fail_msg("tmc_tfl_write: %s", d.msg);
  return len;
}

/* Reads bytes into the arena, asserting success. */
static void read_ok(const uint8_t *bytes, size_t len, tmc_arena *a, tmc_tfl_model *m) {
  tmc_diag d;
  tmc_diag_init(&d, "read");
  tmc_status s = tmc_tfl_read(bytes, len, a, m, &d);
  if (s != TMC_OK) fail_msg("tmc_tfl_read: %s", d.msg);
}

/* Checks file-level layout: identifier, 16-aligned constant data. */
static void check_layout(const uint8_t *bytes, size_t len, const tmc_tfl_model *m) {
  assert_true(len >= 8);
  assert_memory_equal(bytes + 4, "TFL3", 4);
  for (int32_t i = 0; i < m->n_buffers; i++)
    if (m->buffers[i].data.size)
      assert_int_equal((size_t)(m->buffers[i].data.data - bytes) % 16, 0);
}

/* write(m) -> read -> compare; then write again: same bytes. */
static void roundtrip(const tmc_tfl_model *m) {
  tmc_arena a;
  tmc_tfl_model back;
  uint8_t *bytes, *again;
  tmc_arena_init(&a);
  size_t len = write_ok(m, &bytes);
  read_ok(bytes, len, &a, &back);
  check_layout(bytes, len, &back);
  cmp_model(m, &back);
  size_t len2 = write_ok(&back, &again);
  assert_int_equal(len2, len);
  assert_memory_equal(again, bytes, len);
  free(again);
  free(bytes);
  tmc_arena_free(&a);
}

/* Asserts a fixture builder succeeded and returns its model (*m is read
 * after the builder call that sets it). */
static tmc_tfl_model *fixture_ok(tmc_status s, tmc_tfl_model *const *m,
                                 const tmc_diag *d) {
  if (s != TMC_OK) fail_msg("fixture: %s", d->msg);
  assert_non_null(*m);
  return *m;
}

/* ---- tests ------------------------------------------------------------------ */

/* Every single-op fixture, under several parameter sets. */
static void test_fixtures(void **state) {
  (void)state;
  tmc_arena a;
  tmc_diag d;
  tmc_tfl_model *m = NULL;
  tmc_arena_init(&a);
  tmc_diag_init(&d, "fixture");

  tmc_fx_conv c;
  tmc_fx_conv_defaults(&c);
  roundtrip(fixture_ok(tmc_fx_conv2d(&a, &c, &m, &d), &m, &d));
  roundtrip(fixture_ok(tmc_fx_depthwise_conv2d(&a, &c, &m, &d), &m, &d));
  c.in_h = 15;
  c.in_w = 9;
  c.in_c = 5;
  c.out_c = 7;
  c.k_h = 5;
  c.k_w = 2;
  c.stride_h = 2;
  c.stride_w = 3;
  c.dilation_h = 2;
  c.padding = TMC_TFL_PAD_VALID;
  c.act = TMC_TFL_ACT_RELU6;
  c.per_tensor = true;
  c.no_bias = true;
  c.depth_multiplier = 2;
  roundtrip(fixture_ok(tmc_fx_conv2d(&a, &c, &m, &d), &m, &d));
  int32_t out_t = m->subgraphs[0].operators[0].outputs.v[0];
  assert_int_equal(m->subgraphs[0].tensors[out_t].shape.v[1], 4); /* (15 - 9) / 2 + 1 */
  assert_int_equal(m->subgraphs[0].tensors[out_t].shape.v[2], 3); /* (9 - 2) / 3 + 1 */
  assert_int_equal(m->subgraphs[0].operators[0].inputs.v[2], -1);
  roundtrip(fixture_ok(tmc_fx_depthwise_conv2d(&a, &c, &m, &d), &m, &d));
  assert_int_equal(m->subgraphs[0].tensors[1].shape.v[3], 10);

  tmc_fx_fc f;
  tmc_fx_fc_defaults(&f);
  roundtrip(fixture_ok(tmc_fx_fully_connected(&a, &f, &m, &d), &m, &d));
  f.batch = 3;
  f.per_channel = f.keep_num_dims = true;
  f.act = TMC_TFL_ACT_RELU;
  roundtrip(fixture_ok(tmc_fx_fully_connected(&a, &f, &m, &d), &m, &d));
  assert_int_equal(m->subgraphs[0].tensors[1].quant.n_scale, 8);

  tmc_fx_add ad;
  tmc_fx_add_defaults(&ad);
  roundtrip(fixture_ok(tmc_fx_add_model(&a, &ad, &m, &d), &m, &d));
  ad.rank_b = 1;
  ad.shape_b[0] = 8;
  ad.b_const = true;
  roundtrip(fixture_ok(tmc_fx_add_model(&a, &ad, &m, &d), &m, &d));

  roundtrip(fixture_ok(tmc_fx_lstm(&a, 1, 4, 6, &m, &d), &m, &d));
  assert_int_equal(m->subgraphs[0].operators[0].inputs.n, 24);
  static const uint8_t opts[5] = {1, 2, 3, 4, 5};
  roundtrip(fixture_ok(tmc_fx_custom(&a, "MyCustomOp", 8, opts, 5, &m, &d), &m, &d));
  tmc_arena_free(&a);
}

/* Bad fixture parameters are usage errors, not crashes. */
static void test_fixture_errors(void **state) {
  (void)state;
  tmc_arena a;
  tmc_diag d;
  tmc_tfl_model *m = NULL;
  tmc_fx_conv c;
  tmc_fx_add ad;
  tmc_arena_init(&a);
  tmc_fx_conv_defaults(&c);
  c.padding = TMC_TFL_PAD_VALID;
  c.k_h = 9; /* larger than the 8-pixel input */
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_fx_conv2d(&a, &c, &m, &d), TMC_ERR_USAGE);
  assert_null(m);
  tmc_fx_add_defaults(&ad);
  ad.shape_b[3] = 3;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_fx_add_model(&a, &ad, &m, &d), TMC_ERR_USAGE);
  assert_non_null(strstr(d.msg, "broadcast"));
  tmc_arena_free(&a);
}

/* Each options.def table with every field set away from its default, and
 * with every field at its default (then nothing is written). */
static void test_all_options(void **state) {
  (void)state;
  int32_t vec[3] = {4, -1, 7};
  for (int pass = 0; pass < 2; pass++) {
    tmc_arena a;
    tmc_mb b;
    tmc_diag d;
    tmc_tfl_model *m;
    int32_t shape[2] = {1, 4};
    tmc_arena_init(&a);
    tmc_mb_init(&b, &a, "all options");
    int32_t t0 = tmc_mb_act_s8(&b, "x", shape, 2, 0.5f, 1);
    int32_t t1 = tmc_mb_act_s8(&b, "y", shape, 2, 0.25f, -1);
    int n_ops = 0;
#define SET_I8(id, name, def) x->name = pass ? (def) : (def) + 1 + (id);
#define SET_BOOL(id, name, def) x->name = pass ? (def) : !(def);
#define SET_I32(id, name, def) x->name = pass ? (def) : -1000 * ((id) + 1) - n_ops;
#define SET_F32(id, name, def) x->name = pass ? (def) : 0.375f * (float)((id) + 1);
#define SET_VI32(id, name, def)           \
  if (!pass) {                            \
    x->name.n = 3;                        \
    x->name.v = vec;                      \
  }
#define TMC_TFL_F(id, kind, name, def) SET_##kind(id, name, def)
#define TMC_TFL_OPT(t, Table, member, fields)        \
  {                                                  \
    tmc_tfl_options o;                               \
    memset(&o, 0, sizeof o);                         \
    o.type = t;                                      \
    tmc_tfl_##member *x = &o.u.member;               \
    (void)x;                                         \
    fields tmc_mb_op(&b, TMC_TFL_OP_ADD, 1, &t0, 1, &t1, 1, &o); \
    n_ops++;                                         \
  }
#include "reader/options.def"
#undef TMC_TFL_OPT
#undef TMC_TFL_F
    tmc_mb_io(&b, &t0, 1, &t1, 1);
    tmc_diag_init(&d, NULL);
    assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
    assert_true(m->subgraphs[0].n_operators == n_ops);
    for (int i = 0; i < n_ops; i++) assert_true(m->subgraphs[0].operators[i].options.decoded);
    roundtrip(m);
    tmc_arena_free(&a);
  }
}

/* A model using the rarer fields: several subgraphs, shape signatures,
 * variables, sparsity and quantization details, min/max, intermediates,
 * custom options, undecoded options, builtin_options_2, codes above 127,
 * buffer offset/size, metadata, signatures. */
static void test_every_field(void **state) {
  (void)state;
  tmc_arena a;
  tmc_mb b;
  tmc_diag d;
  tmc_tfl_model *m;
  tmc_arena_init(&a);
  tmc_mb_init(&b, &a, "every field");
  int32_t shape[3] = {2, 3, 4};
  int32_t t0 = tmc_mb_tensor(&b, "state", TMC_TFL_INT16, shape, 3, 0);
  int32_t t1 = tmc_mb_tensor(&b, "", TMC_TFL_FLOAT32, shape, 0, 0);
  float scale[3] = {0.5f, 0.25f, 0.125f};
  int64_t zp[3] = {-1, 0, INT64_MAX};
  tmc_mb_quant(&b, t0, 3, scale, zp, 1);
  static const uint8_t blob[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  int32_t buf = tmc_mb_buffer(&b, blob, 9);
  int32_t t2 = tmc_mb_tensor(&b, "w", TMC_TFL_UINT8, shape, 2, (uint32_t)buf);
  int32_t ins[3] = {t0, -1, t2};
  static const uint8_t custom[3] = {0xff, 0, 0x10};
  int32_t op0 = tmc_mb_custom_op(&b, "Odd", ins, 3, &t1, 1, custom, 3);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = 14; /* LSTMOptions: not decoded */
  int32_t op1 = tmc_mb_op(&b, 150, 5, &t1, 1, &t0, 1, &o);
  int32_t op2 = tmc_mb_op(&b, TMC_TFL_OP_CONV_2D, 0, NULL, 0, NULL, 0, NULL);
  int32_t in2[2] = {t0, t1};
  tmc_mb_io(&b, in2, 2, &t2, 1);
  tmc_mb_signature(&b, "serve");
  tmc_mb_metadata(&b, "min_runtime_version", "1.5.0", 6);
  tmc_mb_metadata(&b, "empty", NULL, 0);
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  assert_true(op0 == 0 && op1 == 1 && op2 == 2);

  tmc_tfl_subgraph *sg = &m->subgraphs[0];
  tmc_tfl_tensor *x = &sg->tensors[t0];
  static int32_t sig[3] = {-1, 3, 4};
  static float mins[2] = {-1.5f, -2.0f}, maxs[2] = {1.5f, 2.0f};
  x->has_shape_signature = true;
  x->shape_signature.n = 3;
  x->shape_signature.v = sig;
  x->is_variable = true;
  x->has_sparsity = true;
  x->has_rank = false;
  x->external_buffer = 3;
  x->quant.n_min = x->quant.n_max = 2;
  x->quant.min = mins;
  x->quant.max = maxs;
  x->quant.details_type = 1;
  sg->tensors[t1].has_rank = true; /* a scalar */
  sg->tensors[t2].has_quant = true; /* an empty quantization table */
  static int32_t inter[2] = {0, 2};
  sg->operators[0].intermediates.n = 2;
  sg->operators[0].intermediates.v = inter;
  sg->operators[1].options.has_options2 = true;
  m->buffers[buf].offset = 1;
  m->buffers[buf].size = 9;
  m->version = 7;

  /* A second subgraph with nothing but a name and one tensor. */
  tmc_tfl_subgraph *two = tmc_arena_array(&a, 2, sizeof *two);
  assert_non_null(two);
  two[0] = *sg;
  two[1].name = "second";
  two[1].n_tensors = 1;
  two[1].tensors = &sg->tensors[t2];
  m->subgraphs = two;
  m->n_subgraphs = 2;
  m->signatures[0].subgraph_index = 1;
  m->description = NULL;
  roundtrip(m);
  tmc_arena_free(&a);
}

/* Fields the writer cannot represent are named errors. */
static void test_unsupported(void **state) {
  (void)state;
  tmc_arena a;
  tmc_diag d;
  tmc_tfl_model *m = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  static const uint8_t opts[1] = {1};
  tmc_arena_init(&a);
  tmc_diag_init(&d, NULL);
  fixture_ok(tmc_fx_custom(&a, "X", 2, opts, 1, &m, &d), &m, &d);
  m->subgraphs[0].operators[0].has_large_custom_options = true;
  assert_int_equal(tmc_tfl_write(m, &bytes, &len, &d), TMC_ERR_UNSUPPORTED);
  assert_null(bytes);
  assert_non_null(strstr(d.msg, "subgraph 0 op 0: custom options"));
  m->subgraphs[0].operators[0].has_large_custom_options = false;
  m->has_external_buffers = true;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_tfl_write(m, &bytes, &len, &d), TMC_ERR_UNSUPPORTED);
  assert_non_null(strstr(d.msg, "external buffers"));
  tmc_arena_free(&a);
}

/* Builder allocation k fails (then scratch arena allocation k): a clean
 * TMC_ERR_NOMEM each time until the write succeeds. */
static void test_write_nomem(void **state) {
  (void)state;
  tmc_arena a;
  tmc_diag d;
  tmc_tfl_model *m = NULL;
  tmc_fx_conv c;
  tmc_arena_init(&a);
  tmc_diag_init(&d, NULL);
  tmc_fx_conv_defaults(&c);
  fixture_ok(tmc_fx_conv2d(&a, &c, &m, &d), &m, &d);
  for (int which = 0; which < 2; which++) {
    int failures = 0;
    for (long k = 0;; k++) {
      uint8_t *bytes = NULL;
      size_t len = 0;
      tmc_diag_init(&d, "m.tflite");
      tmc_status s = tmc_tfl_write_faults(m, which == 0 ? k : -1, which == 1 ? k : -1,
                                          &bytes, &len, &d);
      if (s == TMC_OK) {
        free(bytes);
        break;
      }
      assert_int_equal(s, TMC_ERR_NOMEM);
      assert_null(bytes);
      assert_non_null(strstr(d.msg, "m.tflite: "));
      failures++;
      assert_true(k < 10000);
    }
    assert_true(failures >= 1);
  }
  tmc_arena_free(&a);
}

/* read -> write -> read for every shared model; the second write gives the
 * same bytes as the first. */
static void test_shared_models(void **state) {
  (void)state;
  const char *dir_name = getenv("TMC_SHARED_DIR");
  char path[4096];
  assert_non_null(dir_name); /* main() skipped the group otherwise */
  snprintf(path, sizeof path, "%s/models", dir_name);
  DIR *dir = opendir(path);
  if (dir == NULL) fail_msg("cannot list %s", path);
  int models = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 7 || strcmp(e->d_name + n - 7, ".tflite") != 0) continue;
    snprintf(path, sizeof path, "%s/models/%s", dir_name, e->d_name);
    tmc_diag d;
    tmc_arena a;
    tmc_tfl_model first, second;
    uint8_t *orig = NULL, *w1, *w2;
    size_t len = 0;
    tmc_diag_init(&d, e->d_name);
    tmc_arena_init(&a);
    if (tmc_file_read(path, 1u << 30, &orig, &len, &d) != TMC_OK) fail_msg("%s", d.msg);
    read_ok(orig, len, &a, &first);
    size_t l1 = write_ok(&first, &w1);
    read_ok(w1, l1, &a, &second);
    check_layout(w1, l1, &second);
    print_message("%s: %zu bytes -> %zu bytes, %d tensors\n", e->d_name, len, l1,
                  (int)(first.n_subgraphs ? first.subgraphs[0].n_tensors : 0));
    cmp_model(&first, &second);
    size_t l2 = write_ok(&second, &w2);
    assert_int_equal(l2, l1);
    assert_memory_equal(w2, w1, l1);
    free(w2);
    free(w1);
    free(orig);
    tmc_arena_free(&a);
    models++;
  }
  closedir(dir);
  if (models == 0) fail_msg("no .tflite in %s/models", dir_name);
}

int main(int argc, char **argv) {
  static const char *const groups[] = {"shared", NULL};
  const char *group = tt_start(argc, argv, groups);
  if (strcmp(group, "shared") == 0) {
    tt_need_shared();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_shared_models)};
    return cmocka_run_group_tests_name("shared", tests, NULL, NULL);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixtures),    cmocka_unit_test(test_fixture_errors),
      cmocka_unit_test(test_all_options), cmocka_unit_test(test_every_field),
      cmocka_unit_test(test_unsupported), cmocka_unit_test(test_write_nomem),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
