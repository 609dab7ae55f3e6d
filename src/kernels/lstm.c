/* lstm.c - the integer UNIDIRECTIONAL_SEQUENCE_LSTM (8x8->16: int8
 * activations and weights, int32 biases, int16 cell state), bit-exact with
 * TFLM's EvalLstm<int8_t, int8_t, int16_t, int32_t> (see seq.h). Per time
 * step, with the rows of the step (all batches when time major, one
 * otherwise):
 * 1. the forget, input and cell gates: two fully connected products into
 *    int16 at 2^-12, a saturating add, sigmoid or tanh (sigmoid16.h);
 * 2. the cell: f * c and i * g requantized to the cell scale, a saturating
 *    add, the clip;
 * 3. the output gate as 1. (from the same old hidden state);
 * 4. the hidden state tanh(c) * o requantized to int8, copied to the output.
 * The fully connected sums are int32 and wrap as TFLM's do (tmc_wrap_add;
 * every product fits). */
#include <string.h>

#include "kernels.h"
#include "requant.h"
#include "sigmoid16.h"

size_t tmc_lstm_s8_scratch_bytes(int32_t batch, int32_t units, int32_t time_major) {
  return 4 * (size_t)(time_major ? batch : 1) * (size_t)units * sizeof(int16_t);
}

static inline int16_t sat16(int32_t v) { return (int16_t)tmc_clamp_i32(v, -32768, 32767); }

/* rows x units of FC(x, w) requantized to int16: bias (may be NULL) + sum
 * w[u][k] * (x[r][k] + off). */
static void fc16(const int8_t *x, int32_t rows, int32_t depth, int32_t off, const int8_t *w,
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

/* Gate g (0 i, 1 f, 2 c, 3 o) of rows rows into out; tmp is scratch.
 * sigmoid: 1, tanh: 0. */
static void gate(const tmc_lstm_params *p, int g, const int8_t *x, const int8_t *h,
                 int32_t rows, int sigmoid, int16_t *out, int16_t *tmp) {
  const int32_t ni = p->input_size, nu = p->units, n = rows * nu;
  int32_t rq[4], k; /* i2X_mult, i2X_shift, r2X_mult, r2X_shift */
  switch (g) {
    case 0: rq[0] = p->i2i_mult, rq[1] = p->i2i_shift, rq[2] = p->r2i_mult, rq[3] = p->r2i_shift; break;
    case 1: rq[0] = p->i2f_mult, rq[1] = p->i2f_shift, rq[2] = p->r2f_mult, rq[3] = p->r2f_shift; break;
    case 2: rq[0] = p->i2c_mult, rq[1] = p->i2c_shift, rq[2] = p->r2c_mult, rq[3] = p->r2c_shift; break;
    default: rq[0] = p->i2o_mult, rq[1] = p->i2o_shift, rq[2] = p->r2o_mult, rq[3] = p->r2o_shift; break;
  }
  fc16(x, rows, ni, p->input_offset, p->w_in + (size_t)g * (size_t)nu * (size_t)ni,
       p->bias + (size_t)g * (size_t)nu, nu, rq[0], rq[1], out);
  fc16(h, rows, nu, p->hidden_offset, p->w_rec + (size_t)g * (size_t)nu * (size_t)nu, NULL, nu,
       rq[2], rq[3], tmp);
  for (k = 0; k < n; ++k) {
    const int16_t v = sat16(out[k] + tmp[k]);
    out[k] = sigmoid ? tmc_logistic16(p->table, 0, 0, v) : tmc_tanh16(p->table, 0, 0, v);
  }
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
      /* 1. */
      gate(p, 1, x, h, rows, 1, bf, bt);
      gate(p, 0, x, h, rows, 1, bi, bt);
      gate(p, 2, x, h, rows, p->cell_act, bc, bt);
      /* 2. */
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
      /* 3. */
      gate(p, 3, x, h, rows, 1, bi, bt);
      /* 4. */
      for (k = 0; k < n; ++k) {
        const int16_t th = tmc_tanh16(p->table, p->tanh_mult, p->tanh_right_bits, c[k]);
        const int32_t v = tmc_mbqm(th * bi[k], p->hidden_mult, p->hidden_shift) + p->hidden_zp;
        h[k] = (int8_t)tmc_clamp_i32(v, -128, 127);
      }
      memcpy(output + row * (size_t)rows * (size_t)nu, h, (size_t)n);
    }
  }
}
