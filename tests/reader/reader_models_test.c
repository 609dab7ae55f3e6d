/* The reader on the shared models (label golden): the four whole models of
 * ../shared/models and every single-op model of ../shared/golden/ops.
 *
 * Each model is read with tmc_tfl_read and cross-checked, field by field,
 * against `flatc --json` of the same file under the shared schema (Debian's
 * flatc 2.0.8 needs " (deprecated)" removed from the schema; the test writes
 * the fixed copy into a temporary folder). Compared: schema version,
 * description, operator codes (both builtin code fields, custom code,
 * version), buffers (data length, offset/size fields), every subgraph's
 * name, inputs, outputs, tensors (name, type, shape, shape_signature,
 * buffer, is_variable, quantization: min, max, scales, zero points,
 * quantized_dimension) and operators (opcode index, inputs, outputs,
 * intermediates, options type and every decoded option field), metadata and
 * signature defs. flatc prints floats with 6 decimals, so float fields are
 * compared to within half a unit of the 6th decimal.
 *
 * Then the facts the issue names (op sequences, outputs, MAC totals through
 * the IR), and truncations of the shared models (never a crash, always a
 * named error or a successful read).
 *
 * Three groups (tt_start in tests/testlib.h), each a CTest test of its own:
 *   (none)  the JSON reader on a small document (unit; reader_json_test);
 *   shared  the named facts, the op models and the truncations (golden;
 *           reader_models_test; skips when $TMC_SHARED_DIR has no models/);
 *   flatc   the cross-check against flatc (golden, flatc;
 *           reader_models_flatc_test; skips without ../shared or flatc). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/status.h"
#include "ir/build.h"
#include "ir/graph.h"
#include "base/json_read.h"
#include "reader/shared_models.h"
#include "reader/tflite.h"
#include "testlib.h"

/* ---- flatc ---------------------------------------------------------------- */

typedef struct flatc_env {
  bool have_flatc;
  char dir[1024];    /* temporary folder */
  char schema[1200]; /* fixed schema inside it */
} flatc_env;

static flatc_env g_flatc;

/* Copies the shared schema with every " (deprecated)" removed (flatc 2.0.8
 * rejects the attribute-like comments newer schemas carry). */
static bool write_fixed_schema(const char *shared, const char *out) {
  char src[1200];
  snprintf(src, sizeof src, "%s/spec/schema.fbs", shared);
  uint8_t *text;
  size_t len;
  if (!tt_read_file(src, &text, &len)) return false;
  FILE *f = fopen(out, "wb");
  if (f == NULL) {
    free(text);
    return false;
  }
  static const char pat[] = " (deprecated)";
  size_t pl = sizeof pat - 1;
  for (size_t i = 0; i < len;) {
    if (i + pl <= len && memcmp(text + i, pat, pl) == 0) {
      i += pl;
      continue;
    }
    fputc(text[i], f);
    i++;
  }
  free(text);
  return fclose(f) == 0;
}

/* Setup of the flatc group: the fixed schema in a temporary folder (main()
 * has checked that ../shared and flatc are there). */
static int group_setup(void **state) {
  (void)state;
  memset(&g_flatc, 0, sizeof g_flatc);
  const char *shared = tt_shared_dir();
  if (shared == NULL) return -1;
  g_flatc.have_flatc = true;
  const char *tmp = getenv("TMPDIR");
  snprintf(g_flatc.dir, sizeof g_flatc.dir, "%s/tmc_flatc_XXXXXX",
           tmp && tmp[0] ? tmp : "/tmp");
  if (mkdtemp(g_flatc.dir) == NULL) {
    g_flatc.have_flatc = false;
    g_flatc.dir[0] = '\0';
    return -1;
  }
  snprintf(g_flatc.schema, sizeof g_flatc.schema, "%s/schema.fbs", g_flatc.dir);
  if (!write_fixed_schema(shared, g_flatc.schema)) return -1;
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  if (g_flatc.dir[0]) {
    remove(g_flatc.schema);
    rmdir(g_flatc.dir);
  }
  return 0;
}

/* Runs flatc on model_path and parses its JSON (Buffer.data arrays only
 * counted). NULL on failure, with the reason printed. */
static tmc_jvalue *flatc_json(const char *model_path, tmc_arena *a) {
  if (strchr(model_path, '\'') || strchr(g_flatc.dir, '\'')) {
    print_error("path with a quote: %s\n", model_path);
    return NULL;
  }
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "flatc --json --strict-json --raw-binary --defaults-json -o '%s' '%s' -- '%s'",
           g_flatc.dir, g_flatc.schema, model_path);
  int rc = system(cmd);
  if (rc != 0) {
    print_error("'%s' failed (status %d)\n", cmd, rc);
    return NULL;
  }
  char stem[256], json_path[1500];
  tt_stem(model_path, stem, sizeof stem);
  snprintf(json_path, sizeof json_path, "%s/%s.json", g_flatc.dir, stem);
  uint8_t *text;
  size_t len;
  if (!tt_read_file(json_path, &text, &len)) {
    print_error("flatc wrote no %s\n", json_path);
    return NULL;
  }
  remove(json_path);
  static const char *const skip[] = {"data", NULL};
  char err[256];
  tmc_jvalue *v = tmc_json_parse((const char *)text, len, skip, a, err, sizeof err);
  if (v == NULL) print_error("%s: JSON: %s\n", json_path, err);
  free(text);
  return v;
}

