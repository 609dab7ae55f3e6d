/* Lowering: each graph op becomes one kernel call with every parameter
 * computed here, once, as TFLite Micro's Prepare() would (quant_util.c);
 * the runner and the generated code only call kernels. RESHAPE and SQUEEZE
 * become views (no step). What TFLite itself refuses, or tmc cannot compute,
 * is an error naming the op. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/le.h"
#include "ir/geometry.h"
#include "kernels/quant_util.h"
#include "plan.h"

const char *tmc_kernel_name(tmc_kernel k) {
  static const char *const names[] = {
#define TMC_KERNEL(e, fn, file) fn,
#include "kernel.def"
#undef TMC_KERNEL
  };
  return (unsigned)k < TMC_KERNEL_COUNT ? names[k] : "?";
}

typedef struct lowerer {
  const tmc_graph *g;
  tmc_arena *a;
  tmc_diag *d;
} lowerer;

static tmc_status fail(lowerer *l, const tmc_op *op, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static tmc_status unsupported(lowerer *l, const tmc_op *op, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static tmc_status report(lowerer *l, tmc_status code, const tmc_op *op, const char *fmt,
                         va_list ap) {
  char what[400];
  vsnprintf(what, sizeof what, fmt, ap);
  return tmc_fail(l->d, code, "op %d %s: %s", op->id, op->name, what);
}

/* A model TFLite itself refuses (malformed): TMC_ERR_MODEL. */
static tmc_status fail(lowerer *l, const tmc_op *op, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tmc_status s = report(l, TMC_ERR_MODEL, op, fmt, ap);
  va_end(ap);
  return s;
}

/* A valid model tmc cannot compile: TMC_ERR_UNSUPPORTED. */
static tmc_status unsupported(lowerer *l, const tmc_op *op, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tmc_status s = report(l, TMC_ERR_UNSUPPORTED, op, fmt, ap);
  va_end(ap);
  return s;
}

static void *alloc(lowerer *l, size_t n, size_t size) {
  void *p = tmc_arena_array(l->a, n ? n : 1, size);
  if (p == NULL) tmc_fail(l->d, TMC_ERR_NOMEM, "out of memory lowering the graph");
  return p;
}

static tmc_dims4 dims4(const tmc_tensor *t) {
  int32_t v[4] = {1, 1, 1, 1};
  for (int32_t i = 0; i < t->rank && i < 4; i++) v[4 - t->rank + i] = t->dims[i];
  tmc_dims4 r = {v[0], v[1], v[2], v[3]};
  return r;
}

static float scale_of(const tmc_tensor *t) { return t->q.n ? t->q.scale[0] : 0.0f; }
static int32_t zp_of(const tmc_tensor *t) { return t->q.n ? t->q.zero_point[0] : 0; }

/* Checks that an int8 tensor has per-tensor quantization with an int8 zero point. */
static tmc_status need_quant(lowerer *l, const tmc_op *op, const tmc_tensor *t,
                             const char *role) {
  if (t->type != TMC_I8) return TMC_OK;
  if (t->q.n < 1)
    return fail(l, op, "%s (tensor %d '%s') is int8 without quantization", role, t->id,
                t->name);
  if (t->q.zero_point[0] < -128 || t->q.zero_point[0] > 127)
    return fail(l, op, "%s (tensor %d '%s'): zero point %d outside int8", role, t->id,
                t->name, t->q.zero_point[0]);
  return TMC_OK;
}

/* A copy of an int32 constant, decoded little-endian (the model's bytes may
 * be unaligned for int32 loads). */
static const int32_t *const_i32(lowerer *l, const tmc_tensor *t) {
  int32_t *v = alloc(l, (size_t)t->elems, sizeof *v);
  if (v == NULL) return NULL;
  for (int64_t i = 0; i < t->elems; i++) v[i] = (int32_t)tmc_tensor_int(t, i);
  return v;
}

static tmc_status act_range(lowerer *l, const tmc_op *op, tmc_act act,
                            const tmc_tensor *y, int32_t *lo, int32_t *hi) {
  if (act > TMC_FUSED_RELU6)
    return unsupported(l, op, "fused activation %s is not supported", tmc_act_name(act));
  tmc_activation_range_s8((int)act, scale_of(y), zp_of(y), lo, hi);
  return TMC_OK;
}

