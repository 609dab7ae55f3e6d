/* Lowering of element-wise operators: ADD, SUB, MUL, MAXIMUM, MINIMUM
 * (broadcasting) and the unary ones (QUANTIZE, DEQUANTIZE, SOFTMAX,
 * LOG_SOFTMAX, LOGISTIC, TANH, HARD_SWISH, RELU, RELU6, LEAKY_RELU). */
#include <math.h>

#include "lower.h"
#include "quant.h"

/* The int16 forms (zero points 0). */
static tmc_status binary_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st,
                             const tmc_tensor *x1, const tmc_tensor *x2,
                             const tmc_tensor *y) {
  TMC_TRY(tmc_lower_zero_zp(l, op, x1, "input 0"));
  TMC_TRY(tmc_lower_zero_zp(l, op, x2, "input 1"));
  TMC_TRY(tmc_lower_zero_zp(l, op, y, "output 0"));
  const float s1 = tmc_lower_scale(x1), s2 = tmc_lower_scale(x2), so = tmc_lower_scale(y);
  const int act = (int)op->attr.binary.act;
  if ((op->kind == TMC_OP_ADD || op->kind == TMC_OP_SUB || op->kind == TMC_OP_MUL) &&
      op->attr.binary.act > TMC_FUSED_RELU6)
    return tmc_lower_unsupported(l, op, "fused activation %s is not supported",
                                 tmc_act_name(op->attr.binary.act));
  switch (op->kind) {
    case TMC_OP_ADD:
    case TMC_OP_SUB:
      if (op->attr.binary.pot_scale_int16)
        return tmc_lower_unsupported(l, op, "int16 %s with pot_scale_int16 (TFLite's "
                                     "power-of-two path) is not supported", op->name);
      st->kernel = op->kind == TMC_OP_ADD ? TMC_K_ADD_S16 : TMC_K_SUB_S16;
      if ((op->kind == TMC_OP_ADD ? tmc_add_prepare_s16 : tmc_sub_prepare_s16)(
              s1, s2, so, act, TMC_PARAMS(st, tmc_add_params)) != 0)
        return tmc_lower_fail(l, op, "quantization TFLite refuses");
      return TMC_OK;
    case TMC_OP_MUL:
      st->kernel = TMC_K_MUL_S16;
      tmc_mul_prepare_s16(s1, s2, so, act, TMC_PARAMS(st, tmc_mul_params));
      return TMC_OK;
    default: /* MAXIMUM, MINIMUM compare raw values */
      st->kernel = op->kind == TMC_OP_MAXIMUM ? TMC_K_MAXIMUM_S16 : TMC_K_MINIMUM_S16;
      return TMC_OK;
  }
}

/* ADD / SUB on the DSP targets through tables of the operands' rescaled
 * values (kernels.h tmc_add_s8_lut: about 12 instructions an element
 * instead of 32 on the M7) for layers of at least ADD_LUT_MIN elements:
 * the 2 KB table costs at most a quarter byte of flash an element and
 * saves over 150,000 instructions (smaller layers, e.g. vww's 6,400-element
 * residual adds, keep the arithmetic and the flash). Needs the output
 * rescale of tmc_rq_dsp_x2 (a right shift, multiplier >= 0). */
#define ADD_LUT_MIN 8192
static tmc_status add_lut(tmc_lowerer *l, tmc_step *st, bool add, int64_t elems) {
  const tmc_add_params a = *TMC_PARAMS(st, tmc_add_params);
  if (!tmc_target_dsp(l->target) || elems < ADD_LUT_MIN || a.left_shift != 20 ||
      a.output_shift > -1 || a.output_shift < -31 || a.output_multiplier < 0)
    return TMC_OK;
  int32_t *lut = tmc_lower_table(l, st, TMC_ADD_LUT_ENTRIES, sizeof *lut);
  if (lut == NULL) return TMC_ERR_NOMEM;
  tmc_add_s8_lut_fill(&a, add ? 0 : 1, lut);
  tmc_add_lut_params *p = TMC_PARAMS(st, tmc_add_lut_params);
#define COPY_FIELD(T, kind, n) p->n = a.n;
  TMC_ADD_PARAMS_FIELDS(COPY_FIELD, tmc_add_params)
#undef COPY_FIELD
  p->lut = lut;
  st->kernel = TMC_K_ADD_LUT;
  return TMC_OK;
}

