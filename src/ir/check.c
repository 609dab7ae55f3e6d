/* Operator checks: typed parameters from options, operand ranks, shapes and
 * element types. Errors name the op and the operand:
 * "op 12 CONV_2D: input 1 (tensor 42 'w'): 3 dims, expected 4". */
#include "check.h"

#include "geometry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static tmc_status bad(tmc_diag *d, const tmc_op *op, const char *what, long long v,
                      const char *expected) {
  return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: %s is %lld, expected %s", op->id, op->name,
                  what, v, expected);
}

static tmc_status check_padding(tmc_diag *d, const tmc_op *op, int32_t v, tmc_padding *out) {
  if (v != TMC_PAD_SAME && v != TMC_PAD_VALID)
    return bad(d, op, "padding", v, "0 (SAME) or 1 (VALID)");
  *out = (tmc_padding)v;
  return TMC_OK;
}

static tmc_status check_act(tmc_diag *d, tmc_op *op, int32_t v, tmc_act *out) {
  if (v < 0 || v > TMC_FUSED_SIGN_BIT)
    return bad(d, op, "fused_activation_function", v, "0..5");
  *out = (tmc_act)v;
  if (*out == TMC_FUSED_TANH || *out == TMC_FUSED_SIGN_BIT)
    op->unsupported = "fused TANH or SIGN_BIT activation";
  return TMC_OK;
}

static tmc_status check_pos(tmc_diag *d, const tmc_op *op, const char *what, int32_t v) {
  return v >= 1 ? TMC_OK : bad(d, op, what, v, ">= 1");
}

/* Window attributes of CONV_2D and DEPTHWISE_CONV_2D options (two option
 * tables with the same field names). */
#define conv_attr(d, op, c, p) conv_attr_fields(d, op, (c)->padding,                 \
                                                (c)->fused_activation_function,       \
                                                (c)->stride_h, (c)->stride_w,         \
                                                (c)->dilation_h_factor,               \
                                                (c)->dilation_w_factor, p)

static tmc_status conv_attr_fields(tmc_diag *d, tmc_op *op, int32_t padding, int32_t act,
                                   int32_t stride_h, int32_t stride_w, int32_t dil_h,
                                   int32_t dil_w, tmc_op_attr *p) {
  TMC_TRY(check_padding(d, op, padding, &p->conv.padding));
  TMC_TRY(check_act(d, op, act, &p->conv.act));
  p->conv.stride_h = stride_h;
  p->conv.stride_w = stride_w;
  p->conv.dilation_h = dil_h;
  p->conv.dilation_w = dil_w;
  return TMC_OK;
}

