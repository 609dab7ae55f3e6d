/* lstm.c - the integer UNIDIRECTIONAL_SEQUENCE_LSTM, bit-exact with TFLM's
 * EvalLstm<int8_t, int8_t, int16_t, int32_t> (8x8->16: int8 activations,
 * int32 biases) and EvalLstm<int16_t, int8_t, int16_t, int64_t> (16x8->16:
 * int16 activations, int64 biases); int8 weights and an int16 cell state in
 * both (see seq.h). Per time step, with the rows of the step (all batches
 * when time major, one otherwise):
 * 1. the four gates: two fully connected products into int16 at 2^-12, a
 *    saturating add, sigmoid or tanh (sigmoid16.h), from the old hidden
 *    state;
 * 2. the cell: f * c and i * g requantized to the cell scale, a saturating
 *    add, the clip;
 * 4. the hidden state tanh(c) * o requantized to the activation type.
 * Unit by unit into the output row, then copied to the hidden state: no
 * scratch. The two forms differ only in the fully connected products
 * (gate_s8, gate_s16) and the type of the hidden state. The 8x8 sums are int32 and wrap as
 * TFLM's do (tmc_wrap_add; every product fits); the 16x8 sums are int64,
 * within TFLite's 2^47 (plan/lower_seq.c checks it). */
#include <string.h>

#include "kernels.h"
#include "requant.h"
#include "sigmoid16.h"

static inline int16_t sat16(int32_t v) { return (int16_t)tmc_clamp_i32(v, -32768, 32767); }

/* Gate g's four multipliers: input-to-gate, recurrent-to-gate. */
static void gate_rq(const tmc_lstm_params *p, int g, int32_t rq[4]) {
  switch (g) {
    case 0: rq[0] = p->i2i_mult, rq[1] = p->i2i_shift, rq[2] = p->r2i_mult, rq[3] = p->r2i_shift; break;
    case 1: rq[0] = p->i2f_mult, rq[1] = p->i2f_shift, rq[2] = p->r2f_mult, rq[3] = p->r2f_shift; break;
    case 2: rq[0] = p->i2c_mult, rq[1] = p->i2c_shift, rq[2] = p->r2c_mult, rq[3] = p->r2c_shift; break;
    default: rq[0] = p->i2o_mult, rq[1] = p->i2o_shift, rq[2] = p->r2o_mult, rq[3] = p->r2o_shift; break;
  }
}

/* The gate's nonlinearity: sigmoid, or (the cell gate, cell_act 0) tanh. */
static inline int16_t activate(const tmc_lstm_params *p, int g, int32_t pre) {
  const int16_t v = sat16(pre);
  return g != 2 || p->cell_act ? tmc_logistic16(p->table, 0, 0, v)
                               : tmc_tanh16(p->table, 0, 0, v);
}

/* Gate g of unit u for one row, 8x8: the two fully connected products
 * (int32 sums: bias + sum w * (x + offset)) requantized to int16 at 2^-12,
 * their saturating sum, the nonlinearity. */
static int16_t gate_s8(const tmc_lstm_params *p, int g, int32_t u, const int8_t *x,
                       const int8_t *h) {
  const int32_t ni = p->input_size, nu = p->units;
  const int8_t *wi = p->w_in + ((size_t)g * (size_t)nu + (size_t)u) * (size_t)ni;
  const int8_t *wr = p->w_rec + ((size_t)g * (size_t)nu + (size_t)u) * (size_t)nu;
  int32_t rq[4], ai = 0, ar = 0, k;
  gate_rq(p, g, rq);
  for (k = 0; k < ni; ++k) ai = tmc_wrap_add(ai, wi[k] * (x[k] + p->input_offset));
  ai = tmc_wrap_add(ai, p->bias[(size_t)g * (size_t)nu + (size_t)u]);
  for (k = 0; k < nu; ++k) ar = tmc_wrap_add(ar, wr[k] * (h[k] + p->hidden_offset));
  return activate(p, g, sat16(tmc_mbqm(ai, rq[0], rq[1])) + sat16(tmc_mbqm(ar, rq[2], rq[3])));
}

/* The same, 16x8: int16 x and h (zero point 0), int64 sums and bias,
 * TFLite's 64-bit requantization. */
