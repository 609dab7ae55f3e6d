/* Attribute decoding: builtin options -> typed parameters (op->attr), one
 * decoder per family, named by the ATTRS column of ops.def. Invalid values
 * are model errors naming the op and the field:
 * "op 3 CONV_2D: stride_h is 0, expected >= 1". */
#include "check.h"

#include <math.h>

#include "op_impl.h"

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

/* Both of a (height, width) pair >= 1, height first. */
static tmc_status check_pos_hw(tmc_diag *d, const tmc_op *op, const char *what_h, int32_t h,
                               const char *what_w, int32_t w) {
  TMC_TRY(check_pos(d, op, what_h, h));
  return check_pos(d, op, what_w, w);
}

/* An option that must equal an operand count ("num_splits", the outputs). */
static tmc_status check_count(tmc_diag *d, const tmc_op *op, const char *what, int32_t v,
                              int32_t want, const char *expected) {
  return v == want ? TMC_OK : bad(d, op, what, v, expected);
}

tmc_status tmc_ir_set_attrs(const tmc_graph *g, tmc_op *op, const tmc_tfl_options *o,
                             tmc_arena *a, tmc_diag *d) {
  (void)g;
  (void)a;
  const tmc_op_desc *desc = tmc_op_desc_of(op->kind);
  return desc->attrs ? desc->attrs(op, o, d) : TMC_OK;
}

/* ---- convolutions: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV ------------- */

/* Window attributes of CONV_2D and DEPTHWISE_CONV_2D options (two option
 * tables with the same field names). */
#define conv_attr(d, op, c, p) conv_attr_fields(d, op, (c)->padding,                 \
                                                (c)->fused_activation_function,       \
                                                (c)->stride_h, (c)->stride_w,         \
                                                (c)->dilation_h_factor,               \
                                                (c)->dilation_w_factor, p)

static tmc_status conv_attr_fields(tmc_diag *d, tmc_op *op, int32_t padding, int32_t act,
                                   int32_t stride_h, int32_t stride_w, int32_t dil_h,
                                   int32_t dil_w, tmc_conv_attr *p) {
  TMC_TRY(check_padding(d, op, padding, &p->padding));
  TMC_TRY(check_act(d, op, act, &p->act));
  p->stride_h = stride_h;
  p->stride_w = stride_w;
  p->dilation_h = dil_h;
  p->dilation_w = dil_w;
  return TMC_OK;
}

tmc_status tmc_ir_attrs_conv(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  tmc_conv_attr *p = &op->attr.conv;
  switch (op->kind) {
    case TMC_OP_CONV_2D:
      TMC_TRY(conv_attr(d, op, &o->u.conv2d, p));
      p->depth_multiplier = 1;
      break;
    case TMC_OP_DEPTHWISE_CONV_2D:
      TMC_TRY(conv_attr(d, op, &o->u.depthwise_conv2d, p));
      p->depth_multiplier = o->u.depthwise_conv2d.depth_multiplier;
      break;
    default: { /* TRANSPOSE_CONV */
      const tmc_tfl_transpose_conv *c = &o->u.transpose_conv;
      TMC_TRY(conv_attr_fields(d, op, c->padding, c->fused_activation_function, c->stride_h,
                               c->stride_w, 1, 1, p));
      p->depth_multiplier = 1;
      break;
    }
  }
  TMC_TRY(check_pos_hw(d, op, "stride_h", p->stride_h, "stride_w", p->stride_w));
  return check_pos_hw(d, op, "dilation_h_factor", p->dilation_h, "dilation_w_factor",
                      p->dilation_w);
}

/* ---- AVERAGE_POOL_2D, MAX_POOL_2D ----------------------------------------- */

tmc_status tmc_ir_attrs_pool(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  const tmc_tfl_pool2d *c = &o->u.pool2d;
  tmc_pool_attr *p = &op->attr.pool;
  TMC_TRY(check_padding(d, op, c->padding, &p->padding));
  TMC_TRY(check_act(d, op, c->fused_activation_function, &p->act));
  p->stride_h = c->stride_h;
  p->stride_w = c->stride_w;
  p->filter_h = c->filter_height;
  p->filter_w = c->filter_width;
  TMC_TRY(check_pos_hw(d, op, "filter_height", p->filter_h, "filter_width", p->filter_w));
  return check_pos_hw(d, op, "stride_h", p->stride_h, "stride_w", p->stride_w);
}

/* ---- FULLY_CONNECTED ------------------------------------------------------ */

tmc_status tmc_ir_attrs_fc(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  const tmc_tfl_fully_connected *c = &o->u.fully_connected;
  TMC_TRY(check_act(d, op, c->fused_activation_function, &op->attr.fc.act));
  op->attr.fc.keep_num_dims = c->keep_num_dims;
  if (c->weights_format != 0) op->unsupported = "shuffled fully-connected weights";
  return TMC_OK;
}

/* ---- ADD, SUB, MUL: a fused activation ------------------------------------ */