/* Per-channel multipliers and shifts of a conv-like op. */
static tmc_status conv_quant(lowerer *l, const tmc_op *op, const tmc_tensor *x,
                             const tmc_tensor *w, const tmc_tensor *y, int32_t channels,
                             const int32_t **mult, const int32_t **shift) {
  if (w->q.n != 1 && w->q.n != channels)
    return fail(l, op, "weights (tensor %d '%s') have %d scales, expected 1 or %d", w->id,
                w->name, w->q.n, channels);
  for (int32_t c = 0; c < w->q.n; c++)
    if (w->q.zero_point[c] != 0)
      return fail(l, op, "weights (tensor %d '%s') zero point %d, expected 0 (symmetric)",
                  w->id, w->name, w->q.zero_point[c]);
  int32_t *m = alloc(l, (size_t)channels, sizeof *m);
  int32_t *s = alloc(l, (size_t)channels, sizeof *s);
  if (m == NULL || s == NULL) return TMC_ERR_NOMEM;
  tmc_conv_quant_prepare(scale_of(x), w->q.scale, w->q.n, scale_of(y), channels, m, s);
  *mult = m;
  *shift = s;
  return TMC_OK;
}

/* The fields CONV_2D and DEPTHWISE_CONV_2D params share (a macro: two
 * distinct struct types with the same member names). */
#define CONV_FIELDS(p)                                                       \
  do {                                                                       \
    (p)->stride_h = c->stride_h;                                             \
    (p)->stride_w = c->stride_w;                                             \
    (p)->dilation_h = c->dilation_h;                                         \
    (p)->dilation_w = c->dilation_w;                                         \
    (p)->pad_top = wh.before;                                                \
    (p)->pad_bottom = wh.after;                                              \
    (p)->pad_left = ww.before;                                               \
    (p)->pad_right = ww.after;                                               \
    (p)->input_offset = -zp_of(x);                                           \
    (p)->output_offset = zp_of(y);                                           \
    (p)->act_min = lo;                                                       \
    (p)->act_max = hi;                                                       \
    (p)->multiplier = mult;                                                  \
    (p)->shift = shift;                                                      \
  } while (0)

static tmc_status lower_conv(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  bool dw = op->kind == TMC_OP_DEPTHWISE_CONV_2D;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *b = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  const tmc_conv_attr *c = &op->attr.conv;
  TMC_TRY(need_quant(l, op, x, "input 0"));
  TMC_TRY(need_quant(l, op, y, "output 0"));
  st->in_dims = dims4(x);
  st->filter_dims = dims4(w);
  st->out_dims = dims4(y);
  tmc_window wh = tmc_window_geometry(x->dims[1], w->dims[1], c->stride_h, c->dilation_h,
                                      c->padding);
  tmc_window ww = tmc_window_geometry(x->dims[2], w->dims[2], c->stride_w, c->dilation_w,
                                      c->padding);
  if (c->explicit_pad) {
    wh.before = c->pad_top;
    wh.after = c->pad_bottom;
    ww.before = c->pad_left;
    ww.after = c->pad_right;
  }
  int32_t cout = y->dims[3];
  const int32_t *mult, *shift;
  int32_t lo, hi;
  TMC_TRY(conv_quant(l, op, x, w, y, cout, &mult, &shift));
  TMC_TRY(act_range(l, op, c->act, y, &lo, &hi));
  st->weights = (const int8_t *)w->data;
  st->bias = b ? const_i32(l, b) : NULL;
  if (b && st->bias == NULL) return TMC_ERR_NOMEM;
  if (dw) {
    st->kernel = TMC_K_DEPTHWISE_CONV2D;
    tmc_depthwise_conv2d_params *p = &st->p.dw;
    CONV_FIELDS(p);
    p->depth_multiplier = cout / x->dims[3];
    if (p->depth_multiplier == 1 &&
        st->filter_dims.h * st->filter_dims.w <= TMC_DW_MAX_TAPS) { /* fast path */
      int32_t *fb = alloc(l, (size_t)cout, sizeof *fb);
      tmc_requant_ch *rq = alloc(l, (size_t)cout, sizeof *rq);
      if (fb == NULL || rq == NULL) return TMC_ERR_NOMEM;
      if (tmc_depthwise_conv2d_s8_fold_bias(&st->filter_dims, st->weights, st->bias,
                                            p->input_offset, fb) == 0 &&
          tmc_requant_prepare(cout, mult, shift, 1, fb,
                              tmc_depthwise_conv2d_s8_acc_bound(&st->filter_dims),
                              rq) == 0) {
        p->requant = rq;
        st->scratch_bytes = tmc_depthwise_conv2d_s8_scratch_bytes(&st->in_dims);
      }
    }
  } else {
    st->kernel = TMC_K_CONV2D;
    tmc_conv2d_params *p = &st->p.conv;
    CONV_FIELDS(p);
    if (st->filter_dims.c == st->in_dims.c) { /* one group: fast path */
      tmc_requant_ch *rq = alloc(l, (size_t)cout, sizeof *rq);
      if (rq == NULL) return TMC_ERR_NOMEM;
      if (tmc_requant_prepare(cout, mult, shift, 1, st->bias,
                              tmc_conv2d_s8_acc_bound(&st->filter_dims, p->input_offset),
                              rq) == 0) {
        p->requant = rq;
        st->scratch_bytes = tmc_conv2d_s8_scratch_bytes(&st->in_dims, &st->filter_dims,
                                                        &st->out_dims);
      }
    }
  }
  return TMC_OK;
}

