/* Code generation (see emit.h). Steps:
 * 1. NAME_weights.c: every constant a kernel reads (weights as the kernels
 *    want them, biases, constant operands), as const arrays;
 * 2. NAME.c: per step, its parameters as static const structs (multiplier
 *    and shift arrays before them) and one kernel call with arena offsets
 *    resolved, commented with the op, its shapes and MACs;
 * 3. NAME.h: the API (arena size, I/O shapes, quantization, accessors,
 *    status codes, invoke);
 * 4. the kernel sources the model uses, the shared kernel headers, and with
 *    --main a main.c and Makefile. */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/le.h"
#include "buf.h"
#include "kernels/quant_util.h"
#include "plan/patch.h"
#include "sources.h"

typedef struct emitter {
  const tmc_plan *plan;
  const tmc_graph *g;
  const tmc_emit_options *o;
  const char *n;     /* symbol prefix */
  char up[64];       /* upper-case prefix for macros */
  tmc_buf h, c, w;   /* NAME.h, NAME.c, NAME_weights.c */
  tmc_buf decl;      /* extern declarations of weights, for NAME.c */
  tmc_buf arrays;    /* per-layer constant arrays, for NAME.c */
  tmc_buf body;      /* the statements of NAME_invoke */
  bool *const_done;  /* per tensor: its constant array is written */
  bool patching;     /* emitting a step of the patch stage (inside its loop) */
  bool used[TMC_KERNEL_COUNT];
  size_t weights_bytes, params_bytes;
} emitter;

bool tmc_emit_valid_name(const char *s) {
  if (s == NULL || !(isalpha((unsigned char)s[0]) || s[0] == '_') || strlen(s) > 40)
    return false;
  for (const char *p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_') return false;
  return true;
}

/* ---- const arrays ------------------------------------------------------- */

/* An array of n integers read by get(i), 16 per line. */
static void int_array(emitter *e, tmc_buf *b, const char *type, const char *name, size_t n,
                      long long (*get)(const void *, size_t), const void *src,
                      bool is_static) {
  tmc_buf_printf(b, "%sconst %s %s[%zu] = {", is_static ? "static " : "", type, name,
                 n ? n : 1);
  for (size_t i = 0; i < n; i++)
    tmc_buf_printf(b, "%s%lld,", i % 16 ? " " : "\n  ", get(src, i));
  if (n == 0) tmc_buf_printf(b, "0");
  tmc_buf_printf(b, "\n};\n");
  (void)e;
}

static long long get_i8(const void *p, size_t i) { return ((const int8_t *)p)[i]; }
static long long get_u8(const void *p, size_t i) { return ((const uint8_t *)p)[i]; }
static long long get_i16(const void *p, size_t i) { return ((const int16_t *)p)[i]; }
static long long get_i32(const void *p, size_t i) { return ((const int32_t *)p)[i]; }
static long long get_le32(const void *p, size_t i) {
  return tmc_le_i32((const uint8_t *)p + 4 * i);
}

/* A weights-file array with an extern declaration for NAME.c. */
static void weight_array(emitter *e, const char *type, const char *name, size_t n,
                         long long (*get)(const void *, size_t), const void *src,
                         size_t elem_bytes) {
  int_array(e, &e->w, type, name, n, get, src, false);
  tmc_buf_printf(&e->decl, "extern const %s %s[%zu];\n", type, name, n ? n : 1);
  e->weights_bytes += n * elem_bytes;
}

static void requant_array(emitter *e, const char *name, const tmc_requant_ch *r, size_t n) {
  tmc_buf_printf(&e->arrays, "static const tmc_requant_ch %s[%zu] = {\n", name, n);
  for (size_t i = 0; i < n; i++)
    tmc_buf_printf(&e->arrays, "  {%lldLL, %lldLL, %lldLL, %lldLL, %d, %d},\n",
                   (long long)r[i].multiplier, (long long)r[i].threshold,
                   (long long)r[i].round_pos, (long long)r[i].round_neg, r[i].total_shift,
                   r[i].reserved);
  tmc_buf_printf(&e->arrays, "};\n");
  e->params_bytes += n * sizeof *r;
}

static void i32_params(emitter *e, const char *name, const int32_t *v, size_t n) {
  int_array(e, &e->arrays, "int32_t", name, n, get_i32, v, true);
  e->params_bytes += n * 4;
}

/* ---- tensors -------------------------------------------------------------- */

/* The C expression for tensor t: an arena address or a constant array. */
/* The array of a constant tensor, written to NAME_weights.c the first time a
 * kernel call refers to it (so only constants a kernel reads take flash). */
static void const_array(emitter *e, int32_t t) {
  if (e->const_done[t]) return;
  const tmc_tensor *x = &e->g->tensors[t];
  char name[96];
  e->const_done[t] = true;
  snprintf(name, sizeof name, "%s_t%d", e->n, t);
  if (x->type == TMC_I32)
    weight_array(e, "int32_t", name, (size_t)x->elems, get_le32, x->data, 4);
  else if (x->type == TMC_I8)
    weight_array(e, "int8_t", name, (size_t)x->elems, get_i8, x->data, 1);
  else
    weight_array(e, "uint8_t", name, (size_t)x->bytes, get_u8, x->data, 1);
}

static const char *tensor_expr(emitter *e, int32_t t, char *buf, size_t n) {
  const tmc_tensor *x = &e->g->tensors[t];
  if (e->patching && e->plan->patch->local_off[t] >= 0) {
    snprintf(buf, n, "(L + %lld)", (long long)e->plan->patch->local_off[t]);
    return buf;
  }
  if (!x->is_const) {
    snprintf(buf, n, "(a + %lld)", (long long)e->plan->mem.offset[t]);
    return buf;
  }
  const_array(e, t);
  snprintf(buf, n, "%s_t%d", e->n, t);
  return buf;
}

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

/* ---- one step ------------------------------------------------------------- */

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
    weight_array(e, "int16_t", name, n_packed, get_i16, packed, 2);
  } else {
    size_t nw = st->kernel == TMC_K_FULLY_CONNECTED
                    ? (size_t)st->units * (size_t)st->depth
                    : (size_t)st->filter_dims.n * st->filter_dims.h * st->filter_dims.w *
                          st->filter_dims.c;
    snprintf(name, sizeof name, "%s_op%d_w", e->n, op);
    weight_array(e, "int8_t", name, nw, get_i8, st->weights, 1);
  }
  if (st->bias && !rq && !conv) {
    snprintf(name, sizeof name, "%s_op%d_b", e->n, op);
    weight_array(e, "int32_t", name, (size_t)cout, get_i32, st->bias, 4);
  }
  if (rq) {
    snprintf(name, sizeof name, "%s_op%d_rq", e->n, op);
    requant_array(e, name, rq, n_rq);
  } else {
    snprintf(name, sizeof name, "%s_op%d_mult", e->n, op);
    i32_params(e, name, mult, n_mult);
    snprintf(name, sizeof name, "%s_op%d_shift", e->n, op);
    i32_params(e, name, shift, n_mult);
  }
}

