/* Lowering of the sequence operators, SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM
 * (kernels/seq.h), as TFLM's Prepare computes their parameters
 * (svdf_common.cc PrepareSvdf; unidirectional_sequence_lstm.cc
 * PrepareGateParametersInteger, CreateLstmCellStateInfo). Their state
 * inputs (variable tensors) become extra outputs of the step, after the
 * op's own output: the kernel rewrites them, and the planner keeps them in
 * the arena's persistent region. The kernels' int32 sums wrap as TFLM's.
 * An LSTM with int16 input is TFLM's 16x8->16 form (EvalLstm<int16_t,
 * int8_t, int16_t, int64_t>): the same parameters, int64 biases, the gate
 * sums checked here to stay within TFLite's 64-bit requantization. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/le.h"
#include "lower.h"
#include "quant.h"

/* The step's outputs: the op's output 0, then the n state tensors. */
static tmc_status state_outputs(tmc_lowerer *l, const tmc_op *op, tmc_step *st,
                                const int *state_in, int n) {
  int32_t *out = tmc_lower_alloc(l, (size_t)n + 1, sizeof *out);
  if (out == NULL) return TMC_ERR_NOMEM;
  out[0] = op->out[0];
  for (int i = 0; i < n; i++) out[1 + i] = op->in[state_in[i]];
  st->out = out;
  st->n_out = n + 1;
  return TMC_OK;
}

/* Per-tensor int8/int16 quantization with a scale > 0 (and zero point 0
 * when symmetric is set). */
static tmc_status need_q(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *t, int k,
                         tmc_dtype type, bool symmetric) {
  char role[24];
  snprintf(role, sizeof role, k < 0 ? "output %d" : "input %d", k < 0 ? 0 : k);
  if (t->type != type)
    return tmc_lower_unsupported(l, op, "%s (tensor %d '%s') is %s, TFLM's integer kernel "
                                 "takes %s here", role, t->id, t->name,
                                 tmc_dtype_name(t->type), tmc_dtype_name(type));
  if (t->q.n != 1)
    return tmc_lower_fail(l, op, "%s (tensor %d '%s'): %d quantization scales, expected one "
                          "(per tensor)", role, t->id, t->name, t->q.n);
  TMC_TRY(tmc_lower_need_quant(l, op, t, role));
  if (symmetric && t->q.zero_point[0] != 0)
    return tmc_lower_unsupported(l, op, "%s (tensor %d '%s'): zero point %d; TFLM's integer "
                                 "kernel assumes 0", role, t->id, t->name, t->q.zero_point[0]);
  return TMC_OK;
}

/* Element i of a constant int8, int16 or int32 tensor (i in range). */
static int64_t elem(const tmc_tensor *t, int64_t i) {
  if (t->type == TMC_I8) return (int8_t)t->data[i];
  if (t->type == TMC_I16) return tmc_le_i16(t->data + 2 * i);
  return tmc_tensor_int(t, i);
}

static tmc_status multiplier(tmc_lowerer *l, const tmc_op *op, const char *what, double m,
                             int32_t *q, int32_t *shift) {
  int s;
  if (!(m >= 0.0) || m > 1e9)
    return tmc_lower_fail(l, op, "the quantization scales give a %s multiplier of %g", what, m);
  tmc_quantize_multiplier(m, q, &s);
  *shift = s;
  return TMC_OK;
}

/* ---- SVDF ------------------------------------------------------------------ */