static tmc_status lower_transpose_conv(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *w = tmc_op_input(g, op, 1), *x = tmc_op_input(g, op, 2);
  const tmc_tensor *b = tmc_op_input(g, op, 3), *y = tmc_op_output(g, op, 0);
  const tmc_conv_attr *c = &op->attr.conv;
  TMC_TRY(need_quant(l, op, x, "input 2"));
  TMC_TRY(need_quant(l, op, y, "output 0"));
  if (x->rank != 4 || w->rank != 4 || y->rank != 4)
    return fail(l, op, "expects 4-D input, weights and output");
  st->kernel = TMC_K_TRANSPOSE_CONV;
  st->in_dims = dims4(x);
  st->filter_dims = dims4(w);
  st->out_dims = dims4(y);
  tmc_transpose_conv_params *p = &st->p.tconv;
  int same = c->padding == TMC_PAD_SAME;
  tmc_transpose_conv_padding(same, y->dims[1], w->dims[1], c->stride_h, &p->pad_top,
                             &p->pad_bottom);
  tmc_transpose_conv_padding(same, y->dims[2], w->dims[2], c->stride_w, &p->pad_left,
                             &p->pad_right);
  p->stride_h = c->stride_h;
  p->stride_w = c->stride_w;
  p->input_offset = -zp_of(x);
  p->output_offset = zp_of(y);
  TMC_TRY(act_range(l, op, c->act, y, &p->act_min, &p->act_max));
  TMC_TRY(conv_quant(l, op, x, w, y, y->dims[3], &p->multiplier, &p->shift));
  st->weights = (const int8_t *)w->data;
  st->bias = b ? const_i32(l, b) : NULL;
  if (b && st->bias == NULL) return TMC_ERR_NOMEM;
  st->scratch_bytes = tmc_transpose_conv_s8_scratch_bytes(&st->out_dims);
  return TMC_OK;
}

static tmc_status lower_fc(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *b = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  TMC_TRY(need_quant(l, op, x, "input 0"));
  TMC_TRY(need_quant(l, op, y, "output 0"));
  st->kernel = TMC_K_FULLY_CONNECTED;
  st->units = w->dims[0];
  st->depth = w->dims[1];
  st->outer = (int32_t)(x->elems / st->depth);
  tmc_fully_connected_params *p = &st->p.fc;
  p->input_offset = -zp_of(x);
  p->filter_offset = 0;
  p->output_offset = zp_of(y);
  p->per_channel = w->q.n > 1;
  TMC_TRY(act_range(l, op, op->attr.fc.act, y, &p->act_min, &p->act_max));
  TMC_TRY(conv_quant(l, op, x, w, y, p->per_channel ? st->units : 1, &p->multiplier,
                     &p->shift));
  st->weights = (const int8_t *)w->data;
  st->bias = b ? const_i32(l, b) : NULL;
  if (b && st->bias == NULL) return TMC_ERR_NOMEM;
  /* fast path (kernels.h) */
  tmc_requant_ch *rq = alloc(l, (size_t)st->units, sizeof *rq);
  if (rq == NULL) return TMC_ERR_NOMEM;
  if (tmc_requant_prepare(st->units, p->multiplier, p->shift, p->per_channel, st->bias,
                          tmc_fully_connected_s8_acc_bound(st->depth, p->input_offset,
                                                           p->filter_offset),
                          rq) == 0) {
    p->requant = rq;
    st->scratch_bytes = tmc_fully_connected_s8_scratch_bytes(st->depth);
  }
  return TMC_OK;
}

