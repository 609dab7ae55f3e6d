/* .tflite writer: walks tmc_tfl_model children first (the builder works back
 * to front), so constant buffers, written first, end up at the end of the
 * file. Field ids follow schema.fbs; scalars equal to their schema default
 * are left out, as flatc does. Builtin options come from options.def. */
#include "tflite_write.h"

#include <string.h>

#include "fb_write.h"

/* TFLite's BuiltinOperator_PLACEHOLDER_FOR_GREATER_OP_CODES. */
#define DEPRECATED_CODE_MAX 127

typedef struct writer {
  tmc_fbw fb;
  tmc_arena tmp;     /* reference arrays */
  tmc_diag *d;
  tmc_status status; /* first failure outside the builder */
} writer;

/* An array of n references in the scratch arena; NULL (failure recorded). */
static tmc_fbw_ref *refs(writer *w, int32_t n, const char *what) {
  tmc_fbw_ref *r = tmc_arena_array_d(&w->tmp, n > 0 ? (size_t)n : 1,
                                     sizeof(tmc_fbw_ref), w->d, what);
  if (r == NULL) w->status = TMC_ERR_NOMEM;
  return r;
}

/* A vector of int32 (n <= 0 gives an empty vector). */
static tmc_fbw_ref ivec(writer *w, const tmc_ivec *v) {
  return tmc_fbw_vec_i32(&w->fb, v->v, v->n > 0 ? (size_t)v->n : 0);
}

/* A string, or no object for NULL. */
static tmc_fbw_ref opt_string(writer *w, const char *s) {
  return s ? tmc_fbw_string(&w->fb, s) : 0;
}

/* An empty table (for unions and sub-tables the model only flags). */
static tmc_fbw_ref empty_table(writer *w) {
  tmc_fbw_table_start(&w->fb);
  return tmc_fbw_table_end(&w->fb);
}

/* ---- builtin options, driven by options.def ---------------------------- */

/* Pass 1 writes the vectors a table refers to; pass 2 adds the fields,
 * leaving out those equal to the schema default. */
#define OPT_VEC_I8(id, name)
#define OPT_VEC_BOOL(id, name)
#define OPT_VEC_I32(id, name)
#define OPT_VEC_F32(id, name)
#define OPT_VEC_VI32(id, name) \
  if (p->name.n > 0) vec[id] = ivec(w, &p->name);
#define OPT_ADD_I8(id, name, def) \
  if (p->name != (def)) tmc_fbw_add_i8(&w->fb, id, (int8_t)p->name);
#define OPT_ADD_BOOL(id, name, def) \
  if (p->name != (def)) tmc_fbw_add_bool(&w->fb, id, p->name);
#define OPT_ADD_I32(id, name, def) \
  if (p->name != (def)) tmc_fbw_add_i32(&w->fb, id, p->name);
#define OPT_ADD_F32(id, name, def) \
  if (p->name != (float)(def)) tmc_fbw_add_f32(&w->fb, id, p->name);
#define OPT_ADD_VI32(id, name, def) tmc_fbw_add_ref(&w->fb, id, vec[id]);

/* The BuiltinOptions table of o (an empty table when tmc did not decode
 * its type). */
static tmc_fbw_ref write_options(writer *w, const tmc_tfl_options *o) {
  tmc_fbw_ref vec[TMC_FBW_MAX_FIELDS] = {0};
  for (int pass = 1; pass <= 2; pass++) {
    if (pass == 2) tmc_fbw_table_start(&w->fb);
    if (!o->decoded) continue;
    switch (o->type) {
#define TMC_TFL_F(id, kind, name, def)                                 \
  _Static_assert((id) < TMC_FBW_MAX_FIELDS, "options.def field id"); \
  if (pass == 1) {                                                     \
    OPT_VEC_##kind(id, name)                                           \
  } else {                                                             \
    OPT_ADD_##kind(id, name, def)                                      \
  }
#define TMC_TFL_OPT(type, Table, member, fields) \
  case type: {                                   \
    const tmc_tfl_##member *p = &o->u.member;    \
    (void)p;                                     \
    fields break;                                \
  }
#include "options.def"
#undef TMC_TFL_OPT
#undef TMC_TFL_F
      default:
        break;
    }
  }
  return tmc_fbw_table_end(&w->fb);
}

/* ---- tables ---------------------------------------------------------- */