tmc_status tmc_lower_svdf(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *wf = tmc_op_input(g, op, 1);
  const tmc_tensor *wt = tmc_op_input(g, op, 2), *b = tmc_op_input(g, op, 3);
  const tmc_tensor *s = tmc_op_input(g, op, 4), *y = tmc_op_output(g, op, 0);
  TMC_TRY(need_q(l, op, x, 0, TMC_I8, false));
  TMC_TRY(need_q(l, op, y, -1, TMC_I8, false));
  TMC_TRY(need_q(l, op, wf, 1, TMC_I8, true));
  if (wt->type != TMC_I16 && wt->type != TMC_I8)
    return tmc_lower_unsupported(l, op, "input 2 (tensor %d '%s', weights_time) is %s; TFLM's "
                                 "integer SVDF takes INT16 or INT8", wt->id, wt->name,
                                 tmc_dtype_name(wt->type));
  TMC_TRY(need_q(l, op, wt, 2, wt->type, true));
  TMC_TRY(need_q(l, op, s, 4, wt->type, true)); /* the state has weights_time's type */
  if (b) {
    if (b->type != TMC_I32)
      return tmc_lower_unsupported(l, op, "input 3 (tensor %d '%s', bias) is %s, expected "
                                   "INT32", b->id, b->name, tmc_dtype_name(b->type));
    const double bs = b->q.n ? (double)b->q.scale[0] : 0.0;
    const double want = (double)(s->q.scale[0] * wt->q.scale[0]);
    if (!(fabs(bs - want) < 1e-5))
      return tmc_lower_fail(l, op, "input 3 (tensor %d '%s', bias): scale %g, expected the "
                            "state's times weights_time's, %g (TFLM checks within 1e-5)",
                            b->id, b->name, bs, want);
  }
  const bool wide = wt->type == TMC_I16;
  const int32_t batch = x->dims[0], in = x->dims[1], filters = wf->dims[0];
  const int32_t rank = op->attr.svdf.rank, memory = wt->dims[1], units = filters / rank;

  st->kernel = TMC_K_SVDF;
  tmc_svdf_params *p = TMC_PARAMS(st, tmc_svdf_params);
  p->batch = batch;
  p->input_size = in;
  p->filters = filters;
  p->rank = rank;
  p->memory = memory;
  p->state_bits = wide ? 16 : 8;
  p->input_offset = -tmc_lower_zp(x);
  p->output_offset = tmc_lower_zp(y);
  p->state_zp = 0;
  /* TFLM: the scale products in float, then double */
  float e1 = x->q.scale[0] * wf->q.scale[0];
  e1 = e1 / s->q.scale[0];
  float e2 = s->q.scale[0] * wt->q.scale[0];
  e2 = e2 / y->q.scale[0];
  TMC_TRY(multiplier(l, op, "feature", (double)e1, &p->feature_mult, &p->feature_shift));
  TMC_TRY(multiplier(l, op, "output", (double)e2, &p->output_mult, &p->output_shift));

  const int32_t *bias = b ? tmc_lower_const_i32(l, b) : NULL;
  if (b && bias == NULL) return TMC_ERR_NOMEM;
  /* Tables: the weights as the kernel reads them (aligned, native order). */
  int8_t *wfv = tmc_lower_table(l, st, (size_t)wf->elems, 1);
  if (wfv == NULL) return TMC_ERR_NOMEM;
  memcpy(wfv, wf->data, (size_t)wf->elems);
  p->weights_feature = wfv;
  if (wide) {
    int16_t *v = tmc_lower_table(l, st, (size_t)wt->elems, sizeof *v);
    if (v == NULL) return TMC_ERR_NOMEM;
    for (int64_t i = 0; i < wt->elems; i++) v[i] = (int16_t)elem(wt, i);
    p->weights_time16 = v;
  } else {
    int8_t *v = tmc_lower_table(l, st, (size_t)wt->elems, 1);
    if (v == NULL) return TMC_ERR_NOMEM;
    memcpy(v, wt->data, (size_t)wt->elems);
    p->weights_time8 = v;
  }
  if (bias) {
    if (!tmc_step_add_array(st, bias, units))
      return tmc_lower_fail(l, op, "out of step tables for the bias");
    p->bias = bias;
  }
  static const int state_in[] = {4};
  return state_outputs(l, op, st, state_in, 1);
}

/* ---- UNIDIRECTIONAL_SEQUENCE_LSTM ------------------------------------------ */

/* TFLM's fixed scales of the gates (unidirectional_sequence_lstm.cc): the
 * int16 input of the nonlinearities (Q3.12) and their output (Q0.15),
 * exact powers of two (the goldens agree with 2^-15 exactly, not with the
 * float nearest the decimal 0.00003051757 of TFLM's newer sources). */
#define LSTM_GATE_IN_SCALE (1.0f / 4096.0f)
#define LSTM_GATE_OUT_SCALE (1.0f / 32768.0f)

static const char *const gate_names[4] = {"input", "forget", "cell", "output"};

/* The 16x8 gate products' range (TFLite's 64-bit MultiplyByQuantizedMultiplier:
 * |sum| < 2^47, shift at most 7), from the constant weights wi (input to
 * gate, with the bias) and wr (recurrent to gate), int16 operands up to
 * 2^15 in magnitude. */