static tmc_status lower_binary(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *x1 = tmc_op_input(g, op, 0), *x2 = tmc_op_input(g, op, 1);
  const tmc_tensor *y = tmc_op_output(g, op, 0);
  TMC_TRY(need_quant(l, op, x1, "input 0"));
  TMC_TRY(need_quant(l, op, x2, "input 1"));
  TMC_TRY(need_quant(l, op, y, "output 0"));
  if (tmc_broadcast_init(x1->rank, x1->dims, x2->rank, x2->dims, &st->bcast) != 0)
    return fail(l, op, "input shapes do not broadcast");
  int64_t n = 1;
  for (int32_t i = 0; i < st->bcast.rank; i++) n *= st->bcast.dims[i];
  if (n != y->elems) return fail(l, op, "output has %lld elements, broadcasting gives %lld",
                                 (long long)y->elems, (long long)n);
  int32_t lo, hi;
  switch (op->kind) {
    case TMC_OP_ADD:
    case TMC_OP_SUB: {
      bool add = op->kind == TMC_OP_ADD;
      st->kernel = add ? TMC_K_ADD : TMC_K_SUB;
      int r = (add ? tmc_add_prepare : tmc_sub_prepare)(
          scale_of(x1), zp_of(x1), scale_of(x2), zp_of(x2), scale_of(y), zp_of(y),
          (int)op->attr.binary.act, &st->p.add);
      if (r != 0 || op->attr.binary.act > TMC_FUSED_RELU6)
        return fail(l, op, "quantization or activation TFLite refuses");
      break;
    }
    case TMC_OP_MUL:
      st->kernel = TMC_K_MUL;
      TMC_TRY(act_range(l, op, op->attr.binary.act, y, &lo, &hi));
      tmc_mul_prepare(scale_of(x1), zp_of(x1), scale_of(x2), zp_of(x2), scale_of(y),
                      zp_of(y), (int)op->attr.binary.act, &st->p.mul);
      break;
    default: /* MAXIMUM, MINIMUM compare raw values */
      st->kernel = op->kind == TMC_OP_MAXIMUM ? TMC_K_MAXIMUM : TMC_K_MINIMUM;
      break;
  }
  return TMC_OK;
}

static bool same_quant(const tmc_tensor *a, const tmc_tensor *b) {
  return a->q.n >= 1 && b->q.n >= 1 && a->q.scale[0] == b->q.scale[0] &&
         a->q.zero_point[0] == b->q.zero_point[0];
}

static tmc_status lower_pool(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *y = tmc_op_output(l->g, op, 0);
  const tmc_pool_attr *c = &op->attr.pool;
  TMC_TRY(need_quant(l, op, x, "input 0"));
  TMC_TRY(need_quant(l, op, y, "output 0"));
  if (!same_quant(x, y))
    return fail(l, op, "input and output quantization differ (TFLite requires them equal)");
  st->kernel = op->kind == TMC_OP_AVERAGE_POOL_2D ? TMC_K_AVG_POOL : TMC_K_MAX_POOL;
  st->in_dims = dims4(x);
  st->out_dims = dims4(y);
  tmc_window wh = tmc_window_geometry(x->dims[1], c->filter_h, c->stride_h, 1, c->padding);
  tmc_window ww = tmc_window_geometry(x->dims[2], c->filter_w, c->stride_w, 1, c->padding);
  tmc_pool_params *p = &st->p.pool;
  p->stride_h = c->stride_h;
  p->stride_w = c->stride_w;
  p->filter_h = c->filter_h;
  p->filter_w = c->filter_w;
  p->pad_top = wh.before;
  p->pad_bottom = wh.after;
  p->pad_left = ww.before;
  p->pad_right = ww.after;
  return act_range(l, op, c->act, y, &p->act_min, &p->act_max);
}

/* Checks a fixed output quantization TFLite imposes (softmax, logistic...). */
static tmc_status fixed_out_quant(lowerer *l, const tmc_op *op, const tmc_tensor *y,
                                  double scale, int32_t zp) {
  if (y->q.n < 1 || fabs((double)y->q.scale[0] - scale) > 1e-6 * scale ||
      y->q.zero_point[0] != zp)
    return fail(l, op, "output quantization must be scale %g, zero point %d (TFLite's "
                "fixed choice), found scale %g, zero point %d", scale, zp,
                (double)scale_of(y), zp_of(y));
  return TMC_OK;
}

