/* lstm.c - the integer UNIDIRECTIONAL_SEQUENCE_LSTM, bit-exact with TFLM's
 * EvalLstm<int8_t, int8_t, int16_t, int32_t> (8x8->16: int8 activations,
 * int32 biases) and EvalLstm<int16_t, int8_t, int16_t, int64_t> (16x8->16:
 * int16 activations, int64 biases); int8 weights and an int16 cell state in
 * both (see seq.h). Per time step, with the rows of the step (all batches
 * when time major, one otherwise):
 * 1. the forget, input and cell gates: two fully connected products into
 *    int16 at 2^-12, a saturating add, sigmoid or tanh (sigmoid16.h);
 * 2. the cell: f * c and i * g requantized to the cell scale, a saturating
 *    add, the clip;
 * 3. the output gate as 1. (from the same old hidden state);
 * 4. the hidden state tanh(c) * o requantized to the activation type,
 *    copied to the output.
 * The two forms differ only in the fully connected products (fc_s8, fc_s16)
 * and the type of the hidden state. The 8x8 sums are int32 and wrap as
 * TFLM's do (tmc_wrap_add; every product fits); the 16x8 sums are int64,
 * within TFLite's 2^47 (plan/lower_seq.c checks it). */
#include <string.h>

#include "kernels.h"
#include "requant.h"
#include "sigmoid16.h"

size_t tmc_lstm_s8_scratch_bytes(int32_t batch, int32_t units, int32_t time_major) {
  return 4 * (size_t)(time_major ? batch : 1) * (size_t)units * sizeof(int16_t);
}

static inline int16_t sat16(int32_t v) { return (int16_t)tmc_clamp_i32(v, -32768, 32767); }

/* rows x units of FC(x, w) requantized to int16: bias (may be NULL) + sum
 * w[u][k] * (x[r][k] + off), int32 (8x8). */
static void fc_s8(const int8_t *x, int32_t rows, int32_t depth, int32_t off, const int8_t *w,
                  const int32_t *bias, int32_t units, int32_t mult, int32_t shift,
                  int16_t *out) {
  int32_t r, u, k;
  for (r = 0; r < rows; ++r) {
    const int8_t *xr = x + (size_t)r * (size_t)depth;
    for (u = 0; u < units; ++u) {
      const int8_t *wu = w + (size_t)u * (size_t)depth;
      int32_t acc = 0;
      for (k = 0; k < depth; ++k) acc = tmc_wrap_add(acc, wu[k] * (xr[k] + off));
      if (bias) acc = tmc_wrap_add(acc, bias[u]);
      out[(size_t)r * (size_t)units + (size_t)u] = sat16(tmc_mbqm(acc, mult, shift));
    }
  }
}

/* The same, int16 x (zero point 0) and an int64 sum and bias (16x8). */
static void fc_s16(const int16_t *x, int32_t rows, int32_t depth, const int8_t *w,
                   const int64_t *bias, int32_t units, int32_t mult, int32_t shift,
                   int16_t *out) {
  int32_t r, u, k;
  for (r = 0; r < rows; ++r) {
    const int16_t *xr = x + (size_t)r * (size_t)depth;
    for (u = 0; u < units; ++u) {
      const int8_t *wu = w + (size_t)u * (size_t)depth;
      int64_t acc = 0;
      for (k = 0; k < depth; ++k) acc += wu[k] * xr[k];
      if (bias) acc += bias[u];
      out[(size_t)r * (size_t)units + (size_t)u] = sat16(tmc_mbqm64(acc, mult, shift));
    }
  }
}

/* Gate g's four multipliers: input-to-gate, recurrent-to-gate. */
static void gate_rq(const tmc_lstm_params *p, int g, int32_t rq[4]) {
  switch (g) {
    case 0: rq[0] = p->i2i_mult, rq[1] = p->i2i_shift, rq[2] = p->r2i_mult, rq[3] = p->r2i_shift; break;
    case 1: rq[0] = p->i2f_mult, rq[1] = p->i2f_shift, rq[2] = p->r2f_mult, rq[3] = p->r2f_shift; break;
    case 2: rq[0] = p->i2c_mult, rq[1] = p->i2c_shift, rq[2] = p->r2c_mult, rq[3] = p->r2c_shift; break;
    default: rq[0] = p->i2o_mult, rq[1] = p->i2o_shift, rq[2] = p->r2o_mult, rq[3] = p->r2o_shift; break;
  }
}

/* out = act(out + tmp) over n: the saturating add, then sigmoid (1) or tanh (0). */
static void activate(const tmc_lstm_params *p, int16_t *out, const int16_t *tmp, int32_t n,
                     int sigmoid) {
  int32_t k;
  for (k = 0; k < n; ++k) {
    const int16_t v = sat16(out[k] + tmp[k]);
    out[k] = sigmoid ? tmc_logistic16(p->table, 0, 0, v) : tmc_tanh16(p->table, 0, 0, v);
  }
}

/* Gate g (0 i, 1 f, 2 c, 3 o) of rows rows into out; tmp is scratch.
 * sigmoid: 1, tanh: 0. */
static void gate_s8(const tmc_lstm_params *p, int g, const int8_t *x, const int8_t *h,
                    int32_t rows, int sigmoid, int16_t *out, int16_t *tmp) {
  const int32_t ni = p->input_size, nu = p->units;
  int32_t rq[4];
  gate_rq(p, g, rq);
  fc_s8(x, rows, ni, p->input_offset, p->w_in + (size_t)g * (size_t)nu * (size_t)ni,
        p->bias + (size_t)g * (size_t)nu, nu, rq[0], rq[1], out);
  fc_s8(h, rows, nu, p->hidden_offset, p->w_rec + (size_t)g * (size_t)nu * (size_t)nu, NULL,
        nu, rq[2], rq[3], tmp);
  activate(p, out, tmp, rows * nu, sigmoid);
}