tmc_status tmc_ir_set_attrs(const tmc_graph *g, tmc_op *op, const tmc_tfl_options *o,
                             tmc_arena *a, tmc_diag *d) {
  (void)g;
  (void)a;
  tmc_op_attr *p = &op->attr;
  switch (op->kind) {
    case TMC_OP_CONV_2D:
      TMC_TRY(conv_attr(d, op, &o->u.conv2d, p));
      p->conv.depth_multiplier = 1;
      break;
    case TMC_OP_DEPTHWISE_CONV_2D:
      TMC_TRY(conv_attr(d, op, &o->u.depthwise_conv2d, p));
      p->conv.depth_multiplier = o->u.depthwise_conv2d.depth_multiplier;
      break;
    case TMC_OP_TRANSPOSE_CONV: {
      const tmc_tfl_transpose_conv *c = &o->u.transpose_conv;
      TMC_TRY(check_padding(d, op, c->padding, &p->conv.padding));
      TMC_TRY(check_act(d, op, c->fused_activation_function, &p->conv.act));
      p->conv.stride_h = c->stride_h;
      p->conv.stride_w = c->stride_w;
      p->conv.dilation_h = p->conv.dilation_w = 1;
      p->conv.depth_multiplier = 1;
      break;
    }
    case TMC_OP_AVERAGE_POOL_2D:
    case TMC_OP_MAX_POOL_2D: {
      const tmc_tfl_pool2d *c = &o->u.pool2d;
      TMC_TRY(check_padding(d, op, c->padding, &p->pool.padding));
      TMC_TRY(check_act(d, op, c->fused_activation_function, &p->pool.act));
      p->pool.stride_h = c->stride_h;
      p->pool.stride_w = c->stride_w;
      p->pool.filter_h = c->filter_height;
      p->pool.filter_w = c->filter_width;
      TMC_TRY(check_pos(d, op, "filter_height", c->filter_height));
      TMC_TRY(check_pos(d, op, "filter_width", c->filter_width));
      break;
    }
    case TMC_OP_FULLY_CONNECTED: {
      const tmc_tfl_fully_connected *c = &o->u.fully_connected;
      TMC_TRY(check_act(d, op, c->fused_activation_function, &p->fc.act));
      p->fc.keep_num_dims = c->keep_num_dims;
      if (c->weights_format != 0) op->unsupported = "shuffled fully-connected weights";
      break;
    }
    case TMC_OP_ADD:
      TMC_TRY(check_act(d, op, o->u.add.fused_activation_function, &p->binary.act));
      break;
    case TMC_OP_SUB:
      TMC_TRY(check_act(d, op, o->u.sub.fused_activation_function, &p->binary.act));
      break;
    case TMC_OP_MUL:
      TMC_TRY(check_act(d, op, o->u.mul.fused_activation_function, &p->binary.act));
      break;
    case TMC_OP_CONCATENATION:
      TMC_TRY(check_act(d, op, o->u.concatenation.fused_activation_function,
                        &p->axis.act));
      p->axis.axis = o->u.concatenation.axis;
      p->axis.count = op->n_in;
      break;
    case TMC_OP_SPLIT:
      p->axis.count = o->u.split.num_splits;
      if (p->axis.count != op->n_out)
        return bad(d, op, "num_splits", p->axis.count, "the number of outputs");
      break;
    case TMC_OP_PACK:
      p->axis.axis = o->u.pack.axis;
      p->axis.count = o->u.pack.values_count;
      if (p->axis.count != op->n_in)
        return bad(d, op, "values_count", p->axis.count, "the number of inputs");
      break;
    case TMC_OP_UNPACK:
      p->axis.axis = o->u.unpack.axis;
      p->axis.count = o->u.unpack.num;
      if (p->axis.count != op->n_out)
        return bad(d, op, "num", p->axis.count, "the number of outputs");
      break;
    case TMC_OP_SOFTMAX:
      p->softmax.beta = o->u.softmax.beta;
      if (!isfinite(p->softmax.beta))
        return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: beta is not finite", op->id, op->name);
      break;
    case TMC_OP_LEAKY_RELU:
      p->leaky.alpha = o->u.leaky_relu.alpha;
      if (!isfinite(p->leaky.alpha))
        return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: alpha is not finite", op->id, op->name);
      break;
    case TMC_OP_MEAN:
      p->reduce.keep_dims = o->u.reducer.keep_dims;
      break;
    case TMC_OP_RESIZE_BILINEAR:
      p->resize.align_corners = o->u.resize_bilinear.align_corners;
      p->resize.half_pixel_centers = o->u.resize_bilinear.half_pixel_centers;
      break;
    case TMC_OP_RESIZE_NEAREST_NEIGHBOR:
      p->resize.align_corners = o->u.resize_nearest_neighbor.align_corners;
      p->resize.half_pixel_centers = o->u.resize_nearest_neighbor.half_pixel_centers;
      break;
    case TMC_OP_SQUEEZE:
      p->squeeze.n = o->u.squeeze.squeeze_dims.n;
      p->squeeze.dims = o->u.squeeze.squeeze_dims.v;
      break;
    case TMC_OP_STRIDED_SLICE: {
      const tmc_tfl_strided_slice *c = &o->u.strided_slice;
      p->slice.begin_mask = c->begin_mask;
      p->slice.end_mask = c->end_mask;
      p->slice.ellipsis_mask = c->ellipsis_mask;
      p->slice.new_axis_mask = c->new_axis_mask;
      p->slice.shrink_axis_mask = c->shrink_axis_mask;
      p->slice.offset = c->offset;
      if (c->ellipsis_mask || c->new_axis_mask || c->offset)
        op->unsupported = "STRIDED_SLICE with ellipsis_mask, new_axis_mask or offset";
      break;
    }
    case TMC_OP_GATHER:
      p->gather.axis = o->u.gather.axis;
      p->gather.batch_dims = o->u.gather.batch_dims;
      break;
    default:
      break;
  }
  if (op->kind == TMC_OP_CONV_2D || op->kind == TMC_OP_DEPTHWISE_CONV_2D ||
      op->kind == TMC_OP_TRANSPOSE_CONV) {
    TMC_TRY(check_pos(d, op, "stride_h", p->conv.stride_h));
    TMC_TRY(check_pos(d, op, "stride_w", p->conv.stride_w));
    TMC_TRY(check_pos(d, op, "dilation_h_factor", p->conv.dilation_h));
    TMC_TRY(check_pos(d, op, "dilation_w_factor", p->conv.dilation_w));
  }
  if (op->kind == TMC_OP_AVERAGE_POOL_2D || op->kind == TMC_OP_MAX_POOL_2D) {
    TMC_TRY(check_pos(d, op, "stride_h", p->pool.stride_h));
    TMC_TRY(check_pos(d, op, "stride_w", p->pool.stride_w));
  }
  return TMC_OK;
}