static tmc_status range_16x8(tmc_lowerer *l, const tmc_op *op, int gi, const tmc_tensor *wi,
                             const tmc_tensor *wr, const int64_t *bias, int32_t in_shift,
                             int32_t rec_shift) {
  const int64_t limit = (int64_t)1 << 47;
  if (in_shift > 7 || rec_shift > 7)
    return tmc_lower_fail(l, op, "the %s gate's quantization scales give a rescale by 2^%d, "
                          "beyond TFLite's 16x8 requantization (shift at most 7)",
                          gate_names[gi], in_shift > 7 ? (int)in_shift : (int)rec_shift);
  const int32_t units = wi->dims[0];
  for (int w = 0; w < 2; w++) {
    const tmc_tensor *t = w ? wr : wi;
    const int32_t depth = t->dims[1];
    for (int32_t u = 0; u < units; u++) {
      int64_t ws = 0;
      for (int32_t k = 0; k < depth; k++) {
        const int32_t q = (int8_t)t->data[(size_t)u * (size_t)depth + (size_t)k];
        ws += q < 0 ? -q : q;
      }
      const int64_t bm = w ? 0 : (bias[u] < 0 ? -bias[u] : bias[u]);
      if (bm >= limit || ws * 32768 >= limit - bm)
        return tmc_lower_fail(l, op, "the %s gate, unit %d (weights tensor %d '%s'): |bias| "
                              "%lld + sum |weight| %lld x 32768 reaches 2^47, beyond TFLite's "
                              "16x8 requantization", gate_names[gi], u, t->id, t->name,
                              (long long)bm, (long long)ws);
    }
  }
  return TMC_OK;
}