static tmc_status lower_unary(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *y = tmc_op_output(l->g, op, 0);
  st->size = (int32_t)x->elems;
  if (x->elems != y->elems) return fail(l, op, "input and output sizes differ");
  if (x->type == TMC_F32 && (op->kind == TMC_OP_SOFTMAX || op->kind == TMC_OP_LOG_SOFTMAX)) {
    if (y->type != TMC_F32) return fail(l, op, "float input needs a float output");
    st->kernel = op->kind == TMC_OP_SOFTMAX ? TMC_K_SOFTMAX_F32 : TMC_K_LOG_SOFTMAX_F32;
    st->depth = x->rank ? x->dims[x->rank - 1] : 1;
    st->outer = st->depth ? (int32_t)(x->elems / st->depth) : 0;
    st->p.softmax_f32.beta = op->kind == TMC_OP_SOFTMAX ? op->attr.softmax.beta : 1.0f;
    return TMC_OK;
  }
  if (op->kind == TMC_OP_QUANTIZE && x->type == TMC_F32) {
    TMC_TRY(need_quant(l, op, y, "output 0"));
    st->kernel = TMC_K_QUANTIZE_F32;
    st->p.quantize.scale = scale_of(y);
    st->p.quantize.zero_point = zp_of(y);
    return TMC_OK;
  }
  TMC_TRY(need_quant(l, op, x, "input 0"));
  if (op->kind == TMC_OP_DEQUANTIZE) {
    st->kernel = TMC_K_DEQUANTIZE;
    st->p.dequantize.scale = (double)scale_of(x);
    st->p.dequantize.zero_point = zp_of(x);
    return TMC_OK;
  }
  TMC_TRY(need_quant(l, op, y, "output 0"));
  float sx = scale_of(x), sy = scale_of(y);
  int32_t zx = zp_of(x), zy = zp_of(y);
  switch (op->kind) {
    case TMC_OP_QUANTIZE:
      st->kernel = TMC_K_REQUANTIZE;
      tmc_requantize_prepare(sx, zx, sy, zy, &st->p.requantize);
      return TMC_OK;
    case TMC_OP_SOFTMAX:
      st->kernel = TMC_K_SOFTMAX;
      TMC_TRY(fixed_out_quant(l, op, y, 1.0 / 256, -128));
      st->depth = x->dims[x->rank - 1];
      st->outer = st->depth ? (int32_t)(x->elems / st->depth) : 0;
      if (tmc_softmax_prepare(op->attr.softmax.beta, sx, &st->p.softmax) != 0)
        return fail(l, op, "beta and input scale TFLite refuses");
      return TMC_OK;
    case TMC_OP_LOG_SOFTMAX:
      st->kernel = TMC_K_LOG_SOFTMAX;
      TMC_TRY(fixed_out_quant(l, op, y, 16.0 / 256, 127));
      st->depth = x->dims[x->rank - 1];
      st->outer = st->depth ? (int32_t)(x->elems / st->depth) : 0;
      if (tmc_log_softmax_prepare(sx, &st->p.log_softmax) != 0)
        return fail(l, op, "input scale TFLite refuses");
      return TMC_OK;
    case TMC_OP_LOGISTIC:
    case TMC_OP_TANH:
      st->kernel = op->kind == TMC_OP_LOGISTIC ? TMC_K_LOGISTIC : TMC_K_TANH;
      TMC_TRY(op->kind == TMC_OP_LOGISTIC ? fixed_out_quant(l, op, y, 1.0 / 256, -128)
                                          : fixed_out_quant(l, op, y, 1.0 / 128, 0));
      tmc_sigmoid_prepare(sx, zx, &st->p.sigmoid);
      return TMC_OK;
    case TMC_OP_HARD_SWISH:
      st->kernel = TMC_K_HARD_SWISH;
      if (tmc_hard_swish_prepare(sx, zx, sy, zy, &st->p.hard_swish) != 0)
        return fail(l, op, "quantization TFLite refuses");
      return TMC_OK;
    case TMC_OP_RELU:
      st->kernel = TMC_K_RELU;
      tmc_relu_prepare(sx, zx, sy, zy, &st->p.relu);
      return TMC_OK;
    case TMC_OP_RELU6:
      st->kernel = TMC_K_CLAMP;
      tmc_relu6_prepare(sx, zx, &st->p.clamp.lo, &st->p.clamp.hi);
      return TMC_OK;
    case TMC_OP_LEAKY_RELU:
      st->kernel = TMC_K_LEAKY_RELU;
      tmc_leaky_relu_prepare(sx, zx, sy, zy, op->attr.leaky.alpha, &st->p.leaky);
      return TMC_OK;
    default:
      return unsupported(l, op, "no kernel");
  }
}

