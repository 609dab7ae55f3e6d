/* tmc_tfl_model -> tmc_graph. Steps:
 * 1. tensors: type, shape (rank, no negative or overflowing sizes), constant
 *    buffer of the exact byte size, quantization that fits the tensor;
 * 2. operators: operator code, kind, tensor indices, single producer per
 *    tensor, options of the expected table, typed parameters;
 * 3. per-kind operand checks (operands.c, driven by the op table) and the
 *    supported-op marks;
 * 4. consumers and graph inputs/outputs. */
#include "build.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "op_table.h"

typedef struct builder {
  const tmc_tfl_model *m;
  const tmc_tfl_subgraph *sg;
  tmc_graph *g;
  tmc_arena *a;
  tmc_diag *d;
} builder;

static tmc_status nomem(builder *b, const char *what) {
  return tmc_fail(b->d, TMC_ERR_NOMEM, "out of memory building %s", what);
}

/* "tensor 12 'conv/w'" for messages. */
#define TENSOR_FMT "tensor %d '%s'"

static tmc_status build_quant(builder *b, const tmc_tfl_tensor *src, tmc_tensor *t) {
  const tmc_tfl_quant *q = &src->quant;
  if (!src->has_quant || q->n_scale == 0) {
    if (src->has_quant && q->n_zero_point > 0 && q->n_scale == 0)
      return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": quantization has %d zero points "
                      "and no scale", t->id, t->name, q->n_zero_point);
    return TMC_OK;
  }
  if (q->n_zero_point != q->n_scale)
    return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": quantization has %d scales and %d "
                    "zero points, expected equal counts", t->id, t->name, q->n_scale,
                    q->n_zero_point);
  /* A 1-D tensor with one scale per element (a per-channel bias) is
   * quantized along its only dimension whatever quantized_dimension says:
   * older converters copied the weights' dimension (3) there, and TFLite
   * reads such models (TFLM's person-detection example is one). */
  int32_t qdim = q->quantized_dimension;
  if (q->n_scale > 1 && t->rank == 1 && t->dims[0] == q->n_scale) qdim = 0;
  if (q->n_scale > 1) {
    if (qdim < 0 || qdim >= t->rank)
      return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": quantized_dimension %d, expected "
                      "0..%d for a %d-D tensor", t->id, t->name, q->quantized_dimension,
                      t->rank - 1, t->rank);
    if (t->dims[qdim] != q->n_scale)
      return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": %d scales, expected %d (dimension "
                      "%d)", t->id, t->name, q->n_scale, t->dims[qdim], qdim);
  }
  int32_t *zp = tmc_arena_array(b->a, (size_t)q->n_scale, sizeof *zp);
  if (zp == NULL) return nomem(b, "quantization");
  for (int32_t i = 0; i < q->n_scale; i++) {
    float s = q->scale[i];
    if (!(s >= 0.0f) || isinf(s))
      return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": scale[%d] is %g, expected a "
                      "finite value >= 0", t->id, t->name, i, (double)s);
    if (q->zero_point[i] < INT32_MIN || q->zero_point[i] > INT32_MAX)
      return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": zero_point[%d] is %lld, outside "
                      "int32", t->id, t->name, i, (long long)q->zero_point[i]);
    zp[i] = (int32_t)q->zero_point[i];
  }
  t->q.n = q->n_scale;
  t->q.scale = q->scale;
  t->q.zero_point = zp;
  t->q.axis = q->n_scale > 1 ? qdim : 0;
  return TMC_OK;
}