/* ---- comparison ----------------------------------------------------------- */

#define MAX_REPORTED 20

/* flatc prints floats in fixed notation with 6 decimals. */
static bool float_matches(double tmc, double json) {
  if (isnan(tmc) || isnan(json)) return isnan(tmc) && isnan(json);
  return fabs(tmc - json) <= 5.0001e-7 + 1e-7 * fabs(json);
}

static void cmp_int(tt_report *c, const char *where, const char *field, long long tmc,
                    const tmc_jvalue *obj, long long def) {
  const tmc_jvalue *j = tmc_json_get(obj, field);
  if (j == NULL) {
    if (tmc != def)
      tt_problem(c, "%s: %s: tmc %lld, flatc omits it (default %lld)", where, field, tmc,
               def);
    return;
  }
  if (j->type != TMC_JSON_NUMBER || !j->is_int || j->i != tmc)
    tt_problem(c, "%s: %s: tmc %lld, flatc %s%g", where, field, tmc,
             j->type == TMC_JSON_NUMBER ? "" : "(not an integer) ", j->num);
}

static void cmp_bool(tt_report *c, const char *where, const char *field, bool tmc,
                     const tmc_jvalue *obj, bool def) {
  const tmc_jvalue *j = tmc_json_get(obj, field);
  bool v = j && j->type == TMC_JSON_BOOL ? j->b : def;
  if (j && j->type != TMC_JSON_BOOL) tt_problem(c, "%s: %s: flatc value is not a bool", where, field);
  if (v != tmc) tt_problem(c, "%s: %s: tmc %d, flatc %d", where, field, tmc, v);
}

static void cmp_string(tt_report *c, const char *where, const char *field, const char *tmc,
                       const tmc_jvalue *obj) {
  const char *j = tmc_json_get_str(obj, field, NULL);
  if ((tmc == NULL) != (j == NULL) || (tmc && strcmp(tmc, j) != 0))
    tt_problem(c, "%s: %s: tmc \"%s\", flatc \"%s\"", where, field, tmc ? tmc : "(none)",
             j ? j : "(none)");
}

static void cmp_ivec(tt_report *c, const char *where, const char *field, const int32_t *v,
                     int32_t n, const tmc_jvalue *obj) {
  const tmc_jvalue *j = tmc_json_get(obj, field);
  size_t jn = tmc_json_len(j);
  if (j && j->type != TMC_JSON_ARRAY) {
    tt_problem(c, "%s: %s: flatc value is not an array", where, field);
    return;
  }
  if ((size_t)n != jn) {
    tt_problem(c, "%s: %s: tmc %d elements, flatc %zu", where, field, n, jn);
    return;
  }
  for (size_t i = 0; i < jn; i++) {
    const tmc_jvalue *e = tmc_json_at(j, i);
    if (e == NULL || e->type != TMC_JSON_NUMBER || !e->is_int || e->i != v[i]) {
      tt_problem(c, "%s: %s[%zu]: tmc %d, flatc %g", where, field, i, v[i], e ? e->num : 0.0);
      return;
    }
  }
}

static void cmp_i64vec(tt_report *c, const char *where, const char *field, const int64_t *v,
                       int32_t n, const tmc_jvalue *obj) {
  const tmc_jvalue *j = tmc_json_get(obj, field);
  size_t jn = tmc_json_len(j);
  if ((size_t)n != jn) {
    tt_problem(c, "%s: %s: tmc %d elements, flatc %zu", where, field, n, jn);
    return;
  }
  for (size_t i = 0; i < jn; i++) {
    const tmc_jvalue *e = tmc_json_at(j, i);
    if (e == NULL || e->type != TMC_JSON_NUMBER || !e->is_int || e->i != v[i]) {
      tt_problem(c, "%s: %s[%zu]: tmc %lld, flatc %g", where, field, i, (long long)v[i],
               e ? e->num : 0.0);
      return;
    }
  }
}

static void cmp_fvec(tt_report *c, const char *where, const char *field, const float *v,
                     int32_t n, const tmc_jvalue *obj) {
  const tmc_jvalue *j = tmc_json_get(obj, field);
  size_t jn = tmc_json_len(j);
  if ((size_t)n != jn) {
    tt_problem(c, "%s: %s: tmc %d elements, flatc %zu", where, field, n, jn);
    return;
  }
  for (size_t i = 0; i < jn; i++) {
    const tmc_jvalue *e = tmc_json_at(j, i);
    if (e == NULL || e->type != TMC_JSON_NUMBER || !float_matches(v[i], e->num)) {
      tt_problem(c, "%s: %s[%zu]: tmc %.9g, flatc %.9g", where, field, i, (double)v[i],
               e ? e->num : 0.0);
      return;
    }
  }
}

/* The code of a BuiltinOperator name, -1 when unknown. */
static int32_t builtin_code_of(const char *name) {
  for (int32_t code = 0; code < 512; code++) {
    const char *n = tmc_tfl_builtin_name(code);
    if (n && strcmp(n, name) == 0) return code;
  }
  return -1;
}