static tmc_status lower_mean(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *ax = tmc_op_input(l->g, op, 1);
  const tmc_tensor *y = tmc_op_output(l->g, op, 0);
  TMC_TRY(need_quant(l, op, x, "input 0"));
  TMC_TRY(need_quant(l, op, y, "output 0"));
  if (ax->elems > TMC_MAX_RANK) return fail(l, op, "more axes than dims");
  int32_t axes[TMC_MAX_RANK];
  for (int64_t i = 0; i < ax->elems; i++) axes[i] = (int32_t)tmc_tensor_int(ax, i);
  st->kernel = TMC_K_MEAN;
  if (tmc_mean_prepare(x->rank, x->dims, (int32_t)ax->elems, axes, scale_of(x), zp_of(x),
                       scale_of(y), zp_of(y), &st->p.mean) != 0)
    return fail(l, op, "axes out of range");
  return TMC_OK;
}

static tmc_status lower_pad(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *pads = tmc_op_input(l->g, op, 1);
  const tmc_tensor *y = tmc_op_output(l->g, op, 0);
  TMC_TRY(need_quant(l, op, x, "input 0"));
  if (pads->elems != 2 * (int64_t)x->rank)
    return fail(l, op, "paddings have %lld values, expected %d", (long long)pads->elems,
                2 * x->rank);
  tmc_pad_params *p = &st->p.pad;
  st->kernel = TMC_K_PAD;
  p->rank = x->rank;
  for (int32_t i = 0; i < x->rank; i++) {
    int64_t b = tmc_tensor_int(pads, 2 * i), e = tmc_tensor_int(pads, 2 * i + 1);
    if (b < 0 || e < 0 || x->dims[i] + b + e != y->dims[i])
      return fail(l, op, "paddings of dim %d (%lld, %lld) do not give the output shape", i,
                  (long long)b, (long long)e);
    p->in_dims[i] = x->dims[i];
    p->before[i] = (int32_t)b;
    p->after[i] = (int32_t)e;
  }
  p->pad_value = zp_of(y);
  if (op->kind == TMC_OP_PADV2) {
    const tmc_tensor *cv = tmc_op_input(l->g, op, 2);
    if (cv->type != TMC_I8 || cv->elems != 1 || cv->data == NULL)
      return fail(l, op, "constant value must be one int8 constant");
    p->pad_value = (int8_t)cv->data[0];
  }
  return TMC_OK;
}

static int64_t prod(const int32_t *dims, int32_t from, int32_t to) {
  int64_t p = 1;
  for (int32_t d = from; d < to; d++) p *= dims[d];
  return p;
}

/* CONCATENATION (parts = inputs) and SPLIT (parts = outputs) along axis. */
static tmc_status lower_parts(lowerer *l, const tmc_op *op, tmc_step *st) {
  bool split = op->kind == TMC_OP_SPLIT;
  const tmc_tensor *whole = split ? tmc_op_input(l->g, op, 1) : tmc_op_output(l->g, op, 0);
  int64_t axis = split ? tmc_tensor_int(tmc_op_input(l->g, op, 0), 0) : op->attr.axis.axis;
  if (axis < 0) axis += whole->rank;
  if (axis < 0 || axis >= whole->rank) return fail(l, op, "axis out of range");
  int n = split ? op->n_out : op->n_in;
  int32_t *part = alloc(l, (size_t)n, sizeof *part);
  if (part == NULL) return TMC_ERR_NOMEM;
  int64_t inner = prod(whole->dims, (int32_t)axis + 1, whole->rank), sum = 0;
  for (int k = 0; k < n; k++) {
    const tmc_tensor *t = split ? tmc_op_output(l->g, op, k) : tmc_op_input(l->g, op, k);
    if (t->rank != whole->rank) return fail(l, op, "parts differ in rank");
    if (!same_quant(t, whole))
      return fail(l, op, "part %d (tensor %d '%s') has another quantization than the "
                  "whole (TFLite requires them equal)", k, t->id, t->name);
    part[k] = (int32_t)(t->dims[axis] * inner);
    sum += t->dims[axis];
  }
  if (sum != whole->dims[axis]) return fail(l, op, "parts do not add up along the axis");
  st->kernel = split ? TMC_K_SPLIT : TMC_K_CONCATENATION;
  st->p.concat.count = n;
  st->p.concat.outer = (int32_t)prod(whole->dims, 0, (int32_t)axis);
  st->p.concat.part_size = part;
  if (!split && op->attr.axis.act != TMC_FUSED_NONE)
    return unsupported(l, op, "fused activation on CONCATENATION is not supported");
  return TMC_OK;
}

