/* PAD folding: PAD -> CONV_2D / DEPTHWISE_CONV_2D becomes one convolution
 * with explicit padding (see passes.h for when it is exact). Steps per PAD:
 * 1. check the PAD: 4-D int8, constant paddings only on H and W, pad value
 *    equal to the zero point, same quantization in and out, output read only
 *    by input 0 of one convolution and not a graph output;
 * 2. give the convolution explicit padding: its own (from SAME/VALID on the
 *    padded size) plus the PAD's;
 * 3. rewire the convolution to read the PAD's input, drop the PAD. */
#include "ir/geometry.h"
#include "passes.h"

static bool same_quant(const tmc_tensor *a, const tmc_tensor *b) {
  return a->q.n == 1 && b->q.n == 1 && a->q.scale[0] == b->q.scale[0] &&
         a->q.zero_point[0] == b->q.zero_point[0];
}

/* The convolution that alone reads the PAD's output, or NULL. */
static tmc_op *sole_conv_reader(tmc_graph *g, const tmc_op *pad) {
  const tmc_tensor *y = tmc_op_output(g, pad, 0);
  if (y->is_output || y->n_consumers != 1) return NULL;
  tmc_op *c = &g->ops[y->consumers[0]];
  if (!tmc_op_runs(c) || c->unsupported) return NULL;
  if (c->kind != TMC_OP_CONV_2D && c->kind != TMC_OP_DEPTHWISE_CONV_2D) return NULL;
  if (c->in[0] != y->id) return NULL;
  for (int k = 1; k < c->n_in; k++)
    if (c->in[k] == y->id) return NULL;
  return c;
}

static bool foldable(tmc_graph *g, const tmc_op *pad, int32_t before[4], int32_t after[4]) {
  if (!tmc_op_runs(pad) || pad->unsupported) return false;
  if (pad->kind != TMC_OP_PAD && pad->kind != TMC_OP_PADV2) return false;
  const tmc_tensor *x = tmc_op_input(g, pad, 0), *p = tmc_op_input(g, pad, 1);
  const tmc_tensor *y = tmc_op_output(g, pad, 0);
  if (x->type != TMC_I8 || y->type != TMC_I8 || x->rank != 4 || y->rank != 4) return false;
  if (!p->is_const || p->elems != 8 || !same_quant(x, y)) return false;
  for (int i = 0; i < 4; i++) {
    before[i] = (int32_t)tmc_tensor_int(p, 2 * i);
    after[i] = (int32_t)tmc_tensor_int(p, 2 * i + 1);
    if (before[i] < 0 || after[i] < 0) return false;
    if ((i == 0 || i == 3) && (before[i] || after[i])) return false;
  }
  if (pad->kind == TMC_OP_PADV2) {
    const tmc_tensor *v = tmc_op_input(g, pad, 2);
    if (!v->is_const || v->type != TMC_I8 || v->elems != 1 ||
        (int8_t)v->data[0] != y->q.zero_point[0])
      return false;
  }
  return true;
}

/* Whether the convolution's window extent and its padding plus the PAD's
 * stay in int32 (y: the PAD's output, which the convolution reads now).
 * Otherwise the PAD is left alone, and the lowering refuses the
 * convolution by name. */
static bool pads_fit(const tmc_tensor *y, const tmc_tensor *w, const tmc_conv_attr *c,
                     const int32_t before[4], const int32_t after[4]) {
  const int64_t eh = (int64_t)(w->dims[1] - 1) * c->dilation_h + 1;
  const int64_t ew = (int64_t)(w->dims[2] - 1) * c->dilation_w + 1;
  if (eh > INT32_MAX || ew > INT32_MAX) return false;
  int64_t pad[4] = {c->pad_top, c->pad_bottom, c->pad_left, c->pad_right};
  if (!c->explicit_pad) { /* TFLite's padding: at most extent - 1 */
    tmc_window wh = tmc_window_geometry(y->dims[1], w->dims[1], c->stride_h, c->dilation_h,
                                        c->padding);
    tmc_window ww = tmc_window_geometry(y->dims[2], w->dims[2], c->stride_w, c->dilation_w,
                                        c->padding);
    pad[0] = wh.before;
    pad[1] = wh.after;
    pad[2] = ww.before;
    pad[3] = ww.after;
  }
  return pad[0] + before[1] <= INT32_MAX && pad[1] + after[1] <= INT32_MAX &&
         pad[2] + before[2] <= INT32_MAX && pad[3] + after[2] <= INT32_MAX;
}

tmc_status tmc_pass_fold_pad(tmc_graph *g, tmc_diag *d) {
  (void)d;
  for (int32_t i = 0; i < g->n_ops; i++) {
    tmc_op *pad = &g->ops[i];
    int32_t before[4], after[4];
    if (!foldable(g, pad, before, after)) continue;
    tmc_op *conv = sole_conv_reader(g, pad);
    if (conv == NULL) continue;
    tmc_tensor *x = &g->tensors[pad->in[0]], *y = &g->tensors[pad->out[0]];
    const tmc_tensor *w = tmc_op_input(g, conv, 1);
    tmc_conv_attr *c = &conv->attr.conv;
    if (!pads_fit(y, w, c, before, after)) continue;
    if (!c->explicit_pad) {
      tmc_window wh = tmc_window_geometry(y->dims[1], w->dims[1], c->stride_h,
                                          c->dilation_h, c->padding);
      tmc_window ww = tmc_window_geometry(y->dims[2], w->dims[2], c->stride_w,
                                          c->dilation_w, c->padding);
      c->pad_top = wh.before;
      c->pad_bottom = wh.after;
      c->pad_left = ww.before;
      c->pad_right = ww.after;
      c->explicit_pad = true;
    }
    c->pad_top += before[1];
    c->pad_bottom += after[1];
    c->pad_left += before[2];
    c->pad_right += after[2];
    conv->in[0] = x->id;
    /* x is now read by the convolution instead of the PAD. */
    for (int k = 0; k < x->n_consumers; k++)
      if (x->consumers[k] == pad->id) x->consumers[k] = conv->id;
    y->n_consumers = 0;
    pad->removed = true;
  }
  return TMC_OK;
}