/* ---- operand checks ----------------------------------------------------- */

/* "op 12 CONV_2D: input 1 (tensor 42 'w'): <what>". */
static tmc_status operand_fail(tmc_diag *d, const tmc_op *op, const char *role, int k,
                               const tmc_tensor *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
static tmc_status operand_fail(tmc_diag *d, const tmc_op *op, const char *role, int k,
                               const tmc_tensor *t, const char *fmt, ...) {
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: %s %d (tensor %d '%s'): %s", op->id,
                  op->name, role, k, t->id, t->name, what);
}

/* Output size of a convolution or pooling window along one axis (TFLite). */
static int64_t window_out(int64_t in, int32_t k, int32_t stride, int32_t dil,
                          tmc_padding pad) {
  return tmc_window_geometry(in, k, stride, dil, pad).out;
}

/* Is input k a parameter tensor (shape, axes, paddings...) rather than data? */
static bool param_input(tmc_op_kind kind, int k) {
  switch (kind) {
    case TMC_OP_CONV_2D:
    case TMC_OP_DEPTHWISE_CONV_2D:
    case TMC_OP_FULLY_CONNECTED:
      return k >= 1;
    case TMC_OP_TRANSPOSE_CONV:
      return k != 2;
    case TMC_OP_PAD:
    case TMC_OP_PADV2:
    case TMC_OP_RESHAPE:
    case TMC_OP_RESIZE_BILINEAR:
    case TMC_OP_RESIZE_NEAREST_NEIGHBOR:
    case TMC_OP_MEAN:
    case TMC_OP_TRANSPOSE:
    case TMC_OP_STRIDED_SLICE:
    case TMC_OP_GATHER:
      return k >= 1;
    case TMC_OP_SPLIT:
      return k == 0;
    default:
      return false;
  }
}

/* Kinds tmc evaluates at compile time when their inputs are constants, so
 * integer data is fine for them. */
static bool foldable(tmc_op_kind kind) {
  switch (kind) {
    case TMC_OP_SHAPE: case TMC_OP_STRIDED_SLICE: case TMC_OP_PACK: case TMC_OP_GATHER:
    case TMC_OP_UNPACK: case TMC_OP_CONCATENATION: case TMC_OP_RESHAPE:
    case TMC_OP_SQUEEZE: case TMC_OP_TRANSPOSE:
      return true;
    default:
      return false;
  }
}

/* Whether t will be a constant once the folding pass has run: written by an
 * op the pass evaluates whose inputs are constants or will be (SHAPE needs
 * only a static shape). Bounded depth: these chains are short. */
static bool computed_from_constants(const tmc_graph *g, const tmc_tensor *t, int depth) {
  if (t->is_const) return true;
  if (t->producer < 0 || depth > 16) return false;
  const tmc_op *op = &g->ops[t->producer];
  if (!foldable(op->kind)) return false;
  if (op->kind == TMC_OP_SHAPE) return true;
  for (int k = 0; k < op->n_in; k++) {
    const tmc_tensor *x = tmc_op_input(g, op, k);
    if (x == NULL || !computed_from_constants(g, x, depth + 1)) return false;
  }
  return true;
}