tmc_status tmc_lower_lstm(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_graph *g = l->g;
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  const tmc_tensor *h = tmc_op_input(g, op, 18), *c = tmc_op_input(g, op, 19);
  /* int16 input: TFLM's 16x8->16 form (int16 activations and hidden state,
   * symmetric, int64 biases); otherwise its 8x8->16 form. */
  const bool s16 = x->type == TMC_I16;
  const tmc_dtype act = s16 ? TMC_I16 : TMC_I8;
  TMC_TRY(need_q(l, op, x, 0, act, s16));
  TMC_TRY(need_q(l, op, y, -1, act, false));
  TMC_TRY(need_q(l, op, h, 18, act, s16));
  TMC_TRY(need_q(l, op, c, 19, TMC_I16, true));
  const tmc_lstm_attr *a = &op->attr.lstm;
  if (a->act != 4 && a->act != 6)
    return tmc_lower_unsupported(l, op, "cell gate activation %d (fused_activation_function); "
                                 "TFLM's integer LSTM takes TANH (4) or SIGMOID (6)", a->act);
  const bool tm = a->time_major;
  const int32_t batch = tm ? x->dims[1] : x->dims[0], steps = tm ? x->dims[0] : x->dims[1];
  const int32_t in = x->dims[2], units = h->dims[1];

  st->kernel = s16 ? TMC_K_LSTM_S16 : TMC_K_LSTM;
  tmc_lstm_params *p = TMC_PARAMS(st, tmc_lstm_params);
  p->batch = batch;
  p->steps = steps;
  p->input_size = in;
  p->units = units;
  p->time_major = tm;
  p->cell_act = a->act == 6;
  p->input_offset = -tmc_lower_zp(x);
  p->hidden_offset = -tmc_lower_zp(h);
  p->hidden_zp = tmc_lower_zp(h);

  int8_t *w_in = tmc_lower_table(l, st, (size_t)4 * (size_t)units * (size_t)in, 1);
  int8_t *w_rec = tmc_lower_table(l, st, (size_t)4 * (size_t)units * (size_t)units, 1);
  const size_t nb = (size_t)4 * (size_t)units;
  int32_t *bias = s16 ? NULL : tmc_lower_table(l, st, nb, sizeof *bias);
  int64_t *bias64 = s16 ? tmc_lower_table(l, st, nb, sizeof *bias64) : NULL;
  int16_t *table = tmc_lower_table(l, st, 256, sizeof *table);
  if (!w_in || !w_rec || !(bias || bias64) || !table) return TMC_ERR_NOMEM;
  int32_t *rq[4][4] = {{&p->i2i_mult, &p->i2i_shift, &p->r2i_mult, &p->r2i_shift},
                       {&p->i2f_mult, &p->i2f_shift, &p->r2f_mult, &p->r2f_shift},
                       {&p->i2c_mult, &p->i2c_shift, &p->r2c_mult, &p->r2c_shift},
                       {&p->i2o_mult, &p->i2o_shift, &p->r2o_mult, &p->r2o_shift}};
  for (int gi = 0; gi < 4; gi++) {
    const tmc_tensor *wi = tmc_op_input(g, op, 1 + gi), *wr = tmc_op_input(g, op, 5 + gi);
    const tmc_tensor *b = tmc_op_input(g, op, 12 + gi);
    TMC_TRY(need_q(l, op, wi, 1 + gi, TMC_I8, true));
    TMC_TRY(need_q(l, op, wr, 5 + gi, TMC_I8, true));
    if (b->type != (s16 ? TMC_I64 : TMC_I32))
      return tmc_lower_unsupported(l, op, "input %d (tensor %d '%s', the %s gate bias) is %s, "
                                   "TFLM's %s LSTM takes %s", 12 + gi, b->id, b->name,
                                   gate_names[gi], tmc_dtype_name(b->type),
                                   s16 ? "16x8->16" : "8x8->16", s16 ? "INT64" : "INT32");
    /* CreateGateParams: the fully connected layers' multipliers, output at 2^-12 */
    const double gin = (double)LSTM_GATE_IN_SCALE;
    TMC_TRY(multiplier(l, op, "gate", (double)x->q.scale[0] * (double)wi->q.scale[0] / gin,
                       rq[gi][0], rq[gi][1]));
    TMC_TRY(multiplier(l, op, "gate", (double)h->q.scale[0] * (double)wr->q.scale[0] / gin,
                       rq[gi][2], rq[gi][3]));
    memcpy(w_in + (size_t)gi * (size_t)units * (size_t)in, wi->data, (size_t)wi->elems);
    memcpy(w_rec + (size_t)gi * (size_t)units * (size_t)units, wr->data, (size_t)wr->elems);
    for (int32_t u = 0; u < units; u++) {
      const size_t k = (size_t)gi * (size_t)units + (size_t)u;
      if (s16)
        bias64[k] = tmc_tensor_int(b, u);
      else
        bias[k] = (int32_t)tmc_tensor_int(b, u);
    }
    if (s16) TMC_TRY(range_16x8(l, op, gi, wi, wr, bias64 + (size_t)gi * (size_t)units,
                                *rq[gi][1], *rq[gi][3]));
  }
  p->w_in = w_in;
  p->w_rec = w_rec;
  p->bias = bias;
  p->bias64 = bias64;
  tmc_sigmoid16_table(table);
  p->table = table;

  /* Inter-gate multiplications (CreateInterGateMulParams, double). */
  const double gout = (double)LSTM_GATE_OUT_SCALE, cs = (double)c->q.scale[0];
  TMC_TRY(multiplier(l, op, "forget x cell", gout * cs / cs, &p->forget_mult,
                     &p->forget_shift));
  TMC_TRY(multiplier(l, op, "input x cell gate", gout * gout / cs, &p->input_mult,
                     &p->input_shift));
  TMC_TRY(multiplier(l, op, "hidden", gout * gout / (double)h->q.scale[0], &p->hidden_mult,
                     &p->hidden_shift));

  /* CreateLstmCellStateInfo: the cell scale's power of two (CheckedLog2,
   * float), the quantized clip. */
  const float lg = logf(c->q.scale[0]) * (1.0f / logf(2.0f));
  const float power_f = roundf(lg);
  if (!(power_f >= -40.0f && power_f <= 0.0f))
    return tmc_lower_unsupported(l, op, "cell state (tensor %d '%s'): scale %g, 2^%g; TFLM's "
                                 "integer tanh takes a power of two up to 2^0", c->id, c->name,
                                 (double)c->q.scale[0], (double)power_f);
  const int32_t shift = (15 + (int32_t)power_f) - 3;
  if (shift < -31)
    return tmc_lower_unsupported(l, op, "cell state (tensor %d '%s'): scale 2^%d is too small "
                                 "for TFLM's integer tanh", c->id, c->name, (int)power_f);
  p->tanh_mult = shift < 0 ? 3 : 0;
  p->tanh_right_bits = shift < 0 ? -shift : shift;
  p->cell_clip = -1;
  if (a->cell_clip > 0.0f) {
    double q = (double)a->cell_clip / cs;
    q = q < -32768.0 ? -32768.0 : q > 32767.0 ? 32767.0 : q;
    p->cell_clip = (int16_t)q;
    if (p->cell_clip < 0) p->cell_clip = 0;
  }
  static const int state_in[] = {18, 19};
  return state_outputs(l, op, st, state_in, 2);
}