static tmc_status lower_layout(lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *y = tmc_op_output(l->g, op, 0);
  switch (op->kind) {
    case TMC_OP_RESIZE_BILINEAR:
    case TMC_OP_RESIZE_NEAREST_NEIGHBOR:
      TMC_TRY(need_quant(l, op, x, "input 0"));
      if (x->rank != 4 || y->rank != 4) return fail(l, op, "expects 4-D tensors");
      if (op->attr.resize.align_corners && op->attr.resize.half_pixel_centers)
        return fail(l, op, "align_corners and half_pixel_centers together");
      st->kernel = op->kind == TMC_OP_RESIZE_BILINEAR ? TMC_K_RESIZE_BILINEAR
                                                      : TMC_K_RESIZE_NEAREST;
      st->in_dims = dims4(x);
      st->out_dims = dims4(y);
      if (st->kernel == TMC_K_RESIZE_NEAREST) {
        int32_t *sy = alloc(l, (size_t)y->dims[1], sizeof *sy);
        int32_t *sx = alloc(l, (size_t)y->dims[2], sizeof *sx);
        if (sy == NULL || sx == NULL) return TMC_ERR_NOMEM;
        tmc_resize_nearest_prepare(x->dims[1], y->dims[1], op->attr.resize.align_corners,
                                   op->attr.resize.half_pixel_centers, sy);
        tmc_resize_nearest_prepare(x->dims[2], y->dims[2], op->attr.resize.align_corners,
                                   op->attr.resize.half_pixel_centers, sx);
        st->p.nearest.src_y = sy;
        st->p.nearest.src_x = sx;
        return TMC_OK;
      }
      st->p.resize.align_corners = op->attr.resize.align_corners;
      st->p.resize.half_pixel_centers = op->attr.resize.half_pixel_centers;
      return TMC_OK;
    case TMC_OP_TRANSPOSE: {
      const tmc_tensor *perm = tmc_op_input(l->g, op, 1);
      if (perm->elems != x->rank) return fail(l, op, "perm does not match the input rank");
      st->kernel = TMC_K_TRANSPOSE;
      st->p.transpose.rank = x->rank;
      for (int32_t i = 0; i < x->rank; i++) {
        int64_t v = tmc_tensor_int(perm, i);
        if (v < 0 || v >= x->rank) return fail(l, op, "perm entry out of range");
        st->p.transpose.in_dims[i] = x->dims[i];
        st->p.transpose.perm[i] = (int32_t)v;
      }
      return TMC_OK;
    }
    case TMC_OP_STRIDED_SLICE: {
      int32_t b[TMC_MAX_RANK], e[TMC_MAX_RANK], s[TMC_MAX_RANK];
      const tmc_slice_attr *c = &op->attr.slice;
      for (int k = 1; k <= 3; k++)
        if (tmc_op_input(l->g, op, k)->elems != x->rank)
          return fail(l, op, "input %d must have one value per input dim", k);
      for (int32_t i = 0; i < x->rank; i++) {
        b[i] = (int32_t)tmc_tensor_int(tmc_op_input(l->g, op, 1), i);
        e[i] = (int32_t)tmc_tensor_int(tmc_op_input(l->g, op, 2), i);
        s[i] = (int32_t)tmc_tensor_int(tmc_op_input(l->g, op, 3), i);
      }
      st->kernel = TMC_K_STRIDED_SLICE;
      if (tmc_strided_slice_prepare(x->rank, x->dims, b, e, s, c->begin_mask, c->end_mask,
                                    c->shrink_axis_mask, c->offset, &st->p.slice) != 0)
        return fail(l, op, "slice TFLite refuses (zero stride or unsupported mask)");
      int64_t n = 1;
      for (int32_t i = 0; i < x->rank; i++) n *= st->p.slice.count[i];
      if (n != y->elems) return fail(l, op, "slice gives %lld elements, output has %lld",
                                     (long long)n, (long long)y->elems);
      return TMC_OK;
    }
    default:
      return unsupported(l, op, "no kernel");
  }
}

/* Inputs a kernel's parameters are read from at compile time (axes,
 * paddings, permutations, slice bounds): they must be constants by now. */