/* Element types tmc computes in: int8 activations, float32 at the edges. */
static const char *type_problem(const tmc_graph *g, const tmc_op *op) {
  (void)g;
  for (int k = 0; k < op->n_in + op->n_out; k++) {
    bool is_out = k >= op->n_in;
    int32_t id = is_out ? op->out[k - op->n_in] : op->in[k];
    if (id < 0) continue;
    const tmc_tensor *t = &g->tensors[id];
    if (!is_out && param_input(op->kind, k)) continue;
    if (t->type == TMC_I8) continue;
    if (t->type == TMC_F32) {
      if (op->kind == TMC_OP_QUANTIZE && !is_out) continue;
      if (op->kind == TMC_OP_DEQUANTIZE && is_out) continue;
      if (op->kind == TMC_OP_SOFTMAX || op->kind == TMC_OP_LOG_SOFTMAX) continue;
    }
    if (foldable(op->kind) && (t->type == TMC_I32 || t->type == TMC_I64)) continue;
    if (op->kind == TMC_OP_SHAPE) continue;
    if (t->type == TMC_I16) return "int16 activations (tmc computes int8)";
    return is_out ? "output type is not int8" : "input type is not int8";
  }
  return NULL;
}

static tmc_status check_conv(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *bias = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  bool dw = op->kind == TMC_OP_DEPTHWISE_CONV_2D;
  if (x == NULL) return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: input 0 is absent", op->id, op->name);
  if (w == NULL) return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: input 1 (weights) is absent", op->id, op->name);
  if (x->rank != 4) return operand_fail(d, op, "input", 0, x, "%lld dims, expected %lld", (long long)(x->rank), 4LL);
  if (w->rank != 4) return operand_fail(d, op, "input", 1, w, "%lld dims, expected %lld", (long long)(w->rank), 4LL);
  if (y->rank != 4) return operand_fail(d, op, "output", 0, y, "%lld dims, expected %lld", (long long)(y->rank), 4LL);
  int32_t cout = dw ? w->dims[3] : w->dims[0];
  int32_t kh = w->dims[1], kw = w->dims[2];
  if (dw && w->dims[0] != 1)
    return operand_fail(d, op, "input", 1, w, "dimension 0 is %lld, expected %lld", (long long)(w->dims[0]), 1LL);
  if (!dw && (w->dims[3] == 0 || x->dims[3] % w->dims[3] != 0))
    return operand_fail(d, op, "input", 1, w, "%lld input channels do not divide the input's %lld", (long long)(w->dims[3]), (long long)(x->dims[3]));
  if (!dw && w->dims[3] != x->dims[3] && !op->unsupported)
    op->unsupported = "grouped convolution";
  if (dw && (x->dims[3] == 0 || cout % x->dims[3] != 0))
    return operand_fail(d, op, "input", 1, w, "%lld channels are not a multiple of the input's %lld", (long long)(cout), (long long)(x->dims[3]));
  if (bias && (bias->rank != 1 || bias->dims[0] != cout))
    return operand_fail(d, op, "input", 2, bias, "%lld elements, expected %lld (one per output channel)", (long long)(bias->elems), (long long)(cout));
  const tmc_conv_attr *p = &op->attr.conv;
  int64_t oh = window_out(x->dims[1], kh, p->stride_h, p->dilation_h, p->padding);
  int64_t ow = window_out(x->dims[2], kw, p->stride_w, p->dilation_w, p->padding);
  int64_t want[4] = {x->dims[0], oh, ow, cout};
  for (int k = 0; k < 4; k++)
    if (y->dims[k] != want[k])
      return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: output 0 (tensor %d '%s'): shape "
                      "[%d,%d,%d,%d], expected [%lld,%lld,%lld,%lld]", op->id, op->name,
                      y->id, y->name, y->dims[0], y->dims[1], y->dims[2], y->dims[3],
                      (long long)want[0], (long long)want[1], (long long)want[2],
                      (long long)want[3]);
  if (!w->is_const && !op->unsupported) op->unsupported = "weights are not constant";
  if (bias && !bias->is_const && !op->unsupported) op->unsupported = "bias is not constant";
  if (!op->unsupported && x->type == TMC_I8 && w->type != TMC_I8)
    op->unsupported = "weights are not int8";
  if (!op->unsupported && bias && x->type == TMC_I8 && bias->type != TMC_I32)
    op->unsupported = "bias is not int32";
  return TMC_OK;
}