tmc_status tmc_lower_binary(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *x1 = tmc_op_input(g, op, 0), *x2 = tmc_op_input(g, op, 1);
  const tmc_tensor *y = tmc_op_output(g, op, 0);
  TMC_TRY(tmc_lower_need_quant(l, op, x1, "input 0"));
  TMC_TRY(tmc_lower_need_quant(l, op, x2, "input 1"));
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  TMC_TRY(tmc_lower_same_types(l, op));
  /* The IR's check (tmc_ir_check_binary) made y the broadcast shape. */
  (void)tmc_broadcast_init(x1->rank, x1->dims, x2->rank, x2->dims, &st->bcast);
  if (y->type == TMC_I16) return binary_s16(l, op, st, x1, x2, y);
  int32_t lo, hi;
  if (op->kind == TMC_OP_ADD || op->kind == TMC_OP_SUB || op->kind == TMC_OP_MUL)
    TMC_TRY(tmc_lower_act_range(l, op, op->attr.binary.act, y, &lo, &hi));
  switch (op->kind) {
    case TMC_OP_ADD:
    case TMC_OP_SUB: {
      bool add = op->kind == TMC_OP_ADD;
      st->kernel = add ? TMC_K_ADD : TMC_K_SUB;
      int r = (add ? tmc_add_prepare : tmc_sub_prepare)(
          tmc_lower_scale(x1), tmc_lower_zp(x1), tmc_lower_scale(x2), tmc_lower_zp(x2),
          tmc_lower_scale(y), tmc_lower_zp(y), (int)op->attr.binary.act,
          TMC_PARAMS(st, tmc_add_params));
      if (r != 0) return tmc_lower_fail(l, op, "quantization TFLite refuses");
      TMC_TRY(add_lut(l, st, add, y->elems));
      break;
    }
    case TMC_OP_MUL:
      st->kernel = TMC_K_MUL;
      tmc_mul_prepare(tmc_lower_scale(x1), tmc_lower_zp(x1), tmc_lower_scale(x2), tmc_lower_zp(x2), tmc_lower_scale(y),
                      tmc_lower_zp(y), (int)op->attr.binary.act, TMC_PARAMS(st, tmc_mul_params));
      break;
    default: /* MAXIMUM, MINIMUM compare raw values */
      st->kernel = op->kind == TMC_OP_MAXIMUM ? TMC_K_MAXIMUM : TMC_K_MINIMUM;
      break;
  }
  return TMC_OK;
}

/* Checks a fixed output quantization TFLite imposes (softmax, logistic...),
 * within tol * scale (TFLM's TF_LITE_ENSURE_NEAR: 1e-3 for softmax's int16
 * outputs). */
static tmc_status fixed_out_quant_tol(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *y,
                                      double scale, int32_t zp, double tol) {
  if (y->q.n < 1 || fabs((double)y->q.scale[0] - scale) > tol * scale ||
      y->q.zero_point[0] != zp)
    return tmc_lower_fail(l, op, "output quantization must be scale %g, zero point %d (TFLite's "
                "fixed choice), found scale %g, zero point %d", scale, zp,
                (double)tmc_lower_scale(y), tmc_lower_zp(y));
  return TMC_OK;
}

static tmc_status fixed_out_quant(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *y,
                                  double scale, int32_t zp) {
  return fixed_out_quant_tol(l, op, y, scale, zp, 1e-6);
}

/* QUANTIZE, DEQUANTIZE and SOFTMAX with an int16 (or QUANTIZE's int32)
 * operand, and any unary operator from one type to another; the int16 ->
 * int16 activations are tmc_lower_unary's, beside their int8 forms. */