static tmc_status params_constant(lowerer *l, const tmc_op *op) {
  int first = 1, last = 1;
  switch (op->kind) {
    case TMC_OP_MEAN: case TMC_OP_PAD: case TMC_OP_TRANSPOSE: break;
    case TMC_OP_PADV2: last = 2; break;
    case TMC_OP_STRIDED_SLICE: last = 3; break;
    case TMC_OP_SPLIT: first = last = 0; break;
    default: return TMC_OK;
  }
  for (int k = first; k <= last && k < op->n_in; k++) {
    const tmc_tensor *t = tmc_op_input(l->g, op, k);
    if (t == NULL || !t->is_const)
      return unsupported(l, op, "input %d must be a constant (tensor %d '%s' is computed at run "
                  "time)", k, t ? t->id : -1, t ? t->name : "");
  }
  return TMC_OK;
}

static tmc_status lower_op(lowerer *l, const tmc_op *op, tmc_step *st) {
  TMC_TRY(params_constant(l, op));
  switch (op->kind) {
    case TMC_OP_CONV_2D:
    case TMC_OP_DEPTHWISE_CONV_2D:
      return lower_conv(l, op, st);
    case TMC_OP_TRANSPOSE_CONV:
      return lower_transpose_conv(l, op, st);
    case TMC_OP_FULLY_CONNECTED:
      return lower_fc(l, op, st);
    case TMC_OP_ADD: case TMC_OP_SUB: case TMC_OP_MUL: case TMC_OP_MAXIMUM:
    case TMC_OP_MINIMUM:
      return lower_binary(l, op, st);
    case TMC_OP_AVERAGE_POOL_2D: case TMC_OP_MAX_POOL_2D:
      return lower_pool(l, op, st);
    case TMC_OP_MEAN:
      return lower_mean(l, op, st);
    case TMC_OP_PAD: case TMC_OP_PADV2:
      return lower_pad(l, op, st);
    case TMC_OP_CONCATENATION: case TMC_OP_SPLIT:
      return lower_parts(l, op, st);
    case TMC_OP_RESIZE_BILINEAR: case TMC_OP_RESIZE_NEAREST_NEIGHBOR: case TMC_OP_TRANSPOSE:
    case TMC_OP_STRIDED_SLICE:
      return lower_layout(l, op, st);
    case TMC_OP_QUANTIZE: case TMC_OP_DEQUANTIZE: case TMC_OP_SOFTMAX:
    case TMC_OP_LOG_SOFTMAX: case TMC_OP_LOGISTIC: case TMC_OP_TANH: case TMC_OP_HARD_SWISH:
    case TMC_OP_RELU: case TMC_OP_RELU6: case TMC_OP_LEAKY_RELU:
      return lower_unary(l, op, st);
    default:
      return unsupported(l, op, "needs constant inputs to be evaluated at compile time");
  }
}

/* RESHAPE and SQUEEZE of an activation are views: no step, shared bytes. */
static bool is_view(const tmc_graph *g, const tmc_op *op) {
  if (op->kind != TMC_OP_RESHAPE && op->kind != TMC_OP_SQUEEZE) return false;
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  return !x->is_const;
}

tmc_status tmc_plan_lower(const tmc_graph *g, tmc_arena *a, tmc_plan *plan, tmc_diag *d) {
  lowerer l = {g, a, d};
  memset(plan, 0, sizeof *plan);
  plan->g = g;
  plan->steps = alloc(&l, (size_t)g->n_ops, sizeof *plan->steps);
  plan->alias_of = alloc(&l, (size_t)g->n_tensors, sizeof *plan->alias_of);
  if (plan->steps == NULL || plan->alias_of == NULL) return d->status;
  for (int32_t t = 0; t < g->n_tensors; t++) plan->alias_of[t] = t;
  for (int32_t i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    if (!tmc_op_runs(op)) continue;
    if (is_view(g, op)) {
      const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
      if (x->bytes != y->bytes || x->type != y->type)
        return fail(&l, op, "input and output differ in size or type");
      plan->alias_of[y->id] = plan->alias_of[x->id];
      continue;
    }
    tmc_step *st = &plan->steps[plan->n_steps];
    memset(st, 0, sizeof *st);
    st->op = i;
    st->n_in = op->n_in;
    st->n_out = op->n_out;
    st->in = op->in;
    st->out = op->out;
    if (op->kind == TMC_OP_RESHAPE || op->kind == TMC_OP_SQUEEZE) {
      st->kernel = TMC_K_COPY; /* a constant reshaped into a graph output */
      st->size = (int32_t)tmc_op_output(g, op, 0)->bytes;
    } else {
      TMC_TRY(lower_op(&l, op, st));
    }
    plan->n_steps++;
  }
  return TMC_OK;
}