static tmc_status check_pool(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  if (x->rank != 4) return operand_fail(d, op, "input", 0, x, "%lld dims, expected %lld", (long long)(x->rank), 4LL);
  if (y->rank != 4) return operand_fail(d, op, "output", 0, y, "%lld dims, expected %lld", (long long)(y->rank), 4LL);
  const tmc_pool_attr *p = &op->attr.pool;
  int64_t want[4] = {x->dims[0],
                     window_out(x->dims[1], p->filter_h, p->stride_h, 1, p->padding),
                     window_out(x->dims[2], p->filter_w, p->stride_w, 1, p->padding),
                     x->dims[3]};
  for (int k = 0; k < 4; k++)
    if (y->dims[k] != want[k])
      return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: output 0 (tensor %d '%s'): shape "
                      "[%d,%d,%d,%d], expected [%lld,%lld,%lld,%lld]", op->id, op->name,
                      y->id, y->name, y->dims[0], y->dims[1], y->dims[2], y->dims[3],
                      (long long)want[0], (long long)want[1], (long long)want[2],
                      (long long)want[3]);
  return TMC_OK;
}

static tmc_status check_fc(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *bias = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  if (x == NULL || w == NULL)
    return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: input %d is absent", op->id, op->name,
                    x == NULL ? 0 : 1);
  if (w->rank != 2) return operand_fail(d, op, "input", 1, w, "%lld dims, expected %lld", (long long)(w->rank), 2LL);
  int32_t units = w->dims[0], depth = w->dims[1];
  if (depth == 0 || x->elems % depth != 0)
    return operand_fail(d, op, "input", 0, x, "%lld elements are not a multiple of the "
                        "weights' depth %lld", (long long)(x->elems), (long long)(depth));
  if (bias && bias->elems != units)
    return operand_fail(d, op, "input", 2, bias, "%lld elements, expected %lld", (long long)(bias->elems), (long long)(units));
  if (y->elems != x->elems / depth * units)
    return operand_fail(d, op, "output", 0, y, "%lld elements, expected %lld", (long long)(y->elems), (long long)(x->elems / depth * units));
  if (!w->is_const && !op->unsupported) op->unsupported = "weights are not constant";
  if (bias && !bias->is_const && !op->unsupported) op->unsupported = "bias is not constant";
  return TMC_OK;
}

tmc_status tmc_ir_check_op(const tmc_graph *g, tmc_op *op, tmc_arena *a, tmc_diag *d) {
  (void)a;
  for (int k = 0; k < op->n_in; k++) {
    const tmc_tensor *t = tmc_op_input(g, op, k);
    if (t == NULL && !(k == 2 && (op->kind == TMC_OP_CONV_2D ||
                                  op->kind == TMC_OP_DEPTHWISE_CONV_2D ||
                                  op->kind == TMC_OP_FULLY_CONNECTED)) &&
        !(k == 3 && op->kind == TMC_OP_TRANSPOSE_CONV))
      return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: input %d is absent (-1) but required",
                      op->id, op->name, k);
  }
  switch (op->kind) {
    case TMC_OP_CONV_2D:
    case TMC_OP_DEPTHWISE_CONV_2D:
      TMC_TRY(check_conv(g, op, d));
      break;
    case TMC_OP_AVERAGE_POOL_2D:
    case TMC_OP_MAX_POOL_2D:
      TMC_TRY(check_pool(g, op, d));
      break;
    case TMC_OP_FULLY_CONNECTED:
      TMC_TRY(check_fc(g, op, d));
      break;
    default:
      break;
  }
  for (int k = 0; k < op->n_in && !op->unsupported; k++) {
    const tmc_tensor *t = tmc_op_input(g, op, k);
    if (t && param_input(op->kind, k) && !t->is_const &&
        !(op->kind == TMC_OP_RESHAPE && k == 1) && !computed_from_constants(g, t, 0))
      op->unsupported = "a shape, axis or padding input is not constant";
  }
  if (!op->unsupported) op->unsupported = type_problem(g, op);
  return TMC_OK;
}