/* QuantizationParameters. */
static tmc_fbw_ref write_quant(writer *w, const tmc_tfl_quant *q) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref mn = q->n_min > 0 ? tmc_fbw_vec_f32(b, q->min, (size_t)q->n_min) : 0;
  tmc_fbw_ref mx = q->n_max > 0 ? tmc_fbw_vec_f32(b, q->max, (size_t)q->n_max) : 0;
  tmc_fbw_ref sc =
      q->n_scale > 0 ? tmc_fbw_vec_f32(b, q->scale, (size_t)q->n_scale) : 0;
  tmc_fbw_ref zp = q->n_zero_point > 0
                       ? tmc_fbw_vec_i64(b, q->zero_point, (size_t)q->n_zero_point)
                       : 0;
  tmc_fbw_ref details = q->details_type ? empty_table(w) : 0;
  tmc_fbw_table_start(b);
  tmc_fbw_add_ref(b, 0, mn);
  tmc_fbw_add_ref(b, 1, mx);
  tmc_fbw_add_ref(b, 2, sc);
  tmc_fbw_add_ref(b, 3, zp);
  if (q->details_type) {
    tmc_fbw_add_u8(b, 4, q->details_type);
    tmc_fbw_add_ref(b, 5, details);
  }
  if (q->quantized_dimension != 0) tmc_fbw_add_i32(b, 6, q->quantized_dimension);
  return tmc_fbw_table_end(b);
}

/* Tensor. */
static tmc_fbw_ref write_tensor(writer *w, const tmc_tfl_tensor *t) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref shape = ivec(w, &t->shape);
  tmc_fbw_ref name = opt_string(w, t->name);
  tmc_fbw_ref quant = t->has_quant ? write_quant(w, &t->quant) : 0;
  tmc_fbw_ref sparsity = t->has_sparsity ? empty_table(w) : 0;
  tmc_fbw_ref sig = t->has_shape_signature ? ivec(w, &t->shape_signature) : 0;
  tmc_fbw_table_start(b);
  tmc_fbw_add_ref(b, 0, shape);
  if (t->type != 0) tmc_fbw_add_i8(b, 1, (int8_t)t->type);
  if (t->buffer != 0) tmc_fbw_add_u32(b, 2, t->buffer);
  tmc_fbw_add_ref(b, 3, name);
  tmc_fbw_add_ref(b, 4, quant);
  if (t->is_variable) tmc_fbw_add_bool(b, 5, true);
  tmc_fbw_add_ref(b, 6, sparsity);
  tmc_fbw_add_ref(b, 7, sig);
  if (t->has_rank) tmc_fbw_add_bool(b, 8, true);
  if (t->external_buffer != 0) tmc_fbw_add_u32(b, 10, t->external_buffer);
  return tmc_fbw_table_end(b);
}

/* Operator. */
static tmc_fbw_ref write_operator(writer *w, const tmc_tfl_operator *op) {
  tmc_fbw *b = &w->fb;
  const tmc_tfl_options *o = &op->options;
  tmc_fbw_ref in = ivec(w, &op->inputs);
  tmc_fbw_ref out = ivec(w, &op->outputs);
  tmc_fbw_ref inter = op->intermediates.n > 0 ? ivec(w, &op->intermediates) : 0;
  tmc_fbw_ref opts = o->type ? write_options(w, o) : 0;
  /* builtin_options_2 is only flagged: an empty table keeps the flag. */
  tmc_fbw_ref opts2 = o->has_options2 ? empty_table(w) : 0;
  tmc_fbw_ref custom =
      op->custom_options.size
          ? tmc_fbw_vec_u8(b, op->custom_options.data, op->custom_options.size, 0)
          : 0;
  tmc_fbw_table_start(b);
  if (op->opcode_index != 0) tmc_fbw_add_u32(b, 0, op->opcode_index);
  tmc_fbw_add_ref(b, 1, in);
  tmc_fbw_add_ref(b, 2, out);
  if (o->type) {
    tmc_fbw_add_u8(b, 3, o->type);
    tmc_fbw_add_ref(b, 4, opts);
  }
  tmc_fbw_add_ref(b, 5, custom);
  tmc_fbw_add_ref(b, 8, inter);
  tmc_fbw_add_ref(b, 12, opts2);
  return tmc_fbw_table_end(b);
}

