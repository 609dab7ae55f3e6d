/* .tflite bytes -> tmc_tfl_model. Walks the schema's tables with the checked
 * reads of fb.c, decoding small vectors into the arena and pointing into the
 * file for names and constant data. Field ids follow schema.fbs (a union
 * takes two ids: its type, then its value). */
#include <string.h>

#include "base/limits.h"
#include "fb.h"
#include "tflite.h"

typedef struct reader {
  tmc_fb fb;
  tmc_arena *arena;
  tmc_diag *d;
} reader;

static void *alloc_array(reader *r, size_t n, size_t size, const char *what) {
  return tmc_arena_array_d(r->arena, n ? n : 1, size, r->d, what);
}

/* A vector of int32 decoded into the arena. */
static tmc_status read_ivec(reader *r, const tmc_fb_table *t, int id, tmc_ivec *out,
                            bool *present, const char *field) {
  tmc_fb_vec v;
  TMC_TRY(tmc_fb_vector(&r->fb, t, id, 4, 4, true, &v, present, field));
  out->n = (int32_t)v.n;
  out->v = NULL;
  if (v.n > INT32_MAX / 4)
    return tmc_fb_error(&r->fb, field, "%u elements, more than tmc accepts", v.n);
  if (v.n == 0) return TMC_OK;
  out->v = alloc_array(r, v.n, sizeof(int32_t), field);
  if (out->v == NULL) return r->d->status;
  for (uint32_t i = 0; i < v.n; i++) out->v[i] = tmc_fb_vec_i32(&r->fb, &v, i);
  return TMC_OK;
}

static tmc_status read_fvec(reader *r, const tmc_fb_table *t, int id, int32_t *n,
                            float **out, const char *field) {
  tmc_fb_vec v;
  TMC_TRY(tmc_fb_vector(&r->fb, t, id, 4, 4, true, &v, NULL, field));
  *n = (int32_t)v.n;
  *out = NULL;
  if (v.n == 0) return TMC_OK;
  *out = alloc_array(r, v.n, sizeof(float), field);
  if (*out == NULL) return r->d->status;
  for (uint32_t i = 0; i < v.n; i++) (*out)[i] = tmc_fb_vec_f32(&r->fb, &v, i);
  return TMC_OK;
}

/* A vector of bytes referenced in place. */
static tmc_status read_bytes(reader *r, const tmc_fb_table *t, int id, tmc_bytes *out,
                             const char *field) {
  tmc_fb_vec v;
  TMC_TRY(tmc_fb_vector(&r->fb, t, id, 1, 1, false, &v, NULL, field));
  out->data = v.n ? r->fb.buf + v.pos : NULL;
  out->size = v.n;
  return TMC_OK;
}

/* Verifies an optional sub-table we do not decode (sparsity, details...). */
static tmc_status skip_table(reader *r, const tmc_fb_table *t, int id, bool *present,
                             const char *field) {
  tmc_fb_table sub;
  bool p;
  TMC_TRY(tmc_fb_table_field(&r->fb, t, id, &sub, &p, field));
  if (p) tmc_fb_leave(&r->fb);
  if (present) *present = p;
  return TMC_OK;
}

/* Verifies a vector of tables we do not decode. */
static tmc_status skip_table_vector(reader *r, const tmc_fb_table *t, int id,
                                    bool *present, const char *field) {
  tmc_fb_vec v;
  TMC_TRY(tmc_fb_vector(&r->fb, t, id, 4, 4, true, &v, present, field));
  for (uint32_t i = 0; i < v.n; i++) {
    tmc_fb_table sub;
    TMC_TRY(tmc_fb_vec_table(&r->fb, &v, i, &sub, field));
    tmc_fb_leave(&r->fb);
  }
  return TMC_OK;
}

/* ---- builtin options, driven by options.def ---------------------------- */

