/* The sequence operators' rows of the operator table: SVDF and
 * UNIDIRECTIONAL_SEQUENCE_LSTM, whose state lives in variable tensors that
 * persist from one invoke to the next. Options -> attributes, the shape
 * checks of TFLM's Prepare (svdf_common.cc, unidirectional_sequence_lstm.cc),
 * MAC counts. The integer arithmetic is in plan/lower_seq.c. */
#include <stdarg.h>
#include <stdio.h>

#include "op_impl.h"

static tmc_status seq_fail(tmc_diag *d, const tmc_op *op, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static tmc_status seq_fail(tmc_diag *d, const tmc_op *op, const char *fmt, ...) {
  char what[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: %s", op->id, op->name, what);
}

/* Input k (or output 0 when k < 0) has rank dims d0, d1 (and d2; -1: any). */
static tmc_status need_shape(tmc_diag *d, const tmc_op *op, const tmc_tensor *t, int k,
                             int32_t rank, int64_t d0, int64_t d1, int64_t d2) {
  const int64_t want[3] = {d0, d1, d2};
  bool ok = t->rank == rank;
  for (int32_t i = 0; ok && i < rank && i < 3; i++) ok = want[i] < 0 || t->dims[i] == want[i];
  if (ok) return TMC_OK;
  char shape[96] = "", exp[96] = "";
  size_t n = 0, m = 0;
  for (int32_t i = 0; i < t->rank && n < sizeof shape - 16; i++)
    n += (size_t)snprintf(shape + n, sizeof shape - n, i ? ",%d" : "%d", t->dims[i]);
  for (int32_t i = 0; i < rank && i < 3; i++) {
    if (want[i] < 0)
      m += (size_t)snprintf(exp + m, sizeof exp - m, i ? ",*" : "*");
    else
      m += (size_t)snprintf(exp + m, sizeof exp - m, i ? ",%lld" : "%lld", (long long)want[i]);
  }
  return seq_fail(d, op, "%s %d (tensor %d '%s'): shape [%s], expected [%s]",
                  k < 0 ? "output" : "input", k < 0 ? 0 : k, t->id, t->name, shape, exp);
}

/* A state input: a variable tensor of n elements. */
static tmc_status need_state(tmc_diag *d, const tmc_op *op, const tmc_tensor *t, int k,
                             int64_t n) {
  if (!t->is_variable || t->is_const || t->is_input || t->producer >= 0)
    return seq_fail(d, op, "input %d (tensor %d '%s') holds the state: it must be a variable "
                    "tensor (is_variable), neither constant, a graph input nor computed",
                    k, t->id, t->name);
  if (t->elems != n)
    return seq_fail(d, op, "input %d (tensor %d '%s'): %lld elements, expected %lld", k, t->id,
                    t->name, (long long)t->elems, (long long)n);
  return TMC_OK;
}

/* ---- SVDF ------------------------------------------------------------------ */

tmc_status tmc_ir_attrs_svdf(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  const int32_t rank = o->u.svdf.rank, act = o->u.svdf.fused_activation_function;
  if (rank < 1)
    return seq_fail(d, op, "rank is %d, expected >= 1", rank);
  if (act < 0 || act > 6)
    return seq_fail(d, op, "fused_activation_function is %d, expected 0..6", act);
  op->attr.svdf.rank = rank;
  op->attr.svdf.act = act;
  return TMC_OK;
}

/* Inputs [input, weights_feature, weights_time, bias, activation_state]:
 * input [batch, input_size], weights_feature [filters, input_size],
 * weights_time [filters, memory], bias [filters / rank], state
 * [batch, memory * filters] (variable), output [batch, filters / rank]. */
tmc_status tmc_ir_check_svdf(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *wf = tmc_op_input(g, op, 1);
  const tmc_tensor *wt = tmc_op_input(g, op, 2), *b = tmc_op_input(g, op, 3);
  const tmc_tensor *s = tmc_op_input(g, op, 4), *y = tmc_op_output(g, op, 0);
  TMC_TRY(need_shape(d, op, x, 0, 2, -1, -1, -1));
  const int64_t batch = x->dims[0], in = x->dims[1];
  TMC_TRY(need_shape(d, op, wf, 1, 2, -1, in, -1));
  const int64_t filters = wf->dims[0];
  if (filters % op->attr.svdf.rank != 0)
    return seq_fail(d, op, "input 1 (tensor %d '%s'): %lld filters are not a multiple of "
                    "rank %d", wf->id, wf->name, (long long)filters, op->attr.svdf.rank);
  const int64_t units = filters / op->attr.svdf.rank;
  TMC_TRY(need_shape(d, op, wt, 2, 2, filters, -1, -1));
  const int64_t memory = wt->dims[1];
  if (memory < 1)
    return seq_fail(d, op, "input 2 (tensor %d '%s'): memory size %lld, expected >= 1",
                    wt->id, wt->name, (long long)memory);
  if (b) TMC_TRY(need_shape(d, op, b, 3, 1, units, -1, -1));
  TMC_TRY(need_shape(d, op, s, 4, 2, batch, memory * filters, -1));
  TMC_TRY(need_state(d, op, s, 4, batch * memory * filters));
  TMC_TRY(need_shape(d, op, y, -1, 2, batch, units, -1));
  if (!op->unsupported && (!wf->is_const || !wt->is_const || (b && !b->is_const)))
    op->unsupported = "SVDF weights or bias not constant";
  return TMC_OK;
}

int64_t tmc_ir_macs_svdf(const tmc_graph *g, const tmc_op *op) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *wt = tmc_op_input(g, op, 2);
  const tmc_tensor *wf = tmc_op_input(g, op, 1);
  if (x->rank != 2 || wf->rank != 2 || wt->rank != 2) return 0;
  return (int64_t)x->dims[0] * wf->dims[0] * ((int64_t)wf->dims[1] + wt->dims[1]);
}

/* ---- UNIDIRECTIONAL_SEQUENCE_LSTM ------------------------------------------ */

tmc_status tmc_ir_attrs_lstm(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d) {
  const int32_t act = o->u.unidirectional_sequence_lstm.fused_activation_function;
  const float clip = o->u.unidirectional_sequence_lstm.cell_clip;
  const float proj = o->u.unidirectional_sequence_lstm.proj_clip;
  if (act < 0 || act > 6)
    return seq_fail(d, op, "fused_activation_function is %d, expected 0..6", act);
  if (!(clip >= 0.0f) || !(proj >= 0.0f) || clip > 3.0e38f || proj > 3.0e38f)
    return seq_fail(d, op, "cell_clip %g / proj_clip %g: expected finite values >= 0",
                    (double)clip, (double)proj);
  op->attr.lstm.act = act;
  op->attr.lstm.cell_clip = clip;
  op->attr.lstm.proj_clip = proj;
  op->attr.lstm.time_major = o->u.unidirectional_sequence_lstm.time_major;
  if (o->u.unidirectional_sequence_lstm.diagonal_recurrent_tensors)
    op->unsupported = "UNIDIRECTIONAL_SEQUENCE_LSTM with diagonal_recurrent_tensors: TFLM has "
                      "no integer kernel for it";
  return TMC_OK;
}

/* Inputs as TFLite numbers them (lstm_shared.h): 0 input, 1-4 input-to-gate
 * weights (input, forget, cell, output), 5-8 recurrent-to-gate weights,
 * 9-11 peephole weights, 12-15 gate biases, 16-17 projection weights and
 * bias, 18 output (hidden) state, 19 cell state, 20-23 layer-norm
 * coefficients. TFLM's kernel takes the standard LSTM only: no peephole,
 * projection, layer norm or CIFG. */
tmc_status tmc_ir_check_lstm(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  const tmc_tensor *h = tmc_op_input(g, op, 18), *c = tmc_op_input(g, op, 19);
  if (h == NULL || c == NULL)
    return seq_fail(d, op, "input %d (the %s state) is absent", h ? 19 : 18,
                    h ? "cell" : "output");
  TMC_TRY(need_shape(d, op, x, 0, 3, -1, -1, -1));
  const bool tm = op->attr.lstm.time_major;
  const int64_t batch = tm ? x->dims[1] : x->dims[0], steps = tm ? x->dims[0] : x->dims[1];
  const int64_t in = x->dims[2];
  TMC_TRY(need_shape(d, op, h, 18, 2, -1, -1, -1));
  const int64_t units = h->dims[1];
  if (units < 1 || in < 1 || batch < 1 || steps < 1)
    return seq_fail(d, op, "input 0 (tensor %d '%s') and input 18 (tensor %d '%s'): a "
                    "dimension of 0", x->id, x->name, h->id, h->name);
  for (int k = 1; k <= 8; k++) {
    const tmc_tensor *w = tmc_op_input(g, op, k);
    if (w) TMC_TRY(need_shape(d, op, w, k, 2, units, k <= 4 ? in : units, -1));
  }
  for (int k = 12; k <= 15; k++) {
    const tmc_tensor *b = tmc_op_input(g, op, k);
    if (b) TMC_TRY(need_shape(d, op, b, k, 1, units, -1, -1));
  }
  TMC_TRY(need_state(d, op, h, 18, batch * units));
  TMC_TRY(need_state(d, op, c, 19, batch * units));
  TMC_TRY(need_shape(d, op, y, -1, 3, x->dims[0], x->dims[1], units));
  if (op->unsupported) return TMC_OK;
  if (op->n_in != 24)
    op->unsupported = "UNIDIRECTIONAL_SEQUENCE_LSTM with fewer than 24 inputs: TFLM's kernel "
                      "takes 24";
  else if (tmc_op_input(g, op, 16) || tmc_op_input(g, op, 17))
    op->unsupported = "UNIDIRECTIONAL_SEQUENCE_LSTM with projection (inputs 16, 17): TFLM has "
                      "no integer kernel for it";
  else if (tmc_op_input(g, op, 9) || tmc_op_input(g, op, 10) || tmc_op_input(g, op, 11))
    op->unsupported = "UNIDIRECTIONAL_SEQUENCE_LSTM with peephole weights (inputs 9-11): TFLM "
                      "has no integer kernel for it";
  else if (tmc_op_input(g, op, 20) || tmc_op_input(g, op, 21) || tmc_op_input(g, op, 22) ||
           tmc_op_input(g, op, 23))
    op->unsupported = "UNIDIRECTIONAL_SEQUENCE_LSTM with layer normalization (inputs 20-23): "
                      "TFLM has no integer kernel for it";
  else if (!tmc_op_input(g, op, 1) || !tmc_op_input(g, op, 5) || !tmc_op_input(g, op, 12))
    op->unsupported = "UNIDIRECTIONAL_SEQUENCE_LSTM with coupled input and forget gates (CIFG: "
                      "inputs 1, 5, 12 absent): TFLM has no integer kernel for it";
  for (int k = 1; k <= 15 && !op->unsupported; k++) {
    const tmc_tensor *w = tmc_op_input(g, op, k);
    if (w && !w->is_const) op->unsupported = "UNIDIRECTIONAL_SEQUENCE_LSTM weights or biases "
                                             "not constant";
  }
  return TMC_OK;
}

int64_t tmc_ir_macs_lstm(const tmc_graph *g, const tmc_op *op) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *h = tmc_op_input(g, op, 18);
  if (x == NULL || h == NULL || x->rank != 3 || h->rank != 2) return 0;
  const int64_t bt = (int64_t)x->dims[0] * x->dims[1], units = h->dims[1];
  return bt * 4 * units * ((int64_t)x->dims[2] + units);
}