static tmc_status unary_wide(tmc_lowerer *l, const tmc_op *op, tmc_step *st,
                             const tmc_tensor *x, const tmc_tensor *y) {
  const bool ints = x->type != TMC_F32 && y->type != TMC_F32;
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  if (op->kind == TMC_OP_QUANTIZE && x->type == TMC_F32 && y->type == TMC_I16) {
    st->kernel = TMC_K_QUANTIZE_F32_S16;
    TMC_PARAMS(st, tmc_quantize_params)->scale = tmc_lower_scale(y);
    TMC_PARAMS(st, tmc_quantize_params)->zero_point = tmc_lower_zp(y);
    return TMC_OK;
  }
  if (op->kind == TMC_OP_QUANTIZE && ints && !(x->type == TMC_I32 && y->type == TMC_I32)) {
    /* TFLM's Requantize pairs: int8, int16 or int32 in and out, but not
     * int32 -> int32 (and int8 -> int8 is the int8 kernel) */
    if (x->type == TMC_I32 && (x->q.n < 1 || !(x->q.scale[0] > 0.0f)))
      return tmc_lower_fail(l, op, "input 0 (tensor %d '%s') is int32 without quantization",
                            x->id, x->name);
    if (y->type == TMC_I32 && (y->q.n < 1 || !(y->q.scale[0] > 0.0f)))
      return tmc_lower_fail(l, op, "output 0 (tensor %d '%s') is int32 without "
                            "quantization", y->id, y->name);
    st->kernel = TMC_K_REQUANTIZE_WIDE;
    tmc_requantize_wide_params *p = TMC_PARAMS(st, tmc_requantize_wide_params);
    tmc_requantize_params r;
    tmc_requantize_prepare(tmc_lower_scale(x), tmc_lower_zp(x), tmc_lower_scale(y),
                           tmc_lower_zp(y), &r);
    p->input_zero_point = r.input_zero_point;
    p->output_zero_point = r.output_zero_point;
    p->multiplier = r.multiplier;
    p->shift = r.shift;
    p->in_bytes = (int32_t)tmc_dtype_size(x->type);
    p->out_bytes = (int32_t)tmc_dtype_size(y->type);
    return TMC_OK;
  }
  if (op->kind == TMC_OP_DEQUANTIZE && x->type == TMC_I16 && y->type == TMC_F32) {
    st->kernel = TMC_K_DEQUANTIZE_S16;
    TMC_PARAMS(st, tmc_dequantize_params)->scale = (double)tmc_lower_scale(x);
    TMC_PARAMS(st, tmc_dequantize_params)->zero_point = tmc_lower_zp(x);
    return TMC_OK;
  }
  if (op->kind == TMC_OP_SOFTMAX && (x->type == TMC_I8 || x->type == TMC_I16) &&
      y->type == TMC_I16) {
    if (x->rank < 1)
      return tmc_lower_fail(l, op, "input 0 (tensor %d '%s') is a scalar; TFLite needs at "
                            "least one dimension", x->id, x->name);
    st->depth = x->dims[x->rank - 1];
    st->outer = st->depth ? (int32_t)(x->elems / st->depth) : 0;
    if (x->type == TMC_I8) { /* TFLite's fixed output quantization for int8 -> int16 */
      st->kernel = TMC_K_SOFTMAX_S8_S16;
      TMC_TRY(fixed_out_quant_tol(l, op, y, 1.0 / 65536, -32768, 1e-3));
      if (tmc_softmax_prepare(op->attr.softmax.beta, tmc_lower_scale(x),
                              TMC_PARAMS(st, tmc_softmax_params)) != 0)
        return tmc_lower_fail(l, op, "beta and input scale TFLite refuses");
      return TMC_OK;
    }
    st->kernel = TMC_K_SOFTMAX_S16;
    TMC_TRY(tmc_lower_zero_zp(l, op, x, "input 0"));
    if (st->depth > INT32_MAX / 32767) /* the int32 sum of the row's exps */
      return tmc_lower_fail(l, op, "rows of %d values: the int32 sum of their int16 exps "
                            "could overflow in TFLite's kernel (at most %d)", st->depth,
                            INT32_MAX / 32767);
    TMC_TRY(fixed_out_quant_tol(l, op, y, 1.0 / 32768, 0, 1e-3));
    tmc_softmax_s16_params *p = TMC_PARAMS(st, tmc_softmax_s16_params);
    if (tmc_softmax_s16_prepare(op->attr.softmax.beta, tmc_lower_scale(x), p) != 0)
      return tmc_lower_fail(l, op, "beta and input scale give a rescale beyond the int32 "
                            "arithmetic of TFLite's kernel");
    int16_t *e = tmc_lower_table(l, st, 513, sizeof *e);
    int16_t *r = tmc_lower_table(l, st, 513, sizeof *r);
    if (e == NULL || r == NULL) return TMC_ERR_NOMEM;
    tmc_softmax_s16_luts(e, r);
    p->exp_lut = e;
    p->recip_lut = r;
    return TMC_OK;
  }
  return tmc_lower_unsupported(l, op, "%s from %s (tensor %d '%s') to %s (tensor %d '%s') is "
                               "not supported", op->name, tmc_dtype_name(x->type), x->id,
                               x->name, tmc_dtype_name(y->type), y->id, y->name);
}

