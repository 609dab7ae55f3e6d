/* One step of NAME_invoke: its parameters as static const structs (arrays
 * before them) and one kernel call with arena offsets resolved. */
#include "emitter.h"

#include <stdio.h>
#include <string.h>

#include "plan/patch.h"

static void dims4(tmc_buf *b, const char *name, const tmc_dims4 *d) {
  tmc_buf_printf(b, "    static const tmc_dims4 %s = {%d, %d, %d, %d};\n", name, d->n, d->h,
                 d->w, d->c);
}

/* The input or output shape of a step: constant, or in the patch stage read
 * from the patch's geometry row G = {in h, in w, out h, out w, pads...}. */
static void dims_io(const emitter *e, tmc_buf *b, bool out, const tmc_dims4 *d) {
  if (!e->patching)
    dims4(b, out ? "out" : "in", d);
  else
    tmc_buf_printf(b, "    const tmc_dims4 %s = {1, G[%d], G[%d], %d};\n", out ? "out" : "in",
                   out ? 2 : 0, out ? 3 : 1, d->c);
}

/* In the patch stage: a copy of the step's params with the patch's padding. */
static const char *patch_params(const emitter *e, tmc_buf *b, const char *type) {
  if (!e->patching) return "&p";
  tmc_buf_printf(b, "    %s q = p;\n    q.pad_top = G[4];\n    q.pad_bottom = G[5];\n"
                 "    q.pad_left = G[6];\n    q.pad_right = G[7];\n", type);
  return "&q";
}

static void int_list(tmc_buf *b, const int32_t *v, int n) {
  tmc_buf_printf(b, "{");
  for (int i = 0; i < n; i++) tmc_buf_printf(b, i ? ", %d" : "%d", v[i]);
  tmc_buf_printf(b, "}");
}

/* Several TMC_MAX_DIMS arrays of a params initialiser, comma-separated. */
static void dim_lists(tmc_buf *b, int n, const int32_t *const *lists) {
  for (int i = 0; i < n; i++) {
    if (i) tmc_buf_printf(b, ", ");
    int_list(b, lists[i], TMC_MAX_DIMS);
  }
}



/* The weights (and packed data) of conv-like steps, named NAME_opN_*. */
static void conv_arrays(emitter *e, const tmc_step *st, int32_t cout, const int32_t *mult,
                        const int32_t *shift, size_t n_mult, const int16_t *packed,
                        size_t n_packed, const tmc_requant_ch *rq, size_t n_rq) {
  char name[96];
  int op = st->op;
  bool conv = st->kernel == TMC_K_CONV2D || st->kernel == TMC_K_DEPTHWISE_CONV2D;
  if (conv) {
    /* CONV_2D / DEPTHWISE_CONV_2D read the weights (and the plain path the
     * bias) from the tensors' own arrays (const_array) */
  } else if (packed) {
    snprintf(name, sizeof name, "%s_op%d_wp", e->n, op);
    tmc_emit_weight_array(e, "int16_t", name, n_packed, tmc_emit_get_i16, packed, 2);
  } else {
    size_t nw = st->kernel == TMC_K_FULLY_CONNECTED
                    ? (size_t)st->units * (size_t)st->depth
                    : (size_t)st->filter_dims.n * st->filter_dims.h * st->filter_dims.w *
                          st->filter_dims.c;
    snprintf(name, sizeof name, "%s_op%d_w", e->n, op);
    tmc_emit_weight_array(e, "int8_t", name, nw, tmc_emit_get_i8, st->weights, 1);
  }
  if (st->bias && !rq && !conv) {
    snprintf(name, sizeof name, "%s_op%d_b", e->n, op);
    tmc_emit_weight_array(e, "int32_t", name, (size_t)cout, tmc_emit_get_i32, st->bias, 4);
  }
  if (rq) {
    snprintf(name, sizeof name, "%s_op%d_rq", e->n, op);
    tmc_emit_requant_array(e, name, rq, n_rq);
  } else {
    snprintf(name, sizeof name, "%s_op%d_mult", e->n, op);
    tmc_emit_i32_params(e, name, mult, n_mult);
    snprintf(name, sizeof name, "%s_op%d_shift", e->n, op);
    tmc_emit_i32_params(e, name, shift, n_mult);
  }
}

