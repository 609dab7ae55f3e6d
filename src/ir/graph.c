/* Names, per-op figures and the supported-op check of the graph IR. */
#include "graph.h"

#include "op_impl.h"

#include <stdio.h>
#include <string.h>

const char *tmc_dtype_name(tmc_dtype t) {
  static const char *const names[] = {
      "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL",
      "INT16", "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64",
      "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4", "BFLOAT16"};
  return (unsigned)t < TMC_DTYPE_COUNT ? names[t] : "?";
}

size_t tmc_dtype_size(tmc_dtype t) {
  switch (t) {
    case TMC_F32: case TMC_I32: case TMC_U32: return 4;
    case TMC_F16: case TMC_I16: case TMC_U16: case TMC_BF16: return 2;
    case TMC_U8: case TMC_I8: case TMC_BOOL: return 1;
    case TMC_I64: case TMC_F64: case TMC_U64: case TMC_C64: return 8;
    case TMC_C128: return 16;
    default: return 0;
  }
}

const char *tmc_op_kind_name(tmc_op_kind k) { return tmc_op_desc_of(k)->name; }

const char *tmc_act_name(tmc_act a) {
  static const char *const names[] = {"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH",
                                      "SIGN_BIT"};
  return (unsigned)a < 6 ? names[a] : "?";
}

/* MACS callbacks (ops.def). CONV_2D: out elems x kh x kw x cin;
 * DEPTHWISE_CONV_2D: out elems x kh x kw. */
int64_t tmc_ir_macs_conv(const tmc_graph *g, const tmc_op *op) {
  const tmc_tensor *w = tmc_op_input(g, op, 1), *out = tmc_op_output(g, op, 0);
  int32_t cin = op->kind == TMC_OP_CONV_2D ? w->dims[3] : 1;
  return out->elems * w->dims[1] * w->dims[2] * cin;
}

/* Out elems x input features. */
int64_t tmc_ir_macs_fc(const tmc_graph *g, const tmc_op *op) {
  const tmc_tensor *w = tmc_op_input(g, op, 1);
  return tmc_op_output(g, op, 0)->elems * w->dims[w->rank - 1];
}

/* Input elems x kh x kw x cout. */
int64_t tmc_ir_macs_transpose_conv(const tmc_graph *g, const tmc_op *op) {
  const tmc_tensor *w = tmc_op_input(g, op, 1), *x = tmc_op_input(g, op, 2);
  return x->elems * w->dims[0] * w->dims[1] * w->dims[2];
}

int64_t tmc_op_macs(const tmc_graph *g, const tmc_op *op) {
  const tmc_op_desc *desc = tmc_op_desc_of(op->kind);
  return op->n_out >= 1 && desc->macs ? desc->macs(g, op) : 0;
}

int64_t tmc_op_weight_bytes(const tmc_graph *g, const tmc_op *op) {
  int64_t sum = 0;
  for (int i = 0; i < op->n_in; i++) {
    const tmc_tensor *t = tmc_op_input(g, op, i);
    if (t && t->is_const) sum += t->bytes;
  }
  return sum;
}

/* What tmc cannot compile about the graph as a whole (TMC_OK when nothing):
 * no operator to run, constant graph inputs or outputs, an output that is a
 * graph input, an activation with no elements. */
static tmc_status graph_problem(const tmc_graph *g, tmc_diag *d) {
  int running = 0;
  for (int i = 0; i < g->n_ops; i++) running += tmc_op_runs(&g->ops[i]);
  if (running == 0)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "subgraph 0: no operator to run (%d operators, "
                    "all evaluated at compile time or dropped)", g->n_ops);
  for (int k = 0; k < g->n_inputs; k++) {
    const tmc_tensor *t = &g->tensors[g->inputs[k]];
    if (t->is_const)
      return tmc_fail(d, TMC_ERR_UNSUPPORTED, "subgraph 0: input %d (tensor %d '%s') is a "
                      "constant", k, t->id, t->name);
  }
  for (int k = 0; k < g->n_outputs; k++) {
    const tmc_tensor *t = &g->tensors[g->outputs[k]];
    if (t->is_const || t->is_input)
      return tmc_fail(d, TMC_ERR_UNSUPPORTED, "subgraph 0: output %d (tensor %d '%s') is %s: "
                      "no operator computes it", k, t->id, t->name,
                      t->is_const ? "a constant" : "a graph input");
  }
  for (int i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    if (!tmc_op_runs(op)) continue;
    for (int k = 0; k < op->n_in + op->n_out; k++) {
      int32_t id = k < op->n_in ? op->in[k] : op->out[k - op->n_in];
      if (id < 0) continue;
      const tmc_tensor *t = &g->tensors[id];
      if (!t->is_const && t->elems == 0)
        return tmc_fail(d, TMC_ERR_UNSUPPORTED, "op %d %s: %s %d (tensor %d '%s') has no "
                        "elements (a zero-size dimension)", op->id, op->name,
                        k < op->n_in ? "input" : "output", k < op->n_in ? k : k - op->n_in,
                        t->id, t->name);
    }
  }
  return TMC_OK;
}

tmc_status tmc_graph_check_supported(const tmc_graph *g, tmc_diag *d) {
  TMC_TRY(graph_problem(g, d));
  int count = 0;
  for (int i = 0; i < g->n_ops; i++) count += g->ops[i].unsupported && tmc_op_runs(&g->ops[i]);
  if (count == 0) return TMC_OK;
  tmc_fail(d, TMC_ERR_UNSUPPORTED, "%d unsupported operator%s:", count,
           count > 1 ? "s" : "");
  int listed = 0;
  for (int i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    if (!op->unsupported || !tmc_op_runs(op)) continue;
    /* Keep room for the closing count when the message fills up. */
    if (strlen(d->msg) + 200 > sizeof d->msg) {
      tmc_diag_append(d, "\n  ... and %d more", count - listed);
      break;
    }
    tmc_diag_append(d, "\n  op %d %.60s (version %d): %s", op->id, op->name, op->version,
                    op->unsupported);
    listed++;
  }
  return TMC_ERR_UNSUPPORTED;
}