tmc_status tmc_lower_unary(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *y = tmc_op_output(l->g, op, 0);
  st->size = (int32_t)x->elems;
  if (x->type == TMC_F32 && (op->kind == TMC_OP_SOFTMAX || op->kind == TMC_OP_LOG_SOFTMAX)) {
    if (y->type != TMC_F32) return tmc_lower_fail(l, op, "float input needs a float output");
    st->kernel = op->kind == TMC_OP_SOFTMAX ? TMC_K_SOFTMAX_F32 : TMC_K_LOG_SOFTMAX_F32;
    st->depth = x->rank ? x->dims[x->rank - 1] : 1;
    st->outer = st->depth ? (int32_t)(x->elems / st->depth) : 0;
    TMC_PARAMS(st, tmc_softmax_f32_params)->beta =
        op->kind == TMC_OP_SOFTMAX ? op->attr.softmax.beta : 1.0f;
    return TMC_OK;
  }
  /* int16 -> int16 RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH (wide) below */
  const bool wide = x->type == TMC_I16 && y->type == TMC_I16;
  if ((x->type == TMC_I16 || y->type == TMC_I16 || x->type == TMC_I32 || y->type == TMC_I32) &&
      (!wide || op->kind == TMC_OP_QUANTIZE || op->kind == TMC_OP_SOFTMAX))
    return unary_wide(l, op, st, x, y);
  if (op->kind == TMC_OP_QUANTIZE && x->type == TMC_F32) {
    TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
    st->kernel = TMC_K_QUANTIZE_F32;
    TMC_PARAMS(st, tmc_quantize_params)->scale = tmc_lower_scale(y);
    TMC_PARAMS(st, tmc_quantize_params)->zero_point = tmc_lower_zp(y);
    return TMC_OK;
  }
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  if (op->kind == TMC_OP_DEQUANTIZE) {
    if (y->type != TMC_F32)
      return tmc_lower_unsupported(l, op, "output (tensor %d '%s') is %s, tmc dequantizes to "
                                   "FLOAT32", y->id, y->name, tmc_dtype_name(y->type));
    st->kernel = TMC_K_DEQUANTIZE;
    TMC_PARAMS(st, tmc_dequantize_params)->scale = (double)tmc_lower_scale(x);
    TMC_PARAMS(st, tmc_dequantize_params)->zero_point = tmc_lower_zp(x);
    return TMC_OK;
  }
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  if (wide && op->kind != TMC_OP_RELU && op->kind != TMC_OP_RELU6 &&
      op->kind != TMC_OP_LEAKY_RELU && op->kind != TMC_OP_LOGISTIC && op->kind != TMC_OP_TANH)
    return unary_wide(l, op, st, x, y); /* no int16 form: refused there, by name */
  float sx = tmc_lower_scale(x), sy = tmc_lower_scale(y);
  int32_t zx = tmc_lower_zp(x), zy = tmc_lower_zp(y);
  switch (op->kind) {
    case TMC_OP_QUANTIZE:
      st->kernel = TMC_K_REQUANTIZE;
      tmc_requantize_prepare(sx, zx, sy, zy, TMC_PARAMS(st, tmc_requantize_params));
      return TMC_OK;
    case TMC_OP_SOFTMAX:
    case TMC_OP_LOG_SOFTMAX:
      if (x->rank < 1)
        return tmc_lower_fail(l, op, "input 0 (tensor %d '%s') is a scalar; TFLite needs at "
                              "least one dimension", x->id, x->name);
      break;
    default:
      break;
  }
  switch (op->kind) {
    case TMC_OP_SOFTMAX:
      st->kernel = TMC_K_SOFTMAX;
      TMC_TRY(fixed_out_quant(l, op, y, 1.0 / 256, -128));
      st->depth = x->dims[x->rank - 1];
      st->outer = st->depth ? (int32_t)(x->elems / st->depth) : 0;
      if (tmc_softmax_prepare(op->attr.softmax.beta, sx,
                              TMC_PARAMS(st, tmc_softmax_params)) != 0)
        return tmc_lower_fail(l, op, "beta and input scale TFLite refuses");
      return TMC_OK;
    case TMC_OP_LOG_SOFTMAX:
      st->kernel = TMC_K_LOG_SOFTMAX;
      TMC_TRY(fixed_out_quant(l, op, y, 16.0 / 256, 127));
      st->depth = x->dims[x->rank - 1];
      st->outer = st->depth ? (int32_t)(x->elems / st->depth) : 0;
      if (tmc_log_softmax_prepare(sx, TMC_PARAMS(st, tmc_log_softmax_params)) != 0)
        return tmc_lower_fail(l, op, "input scale TFLite refuses");
      return TMC_OK;
    case TMC_OP_LOGISTIC:
    case TMC_OP_TANH:
      if (wide) { /* output scale 1/32768, zero point 0 for both */
        st->kernel = op->kind == TMC_OP_LOGISTIC ? TMC_K_LOGISTIC_S16 : TMC_K_TANH_S16;
        TMC_TRY(tmc_lower_zero_zp(l, op, x, "input 0"));
        TMC_TRY(fixed_out_quant(l, op, y, 1.0 / 32768, 0));
        tmc_sigmoid_s16_params *p = TMC_PARAMS(st, tmc_sigmoid_s16_params);
        int16_t *t = tmc_lower_table(l, st, 256, sizeof *t);
        if (t == NULL) return TMC_ERR_NOMEM;
        tmc_sigmoid16_table(t);
        if (tmc_sigmoid_s16_prepare(sx, p) != 0)
          return tmc_lower_fail(l, op, "input scale %g: TFLite's int16 rescaling of it to "
                                "1/(3*4096) leaves the kernel's int32 arithmetic", (double)sx);
        p->table = t;
        return TMC_OK;
      }
      st->kernel = op->kind == TMC_OP_LOGISTIC ? TMC_K_LOGISTIC : TMC_K_TANH;
      TMC_TRY(op->kind == TMC_OP_LOGISTIC ? fixed_out_quant(l, op, y, 1.0 / 256, -128)
                                          : fixed_out_quant(l, op, y, 1.0 / 128, 0));
      tmc_sigmoid_prepare(sx, zx, TMC_PARAMS(st, tmc_sigmoid_params));
      return TMC_OK;
    case TMC_OP_HARD_SWISH:
      st->kernel = TMC_K_HARD_SWISH;
      if (tmc_hard_swish_prepare(sx, zx, sy, zy, TMC_PARAMS(st, tmc_hard_swish_params)) != 0)
        return tmc_lower_fail(l, op, "quantization TFLite refuses");
      return TMC_OK;
    case TMC_OP_RELU:
      st->kernel = wide ? TMC_K_RELU_S16 : TMC_K_RELU;
      (wide ? tmc_relu_prepare_s16 : tmc_relu_prepare)(sx, zx, sy, zy,
                                                        TMC_PARAMS(st, tmc_relu_params));
      return TMC_OK;
    case TMC_OP_RELU6:
      st->kernel = wide ? TMC_K_CLAMP_S16 : TMC_K_CLAMP;
      (wide ? tmc_relu6_prepare_s16 : tmc_relu6_prepare)(sx, zx,
                                                         TMC_PARAMS(st, tmc_clamp_params));
      return TMC_OK;
    case TMC_OP_LEAKY_RELU:
      st->kernel = wide ? TMC_K_LEAKY_RELU_S16 : TMC_K_LEAKY_RELU;
      tmc_leaky_relu_prepare(sx, zx, sy, zy, op->attr.leaky.alpha,
                             TMC_PARAMS(st, tmc_leaky_relu_params));
      return TMC_OK;
    default:
      return tmc_lower_unsupported(l, op, "no kernel");
  }
}