/* "NAME_op3_mult" etc. or NULL, for params initialisers. */
static const char *arr(emitter *e, int op, const char *what, bool present, char *buf,
                       size_t n) {
  if (!present) return "NULL";
  snprintf(buf, n, "%s_op%d_%s", e->n, op, what);
  return buf;
}

void tmc_emit_step(emitter *e, int32_t s) {
  const tmc_step *st = &e->plan->steps[s];
  const tmc_kernel_params *p = &st->p;
  const tmc_op *op = &e->g->ops[st->op];
  tmc_buf *c = &e->body;
  char in0[96], in1[96], out0[96], scratch[64], b1[96], b2[96], b3[96], b4[96];
  int id = st->op;
  e->used[st->kernel] = true;
  int32_t x0 = st->kernel == TMC_K_TRANSPOSE_CONV ? 2 : st->kernel == TMC_K_SPLIT ? 1 : 0;
  tmc_emit_tensor_expr(e, st->in[x0], in0, sizeof in0);
  in1[0] = '\0';
  if (st->kernel == TMC_K_ADD || st->kernel == TMC_K_SUB || st->kernel == TMC_K_MUL ||
      st->kernel == TMC_K_MAXIMUM || st->kernel == TMC_K_MINIMUM)
    tmc_emit_tensor_expr(e, st->in[1], in1, sizeof in1);
  tmc_emit_tensor_expr(e, st->out[0], out0, sizeof out0);
  if (e->patching && e->plan->patch->scratch_off[s] >= 0)
    snprintf(scratch, sizeof scratch, "(L + %lld)", (long long)e->plan->patch->scratch_off[s]);
  else if (!e->patching && e->plan->mem.scratch_off[s] >= 0)
    snprintf(scratch, sizeof scratch, "(a + %lld)", (long long)e->plan->mem.scratch_off[s]);
  else
    snprintf(scratch, sizeof scratch, "NULL");
  /* Element count of element-wise kernels: constant, or per patch. */
  char size[64];
  if (e->patching)
    snprintf(size, sizeof size, "G[2] * G[3] * %d", e->g->tensors[st->out[0]].dims[3]);
  else
    snprintf(size, sizeof size, "%d", st->size);

  /* Arrays the params point to come before the block that uses them. */
  switch (st->kernel) {
    case TMC_K_CONV2D: /* the model's int8 weights, read in place by both paths */
      conv_arrays(e, st, st->out_dims.c, p->conv.multiplier, p->conv.shift,
                  (size_t)st->out_dims.c, NULL, 0, p->conv.requant, (size_t)st->out_dims.c);
      break;
    case TMC_K_DEPTHWISE_CONV2D:
      conv_arrays(e, st, st->out_dims.c, p->dw.multiplier, p->dw.shift,
                  (size_t)st->out_dims.c, NULL, 0, p->dw.requant, (size_t)st->out_dims.c);
      break;
    case TMC_K_FULLY_CONNECTED:
      conv_arrays(e, st, st->units, p->fc.multiplier, p->fc.shift,
                  p->fc.per_channel ? (size_t)st->units : 1, NULL, 0, p->fc.requant,
                  (size_t)st->units);
      break;
    case TMC_K_TRANSPOSE_CONV:
      conv_arrays(e, st, st->out_dims.c, p->tconv.multiplier, p->tconv.shift,
                  (size_t)st->out_dims.c, NULL, 0, NULL, 0);
      break;
    case TMC_K_RESIZE_NEAREST: {
      char name[96];
      snprintf(name, sizeof name, "%s_op%d_sy", e->n, id);
      tmc_emit_i32_params(e, name, p->nearest.src_y, (size_t)st->out_dims.h);
      snprintf(name, sizeof name, "%s_op%d_sx", e->n, id);
      tmc_emit_i32_params(e, name, p->nearest.src_x, (size_t)st->out_dims.w);
      break;
    }
    case TMC_K_CONCATENATION:
    case TMC_K_SPLIT: {
      char name[96];
      snprintf(name, sizeof name, "%s_op%d_parts", e->n, id);
      tmc_emit_i32_params(e, name, p->concat.part_size, (size_t)p->concat.count);
      break;
    }
    default:
      break;
  }

  tmc_buf_printf(c, "\n  /* op %d %s -> [", id, op->name);
  const tmc_tensor *y = &e->g->tensors[st->out[0]];
  for (int i = 0; i < y->rank; i++) tmc_buf_printf(c, i ? ",%d" : "%d", y->dims[i]);
  long long macs = (long long)tmc_op_macs(e->g, op);
  tmc_buf_printf(c, "]%s", macs ? "" : " */\n");
  if (macs) tmc_buf_printf(c, ", %lld MACs */\n", macs);
  if (e->o->profile && !e->patching)
    tmc_buf_printf(c, "  %s_profile(%d, \"%s\", %lluu, 0);\n", e->n, s, op->name,
                   (unsigned long long)macs);
  tmc_buf_printf(c, "  {\n");
  const char *I8 = "(const int8_t *)", *O8 = "(int8_t *)";
  switch (st->kernel) {
    case TMC_K_CONV2D: {
      const tmc_conv2d_params *q = &p->conv;
      tmc_buf_printf(c, "    static const tmc_conv2d_params p = {%d, %d, %d, %d, %d, %d, %d, "
                     "%d, %d, %d, %d, %d, %s, %s, %s};\n", q->stride_h, q->stride_w,
                     q->dilation_h, q->dilation_w, q->pad_top, q->pad_bottom, q->pad_left,
                     q->pad_right, q->input_offset, q->output_offset, q->act_min, q->act_max,
                     arr(e, id, "mult", !q->requant, b1, sizeof b1),
                     arr(e, id, "shift", !q->requant, b2, sizeof b2),
                     arr(e, id, "rq", q->requant != NULL, b4, sizeof b4));
      dims_io(e, c, false, &st->in_dims);
      dims4(c, "f", &st->filter_dims);
      dims_io(e, c, true, &st->out_dims);
      const char *P = patch_params(e, c, "tmc_conv2d_params");
      tmc_buf_printf(c, "    tmc_conv2d_s8(%s, &in, %s%s, &f, %s, %s, &out, %s%s, %s);\n", P, I8,
                     in0, tmc_emit_tensor_expr(e, st->in[1], b1, sizeof b1),
                     st->bias && !q->requant ? tmc_emit_tensor_expr(e, st->in[2], b2, sizeof b2) : "NULL",
                     O8, out0, scratch);
      break;
    }
    case TMC_K_DEPTHWISE_CONV2D: {
      const tmc_depthwise_conv2d_params *q = &p->dw;
      tmc_buf_printf(c, "    static const tmc_depthwise_conv2d_params p = {%d, %d, %d, %d, "
                     "%d, %d, %d, %d, %d, %d, %d, %d, %d, %s, %s, %s};\n", q->stride_h,
                     q->stride_w, q->dilation_h, q->dilation_w, q->pad_top, q->pad_bottom,
                     q->pad_left, q->pad_right, q->depth_multiplier, q->input_offset,
                     q->output_offset, q->act_min, q->act_max,
                     arr(e, id, "mult", !q->requant, b1, sizeof b1),
                     arr(e, id, "shift", !q->requant, b2, sizeof b2),
                     arr(e, id, "rq", q->requant != NULL, b4, sizeof b4));
      dims_io(e, c, false, &st->in_dims);
      dims4(c, "f", &st->filter_dims);
      dims_io(e, c, true, &st->out_dims);
      const char *P = patch_params(e, c, "tmc_depthwise_conv2d_params");
      tmc_buf_printf(c, "    tmc_depthwise_conv2d_s8(%s, &in, %s%s, &f, %s, %s, &out, %s%s, "
                     "%s);\n", P, I8, in0, tmc_emit_tensor_expr(e, st->in[1], b1, sizeof b1),
                     st->bias && !q->requant ? tmc_emit_tensor_expr(e, st->in[2], b2, sizeof b2) : "NULL",
                     O8, out0, scratch);
      break;
    }
    case TMC_K_FULLY_CONNECTED: {
      const tmc_fully_connected_params *q = &p->fc;
      tmc_buf_printf(c, "    static const tmc_fully_connected_params p = {%d, %d, %d, %d, %d, "
                     "%d, %s, %s, %s};\n", q->input_offset, q->filter_offset, q->output_offset,
                     q->act_min, q->act_max, q->per_channel,
                     arr(e, id, "mult", !q->requant, b1, sizeof b1),
                     arr(e, id, "shift", !q->requant, b2, sizeof b2),
                     arr(e, id, "rq", q->requant != NULL, b3, sizeof b3));
      tmc_buf_printf(c, "    tmc_fully_connected_s8(&p, %d, %d, %s%s, %d, %s, %s, %s%s, %s);\n",
                     st->outer, st->depth, I8, in0, st->units,
                     arr(e, id, "w", true, b1, sizeof b1),
                     st->bias && !q->requant ? arr(e, id, "b", true, b2, sizeof b2) : "NULL",
                     O8, out0, scratch);
      break;
    }
    case TMC_K_TRANSPOSE_CONV: {
      const tmc_transpose_conv_params *q = &p->tconv;
      tmc_buf_printf(c, "    static const tmc_transpose_conv_params p = {%d, %d, %d, %d, %d, "
                     "%d, %d, %d, %d, %d, %s, %s};\n", q->stride_h, q->stride_w, q->pad_top,
                     q->pad_bottom, q->pad_left, q->pad_right, q->input_offset,
                     q->output_offset, q->act_min, q->act_max,
                     arr(e, id, "mult", true, b1, sizeof b1),
                     arr(e, id, "shift", true, b2, sizeof b2));
      dims_io(e, c, false, &st->in_dims);
      dims4(c, "f", &st->filter_dims);
      dims_io(e, c, true, &st->out_dims);
      tmc_buf_printf(c, "    tmc_transpose_conv_s8(&p, &in, %s%s, &f, %s, %s, &out, %s%s, "
                     "%s);\n", I8, in0, arr(e, id, "w", true, b1, sizeof b1),
                     st->bias ? arr(e, id, "b", true, b2, sizeof b2) : "NULL", O8, out0,
                     scratch);
      break;
    }
    case TMC_K_ADD:
    case TMC_K_SUB: {
      const tmc_add_params *q = &p->add;
      tmc_buf_printf(c, "    static const tmc_add_params p = {%d, %d, %d, %d, %d, %d, %d, %d, "
                     "%d, %d, %d, %d};\n", q->input1_offset, q->input2_offset,
                     q->output_offset, q->left_shift, q->input1_multiplier, q->input1_shift,
                     q->input2_multiplier, q->input2_shift, q->output_multiplier,
                     q->output_shift, q->act_min, q->act_max);
    }
      /* fall through */
    case TMC_K_MUL:
    case TMC_K_MAXIMUM:
    case TMC_K_MINIMUM: {
      if (st->kernel == TMC_K_MUL) {
        const tmc_mul_params *q = &p->mul;
        tmc_buf_printf(c, "    static const tmc_mul_params p = {%d, %d, %d, %d, %d, %d, %d};\n",
                       q->input1_offset, q->input2_offset, q->output_offset,
                       q->output_multiplier, q->output_shift, q->act_min, q->act_max);
      }
      const tmc_broadcast *bc = &st->bcast;
      if (e->patching) { /* equal shapes in the stage: one flat dimension */
        tmc_buf_printf(c, "    const tmc_broadcast b = {1, {%s}, {1}, {1}};\n", size);
      } else {
        tmc_buf_printf(c, "    static const tmc_broadcast b = {%d, ", bc->rank);
        dim_lists(c, 3, (const int32_t *const[]){bc->dims, bc->stride1, bc->stride2});
        tmc_buf_printf(c, "};\n");
      }
      bool has_p = st->kernel != TMC_K_MAXIMUM && st->kernel != TMC_K_MINIMUM;
      tmc_buf_printf(c, "    %s(%sb, %s%s, %s%s, %s%s);\n", tmc_kernel_name(st->kernel),
                     has_p ? "&p, &" : "&", I8, in0, I8, in1, O8, out0);
      break;
    }
    case TMC_K_AVG_POOL:
    case TMC_K_MAX_POOL: {
      const tmc_pool_params *q = &p->pool;
      tmc_buf_printf(c, "    static const tmc_pool_params p = {%d, %d, %d, %d, %d, %d, %d, "
                     "%d, %d, %d};\n", q->stride_h, q->stride_w, q->filter_h, q->filter_w,
                     q->pad_top, q->pad_bottom, q->pad_left, q->pad_right, q->act_min,
                     q->act_max);
      dims_io(e, c, false, &st->in_dims);
      dims_io(e, c, true, &st->out_dims);
      const char *P = patch_params(e, c, "tmc_pool_params");
      tmc_buf_printf(c, "    %s(%s, &in, %s%s, &out, %s%s);\n", tmc_kernel_name(st->kernel),
                     P, I8, in0, O8, out0);
      break;
    }
    case TMC_K_MEAN: {
      const tmc_mean_params *q = &p->mean;
      tmc_buf_printf(c, "    static const tmc_mean_params p = {%d, ", q->rank);
      dim_lists(c, 2, (const int32_t *const[]){q->dims, q->reduce});
      tmc_buf_printf(c, ", %d, %d, %d, %d, %d};\n", q->input_zero_point, q->output_zero_point,
                     q->num_elements, q->multiplier, q->shift);
      tmc_buf_printf(c, "    tmc_mean_s8(&p, %s%s, %s%s);\n", I8, in0, O8, out0);
      break;
    }
    case TMC_K_SOFTMAX:
      tmc_buf_printf(c, "    static const tmc_softmax_params p = {%d, %d, %d};\n",
                     p->softmax.input_multiplier, p->softmax.input_left_shift,
                     p->softmax.diff_min);
      tmc_buf_printf(c, "    tmc_softmax_s8(&p, %d, %d, %s%s, %s%s);\n", st->outer, st->depth,
                     I8, in0, O8, out0);
      break;
    case TMC_K_LOG_SOFTMAX: {
      const tmc_log_softmax_params *q = &p->log_softmax;
      tmc_buf_printf(c, "    static const tmc_log_softmax_params p = {%d, %d, %d, %d, %d};\n",
                     q->input_multiplier, q->input_left_shift, q->reverse_scaling_divisor,
                     q->reverse_scaling_right_shift, q->diff_min);
      tmc_buf_printf(c, "    tmc_log_softmax_s8(&p, %d, %d, %s%s, %s%s);\n", st->outer,
                     st->depth, I8, in0, O8, out0);
      break;
    }
    case TMC_K_SOFTMAX_F32:
      tmc_buf_printf(c, "    tmc_softmax_f32(%af, %d, %d, (const float *)(const void *)%s, "
                     "(float *)(void *)%s);\n", (double)p->softmax_f32.beta, st->outer,
                     st->depth, in0, out0);
      break;
    case TMC_K_LOG_SOFTMAX_F32:
      tmc_buf_printf(c, "    tmc_log_softmax_f32(%d, %d, (const float *)(const void *)%s, "
                     "(float *)(void *)%s);\n", st->outer, st->depth, in0, out0);
      break;
    case TMC_K_LOGISTIC:
    case TMC_K_TANH:
      tmc_buf_printf(c, "    static const tmc_sigmoid_params p = {%d, %d, %d, %d};\n",
                     p->sigmoid.input_zero_point, p->sigmoid.input_range_radius,
                     p->sigmoid.input_multiplier, p->sigmoid.input_left_shift);
      tmc_buf_printf(c, "    %s(&p, %s, %s%s, %s%s);\n", tmc_kernel_name(st->kernel), size,
                     I8, in0, O8, out0);
      break;
    case TMC_K_HARD_SWISH: {
      const tmc_hard_swish_params *q = &p->hard_swish;
      tmc_buf_printf(c, "    static const tmc_hard_swish_params p = {%d, %d, %d, %d, %d, %d};\n",
                     q->input_zero_point, q->output_zero_point,
                     q->output_multiplier_fixedpoint_int16, q->output_multiplier_exponent,
                     q->reluish_multiplier_fixedpoint_int16, q->reluish_multiplier_exponent);
      tmc_buf_printf(c, "    tmc_hard_swish_s8(&p, %s, %s%s, %s%s);\n", size, I8, in0, O8,
                     out0);
      break;
    }
    case TMC_K_RELU: {
      const tmc_relu_params *q = &p->relu;
      tmc_buf_printf(c, "    static const tmc_relu_params p = {%d, %d, %d, %d, %d, %d};\n",
                     q->input_zero_point, q->output_zero_point, q->multiplier, q->shift,
                     q->act_min, q->act_max);
      tmc_buf_printf(c, "    tmc_relu_s8(&p, %s, %s%s, %s%s);\n", size, I8, in0, O8, out0);
      break;
    }
    case TMC_K_CLAMP:
      tmc_buf_printf(c, "    tmc_clamp_s8(%d, %d, %s, %s%s, %s%s);\n", p->clamp.lo, p->clamp.hi,
                     size, I8, in0, O8, out0);
      break;
    case TMC_K_LEAKY_RELU: {
      const tmc_leaky_relu_params *q = &p->leaky;
      tmc_buf_printf(c, "    static const tmc_leaky_relu_params p = {%d, %d, %d, %d, %d, %d};\n",
                     q->input_zero_point, q->output_zero_point, q->multiplier_identity,
                     q->shift_identity, q->multiplier_alpha, q->shift_alpha);
      tmc_buf_printf(c, "    tmc_leaky_relu_s8(&p, %s, %s%s, %s%s);\n", size, I8, in0, O8,
                     out0);
      break;
    }
    case TMC_K_QUANTIZE_F32:
      tmc_buf_printf(c, "    static const tmc_quantize_params p = {%af, %d};\n",
                     (double)p->quantize.scale, p->quantize.zero_point);
      tmc_buf_printf(c, "    tmc_quantize_f32_s8(&p, %s, (const float *)(const void *)%s, "
                     "%s%s);\n", size, in0, O8, out0);
      break;
    case TMC_K_REQUANTIZE: {
      const tmc_requantize_params *q = &p->requantize;
      tmc_buf_printf(c, "    static const tmc_requantize_params p = {%d, %d, %d, %d};\n",
                     q->input_zero_point, q->output_zero_point, q->multiplier, q->shift);
      tmc_buf_printf(c, "    tmc_requantize_s8(&p, %s, %s%s, %s%s);\n", size, I8, in0, O8,
                     out0);
      break;
    }
    case TMC_K_DEQUANTIZE:
      tmc_buf_printf(c, "    static const tmc_dequantize_params p = {%a, %d};\n",
                     p->dequantize.scale, p->dequantize.zero_point);
      tmc_buf_printf(c, "    tmc_dequantize_s8_f32(&p, %d, %s%s, (float *)(void *)%s);\n",
                     st->size, I8, in0, out0);
      break;
    case TMC_K_PAD: {
      const tmc_pad_params *q = &p->pad;
      tmc_buf_printf(c, "    static const tmc_pad_params p = {%d, ", q->rank);
      dim_lists(c, 3, (const int32_t *const[]){q->in_dims, q->before, q->after});
      tmc_buf_printf(c, ", %d};\n", q->pad_value);
      tmc_buf_printf(c, "    tmc_pad_s8(&p, %s%s, %s%s);\n", I8, in0, O8, out0);
      break;
    }
    case TMC_K_RESIZE_NEAREST:
    case TMC_K_RESIZE_BILINEAR:
      if (st->kernel == TMC_K_RESIZE_NEAREST)
        tmc_buf_printf(c, "    static const tmc_resize_nearest_params p = {%s_op%d_sy, "
                       "%s_op%d_sx};\n", e->n, id, e->n, id);
      else
        tmc_buf_printf(c, "    static const tmc_resize_params p = {%d, %d};\n",
                       p->resize.align_corners, p->resize.half_pixel_centers);
      dims_io(e, c, false, &st->in_dims);
      dims_io(e, c, true, &st->out_dims);
      tmc_buf_printf(c, "    %s(&p, &in, %s%s, &out, %s%s);\n", tmc_kernel_name(st->kernel), I8,
                     in0, O8, out0);
      break;
    case TMC_K_CONCATENATION:
    case TMC_K_SPLIT: {
      bool split = st->kernel == TMC_K_SPLIT;
      int n = p->concat.count;
      tmc_buf_printf(c, "    static const tmc_concat_params p = {%d, %d, %s_op%d_parts};\n", n,
                     p->concat.outer, e->n, id);
      tmc_buf_printf(c, "    %sint8_t *parts[%d];\n", split ? "" : "const ", n);
      for (int k = 0; k < n; k++) {
        char t[96];
        tmc_emit_tensor_expr(e, split ? st->out[k] : st->in[k], t, sizeof t);
        tmc_buf_printf(c, "    parts[%d] = (%sint8_t *)%s;\n", k, split ? "" : "const ", t);
      }
      if (split)
        tmc_buf_printf(c, "    tmc_split_s8(&p, %s%s, parts);\n", I8, in0);
      else
        tmc_buf_printf(c, "    tmc_concatenation_s8(&p, parts, %s%s);\n", O8, out0);
      break;
    }
    case TMC_K_TRANSPOSE: {
      const tmc_transpose_params *q = &p->transpose;
      tmc_buf_printf(c, "    static const tmc_transpose_params p = {%d, ", q->rank);
      dim_lists(c, 2, (const int32_t *const[]){q->in_dims, q->perm});
      tmc_buf_printf(c, "};\n    tmc_transpose_s8(&p, %s%s, %s%s);\n", I8, in0, O8, out0);
      break;
    }
    case TMC_K_STRIDED_SLICE: {
      const tmc_strided_slice_params *q = &p->slice;
      tmc_buf_printf(c, "    static const tmc_strided_slice_params p = {%d, ", q->rank);
      dim_lists(c, 4, (const int32_t *const[]){q->in_dims, q->begin, q->stride, q->count});
      tmc_buf_printf(c, "};\n    tmc_strided_slice_s8(&p, %s%s, %s%s);\n", I8, in0, O8, out0);
      break;
    }
    case TMC_K_COPY:
      tmc_buf_printf(c, "    memcpy(%s, %s, %d);\n", out0, in0, st->size);
      break;
    case TMC_KERNEL_COUNT:
      break;
  }
  tmc_buf_printf(c, "  }\n");
  if (e->o->profile && !e->patching)
    tmc_buf_printf(c, "  %s_profile(%d, \"%s\", %lluu, 1);\n", e->n, s, op->name,
                   (unsigned long long)macs);
}