static void gate_s16(const tmc_lstm_params *p, int g, const int16_t *x, const int16_t *h,
                     int32_t rows, int sigmoid, int16_t *out, int16_t *tmp) {
  const int32_t ni = p->input_size, nu = p->units;
  int32_t rq[4];
  gate_rq(p, g, rq);
  fc_s16(x, rows, ni, p->w_in + (size_t)g * (size_t)nu * (size_t)ni,
         p->bias64 + (size_t)g * (size_t)nu, nu, rq[0], rq[1], out);
  fc_s16(h, rows, nu, p->w_rec + (size_t)g * (size_t)nu * (size_t)nu, NULL, nu, rq[2], rq[3],
         tmp);
  activate(p, out, tmp, rows * nu, sigmoid);
}

/* 2.: the cell c from the forget (bf), input (bi) and cell (bc) gates. */
static void update_cell(const tmc_lstm_params *p, const int16_t *bf, const int16_t *bi,
                        const int16_t *bc, int16_t *c, int32_t n) {
  int32_t k;
  for (k = 0; k < n; ++k) {
    const int16_t fc = sat16(tmc_mbqm(bf[k] * c[k], p->forget_mult, p->forget_shift));
    const int16_t ig = sat16(tmc_mbqm(bi[k] * bc[k], p->input_mult, p->input_shift));
    int16_t v = sat16(fc + ig);
    if (p->cell_clip >= 0) {
      if (v > p->cell_clip) v = (int16_t)p->cell_clip;
      if (v < -p->cell_clip) v = (int16_t)-p->cell_clip;
    }
    c[k] = v;
  }
}

/* 4.: element k of the hidden state before its clamp, from the cell and
 * the output gate o. */
static inline int32_t hidden_at(const tmc_lstm_params *p, int16_t c, int16_t o) {
  const int16_t th = tmc_tanh16(p->table, p->tanh_mult, p->tanh_right_bits, c);
  return tmc_mbqm(th * o, p->hidden_mult, p->hidden_shift) + p->hidden_zp;
}

void tmc_lstm_s8(const tmc_lstm_params *p, const int8_t *input, int8_t *hidden,
                 int16_t *cell, int8_t *output, void *scratch) {
  const int32_t rows = p->time_major ? p->batch : 1, nu = p->units, n = rows * nu;
  const int32_t outer = p->time_major ? 1 : p->batch;
  int16_t *bf = (int16_t *)scratch, *bi = bf + n, *bc = bi + n, *bt = bc + n;
  int32_t b, t, k;
  for (b = 0; b < outer; ++b) {
    int8_t *h = hidden + (size_t)b * (size_t)nu;
    int16_t *c = cell + (size_t)b * (size_t)nu;
    for (t = 0; t < p->steps; ++t) {
      const size_t row = (size_t)b * (size_t)p->steps + (size_t)t; /* in units of rows */
      const int8_t *x = input + row * (size_t)rows * (size_t)p->input_size;
      gate_s8(p, 1, x, h, rows, 1, bf, bt); /* 1. */
      gate_s8(p, 0, x, h, rows, 1, bi, bt);
      gate_s8(p, 2, x, h, rows, p->cell_act, bc, bt);
      update_cell(p, bf, bi, bc, c, n); /* 2. */
      gate_s8(p, 3, x, h, rows, 1, bi, bt); /* 3. */
      for (k = 0; k < n; ++k) /* 4. */
        h[k] = (int8_t)tmc_clamp_i32(hidden_at(p, c[k], bi[k]), -128, 127);
      memcpy(output + row * (size_t)rows * (size_t)nu, h, (size_t)n);
    }
  }
}

void tmc_lstm_s16(const tmc_lstm_params *p, const int16_t *input, int16_t *hidden,
                  int16_t *cell, int16_t *output, void *scratch) {
  const int32_t rows = p->time_major ? p->batch : 1, nu = p->units, n = rows * nu;
  const int32_t outer = p->time_major ? 1 : p->batch;
  int16_t *bf = (int16_t *)scratch, *bi = bf + n, *bc = bi + n, *bt = bc + n;
  int32_t b, t, k;
  for (b = 0; b < outer; ++b) {
    int16_t *h = hidden + (size_t)b * (size_t)nu;
    int16_t *c = cell + (size_t)b * (size_t)nu;
    for (t = 0; t < p->steps; ++t) {
      const size_t row = (size_t)b * (size_t)p->steps + (size_t)t; /* in units of rows */
      const int16_t *x = input + row * (size_t)rows * (size_t)p->input_size;
      gate_s16(p, 1, x, h, rows, 1, bf, bt); /* 1. */
      gate_s16(p, 0, x, h, rows, 1, bi, bt);
      gate_s16(p, 2, x, h, rows, p->cell_act, bc, bt);
      update_cell(p, bf, bi, bc, c, n); /* 2. */
      gate_s16(p, 3, x, h, rows, 1, bi, bt); /* 3. */
      for (k = 0; k < n; ++k) /* 4. */
        h[k] = sat16(hidden_at(p, c[k], bi[k]));
      memcpy(output + row * (size_t)rows * (size_t)nu, h, (size_t)n * sizeof *h);
    }
  }
}