tmc_status tmc_ir_attrs_binary(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  int32_t act = op->kind == TMC_OP_ADD   ? o->u.add.fused_activation_function
                : op->kind == TMC_OP_SUB ? o->u.sub.fused_activation_function
                                         : o->u.mul.fused_activation_function;
  op->attr.binary.pot_scale_int16 = op->kind == TMC_OP_ADD   ? o->u.add.pot_scale_int16
                                    : op->kind == TMC_OP_SUB ? o->u.sub.pot_scale_int16
                                                             : false;
  return check_act(d, op, act, &op->attr.binary.act);
}

/* ---- axis families: CONCATENATION, SPLIT, PACK, UNPACK -------------------- */

tmc_status tmc_ir_attrs_concatenation(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  tmc_axis_attr *p = &op->attr.axis;
  TMC_TRY(check_act(d, op, o->u.concatenation.fused_activation_function, &p->act));
  p->axis = o->u.concatenation.axis;
  p->count = op->n_in;
  return TMC_OK;
}

tmc_status tmc_ir_attrs_split(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  op->attr.axis.count = o->u.split.num_splits;
  return check_count(d, op, "num_splits", op->attr.axis.count, op->n_out,
                     "the number of outputs");
}

tmc_status tmc_ir_attrs_pack(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  op->attr.axis.axis = o->u.pack.axis;
  op->attr.axis.count = o->u.pack.values_count;
  return check_count(d, op, "values_count", op->attr.axis.count, op->n_in,
                     "the number of inputs");
}

tmc_status tmc_ir_attrs_unpack(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  op->attr.axis.axis = o->u.unpack.axis;
  op->attr.axis.count = o->u.unpack.num;
  return check_count(d, op, "num", op->attr.axis.count, op->n_out, "the number of outputs");
}

/* ---- SOFTMAX beta, LEAKY_RELU alpha --------------------------------------- */

static tmc_status check_finite(tmc_diag *d, const tmc_op *op, const char *what, float v) {
  if (isfinite(v)) return TMC_OK;
  return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: %s is not finite", op->id, op->name, what);
}

tmc_status tmc_ir_attrs_softmax(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  op->attr.softmax.beta = o->u.softmax.beta;
  return check_finite(d, op, "beta", op->attr.softmax.beta);
}

tmc_status tmc_ir_attrs_leaky_relu(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  op->attr.leaky.alpha = o->u.leaky_relu.alpha;
  return check_finite(d, op, "alpha", op->attr.leaky.alpha);
}

/* ---- layout ops ----------------------------------------------------------- */

tmc_status tmc_ir_attrs_mean(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  (void)d;
  op->attr.reduce.keep_dims = o->u.reducer.keep_dims;
  return TMC_OK;
}

tmc_status tmc_ir_attrs_resize(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  (void)d;
  tmc_resize_attr *p = &op->attr.resize;
  if (op->kind == TMC_OP_RESIZE_BILINEAR) {
    p->align_corners = o->u.resize_bilinear.align_corners;
    p->half_pixel_centers = o->u.resize_bilinear.half_pixel_centers;
  } else { /* RESIZE_NEAREST_NEIGHBOR */
    p->align_corners = o->u.resize_nearest_neighbor.align_corners;
    p->half_pixel_centers = o->u.resize_nearest_neighbor.half_pixel_centers;
  }
  return TMC_OK;
}

tmc_status tmc_ir_attrs_squeeze(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  (void)d;
  op->attr.squeeze.n = o->u.squeeze.squeeze_dims.n;
  op->attr.squeeze.dims = o->u.squeeze.squeeze_dims.v;
  return TMC_OK;
}

tmc_status tmc_ir_attrs_strided_slice(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  (void)d;
  const tmc_tfl_strided_slice *c = &o->u.strided_slice;
  tmc_slice_attr *p = &op->attr.slice;
  p->begin_mask = c->begin_mask;
  p->end_mask = c->end_mask;
  p->ellipsis_mask = c->ellipsis_mask;
  p->new_axis_mask = c->new_axis_mask;
  p->shrink_axis_mask = c->shrink_axis_mask;
  p->offset = c->offset;
  if (c->ellipsis_mask || c->new_axis_mask || c->offset)
    op->unsupported = "STRIDED_SLICE with ellipsis_mask, new_axis_mask or offset";
  return TMC_OK;
}

tmc_status tmc_ir_attrs_gather(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  (void)d;
  op->attr.gather.axis = o->u.gather.axis;
  op->attr.gather.batch_dims = o->u.gather.batch_dims;
  return TMC_OK;
}

tmc_status tmc_ir_attrs_space_depth(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  int32_t b = op->kind == TMC_OP_DEPTH_TO_SPACE ? o->u.depth_to_space.block_size
                                                : o->u.space_to_depth.block_size;
  op->attr.space_depth.block_size = b;
  return check_pos(d, op, "block_size", b);
}