static tmc_status build_tensor(builder *b, int32_t i) {
  const tmc_tfl_tensor *src = &b->sg->tensors[i];
  tmc_tensor *t = &b->g->tensors[i];
  t->id = i;
  t->name = src->name ? src->name : "";
  t->producer = -1;
  if (src->type < 0 || src->type >= TMC_DTYPE_COUNT)
    return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": type %d is not a TFLite type",
                    i, t->name, src->type);
  t->type = (tmc_dtype)src->type;
  if (src->shape.n > TMC_MAX_RANK)
    return tmc_fail(b->d, TMC_ERR_LIMIT, TENSOR_FMT ": %d dims, tmc supports at most %d",
                    i, t->name, src->shape.n, TMC_MAX_RANK);
  t->rank = src->shape.n;
  int64_t elems = 1;
  for (int32_t k = 0; k < t->rank; k++) {
    int32_t v = src->shape.v[k];
    if (v < 0)
      return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": dimension %d is %d, expected >= 0"
                      "%s", i, t->name, k, v,
                      v == -1 ? " (dynamic shapes are not supported)" : "");
    t->dims[k] = v;
    elems *= v;
    if (elems > (int64_t)TMC_MAX_TENSOR_ELEMS)
      return tmc_fail(b->d, TMC_ERR_LIMIT, TENSOR_FMT ": more than 2^31 elements", i,
                      t->name);
  }
  t->elems = elems;
  t->bytes = elems * (int64_t)tmc_dtype_size(t->type);
  if (t->type == TMC_I4) t->bytes = (elems + 1) / 2;
  if (t->bytes > (int64_t)TMC_MAX_TENSOR_BYTES)
    return tmc_fail(b->d, TMC_ERR_LIMIT, TENSOR_FMT ": %lld bytes, more than 2^31", i,
                    t->name, (long long)t->bytes);
  t->is_variable = src->is_variable;
  if (src->buffer >= (uint32_t)b->m->n_buffers && !(src->buffer == 0 && b->m->n_buffers == 0))
    return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": buffer %u does not exist (model has "
                    "%d buffers)", i, t->name, src->buffer, b->m->n_buffers);
  if (src->buffer > 0) {
    const tmc_tfl_buffer *buf = &b->m->buffers[src->buffer];
    if (buf->data.size > 0) {
      if (t->type != TMC_STRING && (int64_t)buf->data.size != t->bytes)
        return tmc_fail(b->d, TMC_ERR_MODEL, TENSOR_FMT ": buffer %u holds %zu bytes, "
                        "expected %lld (%s %lld elements)", i, t->name, src->buffer,
                        buf->data.size, (long long)t->bytes, tmc_dtype_name(t->type),
                        (long long)t->elems);
      t->data = buf->data.data;
      t->is_const = true;
      /* An int16 constant is read as int16_t by the 16x8 kernels (an ADD's
       * constant operand): keep it aligned, copying the bytes if the
       * model's buffer is not. */
      if (t->type == TMC_I16 && ((uintptr_t)t->data % 2) != 0) {
        uint8_t *copy = tmc_arena_alloc(b->a, (size_t)t->bytes);
        if (copy == NULL) return nomem(b, "an aligned copy of an int16 constant");
        memcpy(copy, buf->data.data, (size_t)t->bytes);
        t->data = copy;
      }
    }
  }
  if (src->external_buffer != 0)
    return tmc_fail(b->d, TMC_ERR_UNSUPPORTED, TENSOR_FMT ": data in external buffer %u "
                    "(external weight files are not supported)", i, t->name,
                    src->external_buffer);
  return build_quant(b, src, t);
}

/* Index of a tensor referenced by an op, checked. */
static tmc_status tensor_ref(builder *b, const tmc_op *op, const char *role, int k,
                             int32_t idx, bool optional) {
  if (idx == -1 && optional) return TMC_OK;
  if (idx < 0 || idx >= b->g->n_tensors)
    return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: %s %d: tensor %d does not exist "
                    "(model has %d tensors)", op->id, op->name, role, k, idx,
                    b->g->n_tensors);
  return TMC_OK;
}

static const char *kind_name_or_code(builder *b, int32_t code) {
  const char *n = tmc_tfl_builtin_name(code);
  return n ? n : tmc_arena_printf(b->a, "BUILTIN_%d", code);
}

static const char *options_name(uint8_t type) {
  switch (type) {
    case 0:
      return "none";
#define TMC_TFL_OPT(t, Table, member, fields) \
  case t:                                     \
    return #Table;
#include "reader/options.def"
#undef TMC_TFL_OPT
    default:
      return "another options table";
  }
}

/* "2", "2 to 3" or "1 or more", for count messages. */
static const char *count_range(builder *b, int lo, int hi) {
  const char *r = hi == lo   ? tmc_arena_printf(b->a, "%d", lo)
                  : hi < 0   ? tmc_arena_printf(b->a, "%d or more", lo)
                             : tmc_arena_printf(b->a, "%d to %d", lo, hi);
  return r ? r : "?";
}

