/* Quantization-aware scaling (MCUNetV3) and SGD on int8 weights and int32
 * biases, in place. The gradients come in the real domain (dL/dW for the
 * real weight W = s_w * w); the int8-domain gradient is s_w * dL/dW (and
 * s_b * dL/db for a bias of scale s_b = s_w * s_x). QAS multiplies it by
 * s_w^-2 (s_b^-2 = s_w^-2 * s_x^-2): the update then moves the int8 value as
 * float SGD would move the real one, instead of s_w^2 times less. */
#ifndef TMC_KERNELS_TRAIN_SGD_H
#define TMC_KERNELS_TRAIN_SGD_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tmc_sgd_opts {
  float lr;           /* learning rate */
  float momentum;     /* 0: plain SGD (no momentum buffer needed) */
  float weight_decay; /* on the real weights (L2), not on biases */
  bool qas;           /* quantization-aware scaling (default on) */
  /* Stochastic rounding of the int8 weights' steps when not NULL: a step u
   * becomes floor(u + r), r uniform in [0, 1) from this 32-bit LCG state
   * (deterministic: the same sequence on every machine), so steps below
   * one int8 unit are taken with their probability instead of lost (with a
   * residual, tmc_sgd_weights: steps in 1/256 units). NULL: nearest, ties
   * away from zero. */
  uint32_t *rng;
} tmc_sgd_opts;

/* The QAS factors: s_w^-2 for a weight, s_w^-2 * s_x^-2 for a bias. */
float tmc_qas_weight_factor(float s_w);
float tmc_qas_bias_factor(float s_w, float s_x);

/* n int8 weights of one output channel, real scale s_w, real-domain
 * gradients g (already averaged over the batch). mom (n floats) is the
 * momentum buffer, NULL when momentum is 0; master (n floats, in int8
 * units) the float32 master copy of --float-reference, NULL otherwise: the
 * update then goes to the master and w is its rounded value. res (n
 * int8s, NULL: none) carries each weight's fractional part in 1/256 units:
 * the value is the fixed-point w + res/256 (w its nearest integer, res in
 * [-128, 127]), which takes the step rounded to 1/256 (stochastically with
 * o->rng), so steps far below one int8 unit accumulate instead of being
 * lost or taken with noise of a whole unit. Without res a step is rounded
 * to a whole unit (stochastically with o->rng, else to nearest, ties away
 * from zero). Weights stay in [-127, 127] (TFLite's symmetric int8
 * weights). */
void tmc_sgd_weights(const tmc_sgd_opts *o, int64_t n, float s_w, const float *g, int8_t *w,
                     float *mom, float *master, int8_t *res);

/* n int32 biases with scales s_b[k] (per channel), saturated to int32: a
 * step of any size (even infinite, through momentum or a float master)
 * stops at INT32_MIN or INT32_MAX and never wraps. A NaN step, for a bias
 * or a weight, leaves the value as it was. */
void tmc_sgd_bias(const tmc_sgd_opts *o, int32_t n, const float *s_b, int per_channel,
                  const float *g, int32_t *b, float *mom, float *master);

#endif