/* SubGraph sg (index i, for messages). */
static tmc_fbw_ref write_subgraph(writer *w, int32_t i, const tmc_tfl_subgraph *sg) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref *tensors = refs(w, sg->n_tensors, "tensor offsets");
  tmc_fbw_ref *ops = refs(w, sg->n_operators, "operator offsets");
  if (tensors == NULL || ops == NULL) return 0;
  for (int32_t k = 0; k < sg->n_tensors; k++)
    tensors[k] = write_tensor(w, &sg->tensors[k]);
  for (int32_t k = 0; k < sg->n_operators; k++) {
    const tmc_tfl_operator *op = &sg->operators[k];
    if (op->has_large_custom_options) {
      w->status = tmc_fail(w->d, TMC_ERR_UNSUPPORTED,
               "subgraph %d op %d: custom options stored outside the flatbuffer "
               "(the >2 GB layout) cannot be written",
               (int)i, (int)k);
      return 0;
    }
    ops[k] = write_operator(w, op);
  }
  size_t nt = sg->n_tensors > 0 ? (size_t)sg->n_tensors : 0;
  size_t no = sg->n_operators > 0 ? (size_t)sg->n_operators : 0;
  tmc_fbw_ref tv = tmc_fbw_vec_refs(b, tensors, nt);
  tmc_fbw_ref in = ivec(w, &sg->inputs);
  tmc_fbw_ref out = ivec(w, &sg->outputs);
  tmc_fbw_ref ov = tmc_fbw_vec_refs(b, ops, no);
  tmc_fbw_ref name = opt_string(w, sg->name);
  tmc_fbw_table_start(b);
  tmc_fbw_add_ref(b, 0, tv);
  tmc_fbw_add_ref(b, 1, in);
  tmc_fbw_add_ref(b, 2, out);
  tmc_fbw_add_ref(b, 3, ov);
  tmc_fbw_add_ref(b, 4, name);
  return tmc_fbw_table_end(b);
}

/* Buffer: data 16-aligned so constant tensors can be used in place. */
static tmc_fbw_ref write_buffer(writer *w, const tmc_tfl_buffer *buf) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref data =
      buf->data.size ? tmc_fbw_vec_u8(b, buf->data.data, buf->data.size, 16) : 0;
  tmc_fbw_table_start(b);
  tmc_fbw_add_ref(b, 0, data);
  if (buf->offset != 0) tmc_fbw_add_u64(b, 1, buf->offset);
  if (buf->size != 0) tmc_fbw_add_u64(b, 2, buf->size);
  return tmc_fbw_table_end(b);
}

/* OperatorCode: deprecated_builtin_code holds min(code, 127) and the int32
 * builtin_code always holds the code, as TFLite's converter writes them. */
static tmc_fbw_ref write_opcode(writer *w, const tmc_tfl_opcode *oc) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref custom = opt_string(w, oc->custom_code);
  int32_t dep = oc->code < DEPRECATED_CODE_MAX ? oc->code : DEPRECATED_CODE_MAX;
  tmc_fbw_table_start(b);
  tmc_fbw_add_i8(b, 0, (int8_t)dep);
  tmc_fbw_add_ref(b, 1, custom);
  tmc_fbw_add_i32(b, 2, oc->version);
  tmc_fbw_add_i32(b, 3, oc->code);
  return tmc_fbw_table_end(b);
}

/* A vector of TensorMap tables. */
static tmc_fbw_ref write_tensor_maps(writer *w, int32_t n,
                                     const tmc_tfl_tensor_map *maps) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref *r = refs(w, n, "tensor map offsets");
  if (r == NULL) return 0;
  for (int32_t i = 0; i < n; i++) {
    tmc_fbw_ref name = opt_string(w, maps[i].name);
    tmc_fbw_table_start(b);
    tmc_fbw_add_ref(b, 0, name);
    if (maps[i].tensor_index != 0) tmc_fbw_add_u32(b, 1, maps[i].tensor_index);
    r[i] = tmc_fbw_table_end(b);
  }
  return tmc_fbw_vec_refs(b, r, n > 0 ? (size_t)n : 0);
}

/* SignatureDef. */
static tmc_fbw_ref write_signature(writer *w, const tmc_tfl_signature *s) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref in = write_tensor_maps(w, s->n_inputs, s->inputs);
  tmc_fbw_ref out = write_tensor_maps(w, s->n_outputs, s->outputs);
  tmc_fbw_ref key = opt_string(w, s->key);
  tmc_fbw_table_start(b);
  tmc_fbw_add_ref(b, 0, in);
  tmc_fbw_add_ref(b, 1, out);
  tmc_fbw_add_ref(b, 2, key);
  if (s->subgraph_index != 0) tmc_fbw_add_u32(b, 4, s->subgraph_index);
  return tmc_fbw_table_end(b);
}

