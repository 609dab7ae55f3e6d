/* QAS + SGD (-ffp-contract=off: the same bits on the host and a device). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "train_sgd.h"

#include <stddef.h>

float tmc_qas_weight_factor(float s_w) { return 1.0f / (s_w * s_w); }

float tmc_qas_bias_factor(float s_w, float s_x) {
  return 1.0f / (s_w * s_w) / (s_x * s_x);
}

/* Nearest integer, ties away from zero, clamped to [lo, hi] (NaN: lo). */
static int64_t round_clamp(float v, int64_t lo, int64_t hi) {
  if (!(v > (float)lo)) return lo; /* NaN too */
  if (!(v < (float)hi)) return hi;
  const int64_t r = v < 0 ? -(int64_t)(-v + 0.5f) : (int64_t)(v + 0.5f);
  return r < lo ? lo : r > hi ? hi : r;
}

/* A step u rounded to an integer: floor(u + r), r uniform in [0, 1) from
 * the generator (24 bits of the LCG's high half), or to nearest (ties
 * away from zero) without one; within +-1e9 either way. */
static int64_t round_step(const tmc_sgd_opts *o, float u) {
  if (o->rng) {
    *o->rng = *o->rng * 1664525u + 1013904223u;
    const float f = u + (float)(*o->rng >> 8) * (1.0f / 16777216.0f);
    const float c = f < -1e9f ? -1e9f : f > 1e9f ? 1e9f : f;
    int64_t r = (int64_t)c;
    if ((float)r > c) r--; /* floor */
    return r;
  }
  return round_clamp(u, -1000000000, 1000000000);
}

/* One value: the int8-domain gradient gq, its step, and the new value
 * (of the master when there is one; with the residual res of an int8
 * weight, of the fixed-point value 256 v + *res). */
static int64_t step(const tmc_sgd_opts *o, float gq, int64_t v, float *mom, float *master,
                    int8_t *res, int64_t lo, int64_t hi) {
  if (mom) {
    *mom = o->momentum * *mom + gq;
    gq = *mom;
  }
  const float u = o->lr * gq;
  if (u != u) return v; /* a NaN step (an overflowed gradient) moves nothing */
  if (master) {
    *master -= u;
    if (*master < (float)lo) *master = (float)lo;
    if (*master > (float)hi) *master = (float)hi;
    return round_clamp(*master, lo, hi);
  }
  if (res) { /* v + res/256 moves by u in 1/256 units; v its nearest integer */
    int64_t q = 256 * v + *res - round_step(o, 256.0f * u);
    q = q < 256 * lo ? 256 * lo : q > 256 * hi ? 256 * hi : q;
    const int64_t nv = (q + 128 + 256 * 128) / 256 - 128; /* floor((q + 128) / 256) */
    *res = (int8_t)(q - 256 * nv);
    return nv;
  }
  const int64_t r = lo == -127 ? round_step(o, u) /* the int8 weights */
                               : round_clamp(u, -((int64_t)1 << 40), (int64_t)1 << 40);
  const int64_t nv = v - r;
  return nv < lo ? lo : nv > hi ? hi : nv;
}

void tmc_sgd_weights(const tmc_sgd_opts *o, int64_t n, float s_w, const float *g, int8_t *w,
                     float *mom, float *master, int8_t *res) {
  const float f = o->qas ? tmc_qas_weight_factor(s_w) : 1.0f;
  for (int64_t i = 0; i < n; i++) {
    /* d/dw of L + wd/2 |W|^2 with W = s_w w */
    float gq = s_w * g[i];
    if (o->weight_decay != 0.0f) gq += o->weight_decay * (s_w * s_w) * (float)w[i];
    gq *= f;
    w[i] = (int8_t)step(o, gq, w[i], mom ? &mom[i] : NULL, master ? &master[i] : NULL,
                        res ? &res[i] : NULL, -127, 127);
  }
}

void tmc_sgd_bias(const tmc_sgd_opts *o, int32_t n, const float *s_b, int per_channel,
                  const float *g, int32_t *b, float *mom, float *master) {
  for (int32_t i = 0; i < n; i++) {
    const float s = s_b[per_channel ? i : 0];
    float gq = s * g[i];
    if (o->qas) gq *= 1.0f / (s * s);
    b[i] = (int32_t)step(o, gq, b[i], mom ? &mom[i] : NULL, master ? &master[i] : NULL, NULL,
                         INT32_MIN, INT32_MAX);
  }
}
