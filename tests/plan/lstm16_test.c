/* The integer UNIDIRECTIONAL_SEQUENCE_LSTM's two forms (kernels/lstm.c,
 * plan/lower_seq.c) against a reference written here from TFLM's documented
 * arithmetic (lstm_eval.h EvalLstm / LstmStep; unidirectional_sequence_lstm.cc
 * PrepareGateParametersInteger, CreateInterGateMulParams,
 * CreateLstmCellStateInfo), on models built with tmc_mb:
 * - 16x8->16: int16 input, hidden state and output (zero point 0), int8
 *   weights, int64 biases, int16 cell state; the gate products summed in
 *   int64 and requantized by TFLite's 64-bit MultiplyByQuantizedMultiplier
 *   (the multiplier reduced to 16 bits, one rounding shift);
 * - 8x8->16 for the stacked model (int8 activations, int32 biases, 32-bit
 *   requantization).
 * The reference is a straightforward loop per batch, step, gate and unit with
 * its own QuantizeMultiplier, the two MultiplyByQuantizedMultiplier forms and
 * the saturations; only the int16 sigmoid / tanh of one element is shared
 * with tmc (sigmoid16.h, verified byte for byte by the int16 LOGISTIC and
 * TANH and the 35 LSTM cases of ../shared/golden/ops-v2). It is itself
 * checked on hand-computed values: the 64-bit requantization on a few
 * numbers, and a one-unit LSTM whose cell state is exact by hand (gates at
 * sigmoid(0) = 1/2: c = 1/4, 3/8, 7/16 over three steps) and whose hidden
 * state is tanh(c) / 2 to within two units.
 * Cases: batch major and time major, batch 2, 3 steps, a sigmoid cell gate,
 * a cell clip, saturating inputs; two LSTMs in sequence (the noise
 * suppression models' shape) in both forms; three invokes on one state,
 * then a reset; every element compared. Refusals: int32 biases with int16
 * activations, an int16 hidden state with a zero point, a bias past 2^47.
 * With an argument DIR, writes the models, three inputs each
 * (NAME.in0..2) and the reference's outputs (NAME.out0..2) for
 * lstm16_emit_test.sh (tmc run --invokes 3 and the generated C). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "testlib.h"

#include "host/run.h"
#include "kernels/requant.h"
#include "kernels/sigmoid16.h"
#include "plan/quant.h"
#include "plan_test_util.h"
#include "reader/tflite_write.h"

#define SUBJECT "lstm16.tflite"
#define MAXU 8
#define MAXI 8
#define MAXB 2
#define MAXT 4
#define INVOKES 3

/* ---- the reference ------------------------------------------------------- */

/* TFLite's QuantizeMultiplier: m = q * 2^(shift - 31), q in [2^30, 2^31). */
static void ref_quantize(double m, int32_t *q, int32_t *shift) {
  if (m == 0.0) {
    *q = 0, *shift = 0;
    return;
  }
  int e;
  const double f = frexp(m, &e);
  int64_t v = (int64_t)llround(f * 2147483648.0); /* llround: half away from zero */
  if (v == ((int64_t)1 << 31)) v /= 2, e++;
  if (e < -31) v = 0, e = 0;
  *q = (int32_t)v;
  *shift = e;
}

/* MultiplyByQuantizedMultiplier(int32): SaturatingRoundingDoublingHighMul of
 * x * 2^max(shift, 0) by q, then a rounding right shift by max(-shift, 0)
 * (ties away from zero). */