/* The value of a schema enum name used by an options field, -1 when the
 * name is not one tmc knows for that field. */
static int32_t enum_value(const char *field, const char *name) {
  static const char *const padding[] = {"SAME", "VALID"};
  static const char *const act[] = {"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH",
                                    "SIGN_BIT"};
  static const char *const weights_format[] = {"DEFAULT", "SHUFFLED4x16INT8"};
  static const char *const mirror[] = {"REFLECT", "SYMMETRIC"};
  const char *const *names = NULL;
  int32_t n = 0;
  if (!strcmp(field, "padding")) names = padding, n = 2;
  else if (!strcmp(field, "fused_activation_function")) names = act, n = 6;
  else if (!strcmp(field, "weights_format")) names = weights_format, n = 2;
  else if (!strcmp(field, "mode")) names = mirror, n = 2;
  if (names) {
    for (int32_t i = 0; i < n; i++)
      if (!strcmp(names[i], name)) return i;
    return -1;
  }
  /* TensorType fields: quantized_bias_type, in/out_data_type, output_type... */
  for (int32_t t = 0; t < 64; t++)
    if (!strcmp(tmc_tfl_type_name(t), name)) return t;
  return -1;
}

/* Options fields, one comparer per options.def kind. */
static void opt_I8(tt_report *c, const char *where, const char *field, const int32_t *v,
                   const tmc_jvalue *jo, int def) {
  const tmc_jvalue *j = tmc_json_get(jo, field);
  long long want;
  if (j == NULL) {
    want = def;
  } else if (j->type == TMC_JSON_STRING) {
    want = enum_value(field, j->str);
    if (want < 0) {
      tt_problem(c, "%s: options.%s: flatc \"%s\" is not a name tmc knows", where, field,
               j->str);
      return;
    }
  } else if (j->type == TMC_JSON_NUMBER) {
    want = (long long)j->num;
  } else {
    tt_problem(c, "%s: options.%s: unexpected flatc value", where, field);
    return;
  }
  if (want != *v) tt_problem(c, "%s: options.%s: tmc %d, flatc %lld", where, field, *v, want);
}
static void opt_I32(tt_report *c, const char *where, const char *field, const int32_t *v,
                    const tmc_jvalue *jo, int def) {
  cmp_int(c, where, field, *v, jo, def);
}
static void opt_BOOL(tt_report *c, const char *where, const char *field, const bool *v,
                     const tmc_jvalue *jo, int def) {
  cmp_bool(c, where, field, *v, jo, def != 0);
}
static void opt_F32(tt_report *c, const char *where, const char *field, const float *v,
                    const tmc_jvalue *jo, int def) {
  const tmc_jvalue *j = tmc_json_get(jo, field);
  double want = j && j->type == TMC_JSON_NUMBER ? j->num : def;
  if (!float_matches(*v, want))
    tt_problem(c, "%s: options.%s: tmc %.9g, flatc %.9g", where, field, (double)*v, want);
}
static void opt_VI32(tt_report *c, const char *where, const char *field, const tmc_ivec *v,
                     const tmc_jvalue *jo, int def) {
  (void)def;
  cmp_ivec(c, where, field, v->v, v->n, jo);
}