/* Field readers for options; t == NULL (no options table) gives the default. */
static tmc_status opt_I8(reader *r, const tmc_fb_table *t, int id, int def,
                         int32_t *out, const char *field) {
  int8_t v = (int8_t)def;
  if (t) TMC_TRY(tmc_fb_i8(&r->fb, t, id, (int8_t)def, &v, field));
  *out = v;
  return TMC_OK;
}
static tmc_status opt_BOOL(reader *r, const tmc_fb_table *t, int id, int def, bool *out,
                           const char *field) {
  *out = def != 0;
  return t ? tmc_fb_bool(&r->fb, t, id, def != 0, out, field) : TMC_OK;
}
static tmc_status opt_I32(reader *r, const tmc_fb_table *t, int id, int def,
                          int32_t *out, const char *field) {
  *out = def;
  return t ? tmc_fb_i32(&r->fb, t, id, def, out, field) : TMC_OK;
}
static tmc_status opt_F32(reader *r, const tmc_fb_table *t, int id, int def, float *out,
                          const char *field) {
  *out = (float)def;
  return t ? tmc_fb_f32(&r->fb, t, id, (float)def, out, field) : TMC_OK;
}
static tmc_status opt_VI32(reader *r, const tmc_fb_table *t, int id, int def,
                           tmc_ivec *out, const char *field) {
  (void)def;
  out->n = 0;
  out->v = NULL;
  return t ? read_ivec(r, t, id, out, NULL, field) : TMC_OK;
}