static int32_t ref_rq32(int32_t x, int32_t q, int32_t shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t a = (int32_t)(uint32_t)((uint64_t)(int64_t)x << left); /* wraps as TFLite's */
  int32_t hi;
  if (a == INT32_MIN && q == INT32_MIN) {
    hi = INT32_MAX;
  } else {
    const int64_t ab = (int64_t)a * q;
    const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    hi = (int32_t)((ab + nudge) / ((int64_t)1 << 31));
  }
  if (right == 0) return hi;
  const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
  const int32_t rem = hi & mask, thr = (mask >> 1) + (hi < 0 ? 1 : 0);
  return (hi >> right) + (rem > thr ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier(int64): q rounded to its top 16 bits, then
 * (x * q16 + 2^(14 - shift)) >> (15 - shift). */
static int32_t ref_rq64(int64_t x, int32_t q, int32_t shift) {
  const int64_t q16 = q < 0x7FFF0000 ? (q + 32768) / 65536 : 0x7FFF;
  const int s = 15 - shift;
  return (int32_t)((x * q16 + ((int64_t)1 << (s - 1))) >> s);
}

static int32_t clampi(int64_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* One LSTM layer as a test builds it. */
typedef struct layer {
  int s16;                     /* 16x8 (int16 activations) or 8x8 */
  int in, units, cell_sigmoid; /* the cell gate's activation: sigmoid, else tanh */
  float sx, sh, cs, clip;      /* input, hidden, cell scales; cell_clip (0: none) */
  int32_t zx, zh;              /* zero points (0 for int16) */
  float swi[4], swr[4];        /* weight scales per gate (i, f, c, o) */
  int8_t wi[4][MAXU][MAXI], wr[4][MAXU][MAXU];
  int64_t bias[4][MAXU];
} layer;

typedef struct net {
  int time_major, batch, steps, n_layers;
  layer L[2];
} net;

/* Layer L's state, as the reference keeps it. */
typedef struct ref_state {
  int32_t h[MAXB][MAXU];
  int16_t c[MAXB][MAXU];
} ref_state;

static int16_t table[256];

static int16_t sat16(int64_t v) { return (int16_t)clampi(v, -32768, 32767); }

/* TFLM's Tanh of the cell: input left shift 15 + log2(cell scale) - 3, a
 * negative one as multiplier 3 and a right shift. */
static int16_t tanh16_cell(int32_t c, int tshift) {
  return tmc_tanh16(table, tshift < 0 ? 3 : 0, tshift < 0 ? -tshift : tshift, c);
}

/* One step of layer L for batch b: x[in] -> h, c (and returns h in out). */
static void ref_step(const layer *L, const int32_t *x, ref_state *s, int b) {
  const double gin = 1.0 / 4096.0, gout = 1.0 / 32768.0;
  const int32_t amin = L->s16 ? -32768 : -128, amax = L->s16 ? 32767 : 127;
  int16_t gate[4][MAXU];
  for (int g = 0; g < 4; g++) {
    int32_t qi, si, qr, sr;
    ref_quantize((double)L->sx * (double)L->swi[g] / gin, &qi, &si);
    ref_quantize((double)L->sh * (double)L->swr[g] / gin, &qr, &sr);
    for (int u = 0; u < L->units; u++) {
      int64_t ai = L->bias[g][u], ar = 0;
      for (int k = 0; k < L->in; k++) ai += (int64_t)L->wi[g][u][k] * (x[k] - L->zx);
      for (int k = 0; k < L->units; k++) ar += (int64_t)L->wr[g][u][k] * (s->h[b][k] - L->zh);
      int16_t fi, fr;
      if (L->s16) {
        fi = sat16(ref_rq64(ai, qi, si));
        fr = sat16(ref_rq64(ar, qr, sr));
      } else { /* int32 sums (every test's sums fit) */
        assert_true(ai >= INT32_MIN && ai <= INT32_MAX && ar >= INT32_MIN && ar <= INT32_MAX);
        fi = sat16(ref_rq32((int32_t)ai, qi, si));
        fr = sat16(ref_rq32((int32_t)ar, qr, sr));
      }
      const int16_t v = sat16((int32_t)fi + fr);
      const int sig = g != 2 || L->cell_sigmoid;
      gate[g][u] = sig ? tmc_logistic16(table, 0, 0, v) : tmc_tanh16(table, 0, 0, v);
    }
  }
  int32_t qf, sf, qig, sig_, qh, shh;
  ref_quantize(gout * (double)L->cs / (double)L->cs, &qf, &sf);
  ref_quantize(gout * gout / (double)L->cs, &qig, &sig_);
  ref_quantize(gout * gout / (double)L->sh, &qh, &shh);
  const int power = (int)lround(log2((double)L->cs));
  const int tshift = 15 + power - 3;
  const int32_t clip = L->clip > 0.0f ? (int32_t)fmin((double)L->clip / (double)L->cs, 32767.0)
                                      : -1;
  for (int u = 0; u < L->units; u++) {
    const int16_t fc = sat16(ref_rq32(gate[1][u] * s->c[b][u], qf, sf));
    const int16_t ig = sat16(ref_rq32(gate[0][u] * gate[2][u], qig, sig_));
    int32_t c = sat16((int32_t)fc + ig);
    if (clip >= 0) c = clampi(c, -clip, clip);
    s->c[b][u] = (int16_t)c;
    const int16_t th = tanh16_cell(c, tshift);
    s->h[b][u] = clampi((int64_t)ref_rq32(th * gate[3][u], qh, shh) + L->zh, amin, amax);
  }
}

/* Element (b, t, k) of a [batch][steps][n] or (time major) [steps][batch][n] tensor. */
static size_t at(const net *N, int b, int t, int k, int n) {
  const size_t row = N->time_major ? (size_t)t * (size_t)N->batch + (size_t)b
                                   : (size_t)b * (size_t)N->steps + (size_t)t;
  return row * (size_t)n + (size_t)k;
}

/* One invoke of the reference: x (ints) -> y (ints), the states updated. */
static void ref_invoke(const net *N, const int32_t *x, int32_t *y, ref_state *st) {
  int32_t buf[2][MAXB * MAXT * MAXU];
  const int32_t *cur = x;
  for (int l = 0; l < N->n_layers; l++) {
    const layer *L = &N->L[l];
    int32_t *out = l == N->n_layers - 1 ? y : buf[l % 2];
    /* TFLM: time major runs all batches per step, otherwise batch by batch;
     * the batches are independent, so the order does not change a value. */
    for (int b = 0; b < N->batch; b++)
      for (int t = 0; t < N->steps; t++) {
        int32_t xv[MAXI];
        for (int k = 0; k < L->in; k++) xv[k] = cur[at(N, b, t, k, L->in)];
        ref_step(L, xv, &st[l], b);
        for (int u = 0; u < L->units; u++) out[at(N, b, t, u, L->units)] = st[l].h[b][u];
      }
    cur = out;
  }
}

/* ---- the model ------------------------------------------------------------ */

typedef struct built {
  tmc_arena a;
  tmc_mb b;
  tmc_tfl_model *m;
  int32_t x, y, h[2], c[2];
} built;

#define SHAPE(...) (const int32_t[]){__VA_ARGS__}, (int32_t)(sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t))

static int32_t qt(built *w, const char *name, int32_t ty, const int32_t *shape, int32_t rank,
                  float scale, int32_t zp, const void *data, size_t n) {
  uint32_t buf = data ? (uint32_t)tmc_mb_buffer(&w->b, data, n) : 0;
  int32_t t = tmc_mb_tensor(&w->b, name, ty, shape, rank, buf);
  const int64_t z = zp;
  tmc_mb_quant(&w->b, t, 1, &scale, &z, 0);
  return t;
}

/* Refusal variants of layer 0. */
enum { V_OK, V_BIAS32, V_HIDDEN_ZP, V_BIAS_HUGE };

/* Layer l of N reading tensor x: returns its output. */
static int32_t add_layer(built *w, const net *N, int l, int32_t x, int variant) {
  static const char *const gates[4] = {"input", "forget", "cell", "output"};
  const layer *L = &N->L[l];
  const int32_t ty = L->s16 ? TMC_TFL_INT16 : TMC_TFL_INT8;
  const int32_t rows = N->time_major ? N->steps : N->batch, cols = N->time_major ? N->batch : N->steps;
  int32_t in[24];
  char name[64];
  for (int i = 0; i < 24; i++) in[i] = -1;
  in[0] = x;
  for (int g = 0; g < 4; g++) {
    int8_t wi[MAXU * MAXI], wr[MAXU * MAXU];
    for (int u = 0; u < L->units; u++) {
      for (int k = 0; k < L->in; k++) wi[u * L->in + k] = L->wi[g][u][k];
      for (int k = 0; k < L->units; k++) wr[u * L->units + k] = L->wr[g][u][k];
    }
    snprintf(name, sizeof name, "lstm%d/input_to_%s", l, gates[g]);
    in[1 + g] = qt(w, name, TMC_TFL_INT8, SHAPE(L->units, L->in), L->swi[g], 0, wi,
                   (size_t)(L->units * L->in));
    snprintf(name, sizeof name, "lstm%d/recurrent_to_%s", l, gates[g]);
    in[5 + g] = qt(w, name, TMC_TFL_INT8, SHAPE(L->units, L->units), L->swr[g], 0, wr,
                   (size_t)(L->units * L->units));
    snprintf(name, sizeof name, "lstm%d/%s_bias", l, gates[g]);
    const float bs = L->sx * L->swi[g];
    if (L->s16 && variant != V_BIAS32) {
      int64_t b64[MAXU];
      for (int u = 0; u < L->units; u++) b64[u] = L->bias[g][u];
      if (variant == V_BIAS_HUGE && g == 2) b64[1] = (int64_t)1 << 47;
      in[12 + g] = qt(w, name, TMC_TFL_INT64, SHAPE(L->units), bs, 0, b64,
                      sizeof(int64_t) * (size_t)L->units);
    } else {
      int32_t b32[MAXU];
      for (int u = 0; u < L->units; u++) b32[u] = (int32_t)L->bias[g][u];
      in[12 + g] = qt(w, name, TMC_TFL_INT32, SHAPE(L->units), bs, 0, b32,
                      sizeof(int32_t) * (size_t)L->units);
    }
  }
  snprintf(name, sizeof name, "lstm%d/output_state", l);
  in[18] = qt(w, name, ty, SHAPE(N->batch, L->units), L->sh,
              variant == V_HIDDEN_ZP ? 3 : L->zh, NULL, 0);
  snprintf(name, sizeof name, "lstm%d/cell_state", l);
  in[19] = qt(w, name, TMC_TFL_INT16, SHAPE(N->batch, L->units), L->cs, 0, NULL, 0);
  w->b.sg->tensors[in[18]].is_variable = true;
  w->b.sg->tensors[in[19]].is_variable = true;
  w->h[l] = in[18];
  w->c[l] = in[19];
  snprintf(name, sizeof name, "lstm%d/out", l);
  const int32_t y = qt(w, name, ty, SHAPE(rows, cols, L->units), L->sh, L->zh, NULL, 0);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_unidirectional_sequence_lstm;
  o.decoded = true;
  o.u.unidirectional_sequence_lstm.fused_activation_function =
      L->cell_sigmoid ? 6 /* sigmoid, as TFLM reads it */ : TMC_TFL_ACT_TANH;
  o.u.unidirectional_sequence_lstm.cell_clip = L->clip;
  o.u.unidirectional_sequence_lstm.time_major = N->time_major != 0;
  tmc_mb_op(&w->b, TMC_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, 1, in, 24, &y, 1, &o);
  return y;
}

static void build(built *w, const net *N, int variant) {
  tmc_arena_init(&w->a);
  tmc_mb_init(&w->b, &w->a, "integer LSTM");
  const layer *L0 = &N->L[0];
  const int32_t rows = N->time_major ? N->steps : N->batch, cols = N->time_major ? N->batch : N->steps;
  w->x = qt(w, "x", L0->s16 ? TMC_TFL_INT16 : TMC_TFL_INT8, SHAPE(rows, cols, L0->in), L0->sx,
            L0->zx, NULL, 0);
  int32_t cur = w->x;
  for (int l = 0; l < N->n_layers; l++) cur = add_layer(w, N, l, cur, l == 0 ? variant : V_OK);
  w->y = cur;
  tmc_mb_io(&w->b, &w->x, 1, &w->y, 1);
  w->m = pt_finish(&w->b);
  assert_non_null(w->m);
}

/* ---- cases ----------------------------------------------------------------- */

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* Layer weights and biases from seed: weights in [-wmax, wmax], biases in
 * [-bmax, bmax]. */
static void fill_layer(layer *L, uint32_t seed, int wmax, int64_t bmax) {
  for (int g = 0; g < 4; g++)
    for (int u = 0; u < L->units; u++) {
      for (int k = 0; k < L->in; k++)
        L->wi[g][u][k] = (int8_t)((int)(lcg(&seed) % (uint32_t)(2 * wmax + 1)) - wmax);
      for (int k = 0; k < L->units; k++)
        L->wr[g][u][k] = (int8_t)((int)(lcg(&seed) % (uint32_t)(2 * wmax + 1)) - wmax);
      L->bias[g][u] = (int64_t)(lcg(&seed) % (uint32_t)(2 * bmax + 1)) - bmax;
    }
}

/* A 16x8 layer: in inputs, units units; int16 scales as TFLite's quantizer
 * writes them (symmetric: max / 32767). */
static layer l16(int in, int units, uint32_t seed) {
  layer L;
  memset(&L, 0, sizeof L);
  L.s16 = 1;
  L.in = in;
  L.units = units;
  L.sx = 3.0f / 32767;
  L.sh = 1.0f / 32767;
  L.cs = 1.0f / 2048; /* 2^-11 */
  for (int g = 0; g < 4; g++) L.swi[g] = 0.011f + 0.003f * (float)g, L.swr[g] = 0.017f - 0.002f * (float)g;
  fill_layer(&L, seed, 127, 1 << 22);
  return L;
}

static layer l8(int in, int units, uint32_t seed, float sx, int32_t zx) {
  layer L;
  memset(&L, 0, sizeof L);
  L.in = in;
  L.units = units;
  L.sx = sx;
  L.zx = zx;
  L.sh = 1.0f / 128;
  L.zh = 3;
  L.cs = 1.0f / 2048;
  for (int g = 0; g < 4; g++) L.swi[g] = 0.012f + 0.002f * (float)g, L.swr[g] = 0.015f;
  fill_layer(&L, seed, 127, 3000);
  return L;
}

/* Input bytes of invoke j: int16 (or int8) values, little-endian. big:
 * the full range (saturating the gates), else a tenth of it. */
static void fill_input(const net *N, int j, int big, int32_t *x, uint8_t *bytes, size_t n) {
  uint32_t s = 99u + (uint32_t)j * 7919u;
  const int s16 = N->L[0].s16;
  for (size_t i = 0; i < n; i++) {
    int32_t v = (int32_t)(lcg(&s) & 0xFFFF) - 32768;
    if (!big) v /= 10;
    if (!s16) v = v >> 8;
    x[i] = v;
    if (s16) {
      bytes[2 * i] = (uint8_t)((uint32_t)v & 0xFF);
      bytes[2 * i + 1] = (uint8_t)(((uint32_t)v >> 8) & 0xFF);
    } else {
      bytes[i] = (uint8_t)(int8_t)v;
    }
  }
}

static int32_t elem_of(const uint8_t *p, size_t i, int s16) {
  return s16 ? (int16_t)(uint16_t)(p[2 * i] | (p[2 * i + 1] << 8)) : (int8_t)p[i];
}

static const char *write_dir;

static void write_file(const char *name, const char *ext, const void *v, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s%s", write_dir, name, ext);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(v, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

/* Plans N, runs INVOKES invokes on one state (host runner) and the
 * reference, compares every output element and the final state; then a
 * reset repeats invoke 0. With write_dir, writes the model, inputs and the
 * reference's outputs instead of running tmc. */
static void check_net(const char *name, const net *N, int big) {
  built w;
  build(&w, N, V_OK);
  const int s16 = N->L[0].s16, ys16 = N->L[N->n_layers - 1].s16;
  const size_t nx = (size_t)N->batch * (size_t)N->steps * (size_t)N->L[0].in;
  const size_t ny = (size_t)N->batch * (size_t)N->steps * (size_t)N->L[N->n_layers - 1].units;
  const size_t xb = nx * (s16 ? 2 : 1), yb = ny * (ys16 ? 2 : 1);
  int32_t x[MAXB * MAXT * MAXI], y[INVOKES][MAXB * MAXT * MAXU];
  uint8_t xbytes[INVOKES][MAXB * MAXT * MAXI * 2];
  ref_state st[2];
  memset(st, 0, sizeof st);
  for (int l = 0; l < N->n_layers; l++)
    for (int b = 0; b < MAXB; b++)
      for (int u = 0; u < MAXU; u++) st[l].h[b][u] = N->L[l].zh; /* reset: the zero point */
  for (int j = 0; j < INVOKES; j++) {
    fill_input(N, j, big, x, xbytes[j], nx);
    ref_invoke(N, x, y[j], st);
  }
  if (write_dir) {
    uint8_t *m = NULL;
    size_t len = 0;
    tmc_diag d;
    tmc_diag_init(&d, name);
    assert_int_equal(tmc_tfl_write(w.m, &m, &len, &d), TMC_OK);
    write_file(name, ".tflite", m, len);
    free(m);
    for (int j = 0; j < INVOKES; j++) {
      uint8_t yb8[MAXB * MAXT * MAXU * 2];
      char ext[8];
      for (size_t i = 0; i < ny; i++) {
        if (ys16) {
          yb8[2 * i] = (uint8_t)((uint32_t)y[j][i] & 0xFF);
          yb8[2 * i + 1] = (uint8_t)(((uint32_t)y[j][i] >> 8) & 0xFF);
        } else {
          yb8[i] = (uint8_t)(int8_t)y[j][i];
        }
      }
      snprintf(ext, sizeof ext, ".in%d", j);
      write_file(name, ext, xbytes[j], xb);
      snprintf(ext, sizeof ext, ".out%d", j);
      write_file(name, ext, yb8, yb);
    }
    tmc_arena_free(&w.a);
    return;
  }
  pt_built p;
  tmc_status s = pt_plan(w.m, SUBJECT, NULL, &w.a, &p);
  if (s != TMC_OK) fail_msg("%s: %s", name, p.diag.msg);
  for (int32_t i = 0; i < p.plan.n_steps; i++)
    assert_int_equal(p.plan.steps[i].kernel, N->L[i].s16 ? TMC_K_LSTM_S16 : TMC_K_LSTM);
  uint8_t *arena = malloc((size_t)p.plan.mem.arena_bytes);
  assert_non_null(arena);
  memset(arena, 0x5A, (size_t)p.plan.mem.arena_bytes);
  tmc_host_reset(&p.plan, arena);
  size_t bad = 0, nonzero = 0;
  for (int j = 0; j <= INVOKES; j++) {
    const int jj = j == INVOKES ? 0 : j; /* after the loop: reset, invoke 0 again */
    if (j == INVOKES) tmc_host_reset(&p.plan, arena);
    memcpy(tmc_host_tensor(&p.plan, arena, w.x), xbytes[jj], xb);
    tmc_host_invoke(&p.plan, arena, NULL, NULL);
    const uint8_t *out = tmc_host_tensor(&p.plan, arena, w.y);
    for (size_t i = 0; i < ny; i++) {
      const int32_t got = elem_of(out, i, ys16);
      nonzero += got != N->L[N->n_layers - 1].zh;
      if (got != y[jj][i] && bad++ < 8)
        print_error("%s, invoke %d: output %zu is %d, the reference %d\n", name, j, i, got,
                    y[jj][i]);
    }
    if (j == INVOKES - 1) /* the state after the last invoke: the reference's */
      for (int l = 0; l < N->n_layers; l++) {
        const uint8_t *h = tmc_host_tensor(&p.plan, arena, w.h[l]);
        const uint8_t *c = tmc_host_tensor(&p.plan, arena, w.c[l]);
        for (int b = 0; b < N->batch; b++)
          for (int u = 0; u < N->L[l].units; u++) {
            const size_t i = (size_t)b * (size_t)N->L[l].units + (size_t)u;
            if (elem_of(h, i, N->L[l].s16) != st[l].h[b][u] && bad++ < 8)
              print_error("%s: layer %d hidden state %zu differs\n", name, l, i);
            if (elem_of(c, i, 1) != st[l].c[b][u] && bad++ < 8)
              print_error("%s: layer %d cell state %zu differs\n", name, l, i);
          }
      }
  }
  free(arena);
  tmc_arena_free(&w.a);
  if (bad) fail_msg("%s: %zu elements differ from the reference", name, bad);
  /* not a degenerate output: most elements away from the zero point */
  assert_true(nonzero > (size_t)(INVOKES + 1) * ny / 2);
}

/* The reference's requantizations on values worked out by hand. */
static void test_requant_hand(void **state) {
  (void)state;
  /* 64-bit: q = 2^30 (1/2) reduces to 2^14; x / 2 rounded half up */
  assert_int_equal(ref_rq64(1000, 1 << 30, 0), 500);
  assert_int_equal(ref_rq64(3, 1 << 30, 0), 2);   /* 1.5 -> 2 */
  assert_int_equal(ref_rq64(-3, 1 << 30, 0), -1); /* -1.5 -> -1 */
  /* q >= 0x7FFF0000 reduces to 0x7FFF: 2^20 * 32767 / 2^20 + 1/2, floored */
  assert_int_equal(ref_rq64((int64_t)1 << 20, INT32_MAX, -5), 32767);
  /* 2^-6 as q 2^30, shift -5 (the hand LSTM's gate): 2^18 -> 4096 */
  assert_int_equal(ref_rq64((int64_t)1 << 18, 1 << 30, -5), 4096);
  /* 32-bit: 100 / 2; 7 / 4 = 1.75 -> 2; -5 / 4 = -1.25 -> -1 */
  assert_int_equal(ref_rq32(100, 1 << 30, 0), 50);
  assert_int_equal(ref_rq32(7, 1 << 30, -1), 2);
  assert_int_equal(ref_rq32(-5, 1 << 30, -1), -1);
  /* QuantizeMultiplier: 2^-15 is q 2^30, shift -14 */
  int32_t q, s;
  ref_quantize(1.0 / 32768.0, &q, &s);
  assert_int_equal(q, 1 << 30);
  assert_int_equal(s, -14);
  /* the reference's 64-bit form and the kernel's agree on random values */
  uint32_t seed = 5;
  for (int i = 0; i < 10000; i++) {
    const int64_t x = ((int64_t)lcg(&seed) << 22 | lcg(&seed)) % ((int64_t)1 << 40) -
                      ((int64_t)1 << 39);
    const int32_t m = (int32_t)(0x40000000u + (lcg(&seed) << 6)), sh = -(int32_t)(lcg(&seed) % 31);
    const int64_t r = ref_rq64(x, m, sh);
    if (r >= INT32_MIN && r <= INT32_MAX) assert_int_equal(r, tmc_mbqm64(x, m, sh));
  }
}

/* One unit, one input, zero weights and biases, a sigmoid cell gate, cell
 * and hidden scales 2^-15: every gate is sigmoid(0) = 16384 (1/2), so
 * c_t = c_{t-1} / 2 + 1/4: 8192, 12288, 14336 exactly, and h_t = tanh(c_t)
 * / 2 (TFLite's table: within two units of the float). */
static net hand_net(void) {
  net N;
  memset(&N, 0, sizeof N);
  N.batch = 1;
  N.steps = 3;
  N.n_layers = 1;
  layer *L = &N.L[0];
  L->s16 = 1;
  L->in = 1;
  L->units = 1;
  L->cell_sigmoid = 1;
  L->sx = 1.0f / 32768;
  L->sh = 1.0f / 32768;
  L->cs = 1.0f / 32768;
  for (int g = 0; g < 4; g++) L->swi[g] = L->swr[g] = 0.125f;
  return N;
}

static void test_hand_lstm(void **state) {
  (void)state;
  const net N = hand_net();
  ref_state st;
  memset(&st, 0, sizeof st);
  const int32_t x[3] = {1000, -2000, 32767};
  int32_t y[3];
  ref_invoke(&N, x, y, &st);
  assert_int_equal(st.c[0][0], 14336);
  const double cells[3] = {8192, 12288, 14336};
  for (int t = 0; t < 3; t++) {
    const double want = tanh(cells[t] / 32768.0) / 2.0 * 32768.0;
    if (fabs((double)y[t] - want) > 2.0)
      fail_msg("step %d: hidden %d, tanh(%g) / 2 is %.2f", t, y[t], cells[t] / 32768.0, want);
  }
  /* and the compiled model's three steps and state: the reference's */
  check_net("hand", &N, 0);
}

static net net16(int time_major, int cell_sigmoid, float clip) {
  net N;
  memset(&N, 0, sizeof N);
  N.time_major = time_major;
  N.batch = 2;
  N.steps = 3;
  N.n_layers = 1;
  N.L[0] = l16(5, 4, 17u + (uint32_t)time_major);
  N.L[0].cell_sigmoid = cell_sigmoid;
  N.L[0].clip = clip;
  return N;
}

static void test_lstm16(void **state) {
  (void)state;
  net N = net16(0, 0, 0.0f);
  check_net("batch major", &N, 0);
  N = net16(1, 1, 2.0f);
  check_net("time major, sigmoid cell gate, cell clip 2", &N, 0);
  N = net16(0, 0, 0.0f);
  check_net("full-range inputs", &N, 1);
}

/* Two LSTMs in sequence (the noise suppression models: the first's output
 * sequence is the second's input), each with its own state. */
static net stacked(int s16) {
  net N;
  memset(&N, 0, sizeof N);
  N.batch = 1;
  N.steps = 4;
  N.n_layers = 2;
  if (s16) {
    N.L[0] = l16(6, 8, 3);
    N.L[1] = l16(8, 5, 4);
  } else {
    N.L[0] = l8(6, 8, 3, 0.05f, -4);
    N.L[1] = l8(8, 5, 4, 0.0f, 0);
  }
  N.L[1].sx = N.L[0].sh; /* its input is the first's output */
  N.L[1].zx = N.L[0].zh;
  return N;
}

static void test_stacked(void **state) {
  (void)state;
  net N = stacked(1);
  check_net("two 16x8 LSTMs", &N, 0);
  N = stacked(0);
  check_net("two 8x8 LSTMs", &N, 0);
}

static void expect(int variant, tmc_status want, const char *const *subs) {
  net N = net16(0, 0, 0.0f);
  built w;
  build(&w, &N, variant);
  pt_built p;
  tmc_status s = pt_plan(w.m, SUBJECT, NULL, &w.a, &p);
  if (!tt_diag_has(&p.diag, s, want, SUBJECT, subs)) {
    tt_diag_report("tmc_plan_build", s, &p.diag, want, subs);
    fail();
  }
  tmc_arena_free(&w.a);
}
#define EXPECT(variant, want, ...) expect(variant, want, (const char *const[]){__VA_ARGS__, NULL})

static void test_refusals(void **state) {
  (void)state;
  EXPECT(V_BIAS32, TMC_ERR_UNSUPPORTED, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM: input 12",
         "the input gate bias) is INT32, TFLM's 16x8->16 LSTM takes INT64");
  EXPECT(V_HIDDEN_ZP, TMC_ERR_UNSUPPORTED, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM: input 18",
         "'lstm0/output_state'): zero point 3; TFLM's integer kernel assumes 0");
  EXPECT(V_BIAS_HUGE, TMC_ERR_MODEL, "op 0 UNIDIRECTIONAL_SEQUENCE_LSTM: the cell gate, unit 1",
         "reaches 2^47, beyond TFLite's 16x8 requantization");
}

int main(int argc, char **argv) {
  tmc_sigmoid16_table(table);
  if (argc > 1) { /* lstm16_emit_test.sh: the models, inputs and reference outputs */
    write_dir = argv[1];
    net N = hand_net();
    check_net("hand", &N, 0);
    N = net16(0, 0, 0.0f);
    check_net("lstm16_batch_major", &N, 0);
    N = net16(1, 1, 2.0f);
    check_net("lstm16_time_major", &N, 1);
    N = stacked(1);
    check_net("lstm16_stacked", &N, 0);
    N = stacked(0);
    check_net("lstm8_stacked", &N, 0);
    return 0;
  }
  tt_start(argc, argv, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_requant_hand), cmocka_unit_test(test_hand_lstm),
      cmocka_unit_test(test_lstm16),       cmocka_unit_test(test_stacked),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