static void cmp_options(tt_report *c, const char *where, const tmc_tfl_operator *op,
                        const tmc_jvalue *jop) {
  const tmc_tfl_options *o = &op->options;
  const char *jtype = tmc_json_get_str(jop, "builtin_options_type", "NONE");
  const tmc_jvalue *jo = tmc_json_get(jop, "builtin_options");
  if (o->type == 0) {
    if (strcmp(jtype, "NONE") != 0)
      tt_problem(c, "%s: builtin_options_type: tmc none, flatc %s", where, jtype);
    return;
  }
  if (!strcmp(jtype, "NONE"))
    tt_problem(c, "%s: builtin_options_type: tmc %u, flatc NONE", where, o->type);
  switch (o->type) {
#define TMC_TFL_F(id, kind, name, def) opt_##kind(c, where, #name, &x->name, jo, def);
#define TMC_TFL_OPT(t, Table, member, fields)                                        \
  case t: {                                                                           \
    const tmc_tfl_##member *x = &o->u.member;                                         \
    (void)x;                                                                          \
    if (strcmp(jtype, #Table) != 0)                                                   \
      tt_problem(c, "%s: builtin_options_type: tmc %s, flatc %s", where, #Table, jtype); \
    if (!o->decoded) tt_problem(c, "%s: %s not decoded", where, #Table);                \
    if (jo) {                                                                         \
      fields                                                                          \
    }                                                                                 \
    break;                                                                            \
  }
#include "reader/options.def"
#undef TMC_TFL_OPT
#undef TMC_TFL_F
    default:
      if (o->decoded) tt_problem(c, "%s: options type %u marked decoded", where, o->type);
      break;
  }
}

static void cmp_quant(tt_report *c, const char *where, const tmc_tfl_tensor *t,
                      const tmc_jvalue *jt) {
  const tmc_jvalue *jq = tmc_json_get(jt, "quantization");
  if ((jq != NULL) != t->has_quant) {
    tt_problem(c, "%s: quantization: tmc %s, flatc %s", where,
             t->has_quant ? "present" : "absent", jq ? "present" : "absent");
    return;
  }
  if (jq == NULL) return;
  const tmc_tfl_quant *q = &t->quant;
  cmp_fvec(c, where, "scale", q->scale, q->n_scale, jq);
  cmp_i64vec(c, where, "zero_point", q->zero_point, q->n_zero_point, jq);
  cmp_fvec(c, where, "min", q->min, q->n_min, jq);
  cmp_fvec(c, where, "max", q->max, q->n_max, jq);
  cmp_int(c, where, "quantized_dimension", q->quantized_dimension, jq, 0);
  const char *dt = tmc_json_get_str(jq, "details_type", "NONE");
  if ((q->details_type == 0) != (strcmp(dt, "NONE") == 0))
    tt_problem(c, "%s: quantization.details_type: tmc %u, flatc %s", where, q->details_type,
             dt);
}

static void cmp_tensor(tt_report *c, uint32_t sg, int32_t i, const tmc_tfl_tensor *t,
                       const tmc_jvalue *jt) {
  char where[300];
  snprintf(where, sizeof where, "subgraph %u tensor %d '%s'", sg, i, t->name);
  const char *jname = tmc_json_get_str(jt, "name", "");
  if (strcmp(t->name, jname) != 0)
    tt_problem(c, "%s: name: tmc \"%s\", flatc \"%s\"", where, t->name, jname);
  const char *jtype = tmc_json_get_str(jt, "type", "?");
  if (strcmp(tmc_tfl_type_name(t->type), jtype) != 0)
    tt_problem(c, "%s: type: tmc %s (%d), flatc %s", where, tmc_tfl_type_name(t->type),
             t->type, jtype);
  cmp_ivec(c, where, "shape", t->shape.v, t->shape.n, jt);
  if (t->has_shape_signature != (tmc_json_get(jt, "shape_signature") != NULL))
    tt_problem(c, "%s: shape_signature presence differs", where);
  else if (t->has_shape_signature)
    cmp_ivec(c, where, "shape_signature", t->shape_signature.v, t->shape_signature.n, jt);
  cmp_int(c, where, "buffer", t->buffer, jt, 0);
  cmp_bool(c, where, "is_variable", t->is_variable, jt, false);
  cmp_bool(c, where, "has_rank", t->has_rank, jt, false);
  cmp_int(c, where, "external_buffer", t->external_buffer, jt, 0);
  if (t->has_sparsity != (tmc_json_get(jt, "sparsity") != NULL))
    tt_problem(c, "%s: sparsity presence differs", where);
  cmp_quant(c, where, t, jt);
}

static void cmp_operator(tt_report *c, uint32_t sg, int32_t i, const tmc_tfl_model *m,
                         const tmc_tfl_operator *op, const tmc_jvalue *jop) {
  char where[300];
  const char *kind = op->opcode_index < (uint32_t)m->n_opcodes
                         ? tmc_tfl_builtin_name(m->opcodes[op->opcode_index].code)
                         : NULL;
  snprintf(where, sizeof where, "subgraph %u op %d %s", sg, i, kind ? kind : "?");
  cmp_int(c, where, "opcode_index", op->opcode_index, jop, 0);
  cmp_ivec(c, where, "inputs", op->inputs.v, op->inputs.n, jop);
  cmp_ivec(c, where, "outputs", op->outputs.v, op->outputs.n, jop);
  cmp_ivec(c, where, "intermediates", op->intermediates.v, op->intermediates.n, jop);
  const tmc_jvalue *jco = tmc_json_get(jop, "custom_options");
  if (op->custom_options.size != tmc_json_len(jco))
    tt_problem(c, "%s: custom_options: tmc %zu bytes, flatc %zu", where,
             op->custom_options.size, tmc_json_len(jco));
  cmp_options(c, where, op, jop);
  if (op->options.has_options2 != (tmc_json_get(jop, "builtin_options_2") != NULL))
    tt_problem(c, "%s: builtin_options_2 presence differs", where);
}

/* Cross-checks everything tmc_tfl_read decoded against flatc's JSON. */
static void cmp_model(tt_report *c, const tmc_tfl_model *m, const tmc_jvalue *j) {
  cmp_int(c, "model", "version", m->version, j, 0);
  cmp_string(c, "model", "description", m->description, j);

  const tmc_jvalue *jocs = tmc_json_get(j, "operator_codes");
  if ((size_t)m->n_opcodes != tmc_json_len(jocs))
    tt_problem(c, "operator_codes: tmc %d, flatc %zu", m->n_opcodes, tmc_json_len(jocs));
  for (int32_t i = 0; i < m->n_opcodes && (size_t)i < tmc_json_len(jocs); i++) {
    const tmc_tfl_opcode *oc = &m->opcodes[i];
    const tmc_jvalue *jo = tmc_json_at(jocs, (size_t)i);
    char where[64];
    snprintf(where, sizeof where, "operator code %d", i);
    cmp_int(c, where, "deprecated_builtin_code", oc->deprecated_builtin_code, jo, 0);
    cmp_int(c, where, "version", oc->version, jo, 1);
    cmp_string(c, where, "custom_code", oc->custom_code, jo);
    /* builtin_code is an enum: flatc prints its name (a number when the
     * schema has none). */
    const tmc_jvalue *jb = tmc_json_get(jo, "builtin_code");
    int32_t jcode = jb == NULL                 ? 0
                    : jb->type == TMC_JSON_STRING    ? builtin_code_of(jb->str)
                    : jb->type == TMC_JSON_NUMBER    ? (int32_t)jb->num
                                               : -1;
    if (jcode != oc->builtin_code)
      tt_problem(c, "%s: builtin_code: tmc %d, flatc %s (%d)", where, oc->builtin_code,
               jb && jb->type == TMC_JSON_STRING ? jb->str : "?", jcode);
    int32_t dep = (int32_t)tmc_json_get_int(jo, "deprecated_builtin_code", 0);
    int32_t eff = jcode > dep ? jcode : dep;
    if (oc->code != eff)
      tt_problem(c, "%s: effective code: tmc %d, flatc max(%d, %d)", where, oc->code, dep,
               jcode);
  }

  const tmc_jvalue *jbufs = tmc_json_get(j, "buffers");
  if ((size_t)m->n_buffers != tmc_json_len(jbufs))
    tt_problem(c, "buffers: tmc %d, flatc %zu", m->n_buffers, tmc_json_len(jbufs));
  for (int32_t i = 0; i < m->n_buffers && (size_t)i < tmc_json_len(jbufs); i++) {
    const tmc_jvalue *jb = tmc_json_at(jbufs, (size_t)i);
    char where[64];
    snprintf(where, sizeof where, "buffer %d", i);
    size_t jn = tmc_json_len(tmc_json_get(jb, "data"));
    if (m->buffers[i].data.size != jn)
      tt_problem(c, "%s: data: tmc %zu bytes, flatc %zu", where, m->buffers[i].data.size, jn);
    cmp_int(c, where, "offset", (long long)m->buffers[i].offset, jb, 0);
    cmp_int(c, where, "size", (long long)m->buffers[i].size, jb, 0);
  }

  const tmc_jvalue *jsgs = tmc_json_get(j, "subgraphs");
  if ((size_t)m->n_subgraphs != tmc_json_len(jsgs))
    tt_problem(c, "subgraphs: tmc %d, flatc %zu", m->n_subgraphs, tmc_json_len(jsgs));
  for (int32_t s = 0; s < m->n_subgraphs && (size_t)s < tmc_json_len(jsgs); s++) {
    const tmc_tfl_subgraph *sg = &m->subgraphs[s];
    const tmc_jvalue *js = tmc_json_at(jsgs, (size_t)s);
    char where[64];
    snprintf(where, sizeof where, "subgraph %d", s);
    cmp_string(c, where, "name", sg->name, js);
    cmp_ivec(c, where, "inputs", sg->inputs.v, sg->inputs.n, js);
    cmp_ivec(c, where, "outputs", sg->outputs.v, sg->outputs.n, js);
    const tmc_jvalue *jts = tmc_json_get(js, "tensors");
    if ((size_t)sg->n_tensors != tmc_json_len(jts))
      tt_problem(c, "%s: tensors: tmc %d, flatc %zu", where, sg->n_tensors, tmc_json_len(jts));
    for (int32_t i = 0; i < sg->n_tensors && (size_t)i < tmc_json_len(jts); i++)
      cmp_tensor(c, (uint32_t)s, i, &sg->tensors[i], tmc_json_at(jts, (size_t)i));
    const tmc_jvalue *jops = tmc_json_get(js, "operators");
    if ((size_t)sg->n_operators != tmc_json_len(jops))
      tt_problem(c, "%s: operators: tmc %d, flatc %zu", where, sg->n_operators, tmc_json_len(jops));
    for (int32_t i = 0; i < sg->n_operators && (size_t)i < tmc_json_len(jops); i++)
      cmp_operator(c, (uint32_t)s, i, m, &sg->operators[i], tmc_json_at(jops, (size_t)i));
  }

  const tmc_jvalue *jmd = tmc_json_get(j, "metadata");
  if ((size_t)m->n_metadata != tmc_json_len(jmd))
    tt_problem(c, "metadata: tmc %d, flatc %zu", m->n_metadata, tmc_json_len(jmd));
  for (int32_t i = 0; i < m->n_metadata && (size_t)i < tmc_json_len(jmd); i++) {
    char where[64];
    snprintf(where, sizeof where, "metadata %d", i);
    cmp_string(c, where, "name", m->metadata[i].name, tmc_json_at(jmd, (size_t)i));
    cmp_int(c, where, "buffer", m->metadata[i].buffer, tmc_json_at(jmd, (size_t)i), 0);
  }
  const tmc_jvalue *jsig = tmc_json_get(j, "signature_defs");
  if ((size_t)m->n_signatures != tmc_json_len(jsig))
    tt_problem(c, "signature_defs: tmc %d, flatc %zu", m->n_signatures, tmc_json_len(jsig));
  for (int32_t i = 0; i < m->n_signatures && (size_t)i < tmc_json_len(jsig); i++) {
    const tmc_tfl_signature *sd = &m->signatures[i];
    const tmc_jvalue *js = tmc_json_at(jsig, (size_t)i);
    char where[64];
    snprintf(where, sizeof where, "signature %d", i);
    cmp_string(c, where, "signature_key", sd->key, js);
    cmp_int(c, where, "subgraph_index", sd->subgraph_index, js, 0);
    const tmc_jvalue *jin = tmc_json_get(js, "inputs"), *jout = tmc_json_get(js, "outputs");
    if ((size_t)sd->n_inputs != tmc_json_len(jin) || (size_t)sd->n_outputs != tmc_json_len(jout))
      tt_problem(c, "%s: %d inputs and %d outputs, flatc %zu and %zu", where, sd->n_inputs,
               sd->n_outputs, tmc_json_len(jin), tmc_json_len(jout));
    for (int32_t k = 0; k < sd->n_inputs && (size_t)k < tmc_json_len(jin); k++) {
      cmp_string(c, where, "inputs.name", sd->inputs[k].name, tmc_json_at(jin, (size_t)k));
      cmp_int(c, where, "tensor_index", sd->inputs[k].tensor_index, tmc_json_at(jin, (size_t)k), 0);
    }
    for (int32_t k = 0; k < sd->n_outputs && (size_t)k < tmc_json_len(jout); k++) {
      cmp_string(c, where, "outputs.name", sd->outputs[k].name, tmc_json_at(jout, (size_t)k));
      cmp_int(c, where, "tensor_index", sd->outputs[k].tensor_index, tmc_json_at(jout, (size_t)k),
              0);
    }
  }
}

/* Reads path with tmc and with flatc and compares; returns the number of
 * mismatches (each printed, up to MAX_REPORTED). */
static int check_against_flatc(const char *path) {
  char stem[256];
  tt_stem(path, stem, sizeof stem);
  tt_report c = {stem, 0, MAX_REPORTED};
  uint8_t *bytes;
  size_t len;
  if (!tt_read_file(path, &bytes, &len)) {
    tt_problem(&c, "cannot read %s", path);
    return c.count;
  }
  tmc_arena a, ja;
  tmc_arena_init(&a);
  tmc_arena_init(&ja);
  tmc_tfl_model m;
  tmc_diag d;
  tmc_diag_init(&d, stem);
  tmc_status s = tmc_tfl_read(bytes, len, &a, &m, &d);
  if (s != TMC_OK) {
    tt_problem(&c, "tmc_tfl_read failed: %s (%s)", d.msg, tmc_status_str(s));
  } else {
    tmc_jvalue *j = flatc_json(path, &ja);
    if (j == NULL)
      tt_problem(&c, "no flatc JSON");
    else
      cmp_model(&c, &m, j);
  }
  if (c.count > MAX_REPORTED)
    print_error("%s: %d mismatches in all (first %d shown)\n", stem, c.count,
                MAX_REPORTED);
  tmc_arena_free(&a);
  tmc_arena_free(&ja);
  free(bytes);
  return c.count;
}

/* ---- tests --------------------------------------------------------------- */

static void test_mini_json(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  static const char text[] =
      "{\"a\": [1, -2, 3.5e1, true, null], \"s\": \"x\\u00e9\\n\\\"\", "
      "\"o\": {\"data\": [1,2,3,[4]], \"k\": false}, \"big\": -9007199254740993}";
  static const char *const skip_keys[] = {"data", NULL};
  char err[128];
  tmc_jvalue *v = tmc_json_parse(text, sizeof text - 1, skip_keys, &a, err, sizeof err);
  assert_non_null(v);
  assert_int_equal(tmc_json_len(tmc_json_get(v, "a")), 5);
  assert_int_equal(tmc_json_at(tmc_json_get(v, "a"), 1)->i, -2);
  assert_true(tmc_json_at(tmc_json_get(v, "a"), 1)->is_int);
  assert_false(tmc_json_at(tmc_json_get(v, "a"), 2)->is_int);
  assert_true(tmc_json_at(tmc_json_get(v, "a"), 2)->num == 35.0);
  assert_true(tmc_json_at(tmc_json_get(v, "a"), 3)->b);
  assert_int_equal(tmc_json_at(tmc_json_get(v, "a"), 4)->type, TMC_JSON_NULL);
  assert_string_equal(tmc_json_get_str(v, "s", ""), "x\xc3\xa9\n\"");
  const tmc_jvalue *data = tmc_json_get(tmc_json_get(v, "o"), "data");
  assert_true(data->skipped);
  assert_int_equal(tmc_json_len(data), 4);
  assert_false(tmc_json_get_bool(tmc_json_get(v, "o"), "k", true));
  assert_int_equal(tmc_json_get_int(v, "big", 0), -9007199254740993LL);
  /* Syntax errors are reported, not crashed on. */
  static const char *const bad[] = {"{", "[1,]", "{\"a\" 1}", "\"abc", "[1 2]", "tru",
                                    "{} x", "[\"\\q\"]", "-", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_null(tmc_json_parse(bad[i], strlen(bad[i]), NULL, &a, err, sizeof err));
    assert_true(err[0] != '\0');
  }
  tmc_arena_free(&a);
}

static void test_four_models_vs_flatc(void **state) {
  (void)state;
  assert_true(g_flatc.have_flatc);
  int bad = 0;
  for (int i = 0; i < TT_N_MODELS; i++) {
    char path[2048];
    tt_model_path(tt_model_names[i], path, sizeof path);
    int n = check_against_flatc(path);
    if (n) print_error("%s: %d mismatches with flatc\n", tt_model_names[i], n);
    bad += n != 0;
  }
  assert_int_equal(bad, 0);
}

static void test_op_models_vs_flatc(void **state) {
  (void)state;
  assert_true(g_flatc.have_flatc);
  char **paths;
  size_t n = tt_op_model_paths(&paths);
  if (n == 0) fail_msg("no golden/ops/*.tflite under %s", tt_shared_dir());
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    int k = check_against_flatc(paths[i]);
    if (k && bad < 10) print_error("%s: %d mismatches with flatc\n", paths[i], k);
    bad += k != 0;
  }
  if (bad) print_error("%d of %zu op models differ from flatc\n", bad, n);
  print_message("%zu op models cross-checked against flatc\n", n);
  tt_free_paths(paths, n);
  assert_int_equal(bad, 0);
}

/* Reads and builds one shared model; the caller frees a and bytes. */
static void load_shared(const char *name, uint8_t **bytes, tmc_arena *a,
                        tmc_tfl_model *m, tmc_graph *g) {
  char path[2048];
  size_t len;
  tt_model_path(name, path, sizeof path);
  assert_true(tt_read_file(path, bytes, &len));
  tmc_arena_init(a);
  tmc_diag d;
  tmc_diag_init(&d, name);
  tmc_status s = tmc_tfl_read(*bytes, len, a, m, &d);
  if (s != TMC_OK) print_error("%s\n", d.msg);
  assert_int_equal(s, TMC_OK);
  s = tmc_graph_from_tflite(m, name, a, g, &d);
  if (s != TMC_OK) print_error("%s\n", d.msg);
  assert_int_equal(s, TMC_OK);
}

static const char *op_name(const tmc_tfl_model *m, int32_t i) {
  const tmc_tfl_operator *op = &m->subgraphs[0].operators[i];
  const char *n = tmc_tfl_builtin_name(m->opcodes[op->opcode_index].code);
  return n ? n : "?";
}

static bool has_op(const tmc_tfl_model *m, const char *name) {
  for (int32_t i = 0; i < m->subgraphs[0].n_operators; i++)
    if (!strcmp(op_name(m, i), name)) return true;
  return false;
}

static int64_t total_macs(const tmc_graph *g) {
  int64_t sum = 0;
  for (int32_t i = 0; i < g->n_ops; i++) sum += tmc_op_macs(g, &g->ops[i]);
  return sum;
}

/* The facts issue 4 names, plus op, tensor and buffer counts. */
static void test_named_facts(void **state) {
  (void)state;
  static const struct {
    const char *name;
    int32_t ops, tensors, buffers, inputs, outputs;
    int64_t macs;
  } want[TT_N_MODELS] = {
      {"vww", 63, 163, 100, 1, 1, 11578816},
      {"mcunetv2_large", 163, 380, 217, 1, 1, 216815264},
      {"detection", 79, 197, 118, 1, 3, 18296320},
      {"lenet", 7, 15, 8, 1, 1, 266200},
  };
  for (int i = 0; i < TT_N_MODELS; i++) {
    uint8_t *bytes;
    tmc_arena a;
    tmc_tfl_model m;
    tmc_graph g;
    assert_string_equal(want[i].name, tt_model_names[i]);
    load_shared(want[i].name, &bytes, &a, &m, &g);
    assert_int_equal(m.n_subgraphs, 1);
    assert_int_equal(m.subgraphs[0].n_operators, want[i].ops);
    assert_int_equal(m.subgraphs[0].n_tensors, want[i].tensors);
    assert_int_equal(m.n_buffers, want[i].buffers);
    assert_int_equal(m.subgraphs[0].inputs.n, want[i].inputs);
    assert_int_equal(m.subgraphs[0].outputs.n, want[i].outputs);
    assert_int_equal(g.n_ops, want[i].ops);
    assert_int_equal(g.n_outputs, want[i].outputs);
    int64_t macs = total_macs(&g);
    if (macs != want[i].macs)
      print_error("%s: %lld MACs, expected %lld\n", want[i].name, (long long)macs,
                  (long long)want[i].macs);
    assert_true(macs == want[i].macs);
    if (!strcmp(want[i].name, "vww")) {
      static const char *const first[] = {"QUANTIZE", "PAD", "CONV_2D",
                                          "DEPTHWISE_CONV_2D"};
      for (int k = 0; k < 4; k++) {
        assert_string_equal(op_name(&m, k), first[k]);
        assert_string_equal(g.ops[k].name, first[k]);
        assert_string_equal(tmc_op_kind_name(g.ops[k].kind), first[k]);
      }
    } else if (!strcmp(want[i].name, "mcunetv2_large")) {
      assert_true(has_op(&m, "MEAN"));
      assert_true(has_op(&m, "MUL"));
    } else if (!strcmp(want[i].name, "detection")) {
      assert_true(has_op(&m, "RESIZE_NEAREST_NEIGHBOR"));
    } else if (!strcmp(want[i].name, "lenet")) {
      int32_t n = m.subgraphs[0].n_operators;
      assert_string_equal(op_name(&m, n - 2), "DEQUANTIZE");
      assert_string_equal(op_name(&m, n - 1), "LOG_SOFTMAX");
    }
    tmc_arena_free(&a);
    free(bytes);
  }
}

/* Every op model reads and builds, with exactly one operator of the kind its
 * name says (QUANTIZE rounding cases carry a DEQUANTIZE in front). */
static void test_op_models_read(void **state) {
  (void)state;
  char **paths;
  size_t n = tt_op_model_paths(&paths);
  if (n == 0) fail_msg("no golden/ops/*.tflite under %s", tt_shared_dir());
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t *bytes;
    size_t len;
    char stem[256];
    tt_stem(paths[i], stem, sizeof stem);
    assert_true(tt_read_file(paths[i], &bytes, &len));
    tmc_arena a;
    tmc_arena_init(&a);
    tmc_tfl_model m;
    tmc_diag d;
    tmc_diag_init(&d, stem);
    tmc_status s = tmc_tfl_read(bytes, len, &a, &m, &d);
    if (s != TMC_OK) {
      print_error("%s\n", d.msg);
      bad++;
    } else {
      /* "conv_2d_004" -> "CONV_2D" */
      char kind[256];
      snprintf(kind, sizeof kind, "%s", stem);
      char *us = strrchr(kind, '_');
      if (us) *us = '\0';
      for (char *p = kind; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
      int32_t nops = m.n_subgraphs ? m.subgraphs[0].n_operators : 0;
      bool found = false;
      for (int32_t k = 0; k < nops; k++) found |= !strcmp(op_name(&m, k), kind);
      if (m.n_subgraphs != 1 || nops < 1 || nops > 2 || !found) {
        print_error("%s: %d subgraphs, %d operators, %s %s\n", stem, m.n_subgraphs, nops,
                    found ? "with" : "without", kind);
        bad++;
      }
    }
    tmc_arena_free(&a);
    free(bytes);
  }
  tt_free_paths(paths, n);
  assert_int_equal(bad, 0);
}

/* Truncations of the shared models at 1000 points each (and every length up
 * to 64): every read and graph build ends in TMC_OK or a named error (the
 * buffer is copied to an allocation of exactly the truncated length, so
 * AddressSanitizer sees any read past it). */
static void test_shared_truncations(void **state) {
  (void)state;
  for (int i = 0; i < TT_N_MODELS; i++) {
    char path[2048];
    uint8_t *bytes;
    size_t len;
    tt_model_path(tt_model_names[i], path, sizeof path);
    assert_true(tt_read_file(path, &bytes, &len));
    int ok = 0, errors = 0;
    for (size_t k = 0; k < 1064; k++) {
      size_t cut = k < 64 ? k : (size_t)((double)len * (double)(k - 64) / 1000.0);
      if (cut >= len) continue;
      uint8_t *t = malloc(cut ? cut : 1);
      assert_non_null(t);
      memcpy(t, bytes, cut);
      tmc_arena a;
      tmc_arena_init(&a);
      tmc_graph g;
      tmc_diag d;
      tmc_diag_init(&d, tt_model_names[i]);
      tmc_status s = tmc_graph_load(cut ? t : NULL, cut, tt_model_names[i], &a, &g, &d);
      if (s == TMC_OK) {
        ok++;
      } else {
        errors++;
        if (d.status != s || strncmp(d.msg, tt_model_names[i], strlen(tt_model_names[i])))
          print_error("%s cut at %zu: status %d, message '%s'\n", tt_model_names[i], cut,
                      s, d.msg);
        assert_int_equal(d.status, s);
        /* "vww: ..." names the file and then the element. */
        assert_true(strlen(d.msg) > strlen(tt_model_names[i]) + 2);
      }
      tmc_arena_free(&a);
      free(t);
    }
    print_message("%s: %d truncations rejected, %d read\n", tt_model_names[i], errors, ok);
    /* Cutting off the end removes constant data every model has. */
    assert_int_equal(ok, 0);
    free(bytes);
  }
}

int main(int argc, char **argv) {
  static const char *const groups[] = {"shared", "flatc", NULL};
  const char *group = tt_start(argc, argv, groups);
  if (strcmp(group, "shared") == 0) {
    tt_need_shared();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_facts),
        cmocka_unit_test(test_op_models_read),
        cmocka_unit_test(test_shared_truncations),
    };
    return cmocka_run_group_tests_name("shared", tests, NULL, NULL);
  }
  if (strcmp(group, "flatc") == 0) {
    tt_need_shared();
    tt_need_tool("flatc --version", "flatc (Debian: flatbuffers-compiler)");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_four_models_vs_flatc),
        cmocka_unit_test(test_op_models_vs_flatc),
    };
    return cmocka_run_group_tests_name("flatc", tests, group_setup, group_teardown);
  }
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_mini_json)};
  return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
