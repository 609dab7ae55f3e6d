/* --io int8: strip the float edges of a float-in/float-out model so it takes
 * and returns the int8 tensors (what an MCU camera pipeline feeds, and how
 * TinyEngine counts memory). Steps:
 * 1. each float graph input whose only reader is a QUANTIZE to int8: the
 *    QUANTIZE's output becomes the graph input, the QUANTIZE is removed;
 * 2. each float graph output: walk back through float ops to the DEQUANTIZE
 *    that leaves int8; its int8 input becomes the graph output and the ops
 *    walked are removed (they must feed nothing else).
 * Integer edges (int8, and the int16 / int32 ones of 16x8 models) are left
 * as they are: there is no float to strip. */
#include "passes.h"

static tmc_status io_fail(tmc_diag *d, const char *role, int k, const tmc_tensor *t,
                          const char *why) {
  return tmc_fail(d, TMC_ERR_UNSUPPORTED, "--io int8: %s %d (tensor %d '%s', %s): %s",
                  role, k, t->id, t->name, tmc_dtype_name(t->type), why);
}

tmc_status tmc_pass_io_int8(tmc_graph *g, tmc_diag *d) {
  for (int k = 0; k < g->n_inputs; k++) {
    tmc_tensor *x = &g->tensors[g->inputs[k]];
    if (x->type == TMC_I8 || x->type == TMC_I16 || x->type == TMC_I32) continue;
    if (x->n_consumers != 1 || x->is_output)
      return io_fail(d, "input", k, x, "is read by more than a QUANTIZE");
    tmc_op *q = &g->ops[x->consumers[0]];
    tmc_tensor *y = q->n_out == 1 ? &g->tensors[q->out[0]] : NULL;
    if (q->kind != TMC_OP_QUANTIZE || y == NULL || y->type != TMC_I8)
      return io_fail(d, "input", k, x, "is not quantized to int8 by a QUANTIZE");
    q->removed = true;
    x->is_input = false;
    y->is_input = true;
    y->producer = -1;
    g->inputs[k] = y->id;
  }
  for (int k = 0; k < g->n_outputs; k++) {
    tmc_tensor *y = &g->tensors[g->outputs[k]];
    if (y->type == TMC_I8 || y->type == TMC_I16 || y->type == TMC_I32) continue;
    /* Walk back over float ops to the DEQUANTIZE. */
    int32_t t = y->id;
    for (int steps = 0; steps < g->n_ops; steps++) {
      const tmc_tensor *cur = &g->tensors[t];
      int32_t p = cur->producer;
      if (p < 0) return io_fail(d, "output", k, y, "has no DEQUANTIZE from int8");
      tmc_op *op = &g->ops[p];
      if (op->n_out != 1 || op->n_in < 1 || op->in[0] < 0 ||
          (cur->id != y->id && (cur->n_consumers != 1 || cur->is_output)))
        return io_fail(d, "output", k, y, "its float tail is shared with other outputs");
      const tmc_tensor *src = &g->tensors[op->in[0]];
      op->removed = true;
      if (op->kind == TMC_OP_DEQUANTIZE && src->type == TMC_I8) {
        tmc_tensor *q = &g->tensors[src->id];
        y->is_output = false;
        q->is_output = true;
        g->outputs[k] = q->id;
        break;
      }
      if (src->type != TMC_F32)
        return io_fail(d, "output", k, y, "does not come from a DEQUANTIZE of int8");
      t = src->id;
    }
    if (g->tensors[g->outputs[k]].type != TMC_I8)
      return io_fail(d, "output", k, y, "does not come from a DEQUANTIZE of int8");
  }
  return TMC_OK;
}