static tmc_status build_op(builder *b, int32_t i) {
  const tmc_tfl_operator *src = &b->sg->operators[i];
  tmc_op *op = &b->g->ops[i];
  op->id = i;
  if (src->opcode_index >= (uint32_t)b->m->n_opcodes)
    return tmc_fail(b->d, TMC_ERR_MODEL, "op %d: operator code %u does not exist (model "
                    "has %d)", i, src->opcode_index, b->m->n_opcodes);
  const tmc_tfl_opcode *oc = &b->m->opcodes[src->opcode_index];
  op->version = oc->version;
  uint8_t want_opt = 0;
  if (oc->code == TMC_TFL_OP_CUSTOM) {
    op->builtin_code = -1;
    op->kind = TMC_OP_UNKNOWN;
    op->name = oc->custom_code ? oc->custom_code : "CUSTOM";
    op->unsupported = "custom operator";
  } else {
    op->builtin_code = oc->code;
    op->kind = tmc_op_kind_of_builtin(oc->code);
    want_opt = tmc_op_desc_of(op->kind)->options_type;
    op->name = kind_name_or_code(b, oc->code);
    if (op->name == NULL) return nomem(b, "op name");
    if (op->kind == TMC_OP_UNKNOWN) op->unsupported = "operator not implemented by tmc";
  }
  if (src->inputs.n > TMC_MAX_OP_IO || src->outputs.n > TMC_MAX_OP_IO)
    return tmc_fail(b->d, TMC_ERR_LIMIT, "op %d %s: %d inputs and %d outputs, more than "
                    "the %d tmc accepts", i, op->name, src->inputs.n, src->outputs.n,
                    TMC_MAX_OP_IO);
  op->n_in = src->inputs.n;
  op->n_out = src->outputs.n;
  op->in = tmc_arena_array(b->a, (size_t)op->n_in + 1, sizeof(int32_t));
  op->out = tmc_arena_array(b->a, (size_t)op->n_out + 1, sizeof(int32_t));
  if (op->in == NULL || op->out == NULL) return nomem(b, "op operands");
  for (int k = 0; k < op->n_in; k++) {
    op->in[k] = src->inputs.v[k];
    TMC_TRY(tensor_ref(b, op, "input", k, op->in[k], true));
  }
  for (int k = 0; k < op->n_out; k++) {
    op->out[k] = src->outputs.v[k];
    TMC_TRY(tensor_ref(b, op, "output", k, op->out[k], false));
    tmc_tensor *t = &b->g->tensors[op->out[k]];
    if (t->is_const)
      return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: output %d (" TENSOR_FMT ") is a "
                      "constant", i, op->name, k, t->id, t->name);
    if (t->producer >= 0)
      return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: output %d (" TENSOR_FMT ") is "
                      "already written by op %d", i, op->name, k, t->id, t->name,
                      t->producer);
    t->producer = i;
  }
  if (op->kind == TMC_OP_UNKNOWN) return TMC_OK;

  const tmc_op_desc *desc = tmc_op_desc_of(op->kind);
  int imin = desc->min_inputs, imax = desc->max_inputs;
  int omin = desc->min_outputs, omax = desc->max_outputs;
  if (op->n_in < imin || (imax >= 0 && op->n_in > imax))
    return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: %d inputs, expected %s", i, op->name,
                    op->n_in, count_range(b, imin, imax));
  if (op->n_out < omin || (omax >= 0 && op->n_out > omax))
    return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: %d outputs, expected %s", i, op->name,
                    op->n_out, count_range(b, omin, omax));
  const tmc_tfl_options *o = &src->options;
  if (o->type != 0 && o->type != want_opt)
    return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: builtin options are %s (type %u), "
                    "expected %s", i, op->name, options_name(o->type), o->type,
                    options_name(want_opt));
  if (o->has_options2)
    op->unsupported = "builtin_options_2 are not supported";
  return tmc_ir_set_attrs(b->g, op, o, b->a, b->d);
}

static tmc_status link_consumers(builder *b) {
  tmc_graph *g = b->g;
  for (int i = 0; i < g->n_ops; i++)
    for (int k = 0; k < g->ops[i].n_in; k++)
      if (g->ops[i].in[k] >= 0) g->tensors[g->ops[i].in[k]].n_consumers++;
  for (int t = 0; t < g->n_tensors; t++) {
    tmc_tensor *x = &g->tensors[t];
    if (x->n_consumers == 0) continue;
    x->consumers = tmc_arena_array(b->a, (size_t)x->n_consumers, sizeof(int32_t));
    if (x->consumers == NULL) return nomem(b, "consumer lists");
    x->n_consumers = 0;
  }
  for (int i = 0; i < g->n_ops; i++)
    for (int k = 0; k < g->ops[i].n_in; k++) {
      int32_t t = g->ops[i].in[k];
      if (t < 0) continue;
      tmc_tensor *x = &g->tensors[t];
      /* An op reading one tensor twice (x * x) counts it once. */
      if (x->n_consumers > 0 && x->consumers[x->n_consumers - 1] == i) continue;
      x->consumers[x->n_consumers++] = i;
    }
  return TMC_OK;
}