static tmc_status read_options(reader *r, const tmc_fb_table *op, tmc_tfl_options *o) {
  uint8_t type, type2;
  tmc_fb_table ot;
  bool present;
  memset(o, 0, sizeof *o);
  TMC_TRY(tmc_fb_u8(&r->fb, op, 3, 0, &type, "builtin_options_type"));
  TMC_TRY(tmc_fb_table_field(&r->fb, op, 4, &ot, &present, "builtin_options"));
  o->type = type;
  const tmc_fb_table *src = present ? &ot : NULL;
  switch (type) {
#define TMC_TFL_F(id, kind, name, def) \
  TMC_TRY(opt_##kind(r, src, id, def, &x->name, #name));
#define TMC_TFL_OPT(t, Table, member, fields) \
  case t: {                                   \
    tmc_tfl_##member *x = &o->u.member;       \
    (void)x;                                  \
    fields o->decoded = true;                 \
    break;                                    \
  }
#include "options.def"
#undef TMC_TFL_OPT
#undef TMC_TFL_F
    default:
      (void)src;
      break;
  }
  if (present) tmc_fb_leave(&r->fb);
  TMC_TRY(tmc_fb_u8(&r->fb, op, 11, 0, &type2, "builtin_options_2_type"));
  TMC_TRY(skip_table(r, op, 12, &o->has_options2, "builtin_options_2"));
  return TMC_OK;
}

/* ---- tables ---------------------------------------------------------- */

static tmc_status read_quant(reader *r, const tmc_fb_table *t, tmc_tfl_quant *q) {
  tmc_fb_vec zp;
  TMC_TRY(read_fvec(r, t, 0, &q->n_min, &q->min, "quantization.min"));
  TMC_TRY(read_fvec(r, t, 1, &q->n_max, &q->max, "quantization.max"));
  TMC_TRY(read_fvec(r, t, 2, &q->n_scale, &q->scale, "quantization.scale"));
  TMC_TRY(tmc_fb_vector(&r->fb, t, 3, 8, 8, true, &zp, NULL, "quantization.zero_point"));
  q->n_zero_point = (int32_t)zp.n;
  q->zero_point = NULL;
  if (zp.n) {
    q->zero_point = alloc_array(r, zp.n, sizeof(int64_t), "quantization.zero_point");
    if (q->zero_point == NULL) return r->d->status;
    for (uint32_t i = 0; i < zp.n; i++) q->zero_point[i] = tmc_fb_vec_i64(&r->fb, &zp, i);
  }
  TMC_TRY(tmc_fb_u8(&r->fb, t, 4, 0, &q->details_type, "quantization.details_type"));
  TMC_TRY(skip_table(r, t, 5, NULL, "quantization.details"));
  TMC_TRY(tmc_fb_i32(&r->fb, t, 6, 0, &q->quantized_dimension,
                     "quantization.quantized_dimension"));
  return TMC_OK;
}

static tmc_status read_tensor(reader *r, const tmc_fb_table *t, tmc_tfl_tensor *x) {
  int8_t type;
  uint32_t name_len;
  TMC_TRY(tmc_fb_string(&r->fb, t, 3, &x->name, &name_len, "name"));
  if (x->name == NULL) x->name = "";
  /* From here on messages name the tensor. */
  char where[sizeof r->fb.ctx];
  memcpy(where, r->fb.ctx, sizeof where);
  tmc_fb_context(&r->fb, "%s '%.120s'", where, x->name);
  TMC_TRY(read_ivec(r, t, 0, &x->shape, NULL, "shape"));
  TMC_TRY(tmc_fb_i8(&r->fb, t, 1, 0, &type, "type"));
  x->type = type;
  TMC_TRY(tmc_fb_u32(&r->fb, t, 2, 0, &x->buffer, "buffer"));
  tmc_fb_table qt;
  TMC_TRY(tmc_fb_table_field(&r->fb, t, 4, &qt, &x->has_quant, "quantization"));
  if (x->has_quant) {
    TMC_TRY(read_quant(r, &qt, &x->quant));
    tmc_fb_leave(&r->fb);
  }
  TMC_TRY(tmc_fb_bool(&r->fb, t, 5, false, &x->is_variable, "is_variable"));
  TMC_TRY(skip_table(r, t, 6, &x->has_sparsity, "sparsity"));
  TMC_TRY(read_ivec(r, t, 7, &x->shape_signature, &x->has_shape_signature,
                    "shape_signature"));
  TMC_TRY(tmc_fb_bool(&r->fb, t, 8, false, &x->has_rank, "has_rank"));
  TMC_TRY(skip_table_vector(r, t, 9, NULL, "variant_tensors"));
  TMC_TRY(tmc_fb_u32(&r->fb, t, 10, 0, &x->external_buffer, "external_buffer"));
  return TMC_OK;
}

static tmc_status read_operator(reader *r, const tmc_fb_table *t, tmc_tfl_operator *op) {
  uint64_t large_off, large_size;
  TMC_TRY(tmc_fb_u32(&r->fb, t, 0, 0, &op->opcode_index, "opcode_index"));
  TMC_TRY(read_ivec(r, t, 1, &op->inputs, NULL, "inputs"));
  TMC_TRY(read_ivec(r, t, 2, &op->outputs, NULL, "outputs"));
  TMC_TRY(read_options(r, t, &op->options));
  TMC_TRY(read_bytes(r, t, 5, &op->custom_options, "custom_options"));
  tmc_fb_vec mut;
  TMC_TRY(tmc_fb_vector(&r->fb, t, 7, 1, 1, false, &mut, NULL, "mutating_variable_inputs"));
  TMC_TRY(read_ivec(r, t, 8, &op->intermediates, NULL, "intermediates"));
  TMC_TRY(tmc_fb_u64(&r->fb, t, 9, 0, &large_off, "large_custom_options_offset"));
  TMC_TRY(tmc_fb_u64(&r->fb, t, 10, 0, &large_size, "large_custom_options_size"));
  op->has_large_custom_options = large_off > 1;
  return TMC_OK;
}

static tmc_status read_subgraph(reader *r, uint32_t sg_index, const tmc_fb_table *t,
                                tmc_tfl_subgraph *sg) {
  tmc_fb_vec tensors, ops;
  tmc_fb_context(&r->fb, "subgraph %u", sg_index);
  TMC_TRY(tmc_fb_string(&r->fb, t, 4, &sg->name, NULL, "name"));
  TMC_TRY(read_ivec(r, t, 1, &sg->inputs, NULL, "inputs"));
  TMC_TRY(read_ivec(r, t, 2, &sg->outputs, NULL, "outputs"));
  TMC_TRY(tmc_fb_vector(&r->fb, t, 0, 4, 4, true, &tensors, NULL, "tensors"));
  TMC_TRY(tmc_fb_vector(&r->fb, t, 3, 4, 4, true, &ops, NULL, "operators"));
  if (tensors.n > TMC_MAX_TENSORS)
    return tmc_fb_error(&r->fb, "tensors", "%u tensors, more than the %d tmc accepts",
                        tensors.n, TMC_MAX_TENSORS);
  if (ops.n > TMC_MAX_OPS)
    return tmc_fb_error(&r->fb, "operators", "%u operators, more than the %d tmc accepts",
                        ops.n, TMC_MAX_OPS);
  sg->n_tensors = (int32_t)tensors.n;
  sg->tensors = alloc_array(r, tensors.n, sizeof *sg->tensors, "tensors");
  sg->n_operators = (int32_t)ops.n;
  sg->operators = alloc_array(r, ops.n, sizeof *sg->operators, "operators");
  if (sg->tensors == NULL || sg->operators == NULL) return r->d->status;
  for (uint32_t i = 0; i < tensors.n; i++) {
    tmc_fb_table tt;
    tmc_fb_context(&r->fb, "subgraph %u tensor %u", sg_index, i);
    TMC_TRY(tmc_fb_vec_table(&r->fb, &tensors, i, &tt, "table"));
    TMC_TRY(read_tensor(r, &tt, &sg->tensors[i]));
    tmc_fb_leave(&r->fb);
  }
  for (uint32_t i = 0; i < ops.n; i++) {
    tmc_fb_table ot;
    tmc_fb_context(&r->fb, "subgraph %u op %u", sg_index, i);
    TMC_TRY(tmc_fb_vec_table(&r->fb, &ops, i, &ot, "table"));
    TMC_TRY(read_operator(r, &ot, &sg->operators[i]));
    tmc_fb_leave(&r->fb);
  }
  return TMC_OK;
}

static tmc_status read_opcode(reader *r, const tmc_fb_table *t, tmc_tfl_opcode *oc) {
  int8_t dep;
  TMC_TRY(tmc_fb_i8(&r->fb, t, 0, 0, &dep, "deprecated_builtin_code"));
  TMC_TRY(tmc_fb_string(&r->fb, t, 1, &oc->custom_code, NULL, "custom_code"));
  TMC_TRY(tmc_fb_i32(&r->fb, t, 2, 1, &oc->version, "version"));
  TMC_TRY(tmc_fb_i32(&r->fb, t, 3, 0, &oc->builtin_code, "builtin_code"));
  oc->deprecated_builtin_code = dep;
  /* TFLite takes the larger of the two fields: old files fill only the
   * deprecated byte, codes above 127 live only in the int32 field. */
  oc->code = oc->builtin_code > dep ? oc->builtin_code : dep;
  return TMC_OK;
}

static tmc_status read_buffer(reader *r, uint32_t index, const tmc_fb_table *t,
                              tmc_tfl_buffer *b) {
  TMC_TRY(read_bytes(r, t, 0, &b->data, "data"));
  TMC_TRY(tmc_fb_u64(&r->fb, t, 1, 0, &b->offset, "offset"));
  TMC_TRY(tmc_fb_u64(&r->fb, t, 2, 0, &b->size, "size"));
  if (b->offset > 1)
    return tmc_fail(r->d, TMC_ERR_UNSUPPORTED,
                    "buffer %u: stored outside the flatbuffer (offset %llu, size %llu), "
                    "the layout of models over 2 GB, which tmc does not support",
                    index, (unsigned long long)b->offset, (unsigned long long)b->size);
  return TMC_OK;
}

static tmc_status read_signature(reader *r, const tmc_fb_table *t, tmc_tfl_signature *s) {
  TMC_TRY(tmc_fb_string(&r->fb, t, 2, &s->key, NULL, "signature_key"));
  TMC_TRY(tmc_fb_u32(&r->fb, t, 4, 0, &s->subgraph_index, "subgraph_index"));
  for (int io = 0; io < 2; io++) {
    tmc_fb_vec v;
    const char *field = io ? "outputs" : "inputs";
    TMC_TRY(tmc_fb_vector(&r->fb, t, io, 4, 4, true, &v, NULL, field));
    tmc_tfl_tensor_map *maps = alloc_array(r, v.n, sizeof *maps, field);
    if (maps == NULL) return r->d->status;
    for (uint32_t i = 0; i < v.n; i++) {
      tmc_fb_table mt;
      TMC_TRY(tmc_fb_vec_table(&r->fb, &v, i, &mt, field));
      TMC_TRY(tmc_fb_string(&r->fb, &mt, 0, &maps[i].name, NULL, "name"));
      TMC_TRY(tmc_fb_u32(&r->fb, &mt, 1, 0, &maps[i].tensor_index, "tensor_index"));
      tmc_fb_leave(&r->fb);
    }
    if (io) {
      s->n_outputs = (int32_t)v.n;
      s->outputs = maps;
    } else {
      s->n_inputs = (int32_t)v.n;
      s->inputs = maps;
    }
  }
  return TMC_OK;
}

/* Reads a vector of tables at field id with fn(reader, index, table, elem). */
#define READ_TABLES(r, t, id, field, n_out, arr_out, ctx_fmt, call)             \
  do {                                                                          \
    tmc_fb_vec v_;                                                              \
    tmc_fb_context(&(r)->fb, "%s", "model");                                    \
    TMC_TRY(tmc_fb_vector(&(r)->fb, t, id, 4, 4, true, &v_, NULL, field));      \
    if (v_.n > TMC_MAX_TENSORS)                                                 \
      return tmc_fb_error(&(r)->fb, field, "%u entries, more than tmc accepts", \
                          v_.n);                                                \
    (n_out) = (int32_t)v_.n;                                                    \
    (arr_out) = alloc_array(r, v_.n, sizeof *(arr_out), field);                 \
    if ((arr_out) == NULL) return (r)->d->status;                               \
    for (uint32_t i_ = 0; i_ < v_.n; i_++) {                                    \
      tmc_fb_table et_;                                                         \
      tmc_fb_context(&(r)->fb, ctx_fmt, i_);                                    \
      TMC_TRY(tmc_fb_vec_table(&(r)->fb, &v_, i_, &et_, "table"));              \
      TMC_TRY(call);                                                            \
      tmc_fb_leave(&(r)->fb);                                                   \
    }                                                                           \
  } while (0)

tmc_status tmc_tfl_read(const uint8_t *bytes, size_t len, tmc_arena *arena,
                        tmc_tfl_model *m, tmc_diag *d) {
  reader r;
  tmc_fb_table root;
  memset(m, 0, sizeof *m);
  r.arena = arena;
  r.d = d;
  TMC_TRY(tmc_fb_open(&r.fb, bytes, len, "TFL3", d, &root));
  tmc_fb_context(&r.fb, "model");
  TMC_TRY(tmc_fb_u32(&r.fb, &root, 0, 0, &m->version, "version"));
  TMC_TRY(tmc_fb_string(&r.fb, &root, 3, &m->description, NULL, "description"));
  READ_TABLES(&r, &root, 1, "operator_codes", m->n_opcodes, m->opcodes,
              "operator code %u", read_opcode(&r, &et_, &m->opcodes[i_]));
  READ_TABLES(&r, &root, 4, "buffers", m->n_buffers, m->buffers, "buffer %u",
              read_buffer(&r, i_, &et_, &m->buffers[i_]));
  READ_TABLES(&r, &root, 2, "subgraphs", m->n_subgraphs, m->subgraphs, "subgraph %u",
              read_subgraph(&r, i_, &et_, &m->subgraphs[i_]));
  tmc_fb_context(&r.fb, "model");
  tmc_ivec metadata_buffer;
  TMC_TRY(read_ivec(&r, &root, 5, &metadata_buffer, NULL, "metadata_buffer"));
  READ_TABLES(&r, &root, 6, "metadata", m->n_metadata, m->metadata, "metadata %u",
              tmc_fb_string(&r.fb, &et_, 0, &m->metadata[i_].name, NULL, "name") ||
                      tmc_fb_u32(&r.fb, &et_, 1, 0, &m->metadata[i_].buffer, "buffer")
                  ? d->status
                  : TMC_OK);
  READ_TABLES(&r, &root, 7, "signature_defs", m->n_signatures, m->signatures,
              "signature %u", read_signature(&r, &et_, &m->signatures[i_]));
  tmc_fb_context(&r.fb, "model");
  bool groups, ext;
  TMC_TRY(skip_table_vector(&r, &root, 8, &groups, "external_buffer_groups"));
  TMC_TRY(skip_table_vector(&r, &root, 9, &ext, "external_buffers"));
  m->has_external_buffers = groups || ext;
  return TMC_OK;
}