/* Metadata. */
static tmc_fbw_ref write_metadata(writer *w, const tmc_tfl_metadata *md) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref name = opt_string(w, md->name);
  tmc_fbw_table_start(b);
  tmc_fbw_add_ref(b, 0, name);
  if (md->buffer != 0) tmc_fbw_add_u32(b, 1, md->buffer);
  return tmc_fbw_table_end(b);
}

/* Writes one vector of tables: r[i] = fn(w, &arr[i]), then the vector. */
#define WRITE_TABLES(w, n, arr, fn, what, out)                       \
  do {                                                               \
    tmc_fbw_ref *r_ = refs(w, n, what);                              \
    if (r_ == NULL) return (w)->status;                              \
    for (int32_t i_ = 0; i_ < (n); i_++) r_[i_] = fn(w, &(arr)[i_]); \
    if ((w)->status != TMC_OK) return (w)->status;                   \
    (out) = tmc_fbw_vec_refs(&(w)->fb, r_, (n) > 0 ? (size_t)(n) : 0); \
  } while (0)

/* Builds the whole model into w->fb; returns the Model table in *root. */
static tmc_status write_model(writer *w, const tmc_tfl_model *m, tmc_fbw_ref *root) {
  tmc_fbw *b = &w->fb;
  tmc_fbw_ref buffers, opcodes, metadata = 0, signatures = 0;
  if (m->has_external_buffers)
    return tmc_fail(w->d, TMC_ERR_UNSUPPORTED,
                    "model: external buffers (tensor data in another file) "
                    "cannot be written");
  WRITE_TABLES(w, m->n_buffers, m->buffers, write_buffer, "buffer offsets", buffers);
  WRITE_TABLES(w, m->n_opcodes, m->opcodes, write_opcode, "opcode offsets", opcodes);
  tmc_fbw_ref *sgs = refs(w, m->n_subgraphs, "subgraph offsets");
  if (sgs == NULL) return w->status;
  for (int32_t i = 0; i < m->n_subgraphs; i++) {
    sgs[i] = write_subgraph(w, i, &m->subgraphs[i]);
    if (w->status != TMC_OK) return w->status;
  }
  tmc_fbw_ref subgraphs =
      tmc_fbw_vec_refs(b, sgs, m->n_subgraphs > 0 ? (size_t)m->n_subgraphs : 0);
  if (m->n_metadata > 0)
    WRITE_TABLES(w, m->n_metadata, m->metadata, write_metadata, "metadata offsets",
                 metadata);
  if (m->n_signatures > 0)
    WRITE_TABLES(w, m->n_signatures, m->signatures, write_signature,
                 "signature offsets", signatures);
  tmc_fbw_ref description = opt_string(w, m->description);
  tmc_fbw_table_start(b);
  tmc_fbw_add_u32(b, 0, m->version);
  tmc_fbw_add_ref(b, 1, opcodes);
  tmc_fbw_add_ref(b, 2, subgraphs);
  tmc_fbw_add_ref(b, 3, description);
  tmc_fbw_add_ref(b, 4, buffers);
  tmc_fbw_add_ref(b, 6, metadata);
  tmc_fbw_add_ref(b, 7, signatures);
  *root = tmc_fbw_table_end(b);
  return TMC_OK;
}

tmc_status tmc_tfl_write(const tmc_tfl_model *m, uint8_t **out, size_t *out_len,
                         tmc_diag *d) {
  return tmc_tfl_write_faults(m, -1, -1, out, out_len, d);
}

tmc_status tmc_tfl_write_faults(const tmc_tfl_model *m, long fbw_fail_at,
                                long arena_fail_at, uint8_t **out,
                                size_t *out_len, tmc_diag *d) {
  writer w;
  tmc_fbw_ref root = 0;
  *out = NULL;
  *out_len = 0;
  tmc_fbw_init(&w.fb);
  tmc_arena_init(&w.tmp);
  w.fb.fail_at = fbw_fail_at;
  w.tmp.fail_at = arena_fail_at;
  w.d = d;
  w.status = TMC_OK;
  tmc_status s = write_model(&w, m, &root);
  /* Builder failures (memory, size) are sticky and surface here. */
  if (s == TMC_OK) s = tmc_fbw_finish(&w.fb, root, "TFL3", out, out_len, d);
  tmc_fbw_free(&w.fb);
  tmc_arena_free(&w.tmp);
  return s;
}