/* "NAME_op3_mult" etc. or NULL, for params initialisers. */
static const char *arr(emitter *e, int op, const char *what, bool present, char *buf,
                       size_t n) {
  if (!present) return "NULL";
  snprintf(buf, n, "%s_op%d_%s", e->n, op, what);
  return buf;
}

static void emit_step(emitter *e, int32_t s) {
  const tmc_step *st = &e->plan->steps[s];
  const tmc_kernel_params *p = &st->p;
  const tmc_op *op = &e->g->ops[st->op];
  tmc_buf *c = &e->body;
  char in0[96], in1[96], out0[96], scratch[64], b1[96], b2[96], b3[96], b4[96];
  int id = st->op;
  e->used[st->kernel] = true;
  int32_t x0 = st->kernel == TMC_K_TRANSPOSE_CONV ? 2 : st->kernel == TMC_K_SPLIT ? 1 : 0;
  tensor_expr(e, st->in[x0], in0, sizeof in0);
  in1[0] = '\0';
  if (st->kernel == TMC_K_ADD || st->kernel == TMC_K_SUB || st->kernel == TMC_K_MUL ||
      st->kernel == TMC_K_MAXIMUM || st->kernel == TMC_K_MINIMUM)
    tensor_expr(e, st->in[1], in1, sizeof in1);
  tensor_expr(e, st->out[0], out0, sizeof out0);
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
      i32_params(e, name, p->nearest.src_y, (size_t)st->out_dims.h);
      snprintf(name, sizeof name, "%s_op%d_sx", e->n, id);
      i32_params(e, name, p->nearest.src_x, (size_t)st->out_dims.w);
      break;
    }
    case TMC_K_CONCATENATION:
    case TMC_K_SPLIT: {
      char name[96];
      snprintf(name, sizeof name, "%s_op%d_parts", e->n, id);
      i32_params(e, name, p->concat.part_size, (size_t)p->concat.count);
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
                     in0, tensor_expr(e, st->in[1], b1, sizeof b1),
                     st->bias && !q->requant ? tensor_expr(e, st->in[2], b2, sizeof b2) : "NULL",
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
                     "%s);\n", P, I8, in0, tensor_expr(e, st->in[1], b1, sizeof b1),
                     st->bias && !q->requant ? tensor_expr(e, st->in[2], b2, sizeof b2) : "NULL",
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
        tensor_expr(e, split ? st->out[k] : st->in[k], t, sizeof t);
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

/* ---- NAME.h ----------------------------------------------------------------- */

static const char *c_type(tmc_dtype t) {
  switch (t) {
    case TMC_F32: return "float";
    case TMC_I32: return "int32_t";
    case TMC_U8: return "uint8_t";
    case TMC_I16: return "int16_t";
    default: return "int8_t";
  }
}

static void io_macros(emitter *e, const char *kind, int k, const tmc_tensor *t) {
  tmc_buf *h = &e->h;
  tmc_buf_printf(h, "\n/* %s %d: tensor %d '%s', %s [", kind, k, t->id, t->name,
                 tmc_dtype_name(t->type));
  for (int i = 0; i < t->rank; i++) tmc_buf_printf(h, i ? ",%d" : "%d", t->dims[i]);
  tmc_buf_printf(h, "] */\n");
  char KIND[16];
  snprintf(KIND, sizeof KIND, "%s", kind);
  for (char *p = KIND; *p; p++) *p = (char)toupper((unsigned char)*p);
  tmc_buf_printf(h, "#define %s_%s%d_BYTES %lld\n", e->up, KIND, k, (long long)t->bytes);
  tmc_buf_printf(h, "#define %s_%s%d_RANK %d\n", e->up, KIND, k, t->rank);
  tmc_buf_printf(h, "#define %s_%s%d_DIMS {", e->up, KIND, k);
  for (int i = 0; i < t->rank; i++) tmc_buf_printf(h, i ? ", %d" : "%d", t->dims[i]);
  tmc_buf_printf(h, "}\n");
  if (t->q.n == 1) {
    tmc_buf_printf(h, "#define %s_%s%d_SCALE %.9gf\n", e->up, KIND, k, (double)t->q.scale[0]);
    tmc_buf_printf(h, "#define %s_%s%d_ZERO_POINT %d\n", e->up, KIND, k, t->q.zero_point[0]);
  }
  tmc_buf_printf(h, "static inline %s *%s_%s%d(void *arena) {\n"
                 "  return (%s *)(void *)((unsigned char *)arena + %lld);\n}\n",
                 c_type(t->type), e->n, kind, k, c_type(t->type),
                 (long long)e->plan->mem.offset[t->id]);
}

static void emit_header(emitter *e) {
  const tmc_graph *g = e->g;
  tmc_buf *h = &e->h;
  tmc_buf_printf(h, "/* %s.h: generated by tmc from %s. Do not edit.\n"
                 " *\n"
                 " * Usage: place an arena of %s_ARENA_BYTES bytes (4-byte aligned) where\n"
                 " * you like (e.g. a linker section), write the inputs through\n"
                 " * %s_input<k>(arena), call %s_invoke(arena), read %s_output<k>(arena).\n"
                 " * The arena holds every activation; inputs are overwritten during the\n"
                 " * invoke. Define %s_DEFAULT_ARENA before including this header in one\n"
                 " * file to get a static arena %s_arena. */\n",
                 e->n, g->model_name, e->up, e->n, e->n, e->n, e->up, e->n);
  tmc_buf_printf(h, "#ifndef %s_H\n#define %s_H\n\n#include <stdint.h>\n\n", e->up, e->up);
  if (e->o->detect) tmc_buf_printf(h, "#include \"detect.h\"\n\n");
  tmc_buf_printf(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  tmc_buf_printf(h, "#define %s_ARENA_BYTES %lld\n", e->up, (long long)e->plan->mem.arena_bytes);
  tmc_buf_printf(h, "#define %s_ARENA_ALIGN 4\n", e->up);
  tmc_buf_printf(h, "#define %s_NUM_INPUTS %d\n#define %s_NUM_OUTPUTS %d\n", e->up,
                 g->n_inputs, e->up, g->n_outputs);
  tmc_buf_printf(h, "#define %s_NUM_LAYERS %d\n", e->up, e->plan->n_steps);
  for (int k = 0; k < g->n_inputs; k++) io_macros(e, "input", k, &g->tensors[g->inputs[k]]);
  for (int k = 0; k < g->n_outputs; k++) io_macros(e, "output", k, &g->tensors[g->outputs[k]]);
  tmc_buf_printf(h, "\ntypedef enum %s_status {\n  %s_OK = 0,\n  %s_ERR_NULL_ARENA = 1,\n"
                 "  %s_ERR_ARENA_ALIGN = 2\n} %s_status;\n\n", e->n, e->up, e->up, e->up, e->n);
  tmc_buf_printf(h, "/* \"ok\", \"arena is NULL\", ... */\nconst char *%s_status_str(int status);\n\n",
                 e->n);
  tmc_buf_printf(h, "/* Runs the model in arena; returns a %s_status. */\nint %s_invoke(void *arena);\n",
                 e->n, e->n);
  if (e->o->detect) {
    tmc_buf_printf(h, "\n/* YOLO post-processing of the detection heads after %s_invoke: decodes\n"
                   " * boxes (input pixels), keeps those with score >= score_threshold, applies\n"
                   " * per-class NMS (suppressing IoU > nms_iou), writes at most max_boxes,\n"
                   " * best first, and returns their number. */\n"
                   "typedef tmc_box %s_box;\n"
                   "int %s_detect(const void *arena, %s_box *boxes, int max_boxes,\n"
                   "              float score_threshold, float nms_iou);\n", e->n, e->n, e->n,
                   e->n);
  }
  if (e->o->profile) {
    tmc_buf_printf(h, "\n/* Profiling: defined by the user, called before (phase 0) and after\n"
                   " * (phase 1) each layer. */\n"
                   "void %s_profile(int layer, const char *op, uint32_t macs, int phase);\n\n"
                   "typedef struct %s_layer {\n  const char *op;\n  uint32_t macs;\n"
                   "  uint32_t weight_bytes;\n  uint32_t activation_bytes;\n} %s_layer;\n"
                   "extern const %s_layer %s_layers[%s_NUM_LAYERS];\n", e->n, e->n, e->n, e->n,
                   e->n, e->up);
  }
  tmc_buf_printf(h, "\n#ifdef %s_DEFAULT_ARENA\n_Alignas(8) unsigned char %s_arena[%s_ARENA_BYTES];\n"
                 "#endif\n", e->up, e->n, e->up);
  tmc_buf_printf(h, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ---- the patch stage -------------------------------------------------------- */

/* A region table: {y0, y1, x0, x1} of one tensor per patch. */
static void region_table(emitter *e, const char *what, int32_t t) {
  const tmc_patch *pt = e->plan->patch;
  tmc_buf_printf(&e->arrays, "static const int32_t %s_%s[%d][4] = {\n", e->n, what,
                 pt->n_patches);
  for (int32_t pi = 0; pi < pt->n_patches; pi++) {
    const tmc_region *r = &pt->regions[(size_t)pi * e->g->n_tensors + t];
    tmc_buf_printf(&e->arrays, "  {%d, %d, %d, %d},\n", r->y0, r->y1, r->x0, r->x1);
  }
  tmc_buf_printf(&e->arrays, "};\n");
  e->params_bytes += (size_t)pt->n_patches * 16;
}

/* Emits the stage: tables, then one loop over the patches running the
 * stage's steps on the local buffers. Returns the first step after it. */
static int32_t emit_patch_stage(emitter *e) {
  const tmc_patch *pt = e->plan->patch;
  const tmc_graph *g = e->g;
  const int32_t ns = pt->split_step + 1;
  const tmc_tensor *in = &g->tensors[pt->input_tensor], *out = &g->tensors[pt->split_tensor];
  tmc_buf *c = &e->body;
  for (int32_t s = 0; s < ns; s++) {
    tmc_buf_printf(&e->arrays, "static const int32_t %s_pg%d[%d][8] = {\n", e->n, s,
                   pt->n_patches);
    for (int32_t pi = 0; pi < pt->n_patches; pi++) {
      const tmc_patch_geom *ge = &pt->geom[(size_t)pi * ns + s];
      tmc_buf_printf(&e->arrays, "  {%d, %d, %d, %d, %d, %d, %d, %d},\n", ge->in_dims.h,
                     ge->in_dims.w, ge->out_dims.h, ge->out_dims.w, ge->pad_top,
                     ge->pad_bottom, ge->pad_left, ge->pad_right);
    }
    tmc_buf_printf(&e->arrays, "};\n");
    e->params_bytes += (size_t)pt->n_patches * 32;
  }
  region_table(e, "pin", in->id);
  region_table(e, "pout", out->id);
  tmc_buf_printf(&e->arrays, "\n/* Copies rows of bytes between strided buffers. */\n"
                 "static void %s_rows(unsigned char *dst, size_t dst_stride, "
                 "const unsigned char *src,\n    size_t src_stride, int32_t rows, size_t bytes) {\n"
                 "  for (; rows > 0; rows--, dst += dst_stride, src += src_stride)\n"
                 "    memcpy(dst, src, bytes);\n}\n", e->n);
  long long px_in = (long long)in->dims[3] * (long long)tmc_dtype_size(in->type);
  long long px_out = (long long)out->dims[3] * (long long)tmc_dtype_size(out->type);
  tmc_buf_printf(c, "\n  /* patch stage: ops %d..%d run patch by patch, %dx%d patches of tensor "
                 "%d '%s'\n   * (%lld MACs instead of %lld); their buffers share %lld bytes at "
                 "offset %lld */\n", e->plan->steps[0].op, e->plan->steps[pt->split_step].op,
                 pt->rows, pt->cols, out->id, out->name, (long long)pt->patch_macs,
                 (long long)pt->layer_macs, (long long)pt->region_bytes,
                 (long long)e->plan->mem.patch_off);
  if (e->o->profile)
    tmc_buf_printf(c, "  %s_profile(%d, \"PATCH_STAGE\", %lluu, 0);\n", e->n, pt->split_step,
                   (unsigned long long)pt->patch_macs);
  tmc_buf_printf(c, "  {\n    unsigned char *const L = a + %lld;\n    int pi;\n"
                 "    for (pi = 0; pi < %d; pi++) {\n", (long long)e->plan->mem.patch_off,
                 pt->n_patches);
  /* Gather the input region into its local buffer. */
  tmc_buf_printf(c, "      const int32_t *R = %s_pin[pi];\n"
                 "      %s_rows(L + %lld, (size_t)(R[3] - R[2]) * %lldu,\n"
                 "          a + %lld + ((size_t)R[0] * %d + (size_t)R[2]) * %lldu, %lldu, "
                 "(int32_t)(R[1] - R[0]),\n          (size_t)(R[3] - R[2]) * %lldu);\n",
                 e->n, e->n, (long long)pt->local_off[in->id], px_in,
                 (long long)e->plan->mem.offset[e->plan->alias_of[in->id]], in->dims[2], px_in,
                 (long long)in->dims[2] * px_in, px_in);
  e->patching = true;
  for (int32_t s = 0; s < ns; s++) {
    tmc_buf_printf(c, "      {\n      const int32_t *G = %s_pg%d[pi];\n", e->n, s);
    emit_step(e, s);
    tmc_buf_printf(c, "      }\n");
  }
  e->patching = false;
  /* Scatter the split tensor's region. */
  tmc_buf_printf(c, "      R = %s_pout[pi];\n"
                 "      %s_rows(a + %lld + ((size_t)R[0] * %d + (size_t)R[2]) * %lldu, %lldu,\n"
                 "          L + %lld, (size_t)(R[3] - R[2]) * %lldu, (int32_t)(R[1] - R[0]),\n"
                 "          (size_t)(R[3] - R[2]) * %lldu);\n    }\n  }\n",
                 e->n, e->n, (long long)e->plan->mem.offset[e->plan->alias_of[out->id]],
                 out->dims[2], px_out, (long long)out->dims[2] * px_out,
                 (long long)pt->local_off[out->id], px_out, px_out);
  if (e->o->profile)
    tmc_buf_printf(c, "  %s_profile(%d, \"PATCH_STAGE\", %lluu, 1);\n", e->n, pt->split_step,
                   (unsigned long long)pt->patch_macs);
  return ns;
}

/* ---- NAME_detect ------------------------------------------------------------ */

static void emit_detect(emitter *e, tmc_buf *c) {
  const tmc_detect_config *cfg = e->o->detect;
  for (int i = 0; i < cfg->n_heads; i++) {
    const tmc_detect_head *h = &cfg->heads[i];
    tmc_buf_printf(c, "\nstatic const float %s_anchors%d[%d] = {", e->n, i, 2 * h->num_anchors);
    for (int k = 0; k < 2 * h->num_anchors; k++)
      tmc_buf_printf(c, k ? ", %af" : "%af", (double)h->anchors[k]);
    tmc_buf_printf(c, "};\n");
  }
  tmc_buf_printf(c, "\nint %s_detect(const void *arena, %s_box *boxes, int max_boxes,\n"
                 "              float score_threshold, float nms_iou) {\n"
                 "  const unsigned char *const a = (const unsigned char *)arena;\n"
                 "  tmc_yolo_head heads[%d];\n"
                 "  if (a == NULL || boxes == NULL || max_boxes <= 0) return 0;\n",
                 e->n, e->n, cfg->n_heads);
  for (int i = 0; i < cfg->n_heads; i++) {
    const tmc_detect_head *h = &cfg->heads[i];
    const tmc_tensor *t = &e->g->tensors[h->tensor];
    tmc_buf_printf(c, "  heads[%d].data = (const int8_t *)(a + %lld); /* tensor %d '%s' */\n"
                   "  heads[%d].h = %d;\n  heads[%d].w = %d;\n"
                   "  heads[%d].num_anchors = %d;\n  heads[%d].num_class = %d;\n"
                   "  heads[%d].anchors = %s_anchors%d;\n  heads[%d].stride = %af;\n"
                   "  heads[%d].scale = %af;\n  heads[%d].zero_point = %d;\n",
                   i, (long long)e->plan->mem.offset[e->plan->alias_of[h->tensor]], t->id,
                   t->name, i, t->dims[1], i, t->dims[2], i, h->num_anchors, i, h->num_class,
                   i, e->n, i, i, (double)h->stride, i, (double)t->q.scale[0], i,
                   t->q.zero_point[0]);
  }
  tmc_buf_printf(c, "  return tmc_yolo_detect(heads, %d, score_threshold, nms_iou, boxes, "
                 "max_boxes);\n}\n", cfg->n_heads);
}

/* ---- NAME.c ----------------------------------------------------------------- */

static tmc_status emit_source(emitter *e, tmc_diag *d) {
  const tmc_graph *g = e->g;
  bool *done = calloc((size_t)g->n_tensors + 1, sizeof *done);
  if (done == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory generating code");
  e->const_done = done;
  int32_t first = e->plan->patch ? emit_patch_stage(e) : 0;
  for (int32_t s = first; s < e->plan->n_steps; s++) emit_step(e, s);
  e->const_done = NULL;
  free(done);
  tmc_buf *c = &e->c;
  tmc_buf_printf(c, "/* %s.c: generated by tmc from %s. Do not edit.\n"
                 " * Arena %lld bytes (%s planner; lower bound %lld). */\n",
                 e->n, g->model_name, (long long)e->plan->mem.arena_bytes,
                 e->plan->mem.planner == TMC_PLANNER_FIRST_FIT ? "first-fit" : "best",
                 (long long)e->plan->mem.lower_bound);
  tmc_buf_printf(c, "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
                 "#include \"%s.h\"\n#include \"kernels.h\"\n\n", e->n);
  if (e->decl.data) tmc_buf_write(c, e->decl.data, e->decl.len);
  tmc_buf_printf(c, "\n");
  if (e->arrays.data) tmc_buf_write(c, e->arrays.data, e->arrays.len);
  if (e->o->profile) {
    tmc_buf_printf(c, "\nconst %s_layer %s_layers[%s_NUM_LAYERS] = {\n", e->n, e->n, e->up);
    for (int32_t s = 0; s < e->plan->n_steps; s++) {
      const tmc_step *st = &e->plan->steps[s];
      const tmc_op *op = &g->ops[st->op];
      long long act = 0;
      for (int k = 0; k < st->n_in + st->n_out; k++) {
        int32_t t = k < st->n_in ? st->in[k] : st->out[k - st->n_in];
        if (t >= 0 && !g->tensors[t].is_const) act += g->tensors[t].bytes;
      }
      tmc_buf_printf(c, "  {\"%s\", %lluu, %lluu, %lluu},\n", op->name,
                     (unsigned long long)tmc_op_macs(g, op),
                     (unsigned long long)tmc_op_weight_bytes(g, op), (unsigned long long)act);
    }
    tmc_buf_printf(c, "};\n");
  }
  tmc_buf_printf(c, "\nconst char *%s_status_str(int status) {\n  switch (status) {\n"
                 "    case %s_OK: return \"ok\";\n"
                 "    case %s_ERR_NULL_ARENA: return \"arena is NULL\";\n"
                 "    case %s_ERR_ARENA_ALIGN: return \"arena is not 4-byte aligned\";\n"
                 "    default: return \"unknown status\";\n  }\n}\n", e->n, e->up, e->up, e->up);
  tmc_buf_printf(c, "\nint %s_invoke(void *arena) {\n  unsigned char *const a = (unsigned char *)arena;\n"
                 "  if (a == NULL) return %s_ERR_NULL_ARENA;\n"
                 "  if (((uintptr_t)a & 3u) != 0) return %s_ERR_ARENA_ALIGN;\n", e->n, e->up,
                 e->up);
  if (e->body.data) tmc_buf_write(c, e->body.data, e->body.len);
  tmc_buf_printf(c, "  return %s_OK;\n}\n", e->up);
  if (e->o->detect) emit_detect(e, c);
  return TMC_OK;
}

/* ---- main.c and Makefile ------------------------------------------------- */

static void emit_main(emitter *e, tmc_buf *m) {
  const char *n = e->n, *N = e->up;
  tmc_buf_printf(m, "/* main.c: generated by tmc. A host program running %s:\n"
                 " *   %s_run INPUT0.bin [INPUT1.bin ...] OUTDIR\n"
                 " * reads each input as raw bytes, invokes, writes OUTDIR/output<k>.bin. */\n"
                 "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n\n"
                 "#define %s_DEFAULT_ARENA\n#include \"%s.h\"\n\n", n, n, N, n);
  if (e->o->profile)
    tmc_buf_printf(m, "static clock_t layer_start;\nstatic double layer_ms[%s_NUM_LAYERS];\n\n"
                   "void %s_profile(int layer, const char *op, uint32_t macs, int phase) {\n"
                   "  (void)op;\n  (void)macs;\n  if (phase == 0)\n    layer_start = clock();\n"
                   "  else\n    layer_ms[layer] += (double)(clock() - layer_start) * 1000.0 / "
                   "CLOCKS_PER_SEC;\n}\n\n", N, n);
  tmc_buf_printf(m, "static int read_input(const char *path, void *dst, long bytes) {\n"
                 "  FILE *f = fopen(path, \"rb\");\n  long n;\n"
                 "  if (f == NULL) {\n    fprintf(stderr, \"cannot open %%s\\n\", path);\n    return 1;\n  }\n"
                 "  n = (long)fread(dst, 1, (size_t)bytes, f);\n"
                 "  if (n != bytes || fgetc(f) != EOF) {\n"
                 "    fprintf(stderr, \"%%s: expected %%ld bytes\\n\", path, bytes);\n"
                 "    fclose(f);\n    return 1;\n  }\n  fclose(f);\n  return 0;\n}\n\n"
                 "static int write_output(const char *dir, int k, const void *src, long bytes) {\n"
                 "  char path[4096];\n  FILE *f;\n  int ok;\n"
                 "  snprintf(path, sizeof path, \"%%s/output%%d.bin\", dir, k);\n"
                 "  f = fopen(path, \"wb\");\n"
                 "  if (f == NULL) {\n    fprintf(stderr, \"cannot write %%s\\n\", path);\n    return 1;\n  }\n"
                 "  ok = fwrite(src, 1, (size_t)bytes, f) == (size_t)bytes;\n"
                 "  ok = (fclose(f) == 0) && ok;\n"
                 "  if (!ok) fprintf(stderr, \"cannot write %%s\\n\", path);\n  return !ok;\n}\n\n");
  tmc_buf_printf(m, "int main(int argc, char **argv) {\n  int status;\n"
                 "  if (argc != %s_NUM_INPUTS + 2) {\n"
                 "    fprintf(stderr, \"usage: %%s INPUT... OUTDIR (%%d input%%s)\\n\", argv[0], "
                 "%s_NUM_INPUTS, %s_NUM_INPUTS == 1 ? \"\" : \"s\");\n    return 2;\n  }\n", N, N, N);
  for (int k = 0; k < e->g->n_inputs; k++)
    tmc_buf_printf(m, "  if (read_input(argv[%d], %s_input%d(%s_arena), %s_INPUT%d_BYTES)) "
                   "return 1;\n", k + 1, n, k, n, N, k);
  tmc_buf_printf(m, "  status = %s_invoke(%s_arena);\n  if (status != %s_OK) {\n"
                 "    fprintf(stderr, \"%s_invoke: %%s\\n\", %s_status_str(status));\n"
                 "    return 1;\n  }\n", n, n, N, n, n);
  for (int k = 0; k < e->g->n_outputs; k++)
    tmc_buf_printf(m, "  if (write_output(argv[argc - 1], %d, %s_output%d(%s_arena), "
                   "%s_OUTPUT%d_BYTES)) return 1;\n", k, n, k, n, N, k);
  if (e->o->detect)
    tmc_buf_printf(m, "  {\n    %s_box boxes[100];\n    int i, n = %s_detect(%s_arena, boxes, 100, "
                   "0.3f, 0.45f);\n"
                   "    printf(\"detections (score >= 0.3, NMS IoU 0.45): %%d\\n\", n);\n"
                   "    for (i = 0; i < n; i++)\n"
                   "      printf(\"  class %%d score %%.4f box [%%.1f, %%.1f, %%.1f, %%.1f]\\n\", "
                   "(int)boxes[i].cls,\n             (double)boxes[i].score, (double)boxes[i].x1, "
                   "(double)boxes[i].y1,\n             (double)boxes[i].x2, (double)boxes[i].y2);\n"
                   "  }\n", e->n, e->n, e->n);
  if (e->o->profile)
    tmc_buf_printf(m, "  {\n    int i;\n    double total = 0;\n"
                   "    printf(\"%%5s  %%-24s %%12s %%10s\\n\", \"layer\", \"op\", \"MACs\", \"ms\");\n"
                   "    for (i = 0; i < %s_NUM_LAYERS; i++) {\n"
                   "      printf(\"%%5d  %%-24s %%12lu %%10.3f\\n\", i, %s_layers[i].op,\n"
                   "             (unsigned long)%s_layers[i].macs, layer_ms[i]);\n"
                   "      total += layer_ms[i];\n    }\n"
                   "    printf(\"total %%.3f ms\\n\", total);\n  }\n", N, n, n);
  tmc_buf_printf(m, "  return 0;\n}\n");
}

static void emit_makefile(emitter *e, tmc_buf *m) {
  tmc_buf_printf(m, "# Makefile: generated by tmc. 'make' builds %s_run, a host program\n"
                 "# running the model on raw input files.\n"
                 "CC ?= cc\nCFLAGS ?= -std=c11 -O2 -Wall -Wextra -Werror -pedantic\n"
                 "SRCS := $(wildcard *.c)\n\n"
                 "%s_run: $(SRCS) $(wildcard *.h)\n\t$(CC) $(CFLAGS) -o $@ $(SRCS) -lm\n\n"
                 "clean:\n\trm -f %s_run\n\n.PHONY: clean\n", e->n, e->n, e->n);
}

/* ---- assembling ------------------------------------------------------------ */

const tmc_source *tmc_source_find(const char *name) {
  for (const tmc_source *s = tmc_sources; s->name; s++)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

static const char *const kernel_file[] = {
#define TMC_KERNEL(en, fn, file) file,
#include "plan/kernel.def"
#undef TMC_KERNEL
};

static bool add_file(tmc_emit_result *r, const char *name, const void *data, size_t size) {
  if (r->n_files >= (int)(sizeof r->files / sizeof r->files[0])) return false;
  tmc_emit_file *f = &r->files[r->n_files];
  f->name = malloc(strlen(name) + 1);
  f->data = malloc(size + 1);
  if (f->name == NULL || f->data == NULL) {
    free(f->name);
    free(f->data);
    return false;
  }
  memcpy(f->name, name, strlen(name) + 1);
  if (size) memcpy(f->data, data, size);
  f->data[size] = '\0';
  f->size = size;
  r->n_files++;
  return true;
}

static bool add_buf(tmc_emit_result *r, const char *name, const tmc_buf *b) {
  return !b->failed && add_file(r, name, b->data ? b->data : "", b->len);
}

void tmc_emit_free(tmc_emit_result *r) {
  for (int i = 0; i < r->n_files; i++) {
    free(r->files[i].name);
    free(r->files[i].data);
  }
  r->n_files = 0;
}

tmc_status tmc_emit(const tmc_plan *plan, const tmc_emit_options *opts, tmc_emit_result *out,
                    tmc_diag *d) {
  memset(out, 0, sizeof *out);
  if (!tmc_emit_valid_name(opts->name))
    return tmc_fail(d, TMC_ERR_USAGE, "--name '%s' is not a C identifier (letters, digits, "
                    "'_', not starting with a digit, at most 40 characters)",
                    opts->name ? opts->name : "");
  emitter e;
  memset(&e, 0, sizeof e);
  e.plan = plan;
  e.g = plan->g;
  e.o = opts;
  e.n = opts->name;
  for (size_t i = 0; opts->name[i] && i + 1 < sizeof e.up; i++)
    e.up[i] = (char)toupper((unsigned char)opts->name[i]);
  tmc_buf_init(&e.h);
  tmc_buf_init(&e.c);
  tmc_buf_init(&e.w);
  tmc_buf_init(&e.decl);
  tmc_buf_init(&e.arrays);
  tmc_buf_init(&e.body);
  tmc_buf_printf(&e.w, "/* %s_weights.c: generated by tmc from %s. Do not edit.\n"
                 " * Weights and constants, read-only (flash). */\n#include <stdint.h>\n\n",
                 e.n, e.g->model_name);
  tmc_status s = emit_source(&e, d);
  if (s == TMC_OK) emit_header(&e);
  char name[128];
  bool ok = s == TMC_OK;
  snprintf(name, sizeof name, "%s.h", e.n);
  ok = ok && add_buf(out, name, &e.h);
  snprintf(name, sizeof name, "%s.c", e.n);
  ok = ok && add_buf(out, name, &e.c);
  snprintf(name, sizeof name, "%s_weights.c", e.n);
  ok = ok && add_buf(out, name, &e.w);
  /* Kernel sources: the shared headers and each used kernel's file, once. */
  static const char *const headers[] = {"kernels.h", "requant.h", "kutil.h", "fixedpoint.h"};
  for (size_t i = 0; ok && i < sizeof headers / sizeof headers[0]; i++) {
    const tmc_source *src = tmc_source_find(headers[i]);
    ok = src && add_file(out, src->name, src->data, src->size);
  }
  for (size_t i = 0; ok && opts->detect && i < 2; i++) {
    const tmc_source *src = tmc_source_find(i ? "detect.c" : "detect.h");
    ok = src && add_file(out, src->name, src->data, src->size);
  }
  for (int k = 0; ok && k < TMC_KERNEL_COUNT; k++) {
    if (!e.used[k] || kernel_file[k][0] == '\0') continue;
    bool dup = false;
    for (int j = 0; j < k; j++) dup |= e.used[j] && strcmp(kernel_file[j], kernel_file[k]) == 0;
    if (dup) continue;
    const tmc_source *src = tmc_source_find(kernel_file[k]);
    ok = src && add_file(out, src->name, src->data, src->size);
  }
  if (ok && opts->main) {
    tmc_buf m, mk;
    tmc_buf_init(&m);
    tmc_buf_init(&mk);
    emit_main(&e, &m);
    emit_makefile(&e, &mk);
    ok = add_buf(out, "main.c", &m) && add_buf(out, "Makefile", &mk);
    tmc_buf_free(&m);
    tmc_buf_free(&mk);
  }
  out->weights_bytes = e.weights_bytes;
  out->params_bytes = e.params_bytes;
  tmc_buf_free(&e.h);
  tmc_buf_free(&e.c);
  tmc_buf_free(&e.w);
  tmc_buf_free(&e.decl);
  tmc_buf_free(&e.arrays);
  tmc_buf_free(&e.body);
  if (s != TMC_OK) {
    tmc_emit_free(out);
    return s;
  }
  if (!ok) {
    tmc_emit_free(out);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory generating code");
  }
  return TMC_OK;
}

tmc_status tmc_emit_write(const tmc_emit_result *r, const char *dir, tmc_diag *d) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return tmc_fail(d, TMC_ERR_IO, "cannot create '%s': %s", dir, strerror(errno));
  size_t cap = strlen(dir) + 256;
  char *tmp = malloc(cap), *path = malloc(cap);
  int written = 0;
  tmc_status s = TMC_OK;
  if (tmp == NULL || path == NULL) s = tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  for (int i = 0; s == TMC_OK && i < r->n_files; i++, written++) {
    snprintf(tmp, cap, "%s/.%s.tmc-tmp", dir, r->files[i].name);
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL;
    if (ok) ok = fwrite(r->files[i].data, 1, r->files[i].size, f) == r->files[i].size;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) {
      s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s/%s': %s", dir, r->files[i].name,
                   strerror(errno));
      if (f) written++; /* remove this one too */
      break;
    }
  }
  int renamed = 0;
  for (int i = 0; tmp && path && i < written; i++) {
    snprintf(tmp, cap, "%s/.%s.tmc-tmp", dir, r->files[i].name);
    snprintf(path, cap, "%s/%s", dir, r->files[i].name);
    if (s != TMC_OK) {
      remove(tmp);
    } else if (rename(tmp, path) != 0) {
      s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
      remove(tmp);
    } else {
      renamed++;
    }
  }
  /* A rename that failed half-way: take back the files already in place. */
  for (int i = 0; s != TMC_OK && tmp && path && i < renamed; i++) {
    snprintf(path, cap, "%s/%s", dir, r->files[i].name);
    remove(path);
  }
  free(tmp);
  free(path);
  return s;
}