static int16_t gate_s16(const tmc_lstm_params *p, int g, int32_t u, const int16_t *x,
                        const int16_t *h) {
  const int32_t ni = p->input_size, nu = p->units;
  const int8_t *wi = p->w_in + ((size_t)g * (size_t)nu + (size_t)u) * (size_t)ni;
  const int8_t *wr = p->w_rec + ((size_t)g * (size_t)nu + (size_t)u) * (size_t)nu;
  int64_t ai = p->bias64[(size_t)g * (size_t)nu + (size_t)u], ar = 0;
  int32_t rq[4], k;
  gate_rq(p, g, rq);
  for (k = 0; k < ni; ++k) ai += wi[k] * x[k];
  for (k = 0; k < nu; ++k) ar += wr[k] * h[k];
  return activate(p, g, sat16(tmc_mbqm64(ai, rq[0], rq[1])) + sat16(tmc_mbqm64(ar, rq[2], rq[3])));
}

/* 2. and 4. for one unit: the new cell *c from the forget, input, cell and
 * output gates; returns the hidden value before its clamp. */
static int32_t cell_hidden(const tmc_lstm_params *p, int16_t f, int16_t i, int16_t g,
                           int16_t o, int16_t *c) {
  const int16_t fc = sat16(tmc_mbqm(f * *c, p->forget_mult, p->forget_shift));
  const int16_t ig = sat16(tmc_mbqm(i * g, p->input_mult, p->input_shift));
  int16_t v = sat16(fc + ig);
  if (p->cell_clip >= 0) {
    if (v > p->cell_clip) v = (int16_t)p->cell_clip;
    if (v < -p->cell_clip) v = (int16_t)-p->cell_clip;
  }
  *c = v;
  const int16_t th = tmc_tanh16(p->table, p->tanh_mult, p->tanh_right_bits, v);
  return tmc_mbqm(th * o, p->hidden_mult, p->hidden_shift) + p->hidden_zp;
}

/* Per time step, the rows of the step (all batches when time major, one
 * otherwise) unit by unit: the gates read the old hidden state h, the new
 * hidden value goes to the output row, which is copied to h once the step's
 * units are done (TFLM computes gate by gate into four scratch rows; the
 * values are the same, without the scratch). Input, hidden state and output
 * are int8 (es 1: tmc_lstm_s8) or int16 (es 2: tmc_lstm_s16). */
static void lstm_rows(const tmc_lstm_params *p, const void *input, void *hidden, int16_t *cell,
                      void *output, size_t es) {
  const int32_t rows = p->time_major ? p->batch : 1, nu = p->units, ni = p->input_size;
  const int32_t outer = p->time_major ? 1 : p->batch;
  int32_t b, t, r, u;
  for (b = 0; b < outer; ++b) {
    char *h = (char *)hidden + (size_t)b * (size_t)nu * es;
    int16_t *c = cell + (size_t)b * (size_t)nu;
    for (t = 0; t < p->steps; ++t) {
      const size_t row = (size_t)b * (size_t)p->steps + (size_t)t; /* in units of rows */
      char *y = (char *)output + row * (size_t)rows * (size_t)nu * es;
      for (r = 0; r < rows; ++r) {
        const size_t xo = (row * (size_t)rows + (size_t)r) * (size_t)ni, ho = (size_t)r * (size_t)nu;
        for (u = 0; u < nu; ++u) {
          int16_t f, i, g, o;
          if (es == 1) {
            const int8_t *x = (const int8_t *)input + xo, *hr = (const int8_t *)h + ho;
            f = gate_s8(p, 1, u, x, hr), i = gate_s8(p, 0, u, x, hr);
            g = gate_s8(p, 2, u, x, hr), o = gate_s8(p, 3, u, x, hr);
          } else {
            const int16_t *x = (const int16_t *)input + xo, *hr = (const int16_t *)h + ho;
            f = gate_s16(p, 1, u, x, hr), i = gate_s16(p, 0, u, x, hr);
            g = gate_s16(p, 2, u, x, hr), o = gate_s16(p, 3, u, x, hr);
          }
          const int32_t v = cell_hidden(p, f, i, g, o, c + ho + (size_t)u);
          if (es == 1)
            ((int8_t *)y)[ho + (size_t)u] = (int8_t)tmc_clamp_i32(v, -128, 127);
          else
            ((int16_t *)y)[ho + (size_t)u] = sat16(v);
        }
      }
      memcpy(h, y, (size_t)rows * (size_t)nu * es);
    }
  }
}

void tmc_lstm_s8(const tmc_lstm_params *p, const int8_t *input, int8_t *hidden,
                 int16_t *cell, int8_t *output) {
  lstm_rows(p, input, hidden, cell, output, 1);
}

void tmc_lstm_s16(const tmc_lstm_params *p, const int16_t *input, int16_t *hidden,
                  int16_t *cell, int16_t *output) {
  lstm_rows(p, input, hidden, cell, output, 2);
}