static tmc_status graph_io(builder *b, const tmc_ivec *src, int32_t *n, int32_t **dst,
                           bool output) {
  tmc_graph *g = b->g;
  *n = src->n;
  *dst = tmc_arena_array(b->a, (size_t)src->n + 1, sizeof(int32_t));
  if (*dst == NULL) return nomem(b, "graph inputs and outputs");
  for (int k = 0; k < src->n; k++) {
    int32_t t = src->v[k];
    if (t < 0 || t >= g->n_tensors)
      return tmc_fail(b->d, TMC_ERR_MODEL, "subgraph 0: %s %d is tensor %d, which does "
                      "not exist (model has %d tensors)", output ? "output" : "input", k, t,
                      g->n_tensors);
    (*dst)[k] = t;
    if (output)
      g->tensors[t].is_output = true;
    else
      g->tensors[t].is_input = true;
  }
  for (int k = 0; k < src->n && !output; k++) {
    const tmc_tensor *x = &g->tensors[(*dst)[k]];
    if (x->producer >= 0)
      return tmc_fail(b->d, TMC_ERR_MODEL, "subgraph 0: input %d (" TENSOR_FMT ") is "
                      "written by op %d", k, x->id, x->name, x->producer);
  }
  return TMC_OK;
}

/* Execution order: every operator reads graph inputs, constants, variables
 * (state read before the op updates it in place) or outputs of earlier
 * operators; every graph output is written by an operator (or is a graph
 * input or constant: tmc_graph_check_supported refuses those). Anything
 * else (a cycle, a read before the write, an op reading its own output, a
 * tensor nobody writes) would compute from whatever the arena held. */
static tmc_status check_order(builder *b) {
  const tmc_graph *g = b->g;
  for (int32_t i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    for (int k = 0; k < op->n_in; k++) {
      if (op->in[k] < 0) continue;
      const tmc_tensor *x = &g->tensors[op->in[k]];
      if (x->is_const || x->is_input || x->is_variable) continue;
      if (x->producer < 0)
        return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: input %d (" TENSOR_FMT ") is "
                        "written by no operator and is neither a graph input nor a "
                        "constant", i, op->name, k, x->id, x->name);
      if (x->producer == i)
        return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: input %d (" TENSOR_FMT ") is its "
                        "own output", i, op->name, k, x->id, x->name);
      if (x->producer > i)
        return tmc_fail(b->d, TMC_ERR_MODEL, "op %d %s: input %d (" TENSOR_FMT ") is "
                        "written later, by op %d (operators must be listed in execution "
                        "order)", i, op->name, k, x->id, x->name, x->producer);
    }
  }
  for (int32_t k = 0; k < g->n_outputs; k++) {
    const tmc_tensor *y = &g->tensors[g->outputs[k]];
    if (y->producer < 0 && !y->is_input && !y->is_const)
      return tmc_fail(b->d, TMC_ERR_MODEL, "subgraph 0: output %d (" TENSOR_FMT ") is "
                      "written by no operator", k, y->id, y->name);
  }
  return TMC_OK;
}

tmc_status tmc_graph_from_tflite(const tmc_tfl_model *m, const char *model_name,
                                 tmc_arena *arena, tmc_graph *g, tmc_diag *d) {
  builder b = {m, NULL, g, arena, d};
  memset(g, 0, sizeof *g);
  g->model_name = model_name ? model_name : "model";
  g->schema_version = m->version;
  g->description = m->description;
  g->n_subgraphs = m->n_subgraphs;
  if (m->n_subgraphs < 1)
    return tmc_fail(d, TMC_ERR_MODEL, "model has no subgraph");
  b.sg = &m->subgraphs[0];
  g->n_tensors = b.sg->n_tensors;
  g->n_ops = b.sg->n_operators;
  g->tensors = tmc_arena_array(arena, (size_t)g->n_tensors + 1, sizeof *g->tensors);
  g->ops = tmc_arena_array(arena, (size_t)g->n_ops + 1, sizeof *g->ops);
  if (g->tensors == NULL || g->ops == NULL) return nomem(&b, "the graph");
  for (int32_t i = 0; i < g->n_tensors; i++) TMC_TRY(build_tensor(&b, i));
  for (int32_t i = 0; i < g->n_ops; i++) TMC_TRY(build_op(&b, i));
  TMC_TRY(graph_io(&b, &b.sg->inputs, &g->n_inputs, &g->inputs, false));
  TMC_TRY(graph_io(&b, &b.sg->outputs, &g->n_outputs, &g->outputs, true));
  TMC_TRY(check_order(&b));
  TMC_TRY(link_consumers(&b));
  for (int32_t i = 0; i < g->n_ops; i++)
    if (g->ops[i].kind != TMC_OP_UNKNOWN) TMC_TRY(tmc_ir_check_op(g, &g->ops[i], arena, d));
  return TMC_OK;
}

tmc_status tmc_graph_load(const uint8_t *bytes, size_t len, const char *model_name,
                          tmc_arena *arena, tmc_graph *g, tmc_diag *d) {
  tmc_tfl_model m;
  TMC_TRY(tmc_tfl_read(bytes, len, arena, &m, d));
  return tmc_graph_from_tflite(&m, model_name, arena, g, d);
}
